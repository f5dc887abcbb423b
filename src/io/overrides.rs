//! Loading the planner's overrides: the hand on the wheel, per SKU.
//!
//! Columns (every one but `sku` optional; an empty cell overrides nothing):
//!
//! | column | meaning | allowed |
//! |---|---|---|
//! | `model` | force a forecast model (`ses`, `ses(0.3)`, `croston`, …) | a model name |
//! | `service_level` | service target | (0, 1) |
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
    parse::date_of, rejects::RejectLog, rows::for_each_row, table::Table, FileStats, InputKind,
    LoadError,
};
use crate::domain::model::ModelSpec;

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
        let service = row.opt_number(SERVICE);
        if let Some(s) = service {
            if !(s > 0.0 && s < 1.0) {
                row.reject(
                    SERVICE,
                    "service_level should be a probability in (0, 1), e.g. 0.98 for 98%",
                );
            }
        }
        let ss = row.opt_non_negative(SS, false);
        let ss_days = row.opt_non_negative(SS_DAYS, false);
        let rop = row.opt_non_negative(ROP, false);
        let qty = row.opt_non_negative(QTY, true);
        let qty_days = row.opt_non_negative(QTY_DAYS, true);
        let min = row.opt_non_negative(MIN, false);
        let max = row.opt_non_negative(MAX, false);
        let up_to = row.opt_non_negative(UP_TO, false);
        let mult = row.opt_non_negative(MULT, false);
        let from = row.opt_date(FROM).map(date_of);
        let to = row.opt_date(TO).map(date_of);
        let dno = row.flag(DNO);
        let disc = row.flag(DISC);
        let lock = row.flag(LOCK);
        let note = row.opt_text(NOTE);
        let Some(sku) = sku else { return };
        if row.is_rejected() {
            return;
        }
        let pairs = [
            (ss, ss_days, SS_DAYS, "safety_stock and safety_stock_days"),
            (qty, qty_days, QTY_DAYS, "order_quantity and order_days"),
            (min, rop, MIN, "min and reorder_point"),
            (max, up_to, MAX, "max and order_up_to"),
        ];
        for (a, b, col, what) in pairs {
            if a.is_some() && b.is_some() {
                row.reject(col, format!("{what} are both given; give one of them"));
                return;
            }
        }
        let rop = rop.or(min);
        let up_to = up_to.or(max);
        if let (Some(s), Some(big_s)) = (rop, up_to) {
            if big_s <= s {
                row.reject(
                    if max.is_some() { MAX } else { UP_TO },
                    format!("order_up_to {big_s} should be above the reorder point {s}"),
                );
                return;
            }
        }
        if mult.is_none() && (from.is_some() || to.is_some()) {
            let col = if from.is_some() { FROM } else { TO };
            row.reject(
                col,
                "from/to give the date range of a forecast multiplier, but the row has no multiplier",
            );
            return;
        }
        if let (Some(a), Some(b)) = (from, to) {
            if b < a {
                row.reject(TO, format!("to {b} is before from {a}"));
                return;
            }
        }
        let sets_something = model.is_some()
            || service.is_some()
            || ss.is_some()
            || ss_days.is_some()
            || rop.is_some()
            || qty.is_some()
            || qty_days.is_some()
            || up_to.is_some()
            || mult.is_some()
            || dno
            || disc
            || lock;
        if !sets_something {
            row.reject(
                SKU,
                "the row overrides nothing; fill at least one of model, service_level, safety_stock, safety_stock_days, reorder_point, order_quantity, order_days, order_up_to, multiplier, do_not_order, discontinued, lock",
            );
            return;
        }
        let line = row.line();
        let mut o = out.get(sku).cloned().unwrap_or_else(|| SkuOverride {
            sku: sku.to_string(),
            ..SkuOverride::default()
        });
        let mut first = first_lines.get(sku).cloned().unwrap_or_default();
        let merged = (|| -> Result<(), (usize, String)> {
            if let Some(m) = model {
                match o.model {
                    Some(old) if old != m => {
                        return Err((
                            MODEL,
                            format!(
                                "model {m} conflicts with {old} set for the same sku at line {}; keep one",
                                first.get("model").copied().unwrap_or(0)
                            ),
                        ))
                    }
                    _ => {
                        o.model = Some(m);
                        first.entry("model").or_insert(line);
                    }
                }
            }
            let fields = [
                (&mut o.service_level, service, "service_level", SERVICE),
                (&mut o.safety_stock, ss, "safety_stock", SS),
                (
                    &mut o.safety_stock_days,
                    ss_days,
                    "safety_stock_days",
                    SS_DAYS,
                ),
                (&mut o.reorder_point, rop, "reorder_point", ROP),
                (&mut o.order_quantity, qty, "order_quantity", QTY),
                (&mut o.order_days, qty_days, "order_days", QTY_DAYS),
                (&mut o.order_up_to, up_to, "order_up_to", UP_TO),
            ];
            for (slot, v, name, col) in fields {
                merge(slot, v, &mut first, name, line).map_err(|e| (col, e))?;
            }
            if o.safety_stock.is_some() && o.safety_stock_days.is_some() {
                return Err((
                    SS,
                    "safety_stock and safety_stock_days set for the same sku on different rows; give one".into(),
                ));
            }
            if o.order_quantity.is_some() && o.order_days.is_some() {
                return Err((
                    QTY,
                    "order_quantity and order_days set for the same sku on different rows; give one".into(),
                ));
            }
            if let (Some(s), Some(big_s)) = (o.reorder_point, o.order_up_to) {
                if big_s <= s {
                    return Err((
                        UP_TO,
                        format!("order_up_to {big_s} should be above the reorder point {s} set for the same sku"),
                    ));
                }
            }
            Ok(())
        })();
        if let Err((col, reason)) = merged {
            row.reject(col, reason);
            return;
        }
        if let Some(factor) = mult {
            o.multipliers.push(Multiplier {
                factor,
                from,
                to,
                line,
            });
        }
        o.do_not_order |= dno;
        o.discontinued |= disc;
        o.lock |= lock;
        if let Some(n) = note {
            o.notes.push(n.to_string());
        }
        o.lines.push(line);
        first_lines.insert(sku.to_string(), first);
        out.insert(sku.to_string(), o);
    })?;
    Ok((out, stats))
}
