//! Model specifications: the forecasting models a planner can name in the config, on the
//! command line or in the overrides file, parsed from text such as `ses(0.3)`.
//!
//! This module is vocabulary only: it knows the names and parameters of the models, not how to
//! fit them (building a model from its specification is [`crate::forecast`]'s job, through
//! `ModelSpec::build`). It lives below the input layer so that the overrides loader can
//! check a forced model cell by cell.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Errors of a model specification's text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelSpecError {
    /// The model's name is not known.
    #[error("unknown model '{0}'; expected one of: {MODEL_NAMES}")]
    Unknown(String),
    /// A model parameter is out of range.
    #[error("model {model}: {message}")]
    BadParameter {
        /// The model.
        model: String,
        /// What was expected and what was found.
        message: String,
    },
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
    /// AutoETS over the additive-error forms, chosen by AICc (see `forecast::ets`).
    Ets,
    /// AutoTheta: the best of four Theta variants (see `forecast::theta`).
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
    /// The learned global model (one regression across all SKUs, see `forecast::global`).
    Global,
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

fn alpha_param(model: &str, text: &str) -> Result<f64, ModelSpecError> {
    let bad = |message: String| ModelSpecError::BadParameter {
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
    type Err = ModelSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        let (name, args) = match s.split_once('(') {
            Some((n, rest)) => (
                n.trim().to_string(),
                Some(
                    rest.strip_suffix(')')
                        .ok_or_else(|| ModelSpecError::Unknown(s.clone()))?
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
                    ModelSpecError::BadParameter {
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
                    .ok_or_else(|| ModelSpecError::BadParameter {
                        model: "tsb".into(),
                        message: format!("expected tsb(ALPHA_D,ALPHA_P), got tsb({a})"),
                    })?;
                ModelSpec::Tsb(Some((alpha_param("tsb", d)?, alpha_param("tsb", p)?)))
            }
            ("adida", None) => ModelSpec::Adida,
            ("imapa", None) => ModelSpec::Imapa,
            ("global", None) => ModelSpec::Global,
            _ => return Err(ModelSpecError::Unknown(s)),
        };
        Ok(spec)
    }
}

impl TryFrom<String> for ModelSpec {
    type Error = ModelSpecError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ModelSpec> for String {
    fn from(m: ModelSpec) -> Self {
        m.to_string()
    }
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
            Err(ModelSpecError::Unknown(_))
        ));
        let e = "ses(1.5)".parse::<ModelSpec>().unwrap_err().to_string();
        assert!(e.contains("(0, 1]") && e.contains("1.5"), "{e}");
        assert!("ma(0)".parse::<ModelSpec>().is_err());
        assert!("tsb(0.1)".parse::<ModelSpec>().is_err());
    }
}
