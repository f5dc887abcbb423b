//! Loading the inventory snapshot at the planning date.
//!
//! One row per sku (and location). A second row for the same sku and location is rejected
//! (which of two snapshots is right cannot be guessed). Negative on-hand is rejected: customer
//! units waiting belong in `backordered`, so that on-hand and backorders stay separate.
//! `on_order` and `backordered` are part of the stock position and have no safe default, so a
//! bad one rejects the row; a bad `as_of` date is rejected alone (the row is used without it).

use std::{collections::BTreeMap, path::Path};

use ahash::AHashMap;
use chrono::NaiveDate;
use serde::Serialize;

use super::{
    parse::date_of, rejects::RejectLog, rows::for_each_row, table::Table, FileStats, InputKind,
    LoadError,
};

/// Stock of one sku at one location.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryRecord {
    /// Line in the input file.
    pub line: u64,
    /// SKU.
    pub sku: String,
    /// Location, if the file has one.
    pub location: Option<String>,
    /// Units physically on hand (>= 0).
    pub on_hand: f64,
    /// Units on order, when no purchase-order file gives the pipeline.
    pub on_order: Option<f64>,
    /// Customer units waiting (backorders), >= 0.
    pub backordered: Option<f64>,
    /// Date of the snapshot, if given.
    pub as_of: Option<NaiveDate>,
}

const SKU: usize = 0;
const ON_HAND: usize = 1;
const ON_ORDER: usize = 2;
const BACKORDERED: usize = 3;
const LOCATION: usize = 4;
const AS_OF: usize = 5;

/// Loads an inventory snapshot; rejected rows go to `rejects`.
///
/// # Errors
/// Structural [`LoadError`]s.
pub fn load_inventory(
    path: &Path,
    mapping: &BTreeMap<String, String>,
    rejects: &mut RejectLog,
) -> Result<(Vec<InventoryRecord>, FileStats), LoadError> {
    let table = Table::open(path, InputKind::Inventory, mapping)?;
    let mut records = Vec::new();
    let mut seen: AHashMap<(String, Option<String>), u64> = AHashMap::new();
    let stats = for_each_row(&table, rejects, |row| {
        let sku = row.text(SKU);
        let on_hand = row.number(ON_HAND);
        let on_order = row.opt_non_negative(ON_ORDER, false);
        let backordered = row.opt_non_negative(BACKORDERED, false);
        let location = row.opt_text(LOCATION);
        // Informational: a bad date is rejected alone and the row is used.
        let as_of = row.optional(AS_OF, "the row is used without a snapshot date", |r| {
            r.opt_date(AS_OF)
        });
        let (Some(sku), Some(on_hand)) = (sku, on_hand) else {
            return;
        };
        if on_hand < 0.0 {
            row.reject(
                ON_HAND,
                "negative on-hand; record customer units waiting in the backordered column",
            );
        }
        let key = (sku.to_string(), location.map(str::to_string));
        if let Some(first) = seen.get(&key) {
            row.reject(
                SKU,
                format!("duplicate sku/location in the inventory snapshot (first at line {first}); keep one row per sku and location"),
            );
        }
        if row.is_rejected() {
            return;
        }
        seen.insert(key, row.line());
        records.push(InventoryRecord {
            line: row.line(),
            sku: sku.to_string(),
            location: location.map(str::to_string),
            on_hand,
            on_order,
            backordered,
            as_of: as_of.map(date_of),
        });
    })?;
    Ok((records, stats))
}
