//! Calibrated quantiles for every level asked, from the chosen model's backtest errors (split
//! conformal prediction: the backtest origins are the calibration set, the errors the
//! non-conformity scores). This module turns errors into quantiles; which errors (the folds,
//! the stockout buckets left out) is decided in [`super::select`], and how well they cover
//! held-out demand is measured in [`super::evaluate`].
//!
//! `conformal` (the default):
//! - **Per horizon group.** The errors are grouped by horizon step; steps are pooled into `G`
//!   consecutive groups of equal width, as many as leave at least [`MIN_PER_GROUP`] errors in
//!   each (G = 1 with fewer than 2 × [`MIN_PER_GROUP`] errors; daily data with 6 origins × 28
//!   steps gets 4 groups of a week). A step's quantile comes from its group's errors only, so
//!   spread that grows with the horizon is kept.
//! - **Continuous demand**: quantile p at step t is max(0, forecast_t + e_(p(n+1))), the order
//!   statistic at rank p·(n+1) of the group's n errors (linear between ranks, clamped to the
//!   smallest and largest): the rank whose expected coverage is exactly p for exchangeable errors.
//! - **Discrete demand** (every value of the series a whole number: counts of units, which is
//!   most retail demand, intermittent and lumpy always): the quantile is a whole number, the
//!   empirical p-quantile of the predictive sample round(forecast_t + e_i) ≥ 0, i.e. the
//!   smallest value v with a share ≥ p of the sample at or below v. Then P(Y < q) ≤ p ≤ P(Y ≤ q)
//!   holds for the sample, which is how a level is judged calibrated for discrete demand
//!   (issue 22 item 5): q10 is 0 on a series that is 0 on most days.
//!
//! `pooled` (the rule before issue 22): every error of every step in one pool, quantile p at
//! step t is max(0, forecast_t + the type-7 p-quantile of the pool).
//!
//! Quantiles never decrease across levels (both rules are monotone in p) and are never negative.

use serde::{Deserialize, Serialize};

/// Fewest errors in one horizon group of the conformal quantiles.
pub const MIN_PER_GROUP: usize = 40;

/// How quantiles are taken from the backtest errors (`[forecast] quantile_method`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuantileMethod {
    /// Per horizon group, conformal ranks, whole numbers for discrete demand.
    #[default]
    Conformal,
    /// One pool of errors for every step, type-7 quantiles (before issue 22).
    Pooled,
}

impl std::str::FromStr for QuantileMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "conformal" => Ok(Self::Conformal),
            "pooled" => Ok(Self::Pooled),
            other => Err(format!(
                "unknown quantile method '{other}'; expected conformal or pooled"
            )),
        }
    }
}

/// Whether every value is a whole number (demand in units counted, not measured).
pub fn is_discrete(values: &[f64]) -> bool {
    values.iter().all(|v| v.fract().abs() < 1e-9)
}

/// Quantile `p` at conformal rank p·(n+1) of sorted `e` (linear between ranks, clamped).
fn conformal_rank(e: &[f64], p: f64) -> f64 {
    let n = e.len();
    if n == 0 {
        return 0.0;
    }
    let pos = (p * (n + 1) as f64).clamp(1.0, n as f64) - 1.0;
    let lo = pos.floor() as usize;
    let frac = pos - lo as f64;
    match e.get(lo + 1) {
        Some(hi) if frac > 0.0 => e[lo] + (hi - e[lo]) * frac,
        _ => e[lo],
    }
}

/// The empirical p-quantile of the whole-number sample round(f + e_i) ≥ 0 (`e` sorted): the
/// smallest value with a share ≥ p of the sample at or below it.
fn discrete_quantile(f: f64, e: &[f64], p: f64) -> f64 {
    if e.is_empty() {
        return f.max(0.0).round();
    }
    let k = ((p * e.len() as f64).ceil() as usize).clamp(1, e.len());
    (f + e[k - 1]).round().max(0.0)
}

/// The horizon group of each of `steps` steps: `groups` consecutive groups of equal width.
fn group_of(step: usize, steps: usize, groups: usize) -> usize {
    (step * groups / steps.max(1)).min(groups.saturating_sub(1))
}

/// Conformal quantiles per level (rows) and bucket (columns) of the forecast `point`, from the
/// errors per horizon step `by_step` (`by_step[k]` = the errors at step k; a single step holds
/// errors that apply to every step, such as in-sample deviations). See the module documentation.
pub fn conformal_quantiles(
    point: &[f64],
    by_step: &[Vec<f64>],
    levels: &[f64],
    discrete: bool,
) -> Vec<Vec<f64>> {
    let steps = by_step.len().max(1);
    let total: usize = by_step.iter().map(Vec::len).sum();
    let groups = (total / MIN_PER_GROUP).clamp(1, steps);
    let mut pools: Vec<Vec<f64>> = vec![Vec::new(); groups];
    for (k, e) in by_step.iter().enumerate() {
        pools[group_of(k, steps, groups)].extend_from_slice(e);
    }
    for p in &mut pools {
        p.sort_by(f64::total_cmp);
    }
    let pool_at = |t: usize| &pools[group_of(t.min(steps - 1), steps, groups)];
    levels
        .iter()
        .map(|&p| {
            point
                .iter()
                .enumerate()
                .map(|(t, &f)| {
                    let e = pool_at(if steps == 1 { 0 } else { t });
                    if discrete {
                        discrete_quantile(f, e, p)
                    } else {
                        (f + conformal_rank(e, p)).max(0.0)
                    }
                })
                .collect()
        })
        .collect()
}

/// Quantiles per level of the demand summed over a protection period of `window` buckets whose
/// point forecasts sum to `point_sum`: the sum plus the conformal quantile of the sums of
/// `window` consecutive errors within each run of `block` errors (every start in the run);
/// whole numbers for discrete demand. Empty runs or a window longer than a run: the point sum.
pub fn sum_quantiles(
    point_sum: f64,
    errors: &[f64],
    block: usize,
    window: usize,
    levels: &[f64],
    discrete: bool,
) -> Vec<f64> {
    let window = window.max(1);
    let mut sums: Vec<f64> = errors
        .chunks(block.max(1))
        .flat_map(|run| run.windows(window).map(|w| w.iter().sum::<f64>()))
        .collect();
    sums.sort_by(f64::total_cmp);
    levels
        .iter()
        .map(|&p| {
            if discrete {
                discrete_quantile(point_sum, &sums, p)
            } else {
                (point_sum + conformal_rank(&sums, p)).max(0.0)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal, Poisson};

    #[test]
    fn ranks_on_a_hand_computed_case() {
        // Errors 1..=9 (n = 9): rank p·10 → q10 = e_(1) = 1, q50 = e_(5) = 5, q90 = e_(9) = 9;
        // q25 = e_(2.5) = 2.5.
        let e: Vec<f64> = (1..=9).map(f64::from).collect();
        for (p, want) in [(0.1, 1.0), (0.5, 5.0), (0.9, 9.0), (0.25, 2.5), (0.99, 9.0)] {
            assert!((conformal_rank(&e, p) - want).abs() < 1e-12, "{p}");
        }
        // Discrete: sample round(0.4 + e) = 1..=9 shifted; q50 = smallest with ≥ 50% at or
        // below = the 5th = round(5.4) = 5; q10 = ceil(0.9) = 1st = 1.
        assert!((discrete_quantile(0.4, &e, 0.5) - 5.0).abs() < 1e-12);
        assert!((discrete_quantile(0.4, &e, 0.1) - 1.0).abs() < 1e-12);
        // Horizon groups: 160 errors over 4 steps → 4 groups; 60 errors → 1 group.
        assert_eq!(group_of(3, 28, 4), 0);
        assert_eq!(group_of(27, 28, 4), 3);
        let steps = vec![vec![0.0; 15], vec![1.0; 15], vec![2.0; 15], vec![3.0; 15]];
        let q = conformal_quantiles(&[10.0; 4], &steps, &[0.5], false);
        assert!(q[0].iter().all(|v| (v - 11.5).abs() < 1e-12), "{q:?}");
        let steps = vec![vec![0.0; 40], vec![1.0; 40], vec![2.0; 40], vec![3.0; 40]];
        let q = conformal_quantiles(&[10.0; 4], &steps, &[0.5], false);
        assert_eq!(q[0], vec![10.0, 11.0, 12.0, 13.0]);
    }

    /// Quantile coverage on synthetic series with a known distribution: errors from 6 origins ×
    /// 28 steps of the true distribution around its mean (what a backtest of the right model
    /// gives), quantiles for 0.05..0.95, and the share of fresh draws at or below each, over
    /// 2,000 series. Continuous (normal, sd growing with the step): within ±2 points per level.
    /// Discrete (Poisson with mean 0.4, mostly zero, and mean 4): P(Y < q) ≤ p ≤ P(Y ≤ q)
    /// within ±2 points per level.
    #[test]
    fn quantile_coverage_on_series_with_a_known_distribution() {
        let levels = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(22);
        let (h, origins, series) = (28, 6, 2000);
        // Normal, mean 50, sd 5 + 0.2·step.
        let mut below = vec![0usize; levels.len()];
        for _ in 0..series {
            let by_step: Vec<Vec<f64>> = (0..h)
                .map(|k| {
                    let n = Normal::new(0.0, 5.0 + 0.2 * k as f64).unwrap();
                    (0..origins).map(|_| n.sample(&mut rng)).collect()
                })
                .collect();
            let q = conformal_quantiles(&[50.0; 28], &by_step, &levels, false);
            for k in 0..h {
                let y = 50.0
                    + Normal::new(0.0, 5.0 + 0.2 * k as f64)
                        .unwrap()
                        .sample(&mut rng);
                for (l, row) in q.iter().enumerate() {
                    below[l] += usize::from(y <= row[k]);
                }
            }
        }
        let cells = (series * h) as f64;
        for (l, &p) in levels.iter().enumerate() {
            let c = below[l] as f64 / cells;
            assert!((c - p).abs() <= 0.02, "normal: level {p} covers {c}");
        }
        for mean in [0.4, 4.0] {
            let pois = Poisson::new(mean).unwrap();
            let (mut below, mut strictly) =
                (vec![0usize; levels.len()], vec![0usize; levels.len()]);
            for _ in 0..series {
                let by_step: Vec<Vec<f64>> = (0..h)
                    .map(|_| (0..origins).map(|_| pois.sample(&mut rng) - mean).collect())
                    .collect();
                let q = conformal_quantiles(&[mean; 28], &by_step, &levels, true);
                for k in 0..h {
                    let y: f64 = pois.sample(&mut rng);
                    for (l, row) in q.iter().enumerate() {
                        assert!((row[k] - row[k].round()).abs() < 1e-12);
                        below[l] += usize::from(y <= row[k]);
                        strictly[l] += usize::from(y < row[k]);
                    }
                }
            }
            for (l, &p) in levels.iter().enumerate() {
                let (le, lt) = (below[l] as f64 / cells, strictly[l] as f64 / cells);
                assert!(
                    lt - 0.02 <= p && p <= le + 0.02,
                    "Poisson({mean}): level {p}: P(Y<q) {lt}, P(Y<=q) {le}"
                );
            }
        }
    }

    #[test]
    fn sums_over_a_window() {
        // One run of errors 1, 2, 3, 4: window sums 3, 5, 7; conformal q50 = rank 2 → 5.
        let q = sum_quantiles(10.0, &[1.0, 2.0, 3.0, 4.0], 4, 2, &[0.5], false);
        assert!((q[0] - 15.0).abs() < 1e-12, "{q:?}");
        let q = sum_quantiles(10.4, &[1.0, 2.0, 3.0, 4.0], 4, 2, &[0.1, 0.9], true);
        assert_eq!(q, vec![13.0, 17.0]);
    }
}
