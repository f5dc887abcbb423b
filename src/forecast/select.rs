//! The per-SKU forecasting driver: candidate models by demand class, rolling-origin backtest,
//! selection by a scale-free error, combination of the best models, final fit, and quantiles
//! from the backtest errors.
//!
//! Conventions:
//! - **Training data**: the series' buckets with negative values (net returns) set to 0. A last
//!   bucket that is only partly in the history (the planning date falls inside it) is left out of
//!   training, and the forecast starts at that bucket: it is forecast as a whole bucket.
//! - **Backtest**: `folds` origins, the last one `horizon` buckets before the end, each earlier
//!   one a further `horizon` back; at each origin every candidate is fitted on the data before it
//!   and forecasts the next `horizon` buckets (no look-ahead). Origins leaving fewer than
//!   [`MIN_TRAIN`] buckets (or one season, for the seasonal naive) are skipped.
//! - **Selection score**: mean over folds of MASE for smooth and erratic demand, of RMSSE for
//!   intermittent and lumpy demand (MAE rewards forecasting zero on sporadic series; squared
//!   error does not). Lower is better; ties go to the earlier candidate in the list.
//! - **Combination**: with `combine = k ≥ 2`, the k best candidates' forecasts combined by
//!   `combine_method` (see [`super::combine`]: by default weighted by the inverse of each one's
//!   backtest score) are a candidate too, scored the same way; combinations often win.
//! - **Quantiles**: the chosen model's backtest errors (actual − forecast) over all folds and
//!   horizons — the selection folds plus older origins up to `quantile_folds` in all, fitted
//!   for the chosen model only, since errors from the folds that chose it are optimistic — form
//!   an empirical error distribution, turned into quantiles per `quantile_method` (see
//!   [`super::calibrate`]: by default conformal per horizon group, whole numbers for count
//!   data; `pooled`: max(0, forecast_h + the p-quantile of all the errors), linear
//!   interpolation between order statistics). With imputed censoring the quantiles use only the errors on buckets without
//!   stockout days (whose actuals are observed demand, not an imputed local mean), when at
//!   least 28 remain. The errors themselves are returned for safety stock and simulation to sample.
//!   Without any backtest fold (short history, or `folds = 0`) the errors are the one-step
//!   deviations of the last 730 buckets from the running mean of the history before each.
//! - Forecasts and quantiles are never negative and never NaN.

use std::{collections::BTreeMap, sync::Arc};

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use super::{
    calibrate::{self, QuantileMethod},
    censor::{self, CensorStats, Censoring},
    combine::{pooled_best, Blend, CombineMethod, Selection},
    global::{GlobalForecaster, GlobalModel, SeriesView, TrainingRows},
    metrics::{errors, scales, Errors},
    FittedForecaster, ForecastError, ModelId, ModelSpec,
};
use crate::{
    calendar::{DemandSeries, Freq},
    classify::{profile, DemandClass, DemandProfile},
};

/// Fewest training buckets a backtest origin leaves.
pub const MIN_TRAIN: usize = 8;

/// Settings of the forecasting stage.
///
/// | name | default | meaning |
/// |---|---|---|
/// | `horizon` | 28 | buckets to forecast |
/// | `season` | from the bucket size (7, 52, 12) | seasonal period in buckets |
/// | `folds` | 3 | backtest origins; 0 = no backtest (the first candidate is used, quantiles from in-sample deviations) |
/// | `quantile_folds` | 6 | origins whose errors of the chosen model form the quantiles |
/// | `quantiles` | 0.1, 0.5, 0.9 | quantile levels written with every forecast |
/// | `models` | by demand class | candidate list; one model = forced |
/// | `combine` | 3 | combine the best k candidates (0 or 1 = no combination) |
/// | `combine_method` | `inverse_error` | how: `mean`, `inverse_error` or `median` (see [`super::combine`]) |
/// | `selection` | `per_sku` for days, `pooled` for weeks and months | the catalogue's best `combine` models per demand class for every SKU (`pooled`), or each SKU's own best (`per_sku`); see [`Selection`] |
/// | `quantile_method` | `conformal` | how quantiles come from the backtest errors: `conformal` or `pooled` (see [`super::calibrate`]) |
/// | `censoring` | impute | stockout buckets: `impute` or `ignore` (see [`super::censor`]) |
/// | `forced` | none | per-SKU forced model (the overrides file's `model` column) |
/// | `learn_global` | true | train the global model across the catalogue and offer it to every SKU |
/// | `recalibrate` | false | re-estimate every model's parameters at every backtest origin; by default models that can (holt, ets, theta) estimate them at the oldest origin and roll forward with them |
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastSettings {
    /// Buckets to forecast.
    pub horizon: usize,
    /// Seasonal period in buckets.
    pub season: usize,
    /// Backtest origins.
    pub folds: usize,
    /// Origins whose errors form the quantiles' error distribution (the selection folds plus
    /// older ones, fitted for the chosen model only); at least `folds`.
    pub quantile_folds: usize,
    /// Quantile levels in (0, 1), ascending.
    pub quantiles: Vec<f64>,
    /// Candidate models; `None` = chosen by demand class.
    pub models: Option<Vec<ModelSpec>>,
    /// Size of the combination of the best candidates.
    pub combine: usize,
    /// How the best candidates are combined.
    pub combine_method: CombineMethod,
    /// Whether the members come from the catalogue's ranking or each SKU's own backtest.
    pub selection: Selection,
    /// The catalogue's best models per demand class, once [`with_pooled`] has ranked them
    /// (used when `selection` is pooled).
    pub pooled: BTreeMap<DemandClass, Vec<ModelSpec>>,
    /// How the quantiles are taken from the backtest errors.
    pub quantile_method: QuantileMethod,
    /// How stockout (censored) buckets are treated.
    pub censoring: Censoring,
    /// Per-SKU forced model (wins over `models`; no combination).
    pub forced: BTreeMap<String, ModelSpec>,
    /// Train the global model in [`forecast_all`] (when it may be a candidate).
    pub learn_global: bool,
    /// Re-estimate the parameters at every backtest origin. When false, models with a cheap
    /// rerun ([`super::FittedForecaster::rerun`]: damped Holt, AutoETS, AutoTheta) estimate
    /// their form and smoothing parameters at the oldest origin of the selection folds (and of
    /// the extra quantile folds) and only re-solve their initial states at the later ones — a
    /// third of the backtest's cost for the same held-out accuracy (benches/RESULTS.md). The
    /// final fit on the whole history always estimates afresh.
    pub recalibrate: bool,
    /// The trained global model, once [`with_global`] has trained it.
    pub global: Option<Arc<GlobalModel>>,
    /// Planned promotions per SKU (inclusive date ranges, from the events input): the global
    /// model's promotion feature for future buckets.
    pub promo_windows: BTreeMap<String, Vec<(NaiveDate, NaiveDate)>>,
}

impl ForecastSettings {
    /// Defaults for a bucket size.
    pub fn for_freq(freq: Freq) -> Self {
        Self {
            horizon: 28,
            season: freq.season_length(),
            folds: 3,
            quantile_folds: 6,
            quantiles: vec![0.1, 0.5, 0.9],
            models: None,
            combine: 3,
            combine_method: CombineMethod::default(),
            selection: Selection::for_freq(freq),
            pooled: BTreeMap::new(),
            quantile_method: QuantileMethod::default(),
            censoring: Censoring::Impute,
            forced: BTreeMap::new(),
            learn_global: true,
            recalibrate: false,
            global: None,
            promo_windows: BTreeMap::new(),
        }
    }
}

/// Series longer than this (in buckets) are not offered AutoETS and AutoTheta by default: on
/// daily data an ETS fit costs ~5 ms and a Theta fit ~1 ms, against microseconds for the
/// others; offering them to every daily SKU of the M5-shaped catalogue made its forecast step
/// 4× longer (96 s against 24 s) for no held-out gain (MASE 0.940 against 0.939;
/// benches/RESULTS.md). Weekly and monthly series, and young daily SKUs, get them. `--models`
/// can always ask for them.
pub const EXPENSIVE_MAX_LEN: usize = 400;

/// Candidate models for a demand class and series length (buckets). The AutoETS offered is
/// the full one (`ets_full`: multiplicative forms too, for strictly positive series; the
/// additive forms only otherwise, as `ets`).
pub fn candidates_for(class: DemandClass, len: usize) -> Vec<ModelSpec> {
    use ModelSpec as M;
    match class {
        DemandClass::Smooth | DemandClass::Erratic => {
            let mut c = vec![M::Ses(None), M::Holt];
            if len <= EXPENSIVE_MAX_LEN {
                c.extend([M::EtsFull, M::Theta]);
            }
            c.extend([M::MovingAverage(None), M::SeasonalNaive, M::Naive]);
            c
        }
        DemandClass::Intermittent | DemandClass::Lumpy => vec![
            M::SbaOptimized,
            M::CrostonOptimized,
            M::Tsb(None),
            M::Adida,
            M::Imapa,
            M::Ses(None),
            M::MovingAverage(None),
        ],
        DemandClass::None => vec![],
    }
}

/// One candidate's backtest result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The model (a single model, or the combination of the best ones).
    pub model: ModelId,
    /// Mean errors over the folds.
    pub errors: Errors,
    /// Selection score (MASE or RMSSE; see the module documentation).
    pub score: f64,
    /// Whether this candidate was chosen.
    pub chosen: bool,
    /// Why the candidate could not be evaluated, if so.
    pub failure: Option<ForecastError>,
}

/// The forecast of one SKU (and location).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkuForecast {
    /// SKU.
    pub sku: String,
    /// Location, if any.
    pub location: Option<String>,
    /// Demand measures and class.
    pub profile: DemandProfile,
    /// The chosen model.
    pub model: ModelId,
    /// Its parameters, fitted on the whole history.
    pub params: String,
    /// First day of the first forecast bucket.
    pub start: NaiveDate,
    /// Bucket size.
    pub freq: Freq,
    /// Point forecast per bucket (units, ≥ 0).
    pub point: Vec<f64>,
    /// Quantile levels.
    pub levels: Vec<f64>,
    /// Per level, the quantile forecast per bucket (≥ 0, non-decreasing across levels).
    pub quantiles: Vec<Vec<f64>>,
    /// Backtest errors (actual − forecast) of the chosen model, pooled over folds and horizons:
    /// consecutive runs of [`SkuForecast::error_block`] values, one run per backtest origin,
    /// horizon 1 first (one run of one-step deviations when there was no backtest).
    pub errors: Vec<f64>,
    /// Length of one origin's run of errors in `errors` (the horizon; the whole vector for
    /// in-sample deviations).
    pub error_block: usize,
    /// Per error in [`SkuForecast::errors`], the variance of demand that it leaves out (units²;
    /// empty when no backtest bucket was imputed): on a censored bucket the "actual" is the
    /// imputed conditional mean, and the true demand varies around it by this much (see
    /// [`super::censor`]). The protection-period error spread adds it back
    /// ([`crate::plan::demand_inputs`]).
    #[serde(skip)]
    pub error_censored_var: Vec<f64>,
    /// Per error in [`SkuForecast::errors`], aligned as [`SkuForecast::error_censored_var`]:
    /// the imputed demand of its bucket where the bucket was imputed with a variance left out
    /// (the value the error was measured against; units), 0 elsewhere. The Monte Carlo and the simulation
    /// draw the bucket's true demand around it ([`crate::policy::empirical::Censored`]).
    #[serde(skip)]
    pub error_censored_mean: Vec<f64>,
    /// The chosen model's rolling-origin backtest forecasts over the selection folds, in time
    /// order: they cover the `backtest_fit.len()` buckets just before [`SkuForecast::start`]
    /// (empty without a backtest). Charts draw them against the actuals.
    pub backtest_fit: Vec<f64>,
    /// Every candidate's backtest result.
    pub candidates: Vec<Candidate>,
    /// Stockout days in the training history and what imputing them added.
    pub censored: CensorStats,
    /// Adjustments applied after fitting (events, planner multipliers, analogue scaling), one
    /// line each; empty when the forecast is the model's own.
    pub adjustments: Vec<String>,
    /// Notes a planner should see (short history, no demand, model failures).
    pub reason: String,
}

/// What a model may need beyond the values: the trained global model and the series'
/// calendar and promotions.
struct FitContext {
    global: Option<Arc<GlobalModel>>,
    start: NaiveDate,
    promo: Arc<[bool]>,
    /// Whether the planner's promotion calendar covers the series.
    planned: bool,
}

impl FitContext {
    /// The context of series `s` with candidates `specs`: the promotion flags are the global
    /// model's feature only, so they are built only when it is a candidate.
    fn for_series(s: &DemandSeries, settings: &ForecastSettings, specs: &[ModelSpec]) -> Self {
        FitContext {
            global: settings.global.clone(),
            start: s.start,
            promo: if specs.contains(&ModelSpec::Global) {
                promo_flags(s, settings)
            } else {
                Arc::from(Vec::new())
            },
            planned: has_planned_promotions(s, settings),
        }
    }

    fn build(&self, spec: ModelSpec) -> Box<dyn super::Forecaster> {
        match (spec, &self.global) {
            (ModelSpec::Global, Some(g)) => Box::new(GlobalForecaster {
                model: Arc::clone(g),
                start: self.start,
                promo: Arc::clone(&self.promo),
                planned: self.planned,
            }),
            _ => spec.build(),
        }
    }
}

/// Fits with a panic guard: a panic inside a model becomes that model's error on this SKU.
fn fit_guarded(
    spec: ModelSpec,
    y: &[f64],
    season: usize,
    ctx: &FitContext,
) -> Result<Box<dyn FittedForecaster>, ForecastError> {
    std::panic::catch_unwind(|| ctx.build(spec).fit(y, season)).unwrap_or_else(|_| {
        Err(ForecastError::Failed {
            model: spec.to_string(),
            message: "panicked".into(),
        })
    })
}

/// Fits `spec` on `y` — or, unless recalibrating, reruns `earlier` (the same model fitted at an
/// earlier origin) on `y` when the model supports it. Panics become errors as in
/// [`fit_guarded`].
fn fit_at(
    spec: ModelSpec,
    y: &[f64],
    season: usize,
    ctx: &FitContext,
    earlier: Option<&dyn FittedForecaster>,
    recalibrate: bool,
) -> Result<Box<dyn FittedForecaster>, ForecastError> {
    if let Some(prev) = earlier.filter(|_| !recalibrate) {
        let rerun =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| prev.rerun(y, season)));
        if let Ok(Some(f)) = rerun {
            return Ok(f);
        }
    }
    fit_guarded(spec, y, season, ctx)
}

fn predict_clamped(model: &dyn FittedForecaster, horizon: usize) -> Vec<f64> {
    model
        .predict(horizon)
        .into_iter()
        .map(|v| if v.is_finite() { v.max(0.0) } else { 0.0 })
        .collect()
}

/// Bucket length in days of the bucket starting at `start`.
fn bucket_days(freq: Freq, start: NaiveDate) -> i64 {
    (freq.next_bucket(start) - start).num_days()
}

/// A series prepared for fitting: non-negative values, a partial last bucket left out,
/// censored buckets imputed (see the module documentation and [`super::censor`]).
struct Prepared {
    y: Vec<f64>,
    /// Per bucket, the demand variance its imputed value leaves out (empty: none imputed).
    censored_var: Vec<f64>,
    /// First day of the first forecast bucket.
    next: NaiveDate,
    censored: CensorStats,
    notes: Vec<String>,
}

fn prepare(s: &DemandSeries, settings: &ForecastSettings) -> Prepared {
    let mut y: Vec<f64> = s.values.iter().map(|v| v.max(0.0)).collect();
    // Series are never empty (bucketing starts at a sale).
    let buckets = u32::try_from(s.values.len().saturating_sub(1)).unwrap_or(u32::MAX);
    let last_start = s.freq.nth_bucket(s.start, buckets);
    let mut next = s.freq.next_bucket(last_start);
    let mut notes = Vec::new();
    if !y.is_empty() && i64::from(s.last_bucket_days) < bucket_days(s.freq, last_start) {
        y.pop();
        next = last_start;
        notes.push(format!(
            "last bucket {last_start} is partial ({} days): left out of training and forecast whole",
            s.last_bucket_days
        ));
    }
    let censor::Imputed {
        stats: censored,
        variance: censored_var,
    } = censor::impute(
        &mut y,
        &s.stockout_days,
        &s.promo_days,
        s.freq,
        settings.censoring,
    );
    if censored.buckets > 0 {
        notes.push(match settings.censoring {
            Censoring::Impute => format!(
                "{} stockout days: {:.1} units imputed",
                censored.days, censored.imputed_units
            ),
            Censoring::Ignore => format!(
                "{} stockout days taken as demand (censoring = ignore)",
                censored.days
            ),
        });
    }
    Prepared {
        y,
        censored_var,
        next,
        censored,
        notes,
    }
}

/// Whether the planner's promotion calendar covers the series' future: a planned promotion
/// (`promo_windows`) of the SKU ends after its history. Then the global model reads the planned
/// flags after the origin (the calendar is taken as complete); else the expected flag (see
/// [`super::global::SeriesView::planned`]). Events wholly in the past say nothing of the future.
fn has_planned_promotions(s: &DemandSeries, settings: &ForecastSettings) -> bool {
    let Some(windows) = settings.promo_windows.get(&s.sku) else {
        return false;
    };
    let end = s
        .freq
        .nth_bucket(s.start, u32::try_from(s.values.len()).unwrap_or(u32::MAX));
    windows.iter().any(|&(_, last)| last >= end)
}

/// Promotion flag per bucket: the history's, then — for the buckets after it, up to the
/// horizon — whether a planned promotion (`promo_windows`, from the events input) touches the
/// bucket. The global model reads them as a feature.
fn promo_flags(s: &DemandSeries, settings: &ForecastSettings) -> Arc<[bool]> {
    let mut flags: Vec<bool> = s.promo_days.iter().map(|&d| d > 0).collect();
    if let Some(windows) = settings.promo_windows.get(&s.sku) {
        let mut bucket = s
            .freq
            .nth_bucket(s.start, u32::try_from(flags.len()).unwrap_or(u32::MAX));
        for _ in 0..settings.horizon + 1 {
            let next = s.freq.next_bucket(bucket);
            let last = next - chrono::Days::new(1);
            flags.push(windows.iter().any(|(a, b)| *a <= last && *b >= bucket));
            bucket = next;
        }
    }
    flags.into()
}

/// Trains the global model on `series` (when `learn_global` is set and it may be a candidate)
/// and returns the settings that offer it. Each series holds back the buckets of its
/// rolling-origin backtest (`horizon × max(folds, quantile_folds)`), so no fold scores the model
/// on data it was trained on; a series too short for that holds back the selection folds
/// (`horizon × folds`) only, so the model is still chosen without look-ahead.
pub fn with_global(series: &[DemandSeries], settings: &ForecastSettings) -> ForecastSettings {
    let mut out = settings.clone();
    let wanted = settings.learn_global
        && settings.global.is_none()
        && settings
            .models
            .as_ref()
            .is_none_or(|m| m.contains(&ModelSpec::Global))
        || settings.forced.values().any(|m| *m == ModelSpec::Global);
    if !wanted || series.is_empty() {
        return out;
    }
    // Per series: the region of every backtest origin (selection and quantile folds) when that
    // leaves room to train on; else the selection folds' region only (the older quantile origins
    // may then be in-sample for the global model, so its error spread there is optimistic).
    let h = settings.horizon.max(1);
    let all = h * settings.folds.max(settings.quantile_folds).max(1);
    let selection = h * settings.folds.max(1);
    let room = super::global::MIN_HISTORY + h;
    let freq = series[0].freq;
    let plan = TrainingRows::new(series.len(), freq, settings.season, settings.horizon);
    // Each sampled series is prepared, turned into rows and dropped: the catalogue's prepared
    // histories are never held at once.
    let parts: Vec<TrainingRows> = series
        .par_iter()
        .enumerate()
        .filter(|(i, _)| plan.samples(*i))
        .map(|(_, s)| {
            let y = prepare(s, settings).y;
            let promo = promo_flags(s, settings);
            let holdback = if y.len() >= all + room {
                all
            } else {
                selection
            };
            let view = SeriesView {
                y: &y,
                start: s.start,
                promo: &promo,
                planned: has_planned_promotions(s, settings),
            };
            plan.rows_of(view, holdback)
        })
        .collect();
    let mut rows = TrainingRows::default();
    for p in parts {
        rows.append(p);
    }
    out.global = GlobalModel::fit(rows, freq, settings.season).map(Arc::new);
    out
}

/// Forecasts one series, in named steps: `prepare` the history, offer the candidates
/// (`candidate_specs`), `backtest` them, score them and their combination
/// (`score_candidates`, `add_combination`), pick the best (`chosen`; `unselected` when none
/// could be scored), fit it on the whole history (`final_fit`), and take the quantiles from its
/// backtest errors (`error_distribution`).
pub fn forecast_series(s: &DemandSeries, settings: &ForecastSettings) -> SkuForecast {
    let h = settings.horizon.max(1);
    let m = settings.season.max(1);
    let Prepared {
        y,
        censored_var,
        next,
        censored,
        mut notes,
    } = prepare(s, settings);
    let prof = profile(&y);
    let mut out = SkuForecast::blank(s, prof, next, h, settings, censored);
    if prof.class == DemandClass::None {
        notes.push("no positive demand in the history: forecast 0".into());
        out.reason = notes.join("; ");
        return out;
    }
    let forced = settings.forced.get(&s.sku).copied();
    let specs = candidate_specs(settings, prof.class, y.len(), forced, &mut notes);
    let sporadic = prof.class.is_sporadic();
    let ctx = FitContext::for_series(s, settings, &specs);
    let bt = backtest(&y, &specs, &ctx, settings, h, m);
    let k = if forced.is_some() {
        0
    } else {
        settings.combine
    };
    let pooled = settings
        .pooled
        .get(&prof.class)
        .filter(|_| k >= 2 && settings.selection == Selection::Pooled);
    let mut candidates = score_candidates(&bt, &specs, sporadic, pooled.is_some());
    let pooled = pooled
        .map(|p| scored_members(p, &specs, &candidates))
        .filter(|m| !m.is_empty());
    let (best, combo) = match pooled {
        Some(members) if members.len() == 1 => (Some(members[0]), None),
        Some(members) => {
            let c = push_combination(&bt, &specs, &mut candidates, members, settings, sporadic);
            (Some(candidates.len() - 1), Some(c))
        }
        None => {
            let m = (k, settings.combine_method);
            let c = add_combination(&bt, &specs, &mut candidates, m, sporadic);
            (best_of(&candidates), c)
        }
    };
    let choice = match best {
        Some(b) => chosen(b, &bt, &specs, combo),
        None => unselected(
            &bt,
            &specs,
            &candidates,
            settings,
            sporadic,
            y.len(),
            &mut notes,
        ),
    };
    if let Some(b) = best {
        candidates[b].chosen = true;
    }
    out.backtest_fit = choice.backtest.concat();
    let fit = final_fit(
        (choice.model.members(), &choice.blend),
        &y,
        m,
        h,
        &ctx,
        &mut notes,
    );
    let dist = error_distribution(&y, &bt, &choice, settings, &ctx, m);
    out.model = if fit.fell_back {
        ModelId::FallbackMean
    } else {
        choice.model
    };
    out.params = fit.params;
    if matches!(out.model, ModelId::Combination(_))
        && settings.combine_method != CombineMethod::Mean
    {
        out.params = format!("{}; combination {}", out.params, choice.blend.describe());
    }
    out.point = fit.point;
    out.error_block = dist.block;
    out.quantiles = quantiles_of(&out.point, &dist, s, settings);
    out.error_censored_var = dist.aligned(&censored_var);
    let imputed: Vec<f64> = censored_var
        .iter()
        .zip(&y)
        .map(|(&v, &a)| if v > 0.0 { a } else { 0.0 })
        .collect();
    out.error_censored_mean = dist.aligned(&imputed);
    out.errors = dist.errors;
    out.candidates = candidates;
    out.reason = notes.join("; ");
    out
}

impl SkuForecast {
    /// The forecast of `s` before any model is fitted: `zero`, with zero point and quantiles
    /// over `h` buckets from `start`.
    fn blank(
        s: &DemandSeries,
        profile: DemandProfile,
        start: NaiveDate,
        h: usize,
        settings: &ForecastSettings,
        censored: CensorStats,
    ) -> Self {
        SkuForecast {
            sku: s.sku.clone(),
            location: s.location.clone(),
            profile,
            model: ModelId::Zero,
            params: String::new(),
            start,
            freq: s.freq,
            point: vec![0.0; h],
            levels: settings.quantiles.clone(),
            quantiles: vec![vec![0.0; h]; settings.quantiles.len()],
            errors: Vec::new(),
            error_block: 0,
            error_censored_var: Vec::new(),
            error_censored_mean: Vec::new(),
            backtest_fit: Vec::new(),
            candidates: Vec::new(),
            censored,
            adjustments: Vec::new(),
            reason: String::new(),
        }
    }
}

/// The candidate models of a series of `len` buckets: the forced one (noted), else the
/// configured list, else the demand class's list plus the trained global model.
fn candidate_specs(
    settings: &ForecastSettings,
    class: DemandClass,
    len: usize,
    forced: Option<ModelSpec>,
    notes: &mut Vec<String>,
) -> Vec<ModelSpec> {
    match forced {
        Some(spec) => {
            notes.push(format!("model {spec} forced by an override"));
            vec![spec]
        }
        None => settings.models.clone().unwrap_or_else(|| {
            let mut c = candidates_for(class, len);
            if settings.global.is_some() {
                c.push(ModelSpec::Global);
            }
            c
        }),
    }
}

/// One candidate's backtest: its forecast per fold, up to the fold where it failed. A model
/// too short for the oldest folds' histories (the seasonal naive needs a season, ETS and Theta
/// two for their seasonal forms) skips them: `fcsts` then holds the newest folds only.
struct Run {
    fcsts: Vec<Vec<f64>>,
    failure: Option<ForecastError>,
    /// Oldest folds skipped because the history before them was too short for the model.
    skipped: usize,
    /// The error that made it skip them.
    short: Option<ForecastError>,
}

impl Run {
    /// Its forecast at fold `f` (of all the folds), if it ran there.
    fn at(&self, f: usize) -> Option<&Vec<f64>> {
        f.checked_sub(self.skipped).and_then(|j| self.fcsts.get(j))
    }
}

/// The rolling-origin backtest of every candidate (see the module documentation).
struct Backtest<'y> {
    /// Origin of each fold (the first bucket it forecasts), oldest first.
    origins: Vec<usize>,
    /// Per fold, the actuals and the scales of the training part.
    folds: Vec<(&'y [f64], (f64, f64))>,
    /// Per candidate (in the order of the candidate list), its forecasts.
    runs: Vec<Run>,
}

impl Backtest<'_> {
    /// Per fold where every one of the candidates `members` ran (the newest
    /// `folds.len() − first_common(members)`), their forecasts combined by `blend`.
    fn combined(&self, members: &[usize], blend: &Blend) -> Vec<Vec<f64>> {
        (self.first_common(members)..self.folds.len())
            .map(|f| {
                let rows: Vec<&Vec<f64>> =
                    members.iter().filter_map(|&i| self.runs[i].at(f)).collect();
                blend.apply_all(&rows)
            })
            .collect()
    }

    /// The oldest fold at which every one of `members` ran.
    fn first_common(&self, members: &[usize]) -> usize {
        members
            .iter()
            .map(|&i| self.runs[i].skipped)
            .max()
            .unwrap_or(0)
    }
}

/// Fits every candidate at every origin of the selection folds and forecasts `h` buckets.
fn backtest<'y>(
    y: &'y [f64],
    specs: &[ModelSpec],
    ctx: &FitContext,
    settings: &ForecastSettings,
    h: usize,
    m: usize,
) -> Backtest<'y> {
    let origins: Vec<usize> = (0..settings.folds)
        .filter_map(|i| y.len().checked_sub(h * (settings.folds - i)))
        .filter(|&o| o >= MIN_TRAIN)
        .collect();
    let folds: Vec<(&[f64], (f64, f64))> = origins
        .iter()
        .map(|&o| (&y[o..o + h], scales(&y[..o], m)))
        .collect();
    let runs: Vec<Run> = specs
        .iter()
        .map(|spec| {
            let mut fcsts = Vec::new();
            let mut failure = None;
            let (mut skipped, mut short) = (0, None);
            let mut earlier: Option<Box<dyn FittedForecaster>> = None;
            for &o in &origins {
                let fitted = fit_at(
                    *spec,
                    &y[..o],
                    m,
                    ctx,
                    earlier.as_deref(),
                    settings.recalibrate,
                );
                match fitted {
                    Ok(f) => {
                        fcsts.push(predict_clamped(f.as_ref(), h));
                        earlier = Some(f);
                    }
                    Err(e @ ForecastError::TooShort { .. }) if fcsts.is_empty() => {
                        skipped += 1;
                        short = Some(e);
                    }
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            if fcsts.is_empty() && failure.is_none() {
                failure.clone_from(&short);
            }
            Run {
                fcsts,
                failure,
                skipped,
                short,
            }
        })
        .collect();
    Backtest {
        origins,
        folds,
        runs,
    }
}

/// Mean errors of per-fold forecasts `fcsts` over the `folds`, and the selection score (RMSSE
/// for sporadic demand, else MASE).
fn score(folds: &[(&[f64], (f64, f64))], fcsts: &[Vec<f64>], sporadic: bool) -> (Errors, f64) {
    let errs: Vec<Errors> = folds
        .iter()
        .zip(fcsts)
        .map(|((actual, sc), f)| errors(actual, f, *sc))
        .collect();
    let k = errs.len() as f64;
    let mean = |g: fn(&Errors) -> f64| errs.iter().map(g).sum::<f64>() / k;
    let e = Errors {
        mae: mean(|e| e.mae),
        rmse: mean(|e| e.rmse),
        wape: mean(|e| e.wape),
        bias: mean(|e| e.bias),
        mase: mean(|e| e.mase),
        rmsse: mean(|e| e.rmsse),
        smape: mean(|e| e.smape),
    };
    (e, if sporadic { e.rmsse } else { e.mase })
}

/// Every candidate's backtest result; a failed candidate, or any without a fold, scores ∞.
/// With `partial`, a candidate that skipped the oldest folds (too short a history there) is
/// scored on the newer folds it ran; without, it scores ∞ as one that failed (each SKU's own
/// selection compares candidates on the same folds only).
fn score_candidates(
    bt: &Backtest<'_>,
    specs: &[ModelSpec],
    sporadic: bool,
    partial: bool,
) -> Vec<Candidate> {
    bt.runs
        .iter()
        .zip(specs)
        .map(|(r, spec)| {
            let whole = r.skipped == 0 || partial;
            let (errors, score) = if r.failure.is_none() && whole && !bt.folds.is_empty() {
                score(&bt.folds[r.skipped..], &r.fcsts, sporadic)
            } else {
                (Errors::default(), f64::INFINITY)
            };
            Candidate {
                model: ModelId::Spec(*spec),
                errors,
                score,
                chosen: false,
                failure: if whole {
                    r.failure.clone()
                } else {
                    r.short.clone()
                },
            }
        })
        .collect()
}

/// Orders candidates `a` and `b` by score, ties to the earlier one.
fn by_score(candidates: &[Candidate], a: usize, b: usize) -> std::cmp::Ordering {
    candidates[a]
        .score
        .total_cmp(&candidates[b].score)
        .then(a.cmp(&b))
}

/// With `k ≥ 2` and at least `k` scored candidates, adds the combination of the best `k` by
/// `method` as a candidate (after the single models) and returns its members (indices into
/// `specs`) and their blend, its weights learned from the members' backtest scores.
fn add_combination(
    bt: &Backtest<'_>,
    specs: &[ModelSpec],
    candidates: &mut Vec<Candidate>,
    (k, method): (usize, CombineMethod),
    sporadic: bool,
) -> Option<(Vec<usize>, Blend)> {
    let mut ranked: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].score.is_finite())
        .collect();
    ranked.sort_by(|&a, &b| by_score(candidates, a, b));
    let members: Vec<usize> = (k >= 2 && ranked.len() >= k).then(|| ranked[..k].to_vec())?;
    let scores: Vec<f64> = members.iter().map(|&i| candidates[i].score).collect();
    let blend = method.blend(&scores);
    let folds = &bt.folds[bt.first_common(&members)..];
    let (errors, score) = score(folds, &bt.combined(&members, &blend), sporadic);
    candidates.push(Candidate {
        model: ModelId::Combination(members.iter().map(|&i| specs[i]).collect()),
        errors,
        score,
        chosen: false,
        failure: None,
    });
    Some((members, blend))
}

/// The indices (into `specs`) of the catalogue's pooled models `pooled` that this SKU's
/// backtest scored, in the pooled order.
fn scored_members(
    pooled: &[ModelSpec],
    specs: &[ModelSpec],
    candidates: &[Candidate],
) -> Vec<usize> {
    pooled
        .iter()
        .filter_map(|p| specs.iter().position(|s| s == p))
        .filter(|&i| candidates[i].score.is_finite())
        .collect()
}

/// Adds the combination of `members` (indices into `specs`, each scored) by the settings'
/// `combine_method` as a candidate, with its weights from the members' backtest scores, and
/// returns the members and their blend.
fn push_combination(
    bt: &Backtest<'_>,
    specs: &[ModelSpec],
    candidates: &mut Vec<Candidate>,
    members: Vec<usize>,
    settings: &ForecastSettings,
    sporadic: bool,
) -> (Vec<usize>, Blend) {
    let scores: Vec<f64> = members.iter().map(|&i| candidates[i].score).collect();
    let blend = settings.combine_method.blend(&scores);
    let folds = &bt.folds[bt.first_common(&members)..];
    let (errors, score) = score(folds, &bt.combined(&members, &blend), sporadic);
    candidates.push(Candidate {
        model: ModelId::Combination(members.iter().map(|&i| specs[i]).collect()),
        errors,
        score,
        chosen: false,
        failure: None,
    });
    (members, blend)
}

/// The best-scoring candidate, if any scored (ties to the earlier one).
fn best_of(candidates: &[Candidate]) -> Option<usize> {
    (0..candidates.len())
        .filter(|&i| candidates[i].score.is_finite())
        .min_by(|&a, &b| by_score(candidates, a, b))
}

/// The chosen model (one model or a combination) and its backtest forecasts per selection
/// fold (none when nothing was backtested).
struct Choice {
    model: ModelId,
    /// How the members' forecasts combine (one member: weight 1).
    blend: Blend,
    backtest: Vec<Vec<f64>>,
}

/// The choice when candidate `best` won the backtest: a single model, or (past the single
/// models) the combination of `combo`.
fn chosen(
    best: usize,
    bt: &Backtest<'_>,
    specs: &[ModelSpec],
    combo: Option<(Vec<usize>, Blend)>,
) -> Choice {
    if best < bt.runs.len() {
        return Choice {
            model: ModelId::Spec(specs[best]),
            blend: Blend::Weighted(vec![1.0]),
            backtest: bt.runs[best].fcsts.clone(),
        };
    }
    let (members, blend) = combo.unwrap_or((Vec::new(), Blend::Median));
    Choice {
        backtest: bt.combined(&members, &blend),
        model: ModelId::Combination(members.iter().map(|&i| specs[i]).collect()),
        blend,
    }
}

/// The choice when no candidate could be scored (no backtest, or every candidate failed):
/// the only candidate, else SBA (optimised) for sporadic demand and SES otherwise; the notes
/// say why (`len`: buckets of training history).
fn unselected(
    bt: &Backtest<'_>,
    specs: &[ModelSpec],
    candidates: &[Candidate],
    settings: &ForecastSettings,
    sporadic: bool,
    len: usize,
    notes: &mut Vec<String>,
) -> Choice {
    let fallback = if sporadic {
        ModelSpec::SbaOptimized
    } else {
        ModelSpec::Ses(None)
    };
    let chosen = specs
        .first()
        .copied()
        .filter(|_| specs.len() == 1)
        .unwrap_or(fallback);
    let failure = candidates.iter().find_map(|c| c.failure.clone());
    notes.push(if settings.folds == 0 {
        format!("backtest disabled (folds = 0): {chosen} used without selection")
    } else if let (false, Some(f)) = (bt.origins.is_empty(), failure) {
        format!("every candidate failed in the backtest ({f}): {chosen} used without selection")
    } else {
        format!(
            "history of {len} buckets too short for a backtest of {} buckets: {chosen} used without selection",
            settings.horizon.max(1)
        )
    });
    Choice {
        model: ModelId::Spec(chosen),
        blend: Blend::Weighted(vec![1.0]),
        backtest: Vec::new(),
    }
}

/// The chosen model fitted on the whole training history.
struct FinalFit {
    /// Point forecast (the members' mean; the last season's mean when every member failed).
    point: Vec<f64>,
    /// The members' fitted parameters, `; `-separated.
    params: String,
    /// Whether every member failed and the point is the last season's mean.
    fell_back: bool,
}

/// Fits `members` on all of `y` and combines their forecasts by `blend` (a member that fails
/// is noted and left out); when all fail the forecast is the mean of the last season.
fn final_fit(
    (members, blend): (&[ModelSpec], &Blend),
    y: &[f64],
    m: usize,
    h: usize,
    ctx: &FitContext,
    notes: &mut Vec<String>,
) -> FinalFit {
    let mut fits = Vec::new();
    let mut params = Vec::new();
    for (i, spec) in members.iter().enumerate() {
        match fit_guarded(*spec, y, m, ctx) {
            Ok(f) => {
                params.push(f.params());
                fits.push((i, predict_clamped(f.as_ref(), h)));
            }
            Err(e) => notes.push(format!("{spec} failed on the full history: {e}")),
        }
    }
    let fell_back = fits.is_empty();
    if fell_back {
        // Every member failed: fall back to the mean of the last season.
        let w = m.min(y.len()).max(1);
        let level = y[y.len() - w..].iter().sum::<f64>() / w as f64;
        notes.push(format!("fallback: mean of the last {w} buckets"));
        return FinalFit {
            point: vec![level; h],
            params: String::new(),
            fell_back,
        };
    }
    let rows: Vec<(usize, &[f64])> = fits.iter().map(|(i, f)| (*i, f.as_slice())).collect();
    FinalFit {
        point: blend.apply(&rows),
        params: params.join("; "),
        fell_back,
    }
}

/// The chosen model's error distribution, for the quantiles and for sampling.
struct ErrorDistribution {
    /// Errors (actual − forecast), in runs of `block`, one run per origin.
    errors: Vec<f64>,
    /// Where each run's origin is in the series (empty for in-sample deviations).
    starts: Vec<usize>,
    /// Length of one run.
    block: usize,
}

/// The chosen model's backtest errors over the selection folds, plus the older origins up to
/// `quantile_folds`; without a backtest, the in-sample deviations (see the module
/// documentation).
fn error_distribution(
    y: &[f64],
    bt: &Backtest<'_>,
    choice: &Choice,
    settings: &ForecastSettings,
    ctx: &FitContext,
    m: usize,
) -> ErrorDistribution {
    let h = settings.horizon.max(1);
    // The choice's backtest covers the newest folds (a member may have skipped the oldest).
    let skip = bt.folds.len().saturating_sub(choice.backtest.len());
    let mut errs: Vec<f64> = bt.folds[skip..]
        .iter()
        .zip(&choice.backtest)
        .flat_map(|((actual, _), f)| actual.iter().zip(f).map(|(a, f)| a - f))
        .collect();
    let mut starts: Vec<usize> = bt.origins[skip..]
        .iter()
        .take(choice.backtest.len())
        .copied()
        .collect();
    if !choice.backtest.is_empty() {
        older_origin_errors(
            y,
            (choice.model.members(), &choice.blend),
            settings,
            ctx,
            m,
            &mut errs,
            &mut starts,
        );
    }
    if errs.is_empty() {
        let errors = in_sample_deviations(y);
        return ErrorDistribution {
            block: errors.len().max(1),
            errors,
            starts,
        };
    }
    ErrorDistribution {
        errors: errs,
        starts,
        block: h,
    }
}

impl ErrorDistribution {
    /// `per_bucket` (a value per bucket of the series) aligned with `errors`: run k's values
    /// start at bucket `starts[k]`. Empty when `per_bucket` is, or for in-sample deviations.
    fn aligned(&self, per_bucket: &[f64]) -> Vec<f64> {
        if per_bucket.is_empty() || self.starts.is_empty() {
            return Vec::new();
        }
        let block = self.block.max(1);
        self.errors
            .chunks(block)
            .zip(&self.starts)
            .flat_map(|(run, &o)| (0..run.len()).map(move |k| per_bucket.get(o + k)))
            .map(|v| v.copied().unwrap_or(0.0))
            .collect()
    }
}

/// Appends to `errs` (and `starts`) the errors of the combination of `members` at the origins
/// older than the selection folds, up to `quantile_folds` origins in all: newest first, fitted
/// oldest first so that a model without recalibration estimates its parameters at the oldest
/// one. An origin where a member failed is left out.
fn older_origin_errors(
    y: &[f64],
    (members, blend): (&[ModelSpec], &Blend),
    settings: &ForecastSettings,
    ctx: &FitContext,
    m: usize,
    errs: &mut Vec<f64>,
    starts: &mut Vec<usize>,
) {
    let h = settings.horizon.max(1);
    let extra: Vec<usize> = (settings.folds..settings.quantile_folds)
        .map_while(|i| y.len().checked_sub(h * (i + 1)).filter(|&o| o >= MIN_TRAIN))
        .collect();
    let mut fcsts: Vec<Vec<Vec<f64>>> = vec![Vec::new(); extra.len()];
    for spec in members {
        let mut earlier: Option<Box<dyn FittedForecaster>> = None;
        for (j, &o) in extra.iter().enumerate().rev() {
            let fitted = fit_at(
                *spec,
                &y[..o],
                m,
                ctx,
                earlier.as_deref(),
                settings.recalibrate,
            );
            if let Ok(f) = fitted {
                fcsts[j].push(predict_clamped(f.as_ref(), h));
                earlier = Some(f);
            }
        }
    }
    for (&o, f) in extra.iter().zip(&fcsts) {
        if f.len() == members.len() {
            let f = blend.apply_all(&f.iter().collect::<Vec<_>>());
            errs.extend(y[o..o + h].iter().zip(&f).map(|(a, f)| a - f));
            starts.push(o);
        }
    }
}

/// Deviations of the last [`super::theta::MAX_FIT`] buckets (the most recent regime, as the
/// models fit) from the running mean of everything before each.
fn in_sample_deviations(y: &[f64]) -> Vec<f64> {
    let from = y.len().saturating_sub(super::theta::MAX_FIT).max(1);
    let mut sum: f64 = y[..from.min(y.len())].iter().sum();
    let mut errs = Vec::with_capacity(y.len().saturating_sub(from));
    for (t, &v) in y.iter().enumerate().skip(from) {
        errs.push(v - sum / t as f64);
        sum += v;
    }
    errs
}

/// Fewest errors on uncensored buckets for the quantiles to use them alone.
const MIN_OBSERVED_ERRORS: usize = 28;

/// The backtest errors the quantiles are taken from: with imputed censoring, those on buckets
/// without stockout days only — on a censored bucket the "actual" is itself an imputation (a
/// local mean, smoother than demand), which made the error spread too narrow — when at least
/// [`MIN_OBSERVED_ERRORS`] remain; otherwise all of them. `starts[k]` is the bucket where the
/// k-th run of `block` errors begins (none for in-sample deviations, which are all kept).
fn observed_errors(
    errs: &[f64],
    starts: &[usize],
    block: usize,
    s: &DemandSeries,
    censoring: Censoring,
) -> Vec<f64> {
    if censoring == Censoring::Ignore || starts.is_empty() {
        return errs.to_vec();
    }
    let stocked_out = |i: usize| s.stockout_days.get(i).is_some_and(|&d| d > 0);
    let kept: Vec<f64> = errs
        .chunks(block.max(1))
        .zip(starts)
        .flat_map(|(run, &o)| {
            run.iter()
                .enumerate()
                .filter(move |&(k, _)| !stocked_out(o + k))
                .map(|(_, &e)| e)
        })
        .collect();
    if kept.len() >= MIN_OBSERVED_ERRORS {
        kept
    } else {
        errs.to_vec()
    }
}

/// The quantiles of the forecast `point` from the error distribution `dist` of series `s`, by
/// the settings' method (see [`super::calibrate`]); the errors on stocked-out buckets are left
/// out as in [`observed_errors`].
fn quantiles_of(
    point: &[f64],
    dist: &ErrorDistribution,
    s: &DemandSeries,
    settings: &ForecastSettings,
) -> Vec<Vec<f64>> {
    match settings.quantile_method {
        QuantileMethod::Pooled => quantiles_from(
            point,
            &observed_errors(
                &dist.errors,
                &dist.starts,
                dist.block,
                s,
                settings.censoring,
            ),
            &settings.quantiles,
        ),
        QuantileMethod::Conformal => calibrate::conformal_quantiles(
            point,
            &observed_by_step(dist, s, settings.censoring),
            &settings.quantiles,
            calibrate::is_discrete(&s.values),
        ),
    }
}

/// The errors of `dist` per horizon step (one step holding every error for in-sample
/// deviations), with those on stocked-out buckets left out under imputed censoring when at
/// least [`MIN_OBSERVED_ERRORS`] remain (as [`observed_errors`]).
fn observed_by_step(
    dist: &ErrorDistribution,
    s: &DemandSeries,
    censoring: Censoring,
) -> Vec<Vec<f64>> {
    if dist.starts.is_empty() {
        return vec![dist.errors.clone()];
    }
    let block = dist.block.max(1);
    let stocked_out = |i: usize| s.stockout_days.get(i).is_some_and(|&d| d > 0);
    let split = |only_open: bool| {
        let mut by_step = vec![Vec::new(); block];
        for (run, &o) in dist.errors.chunks(block).zip(&dist.starts) {
            for (k, &e) in run.iter().enumerate() {
                if !only_open || !stocked_out(o + k) {
                    by_step[k].push(e);
                }
            }
        }
        by_step
    };
    if censoring == Censoring::Ignore {
        return split(false);
    }
    let open = split(true);
    if open.iter().map(Vec::len).sum::<usize>() >= MIN_OBSERVED_ERRORS {
        open
    } else {
        split(false)
    }
}

impl SkuForecast {
    /// The backtest error runs, one per origin (see [`SkuForecast::errors`]).
    pub fn error_runs(&self) -> impl Iterator<Item = &[f64]> {
        self.errors.chunks(self.error_block.max(1))
    }

    /// Whether the model was chosen by a backtest (else the history was too short or every
    /// candidate failed).
    pub fn backtested(&self) -> bool {
        self.candidates.iter().any(|c| c.chosen)
    }
}

/// Quantile `p` of unsorted values by selection (the same type-7 value as
/// [`crate::util::quantile_sorted`] on the sorted values, in linear time; reorders `values`).
pub fn quantile_select(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let pos = p.clamp(0.0, 1.0) * (values.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let (_, &mut low, upper) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let frac = pos - lo as f64;
    if frac == 0.0 || upper.is_empty() {
        return low;
    }
    let high = upper.iter().copied().fold(f64::INFINITY, f64::min);
    low + (high - low) * frac
}

/// Quantile forecasts per level: max(0, point + the level's quantile of the errors).
pub fn quantiles_from(point: &[f64], errors: &[f64], levels: &[f64]) -> Vec<Vec<f64>> {
    let mut work = errors.to_vec();
    levels
        .iter()
        .map(|&p| {
            let q = quantile_select(&mut work, p);
            point.iter().map(|f| (f + q).max(0.0)).collect()
        })
        .collect()
}

pub(crate) fn mean_of<'a>(rows: impl Iterator<Item = &'a Vec<f64>>) -> Vec<f64> {
    let mut sum: Vec<f64> = Vec::new();
    let mut n = 0.0;
    for r in rows {
        if sum.is_empty() {
            sum = vec![0.0; r.len()];
        }
        for (s, v) in sum.iter_mut().zip(r) {
            *s += v;
        }
        n += 1.0;
    }
    sum.iter().map(|s| s / n).collect()
}

/// Most SKUs per demand class whose backtests [`with_pooled`] ranks the models on (every
/// `n / POOL_SAMPLE`-th SKU of the class, rounded up, in input order): enough for a stable mean,
/// and the pre-pass costs at most this many backtests per class however large the catalogue.
pub const POOL_SAMPLE: usize = 200;

/// The settings with the catalogue's pooled ranking (see [`Selection`]): per demand class, the
/// best `combine` models by mean backtest score over a sample of up to [`POOL_SAMPLE`] of the
/// class's SKUs (forced SKUs left out). Unchanged when `selection` is `per_sku`, `combine < 2`
/// or `folds = 0`. Call after [`with_global`], so that the global model is ranked too.
pub fn with_pooled(series: &[DemandSeries], settings: &ForecastSettings) -> ForecastSettings {
    let mut out = settings.clone();
    if settings.selection != Selection::Pooled || settings.combine < 2 || settings.folds == 0 {
        return out;
    }
    let h = settings.horizon.max(1);
    let m = settings.season.max(1);
    // Classes first (the prepared histories are dropped: the catalogue's are never held at
    // once), then the sampled series are prepared again for their backtests.
    let classes: Vec<Option<DemandClass>> = series
        .par_iter()
        .map(|s| {
            let class = profile(&prepare(s, settings).y).class;
            let free = !settings.forced.contains_key(&s.sku);
            (free && class != DemandClass::None).then_some(class)
        })
        .collect();
    let mut per_class: BTreeMap<DemandClass, Vec<usize>> = BTreeMap::new();
    for (i, c) in classes.iter().enumerate() {
        if let Some(class) = c {
            per_class.entry(*class).or_default().push(i);
        }
    }
    for (class, members) in per_class {
        let step = members.len().div_ceil(POOL_SAMPLE);
        let sample: Vec<usize> = members.into_iter().step_by(step.max(1)).collect();
        let rows: Vec<Vec<(ModelSpec, f64)>> = sample
            .par_iter()
            .map(|&i| {
                let y = prepare(&series[i], settings).y;
                let specs = candidate_specs(settings, class, y.len(), None, &mut Vec::new());
                let ctx = FitContext::for_series(&series[i], settings, &specs);
                let bt = backtest(&y, &specs, &ctx, settings, h, m);
                // Full scores only: a model scored on the newer folds alone (its history too
                // short for the older ones) would be judged on easier, longer histories.
                let scored = score_candidates(&bt, &specs, class.is_sporadic(), false);
                specs
                    .iter()
                    .zip(scored)
                    .map(|(s, c)| (*s, c.score))
                    .collect()
            })
            .collect();
        out.pooled
            .insert(class, pooled_best(&rows, settings.combine));
    }
    out
}

/// Forecasts every series in parallel (training the global model and ranking the models over
/// the catalogue first, see [`with_global`] and [`with_pooled`]); output order follows input
/// order.
pub fn forecast_all(series: &[DemandSeries], settings: &ForecastSettings) -> Vec<SkuForecast> {
    let settings = &with_pooled(series, &with_global(series, settings));
    let all: Vec<usize> = (0..series.len()).collect();
    crate::progress::begin("forecast", all.len() as u64);
    forecast_some(series, settings, &all)
}

/// Forecasts `series[i]` for every `i` of `which`, in parallel, in that order, with the
/// settings as given (a global model is used only when `settings.global` holds one: train it
/// on the whole catalogue first with [`with_global`]). Each series advances the current
/// progress stage; the caller begins it.
pub fn forecast_some(
    series: &[DemandSeries],
    settings: &ForecastSettings,
    which: &[usize],
) -> Vec<SkuForecast> {
    which
        .par_iter()
        .map(|&i| {
            let f = forecast_series(&series[i], settings);
            crate::progress::advance(1);
            f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::test_series;
    use crate::util::quantile_sorted;

    fn settings(h: usize) -> ForecastSettings {
        ForecastSettings {
            horizon: h,
            ..ForecastSettings::for_freq(Freq::Day)
        }
    }

    fn assert_sane(f: &SkuForecast, h: usize) {
        assert_eq!(f.point.len(), h);
        for v in f.point.iter().chain(f.quantiles.iter().flatten()) {
            assert!(v.is_finite() && *v >= 0.0, "{v} in {f:?}");
        }
        for w in f.quantiles.windows(2) {
            assert!(
                w[0].iter().zip(&w[1]).all(|(a, b)| a <= b),
                "quantiles ordered"
            );
        }
    }

    #[test]
    fn hard_cases_give_sane_forecasts_and_reasons() {
        let cases: Vec<(&str, Vec<f64>)> = vec![
            ("all zero", vec![0.0; 50]),
            (
                "one non-zero",
                [vec![0.0; 30], vec![5.0], vec![0.0; 19]].concat(),
            ),
            ("very short", vec![3.0, 4.0]),
            ("single bucket", vec![2.0]),
            ("constant", vec![4.0; 60]),
            ("huge", vec![1e12; 40]),
            (
                "long zero start",
                [vec![0.0; 300], vec![1.0, 0.0, 2.0, 0.0, 1.0]].concat(),
            ),
            (
                "returns",
                vec![5.0, -3.0, 4.0, 6.0, -1.0, 5.0, 4.0, 6.0, 5.0, 3.0, 5.0, 4.0],
            ),
        ];
        for (name, y) in cases {
            let f = forecast_series(&test_series("A", y), &settings(7));
            assert_sane(&f, 7);
            assert!(!f.model.to_string().is_empty(), "{name}");
            if name == "all zero" {
                assert_eq!(f.model, ModelId::Zero);
                assert!(f.reason.contains("no positive demand"));
            }
            if name == "very short" || name == "single bucket" {
                assert!(f.reason.contains("too short"), "{name}: {}", f.reason);
            }
            if name == "constant" {
                assert!(
                    f.point.iter().all(|v| (v - 4.0).abs() < 1e-9),
                    "{:?}",
                    f.point
                );
            }
        }
    }

    #[test]
    fn seasonal_series_picks_a_seasonal_model() {
        let week = [2.0, 2.0, 3.0, 3.0, 8.0, 12.0, 4.0];
        let y: Vec<f64> = (0..140).map(|t| week[t % 7]).collect();
        let f = forecast_series(&test_series("A", y), &settings(14));
        // The seasonal naive and ETS(A,N,A) both fit it exactly (ETS to rounding).
        assert!(
            f.model.to_string().contains("snaive") || f.model.to_string().contains("ets"),
            "{}",
            f.model
        );
        assert!((f.point[5] - 12.0).abs() < 1e-6, "{:?}", f.point);
        // A perfect model has zero backtest error: quantiles equal the point forecast.
        assert!(f.quantiles[2]
            .iter()
            .zip(&f.point)
            .all(|(q, p)| (q - p).abs() < 1e-6));
    }

    #[test]
    fn without_recalibration_the_oldest_origin_sets_the_parameters() {
        // ETS on a noisy trending weekly series: the first fold is fitted as usual, the later
        // folds rerun that fit (parameters kept, initial states re-solved on the longer
        // history); recalibrating re-estimates them instead.
        let week = [3.0, -1.0, 0.5, -2.0, 4.0, -3.0, -1.5];
        let y: Vec<f64> = (0..150)
            .map(|t| {
                let tf = t as f64;
                30.0 + 0.05 * tf + week[t % 7] + 2.0 * (tf * 1.7).sin() + (tf * 0.37).cos()
            })
            .collect();
        let h = 7;
        let rolling = ForecastSettings {
            models: Some(vec![ModelSpec::Ets]),
            combine: 0,
            ..settings(h)
        };
        let recalibrating = ForecastSettings {
            recalibrate: true,
            ..rolling.clone()
        };
        let rolled = forecast_series(&test_series("A", y.clone()), &rolling);
        let recal = forecast_series(&test_series("A", y.clone()), &recalibrating);
        let n = y.len();
        let first = ModelSpec::Ets.build().fit(&y[..n - 3 * h], 7).unwrap();
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9);
        for (k, o) in [n - 3 * h, n - 2 * h, n - h].into_iter().enumerate() {
            let manual = if k == 0 {
                first.predict(h)
            } else {
                first.rerun(&y[..o], 7).unwrap().predict(h)
            };
            let got = &rolled.backtest_fit[k * h..(k + 1) * h];
            assert!(close(got, &manual), "fold {k}: {got:?} vs {manual:?}");
        }
        assert!(close(&rolled.backtest_fit[..h], &recal.backtest_fit[..h]));
        assert!(!close(&rolled.backtest_fit[h..], &recal.backtest_fit[h..]));
        // The final forecast is estimated afresh either way.
        assert!(close(&rolled.point, &recal.point));
    }

    #[test]
    fn quantile_errors_leave_out_stocked_out_buckets() {
        // Two runs of 28 errors starting at buckets 100 and 72; stockouts on buckets 101, 102
        // (first run) and 72 (second run).
        let errs: Vec<f64> = (0..56).map(f64::from).collect();
        let mut s = test_series("A", vec![1.0; 200]);
        for b in [101, 102, 72] {
            s.stockout_days[b] = 1;
        }
        let kept = observed_errors(&errs, &[100, 72], 28, &s, Censoring::Impute);
        let expect: Vec<f64> = (0..56)
            .filter(|&k| ![1, 2, 28].contains(&k))
            .map(f64::from)
            .collect();
        assert_eq!(kept, expect);
        // Sales taken as demand, or in-sample deviations (no origins): every error.
        assert_eq!(
            observed_errors(&errs, &[100, 72], 28, &s, Censoring::Ignore),
            errs
        );
        assert_eq!(observed_errors(&errs, &[], 56, &s, Censoring::Impute), errs);
        // Too few uncensored errors left: all of them.
        for b in 100..128 {
            s.stockout_days[b] = 1;
        }
        assert_eq!(
            observed_errors(&errs, &[100, 72], 28, &s, Censoring::Impute),
            errs
        );
    }

    #[test]
    fn forced_model_is_used() {
        let s = ForecastSettings {
            models: Some(vec![ModelSpec::Naive]),
            combine: 0,
            ..settings(5)
        };
        let f = forecast_series(&test_series("A", (1..=40).map(f64::from).collect()), &s);
        assert_eq!(f.model, ModelId::Spec(ModelSpec::Naive));
        assert_eq!(f.point, vec![40.0; 5]);
        assert!(f.candidates[0].chosen);
    }

    #[test]
    fn partial_last_week_is_left_out_and_forecast_whole() {
        let mut s = test_series(
            "A",
            vec![7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 2.0],
        );
        s.freq = Freq::Week;
        s.last_bucket_days = 2;
        let f = forecast_series(&s, &settings(3));
        assert!((f.point[0] - 7.0).abs() < 1e-9);
        assert!(f.reason.contains("partial"));
        assert_eq!(f.start, NaiveDate::from_ymd_opt(2024, 3, 11).unwrap());
    }

    #[test]
    fn planned_promotions_extend_the_promotion_flags_past_the_history() {
        let mut s = test_series("A", vec![1.0; 10]); // 2024-01-01 .. 2024-01-10
        s.promo_days[3] = 1;
        let mut settings = settings(5);
        settings
            .promo_windows
            .insert("A".into(), vec![(day("2024-01-12"), day("2024-01-13"))]);
        let f = promo_flags(&s, &settings);
        assert_eq!(f.len(), 10 + 6);
        let on: Vec<usize> = (0..f.len()).filter(|&i| f[i]).collect();
        // History flag on day 3; planned promotion on days 11 and 12 (Jan 12, 13).
        assert_eq!(on, vec![3, 11, 12]);
        assert_eq!(
            promo_flags(&s, &ForecastSettings::for_freq(Freq::Day)).len(),
            10
        );
    }

    #[test]
    fn only_a_calendar_reaching_the_future_counts_as_planned() {
        let s = test_series("A", vec![1.0; 10]); // 2024-01-01 .. 2024-01-10
        let mut settings = settings(5);
        assert!(!has_planned_promotions(&s, &settings));
        // A promotion that ended inside the history says nothing of the future.
        settings
            .promo_windows
            .insert("A".into(), vec![(day("2024-01-03"), day("2024-01-10"))]);
        assert!(!has_planned_promotions(&s, &settings));
        // One reaching the first day after the history does.
        settings
            .promo_windows
            .insert("A".into(), vec![(day("2024-01-03"), day("2024-01-11"))]);
        assert!(has_planned_promotions(&s, &settings));
        // Another SKU's calendar is not this one's.
        let b = test_series("B", vec![1.0; 10]);
        assert!(!has_planned_promotions(&b, &settings));
    }

    #[test]
    fn the_global_model_is_a_candidate_once_trained() {
        let week = [3.0, 3.0, 3.0, 3.0, 6.0, 9.0, 1.0];
        let series: Vec<DemandSeries> = (1..=20)
            .map(|k| {
                test_series(
                    &format!("S{k:02}"),
                    (0..300).map(|t| f64::from(k) * week[t % 7]).collect(),
                )
            })
            .collect();
        let trained = with_global(&series, &settings(14));
        let g = trained.global.as_ref().expect("trained");
        assert!(g.rows > 50 && g.series == 20, "{g:?}");
        let f = forecast_series(&series[4], &trained);
        let c = f
            .candidates
            .iter()
            .find(|c| c.model == ModelId::Spec(ModelSpec::Global))
            .unwrap();
        assert!(c.failure.is_none() && c.score.is_finite(), "{c:?}");
        // Without training, it is not offered.
        let untrained = ForecastSettings {
            learn_global: false,
            ..settings(14)
        };
        assert!(with_global(&series, &untrained).global.is_none());
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn selection_gives_the_sorted_type7_quantile() {
        let v: Vec<f64> = (0..101).map(|i| f64::from((i * 37) % 101) / 7.0).collect();
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        for p in [0.0, 0.05, 0.1, 0.333, 0.5, 0.9, 0.975, 1.0] {
            let mut w = v.clone();
            assert!((quantile_select(&mut w, p) - quantile_sorted(&sorted, p)).abs() < 1e-12);
        }
        assert!(quantile_select(&mut [], 0.5).abs() < 1e-12);
    }

    /// A series of `freq` buckets (no flags, last bucket whole).
    fn bucketed(sku: &str, freq: Freq, values: Vec<f64>) -> DemandSeries {
        DemandSeries {
            freq,
            last_bucket_days: 31,
            ..test_series(sku, values)
        }
    }

    /// Deterministic noise in [−1, 1) (a linear congruential generator).
    fn noise(seed: u64, n: usize) -> Vec<f64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 11) as f64 / (1u64 << 52) as f64 - 1.0
            })
            .collect()
    }

    /// Pearson correlation.
    fn correlation(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
        cov / (va * vb).sqrt()
    }

    /// A strongly seasonal series of `n` buckets with period `m`: level `level`, a yearly
    /// pattern of ±40% (a sine), a slight trend and ±2% noise. Returns it and the pattern of
    /// the `h` buckets after it.
    fn seasonal(level: f64, m: usize, n: usize, h: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let pattern =
            |t: usize| 1.0 + 0.4 * (2.0 * std::f64::consts::PI * t as f64 / m as f64).sin();
        let e = noise(seed, n);
        let y = (0..n)
            .map(|t| level * pattern(t) * (1.0 + 0.001 * t as f64) * (1.0 + 0.02 * e[t]))
            .collect();
        (y, (n..n + h).map(pattern).collect())
    }

    fn forced_settings(freq: Freq, h: usize, spec: ModelSpec) -> ForecastSettings {
        ForecastSettings {
            horizon: h,
            models: Some(vec![spec]),
            ..ForecastSettings::for_freq(freq)
        }
    }

    /// Issue 22 item 3, monthly (m = 12): the season reaches ETS (a seasonal form), Theta (a
    /// multiplicative seasonal adjustment, the series being positive) and the global model
    /// (trained on a catalogue of such series): each forecast follows the coming year's pattern.
    #[test]
    fn the_monthly_season_reaches_every_model() {
        let (y, pattern) = seasonal(100.0, 12, 96, 12, 1);
        let s = bucketed("M", Freq::Month, y);
        for spec in [ModelSpec::Ets, ModelSpec::Theta] {
            let f = forecast_series(&s, &forced_settings(Freq::Month, 12, spec));
            let r = correlation(&f.point, &pattern);
            assert!(r > 0.95, "{spec}: correlation {r} with the season, {f:?}");
            let amplitude = f.point.iter().copied().fold(f64::MIN, f64::max)
                - f.point.iter().copied().fold(f64::MAX, f64::min);
            assert!(
                amplitude > 50.0,
                "{spec}: amplitude {amplitude} (season ±40 of ~105)"
            );
        }
        let ets = forecast_series(&s, &forced_settings(Freq::Month, 12, ModelSpec::Ets));
        assert!(
            ets.params.starts_with("ETS(A,")
                && ets
                    .params
                    .split(' ')
                    .next()
                    .unwrap_or_default()
                    .ends_with("A)"),
            "{}",
            ets.params
        );
        let theta = forecast_series(&s, &forced_settings(Freq::Month, 12, ModelSpec::Theta));
        assert!(
            theta.params.contains("season=multiplicative"),
            "{}",
            theta.params
        );
        let catalogue: Vec<DemandSeries> = (1u32..=12)
            .map(|k| {
                let (y, _) = seasonal(50.0 * f64::from(k), 12, 96, 12, u64::from(k));
                bucketed(&format!("M{k:02}"), Freq::Month, y)
            })
            .collect();
        let global = forced_settings(Freq::Month, 12, ModelSpec::Global);
        for f in forecast_all(&catalogue, &global) {
            assert_eq!(f.model, ModelId::Spec(ModelSpec::Global), "{}", f.reason);
            let r = correlation(&f.point, &pattern);
            assert!(
                r > 0.9,
                "global: correlation {r} with the season, {:?}",
                f.point
            );
        }
    }

    /// A monthly series without a season (level, trend-free, ±10% noise): ETS picks a form
    /// without season, Theta does not adjust.
    #[test]
    fn no_season_is_fitted_to_a_non_seasonal_series() {
        let y: Vec<f64> = noise(7, 96)
            .iter()
            .map(|e| 100.0 * (1.0 + 0.1 * e))
            .collect();
        let s = bucketed("N", Freq::Month, y);
        let ets = forecast_series(&s, &forced_settings(Freq::Month, 12, ModelSpec::Ets));
        assert!(
            ets.params
                .split(' ')
                .next()
                .unwrap_or_default()
                .ends_with("N)"),
            "{}",
            ets.params
        );
        let theta = forecast_series(&s, &forced_settings(Freq::Month, 12, ModelSpec::Theta));
        assert!(theta.params.contains("season=none"), "{}", theta.params);
    }

    /// Weekly (m = 52, five years): Theta adjusts for the yearly season and the global model
    /// follows it; ETS offers no seasonal form for m > 24 (as R's `ets` and statsforecast) and
    /// fits a non-seasonal one. The weekly and monthly defaults of the season come from the
    /// bucket size (`[calendar] freq`), so weekly buckets of daily sales get m = 52. (With three
    /// years the lag-52 autocorrelation test of Theta — statsforecast's and R's — does not
    /// detect even this ±40% season: its bound grows with Σ r_k² over the 51 shorter lags.)
    #[test]
    fn the_weekly_season_reaches_theta_and_the_global_model() {
        assert_eq!(ForecastSettings::for_freq(Freq::Week).season, 52);
        assert_eq!(ForecastSettings::for_freq(Freq::Month).season, 12);
        let (y, pattern) = seasonal(200.0, 52, 260, 26, 3);
        let s = bucketed("W", Freq::Week, y);
        let theta = forecast_series(&s, &forced_settings(Freq::Week, 26, ModelSpec::Theta));
        assert!(
            theta.params.contains("season=multiplicative"),
            "{}",
            theta.params
        );
        let r = correlation(&theta.point, &pattern);
        assert!(r > 0.95, "theta: correlation {r}, {:?}", theta.point);
        let ets = forecast_series(&s, &forced_settings(Freq::Week, 26, ModelSpec::Ets));
        assert!(
            ets.params
                .split(' ')
                .next()
                .unwrap_or_default()
                .ends_with("N)"),
            "{}",
            ets.params
        );
        let catalogue: Vec<DemandSeries> = (1u32..=12)
            .map(|k| {
                let (y, _) = seasonal(30.0 * f64::from(k), 52, 260, 26, u64::from(k));
                bucketed(&format!("W{k:02}"), Freq::Week, y)
            })
            .collect();
        // The global model trains on origins with two seasons (104 weeks) behind them and before
        // the backtest's holdback (6 origins × h): with h = 26 that leaves no row in 260 weeks
        // (it falls back to a flat mean); with h = 13 it trains and follows the season.
        let global = forced_settings(Freq::Week, 13, ModelSpec::Global);
        for f in forecast_all(&catalogue, &global) {
            assert_eq!(f.model, ModelId::Spec(ModelSpec::Global), "{}", f.reason);
            let r = correlation(&f.point, &pattern[..13]);
            assert!(r > 0.8, "global: correlation {r}, {:?}", f.point);
        }
        let long = forced_settings(Freq::Week, 26, ModelSpec::Global);
        let flat = &forecast_all(&catalogue, &long)[0];
        assert_eq!(flat.model, ModelId::FallbackMean, "{}", flat.reason);
    }

    /// Pooled selection: the catalogue's ranking reaches every SKU of the class, whose forecast
    /// is the combination of the ranked models it could score; `per_sku` leaves the ranking out.
    /// A model too short for the oldest fold (the seasonal naive needs a season before the
    /// origin) is scored on the newer folds in a pooled combination, not dropped.
    #[test]
    fn pooled_selection_combines_the_catalogues_best_models() {
        let catalogue: Vec<DemandSeries> = (1u32..=10)
            .map(|k| {
                let (y, _) = seasonal(40.0 * f64::from(k), 12, 60, 12, u64::from(k));
                bucketed(&format!("P{k:02}"), Freq::Month, y)
            })
            .collect();
        let base = ForecastSettings {
            horizon: 12,
            learn_global: false,
            ..ForecastSettings::for_freq(Freq::Month)
        };
        let pooled = with_pooled(&catalogue, &base);
        let best = pooled
            .pooled
            .get(&DemandClass::Smooth)
            .expect("ranked")
            .clone();
        assert_eq!(best.len(), 3, "{best:?}");
        for f in forecast_all(&catalogue, &base) {
            assert_eq!(f.model, ModelId::Combination(best.clone()), "{}", f.sku);
        }
        let per_sku = ForecastSettings {
            selection: Selection::PerSku,
            ..base.clone()
        };
        assert!(with_pooled(&catalogue, &per_sku).pooled.is_empty());
        // 44 months, 3 folds of 12: origins 8, 20 and 32; the seasonal naive needs a season
        // (12 months) before the origin, so it skips the oldest fold.
        let (y, _) = seasonal(100.0, 12, 44, 12, 9);
        let s = bucketed("S", Freq::Month, y);
        let only = ForecastSettings {
            pooled: BTreeMap::from([(
                DemandClass::Smooth,
                vec![ModelSpec::SeasonalNaive, ModelSpec::Ses(None)],
            )]),
            ..base.clone()
        };
        let f = forecast_series(&s, &only);
        let snaive = &f.candidates[f
            .candidates
            .iter()
            .position(|c| c.model == ModelId::Spec(ModelSpec::SeasonalNaive))
            .unwrap()];
        assert!(
            snaive.score.is_finite() && snaive.failure.is_none(),
            "{snaive:?}"
        );
        assert_eq!(
            f.model,
            ModelId::Combination(vec![ModelSpec::SeasonalNaive, ModelSpec::Ses(None)])
        );
        // Two folds of 12 months each: the combination's backtest covers the newest two.
        assert_eq!(f.backtest_fit.len(), 24);
        let per = forecast_series(
            &s,
            &ForecastSettings {
                selection: Selection::PerSku,
                ..only
            },
        );
        let snaive = per
            .candidates
            .iter()
            .find(|c| c.model == ModelId::Spec(ModelSpec::SeasonalNaive))
            .unwrap();
        assert!(
            snaive.score.is_infinite() && snaive.failure.is_some(),
            "{snaive:?}"
        );
    }
}
