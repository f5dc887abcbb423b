//! Loading sales history into one daily accumulator per SKU and location.
//!
//! Rules (the data contract in DESIGN.md and README):
//! - several rows for the same sku, location and day are summed;
//! - negative quantities are returns: netted into the day's total, and counted;
//! - `promo` / `stockout` flags of a day are OR-ed over its rows;
//! - rows dated on or after the planning date are rejected (they are not history);
//! - rows dated before a placeholder gap are rejected (see [`placeholder_cutoff`]): a lone
//!   1900-01-01 among 1996–2025 rows is a missing date written as a placeholder, not history;
//!   there is no fixed earliest date unless `[validation] earliest_date` sets one;
//! - a row with a missing or unparseable date, sku or quantity, an invalid flag or price, or
//!   more fields than the header is rejected with its line, column, value and reason.
//!
//! Two screening rules need the row stream itself and run here, while rows stream into the
//! daily accumulators (the per-SKU history rules are in [`crate::screen::sales`]):
//! - an **absurd quantity** (|quantity| ≥ `[validation] max_quantity`, default 10⁹, e.g. a
//!   13-digit EAN barcode or 1e308) is not added to its day: the day is marked [`SCREENED`]
//!   (its demand is unknown) and the row becomes an [`Anomaly`];
//! - a **duplicated block** (a run of at least `[validation] duplicate_block_rows`, default
//!   20, consecutive rows on sku/location/days that already had rows, in the same order as
//!   those days' first rows, that repeat each day exactly — the run's rows of a day sum to
//!   what the day held before, with the same promo and stockout flags — e.g. December's
//!   rows appended again) is taken back out of the accumulators and reported as one
//!   [`Anomaly`]. Shorter runs, and runs that do not repeat their days exactly
//!   (transaction-level exports with several identical rows per day), are normal
//!   duplicates: summed as before. See [`Blocks`].
//!
//! The result is still daily: [`crate::calendar`] turns it into bucketed series.

use std::{collections::BTreeMap, path::Path};

use ahash::AHashMap;
use serde::Serialize;

use super::{
    anomalies::{Anomaly, AnomalyAction},
    parse::{self, Day},
    rejects::RejectLog,
    rows::{for_each_row, Row},
    table::Table,
    FileStats, InputKind, LoadError,
};

/// Flag bit: a promotion was active on the day.
pub const PROMO: u8 = 1;
/// Flag bit: the item was out of stock on the day (demand is censored).
pub const STOCKOUT: u8 = 2;
/// Flag bit: screening excluded the day's quantity (an absurd value or an outlier, see
/// [`crate::screen`]); the day's demand is unknown. Its quantity is 0 and bucketing counts the
/// day like a stockout day, so censored-demand imputation fills it from its neighbours.
pub const SCREENED: u8 = 4;

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
    /// Per day: [`PROMO`], [`STOCKOUT`] and [`SCREENED`] bits.
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
    /// Net units over all accepted rows, without the values screening excluded.
    pub net_units: f64,
    /// Sales values screening excluded (absurd quantities, outliers of a SKU's history): see
    /// anomalies.csv.
    pub excluded_values: u64,
    /// Duplicated blocks of rows found (each excluded once, see anomalies.csv).
    pub duplicated_blocks: u64,
    /// Rows in duplicated blocks (not counted twice).
    pub duplicated_rows: u64,
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
    /// What loading flagged: absurd quantities and duplicated blocks.
    pub anomalies: Vec<Anomaly>,
    /// Where each day's rows are in the file (for screening's messages); emptied by
    /// [`SalesData::drop_rows`] once screening is done.
    pub rows: RowIndex,
    /// The file, as given (the `file` of anomalies).
    pub file: String,
}

impl SalesData {
    /// Frees the row index (it is only needed while screening).
    pub fn drop_rows(&mut self) {
        self.rows.first = Vec::new();
    }
}

/// Screening limits applied while loading (`[validation]` in the config).
///
/// | name | default | meaning |
/// |---|---|---|
/// | `max_quantity` | 1e9 | a row with \|quantity\| at or above it is absurd: excluded and flagged |
/// | `duplicate_block_rows` | 20 | rows in a run of repeated rows that make a duplicated block (0 = off) |
/// | `date_gap_days` | 730 | gap in the file's dates before which a few rows are placeholders (0 = off) |
#[derive(Debug, Clone, PartialEq)]
pub struct SalesLimits {
    /// |quantity| at or above this is absurd (units per row).
    pub max_quantity: f64,
    /// Shortest run of repeated rows taken as a duplicated block; 0 turns the check off.
    pub duplicate_block_rows: usize,
    /// Shortest gap (days) in the file's dates that makes the few rows before it placeholders
    /// (see [`placeholder_cutoff`]); 0 turns the check off.
    pub date_gap_days: Day,
}

impl Default for SalesLimits {
    fn default() -> Self {
        Self {
            max_quantity: 1e9,
            duplicate_block_rows: 20,
            date_gap_days: 730,
        }
    }
}

/// Per series and day: where the day's first row is in the file. Screening uses it to name
/// the line of a flagged day.
#[derive(Debug, Clone, Default)]
pub struct RowIndex {
    /// Per series (aligned with [`SalesData::series`]), per day: 0 when the day has no row,
    /// else the day's first data row + 1 in the low 31 bits, and the top bit set when the day
    /// has several rows.
    pub first: Vec<Vec<u32>>,
    /// `(first data row, first line)` of every batch read, in order.
    batches: Vec<(u64, u64)>,
}

/// [`RowIndex::first`]: the bit set when a day has several rows.
pub const SEVERAL: u32 = 1 << 31;
/// [`RowIndex::first`]: the bits holding the first row + 1 (saturated for rows beyond).
const ROW_BITS: u32 = SEVERAL - 1;

impl RowIndex {
    /// The line of data row `row` (0-based): exact unless a quoted field before it in its
    /// batch holds a line break.
    pub fn line_of(&self, row: u64) -> u64 {
        let k = self.batches.partition_point(|b| b.0 <= row);
        match k.checked_sub(1).map(|k| self.batches[k]) {
            Some((first_row, first_line)) => first_line + (row - first_row),
            None => row + 1,
        }
    }

    /// The first line of day `day` (index into the series' days) of series `series`, and
    /// whether the day has several rows.
    pub fn day_line(&self, series: usize, day: usize) -> Option<(u64, bool)> {
        let v = *self.first.get(series)?.get(day)?;
        (v & ROW_BITS != 0).then(|| {
            (
                self.line_of(u64::from((v & ROW_BITS) - 1)),
                v & SEVERAL != 0,
            )
        })
    }

    fn note_batch(&mut self, row: &Row<'_, '_>) {
        let (first_row, first_line) = row.batch_start();
        if self.batches.last().is_none_or(|b| b.0 != first_row) {
            self.batches.push((first_row, first_line));
        }
    }
}

/// Days beyond which a row is "far" from its accumulator's span during the first pass: such a
/// row is not accumulated (it would stretch a dense array over decades for a 1900-01-01
/// placeholder) but sets off the second pass (see [`load_sales`]).
const FAR_DAYS: Day = 730;

/// Growable daily arrays with amortised growth in both directions.
struct Acc {
    base: Day,
    qty: Vec<f64>,
    flags: Vec<u8>,
    /// Per day: see [`RowIndex::first`].
    first: Vec<u32>,
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
            first: Vec::new(),
            min_day: day,
            max_day: day,
            revenue: 0.0,
        }
    }

    /// The index of `day` in the arrays, grown to hold it; `None` (nothing grown) when
    /// `guard` is on and the day is more than [`FAR_DAYS`] outside the days held so far.
    fn slot(&mut self, day: Day, guard: bool) -> Option<usize> {
        if guard
            && !self.qty.is_empty()
            && (day < self.min_day - FAR_DAYS || day > self.max_day + FAR_DAYS)
        {
            return None;
        }
        if day < self.base {
            // Prepend with headroom so that files sorted newest-first stay linear.
            let grow = ((self.base - day) as usize).max(self.qty.len());
            self.qty.splice(0..0, std::iter::repeat_n(0.0, grow));
            self.flags.splice(0..0, std::iter::repeat_n(0, grow));
            self.first.splice(0..0, std::iter::repeat_n(0, grow));
            self.base -= grow as Day;
        }
        let i = (day - self.base) as usize;
        if i >= self.qty.len() {
            self.qty.resize(i + 1, 0.0);
            self.flags.resize(i + 1, 0);
            self.first.resize(i + 1, 0);
        }
        self.min_day = self.min_day.min(day);
        self.max_day = self.max_day.max(day);
        Some(i)
    }

    /// Adds a row (0-based data row `row`) at index `i`; returns whether the day already had a
    /// row.
    fn add(&mut self, i: usize, qty: f64, flags: u8, row: u64) -> bool {
        self.qty[i] += qty;
        self.flags[i] |= flags;
        let prior = self.first[i];
        self.first[i] = if prior == 0 {
            u32::try_from(row + 1).map_or(ROW_BITS, |r| r.min(ROW_BITS))
        } else {
            prior | SEVERAL
        };
        prior != 0
    }

    /// The first row of the day at index `i` when the day already has rows and `flags` adds
    /// no flag to it (the row is a candidate repeat, see [`Blocks`]).
    fn seen(&self, i: usize, flags: u8) -> Option<u32> {
        let rows = self.first[i] & ROW_BITS;
        (rows != 0 && rows != ROW_BITS && flags & !self.flags[i] == 0).then(|| rows - 1)
    }

    fn finish(mut self, sku: String, location: Option<String>) -> (DailySales, Vec<u32>) {
        let lo = (self.min_day - self.base) as usize;
        let hi = (self.max_day - self.base) as usize + 1;
        self.qty.truncate(hi);
        self.flags.truncate(hi);
        self.first.truncate(hi);
        self.qty.drain(..lo);
        self.flags.drain(..lo);
        self.first.drain(..lo);
        self.qty.shrink_to_fit();
        self.flags.shrink_to_fit();
        self.first.shrink_to_fit();
        let daily = DailySales {
            sku,
            location,
            first_day: self.min_day,
            qty: self.qty,
            flags: self.flags,
            revenue: self.revenue,
        };
        (daily, self.first)
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
/// stretch the history of every SKU over centuries), and so are rows dated before a
/// placeholder gap ([`placeholder_cutoff`]). Rejected rows go to `rejects`; absurd quantities
/// and duplicated blocks (see the module docs) go to [`SalesData::anomalies`].
///
/// Each accepted row is added to its sku/location's accumulator (`Accumulators`); the
/// accumulators are then turned into sorted series and summarised (`summarise`). The file is
/// read once; a second time only when its dates have a placeholder gap, or when a row lies
/// more than two years outside its SKU's other rows (the first pass sets such rows aside so
/// that a 1900-01-01 row cannot stretch a series over a century; the second reads them all,
/// rejecting those before the gap).
///
/// # Errors
/// Structural [`LoadError`]s (see [`Table::open`] and [`Table::read`]).
pub fn load_sales(
    path: &Path,
    mapping: &BTreeMap<String, String>,
    window: &DateWindow,
    limits: &SalesLimits,
    rejects: &mut RejectLog,
) -> Result<SalesData, LoadError> {
    let mut log = RejectLog::new(path);
    let first = read_pass(path, mapping, window, limits, None, &mut log)?;
    let cutoff = placeholder_cutoff(&first.days, limits.date_gap_days);
    if cutoff.is_none() && first.far_rows == 0 {
        rejects.rows.append(&mut log.rows);
        return Ok(first.data);
    }
    drop(first);
    Ok(read_pass(path, mapping, window, limits, cutoff.as_ref(), rejects)?.data)
}

/// One read of the sales file.
struct Pass {
    data: SalesData,
    /// Rows per day over the rows inside the window.
    days: DayCounts,
    /// Rows set aside as far from their SKU's other rows (first pass only).
    far_rows: u64,
}

/// Reads the file once; the first pass (`placeholder` not yet known) guards the accumulators
/// against far rows.
fn read_pass(
    path: &Path,
    mapping: &BTreeMap<String, String>,
    window: &DateWindow,
    limits: &SalesLimits,
    placeholder: Option<&Placeholder>,
    rejects: &mut RejectLog,
) -> Result<Pass, LoadError> {
    let table = Table::open(path, InputKind::Sales, mapping)?;
    let mut loader = Loader {
        window,
        limits,
        placeholder,
        guard: placeholder.is_none(),
        has_location: table.has(LOCATION),
        file: path.display().to_string(),
        accs: Accumulators::default(),
        stats: SalesStats::default(),
        days: DayCounts::default(),
        far_rows: 0,
        blocks: Blocks::new(limits.duplicate_block_rows),
        rows: RowIndex::default(),
        anomalies: Vec::new(),
    };
    let file = for_each_row(&table, rejects, |row| loader.row(row))?;
    Ok(loader.finish(file))
}

/// The state of one pass over the rows.
struct Loader<'w> {
    window: &'w DateWindow,
    limits: &'w SalesLimits,
    placeholder: Option<&'w Placeholder>,
    guard: bool,
    has_location: bool,
    file: String,
    accs: Accumulators,
    stats: SalesStats,
    days: DayCounts,
    far_rows: u64,
    blocks: Blocks,
    rows: RowIndex,
    anomalies: Vec<Anomaly>,
}

impl Loader<'_> {
    /// Reads, checks and accumulates one row.
    fn row(&mut self, row: &mut Row<'_, '_>) {
        let (Some(day), Some(sku), Some(qty)) =
            (row.date(DATE), row.text(SKU), row.number(QUANTITY))
        else {
            return;
        };
        let outside = self.window.problem(day);
        if let Some(reason) = outside.or_else(|| self.placeholder.and_then(|p| p.problem(day))) {
            row.reject(DATE, reason);
            return;
        }
        let flags = if row.flag(PROMO_COL) { PROMO } else { 0 }
            | if row.flag(STOCKOUT_COL) { STOCKOUT } else { 0 };
        let price = row.opt_non_negative(PRICE, false);
        let location = if self.has_location {
            row.opt_text(LOCATION)
        } else {
            None
        };
        if row.is_rejected() {
            return;
        }
        self.days.add(day);
        self.rows.note_batch(row);
        let data_row = row.data_row();
        let (slot, acc) = self.accs.of(sku, location, day);
        let Some(i) = acc.slot(day, self.guard) else {
            self.far_rows += 1;
            return;
        };
        if qty.abs() >= self.limits.max_quantity {
            acc.flags[i] |= flags | SCREENED;
            self.stats.excluded_values += 1;
            let value = row.cell_text(QUANTITY);
            let reason = absurd_reason(qty, &value, self.limits.max_quantity, day);
            self.anomalies.push(Anomaly {
                file: self.file.clone(),
                line: row.line(),
                sku: sku.to_string(),
                column: "quantity".into(),
                value,
                reason,
                action: AnomalyAction::Excluded,
            });
            return;
        }
        let seen = acc.seen(i, flags);
        let before = (acc.qty[i], acc.first[i]);
        let revenue = price.map_or(0.0, |p| qty * p);
        acc.revenue += revenue;
        if acc.add(i, qty, flags, data_row) {
            self.stats.duplicate_rows += 1;
        }
        self.stats.count(qty, 1.0);
        let undo = self.blocks.step(data_row, seen.map(|o| (o, slot, day)));
        self.take_back(undo);
        if seen.is_some() {
            self.blocks.pend(Pending {
                slot,
                day,
                qty,
                revenue,
                before,
                rows: (data_row, seen.map_or(0, u64::from)),
            });
        }
    }

    /// Takes the rows of a duplicated block back out of the accumulators and counts.
    fn take_back(&mut self, undo: Vec<Pending>) {
        // The first row of each day (a day's rows are consecutive) holds what it had before.
        let mut last = None;
        for p in &undo {
            if last != Some((p.slot, p.day)) {
                self.accs.restore(p);
                last = Some((p.slot, p.day));
            }
        }
        for p in &undo {
            self.accs.accs[p.slot as usize].2.revenue -= p.revenue;
            self.stats.duplicate_rows -= 1;
            self.stats.duplicated_rows += 1;
            self.stats.count(p.qty, -1.0);
        }
    }

    /// The pass's result: blocks reported, series sorted and summarised.
    fn finish(mut self, file: FileStats) -> Pass {
        let undo = self.blocks.end();
        self.take_back(undo);
        let found = std::mem::take(&mut self.blocks.found);
        self.stats.duplicated_blocks = found.len() as u64;
        for run in found {
            let anomaly = run.anomaly(&self.file, &self.rows, &self.accs);
            self.anomalies.push(anomaly);
        }
        self.stats.file = file;
        self.stats.skus = self.accs.skus.names.len();
        let (series, first): (Vec<DailySales>, Vec<Vec<u32>>) =
            self.accs.finish().into_iter().unzip();
        summarise(&series, &mut self.stats);
        self.rows.first = first;
        Pass {
            data: SalesData {
                series,
                stats: self.stats,
                anomalies: self.anomalies,
                rows: self.rows,
                file: self.file,
            },
            days: self.days,
            far_rows: self.far_rows,
        }
    }
}

impl SalesStats {
    /// Counts (`sign` 1) or takes back (`sign` −1) a row of `qty` units in the net units and
    /// returns.
    fn count(&mut self, qty: f64, sign: f64) {
        if qty < 0.0 {
            if sign > 0.0 {
                self.return_rows += 1;
            } else {
                self.return_rows -= 1;
            }
            self.returned_units -= sign * qty;
        }
        self.net_units += sign * qty;
    }
}

/// The reason for an absurd quantity `qty` (read as `text`) on `day`.
fn absurd_reason(qty: f64, text: &str, limit: f64, day: Day) -> String {
    let digits = text.trim().trim_start_matches(['-', '+']);
    let barcode = (12..=14).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    let what = if barcode {
        format!(
            "a {}-digit whole number: looks like an EAN/UPC barcode pasted into the quantity",
            digits.len()
        )
    } else {
        format!("|quantity| {qty:e} is at least [validation] max_quantity {limit:e}: not a believable day's sales")
    };
    format!(
        "{what}; the row's quantity was left out and the day's demand ({}) is imputed from its neighbours like a stockout day; correct the quantity in the export (or raise max_quantity if such quantities are real)",
        parse::date_of(day)
    )
}

/// A row of a run of repeats (added to its day like any row, taken back out when the run
/// turns out to be a duplicated block).
struct Pending {
    slot: u32,
    day: Day,
    qty: f64,
    revenue: f64,
    /// The day's quantity and row index before this row was added.
    before: (f64, u32),
    /// The row's data row, and its day's first data row.
    rows: (u64, u64),
}

/// A run of consecutive rows each on a sku/location/day that already had rows, in the
/// originals' order (see [`Blocks`]).
struct Run {
    /// Data rows of the run (0-based), first and last.
    rows: (u64, u64),
    /// First data rows of the repeated days, first and last.
    originals: (u64, u64),
    /// The accumulator of the run's first row.
    slot: u32,
    /// The run's rows, in order.
    pending: Vec<Pending>,
    /// Days whose first row came earlier than the latest original so far (return rows dated
    /// back); at most 1 + an eighth of the run.
    back: u64,
}

impl Run {
    fn len(&self) -> u64 {
        self.rows.1 - self.rows.0 + 1
    }

    /// Whether the run's last day is repeated exactly: its rows (consecutive, at the end of
    /// the run) sum to what the day held before the run.
    fn last_day_exact(&self) -> bool {
        let Some(last) = self.pending.last() else {
            return true;
        };
        let key = (last.slot, last.day);
        let group = self
            .pending
            .iter()
            .rev()
            .take_while(|p| (p.slot, p.day) == key);
        let (mut sum, mut before) = (0.0, 0.0);
        for p in group {
            sum += p.qty;
            before = p.before.0;
        }
        (sum - before).abs() <= 1e-9 * f64::abs(before).max(1.0)
    }

    /// Drops the run's last day (not repeated exactly: its rows stay summed).
    fn drop_last_day(&mut self) {
        if let Some(last) = self.pending.last() {
            let key = (last.slot, last.day);
            while self.pending.last().is_some_and(|p| (p.slot, p.day) == key) {
                self.pending.pop();
            }
        }
        if let Some(last) = self.pending.last() {
            self.rows.1 = last.rows.0;
            self.originals.1 = self.pending.iter().map(|p| p.rows.1).max().unwrap_or(0);
        }
    }

    /// The anomaly row of a duplicated block.
    fn anomaly(&self, file: &str, index: &RowIndex, accs: &Accumulators) -> Anomaly {
        let n = self.len();
        let (a, b) = (index.line_of(self.rows.0), index.line_of(self.rows.1));
        let (c, d) = (
            index.line_of(self.originals.0),
            index.line_of(self.originals.1),
        );
        let originals = if self.originals.1 - self.originals.0 + 1 == n {
            format!("lines {c}-{d}")
        } else {
            format!("earlier rows between lines {c} and {d}")
        };
        Anomaly {
            file: file.to_string(),
            line: a,
            sku: accs.sku_of(self.slot).to_string(),
            column: String::new(),
            value: format!("lines {a}-{b} ({} rows) repeat {originals}", thousands(n)),
            reason: format!(
                "a duplicated block: these {} rows repeat earlier rows in the same order, each sku, location and date with the same quantities and flags, as when an export is appended twice or two exports overlap; the repeated rows were not counted; remove them from the file (or set [validation] duplicate_block_rows = 0 if they are real sales)",
                thousands(n)
            ),
            action: AnomalyAction::Excluded,
        }
    }
}

/// The duplicated-block detector. A row "repeats" when its sku/location/day already had rows
/// (the originals) and its flags add none to the day's. Consecutive repeating rows form a run
/// while the days' first rows come in file order (a day's rows may come together: a day
/// exported as several rows repeats as several rows; a few days, at most 1 + an eighth of
/// the run, may point back inside the originals already seen, as return rows dated back
/// do). A run of at least `min_rows` rows that
/// repeats each of its days exactly (its rows of a day sum to what the day held before) is a
/// duplicated block: its rows are taken back out. Anything else stays summed: repeated
/// identical transactions on one day do not form long runs in file order.
struct Blocks {
    min_rows: usize,
    run: Option<Run>,
    found: Vec<Run>,
}

impl Blocks {
    fn new(min_rows: usize) -> Self {
        Self {
            min_rows,
            run: None,
            found: Vec::new(),
        }
    }

    /// Feeds data row `row`, which (when `seen`) is on a day whose first row is `seen.0`, of
    /// accumulator `seen.1`, day `seen.2`. Returns the rows to take back out when the run it
    /// ends was a duplicated block.
    fn step(&mut self, row: u64, seen: Option<(u32, u32, Day)>) -> Vec<Pending> {
        if self.min_rows == 0 {
            return Vec::new();
        }
        if let (Some(run), Some((o, slot, day))) = (self.run.as_mut(), seen) {
            let o = u64::from(o);
            let last = run.pending.last().map(|p| (p.slot, p.day, p.rows.1));
            let same_day = last.is_some_and(|(s, d, _)| (s, d) == (slot, day));
            // A day's rows come together; the next day's first row comes later in the file
            // than any so far, or (a return row dated back) lies inside the originals seen.
            let back = !same_day && o <= run.originals.1;
            let in_order = if same_day {
                last.is_some_and(|l| l.2 == o)
            } else {
                !back || (o >= run.originals.0 && run.back < 1 + run.len() / 8)
            };
            if row == run.rows.1 + 1 && in_order && (same_day || run.last_day_exact()) {
                run.rows.1 = row;
                run.originals.1 = run.originals.1.max(o);
                run.back += u64::from(back);
                return Vec::new();
            }
        }
        let undo = self.end();
        if let Some((o, slot, _)) = seen {
            self.run = Some(Run {
                rows: (row, row),
                originals: (u64::from(o), u64::from(o)),
                slot,
                pending: Vec::new(),
                back: 0,
            });
        }
        undo
    }

    /// Records an added row of the current run.
    fn pend(&mut self, p: Pending) {
        if let Some(run) = self.run.as_mut() {
            run.pending.push(p);
        }
    }

    /// Ends the current run; returns its rows when it was a duplicated block.
    fn end(&mut self) -> Vec<Pending> {
        let Some(mut run) = self.run.take() else {
            return Vec::new();
        };
        if !run.last_day_exact() {
            run.drop_last_day();
        }
        if run.pending.is_empty() || run.len() < self.min_rows as u64 {
            return Vec::new();
        }
        let rows = std::mem::take(&mut run.pending);
        self.found.push(run);
        rows
    }
}

/// `12345` as `12,345`.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Rows per day, dense over the days seen.
#[derive(Debug, Default)]
struct DayCounts {
    base: Day,
    counts: Vec<u32>,
}

impl DayCounts {
    fn add(&mut self, day: Day) {
        if self.counts.is_empty() {
            self.base = day;
        }
        if day < self.base {
            let grow = ((self.base - day) as usize).max(self.counts.len());
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.base -= grow as Day;
        }
        let i = (day - self.base) as usize;
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] = self.counts[i].saturating_add(1);
    }

    /// `(day, rows)` of the days with rows, in date order.
    fn iter(&self) -> impl Iterator<Item = (Day, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(i, &n)| (self.base + i as Day, u64::from(n)))
    }
}

/// Rows before a gap in the file's dates that look like placeholders for a missing date.
#[derive(Debug, Clone, PartialEq)]
pub struct Placeholder {
    /// The first date after the gap: rows dated earlier are rejected.
    pub before: Day,
    /// The last date before the gap.
    pub last: Day,
    /// Rows before the gap.
    pub rows: u64,
    /// Distinct dates before the gap.
    pub dates: u64,
}

/// Most placeholder rows, as a share of the file's rows, when they fall on more than
/// [`PLACEHOLDER_DATES`] dates.
pub const PLACEHOLDER_SHARE: f64 = 0.01;
/// Most distinct dates placeholder rows fall on when they hold more than
/// [`PLACEHOLDER_SHARE`] of the rows.
pub const PLACEHOLDER_DATES: u64 = 3;

/// The placeholder rows of a file whose rows fall on `days`: the rows before the latest gap of
/// at least `gap` days between two consecutive dates of the file, when they are few — at most
/// [`PLACEHOLDER_SHARE`] (1%) of the rows, or on at most [`PLACEHOLDER_DATES`] (3) dates. A
/// lone 1900-01-01 (or 1970-01-01, 0001-01-01) among 1996–2025 rows is one; 25 years of
/// monthly rows have no gap; real old history before a gap (many rows on many dates) is kept.
/// `None` when `gap` is 0 (the check is off).
fn placeholder_cutoff(days: &DayCounts, gap: Day) -> Option<Placeholder> {
    if gap <= 0 {
        return None;
    }
    let total: u64 = days.iter().map(|(_, n)| n).sum();
    let (mut rows, mut dates, mut prev) = (0u64, 0u64, None::<Day>);
    let mut found = None;
    for (day, n) in days.iter() {
        if let Some(p) = prev.filter(|&p| day - p >= gap) {
            if rows as f64 <= PLACEHOLDER_SHARE * total as f64 || dates <= PLACEHOLDER_DATES {
                found = Some(Placeholder {
                    before: day,
                    last: p,
                    rows,
                    dates,
                });
            }
        }
        rows += n;
        dates += 1;
        prev = Some(day);
    }
    found
}

impl Placeholder {
    /// Why a row dated `day` is rejected, if it is before the gap.
    fn problem(&self, day: Day) -> Option<String> {
        (day < self.before).then(|| {
            format!(
                "date {} lies before a gap of {:.1} years in the file's dates (nothing from {} to {}); the {} row(s) on {} date(s) before the gap look like a placeholder for a missing date (such as 1900-01-01), not history: export the real date or leave the row out (if such old dates are real, set [validation] date_gap_days = 0)",
                parse::date_of(day),
                f64::from(self.before - self.last) / 365.25,
                parse::date_of(self.last + 1),
                parse::date_of(self.before - 1),
                self.rows,
                self.dates
            )
        })
    }
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
    /// The slot and accumulator of `sku` at `location`, created (starting at `day`) when new.
    fn of(&mut self, sku: &str, location: Option<&str>, day: Day) -> (u32, &mut Acc) {
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
        (slot, &mut self.accs[slot as usize].2)
    }

    /// The SKU of accumulator `slot`.
    fn sku_of(&self, slot: u32) -> &str {
        &self.skus.names[self.accs[slot as usize].0 as usize]
    }

    /// Restores the day of `p` to what it held before `p` (the first row a block added to
    /// the day) was added.
    fn restore(&mut self, p: &Pending) {
        let acc = &mut self.accs[p.slot as usize].2;
        let i = (p.day - acc.base) as usize;
        acc.qty[i] = p.before.0;
        acc.first[i] = p.before.1;
    }

    /// The daily series and their row index, sorted by sku then location.
    fn finish(self) -> Vec<(DailySales, Vec<u32>)> {
        let (skus, locations) = (self.skus, self.locations);
        let mut series: Vec<(DailySales, Vec<u32>)> = self
            .accs
            .into_iter()
            .map(|(s, l, acc)| {
                let location = (l > 0).then(|| locations.names[l as usize - 1].to_string());
                acc.finish(skus.names[s as usize].to_string(), location)
            })
            .collect();
        series.sort_by(|a, b| (&a.0.sku, &a.0.location).cmp(&(&b.0.sku, &b.0.location)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

    /// Loads `csv` (written to a temporary file) with the default limits and no date window.
    fn load(csv: &str) -> (SalesData, Vec<super::super::rejects::Reject>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sales.csv");
        std::fs::write(&path, csv).unwrap();
        let window = DateWindow {
            earliest: Day::MIN,
            before: Day::MAX,
            before_is: "never".into(),
        };
        let mut log = RejectLog::new(&path);
        let data = load_sales(
            &path,
            &BTreeMap::new(),
            &window,
            &SalesLimits::default(),
            &mut log,
        )
        .unwrap();
        (data, log.rows)
    }

    /// Daily rows of SKU `sku`: day k (from 2024-01-01) sells `qty(k)`.
    fn rows(sku: &str, days: usize, qty: impl Fn(usize) -> f64) -> String {
        let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let mut s = String::new();
        for k in 0..days {
            let d = start + chrono::Days::new(k as u64);
            let _ = writeln!(s, "{d},{sku},{}", qty(k));
        }
        s
    }

    #[test]
    fn a_barcode_and_1e308_are_excluded_and_flagged() {
        let mut csv = String::from("date,sku,quantity\n");
        csv += &rows("A", 10, |_| 5.0);
        csv += "2024-01-04,A,4006381333931\n2024-01-06,A,1e308\n";
        let (data, rejects) = load(&csv);
        assert!(rejects.is_empty());
        let got: Vec<(u64, &str, &str)> = data
            .anomalies
            .iter()
            .map(|a| (a.line, a.sku.as_str(), a.value.as_str()))
            .collect();
        assert_eq!(got, vec![(12, "A", "4006381333931"), (13, "A", "1e308")]);
        assert!(data.anomalies[0].reason.contains("13-digit"));
        assert!(data.anomalies[0].reason.contains("barcode"));
        assert!(data.anomalies[1].reason.contains("max_quantity"));
        let a = &data.series[0];
        // The two days keep their ordinary rows (5 each) and are marked screened.
        assert!((a.qty[3] - 5.0).abs() < 1e-12);
        assert_eq!(a.flags[3], SCREENED);
        assert_eq!(a.flags[5], SCREENED);
        assert!((data.stats.net_units - 50.0).abs() < 1e-9);
        assert_eq!(data.stats.excluded_values, 2);
        assert_eq!(data.stats.file.rows_accepted, 12);
    }

    #[test]
    fn transaction_level_repeats_are_summed_not_flagged() {
        // 40 days, each with three identical qty-1 rows of A and two of B, interleaved.
        let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let mut csv = String::from("date,sku,quantity\n");
        for k in 0..40 {
            let d = start + chrono::Days::new(k);
            for sku in ["A", "B", "A", "B", "A"] {
                let _ = writeln!(csv, "{d},{sku},1");
            }
        }
        let (data, _) = load(&csv);
        assert!(data.anomalies.is_empty(), "{:?}", data.anomalies);
        assert_eq!(data.stats.duplicated_blocks, 0);
        assert_eq!(data.series[0].qty, vec![3.0; 40]);
        assert_eq!(data.series[1].qty, vec![2.0; 40]);
        assert_eq!(data.stats.duplicate_rows, 40 * 3);
    }

    #[test]
    fn a_duplicated_block_is_flagged_once_and_not_counted_twice() {
        // Two SKUs sorted by sku then date; their last 25 days appended again (sku order),
        // and one ordinary duplicate row (summed).
        let mut csv = String::from("date,sku,quantity\n");
        csv += &rows("A", 60, |k| (k % 7) as f64 + 1.0);
        csv += &rows("B", 60, |k| (k % 5) as f64 + 2.0);
        let lines: Vec<&str> = csv.lines().collect();
        let tail: String = lines[36..61]
            .iter()
            .chain(&lines[96..121])
            .map(|l| format!("{l}\n"))
            .collect();
        let clean = load(&csv).0;
        let extra = "2024-01-01,A,9\n";
        let (data, _) = load(&format!("{csv}{extra}{tail}"));
        assert_eq!(data.anomalies.len(), 1, "{:?}", data.anomalies);
        let a = &data.anomalies[0];
        assert_eq!((a.line, a.sku.as_str()), (123, "A"));
        assert_eq!(
            a.value,
            "lines 123-172 (50 rows) repeat earlier rows between lines 37 and 121"
        );
        assert_eq!(a.action, AnomalyAction::Excluded);
        assert_eq!(data.stats.duplicated_blocks, 1);
        assert_eq!(data.stats.duplicated_rows, 50);
        assert_eq!(data.stats.duplicate_rows, 1);
        // Counted once: only the ordinary duplicate adds to the clean totals.
        assert!((data.series[0].qty[0] - clean.series[0].qty[0] - 9.0).abs() < 1e-9);
        assert_eq!(data.series[0].qty[1..], clean.series[0].qty[1..]);
        assert_eq!(data.series[1].qty, clean.series[1].qty);
        assert!((data.stats.net_units - clean.stats.net_units - 9.0).abs() < 1e-9);
        // A run shorter than duplicate_block_rows is an ordinary duplicate.
        let short: String = lines[40..50].iter().map(|l| format!("{l}\n")).collect();
        let (data, _) = load(&format!("{csv}{short}"));
        assert!(data.anomalies.is_empty());
        assert_eq!(data.stats.duplicate_rows, 10);
    }

    #[test]
    fn a_placeholder_date_is_rejected_and_25_years_of_months_accepted() {
        let mut csv = String::from("date,sku,quantity\n1900-01-01,A,7\n");
        for y in 1996..2021 {
            for m in 1..=12 {
                let _ = writeln!(csv, "{y}-{m:02}-01,A,10");
            }
        }
        let (data, rejects) = load(&csv);
        assert_eq!(rejects.len(), 1, "{rejects:?}");
        assert_eq!(
            (rejects[0].line, rejects[0].value.as_str()),
            (2, "1900-01-01")
        );
        assert!(
            rejects[0].reason.contains("placeholder"),
            "{}",
            rejects[0].reason
        );
        assert!(rejects[0].reason.contains("date_gap_days"));
        assert_eq!(data.stats.first_date.unwrap().to_string(), "1996-01-01");
        assert_eq!(data.stats.file.rows_accepted, 300);
        assert!((data.stats.net_units - 3000.0).abs() < 1e-9);
        // Without the placeholder, nothing is rejected.
        let (data, rejects) = load(&csv.replace("1900-01-01,A,7\n", ""));
        assert!(rejects.is_empty());
        assert_eq!(data.stats.file.rows_accepted, 300);
    }

    #[test]
    fn placeholder_rule() {
        let mut days = DayCounts::default();
        // 200 rows over 100 days from day 20000; 3 rows on day 0; 5 rows on day 19000.
        for d in 0..100 {
            days.add(20000 + d);
            days.add(20000 + d);
        }
        for _ in 0..3 {
            days.add(0);
        }
        assert_eq!(
            placeholder_cutoff(&days, 730),
            Some(Placeholder {
                before: 20000,
                last: 0,
                rows: 3,
                dates: 1
            })
        );
        assert_eq!(placeholder_cutoff(&days, 0), None);
        // Old history on many dates holding more than 1% of the rows is kept.
        let mut real = DayCounts::default();
        for d in 0..100 {
            real.add(20000 + d);
            real.add(10000 + d);
        }
        assert_eq!(placeholder_cutoff(&real, 730), None);
    }
}
