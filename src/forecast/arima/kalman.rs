//! The exact Gaussian likelihood of an ARIMA model by the Kalman filter, in the state-space
//! form of Gardner, Harvey & Phillips (1980) that R's `arima` (and statsforecast's port of it)
//! uses: r = max(p, q + 1) ARMA states and d + mD differencing states with a diffuse prior
//! (variance κ = 10⁶), the ARMA states starting from their stationary covariance. Also the
//! forecasts and their variances from the filtered state. Not the parameter search (`fit`).

/// Variance of the diffuse prior of the differencing states (R's κ).
const KAPPA: f64 = 1e6;

/// Innovations whose variance (in units of σ²) reaches this are left out of the likelihood,
/// as R does (the diffuse start).
const GAIN_MAX: f64 = 1e4;

/// The filter stops updating the state covariance once its one-step prediction changes by less
/// than this (absolute, in units of σ²) between two steps: from then on it is the steady state,
/// and each step costs O(states) instead of O(states²). R's filter has no such shortcut; the
/// likelihood differs from the full recursion by far less than the search's tolerance. At
/// 1e-11 the shortcut seldom fired on seasonal monthly orders (covariances near a unit MA
/// root converge slowly); at 1e-8 the M1 monthly fits take half the time and their forecasts
/// move by at most 4e-7 relative (benches/RESULTS.md, "AutoARIMA on M1").
const STEADY: f64 = 1e-8;

/// The state-space model of one ARIMA: full AR φ, MA θ (padded to r − 1), differencing δ.
#[derive(Debug, Clone)]
pub struct Model {
    /// Full AR polynomial coefficients.
    pub phi: Vec<f64>,
    /// Full MA polynomial coefficients, padded with zeros to r − 1.
    pub theta: Vec<f64>,
    /// Differencing coefficients (see `Order::delta`).
    pub delta: Vec<f64>,
    /// ARMA states r.
    pub r: usize,
    /// Filtered state after the last observation.
    pub a: Vec<f64>,
    /// Its covariance (column-major, (r + d)², in units of σ²).
    pub p: Vec<f64>,
}

/// What the filter returns: Σ v²/F, Σ ln F and the count of innovations used.
#[derive(Debug, Clone, Copy, Default)]
pub struct Likelihood {
    /// Sum of squared standardised innovations (times σ²).
    pub ssq: f64,
    /// Sum of log innovation variances (in units of σ²).
    pub sumlog: f64,
    /// Innovations counted.
    pub nu: usize,
}

impl Likelihood {
    /// Counts innovation `v` of variance `f` (in units of σ²) — unless `f` is diffuse
    /// ([`GAIN_MAX`]) — and appends v/√f to `resid` when given.
    fn add(&mut self, v: f64, f: f64, resid: Option<&mut Vec<f64>>) {
        if f < GAIN_MAX {
            self.nu += 1;
            self.ssq += v * v / f;
            self.sumlog += f.ln();
        }
        if let Some(res) = resid {
            res.push(v / f.sqrt());
        }
    }

    /// The concentrated objective ½(ln(ssq/ν) + sumlog/ν) (σ² profiled out); infinite when
    /// nothing was counted.
    pub fn objective(&self) -> f64 {
        if self.nu == 0 || self.ssq <= 0.0 || !self.ssq.is_finite() {
            return f64::INFINITY;
        }
        let nu = self.nu as f64;
        0.5 * ((self.ssq / nu).ln() + self.sumlog / nu)
    }
}

impl Model {
    /// The model of full polynomials φ, θ and differencing δ, before any observation.
    pub fn new(phi: &[f64], theta: &[f64], delta: &[f64]) -> Self {
        let r = phi.len().max(theta.len() + 1);
        let mut th = theta.to_vec();
        th.resize(r - 1, 0.0);
        let rd = r + delta.len();
        Self {
            phi: phi.to_vec(),
            theta: th,
            delta: delta.to_vec(),
            r,
            a: vec![0.0; rd],
            p: vec![0.0; rd * rd],
        }
    }

    fn rd(&self) -> usize {
        self.r + self.delta.len()
    }

    /// The prior covariance of the state: the ARMA block stationary, the differencing states
    /// diffuse. `None` when the AR part is not stationary.
    fn prior(&self) -> Option<Vec<f64>> {
        let (r, rd) = (self.r, self.rd());
        let q0 = stationary_covariance(&self.phi, &self.theta, r)?;
        let mut pn = vec![0.0; rd * rd];
        for i in 0..r {
            for j in 0..r {
                pn[i + rd * j] = q0[i + r * j];
            }
        }
        for i in r..rd {
            pn[i + rd * i] = KAPPA;
        }
        Some(pn)
    }

    /// One-step prediction of the state mean: anew = T·a.
    fn predict_state(&self, a: &[f64], anew: &mut [f64]) {
        let (r, p, d) = (self.r, self.phi.len(), self.delta.len());
        for i in 0..r {
            let mut tmp = if i + 1 < r { a[i + 1] } else { 0.0 };
            if i < p {
                tmp += self.phi[i] * a[0];
            }
            anew[i] = tmp;
        }
        if d > 0 {
            for i in (r + 1..r + d).rev() {
                anew[i] = a[i - 1];
            }
            let mut tmp = a[0];
            for k in 0..d {
                tmp += self.delta[k] * a[r + k];
            }
            anew[r] = tmp;
        }
    }

    /// One-step prediction of the state covariance: Pnew = T·P·T' + R·R' (`mm` scratch).
    fn predict_cov(&self, pm: &[f64], mm: &mut [f64], pnew: &mut [f64]) {
        let (r, p, d, rd) = (self.r, self.phi.len(), self.delta.len(), self.rd());
        // mm = T·P
        for j in 0..rd {
            for i in 0..r {
                let mut tmp = 0.0;
                if i < p {
                    tmp += self.phi[i] * pm[rd * j];
                }
                if i + 1 < r {
                    tmp += pm[i + 1 + rd * j];
                }
                mm[i + rd * j] = tmp;
            }
            if d > 0 {
                let mut tmp = pm[rd * j];
                for k in 0..d {
                    tmp += self.delta[k] * pm[r + k + rd * j];
                }
                mm[r + rd * j] = tmp;
                for i in 1..d {
                    mm[r + i + rd * j] = pm[r + i - 1 + rd * j];
                }
            }
        }
        // Pnew = mm·T'
        for j in 0..rd {
            for i in 0..r {
                let mut tmp = 0.0;
                if i < p {
                    tmp += self.phi[i] * mm[j];
                }
                if i + 1 < r {
                    tmp += mm[rd * (i + 1) + j];
                }
                pnew[j + rd * i] = tmp;
            }
            if d > 0 {
                let mut tmp = mm[j];
                for k in 0..d {
                    tmp += self.delta[k] * mm[rd * (r + k) + j];
                }
                pnew[j + rd * r] = tmp;
                for i in 1..d {
                    pnew[j + rd * (r + i)] = mm[rd * (r + i - 1) + j];
                }
            }
        }
        let q = self.theta.len();
        for i in 0..=q {
            let vi = if i == 0 { 1.0 } else { self.theta[i - 1] };
            for j in 0..=q {
                let vj = if j == 0 { 1.0 } else { self.theta[j - 1] };
                pnew[i + rd * j] += vi * vj;
            }
        }
    }

    /// Runs the filter over `y` from the prior; leaves the filtered state after the last
    /// observation in `a` and `p`, and writes the standardised innovations into `resid` when
    /// given. `None` when the AR part is not stationary.
    pub fn filter(&mut self, y: &[f64], mut resid: Option<&mut Vec<f64>>) -> Option<Likelihood> {
        let (r, d, rd) = (self.r, self.delta.len(), self.rd());
        let mut pnew = self.prior()?;
        let mut a = vec![0.0; rd];
        let mut pm = vec![0.0; rd * rd];
        let mut anew = vec![0.0; rd];
        let mut mm = vec![0.0; rd * rd];
        let mut mvec = vec![0.0; rd];
        let mut previous = vec![0.0; rd * rd];
        let mut steady = false;
        let mut gain = 0.0;
        let mut out = Likelihood::default();
        if let Some(res) = resid.as_deref_mut() {
            res.clear();
        }
        for (l, &obs) in y.iter().enumerate() {
            self.predict_state(&a, &mut anew);
            if l > 0 && !steady {
                previous.copy_from_slice(&pnew);
                self.predict_cov(&pm, &mut mm, &mut pnew);
                steady = l > rd
                    && pnew
                        .iter()
                        .zip(&previous)
                        .all(|(x, y)| (x - y).abs() < STEADY);
            }
            let mut innovation = obs - anew[0];
            for i in 0..d {
                innovation -= self.delta[i] * anew[r + i];
            }
            if !steady {
                for i in 0..rd {
                    let mut tmp = pnew[i];
                    for j in 0..d {
                        tmp += pnew[i + rd * (r + j)] * self.delta[j];
                    }
                    mvec[i] = tmp;
                }
                gain = mvec[0];
                for j in 0..d {
                    gain += self.delta[j] * mvec[r + j];
                }
            }
            out.add(innovation, gain, resid.as_deref_mut());
            for i in 0..rd {
                a[i] = anew[i] + mvec[i] * innovation / gain;
            }
            if !steady {
                for i in 0..rd {
                    for j in 0..rd {
                        pm[i + rd * j] = pnew[i + rd * j] - mvec[i] * mvec[j] / gain;
                    }
                }
            }
        }
        self.a = a;
        self.p = pm;
        Some(out)
    }

    /// Forecasts `h` steps ahead from the filtered state and their variances in units of σ²
    /// (R's `KalmanForecast`).
    pub fn forecast(&self, h: usize) -> (Vec<f64>, Vec<f64>) {
        let (r, rd) = (self.r, self.rd());
        let mut a = self.a.clone();
        let mut anew = vec![0.0; rd];
        let mut pm = self.p.clone();
        let mut pnew = vec![0.0; rd * rd];
        let mut mm = vec![0.0; rd * rd];
        let z: Vec<f64> = (0..rd)
            .map(|i| match i {
                0 => 1.0,
                i if i >= r => self.delta[i - r],
                _ => 0.0,
            })
            .collect();
        let (mut mean, mut var) = (Vec::with_capacity(h), Vec::with_capacity(h));
        for _ in 0..h {
            self.predict_state(&a, &mut anew);
            a.copy_from_slice(&anew);
            self.predict_cov(&pm, &mut mm, &mut pnew);
            pm.copy_from_slice(&pnew);
            mean.push(z.iter().zip(&a).map(|(z, a)| z * a).sum());
            let mut v = 0.0;
            for i in 0..rd {
                for j in 0..rd {
                    v += z[i] * z[j] * pm[i + rd * j];
                }
            }
            var.push(v);
        }
        (mean, var)
    }
}

/// The exact Gaussian likelihood of the stationary ARMA(φ, θ) (full polynomials, no
/// differencing states) for `y`, by the Chandrasekhar recursions (Morf, Sidhu & Kailath 1974;
/// the form of Durbin & Koopman 2012, §4.3.4 and statsmodels' `filter_chandrasekhar`): the
/// same innovations and variances as [`Model::filter`] from the stationary prior, in O(r)
/// operations per observation instead of O(r²). From a stationary prior the change of the
/// predicted state covariance between two steps, P_{t+1} − P_t = W_t·M_t·W_t', has rank one
/// (W_1 = K_1, M_1 = −F_1), and W, M, the innovation variance F and the gain K follow from
/// each other:
///
/// - F_{t+1} = F_t + (Z·W_t)²·M_t, K_{t+1}·F_{t+1} = K_t·F_t + T·W_t·M_t·(Z·W_t),
/// - W_{t+1} = (T − K_{t+1}·Z)·W_t, M_{t+1} = M_t + M_t²·(Z·W_t)²/F_t.
///
/// This is the search's likelihood (`super::fit`: the differenced series); the state for
/// forecasting still comes from `Model::filter`. Writes the standardised innovations into
/// `resid` when given. `None` when the AR part is not stationary.
pub fn arma_likelihood(
    phi: &[f64],
    theta: &[f64],
    y: &[f64],
    mut resid: Option<&mut Vec<f64>>,
) -> Option<Likelihood> {
    let r = phi.len().max(theta.len() + 1);
    let p = phi.len();
    let p0 = stationary_covariance(phi, theta, r)?;
    // T·x for the ARMA block: (T·x)_i = φ_i·x_0 + x_{i+1}.
    let t_times = |x: &[f64], out: &mut [f64]| {
        for i in 0..r {
            let next = if i + 1 < r { x[i + 1] } else { 0.0 };
            out[i] = if i < p { phi[i] * x[0] + next } else { next };
        }
    };
    let mut a = vec![0.0; r];
    let mut anew = vec![0.0; r];
    // K·F = T·P_1·Z' with P_1 the stationary covariance and Z = e_1.
    let mut kf = vec![0.0; r];
    t_times(&p0[..r], &mut kf);
    let mut f = p0[0];
    let mut w: Vec<f64> = kf.iter().map(|k| k / f).collect();
    let mut m = -f;
    let mut tw = vec![0.0; r];
    let mut steady = false;
    let mut out = Likelihood::default();
    if let Some(res) = resid.as_deref_mut() {
        res.clear();
    }
    for &obs in y {
        if f.is_nan() || f <= 0.0 {
            return None;
        }
        let innovation = obs - a[0];
        out.add(innovation, f, resid.as_deref_mut());
        // a_{t+1} = T·a_t + K_t·v_t.
        t_times(&a, &mut anew);
        let scaled = innovation / f;
        for (an, k) in anew.iter_mut().zip(&kf) {
            *an += k * scaled;
        }
        std::mem::swap(&mut a, &mut anew);
        if steady {
            continue;
        }
        let zw = w[0];
        let f_next = f + zw * zw * m;
        t_times(&w, &mut tw);
        for (k, t) in kf.iter_mut().zip(&tw) {
            *k += t * m * zw;
        }
        for (wi, (t, k)) in w.iter_mut().zip(tw.iter().zip(&kf)) {
            *wi = t - k / f_next * zw;
        }
        m += m * m * zw * zw / f;
        f = f_next;
        // The same steady-state shortcut as the full filter: the covariance's change between
        // steps below STEADY in every entry.
        let wmax = w.iter().fold(0.0f64, |acc, v| acc.max(v.abs()));
        steady = wmax * wmax * m.abs() < STEADY;
    }
    Some(out)
}

/// Covariance (column-major r × r, unit innovation variance) of the ARMA state vector of a
/// stationary ARMA(φ, θ) in the Harvey form: the solution of P = T·P·T' + R·R' that R computes
/// with Gardner et al.'s algorithm (AS 154), here from the autocovariances. Each state is
/// α[i] = Σ_{j<r−i} (φ_{i+j+1}·y_{t−1−j} + θ_{i+j}·ε_{t−j}) (θ₀ = 1), so P = A·Σ·A' with Σ the
/// joint covariance of (y_{t−1} … y_{t−r}, ε_t … ε_{t−r+1}). `None` when not stationary.
pub fn stationary_covariance(phi: &[f64], theta: &[f64], r: usize) -> Option<Vec<f64>> {
    let p = phi.len();
    let th = |k: usize| match k {
        0 => 1.0,
        k if k <= theta.len() => theta[k - 1],
        _ => 0.0,
    };
    let ph = |k: usize| if k >= 1 && k <= p { phi[k - 1] } else { 0.0 };
    let q = theta.len();
    // ψ weights 0..=r + q.
    let n_psi = r + q + 1;
    let mut psi = vec![0.0; n_psi];
    for j in 0..n_psi {
        let mut v = th(j);
        for k in 1..=j.min(p) {
            v += ph(k) * psi[j - k];
        }
        psi[j] = v;
    }
    let rhs = |k: usize| (k..=q).map(|j| th(j) * psi[j - k]).sum::<f64>();
    // γ(0..=p) from the (p + 1) linear equations, then the recursion up to r.
    let mut gamma = vec![0.0; r.max(p) + 1];
    let n = p + 1;
    let mut m = vec![0.0; n * n];
    let mut b: Vec<f64> = (0..n).map(rhs).collect();
    for k in 0..n {
        m[k * n + k] += 1.0;
        for j in 1..=p {
            let lag = k.abs_diff(j);
            m[k * n + lag] -= ph(j);
        }
    }
    let sol = solve(&mut m, &mut b, n)?;
    gamma[..n].copy_from_slice(&sol);
    for k in n..gamma.len() {
        gamma[k] = (1..=p).map(|j| ph(j) * gamma[k - j]).sum::<f64>() + rhs(k);
    }
    if gamma[0].is_nan() || gamma[0] <= 0.0 || !gamma.iter().all(|g| g.is_finite()) {
        return None;
    }
    // Σ over v = (y_{t−1} … y_{t−r}, ε_t … ε_{t−r+1}).
    let w = 2 * r;
    let mut sigma = vec![0.0; w * w];
    for a in 0..r {
        for b2 in 0..r {
            sigma[a * w + b2] = gamma[a.abs_diff(b2)];
            // Cov(y_{t−1−a}, ε_{t−b}) = ψ_{b−1−a}.
            let c = if b2 > a { psi[b2 - 1 - a] } else { 0.0 };
            sigma[a * w + r + b2] = c;
            sigma[(r + b2) * w + a] = c;
        }
        sigma[(r + a) * w + r + a] = 1.0;
    }
    // A (r × 2r).
    let mut amat = vec![0.0; r * w];
    for i in 0..r {
        for j in 0..r - i {
            amat[i * w + j] = ph(i + j + 1);
            amat[i * w + r + j] = th(i + j);
        }
    }
    // B = A·Σ, P = B·A'.
    let mut bm = vec![0.0; r * w];
    for i in 0..r {
        for k in 0..w {
            let aik = amat[i * w + k];
            if aik != 0.0 {
                for j in 0..w {
                    bm[i * w + j] += aik * sigma[k * w + j];
                }
            }
        }
    }
    let mut out = vec![0.0; r * r];
    for i in 0..r {
        for j in i..r {
            let v: f64 = (0..w).map(|k| bm[i * w + k] * amat[j * w + k]).sum();
            out[i + r * j] = v;
            out[j + r * i] = v;
        }
    }
    Some(out)
}

/// Solves the n × n system (row-major `m`) by Gaussian elimination with partial pivoting;
/// `None` when (nearly) singular.
fn solve(m: &mut [f64], b: &mut [f64], n: usize) -> Option<Vec<f64>> {
    for col in 0..n {
        let piv =
            (col..n).max_by(|&i, &j| m[i * n + col].abs().total_cmp(&m[j * n + col].abs()))?;
        if m[piv * n + col].abs() < 1e-12 {
            return None;
        }
        if piv != col {
            for k in 0..n {
                m.swap(piv * n + k, col * n + k);
            }
            b.swap(piv, col);
        }
        for row in col + 1..n {
            let f = m[row * n + col] / m[col * n + col];
            if f != 0.0 {
                for k in col..n {
                    m[row * n + k] -= f * m[col * n + k];
                }
                b[row] -= f * b[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| m[row * n + k] * x[k]).sum();
        x[row] = (b[row] - s) / m[row * n + row];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ar1_and_ma1_stationary_covariances() {
        // AR(1): 1/(1 − φ²).
        let p = stationary_covariance(&[0.6], &[], 1).unwrap();
        assert!((p[0] - 1.0 / (1.0 - 0.36)).abs() < 1e-12);
        // MA(1) (r = 2): α = (y_t, θ ε_t); Var y = 1 + θ², Cov = θ, Var α₂ = θ².
        let p = stationary_covariance(&[], &[0.5], 2).unwrap();
        let expected = [1.25, 0.5, 0.5, 0.25];
        for (a, b) in p.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        assert!(stationary_covariance(&[1.2], &[], 1).is_none());
    }

    #[test]
    fn covariance_solves_the_lyapunov_equation() {
        let phi = [0.5, -0.3, 0.2];
        let theta = [0.4, 0.1];
        let r = 3;
        let p = stationary_covariance(&phi, &theta, r).unwrap();
        // T·P·T' + R·R' must give P back.
        let model = Model::new(&phi, &theta, &[]);
        let (mut mm, mut pnew) = (vec![0.0; 9], vec![0.0; 9]);
        model.predict_cov(&p, &mut mm, &mut pnew);
        for (a, b) in p.iter().zip(&pnew) {
            assert!((a - b).abs() < 1e-10, "{a} vs {b}");
        }
    }

    #[test]
    fn chandrasekhar_recursions_give_the_kalman_filter_likelihood() {
        // Pseudo-random data; orders up to a seasonal ARMA(1,1)(1,1)_12 (r = 14).
        let y: Vec<f64> = (0..120)
            .map(|t: u32| {
                (f64::from(t * 7919 % 113) / 113.0 - 0.5) * 3.0 + (f64::from(t) * 0.5).sin()
            })
            .collect();
        let seasonal_ar = {
            let mut phi = vec![0.0; 13];
            phi[0] = 0.5;
            phi[11] = 0.3;
            phi[12] = -0.15;
            phi
        };
        let seasonal_ma = {
            let mut theta = vec![0.0; 13];
            theta[0] = -0.4;
            theta[11] = -0.6;
            theta[12] = 0.24;
            theta
        };
        let cases: [(&[f64], &[f64]); 5] = [
            (&[0.6], &[]),
            (&[], &[0.5]),
            (&[0.5, -0.3, 0.2], &[0.4, 0.1]),
            (&seasonal_ar, &[-0.4]),
            (&[0.5], &seasonal_ma),
        ];
        for (phi, theta) in cases {
            let mut full = Vec::new();
            let mut fast = Vec::new();
            let a = Model::new(phi, theta, &[])
                .filter(&y, Some(&mut full))
                .unwrap();
            let b = arma_likelihood(phi, theta, &y, Some(&mut fast)).unwrap();
            assert_eq!(a.nu, b.nu);
            assert!((a.ssq - b.ssq).abs() < 1e-9 * a.ssq, "{a:?} vs {b:?}");
            assert!((a.sumlog - b.sumlog).abs() < 1e-9, "{a:?} vs {b:?}");
            for (x, z) in full.iter().zip(&fast) {
                assert!((x - z).abs() < 1e-9, "{x} vs {z}");
            }
        }
        assert!(arma_likelihood(&[1.2], &[], &y, None).is_none());
    }

    #[test]
    fn white_noise_likelihood_is_the_sum_of_squares() {
        let y = [1.0, -2.0, 0.5, 3.0];
        let mut model = Model::new(&[], &[], &[]);
        let lik = model.filter(&y, None).unwrap();
        assert_eq!(lik.nu, 4);
        assert!((lik.ssq - 14.25).abs() < 1e-12);
        assert!(lik.sumlog.abs() < 1e-12);
    }

    #[test]
    fn random_walk_forecast_is_flat_with_growing_variance() {
        // ARIMA(0,1,0): the first innovation is diffuse (left out), then y_t − y_{t−1}.
        let y = [1.0, 3.0, 2.0, 5.0];
        let mut model = Model::new(&[], &[], &[1.0]);
        let lik = model.filter(&y, None).unwrap();
        assert_eq!(lik.nu, 3);
        assert!((lik.ssq - (4.0 + 1.0 + 9.0)).abs() < 1e-6);
        let (mean, var) = model.forecast(3);
        for (h, (m, v)) in mean.iter().zip(&var).enumerate() {
            assert!((m - 5.0).abs() < 1e-6);
            assert!((v - (h + 1) as f64).abs() < 1e-6, "{v}");
        }
    }
}
