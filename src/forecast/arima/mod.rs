//! AutoARIMA: seasonal ARIMA(p,d,q)(P,D,Q)m models with a mean or drift, the order chosen as
//! statsforecast's `AutoARIMA` (a port of R's `forecast::auto.arima`, Hyndman & Khandakar 2008)
//! chooses it with its defaults (model name `arima`; opt-in, not in `auto`).
//!
//! | step | what | file |
//! |---|---|---|
//! | differences | D ∈ {0, 1} from the STL seasonal strength (> 0.64), then d ≤ 2 from KPSS tests at 5% | [`differencing`] |
//! | one order | conditional sum of squares for starting values, then the exact Gaussian likelihood of the differenced series (the Kalman filter from the stationary prior, by its Chandrasekhar recursions: O(r) per observation), minimised by BFGS; the AR parts searched through the tanh/partial-autocorrelation transform, so they stay stationary | [`fit`], [`kalman`], [`optim`], [`params`] |
//! | the search | stepwise from four start models: ±1 on p, q, P, Q (singly and in pairs) and the constant on/off, the first move that lowers AICc taken, at most 94 models | [`search`] |
//! | forecasts | the Kalman filter's state after the last observation run forward; the forecast variance from the same recursion | [`kalman`] |
//!
//! | parameter | default | meaning |
//! |---|---|---|
//! | max p, q | 5 (at most m − 1 and n/3) | non-seasonal AR and MA orders |
//! | max P, Q | 2 (at most n/(3m)) | seasonal AR and MA orders |
//! | max d, D | 2, 1 | differences |
//! | constant | a mean when d + D = 0, a drift when d + D = 1, none otherwise | regression term |
//! | criterion | AICc; +∞ when an AR or MA root lies within 1.01 of the unit circle | selection |
//! | approximation | on series longer than 150 buckets or seasons longer than 12: the search ranks by the CSS fit, then the best orders are refitted exactly | speed |
//!
//! Limits and differences from statsforecast: seasons longer than [`MAX_SEASON`] buckets are
//! not modelled (the state would have more than 50 dimensions; the model is fitted
//! non-seasonally); fitted on the most recent [`super::theta::MAX_FIT`] buckets; the
//! stationary state covariance is computed exactly from the autocovariances (R uses Gardner et
//! al.'s algorithm for the same quantity); the likelihood is evaluated by the Chandrasekhar form of the
//! filter ([`kalman::arma_likelihood`]; R runs the full covariance recursion, O(r²) per
//! observation, for the same innovations), and both forms stop updating once the covariance
//! has converged (the likelihood unchanged to the search's precision). The forecast
//! variances are exposed by [`fit::Fit::forecast`]; replenish's quantiles come from the
//! backtest errors of the chosen model, as for every model (`super::select`).

pub mod differencing;
pub mod fit;
pub mod kalman;
pub mod optim;
pub mod params;
pub mod search;

use super::{FittedForecaster, ForecastError, Forecaster};
use fit::Fit;

/// Longest seasonal period modelled seasonally (longer ones are fitted without a season).
pub const MAX_SEASON: usize = 24;

/// Fewest observations.
const MIN_POINTS: usize = 6;

/// AutoARIMA (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AutoArima;

/// A fitted AutoARIMA: the chosen order, its coefficients and the filtered state.
struct Fitted {
    fit: Fit,
}

impl Forecaster for AutoArima {
    fn name(&self) -> String {
        "arima".into()
    }

    fn fit(&self, y: &[f64], season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        if y.len() < MIN_POINTS {
            return Err(ForecastError::TooShort {
                model: "arima",
                need: MIN_POINTS,
                have: y.len(),
            });
        }
        if !y.iter().all(|v| v.is_finite()) {
            return Err(ForecastError::Failed {
                model: "arima".into(),
                message: "the series has a non-finite value".into(),
            });
        }
        let y = super::theta::recent(y);
        let m = if season <= MAX_SEASON { season } else { 1 };
        let fit = search::auto_arima(y, m, &search::Limits::default()).ok_or_else(|| {
            ForecastError::Failed {
                model: "arima".into(),
                message: "no ARIMA order could be fitted (every candidate's likelihood failed or its roots lie on the unit circle)".into(),
            }
        })?;
        Ok(Box::new(Fitted { fit }))
    }
}

impl FittedForecaster for Fitted {
    fn predict(&self, horizon: usize) -> Vec<f64> {
        self.fit.forecast(horizon).0
    }

    fn params(&self) -> String {
        let f = &self.fit;
        let mut s = f.order.label();
        match f.constant {
            fit::Constant::None => {}
            fit::Constant::Mean => s += &format!(" mean={:.4}", f.beta),
            fit::Constant::Drift => s += &format!(" drift={:.4}", f.beta),
        }
        let o = f.order;
        let names = [("ar", o.p), ("ma", o.q), ("sar", o.sp), ("sma", o.sq)];
        let mut i = 0;
        for (name, count) in names {
            for k in 1..=count {
                s += &format!(" {name}{k}={:.4}", f.coef[i]);
                i += 1;
            }
        }
        s + &format!(" aicc={:.2}", f.aicc)
    }

    /// The same order and coefficients run over `y` (its last [`super::theta::MAX_FIT`]
    /// buckets): the Kalman filter redone from the prior, nothing re-estimated.
    fn rerun(&self, y: &[f64], _season: usize) -> Option<Box<dyn FittedForecaster>> {
        let y = super::theta::recent(y);
        let fit = self.fit.refilter(y)?;
        Some(Box::new(Fitted { fit }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seasonal_series(n: usize) -> Vec<f64> {
        // A seasonal random walk with drift from a fixed pseudo-random sequence.
        let mut level = 100.0;
        (0..n)
            .map(|t| {
                let noise = (((t * 7919) % 101) as f64 - 50.0) / 25.0;
                level += 0.5 + noise;
                level + 15.0 * (t as f64 * std::f64::consts::PI / 6.0).sin()
            })
            .collect()
    }

    #[test]
    fn seasonal_series_gets_a_seasonal_model_that_follows_the_season() {
        let y = seasonal_series(96);
        let fitted = AutoArima.fit(&y, 12).unwrap();
        let params = fitted.params();
        assert!(params.contains("[12]"), "{params}");
        let f = fitted.predict(12);
        // The forecast keeps the season: its peak and trough a half season apart, as in the data.
        let peak = (0..12).max_by(|&a, &b| f[a].total_cmp(&f[b])).unwrap();
        let trough = (0..12).min_by(|&a, &b| f[a].total_cmp(&f[b])).unwrap();
        assert_eq!((peak + 6) % 12, trough, "{f:?}");
    }

    #[test]
    fn rerun_on_the_same_history_predicts_the_same() {
        let y = seasonal_series(84);
        let longer = crate::forecast::rerun_on_longer_history(&AutoArima, &y, 72, 12, " aicc");
        assert_eq!(longer.predict(5).len(), 5);
    }

    #[test]
    fn short_and_constant_series() {
        assert!(matches!(
            AutoArima.fit(&[1.0, 2.0], 12),
            Err(ForecastError::TooShort { .. })
        ));
        let f = AutoArima.fit(&[4.0; 20], 1).unwrap().predict(3);
        for v in f {
            assert!((v - 4.0).abs() < 1e-9, "{v}");
        }
    }
}
