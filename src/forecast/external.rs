//! AutoTheta from the anofox-forecast crate, wrapped behind [`Forecaster`]: the standard,
//! optimised and dynamic Theta variants (Assimakopoulos & Nikolopoulos 2000; Fiorucci et al.
//! 2016), with classical seasonal decomposition when seasonal.
//!
//! Why a crate: the Theta variants are published methods whose estimation code is long and easy
//! to get subtly wrong. Its results are checked against statsforecast's AutoTheta in
//! `tests/forecast_reference.rs`. (The crate's AutoETS and damped Holt were measured too and
//! replaced by replenish's own [`super::ets`] and [`super::holt`]: they keep the initial level
//! and trend of the non-seasonal forms at a heuristic instead of estimating them, which fitted
//! up to 19% (AutoETS) and 2× (Holt) worse in-sample than statsforecast on the reference
//! series, and the AutoETS caps "spikes" of intermittent series before fitting.)
//!
//! Cost: 10–40 ms per fit on two years of daily data (SES takes microseconds), so it is fitted
//! on the most recent [`MAX_FIT`] buckets only; older history adds little to the level, trend
//! and weekly season it estimates.
//!
//! Robustness: any error becomes [`ForecastError::Failed`] for that SKU, and the selection
//! driver catches panics (see [`super::select`]), so one series cannot crash a run. Seasonal
//! forms are tried only with at least two full seasons of history.

use anofox_forecast::{
    core::TimeSeries,
    models::{theta::AutoTheta, Forecaster as _},
};
use chrono::{DateTime, Duration, Utc};

use super::{FittedForecaster, ForecastError, Forecaster};

/// Most recent buckets used to fit a wrapped model.
pub const MAX_FIT: usize = 730;

/// AutoTheta (anofox-forecast).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Theta;

/// A fitted AutoTheta; the horizon is only known at prediction time, so the fitted model object
/// itself is kept.
struct Fitted {
    model: AutoTheta,
    variant: String,
}

impl FittedForecaster for Fitted {
    fn predict(&self, horizon: usize) -> Vec<f64> {
        match self.model.predict(horizon) {
            Ok(f) => f.primary().to_vec(),
            // A model that fitted but cannot forecast: flat at zero is wrong, so NaN makes the
            // driver fall back (it replaces non-finite values and notes it).
            Err(_) => vec![f64::NAN; horizon],
        }
    }

    fn params(&self) -> String {
        format!("theta: {}", self.variant)
    }
}

fn series(y: &[f64]) -> Result<TimeSeries, String> {
    let t0 = DateTime::<Utc>::from_timestamp(946_684_800, 0).expect("valid timestamp");
    let stamps = (0..y.len())
        .map(|i| t0 + Duration::days(i as i64))
        .collect();
    TimeSeries::univariate(stamps, y.to_vec()).map_err(|e| e.to_string())
}

/// Fewest observations AutoTheta accepts.
const MIN_POINTS: usize = 4;

impl Forecaster for Theta {
    fn name(&self) -> String {
        "theta".into()
    }

    fn fit(&self, y: &[f64], season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        if y.len() < MIN_POINTS {
            return Err(ForecastError::TooShort {
                model: "theta",
                need: MIN_POINTS,
                have: y.len(),
            });
        }
        let y = &y[y.len().saturating_sub(MAX_FIT)..];
        let (model, variant) = fit_model(y, season)?;
        Ok(Box::new(Fitted { model, variant }))
    }
}

/// Fits AutoTheta (seasonal with at least two full seasons); returns the model and the variant
/// it chose.
fn fit_model(y: &[f64], season: usize) -> Result<(AutoTheta, String), ForecastError> {
    let failed = |message: String| ForecastError::Failed {
        model: "theta".into(),
        message,
    };
    let ts = series(y).map_err(failed)?;
    let mut m = if season > 1 && y.len() >= 2 * season {
        AutoTheta::seasonal(season)
    } else {
        AutoTheta::new()
    };
    m.fit(&ts).map_err(|e| failed(e.to_string()))?;
    let variant = m
        .selected_model()
        .map_or_else(String::new, |s| format!("{s:?}"));
    Ok((m, variant))
}

/// In-sample one-step fitted values of AutoTheta fitted on the whole of `y` (for the reference
/// tests).
///
/// # Errors
/// As [`Forecaster::fit`].
pub fn in_sample_fitted(y: &[f64], season: usize) -> Result<Vec<f64>, ForecastError> {
    let (model, _) = fit_model(y, season)?;
    model
        .fitted_values()
        .map(<[f64]>::to_vec)
        .ok_or_else(|| ForecastError::Failed {
            model: "theta".into(),
            message: "no fitted values".into(),
        })
}
