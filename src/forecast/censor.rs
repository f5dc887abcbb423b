//! Censored demand: on a day the item was out of stock, sales show what was on the shelf, not
//! what customers wanted. Forecasts and error spreads must not learn "demand was zero" from
//! such days.
//!
//! # Method (`[forecast] censoring = "impute"`, the default)
//! A bucket with stockout days (the sales file's `stockout` flag) is *censored*. Its share of
//! stocked-out days f = stockout days / days per bucket (1 for a day, 7 for a week, 30.44 for
//! a month; at most 1) is replaced by the local uncensored level:
//!
//! ```text
//! imputed = max(observed, (1 − f) · observed + f · level)
//! ```
//!
//! so a fully censored day becomes max(observed, level) and a week with two stockout days gets
//! two sevenths of the level in place of its observed share. Sales are a lower bound of
//! demand, so imputation never lowers a bucket. The **level** is the mean of the nearest
//! uncensored buckets, up to [`NEIGHBOURS`] on each side, searched up to [`REACH`] steps away;
//! for daily buckets the steps are whole weeks (same weekday, so the weekly pattern is kept),
//! with a fallback to neighbouring days when no same-weekday bucket is uncensored. A bucket
//! with no uncensored neighbour in reach keeps its sales (and still counts as censored).
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

/// Mean of the nearest uncensored buckets around `i`, `step` buckets apart.
fn level(y: &[f64], stockouts: &[u16], i: usize, step: usize) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for dir in [-1i64, 1] {
        let mut found = 0;
        for k in 1..=REACH {
            let j = i as i64 + dir * (k * step) as i64;
            if j < 0 || j as usize >= y.len() {
                break;
            }
            let j = j as usize;
            if stockouts[j] == 0 {
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

/// [`level`] for every censored bucket at once (NaN where none is in reach): per residue class
/// modulo `step`, one sweep with the positions of the uncensored buckets, so long stockout runs
/// cost O(n) instead of a search of up to 2·[`REACH`] steps per censored bucket. Sums in the
/// same order as [`level`] (nearest first, the earlier side first), so the results are equal
/// bit for bit.
fn levels(y: &[f64], stockouts: &[u16], step: usize) -> Vec<f64> {
    let n = y.len().min(stockouts.len());
    let mut out = vec![f64::NAN; n];
    let mut unc: Vec<usize> = Vec::new();
    for r in 0..step.min(n) {
        // Positions (in steps) of the uncensored buckets of this residue class.
        unc.clear();
        unc.extend(
            (r..n)
                .step_by(step)
                .enumerate()
                .filter(|&(_, i)| stockouts[i] == 0)
                .map(|(k, _)| k),
        );
        let mut p = 0;
        for (k, i) in (r..n).step_by(step).enumerate() {
            while p < unc.len() && unc[p] < k {
                p += 1;
            }
            if stockouts[i] == 0 {
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

/// Counts censored buckets of `y` (aligned with `stockout_days`) and, with
/// [`Censoring::Impute`], imputes them in place. Levels are computed from the observed
/// (not yet imputed) uncensored buckets.
pub fn apply(y: &mut [f64], stockout_days: &[u16], freq: Freq, mode: Censoring) -> CensorStats {
    let n = y.len().min(stockout_days.len());
    let stockouts = &stockout_days[..n];
    let mut stats = CensorStats {
        days: stockouts.iter().map(|&d| u32::from(d)).sum(),
        buckets: stockouts.iter().filter(|&&d| d > 0).count(),
        imputed_units: 0.0,
    };
    if mode == Censoring::Ignore || stats.buckets == 0 {
        return stats;
    }
    let days = freq.mean_days();
    let step = if freq == Freq::Day { 7 } else { 1 };
    // Levels read only uncensored buckets and imputation writes only censored ones, so `y`
    // can be imputed in place: every level still sees the observed values.
    let y = &mut y[..n];
    let near = levels(y, stockouts, step);
    for i in (0..n).filter(|&i| stockouts[i] > 0) {
        let found = Some(near[i]).filter(|v| !v.is_nan());
        let Some(lvl) = found.or_else(|| (step > 1).then(|| level(y, stockouts, i, 1)).flatten())
        else {
            continue;
        };
        let f = (f64::from(stockouts[i]) / days).min(1.0);
        let v = ((1.0 - f) * y[i] + f * lvl).max(y[i]);
        stats.imputed_units += v - y[i];
        y[i] = v;
    }
    stats
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
            let swept = levels(&y, &stockouts, step);
            let mut found = 0;
            for i in (0..n).filter(|&i| stockouts[i] > 0) {
                match level(&y, &stockouts, i, step) {
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
        let s = apply(&mut y, &flags, Freq::Day, Censoring::Impute);
        assert_eq!((s.days, s.buckets), (1, 1));
        assert!((y[18] - 20.0).abs() < 1e-12, "{}", y[18]);
        assert!((s.imputed_units - 18.0).abs() < 1e-12);
    }

    #[test]
    fn imputation_never_lowers_sales_and_ignore_changes_nothing() {
        let mut y = vec![5.0, 5.0, 50.0, 5.0, 5.0];
        let flags = [0, 0, 1, 0, 0];
        let mut z = y.clone();
        apply(&mut y, &flags, Freq::Week, Censoring::Impute);
        // A week with one stockout day: 6/7 of 50 + 1/7 of 5 < 50, so the sales stand.
        assert!((y[2] - 50.0).abs() < 1e-12);
        let s = apply(&mut z, &flags, Freq::Week, Censoring::Ignore);
        assert_eq!(z, vec![5.0, 5.0, 50.0, 5.0, 5.0]);
        assert_eq!((s.days, s.imputed_units), (1, 0.0));
    }

    #[test]
    fn partial_week_replaces_its_stocked_out_share() {
        // Level 70 per week; a week with 2 stockout days sold 50: 5/7 · 50 + 2/7 · 70 = 55.71.
        let mut y = vec![70.0, 70.0, 50.0, 70.0, 70.0];
        apply(&mut y, &[0, 0, 2, 0, 0], Freq::Week, Censoring::Impute);
        assert!((y[2] - (50.0 * 5.0 / 7.0 + 20.0)).abs() < 1e-12, "{}", y[2]);
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
        apply(&mut imputed, &s.stockout_days, Freq::Day, Censoring::Impute);
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
