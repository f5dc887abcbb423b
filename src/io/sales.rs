//! Loading sales history into one daily accumulator per SKU and location.
//!
//! Rules (the data contract in DESIGN.md and README):
//! - several rows for the same sku, location and day are summed;
//! - negative quantities are returns: netted into the day's total, and counted;
//! - `promo` / `stockout` flags of a day are OR-ed over its rows;
//! - rows dated on or after the planning date are rejected (they are not history);
//! - a row with a missing or unparseable date, sku or quantity, an invalid flag or price, or
//!   more fields than the header is rejected with its line, column, value and reason.
//!
//! The result is still daily: [`crate::calendar`] turns it into bucketed series.

use std::{collections::BTreeMap, path::Path};

use ahash::AHashMap;
use serde::Serialize;

use super::{
    parse::{self, Day},
    rejects::RejectLog,
    rows::for_each_row,
    table::Table,
    FileStats, InputKind, LoadError,
};

/// Flag bit: a promotion was active on the day.
pub const PROMO: u8 = 1;
/// Flag bit: the item was out of stock on the day (demand is censored).
pub const STOCKOUT: u8 = 2;

/// Net daily sales of one SKU at one location, contiguous from `first_day`.
#[derive(Debug, Clone, PartialEq)]
pub struct DailySales {
    /// SKU.
    pub sku: String,
    /// Location, when the file has a location column.
    pub location: Option<String>,
    /// Day number of `qty[0]`.
    pub first_day: Day,
    /// Net units sold per day (sales minus returns); days without rows are 0.
    pub qty: Vec<f64>,
    /// Per day: [`PROMO`] and [`STOCKOUT`] bits.
    pub flags: Vec<u8>,
    /// Sum of quantity × price over rows that had a price (0 when the file has no prices).
    pub revenue: f64,
}

impl DailySales {
    /// Day number of the last day held.
    pub fn last_day(&self) -> Day {
        self.first_day + self.qty.len() as Day - 1
    }

    /// Day number of the first day with positive net sales, if any.
    pub fn first_sale(&self) -> Option<Day> {
        self.qty
            .iter()
            .position(|&q| q > 0.0)
            .map(|i| self.first_day + i as Day)
    }
}

/// What loading the sales file found, beyond the rows themselves.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SalesStats {
    /// Row counts.
    pub file: FileStats,
    /// Rows with a negative quantity (returns), netted into their day.
    pub return_rows: u64,
    /// Units returned (positive number).
    pub returned_units: f64,
    /// Rows that were summed into a sku/location/day that already had a row.
    pub duplicate_rows: u64,
    /// Net units over all accepted rows.
    pub net_units: f64,
    /// Earliest accepted date.
    pub first_date: Option<chrono::NaiveDate>,
    /// Latest accepted date.
    pub last_date: Option<chrono::NaiveDate>,
    /// Distinct SKUs in accepted rows.
    pub skus: usize,
    /// Distinct sku/location series.
    pub series: usize,
    /// Days flagged as stockout (censored demand), over all series.
    pub stockout_days: u64,
    /// Days flagged as promotion, over all series.
    pub promo_days: u64,
}

/// The loaded sales: one [`DailySales`] per sku/location, sorted by sku then location.
#[derive(Debug, Clone, Default)]
pub struct SalesData {
    /// Daily series.
    pub series: Vec<DailySales>,
    /// Counts and ranges.
    pub stats: SalesStats,
}

/// Growable daily arrays with amortised growth in both directions.
struct Acc {
    base: Day,
    qty: Vec<f64>,
    flags: Vec<u8>,
    seen: Vec<u8>,
    min_day: Day,
    max_day: Day,
    revenue: f64,
}

impl Acc {
    fn new(day: Day) -> Self {
        Self {
            base: day,
            qty: Vec::new(),
            flags: Vec::new(),
            seen: Vec::new(),
            min_day: day,
            max_day: day,
            revenue: 0.0,
        }
    }

    /// Adds a row; returns whether the day already had a row.
    fn add(&mut self, day: Day, qty: f64, flags: u8) -> bool {
        if day < self.base {
            // Prepend with headroom so that files sorted newest-first stay linear.
            let grow = ((self.base - day) as usize).max(self.qty.len());
            self.qty.splice(0..0, std::iter::repeat_n(0.0, grow));
            self.flags.splice(0..0, std::iter::repeat_n(0, grow));
            self.seen.splice(0..0, std::iter::repeat_n(0, grow));
            self.base -= grow as Day;
        }
        let i = (day - self.base) as usize;
        if i >= self.qty.len() {
            self.qty.resize(i + 1, 0.0);
            self.flags.resize(i + 1, 0);
            self.seen.resize(i + 1, 0);
        }
        self.qty[i] += qty;
        self.flags[i] |= flags;
        let dup = self.seen[i] != 0;
        self.seen[i] = 1;
        self.min_day = self.min_day.min(day);
        self.max_day = self.max_day.max(day);
        dup
    }

    fn finish(mut self, sku: String, location: Option<String>) -> DailySales {
        let lo = (self.min_day - self.base) as usize;
        let hi = (self.max_day - self.base) as usize + 1;
        self.qty.truncate(hi);
        self.flags.truncate(hi);
        self.qty.drain(..lo);
        self.flags.drain(..lo);
        self.qty.shrink_to_fit();
        self.flags.shrink_to_fit();
        DailySales {
            sku,
            location,
            first_day: self.min_day,
            qty: self.qty,
            flags: self.flags,
            revenue: self.revenue,
        }
    }
}

/// Interns strings to dense ids, remembering the last lookup (exports are usually grouped).
#[derive(Default)]
struct Interner {
    ids: AHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    last: Option<u32>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(last) = self.last {
            if &*self.names[last as usize] == s {
                return last;
            }
        }
        let id = match self.ids.get(s) {
            Some(&id) => id,
            None => {
                let id = self.names.len() as u32;
                self.names.push(s.into());
                self.ids.insert(s.into(), id);
                id
            }
        };
        self.last = Some(id);
        id
    }
}

const DATE: usize = 0;
const SKU: usize = 1;
const QUANTITY: usize = 2;
const LOCATION: usize = 3;
const PROMO_COL: usize = 4;
const PRICE: usize = 5;
const STOCKOUT_COL: usize = 6;

/// The dates a sales row may carry: `[earliest, before)`, with the reason given for each side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateWindow {
    /// Earliest accepted day.
    pub earliest: Day,
    /// First day no longer accepted (the planning date, or the day after the run date).
    pub before: Day,
    /// What `before` is, for the reject reason (e.g. "the planning date 2026-01-01").
    pub before_is: String,
}

/// Loads a sales file.
///
/// Rows dated outside `window` are rejected (a typo such as 2204 for 2024 would otherwise
/// stretch the history of every SKU over centuries). Rejected rows go to `rejects`.
///
/// Each accepted row is added to its sku/location's accumulator (`Accumulators`); the
/// accumulators are then turned into sorted series and summarised (`summarise`).
///
/// # Errors
/// Structural [`LoadError`]s (see [`Table::open`] and [`Table::read`]).
pub fn load_sales(
    path: &Path,
    mapping: &BTreeMap<String, String>,
    window: &DateWindow,
    rejects: &mut RejectLog,
) -> Result<SalesData, LoadError> {
    let table = Table::open(path, InputKind::Sales, mapping)?;
    let mut accs = Accumulators::default();
    let mut stats = SalesStats::default();
    let has_location = table.has(LOCATION);
    let file = for_each_row(&table, rejects, |row| {
        let (Some(day), Some(sku), Some(qty)) =
            (row.date(DATE), row.text(SKU), row.number(QUANTITY))
        else {
            return;
        };
        if let Some(reason) = window.problem(day) {
            row.reject(DATE, reason);
            return;
        }
        let flags = if row.flag(PROMO_COL) { PROMO } else { 0 }
            | if row.flag(STOCKOUT_COL) { STOCKOUT } else { 0 };
        let price = row.opt_non_negative(PRICE, false);
        let location = if has_location {
            row.opt_text(LOCATION)
        } else {
            None
        };
        if row.is_rejected() {
            return;
        }
        let acc = accs.of(sku, location, day);
        if acc.add(day, qty, flags) {
            stats.duplicate_rows += 1;
        }
        if let Some(p) = price {
            acc.revenue += qty * p;
        }
        if qty < 0.0 {
            stats.return_rows += 1;
            stats.returned_units -= qty;
        }
        stats.net_units += qty;
    })?;
    stats.file = file;
    stats.skus = accs.skus.names.len();
    let series = accs.finish();
    summarise(&series, &mut stats);
    Ok(SalesData { series, stats })
}

impl DateWindow {
    /// Why a row dated `day` is rejected, if it is outside the window.
    fn problem(&self, day: Day) -> Option<String> {
        if day >= self.before {
            return Some(format!(
                "date on or after {}; only past sales are history",
                self.before_is
            ));
        }
        if day < self.earliest {
            return Some(format!(
                "date before the earliest accepted date {} ([validation] earliest_date); check the year",
                parse::date_of(self.earliest)
            ));
        }
        None
    }
}

/// One daily accumulator per sku/location, in order of first appearance, found by interned
/// ids.
#[derive(Default)]
struct Accumulators {
    skus: Interner,
    locations: Interner,
    index: AHashMap<(u32, u32), u32>,
    accs: Vec<(u32, u32, Acc)>,
    /// The last (sku, location, slot) looked up.
    last_slot: Option<(u32, u32, u32)>,
}

impl Accumulators {
    /// The accumulator of `sku` at `location`, created (starting at `day`) when new.
    fn of(&mut self, sku: &str, location: Option<&str>, day: Day) -> &mut Acc {
        let sku_id = self.skus.id(sku);
        let loc_id = location.map_or(0, |l| self.locations.id(l) + 1);
        // Exports are usually grouped by SKU: skip the hash lookup for a repeat.
        let slot = match self.last_slot {
            Some((s, l, slot)) if s == sku_id && l == loc_id => slot,
            _ => {
                let accs = &mut self.accs;
                let slot = *self.index.entry((sku_id, loc_id)).or_insert_with(|| {
                    accs.push((sku_id, loc_id, Acc::new(day)));
                    accs.len() as u32 - 1
                });
                self.last_slot = Some((sku_id, loc_id, slot));
                slot
            }
        };
        &mut self.accs[slot as usize].2
    }

    /// The daily series, sorted by sku then location.
    fn finish(self) -> Vec<DailySales> {
        let (skus, locations) = (self.skus, self.locations);
        let mut series: Vec<DailySales> = self
            .accs
            .into_iter()
            .map(|(s, l, acc)| {
                let location = (l > 0).then(|| locations.names[l as usize - 1].to_string());
                acc.finish(skus.names[s as usize].to_string(), location)
            })
            .collect();
        series.sort_by(|a, b| (&a.sku, &a.location).cmp(&(&b.sku, &b.location)));
        series
    }
}

/// Fills the series count, date range and flagged days of `stats` from `series`.
fn summarise(series: &[DailySales], stats: &mut SalesStats) {
    stats.series = series.len();
    stats.first_date = series.iter().map(|s| s.first_day).min().map(parse::date_of);
    stats.last_date = series
        .iter()
        .map(|s| s.last_day())
        .max()
        .map(parse::date_of);
    for s in series {
        for &f in &s.flags {
            stats.stockout_days += u64::from(f & STOCKOUT != 0);
            stats.promo_days += u64::from(f & PROMO != 0);
        }
    }
}
