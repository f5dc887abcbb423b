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
//! | [`arima`] | AutoARIMA: seasonal ARIMA by the stepwise Hyndman–Khandakar search (opt-in) |
//! | [`theta`] | AutoTheta: the four Theta state-space variants, with seasonal adjustment |
//! | [`global`] | the learned global model: one linfa regression across all SKUs |
//! | [`select`] | backtest, selection, combination, quantiles, the per-SKU driver |
//! | [`combine`] | combination rules and their weights learned from the backtest |
//! | [`calibrate`] | calibrated (conformal) quantiles from the backtest errors |
//! | [`censor`] | stockout (censored) buckets: counted and imputed before fitting |
//! | [`analogue`] | new and short-history SKUs: a like_sku's or the category's forecast, scaled |
//! | [`adjust`] | known future events and planner multipliers applied to a fitted forecast |
//! | [`metrics`] | MAE, RMSE, WAPE, bias, MASE, RMSSE, sMAPE |
//!
//! Every model is a [`Forecaster`] (the unfitted specification); fitting a series returns a
//! boxed [`FittedForecaster`], so selection can mix model types per SKU. [`ModelSpec`] is the
//! one place that builds models from text (config, command line); a forecast names what
//! produced it with a [`ModelId`] (a model, a combination, an analogue, …).

pub mod adjust;
pub mod analogue;
pub mod arima;
pub mod baseline;
pub mod calibrate;
pub mod censor;
pub mod combine;
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

pub use crate::domain::model::{AnalogueKind, ModelId, ModelSpec, ModelSpecError, MODEL_NAMES};

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
    #[error(transparent)]
    Spec(#[from] ModelSpecError),
    /// A model failed (including a panic inside it) on this series.
    #[error("model {model} failed: {message}")]
    Failed {
        /// The model.
        model: String,
        /// What went wrong.
        message: String,
    },
}

/// Written as its message (outputs show the error as text; the type is kept until then).
impl serde::Serialize for ForecastError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
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
            ModelSpec::EtsFull => Box::new(ets::AutoEtsFull),
            ModelSpec::Arima => Box::new(arima::AutoArima),
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
