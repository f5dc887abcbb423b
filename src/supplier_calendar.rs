//! A supplier's calendar: the weekdays it takes orders on and the periods it is closed, and
//! what they do to order-by dates, expected arrivals and the period a policy protects.
//!
//! Conventions (one place; docs/planning.md "Supplier calendars" says the same):
//! - An **order day** is a date whose weekday is one of `order_days` (every weekday when the
//!   list is empty) and which lies in no closure. Closures are inclusive date ranges.
//! - **Order-by**: a date that is not an order day moves to the last order day on or before
//!   it ([`SupplierCalendar::order_by`]); when that is before the planning date (the order is
//!   due now but the supplier takes none today), it is the first order day on or after the
//!   planning date, and the order goes out late by the days in between.
//! - **Arrival**: an order placed on day t with a lead time of L days arrives on t + L, later
//!   by every closed day between t and its arrival: the supplier neither makes nor ships while
//!   closed ([`SupplierCalendar::arrival`]).
//! - **Protection**: orders go out only on order days, so a continuous-review policy is
//!   in effect reviewed every [`SupplierCalendar::review_days`] days (the longest gap between
//!   consecutive order weekdays); the plan designs it as the periodic family with that review
//!   period, and adds the closed days that fall within the next order's lead time to that
//!   lead time ([`SupplierCalendar::closed_days_within`]).

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// A closure: the supplier takes no orders and ships nothing from `from` to `to`, both
/// included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    /// First closed day.
    pub from: NaiveDate,
    /// Last closed day.
    pub to: NaiveDate,
}

/// Order weekdays and closures of one supplier.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SupplierCalendar {
    /// Weekdays orders are taken on (Monday = 0); all seven when empty.
    weekdays: [bool; 7],
    /// Closures, in any order.
    closures: Vec<Closure>,
}

/// How far the calendar searches for an order day before giving up (a supplier closed for
/// longer has no order day: dates stay as they are).
const SEARCH_DAYS: i64 = 400;

/// Parses a weekday name: `Mon`, `monday`, `MON` …
///
/// # Errors
/// A message naming the value and the accepted names.
pub fn parse_weekday(s: &str) -> Result<Weekday, String> {
    s.trim()
        .parse::<Weekday>()
        .map_err(|_| format!("{s:?} is not a weekday; write Mon, Tue, Wed, Thu, Fri, Sat or Sun"))
}

impl SupplierCalendar {
    /// A calendar taking orders on `order_days` (every day when empty), closed on `closures`.
    pub fn new(order_days: &[Weekday], closures: &[Closure]) -> Self {
        let mut weekdays = [order_days.is_empty(); 7];
        for d in order_days {
            weekdays[d.num_days_from_monday() as usize] = true;
        }
        // Sorted and merged where they overlap or touch, so that closed days are counted once.
        let mut sorted = closures.to_vec();
        sorted.sort_by_key(|c| c.from);
        let mut merged: Vec<Closure> = Vec::with_capacity(sorted.len());
        for c in sorted {
            match merged.last_mut() {
                Some(last) if c.from <= last.to + Duration::days(1) => last.to = last.to.max(c.to),
                _ => merged.push(c),
            }
        }
        Self {
            weekdays,
            closures: merged,
        }
    }

    /// Whether the supplier is closed on `date`.
    pub fn is_closed(&self, date: NaiveDate) -> bool {
        self.closures.iter().any(|c| c.from <= date && date <= c.to)
    }

    /// Whether `date` is an order day: an order weekday, not closed.
    pub fn is_order_day(&self, date: NaiveDate) -> bool {
        self.weekdays[date.weekday().num_days_from_monday() as usize] && !self.is_closed(date)
    }

    /// The last order day on or before `date`, if one within [`SEARCH_DAYS`].
    pub fn last_order_day(&self, date: NaiveDate) -> Option<NaiveDate> {
        (0..SEARCH_DAYS)
            .map(|k| date - Duration::days(k))
            .find(|&d| self.is_order_day(d))
    }

    /// The first order day on or after `date`, if one within [`SEARCH_DAYS`].
    pub fn next_order_day(&self, date: NaiveDate) -> Option<NaiveDate> {
        (0..SEARCH_DAYS)
            .map(|k| date + Duration::days(k))
            .find(|&d| self.is_order_day(d))
    }

    /// The order-by date for a due date `due` seen on `planning`: `due` when it is an order
    /// day, else the last order day before it, or — when that is before `planning` — the
    /// first order day from `planning` on. `None` when the supplier has no order day within
    /// [`SEARCH_DAYS`] (the caller keeps `due`).
    pub fn order_by(&self, due: NaiveDate, planning: NaiveDate) -> Option<NaiveDate> {
        match self.last_order_day(due) {
            Some(d) if d >= planning => Some(d),
            _ => self.next_order_day(planning),
        }
    }

    /// Closed days from `start` to `end`, both included. The closures are disjoint (merged
    /// by [`Self::new`]), so the overlaps add up; no day is listed, so a closure of years
    /// costs no more than one of days.
    pub fn closed_days_within(&self, start: NaiveDate, end: NaiveDate) -> i64 {
        self.closures
            .iter()
            .map(|c| {
                let (a, b) = (c.from.max(start), c.to.min(end));
                if b < a {
                    0
                } else {
                    (b - a).num_days() + 1
                }
            })
            .sum()
    }

    /// Arrival of an order placed on `order` with a lead time of `lead_days` whole days: the
    /// open days are counted, closed days push the arrival back.
    pub fn arrival(&self, order: NaiveDate, lead_days: i64) -> NaiveDate {
        // Walk the (sorted, disjoint) closures, spending the lead time on the open days
        // between them: [order, arrival) holds `lead_days` open days.
        let (mut cursor, mut remaining) = (order, lead_days.max(0));
        for c in self.closures.iter().filter(|c| c.to >= order) {
            let open = (c.from - cursor).num_days().max(0);
            if remaining <= open {
                return cursor + Duration::days(remaining);
            }
            remaining -= open;
            cursor = cursor.max(c.to + Duration::days(1));
        }
        cursor + Duration::days(remaining)
    }

    /// The longest gap in days between consecutive order weekdays (7 for one order day a
    /// week, 1 when every day is one): the review period orders on this calendar imply.
    pub fn review_days(&self) -> u32 {
        let days: Vec<u32> = (0..7u32).filter(|&d| self.weekdays[d as usize]).collect();
        match days.len() {
            0 => 7,
            1 => 7,
            n => (0..n)
                .map(|i| {
                    let next = if i + 1 < n { days[i + 1] } else { days[0] + 7 };
                    next - days[i]
                })
                .max()
                .unwrap_or(1),
        }
    }

    /// Whether the calendar restricts anything (some weekday off, or a closure).
    pub fn restricts(&self) -> bool {
        self.weekdays.iter().any(|d| !d) || !self.closures.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn mondays_with_new_year() -> SupplierCalendar {
        SupplierCalendar::new(
            &[Weekday::Mon],
            &[Closure {
                from: d("2026-12-24"),
                to: d("2027-01-06"),
            }],
        )
    }

    #[test]
    fn an_order_by_date_on_a_closed_day_moves_to_the_last_open_order_day_before_it() {
        let c = mondays_with_new_year();
        // 2026-12-30 (Wed) lies in the shutdown: the last order day before is Mon 2026-12-21.
        assert_eq!(
            c.order_by(d("2026-12-30"), d("2026-12-01")),
            Some(d("2026-12-21"))
        );
        // Mon 2026-12-28 is an order weekday but closed: also back to 2026-12-21.
        assert_eq!(
            c.order_by(d("2026-12-28"), d("2026-12-01")),
            Some(d("2026-12-21"))
        );
        // A Thursday outside the shutdown: back to that week's Monday.
        assert_eq!(
            c.order_by(d("2026-12-10"), d("2026-12-01")),
            Some(d("2026-12-07"))
        );
        // An order day stays.
        assert_eq!(
            c.order_by(d("2026-12-14"), d("2026-12-01")),
            Some(d("2026-12-14"))
        );
        // Due today (Wed 2026-12-02) but the supplier takes orders on Mondays: the next one.
        assert_eq!(
            c.order_by(d("2026-12-02"), d("2026-12-02")),
            Some(d("2026-12-07"))
        );
        // Due now within the shutdown: the first Monday after it.
        assert_eq!(
            c.order_by(d("2026-12-26"), d("2026-12-26")),
            Some(d("2027-01-11"))
        );
    }

    #[test]
    fn closed_days_push_arrivals_back() {
        let c = mondays_with_new_year();
        // Ordered Mon 2026-12-14 with 14 days: 2026-12-28, but 4 closed days (24–27 Dec) lie
        // before it, then the pushed window reaches into more closed days: the arrival is
        // the 14th open day after the order: 14 days − 10 open before the closure → 4 more
        // open days after 2027-01-06 → 2027-01-11.
        assert_eq!(c.arrival(d("2026-12-14"), 14), d("2027-01-11"));
        // No closure in the way: plain addition.
        assert_eq!(c.arrival(d("2026-11-02"), 14), d("2026-11-16"));
        assert_eq!(c.closed_days_within(d("2026-12-20"), d("2027-01-10")), 14);
        // Overlapping closures count each day once; a closure of years is counted, not listed.
        let long = SupplierCalendar::new(
            &[],
            &[
                Closure {
                    from: d("2026-12-24"),
                    to: d("2027-01-06"),
                },
                Closure {
                    from: d("2027-01-01"),
                    to: d("2027-01-10"),
                },
                Closure {
                    from: d("2030-01-01"),
                    to: d("2099-12-31"),
                },
            ],
        );
        assert_eq!(
            long.closed_days_within(d("2026-12-20"), d("2027-01-31")),
            18
        );
        assert_eq!(long.arrival(d("2029-12-30"), 3), d("2100-01-02"));
    }

    #[test]
    fn order_weekdays_imply_a_review_period() {
        assert_eq!(mondays_with_new_year().review_days(), 7);
        let mon_thu = SupplierCalendar::new(&[Weekday::Mon, Weekday::Thu], &[]);
        assert_eq!(mon_thu.review_days(), 4); // Thu → Mon
        assert_eq!(SupplierCalendar::new(&[], &[]).review_days(), 1);
        assert!(!SupplierCalendar::new(&[], &[]).restricts());
        assert_eq!(parse_weekday("monday"), Ok(Weekday::Mon));
        assert!(parse_weekday("Moonday").unwrap_err().contains("Mon, Tue"));
    }
}
