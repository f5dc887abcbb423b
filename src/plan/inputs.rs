//! What the inputs say about each SKU beyond its demand: values screening flagged, whether it
//! never sold, and the largest order ever placed for it. The plan stage copies these into each
//! [`crate::sku_plan::SkuPlan`]; recommendations turn them into reasons and sanity checks.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::{
    io::anomalies::{Anomaly, AnomalyAction},
    validate::Loaded,
};

use super::steer::{never_sold, Key};

/// Per-SKU facts from the inputs, indexed once per plan.
pub struct InputFacts<'a> {
    loaded: &'a Loaded,
    notes: BTreeMap<&'a str, Vec<String>>,
    largest_order: BTreeMap<&'a str, f64>,
    planning: NaiveDate,
    min_history_days: i64,
}

impl<'a> InputFacts<'a> {
    /// Indexes the anomalies and purchase orders of `loaded`.
    pub fn new(loaded: &'a Loaded, planning: NaiveDate, min_history_days: u32) -> Self {
        let mut largest_order: BTreeMap<&str, f64> = BTreeMap::new();
        for po in &loaded.purchase_orders {
            let m = largest_order.entry(po.sku.as_str()).or_insert(0.0);
            *m = m.max(po.quantity);
        }
        InputFacts {
            loaded,
            notes: notes_by_sku(&loaded.anomalies),
            largest_order,
            planning,
            min_history_days: i64::from(min_history_days),
        }
    }

    /// One line per kind of flagged value of `sku` (empty when nothing was flagged).
    pub fn notes(&self, sku: &str) -> Vec<String> {
        self.notes.get(sku).cloned().unwrap_or_default()
    }

    /// Why `key` is planned as never sold, if it is: its sales rows span at least
    /// `min_history_days` days and none is a positive sale.
    pub fn never_sold(&self, key: &Key) -> Option<String> {
        never_sold(self.loaded, key, self.planning, self.min_history_days).map(|z| {
            format!(
                "never sold: {} days of sales rows ({} to {}), none with a positive quantity",
                z.days_before(self.planning),
                z.first,
                z.last
            )
        })
    }

    /// The largest quantity of one past purchase order of `sku` (units), if it has any.
    pub fn largest_past_order(&self, sku: &str) -> Option<f64> {
        self.largest_order.get(sku).copied().filter(|&q| q > 0.0)
    }
}

/// Per SKU, one line per (column, action) of its anomalies, e.g. "2 quantity values excluded
/// as implausible (anomalies.csv)". Findings about rows rather than one value (a duplicated
/// block: no column; its `sku` is only the block's first) are the console's, not a SKU's.
fn notes_by_sku(anomalies: &[Anomaly]) -> BTreeMap<&str, Vec<String>> {
    let mut counts: BTreeMap<(&str, &str, AnomalyAction), usize> = BTreeMap::new();
    for a in anomalies
        .iter()
        .filter(|a| !a.sku.is_empty() && !a.column.is_empty())
    {
        *counts
            .entry((a.sku.as_str(), a.column.as_str(), a.action))
            .or_default() += 1;
    }
    let mut notes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for ((sku, column, action), n) in counts {
        let what = if n == 1 { "value" } else { "values" };
        let done = match action {
            AnomalyAction::Excluded => "excluded from fitting",
            AnomalyAction::Capped => "capped",
            AnomalyAction::Kept if n == 1 => "kept, but check it",
            AnomalyAction::Kept => "kept, but check them",
        };
        notes.entry(sku).or_default().push(format!(
            "{n} implausible {column} {what} {done} (see anomalies.csv)"
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anomalies_become_one_note_per_column_and_action() {
        let a = |sku: &str, column: &str, action| Anomaly {
            sku: sku.into(),
            column: column.into(),
            action,
            ..Anomaly::default()
        };
        let list = [
            a("A", "quantity", AnomalyAction::Excluded),
            a("A", "quantity", AnomalyAction::Excluded),
            a("A", "receipt_date", AnomalyAction::Excluded),
            a("", "quantity", AnomalyAction::Excluded),
            a("A", "", AnomalyAction::Excluded),
            a("B", "quantity", AnomalyAction::Kept),
        ];
        let notes = notes_by_sku(&list);
        assert_eq!(
            notes["A"],
            vec![
                "2 implausible quantity values excluded from fitting (see anomalies.csv)",
                "1 implausible receipt_date value excluded from fitting (see anomalies.csv)"
            ]
        );
        assert_eq!(notes["B"].len(), 1);
        assert_eq!(notes.len(), 2);
    }
}
