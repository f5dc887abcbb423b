//! Loading the item master: costs, order constraints, lead-time fallback and service targets.
//!
//! Every column but `sku` is optional, and an empty cell takes the config default
//! ([`ItemDefaults`], the `[defaults]` table of the config) in [`ItemRecord::resolve`]. A row
//! without a sku, or repeating an earlier row's sku, is rejected whole. A bad optional cell is
//! rejected **alone** (one row of rejects.csv; the rest of the row is used and the field takes
//! its default, as for an empty cell): text that is not a number, negative costs, a pack size
//! of 0, a service level outside (0, 1) (95 → "did you mean 0.95?"), a holding rate above 1
//! (25 → "did you mean 0.25?"), a max not above its min (both ignored).
//! `volume` and `weight` (per unit, > 0; m³ and kg by convention — any unit works when the
//! suppliers' `container_volume` / `container_weight` use the same one) have no default: a
//! rejected or empty cell leaves the SKU's volume or weight unknown.
//! `reorder_point`, `order_quantity` and `order_up_to` are the planner's current policy
//! (min / fixed quantity / max), compared with the recommended ones in simulation.

use std::{collections::BTreeMap, path::Path};

use crate::domain::target::ServiceTarget;
use ahash::AHashMap;
use serde::{Deserialize, Serialize};

use super::{
    cells::fmt,
    rejects::RejectLog,
    rows::{for_each_row, Row},
    table::Table,
    FileStats, InputKind, LoadError,
};

/// One row of the item master, as given (empty cells are `None`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ItemRecord {
    /// Line in the input file.
    pub line: u64,
    /// SKU.
    pub sku: String,
    /// Supplier.
    pub supplier: Option<String>,
    /// Unit cost (currency per unit).
    pub unit_cost: Option<f64>,
    /// Selling price (currency per unit).
    pub price: Option<f64>,
    /// Cost of placing one order (currency per order).
    pub order_cost: Option<f64>,
    /// Annual holding cost as a fraction of unit cost.
    pub holding_rate: Option<f64>,
    /// Minimum order quantity (units).
    pub moq: Option<f64>,
    /// Pack size (units).
    pub pack_size: Option<f64>,
    /// Fallback lead time (days).
    pub lead_time_days: Option<f64>,
    /// Review period (days).
    pub review_period_days: Option<f64>,
    /// Target service level in (0, 1).
    pub service_level: Option<f64>,
    /// The `service_level` cell said `cost`: the cost-minimising target
    /// ([`crate::domain::target::critical_ratio`]); `service_level` is then empty.
    pub cost_target: bool,
    /// Cost per unit short (currency per unit).
    pub shortage_cost: Option<f64>,
    /// Mean customer patience (days).
    pub patience_days: Option<f64>,
    /// Category (for analogues and reporting).
    pub category: Option<String>,
    /// An analogue SKU for new items.
    pub like_sku: Option<String>,
    /// The planner's current reorder point (units of inventory position), if any.
    pub reorder_point: Option<f64>,
    /// The current fixed order quantity (units), if any.
    pub order_quantity: Option<f64>,
    /// The current order-up-to (max) level (units), if any.
    pub order_up_to: Option<f64>,
    /// Volume of one unit (m³ by convention: any unit works when the suppliers'
    /// `container_volume` uses the same one), if known.
    pub volume: Option<f64>,
    /// Weight of one unit (kg by convention, or the unit of the suppliers'
    /// `container_weight`), if known.
    pub weight: Option<f64>,
}

/// Item parameters with every default applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemParams {
    /// Unit cost (currency per unit); 0 = unknown.
    pub unit_cost: f64,
    /// Selling price (currency per unit); 0 = unknown.
    pub price: f64,
    /// Cost per order.
    pub order_cost: f64,
    /// Annual holding rate.
    pub holding_rate: f64,
    /// Minimum order quantity.
    pub moq: f64,
    /// Pack size.
    pub pack_size: f64,
    /// Fallback lead time (days).
    pub lead_time_days: f64,
    /// Review period (days).
    pub review_period_days: f64,
    /// Target service level.
    pub service_level: f64,
    /// Shortage cost per unit.
    pub shortage_cost: f64,
    /// Mean customer patience (days).
    pub patience_days: f64,
    /// Volume per unit (the unit of the suppliers' `container_volume`, m³ by convention);
    /// `None` = unknown (no default: container fill cannot count it).
    pub volume: Option<f64>,
    /// Weight per unit (the unit of `container_weight`, kg by convention); `None` = unknown.
    pub weight: Option<f64>,
}

impl ItemRecord {
    /// The item's parameters, with `defaults` where the record (or the whole row) is missing.
    pub fn resolve(record: Option<&ItemRecord>, defaults: &ItemDefaults) -> ItemParams {
        let r = record.cloned().unwrap_or_default();
        ItemParams {
            unit_cost: r.unit_cost.unwrap_or(defaults.unit_cost),
            price: r.price.unwrap_or(defaults.price),
            order_cost: r.order_cost.unwrap_or(defaults.order_cost),
            holding_rate: r.holding_rate.unwrap_or(defaults.holding_rate),
            moq: r.moq.unwrap_or(defaults.moq),
            pack_size: r.pack_size.unwrap_or(defaults.pack_size),
            lead_time_days: r.lead_time_days.unwrap_or(defaults.lead_time_days),
            review_period_days: r.review_period_days.unwrap_or(defaults.review_period_days),
            service_level: r.service_level.unwrap_or(defaults.service_level),
            shortage_cost: r.shortage_cost.unwrap_or(defaults.shortage_cost),
            patience_days: r.patience_days.unwrap_or(defaults.patience_days),
            volume: r.volume,
            weight: r.weight,
        }
    }
}

/// Loads an item master; rejected rows and cells go to `rejects`.
///
/// Only `sku` is required: a row without one, or repeating an earlier row's sku, is rejected
/// whole. Every other cell is optional, and a bad optional cell (not a number, out of range,
/// or in the wrong unit) is rejected alone: the row is accepted, the field falls back to
/// `defaults` as for an empty cell, and the reject's reason says which value is used and,
/// where a unit mistake is likely, what was probably meant (see [`check_cell`]).
///
/// # Errors
/// Structural [`LoadError`]s.
pub fn load_items(
    path: &Path,
    mapping: &BTreeMap<String, String>,
    defaults: &ItemDefaults,
    rejects: &mut RejectLog,
) -> Result<(Vec<ItemRecord>, FileStats), LoadError> {
    let table = Table::open(path, InputKind::Items, mapping)?;
    let mut records = Vec::new();
    let mut seen: AHashMap<String, u64> = AHashMap::new();
    let stats = for_each_row(&table, rejects, |row| {
        let sku = row.text(SKU);
        // `service_level` may say `cost`: the cost-minimising target (domain::target).
        let cost_target = row
            .optional(SERVICE_LEVEL, IGNORED, |r| r.opt_text(SERVICE_LEVEL))
            .is_some_and(|t| matches!(t.parse(), Ok(ServiceTarget::Cost)));
        let mut num = |col| number_cell(row, col, defaults);
        let mut r = ItemRecord {
            unit_cost: num(UNIT_COST),
            price: num(PRICE),
            order_cost: num(ORDER_COST),
            holding_rate: num(HOLDING_RATE),
            moq: num(MOQ),
            pack_size: num(PACK_SIZE),
            lead_time_days: num(LEAD_TIME_DAYS),
            review_period_days: num(REVIEW_PERIOD_DAYS),
            service_level: if cost_target {
                None
            } else {
                num(SERVICE_LEVEL)
            },
            cost_target,
            shortage_cost: num(SHORTAGE_COST),
            patience_days: num(PATIENCE_DAYS),
            reorder_point: num(REORDER_POINT),
            order_quantity: num(ORDER_QUANTITY),
            order_up_to: num(ORDER_UP_TO),
            volume: num(VOLUME),
            weight: num(WEIGHT),
            ..ItemRecord::default()
        };
        let mut text = |col| {
            row.optional(col, IGNORED, |r| r.opt_text(col))
                .map(str::to_string)
        };
        r.supplier = text(SUPPLIER);
        r.category = text(CATEGORY);
        r.like_sku = text(LIKE_SKU);
        if let (Some(lo), Some(hi)) = (r.reorder_point, r.order_up_to) {
            if hi <= lo {
                row.reject_cell(
                    ORDER_UP_TO,
                    format!(
                        "order_up_to {} is not above the reorder_point {} (a min/max pair needs max > min). Neither is used: the SKU has no current min/max; fix the pair or empty both cells",
                        fmt(hi),
                        fmt(lo)
                    ),
                );
                r.reorder_point = None;
                r.order_up_to = None;
            }
        }
        let Some(sku) = sku else { return };
        if let Some(first) = seen.get(sku) {
            row.reject(
                SKU,
                format!("duplicate sku in the item master (first at line {first}); keep one row per sku"),
            );
        }
        if row.is_rejected() {
            return;
        }
        seen.insert(sku.to_string(), row.line());
        r.line = row.line();
        r.sku = sku.to_string();
        records.push(r);
    })?;
    Ok((records, stats))
}

const SKU: usize = 0;
const SUPPLIER: usize = 1;
const UNIT_COST: usize = 2;
const PRICE: usize = 3;
const ORDER_COST: usize = 4;
const HOLDING_RATE: usize = 5;
const MOQ: usize = 6;
const PACK_SIZE: usize = 7;
const LEAD_TIME_DAYS: usize = 8;
const REVIEW_PERIOD_DAYS: usize = 9;
const SERVICE_LEVEL: usize = 10;
const SHORTAGE_COST: usize = 11;
const PATIENCE_DAYS: usize = 12;
const CATEGORY: usize = 13;
const LIKE_SKU: usize = 14;
const REORDER_POINT: usize = 15;
const ORDER_QUANTITY: usize = 16;
const ORDER_UP_TO: usize = 17;
const VOLUME: usize = 18;
const WEIGHT: usize = 19;

/// What happens to a rejected cell without a default.
const IGNORED: &str = "the cell is ignored, as if empty";

/// An optional number cell of the item master: `None` when empty or rejected alone (reason:
/// the problem, the fallback used, and a hint).
fn number_cell(row: &mut Row<'_, '_>, col: usize, defaults: &ItemDefaults) -> Option<f64> {
    let fallback = fallback_of(col, defaults);
    let v = row.optional(col, &fallback, |r| r.opt_number(col))?;
    match check_cell(row.name(col), v) {
        Ok(()) => Some(v),
        Err(bad) => {
            let hint = bad.hint.map(|h| format!("; {h}")).unwrap_or_default();
            row.reject_cell(
                col,
                format!("{} {}{hint}", bad.problem, capitalised(&fallback)),
            );
            None
        }
    }
}

/// What a rejected cell of column `col` falls back to, for the reason.
fn fallback_of(col: usize, d: &ItemDefaults) -> String {
    let default = |v: f64| {
        format!(
            "the default {} ([defaults] {}) is used for this SKU",
            fmt(v),
            InputKind::Items.columns()[col].name
        )
    };
    match col {
        UNIT_COST => default(d.unit_cost),
        PRICE => default(d.price),
        ORDER_COST => default(d.order_cost),
        HOLDING_RATE => default(d.holding_rate),
        MOQ => default(d.moq),
        PACK_SIZE => default(d.pack_size),
        LEAD_TIME_DAYS => default(d.lead_time_days),
        REVIEW_PERIOD_DAYS => default(d.review_period_days),
        SHORTAGE_COST => default(d.shortage_cost),
        PATIENCE_DAYS => default(d.patience_days),
        SERVICE_LEVEL => format!(
            "the SKU's target falls back as for an empty cell: [policy] service_targets for its ABC class if set, else the default {} ([defaults] service_level)",
            fmt(d.service_level)
        ),
        REORDER_POINT | ORDER_QUANTITY | ORDER_UP_TO => {
            "the cell is ignored, as if empty (no current level for this SKU)".into()
        }
        VOLUME | WEIGHT => format!(
            "the cell is ignored, as if empty: the SKU's {} is unknown, so container fill does not count it",
            InputKind::Items.columns()[col].name
        ),
        _ => IGNORED.into(),
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Why an item-master number cannot be used: the problem (a sentence ending in `.` or `?`, with
/// a "did you mean" where a unit mistake is likely) and how to write the value instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCell {
    /// What is wrong, with the likely meant value.
    pub problem: String,
    /// How to write it, if there is more to say.
    pub hint: Option<String>,
}

/// Checks a parsed number of item-master column `name` against its range and unit.
///
/// | column | accepted | "did you mean" |
/// |---|---|---|
/// | `unit_cost`, `price`, `order_cost`, `shortage_cost`, `moq`, `lead_time_days`, `review_period_days`, `reorder_point`, `order_up_to` | >= 0 | |
/// | `pack_size` | > 0 (1 = single units) | |
/// | `patience_days`, `order_quantity` | > 0 | |
/// | `volume`, `weight` | > 0 (per unit: m³ and kg by convention, or the unit of the suppliers' container capacities) | |
/// | `holding_rate` | 0 to 1 (annual fraction of unit cost) | v/100 for v in (1, 100] |
/// | `service_level` | in (0, 1), or the word `cost` (read before this check) | v/100 for v in (1, 100) |
///
/// # Errors
/// The [`BadCell`] for a value outside its range.
pub fn check_cell(name: &str, v: f64) -> Result<(), BadCell> {
    let bad = |problem: String, hint: Option<String>| Err(BadCell { problem, hint });
    let x = fmt(v);
    match name {
        "service_level" if !(v > 0.0 && v < 1.0) => {
            if v > 1.0 && v < 100.0 {
                let p = fmt(v / 100.0);
                bad(
                    format!("service_level {x} is not a probability in (0, 1) — did you mean {p}?"),
                    Some(format!("write {p} for {x}%")),
                )
            } else if (v - 1.0).abs() < 1e-12 || (v - 100.0).abs() < 1e-9 {
                bad(
                    format!("service_level {x} means never running out, which no finite stock achieves."),
                    Some("write a probability below 1, e.g. 0.99 for 99%".into()),
                )
            } else {
                bad(
                    format!("service_level {x} is not a probability in (0, 1)."),
                    Some("write e.g. 0.95 for 95%".into()),
                )
            }
        }
        "holding_rate" if v > 1.0 => {
            let (meant, hint) = if v <= 100.0 {
                let m = fmt(v / 100.0);
                (
                    format!(" — did you mean {m}?"),
                    format!("write {m} for {x}% a year"),
                )
            } else {
                (".".into(), "write e.g. 0.25 for 25% a year".into())
            };
            bad(
                format!("holding_rate {x} would cost {x} times the unit cost every year; it is an annual fraction of unit cost, between 0 and 1{meant}"),
                Some(hint),
            )
        }
        "pack_size" if v <= 0.0 => bad(
            format!("pack_size {x} is not a pack size: it must be at least 1 (1 = single units)."),
            Some(
                "orders are rounded up to multiples of it; empty the cell for single units".into(),
            ),
        ),
        "patience_days" | "order_quantity" if v <= 0.0 => {
            bad(format!("{name} {x} should be > 0."), None)
        }
        "volume" | "weight" if v <= 0.0 => bad(
            format!("{name} {x} should be > 0: it is the {name} of one unit."),
            Some(format!(
                "write the {name} per unit in the unit of the suppliers' container_{name} ({}), or empty the cell when unknown",
                if name == "volume" { "m³ by convention, e.g. 0.012 for 12 litres" } else { "kg by convention, e.g. 0.5" }
            )),
        ),
        _ if v < 0.0 => bad(format!("{name} {x} is negative; it should be >= 0."), None),
        _ => Ok(()),
    }
}

/// Item parameters used where the item master has no row for a SKU, or an empty cell.
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `unit_cost` | 0 | currency per unit | 0 means unknown: values are then reported in units |
/// | `price` | 0 | currency per unit | 0 means unknown |
/// | `order_cost` | 50 | currency per order | fixed cost of placing one purchase order |
/// | `holding_rate` | 0.25 | fraction of unit cost per year | cost of holding stock |
/// | `moq` | 1 | units | minimum order quantity |
/// | `pack_size` | 1 | units | orders are rounded up to a multiple |
/// | `lead_time_days` | 14 | days | lead time when purchase-order history is too thin |
/// | `review_period_days` | 7 | days | time between reviews for periodic policies |
/// | `service_level` | 0.95 | probability | target service level |
/// | `shortage_cost` | 0 | currency per unit short | 0 means unknown |
/// | `patience_days` | 7 | days | mean time a backordered customer waits before cancelling |
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ItemDefaults {
    /// Unit cost (currency per unit); 0 = unknown.
    pub unit_cost: f64,
    /// Selling price (currency per unit); 0 = unknown.
    pub price: f64,
    /// Cost of placing one order (currency per order).
    pub order_cost: f64,
    /// Annual holding cost as a fraction of unit cost.
    pub holding_rate: f64,
    /// Minimum order quantity (units).
    pub moq: f64,
    /// Pack size (units); orders are multiples of it.
    pub pack_size: f64,
    /// Fallback lead time (days).
    pub lead_time_days: f64,
    /// Review period for periodic policies (days).
    pub review_period_days: f64,
    /// Target service level, in (0, 1).
    pub service_level: f64,
    /// Cost per unit short (currency per unit); 0 = unknown.
    pub shortage_cost: f64,
    /// Mean customer patience (days).
    pub patience_days: f64,
}

impl Default for ItemDefaults {
    fn default() -> Self {
        Self {
            unit_cost: 0.0,
            price: 0.0,
            order_cost: 50.0,
            holding_rate: 0.25,
            moq: 1.0,
            pack_size: 1.0,
            lead_time_days: 14.0,
            review_period_days: 7.0,
            service_level: 0.95,
            shortage_cost: 0.0,
            patience_days: 7.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(
        text: &str,
    ) -> (
        Vec<ItemRecord>,
        FileStats,
        Vec<super::super::rejects::Reject>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("items.csv");
        std::fs::write(&path, text).unwrap();
        let mut log = RejectLog::new(&path);
        let defaults = ItemDefaults {
            order_cost: 40.0,
            ..ItemDefaults::default()
        };
        let (items, stats) = load_items(&path, &BTreeMap::new(), &defaults, &mut log).unwrap();
        (items, stats, log.rows)
    }

    #[test]
    fn unit_mistakes_get_a_did_you_mean() {
        let sl = check_cell("service_level", 95.0).unwrap_err();
        assert_eq!(
            sl.problem,
            "service_level 95 is not a probability in (0, 1) — did you mean 0.95?"
        );
        assert_eq!(sl.hint.as_deref(), Some("write 0.95 for 95%"));
        let hr = check_cell("holding_rate", 25.0).unwrap_err();
        assert!(hr.problem.ends_with("did you mean 0.25?"), "{}", hr.problem);
        assert_eq!(hr.hint.as_deref(), Some("write 0.25 for 25% a year"));
        // Beyond 100 there is no likely meaning.
        assert!(!check_cell("holding_rate", 250.0)
            .unwrap_err()
            .problem
            .contains("did you mean"));
        assert!(check_cell("service_level", 1.0)
            .unwrap_err()
            .problem
            .contains("never running out"));
        assert!(check_cell("pack_size", 0.0)
            .unwrap_err()
            .problem
            .contains("at least 1 (1 = single units)"));
        for ok in [
            ("holding_rate", 1.0),
            ("pack_size", 0.5),
            ("moq", 0.0),
            ("service_level", 0.5),
        ] {
            assert_eq!(check_cell(ok.0, ok.1), Ok(()), "{ok:?}");
        }
        assert!(check_cell("unit_cost", -1.0).is_err());
    }

    #[test]
    fn a_bad_optional_cell_is_rejected_alone_and_the_row_kept() {
        let (items, stats, rejects) = load(
            "sku,order_cost,holding_rate,moq,pack_size,service_level,reorder_point,order_up_to\n\
             A,abc,25,120,0,95,10,5\n\
             ,1,0.2,1,1,0.9,,\n",
        );
        assert_eq!(
            (
                stats.rows_read,
                stats.rows_accepted,
                stats.rows_rejected,
                stats.cells_rejected
            ),
            (2, 1, 1, 5)
        );
        let a = &items[0];
        assert_eq!(
            (a.moq, a.order_cost, a.holding_rate, a.pack_size),
            (Some(120.0), None, None, None)
        );
        assert_eq!(
            (a.service_level, a.reorder_point, a.order_up_to),
            (None, None, None)
        );
        let p = ItemRecord::resolve(
            Some(a),
            &ItemDefaults {
                order_cost: 40.0,
                ..ItemDefaults::default()
            },
        );
        assert_eq!(
            (p.moq, p.order_cost, p.holding_rate, p.pack_size),
            (120.0, 40.0, 0.25, 1.0)
        );
        let by_col: BTreeMap<&str, &str> = rejects
            .iter()
            .map(|r| (r.column.as_str(), r.reason.as_str()))
            .collect();
        assert_eq!(
            by_col["order_cost"],
            "not a number; expected a plain number such as 12 or 3.5; the default 40 ([defaults] order_cost) is used for this SKU"
        );
        assert_eq!(
            by_col["holding_rate"],
            "holding_rate 25 would cost 25 times the unit cost every year; it is an annual fraction of unit cost, between 0 and 1 — did you mean 0.25? The default 0.25 ([defaults] holding_rate) is used for this SKU; write 0.25 for 25% a year"
        );
        assert!(by_col["service_level"].contains("did you mean 0.95? The SKU's target falls back"));
        assert!(by_col["order_up_to"].contains("Neither is used"));
        // The row without a sku is rejected whole, with one reject.
        assert_eq!(rejects.iter().filter(|r| r.line == 3).count(), 1);
        assert_eq!(rejects.iter().find(|r| r.line == 3).unwrap().column, "sku");
    }

    #[test]
    fn bad_volume_and_weight_cells_are_rejected_with_what_to_write() {
        let (items, stats, rejects) = load(
            "sku,volume,weight\n\
             A,0.012,0.5\n\
             B,0,-2\n\
             C,12 l,\n",
        );
        assert_eq!((stats.rows_accepted, stats.cells_rejected), (3, 3));
        assert_eq!((items[0].volume, items[0].weight), (Some(0.012), Some(0.5)));
        assert_eq!((items[1].volume, items[1].weight), (None, None));
        assert_eq!((items[2].volume, items[2].weight), (None, None));
        let p = ItemRecord::resolve(Some(&items[0]), &ItemDefaults::default());
        assert_eq!((p.volume, p.weight), (Some(0.012), Some(0.5)));
        let find = |line: u64, col: &str| {
            rejects
                .iter()
                .find(|r| r.line == line && r.column == col)
                .unwrap_or_else(|| panic!("no reject at {line} {col}: {rejects:?}"))
        };
        let v = find(3, "volume");
        assert_eq!(v.value, "0");
        assert_eq!(
            v.reason,
            "volume 0 should be > 0: it is the volume of one unit. The cell is ignored, as if empty: the SKU's volume is unknown, so container fill does not count it; write the volume per unit in the unit of the suppliers' container_volume (m³ by convention, e.g. 0.012 for 12 litres), or empty the cell when unknown"
        );
        let w = find(3, "weight");
        assert!(
            w.reason.starts_with("weight -2 should be > 0"),
            "{}",
            w.reason
        );
        assert!(w.reason.contains("kg by convention"), "{}", w.reason);
        let text = find(4, "volume");
        assert!(text.reason.starts_with("not a number"), "{}", text.reason);
        assert!(
            text.reason.contains("container fill does not count it"),
            "{}",
            text.reason
        );
    }
}
