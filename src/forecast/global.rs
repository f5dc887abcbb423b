//! The learned global model: one ridge regression across all SKUs (linfa), on features every
//! series has — recent levels, the seasonal phase, the level a year before, intermittency, the
//! horizon, the calendar and promotions. Global models are what won the M5 retail competition:
//! a slow mover borrows the weekly pattern and the promotion effect that thousands of other
//! SKUs show.
//!
//! # Model
//! - **Direct multi-horizon**: one row per (SKU, origin o, horizon h) predicts demand in bucket
//!   o + h − 1 from what is known at the origin, so no forecast is fed back as an input.
//! - **Scale-free**: every level feature and the target are divided by the SKU's scale = mean
//!   demand of the last 365 buckets before the origin (SKUs with a scale of 0 are not
//!   predicted); the forecast is scale × max(0, prediction).
//! - **Features** ([`N_FEATURES`]): last bucket, mean of the last season / 28 / 91 buckets, the
//!   mean of the last 4 values at the target's seasonal phase, the level a year before the target
//!   (mean of the 7 buckets ending 364 days / 52 weeks / 12 months before it; else the phase
//!   mean), share of zero buckets in the last 28, ln h, the target bucket's promotion flag, and
//!   the calendar: weekday dummies (Monday to Saturday) for daily buckets, sin/cos of the day of
//!   year for weekly and monthly ones.
//! - **Promotions after the origin**: known only from the planner's promotion calendar (the
//!   events input). A series it covers reads the planned flags; any other series reads the
//!   *expected* flag, its share of promotion buckets in the last 365 before the origin — in
//!   the backtest exactly as in the forecast ([`SeriesView::planned`]), so the backtest
//!   errors, and the safety stock sized from them, include the promotions that come
//!   unannounced, and the level includes their average demand. Training rows take the
//!   target's real flag (that is how the promotion effect is learned).
//! - **Estimator**: ridge regression with an intercept — least squares of linfa-linear on the
//!   rows augmented by sqrt(n·[`PENALTY`])·I (the objective ‖y − Xw‖²/n + penalty·‖w‖²).
//!   linfa-elasticnet's coordinate descent solves the same problem but took 30 s on the
//!   300,000 rows of the M5 shape against 0.04 s; targets are capped at [`TARGET_CAP`] × scale so that a few spikes do not steer
//!   the whole catalogue.
//! - **Training rows, no look-ahead**: per series, [`ORIGINS`] origins evenly spaced before its
//!   *holdback* (the buckets its rolling-origin backtest will forecast: every origin's when the
//!   history leaves room to train, else the selection folds' only — see
//!   [`super::select::with_global`]), with horizons from
//!   [`HORIZONS`] up to the forecast horizon whose targets also lie before the holdback. So a
//!   backtest fold never scores the global model on data it was trained on. At most
//!   [`MAX_ROWS`] rows (a deterministic stride over series beyond that): training stays a few
//!   seconds at catalogue scale. Deterministic: no random sampling.

use std::sync::Arc;

use chrono::{Datelike, Months, NaiveDate};
use linfa::prelude::*;
use linfa_linear::LinearRegression;
use ndarray::{Array1, Array2};

use super::{FittedForecaster, ForecastError, Forecaster};
use crate::calendar::Freq;

/// Number of features.
pub const N_FEATURES: usize = 15;
/// Ridge penalty (objective ‖y − Xw‖² / n + penalty · ‖w‖²).
pub const PENALTY: f64 = 1e-6;
/// Training origins per series.
pub const ORIGINS: usize = 4;
/// Horizons sampled for training rows (those up to the forecast horizon).
pub const HORIZONS: [usize; 12] = [1, 2, 3, 5, 7, 10, 14, 21, 28, 42, 56, 91];
/// Most training rows.
pub const MAX_ROWS: usize = 300_000;
/// Targets are capped at this many times the series' scale.
pub const TARGET_CAP: f64 = 20.0;
/// Fewest buckets before an origin.
pub const MIN_HISTORY: usize = 28;

/// One series as the global model sees it.
#[derive(Debug, Clone, Copy)]
pub struct SeriesView<'a> {
    /// Training values (oldest first).
    pub y: &'a [f64],
    /// First day of bucket 0.
    pub start: NaiveDate,
    /// Promotion flag per bucket of `y` (and, with `planned`, of the buckets after it).
    pub promo: &'a [bool],
    /// Whether the promotions after `y` are known: the planner's promotion calendar (events
    /// input) covers this series. Without it a target bucket after the history takes the
    /// *expected* flag, the share of promotion buckets in the last 365 buckets of `y`, in the
    /// backtest as in the forecast: a backtest must not know promotions the forecast will not
    /// know, or its errors (and the safety stock sized from them) leave out every promotion
    /// that comes unannounced, and its level leaves out their demand.
    pub planned: bool,
}

/// The fitted global regression.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalModel {
    weights: Vec<f64>,
    intercept: f64,
    freq: Freq,
    season: usize,
    /// Training rows.
    pub rows: usize,
    /// Series that contributed rows.
    pub series: usize,
}

fn bucket_date(start: NaiveDate, freq: Freq, t: usize) -> NaiveDate {
    match freq {
        Freq::Day => start + chrono::Days::new(t as u64),
        Freq::Week => start + chrono::Days::new(7 * t as u64),
        Freq::Month => start + Months::new(t as u32),
    }
}

fn mean_last(y: &[f64], n: usize) -> f64 {
    let n = n.min(y.len()).max(1);
    y[y.len().saturating_sub(n)..].iter().sum::<f64>() / n as f64
}

/// The scale of a history: mean of its last 365 buckets.
fn scale_of(hist: &[f64]) -> f64 {
    mean_last(hist, 365)
}

/// Share of promotion buckets among the last 365 of `flags` (0 without any).
fn promo_rate(flags: &[bool]) -> f64 {
    let tail = &flags[flags.len().saturating_sub(365)..];
    tail.iter().filter(|&&p| p).count() as f64 / tail.len().max(1) as f64
}

/// Features of the target bucket `origin + h − 1` from `hist` (= y[..origin]); `promo` is the
/// target's promotion flag (1 or 0), or its probability when the promotions are not known.
#[allow(clippy::too_many_arguments)]
fn features(
    hist: &[f64],
    h: usize,
    target: NaiveDate,
    promo: f64,
    freq: Freq,
    season: usize,
    scale: f64,
    out: &mut [f64; N_FEATURES],
) {
    let m = season.max(1);
    let last = *hist.last().unwrap_or(&0.0);
    let m28 = mean_last(hist, 28);
    let m91 = mean_last(hist, 91);
    let t = hist.len() + h - 1;
    let (mut phase_sum, mut phase_n) = (0.0, 0);
    let mut k = 1;
    while phase_n < 4 && k * m <= t {
        let i = t - k * m;
        if i < hist.len() {
            phase_sum += hist[i];
            phase_n += 1;
        }
        k += 1;
    }
    let phase = if phase_n > 0 {
        phase_sum / f64::from(phase_n)
    } else {
        m28
    };
    let tail = &hist[hist.len().saturating_sub(28)..];
    let zeros = tail.iter().filter(|v| **v <= 0.0).count() as f64 / tail.len().max(1) as f64;
    out[0] = last / scale;
    out[1] = mean_last(hist, m) / scale;
    out[2] = m28 / scale;
    out[3] = m91 / scale;
    out[4] = phase / scale;
    // The same bucket a year before the target (the yearly season), else the phase mean.
    let year = match freq {
        Freq::Day => 364,
        Freq::Week => 52,
        Freq::Month => 12,
    };
    out[5] = t
        .checked_sub(year)
        .filter(|&i| i < hist.len())
        .map_or(phase, |i| mean_last(&hist[..=i], 7.min(i + 1)))
        / scale;
    out[6] = zeros;
    out[7] = (h as f64).ln();
    out[8] = promo;
    out[9..].iter_mut().for_each(|v| *v = 0.0);
    match freq {
        Freq::Day => {
            let wd = target.weekday().num_days_from_monday() as usize;
            if wd < 6 {
                out[9 + wd] = 1.0;
            }
        }
        Freq::Week | Freq::Month => {
            let a = 2.0 * std::f64::consts::PI * f64::from(target.ordinal0()) / 365.25;
            out[9] = a.sin();
            out[10] = a.cos();
        }
    }
}

/// Training rows of the global model (features with a trailing 1 for the intercept, scaled
/// targets), and the sampling plan that produces them.
#[derive(Debug, Clone, Default)]
pub struct TrainingRows {
    x: Vec<f64>,
    target: Vec<f64>,
    /// Series that contributed rows.
    series: usize,
    horizons: Vec<usize>,
    stride: usize,
    freq: Freq,
    season: usize,
}

impl TrainingRows {
    /// The sampling plan for a catalogue of `n_series`: horizons up to `horizon`, and a stride
    /// over series that keeps the rows under [`MAX_ROWS`].
    pub fn new(n_series: usize, freq: Freq, season: usize, horizon: usize) -> Self {
        let horizons: Vec<usize> = HORIZONS
            .iter()
            .copied()
            .filter(|&h| h <= horizon.max(1))
            .collect();
        let per_series = ORIGINS * horizons.len();
        TrainingRows {
            stride: (n_series * per_series).div_ceil(MAX_ROWS).max(1),
            horizons,
            freq,
            season,
            ..TrainingRows::default()
        }
    }

    /// Whether series `i` (in catalogue order) contributes rows.
    pub fn samples(&self, i: usize) -> bool {
        i % self.stride == 0
    }

    /// The rows of one series, its last `holdback` buckets left out.
    pub fn rows_of(&self, s: SeriesView<'_>, holdback: usize) -> TrainingRows {
        let (freq, season) = (self.freq, self.season);
        let mut out = TrainingRows::default();
        let cutoff = s.y.len().saturating_sub(holdback);
        let first = MIN_HISTORY.max(2 * season);
        let max_h = *self.horizons.last().unwrap_or(&1);
        if cutoff < first + 1 {
            return out;
        }
        let mut f = [0.0; N_FEATURES];
        for j in 0..ORIGINS {
            // Origins spaced evenly, the last one leaving room for the longest horizon
            // (shorter when the history is short).
            let last_origin = cutoff.saturating_sub(max_h.min(cutoff - first)).max(first);
            let span = last_origin - first;
            let o = last_origin - span * j / ORIGINS;
            let hist = &s.y[..o];
            let scale = scale_of(hist);
            if scale <= 0.0 {
                continue;
            }
            for &h in &self.horizons {
                let t = o + h - 1;
                if t >= cutoff {
                    break;
                }
                let date = bucket_date(s.start, freq, t);
                // Training learns the effect of a promotion: the target's real flag.
                let promo = f64::from(u8::from(s.promo.get(t).copied().unwrap_or(false)));
                features(hist, h, date, promo, freq, season, scale, &mut f);
                out.x.extend_from_slice(&f);
                out.x.push(1.0);
                out.target.push((s.y[t].max(0.0) / scale).min(TARGET_CAP));
            }
        }
        out.series = usize::from(!out.target.is_empty());
        out
    }

    /// Appends another series' rows (in catalogue order, for reproducible fits).
    pub fn append(&mut self, mut other: TrainingRows) {
        self.x.append(&mut other.x);
        self.target.append(&mut other.target);
        self.series += other.series;
    }
}

impl GlobalModel {
    /// Trains on `series`; `holdback[i]` buckets at the end of series i are not used (its
    /// backtest folds). `None` when there are too few rows (fewer than 50) or the fit fails.
    /// Catalogue runs stream the series through [`TrainingRows`] instead, so that the
    /// prepared histories need not all be held at once.
    pub fn train(
        series: &[SeriesView<'_>],
        holdback: &[usize],
        freq: Freq,
        season: usize,
        horizon: usize,
    ) -> Option<GlobalModel> {
        let plan = TrainingRows::new(series.len(), freq, season, horizon);
        let mut rows = TrainingRows::default();
        for (i, s) in series.iter().enumerate() {
            if plan.samples(i) {
                rows.append(plan.rows_of(*s, holdback[i]));
            }
        }
        GlobalModel::fit(rows, freq, season)
    }

    /// Fits the regression on collected rows.
    pub fn fit(rows: TrainingRows, freq: Freq, season: usize) -> Option<GlobalModel> {
        let TrainingRows {
            mut x,
            mut target,
            series: used,
            ..
        } = rows;
        let n = target.len();
        if n < 50 {
            return None;
        }
        // Ridge by data augmentation: one row sqrt(n·penalty)·e_j with target 0 per feature
        // turns least squares into ridge regression, so collinear features (a perfectly
        // regular catalogue) still solve. The intercept is an explicit column of ones that the
        // extra rows leave at 0: it is not penalised.
        let ridge = (n as f64 * PENALTY).sqrt();
        for j in 0..N_FEATURES {
            let mut row = [0.0; N_FEATURES + 1];
            row[j] = ridge;
            x.extend_from_slice(&row);
            target.push(0.0);
        }
        let n_rows = n + N_FEATURES;
        let data = Dataset::new(
            Array2::from_shape_vec((n_rows, N_FEATURES + 1), x).ok()?,
            Array1::from_vec(target),
        );
        let model = LinearRegression::new()
            .with_intercept(false)
            .fit(&data)
            .ok()?;
        let params = model.params();
        Some(GlobalModel {
            weights: params.iter().take(N_FEATURES).copied().collect(),
            intercept: params[N_FEATURES],
            freq,
            season,
            rows: n,
            series: used,
        })
    }

    /// Forecasts `horizon` buckets after `view.y` (empty when the scale is 0).
    pub fn forecast(&self, view: SeriesView<'_>, horizon: usize) -> Option<Vec<f64>> {
        let scale = scale_of(view.y);
        if scale <= 0.0 || !scale.is_finite() {
            return None;
        }
        let mut f = [0.0; N_FEATURES];
        let known = &view.promo[..view.y.len().min(view.promo.len())];
        let expected = promo_rate(known);
        Some(
            (1..=horizon)
                .map(|h| {
                    let t = view.y.len() + h - 1;
                    let date = bucket_date(view.start, self.freq, t);
                    let promo = if view.planned {
                        f64::from(u8::from(view.promo.get(t).copied().unwrap_or(false)))
                    } else {
                        expected
                    };
                    features(
                        view.y,
                        h,
                        date,
                        promo,
                        self.freq,
                        self.season,
                        scale,
                        &mut f,
                    );
                    let p = self.intercept
                        + self.weights.iter().zip(&f).map(|(w, x)| w * x).sum::<f64>();
                    scale * p.max(0.0)
                })
                .collect(),
        )
    }
}

/// The global model as a per-series [`Forecaster`]: the regression is shared, "fitting" a
/// series only keeps its history for the features.
pub struct GlobalForecaster {
    /// The trained model.
    pub model: Arc<GlobalModel>,
    /// First day of the series' bucket 0.
    pub start: NaiveDate,
    /// Promotion flags of the series (history, then the planned ones when `planned`).
    pub promo: Arc<[bool]>,
    /// Whether the planner's promotion calendar covers the series ([`SeriesView::planned`]).
    pub planned: bool,
}

struct GlobalFit {
    model: Arc<GlobalModel>,
    start: NaiveDate,
    promo: Arc<[bool]>,
    planned: bool,
    y: Vec<f64>,
}

impl Forecaster for GlobalForecaster {
    fn name(&self) -> String {
        "global".into()
    }

    fn fit(&self, y: &[f64], _season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        if y.len() < MIN_HISTORY {
            return Err(ForecastError::TooShort {
                model: "global",
                need: MIN_HISTORY,
                have: y.len(),
            });
        }
        if scale_of(y) <= 0.0 {
            return Err(ForecastError::Failed {
                model: "global".into(),
                message: "no demand in the last 365 buckets".into(),
            });
        }
        Ok(Box::new(GlobalFit {
            model: Arc::clone(&self.model),
            start: self.start,
            promo: Arc::clone(&self.promo),
            planned: self.planned,
            y: y.to_vec(),
        }))
    }
}

impl FittedForecaster for GlobalFit {
    fn predict(&self, horizon: usize) -> Vec<f64> {
        let view = SeriesView {
            y: &self.y,
            start: self.start,
            promo: &self.promo,
            planned: self.planned,
        };
        self.model
            .forecast(view, horizon)
            .unwrap_or_else(|| vec![0.0; horizon])
    }

    fn params(&self) -> String {
        format!(
            "ridge on {N_FEATURES} features, {} rows of {} series",
            self.model.rows, self.model.series
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day0() -> NaiveDate {
        "2024-01-01".parse().unwrap() // a Monday
    }

    /// A catalogue whose SKUs share one weekly pattern at different levels: the global model
    /// learns the pattern and forecasts it for each SKU at its own level.
    #[test]
    fn learns_a_shared_weekly_pattern_across_skus() {
        let week = [1.0, 1.0, 1.0, 1.0, 1.5, 2.0, 0.5];
        let ys: Vec<Vec<f64>> = (1..=30)
            .map(|k| (0..400).map(|t| f64::from(k) * week[t % 7]).collect())
            .collect();
        let promo = vec![false; 400];
        let views: Vec<SeriesView<'_>> = ys
            .iter()
            .map(|y| SeriesView {
                y,
                start: day0(),
                promo: &promo,
                planned: false,
            })
            .collect();
        let m = GlobalModel::train(&views, &vec![28; 30], Freq::Day, 7, 28).unwrap();
        let y = &ys[9]; // level 10
        let f = m
            .forecast(
                SeriesView {
                    y: &y[..372],
                    start: day0(),
                    promo: &promo,
                    planned: false,
                },
                14,
            )
            .unwrap();
        for (h, v) in f.iter().enumerate() {
            let want = y[372 + h];
            assert!((v - want).abs() < 0.05 * want, "h {h}: {v} vs {want}");
        }
    }

    /// No look-ahead: the held-back buckets never enter training, so changing them leaves the
    /// model unchanged.
    #[test]
    fn held_back_buckets_do_not_change_the_model() {
        let promo = vec![false; 300];
        let a: Vec<f64> = (0..300).map(|t| 5.0 + f64::from(t % 7)).collect();
        let mut b = a.clone();
        for v in &mut b[260..] {
            *v *= 10.0;
        }
        let train = |y: &Vec<f64>| {
            let views = vec![
                SeriesView {
                    y,
                    start: day0(),
                    promo: &promo,
                    planned: false,
                };
                5
            ];
            GlobalModel::train(&views, &[40; 5], Freq::Day, 7, 28).unwrap()
        };
        assert_eq!(train(&a), train(&b));
    }

    /// Promotions after the origin: a series without a promotion calendar forecasts at the
    /// expected promotion flag — its share of promotion days — whatever its later history
    /// holds (a backtest must not know them), and the forecast then lies between the plain and
    /// the promoted level by that share; with a calendar (`planned`) the flagged days get the
    /// promoted level and the others the plain one.
    #[test]
    fn unannounced_promotions_enter_at_their_rate() {
        // 40 SKUs at level 10, doubled on every 5th day (a promotion): rate 0.2.
        let n = 420;
        let promo: Vec<bool> = (0..n).map(|t| t % 5 == 0).collect();
        let y: Vec<f64> = (0..n).map(|t| if promo[t] { 20.0 } else { 10.0 }).collect();
        let views = vec![
            SeriesView {
                y: &y,
                start: day0(),
                promo: &promo,
                planned: false,
            };
            40
        ];
        let m = GlobalModel::train(&views, &[28; 40], Freq::Day, 7, 28).unwrap();
        let origin = 392;
        let forecast = |planned: bool, flags: &[bool]| {
            m.forecast(
                SeriesView {
                    y: &y[..origin],
                    start: day0(),
                    promo: flags,
                    planned,
                },
                10,
            )
            .unwrap()
        };
        // Without a calendar: the flags after the origin are not read.
        let mut later_flipped = promo.clone();
        for p in &mut later_flipped[origin..] {
            *p = !*p;
        }
        let unknown = forecast(false, &promo);
        assert_eq!(unknown, forecast(false, &later_flipped));
        let rate = promo[origin - 365..origin].iter().filter(|&&p| p).count() as f64 / 365.0;
        assert!((rate - 0.2).abs() < 0.01, "{rate}");
        let mean = unknown.iter().sum::<f64>() / unknown.len() as f64;
        let expected = 10.0 + rate * 10.0;
        assert!((mean - expected).abs() < 0.5, "{mean} vs {expected}");
        // With a calendar: promoted days near 20, the others near 10.
        let planned = forecast(true, &promo);
        for (h, v) in planned.iter().enumerate() {
            let want = if promo[origin + h] { 20.0 } else { 10.0 };
            assert!((v - want).abs() < 1.5, "h {h}: {v} vs {want}");
        }
    }
}
