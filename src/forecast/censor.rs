//! Censored demand: on a day the item was out of stock, sales show what was on the shelf, not
//! what customers wanted. Forecasts and error spreads must not learn "demand was zero" from
//! such days.
//!
//! # Method (`[forecast] censoring = "impute"`, the default)
//! A bucket with stockout days (the sales file's `stockout` flag) is *censored*: its sales are
//! a lower bound of its demand. Each is imputed from its **local level** m, the mean of the
//! nearest *reference* buckets — uncensored and without promotion — up to [`NEIGHBOURS`] on
//! each side, searched up to [`REACH`] steps away; for daily buckets the steps are whole weeks
//! (same weekday, so the weekly pattern is kept), with a fallback to neighbouring days when no
//! same-weekday bucket is a reference one. A censored bucket *with* a promotion takes m times
//! the series' **promotion lift** (mean uncensored promotion bucket / mean uncensored other
//! bucket, when there are at least [`NEIGHBOURS`] of each; else 1): stockouts cluster in
//! promotions, and a promotion's lost demand is a promotion's, not a normal day's.
//!
//! - A bucket stocked out on **all** its days (every censored day of a daily series) becomes
//!   the conditional mean of demand given that it was at least the sales x:
//!
//!   ```text
//!   imputed = E[D | D ≥ x],   D distributed as m · u / ū over the series' reference buckets u
//!   ```
//!
//!   (ū their mean: the SKU's own demand shape, scaled to the local level). With x = 0 (an
//!   empty shelf all day) that is m; on the day the shelf ran empty it is more than max(x, m):
//!   demand that outran the stock was, by that fact, a large one. The former rule, max(x, m),
//!   left the run-out days about 30% short of their true demand on generated catalogues (see
//!   benches/RESULTS.md, "Censored history and realised service").
//! - A bucket stocked out on a share f < 1 of its days (weeks, months) replaces that share by
//!   the level: `imputed = max(observed, (1 − f) · observed + f · m)`; a week with two stockout
//!   days gets two sevenths of the level in place of its observed share.
//!
//! Imputation never lowers a bucket. A series without reference buckets in reach of a censored
//! one falls back on every uncensored bucket (no lift); a bucket with no uncensored neighbour in
//! reach keeps its sales (and still counts as censored).
//!
//! Imputed values are used for model fitting, backtests (the "actuals" of censored buckets are
//! the imputed ones, so selection scores and the error runs that safety stock and simulation
//! sample are not inflated by stockouts) and the demand class. The quantile forecasts leave
//! the censored buckets' errors out instead (an imputed actual is a local mean, smoother than
//! demand, and would narrow them; see [`super::select`]).
//! `censoring = "ignore"` fits the raw sales; the censored days are counted either way and
//! written per SKU (`censored_days`, `imputed_units` in classes.csv and policy.csv).

use serde::{Deserialize, Serialize};

use crate::calendar::Freq;

/// Uncensored neighbours averaged on each side.
pub const NEIGHBOURS: usize = 4;
/// Farthest step searched on each side.
pub const REACH: usize = 26;

/// How censored (stockout) buckets are treated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Censoring {
    /// Replace the stocked-out share by the local uncensored level (see the module docs).
    #[default]
    Impute,
    /// Use sales as demand.
    Ignore,
}

impl std::str::FromStr for Censoring {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "impute" => Ok(Self::Impute),
            "ignore" => Ok(Self::Ignore),
            other => Err(format!(
                "unknown censoring '{other}'; expected impute or ignore"
            )),
        }
    }
}

/// What censoring did to one series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CensorStats {
    /// Stockout days in the training history.
    pub days: u32,
    /// Buckets with at least one stockout day.
    pub buckets: usize,
    /// Units added by imputation (0 with `ignore`).
    pub imputed_units: f64,
}

/// Mean of the nearest reference buckets (`usable`) around `i`, `step` buckets apart.
fn level(y: &[f64], usable: &[bool], i: usize, step: usize) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for dir in [-1i64, 1] {
        let mut found = 0;
        for k in 1..=REACH {
            let j = i as i64 + dir * (k * step) as i64;
            if j < 0 || j as usize >= y.len() {
                break;
            }
            let j = j as usize;
            if usable[j] {
                sum += y[j];
                n += 1;
                found += 1;
                if found == NEIGHBOURS {
                    break;
                }
            }
        }
    }
    (n > 0).then(|| sum / n as f64)
}

/// [`level`] for every bucket outside `usable` at once (NaN where none is in reach): per
/// residue class modulo `step`, one sweep with the positions of the reference buckets, so long
/// stockout runs cost O(n) instead of a search of up to 2·[`REACH`] steps per censored bucket.
/// Sums in the same order as [`level`] (nearest first, the earlier side first), so the results
/// are equal bit for bit.
fn levels(y: &[f64], usable: &[bool], step: usize) -> Vec<f64> {
    let n = y.len().min(usable.len());
    let mut out = vec![f64::NAN; n];
    let mut unc: Vec<usize> = Vec::new();
    for r in 0..step.min(n) {
        // Positions (in steps) of the reference buckets of this residue class.
        unc.clear();
        unc.extend(
            (r..n)
                .step_by(step)
                .enumerate()
                .filter(|&(_, i)| usable[i])
                .map(|(k, _)| k),
        );
        let mut p = 0;
        for (k, i) in (r..n).step_by(step).enumerate() {
            while p < unc.len() && unc[p] < k {
                p += 1;
            }
            if usable[i] {
                continue;
            }
            let (mut sum, mut count) = (0.0, 0usize);
            for &u in unc[..p].iter().rev().take(NEIGHBOURS) {
                if k - u > REACH {
                    break;
                }
                sum += y[r + u * step];
                count += 1;
            }
            for &u in unc[p..].iter().take(NEIGHBOURS) {
                if u - k > REACH {
                    break;
                }
                sum += y[r + u * step];
                count += 1;
            }
            if count > 0 {
                out[i] = sum / count as f64;
            }
        }
    }
    out
}

/// The shape of a series' demand on its reference buckets (uncensored, of the censored
/// bucket's promotion state's baseline: without promotion): their values sorted, with suffix
/// sums, and their mean. Scaled by a local level m it is the demand distribution assumed for a
/// censored bucket, `m · u / mean` for each reference value u (demand multiplicative in its
/// level: the level moves the whole distribution, not its shape).
struct Shape {
    sorted: Vec<f64>,
    /// `suffix[k]` = sum of `sorted[k..]`.
    suffix: Vec<f64>,
    /// `suffix2[k]` = sum of the squares of `sorted[k..]`.
    suffix2: Vec<f64>,
    mean: f64,
}

impl Shape {
    fn new(y: &[f64], usable: &[bool]) -> Self {
        let mut sorted: Vec<f64> = y
            .iter()
            .zip(usable)
            .filter(|(_, &u)| u)
            .map(|(&v, _)| v.max(0.0))
            .collect();
        sorted.sort_by(f64::total_cmp);
        let mut suffix = vec![0.0; sorted.len() + 1];
        let mut suffix2 = vec![0.0; sorted.len() + 1];
        for k in (0..sorted.len()).rev() {
            suffix[k] = suffix[k + 1] + sorted[k];
            suffix2[k] = suffix2[k + 1] + sorted[k] * sorted[k];
        }
        let mean = if sorted.is_empty() {
            0.0
        } else {
            suffix[0] / sorted.len() as f64
        };
        Self {
            sorted,
            suffix,
            suffix2,
            mean,
        }
    }

    /// E[D | D ≥ `x`] and Var[D | D ≥ `x`] for D distributed as the shape scaled to the level
    /// `m`: the mean and variance of the scaled reference values of at least `x`; (`x`, 0) when
    /// none is (sales above every reference day), (max(x, m), 0) when the shape is unknown or all
    /// zero.
    fn at_least(&self, m: f64, x: f64) -> (f64, f64) {
        if self.mean <= 0.0 || m <= 0.0 {
            return (x.max(m), 0.0);
        }
        // m·u/mean ≥ x  ⇔  u ≥ x·mean/m.
        let k = self.sorted.partition_point(|&u| u < x * self.mean / m);
        self.moments_from(k, m).unwrap_or((x, 0.0))
    }

    /// Mean and variance of the scaled reference values from the `k`-th smallest on (none when
    /// there are none).
    fn moments_from(&self, k: usize, m: f64) -> Option<(f64, f64)> {
        let count = (self.sorted.len() - k) as f64;
        if count == 0.0 || self.mean <= 0.0 {
            return None;
        }
        let r = m / self.mean;
        let mean = self.suffix[k] / count * r;
        let var = (self.suffix2[k] / count * r * r - mean * mean).max(0.0);
        Some((mean, var))
    }
}

/// The local level of every bucket outside `usable` (NaN where no reference bucket is in
/// reach): same-weekday steps for daily buckets, then neighbouring days as a fallback.
fn local_levels(y: &[f64], usable: &[bool], step: usize) -> Vec<f64> {
    let mut near = levels(y, usable, step);
    if step > 1 {
        for (i, v) in near.iter_mut().enumerate() {
            if !usable[i] && v.is_nan() {
                *v = level(y, usable, i, 1).unwrap_or(f64::NAN);
            }
        }
    }
    near
}

/// The promotion lift of a series: the mean of its uncensored promotion buckets over the mean of
/// its uncensored other buckets, when at least [`NEIGHBOURS`] of each exist (as many as one side
/// of a level); else none.
fn promo_lift(y: &[f64], stockouts: &[u16], promo: &[bool]) -> Option<f64> {
    let (mut sp, mut np, mut so, mut no) = (0.0, 0usize, 0.0, 0usize);
    for ((&v, &d), &p) in y.iter().zip(stockouts).zip(promo) {
        if d > 0 {
            continue;
        }
        if p {
            sp += v.max(0.0);
            np += 1;
        } else {
            so += v.max(0.0);
            no += 1;
        }
    }
    (np >= NEIGHBOURS && no >= NEIGHBOURS && so > 0.0).then(|| (sp / np as f64) / (so / no as f64))
}

/// Counts censored buckets of `y` (aligned with `stockout_days` and `promo_days`) and, with
/// [`Censoring::Impute`], imputes them in place (see the module docs). Levels and the demand
/// shape are computed from the observed (not yet imputed) uncensored buckets.
pub fn apply(
    y: &mut [f64],
    stockout_days: &[u16],
    promo_days: &[u16],
    freq: Freq,
    mode: Censoring,
) -> CensorStats {
    impute(y, stockout_days, promo_days, freq, mode).stats
}

/// What [`impute`] did to one series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imputed {
    /// Counts and units.
    pub stats: CensorStats,
    /// Per bucket, the variance of its true demand around the imputed value (units²): the
    /// conditional variance Var[D | D ≥ sales] of a wholly stocked-out bucket, f times the
    /// scaled shape's variance for a bucket stocked out on a share f of its days, 0 elsewhere.
    /// Empty when nothing was imputed.
    pub variance: Vec<f64>,
}

/// [`apply`], also returning the variance that each imputed bucket leaves out: an imputed
/// value is a conditional mean, and the demand it stands for varies around it. Backtest errors
/// against imputed actuals miss that variance; safety stock adds it back (see
/// [`crate::forecast::select::SkuForecast::error_censored_var`]).
pub fn impute(
    y: &mut [f64],
    stockout_days: &[u16],
    promo_days: &[u16],
    freq: Freq,
    mode: Censoring,
) -> Imputed {
    let n = y.len().min(stockout_days.len());
    let stockouts = &stockout_days[..n];
    let mut stats = CensorStats {
        days: stockouts.iter().map(|&d| u32::from(d)).sum(),
        buckets: stockouts.iter().filter(|&&d| d > 0).count(),
        imputed_units: 0.0,
    };
    if mode == Censoring::Ignore || stats.buckets == 0 {
        return Imputed {
            stats,
            variance: Vec::new(),
        };
    }
    let days = freq.mean_days();
    let step = if freq == Freq::Day { 7 } else { 1 };
    let promo: Vec<bool> = (0..n)
        .map(|i| promo_days.get(i).is_some_and(|&d| d > 0))
        .collect();
    // Reference buckets: uncensored and without promotion (a censored promotion bucket takes
    // the baseline level times the series' promotion lift); a series with no such bucket in
    // reach of a censored one falls back on every uncensored bucket, without lift.
    let baseline: Vec<bool> = (0..n).map(|i| stockouts[i] == 0 && !promo[i]).collect();
    let uncensored: Vec<bool> = stockouts.iter().map(|&d| d == 0).collect();
    let lift = promo_lift(y, stockouts, &promo);
    // Levels and shape read only uncensored buckets and imputation writes only censored ones,
    // so `y` can be imputed in place: every level still sees the observed values.
    let y = &mut y[..n];
    let near = local_levels(y, &baseline, step);
    let near_any = local_levels(y, &uncensored, step);
    let shape = Shape::new(y, &baseline);
    let shape_any = Shape::new(y, &uncensored);
    let mut variance = vec![0.0; n];
    for i in (0..n).filter(|&i| stockouts[i] > 0) {
        let (lvl, shape) = if !near[i].is_nan() {
            let lift = if promo[i] { lift.unwrap_or(1.0) } else { 1.0 };
            (near[i] * lift, &shape)
        } else if !near_any[i].is_nan() {
            (near_any[i], &shape_any)
        } else {
            continue;
        };
        let f = f64::from(stockouts[i]) / days;
        let (v, var) = if f >= 1.0 {
            // Stocked out the whole bucket: its sales are a lower bound of its demand.
            shape.at_least(lvl, y[i])
        } else {
            let whole = shape.moments_from(0, lvl).map_or(0.0, |(_, var)| var);
            (((1.0 - f) * y[i] + f * lvl).max(y[i]), f * whole)
        };
        stats.imputed_units += v - y[i];
        y[i] = v;
        variance[i] = var;
    }
    Imputed { stats, variance }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Poisson};

    #[test]
    fn the_sweep_finds_the_same_levels_as_the_search() {
        // Random stockout runs (short and long) on random sales, daily and weekly steps: every
        // censored bucket's level equals the direct search's, bit for bit.
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let sales = Poisson::new(3.0).unwrap();
        for step in [1, 7] {
            let n = 900;
            let y: Vec<f64> = (0..n).map(|_| sales.sample(&mut rng)).collect();
            let mut stockouts = vec![0u16; n];
            let mut i = 0;
            while i < n {
                let gap = rand::Rng::random_range(&mut rng, 0..60);
                let run = rand::Rng::random_range(&mut rng, 1..250);
                for d in stockouts.iter_mut().skip(i + gap).take(run) {
                    *d = 1;
                }
                i += gap + run;
            }
            let usable: Vec<bool> = stockouts.iter().map(|&d| d == 0).collect();
            let swept = levels(&y, &usable, step);
            let mut found = 0;
            for i in (0..n).filter(|&i| stockouts[i] > 0) {
                match level(&y, &usable, i, step) {
                    Some(v) => {
                        found += 1;
                        assert_eq!(v.to_bits(), swept[i].to_bits(), "step {step}, bucket {i}");
                    }
                    None => assert!(swept[i].is_nan(), "step {step}, bucket {i}"),
                }
            }
            assert!(found > 100, "{found}");
        }
    }

    #[test]
    fn a_censored_day_takes_the_same_weekday_level() {
        // Weekly pattern 10,10,10,10,20,30,10; day 18 (a weekday-4 day, level 20) sold 2.
        let week = [10.0, 10.0, 10.0, 10.0, 20.0, 30.0, 10.0];
        let mut y: Vec<f64> = (0..42).map(|t| week[t % 7]).collect();
        let mut flags = vec![0u16; 42];
        y[18] = 2.0;
        flags[18] = 1;
        let s = apply(&mut y, &flags, &[], Freq::Day, Censoring::Impute);
        assert_eq!((s.days, s.buckets), (1, 1));
        assert!((y[18] - 20.0).abs() < 1e-12, "{}", y[18]);
        assert!((s.imputed_units - 18.0).abs() < 1e-12);
    }

    #[test]
    fn imputation_never_lowers_sales_and_ignore_changes_nothing() {
        let mut y = vec![5.0, 5.0, 50.0, 5.0, 5.0];
        let flags = [0, 0, 1, 0, 0];
        let mut z = y.clone();
        apply(&mut y, &flags, &[], Freq::Week, Censoring::Impute);
        // A week with one stockout day: 6/7 of 50 + 1/7 of 5 < 50, so the sales stand.
        assert!((y[2] - 50.0).abs() < 1e-12);
        let s = apply(&mut z, &flags, &[], Freq::Week, Censoring::Ignore);
        assert_eq!(z, vec![5.0, 5.0, 50.0, 5.0, 5.0]);
        assert_eq!((s.days, s.imputed_units), (1, 0.0));
    }

    #[test]
    fn partial_week_replaces_its_stocked_out_share() {
        // Level 70 per week; a week with 2 stockout days sold 50: 5/7 · 50 + 2/7 · 70 = 55.71.
        let mut y = vec![70.0, 70.0, 50.0, 70.0, 70.0];
        apply(&mut y, &[0, 0, 2, 0, 0], &[], Freq::Week, Censoring::Impute);
        assert!((y[2] - (50.0 * 5.0 / 7.0 + 20.0)).abs() < 1e-12, "{}", y[2]);
    }

    #[test]
    fn a_run_out_day_takes_the_mean_of_demand_at_least_its_sales() {
        // Weeks alternate 10 and 30 a day, so every same-weekday level is 20 and the reference
        // shape is {10, 30}. Day 35 (a 30-week) sold 12 and ran out: demand was at least 12,
        // so its conditional mean is the scaled 30, not max(12, 20) = 20. The shape holds 35
        // tens and 34 thirties (day 35 is censored), mean 1370 / 69.
        let y0: Vec<f64> = (0..70)
            .map(|t| if (t / 7) % 2 == 0 { 10.0 } else { 30.0 })
            .collect();
        let mut flags = vec![0u16; 70];
        flags[35] = 1;
        let imputed = |x: f64| {
            let mut y = y0.clone();
            y[35] = x;
            apply(&mut y, &flags, &[], Freq::Day, Censoring::Impute);
            y[35]
        };
        let scale = 20.0 / (1370.0 / 69.0);
        assert!(
            (imputed(12.0) - 30.0 * scale).abs() < 1e-9,
            "{}",
            imputed(12.0)
        );
        // An empty shelf all day: the level itself (the mean of the scaled shape).
        assert!((imputed(0.0) - 20.0).abs() < 1e-9, "{}", imputed(0.0));
        // Sales above every scaled reference day stand.
        assert!((imputed(35.0) - 35.0).abs() < 1e-12, "{}", imputed(35.0));
    }

    #[test]
    fn a_censored_promotion_day_takes_the_level_times_the_lift() {
        // Baseline 10 a day; promotions (uncensored) on days 40-45 sell 25 (lift 2.5); day 42
        // of that promotion is stocked out all day and sold 0. Its level comes from non-promotion
        // days of the same weekday (10), times the lift: 25. Day 34 (no promotion, stocked out,
        // sold 0) keeps the baseline 10, although its same-weekday neighbours include day 41,
        // a promotion day.
        let mut y = vec![10.0; 84];
        let (mut flags, mut promo) = (vec![0u16; 84], vec![0u16; 84]);
        for t in 40..46 {
            y[t] = 25.0;
            promo[t] = 1;
        }
        y[42] = 0.0;
        flags[42] = 1;
        y[34] = 0.0;
        flags[34] = 1;
        apply(&mut y, &flags, &promo, Freq::Day, Censoring::Impute);
        assert!((y[42] - 25.0).abs() < 1e-9, "{}", y[42]);
        assert!((y[34] - 10.0).abs() < 1e-9, "{}", y[34]);
    }

    /// Demand i.i.d. Poisson(10) a day through a shop whose reorder point is too low: sales are
    /// min(demand, on hand), a day with unmet demand or an empty shelf is flagged. Over the
    /// censored days the imputed units are within 2.5% of the true demand (the reference days
    /// are themselves a little short: a large demand on a low-stock day makes it a run-out
    /// day); the former rule, max(sales, level), is more than 4% short (the run-out days'
    /// demand outran the stock). A Python replica of this shop gave 0.986–0.995 and
    /// 0.932–0.939 over three seeds.
    #[test]
    fn imputed_censored_days_match_their_true_demand_within_2_5_percent() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let pois = Poisson::new(10.0).unwrap();
        let n = 40_000;
        let (s, q, lead) = (40.0, 100.0, 5usize);
        let (mut on_hand, mut arrival): (f64, Option<usize>) = (s + q, None);
        let (mut demand, mut sales, mut flags) = (vec![0.0; n], vec![0.0; n], vec![0u16; n]);
        for t in 0..n {
            if arrival == Some(t) {
                on_hand += q;
                arrival = None;
            }
            let d: f64 = pois.sample(&mut rng);
            let sold = d.min(on_hand);
            on_hand -= sold;
            demand[t] = d;
            sales[t] = sold;
            flags[t] = u16::from(d > sold || on_hand == 0.0);
            if arrival.is_none() && on_hand <= s {
                arrival = Some(t + lead);
            }
        }
        let censored: Vec<usize> = (0..n).filter(|&t| flags[t] > 0).collect();
        assert!(censored.len() > 2000, "{} censored days", censored.len());
        let truth: f64 = censored.iter().map(|&t| demand[t]).sum();
        let mut y = sales.clone();
        apply(&mut y, &flags, &[], Freq::Day, Censoring::Impute);
        let imputed: f64 = censored.iter().map(|&t| y[t]).sum();
        assert!(
            (imputed / truth - 1.0).abs() < 0.025,
            "{imputed} vs {truth}"
        );
        let usable: Vec<bool> = flags.iter().map(|&d| d == 0).collect();
        let near = levels(&sales, &usable, 7);
        let former: f64 = censored.iter().map(|&t| sales[t].max(near[t])).sum();
        assert!(former / truth < 0.96, "former rule {former} vs {truth}");
    }

    /// Known demand Poisson(10) per day; every 20 days a 6-day stockout (half the demand sold
    /// on its first day, nothing after). The estimated mean demand — the imputed history's
    /// mean, and a 280-day moving-average forecast — is within 5% of the true demand over the
    /// same days (the realised demand, so Poisson noise does not enter the comparison);
    /// without imputation it is biased low by about a quarter.
    #[test]
    fn censoring_handled_recovers_mean_demand_within_5_percent() {
        use crate::calendar::test_series;
        use crate::forecast::select::{forecast_series, ForecastSettings};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let pois = Poisson::new(10.0).unwrap();
        let n = 700;
        let demand: Vec<f64> = (0..n).map(|_| pois.sample(&mut rng)).collect();
        let mut s = test_series("A", demand.clone());
        for (t, d) in demand.iter().enumerate() {
            let phase = t % 20;
            if phase >= 14 {
                s.stockout_days[t] = 1;
                s.values[t] = if phase == 14 { (d / 2.0).floor() } else { 0.0 };
            }
        }
        let mut imputed = s.values.clone();
        apply(
            &mut imputed,
            &s.stockout_days,
            &[],
            Freq::Day,
            Censoring::Impute,
        );
        let all = demand.iter().sum::<f64>() / n as f64;
        let history = imputed.iter().sum::<f64>() / n as f64;
        assert!((history / all - 1.0).abs() < 0.05, "{history} vs {all}");
        let w = 280;
        let truth = demand[n - w..].iter().sum::<f64>() / w as f64;
        let mean_of = |mode| {
            let settings = ForecastSettings {
                censoring: mode,
                models: Some(vec![crate::forecast::ModelSpec::MovingAverage(Some(w))]),
                combine: 0,
                ..ForecastSettings::for_freq(Freq::Day)
            };
            let f = forecast_series(&s, &settings);
            f.point.iter().sum::<f64>() / f.point.len() as f64
        };
        let handled = mean_of(Censoring::Impute);
        let ignored = mean_of(Censoring::Ignore);
        assert!(
            (handled / truth - 1.0).abs() < 0.05,
            "imputed forecast {handled} vs true mean {truth}"
        );
        assert!(
            ignored / truth < 0.85,
            "without imputation the forecast {ignored} should be visibly low (truth {truth})"
        );
    }
}
