//! Bucketing daily sales into day, week or month buckets, zero-filling gaps, and seasonal
//! periods.
//!
//! This module turns the loader's daily accumulators ([`DailySales`]) into the typed form every
//! later stage consumes: one contiguous [`DemandSeries`] per SKU and location. It does not
//! read files or judge rows.
//!
//! Conventions:
//! - A series starts at the bucket holding the SKU's first sale (the first day with positive net
//!   sales) or the configured history start, whichever is later, and ends with the bucket
//!   holding the last history day, the day before the planning date. Days with no row are 0.
//! - Weeks are ISO weeks (Monday to Sunday); months are calendar months. A bucket is labelled by
//!   its first day. The first and last buckets may be partial: [`DemandSeries::first_bucket_days`]
//!   and [`DemandSeries::last_bucket_days`] say how many of their days are inside the history.
//! - Bucketing conserves demand: the sum of a series equals the sum of its daily sales inside
//!   the window, to the last unit (a property test checks this).

use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::io::{
    parse::{date_of, day_of, Day},
    sales::{DailySales, PROMO, SCREENED, STOCKOUT},
};

/// Daily flag bits that make a day censored: out of stock, or excluded by screening (its
/// demand is unknown; see [`crate::screen`]). Both are counted in
/// [`DemandSeries::stockout_days`], so censored-demand imputation fills them from their
/// neighbours.
const CENSORED: u8 = STOCKOUT | SCREENED;

/// Bucket size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Freq {
    /// One bucket per day.
    #[default]
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
}

impl Freq {
    /// The default seasonal period: 7 buckets for daily data (weekly pattern), 52 for weekly
    /// and 12 for monthly data (yearly pattern).
    pub fn season_length(self) -> usize {
        match self {
            Freq::Day => 7,
            Freq::Week => 52,
            Freq::Month => 12,
        }
    }

    /// The average length of a bucket in days: 1, 7, or 365.25 / 12 for months. Used to
    /// convert per-bucket quantities (errors, cover in periods, stockout shares) to days.
    pub fn mean_days(self) -> f64 {
        match self {
            Freq::Day => 1.0,
            Freq::Week => 7.0,
            Freq::Month => 365.25 / 12.0,
        }
    }

    /// The first day of the bucket that holds `date`.
    ///
    /// # Example
    /// ```
    /// use chrono::NaiveDate;
    /// use replenish::calendar::Freq;
    ///
    /// let wed = NaiveDate::from_ymd_opt(2024, 1, 3).unwrap();
    /// assert_eq!(Freq::Week.bucket_start(wed), NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
    /// assert_eq!(Freq::Month.bucket_start(wed).to_string(), "2024-01-01");
    /// ```
    pub fn bucket_start(self, date: NaiveDate) -> NaiveDate {
        match self {
            Freq::Day => date,
            Freq::Week => {
                date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday()))
            }
            Freq::Month => date.with_day(1).expect("day 1 exists in every month"),
        }
    }

    /// The first day of the bucket after the one starting at `start`.
    pub fn next_bucket(self, start: NaiveDate) -> NaiveDate {
        match self {
            Freq::Day => start + chrono::Days::new(1),
            Freq::Week => start + chrono::Days::new(7),
            Freq::Month => start + Months::new(1),
        }
    }

    /// The first day of the bucket `k` buckets after the one starting at `start` (`k` = 0 is
    /// `start`): one date addition, where stepping with [`Freq::next_bucket`] takes `k`.
    pub fn nth_bucket(self, start: NaiveDate, k: u32) -> NaiveDate {
        match self {
            Freq::Day => start + chrono::Days::new(u64::from(k)),
            Freq::Week => start + chrono::Days::new(7 * u64::from(k)),
            // Month buckets start on day 1, which every month has.
            Freq::Month => start + Months::new(k),
        }
    }

    /// Name as used in the config and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Freq::Day => "day",
            Freq::Week => "week",
            Freq::Month => "month",
        }
    }
}

impl FromStr for Freq {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "day" | "daily" | "d" => Ok(Freq::Day),
            "week" | "weekly" | "w" => Ok(Freq::Week),
            "month" | "monthly" | "m" => Ok(Freq::Month),
            other => Err(format!(
                "unknown bucket size '{other}'; expected day, week or month"
            )),
        }
    }
}

impl std::fmt::Display for Freq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Demand of one SKU at one location: contiguous buckets from `start`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemandSeries {
    /// SKU.
    pub sku: String,
    /// Location, when the sales file has one.
    pub location: Option<String>,
    /// Bucket size.
    pub freq: Freq,
    /// First day of the first bucket.
    pub start: NaiveDate,
    /// Net units per bucket (sales minus returns; may be negative when returns exceed sales).
    pub values: Vec<f64>,
    /// Days in each bucket on which a promotion was active.
    pub promo_days: Vec<u16>,
    /// Days in each bucket on which the item was out of stock (demand censored), or whose
    /// sales screening excluded (demand unknown; the day's quantity is 0).
    pub stockout_days: Vec<u16>,
    /// First day with positive net sales.
    pub first_sale: NaiveDate,
    /// Days of the first bucket inside the history (the rest precede the first sale).
    pub first_bucket_days: u16,
    /// Days of the last bucket inside the history (the rest are on or after the planning date).
    pub last_bucket_days: u16,
    /// Sum of quantity × price over the SKU's rows with a price.
    pub revenue: f64,
}

impl DemandSeries {
    /// Number of buckets.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the series has no buckets.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Total net units.
    pub fn total(&self) -> f64 {
        self.values.iter().sum()
    }

    /// Whether bucket `i` had a promotion on any day.
    pub fn is_promo(&self, i: usize) -> bool {
        self.promo_days[i] > 0
    }

    /// Whether bucket `i` had a stockout on any day.
    pub fn is_stockout(&self, i: usize) -> bool {
        self.stockout_days[i] > 0
    }
}

/// A daily series starting 2024-01-01 with no flags, for unit tests of later stages.
#[cfg(test)]
pub(crate) fn test_series(sku: &str, values: Vec<f64>) -> DemandSeries {
    let n = values.len();
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date");
    DemandSeries {
        sku: sku.into(),
        location: None,
        freq: Freq::Day,
        start,
        values,
        promo_days: vec![0; n],
        stockout_days: vec![0; n],
        first_sale: start,
        first_bucket_days: 1,
        last_bucket_days: 1,
        revenue: 0.0,
    }
}

/// The history window used for bucketing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Bucket size.
    pub freq: Freq,
    /// The planning date; history ends the day before.
    pub planning_date: NaiveDate,
    /// Earliest day used, if set.
    pub history_start: Option<NaiveDate>,
}

/// Buckets one SKU's daily sales. `None` when the SKU has no positive sale inside the window
/// (nothing to forecast from).
///
/// # Example
/// ```
/// use chrono::NaiveDate;
/// use replenish::calendar::{bucket, Freq, Window};
/// use replenish::io::{parse::day_of, sales::DailySales};
///
/// let monday = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let daily = DailySales {
///     sku: "A".into(),
///     location: None,
///     first_day: day_of(monday),
///     qty: vec![1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 5.0],
///     flags: vec![0; 8],
///     revenue: 0.0,
/// };
/// let window = Window {
///     freq: Freq::Week,
///     planning_date: NaiveDate::from_ymd_opt(2024, 1, 10).unwrap(),
///     history_start: None,
/// };
/// let s = bucket(&daily, &window).unwrap();
/// assert_eq!(s.values, vec![3.0, 5.0]);
/// assert_eq!(s.last_bucket_days, 2); // Monday 8th and Tuesday 9th are history
/// ```
pub fn bucket(daily: &DailySales, window: &Window) -> Option<DemandSeries> {
    let last = day_of(window.planning_date) - 1;
    let hist_start = window.history_start.map_or(Day::MIN, day_of);
    let from_idx = daily
        .qty
        .iter()
        .enumerate()
        .position(|(i, &q)| q > 0.0 && daily.first_day + i as Day >= hist_start)?;
    let from = daily.first_day + from_idx as Day;
    if from > last {
        return None;
    }
    let freq = window.freq;
    let start = freq.bucket_start(date_of(from));
    // Bucket boundaries as day numbers: bounds[k]..bounds[k+1] is bucket k.
    let mut bounds = vec![day_of(start)];
    let mut b = start;
    while day_of(b) <= last {
        b = freq.next_bucket(b);
        bounds.push(day_of(b));
    }
    let n = bounds.len() - 1;
    let mut values = vec![0.0; n];
    let mut promo_days = vec![0u16; n];
    let mut stockout_days = vec![0u16; n];
    let hi = last.min(daily.last_day());
    if freq == Freq::Day {
        // One day per bucket: copy the slice.
        let lo = (from - daily.first_day) as usize;
        let up = (hi - daily.first_day) as usize;
        values[..=up - lo].copy_from_slice(&daily.qty[lo..=up]);
        for (i, &f) in daily.flags[lo..=up].iter().enumerate() {
            promo_days[i] = u16::from(f & PROMO != 0);
            stockout_days[i] = u16::from(f & CENSORED != 0);
        }
    } else {
        let mut k = 0;
        for day in from..=hi {
            while day >= bounds[k + 1] {
                k += 1;
            }
            let i = (day - daily.first_day) as usize;
            values[k] += daily.qty[i];
            let f = daily.flags[i];
            promo_days[k] += u16::from(f & PROMO != 0);
            stockout_days[k] += u16::from(f & CENSORED != 0);
        }
    }
    Some(DemandSeries {
        sku: daily.sku.clone(),
        location: daily.location.clone(),
        freq,
        start,
        values,
        promo_days,
        stockout_days,
        first_sale: date_of(from),
        first_bucket_days: (bounds[1].min(last + 1) - from) as u16,
        last_bucket_days: (last + 1 - bounds[n - 1]) as u16,
        revenue: daily.revenue,
    })
}

/// What bucketing the whole catalogue set aside.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BucketStats {
    /// Series produced.
    pub series: usize,
    /// Buckets over all series.
    pub buckets: u64,
    /// SKU/location series with no positive sale inside the window (no series produced).
    pub without_sales: Vec<String>,
    /// Net units outside the window (before the history start or before the first sale).
    pub units_outside_window: f64,
}

/// Buckets every series in parallel; output order follows input order (sku, location).
pub fn bucket_all(daily: &[DailySales], window: &Window) -> (Vec<DemandSeries>, BucketStats) {
    let out: Vec<Option<DemandSeries>> = daily.par_iter().map(|d| bucket(d, window)).collect();
    let mut stats = BucketStats::default();
    let mut series = Vec::with_capacity(out.len());
    for (d, s) in daily.iter().zip(out) {
        let total: f64 = d.qty.iter().sum();
        match s {
            Some(s) => {
                stats.units_outside_window += total - s.total();
                stats.buckets += s.len() as u64;
                series.push(s);
            }
            None => {
                stats.units_outside_window += total;
                stats.without_sales.push(match &d.location {
                    Some(l) => format!("{}@{l}", d.sku),
                    None => d.sku.clone(),
                });
            }
        }
    }
    stats.series = series.len();
    (series, stats)
}

/// The planning date when none is set, from the loaded sales: the day after the latest date,
/// or the next bucket start after it when the sales are pre-aggregated — the bucket is a week
/// or a month and every dated day of the sales file (every day with a row that has a quantity
/// or a flag, and the first and last day of each series) is a bucket start (a Monday for
/// weeks, the 1st for months), so that each row is the total of a whole bucket and the last
/// bucket counts. A last bucket still running on `today` (the run date: its next bucket start
/// is after `today`) is not complete: the day after the latest date again. `None` without
/// sales.
///
/// # Example
/// ```
/// use chrono::NaiveDate;
/// use replenish::calendar::{default_planning_date, Freq};
/// use replenish::io::{parse::day_of, sales::DailySales};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
/// // Two monthly totals, dated 2025-11-01 and 2025-12-01.
/// let daily = DailySales {
///     sku: "A".into(),
///     location: None,
///     first_day: day_of(d(2025, 11, 1)),
///     qty: [vec![10.0], vec![0.0; 29], vec![12.0]].concat(),
///     flags: vec![0; 31],
///     revenue: 0.0,
/// };
/// let today = d(2026, 3, 1);
/// let plan = default_planning_date(&[daily.clone()], Freq::Month, today);
/// assert_eq!(plan, Some(d(2026, 1, 1))); // December counts
/// let plan = default_planning_date(&[daily], Freq::Day, today);
/// assert_eq!(plan, Some(d(2025, 12, 2))); // daily buckets: the day after
/// ```
pub fn default_planning_date(
    daily: &[DailySales],
    freq: Freq,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let last = date_of(daily.iter().map(DailySales::last_day).max()?);
    let day_after = last + chrono::Days::new(1);
    if freq == Freq::Day || !daily.iter().all(|d| dated_on_bucket_starts(d, freq)) {
        return Some(day_after);
    }
    let next = freq.next_bucket(last);
    Some(if next <= today { next } else { day_after })
}

/// Whether every dated day of `daily` (the first and the last day, and each day with a
/// quantity or a flag) is the first day of its `freq` bucket.
fn dated_on_bucket_starts(daily: &DailySales, freq: Freq) -> bool {
    let on_start = |day: Day| {
        let date = date_of(day);
        freq.bucket_start(date) == date
    };
    on_start(daily.first_day)
        && on_start(daily.last_day())
        && daily
            .qty
            .iter()
            .zip(&daily.flags)
            .enumerate()
            .all(|(i, (&q, &f))| (q == 0.0 && f == 0) || on_start(daily.first_day + i as Day))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn daily(first: NaiveDate, qty: Vec<f64>) -> DailySales {
        let n = qty.len();
        DailySales {
            sku: "A".into(),
            location: None,
            first_day: day_of(first),
            qty,
            flags: vec![0; n],
            revenue: 0.0,
        }
    }

    fn window(freq: Freq, plan: NaiveDate) -> Window {
        Window {
            freq,
            planning_date: plan,
            history_start: None,
        }
    }

    /// The daily accumulator of rows `(date, quantity, flags)`, as the loader builds it.
    fn rows(rows: &[(NaiveDate, f64, u8)]) -> DailySales {
        let first = rows.iter().map(|r| day_of(r.0)).min().unwrap();
        let last = rows.iter().map(|r| day_of(r.0)).max().unwrap();
        let mut d = daily(date_of(first), vec![0.0; (last - first + 1) as usize]);
        for &(date, q, f) in rows {
            let i = (day_of(date) - first) as usize;
            d.qty[i] += q;
            d.flags[i] |= f;
        }
        d
    }

    /// Long after every date of these tests.
    const TODAY: fn() -> NaiveDate = || ymd(2030, 1, 1);

    #[test]
    fn monthly_totals_dated_on_the_1st_plan_from_the_next_month() {
        let months: Vec<_> = (1..=12).map(|m| (ymd(2025, m, 1), 100.0, 0)).collect();
        let a = rows(&months);
        let b = rows(&[(ymd(2025, 3, 1), 5.0, 0), (ymd(2025, 11, 1), 0.0, PROMO)]);
        let plan = default_planning_date(&[a.clone(), b], Freq::Month, TODAY());
        assert_eq!(plan, Some(ymd(2026, 1, 1)));
        // With the next month as the planning date, December is a whole bucket of history.
        let s = bucket(&a, &window(Freq::Month, plan.unwrap())).unwrap();
        assert_eq!(s.values, vec![100.0; 12]);
        assert_eq!(s.last_bucket_days, 31);
    }

    #[test]
    fn a_date_off_the_bucket_start_keeps_the_day_after_the_latest_sale() {
        let mut months: Vec<_> = (1..=12).map(|m| (ymd(2025, m, 1), 100.0, 0)).collect();
        months.push((ymd(2025, 6, 15), 3.0, 0));
        let plan = default_planning_date(&[rows(&months)], Freq::Month, TODAY());
        assert_eq!(plan, Some(ymd(2025, 12, 2)));
        // A flag on a mid-month day is a dated row too.
        let flagged = rows(&[(ymd(2025, 1, 1), 1.0, 0), (ymd(2025, 1, 9), 0.0, STOCKOUT)]);
        let plan = default_planning_date(&[flagged], Freq::Month, TODAY());
        assert_eq!(plan, Some(ymd(2025, 1, 10)));
        // Daily buckets: always the day after.
        let plan =
            default_planning_date(&[rows(&[(ymd(2025, 12, 1), 1.0, 0)])], Freq::Day, TODAY());
        assert_eq!(plan, Some(ymd(2025, 12, 2)));
        assert_eq!(default_planning_date(&[], Freq::Month, TODAY()), None);
    }

    #[test]
    fn weekly_totals_dated_on_mondays_plan_from_the_next_monday() {
        // 2025-12-01 is a Monday; weeks are ISO weeks.
        let weeks: Vec<_> = (0..8)
            .map(|k| (ymd(2025, 12, 1) - chrono::Days::new(7 * k), 10.0, 0))
            .collect();
        let plan = default_planning_date(&[rows(&weeks)], Freq::Week, TODAY());
        assert_eq!(plan, Some(ymd(2025, 12, 8)));
        // Dated on Sundays (week ending): not bucket starts, the day after the latest.
        let sundays: Vec<_> = weeks
            .iter()
            .map(|w| (w.0 - chrono::Days::new(1), w.1, 0))
            .collect();
        let plan = default_planning_date(&[rows(&sundays)], Freq::Week, TODAY());
        assert_eq!(plan, Some(ymd(2025, 12, 1)));
        // Monthly totals on the 1st in weekly buckets: not all Mondays.
        let months: Vec<_> = (1..=12).map(|m| (ymd(2025, m, 1), 1.0, 0)).collect();
        let plan = default_planning_date(&[rows(&months)], Freq::Week, TODAY());
        assert_eq!(plan, Some(ymd(2025, 12, 2)));
    }

    #[test]
    fn a_bucket_still_running_on_the_run_date_is_not_complete() {
        let months = [(ymd(2025, 11, 1), 100.0, 0), (ymd(2025, 12, 1), 30.0, 0)];
        let a = rows(&months);
        // Run on 2025-12-10: December is month-to-date.
        let plan = default_planning_date(std::slice::from_ref(&a), Freq::Month, ymd(2025, 12, 10));
        assert_eq!(plan, Some(ymd(2025, 12, 2)));
        // Run on 2026-01-01: December is over.
        let plan = default_planning_date(&[a], Freq::Month, ymd(2026, 1, 1));
        assert_eq!(plan, Some(ymd(2026, 1, 1)));
    }

    #[test]
    fn iso_weeks_start_on_monday() {
        // 2024-01-03 is a Wednesday.
        assert_eq!(Freq::Week.bucket_start(ymd(2024, 1, 3)), ymd(2024, 1, 1));
        assert_eq!(Freq::Week.bucket_start(ymd(2024, 1, 7)), ymd(2024, 1, 1));
        assert_eq!(Freq::Month.bucket_start(ymd(2024, 2, 29)), ymd(2024, 2, 1));
        assert_eq!(Freq::Month.next_bucket(ymd(2024, 1, 1)), ymd(2024, 2, 1));
        // nth_bucket equals stepping k times, across month ends and a leap day.
        for freq in [Freq::Day, Freq::Week, Freq::Month] {
            let start = freq.bucket_start(ymd(2023, 12, 27));
            let mut stepped = start;
            for k in 0..400 {
                assert_eq!(freq.nth_bucket(start, k), stepped, "{freq:?} k={k}");
                stepped = freq.next_bucket(stepped);
            }
        }
    }

    #[test]
    fn weekly_buckets_zero_fill_to_planning_date() {
        // Sales Wed 2024-01-03 (2 units) and Tue 2024-01-09 (3 units); planning date Mon 01-22.
        let mut q = vec![0.0; 7];
        q[0] = 2.0;
        q[6] = 3.0;
        let s = bucket(
            &daily(ymd(2024, 1, 3), q),
            &window(Freq::Week, ymd(2024, 1, 22)),
        )
        .unwrap();
        assert_eq!(s.start, ymd(2024, 1, 1));
        assert_eq!(s.values, vec![2.0, 3.0, 0.0]);
        assert_eq!(s.first_bucket_days, 5);
        assert_eq!(s.last_bucket_days, 7);
    }

    #[test]
    fn partial_last_month_is_reported() {
        let s = bucket(
            &daily(ymd(2024, 1, 15), vec![1.0; 30]),
            &window(Freq::Month, ymd(2024, 2, 11)),
        )
        .unwrap();
        assert_eq!(s.values, vec![17.0, 10.0]);
        assert_eq!(s.last_bucket_days, 10);
    }

    #[test]
    fn series_starts_at_first_positive_sale() {
        let s = bucket(
            &daily(ymd(2024, 1, 1), vec![0.0, -1.0, 0.0, 4.0]),
            &window(Freq::Day, ymd(2024, 1, 6)),
        )
        .unwrap();
        assert_eq!(s.first_sale, ymd(2024, 1, 4));
        assert_eq!(s.values, vec![4.0, 0.0]);
    }

    #[test]
    fn flags_count_days_per_bucket() {
        let mut d = daily(ymd(2024, 1, 1), vec![1.0; 14]);
        d.flags[2] = PROMO;
        d.flags[3] = PROMO | STOCKOUT;
        d.flags[10] = STOCKOUT;
        let s = bucket(&d, &window(Freq::Week, ymd(2024, 1, 15))).unwrap();
        assert_eq!(s.promo_days, vec![2, 0]);
        assert_eq!(s.stockout_days, vec![1, 1]);
        assert!(s.is_promo(0) && !s.is_promo(1));
    }

    #[test]
    fn screened_days_count_as_censored() {
        // A screened day (quantity zeroed by screening) is censored like a stockout day.
        let mut d = daily(ymd(2024, 1, 1), vec![1.0; 14]);
        d.qty[9] = 0.0;
        d.flags[9] = SCREENED;
        d.flags[2] = STOCKOUT | SCREENED;
        let s = bucket(&d, &window(Freq::Week, ymd(2024, 1, 15))).unwrap();
        assert_eq!(s.stockout_days, vec![1, 1]);
        assert_eq!(s.values, vec![7.0, 6.0]);
    }

    proptest! {
        /// Bucketing conserves demand: bucketed total + units outside the window equals the
        /// daily total, exactly (integer units), for every bucket size and window.
        #[test]
        fn bucketing_conserves_demand(
            start_offset in 0i32..400,
            qty in proptest::collection::vec(-3i32..20, 1..400),
            hist_offset in proptest::option::of(0i32..300),
            freq in prop_oneof![Just(Freq::Day), Just(Freq::Week), Just(Freq::Month)],
            tail in 1i32..60,
        ) {
            let first = ymd(2023, 1, 1) + chrono::Days::new(start_offset as u64);
            let qty: Vec<f64> = qty.into_iter().map(f64::from).collect();
            let d = daily(first, qty.clone());
            let plan = date_of(d.last_day() + tail);
            let w = Window {
                freq,
                planning_date: plan,
                history_start: hist_offset.map(|h| first + chrono::Days::new(h as u64)),
            };
            let (series, stats) = bucket_all(std::slice::from_ref(&d), &w);
            let daily_total: f64 = qty.iter().sum();
            let bucketed: f64 = series.iter().map(DemandSeries::total).sum();
            prop_assert!((bucketed + stats.units_outside_window - daily_total).abs() < 1e-9);
            // Units outside the window are exactly the days before the series' first sale.
            if let Some(s) = series.first() {
                let before: f64 = qty[..(day_of(s.first_sale) - d.first_day) as usize].iter().sum();
                prop_assert!((stats.units_outside_window - before).abs() < 1e-9);
                prop_assert!(s.values.len() == s.promo_days.len() && s.values.len() == s.stockout_days.len());
                prop_assert!(s.last_bucket_days >= 1);
            }
        }
    }
}
