//! Adjusting a fitted forecast for what the history cannot show: known future events (a
//! planned promotion, a peak season) and the planner's multipliers.
//!
//! # Conventions
//! - A [`Window`] multiplies demand on the days `from..=to` (either end open) by `factor`.
//!   A bucket partly inside the window is scaled by 1 + (factor − 1) × (days inside / days of
//!   the bucket), so weekly and monthly buckets take their share. Overlapping windows multiply.
//! - The point forecast and every quantile are scaled by the bucket's factor (the forecast
//!   error is taken as proportional to the level); the backtest errors that feed the safety
//!   stock are left as they are.
//! - An event with `promo = 1` and no uplift takes the SKU's learned promotion lift
//!   ([`promo_lift`]): mean demand in buckets with a promotion day / mean demand in buckets
//!   without, from the history, when at least [`MIN_PROMO_BUCKETS`] of each exist; else the
//!   mean lift of the SKU's category; else no lift, and the forecast's notes say so.

use chrono::NaiveDate;

use super::select::SkuForecast;
use crate::calendar::DemandSeries;

/// Fewest promotion buckets (and non-promotion buckets) to learn a lift from.
pub const MIN_PROMO_BUCKETS: usize = 3;

/// A multiplicative adjustment over a date range.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// First day, inclusive (`None` = open).
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (`None` = open).
    pub to: Option<NaiveDate>,
    /// Demand multiplier (1.3 = +30%).
    pub factor: f64,
    /// What it is, for the outputs (`event "Summer sale"`, `override line 4`).
    pub label: String,
}

impl Window {
    fn describe(&self) -> String {
        let range = match (self.from, self.to) {
            (Some(a), Some(b)) => format!("{a}..{b}"),
            (Some(a), None) => format!("from {a}"),
            (None, Some(b)) => format!("until {b}"),
            (None, None) => "whole horizon".into(),
        };
        format!("{} x{:.3} {range}", self.label, self.factor)
    }
}

/// Applies `windows` to `fc` in place; each window that touches the forecast adds a line to
/// `fc.adjustments`. Returns whether anything changed.
pub fn apply(fc: &mut SkuForecast, windows: &[Window]) -> bool {
    let mut changed = false;
    for w in windows {
        let mut start = fc.start;
        let mut touched = false;
        for b in 0..fc.point.len() {
            let next = fc.freq.next_bucket(start);
            let len = (next - start).num_days().max(1);
            let lo = w.from.map_or(start, |f| f.max(start));
            let hi = w.to.map_or(next, |t| (t + chrono::Days::new(1)).min(next));
            let inside = (hi - lo).num_days().clamp(0, len);
            if inside > 0 {
                let m = 1.0 + (w.factor - 1.0) * inside as f64 / len as f64;
                fc.point[b] *= m;
                for q in &mut fc.quantiles {
                    q[b] *= m;
                }
                touched = true;
            }
            start = next;
        }
        if touched {
            fc.adjustments.push(w.describe());
            changed = true;
        }
    }
    changed
}

/// The SKU's promotion lift from its history (see the module docs), `None` when it cannot be
/// learned.
pub fn promo_lift(s: &DemandSeries) -> Option<f64> {
    let (mut promo, mut plain) = ((0.0, 0usize), (0.0, 0usize));
    for (i, &v) in s.values.iter().enumerate() {
        if s.is_stockout(i) {
            continue;
        }
        let acc = if s.is_promo(i) {
            &mut promo
        } else {
            &mut plain
        };
        acc.0 += v.max(0.0);
        acc.1 += 1;
    }
    if promo.1 < MIN_PROMO_BUCKETS || plain.1 < MIN_PROMO_BUCKETS || plain.0 <= 0.0 {
        return None;
    }
    Some((promo.0 / promo.1 as f64) / (plain.0 / plain.1 as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        calendar::{test_series, Freq},
        forecast::select::{forecast_series, ForecastSettings},
    };

    fn flat(freq: Freq) -> SkuForecast {
        let mut f = forecast_series(
            &test_series("A", vec![10.0; 60]),
            &ForecastSettings::for_freq(Freq::Day),
        );
        f.freq = freq;
        f.start = "2026-01-05".parse().unwrap(); // a Monday
        f.point = vec![10.0; 4];
        f.quantiles = vec![vec![8.0; 4], vec![10.0; 4], vec![12.0; 4]];
        f
    }

    fn day(s: &str) -> Option<NaiveDate> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn a_daily_window_scales_exactly_its_days() {
        let mut f = flat(Freq::Day);
        let w = Window {
            from: day("2026-01-06"),
            to: day("2026-01-07"),
            factor: 1.3,
            label: "event".into(),
        };
        assert!(apply(&mut f, &[w]));
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
        assert!(close(&f.point, &[10.0, 13.0, 13.0, 10.0]), "{:?}", f.point);
        assert!(
            close(&f.quantiles[2], &[12.0, 15.6, 15.6, 12.0]),
            "{:?}",
            f.quantiles
        );
        assert_eq!(f.adjustments.len(), 1);
    }

    #[test]
    fn a_weekly_bucket_takes_its_share_and_windows_multiply() {
        let mut f = flat(Freq::Week);
        // Two of seven days of the first week at +70%: factor 1 + 0.7 × 2/7 = 1.2.
        let a = Window {
            from: day("2026-01-10"),
            to: day("2026-01-11"),
            factor: 1.7,
            label: "a".into(),
        };
        let b = Window {
            from: None,
            to: None,
            factor: 0.5,
            label: "b".into(),
        };
        apply(&mut f, &[a, b]);
        assert!(
            (f.point[0] - 10.0 * 1.2 * 0.5).abs() < 1e-12,
            "{:?}",
            f.point
        );
        assert!((f.point[1] - 5.0).abs() < 1e-12);
    }

    #[test]
    fn a_window_outside_the_horizon_changes_nothing() {
        let mut f = flat(Freq::Day);
        let w = Window {
            from: day("2027-01-01"),
            to: day("2027-01-31"),
            factor: 2.0,
            label: "later".into(),
        };
        assert!(!apply(&mut f, &[w]));
        assert_eq!(f.point, vec![10.0; 4]);
        assert!(f.adjustments.is_empty());
    }

    #[test]
    fn promo_lift_is_learned_from_promotion_buckets() {
        let mut s = test_series(
            "A",
            (0..40)
                .map(|t| if t % 10 < 2 { 30.0 } else { 10.0 })
                .collect(),
        );
        for t in 0..40 {
            if t % 10 < 2 {
                s.promo_days[t] = 1;
            }
        }
        assert!((promo_lift(&s).unwrap() - 3.0).abs() < 1e-12);
        assert_eq!(promo_lift(&test_series("B", vec![5.0; 40])), None);
    }
}
