//! The empirical distribution of demand over the protection period, by Monte Carlo: for
//! intermittent, lumpy and skewed demand, where the normal formulas are wrong.
//!
//! One draw:
//! 1. a lead time L is drawn from the empirical lead-time sample (days); for periodic review
//!    the protection period is P = max(L, 1) + R − 1 days (the time convention of
//!    [`crate::policy`]: an order placed after a review day's sales covers the next L + R − 1
//!    days), for continuous review P = L (standing in for L − 1 days plus the undershoot of
//!    the reorder point);
//! 2. for each of the P days from the planning date, demand = max(0, forecast per day + error
//!    per day), where the errors are the forecast's backtest errors (actual − forecast),
//!    resampled by a **moving-block bootstrap**: a block of up to [`BLOCK_DAYS`] consecutive
//!    days is copied from a random position of a random backtest fold, then another, so the
//!    autocorrelation of errors within a fortnight (a level shift the model missed) is kept;
//! 3. the draw is the sum over the P days (a fractional last day counts by its fraction).
//!
//! Bucket errors of weekly or monthly forecasts are spread evenly over the bucket's days.
//! Beyond the forecast horizon the last forecast bucket's rate is repeated.
//!
//! Draws are seeded per SKU, so a result does not depend on the thread count.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Longest block of consecutive error days copied at once.
pub const BLOCK_DAYS: usize = 14;

/// Sorted draws of demand over the protection period.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandSample {
    sorted: Vec<f64>,
    /// Prefix sums of `sorted` (len + 1 entries) for expected-shortage queries.
    prefix: Vec<f64>,
}

impl DemandSample {
    /// A sample from draws (sorted here). Non-finite draws are dropped.
    pub fn new(mut draws: Vec<f64>) -> Self {
        draws.retain(|v| v.is_finite());
        draws.sort_by(f64::total_cmp);
        let mut prefix = Vec::with_capacity(draws.len() + 1);
        let mut acc = 0.0;
        prefix.push(0.0);
        for v in &draws {
            acc += v;
            prefix.push(acc);
        }
        Self {
            sorted: draws,
            prefix,
        }
    }

    /// Number of draws.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether there are no draws.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// Mean of the draws.
    pub fn mean(&self) -> f64 {
        if self.sorted.is_empty() {
            0.0
        } else {
            self.prefix[self.sorted.len()] / self.sorted.len() as f64
        }
    }

    /// Standard deviation of the draws.
    pub fn sd(&self) -> f64 {
        let n = self.sorted.len();
        if n < 2 {
            return 0.0;
        }
        let m = self.mean();
        (self.sorted.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64).sqrt()
    }

    /// The smallest stock level s with P(D ≤ s) ≥ `p`: the empirical p-quantile (the
    /// ⌈p·n⌉-th order statistic, so that the cycle service level of s is at least p).
    pub fn quantile(&self, p: f64) -> f64 {
        let n = self.sorted.len();
        if n == 0 {
            return 0.0;
        }
        let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
        self.sorted[rank - 1]
    }

    /// P(D ≤ s): the cycle service level of stock level s.
    pub fn cdf(&self, s: f64) -> f64 {
        if self.sorted.is_empty() {
            return 1.0;
        }
        self.sorted.partition_point(|&v| v <= s) as f64 / self.sorted.len() as f64
    }

    /// E[(D − s)⁺]: expected units short per cycle at stock level s.
    pub fn expected_shortage(&self, s: f64) -> f64 {
        let n = self.sorted.len();
        if n == 0 {
            return 0.0;
        }
        let i = self.sorted.partition_point(|&v| v <= s);
        let above = (n - i) as f64;
        (self.prefix[n] - self.prefix[i] - above * s) / n as f64
    }

    /// The smallest stock level s with E[(D − s)⁺] ≤ `max_shortage` (bisection to 1e-6 units;
    /// the expected shortage is decreasing in s).
    pub fn level_for_shortage(&self, max_shortage: f64) -> f64 {
        let Some(&top) = self.sorted.last() else {
            return 0.0;
        };
        let (mut lo, mut hi) = (0.0_f64, top.max(0.0));
        if self.expected_shortage(lo) <= max_shortage {
            return lo;
        }
        while hi - lo > 1e-6 * hi.max(1.0) {
            let mid = 0.5 * (lo + hi);
            if self.expected_shortage(mid) <= max_shortage {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }
}

/// Inputs of the Monte Carlo: everything in days.
#[derive(Debug, Clone, Copy)]
pub struct SampleInput<'a> {
    /// Forecast demand per day from the planning date on (at least one day).
    pub rate_per_day: &'a [f64],
    /// Backtest error paths, one per fold, per day (actual − forecast).
    pub error_paths: &'a [Vec<f64>],
    /// Lead-time sample (days); one value = a fixed lead time.
    pub lead_times: &'a [f64],
    /// Review period R (days; 0 for continuous review). A periodic draw covers
    /// max(L, 1) + R − 1 days (the time convention, [`crate::policy`]).
    pub review_days: f64,
    /// Number of draws.
    pub draws: usize,
    /// Seed of this SKU's random stream.
    pub seed: u64,
}

/// Draws demand over the protection period; see the module documentation.
pub fn sample_protection_demand(input: SampleInput<'_>) -> DemandSample {
    let mut rng = ChaCha8Rng::seed_from_u64(input.seed);
    let paths: Vec<&Vec<f64>> = input.error_paths.iter().filter(|p| !p.is_empty()).collect();
    let rate = |t: usize| -> f64 {
        input
            .rate_per_day
            .get(t)
            .or(input.rate_per_day.last())
            .copied()
            .unwrap_or(0.0)
    };
    let mut draws = Vec::with_capacity(input.draws);
    for _ in 0..input.draws {
        let lt = if input.lead_times.is_empty() {
            0.0
        } else {
            input.lead_times[rng.random_range(0..input.lead_times.len())]
        };
        let period = if input.review_days > 0.0 {
            lt.max(1.0) + input.review_days - 1.0
        } else {
            lt.max(0.0)
        };
        let whole = period.floor() as usize;
        let frac = period - whole as f64;
        let days = whole + usize::from(frac > 0.0);
        let mut total = 0.0;
        let mut block: &[f64] = &[];
        for t in 0..days {
            let err = if paths.is_empty() {
                0.0
            } else {
                if block.is_empty() {
                    let p = paths[rng.random_range(0..paths.len())];
                    let start = rng.random_range(0..p.len());
                    let end = (start + BLOCK_DAYS).min(p.len());
                    block = &p[start..end];
                }
                let e = block[0];
                block = &block[1..];
                e
            };
            let weight = if t == whole { frac } else { 1.0 };
            total += weight * (rate(t) + err).max(0.0);
        }
        draws.push(total);
    }
    DemandSample::new(draws)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_statistics_closed_form() {
        let s = DemandSample::new(vec![4.0, 1.0, 3.0, 2.0]);
        assert!((s.mean() - 2.5).abs() < 1e-12);
        assert!((s.quantile(0.5) - 2.0).abs() < 1e-12);
        assert!((s.quantile(0.75) - 3.0).abs() < 1e-12);
        assert!((s.quantile(0.76) - 4.0).abs() < 1e-12);
        assert!((s.cdf(2.5) - 0.5).abs() < 1e-12);
        // E[(D − 2)+] = (0 + 0 + 1 + 2) / 4.
        assert!((s.expected_shortage(2.0) - 0.75).abs() < 1e-12);
        assert!((s.level_for_shortage(0.75) - 2.0).abs() < 1e-5);
    }

    #[test]
    fn no_errors_and_fixed_lead_time_give_the_forecast_sum() {
        let rate = [2.0, 3.0, 5.0];
        let s = sample_protection_demand(SampleInput {
            rate_per_day: &rate,
            error_paths: &[],
            lead_times: &[4.5],
            review_days: 0.0,
            draws: 10,
            seed: 1,
        });
        // Days 0..4 at 2, 3, 5, 5 and half of day 4 at 5 (the last rate repeats).
        assert!((s.quantile(0.0001) - 17.5).abs() < 1e-12);
        assert!((s.quantile(1.0) - 17.5).abs() < 1e-12);
    }

    #[test]
    fn lead_time_mixture_matches_its_closed_form_mean() {
        // Constant demand 2/day, lead time 5 or 15 days with equal chance: mean 20.
        let s = sample_protection_demand(SampleInput {
            rate_per_day: &[2.0],
            error_paths: &[],
            lead_times: &[5.0, 15.0],
            review_days: 0.0,
            draws: 20_000,
            seed: 9,
        });
        assert!((s.mean() - 20.0).abs() < 0.3, "{}", s.mean());
        assert!((s.quantile(0.4) - 10.0).abs() < 1e-12);
        assert!((s.quantile(0.9) - 30.0).abs() < 1e-12);
    }

    #[test]
    fn same_seed_same_draws() {
        let paths = vec![vec![-1.0, 2.0, 0.5, -0.5, 1.0]];
        let input = SampleInput {
            rate_per_day: &[1.0],
            error_paths: &paths,
            lead_times: &[3.0, 7.0],
            review_days: 7.0,
            draws: 500,
            seed: 3,
        };
        assert_eq!(
            sample_protection_demand(input),
            sample_protection_demand(input)
        );
    }
}
