//! Holt's linear trend method with damping (Gardner & McKenzie 1985), parameters estimated.
//!
//! Recursions (additive errors, damped additive trend; Hyndman & Athanasopoulos, ch. 8.2):
//!
//! ```text
//! forecast of y_t:  ŷ_t = l_{t−1} + φ·b_{t−1}
//! level:            l_t = α·y_t + (1 − α)·(l_{t−1} + φ·b_{t−1})
//! trend:            b_t = β·(l_t − l_{t−1}) + (1 − β)·φ·b_{t−1}
//! h steps ahead:    l_n + (φ + φ² + … + φʰ)·b_n
//! ```
//!
//! | name | default | meaning | range |
//! |---|---|---|---|
//! | `alpha` | estimated | level smoothing | [0.0001, 0.9999] |
//! | `beta` | estimated | trend smoothing | [0.0001, 0.9999] |
//! | `phi` | estimated | damping; 1 = undamped Holt | [0.8, 0.98] |
//! | `l0`, `b0` | estimated | initial level and trend (exact least squares given α, β, φ) | unbounded |
//!
//! Fitted on the most recent 730 buckets. Estimation minimises the in-sample one-step squared
//! error. For given (α, β, φ) the errors are affine in the initial states, so the best (l₀, b₀)
//! is solved exactly by least squares; (α, β, φ) are found by the cyclic coordinate descent that
//! AutoETS uses ([`super::ets`]: up to 4 sweeps of Brent line searches within the bounds,
//! stopping once a sweep lowers the SSE by at most 1e-9 of itself), started from the best of
//! six values of α (0.001, 0.05, 0.2, 0.4, 0.6, 0.8; β = 0.01, φ = 0.95) by SSE. Holt is
//! ETS(A,Ad,N) with β = α·`beta`; this
//! module keeps its own two-state profile, which is faster than AutoETS's general one.

use super::{
    ets::{minimise_screened, SCREENED_ALPHAS},
    FittedForecaster, ForecastError, Forecaster,
};

/// Damped Holt with estimated parameters.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Holt;

/// Parameters: α, β, φ, l₀, b₀.
type Params = [f64; 5];

/// Sum of squared one-step errors and the final state (level, trend).
fn run(y: &[f64], p: &Params) -> (f64, f64, f64) {
    let [alpha, beta, phi, l0, b0] = *p;
    let (mut l, mut b) = (l0, b0);
    let mut sse = 0.0;
    for &v in y {
        let fc = l + phi * b;
        let e = v - fc;
        sse += e * e;
        let l_new = alpha * v + (1.0 - alpha) * fc;
        b = beta * (l_new - l) + (1.0 - beta) * phi * b;
        l = l_new;
    }
    (sse, l, b)
}

/// For fixed (α, β, φ), the one-step errors are affine in the initial states (the recursions
/// are linear), so the best (l₀, b₀) is a 2×2 least-squares solution. Runs the recursion once
/// for the data from zero states and once each for a unit initial level and trend on zero data;
/// returns (sse, l₀, b₀) at the optimal initial states.
fn profile_sse(y: &[f64], alpha: f64, beta: f64, phi: f64) -> (f64, f64, f64) {
    // States: data from (0, 0); unit level on zeros; unit trend on zeros.
    let (mut l, mut b) = (0.0, 0.0);
    let (mut l1, mut b1) = (1.0, 0.0);
    let (mut l2, mut b2) = (0.0, 1.0);
    let (mut suu, mut suv, mut svv, mut seu, mut sev, mut see) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for &v in y {
        let fc = l + phi * b;
        let u = l1 + phi * b1;
        let w = l2 + phi * b2;
        let e = v - fc;
        suu += u * u;
        suv += u * w;
        svv += w * w;
        seu += e * u;
        sev += e * w;
        see += e * e;
        let step = |l: &mut f64, b: &mut f64, fc: f64, obs: f64| {
            let l_new = alpha * obs + (1.0 - alpha) * fc;
            *b = beta * (l_new - *l) + (1.0 - beta) * phi * *b;
            *l = l_new;
        };
        step(&mut l, &mut b, fc, v);
        step(&mut l1, &mut b1, u, 0.0);
        step(&mut l2, &mut b2, w, 0.0);
    }
    // Minimise Σ(e − l₀u − b₀w)²: normal equations, ridge-stabilised for near-singular cases.
    let ridge = 1e-9 * (suu + svv).max(1e-12);
    let det = (suu + ridge) * (svv + ridge) - suv * suv;
    let (l0, b0) = if det.abs() > 1e-300 {
        (
            (seu * (svv + ridge) - sev * suv) / det,
            (sev * (suu + ridge) - seu * suv) / det,
        )
    } else {
        (0.0, 0.0)
    };
    let sse =
        see - 2.0 * (l0 * seu + b0 * sev) + l0 * l0 * suu + 2.0 * l0 * b0 * suv + b0 * b0 * svv;
    (sse.max(0.0), l0, b0)
}

/// Estimated parameters for `y` (at least 3 points).
fn estimate(y: &[f64]) -> Params {
    let bounds = [(1e-4, 0.9999), (1e-4, 0.9999), (0.8, 0.98)];
    let eval = |p: &[f64; 3]| profile_sse(y, p[0], p[1], p[2]).0;
    let starts = SCREENED_ALPHAS.map(|alpha| [alpha, 0.01, 0.95]);
    let [alpha, beta, phi] =
        minimise_screened(eval, &starts, &bounds, &[2, 1, 0]).map_or([0.3, 0.05, 0.95], |(_, p)| p);
    let (_, l0, b0) = profile_sse(y, alpha, beta, phi);
    [alpha, beta, phi, l0, b0]
}

/// A fitted damped trend.
#[derive(Debug, Clone, PartialEq)]
struct Fitted {
    level: f64,
    trend: f64,
    params: Params,
}

impl FittedForecaster for Fitted {
    fn predict(&self, horizon: usize) -> Vec<f64> {
        let phi = self.params[2];
        let mut damp = 0.0;
        let mut pow = 1.0;
        (0..horizon)
            .map(|_| {
                pow *= phi;
                damp += pow;
                self.level + damp * self.trend
            })
            .collect()
    }

    fn params(&self) -> String {
        let [a, b, phi, l0, b0] = self.params;
        format!("alpha={a:.4} beta={b:.4} phi={phi:.4} l0={l0:.4} b0={b0:.4}")
    }

    /// The same (α, β, φ) on `y` (its last 730 buckets), (l₀, b₀) re-solved by least squares.
    fn rerun(&self, y: &[f64], _season: usize) -> Option<Box<dyn FittedForecaster>> {
        let y = super::theta::recent(y);
        if y.len() < 3 {
            return None;
        }
        let [alpha, beta, phi, ..] = self.params;
        let (sse, l0, b0) = profile_sse(y, alpha, beta, phi);
        if !sse.is_finite() {
            return None;
        }
        let params = [alpha, beta, phi, l0, b0];
        let (_, level, trend) = run(y, &params);
        Some(Box::new(Fitted {
            level,
            trend,
            params,
        }))
    }
}

impl Forecaster for Holt {
    fn name(&self) -> String {
        "holt".into()
    }

    fn fit(&self, y: &[f64], _season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        if y.len() < 3 {
            return Err(ForecastError::TooShort {
                model: "holt",
                need: 3,
                have: y.len(),
            });
        }
        // The most recent buckets only: the damped trend is a local model, and the search
        // costs O(n) per evaluation.
        let y = super::theta::recent(y);
        let params = estimate(y);
        let (_, level, trend) = run(y, &params);
        Ok(Box::new(Fitted {
            level,
            trend,
            params,
        }))
    }
}

/// In-sample one-step forecasts of the fitted model (`fitted[t]` forecasts `y[t]`).
pub fn in_sample_fitted(y: &[f64]) -> Vec<f64> {
    if y.len() < 3 {
        return vec![f64::NAN; y.len()];
    }
    let [alpha, beta, phi, l0, b0] = estimate(y);
    let (mut l, mut b) = (l0, b0);
    y.iter()
        .map(|&v| {
            let fc = l + phi * b;
            let l_new = alpha * v + (1.0 - alpha) * fc;
            b = beta * (l_new - l) + (1.0 - beta) * phi * b;
            l = l_new;
            fc
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_a_clean_trend_and_damps_it() {
        let y: Vec<f64> = (0..60).map(|t| 10.0 + 2.0 * f64::from(t)).collect();
        let f = Holt.fit(&y, 1).unwrap().predict(50);
        assert!((f[0] - 130.0).abs() < 1.0, "{}", f[0]);
        // Damped: increments shrink, the forecast flattens.
        assert!(f[49] - f[48] < f[1] - f[0]);
    }

    #[test]
    fn rerun_keeps_the_smoothing_constants_and_re_solves_the_states() {
        let y: Vec<f64> = (0..90)
            .map(|t| 10.0 + 0.5 * f64::from(t) + 3.0 * (f64::from(t) * 2.3).sin())
            .collect();
        // α, β, φ kept (the params text up to l₀).
        let longer = crate::forecast::rerun_on_longer_history(&Holt, &y, 60, 1, " l0");
        // The forecast starts from the longer history's line (10 + 0.5·90 = 55, noise ±3).
        let f = longer.predict(1)[0];
        assert!((f - 55.0).abs() < 4.0, "{f}");
    }

    #[test]
    fn forecast_formula_by_hand() {
        let fit = Fitted {
            level: 10.0,
            trend: 2.0,
            params: [0.5, 0.1, 0.9, 0.0, 0.0],
        };
        let f = fit.predict(2);
        assert!((f[0] - (10.0 + 0.9 * 2.0)).abs() < 1e-12);
        assert!((f[1] - (10.0 + (0.9 + 0.81) * 2.0)).abs() < 1e-12);
    }
}
