//! Loading the planner's overrides: the hand on the wheel, per SKU.
//!
//! Columns (every one but `sku` optional; an empty cell overrides nothing):
//!
//! | column | meaning | allowed |
//! |---|---|---|
//! | `model` | force a forecast model (`ses`, `ses(0.3)`, `croston`, …) | a model name |
//! | `service_level` | service target | (0, 1), or `cost` (the cost-minimising target) |
//! | `safety_stock` | fixed safety stock (units) | ≥ 0 |
//! | `safety_stock_days` | safety stock = this many days of forecast demand | ≥ 0 |
//! | `reorder_point` (or `min`) | fixed reorder point s (units of inventory position) | ≥ 0 |
//! | `order_quantity` | fixed order quantity Q (units; still rounded to pack and MOQ) | > 0 |
//! | `order_days` | order quantity = this many days of mean demand | > 0 |
//! | `order_up_to` (or `max`) | fixed order-up-to level S (units) | ≥ 0, above s |
//! | `multiplier`, `from`, `to` | multiply the forecast on the days `from`..=`to` (either end open) | ≥ 0 |
//! | `do_not_order` | no new orders for this SKU | 0/1 |
//! | `discontinued` | no new orders; the SKU sells down | 0/1 |
//! | `lock` | keep the levels of the last run (its policy.csv) | 0/1 |
//! | `note` | free text, echoed with the override | |
//!
//! A SKU may have several rows: their values are merged, and multipliers (one per row)
//! multiply where their date ranges overlap. A row is rejected — with its line, column, value
//! and reason in rejects.csv — when a value is out of range, when it sets a value another row
//! of the same SKU already set differently, when it gives both of a pair that cannot go
//! together (`safety_stock` and `safety_stock_days`; `order_quantity` and `order_days`;
//! `min` and `reorder_point`; `max` and `order_up_to`), when `from`/`to` come without a
//! multiplier, or when it sets nothing at all. SKUs that are in no other input are rejected by
//! [`crate::validate`], which knows the catalogue.

use std::{collections::BTreeMap, path::Path};

use chrono::NaiveDate;
use serde::Serialize;

use super::{
    parse::date_of,
    rejects::RejectLog,
    rows::{for_each_row, Row},
    table::Table,
    FileStats, InputKind, LoadError,
};
use crate::domain::model::ModelSpec;
use crate::domain::target::ServiceTarget;

const SKU: usize = 0;
const MODEL: usize = 1;
const SERVICE: usize = 2;
const SS: usize = 3;
const SS_DAYS: usize = 4;
const ROP: usize = 5;
const QTY: usize = 6;
const QTY_DAYS: usize = 7;
const MIN: usize = 8;
const MAX: usize = 9;
const UP_TO: usize = 10;
const MULT: usize = 11;
const FROM: usize = 12;
const TO: usize = 13;
const DNO: usize = 14;
const DISC: usize = 15;
const LOCK: usize = 16;
const NOTE: usize = 17;

/// A forecast multiplier over a date range (either end open).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Multiplier {
    /// Factor applied to the forecast (1.3 = +30%).
    pub factor: f64,
    /// First day, inclusive; `None` = from the start of the forecast.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive; `None` = to the end of the forecast.
    pub to: Option<NaiveDate>,
    /// Line of the row that set it.
    pub line: u64,
}

/// Everything the planner overrode for one SKU (rows merged). Applies to every location of
/// the SKU.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SkuOverride {
    /// SKU.
    pub sku: String,
    /// Lines of the rows merged into this override.
    pub lines: Vec<u64>,
    /// Forced forecast model.
    pub model: Option<ModelSpec>,
    /// Service target.
    pub service_level: Option<f64>,
    /// `service_level` said `cost`: the cost-minimising target of an item with a shortage
    /// cost ([`crate::domain::target::critical_ratio`]).
    pub cost_target: bool,
    /// Fixed safety stock (units).
    pub safety_stock: Option<f64>,
    /// Safety stock as days of forecast demand.
    pub safety_stock_days: Option<f64>,
    /// Fixed reorder point (units).
    pub reorder_point: Option<f64>,
    /// Fixed order quantity (units).
    pub order_quantity: Option<f64>,
    /// Order quantity as days of mean demand.
    pub order_days: Option<f64>,
    /// Fixed order-up-to level (units).
    pub order_up_to: Option<f64>,
    /// Forecast multipliers.
    pub multipliers: Vec<Multiplier>,
    /// No new orders.
    pub do_not_order: bool,
    /// No new orders; sell down.
    pub discontinued: bool,
    /// Keep the last run's levels.
    pub lock: bool,
    /// The planner's notes.
    pub notes: Vec<String>,
}

impl SkuOverride {
    /// Whether any level (safety stock, s, Q, S, order days) is fixed.
    pub fn fixes_levels(&self) -> bool {
        self.safety_stock.is_some()
            || self.safety_stock_days.is_some()
            || self.reorder_point.is_some()
            || self.order_quantity.is_some()
            || self.order_days.is_some()
            || self.order_up_to.is_some()
    }
}

/// Which field of a row was set, for conflict messages.
fn merge(
    slot: &mut Option<f64>,
    value: Option<f64>,
    first: &mut BTreeMap<&'static str, u64>,
    name: &'static str,
    line: u64,
) -> Result<(), String> {
    let Some(v) = value else { return Ok(()) };
    match *slot {
        Some(old) if (old - v).abs() > 1e-12 => Err(format!(
            "{name} {v} conflicts with {old} set for the same sku at line {}; keep one value",
            first.get(name).copied().unwrap_or(0)
        )),
        _ => {
            *slot = Some(v);
            first.entry(name).or_insert(line);
            Ok(())
        }
    }
}

/// Loads the overrides file; rejected rows go to `rejects`. The result is keyed by SKU.
///
/// Each row is read (`OverrideRow::read`), checked on its own (`OverrideRow::problem`) and
/// merged into its SKU's override (`OverrideRow::merge_into`); a row that fails a step is
/// rejected and changes nothing.
///
/// # Errors
/// Structural [`LoadError`]s.
pub fn load_overrides(
    path: &Path,
    mapping: &BTreeMap<String, String>,
    rejects: &mut RejectLog,
) -> Result<(BTreeMap<String, SkuOverride>, FileStats), LoadError> {
    let table = Table::open(path, InputKind::Overrides, mapping)?;
    let mut out: BTreeMap<String, SkuOverride> = BTreeMap::new();
    let mut first_lines: BTreeMap<String, BTreeMap<&'static str, u64>> = BTreeMap::new();
    let stats = for_each_row(&table, rejects, |row| {
        let values = OverrideRow::read(row);
        let Some(sku) = values.sku else { return };
        if row.is_rejected() {
            return;
        }
        if let Some((col, reason)) = values.problem() {
            row.reject(col, reason);
            return;
        }
        let line = row.line();
        let mut o = out.get(sku).cloned().unwrap_or_else(|| SkuOverride {
            sku: sku.to_string(),
            ..SkuOverride::default()
        });
        let mut first = first_lines.get(sku).cloned().unwrap_or_default();
        if let Err((col, reason)) = values.merge_into(&mut o, &mut first, line) {
            row.reject(col, reason);
            return;
        }
        first_lines.insert(sku.to_string(), first);
        out.insert(sku.to_string(), o);
    })?;
    Ok((out, stats))
}

/// The cells of one overrides row, parsed (a cell that does not parse is rejected and empty).
struct OverrideRow<'a> {
    sku: Option<&'a str>,
    model: Option<ModelSpec>,
    service: Option<f64>,
    /// `service_level` said `cost`.
    cost: bool,
    ss: Option<f64>,
    ss_days: Option<f64>,
    rop: Option<f64>,
    qty: Option<f64>,
    qty_days: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    up_to: Option<f64>,
    mult: Option<f64>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    dno: bool,
    disc: bool,
    lock: bool,
    note: Option<&'a str>,
}

/// A rejected row: the column to blame and the reason.
type Problem = (usize, String);

impl<'a> OverrideRow<'a> {
    /// Parses every cell of `row`, rejecting the cells that are not valid.
    fn read(row: &mut Row<'_, 'a>) -> Self {
        let sku = row.text(SKU);
        let model = row
            .opt_text(MODEL)
            .and_then(|m| match m.parse::<ModelSpec>() {
                Ok(spec) => Some(spec),
                Err(e) => {
                    row.reject(MODEL, e.to_string());
                    None
                }
            });
        // `cost` asks for the cost-minimising target (domain::target).
        let cost = row
            .opt_text(SERVICE)
            .is_some_and(|t| matches!(t.parse(), Ok(ServiceTarget::Cost)));
        let service = if cost { None } else { row.opt_number(SERVICE) };
        if let Some(s) = service {
            if !(s > 0.0 && s < 1.0) {
                row.reject(
                    SERVICE,
                    "service_level should be a probability in (0, 1), e.g. 0.98 for 98%",
                );
            }
        }
        OverrideRow {
            sku,
            model,
            service,
            cost,
            ss: row.opt_non_negative(SS, false),
            ss_days: row.opt_non_negative(SS_DAYS, false),
            rop: row.opt_non_negative(ROP, false),
            qty: row.opt_non_negative(QTY, true),
            qty_days: row.opt_non_negative(QTY_DAYS, true),
            min: row.opt_non_negative(MIN, false),
            max: row.opt_non_negative(MAX, false),
            up_to: row.opt_non_negative(UP_TO, false),
            mult: row.opt_non_negative(MULT, false),
            from: row.opt_date(FROM).map(date_of),
            to: row.opt_date(TO).map(date_of),
            dno: row.flag(DNO),
            disc: row.flag(DISC),
            lock: row.flag(LOCK),
            note: row.opt_text(NOTE),
        }
    }

    /// The reorder point (`reorder_point`, else `min`).
    fn reorder_point(&self) -> Option<f64> {
        self.rop.or(self.min)
    }

    /// The order-up-to level (`order_up_to`, else `max`).
    fn order_up_to(&self) -> Option<f64> {
        self.up_to.or(self.max)
    }

    /// Why the row cannot be used on its own, if so: both of a pair, S not above s, from/to
    /// without a multiplier or the wrong way round, or nothing set.
    fn problem(&self) -> Option<Problem> {
        let pairs = [
            (
                self.ss,
                self.ss_days,
                SS_DAYS,
                "safety_stock and safety_stock_days",
            ),
            (
                self.qty,
                self.qty_days,
                QTY_DAYS,
                "order_quantity and order_days",
            ),
            (self.min, self.rop, MIN, "min and reorder_point"),
            (self.max, self.up_to, MAX, "max and order_up_to"),
        ];
        for (a, b, col, what) in pairs {
            if a.is_some() && b.is_some() {
                return Some((col, format!("{what} are both given; give one of them")));
            }
        }
        if let (Some(s), Some(big_s)) = (self.reorder_point(), self.order_up_to()) {
            if big_s <= s {
                return Some((
                    if self.max.is_some() { MAX } else { UP_TO },
                    format!("order_up_to {big_s} should be above the reorder point {s}"),
                ));
            }
        }
        if self.mult.is_none() && (self.from.is_some() || self.to.is_some()) {
            let col = if self.from.is_some() { FROM } else { TO };
            return Some((
                col,
                "from/to give the date range of a forecast multiplier, but the row has no multiplier".into(),
            ));
        }
        if let (Some(a), Some(b)) = (self.from, self.to) {
            if b < a {
                return Some((TO, format!("to {b} is before from {a}")));
            }
        }
        if !self.sets_something() {
            return Some((
                SKU,
                "the row overrides nothing; fill at least one of model, service_level, safety_stock, safety_stock_days, reorder_point, order_quantity, order_days, order_up_to, multiplier, do_not_order, discontinued, lock".into(),
            ));
        }
        None
    }

    /// Whether the row overrides anything.
    fn sets_something(&self) -> bool {
        self.model.is_some()
            || self.service.is_some()
            || self.cost
            || self.ss.is_some()
            || self.ss_days.is_some()
            || self.reorder_point().is_some()
            || self.qty.is_some()
            || self.qty_days.is_some()
            || self.order_up_to().is_some()
            || self.mult.is_some()
            || self.dno
            || self.disc
            || self.lock
    }

    /// Merges the row (at `line`) into its SKU's override `o`, whose values were first set at
    /// the lines in `first`. A value that conflicts with one set by another row, or a
    /// combination across rows that cannot go together, is a problem; `o` is then not to be
    /// kept.
    fn merge_into(
        &self,
        o: &mut SkuOverride,
        first: &mut BTreeMap<&'static str, u64>,
        line: u64,
    ) -> Result<(), Problem> {
        if let Some(m) = self.model {
            if let Some(old) = o.model.filter(|&old| old != m) {
                let at = first.get("model").copied().unwrap_or(0);
                return Err((
                    MODEL,
                    format!("model {m} conflicts with {old} set for the same sku at line {at}; keep one"),
                ));
            }
            o.model = Some(m);
            first.entry("model").or_insert(line);
        }
        let fields = [
            (&mut o.service_level, self.service, "service_level", SERVICE),
            (&mut o.safety_stock, self.ss, "safety_stock", SS),
            (
                &mut o.safety_stock_days,
                self.ss_days,
                "safety_stock_days",
                SS_DAYS,
            ),
            (
                &mut o.reorder_point,
                self.reorder_point(),
                "reorder_point",
                ROP,
            ),
            (&mut o.order_quantity, self.qty, "order_quantity", QTY),
            (&mut o.order_days, self.qty_days, "order_days", QTY_DAYS),
            (&mut o.order_up_to, self.order_up_to(), "order_up_to", UP_TO),
        ];
        for (slot, v, name, col) in fields {
            merge(slot, v, first, name, line).map_err(|e| (col, e))?;
        }
        if self.cost {
            o.cost_target = true;
            first.entry("cost").or_insert(line);
        }
        if o.cost_target && o.service_level.is_some() {
            let at = first.get("cost").copied().unwrap_or(0);
            return Err((
                SERVICE,
                format!("service_level cost and a service_level number for the same sku (cost at line {at}); keep one"),
            ));
        }
        if let Some(p) = across_rows_problem(o) {
            return Err(p);
        }
        if let Some(factor) = self.mult {
            o.multipliers.push(Multiplier {
                factor,
                from: self.from,
                to: self.to,
                line,
            });
        }
        o.do_not_order |= self.dno;
        o.discontinued |= self.disc;
        o.lock |= self.lock;
        if let Some(n) = self.note {
            o.notes.push(n.to_string());
        }
        o.lines.push(line);
        Ok(())
    }
}

/// Why a SKU's merged override cannot hold, if so: both of a pair set on different rows, or
/// S not above s.
fn across_rows_problem(o: &SkuOverride) -> Option<Problem> {
    if o.safety_stock.is_some() && o.safety_stock_days.is_some() {
        return Some((
            SS,
            "safety_stock and safety_stock_days set for the same sku on different rows; give one"
                .into(),
        ));
    }
    if o.order_quantity.is_some() && o.order_days.is_some() {
        return Some((
            QTY,
            "order_quantity and order_days set for the same sku on different rows; give one".into(),
        ));
    }
    if let (Some(s), Some(big_s)) = (o.reorder_point, o.order_up_to) {
        if big_s <= s {
            return Some((
                UP_TO,
                format!("order_up_to {big_s} should be above the reorder point {s} set for the same sku"),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (BTreeMap<String, SkuOverride>, RejectLog) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("overrides.csv");
        std::fs::write(&path, text).unwrap();
        let mut log = RejectLog::new(&path);
        let (map, _) = load_overrides(&path, &BTreeMap::new(), &mut log).unwrap();
        (map, log)
    }

    #[test]
    fn service_level_cost_asks_for_the_cost_minimising_target() {
        let (map, log) = load("sku,service_level\nA,cost\nB,COST\nC,0.97\n");
        assert_eq!(log.len(), 0);
        assert!(map["A"].cost_target && map["A"].service_level.is_none());
        assert!(map["B"].cost_target);
        assert!(!map["C"].cost_target && map["C"].service_level == Some(0.97));
        // A number and cost for the same SKU conflict: the second row is rejected.
        let (map, log) = load("sku,service_level\nA,cost\nA,0.9\n");
        assert_eq!(log.len(), 1);
        assert!(map["A"].cost_target && map["A"].service_level.is_none());
    }
}
