//! Demand forecasting: a zoo of models behind one object-safe trait, rolling-origin backtests,
//! selection by a scale-free error, combinations, and quantiles from backtest errors.
//!
//! This module forecasts bucketed series ([`crate::calendar::DemandSeries`]); it does not read
//! files or compute stock policies. One file per model family:
//!
//! | file | models |
//! |---|---|
//! | [`baseline`] | naive, seasonal naive, moving average |
//! | [`ses`] | simple exponential smoothing (and the SES machinery the others share) |
//! | [`intermittent`] | Croston (classic, optimised), SBA, TSB, ADIDA, IMAPA |
//! | [`holt`] | Holt's linear trend with damping |
//! | [`ets`] | AutoETS: additive-error state-space forms, chosen by AICc |
//! | [`theta`] | AutoTheta: the four Theta state-space variants, with seasonal adjustment |
//! | [`global`] | the learned global model: one linfa regression across all SKUs |
//! | [`select`] | backtest, selection, combination, quantiles, the per-SKU driver |
//! | [`censor`] | stockout (censored) buckets: counted and imputed before fitting |
//! | [`analogue`] | new and short-history SKUs: a like_sku's or the category's forecast, scaled |
//! | [`adjust`] | known future events and planner multipliers applied to a fitted forecast |
//! | [`metrics`] | MAE, RMSE, WAPE, bias, MASE, RMSSE, sMAPE |
//!
//! Every model is a [`Forecaster`] (the unfitted specification); fitting a series returns a
//! boxed [`FittedForecaster`], so selection can mix model types per SKU. [`ModelSpec`] is the
//! one place that builds models from text (config, command line).

pub mod adjust;
pub mod analogue;
pub mod baseline;
pub mod censor;
pub mod ets;
pub mod evaluate;
pub mod global;
pub mod holt;
pub mod intermittent;
pub mod metrics;
pub mod output;
pub mod select;
pub mod ses;
pub mod theta;

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Errors of a model on one series.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    /// The series is shorter than the model needs.
    #[error("{model} needs at least {need} buckets of history, but the series has {have}")]
    TooShort {
        /// The model.
        model: &'static str,
        /// Buckets needed.
        need: usize,
        /// Buckets available.
        have: usize,
    },
    /// A model specification could not be parsed.
    #[error("unknown model '{0}'; expected one of: {MODEL_NAMES}")]
    UnknownModel(String),
    /// A model parameter is out of range.
    #[error("model {model}: {message}")]
    BadParameter {
        /// The model.
        model: String,
        /// What was expected and what was found.
        message: String,
    },
    /// A model failed (including a panic inside it) on this series.
    #[error("model {model} failed: {message}")]
    Failed {
        /// The model.
        model: String,
        /// What went wrong.
        message: String,
    },
}

/// An unfitted model: parameters given or to be estimated.
pub trait Forecaster: Send + Sync {
    /// Short name, as written in outputs (`ses`, `croston`, …).
    fn name(&self) -> String;

    /// Fits the model to `y` (units per bucket, oldest first) with seasonal period `season`.
    ///
    /// # Errors
    /// [`ForecastError::TooShort`] when the series is too short for the model.
    fn fit(&self, y: &[f64], season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError>;
}

/// A fitted model.
pub trait FittedForecaster: Send + Sync {
    /// Point forecasts for the next `horizon` buckets (may be negative before clamping; the
    /// driver clamps at zero).
    fn predict(&self, horizon: usize) -> Vec<f64>;

    /// Estimated (or given) parameters, for the outputs.
    fn params(&self) -> String;

    /// This model with its estimated form and smoothing parameters kept, run over `y` — a
    /// longer history that extends the one it was fitted on — with only its cheap estimates
    /// (initial states by least squares, seasonal indices) redone; `None` when the model has no
    /// such shortcut and must be fitted afresh. Backtests use it to estimate the expensive
    /// parameters once, at the oldest origin, and roll forward without re-estimating them
    /// ("rolling origin without recalibration", Tashman 2000); no later data reach the
    /// parameters, so there is no look-ahead.
    fn rerun(&self, _y: &[f64], _season: usize) -> Option<Box<dyn FittedForecaster>> {
        None
    }
}

/// Names accepted by [`ModelSpec::from_str`], for messages.
pub const MODEL_NAMES: &str = "naive, snaive, ma, ma(W), ses, ses(ALPHA), holt, ets, theta, croston, croston_opt, sba, sba_opt, tsb, tsb(ALPHA_D,ALPHA_P), adida, imapa, global";

/// A model specification, parsed from text such as `ses`, `ses(0.3)`, `ma(28)` or
/// `tsb(0.1,0.2)`. Parameters left out are estimated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ModelSpec {
    /// Last value.
    Naive,
    /// Last season repeated.
    SeasonalNaive,
    /// Moving average with an optional fixed window.
    MovingAverage(Option<usize>),
    /// Simple exponential smoothing with an optional fixed α.
    Ses(Option<f64>),
    /// Damped Holt, parameters estimated.
    Holt,
    /// AutoETS over the additive-error forms, chosen by AICc (see [`ets`]).
    Ets,
    /// AutoTheta: the best of four Theta variants (see [`theta`]).
    Theta,
    /// Croston with α = 0.1.
    Croston,
    /// Croston with optimised α.
    CrostonOptimized,
    /// Syntetos–Boylan approximation (Croston with α = 0.1, × 0.95).
    Sba,
    /// Syntetos–Boylan approximation with optimised α's (× (1 − α_interval/2)).
    SbaOptimized,
    /// Teunter–Syntetos–Babai with optional fixed (α_d, α_p).
    Tsb(Option<(f64, f64)>),
    /// Aggregate–disaggregate intermittent demand approach.
    Adida,
    /// Intermittent multiple aggregation prediction algorithm.
    Imapa,
    /// The learned global model (one regression across all SKUs, see [`global`]).
    Global,
}

impl ModelSpec {
    /// Builds the model.
    pub fn build(self) -> Box<dyn Forecaster> {
        use intermittent::{Adida, Croston, Imapa, Tsb};
        match self {
            ModelSpec::Naive => Box::new(baseline::Naive),
            ModelSpec::SeasonalNaive => Box::new(baseline::SeasonalNaive),
            ModelSpec::MovingAverage(window) => Box::new(baseline::MovingAverage { window }),
            ModelSpec::Ses(alpha) => Box::new(ses::Ses { alpha }),
            ModelSpec::Holt => Box::new(holt::Holt),
            ModelSpec::Ets => Box::new(ets::AutoEts),
            ModelSpec::Theta => Box::new(theta::AutoTheta),
            ModelSpec::Croston => Box::new(Croston::classic()),
            ModelSpec::CrostonOptimized => Box::new(Croston::optimized()),
            ModelSpec::Sba => Box::new(Croston::sba()),
            ModelSpec::SbaOptimized => Box::new(Croston::sba_optimized()),
            ModelSpec::Tsb(a) => Box::new(Tsb {
                alpha_d: a.map(|a| a.0),
                alpha_p: a.map(|a| a.1),
            }),
            ModelSpec::Adida => Box::new(Adida),
            ModelSpec::Imapa => Box::new(Imapa),
            ModelSpec::Global => Box::new(Untrained),
        }
    }
}

impl std::fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelSpec::Naive => write!(f, "naive"),
            ModelSpec::SeasonalNaive => write!(f, "snaive"),
            ModelSpec::MovingAverage(None) => write!(f, "ma"),
            ModelSpec::MovingAverage(Some(w)) => write!(f, "ma({w})"),
            ModelSpec::Ses(None) => write!(f, "ses"),
            ModelSpec::Ses(Some(a)) => write!(f, "ses({a})"),
            ModelSpec::Holt => write!(f, "holt"),
            ModelSpec::Ets => write!(f, "ets"),
            ModelSpec::Theta => write!(f, "theta"),
            ModelSpec::Croston => write!(f, "croston"),
            ModelSpec::CrostonOptimized => write!(f, "croston_opt"),
            ModelSpec::Sba => write!(f, "sba"),
            ModelSpec::SbaOptimized => write!(f, "sba_opt"),
            ModelSpec::Tsb(None) => write!(f, "tsb"),
            ModelSpec::Tsb(Some((d, p))) => write!(f, "tsb({d},{p})"),
            ModelSpec::Adida => write!(f, "adida"),
            ModelSpec::Imapa => write!(f, "imapa"),
            ModelSpec::Global => write!(f, "global"),
        }
    }
}

/// The global model outside a catalogue run: it is trained across SKUs by
/// [`select::forecast_all`], so a lone series cannot fit it.
struct Untrained;

impl Forecaster for Untrained {
    fn name(&self) -> String {
        "global".into()
    }

    fn fit(&self, _y: &[f64], _season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        Err(ForecastError::Failed {
            model: "global".into(),
            message: "the global model is trained across the catalogue and was not (too few series or rows, or [forecast] global = false)".into(),
        })
    }
}

fn alpha_param(model: &str, text: &str) -> Result<f64, ForecastError> {
    let bad = |message: String| ForecastError::BadParameter {
        model: model.to_string(),
        message,
    };
    let v: f64 = text.trim().parse().map_err(|_| {
        bad(format!(
            "smoothing constant should be a number in (0, 1], but is '{text}'"
        ))
    })?;
    if v > 0.0 && v <= 1.0 {
        Ok(v)
    } else {
        Err(bad(format!(
            "smoothing constant should be in (0, 1], but is {v}"
        )))
    }
}

impl FromStr for ModelSpec {
    type Err = ForecastError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        let (name, args) = match s.split_once('(') {
            Some((n, rest)) => (
                n.trim().to_string(),
                Some(
                    rest.strip_suffix(')')
                        .ok_or_else(|| ForecastError::UnknownModel(s.clone()))?
                        .to_string(),
                ),
            ),
            None => (s.clone(), None),
        };
        let spec = match (name.as_str(), args.as_deref()) {
            ("naive", None) => ModelSpec::Naive,
            ("snaive" | "seasonal_naive", None) => ModelSpec::SeasonalNaive,
            ("ma" | "moving_average", None) => ModelSpec::MovingAverage(None),
            ("ma" | "moving_average", Some(w)) => {
                let w: usize = w.trim().parse().ok().filter(|&w| w > 0).ok_or_else(|| {
                    ForecastError::BadParameter {
                        model: "ma".into(),
                        message: format!("window should be a whole number >= 1, but is '{w}'"),
                    }
                })?;
                ModelSpec::MovingAverage(Some(w))
            }
            ("ses", None) => ModelSpec::Ses(None),
            ("ses", Some(a)) => ModelSpec::Ses(Some(alpha_param("ses", a)?)),
            ("holt", None) => ModelSpec::Holt,
            ("ets" | "autoets", None) => ModelSpec::Ets,
            ("theta", None) => ModelSpec::Theta,
            ("croston", None) => ModelSpec::Croston,
            ("croston_opt" | "croston_optimized", None) => ModelSpec::CrostonOptimized,
            ("sba", None) => ModelSpec::Sba,
            ("sba_opt" | "sba_optimized", None) => ModelSpec::SbaOptimized,
            ("tsb", None) => ModelSpec::Tsb(None),
            ("tsb", Some(a)) => {
                let (d, p) = a
                    .split_once(',')
                    .ok_or_else(|| ForecastError::BadParameter {
                        model: "tsb".into(),
                        message: format!("expected tsb(ALPHA_D,ALPHA_P), got tsb({a})"),
                    })?;
                ModelSpec::Tsb(Some((alpha_param("tsb", d)?, alpha_param("tsb", p)?)))
            }
            ("adida", None) => ModelSpec::Adida,
            ("imapa", None) => ModelSpec::Imapa,
            ("global", None) => ModelSpec::Global,
            _ => return Err(ForecastError::UnknownModel(s)),
        };
        Ok(spec)
    }
}

impl TryFrom<String> for ModelSpec {
    type Error = ForecastError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ModelSpec> for String {
    fn from(m: ModelSpec) -> Self {
        m.to_string()
    }
}

/// Test helper for [`FittedForecaster::rerun`]: `model` fitted on `y[..cut]` and rerun on the
/// same history predicts the same; rerun on all of `y` keeps the parameters (its `params` text
/// before `estimates_from`, where the re-solved states begin, is unchanged). Returns the rerun
/// on all of `y`, for the caller's checks of its forecast.
#[cfg(test)]
pub(crate) fn rerun_on_longer_history(
    model: &dyn Forecaster,
    y: &[f64],
    cut: usize,
    season: usize,
    estimates_from: &str,
) -> Box<dyn FittedForecaster> {
    let fitted = model.fit(&y[..cut], season).unwrap();
    let same = fitted.rerun(&y[..cut], season).unwrap();
    for (a, b) in same.predict(10).iter().zip(fitted.predict(10)) {
        assert!((a - b).abs() < 1e-9, "same history: {a} vs {b}");
    }
    let longer = fitted.rerun(y, season).unwrap();
    let head = |s: String| {
        s.split(estimates_from)
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(head(longer.params()), head(fitted.params()));
    longer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_round_trip_through_text() {
        for text in [
            "naive",
            "snaive",
            "ma",
            "ma(28)",
            "ses",
            "ses(0.3)",
            "holt",
            "ets",
            "theta",
            "croston",
            "croston_opt",
            "sba",
            "sba_opt",
            "tsb",
            "tsb(0.1,0.2)",
            "adida",
            "imapa",
            "global",
        ] {
            let spec: ModelSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
        }
    }

    #[test]
    fn bad_specs_say_what_was_expected() {
        assert!(matches!(
            "arima".parse::<ModelSpec>(),
            Err(ForecastError::UnknownModel(_))
        ));
        let e = "ses(1.5)".parse::<ModelSpec>().unwrap_err().to_string();
        assert!(e.contains("(0, 1]") && e.contains("1.5"), "{e}");
        assert!("ma(0)".parse::<ModelSpec>().is_err());
        assert!("tsb(0.1)".parse::<ModelSpec>().is_err());
    }
}
