//! Exponential smoothing state-space models and Theta from the anofox-forecast crate, wrapped
//! behind [`Forecaster`]: AutoETS (error/trend/season forms chosen by information criterion,
//! seasonal forms included) and AutoTheta. (Its damped Holt fitted up to 2× worse in-sample
//! than statsforecast's on the reference series; replenish's own [`super::holt`] is used.)
//!
//! Why a crate: these are well-defined published methods (Hyndman et al. 2008; Assimakopoulos &
//! Nikolopoulos 2000) whose estimation code is long and easy to get subtly wrong; anofox-forecast
//! implements them with seasonal forms (augurs' ETS has none). Its results are checked against
//! statsforecast in `tests/forecast_reference.rs` (in-sample error no worse than the peer's).
//!
//! Cost: these models estimate several parameters by numerical optimisation, 10–40 ms per fit
//! on two years of daily data (SES takes microseconds), so they are fitted on the most recent
//! [`MAX_FIT`] buckets only; older history adds little to the level, trend and weekly season
//! they estimate.
//!
//! Robustness: any error becomes [`ForecastError::Failed`] for that SKU, and the selection
//! driver catches panics (see [`super::select`]), so one series cannot crash a run. Seasonal
//! forms are tried only with at least two full seasons of history.

use anofox_forecast::{
    core::TimeSeries,
    models::{exponential::AutoETS, theta::AutoTheta, Forecaster as _},
};
use chrono::{DateTime, Duration, Utc};

use super::{FittedForecaster, ForecastError, Forecaster};

/// Most recent buckets used to fit a wrapped model.
pub const MAX_FIT: usize = 730;

/// Which wrapped model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// AutoETS over error, trend (none, additive, damped) and season (none, additive,
    /// multiplicative) forms, chosen by AICc.
    Ets,
    /// AutoTheta: standard, optimised and dynamic Theta variants, with classical seasonal
    /// decomposition when seasonal.
    Theta,
}

/// A model from anofox-forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct External(pub Family);

/// A fitted anofox-forecast model; the horizon is only known at prediction time, so the
/// fitted model object itself is kept.
struct Fitted {
    model: Boxed,
    params: String,
    name: &'static str,
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
        format!("{}: {}", self.name, self.params)
    }
}

fn series(y: &[f64]) -> Result<TimeSeries, String> {
    let t0 = DateTime::<Utc>::from_timestamp(946_684_800, 0).expect("valid timestamp");
    let stamps = (0..y.len())
        .map(|i| t0 + Duration::days(i as i64))
        .collect();
    TimeSeries::univariate(stamps, y.to_vec()).map_err(|e| e.to_string())
}

impl Forecaster for External {
    fn name(&self) -> String {
        match self.0 {
            Family::Ets => "ets".into(),
            Family::Theta => "theta".into(),
        }
    }

    fn fit(&self, y: &[f64], season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        let name = match self.0 {
            Family::Ets => "ets",
            Family::Theta => "theta",
        };
        let need = 4;
        if y.len() < need {
            return Err(ForecastError::TooShort {
                model: name,
                need,
                have: y.len(),
            });
        }
        let y = &y[y.len().saturating_sub(MAX_FIT)..];
        let (model, params) = fit_model(self.0, y, season)?;
        let fitted = Fitted {
            model,
            params,
            name,
        };
        Ok(Box::new(fitted))
    }
}

type Boxed = Box<dyn anofox_forecast::models::Forecaster + Send + Sync>;

/// Fits the wrapped model (seasonal forms with at least two full seasons); returns the model and
/// a description of the form it chose.
fn fit_model(family: Family, y: &[f64], season: usize) -> Result<(Boxed, String), ForecastError> {
    let failed = |message: String| ForecastError::Failed {
        model: format!("{family:?}").to_lowercase(),
        message,
    };
    let ts = series(y).map_err(failed)?;
    let seasonal = season > 1 && y.len() >= 2 * season;
    Ok(match family {
        Family::Ets => {
            let mut m = if seasonal {
                AutoETS::with_period(season)
            } else {
                AutoETS::non_seasonal()
            };
            m.fit(&ts).map_err(|e| failed(e.to_string()))?;
            let form = m
                .selected_spec()
                .map_or_else(String::new, |s| format!("{s:?}"));
            (Box::new(m), form)
        }
        Family::Theta => {
            let mut m = if seasonal {
                AutoTheta::seasonal(season)
            } else {
                AutoTheta::new()
            };
            m.fit(&ts).map_err(|e| failed(e.to_string()))?;
            let form = m
                .selected_model()
                .map_or_else(String::new, |s| format!("{s:?}"));
            (Box::new(m), form)
        }
    })
}

/// In-sample one-step fitted values of a wrapped model fitted on the whole of `y` (for the
/// reference tests).
///
/// # Errors
/// As [`Forecaster::fit`].
pub fn in_sample_fitted(
    family: Family,
    y: &[f64],
    season: usize,
) -> Result<Vec<f64>, ForecastError> {
    let (model, _) = fit_model(family, y, season)?;
    model
        .fitted_values()
        .map(<[f64]>::to_vec)
        .ok_or_else(|| ForecastError::Failed {
            model: format!("{family:?}").to_lowercase(),
            message: "no fitted values".into(),
        })
}
