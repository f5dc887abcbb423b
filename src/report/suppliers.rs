//! The report's "Several suppliers" section, rendered from `supplier_choice.csv`
//! ([`crate::plan::output::SupplierChoiceRow`]): every SKU with more than one supplier, the
//! supplier chosen and the cost comparison behind it.
//!
//! Not responsible for the choice ([`crate::purchasing::alternatives`]) or reading the file
//! ([`super::folder`]).

use std::fmt::Write as _;

use super::html::{esc, num};
use crate::{io::cells::Keyed, plan::output::SupplierChoiceRow};

/// SKUs the section lists (the rest are in `supplier_choice.csv`); those buying away from
/// their primary supplier first.
pub const SKU_ROWS: usize = 40;

/// Writes the section (nothing when the folder has no `supplier_choice.csv`).
pub fn section(h: &mut String, rows: Option<&[Keyed<SupplierChoiceRow>]>) {
    let Some(rows) = rows else { return };
    h.push_str("<section id=\"suppliers\">\n<h2>Several suppliers</h2>\n");
    let mut skus: Vec<&[Keyed<SupplierChoiceRow>]> = rows
        .chunk_by(|a, b| (&a.sku, &a.location) == (&b.sku, &b.location))
        .collect();
    let away = |g: &[Keyed<SupplierChoiceRow>]| g.iter().any(|r| r.row.chosen && !r.row.primary);
    let n_away = skus.iter().filter(|g| away(g)).count();
    let _ = writeln!(
        h,
        "<p class=\"note\">{} SKUs have more than one supplier (suppliers.csv); {n_away} buy from another supplier than their primary one. Each supplier is priced per unit of demand: its unit cost, plus the holding cost of the safety and cycle stock its lead time needs at the SKU's target, plus ordering, plus the expected shortage cost where the item has one (landed). The cheapest wins; within 1% the planner's priority decides. When the primary supplier's open orders are late or a disruption hits its lead time, the second supplier listed here is the remedy: its price and lead time are already in the comparison. supplier_choice.csv has every row.</p>",
        skus.len()
    );
    if skus.is_empty() {
        h.push_str("</section>\n");
        return;
    }
    skus.sort_by_key(|g| !away(g));
    h.push_str("<div class=\"scroll\"><table><thead><tr><th>SKU</th><th>Supplier</th><th>Chosen</th><th>Priority</th><th>Unit cost</th><th>Lead time (days)</th><th>Safety stock</th><th>Holding / unit</th><th>Shortage / unit</th><th>Landed / unit</th><th>Why</th></tr></thead><tbody>\n");
    for g in skus.iter().take(SKU_ROWS) {
        for r in g.iter() {
            let x = &r.row;
            let sku = match &r.location {
                Some(l) => format!("{}@{l}", r.sku),
                None => r.sku.clone(),
            };
            let opt = |v: Option<f64>, dp: usize| v.map_or("—".to_string(), |v| num(v, dp));
            let lead = match (x.lead_time_days, x.lead_time_sd_days) {
                (Some(m), Some(s)) => {
                    format!("{} ± {} ({})", num(m, 1), num(s, 1), x.lead_time_source)
                }
                _ => "—".into(),
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                esc(&sku),
                esc(&x.supplier),
                if x.primary { " (primary)" } else { "" },
                if x.chosen { "✓" } else { "" },
                x.priority.map_or(String::new(), |p| p.to_string()),
                num(x.unit_cost, 2),
                esc(&lead),
                opt(x.safety_stock, 1),
                opt(x.holding_per_unit, 3),
                opt(x.shortage_per_unit, 3),
                opt(x.landed_per_unit, 3),
                esc(&x.note)
            );
        }
    }
    h.push_str("</tbody></table></div>\n");
    if skus.len() > SKU_ROWS {
        let _ = writeln!(
            h,
            "<p class=\"note\">… and {} more SKUs (see supplier_choice.csv).</p>",
            skus.len() - SKU_ROWS
        );
    }
    h.push_str("</section>\n");
}
