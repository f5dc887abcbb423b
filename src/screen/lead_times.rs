//! Screening of purchase-order lead times: received lines whose lead time no planner would
//! believe, found before [`crate::leadtime`] learns a distribution from them.
//!
//! A received line's lead time is `receipt_date − order_date` in days. A line is flagged when
//!
//! 1. its lead time is above [`LeadTimeScreen::max_days`] (730 days: two years is not a lead
//!    time, it is a wrong date), or
//! 2. it is far outside **both** its SKU's other received lines and its supplier's other
//!    received lines (every SKU of that supplier, this line left out). Far outside a reference
//!    sample `R` means above `max(factor × max(R), median(R) + k × scale(R))`, with
//!    `scale = max(1.4826 × MAD(R), floor_days)`: by default more than 3 times the longest
//!    other lead time, and more than 10 robust standard deviations above the median. A
//!    reference takes part only with at least [`LeadTimeScreen::min_reference`] lead times
//!    (3): a SKU with one or two other receipts is judged against its supplier alone, a line
//!    without a supplier against its SKU alone, and a line with neither reference only by
//!    rule 1.
//!
//! The rule is deliberately loose: lead times are right-skewed, suppliers have disruptions
//! that triple lead times for weeks, and a line of a SKU whose lead times are wide but
//! consistent is never flagged, because the longest other line moves the bar with them. On
//! generated catalogues (1,000 SKUs, 3 years) no line is flagged (see docs/data-contract.md).
//! The cost of the looseness: two wrong lines of the same size shield each other unless
//! they are above 730 days.
//!
//! A flagged line is reported as an [`Anomaly`] (column `receipt_date`, action `excluded`)
//! and left out of the lead-time distribution: its order gives no lead-time sample (to the
//! SKU, its supplier's pool or the drift check). It still counts as received, so its units
//! are not on order. Screening does not reject rows (loading does that) and does not change
//! the dates.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

use crate::{
    io::{
        anomalies::{Anomaly, AnomalyAction},
        cells::fmt,
        purchase_orders::PurchaseOrderLine,
    },
    util::quantile_sorted,
};

/// Thresholds of lead-time screening (see the module documentation).
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `max_days` | 730 | days | a lead time above this is flagged whatever the history |
/// | `factor` | 3 | × | flagged only above this multiple of the longest other lead time of the reference |
/// | `k` | 10 | robust sd | and above the reference's median + k × scale |
/// | `floor_days` | 2 | days | smallest scale (1.4826 × MAD) used, so that identical lead times do not make every deviation an outlier |
/// | `min_reference` | 3 | lead times | fewest other lead times for the SKU or the supplier to be a reference |
#[derive(Debug, Clone, PartialEq)]
pub struct LeadTimeScreen {
    /// Absolute limit (days).
    pub max_days: f64,
    /// Multiple of the longest other lead time.
    pub factor: f64,
    /// Robust standard deviations above the median.
    pub k: f64,
    /// Smallest robust scale (days).
    pub floor_days: f64,
    /// Fewest lead times in a reference sample.
    pub min_reference: usize,
}

impl Default for LeadTimeScreen {
    fn default() -> Self {
        Self {
            max_days: 730.0,
            factor: 3.0,
            k: 10.0,
            floor_days: 2.0,
            min_reference: 3,
        }
    }
}

/// What lead-time screening found: one anomaly per flagged line, and the flagged lines'
/// numbers (the `line` of [`PurchaseOrderLine`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Screened {
    /// The anomalies, in line order.
    pub anomalies: Vec<Anomaly>,
    /// Lines left out of the lead-time distribution.
    pub excluded: BTreeSet<u64>,
}

/// Screens the received lines of `lines` (read from `file`) with the default thresholds.
pub fn screen_lead_times(lines: &[PurchaseOrderLine], file: &Path) -> Screened {
    screen_with(lines, file, &LeadTimeScreen::default())
}

/// Screens `lines` and marks the flagged ones ([`PurchaseOrderLine::screened`]), so that
/// [`crate::leadtime`] leaves them out; returns the anomalies.
pub fn screen_and_mark(lines: &mut [PurchaseOrderLine], file: &Path) -> Vec<Anomaly> {
    let found = screen_lead_times(lines, file);
    for l in lines.iter_mut() {
        l.screened = found.excluded.contains(&l.line);
    }
    found.anomalies
}

/// A reference sample: the sorted lead times (days) of one SKU or one supplier.
struct Reference {
    sorted: Vec<f64>,
}

/// A reference sample with one value left out, summarised for a judgement.
struct Others {
    count: usize,
    median: f64,
    longest: f64,
    bar: f64,
}

impl Reference {
    /// The sample without one instance of `value` (which it holds), if large enough.
    fn without(&self, value: f64, s: &LeadTimeScreen) -> Option<Others> {
        let n = self.sorted.len().checked_sub(1)?;
        if n < s.min_reference {
            return None;
        }
        let at = self.sorted.partition_point(|v| *v < value);
        let others: Vec<f64> = self.sorted[..at]
            .iter()
            .chain(&self.sorted[at + 1..])
            .copied()
            .collect();
        let median = quantile_sorted(&others, 0.5);
        let mut dev: Vec<f64> = others.iter().map(|v| (v - median).abs()).collect();
        dev.sort_by(f64::total_cmp);
        let scale = (1.4826 * quantile_sorted(&dev, 0.5)).max(s.floor_days);
        let longest = others[n - 1];
        Some(Others {
            count: n,
            median,
            longest,
            bar: (s.factor * longest).max(median + s.k * scale),
        })
    }

    /// Whether `value` could be above the bar at all: only values above `factor` times the
    /// second-longest lead time can be (cheap pre-check before [`Self::without`]).
    fn may_flag(&self, value: f64, s: &LeadTimeScreen) -> bool {
        let n = self.sorted.len();
        n >= 2 && value > s.factor * self.sorted[n - 2]
    }
}

/// [`screen_lead_times`] with explicit thresholds.
pub fn screen_with(lines: &[PurchaseOrderLine], file: &Path, s: &LeadTimeScreen) -> Screened {
    let received: Vec<(&PurchaseOrderLine, f64)> = lines
        .iter()
        .filter_map(|l| l.lead_time_days().map(|d| (l, d as f64)))
        .collect();
    let mut by_sku: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut by_supplier: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (l, d) in &received {
        by_sku.entry(&l.sku).or_default().push(*d);
        if let Some(sup) = &l.supplier {
            by_supplier.entry(sup).or_default().push(*d);
        }
    }
    let sorted = |m: BTreeMap<&'_ str, Vec<f64>>| -> BTreeMap<String, Reference> {
        m.into_iter()
            .map(|(k, mut v)| {
                v.sort_by(f64::total_cmp);
                (k.to_string(), Reference { sorted: v })
            })
            .collect()
    };
    let (by_sku, by_supplier) = (sorted(by_sku), sorted(by_supplier));
    let mut out = Screened::default();
    for (l, days) in received {
        let sku = &by_sku[&l.sku];
        let sup = l.supplier.as_ref().map(|x| &by_supplier[x]);
        let absurd = days > s.max_days;
        let may = sku.may_flag(days, s) || sup.is_some_and(|r| r.may_flag(days, s));
        if !absurd && !may {
            continue;
        }
        let own = sku.without(days, s);
        let pool = sup.and_then(|r| r.without(days, s));
        let refs: Vec<&Others> = own.iter().chain(pool.iter()).collect();
        let outlier = !refs.is_empty() && refs.iter().all(|o| days > o.bar);
        if absurd || outlier {
            out.excluded.insert(l.line);
            out.anomalies.push(anomaly(
                l,
                days,
                absurd,
                own.as_ref(),
                pool.as_ref(),
                file,
                s,
            ));
        }
    }
    out
}

/// The anomaly row of a flagged line.
fn anomaly(
    l: &PurchaseOrderLine,
    days: f64,
    absurd: bool,
    own: Option<&Others>,
    pool: Option<&Others>,
    file: &Path,
    s: &LeadTimeScreen,
) -> Anomaly {
    let receipt = l.receipt_date.map(|d| d.to_string()).unwrap_or_default();
    let typical = |who: String, o: Option<&Others>| match o {
        Some(o) => format!(
            "{who}'s other {} received lines take {} days at the median and {} at the longest",
            o.count,
            fmt(o.median),
            fmt(o.longest)
        ),
        None => format!(
            "{who} has fewer than {} other received lines to compare with",
            s.min_reference
        ),
    };
    let mut compared = vec![typical(l.sku.clone(), own)];
    if let Some(sup) = &l.supplier {
        compared.push(typical(format!("supplier {sup}"), pool));
    }
    let why = if absurd {
        format!(
            "is more than {} days, not believable for a purchase order",
            fmt(s.max_days)
        )
    } else {
        "is far outside the lead times of this SKU and its supplier".into()
    };
    Anomaly {
        file: file.display().to_string(),
        line: l.line,
        sku: l.sku.clone(),
        column: "receipt_date".into(),
        value: format!(
            "{} days ({} to {receipt})",
            fmt(days),
            l.order_date
        ),
        reason: format!(
            "lead time {} days (ordered {}, received {receipt}) {why}: {}. The line is left out of the lead-time distribution (the SKU's and the supplier's) and its units count as received; check the order and receipt dates",
            fmt(days),
            l.order_date,
            compared.join("; ")
        ),
        action: AnomalyAction::Excluded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, NaiveDate};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A received line of `sku` from `sup` ordered on day `i` (from 2024-01-01), `days` long.
    fn po(line: u64, sku: &str, sup: Option<&str>, i: i64, days: i64) -> PurchaseOrderLine {
        let order = d("2024-01-01") + Duration::days(i);
        PurchaseOrderLine {
            line,
            sku: sku.into(),
            supplier: sup.map(str::to_string),
            order_date: order,
            receipt_date: Some(order + Duration::days(days)),
            quantity: 10.0,
            quantity_received: None,
            expected_date: None,
            screened: false,
        }
    }

    fn sd(v: &[f64]) -> f64 {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    }

    /// SKU A: 20 receipts of 10..=29 days; SKU B of the same supplier: 20 of 15..=34 days.
    fn catalogue() -> Vec<PurchaseOrderLine> {
        let mut lines = Vec::new();
        for i in 0..20 {
            lines.push(po(2 + i as u64, "A", Some("S"), i * 7, 10 + i));
            lines.push(po(100 + i as u64, "B", Some("S"), i * 7, 15 + i));
        }
        lines
    }

    #[test]
    fn a_900_day_receipt_is_flagged_and_the_sd_stays_clean() {
        let mut lines = catalogue();
        let clean: Vec<f64> = (10..30).map(f64::from).collect();
        lines.push(po(50, "A", Some("S"), 30, 900));
        let file = Path::new("po.csv");
        let anomalies = screen_and_mark(&mut lines, file);
        assert_eq!(anomalies.len(), 1);
        let a = &anomalies[0];
        assert_eq!(
            (a.line, a.sku.as_str(), a.column.as_str()),
            (50, "A", "receipt_date")
        );
        assert_eq!(a.action, AnomalyAction::Excluded);
        assert!(a.value.starts_with("900 days"), "{}", a.value);
        // Median of 10..=29 is 19.5, longest 29; of the supplier's 40 others 22, longest 34.
        assert!(
            a.reason.contains("more than 730 days")
                && a.reason.contains(
                    "A's other 20 received lines take 19.5 days at the median and 29 at the longest"
                )
                && a.reason
                    .contains("supplier S's other 40 received lines take 22 days"),
            "{}",
            a.reason
        );
        // The SKU's sd with the line kept would be ~196 days; without it, that of 10..=29.
        let kept: Vec<f64> = lines
            .iter()
            .filter(|l| l.sku == "A" && !l.screened)
            .filter_map(|l| l.lead_time_days().map(|x| x as f64))
            .collect();
        assert!((sd(&kept) - sd(&clean)).abs() < 1e-12);
        assert!(
            (sd(&clean) - 35f64.sqrt()).abs() < 1e-12,
            "sd of 20 consecutive integers"
        );
    }

    #[test]
    fn a_relative_outlier_below_the_absolute_limit_is_flagged() {
        // 120 days: above 3 × 29 and 3 × 34, and far above both medians.
        let mut lines = catalogue();
        lines.push(po(50, "A", Some("S"), 30, 120));
        let found = screen_lead_times(&lines, Path::new("po.csv"));
        assert_eq!(found.excluded, BTreeSet::from([50]));
        assert!(found.anomalies[0].reason.contains("far outside"));
        // 80 days is below 3 × 29 = 87: not flagged.
        let mut lines = catalogue();
        lines.push(po(50, "A", Some("S"), 30, 80));
        assert!(screen_lead_times(&lines, Path::new("po.csv"))
            .excluded
            .is_empty());
    }

    #[test]
    fn wide_but_consistent_lead_times_are_not_flagged() {
        // W: lead times spread from 5 to 95 days, and one of 160 (below 3 × 95).
        let mut lines: Vec<PurchaseOrderLine> = (0..10)
            .map(|i| po(2 + i as u64, "W", Some("T"), i * 20, 5 + 10 * i))
            .collect();
        lines.push(po(20, "W", Some("T"), 300, 160));
        let found = screen_lead_times(&lines, Path::new("po.csv"));
        assert!(found.anomalies.is_empty(), "{:?}", found.anomalies);
    }

    #[test]
    fn a_single_po_sku_is_judged_against_its_supplier() {
        // C has one receipt: 200 days. Its supplier's others (A, B) are at most 34 days.
        let mut lines = catalogue();
        lines.push(po(60, "C", Some("S"), 0, 200));
        let found = screen_lead_times(&lines, Path::new("po.csv"));
        assert_eq!(found.excluded, BTreeSet::from([60]));
        assert!(
            found.anomalies[0]
                .reason
                .contains("C has fewer than 3 other received lines"),
            "{}",
            found.anomalies[0].reason
        );
        // 90 days is within 3 × 34: kept.
        let mut lines = catalogue();
        lines.push(po(60, "C", Some("S"), 0, 90));
        assert!(screen_lead_times(&lines, Path::new("po.csv"))
            .excluded
            .is_empty());
    }

    #[test]
    fn the_sku_alone_does_not_decide_when_the_supplier_has_such_lead_times() {
        // D's own receipts are 10 days; its supplier U also delivers other SKUs in 100+ days.
        let mut lines: Vec<PurchaseOrderLine> = (0..10)
            .map(|i| po(2 + i as u64, "D", Some("U"), i * 7, 10))
            .collect();
        for i in 0..10 {
            lines.push(po(30 + i as u64, "E", Some("U"), i * 7, 100 + i));
        }
        lines.push(po(50, "D", Some("U"), 80, 60));
        assert!(screen_lead_times(&lines, Path::new("po.csv"))
            .excluded
            .is_empty());
    }

    #[test]
    fn without_any_reference_only_the_absolute_limit_applies() {
        let lines = vec![po(2, "A", None, 0, 700), po(3, "B", None, 0, 731)];
        let found = screen_lead_times(&lines, Path::new("po.csv"));
        assert_eq!(found.excluded, BTreeSet::from([3]));
    }
}
