//! Model specifications: the forecasting models a planner can name in the config, on the
//! command line or in the overrides file, parsed from text such as `ses(0.3)`; and
//! [`ModelId`], what produced a SKU's forecast (one model, a combination, an analogue, …), as
//! the outputs' `model` columns write it.
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
pub const MODEL_NAMES: &str = "naive, snaive, ma, ma(W), ses, ses(ALPHA), holt, ets, ets_full, arima, theta, croston, croston_opt, sba, sba_opt, tsb, tsb(ALPHA_D,ALPHA_P), adida, imapa, global";

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
    /// AutoETS over all fifteen forms, the multiplicative-error ones for strictly positive
    /// series (`ets_full`; opt-in, see `forecast::ets`).
    EtsFull,
    /// AutoARIMA: seasonal ARIMA chosen by the stepwise Hyndman–Khandakar search (`arima`;
    /// opt-in, see `forecast::arima`).
    Arima,
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
            ModelSpec::EtsFull => write!(f, "ets_full"),
            ModelSpec::Arima => write!(f, "arima"),
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
            ("ets_full", None) => ModelSpec::EtsFull,
            ("arima" | "autoarima" | "auto_arima", None) => ModelSpec::Arima,
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

impl ModelSpec {
    /// The model's name without its parameters (`ma` for `ma(28)`), as the model family in
    /// summaries.
    pub fn name(self) -> &'static str {
        match self {
            ModelSpec::Naive => "naive",
            ModelSpec::SeasonalNaive => "snaive",
            ModelSpec::MovingAverage(_) => "ma",
            ModelSpec::Ses(_) => "ses",
            ModelSpec::Holt => "holt",
            ModelSpec::Ets => "ets",
            ModelSpec::EtsFull => "ets_full",
            ModelSpec::Arima => "arima",
            ModelSpec::Theta => "theta",
            ModelSpec::Croston => "croston",
            ModelSpec::CrostonOptimized => "croston_opt",
            ModelSpec::Sba => "sba",
            ModelSpec::SbaOptimized => "sba_opt",
            ModelSpec::Tsb(_) => "tsb",
            ModelSpec::Adida => "adida",
            ModelSpec::Imapa => "imapa",
            ModelSpec::Global => "global",
        }
    }
}

/// Where an analogue forecast (of a new or short-history SKU) was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalogueKind {
    /// The item master's `like_sku`.
    LikeSku,
    /// The established SKUs of the SKU's category.
    Category,
}

impl AnalogueKind {
    /// The kind as written in model names and notes (`like_sku`, `category`).
    pub fn name(self) -> &'static str {
        match self {
            AnalogueKind::LikeSku => "like_sku",
            AnalogueKind::Category => "category",
        }
    }
}

/// What produced a SKU's forecast: the chosen model as written in the `model` column of the
/// outputs (`forecast.csv`, `accuracy.csv`, `policy.csv`, …).
///
/// | variant | written as |
/// |---|---|
/// | [`ModelId::Spec`] | the specification: `ses`, `ma(28)`, `tsb(0.1,0.2)` |
/// | [`ModelId::Combination`] | `combo(a+b+c)`, members best first |
/// | [`ModelId::Analogue`] | `analogue(like_sku:SKU)` or `analogue(category:NAME)` (the name up to its first space) |
/// | [`ModelId::Zero`] | `zero` |
/// | [`ModelId::FallbackMean`] | `fallback_mean` |
/// | [`ModelId::NoForecast`] | `none` |
///
/// It parses back from that text ([`FromStr`]); the round trip keeps every name the program
/// writes (an analogue's name only up to its first space).
#[derive(Debug, Clone, PartialEq)]
pub enum ModelId {
    /// One model.
    Spec(ModelSpec),
    /// The mean of several models' forecasts (the best k of the backtest, best first).
    Combination(Vec<ModelSpec>),
    /// A new or short-history SKU's forecast taken from an analogue, scaled by its own sales.
    Analogue {
        /// Like SKU or category.
        kind: AnalogueKind,
        /// The like SKU or the category.
        name: String,
    },
    /// No positive demand in the history: the forecast is 0.
    Zero,
    /// Every chosen model failed on the full history: the mean of the last season.
    FallbackMean,
    /// No forecast: no sales history and no analogue to forecast from.
    NoForecast,
}

impl ModelId {
    /// Whether the forecast comes from an analogue (a like SKU or the category).
    pub fn is_analogue(&self) -> bool {
        matches!(self, ModelId::Analogue { .. })
    }

    /// The models whose forecasts make this one: the model, or the combination's members;
    /// none for the others.
    pub fn members(&self) -> &[ModelSpec] {
        match self {
            ModelId::Spec(s) => std::slice::from_ref(s),
            ModelId::Combination(members) => members,
            ModelId::Analogue { .. }
            | ModelId::Zero
            | ModelId::FallbackMean
            | ModelId::NoForecast => &[],
        }
    }

    /// Whether `spec` is the model or one of the combination's members.
    pub fn uses(&self, spec: ModelSpec) -> bool {
        self.members().contains(&spec)
    }

    /// The model family, for summaries: the model's name without parameters (`ma` for
    /// `ma(28)`), else `combo`, `analogue`, `zero`, `fallback_mean` or `none`.
    pub fn family(&self) -> &'static str {
        match self {
            ModelId::Spec(s) => s.name(),
            ModelId::Combination(_) => "combo",
            ModelId::Analogue { .. } => "analogue",
            ModelId::Zero => "zero",
            ModelId::FallbackMean => "fallback_mean",
            ModelId::NoForecast => "none",
        }
    }
}

impl From<ModelSpec> for ModelId {
    fn from(spec: ModelSpec) -> Self {
        ModelId::Spec(spec)
    }
}

impl std::fmt::Display for ModelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelId::Spec(s) => write!(f, "{s}"),
            ModelId::Combination(members) => {
                f.write_str("combo(")?;
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str("+")?;
                    }
                    write!(f, "{m}")?;
                }
                f.write_str(")")
            }
            ModelId::Analogue { kind, name } => {
                let word = name.split(' ').next().unwrap_or_default();
                write!(f, "analogue({}:{word})", kind.name())
            }
            ModelId::Zero => f.write_str("zero"),
            ModelId::FallbackMean => f.write_str("fallback_mean"),
            ModelId::NoForecast => f.write_str("none"),
        }
    }
}

impl FromStr for ModelId {
    type Err = ModelSpecError;

    /// Parses the text [`ModelId`]'s `Display` writes. An analogue's name keeps its case; the
    /// model specifications parse as [`ModelSpec::from_str`] does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if let Some(inner) = t
            .strip_prefix("analogue(")
            .and_then(|r| r.strip_suffix(')'))
        {
            let (kind, name) = inner
                .split_once(':')
                .ok_or_else(|| ModelSpecError::Unknown(t.to_string()))?;
            let kind = match kind {
                "like_sku" => AnalogueKind::LikeSku,
                "category" => AnalogueKind::Category,
                _ => return Err(ModelSpecError::Unknown(t.to_string())),
            };
            return Ok(ModelId::Analogue {
                kind,
                name: name.to_string(),
            });
        }
        if let Some(inner) = t.strip_prefix("combo(").and_then(|r| r.strip_suffix(')')) {
            let members = inner
                .split('+')
                .map(str::parse)
                .collect::<Result<Vec<ModelSpec>, _>>()?;
            return Ok(ModelId::Combination(members));
        }
        Ok(match t {
            "zero" => ModelId::Zero,
            "fallback_mean" => ModelId::FallbackMean,
            "none" => ModelId::NoForecast,
            _ => ModelId::Spec(t.parse()?),
        })
    }
}

impl Serialize for ModelId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ModelId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
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
            "arima",
        ] {
            let spec: ModelSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
        }
    }

    #[test]
    fn bad_specs_say_what_was_expected() {
        assert!(matches!(
            "prophet".parse::<ModelSpec>(),
            Err(ModelSpecError::Unknown(_))
        ));
        let e = "ses(1.5)".parse::<ModelSpec>().unwrap_err().to_string();
        assert!(e.contains("(0, 1]") && e.contains("1.5"), "{e}");
        assert!("ma(0)".parse::<ModelSpec>().is_err());
        assert!("tsb(0.1)".parse::<ModelSpec>().is_err());
    }

    /// Every form of model name the program writes: those seen in the `model` columns of a
    /// bundled run's forecast.csv, accuracy.csv and policy.csv, and the ones written for
    /// zero demand, failed fits, analogues and SKUs without a forecast.
    #[test]
    fn model_ids_round_trip_through_text() {
        for text in [
            "adida",
            "croston_opt",
            "ets",
            "global",
            "holt",
            "imapa",
            "ma",
            "naive",
            "sba_opt",
            "ses",
            "snaive",
            "theta",
            "tsb",
            "ma(28)",
            "ses(0.3)",
            "tsb(0.1,0.2)",
            "combo(global+holt+snaive)",
            "combo(adida+croston_opt+sba_opt)",
            "combo(ma+ses+tsb)",
            "combo(sba_opt+imapa+global)",
            "combo(ses+holt)",
            "analogue(like_sku:OLD)",
            "analogue(like_sku:SKU00042)",
            "analogue(category:CAT)",
            "analogue(category:Garden)",
            "zero",
            "fallback_mean",
            "none",
        ] {
            let id: ModelId = text.parse().unwrap();
            assert_eq!(id.to_string(), text);
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<ModelId>(&json).unwrap(), id);
        }
    }

    #[test]
    fn model_ids_say_what_they_are() {
        let combo = ModelId::Combination(vec![
            ModelSpec::Global,
            ModelSpec::Holt,
            ModelSpec::Ses(None),
        ]);
        assert_eq!(combo.to_string(), "combo(global+holt+ses)");
        assert!(combo.uses(ModelSpec::Global) && !combo.uses(ModelSpec::Naive));
        assert_eq!(combo.family(), "combo");
        assert_eq!(
            ModelId::from(ModelSpec::MovingAverage(Some(28))).family(),
            "ma"
        );
        assert!(ModelId::Spec(ModelSpec::Global).uses(ModelSpec::Global));
        // An analogue's name is written up to its first space.
        let like = ModelId::Analogue {
            kind: AnalogueKind::Category,
            name: "Garden tools".into(),
        };
        assert_eq!(like.to_string(), "analogue(category:Garden)");
        assert!(like.is_analogue() && !like.uses(ModelSpec::Global));
        assert!(!ModelId::Zero.is_analogue());
        assert!("combo(ses+prophet)".parse::<ModelId>().is_err());
        assert!("analogue(cousin:X)".parse::<ModelId>().is_err());
    }
}
