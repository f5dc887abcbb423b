//! The load-and-validate stage: read every configured input, collect rejects, cross-check the
//! inputs against each other, bucket the sales, and summarise.
//!
//! Sales dates must lie before the planning date — or, without a planning date, up to the run
//! date — and after `[validation] earliest_date` when one is set (no fixed earliest date by
//! default: placeholder dates such as a lone 1900-01-01 are found by the gap in the file's
//! dates, see [`crate::io::sales`]).
//!
//! Screening ([`crate::screen`]) runs on the loaded sales before anything else: its findings
//! are written to `anomalies.csv` beside `rejects.csv` (always, even empty) and counted in the
//! summary.
//!
//! The purchasing settings are checked against the inputs here too (`src/validate/terms.rs`):
//! a supplier or category in `[purchasing.budget_by_supplier]`, `[suppliers.NAME]` or
//! `[purchasing.budget_by_category]` that no input has is an error naming the key (nothing
//! is written); a container supplier's item without the `volume` or `weight` its container
//! needs, or whose smallest order is larger than a whole container, is flagged in
//! `anomalies.csv` (action `kept`).
//!
//! Order of work, so that a structural problem writes nothing: all files are loaded first (a
//! structural error stops here, before any output); then `rejects.csv` is written (even when
//! empty, so a stale one never survives); then each file's reject share is checked against
//! `[validation] max_reject_share` (the run fails after writing rejects.csv, so the planner can
//! see which rows to fix); then the sales are bucketed.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

use chrono::NaiveDate;
use serde::Serialize;

use crate::{
    calendar::{bucket_all, default_planning_date, BucketStats, DemandSeries, Freq, Window},
    config::Config,
    io::{
        anomalies::{write_anomalies_csv, Anomaly},
        atomic::write_atomic,
        events::{load_events, EventRecord, EventTarget},
        inventory::{load_inventory, InventoryRecord},
        items::{load_items, ItemRecord},
        locations,
        overrides::{load_overrides, SkuOverride},
        parse::{date_of, day_of, Day},
        purchase_orders::{load_purchase_orders, PurchaseOrderLine},
        rejects::{write_rejects_csv, Reject, RejectLog},
        sales::{load_sales, DailySales, DateWindow, SalesData, SalesStats, SCREENED},
        suppliers::{load_suppliers, Offers},
        FileStats, InputKind, LoadError,
    },
    screen::{lead_times::screen_and_mark, sales::screen_sales},
};

mod terms;

/// Everything the inputs hold, typed and validated.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Bucketed demand, one series per sku/location, sorted by sku then location.
    pub series: Vec<DemandSeries>,
    /// Purchase-order lines (empty without a PO file).
    pub purchase_orders: Vec<PurchaseOrderLine>,
    /// Inventory snapshot (empty without an inventory file).
    pub inventory: Vec<InventoryRecord>,
    /// Item master (empty without an items file).
    pub items: Vec<ItemRecord>,
    /// The planner's overrides by SKU (empty without an overrides file).
    pub overrides: BTreeMap<String, SkuOverride>,
    /// Known future events (empty without an events file).
    pub events: Vec<EventRecord>,
    /// Several suppliers' offers by SKU (empty without a suppliers file).
    pub suppliers: Offers,
    /// Every rejected row of every file.
    pub rejects: Vec<Reject>,
    /// Every value screening flagged (`anomalies.csv`).
    pub anomalies: Vec<Anomaly>,
    /// Sku/location series whose sales rows never show a positive sale (no demand series is
    /// built for them; they are planned as never sold), sorted by sku then location.
    pub zero_sales: Vec<ZeroSales>,
    /// The summary.
    pub report: ValidationReport,
    /// Days whose quantity screening excluded (demand unknown), per sku/location, sorted:
    /// [`crate::realised`] leaves them out, where bucketing counts them as censored like
    /// stockout days.
    pub screened_days: BTreeMap<(String, Option<String>), Vec<NaiveDate>>,
}

/// A sku/location whose sales rows are all zero (or returns): it has rows, so it is not a new
/// item, but it never sold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZeroSales {
    /// SKU.
    pub sku: String,
    /// Location, when the sales file has one.
    pub location: Option<String>,
    /// Date of its first sales row.
    pub first: NaiveDate,
    /// Date of its last sales row.
    pub last: NaiveDate,
}

impl ZeroSales {
    /// The sku/location series of `daily` with no positive sale, i.e. missing from the
    /// bucketed `series` (both sorted by sku then location).
    fn of(daily: &[DailySales], series: &[DemandSeries]) -> Vec<Self> {
        let bucketed: BTreeSet<(&str, Option<&str>)> = series
            .iter()
            .map(|s| (s.sku.as_str(), s.location.as_deref()))
            .collect();
        daily
            .iter()
            .filter(|d| !bucketed.contains(&(d.sku.as_str(), d.location.as_deref())))
            .map(|d| ZeroSales {
                sku: d.sku.clone(),
                location: d.location.clone(),
                first: date_of(d.first_day),
                last: date_of(d.last_day()),
            })
            .collect()
    }

    /// Days from the first row to the day before `planning` (the span its zeros cover).
    pub fn days_before(&self, planning: NaiveDate) -> i64 {
        (planning - self.first).num_days()
    }
}

/// Row counts and findings of one input file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FileReport {
    /// Which input.
    pub input: InputKind,
    /// The file.
    pub path: String,
    /// Row counts.
    #[serde(flatten)]
    pub stats: FileStats,
}

/// The validation summary printed by `replenish validate` and written as `validation.json`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ValidationReport {
    /// Per file row counts.
    pub files: Vec<FileReport>,
    /// Sales-specific counts (returns, duplicates, flags).
    pub sales: SalesStats,
    /// Bucket size used.
    pub freq: Freq,
    /// Planning date (history ends the day before).
    pub planning_date: NaiveDate,
    /// Bucketing results.
    pub buckets: BucketStats,
    /// SKUs in the inventory or item master that never sold.
    pub never_sold: Vec<String>,
    /// Sold SKUs with no item-master row (they take the config defaults); empty without an
    /// item master.
    pub missing_from_items: Vec<String>,
    /// SKUs with purchase orders but no sales.
    pub ordered_not_sold: Vec<String>,
    /// Open purchase-order lines (on order).
    pub open_orders: usize,
    /// Inventory rows with customer units waiting.
    pub skus_on_backorder: usize,
    /// The location rule applied when the sales and the inventory snapshot disagree on
    /// locations ([`crate::io::locations`]), if it applied.
    pub location_rule: Option<String>,
    /// Wall time per step in seconds (not serialised: validation.json stays reproducible).
    #[serde(skip)]
    pub timings: Vec<(String, f64)>,
}

/// Loads, validates and buckets all configured inputs: every file is read (`Reading`), the
/// steering files are checked against the catalogue, the purchasing settings' names against
/// the inputs (`src/validate/terms.rs`), `rejects.csv` and `anomalies.csv` (with the container
/// suppliers' items whose size cannot be counted or held) are written, the reject shares are
/// checked, the sales are bucketed and the inputs cross-checked.
///
/// # Errors
/// A structural [`LoadError`] of any file (nothing is written), [`LoadError::UnknownNames`]
/// when a budget or `[suppliers.NAME]` table names a supplier or category no input has
/// (nothing is written), [`LoadError::NoInput`] without a sales file,
/// [`LoadError::TooManyRejects`] when a file's reject share is above the limit (after
/// `rejects.csv` is written to `out_dir`), or a write error.
pub fn load_and_validate(config: &Config, out_dir: &Path) -> Result<Loaded, LoadError> {
    let sales_path = config.inputs.sales.as_deref().ok_or(LoadError::NoInput {
        input: "sales",
        flag: "sales",
    })?;
    let mut reading = Reading::start();
    let Inputs {
        mut sales,
        purchase_orders,
        mut inventory,
        items,
        overrides,
        events,
        suppliers,
    } = read_inputs(config, sales_path, &mut reading)?;
    let location_rule = apply_location_rule(&mut sales, &mut inventory, config);
    // Lead times no planner would believe are marked, so that leadtime leaves them out.
    let mut purchase_orders = purchase_orders;
    let lead_time_anomalies = match config.inputs.purchase_orders.as_deref() {
        Some(p) => screen_and_mark(&mut purchase_orders, p),
        None => Vec::new(),
    };

    // Steering files name SKUs and categories: check them against the catalogue.
    let known = Known::of(&sales.series, &inventory, &items);
    let (overrides, events, suppliers) =
        known.keep_steering(overrides, events, suppliers, &mut reading);

    // Names in the purchasing settings no input has: an error before anything is written.
    terms::check_names(config, &items, &purchase_orders, &suppliers)?;

    write_rejects_csv(&out_dir.join("rejects.csv"), &reading.rejects)?;
    let mut anomalies = std::mem::take(&mut sales.anomalies);
    anomalies.extend(lead_time_anomalies);
    anomalies.extend(terms::container_anomalies(config, &items, &suppliers));
    write_anomalies_csv(&out_dir.join("anomalies.csv"), &anomalies)?;
    check_reject_shares(&reading.files, config.validation.max_reject_share)?;

    let planning_date = config.calendar.planning_date.unwrap_or_else(|| {
        let today = chrono::Local::now().date_naive();
        default_planning_date(&sales.series, config.calendar.freq, today).unwrap_or(NaiveDate::MIN)
    });
    let window = Window {
        freq: config.calendar.freq,
        planning_date,
        history_start: config.calendar.history_start,
    };
    let (series, buckets) = bucket_all(&sales.series, &window);
    let screened_days = screened_days_of(&sales.series);
    let zero_sales = ZeroSales::of(&sales.series, &series);
    reading.laps.lap("bucket");

    let found = CrossCheck::of(
        &sales.series,
        &purchase_orders,
        &inventory,
        &items,
        config.inputs.items.is_some(),
    );
    let report = ValidationReport {
        files: reading.files,
        sales: sales.stats.clone(),
        freq: window.freq,
        planning_date,
        buckets,
        never_sold: found.never_sold,
        missing_from_items: found.missing_from_items,
        ordered_not_sold: found.ordered_not_sold,
        open_orders: purchase_orders.iter().filter(|p| p.is_open()).count(),
        skus_on_backorder: inventory
            .iter()
            .filter(|r| r.backordered.is_some_and(|b| b > 0.0))
            .count(),
        location_rule,
        timings: reading.laps.timings,
    };
    Ok(Loaded {
        series,
        purchase_orders,
        inventory,
        items,
        overrides,
        events,
        suppliers,
        rejects: reading.rejects,
        anomalies,
        zero_sales,
        report,
        screened_days,
    })
}

/// The days with the [`SCREENED`] flag per sku/location (only those that have any).
fn screened_days_of(daily: &[DailySales]) -> BTreeMap<(String, Option<String>), Vec<NaiveDate>> {
    daily
        .iter()
        .filter_map(|d| {
            let days: Vec<NaiveDate> = (d.first_day..)
                .zip(&d.flags)
                .filter(|(_, f)| **f & SCREENED != 0)
                .map(|(day, _)| crate::io::parse::date_of(day))
                .collect();
            (!days.is_empty()).then(|| ((d.sku.clone(), d.location.clone()), days))
        })
        .collect()
}

/// Applies the location rule ([`crate::io::locations`]) when the sales and the inventory
/// snapshot disagree on locations; returns the message for the planner, if it applied.
fn apply_location_rule(
    sales: &mut SalesData,
    inventory: &mut Vec<InventoryRecord>,
    config: &Config,
) -> Option<String> {
    config.inputs.inventory.as_ref()?;
    let sales_have = sales.series.iter().any(|s| s.location.is_some());
    let stock_has = inventory.iter().any(|r| r.location.is_some());
    let rule = locations::mismatch(sales_have, stock_has)?;
    if sales_have {
        sales.series = locations::sum_sales_over_locations(std::mem::take(&mut sales.series));
        sales.stats.series = sales.series.len();
    } else {
        *inventory = locations::sum_inventory_over_locations(std::mem::take(inventory));
    }
    Some(rule.to_string())
}

/// Every input file as read, before the cross-checks. A steering file (overrides, events) is
/// kept with its path and row counts: the catalogue check rejects more of its rows.
struct Inputs<'c> {
    sales: SalesData,
    purchase_orders: Vec<PurchaseOrderLine>,
    inventory: Vec<InventoryRecord>,
    items: Vec<ItemRecord>,
    overrides: Option<Steering<'c, BTreeMap<String, SkuOverride>>>,
    events: Option<Steering<'c, Vec<EventRecord>>>,
    suppliers: Option<Steering<'c, Offers>>,
}

/// A steering file's path, rows and row counts.
type Steering<'c, T> = (&'c Path, (T, FileStats));

/// Reads every configured input (the sales file at `sales_path`); the data files are reported
/// as they are read.
fn read_inputs<'c>(
    config: &'c Config,
    sales_path: &Path,
    reading: &mut Reading,
) -> Result<Inputs<'c>, LoadError> {
    let cols = &config.columns;
    let window = date_window(config);
    let limits = config.validation.sales_limits();
    let mut sales = reading.read(sales_path, |p, log| {
        load_sales(p, &cols.sales, &window, &limits, log)
    })?;
    reading.report(
        InputKind::Sales,
        sales_path,
        &sales.stats.file,
        "load sales",
    );
    let outliers = screen_sales(&mut sales, &config.validation.outliers());
    sales.anomalies.extend(outliers);
    reading.laps.lap("screen sales");
    let purchase_orders = reading.optional(
        InputKind::PurchaseOrders,
        config.inputs.purchase_orders.as_deref(),
        "load purchase orders",
        |p, log| load_purchase_orders(p, &cols.purchase_orders, log),
    )?;
    let inventory = reading.optional(
        InputKind::Inventory,
        config.inputs.inventory.as_deref(),
        "load inventory",
        |p, log| load_inventory(p, &cols.inventory, log),
    )?;
    let items = reading.optional(
        InputKind::Items,
        config.inputs.items.as_deref(),
        "load items",
        |p, log| load_items(p, &cols.items, &config.defaults, log),
    )?;
    let overrides = match config.inputs.overrides.as_deref() {
        Some(p) => Some((
            p,
            reading.read(p, |p, log| load_overrides(p, &cols.overrides, log))?,
        )),
        None => None,
    };
    let events = match config.inputs.events.as_deref() {
        Some(p) => Some((
            p,
            reading.read(p, |p, log| load_events(p, &cols.events, log))?,
        )),
        None => None,
    };
    let suppliers = match config.inputs.suppliers.as_deref() {
        Some(p) => Some((
            p,
            reading.read(p, |p, log| load_suppliers(p, &cols.suppliers, log))?,
        )),
        None => None,
    };

    Ok(Inputs {
        sales,
        purchase_orders,
        inventory,
        items,
        overrides,
        events,
        suppliers,
    })
}

/// The window sales dates must lie in: from `[validation] earliest_date` up to the day before
/// the planning date, or without one up to the run date.
fn date_window(config: &Config) -> DateWindow {
    match config.calendar.planning_date {
        Some(plan) => DateWindow {
            earliest: config.validation.earliest_date.map_or(Day::MIN, day_of),
            before: day_of(plan),
            before_is: format!("the planning date {plan}"),
        },
        None => {
            let today = chrono::Local::now().date_naive();
            DateWindow {
                earliest: config.validation.earliest_date.map_or(Day::MIN, day_of),
                before: day_of(today) + 1,
                before_is: format!(
                    "the day after the run date {today} (set [calendar] planning_date or --planning-date for data dated later)"
                ),
            }
        }
    }
}

/// Wall time per step.
struct Laps {
    timings: Vec<(String, f64)>,
    clock: std::time::Instant,
}

impl Laps {
    /// Records the time since the last lap (or the start) as step `name`.
    fn lap(&mut self, name: &str) {
        self.timings
            .push((name.to_string(), self.clock.elapsed().as_secs_f64()));
        self.clock = std::time::Instant::now();
    }
}

/// The input files read so far: their rejects in the order found, their row counts, and the
/// time each step took.
struct Reading {
    rejects: Vec<Reject>,
    files: Vec<FileReport>,
    laps: Laps,
}

impl Reading {
    /// Nothing read yet; the clock starts now.
    fn start() -> Self {
        Reading {
            rejects: Vec::new(),
            files: Vec::new(),
            laps: Laps {
                timings: Vec::new(),
                clock: std::time::Instant::now(),
            },
        }
    }

    /// Reads the file at `path` with `load`, keeping its rejects.
    fn read<R>(
        &mut self,
        path: &Path,
        load: impl FnOnce(&Path, &mut RejectLog) -> Result<R, LoadError>,
    ) -> Result<R, LoadError> {
        let mut log = RejectLog::new(path);
        let read = load(path, &mut log)?;
        self.rejects.append(&mut log.rows);
        Ok(read)
    }

    /// Reports the row counts of the `kind` file at `path` and laps the clock for `step`.
    fn report(&mut self, kind: InputKind, path: &Path, stats: &FileStats, step: &str) {
        self.files.push(file_report(kind, path, stats));
        self.laps.lap(step);
    }

    /// Reads the optional `kind` file at `path` with `load` and reports it (no rows without
    /// the file).
    fn optional<T>(
        &mut self,
        kind: InputKind,
        path: Option<&Path>,
        step: &str,
        load: impl FnOnce(&Path, &mut RejectLog) -> Result<(Vec<T>, FileStats), LoadError>,
    ) -> Result<Vec<T>, LoadError> {
        let Some(p) = path else {
            return Ok(Vec::new());
        };
        let (rows, stats) = self.read(p, load)?;
        self.report(kind, p, &stats, step);
        Ok(rows)
    }
}

/// The SKUs (in a sales, inventory or item-master row) and categories (of the item master)
/// the steering files may name.
struct Known<'a> {
    catalogue: BTreeSet<&'a str>,
    categories: BTreeSet<&'a str>,
}

impl<'a> Known<'a> {
    fn of(
        sales: &'a [DailySales],
        inventory: &'a [InventoryRecord],
        items: &'a [ItemRecord],
    ) -> Self {
        let catalogue: BTreeSet<&str> = sales
            .iter()
            .map(|s| s.sku.as_str())
            .chain(inventory.iter().map(|r| r.sku.as_str()))
            .chain(items.iter().map(|r| r.sku.as_str()))
            .collect();
        let categories: BTreeSet<&str> =
            items.iter().filter_map(|r| r.category.as_deref()).collect();
        Known {
            catalogue,
            categories,
        }
    }

    /// The steering files' rows whose SKUs and categories the catalogue knows: the others
    /// are rejected (into `reading`), and each file is reported once checked.
    fn keep_steering(
        &self,
        overrides: Option<Steering<'_, BTreeMap<String, SkuOverride>>>,
        events: Option<Steering<'_, Vec<EventRecord>>>,
        suppliers: Option<Steering<'_, Offers>>,
        reading: &mut Reading,
    ) -> (BTreeMap<String, SkuOverride>, Vec<EventRecord>, Offers) {
        let overrides = match overrides {
            Some((p, (mut rows, mut stats))) => {
                self.keep_overrides(p, &mut rows, &mut stats, &mut reading.rejects);
                reading.report(InputKind::Overrides, p, &stats, "load overrides");
                rows
            }
            None => BTreeMap::new(),
        };
        let events = match events {
            Some((p, (mut rows, mut stats))) => {
                self.keep_events(p, &mut rows, &mut stats, &mut reading.rejects);
                reading.report(InputKind::Events, p, &stats, "load events");
                rows
            }
            None => Vec::new(),
        };
        let suppliers = match suppliers {
            Some((p, (mut rows, mut stats))) => {
                self.keep_suppliers(p, &mut rows, &mut stats, &mut reading.rejects);
                reading.report(InputKind::Suppliers, p, &stats, "load suppliers");
                rows
            }
            None => BTreeMap::new(),
        };
        (overrides, events, suppliers)
    }

    /// Rejects (into `rejects`, recounted in `stats`) every line of the overrides file at `p`
    /// whose SKU is not in the catalogue.
    fn keep_overrides(
        &self,
        p: &Path,
        overrides: &mut BTreeMap<String, SkuOverride>,
        stats: &mut FileStats,
        rejects: &mut Vec<Reject>,
    ) {
        let mut log = RejectLog::new(p);
        overrides.retain(|sku, o| {
            if self.catalogue.contains(sku.as_str()) {
                return true;
            }
            for &line in &o.lines {
                log.push(
                    line,
                    "sku",
                    sku.clone(),
                    unknown(
                        "sku",
                        sku,
                        &self.catalogue,
                        "in no sales, inventory or item-master row",
                    ),
                );
            }
            stats.rows_accepted -= o.lines.len() as u64;
            stats.rows_rejected += o.lines.len() as u64;
            false
        });
        rejects.append(&mut log.rows);
    }

    /// Rejects (into `rejects`, recounted in `stats`) every row of the suppliers file at `p`
    /// whose SKU is not in the catalogue.
    fn keep_suppliers(
        &self,
        p: &Path,
        offers: &mut Offers,
        stats: &mut FileStats,
        rejects: &mut Vec<Reject>,
    ) {
        let mut log = RejectLog::new(p);
        offers.retain(|sku, rows| {
            if self.catalogue.contains(sku.as_str()) {
                return true;
            }
            for o in rows.iter() {
                let why = unknown(
                    "sku",
                    sku,
                    &self.catalogue,
                    "in no sales, inventory or item-master row",
                );
                log.push(
                    o.line,
                    "sku",
                    sku.clone(),
                    format!("{why}; the offer of {} is not considered", o.supplier),
                );
            }
            stats.rows_accepted -= rows.len() as u64;
            stats.rows_rejected += rows.len() as u64;
            false
        });
        log.rows.sort_by_key(|r| r.line);
        rejects.append(&mut log.rows);
    }

    /// Rejects (into `rejects`, recounted in `stats`) every event of the events file at `p`
    /// for a SKU not in the catalogue or a category not in the item master.
    fn keep_events(
        &self,
        p: &Path,
        events: &mut Vec<EventRecord>,
        stats: &mut FileStats,
        rejects: &mut Vec<Reject>,
    ) {
        let mut log = RejectLog::new(p);
        events.retain(|e| {
            let (column, name, known, set) = match &e.target {
                EventTarget::Sku(s) => (
                    "sku",
                    s,
                    self.catalogue.contains(s.as_str()),
                    ("in no sales, inventory or item-master row", &self.catalogue),
                ),
                EventTarget::Category(c) => (
                    "category",
                    c,
                    self.categories.contains(c.as_str()),
                    ("not a category of the item master", &self.categories),
                ),
            };
            if !known {
                log.push(
                    e.line,
                    column,
                    name.clone(),
                    unknown(column, name, set.1, set.0),
                );
                stats.rows_accepted -= 1;
                stats.rows_rejected += 1;
            }
            known
        });
        rejects.append(&mut log.rows);
    }
}

/// [`LoadError::TooManyRejects`] for the first data file (not a steering file) whose reject
/// share is above `limit`.
fn check_reject_shares(files: &[FileReport], limit: f64) -> Result<(), LoadError> {
    for f in files.iter().filter(|f| !f.input.is_steering()) {
        if f.stats.reject_share() > limit {
            return Err(LoadError::TooManyRejects {
                path: f.path.clone().into(),
                rejected: f.stats.rows_rejected,
                read: f.stats.rows_read,
                share: 100.0 * f.stats.reject_share(),
                limit: 100.0 * limit,
            });
        }
    }
    Ok(())
}

/// SKUs one input knows and another does not.
struct CrossCheck {
    never_sold: Vec<String>,
    missing_from_items: Vec<String>,
    ordered_not_sold: Vec<String>,
}

impl CrossCheck {
    /// The findings; `missing_from_items` only `with_items` (an item master was given).
    fn of(
        sales: &[DailySales],
        purchase_orders: &[PurchaseOrderLine],
        inventory: &[InventoryRecord],
        items: &[ItemRecord],
        with_items: bool,
    ) -> Self {
        let sold: BTreeSet<&str> = sales.iter().map(|s| s.sku.as_str()).collect();
        let item_skus: BTreeSet<&str> = items.iter().map(|i| i.sku.as_str()).collect();
        let never_sold: BTreeSet<String> = inventory
            .iter()
            .map(|r| r.sku.as_str())
            .chain(item_skus.iter().copied())
            .filter(|s| !sold.contains(s))
            .map(str::to_string)
            .collect();
        let missing_from_items = if with_items {
            sold.iter()
                .filter(|s| !item_skus.contains(*s))
                .map(|s| s.to_string())
                .collect()
        } else {
            Vec::new()
        };
        let ordered_not_sold: BTreeSet<String> = purchase_orders
            .iter()
            .filter(|p| !sold.contains(p.sku.as_str()))
            .map(|p| p.sku.clone())
            .collect();
        CrossCheck {
            never_sold: never_sold.into_iter().collect(),
            missing_from_items,
            ordered_not_sold: ordered_not_sold.into_iter().collect(),
        }
    }
}

/// The reason for a sku or category no other input knows, with the known names it most likely
/// meant ([`closest`]).
fn unknown(what: &str, name: &str, known: &BTreeSet<&str>, why: &str) -> String {
    let closest = closest(name, known);
    let hint = if closest.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", closest.join(" or "))
    };
    format!("unknown {what} {name}: {why}{hint}; check the spelling or remove the row")
}

/// The known names a typo of `name` most likely meant, in order of preference: those equal to
/// it once every run of digits loses its leading zeros (`SKU0005` and `SKU00005`), else equal
/// ignoring case, else equal in both ways, else those at the smallest edit distance (at most
/// 2), of them the ones whose length differs least. Nothing when more than 3 names tie (the
/// hint would be a guess); sorted, so the same inputs give the same hint.
fn closest<'k>(name: &str, known: &BTreeSet<&'k str>) -> Vec<&'k str> {
    let digits = |s: &str| {
        let mut out = String::with_capacity(s.len());
        let mut leading = true;
        for (i, c) in s.char_indices() {
            let next_is_digit = s[i + c.len_utf8()..]
                .chars()
                .next()
                .is_some_and(|n| n.is_ascii_digit());
            if c == '0' && leading && next_is_digit {
                continue;
            }
            leading = !c.is_ascii_digit();
            out.push(c);
        }
        out
    };
    let (name_digits, name_lower) = (digits(name), name.to_lowercase());
    let tiers: [&dyn Fn(&str) -> bool; 3] = [
        &|k| digits(k) == name_digits,
        &|k| k.to_lowercase() == name_lower,
        &|k| digits(k).to_lowercase() == name_digits.to_lowercase(),
    ];
    let ranked = tiers
        .iter()
        .map(|same| known.iter().copied().filter(|k| same(k)).collect())
        .find(|v: &Vec<&str>| !v.is_empty())
        .unwrap_or_else(|| {
            let scored: Vec<((usize, usize), &str)> = known
                .iter()
                .map(|k| {
                    let d = strsim::levenshtein(k, name);
                    ((d, k.len().abs_diff(name.len())), *k)
                })
                .filter(|((d, _), _)| *d <= 2)
                .collect();
            let best = scored.iter().map(|(r, _)| *r).min();
            scored
                .into_iter()
                .filter(|(r, _)| Some(*r) == best)
                .map(|(_, k)| k)
                .collect()
        });
    if ranked.len() > 3 {
        Vec::new()
    } else {
        ranked
    }
}

fn file_report(input: InputKind, path: &Path, stats: &FileStats) -> FileReport {
    FileReport {
        input,
        path: path.display().to_string(),
        stats: stats.clone(),
    }
}

impl ValidationReport {
    /// Writes the report as pretty JSON, atomically.
    ///
    /// # Errors
    /// [`LoadError::Write`].
    pub fn write_json(&self, path: &Path) -> Result<(), LoadError> {
        let json = serde_json::to_string_pretty(self).expect("report serialises");
        write_atomic(path, |w| w.write_all(json.as_bytes()))?;
        Ok(())
    }

    /// A plain-text summary for the terminal.
    pub fn summary(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "input            rows read   accepted   rejected  blank  file"
        );
        for f in &self.files {
            let _ = writeln!(
                s,
                "{:<16} {:>9} {:>10} {:>10} {:>6}  {}",
                f.input.name(),
                f.stats.rows_read,
                f.stats.rows_accepted,
                f.stats.rows_rejected,
                f.stats.blank_lines,
                f.path
            );
            if f.stats.cells_rejected > 0 {
                let _ = writeln!(
                    s,
                    "{:<16} {} optional cells rejected alone (row used, default taken; see rejects.csv)",
                    "", f.stats.cells_rejected
                );
            }
            if !f.stats.ignored_columns.is_empty() {
                let _ = writeln!(
                    s,
                    "{:<16} ignored columns: {}",
                    "",
                    f.stats.ignored_columns.join(", ")
                );
            }
        }
        let sales = &self.sales;
        let range = match (sales.first_date, sales.last_date) {
            (Some(a), Some(b)) => format!("{a} to {b}"),
            _ => "none".into(),
        };
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "sales: {} SKUs, {} sku/location series, dates {range}",
            sales.skus, sales.series
        );
        let _ = writeln!(
            s,
            "       {:.0} net units; {} return rows ({:.0} units netted); {} rows summed into an existing sku/day",
            sales.net_units, sales.return_rows, sales.returned_units, sales.duplicate_rows
        );
        let _ = writeln!(
            s,
            "       {} stockout days (censored demand), {} promotion days",
            sales.stockout_days, sales.promo_days
        );
        if let Some(line) = screening_line(sales) {
            let _ = writeln!(s, "{line}");
        }
        let _ = writeln!(
            s,
            "buckets: {} per {}, {} series, planning date {}",
            self.buckets.buckets, self.freq, self.buckets.series, self.planning_date
        );
        if !self.buckets.without_sales.is_empty() {
            let _ = writeln!(
                s,
                "         {} series with no positive sale in the window (not planned): {}",
                self.buckets.without_sales.len(),
                preview(&self.buckets.without_sales)
            );
        }
        if self.buckets.units_outside_window.abs() > 0.0 {
            let _ = writeln!(
                s,
                "         {:.0} net units before the history window (not bucketed)",
                self.buckets.units_outside_window
            );
        }
        if let Some(rule) = &self.location_rule {
            let _ = writeln!(s, "locations: {rule}");
        }
        let _ = writeln!(
            s,
            "purchase orders: {} open lines; inventory: {} SKUs with customers waiting",
            self.open_orders, self.skus_on_backorder
        );
        for (what, list) in [
            ("in inventory/items but never sold", &self.never_sold),
            (
                "sold but missing from the item master (config defaults used)",
                &self.missing_from_items,
            ),
            ("with purchase orders but no sales", &self.ordered_not_sold),
        ] {
            if !list.is_empty() {
                let _ = writeln!(s, "{} SKUs {what}: {}", list.len(), preview(list));
            }
        }
        s
    }
}

/// The summary's screening line, when screening flagged anything.
fn screening_line(sales: &SalesStats) -> Option<String> {
    let mut parts = Vec::new();
    if sales.excluded_values > 0 {
        parts.push(format!(
            "{} sales value{} excluded",
            sales.excluded_values,
            if sales.excluded_values == 1 { "" } else { "s" }
        ));
    }
    if sales.duplicated_blocks > 0 {
        parts.push(format!(
            "{} duplicated block{} ({} rows) excluded",
            sales.duplicated_blocks,
            if sales.duplicated_blocks == 1 {
                ""
            } else {
                "s"
            },
            sales.duplicated_rows
        ));
    }
    (!parts.is_empty()).then(|| format!("screening: {} — see anomalies.csv", parts.join(", ")))
}

fn preview(list: &[String]) -> String {
    const N: usize = 5;
    let head = list.iter().take(N).cloned().collect::<Vec<_>>().join(", ");
    if list.len() > N {
        format!("{head}, … (+{} more; see validation.json)", list.len() - N)
    } else {
        head
    }
}

/// Rows read, accepted and rejected over all files (the invariant holds per file, so here too).
pub fn totals(report: &ValidationReport) -> FileStats {
    let mut t = FileStats::default();
    for f in &report.files {
        t.rows_read += f.stats.rows_read;
        t.rows_accepted += f.stats.rows_accepted;
        t.rows_rejected += f.stats.rows_rejected;
        t.cells_rejected += f.stats.cells_rejected;
        t.blank_lines += f.stats.blank_lines;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled example's catalogue: SKU00001 to SKU00300.
    fn catalogue() -> Vec<String> {
        (1..=300).map(|i| format!("SKU{i:05}")).collect()
    }

    fn hint(name: &str) -> Vec<String> {
        let names = catalogue();
        let known: BTreeSet<&str> = names.iter().map(String::as_str).collect();
        closest(name, &known)
            .into_iter()
            .map(String::from)
            .collect()
    }

    #[test]
    fn a_typo_gets_the_one_name_it_most_likely_meant() {
        // A zero too few: SKU00050..SKU00059 and 10 more are also one edit away.
        assert_eq!(hint("SKU0005"), ["SKU00005"]);
        assert_eq!(hint("SKU000005"), ["SKU00005"]);
        assert_eq!(hint("sku00123"), ["SKU00123"]);
        assert_eq!(hint("sku123"), ["SKU00123"]);
        // The letter O for a zero: one edit from SKU00001 only.
        assert_eq!(hint("SKUO0001"), ["SKU00001"]);
        // A letter dropped: one edit from SKU00007 only, and no length tie-break needed.
        assert_eq!(hint("SK00007"), ["SKU00007"]);
        // Far from everything, or too many equally close: no hint.
        assert!(hint("WIDGET-9").is_empty());
        assert_eq!(hint("SKU0040"), ["SKU00040"]);
        assert!(hint("SKU00X").is_empty());
        let names = catalogue();
        let known = names.iter().map(String::as_str).collect();
        let reason = unknown("sku", "SKU0005", &known, "not in the sales");
        assert!(reason.contains("(did you mean SKU00005?)"), "{reason}");
        let reason = unknown("sku", "WIDGET-9", &known, "not in the sales");
        assert!(!reason.contains("did you mean"), "{reason}");
    }

    #[test]
    fn equally_close_names_are_ranked_by_length_then_capped_at_three() {
        let known: BTreeSet<&str> = ["ABXD", "ABCDE", "ABCDEF"].into_iter().collect();
        // ABXD and ABCDE are one edit away; ABXD has the length of the typo.
        assert_eq!(closest("ABCD", &known), ["ABXD"]);
        let known: BTreeSet<&str> = ["A1", "B1", "C1", "D1"].into_iter().collect();
        assert!(closest("E1", &known).is_empty());
        let known: BTreeSet<&str> = ["A1", "B1", "C1"].into_iter().collect();
        assert_eq!(closest("E1", &known), ["A1", "B1", "C1"]);
    }

    #[test]
    fn the_summary_names_screening_counts_and_the_file() {
        let mut sales = SalesStats::default();
        assert_eq!(screening_line(&sales), None);
        sales.excluded_values = 2;
        sales.duplicated_blocks = 1;
        sales.duplicated_rows = 9300;
        assert_eq!(
            screening_line(&sales).unwrap(),
            "screening: 2 sales values excluded, 1 duplicated block (9300 rows) excluded — see anomalies.csv"
        );
    }
}
