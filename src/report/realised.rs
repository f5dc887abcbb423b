//! The report's "Service delivered since the last run" section, rendered from `realised.csv`
//! ([`crate::realised`]): realised against target per demand class, the SKUs not compared and
//! why, and the SKUs furthest below their target.
//!
//! Not responsible for computing the measures ([`crate::realised`]) or reading the file
//! ([`super::folder`]).

use std::fmt::Write as _;

use super::html::{esc, num};
use crate::{
    io::cells::Keyed,
    realised::{status_counts, ClassRealised, RealisedRow, Status, MIN_DAYS},
};

/// SKUs the section lists furthest below target (the rest are in `realised.csv`).
pub const SHORTFALL_ROWS: usize = 15;

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.1}%", 100.0 * v))
}

fn signed_pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:+.1}%", 100.0 * v))
}

/// Writes the section: from `rows` (realised.csv), or the sentence that there was no earlier
/// run to compare.
pub fn section(h: &mut String, rows: Option<&[Keyed<RealisedRow>]>) {
    h.push_str("<section id=\"realised\">\n<h2>Service delivered since the last run</h2>\n");
    let Some(rows) = rows else {
        h.push_str("<p>No earlier run to compare: realised.csv is written when the output folder (or the folder of <code>[policy] lock_from</code>) holds an earlier run's plan.json, forecast.csv and policy.csv.</p>\n</section>\n");
        return;
    };
    let (from, to) = (
        rows.iter().find_map(|r| r.row.from),
        rows.iter().filter_map(|r| r.row.to).max(),
    );
    let span = match (from, to) {
        (Some(a), Some(b)) => format!("from {a} to {b}"),
        _ => "no day yet".into(),
    };
    let _ = writeln!(
        h,
        "<p class=\"note\">The earlier run's forecasts and designed service against the sales since ({span}; realised.csv has every SKU). Fill rate = units sold / (units sold + demand lost on stockout days, estimated from the earlier forecast), unit-weighted. Cycle service = replenishment cycles (receipt to receipt, from the purchase orders) without a stockout day / cycles. Bias = (forecast − sales) / sales on days without a stockout (stockouts censor demand). Targets are those the earlier run designed for; realised service shows what the orders actually placed delivered, so it matches the design only where purchasing followed the recommendations. SKUs with fewer than {MIN_DAYS} days are not compared.</p>"
    );
    h.push_str("<div class=\"scroll\"><table><thead><tr><th>Class</th><th>SKUs</th><th>Target (mean)</th><th>Designed (mean)</th><th>Cycle service</th><th>Cycles</th><th>Fill rate (units)</th><th>Fill rate (SKU mean)</th><th>Forecast bias</th><th>Stockout days</th><th>At or above target</th></tr></thead><tbody>\n");
    for c in ClassRealised::by_class(rows) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} of {}</td></tr>",
            esc(&c.class),
            c.skus,
            pct(c.target),
            pct(c.designed),
            pct(c.cycle_service),
            c.cycles.0,
            pct(c.fill_rate),
            pct(c.fill_rate_sku_mean),
            signed_pct(c.bias),
            pct(c.stockout_day_share),
            c.on_target.1,
            c.on_target.0
        );
    }
    h.push_str("</tbody></table></div>\n");
    let not: Vec<String> = status_counts(rows)
        .into_iter()
        .filter(|(s, n)| *s != Status::Compared && *n > 0)
        .map(|(s, n)| format!("{n} {}", s.name()))
        .collect();
    if !not.is_empty() {
        let _ = writeln!(
            h,
            "<p>Not compared (realised.csv gives each one's reason): {}.</p>",
            esc(&not.join(", "))
        );
    }
    followed(h, rows);
    shortfalls(h, rows);
    h.push_str("</section>\n");
}

/// Whether purchasing acted on the earlier run's orders: realised service follows the orders
/// actually placed.
fn followed(h: &mut String, rows: &[Keyed<RealisedRow>]) {
    let compared = rows
        .iter()
        .filter(|r| r.row.status == Status::Compared.name());
    let told: Vec<&Keyed<RealisedRow>> = compared
        .filter(|r| matches!(r.row.earlier_action.as_str(), "ORDER" | "EXPEDITE"))
        .collect();
    if told.is_empty() {
        return;
    }
    let acted = told.iter().filter(|r| r.row.ordered_units > 0.0).count();
    let _ = writeln!(
        h,
        "<p>The earlier run said ORDER or EXPEDITE for {} of the SKUs compared; purchase orders were placed since for {acted} of them. Service in the first lead time after the earlier run follows orders placed before it.</p>",
        told.len()
    );
}

/// The compared SKUs furthest below their target.
fn shortfalls(h: &mut String, rows: &[Keyed<RealisedRow>]) {
    let mut below: Vec<&Keyed<RealisedRow>> = rows
        .iter()
        .filter(|r| r.row.status == Status::Compared.name())
        .filter(|r| r.row.vs_target.is_some_and(|g| g < 0.0))
        .collect();
    if below.is_empty() {
        return;
    }
    below.sort_by(|a, b| {
        let g = |r: &Keyed<RealisedRow>| r.row.vs_target.unwrap_or(0.0);
        g(a).total_cmp(&g(b)).then(a.sku.cmp(&b.sku))
    });
    let _ = writeln!(
        h,
        "<h3>Furthest below target ({} SKUs below; the first {} shown)</h3>",
        below.len(),
        below.len().min(SHORTFALL_ROWS)
    );
    h.push_str("<div class=\"scroll\"><table><thead><tr><th>SKU</th><th>Class</th><th>Measure</th><th>Target</th><th>Realised</th><th>Stockout days</th><th>Units sold</th><th>Units lost (est.)</th><th>Bias</th><th>Earlier action</th><th>Ordered since</th></tr></thead><tbody>\n");
    for r in below.into_iter().take(SHORTFALL_ROWS) {
        let name = match &r.location {
            Some(l) => format!("{} @ {l}", r.sku),
            None => r.sku.clone(),
        };
        let x = &r.row;
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} of {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&name),
            esc(&x.class),
            esc(&x.service_measure),
            pct(x.target),
            pct(x.realised),
            x.stockout_days,
            x.days,
            num(x.sales_units, 0),
            num(x.lost_units, 0),
            signed_pct(x.bias),
            esc(&x.earlier_action),
            num(x.ordered_units, 0)
        );
    }
    h.push_str("</tbody></table></div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_an_earlier_run_the_section_says_so() {
        let mut h = String::new();
        section(&mut h, None);
        assert!(h.contains("No earlier run to compare"));
        assert!(!h.contains("<table>"));
    }

    #[test]
    fn classes_and_shortfalls_from_the_rows() {
        let row = |sku: &str, status: &str, realised: f64| Keyed {
            sku: sku.into(),
            location: None,
            row: RealisedRow {
                status: status.into(),
                class: "smooth".into(),
                service_measure: "cycle".into(),
                target: Some(0.95),
                days: 28,
                cycles: 4,
                cycles_without_stockout: (realised * 4.0) as u32,
                cycle_service: Some(realised),
                realised: Some(realised),
                vs_target: Some(realised - 0.95),
                ..RealisedRow::default()
            },
        };
        let rows = [
            row("A", "compared", 1.0),
            row("B", "compared", 0.5),
            row("C", "too_few_days", 0.0),
        ];
        let mut h = String::new();
        section(&mut h, Some(&rows));
        // 6 of 8 cycles; one of two SKUs at target; C listed as not compared.
        assert!(h.contains("<tr><td>smooth</td><td class=\"n\">2</td><td class=\"n\">95.0%</td><td class=\"n\">—</td><td class=\"n\">75.0%</td><td class=\"n\">8</td>"));
        assert!(h.contains("<td class=\"n\">1 of 2</td></tr>"));
        assert!(h.contains("Not compared (realised.csv gives each one's reason): 1 too_few_days."));
        assert!(h.contains("Furthest below target (1 SKUs below; the first 1 shown)"));
        assert!(h.contains("<tr><td>B</td>"));
    }
}
