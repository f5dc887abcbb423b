//! Service delivered on the planner's own data: `realised.csv`, comparing an earlier run's
//! forecasts and designed service (its `forecast.csv`, `policy.csv` and `plan.json`) with the
//! sales that came since, per SKU (and location), and per demand class in the report.
//!
//! The earlier run is the one published in the output folder before this run replaces it, or
//! the folder of `[policy] lock_from` when that names another run's `policy.csv`. The days
//! compared run from the earlier planning date P₀ to the day before this run's planning date
//! P₁, as far as the earlier forecast reaches (whole buckets only). Per SKU:
//!
//! | measure | definition |
//! |---|---|
//! | `sales_units` | net units sold on the days compared (at least 0 per bucket), screened days left out |
//! | `lost_units` | estimated demand lost to stockouts: on each bucket with a stockout day, the earlier forecast less the units sold that bucket, at least 0 |
//! | `fill_rate` | `sales_units / (sales_units + lost_units)`: the share of demand served (empty without demand) |
//! | `cycles`, `cycles_without_stockout`, `cycle_service` | replenishment cycles (receipt to receipt, as the simulator and the cycle-service target count them) closed by a receipt on days P₀+1 … P₁ of the purchase-order file, and the share of them without a stockout day; the first cycle counted starts at P₀ |
//! | `forecast_units`, `actual_units`, `bias` | the earlier forecast and the units sold on buckets without a stockout or screened day, and `(forecast − actual) / actual` (+0.1 = 10% over-forecast, as in `accuracy.csv`); stockout days censor demand, so they are left out |
//! | `realised`, `vs_target` | the realised value in the measure of the earlier target (`cycle_service` or `fill_rate`) and realised − target |
//!
//! Screened days (a quantity screening excluded, [`crate::screen`]) have unknown demand: a
//! bucket holding one is left out of every measure. A SKU is compared when it has at least
//! [`MIN_DAYS`] days; otherwise, and when it is new since the earlier run, gone from the sales,
//! or without an earlier forecast for the days since, its row says so ([`Status`]) and the
//! aggregates ([`ClassRealised`]) leave it out.
//!
//! Realised service measures what the orders actually placed delivered: it matches the
//! design only where purchasing followed the recommendations.
//!
//! Not responsible for deciding when to compare (the pipeline calls [`compare_earlier`] before
//! it publishes), for printing or for the report.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{
    calendar::DemandSeries,
    forecast::output::ForecastRow,
    io::{
        atomic::write_atomic,
        cells::{header_of, num, opt_num, read_keyed, write_csv, Key, Keyed},
        purchase_orders::PurchaseOrderLine,
        LoadError,
    },
    plan::output::{PlanSummary, PolicyRow, RecommendationRow},
    validate::Loaded,
};

/// The file this module writes.
pub const REALISED_CSV: &str = "realised.csv";

/// Fewest days since the earlier run for a SKU to be compared (7).
pub const MIN_DAYS: u32 = 7;

/// Why a row of `realised.csv` is, or is not, compared; the order of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Compared over at least [`MIN_DAYS`] days.
    Compared,
    /// Fewer than [`MIN_DAYS`] days since the earlier run.
    TooFewDays,
    /// The earlier forecast has no bucket in the days since.
    NoForecast,
    /// A sales series now, no row in the earlier policy.csv.
    New,
    /// A row in the earlier policy.csv, no sales series now.
    Gone,
}

impl Status {
    /// Every status, in file order.
    pub const ALL: [Status; 5] = [
        Self::Compared,
        Self::TooFewDays,
        Self::NoForecast,
        Self::New,
        Self::Gone,
    ];

    /// The name in the `status` column.
    pub fn name(self) -> &'static str {
        match self {
            Self::Compared => "compared",
            Self::TooFewDays => "too_few_days",
            Self::NoForecast => "no_forecast",
            Self::New => "new",
            Self::Gone => "gone",
        }
    }

    /// The status of a `status` cell (`None` for a name this version does not know).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// One row of `realised.csv` after the key columns (`sku`, `location` when the sales have
/// one): the file's columns, in order. Units are units of the SKU; rates are fractions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RealisedRow {
    /// [`Status::name`].
    pub status: String,
    /// Demand class in the earlier run.
    pub class: String,
    /// What the earlier target measured: `cycle` or `fill_rate`.
    pub service_measure: String,
    /// The earlier run's service target.
    #[serde(serialize_with = "opt_num")]
    pub target: Option<f64>,
    /// The fill rate the earlier levels were designed to deliver.
    #[serde(serialize_with = "opt_num")]
    pub designed_fill_rate: Option<f64>,
    /// The cycle service the earlier levels were designed to deliver.
    #[serde(serialize_with = "opt_num")]
    pub designed_cycle_service: Option<f64>,
    /// First day compared (the earlier planning date).
    pub from: Option<NaiveDate>,
    /// Last day compared.
    pub to: Option<NaiveDate>,
    /// Days compared (whole buckets with an earlier forecast).
    pub days: u32,
    /// Of them, days with a stockout.
    pub stockout_days: u32,
    /// Of them, days screening excluded (left out of every measure).
    pub screened_days: u32,
    /// Units sold.
    #[serde(serialize_with = "num")]
    pub sales_units: f64,
    /// Estimated units lost to stockouts.
    #[serde(serialize_with = "num")]
    pub lost_units: f64,
    /// Realised fill rate.
    #[serde(serialize_with = "opt_num")]
    pub fill_rate: Option<f64>,
    /// Replenishment cycles closed by a receipt.
    pub cycles: u32,
    /// Of them, cycles without a stockout day.
    pub cycles_without_stockout: u32,
    /// Realised cycle service.
    #[serde(serialize_with = "opt_num")]
    pub cycle_service: Option<f64>,
    /// Earlier forecast on days without a stockout.
    #[serde(serialize_with = "num")]
    pub forecast_units: f64,
    /// Units sold on those days.
    #[serde(serialize_with = "num")]
    pub actual_units: f64,
    /// (forecast − actual) / actual on those days.
    #[serde(serialize_with = "opt_num")]
    pub bias: Option<f64>,
    /// Realised service in the target's measure.
    #[serde(serialize_with = "opt_num")]
    pub realised: Option<f64>,
    /// Realised − target.
    #[serde(serialize_with = "opt_num")]
    pub vs_target: Option<f64>,
    /// The earlier run's action (`recommendations.csv`).
    pub earlier_action: String,
    /// The quantity it recommended.
    #[serde(serialize_with = "opt_num")]
    pub earlier_order_quantity: Option<f64>,
    /// Units of purchase-order lines placed on the days from the earlier planning date to the
    /// day before this one (what purchasing did).
    #[serde(serialize_with = "num")]
    pub ordered_units: f64,
    /// The earlier run's mean lead time, days: service on the first days since mostly
    /// follows orders placed before the earlier run.
    #[serde(serialize_with = "opt_num")]
    pub lead_time_days: Option<f64>,
    /// Why the row is not compared, or what to read into it.
    pub reason: String,
}

/// A realised row with its key.
pub type Realised = Keyed<RealisedRow>;

/// The outputs of an earlier run that the comparison reads.
#[derive(Debug, Clone)]
pub struct EarlierRun {
    /// Its folder.
    pub dir: PathBuf,
    /// Its planning date (`plan.json`).
    pub planning_date: NaiveDate,
    /// Its `policy.csv`.
    pub policy: Vec<Keyed<PolicyRow>>,
    /// Its `forecast.csv`: the point forecast per bucket start.
    pub forecast: Vec<Keyed<ForecastRow>>,
    /// Its `recommendations.csv` (empty when the folder has none).
    pub recommendations: Vec<Keyed<RecommendationRow>>,
}

impl EarlierRun {
    /// Reads the run in `dir`: `Ok(None)` when the folder holds no `plan.json` (no earlier
    /// `run` or `plan`).
    ///
    /// # Errors
    /// A missing `policy.csv` or `forecast.csv` beside `plan.json`, or a file that is not what
    /// replenish writes: (its path, what is wrong).
    pub fn read(dir: &Path) -> Result<Option<Self>, (PathBuf, String)> {
        let plan = dir.join("plan.json");
        if !plan.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&plan).map_err(|e| (plan.clone(), e.to_string()))?;
        let summary: PlanSummary = serde_json::from_str(&text).map_err(|e| {
            (
                plan.clone(),
                format!("not the plan.json replenish writes: {e}"),
            )
        })?;
        let read = |name: &str| {
            let path = dir.join(name);
            if !path.is_file() {
                return Err((
                    path,
                    "not found beside plan.json (run and plan write both); point [policy] lock_from at the policy.csv of a complete run folder".to_string(),
                ));
            }
            Ok(path)
        };
        let policy_path = read("policy.csv")?;
        let forecast_path = read("forecast.csv")?;
        Ok(Some(Self {
            dir: dir.to_path_buf(),
            planning_date: summary.planning_date,
            policy: read_keyed(&policy_path).map_err(|m| (policy_path, m))?,
            forecast: read_keyed(&forecast_path).map_err(|m| (forecast_path, m))?,
            recommendations: match dir.join("recommendations.csv") {
                p if p.is_file() => read_keyed(&p).map_err(|m| (p, m))?,
                _ => Vec::new(),
            },
        }))
    }
}

/// What the sales since show for one SKU (see the module documentation).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measured {
    /// First and last day compared.
    pub span: Option<(NaiveDate, NaiveDate)>,
    /// Days compared.
    pub days: u32,
    /// Days with a stockout.
    pub stockout_days: u32,
    /// Days screened out.
    pub screened_days: u32,
    /// Units sold.
    pub sales: f64,
    /// Units lost (estimated).
    pub lost: f64,
    /// Cycles closed by a receipt.
    pub cycles: u32,
    /// Of them, without a stockout day.
    pub cycles_ok: u32,
    /// Earlier forecast on buckets without a stockout.
    pub forecast: f64,
    /// Sales on those buckets.
    pub actual: f64,
}

impl Measured {
    /// Realised fill rate (`None` without demand).
    pub fn fill_rate(&self) -> Option<f64> {
        let demand = self.sales + self.lost;
        (demand > 0.0).then(|| self.sales / demand)
    }

    /// Realised cycle service (`None` without a cycle).
    pub fn cycle_service(&self) -> Option<f64> {
        (self.cycles > 0).then(|| f64::from(self.cycles_ok) / f64::from(self.cycles))
    }

    /// Forecast bias (`None` when nothing was sold on the uncensored buckets).
    pub fn bias(&self) -> Option<f64> {
        (self.actual > 0.0).then(|| (self.forecast - self.actual) / self.actual)
    }
}

/// One SKU's data since the earlier run.
#[derive(Debug, Clone, Copy)]
pub struct SkuSince<'a> {
    /// Its demand series in this run.
    pub series: &'a DemandSeries,
    /// The earlier point forecast per bucket start, sorted by date.
    pub forecast: &'a [(NaiveDate, f64)],
    /// Days screening excluded, sorted.
    pub screened: &'a [NaiveDate],
    /// Receipt dates of its purchase orders, sorted, distinct.
    pub receipts: &'a [NaiveDate],
}

/// Measures one SKU over the whole buckets from `earlier` (the earlier planning date) to the
/// day before `now` (this planning date) that have an earlier forecast.
pub fn measure(s: &SkuSince<'_>, earlier: NaiveDate, now: NaiveDate) -> Measured {
    let mut m = Measured::default();
    let series = s.series;
    let mut stockouts: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    let mut start = series.start;
    for i in 0..series.len() {
        let end = series.freq.next_bucket(start);
        let bucket = (start, end);
        start = end;
        if bucket.0 < earlier || bucket.1 > now {
            continue;
        }
        let Ok(at) = s.forecast.binary_search_by_key(&bucket.0, |f| f.0) else {
            continue;
        };
        let f = s.forecast[at].1;
        let days = u32::try_from((bucket.1 - bucket.0).num_days()).unwrap_or(0);
        let first = m.span.map_or(bucket.0, |sp| sp.0);
        m.span = Some((first, bucket.1.pred_opt().unwrap_or(bucket.1)));
        m.days += days;
        let screened = s
            .screened
            .iter()
            .filter(|d| **d >= bucket.0 && **d < bucket.1)
            .count();
        if screened > 0 {
            m.screened_days += u32::try_from(screened).unwrap_or(u32::MAX);
            continue;
        }
        let sold = series.values[i].max(0.0);
        let out = u32::from(series.stockout_days[i]);
        m.sales += sold;
        if out > 0 {
            m.stockout_days += out;
            m.lost += (f - sold).max(0.0);
            stockouts.push(bucket);
        } else {
            m.forecast += f;
            m.actual += sold;
        }
    }
    if let Some((first, last)) = m.span {
        let mut from = first;
        for &r in s
            .receipts
            .iter()
            .filter(|r| **r > first && **r <= last + chrono::Days::new(1))
        {
            m.cycles += 1;
            if !stockouts.iter().any(|(a, b)| *a < r && *b > from) {
                m.cycles_ok += 1;
            }
            from = r;
        }
    }
    m
}

/// A (sku, location) key.
type KeyOf = (String, Option<String>);

/// The receipt dates per SKU (received lines with a positive quantity), sorted and distinct.
pub fn receipts_by_sku(lines: &[PurchaseOrderLine]) -> BTreeMap<&str, Vec<NaiveDate>> {
    let mut out: BTreeMap<&str, Vec<NaiveDate>> = BTreeMap::new();
    for l in lines {
        if let Some(r) = l.receipt_date {
            if l.quantity_received.unwrap_or(l.quantity) > 0.0 {
                out.entry(l.sku.as_str()).or_default().push(r);
            }
        }
    }
    for v in out.values_mut() {
        v.sort_unstable();
        v.dedup();
    }
    out
}

/// The earlier point forecasts per key on days `earlier` … `now` − 1, sorted by date.
fn forecasts_between(
    rows: &[Keyed<ForecastRow>],
    earlier: NaiveDate,
    now: NaiveDate,
) -> BTreeMap<KeyOf, Vec<(NaiveDate, f64)>> {
    let mut out: BTreeMap<KeyOf, Vec<(NaiveDate, f64)>> = BTreeMap::new();
    for r in rows {
        let key = (r.sku.clone(), r.location.clone());
        let v = out.entry(key).or_default();
        if r.row.date >= earlier && r.row.date < now {
            v.push((r.row.date, r.row.forecast));
        }
    }
    for v in out.values_mut() {
        v.sort_by_key(|x| x.0);
    }
    out
}

/// The row of a SKU in both runs: `m` measured against its earlier policy row `p` (`None`
/// when the earlier policy.csv has no row for it).
pub fn row_of(m: &Measured, p: Option<&PolicyRow>, earlier: NaiveDate) -> RealisedRow {
    let mut row = RealisedRow {
        from: m.span.map(|s| s.0),
        to: m.span.map(|s| s.1),
        days: m.days,
        stockout_days: m.stockout_days,
        screened_days: m.screened_days,
        sales_units: m.sales,
        lost_units: m.lost,
        fill_rate: m.fill_rate(),
        cycles: m.cycles,
        cycles_without_stockout: m.cycles_ok,
        cycle_service: m.cycle_service(),
        forecast_units: m.forecast,
        actual_units: m.actual,
        bias: m.bias(),
        ..RealisedRow::default()
    };
    if let Some(p) = p {
        row.class.clone_from(&p.class);
        row.service_measure.clone_from(&p.service_measure);
        row.target = (p.error.is_empty() && p.target > 0.0).then_some(p.target);
        row.designed_fill_rate = p.expected_fill_rate;
        row.designed_cycle_service = p.expected_cycle_service_level;
        row.realised = match p.service_measure.as_str() {
            "fill_rate" => row.fill_rate,
            _ => row.cycle_service,
        };
        row.vs_target = row.realised.zip(row.target).map(|(r, t)| r - t);
        row.lead_time_days =
            (p.error.is_empty() || p.lead_time_mean_days > 0.0).then_some(p.lead_time_mean_days);
    }
    let (status, reason) = if m.days == 0 {
        (
            Status::NoForecast,
            format!("the earlier forecast.csv has no whole bucket from {earlier} to the day before this planning date"),
        )
    } else if m.days < MIN_DAYS {
        (
            Status::TooFewDays,
            format!(
                "only {} day(s) since the earlier run of {earlier}; at least {MIN_DAYS} are compared",
                m.days
            ),
        )
    } else {
        (Status::Compared, compared_reason(&row, m))
    };
    row.status = status.name().to_string();
    row.reason = reason;
    row
}

/// What to read into a compared row: which measure is missing and why.
fn compared_reason(row: &RealisedRow, m: &Measured) -> String {
    let mut notes: Vec<String> = Vec::new();
    if m.cycles == 0 {
        notes.push("no receipt since the earlier run: no cycle to count".into());
    }
    if m.sales + m.lost <= 0.0 {
        notes.push("no demand since the earlier run".into());
    }
    if m.stockout_days > 0 {
        notes.push(format!(
            "{} stockout day(s): lost demand estimated from the earlier forecast, bias left out on them",
            m.stockout_days
        ));
    }
    if row.target.is_none() && row.class.is_empty() {
        notes.push("no earlier policy row".into());
    }
    if let Some(l) = row.lead_time_days.filter(|l| f64::from(m.days) < *l) {
        notes.push(format!(
            "fewer days than the lead time ({l:.0}): the service since mostly follows orders placed before the earlier run"
        ));
    }
    notes.join("; ")
}

/// This run's data the comparison reads (from [`Loaded`]).
#[derive(Debug, Clone, Copy)]
pub struct Current<'a> {
    /// The demand series (stockout and screened days counted in `stockout_days`).
    pub series: &'a [DemandSeries],
    /// Days screening excluded, per sku/location ([`Loaded::screened_days`]).
    pub screened_days: &'a BTreeMap<(String, Option<String>), Vec<NaiveDate>>,
    /// Purchase-order lines (receipts close replenishment cycles).
    pub purchase_orders: &'a [PurchaseOrderLine],
    /// This run's planning date: the day after the last day compared.
    pub planning_date: NaiveDate,
}

impl<'a> Current<'a> {
    /// The data of a loaded run.
    pub fn of(loaded: &'a Loaded) -> Self {
        Self {
            series: &loaded.series,
            screened_days: &loaded.screened_days,
            purchase_orders: &loaded.purchase_orders,
            planning_date: loaded.report.planning_date,
        }
    }
}

/// Compares every SKU of this run (`current`) with the earlier run: one row per key of either
/// run, sorted by status then key.
pub fn compare(earlier: &EarlierRun, current: &Current<'_>) -> Vec<Realised> {
    let now = current.planning_date;
    let p0 = earlier.planning_date;
    let forecasts = forecasts_between(&earlier.forecast, p0, now);
    let policy: BTreeMap<KeyOf, &PolicyRow> = earlier
        .policy
        .iter()
        .map(|r| ((r.sku.clone(), r.location.clone()), &r.row))
        .collect();
    let receipts = receipts_by_sku(current.purchase_orders);
    let actions: BTreeMap<KeyOf, &RecommendationRow> = earlier
        .recommendations
        .iter()
        .map(|r| ((r.sku.clone(), r.location.clone()), &r.row))
        .collect();
    let mut ordered: BTreeMap<&str, f64> = BTreeMap::new();
    for l in current.purchase_orders {
        if l.order_date >= p0 && l.order_date < now {
            *ordered.entry(l.sku.as_str()).or_default() += l.quantity;
        }
    }
    let mut rows: Vec<(Status, Realised)> = Vec::new();
    let mut seen: BTreeSet<KeyOf> = BTreeSet::new();
    for s in current.series {
        let key = (s.sku.clone(), s.location.clone());
        let p = policy.get(&key).copied();
        let f = forecasts.get(&key);
        let row = if p.is_none() && f.is_none() {
            RealisedRow {
                status: Status::New.name().into(),
                reason: format!("new since the earlier run of {p0}: not in its policy.csv"),
                ..RealisedRow::default()
            }
        } else {
            let since = SkuSince {
                series: s,
                forecast: f.map_or(&[], Vec::as_slice),
                screened: current.screened_days.get(&key).map_or(&[], Vec::as_slice),
                receipts: receipts.get(s.sku.as_str()).map_or(&[], Vec::as_slice),
            };
            row_of(&measure(&since, p0, now), p, p0)
        };
        let mut row = row;
        what_purchasing_did(&mut row, actions.get(&key).copied(), &ordered, &s.sku);
        let status = Status::parse(&row.status).unwrap_or(Status::Compared);
        rows.push((status, keyed(&key, row)));
        seen.insert(key);
    }
    for (key, p) in &policy {
        if seen.contains(key) {
            continue;
        }
        let mut row = row_of(&Measured::default(), Some(p), p0);
        row.status = Status::Gone.name().into();
        row.reason = "in the earlier run's policy.csv but no sales series now (never a positive sale, or not in the sales file)".to_string();
        what_purchasing_did(&mut row, actions.get(key).copied(), &ordered, &key.0);
        rows.push((Status::Gone, keyed(key, row)));
    }
    rows.sort_by(|(sa, a), (sb, b)| (sa, &a.sku, &a.location).cmp(&(sb, &b.sku, &b.location)));
    rows.into_iter().map(|(_, r)| r).collect()
}

/// The earlier recommendation `rec` and the units `ordered` since, per SKU, into `row`.
fn what_purchasing_did(
    row: &mut RealisedRow,
    rec: Option<&RecommendationRow>,
    ordered: &BTreeMap<&str, f64>,
    sku: &str,
) {
    if let Some(r) = rec {
        row.earlier_action.clone_from(&r.action);
        row.earlier_order_quantity = Some(r.order_quantity);
    }
    row.ordered_units = ordered.get(sku).copied().unwrap_or(0.0);
}

fn keyed(key: &KeyOf, row: RealisedRow) -> Realised {
    Keyed {
        sku: key.0.clone(),
        location: key.1.clone(),
        row,
    }
}

/// Writes `realised.csv`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_realised(path: &Path, rows: &[Realised]) -> Result<(), LoadError> {
    let loc = rows.iter().any(|r| r.location.is_some());
    let header = header_of(&(Key::header(loc), RealisedRow::default()));
    write_atomic(path, |w| {
        write_csv(
            w,
            &header,
            rows.iter()
                .map(|r| (Key::new(&r.sku, r.location.as_deref(), loc), &r.row)),
        )
    })
}

/// Realised service of one demand class (or of all SKUs), over its compared SKUs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassRealised {
    /// Demand class (`all` for every compared SKU).
    pub class: String,
    /// SKUs compared.
    pub skus: usize,
    /// Mean of their targets (SKU-weighted).
    pub target: Option<f64>,
    /// Mean of the designed service in each SKU's target measure (SKU-weighted).
    pub designed: Option<f64>,
    /// Cycles counted and cycles without a stockout.
    pub cycles: (u64, u64),
    /// Cycle service, cycle-weighted: cycles without a stockout / cycles.
    pub cycle_service: Option<f64>,
    /// Fill rate, unit-weighted: units sold / (units sold + units lost).
    pub fill_rate: Option<f64>,
    /// Fill rate, SKU-weighted: the mean over SKUs with demand.
    pub fill_rate_sku_mean: Option<f64>,
    /// Forecast bias, unit-weighted: Σ(forecast − actual) / Σ actual on days without a
    /// stockout.
    pub bias: Option<f64>,
    /// Days with a stockout / days compared.
    pub stockout_day_share: Option<f64>,
    /// SKUs with a realised value in their target's measure, and of them at or above target.
    pub on_target: (usize, usize),
}

fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (n, s) = v.fold((0usize, 0.0), |(n, s), x| (n + 1, s + x));
    (n > 0).then(|| s / n as f64)
}

impl ClassRealised {
    /// The aggregate of `rows` (only their compared rows count), named `class`.
    pub fn of<'a>(class: &str, rows: impl Iterator<Item = &'a RealisedRow> + Clone) -> Self {
        let rows = rows.filter(|r| r.status == Status::Compared.name());
        let sum = |f: fn(&RealisedRow) -> f64| rows.clone().map(f).sum::<f64>();
        let cycles: u64 = rows.clone().map(|r| u64::from(r.cycles)).sum();
        let ok: u64 = rows
            .clone()
            .map(|r| u64::from(r.cycles_without_stockout))
            .sum();
        let (sales, lost) = (sum(|r| r.sales_units), sum(|r| r.lost_units));
        let (forecast, actual) = (sum(|r| r.forecast_units), sum(|r| r.actual_units));
        let days = sum(|r| f64::from(r.days));
        let measured: Vec<&RealisedRow> = rows
            .clone()
            .filter(|r| r.realised.is_some() && r.target.is_some())
            .collect();
        let designed = |r: &RealisedRow| match r.service_measure.as_str() {
            "fill_rate" => r.designed_fill_rate,
            _ => r.designed_cycle_service,
        };
        Self {
            class: class.to_string(),
            skus: rows.clone().count(),
            target: mean(rows.clone().filter_map(|r| r.target)),
            designed: mean(rows.clone().filter_map(designed)),
            cycles: (cycles, ok),
            cycle_service: (cycles > 0).then(|| ok as f64 / cycles as f64),
            fill_rate: (sales + lost > 0.0).then(|| sales / (sales + lost)),
            fill_rate_sku_mean: mean(rows.clone().filter_map(|r| r.fill_rate)),
            bias: (actual > 0.0).then(|| (forecast - actual) / actual),
            stockout_day_share: (days > 0.0).then(|| sum(|r| f64::from(r.stockout_days)) / days),
            on_target: (
                measured.len(),
                measured
                    .iter()
                    .filter(|r| r.vs_target.is_some_and(|g| g >= -1e-9))
                    .count(),
            ),
        }
    }

    /// Per demand class (smooth, erratic, intermittent, lumpy, then any other in name order),
    /// then `all`; classes without a compared SKU are left out, `all` never.
    pub fn by_class(rows: &[Realised]) -> Vec<Self> {
        const ORDER: [&str; 5] = ["smooth", "erratic", "intermittent", "lumpy", "none"];
        let mut classes: Vec<&str> = rows
            .iter()
            .filter(|r| r.row.status == Status::Compared.name())
            .map(|r| r.row.class.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        classes.sort_by_key(|c| (ORDER.iter().position(|o| o == c).unwrap_or(ORDER.len()), *c));
        let mut out: Vec<Self> = classes
            .into_iter()
            .map(|c| Self::of(c, rows.iter().map(|r| &r.row).filter(move |r| r.class == c)))
            .collect();
        out.push(Self::of("all", rows.iter().map(|r| &r.row)));
        out
    }
}

/// Rows per status (every status listed).
pub fn status_counts(rows: &[Realised]) -> Vec<(Status, usize)> {
    Status::ALL
        .into_iter()
        .map(|s| (s, rows.iter().filter(|r| r.row.status == s.name()).count()))
        .collect()
}

/// What comparing with the earlier run found.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparison {
    /// No earlier run at hand: nothing compared, no `realised.csv`.
    NoEarlierRun,
    /// `realised.csv` was written.
    Compared {
        /// The earlier planning date.
        earlier: NaiveDate,
        /// Every compared SKU together ([`ClassRealised::by_class`]'s `all`).
        all: ClassRealised,
        /// Rows per status.
        counts: Vec<(Status, usize)>,
    },
    /// The earlier outputs could not be read: no `realised.csv`; the run itself goes on.
    Unreadable {
        /// The earlier file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{:.1}%", 100.0 * v))
}

impl Comparison {
    /// The console line (`None` when there was no earlier run): `realised since the run of
    /// 2025-12-04 (280 SKUs compared): fill rate 93.1%, cycle service 88.0% (41 of 47 cycles),
    /// mean target 94.2%; forecast bias +3.2% — see reports/example/realised.csv`.
    pub fn line(&self, file: &Path) -> Option<String> {
        match self {
            Self::NoEarlierRun | Self::Unreadable { .. } => None,
            Self::Compared {
                earlier,
                all,
                counts,
            } => {
                let not: usize = counts
                    .iter()
                    .filter(|(s, _)| *s != Status::Compared)
                    .map(|(_, n)| n)
                    .sum();
                let bias = all
                    .bias
                    .map_or("–".into(), |b| format!("{:+.1}%", 100.0 * b));
                Some(format!(
                    "realised since the run of {earlier} ({} SKUs compared, {not} not): fill rate {}, cycle service {} ({} of {} cycles), mean target {}; forecast bias {bias} — see {}",
                    all.skus,
                    pct(all.fill_rate),
                    pct(all.cycle_service),
                    all.cycles.1,
                    all.cycles.0,
                    pct(all.target),
                    file.display()
                ))
            }
        }
    }
}

/// Compares the run in `earlier_dir` with this run's sales (`loaded`, planning date
/// `loaded.report.planning_date`) and writes `new/realised.csv` when `earlier_dir` holds a
/// run. The pipeline calls it after the plan's outputs are staged in `new` and before they
/// replace those of the output folder.
///
/// # Errors
/// [`LoadError::Write`] when `realised.csv` cannot be written; unreadable earlier outputs are
/// not an error ([`Comparison::Unreadable`]).
pub fn compare_earlier(
    earlier_dir: &Path,
    new: &Path,
    loaded: &Loaded,
) -> Result<Comparison, LoadError> {
    let earlier = match EarlierRun::read(earlier_dir) {
        Ok(Some(e)) => e,
        Ok(None) => return Ok(Comparison::NoEarlierRun),
        Err((path, message)) => return Ok(Comparison::Unreadable { path, message }),
    };
    let rows = compare(&earlier, &Current::of(loaded));
    write_realised(&new.join(REALISED_CSV), &rows)?;
    let all = ClassRealised::by_class(&rows)
        .pop()
        .expect("by_class ends with all");
    Ok(Comparison::Compared {
        earlier: earlier.planning_date,
        all,
        counts: status_counts(&rows),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::test_series;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, d).unwrap()
    }

    fn po(sku: &str, received: u32) -> PurchaseOrderLine {
        PurchaseOrderLine {
            line: 2,
            sku: sku.into(),
            supplier: None,
            order_date: day(1),
            receipt_date: Some(day(received)),
            quantity: 10.0,
            quantity_received: None,
            expected_date: None,
            screened: false,
        }
    }

    /// SKU A, daily, 2024-01-01 … 01-14 (this planning date 01-15); the earlier run planned on
    /// 01-05 with a forecast of 10 a day (12 on 01-08) up to 01-18.
    /// Days compared 01-05 … 01-14: sales 12 8 10 3 0 9 11 10 (screened) 7; stockouts on 01-08
    /// (3 sold) and 01-09 (none sold); 01-13 screened (quantity 0, censored in the series).
    fn case() -> (DemandSeries, Vec<(NaiveDate, f64)>, Vec<NaiveDate>) {
        let mut values = vec![5.0, 5.0, 5.0, 5.0];
        values.extend([12.0, 8.0, 10.0, 3.0, 0.0, 9.0, 11.0, 10.0, 0.0, 7.0]);
        let mut s = test_series("A", values);
        for d in [8, 9, 13] {
            s.stockout_days[d - 1] = 1;
        }
        let forecast = (5..=18)
            .map(|d| (day(d), if d == 8 { 12.0 } else { 10.0 }))
            .collect();
        (s, forecast, vec![day(13)])
    }

    #[test]
    fn fill_cycle_service_and_bias_by_hand() {
        let (s, forecast, screened) = case();
        // 01-03 is before the earlier run, 01-20 after this one; 01-15 (this planning date)
        // closes the cycle that ends on the last day compared.
        let receipts = [day(3), day(7), day(11), day(15), day(20)];
        let since = SkuSince {
            series: &s,
            forecast: &forecast,
            screened: &screened,
            receipts: &receipts,
        };
        let m = measure(&since, day(5), day(15));
        assert_eq!(m.span, Some((day(5), day(14))));
        assert_eq!((m.days, m.stockout_days, m.screened_days), (10, 2, 1));
        // Sold: 12+8+10+3+0+9+11+10+7 (the screened day left out).
        assert!((m.sales - 70.0).abs() < 1e-12);
        // Lost: (12 − 3) on 01-08 + (10 − 0) on 01-09.
        assert!((m.lost - 19.0).abs() < 1e-12);
        assert!((m.fill_rate().unwrap() - 70.0 / 89.0).abs() < 1e-12);
        // Cycles 01-05…06 (ok), 01-07…10 (stockouts on 8 and 9), 01-11…14 (a screened day is
        // not a stockout): 2 of 3.
        assert_eq!((m.cycles, m.cycles_ok), (3, 2));
        assert!((m.cycle_service().unwrap() - 2.0 / 3.0).abs() < 1e-12);
        // Bias on 01-05, 06, 07, 10, 11, 12, 14: forecast 70, sold 12+8+10+9+11+10+7 = 67.
        assert!((m.forecast - 70.0).abs() < 1e-12 && (m.actual - 67.0).abs() < 1e-12);
        assert!((m.bias().unwrap() - 3.0 / 67.0).abs() < 1e-12);

        let policy = PolicyRow {
            class: "smooth".into(),
            service_measure: "cycle".into(),
            target: 0.95,
            expected_cycle_service_level: Some(0.95),
            expected_fill_rate: Some(0.99),
            ..PolicyRow::default()
        };
        let row = row_of(&m, Some(&policy), day(5));
        assert_eq!(row.status, "compared");
        assert_eq!(row.realised, m.cycle_service());
        assert!((row.vs_target.unwrap() - (2.0 / 3.0 - 0.95)).abs() < 1e-12);
        let as_fill = PolicyRow {
            service_measure: "fill_rate".into(),
            ..policy
        };
        assert_eq!(row_of(&m, Some(&as_fill), day(5)).realised, m.fill_rate());
    }

    #[test]
    fn weekly_buckets_compare_whole_weeks_only() {
        // Mondays 2024-01-01, 08, 15, 22; this planning date Thursday 01-25: the last week is
        // partial and left out. The earlier run planned on 01-08.
        let mut s = test_series("W", vec![70.0, 60.0, 50.0, 40.0]);
        s.freq = crate::calendar::Freq::Week;
        s.stockout_days = vec![0, 0, 2, 0];
        let forecast = vec![(day(8), 63.0), (day(15), 63.0), (day(22), 63.0)];
        let receipts = [day(12), day(22)];
        let since = SkuSince {
            series: &s,
            forecast: &forecast,
            screened: &[],
            receipts: &receipts,
        };
        let m = measure(&since, day(8), day(25));
        assert_eq!(m.span, Some((day(8), day(21))));
        assert_eq!((m.days, m.stockout_days), (14, 2));
        assert!((m.lost - 13.0).abs() < 1e-12 && (m.sales - 110.0).abs() < 1e-12);
        // 01-08…11 ok; 01-12…21 overlaps the week with stockout days.
        assert_eq!((m.cycles, m.cycles_ok), (2, 1));
        assert!((m.bias().unwrap() - 3.0 / 60.0).abs() < 1e-12);
    }

    /// The earlier run of the catalogue test: A (smooth) and B, G (lumpy), fill-rate targets
    /// of 0.9; forecasts for A (see [`case`]) and B (1 a day); A was told ORDER 40.
    fn earlier_run(forecast: &[(NaiveDate, f64)]) -> EarlierRun {
        EarlierRun {
            dir: PathBuf::new(),
            planning_date: day(5),
            policy: ["A", "B", "G"]
                .into_iter()
                .map(|sku| Keyed {
                    sku: sku.into(),
                    location: None,
                    row: PolicyRow {
                        class: if sku == "A" { "smooth" } else { "lumpy" }.into(),
                        service_measure: "fill_rate".into(),
                        target: 0.9,
                        expected_fill_rate: Some(0.9),
                        ..PolicyRow::default()
                    },
                })
                .collect(),
            forecast: ["A", "B"]
                .into_iter()
                .flat_map(|sku| {
                    forecast.iter().map(move |&(date, f)| Keyed {
                        sku: sku.into(),
                        location: None,
                        row: ForecastRow {
                            date,
                            forecast: if sku == "A" { f } else { 1.0 },
                        },
                    })
                })
                .collect(),
            recommendations: vec![Keyed {
                sku: "A".into(),
                location: None,
                row: RecommendationRow {
                    action: "ORDER".into(),
                    order_quantity: 40.0,
                    ..RecommendationRow::default()
                },
            }],
        }
    }

    type Catalogue = (
        [DemandSeries; 3],
        BTreeMap<(String, Option<String>), Vec<NaiveDate>>,
        [PurchaseOrderLine; 5],
        Vec<(NaiveDate, f64)>,
    );

    /// This run: A of [`case`], B (1 a day, 4 on 01-13), C (new); receipts of A on 01-07, 11,
    /// 15 and of B on 01-09, and an order of 25 for A placed on 01-06.
    fn catalogue() -> Catalogue {
        let (a, forecast, screened) = case();
        let mut b = test_series("B", vec![1.0; 14]);
        b.values[12] = 4.0;
        let c = test_series("C", vec![2.0; 14]);
        let screened_days = BTreeMap::from([(("A".to_string(), None), screened)]);
        // An open order placed on 01-06 (since the earlier run); the others on 01-01.
        let open = PurchaseOrderLine {
            order_date: day(6),
            receipt_date: None,
            quantity: 25.0,
            ..po("A", 1)
        };
        let orders = [po("A", 7), po("A", 11), po("A", 15), po("B", 9), open];
        ([a, b, c], screened_days, orders, forecast)
    }

    #[test]
    fn every_sku_gets_a_row_with_a_reason() {
        let (series, screened_days, orders, forecast) = catalogue();
        let earlier = earlier_run(&forecast);
        let current = Current {
            series: &series,
            screened_days: &screened_days,
            purchase_orders: &orders,
            planning_date: day(15),
        };
        let rows = compare(&earlier, &current);
        let got: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.sku.as_str(), r.row.status.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("A", "compared"),
                ("B", "compared"),
                ("C", "new"),
                ("G", "gone")
            ]
        );
        assert!(rows[2]
            .row
            .reason
            .contains("new since the earlier run of 2024-01-05"));
        assert!(rows[3].row.reason.contains("no sales series now"));
        // What purchasing did: A was told ORDER 40, and 25 were ordered since.
        let a = &rows[0].row;
        assert_eq!(
            (a.earlier_action.as_str(), a.earlier_order_quantity),
            ("ORDER", Some(40.0))
        );
        assert!((a.ordered_units - 25.0).abs() < 1e-12);
        assert_eq!(
            (
                rows[1].row.earlier_action.as_str(),
                rows[1].row.ordered_units
            ),
            ("", 0.0)
        );
        // B: 10 days, no stockout, sold 9 × 1 + 4 against a forecast of 10: fill 1, bias −3/13.
        let b = &rows[1].row;
        assert_eq!(
            (b.fill_rate, b.cycles, b.cycles_without_stockout),
            (Some(1.0), 1, 1)
        );
        assert!((b.bias.unwrap() + 3.0 / 13.0).abs() < 1e-12);
        assert!((b.vs_target.unwrap() - 0.1).abs() < 1e-12);
    }

    #[test]
    fn classes_aggregate_the_compared_rows() {
        let (series, screened_days, orders, forecast) = catalogue();
        let earlier = earlier_run(&forecast);
        let current = Current {
            series: &series,
            screened_days: &screened_days,
            purchase_orders: &orders,
            planning_date: day(15),
        };
        let rows = compare(&earlier, &current);
        let classes = ClassRealised::by_class(&rows);
        let names: Vec<&str> = classes.iter().map(|c| c.class.as_str()).collect();
        assert_eq!(names, ["smooth", "lumpy", "all"]);
        let all = &classes[2];
        assert_eq!(all.skus, 2);
        // Unit-weighted: (70 + 13) / (70 + 19 + 13); SKU mean: (70/89 + 1) / 2.
        assert!((all.fill_rate.unwrap() - 83.0 / 102.0).abs() < 1e-12);
        assert!((all.fill_rate_sku_mean.unwrap() - (70.0 / 89.0 + 1.0) / 2.0).abs() < 1e-12);
        // Cycles: A 2 of 3, B 1 of 1.
        assert_eq!(all.cycles, (4, 3));
        // Bias: (70 + 10 − 67 − 13) / (67 + 13) = 0.
        assert!(all.bias.unwrap().abs() < 1e-12);
        // A's fill 0.787 is below its 0.9, B's 1 above.
        assert_eq!(all.on_target, (2, 1));
        // Stockout days 2 of 20.
        assert!((all.stockout_day_share.unwrap() - 0.1).abs() < 1e-12);

        // Fewer than MIN_DAYS days: listed, not aggregated.
        let short = Current {
            planning_date: day(9),
            ..current
        };
        let rows = compare(&earlier, &short);
        assert_eq!(rows[0].row.status, "too_few_days");
        assert!(rows[0].row.reason.contains("only 4 day(s)"));
        assert_eq!(ClassRealised::by_class(&rows).pop().unwrap().skus, 0);
    }

    #[test]
    fn the_file_reads_back_into_the_same_rows() {
        let (s, forecast, screened) = case();
        let since = SkuSince {
            series: &s,
            forecast: &forecast,
            screened: &screened,
            receipts: &[day(7)],
        };
        let row = row_of(&measure(&since, day(5), day(15)), None, day(5));
        let rows = vec![keyed(&("A".to_string(), None), row)];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(REALISED_CSV);
        write_realised(&path, &rows).unwrap();
        let back: Vec<Realised> = read_keyed(&path).unwrap();
        assert_eq!(back[0].row.from, Some(day(5)));
        assert_eq!(back[0].row.cycles, 1);
        assert_eq!(back[0].row.target, None);
        assert!((back[0].row.fill_rate.unwrap() - 0.7865).abs() < 1e-9);
    }
}
