//! A small quasi-Newton minimiser (BFGS with central-difference gradients and a backtracking
//! line search) for the ARIMA likelihoods, as R's `arima` and statsforecast use BFGS. The
//! ETS searches (`super::super::ets`) are box-constrained coordinate or simplex searches; the
//! ARIMA objectives are unconstrained and smooth (the AR parts are searched through the tanh
//! transform), where a gradient method needs far fewer evaluations.

/// Iterations at most (R's and statsforecast's `maxit = 100`).
const MAX_ITER: usize = 100;

/// Stops when an iteration lowers the objective by less than this (relative, plus the same
/// absolute).
const REL_TOL: f64 = 1e-8;

/// Forward-difference step (relative to the coordinate, at least this absolute).
const STEP: f64 = 1e-6;

/// Minimises `f` from `x0`; returns (f, x) of the best point found. Non-finite values count as
/// +∞ (the line search backs off from them).
pub fn bfgs(f: &mut impl FnMut(&[f64]) -> f64, x0: &[f64]) -> (f64, Vec<f64>) {
    let n = x0.len();
    let mut x = x0.to_vec();
    let mut fx = value(f, &x);
    if n == 0 || !fx.is_finite() {
        return (fx, x);
    }
    let mut g = gradient(f, &x, fx);
    // Inverse Hessian approximation (row-major), starting from the identity.
    let mut h = identity(n);
    for _ in 0..MAX_ITER {
        let dir: Vec<f64> = (0..n)
            .map(|i| -(0..n).map(|j| h[i * n + j] * g[j]).sum::<f64>())
            .collect();
        let slope: f64 = dir.iter().zip(&g).map(|(d, g)| d * g).sum();
        if slope.is_nan() || slope >= 0.0 {
            if h == identity(n) {
                break;
            }
            h = identity(n);
            continue;
        }
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..30 {
            let xt: Vec<f64> = x.iter().zip(&dir).map(|(x, d)| x + t * d).collect();
            let ft = value(f, &xt);
            if ft <= fx + 1e-4 * t * slope {
                accepted = Some((xt, ft));
                break;
            }
            t *= 0.2;
        }
        let Some((xn, fnew)) = accepted else {
            if h == identity(n) {
                break;
            }
            h = identity(n);
            continue;
        };
        let gn = gradient(f, &xn, fnew);
        let s: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        let gain = fx - fnew;
        (x, fx, g) = (xn, fnew, gn);
        if gain <= REL_TOL * (fx.abs() + REL_TOL) {
            break;
        }
        update(&mut h, &s, &yv);
    }
    (fx, x)
}

fn value(f: &mut impl FnMut(&[f64]) -> f64, x: &[f64]) -> f64 {
    let v = f(x);
    if v.is_finite() {
        v
    } else {
        f64::INFINITY
    }
}

fn identity(n: usize) -> Vec<f64> {
    let mut h = vec![0.0; n * n];
    for i in 0..n {
        h[i * n + i] = 1.0;
    }
    h
}

/// Forward differences (backward where the forward point is not finite).
fn gradient(f: &mut impl FnMut(&[f64]) -> f64, x: &[f64], fx: f64) -> Vec<f64> {
    let mut xs = x.to_vec();
    (0..x.len())
        .map(|i| {
            let e = STEP * x[i].abs().max(1.0);
            xs[i] = x[i] + e;
            let up = value(f, &xs);
            let g = if up.is_finite() {
                (up - fx) / e
            } else {
                xs[i] = x[i] - e;
                let down = value(f, &xs);
                if down.is_finite() {
                    (fx - down) / e
                } else {
                    0.0
                }
            };
            xs[i] = x[i];
            g
        })
        .collect()
}

/// The BFGS update of the inverse Hessian; skipped when the curvature condition fails.
fn update(h: &mut [f64], s: &[f64], y: &[f64]) {
    let n = s.len();
    let sy: f64 = s.iter().zip(y).map(|(a, b)| a * b).sum();
    if sy.is_nan() || sy <= 1e-12 {
        return;
    }
    let hy: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| h[i * n + j] * y[j]).sum())
        .collect();
    let yhy: f64 = y.iter().zip(&hy).map(|(a, b)| a * b).sum();
    let rho = 1.0 / sy;
    for i in 0..n {
        for j in 0..n {
            h[i * n + j] +=
                (1.0 + yhy * rho) * rho * s[i] * s[j] - rho * (hy[i] * s[j] + s[i] * hy[j]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_the_rosenbrock_valley() {
        let mut f = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let (v, x) = bfgs(&mut f, &[-1.2, 1.0]);
        assert!(v < 1e-6, "{v}");
        assert!(
            (x[0] - 1.0).abs() < 1e-2 && (x[1] - 1.0).abs() < 2e-2,
            "{x:?}"
        );
    }

    #[test]
    fn quadratic_in_few_iterations() {
        let mut calls = 0;
        let mut f = |x: &[f64]| {
            calls += 1;
            (x[0] - 3.0).powi(2) + 2.0 * (x[1] + 1.0).powi(2)
        };
        let (v, x) = bfgs(&mut f, &[0.0, 0.0]);
        assert!(v < 1e-8 && (x[0] - 3.0).abs() < 1e-4 && (x[1] + 1.0).abs() < 1e-4);
        assert!(calls < 200, "{calls}");
    }
}
