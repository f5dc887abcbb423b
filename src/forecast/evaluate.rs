//! Held-out evaluation: hide the last `n` buckets of every series, forecast them from the rest,
//! and measure accuracy and the calibration of the quantiles, per demand class.
//!
//! Calibration of a quantile level p is the share of held-out actuals at or below the
//! forecast's p-quantile; a calibrated q90 covers 90% of actuals. Accuracy is sMAPE and MASE
//! (scaled by the in-sample seasonal-naive error of the training part), averaged over series.
//! The forecasts are of demand, while held-out buckets with stockout days record only what was
//! sold; calibration is therefore also given over the held-out buckets without stockout days
//! (`coverage_uncensored`), where sales are demand.
//!
//! Calibration as judged in issue 22 (item 5), all on the buckets without stockout days:
//! - `below_uncensored`: the share of actuals strictly below the quantile, P(Y < q). For
//!   discrete demand (whole units; q10 is 0 on most days of an intermittent series) level p is
//!   calibrated when P(Y < q) ≤ p ≤ P(Y ≤ q) within ±3 points; for continuous demand the two
//!   shares coincide and must be p ± 3 points.
//! - `pinball`: the scaled pinball loss, the mean over levels p and buckets of
//!   max(p·(y − q), (p − 1)·(y − q)) divided by the MASE scale of the training part, averaged
//!   over series (lower is better; a scale-free proper score of all quantiles at once).
//! - `sum_coverage`, `sum_below`: the same two shares for demand summed over protection periods
//!   of [`PROTECTION_BUCKETS`] buckets (the held-out part cut into whole periods, those with a
//!   stockout day left out), against quantiles of the sum from the chosen model's backtest error
//!   runs ([`super::calibrate::sum_quantiles`]) — the sums safety stock covers.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use super::{
    calibrate::{is_discrete, sum_quantiles},
    metrics::{errors, scales},
    select::{forecast_series, with_global, with_pooled, ForecastSettings},
};
use crate::{calendar::DemandSeries, classify::DemandClass};

/// Accuracy and calibration of one group of series.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroupScore {
    /// Series evaluated.
    pub series: usize,
    /// Mean sMAPE (percent).
    pub smape: f64,
    /// Mean MASE.
    pub mase: f64,
    /// Per quantile level: share of actuals at or below the quantile forecast.
    pub coverage: Vec<(f64, f64)>,
    /// The same over the held-out buckets without stockout days only.
    pub coverage_uncensored: Vec<(f64, f64)>,
    /// Held-out buckets without stockout days, as a share of all held-out buckets.
    pub uncensored_share: f64,
    /// Per quantile level: share of actuals strictly below the quantile forecast, over the
    /// held-out buckets without stockout days (P(Y < q)).
    pub below_uncensored: Vec<(f64, f64)>,
    /// Mean scaled pinball loss over levels, held-out buckets without stockout days and series.
    pub pinball: f64,
    /// Per quantile level: share of protection-period sums at or below the sum's quantile.
    pub sum_coverage: Vec<(f64, f64)>,
    /// Per quantile level: share of protection-period sums strictly below the sum's quantile.
    pub sum_below: Vec<(f64, f64)>,
    /// Protection periods evaluated (whole periods without stockout days).
    pub sum_periods: usize,
}

/// Buckets in one protection period of the sums' coverage (a week of days; fewer when the
/// held-out part is shorter).
pub const PROTECTION_BUCKETS: usize = 7;

/// Held-out evaluation per demand class, plus `all`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HoldoutReport {
    /// Buckets held out.
    pub holdout: usize,
    /// Per class name (and `all`).
    pub groups: BTreeMap<String, GroupScore>,
}

/// Evaluates forecasts on the last `holdout` buckets of each series (series with fewer than
/// `holdout + 2` buckets, or without demand, are skipped). The forecast horizon is `holdout`.
///
/// Steps: `split_holdout` every series, train the global model on the training parts only,
/// `score_series` each one, and sum the scores per class (`group_score`).
pub fn evaluate_holdout(
    series: &[DemandSeries],
    settings: &ForecastSettings,
    holdout: usize,
) -> HoldoutReport {
    let settings = ForecastSettings {
        horizon: holdout,
        ..settings.clone()
    };
    let pairs = split_holdout(series, holdout);
    // The global model is trained on the truncated histories only: the held-out buckets are
    // never seen.
    let trains: Vec<DemandSeries> = pairs.iter().map(|p| p.1.clone()).collect();
    let settings = with_pooled(&trains, &with_global(&trains, &settings));
    let rows: Vec<SeriesScore> = pairs
        .par_iter()
        .filter_map(|(s, train)| score_series(s, train, &settings))
        .collect();
    let mut report = HoldoutReport {
        holdout,
        groups: BTreeMap::new(),
    };
    let groups: Vec<(String, Vec<&SeriesScore>)> = {
        let mut m: BTreeMap<String, Vec<&SeriesScore>> = BTreeMap::new();
        for r in &rows {
            m.entry(r.class.name().to_string()).or_default().push(r);
            m.entry("all".to_string()).or_default().push(r);
        }
        m.into_iter().collect()
    };
    for (name, members) in groups {
        report
            .groups
            .insert(name, group_score(&members, &settings.quantiles));
    }
    report
}

/// Every series long enough (`holdout + 2` buckets), with its training part: the series
/// without its last `holdout` buckets.
fn split_holdout(series: &[DemandSeries], holdout: usize) -> Vec<(&DemandSeries, DemandSeries)> {
    series
        .par_iter()
        .filter(|s| s.values.len() >= holdout + 2)
        .map(|s| {
            let cut = s.values.len() - holdout;
            let mut train = s.clone();
            train.values.truncate(cut);
            train.promo_days.truncate(cut);
            train.stockout_days.truncate(cut);
            // Complete (longer than any bucket): the held-out part follows it.
            train.last_bucket_days = u16::MAX;
            (s, train)
        })
        .collect()
}

/// The held-out scores of one series.
struct SeriesScore {
    class: DemandClass,
    smape: f64,
    mase: f64,
    /// Per quantile level, held-out actuals at or below the quantile forecast.
    below: Vec<usize>,
    /// Held-out buckets.
    n: usize,
    /// The same over the held-out buckets without stockout days.
    below_open: Vec<usize>,
    /// Held-out buckets without stockout days.
    n_open: usize,
    /// Per quantile level, held-out actuals strictly below the quantile (buckets without
    /// stockout days).
    strictly_open: Vec<usize>,
    /// Scaled pinball loss summed over levels and buckets without stockout days.
    pinball_sum: f64,
    /// Per level, protection-period sums at or below / strictly below their quantile.
    sums_below: Vec<usize>,
    sums_strictly: Vec<usize>,
    /// Protection periods without stockout days.
    periods: usize,
}

/// Forecasts `train` and scores the forecast against the rest of `s`; `None` for a series
/// without demand.
fn score_series(
    s: &DemandSeries,
    train: &DemandSeries,
    settings: &ForecastSettings,
) -> Option<SeriesScore> {
    let cut = train.values.len();
    let f = forecast_series(train, settings);
    if f.profile.class == DemandClass::None {
        return None;
    }
    let actual: Vec<f64> = s.values[cut..].iter().map(|v| v.max(0.0)).collect();
    let e = errors(&actual, &f.point, scales(&train.values, settings.season));
    let open: Vec<bool> = (cut..s.values.len())
        .map(|i| s.stockout_days.get(i).is_none_or(|&d| d == 0))
        .collect();
    let count_below = |only_open: bool| -> Vec<usize> {
        f.quantiles
            .iter()
            .map(|q| {
                actual
                    .iter()
                    .zip(q)
                    .zip(&open)
                    .filter(|((a, q), &o)| a <= q && (o || !only_open))
                    .count()
            })
            .collect()
    };
    let strictly_open = f
        .quantiles
        .iter()
        .map(|q| {
            let below = actual.iter().zip(q).zip(&open);
            below.filter(|((a, q), &o)| a < q && o).count()
        })
        .collect();
    let scale = scales(&train.values, settings.season).0;
    let pinball_sum: f64 = f
        .levels
        .iter()
        .zip(&f.quantiles)
        .map(|(&p, q)| {
            let cells = actual.iter().zip(q).zip(&open).filter(|(_, &o)| o);
            cells
                .map(|((a, q), _)| (p * (a - q)).max((p - 1.0) * (a - q)))
                .sum::<f64>()
                / scale
        })
        .sum();
    let sums = period_sums(&f, &actual, &open, is_discrete(&train.values));
    Some(SeriesScore {
        class: f.profile.class,
        smape: e.smape,
        mase: e.mase,
        below: count_below(false),
        n: actual.len(),
        below_open: count_below(true),
        n_open: open.iter().filter(|&&o| o).count(),
        strictly_open,
        pinball_sum,
        sums_below: sums.0,
        sums_strictly: sums.1,
        periods: sums.2,
    })
}

/// Per level, the protection periods (whole periods of [`PROTECTION_BUCKETS`] held-out buckets
/// without stockout days) whose summed actuals are at or below, and strictly below, the sum's
/// quantile; and the number of such periods.
fn period_sums(
    f: &super::select::SkuForecast,
    actual: &[f64],
    open: &[bool],
    discrete: bool,
) -> (Vec<usize>, Vec<usize>, usize) {
    let len = PROTECTION_BUCKETS.min(actual.len()).max(1);
    let (mut le, mut lt) = (vec![0; f.levels.len()], vec![0; f.levels.len()]);
    let mut periods = 0;
    for start in (0..actual.len() / len).map(|k| k * len) {
        if !open[start..start + len].iter().all(|&o| o) {
            continue;
        }
        periods += 1;
        let y: f64 = actual[start..start + len].iter().sum();
        let point: f64 = f.point[start..start + len].iter().sum();
        let q = sum_quantiles(point, &f.errors, f.error_block, len, &f.levels, discrete);
        for (l, q) in q.iter().enumerate() {
            le[l] += usize::from(y <= *q);
            lt[l] += usize::from(y < *q);
        }
    }
    (le, lt, periods)
}

/// The accuracy and calibration of a group of series, at quantile `levels`.
fn group_score(members: &[&SeriesScore], levels: &[f64]) -> GroupScore {
    let k = members.len() as f64;
    let cells: usize = members.iter().map(|r| r.n).sum();
    let open_cells: usize = members.iter().map(|r| r.n_open).sum();
    let shares = |below: fn(&SeriesScore, usize) -> usize, total: usize| -> Vec<(f64, f64)> {
        levels
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let n: usize = members.iter().map(|r| below(r, i)).sum();
                (p, n as f64 / total.max(1) as f64)
            })
            .collect()
    };
    let periods: usize = members.iter().map(|r| r.periods).sum();
    let pinball_cells = (open_cells * levels.len()).max(1) as f64;
    GroupScore {
        series: members.len(),
        smape: members.iter().map(|r| r.smape).sum::<f64>() / k,
        mase: members.iter().map(|r| r.mase).sum::<f64>() / k,
        coverage: shares(|r, i| r.below[i], cells),
        coverage_uncensored: shares(|r, i| r.below_open[i], open_cells),
        uncensored_share: open_cells as f64 / cells.max(1) as f64,
        below_uncensored: shares(|r, i| r.strictly_open[i], open_cells),
        pinball: members.iter().map(|r| r.pinball_sum).sum::<f64>() / pinball_cells,
        sum_coverage: shares(|r, i| r.sums_below[i], periods),
        sum_below: shares(|r, i| r.sums_strictly[i], periods),
        sum_periods: periods,
    }
}

impl HoldoutReport {
    /// A text table for the terminal.
    pub fn table(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "held-out evaluation, last {} buckets: class, series, sMAPE, MASE, coverage per quantile \
             (all buckets | buckets without stockout days, their share)",
            self.holdout
        );
        let cov = |c: &[(f64, f64)]| -> String {
            c.iter()
                .map(|(p, c)| format!("q{:.0}: {:.1}%", p * 100.0, c * 100.0))
                .collect::<Vec<_>>()
                .join("  ")
        };
        for (name, g) in &self.groups {
            let _ = writeln!(
                s,
                "  {name:<13} {:>6} {:>7.1} {:>6.3}  {} | {} ({:.0}%)",
                g.series,
                g.smape,
                g.mase,
                cov(&g.coverage),
                cov(&g.coverage_uncensored),
                g.uncensored_share * 100.0
            );
        }
        let _ = writeln!(
            s,
            "calibration on buckets without stockout days: class, per quantile P(Y<q)–P(Y≤q), \
             scaled pinball loss, and P(Y<q)–P(Y≤q) of {PROTECTION_BUCKETS}-bucket sums (periods)"
        );
        let band = |lt: &[(f64, f64)], le: &[(f64, f64)]| -> String {
            lt.iter()
                .zip(le)
                .map(|((p, a), (_, b))| {
                    format!("q{:.0}: {:.1}–{:.1}%", p * 100.0, a * 100.0, b * 100.0)
                })
                .collect::<Vec<_>>()
                .join("  ")
        };
        for (name, g) in &self.groups {
            let _ = writeln!(
                s,
                "  {name:<13} {}  pinball {:.3} | sums {} ({})",
                band(&g.below_uncensored, &g.coverage_uncensored),
                g.pinball,
                band(&g.sum_below, &g.sum_coverage),
                g.sum_periods
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::test_series;
    use crate::calendar::Freq;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Poisson};

    /// On stationary Poisson demand (smooth, mean 6) and on sparse demand (mean 0.3 per day),
    /// the q90 forecast covers 90% ± 4 points of held-out actuals (200 series × 28 days each;
    /// the binomial standard error of a share near 0.9 over 5,600 cells is 0.4 points, series
    /// correlation widens it).
    #[test]
    fn q90_is_calibrated_on_stationary_demand() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for (mean, class) in [(6.0, "smooth"), (0.3, "intermittent")] {
            let pois = Poisson::new(mean).unwrap();
            let all: Vec<DemandSeries> = (0..200)
                .map(|i| {
                    test_series(
                        &format!("S{i}"),
                        (0..400).map(|_| pois.sample(&mut rng)).collect(),
                    )
                })
                .collect();
            let settings = ForecastSettings::for_freq(Freq::Day);
            let r = evaluate_holdout(&all, &settings, 28);
            let g = &r.groups["all"];
            let q90 = g.coverage[2].1;
            // Counts are discrete: q90 is a whole number, calibrated when
            // P(Y < q) ≤ 0.9 ≤ P(Y ≤ q) within ±3 points (issue 22 item 5). On Poisson(0.3)
            // that is q = 1 (P(Y < 1) = 74%, P(Y ≤ 1) = 96%), so the old ±4 band around 90%
            // holds for the smooth series only.
            let (lt, le) = (g.below_uncensored[2].1, g.coverage_uncensored[2].1);
            assert!(lt - 0.03 <= 0.9 && 0.9 <= le + 0.03, "{class}: {lt}–{le}");
            if class == "smooth" {
                assert!((q90 - 0.9).abs() <= 0.04, "{class}: q90 covers {q90}");
            }
            assert!(r.groups.contains_key(class), "{:?}", r.groups.keys());
        }
    }

    /// End to end on series with a known continuous distribution (independent normal days,
    /// mean 50, sd 5, in cents, so not whole numbers): at every level from 5% to 95% the
    /// held-out quantiles cover the share asked within ±2 points (300 series × 28 days).
    #[test]
    fn every_level_is_calibrated_on_a_known_continuous_distribution() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let normal = rand_distr::Normal::new(50.0, 5.0).unwrap();
        let all: Vec<DemandSeries> = (0..300)
            .map(|i| {
                let values = (0..300)
                    .map(|_| (normal.sample(&mut rng) * 100.0_f64).round() / 100.0 + 0.001)
                    .collect();
                test_series(&format!("S{i}"), values)
            })
            .collect();
        let settings = ForecastSettings {
            quantiles: vec![0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95],
            models: Some(vec![
                crate::forecast::ModelSpec::Ses(None),
                crate::forecast::ModelSpec::MovingAverage(None),
                crate::forecast::ModelSpec::Naive,
            ]),
            learn_global: false,
            ..ForecastSettings::for_freq(Freq::Day)
        };
        let r = evaluate_holdout(&all, &settings, 28);
        let g = &r.groups["all"];
        for (&(p, le), &(_, lt)) in g.coverage_uncensored.iter().zip(&g.below_uncensored) {
            assert!((le - p).abs() <= 0.02, "level {p} covers {le}");
            assert!(
                (le - lt).abs() < 0.001,
                "continuous: P(Y<q) {lt} = P(Y≤q) {le}"
            );
        }
    }

    /// Held-out stockout days (no sales, every other day) count in `coverage` but not in
    /// `coverage_uncensored`.
    #[test]
    fn stockout_days_are_left_out_of_the_uncensored_coverage() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let pois = Poisson::new(6.0).unwrap();
        let all: Vec<DemandSeries> = (0..100)
            .map(|i| {
                let values = (0..400).map(|_| pois.sample(&mut rng)).collect();
                let mut s = test_series(&format!("S{i}"), values);
                for d in (372..400).step_by(2) {
                    s.values[d] = 0.0;
                    s.stockout_days[d] = 1;
                }
                s
            })
            .collect();
        let r = evaluate_holdout(&all, &ForecastSettings::for_freq(Freq::Day), 28);
        let g = &r.groups["all"];
        assert!(
            (g.uncensored_share - 0.5).abs() < 1e-12,
            "{}",
            g.uncensored_share
        );
        // A stocked-out day's zero lies at or below q10 (about 3 for Poisson(6)).
        let (all10, open10) = (g.coverage[0].1, g.coverage_uncensored[0].1);
        assert!(all10 >= 0.5, "{all10}");
        assert!(open10 < 0.2, "{open10}");
    }
}
