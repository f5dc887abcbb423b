//! Lead-time distributions from purchase-order history, pooling for thin history, drift
//! detection, and the on-order pipeline.
//!
//! This module turns [`PurchaseOrderLine`]s into per-SKU lead-time samples and open orders.
//! It does not decide what to order (that is [`crate::recommend`]).
//!
//! # Conventions
//! - **Lead time** = receipt date − order date, in days, of an order received **complete**.
//! - **Partial receipts**: lines of one order (same sku, supplier, order date and ordered
//!   quantity) that carry `quantity_received` are summed; the order counts as complete on the
//!   latest receipt date once the received units reach the ordered quantity, and gives one
//!   lead-time sample then (the date the customer-facing shortage ends, which is what safety
//!   stock must cover). Until then it gives no sample and the units not yet received stay on
//!   order. A line with a receipt date and no `quantity_received` was received in full.
//! - **Pooling**: a SKU's own receipts (for its supplier: the item master's, else the supplier
//!   of its latest order) are used when there are at least `min_receipts` of them; otherwise
//!   all receipts of the supplier (every SKU); otherwise the item master's `lead_time_days`;
//!   otherwise the configured default. The source is recorded with every result. Receipts
//!   without a supplier (a PO file with no supplier column) count as the SKU's own.
//! - **Suppliers file**: another supplier of a SKU ([`LeadTimeModel::for_offer`]) takes the
//!   SKU's own receipts from it, else the file's `lead_time` ± `lead_time_sd`
//!   ([`LeadTimeSource::SuppliersFile`]), else the supplier's pooled receipts; nothing else.
//! - **Screening**: an order with a line flagged by [`crate::screen::lead_times`]
//!   ([`PurchaseOrderLine::screened`], a lead time far outside the SKU's and supplier's or
//!   above 730 days) gives no lead-time sample (to the SKU, the supplier pool or the drift
//!   check); it still counts as received.
//! - **Window**: with `window_days`, only receipts dated within that many days before the
//!   planning date count (lead times change; old history may mislead).
//! - **Drift**: a supplier drifts when the median of its receipts in the last
//!   `drift_window_days` (at least 3 of them) is above the 90th percentile of its receipts
//!   before that (at least `min_receipts`).
//! - **Open orders**: units ordered and not yet received. Expected arrival = `expected_date`
//!   when given, else order date + the SKU's lead-time median (rounded up to whole days). An
//!   expected arrival before the planning date marks the order **overdue**.
//! - Quantiles interpolate linearly between order statistics (numpy's default).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use statrs::distribution::{ContinuousCDF, Normal};

use crate::{io::purchase_orders::PurchaseOrderLine, util::quantile_sorted};

/// Lead-time settings (`[lead_time]` in the config).
///
/// | name | default | meaning |
/// |---|---|---|
/// | `min_receipts` | 5 | fewest own receipts before a SKU's lead time is trusted (else pooled) |
/// | `window_days` | none (all history) | only receipts within this many days before the planning date |
/// | `drift_window_days` | 90 | "recent" receipts for drift detection |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LeadTimeSettings {
    /// Fewest own receipts before a SKU's lead time is trusted.
    pub min_receipts: usize,
    /// Only receipts within this many days before the planning date count.
    pub window_days: Option<u32>,
    /// Days counted as recent for drift detection.
    pub drift_window_days: u32,
}

impl Default for LeadTimeSettings {
    fn default() -> Self {
        Self {
            min_receipts: 5,
            window_days: None,
            drift_window_days: 90,
        }
    }
}

/// Where a SKU's lead time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadTimeSource {
    /// The SKU's own receipts from its supplier.
    Sku,
    /// All receipts of the supplier (the SKU had too few).
    Supplier,
    /// The item master's `lead_time_days`.
    ItemMaster,
    /// The configuration default.
    Default,
    /// The `lead_time` (and `lead_time_sd`) of the SKU's row for that supplier in the
    /// suppliers file ([`crate::io::suppliers`]).
    SuppliersFile,
}

impl LeadTimeSource {
    /// `sku`, `supplier`, `item_master` or `default`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sku => "sku",
            Self::Supplier => "supplier",
            Self::ItemMaster => "item_master",
            Self::Default => "default",
            Self::SuppliersFile => "suppliers_file",
        }
    }
}

/// Summary and sample of a lead-time distribution (days).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadTimeStats {
    /// Number of receipts (0 for a typed-in value).
    pub count: usize,
    /// Mean (days).
    pub mean: f64,
    /// Sample standard deviation (days; 0 for fewer than 2 receipts).
    pub sd: f64,
    /// Median (days).
    pub p50: f64,
    /// 90th percentile (days).
    pub p90: f64,
    /// 95th percentile (days).
    pub p95: f64,
    /// The lead times, sorted (one value for a typed-in lead time).
    #[serde(skip)]
    pub sample: Vec<f64>,
}

impl LeadTimeStats {
    /// Statistics of observed lead times.
    pub fn from_sample(mut sample: Vec<f64>) -> Self {
        sample.sort_by(f64::total_cmp);
        let n = sample.len();
        let mean = if n == 0 {
            0.0
        } else {
            sample.iter().sum::<f64>() / n as f64
        };
        let sd = if n < 2 {
            0.0
        } else {
            (sample.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        };
        Self {
            count: n,
            mean,
            sd,
            p50: quantile_sorted(&sample, 0.5),
            p90: quantile_sorted(&sample, 0.9),
            p95: quantile_sorted(&sample, 0.95),
            sample,
        }
    }

    /// Third central moment of the receipts (days³, the unbiased k-statistic
    /// n / ((n − 1)(n − 2))·Σ(x − mean)³): the skew that late deliveries give the lead time;
    /// `None` for fewer than 3 receipts or a typed-in lead time (no receipts).
    pub fn third_moment(&self) -> Option<f64> {
        let n = self.count;
        if n < 3 || self.sample.len() != n {
            return None;
        }
        let m3: f64 = self.sample.iter().map(|v| (v - self.mean).powi(3)).sum();
        let n = n as f64;
        Some(n / ((n - 1.0) * (n - 2.0)) * m3)
    }

    /// A typed-in lead time with a spread: normal with `mean` and `sd` days, truncated at 0.
    /// The sample (for the empirical method) is the normal's quantiles at (i + ½)/41,
    /// i = 0..41, so it is deterministic; `sd` 0 gives [`LeadTimeStats::fixed`].
    pub fn normal(mean: f64, sd: f64) -> Self {
        if sd <= 0.0 {
            return Self::fixed(mean);
        }
        const POINTS: usize = 41;
        let n = Normal::new(mean, sd).expect("a normal with sd > 0 is valid");
        let sample: Vec<f64> = (0..POINTS)
            .map(|i| n.inverse_cdf((i as f64 + 0.5) / POINTS as f64).max(0.0))
            .collect();
        Self {
            count: 0,
            mean,
            sd,
            p50: mean.max(0.0),
            p90: n.inverse_cdf(0.9).max(0.0),
            p95: n.inverse_cdf(0.95).max(0.0),
            sample,
        }
    }

    /// A fixed, typed-in lead time (no spread).
    pub fn fixed(days: f64) -> Self {
        Self {
            count: 0,
            mean: days,
            sd: 0.0,
            p50: days,
            p90: days,
            p95: days,
            sample: vec![days],
        }
    }
}

/// One SKU's lead time and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkuLeadTime {
    /// The supplier the lead time is for, if known.
    pub supplier: Option<String>,
    /// Where the numbers came from.
    pub source: LeadTimeSource,
    /// The SKU's own receipts (from that supplier), even when too few to use.
    pub own_receipts: usize,
    /// The distribution used.
    pub stats: LeadTimeStats,
}

/// A supplier's recent receipts against its history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplierDrift {
    /// Supplier.
    pub supplier: String,
    /// Receipts before the recent window.
    pub historical_receipts: usize,
    /// 90th percentile of those (days).
    pub historical_p90: f64,
    /// Receipts in the recent window.
    pub recent_receipts: usize,
    /// Median of those (days).
    pub recent_median: f64,
    /// Whether the recent median is above the historical p90.
    pub drifting: bool,
}

/// An order placed and not yet (fully) received.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenOrder {
    /// Line of the order in the purchase-order file.
    pub line: u64,
    /// SKU.
    pub sku: String,
    /// Supplier, if given.
    pub supplier: Option<String>,
    /// Day the order was placed.
    pub order_date: NaiveDate,
    /// Units still to arrive.
    pub quantity: f64,
    /// Expected arrival.
    pub expected: NaiveDate,
    /// Whether `expected` was given in the file (else estimated from the lead-time median).
    pub expected_given: bool,
    /// Expected before the planning date and still not received.
    pub overdue: bool,
}

/// One completed order: who, when, how long.
#[derive(Debug, Clone)]
struct Receipt {
    sku: String,
    supplier: Option<String>,
    order_date: NaiveDate,
    receipt_date: NaiveDate,
}

/// An order as assembled from its lines (partial receipts summed).
#[derive(Debug, Clone)]
struct Order {
    line: u64,
    sku: String,
    supplier: Option<String>,
    order_date: NaiveDate,
    ordered: f64,
    received: f64,
    /// Latest receipt date seen.
    last_receipt: Option<NaiveDate>,
    /// Whether any line was received in full without a quantity.
    full: bool,
    /// Whether screening flagged a line of the order (no lead-time sample).
    screened: bool,
    expected: Option<NaiveDate>,
}

impl Order {
    fn complete(&self) -> bool {
        self.full || (self.last_receipt.is_some() && self.received >= self.ordered - 1e-9)
    }
}

fn assemble(lines: &[PurchaseOrderLine]) -> Vec<Order> {
    // Key: sku, supplier, order date, ordered quantity (bit pattern for exact grouping).
    let mut orders: BTreeMap<(String, Option<String>, NaiveDate, u64), Order> = BTreeMap::new();
    for l in lines {
        let key = (
            l.sku.clone(),
            l.supplier.clone(),
            l.order_date,
            l.quantity.to_bits(),
        );
        let o = orders.entry(key).or_insert_with(|| Order {
            line: l.line,
            sku: l.sku.clone(),
            supplier: l.supplier.clone(),
            order_date: l.order_date,
            ordered: l.quantity,
            received: 0.0,
            last_receipt: None,
            full: false,
            screened: false,
            expected: None,
        });
        o.screened |= l.screened;
        if let Some(r) = l.receipt_date {
            o.last_receipt = Some(o.last_receipt.map_or(r, |d| d.max(r)));
            match l.quantity_received {
                Some(q) => o.received += q,
                None => o.full = true,
            }
        }
        if l.expected_date.is_some() {
            o.expected = l.expected_date;
        }
    }
    orders.into_values().collect()
}

/// Lead times learned from purchase-order history.
#[derive(Debug, Clone, Default)]
pub struct LeadTimeModel {
    receipts_by_pair: BTreeMap<(String, Option<String>), Vec<f64>>,
    by_supplier: BTreeMap<String, LeadTimeStats>,
    latest_supplier: BTreeMap<String, (NaiveDate, String)>,
    /// Drift check per supplier with enough history.
    pub drift: Vec<SupplierDrift>,
    /// Orders not yet complete, by SKU.
    open_by_sku: BTreeMap<String, Vec<Order>>,
    min_receipts: usize,
}

impl LeadTimeModel {
    /// Learns lead times from `lines` as of `planning_date`; see the module documentation.
    pub fn learn(
        lines: &[PurchaseOrderLine],
        planning_date: NaiveDate,
        settings: &LeadTimeSettings,
    ) -> Self {
        let orders = assemble(lines);
        let since = settings
            .window_days
            .map(|w| planning_date - Duration::days(i64::from(w)));
        let receipts: Vec<Receipt> = orders
            .iter()
            .filter(|o| o.complete() && !o.screened)
            .filter_map(|o| {
                let r = o.last_receipt?;
                (r < planning_date && since.is_none_or(|s| r >= s)).then(|| Receipt {
                    sku: o.sku.clone(),
                    supplier: o.supplier.clone(),
                    order_date: o.order_date,
                    receipt_date: r,
                })
            })
            .collect();
        let days = |r: &Receipt| (r.receipt_date - r.order_date).num_days() as f64;
        let mut receipts_by_pair: BTreeMap<(String, Option<String>), Vec<f64>> = BTreeMap::new();
        let mut supplier_all: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut supplier_split: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
        let recent_from = planning_date - Duration::days(i64::from(settings.drift_window_days));
        for r in &receipts {
            receipts_by_pair
                .entry((r.sku.clone(), r.supplier.clone()))
                .or_default()
                .push(days(r));
            if let Some(s) = &r.supplier {
                supplier_all.entry(s.clone()).or_default().push(days(r));
                let split = supplier_split.entry(s.clone()).or_default();
                if r.receipt_date >= recent_from {
                    split.1.push(days(r));
                } else {
                    split.0.push(days(r));
                }
            }
        }
        let mut latest_supplier: BTreeMap<String, (NaiveDate, String)> = BTreeMap::new();
        for o in &orders {
            if let Some(s) = &o.supplier {
                let e = latest_supplier
                    .entry(o.sku.clone())
                    .or_insert((o.order_date, s.clone()));
                if o.order_date >= e.0 {
                    *e = (o.order_date, s.clone());
                }
            }
        }
        let drift = supplier_split
            .into_iter()
            .filter(|(_, (hist, recent))| hist.len() >= settings.min_receipts && recent.len() >= 3)
            .map(|(supplier, (hist, recent))| {
                let h = LeadTimeStats::from_sample(hist);
                let r = LeadTimeStats::from_sample(recent);
                SupplierDrift {
                    supplier,
                    historical_receipts: h.count,
                    historical_p90: h.p90,
                    recent_receipts: r.count,
                    recent_median: r.p50,
                    drifting: r.p50 > h.p90,
                }
            })
            .collect();
        let mut open_by_sku: BTreeMap<String, Vec<Order>> = BTreeMap::new();
        for o in orders.into_iter().filter(|o| !o.complete()) {
            open_by_sku.entry(o.sku.clone()).or_default().push(o);
        }
        Self {
            open_by_sku,
            receipts_by_pair,
            by_supplier: supplier_all
                .into_iter()
                .map(|(s, v)| (s, LeadTimeStats::from_sample(v)))
                .collect(),
            latest_supplier,
            drift,
            min_receipts: settings.min_receipts,
        }
    }

    /// The supplier of a SKU: the item master's, else the supplier of its latest order.
    pub fn supplier_of(&self, sku: &str, item_supplier: Option<&str>) -> Option<String> {
        item_supplier
            .map(str::to_string)
            .or_else(|| self.latest_supplier.get(sku).map(|(_, s)| s.clone()))
    }

    /// The lead time of a SKU, pooled as the module documentation says. `item_days` is the
    /// item master's `lead_time_days` if the SKU has one; `default_days` the config default.
    pub fn for_sku(
        &self,
        sku: &str,
        supplier: Option<&str>,
        item_days: Option<f64>,
        default_days: f64,
    ) -> SkuLeadTime {
        // A purchase-order file without a supplier column still holds the SKU's own receipts
        // when the item master names the supplier.
        let own = self
            .receipts_by_pair
            .get(&(sku.to_string(), supplier.map(str::to_string)))
            .or_else(|| self.receipts_by_pair.get(&(sku.to_string(), None)))
            .cloned()
            .unwrap_or_default();
        let own_receipts = own.len();
        let supplier_owned = supplier.map(str::to_string);
        let (source, stats) = if own_receipts >= self.min_receipts.max(1) {
            (LeadTimeSource::Sku, LeadTimeStats::from_sample(own))
        } else if let Some(s) = supplier
            .and_then(|s| self.by_supplier.get(s))
            .filter(|s| s.count >= self.min_receipts.max(1))
        {
            (LeadTimeSource::Supplier, s.clone())
        } else if let Some(d) = item_days {
            (LeadTimeSource::ItemMaster, LeadTimeStats::fixed(d))
        } else {
            (LeadTimeSource::Default, LeadTimeStats::fixed(default_days))
        };
        SkuLeadTime {
            supplier: supplier_owned,
            source,
            own_receipts,
            stats,
        }
    }

    /// The lead time of `sku` at a supplier of the suppliers file ([`crate::io::suppliers`]):
    /// the SKU's own receipts from that supplier when there are at least `min_receipts`, else
    /// `typed` (the file's `lead_time` and `lead_time_sd`, days), else the supplier's pooled
    /// receipts (every SKU, at least `min_receipts`); `None` when nothing is known (the
    /// item master's `lead_time_days` and the config default are the primary supplier's, not
    /// this one's).
    pub fn for_offer(
        &self,
        sku: &str,
        supplier: &str,
        typed: Option<(f64, f64)>,
    ) -> Option<SkuLeadTime> {
        let own = self
            .receipts_by_pair
            .get(&(sku.to_string(), Some(supplier.to_string())))
            .cloned()
            .unwrap_or_default();
        let own_receipts = own.len();
        let (source, stats) = if own_receipts >= self.min_receipts.max(1) {
            (LeadTimeSource::Sku, LeadTimeStats::from_sample(own))
        } else if let Some((mean, sd)) = typed {
            (
                LeadTimeSource::SuppliersFile,
                LeadTimeStats::normal(mean, sd),
            )
        } else {
            let pooled = self
                .by_supplier
                .get(supplier)
                .filter(|s| s.count >= self.min_receipts.max(1))?;
            (LeadTimeSource::Supplier, pooled.clone())
        };
        Some(SkuLeadTime {
            supplier: Some(supplier.to_string()),
            source,
            own_receipts,
            stats,
        })
    }

    /// Every supplier with receipts and its pooled lead-time statistics, by supplier name.
    pub fn suppliers(&self) -> impl Iterator<Item = (&str, &LeadTimeStats)> {
        self.by_supplier.iter().map(|(s, st)| (s.as_str(), st))
    }

    /// Whether `supplier` is flagged as drifting.
    pub fn drift_of(&self, supplier: &str) -> Option<&SupplierDrift> {
        self.drift
            .iter()
            .find(|d| d.supplier == supplier && d.drifting)
    }

    /// The open orders of a SKU, with expected arrivals (`median_days` = its lead-time median
    /// for orders without an expected date), sorted by expected arrival.
    pub fn open_orders(
        &self,
        sku: &str,
        median_days: f64,
        planning_date: NaiveDate,
    ) -> Vec<OpenOrder> {
        let mut open: Vec<OpenOrder> = self
            .open_by_sku
            .get(sku)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|o| {
                let (expected, given) = match o.expected {
                    Some(e) => (e, true),
                    None => (
                        o.order_date + Duration::days(median_days.ceil() as i64),
                        false,
                    ),
                };
                OpenOrder {
                    line: o.line,
                    sku: o.sku.clone(),
                    supplier: o.supplier.clone(),
                    order_date: o.order_date,
                    quantity: (o.ordered - o.received).max(0.0),
                    expected,
                    expected_given: given,
                    overdue: expected < planning_date,
                }
            })
            .filter(|o| o.quantity > 0.0)
            .collect();
        open.sort_by(|a, b| a.expected.cmp(&b.expected).then(a.line.cmp(&b.line)));
        open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn line(
        n: u64,
        sku: &str,
        sup: &str,
        order: &str,
        receipt: Option<&str>,
        qty: f64,
        recv: Option<f64>,
    ) -> PurchaseOrderLine {
        PurchaseOrderLine {
            line: n,
            sku: sku.into(),
            supplier: Some(sup.into()),
            order_date: d(order),
            receipt_date: receipt.map(d),
            quantity: qty,
            quantity_received: recv,
            expected_date: None,
            screened: false,
        }
    }

    #[test]
    fn stats_closed_form() {
        // 10, 12, 14, 16, 18: mean 14, sd sqrt(10), p50 14, p90 17.2, p95 17.6.
        let s = LeadTimeStats::from_sample(vec![18.0, 10.0, 14.0, 12.0, 16.0]);
        assert!((s.mean - 14.0).abs() < 1e-12);
        assert!((s.sd - 10f64.sqrt()).abs() < 1e-12);
        assert!((s.p50 - 14.0).abs() < 1e-12);
        assert!((s.p90 - 17.2).abs() < 1e-12);
        assert!((s.p95 - 17.6).abs() < 1e-12);
        // Symmetric receipts: no skew.
        assert!(s.third_moment().unwrap().abs() < 1e-12);
        // 10, 10, 10, 30 (one late delivery): mean 15, Σ(x − 15)³ = 3·(−125) + 3375 = 3000,
        // k₃ = 4 / (3·2) · 3000 = 2000 days³.
        let late = LeadTimeStats::from_sample(vec![10.0, 30.0, 10.0, 10.0]);
        assert!((late.third_moment().unwrap() - 2000.0).abs() < 1e-9);
        // Too few receipts, or a typed-in lead time: none.
        assert_eq!(
            LeadTimeStats::from_sample(vec![10.0, 30.0]).third_moment(),
            None
        );
        assert_eq!(LeadTimeStats::normal(10.0, 3.0).third_moment(), None);
    }

    #[test]
    fn pooling_goes_sku_supplier_item_default() {
        let plan = d("2025-06-01");
        let mut lines = Vec::new();
        // A: 5 receipts of 10 days from S1. B: 2 receipts of 30 days from S1.
        for i in 0..5 {
            let o = d("2025-01-01") + Duration::days(i * 10);
            lines.push(line(
                i as u64 + 2,
                "A",
                "S1",
                &o.to_string(),
                Some(&(o + Duration::days(10)).to_string()),
                10.0,
                None,
            ));
        }
        for i in 0..2 {
            let o = d("2025-02-01") + Duration::days(i * 10);
            lines.push(line(
                i as u64 + 20,
                "B",
                "S1",
                &o.to_string(),
                Some(&(o + Duration::days(30)).to_string()),
                10.0,
                None,
            ));
        }
        let m = LeadTimeModel::learn(&lines, plan, &LeadTimeSettings::default());
        let a = m.for_sku("A", Some("S1"), Some(99.0), 14.0);
        assert_eq!(a.source, LeadTimeSource::Sku);
        assert!((a.stats.mean - 10.0).abs() < 1e-12);
        let b = m.for_sku("B", Some("S1"), Some(99.0), 14.0);
        assert_eq!(b.source, LeadTimeSource::Supplier);
        assert_eq!(b.own_receipts, 2);
        assert!((b.stats.mean - (50.0 + 60.0) / 7.0).abs() < 1e-12);
        let c = m.for_sku("C", Some("S2"), Some(21.0), 14.0);
        assert_eq!(c.source, LeadTimeSource::ItemMaster);
        assert!((c.stats.mean - 21.0).abs() < 1e-12 && c.stats.sd.abs() < 1e-12);
        let e = m.for_sku("C", Some("S2"), None, 14.0);
        assert_eq!(e.source, LeadTimeSource::Default);
        assert_eq!(m.supplier_of("B", None).as_deref(), Some("S1"));
    }

    #[test]
    fn partial_receipts_count_when_complete_and_the_rest_stays_on_order() {
        let plan = d("2025-06-01");
        let lines = vec![
            // Order 1: 100 ordered, 60 on day 10, 40 on day 25 → one sample of 25 days.
            line(
                2,
                "A",
                "S",
                "2025-01-01",
                Some("2025-01-11"),
                100.0,
                Some(60.0),
            ),
            line(
                3,
                "A",
                "S",
                "2025-01-01",
                Some("2025-01-26"),
                100.0,
                Some(40.0),
            ),
            // Order 2: 50 ordered, 20 received: still open for 30.
            line(
                4,
                "A",
                "S",
                "2025-05-01",
                Some("2025-05-20"),
                50.0,
                Some(20.0),
            ),
        ];
        let settings = LeadTimeSettings {
            min_receipts: 1,
            ..LeadTimeSettings::default()
        };
        let m = LeadTimeModel::learn(&lines, plan, &settings);
        let a = m.for_sku("A", Some("S"), None, 14.0);
        assert_eq!(a.stats.sample, vec![25.0]);
        let open = m.open_orders("A", a.stats.p50, plan);
        assert_eq!(open.len(), 1);
        assert!((open[0].quantity - 30.0).abs() < 1e-12);
        // No expected date: order date + median (25 days) = 2025-05-26, before the plan date.
        assert_eq!(open[0].expected, d("2025-05-26"));
        assert!(open[0].overdue && !open[0].expected_given);
    }

    #[test]
    fn drift_flags_recent_receipts_above_historical_p90() {
        let plan = d("2025-12-01");
        let mut lines = Vec::new();
        let mut n = 2;
        // History: 10 receipts of 10–19 days, a year ago. Recent: 4 receipts of 30 days.
        for i in 0..10 {
            let o = d("2024-11-01") + Duration::days(i * 7);
            let r = o + Duration::days(10 + i);
            lines.push(line(
                n,
                "A",
                "S",
                &o.to_string(),
                Some(&r.to_string()),
                5.0,
                None,
            ));
            n += 1;
        }
        for i in 0..4 {
            let o = d("2025-09-15") + Duration::days(i * 7);
            let r = o + Duration::days(30);
            lines.push(line(
                n,
                "A",
                "S",
                &o.to_string(),
                Some(&r.to_string()),
                5.0,
                None,
            ));
            n += 1;
        }
        let m = LeadTimeModel::learn(&lines, plan, &LeadTimeSettings::default());
        let drift = m.drift_of("S").expect("S drifts");
        assert_eq!(drift.recent_receipts, 4);
        assert!((drift.recent_median - 30.0).abs() < 1e-12);
        assert!((drift.historical_p90 - 18.1).abs() < 1e-12);
    }

    #[test]
    fn receipts_without_a_supplier_are_the_skus_own() {
        // The PO file has no supplier column; the item master says S1.
        let plan = d("2025-06-01");
        let lines: Vec<PurchaseOrderLine> = (0..5)
            .map(|i| {
                let o = d("2025-01-01") + Duration::days(i * 10);
                let r = o + Duration::days(8);
                PurchaseOrderLine {
                    supplier: None,
                    ..line(
                        i as u64 + 2,
                        "A",
                        "x",
                        &o.to_string(),
                        Some(&r.to_string()),
                        5.0,
                        None,
                    )
                }
            })
            .collect();
        let m = LeadTimeModel::learn(&lines, plan, &LeadTimeSettings::default());
        let a = m.for_sku("A", Some("S1"), Some(30.0), 14.0);
        assert_eq!(a.source, LeadTimeSource::Sku);
        assert_eq!(a.own_receipts, 5);
        assert!((a.stats.mean - 8.0).abs() < 1e-12);
    }

    #[test]
    fn a_screened_line_gives_no_sample_and_is_not_on_order() {
        let plan = d("2025-06-01");
        let mut lines: Vec<PurchaseOrderLine> = (0..5)
            .map(|i| {
                let o = d("2025-01-01") + Duration::days(i * 10);
                let r = o + Duration::days(10 + i);
                line(
                    i as u64 + 2,
                    "A",
                    "S",
                    &o.to_string(),
                    Some(&r.to_string()),
                    5.0,
                    None,
                )
            })
            .collect();
        lines.push(line(
            9,
            "A",
            "S",
            "2023-01-01",
            Some("2025-05-01"),
            5.0,
            None,
        ));
        let settings = LeadTimeSettings::default();
        let kept =
            LeadTimeModel::learn(&lines, plan, &settings).for_sku("A", Some("S"), None, 14.0);
        assert_eq!(kept.own_receipts, 6);
        lines[5].screened = true;
        let m = LeadTimeModel::learn(&lines, plan, &settings);
        let a = m.for_sku("A", Some("S"), None, 14.0);
        assert_eq!(a.stats.sample, vec![10.0, 11.0, 12.0, 13.0, 14.0]);
        assert_eq!(m.suppliers().next().unwrap().1.count, 5);
        assert!(m.open_orders("A", a.stats.p50, plan).is_empty());
    }

    #[test]
    fn window_keeps_only_recent_receipts() {
        let plan = d("2025-06-01");
        let lines = vec![
            line(2, "A", "S", "2023-01-01", Some("2023-03-01"), 5.0, None),
            line(3, "A", "S", "2025-05-01", Some("2025-05-08"), 5.0, None),
        ];
        let settings = LeadTimeSettings {
            min_receipts: 1,
            window_days: Some(365),
            ..LeadTimeSettings::default()
        };
        let m = LeadTimeModel::learn(&lines, plan, &settings);
        assert_eq!(
            m.for_sku("A", Some("S"), None, 14.0).stats.sample,
            vec![7.0]
        );
    }

    #[test]
    fn an_offer_takes_own_receipts_then_the_override_then_the_pool() {
        // A from SUP2: 2 receipts of 10 days; B from SUP2: 3 of 20 days (SUP2 pools 5).
        let mut lines = Vec::new();
        for (i, (sku, days)) in [("A", 10), ("A", 10), ("B", 20), ("B", 20), ("B", 20)]
            .into_iter()
            .enumerate()
        {
            let order = d("2025-01-01") + Duration::days(30 * i as i64);
            let receipt = (order + Duration::days(days)).to_string();
            lines.push(line(
                i as u64 + 2,
                sku,
                "SUP2",
                &order.to_string(),
                Some(&receipt),
                10.0,
                None,
            ));
        }
        let settings = LeadTimeSettings {
            min_receipts: 2,
            ..LeadTimeSettings::default()
        };
        let m = LeadTimeModel::learn(&lines, d("2026-01-01"), &settings);
        // Own receipts win over the override.
        let a = m.for_offer("A", "SUP2", Some((3.0, 1.0))).unwrap();
        assert_eq!((a.source, a.own_receipts), (LeadTimeSource::Sku, 2));
        assert!((a.stats.mean - 10.0).abs() < 1e-12);
        // Too few own receipts: the override, as a normal with its spread.
        let c = m.for_offer("C", "SUP2", Some((12.0, 4.0))).unwrap();
        assert_eq!(c.source, LeadTimeSource::SuppliersFile);
        assert!((c.stats.mean - 12.0).abs() < 1e-12 && (c.stats.sd - 4.0).abs() < 1e-12);
        assert!((c.stats.p90 - (12.0 + 1.2815515655 * 4.0)).abs() < 1e-6);
        assert_eq!(c.stats.sample.len(), 41);
        // No override: the supplier's pool (2 × 10 and 3 × 20 days: mean 16).
        let p = m.for_offer("C", "SUP2", None).unwrap();
        assert_eq!(p.source, LeadTimeSource::Supplier);
        assert!((p.stats.mean - 16.0).abs() < 1e-12);
        // Nothing known: not compared.
        assert!(m.for_offer("C", "SUP9", None).is_none());
    }
}
