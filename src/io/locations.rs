//! The location rule: sales and the inventory snapshot must describe stock at the same level.
//!
//! Plans are per sku/location when the sales file has a `location` column, and stock is read
//! per sku/location from the inventory snapshot. When only one of the two has locations, the
//! rule is to plan at the level both share — **per SKU, over all locations**:
//!
//! - sales with locations, a snapshot without: each SKU's sales are summed over its locations
//!   (day by day; a day's promotion and stockout flags are OR-ed, so a stockout at one
//!   location censors the SKU's day) and the snapshot row is the SKU's total;
//! - a snapshot with locations, sales without: each SKU's snapshot rows are summed (on hand,
//!   on order, backordered; the latest `as_of`) into one row per SKU.
//!
//! Either way the run says so on the console and in validation.json (`location_rule`). To
//! plan per location, give both files a location column. Without an inventory file, or when
//! both have locations (or neither), nothing changes.

use super::{inventory::InventoryRecord, sales::DailySales};

/// Sums the sales of each SKU over its locations; `series` is sorted by sku then location and
/// so is the result (one series per SKU, location `None`).
pub fn sum_sales_over_locations(series: Vec<DailySales>) -> Vec<DailySales> {
    let mut out: Vec<DailySales> = Vec::new();
    for s in series {
        match out.last_mut() {
            Some(last) if last.sku == s.sku => add_into(last, &s),
            _ => out.push(DailySales {
                location: None,
                ..s
            }),
        }
    }
    out
}

/// Adds `s` day by day into `acc`, widening `acc` to cover both.
fn add_into(acc: &mut DailySales, s: &DailySales) {
    let first = acc.first_day.min(s.first_day);
    let last = acc.last_day().max(s.last_day());
    let len = (last - first + 1) as usize;
    let shift = (acc.first_day - first) as usize;
    if shift > 0 || acc.qty.len() < len {
        let mut qty = vec![0.0; len];
        let mut flags = vec![0u8; len];
        qty[shift..shift + acc.qty.len()].copy_from_slice(&acc.qty);
        flags[shift..shift + acc.flags.len()].copy_from_slice(&acc.flags);
        acc.qty = qty;
        acc.flags = flags;
        acc.first_day = first;
    }
    let at = (s.first_day - first) as usize;
    for (i, (&q, &f)) in s.qty.iter().zip(&s.flags).enumerate() {
        acc.qty[at + i] += q;
        acc.flags[at + i] |= f;
    }
    acc.revenue += s.revenue;
}

/// Sums the snapshot rows of each SKU over its locations (on hand, on order and backordered
/// added; the latest `as_of`; the first row's line), in order of first appearance.
pub fn sum_inventory_over_locations(rows: Vec<InventoryRecord>) -> Vec<InventoryRecord> {
    let mut out: Vec<InventoryRecord> = Vec::new();
    let mut at: ahash::AHashMap<String, usize> = ahash::AHashMap::new();
    for r in rows {
        match at.get(&r.sku) {
            Some(&i) => {
                let t = &mut out[i];
                t.on_hand += r.on_hand;
                t.on_order = add_opt(t.on_order, r.on_order);
                t.backordered = add_opt(t.backordered, r.backordered);
                t.as_of = t.as_of.max(r.as_of);
            }
            None => {
                at.insert(r.sku.clone(), out.len());
                out.push(InventoryRecord {
                    location: None,
                    ..r
                });
            }
        }
    }
    out
}

fn add_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    }
}

/// Which side has locations, and the rule applied (the message for the planner), if the two
/// disagree: `sales_have` / `stock_has` say whether any sales series / snapshot row has one.
pub fn mismatch(sales_have: bool, stock_has: bool) -> Option<&'static str> {
    match (sales_have, stock_has) {
        (true, false) => Some(
            "the sales file has locations but the inventory snapshot does not: the snapshot is taken as each SKU's total, and each SKU is planned over all locations (sales summed); give the snapshot a location column to plan per location",
        ),
        (false, true) => Some(
            "the inventory snapshot has locations but the sales file does not: each SKU's stock is summed over its locations and the SKU is planned as one; give the sales a location column to plan per location",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn daily(sku: &str, loc: &str, first_day: i64, qty: &[f64], flags: &[u8]) -> DailySales {
        DailySales {
            sku: sku.into(),
            location: Some(loc.into()),
            first_day: first_day as _,
            qty: qty.to_vec(),
            flags: flags.to_vec(),
            revenue: 1.0,
        }
    }

    #[test]
    fn sales_are_summed_day_by_day_over_locations_keeping_every_unit() {
        let merged = sum_sales_over_locations(vec![
            daily("A", "L1", 10, &[1.0, 2.0], &[0, 2]),
            daily("A", "L2", 8, &[5.0, 0.0, 0.0, 3.0, 4.0], &[1, 0, 0, 0, 0]),
            daily("B", "L1", 3, &[7.0], &[0]),
        ]);
        assert_eq!(merged.len(), 2);
        let a = &merged[0];
        assert_eq!((a.location.clone(), a.first_day), (None, 8));
        assert_eq!(a.qty, vec![5.0, 0.0, 1.0, 5.0, 4.0]);
        assert_eq!(a.flags, vec![1, 0, 0, 2, 0]);
        assert!((a.revenue - 2.0).abs() < 1e-12);
        assert_eq!(merged[1].qty, vec![7.0]);
    }

    #[test]
    fn snapshot_rows_are_summed_per_sku() {
        let row = |sku: &str, loc: &str, on_hand, on_order| InventoryRecord {
            line: 2,
            sku: sku.into(),
            location: Some(loc.into()),
            on_hand,
            on_order,
            backordered: None,
            as_of: None,
        };
        let out = sum_inventory_over_locations(vec![
            row("A", "L1", 3.0, None),
            row("B", "L1", 1.0, Some(2.0)),
            row("A", "L2", 4.0, Some(5.0)),
        ]);
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[0].on_hand, out[0].on_order, out[0].location.clone()),
            (7.0, Some(5.0), None)
        );
        assert_eq!(out[1].on_order, Some(2.0));
        assert!(mismatch(true, false).is_some() && mismatch(true, true).is_none());
    }
}
