//! The report's "Orders per supplier" section, rendered from `supplier_orders.csv`
//! ([`crate::purchasing::container::SupplierOrderRow`]) and the run's config in `run.json`:
//! per supplier the lines, units and value ordered, containers and their fill, whether the
//! minimum is met, what was deferred, and the supplier's order days and closures.
//!
//! Not responsible for computing any of it ([`crate::purchasing::container`],
//! [`crate::recommend`]) or reading the files ([`super::folder`]).

use std::fmt::Write as _;

use super::html::{esc, num};
use crate::purchasing::container::SupplierOrderRow;

/// `name` as one reference token of a JSON pointer (RFC 6901): `~` → `~0`, then `/` → `~1`,
/// so a supplier named `A/B~C` is the token `A~1B~0C`, not a path of two tokens.
fn pointer_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// The `[suppliers.NAME]` calendar of `run.json`'s config, as text ("Mon, Thu; closed
/// 2026-01-12 to 2026-01-25"), empty when the supplier takes orders every day.
fn calendar(run: Option<&serde_json::Value>, supplier: &str) -> String {
    let path = format!("/config/suppliers/{}", pointer_token(supplier));
    let Some(terms) = run.and_then(|r| r.pointer(&path)) else {
        return String::new();
    };
    let days: Vec<&str> = terms["order_days"]
        .as_array()
        .map(|a| a.iter().filter_map(|d| d.as_str()).collect())
        .unwrap_or_default();
    let closed: Vec<String> = terms["closures"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    format!(
                        "closed {} to {}",
                        c["from"].as_str().unwrap_or("?"),
                        c["to"].as_str().unwrap_or("?")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut parts = Vec::new();
    if !days.is_empty() {
        parts.push(format!("orders on {}", days.join(", ")));
    }
    parts.extend(closed);
    parts.join("; ")
}

fn pct(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| format!("{v:.1}%"))
}

/// Writes the section (nothing when the folder has no `supplier_orders.csv`).
pub fn section(h: &mut String, rows: Option<&[SupplierOrderRow]>, run: Option<&serde_json::Value>) {
    let Some(rows) = rows else { return };
    h.push_str("<section id=\"supplier-orders\">\n<h2>Orders per supplier</h2>\n");
    h.push_str("<p class=\"note\">This run's orders per supplier (supplier_orders.csv). Suppliers with a container (<code>[suppliers.NAME] container_volume</code> / <code>container_weight</code>) have their order rounded to whole containers: the next most valuable units pulled forward or the least valuable trimmed, by the budget's ranking (reasons in recommendations.csv). Fill is the order's volume or weight over the containers' capacity; the binding dimension fills first. Deferred value: units the budget, a minimum it cannot meet, or a container trim left for a later run. Calendar: the supplier's order days and closures, which move order-by dates and arrivals.</p>\n");
    if rows.is_empty() {
        h.push_str("<p>No orders.</p>\n</section>\n");
        return;
    }
    h.push_str("<div class=\"scroll\"><table><thead><tr><th>Supplier</th><th>Lines</th><th>Units</th><th>Order value</th><th>Volume</th><th>Weight</th><th>Containers</th><th>Fill by volume</th><th>Fill by weight</th><th>Binding</th><th>Minimum met</th><th>Deferred lines</th><th>Deferred value</th><th>Calendar</th></tr></thead><tbody>\n");
    for r in rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(&r.supplier),
            r.lines,
            num(r.units, 0),
            num(r.order_value, 0),
            num(r.volume, 1),
            num(r.weight, 0),
            r.containers.map(|c| c.to_string()).unwrap_or_default(),
            pct(r.fill_volume_pct),
            pct(r.fill_weight_pct),
            r.binding.map(|b| b.name()).unwrap_or_default(),
            match r.minimum_met {
                Some(true) => "yes",
                Some(false) => "no",
                None => "",
            },
            r.deferred_lines,
            num(r.deferred_value, 0),
            esc(&calendar(run, &r.supplier)),
        );
    }
    h.push_str("</tbody></table></div>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_supplier_name_with_slash_and_tilde_finds_its_own_calendar() {
        assert_eq!(pointer_token("A/B~C"), "A~1B~0C");
        // `~1` written by hand must not turn into a slash: `~` is escaped first.
        assert_eq!(pointer_token("~1"), "~01");
        let run = serde_json::json!({"config": {"suppliers": {
            "A/B~C": {"order_days": ["Mon"], "closures": []},
            "A": {"B~C": {"order_days": ["Fri"]}},
            "~1": {"order_days": ["Tue"]},
        }}});
        assert_eq!(calendar(Some(&run), "A/B~C"), "orders on Mon");
        assert_eq!(calendar(Some(&run), "~1"), "orders on Tue");
        assert_eq!(calendar(Some(&run), "A/B"), "");
        let mut h = String::new();
        let row = SupplierOrderRow {
            supplier: "A/B~C".into(),
            lines: 1,
            ..SupplierOrderRow::default()
        };
        section(&mut h, Some(&[row]), Some(&run));
        assert!(h.contains("<td>A/B~C</td>"), "{h}");
        assert!(h.contains("<td>orders on Mon</td>"), "{h}");
    }
}
