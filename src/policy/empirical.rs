//! The empirical distribution of demand over the protection period, by Monte Carlo: for
//! intermittent, lumpy and skewed demand, where the normal formulas are wrong.
//!
//! One draw:
//! 1. a lead time L is drawn from the empirical lead-time sample (days); the draw covers what
//!    the family's trigger level protects under the time convention of [`crate::policy`]:
//!    - `RS` (no reorder point): D(P), P = max(L, 1) + R − 1 days — an order placed after a
//!      review day's sales covers the next L + R − 1 days;
//!    - a reorder point (`sQ`, `sS`, `RsS`): U + D(P), P = max(L, 1) − 1 days, where U is the
//!      undershoot of s, drawn as the stationary excess of one review step's demand (a day's
//!      for continuous review, R days' for (R,s,S)): a step Y is picked from a pool of step
//!      draws with probability proportional to its size and U = V·Y with V uniform on (0, 1)
//!      (density P(Y > u) / E[Y], the renewal-theory excess the normal method's
//!      [`super::normal::undershoot`] takes the moments of; exact when S − s or Q spans
//!      several steps);
//! 2. for each of the P days, demand = max(0, forecast per day + error per day), where the
//!    errors are the forecast's backtest errors (actual − forecast), resampled by a
//!    **moving-block bootstrap**: a block of up to [`BLOCK_DAYS`] consecutive days is copied
//!    from a random position of a random backtest fold, then another, so the autocorrelation
//!    of errors within a fortnight (a level shift the model missed) is kept; the days run from
//!    the planning date for `RS`, from the day after the undershoot's step for a reorder point;
//! 3. the draw is the sum over the P days (a fractional last day counts by its fraction), plus
//!    U for a reorder point.
//!
//! An error measured against an imputed (stocked-out) day is an error against the day's
//! conditional mean demand, not against a demand: the true demand varied around it. Such a day
//! carries a [`Censored`] record (the imputed mean and the variance it leaves out, see
//! [`crate::forecast::censor`]), and every draw that copies the day adds a fresh
//! [`Censored::noise`] — the day's demand is then a draw from a gamma with that mean and
//! variance instead of its mean (multiple imputation, one imputation per draw). Without it the
//! errors of a SKU often out of stock are narrowed by its own stockouts, and its protection
//! demand's upper quantiles with them (as the normal method's spread adds the same variance
//! back, [`crate::plan::demand_inputs`]).
//!
//! Bucket errors of weekly or monthly forecasts are spread evenly over the bucket's days.
//! Beyond the forecast horizon the last forecast bucket's rate is repeated.
//!
//! Draws are seeded per SKU, so a result does not depend on the thread count.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma};

/// Longest block of consecutive error days copied at once.
pub const BLOCK_DAYS: usize = 14;

/// What an imputed (stocked-out) backtest day leaves out of its error.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Censored {
    /// The day's imputed demand (units): the conditional mean of demand given the stockout
    /// for a wholly stocked-out day; for a weekly or monthly bucket stocked out on part of
    /// its days, the bucket's imputed total spread over its days (the variance then covers
    /// the stocked-out share only, so the gamma drawn around it is closer to a normal).
    pub mean: f64,
    /// The variance of the day's true demand around that mean (units²); 0 on a day that was
    /// not imputed.
    pub var: f64,
}

impl Censored {
    /// A draw of the day's true demand minus its imputed mean: G − mean with G gamma of the
    /// record's mean and variance (non-negative and right-skewed, as demand is); 0 when the
    /// day was not imputed (no variance, or no mean to put a distribution around). The gamma
    /// matches the conditional distribution's mean and variance, not its support: demand on a
    /// day that ran out was at least the day's sales, while G may fall below them.
    pub fn noise(&self, rng: &mut ChaCha8Rng) -> f64 {
        if !(self.var > 0.0 && self.mean > 0.0) {
            return 0.0;
        }
        let shape = self.mean * self.mean / self.var;
        match Gamma::new(shape, self.var / self.mean) {
            Ok(g) => g.sample(rng) - self.mean,
            Err(_) => 0.0,
        }
    }
}

/// A SKU's backtest errors per day, one run per backtest origin, for the Monte Carlo and the
/// simulation to resample.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorPaths {
    /// Per run, per day: actual − forecast (units; a bucket's error spread evenly over its
    /// days).
    pub errors: Vec<Vec<f64>>,
    /// Per run, per day, aligned with `errors`: the imputed days' records ([`Censored`]; a
    /// day that was not imputed has the zero record); empty when no backtest day carries a
    /// variance to draw (then every day is as measured).
    pub censored: Vec<Vec<Censored>>,
}

impl ErrorPaths {
    /// Errors without any imputed day.
    pub fn measured(errors: Vec<Vec<f64>>) -> Self {
        Self {
            errors,
            censored: Vec::new(),
        }
    }

    /// The non-empty runs with their censored records (an empty slice where none).
    pub fn runs(&self) -> Vec<ErrorRun<'_>> {
        self.errors
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.is_empty())
            .map(|(i, e)| {
                let c = self
                    .censored
                    .get(i)
                    .filter(|c| c.len() == e.len())
                    .map_or(&[][..], Vec::as_slice);
                (e.as_slice(), c)
            })
            .collect()
    }

    /// Whether there is no error at all.
    pub fn is_empty(&self) -> bool {
        self.errors.iter().all(Vec::is_empty)
    }
}

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
    /// Backtest error paths, one per fold, per day (actual − forecast), with their imputed
    /// days.
    pub error_paths: &'a ErrorPaths,
    /// Lead-time sample (days); one value = a fixed lead time.
    pub lead_times: &'a [f64],
    /// Review period R (days; 0 for continuous review). A periodic draw without a reorder
    /// point covers max(L, 1) + R − 1 days (the time convention, [`crate::policy`]).
    pub review_days: f64,
    /// Whether the family triggers at a reorder point (`sQ`, `sS`, `RsS`): a draw is then
    /// U + D(max(L, 1) − 1), U the undershoot of s by one review step (R days, 1 day for
    /// continuous review); see the module documentation.
    pub reorder_point: bool,
    /// Number of draws.
    pub draws: usize,
    /// Seed of this SKU's random stream.
    pub seed: u64,
}

/// One error run with its imputed days' records (an empty slice when it has none).
pub type ErrorRun<'a> = (&'a [f64], &'a [Censored]);

/// Position in the moving-block bootstrap of daily errors (module documentation, step 2),
/// shared by the Monte Carlo and the simulation's forecast demand: the run, the next day and
/// the end of the current block. `default()` starts on a fresh block.
#[derive(Debug, Clone, Copy, Default)]
pub struct BlockCursor {
    run: usize,
    pos: usize,
    end: usize,
}

impl BlockCursor {
    /// The next day's error from `runs` (non-empty runs, [`ErrorPaths::runs`]) plus an
    /// imputed day's [`Censored::noise`]; a new block of up to [`BLOCK_DAYS`] days from a
    /// random day of a random run when the current one is used up. 0 without runs.
    #[inline]
    pub fn next(&mut self, runs: &[ErrorRun<'_>], rng: &mut ChaCha8Rng) -> f64 {
        if runs.is_empty() {
            return 0.0;
        }
        if self.pos >= self.end {
            self.run = rng.random_range(0..runs.len());
            let len = runs[self.run].0.len();
            self.pos = rng.random_range(0..len);
            self.end = (self.pos + BLOCK_DAYS).min(len);
        }
        let (errors, censored) = runs[self.run];
        let e = errors[self.pos] + censored.get(self.pos).map_or(0.0, |c| c.noise(rng));
        self.pos += 1;
        e
    }

    /// Starts the next day on a fresh block.
    pub fn restart(&mut self) {
        self.end = self.pos;
    }
}

/// A SKU's runs and the Monte Carlo's cursor in them.
struct ErrorBlocks<'a> {
    runs: Vec<ErrorRun<'a>>,
    cursor: BlockCursor,
}

impl<'a> ErrorBlocks<'a> {
    fn new(paths: &'a ErrorPaths) -> Self {
        Self {
            runs: paths.runs(),
            cursor: BlockCursor::default(),
        }
    }

    /// The next day's error ([`BlockCursor::next`]).
    fn next(&mut self, rng: &mut ChaCha8Rng) -> f64 {
        self.cursor.next(&self.runs, rng)
    }

    /// Starts the next day on a fresh block (each draw is independent of the last).
    fn restart(&mut self) {
        self.cursor.restart();
    }
}

/// Demand of `period` days from day `from` (a fractional last day counts by its fraction):
/// max(0, forecast + error) per day.
fn period_demand(
    rate: &dyn Fn(usize) -> f64,
    errors: &mut ErrorBlocks<'_>,
    rng: &mut ChaCha8Rng,
    from: usize,
    period: f64,
) -> f64 {
    let period = period.max(0.0);
    let whole = period.floor() as usize;
    let frac = period - whole as f64;
    let days = whole + usize::from(frac > 0.0);
    let mut total = 0.0;
    for t in 0..days {
        let err = errors.next(rng);
        let weight = if t == whole { frac } else { 1.0 };
        total += weight * (rate(from + t) + err).max(0.0);
    }
    total
}

/// Draws demand over the protection period; see the module documentation.
pub fn sample_protection_demand(input: SampleInput<'_>) -> DemandSample {
    let mut rng = ChaCha8Rng::seed_from_u64(input.seed);
    let mut errors = ErrorBlocks::new(input.error_paths);
    let rate = |t: usize| -> f64 {
        input
            .rate_per_day
            .get(t)
            .or(input.rate_per_day.last())
            .copied()
            .unwrap_or(0.0)
    };
    let review = input.review_days.round().max(1.0);
    // A reorder point's undershoot: a pool of one review step's demand, picked by size.
    let pool: Vec<f64> = if input.reorder_point {
        (0..input.draws.max(1))
            .map(|_| {
                errors.restart();
                period_demand(&rate, &mut errors, &mut rng, 0, review)
            })
            .collect()
    } else {
        Vec::new()
    };
    let cumulative: Vec<f64> = pool
        .iter()
        .scan(0.0, |acc, &y| {
            *acc += y;
            Some(*acc)
        })
        .collect();
    let pool_total = cumulative.last().copied().unwrap_or(0.0);
    let mut draws = Vec::with_capacity(input.draws);
    for _ in 0..input.draws {
        let lt = if input.lead_times.is_empty() {
            0.0
        } else {
            input.lead_times[rng.random_range(0..input.lead_times.len())]
        };
        errors.restart();
        let draw = if input.reorder_point {
            let undershoot = if pool_total > 0.0 {
                let x = rng.random::<f64>() * pool_total;
                let i = cumulative.partition_point(|&c| c <= x).min(pool.len() - 1);
                rng.random::<f64>() * pool[i]
            } else {
                0.0
            };
            let from = review as usize;
            undershoot + period_demand(&rate, &mut errors, &mut rng, from, lt.max(1.0) - 1.0)
        } else {
            period_demand(&rate, &mut errors, &mut rng, 0, lt.max(1.0) + review - 1.0)
        };
        draws.push(draw);
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
            error_paths: &ErrorPaths::default(),
            lead_times: &[4.5],
            // (R,S) with R = 1 protects max(L, 1) + R − 1 = L days.
            review_days: 1.0,
            reorder_point: false,
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
            error_paths: &ErrorPaths::default(),
            lead_times: &[5.0, 15.0],
            review_days: 1.0,
            reorder_point: false,
            draws: 20_000,
            seed: 9,
        });
        assert!((s.mean() - 20.0).abs() < 0.3, "{}", s.mean());
        assert!((s.quantile(0.4) - 10.0).abs() < 1e-12);
        assert!((s.quantile(0.9) - 30.0).abs() < 1e-12);
    }

    /// A reorder point protects U + D(L − 1) (the time convention): with a constant 2 units
    /// a day and L = 5, D(4) = 8 and the undershoot of a 2-unit step is uniform on (0, 2), so
    /// X is uniform on (8, 10): mean 9, median 9, never outside.
    #[test]
    fn a_reorder_point_protects_the_undershoot_plus_l_minus_one_days() {
        let s = sample_protection_demand(SampleInput {
            rate_per_day: &[2.0],
            error_paths: &ErrorPaths::default(),
            lead_times: &[5.0],
            review_days: 0.0,
            reorder_point: true,
            draws: 20_000,
            seed: 4,
        });
        assert!(s.quantile(0.00005) >= 8.0 && s.quantile(1.0) <= 10.0);
        assert!((s.mean() - 9.0).abs() < 0.02, "{}", s.mean());
        assert!((s.quantile(0.5) - 9.0).abs() < 0.03);
        assert!((s.quantile(0.9) - 9.8).abs() < 0.03);
        // The same as (R,S) with R = 1 covers L = 5 whole days: 10.
        let rs = sample_protection_demand(SampleInput {
            reorder_point: false,
            review_days: 1.0,
            rate_per_day: &[2.0],
            error_paths: &ErrorPaths::default(),
            lead_times: &[5.0],
            draws: 10,
            seed: 4,
        });
        assert!((rs.mean() - 10.0).abs() < 1e-12);
    }

    /// The undershoot is the stationary excess of a step, not a step: daily demand 0 or 4
    /// with equal chance (forecast 2, errors −2 and +2 alternating) gives E[U] = E[Y²] /
    /// (2 E[Y]) = 8 / 4 = 2, U uniform on (0, 4) (the size-biased step is always 4), so with
    /// L = 1 (no further day) the 25% quantile is 1. The (R,s,S) step of R = 2 days is 4 for
    /// every window of the alternating path (but the rare block cut at the path's end): U
    /// uniform on (0, 4) again.
    #[test]
    fn the_undershoot_is_the_stationary_excess_of_a_step() {
        let paths = ErrorPaths::measured(vec![[-2.0, 2.0].repeat(500)]);
        for review_days in [0.0, 2.0] {
            let s = sample_protection_demand(SampleInput {
                rate_per_day: &[2.0],
                error_paths: &paths,
                lead_times: &[1.0],
                review_days,
                reorder_point: true,
                draws: 40_000,
                seed: 8,
            });
            assert!(
                (s.mean() - 2.0).abs() < 0.04,
                "R {review_days}: {}",
                s.mean()
            );
            assert!((s.quantile(0.25) - 1.0).abs() < 0.05, "R {review_days}");
            // A block cut at the path's end joins two random days now and then (0 or 8).
            assert!(s.quantile(0.99) <= 4.0);
        }
    }

    /// Imputed days add their left-out demand back: every backtest day imputed at mean 2 with
    /// variance 8 against a zero forecast (error 2), so a day's demand is Gamma(shape 0.5,
    /// scale 4) and the 5 days that (R,S) with R = 1 and L = 5 protects sum to
    /// Gamma(shape 2.5, scale 4): mean 10, variance 40, 90% quantile from statrs. The same
    /// errors without their records give 10 in every draw. 20,000 draws: the mean's standard
    /// error is 0.045 (tolerance 0.2), the variance's about 0.9 (tolerance 4), the
    /// quantile's about 0.15 (tolerance 0.5).
    #[test]
    fn imputed_days_draw_their_demand_around_the_imputed_mean() {
        use statrs::distribution::{ContinuousCDF, Gamma as GammaDist};
        let days = 200;
        let censored = ErrorPaths {
            errors: vec![vec![2.0; days]],
            censored: vec![vec![
                Censored {
                    mean: 2.0,
                    var: 8.0
                };
                days
            ]],
        };
        let sample = |paths: &ErrorPaths| {
            sample_protection_demand(SampleInput {
                rate_per_day: &[0.0],
                error_paths: paths,
                lead_times: &[5.0],
                review_days: 1.0,
                reorder_point: false,
                draws: 20_000,
                seed: 12,
            })
        };
        let s = sample(&censored);
        let var = s.sorted.iter().map(|v| (v - s.mean()).powi(2)).sum::<f64>()
            / (s.sorted.len() - 1) as f64;
        assert!((s.mean() - 10.0).abs() < 0.2, "mean {}", s.mean());
        assert!((var - 40.0).abs() < 4.0, "variance {var}");
        let q90 = GammaDist::new(2.5, 0.25).unwrap().inverse_cdf(0.9);
        assert!(
            (s.quantile(0.9) - q90).abs() < 0.5,
            "{} vs {q90}",
            s.quantile(0.9)
        );
        let plain = sample(&ErrorPaths::measured(censored.errors.clone()));
        assert!((plain.quantile(0.0001) - 10.0).abs() < 1e-9);
        assert!((plain.quantile(1.0) - 10.0).abs() < 1e-9);
    }

    #[test]
    fn same_seed_same_draws() {
        let paths = ErrorPaths::measured(vec![vec![-1.0, 2.0, 0.5, -0.5, 1.0]]);
        let input = SampleInput {
            rate_per_day: &[1.0],
            error_paths: &paths,
            lead_times: &[3.0, 7.0],
            review_days: 7.0,
            reorder_point: true,
            draws: 500,
            seed: 3,
        };
        assert_eq!(
            sample_protection_demand(input),
            sample_protection_demand(input)
        );
    }
}
