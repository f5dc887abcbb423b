//! ARIMA coefficients: the order, the expansion of the multiplicative seasonal polynomials
//! into full AR and MA lag polynomials, the partial-autocorrelation (tanh) transform that keeps
//! the AR parts stationary during the likelihood search, and the root checks. Not the
//! likelihood or the search (siblings `kalman`, `fit`).

/// The order of a seasonal ARIMA(p,d,q)(P,D,Q)m.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Order {
    /// Non-seasonal AR order p.
    pub p: usize,
    /// Non-seasonal differences d.
    pub d: usize,
    /// Non-seasonal MA order q.
    pub q: usize,
    /// Seasonal AR order P.
    pub sp: usize,
    /// Seasonal differences D.
    pub sd: usize,
    /// Seasonal MA order Q.
    pub sq: usize,
    /// Seasonal period m (1: no season).
    pub m: usize,
}

impl Order {
    /// Number of ARMA coefficients p + q + P + Q.
    pub fn n_arma(&self) -> usize {
        self.p + self.q + self.sp + self.sq
    }

    /// Coefficients of the differencing operator (1 − B)^d (1 − B^m)^D written as
    /// y_t = Σ δ_i y_{t−i} + w_t: returns δ_1 … δ_{d+mD}.
    pub fn delta(&self) -> Vec<f64> {
        let mut poly = vec![1.0];
        let mul = |poly: &[f64], lag: usize| {
            let mut out = vec![0.0; poly.len() + lag];
            for (i, &c) in poly.iter().enumerate() {
                out[i] += c;
                out[i + lag] -= c;
            }
            out
        };
        for _ in 0..self.d {
            poly = mul(&poly, 1);
        }
        for _ in 0..self.sd {
            poly = mul(&poly, self.m);
        }
        poly[1..].iter().map(|c| -c).collect()
    }

    /// The usual label, e.g. `ARIMA(1,1,1)(0,1,1)[12]`.
    pub fn label(&self) -> String {
        let mut s = format!("ARIMA({},{},{})", self.p, self.d, self.q);
        if self.m > 1 && self.sp + self.sd + self.sq > 0 {
            s += &format!("({},{},{})[{}]", self.sp, self.sd, self.sq, self.m);
        }
        s
    }
}

/// Maps unconstrained values to the coefficients of a stationary AR polynomial: tanh gives
/// partial autocorrelations in (−1, 1), the Durbin–Levinson recursion the coefficients (R's
/// `partrans`, Jones 1980).
pub fn partrans(raw: &[f64]) -> Vec<f64> {
    let mut new: Vec<f64> = raw.iter().map(|v| v.tanh()).collect();
    let mut work = new.clone();
    for j in 1..new.len() {
        let a = new[j];
        for k in 0..j {
            work[k] -= a * new[j - k - 1];
        }
        new[..j].copy_from_slice(&work[..j]);
    }
    new
}

/// Inverse of [`partrans`] for stationary coefficients (R's `invpartrans`); `None` when the
/// polynomial is not stationary.
pub fn invpartrans(phi: &[f64]) -> Option<Vec<f64>> {
    let mut new = phi.to_vec();
    let mut work = new.clone();
    for j in (1..new.len()).rev() {
        let a = new[j];
        if a.abs() >= 1.0 {
            return None;
        }
        for k in 0..j {
            work[k] = (new[k] + a * new[j - k - 1]) / (1.0 - a * a);
        }
        new[..j].copy_from_slice(&work[..j]);
    }
    if new.first().is_some_and(|a| a.abs() >= 1.0) {
        return None;
    }
    Some(new.iter().map(|v| v.atanh()).collect())
}

/// The full AR (φ, length p + mP) and MA (θ, length q + mQ) lag polynomials of the
/// multiplicative model from the coefficients [ar…, ma…, sar…, sma…] (R's `ARIMA_transPars`
/// without the transform): (1 − Σφ_i B^i) = (1 − Σar_i B^i)(1 − Σsar_j B^{mj}), and
/// (1 + Σθ_i B^i) = (1 + Σma_i B^i)(1 + Σsma_j B^{mj}).
pub fn expand(coef: &[f64], o: &Order) -> (Vec<f64>, Vec<f64>) {
    let (ar, rest) = coef.split_at(o.p);
    let (ma, rest) = rest.split_at(o.q);
    let (sar, rest) = rest.split_at(o.sp);
    let sma = &rest[..o.sq];
    let m = o.m;
    let mut phi = vec![0.0; o.p + m * o.sp];
    let mut theta = vec![0.0; o.q + m * o.sq];
    phi[..o.p].copy_from_slice(ar);
    theta[..o.q].copy_from_slice(ma);
    for (j, &s) in sar.iter().enumerate() {
        phi[(j + 1) * m - 1] += s;
        for (i, &a) in ar.iter().enumerate() {
            phi[(j + 1) * m + i] -= a * s;
        }
    }
    for (j, &s) in sma.iter().enumerate() {
        theta[(j + 1) * m - 1] += s;
        for (i, &a) in ma.iter().enumerate() {
            theta[(j + 1) * m + i] += a * s;
        }
    }
    (phi, theta)
}

/// The coefficients with the AR and seasonal AR parts mapped through [`partrans`] (the
/// search's parameters to the model's).
pub fn untransform(raw: &[f64], o: &Order) -> Vec<f64> {
    let mut c = raw.to_vec();
    c[..o.p].copy_from_slice(&partrans(&raw[..o.p]));
    let s = o.p + o.q;
    c[s..s + o.sp].copy_from_slice(&partrans(&raw[s..s + o.sp]));
    c
}

/// The inverse of [`untransform`]; `None` when an AR part is not stationary.
pub fn transform(coef: &[f64], o: &Order) -> Option<Vec<f64>> {
    let mut c = coef.to_vec();
    c[..o.p].copy_from_slice(&invpartrans(&coef[..o.p])?);
    let s = o.p + o.q;
    c[s..s + o.sp].copy_from_slice(&invpartrans(&coef[s..s + o.sp])?);
    Some(c)
}

/// Smallest modulus of the roots of 1 + Σ c_i zⁱ (trailing zero coefficients dropped) is at
/// least `radius`: the Schur–Cohn step-down recursion on the polynomial rescaled by `radius`.
/// An AR polynomial 1 − Σφ_i zⁱ is checked with c = −φ, an MA one with c = θ.
pub fn roots_outside(c: &[f64], radius: f64) -> bool {
    let len = c.iter().rposition(|v| v.abs() > 1e-8).map_or(0, |i| i + 1);
    if len == 0 {
        return true;
    }
    // a(z) = 1 + Σ c_i (radius·z)^i: roots of the original outside `radius` ⇔ roots of a
    // outside the unit circle ⇔ the step-down coefficients all lie in (−1, 1).
    let mut a: Vec<f64> = std::iter::once(1.0)
        .chain(
            c[..len]
                .iter()
                .enumerate()
                .map(|(i, v)| v * radius.powi(i as i32 + 1)),
        )
        .collect();
    for d in (1..a.len()).rev() {
        let k = a[d] / a[0];
        if !k.is_finite() || k.abs() >= 1.0 {
            return false;
        }
        let next: Vec<f64> = (0..d).map(|i| a[i] - k * a[d - i]).collect();
        a.truncate(d);
        a.copy_from_slice(&next);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partrans_round_trips_and_is_stationary() {
        let raw = [0.3, -1.2, 0.8];
        let phi = partrans(&raw);
        let neg: Vec<f64> = phi.iter().map(|v| -v).collect();
        assert!(roots_outside(&neg, 1.0));
        let back = invpartrans(&phi).unwrap();
        for (a, b) in back.iter().zip(raw) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        // AR(1): φ = tanh(raw).
        assert!((partrans(&[0.5])[0] - 0.5f64.tanh()).abs() < 1e-15);
    }

    #[test]
    fn seasonal_polynomials_multiply_out() {
        let o = Order {
            p: 1,
            d: 0,
            q: 1,
            sp: 1,
            sd: 0,
            sq: 1,
            m: 4,
        };
        let (phi, theta) = expand(&[0.5, 0.3, 0.2, -0.4], &o);
        // (1 − 0.5B)(1 − 0.2B⁴) = 1 − 0.5B − 0.2B⁴ + 0.1B⁵.
        assert_eq!(phi.len(), 5);
        let expected_phi = [0.5, 0.0, 0.0, 0.2, -0.1];
        let expected_theta = [0.3, 0.0, 0.0, -0.4, -0.12];
        for (a, b) in phi
            .iter()
            .zip(expected_phi)
            .chain(theta.iter().zip(expected_theta))
        {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }

    #[test]
    fn differencing_operator() {
        let o = Order {
            p: 0,
            d: 1,
            q: 0,
            sp: 0,
            sd: 1,
            sq: 0,
            m: 4,
        };
        // (1 − B)(1 − B⁴) = 1 − B − B⁴ + B⁵ → δ = [1, 0, 0, 1, −1].
        assert_eq!(o.delta(), vec![1.0, 0.0, 0.0, 1.0, -1.0]);
    }

    #[test]
    fn root_checks() {
        // 1 − 0.5z: root 2.
        assert!(roots_outside(&[-0.5], 1.01));
        assert!(!roots_outside(&[-0.5], 2.5));
        // 1 + 0.995z: root ≈ 1.005, inside 1.01.
        assert!(!roots_outside(&[0.995], 1.01));
        // 1 − 1.5z + 0.56z² = (1 − 0.7z)(1 − 0.8z): roots 1.43 and 1.25.
        assert!(roots_outside(&[-1.5, 0.56], 1.2));
        assert!(!roots_outside(&[-1.5, 0.56], 1.3));
    }
}
