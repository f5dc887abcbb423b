//! Loading the suppliers file: the offers of several suppliers for one SKU (its price, lead
//! time, priority and order constraints at each supplier).
//!
//! Columns (`sku`, `supplier` and `unit_cost` required; an empty optional cell means "not
//! given"):
//!
//! | column | meaning | unit | allowed | when empty |
//! |---|---|---|---|---|
//! | `sku` | the SKU offered | | a SKU of the catalogue | row rejected |
//! | `supplier` | the supplier offering it | | text | row rejected |
//! | `unit_cost` | price at this supplier, landed (freight and duties included) | currency per unit | > 0 | row rejected |
//! | `lead_time` | lead-time override for this SKU at this supplier | days | ≥ 0 | the supplier's history |
//! | `lead_time_sd` | spread of that lead time | days | ≥ 0, with `lead_time` | 0 (a fixed lead time) |
//! | `priority` | the planner's preference, 1 = preferred; breaks near-ties of cost | | an integer ≥ 1 | after every given priority |
//! | `moq` | minimum order quantity at this supplier | units | ≥ 0; 0 = no minimum at this supplier (orders only rounded to its packs) | the item master's `moq` |
//! | `pack_size` | case pack at this supplier | units | > 0 | the item master's `pack_size` |
//!
//! `moq` and `pack_size` are per supplier because they are per supplier in practice (one
//! sells by the case of 12, the other by the pallet); the chosen supplier's are what the order
//! quantity is rounded to. The item master's `supplier` stays the SKU's primary (default)
//! supplier; a row for it here sets its price, lead-time override and priority.
//!
//! A row is rejected whole (its offer is not considered; the rest of the file is used) when a
//! required cell is empty, a number does not parse or is out of range, `lead_time_sd` comes
//! without `lead_time`, or it repeats the (sku, supplier) pair of an earlier row. SKUs that are
//! in no other input are rejected by [`crate::validate`], which knows the catalogue.

use std::{collections::BTreeMap, path::Path};

use serde::Serialize;

use super::{
    rejects::RejectLog,
    rows::{for_each_row, Row},
    table::Table,
    FileStats, InputKind, LoadError,
};

const SKU: usize = 0;
const SUPPLIER: usize = 1;
const UNIT_COST: usize = 2;
const LEAD_TIME: usize = 3;
const LEAD_TIME_SD: usize = 4;
const PRIORITY: usize = 5;
const MOQ: usize = 6;
const PACK_SIZE: usize = 7;

/// What a rejected row means for the plan.
const NOT_CONSIDERED: &str = "this supplier's offer is not considered for the sku";

/// One supplier's offer for one SKU.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplierOffer {
    /// Line in the input file.
    pub line: u64,
    /// SKU.
    pub sku: String,
    /// Supplier.
    pub supplier: String,
    /// Landed unit cost at this supplier (currency per unit, > 0).
    pub unit_cost: f64,
    /// Lead-time override (days), if given.
    pub lead_time: Option<f64>,
    /// Standard deviation of the overridden lead time (days); 0 when not given.
    pub lead_time_sd: Option<f64>,
    /// The planner's preference (1 = preferred), if given.
    pub priority: Option<u32>,
    /// Minimum order quantity at this supplier (units, ≥ 0; 0 = no minimum there), if given;
    /// `None` takes the item master's.
    pub moq: Option<f64>,
    /// Pack size at this supplier (units), if given.
    pub pack_size: Option<f64>,
}

/// Offers by SKU, each SKU's in file order.
pub type Offers = BTreeMap<String, Vec<SupplierOffer>>;

/// Loads a suppliers file; rejected rows go to `rejects`. The result is keyed by SKU.
///
/// # Errors
/// Structural [`LoadError`]s.
pub fn load_suppliers(
    path: &Path,
    mapping: &BTreeMap<String, String>,
    rejects: &mut RejectLog,
) -> Result<(Offers, FileStats), LoadError> {
    let table = Table::open(path, InputKind::Suppliers, mapping)?;
    let mut out: Offers = BTreeMap::new();
    let mut seen: BTreeMap<(String, String), u64> = BTreeMap::new();
    let stats = for_each_row(&table, rejects, |row| {
        let Some(offer) = read_offer(row) else { return };
        let key = (offer.sku.clone(), offer.supplier.clone());
        if let Some(first) = seen.get(&key) {
            row.reject(
                SUPPLIER,
                format!(
                    "duplicate sku {} and supplier {} (first at line {first}); keep one row per sku and supplier, {NOT_CONSIDERED} twice",
                    offer.sku, offer.supplier
                ),
            );
            return;
        }
        seen.insert(key, offer.line);
        out.entry(offer.sku.clone()).or_default().push(offer);
    })?;
    Ok((out, stats))
}

/// The offer of one row, or `None` when the row is rejected.
fn read_offer(row: &mut Row<'_, '_>) -> Option<SupplierOffer> {
    let sku = row.text(SKU);
    let supplier = row.text(SUPPLIER);
    let unit_cost = row.number(UNIT_COST);
    if unit_cost.is_some_and(|c| c <= 0.0) {
        row.reject(
            UNIT_COST,
            format!(
                "unit_cost should be a price > 0 (currency per unit, landed); {NOT_CONSIDERED}"
            ),
        );
    }
    let lead_time = row.opt_non_negative(LEAD_TIME, false);
    let lead_time_sd = row.opt_non_negative(LEAD_TIME_SD, false);
    let priority = row.opt_number(PRIORITY);
    if priority.is_some_and(|p| p < 1.0 || p.fract() != 0.0 || p > f64::from(u32::MAX)) {
        row.reject(
            PRIORITY,
            "priority should be a whole number ≥ 1 (1 = preferred supplier)",
        );
    }
    // 0 is "no minimum at this supplier" (as in the item master), not a bad cell that would
    // drop the whole offer.
    let moq = row.opt_non_negative(MOQ, false);
    let pack_size = row.opt_non_negative(PACK_SIZE, true);
    if lead_time_sd.is_some() && lead_time.is_none() && !row.is_rejected() {
        row.reject(
            LEAD_TIME_SD,
            "lead_time_sd is given without lead_time; give the mean lead time (days) too, or leave both empty to use the supplier's purchase-order history",
        );
    }
    let (Some(sku), Some(supplier), Some(unit_cost)) = (sku, supplier, unit_cost) else {
        return None;
    };
    if row.is_rejected() {
        return None;
    }
    Some(SupplierOffer {
        line: row.line(),
        sku: sku.to_string(),
        supplier: supplier.to_string(),
        unit_cost,
        lead_time,
        lead_time_sd,
        priority: priority.map(|p| p as u32),
        moq,
        pack_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (Offers, FileStats, RejectLog) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("suppliers.csv");
        std::fs::write(&path, text).unwrap();
        let mut log = RejectLog::new(&path);
        let (map, stats) = load_suppliers(&path, &BTreeMap::new(), &mut log).unwrap();
        (map, stats, log)
    }

    #[test]
    fn a_good_file_is_read_with_every_column() {
        let (map, stats, log) = load(
            "sku,supplier,unit_cost,lead_time,lead_time_sd,priority,moq,pack_size\n\
             A,SUP1,4.30,7,1,1,,\n\
             A,SUP2,4.10,12,4,2,50,10\n\
             B,SUP2,1.5,,,,,\n",
        );
        assert_eq!(log.len(), 0);
        assert_eq!(stats.rows_accepted, 3);
        assert_eq!(map["A"].len(), 2);
        let a2 = &map["A"][1];
        assert_eq!(a2.supplier, "SUP2");
        assert!((a2.unit_cost - 4.10).abs() < 1e-12);
        assert_eq!(a2.lead_time, Some(12.0));
        assert_eq!(a2.lead_time_sd, Some(4.0));
        assert_eq!(a2.priority, Some(2));
        assert_eq!(a2.moq, Some(50.0));
        assert_eq!(a2.pack_size, Some(10.0));
        assert_eq!(a2.line, 3);
        let b = &map["B"][0];
        assert_eq!((b.lead_time, b.priority, b.moq), (None, None, None));
    }

    #[test]
    fn bad_cells_reject_the_row_with_column_value_and_reason() {
        let (map, stats, log) = load(
            "sku,supplier,unit_cost,lead_time,lead_time_sd,priority\n\
             A,SUP1,abc,,,\n\
             A,SUP2,0,,,\n\
             A,SUP3,2,-3,,\n\
             A,SUP4,2,,2,\n\
             A,SUP5,2,5,,1.5\n\
             A,,2,,,\n\
             A,SUP6,2,5,1,3\n",
        );
        assert_eq!(stats.rows_rejected, 6);
        assert_eq!(map["A"].len(), 1);
        assert_eq!(map["A"][0].supplier, "SUP6");
        let rows = &log.rows;
        let find = |line: u64| rows.iter().find(|r| r.line == line).unwrap();
        assert_eq!(find(2).column, "unit_cost");
        assert_eq!(find(2).value, "abc");
        assert!(find(3).reason.contains("> 0"), "{}", find(3).reason);
        assert_eq!(find(4).column, "lead_time");
        assert!(find(4).reason.contains(">= 0"), "{}", find(4).reason);
        assert_eq!(find(5).column, "lead_time_sd");
        assert!(find(5).reason.contains("without lead_time"));
        assert_eq!(find(6).column, "priority");
        assert!(find(6).reason.contains("whole number"));
        assert_eq!(find(7).column, "supplier");
        assert!(find(7).reason.contains("missing value"));
    }

    #[test]
    fn a_moq_of_zero_means_no_minimum_and_keeps_the_offer() {
        let (map, stats, log) = load(
            "sku,supplier,unit_cost,moq,pack_size\n\
             A,SUP1,2,0,6\n\
             A,SUP2,2,-1,\n\
             A,SUP3,2,,0\n",
        );
        // moq 0: the offer is kept with no minimum (the item master's moq is not taken).
        assert_eq!(map["A"].len(), 1);
        assert_eq!(map["A"][0].supplier, "SUP1");
        assert_eq!(map["A"][0].moq, Some(0.0));
        assert_eq!(map["A"][0].pack_size, Some(6.0));
        // A negative moq and a pack of 0 are still rejected, naming line and column.
        assert_eq!(stats.rows_rejected, 2);
        let r = |line: u64| log.rows.iter().find(|r| r.line == line).unwrap();
        assert_eq!((r(3).column.as_str(), r(3).value.as_str()), ("moq", "-1"));
        assert!(r(3).reason.contains(">= 0"), "{}", r(3).reason);
        assert_eq!(r(4).column, "pack_size");
    }

    #[test]
    fn a_repeated_sku_and_supplier_pair_is_rejected_naming_the_first_line() {
        let (map, stats, log) = load("sku,supplier,unit_cost\nA,SUP1,2\nA,SUP2,3\nA,SUP1,1.9\n");
        assert_eq!(stats.rows_rejected, 1);
        assert_eq!(map["A"].len(), 2);
        assert!((map["A"][0].unit_cost - 2.0).abs() < 1e-12);
        let r = &log.rows[0];
        assert_eq!((r.line, r.column.as_str()), (4, "supplier"));
        assert!(r.reason.contains("first at line 2"), "{}", r.reason);
    }
}
