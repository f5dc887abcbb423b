//! Loading the item master: costs, order constraints, lead-time fallback and service targets.
//!
//! Every column but `sku` is optional, and an empty cell takes the config default
//! ([`ItemDefaults`], the `[defaults]` table of the config) in [`ItemRecord::resolve`]. A duplicate sku is rejected.
//! Values out of range are rejected with the expected range: negative costs, a pack size or
//! MOQ below zero, a service level outside (0, 1) (write 0.95, not 95), a max below its min.
//! `reorder_point`, `order_quantity` and `order_up_to` are the planner's current policy
//! (min / fixed quantity / max), compared with the recommended ones in simulation.

use std::{collections::BTreeMap, path::Path};

use ahash::AHashMap;
use serde::{Deserialize, Serialize};

use super::{
    rejects::RejectLog, rows::for_each_row, table::Table, FileStats, InputKind, LoadError,
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
        }
    }
}

/// Loads an item master; rejected rows go to `rejects`.
///
/// # Errors
/// Structural [`LoadError`]s.
pub fn load_items(
    path: &Path,
    mapping: &BTreeMap<String, String>,
    rejects: &mut RejectLog,
) -> Result<(Vec<ItemRecord>, FileStats), LoadError> {
    let table = Table::open(path, InputKind::Items, mapping)?;
    let mut records = Vec::new();
    let mut seen: AHashMap<String, u64> = AHashMap::new();
    let stats = for_each_row(&table, rejects, |row| {
        let sku = row.text(0);
        let mut r = ItemRecord {
            supplier: row.opt_text(1).map(str::to_string),
            unit_cost: row.opt_non_negative(2, false),
            price: row.opt_non_negative(3, false),
            order_cost: row.opt_non_negative(4, false),
            holding_rate: row.opt_non_negative(5, false),
            moq: row.opt_non_negative(6, false),
            pack_size: row.opt_non_negative(7, true),
            lead_time_days: row.opt_non_negative(8, false),
            review_period_days: row.opt_non_negative(9, false),
            service_level: row.opt_number(10),
            shortage_cost: row.opt_non_negative(11, false),
            patience_days: row.opt_non_negative(12, true),
            category: row.opt_text(13).map(str::to_string),
            like_sku: row.opt_text(14).map(str::to_string),
            reorder_point: row.opt_non_negative(15, false),
            order_quantity: row.opt_non_negative(16, true),
            order_up_to: row.opt_non_negative(17, false),
            ..ItemRecord::default()
        };
        if let Some(s) = r.service_level {
            if !(s > 0.0 && s < 1.0) {
                row.reject(
                    10,
                    "service_level should be a probability in (0, 1), e.g. 0.95 for 95%",
                );
            }
        }
        if let (Some(lo), Some(hi)) = (r.reorder_point, r.order_up_to) {
            if hi <= lo {
                row.reject(
                    17,
                    format!(
                        "order_up_to {hi} should be above the reorder_point {lo} (a min/max pair)"
                    ),
                );
            }
        }
        let Some(sku) = sku else { return };
        if let Some(first) = seen.get(sku) {
            row.reject(
                0,
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
