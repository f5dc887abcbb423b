//! Loading purchase-order history: the source of lead times and of the on-order pipeline.
//!
//! A line with a receipt date is a completed order: its lead time is
//! `receipt_date − order_date` in days. A line without one is open (on order). Partial
//! receipts (`quantity_received < quantity`) are kept as given; the lead-time stage decides
//! how to count them. Rows with a receipt date before the order date, or a quantity that is
//! not positive, are rejected. A bad `expected_date` (not a date, or before the order date) is
//! rejected alone: the line is used and its arrival estimated as for an empty cell.

use std::{collections::BTreeMap, path::Path};

use chrono::NaiveDate;
use serde::Serialize;

use super::{
    parse::date_of, rejects::RejectLog, rows::for_each_row, table::Table, FileStats, InputKind,
    LoadError,
};

/// One purchase-order line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PurchaseOrderLine {
    /// Line in the input file (for messages).
    pub line: u64,
    /// SKU ordered.
    pub sku: String,
    /// Supplier, if given.
    pub supplier: Option<String>,
    /// Day the order was placed.
    pub order_date: NaiveDate,
    /// Day the order was received in full; `None` while open.
    pub receipt_date: Option<NaiveDate>,
    /// Units ordered (> 0).
    pub quantity: f64,
    /// Units received, if the file says (partial receipts).
    pub quantity_received: Option<f64>,
    /// Expected arrival of an open order, if given.
    pub expected_date: Option<NaiveDate>,
    /// Set by lead-time screening ([`crate::screen::lead_times`]) when the line's lead time is
    /// not believable: the line still counts as received, but gives no lead-time sample.
    #[serde(skip)]
    pub screened: bool,
}

impl PurchaseOrderLine {
    /// Lead time in days for a received order.
    pub fn lead_time_days(&self) -> Option<i64> {
        self.receipt_date.map(|r| (r - self.order_date).num_days())
    }

    /// Whether the order is still open (not received).
    pub fn is_open(&self) -> bool {
        self.receipt_date.is_none()
    }
}

const SKU: usize = 0;
const SUPPLIER: usize = 1;
const ORDER_DATE: usize = 2;
const RECEIPT_DATE: usize = 3;
const QUANTITY: usize = 4;
const QUANTITY_RECEIVED: usize = 5;
const EXPECTED_DATE: usize = 6;

/// What a rejected `expected_date` falls back to.
const EXPECTED_FALLBACK: &str =
    "the arrival is estimated as for an empty cell (order date + the SKU's lead-time median)";

/// Loads a purchase-order file; rejected rows go to `rejects`.
///
/// # Errors
/// Structural [`LoadError`]s.
pub fn load_purchase_orders(
    path: &Path,
    mapping: &BTreeMap<String, String>,
    rejects: &mut RejectLog,
) -> Result<(Vec<PurchaseOrderLine>, FileStats), LoadError> {
    let table = Table::open(path, InputKind::PurchaseOrders, mapping)?;
    let mut lines = Vec::new();
    let stats = for_each_row(&table, rejects, |row| {
        let sku = row.text(SKU);
        let supplier = row.opt_text(SUPPLIER);
        let order = row.date(ORDER_DATE);
        let receipt = row.opt_date(RECEIPT_DATE);
        let quantity = row.number(QUANTITY);
        let received = row.opt_non_negative(QUANTITY_RECEIVED, false);
        let expected = row.optional(EXPECTED_DATE, EXPECTED_FALLBACK, |r| {
            r.opt_date(EXPECTED_DATE)
        });
        let (Some(sku), Some(order), Some(quantity)) = (sku, order, quantity) else {
            return;
        };
        if quantity <= 0.0 {
            row.reject(QUANTITY, "ordered quantity should be > 0");
        }
        if receipt.is_some_and(|d| d < order) {
            row.reject(
                RECEIPT_DATE,
                format!(
                    "receipt date is before the order date {}; check the dates or their order",
                    date_of(order)
                ),
            );
        }
        let expected = expected.filter(|&d| {
            let ok = d >= order;
            if !ok {
                row.reject_cell(
                    EXPECTED_DATE,
                    format!(
                        "expected date is before the order date {}; {EXPECTED_FALLBACK}; check the dates or their order",
                        date_of(order)
                    ),
                );
            }
            ok
        });
        if row.is_rejected() {
            return;
        }
        lines.push(PurchaseOrderLine {
            line: row.line(),
            sku: sku.to_string(),
            supplier: supplier.map(str::to_string),
            order_date: date_of(order),
            receipt_date: receipt.map(date_of),
            quantity,
            quantity_received: received,
            expected_date: expected.map(date_of),
            screened: false,
        });
    })?;
    Ok((lines, stats))
}
