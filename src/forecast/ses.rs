//! Simple exponential smoothing: the recursion, its sum of squared errors, and the bounded
//! golden-section search for the smoothing constant. Shared by SES, Croston, SBA, TSB, ADIDA,
//! IMAPA and Theta.
//!
//! Convention (Hyndman & Athanasopoulos, and statsforecast): the level starts at the first
//! observation, `l₀ = y₀`; each step `lₜ = α·yₜ + (1 − α)·lₜ₋₁`; the one-step forecast made after
//! `yₜ` is `lₜ`; the forecast after the whole series is `l_{n−1}` for every horizon.

use super::{FittedForecaster, ForecastError, Forecaster};

/// The level after the whole series (the flat forecast). `None` for an empty series.
pub fn ses_level(x: &[f64], alpha: f64) -> Option<f64> {
    let (&first, rest) = x.split_first()?;
    Some(
        rest.iter()
            .fold(first, |level, &v| alpha * v + (1.0 - alpha) * level),
    )
}

/// Sum of squared one-step errors of SES with constant `alpha` (0 with fewer than 2 points).
pub fn ses_sse(x: &[f64], alpha: f64) -> f64 {
    let Some((&first, _)) = x.split_first() else {
        return 0.0;
    };
    let mut level = first;
    let mut sse = 0.0;
    for w in x.windows(2) {
        level = alpha * w[0] + (1.0 - alpha) * level;
        let e = w[1] - level;
        sse += e * e;
    }
    sse
}

/// One-step in-sample forecasts: `fitted[t]` is the forecast of `x[t]` from `x[..t]`
/// (`fitted[0]` is NaN: nothing to forecast from).
pub fn ses_fitted(x: &[f64], alpha: f64) -> Vec<f64> {
    let mut out = vec![f64::NAN; x.len()];
    if x.is_empty() {
        return out;
    }
    let mut level = x[0];
    for t in 1..x.len() {
        out[t] = level;
        level = alpha * x[t] + (1.0 - alpha) * level;
    }
    out
}

/// The smoothing constant in `[lower, upper]` that minimises [`ses_sse`], by Brent's method
/// (argmin's `BrentOpt`: golden-section steps with parabolic interpolation; relative tolerance
/// 1e-10, absolute 1e-12). The MSE of SES is unimodal in α for practical series; on a flat
/// objective (a constant series) any α is optimal and the search returns one.
pub fn optimal_alpha(x: &[f64], lower: f64, upper: f64) -> f64 {
    use argmin::core::{CostFunction, Error, Executor};
    use argmin::solver::brent::BrentOpt;
    struct Sse<'a>(&'a [f64]);
    impl CostFunction for Sse<'_> {
        type Param = f64;
        type Output = f64;
        fn cost(&self, alpha: &f64) -> Result<f64, Error> {
            Ok(ses_sse(self.0, *alpha))
        }
    }
    let solver = BrentOpt::new(lower, upper).set_tolerance(1e-10, 1e-12);
    Executor::new(Sse(x), solver)
        .configure(|state| state.max_iters(200))
        .run()
        .ok()
        .and_then(|r| r.state().best_param)
        .filter(|a| a.is_finite())
        .map_or((lower + upper) / 2.0, |a| a.clamp(lower, upper))
}

/// Simple exponential smoothing.
///
/// | name | default | meaning | range |
/// |---|---|---|---|
/// | `alpha` | estimated | smoothing constant; `None` = minimise in-sample squared error | [0, 1] (estimated in [0.01, 0.99]) |
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Ses {
    /// Fixed smoothing constant, or `None` to estimate it.
    pub alpha: Option<f64>,
}

/// A fitted flat forecast: the same value at every horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Flat {
    /// The forecast per bucket.
    pub level: f64,
    /// Estimated or given parameters, for the outputs.
    pub params: String,
}

impl FittedForecaster for Flat {
    fn predict(&self, horizon: usize) -> Vec<f64> {
        vec![self.level; horizon]
    }

    fn params(&self) -> String {
        self.params.clone()
    }
}

impl Forecaster for Ses {
    fn name(&self) -> String {
        "ses".into()
    }

    fn fit(&self, y: &[f64], _season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        if y.is_empty() {
            return Err(ForecastError::TooShort {
                model: "ses",
                need: 1,
                have: 0,
            });
        }
        let alpha = self.alpha.unwrap_or_else(|| optimal_alpha(y, 0.01, 0.99));
        Ok(Box::new(Flat {
            level: ses_level(y, alpha).unwrap_or(0.0),
            params: format!("alpha={alpha:.4}"),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_recursion_by_hand() {
        // l0 = 10; l1 = 0.5*20 + 0.5*10 = 15; l2 = 0.5*10 + 0.5*15 = 12.5
        assert!((ses_level(&[10.0, 20.0, 10.0], 0.5).unwrap() - 12.5).abs() < 1e-12);
        assert!(ses_level(&[], 0.5).is_none());
        let f = ses_fitted(&[10.0, 20.0, 10.0], 0.5);
        assert!(f[0].is_nan() && (f[1] - 10.0).abs() < 1e-12 && (f[2] - 15.0).abs() < 1e-12);
        // SSE: (20-10)² + (10-15)² = 125
        assert!((ses_sse(&[10.0, 20.0, 10.0], 0.5) - 125.0).abs() < 1e-12);
    }

    #[test]
    fn golden_section_finds_the_grid_minimum() {
        let x = [3.0, 5.0, 4.0, 8.0, 7.0, 9.0, 6.0, 10.0, 12.0, 11.0];
        let best = optimal_alpha(&x, 0.01, 0.99);
        let grid_best = (1..=99)
            .map(|i| f64::from(i) / 100.0)
            .min_by(|a, b| ses_sse(&x, *a).total_cmp(&ses_sse(&x, *b)))
            .unwrap();
        assert!(ses_sse(&x, best) <= ses_sse(&x, grid_best) + 1e-12);
    }
}
