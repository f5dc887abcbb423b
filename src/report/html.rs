//! `report.html`: one self-contained file (charts inlined as PNG data URIs, styles and a small
//! vanilla script inline, nothing fetched), readable with JavaScript disabled.
//!
//! Sections, in order: run summary, headline KPIs (current vs recommended), what changed since
//! the last run (only when the folder has `changes.csv`), service delivered since the last run
//! (from `realised.csv`, [`super::realised`]), several suppliers (only with
//! `supplier_choice.csv`, [`super::suppliers`]), exceptions, the portfolio charts, the recommendations table (sortable, filterable, paginated with
//! JavaScript; a plain table without), per-SKU sections for the top SKUs by value at risk, and
//! the colour legend. Each chart carries a short "how to read this".
//!
//! Not responsible for drawing charts ([`super::charts`]) or reading files ([`super::folder`]).

use std::fmt::Write as _;

use base64::Engine as _;

use super::{charts::Rendered, folder::Folder, palette};
use crate::{
    changes::{ChangeKind, ChangeRow, ChangeSummary, LEVEL_SHARE, SWING_SHARE},
    config::ReportSettings,
    io::cells::Keyed,
};

/// A chart placed in the report.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The rendered chart.
    pub chart: Rendered,
    /// Short title.
    pub title: String,
    /// How to read it (one or two sentences).
    pub how_to_read: String,
    /// The SKU or supplier of a chart whose file name shortens or hashes it (named in the
    /// caption beside the file).
    pub key: Option<String>,
}

/// A per-SKU section.
#[derive(Debug, Clone)]
pub struct SkuSection {
    /// Row of the SKU in `recommendations.csv`.
    pub row: usize,
    /// Its charts.
    pub figures: Vec<Figure>,
}

/// HTML-escapes text.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Thousands-separated number with `dp` decimals.
pub fn num(v: f64, dp: usize) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let s = format!("{:.*}", dp, v.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1}%", v * 100.0)
    } else {
        "—".into()
    }
}

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#24323f;color:#fff;padding:16px 28px}
header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;opacity:.85}
nav{padding:8px 28px;background:#e9eef2;position:sticky;top:0;z-index:2}
nav a{margin-right:16px;color:#24323f}
main{padding:8px 28px 40px;max-width:1400px}
section{margin-top:28px}
h2{border-bottom:2px solid #24323f;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;background:#fff}
th,td{border:1px solid #d5dbe0;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#eef1f4}
td.n{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" ▲"}
th[aria-sort=descending]::after{content:" ▼"}
.kpi td:nth-child(n+2){text-align:right}
.better{color:#2ca02c}.worse{color:#d62728}
.a-ORDER{background:#fff4d6}.a-EXPEDITE{background:#fde0df}.a-REVIEW{background:#e8e8f8}.a-HOLD{background:#eeeeee}.a-DEFER{background:#f3e6ff}
figure{margin:18px 0;background:#fff;border:1px solid #d5dbe0;padding:10px;display:inline-block;max-width:100%}
figure img{max-width:100%;height:auto}
figcaption{font-size:13px;max-width:1000px;margin-top:6px}
.note{color:#555;font-size:13px}
.warn{color:#d62728;font-weight:bold}
.controls{margin:8px 0}
.controls input,.controls select,.controls button{font-size:13px;margin-right:8px}
.swatch{display:inline-block;width:14px;height:14px;vertical-align:middle;margin-right:6px;border:1px solid #888}
article{border-top:1px solid #ccd;margin-top:22px}
.scroll{overflow-x:auto}
"#;

const SCRIPT: &str = r#"
(function(){
  var table = document.getElementById('recs');
  var src = document.getElementById('recs-data');
  if (!table || !src) return;
  var data = JSON.parse(src.textContent);
  var body = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var numeric = heads.map(function(th){ return th.getAttribute('data-type') === 'num'; });
  var actionCol = heads.findIndex(function(th){ return th.textContent === 'Action'; });
  var pageSize = parseInt(table.getAttribute('data-page-size'), 10) || 100;
  var page = 0, shown = data, lower = null;
  document.getElementById('recs-controls').hidden = false;
  var filter = document.getElementById('recs-filter');
  var action = document.getElementById('recs-action');
  var info = document.getElementById('recs-info');
  function fmt(v, i){
    if (!numeric[i] || v === '') return v;
    var x = parseFloat(v);
    if (isNaN(x)) return v;
    var dp = (Math.abs(x) >= 100 || x === Math.round(x)) ? 0 : 1;
    return x.toLocaleString('en-US', {minimumFractionDigits: dp, maximumFractionDigits: dp});
  }
  function render(){
    var pages = Math.max(1, Math.ceil(shown.length / pageSize));
    if (page >= pages) page = pages - 1;
    var rows = shown.slice(page * pageSize, (page + 1) * pageSize);
    var frag = document.createDocumentFragment();
    rows.forEach(function(r){
      var tr = document.createElement('tr');
      var a = actionCol >= 0 ? r[actionCol] : '';
      tr.className = 'a-' + a;
      tr.setAttribute('data-action', a);
      r.forEach(function(v, i){
        var td = document.createElement('td');
        if (numeric[i]) { td.className = 'n'; td.setAttribute('data-v', v); }
        td.textContent = fmt(v, i);
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    });
    body.textContent = '';
    body.appendChild(frag);
    info.textContent = shown.length + ' of ' + data.length + ' rows; page ' + (page + 1) + ' of ' + pages;
  }
  function apply(){
    var q = filter.value.toLowerCase(), a = action.value;
    if (q && !lower) lower = data.map(function(r){ return r.join(' ').toLowerCase(); });
    shown = data.filter(function(r, k){
      return (!a || r[actionCol] === a) && (!q || lower[k].indexOf(q) >= 0);
    });
    render();
  }
  heads.forEach(function(th, i){
    th.addEventListener('click', function(){
      var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      heads.forEach(function(o){ o.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      var key = function(r){
        var v = r[i];
        if (numeric[i]) { var x = parseFloat(v); return isNaN(x) ? null : x; }
        return v === '' ? null : v.toLowerCase();
      };
      var idx = data.map(function(r, k){ return [key(r), k]; });
      idx.sort(function(x, y){
        var a = x[0], b = y[0];
        if (a === null && b === null) return x[1] - y[1];
        if (a === null) return 1;
        if (b === null) return -1;
        return a < b ? -dir : a > b ? dir : x[1] - y[1];
      });
      data = idx.map(function(p){ return data[p[1]]; });
      lower = null;
      page = 0; apply();
    });
  });
  filter.addEventListener('input', function(){ page = 0; apply(); });
  action.addEventListener('change', function(){ page = 0; apply(); });
  document.getElementById('recs-prev').addEventListener('click', function(){ if (page > 0) { page--; render(); } });
  document.getElementById('recs-next').addEventListener('click', function(){ page++; render(); });
  apply();
})();
"#;

/// Columns of the recommendations table in the report: (csv column, heading, numeric) — which
/// of [`crate::plan::output::RecommendationRow`]'s columns the report shows, shown as written.
const TABLE_COLUMNS: &[(&str, &str, bool)] = &[
    ("sku", "SKU", false),
    ("location", "Location", false),
    ("supplier", "Supplier", false),
    ("action", "Action", false),
    ("order_quantity", "Order qty", true),
    ("order_value", "Order value", true),
    ("order_by", "Order by", false),
    ("expected_arrival_p50", "Arrives (p50)", false),
    ("inventory_position", "Position", true),
    ("on_hand", "On hand", true),
    ("on_order", "On order", true),
    ("backordered", "Backordered", true),
    ("reorder_point", "Reorder point", true),
    ("order_up_to", "Order-up-to", true),
    ("target", "Target %", true),
    ("designed_service", "Designed %", true),
    ("simulated_service", "Simulated %", true),
    ("days_of_cover", "Days of cover", true),
    ("projected_stockout", "Projected stockout", false),
    ("value_at_risk", "Value at risk", true),
    ("reason", "Reason", false),
];

fn figure_html(out: &mut String, f: &Figure) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(&f.chart.png);
    let of = f
        .key
        .as_ref()
        .map(|k| format!(" of {}", esc(k)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "<figure id=\"fig-{stem}\"><img src=\"data:image/png;base64,{b64}\" width=\"{w}\" height=\"{h}\" alt=\"{alt}\"><figcaption><b>{title}.</b> {how} <span class=\"note\">(charts/{stem}.png, .svg{of})</span></figcaption></figure>",
        stem = esc(&f.chart.stem),
        w = f.chart.size.0,
        h = f.chart.size.1,
        alt = esc(&f.title),
        title = esc(&f.title),
        how = esc(&f.how_to_read),
    );
}

fn json_str<'a>(v: Option<&'a serde_json::Value>, path: &[&str]) -> Option<&'a serde_json::Value> {
    let mut cur = v?;
    for p in path {
        cur = cur.get(*p)?;
    }
    Some(cur)
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n
            .as_f64()
            .map(|x| {
                if x.fract() == 0.0 {
                    num(x, 0)
                } else {
                    num(x, 2)
                }
            })
            .unwrap_or_default(),
        other => other.to_string(),
    }
}

/// Inputs for [`page`].
pub struct Page<'a> {
    /// The folder's data.
    pub folder: &'a Folder,
    /// Settings.
    pub settings: &'a ReportSettings,
    /// Portfolio figures.
    pub figures: &'a [Figure],
    /// Per-SKU sections, in rank order.
    pub skus: &'a [SkuSection],
    /// Headline KPI rows.
    pub kpis: &'a [Kpi],
    /// Exception blocks: (heading, explanation, table header, rows, rows not shown).
    pub exceptions: &'a [Exception],
    /// Version of replenish.
    pub version: &'a str,
}

/// One headline KPI, current vs recommended.
#[derive(Debug, Clone)]
pub struct Kpi {
    /// Name.
    pub name: String,
    /// Current policy's value.
    pub current: Option<f64>,
    /// Recommended policy's value.
    pub recommended: Option<f64>,
    /// Whether lower is better (colours the change).
    pub lower_is_better: bool,
    /// Whether it is a share shown as a percentage.
    pub percent: bool,
}

/// One block of the exceptions section.
#[derive(Debug, Clone)]
pub struct Exception {
    /// Heading.
    pub title: String,
    /// What it means and what to do.
    pub explain: String,
    /// Column headings.
    pub header: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
    /// Rows left out (the table shows the first ones).
    pub more: usize,
}

/// Builds report.html.
pub fn page(p: &Page<'_>) -> String {
    let f = p.folder;
    let recs = &f.recommendations;
    let planning = json_str(f.plan.as_ref(), &["planning_date"])
        .or_else(|| json_str(f.validation.as_ref(), &["planning_date"]))
        .map(value_text)
        .unwrap_or_else(|| "?".into());
    let mut h = String::with_capacity(1 << 20);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Replenishment report — planning date {d}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header><h1>Replenishment report</h1><p>Planning date {d} · {n} SKUs · replenish {v}</p></header>\n",
        d = esc(&planning),
        n = recs.len(),
        v = esc(p.version)
    );
    h.push_str(
        "<nav><a href=\"#summary\">Summary</a><a href=\"#headline\">Current vs recommended</a>",
    );
    if f.changes.is_some() {
        h.push_str("<a href=\"#changes\">What changed</a>");
    }
    h.push_str("<a href=\"#realised\">Service delivered</a>");
    if f.supplier_orders.is_some() {
        h.push_str("<a href=\"#supplier-orders\">Orders per supplier</a>");
    }
    if f.supplier_choice.is_some() {
        h.push_str("<a href=\"#suppliers\">Several suppliers</a>");
    }
    h.push_str("<a href=\"#exceptions\">Exceptions</a><a href=\"#charts\">Charts</a><a href=\"#recommendations\">Recommendations</a><a href=\"#skus\">Top SKUs</a><a href=\"#colours\">Colours</a></nav>\n<main>\n");
    summary(&mut h, p);
    headline(&mut h, p);
    changes(&mut h, p);
    super::realised::section(&mut h, f.realised.as_deref());
    super::supplier_orders::section(&mut h, f.supplier_orders.as_deref(), f.run.as_ref());
    super::suppliers::section(&mut h, f.supplier_choice.as_deref());
    cost_targets(&mut h, p);
    exceptions(&mut h, p);
    h.push_str("<section id=\"charts\">\n<h2>Portfolio charts</h2>\n");
    if p.figures.is_empty() {
        h.push_str("<p class=\"note\">No portfolio chart: the folder has no classes, lead-time or simulation outputs.</p>\n");
    }
    for fig in p.figures {
        figure_html(&mut h, fig);
    }
    h.push_str("</section>\n");
    table(&mut h, p);
    sku_sections(&mut h, p);
    h.push_str("<section id=\"colours\">\n<h2>Colours</h2>\n<p>One colour means one thing in every chart.</p>\n<ul>\n");
    for (c, meaning) in palette::legend() {
        let _ = writeln!(
            h,
            "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
            palette::hex(c),
            esc(meaning)
        );
    }
    h.push_str("</ul>\n</section>\n</main>\n<script>");
    h.push_str(SCRIPT);
    h.push_str("</script>\n</body>\n</html>\n");
    h
}

fn summary(h: &mut String, p: &Page<'_>) {
    let f = p.folder;
    h.push_str("<section id=\"summary\">\n<h2>Run summary</h2>\n");
    if let Some(files) = json_str(f.validation.as_ref(), &["files"]).and_then(|v| v.as_array()) {
        h.push_str("<table><thead><tr><th>Input</th><th>File</th><th>Rows read</th><th>Accepted</th><th>Rejected</th></tr></thead><tbody>\n");
        for file in files {
            let g = |k: &str| file.get(k).map(value_text).unwrap_or_default();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&g("input")),
                esc(&g("path")),
                esc(&g("rows_read")),
                esc(&g("rows_accepted")),
                esc(&g("rows_rejected"))
            );
        }
        h.push_str("</tbody></table>\n");
    } else {
        h.push_str(
            "<p class=\"note\">No validation.json in this folder: input row counts unknown.</p>\n",
        );
    }
    let mut facts: Vec<(String, String)> = Vec::new();
    let v = f.validation.as_ref();
    if let (Some(a), Some(b)) = (
        json_str(v, &["sales", "first_date"]),
        json_str(v, &["sales", "last_date"]),
    ) {
        facts.push((
            "Sales history".into(),
            format!("{} to {}", value_text(a), value_text(b)),
        ));
    }
    if let Some(x) = json_str(v, &["freq"]) {
        facts.push(("Buckets".into(), value_text(x)));
    }
    facts.push((
        "SKUs planned".into(),
        num(f.recommendations.len() as f64, 0),
    ));
    if let Some(n) = f.rejects {
        facts.push((
            "Rejected input rows".into(),
            if n == 0 {
                "none".into()
            } else {
                format!("{} (see rejects.csv)", num(n as f64, 0))
            },
        ));
    }
    if let Some(actions) = json_str(f.plan.as_ref(), &["actions"]).and_then(|a| a.as_object()) {
        let list: Vec<String> = actions
            .iter()
            .map(|(k, v)| format!("{k} {}", value_text(v)))
            .collect();
        facts.push(("Actions".into(), list.join(" · ")));
    }
    if let Some(policy) = f.recommended_policy() {
        facts.push(("Recommended policy family".into(), policy));
    }
    let run = f.run.as_ref();
    for (label, path) in [
        (
            "Service measure",
            &["config", "policy", "service_measure"][..],
        ),
        ("Safety-stock method", &["config", "policy", "method"][..]),
        (
            "Simulated days × replications",
            &["config", "simulation", "days"][..],
        ),
        (
            "Customers when short",
            &["config", "simulation", "customer"][..],
        ),
        ("Seed", &["config", "simulation", "seed"][..]),
    ] {
        if let Some(x) = json_str(run, path) {
            let mut t = value_text(x);
            if label.starts_with("Simulated") {
                if let Some(r) = json_str(run, &["config", "simulation", "replications"]) {
                    t = format!("{t} × {}", value_text(r));
                }
            }
            facts.push((label.into(), t));
        }
    }
    h.push_str("<table class=\"facts\"><tbody>\n");
    for (k, v) in facts {
        let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", esc(&k), esc(&v));
    }
    h.push_str("</tbody></table>\n</section>\n");
}

fn headline(h: &mut String, p: &Page<'_>) {
    h.push_str("<section id=\"headline\">\n<h2>Current vs recommended policy</h2>\n");
    if p.kpis.is_empty() {
        h.push_str("<p class=\"note\">Not simulated in this run: run <code>replenish run</code> (or <code>replenish simulate</code> into this folder) for fill rates, backorder rates, waits and costs of the current and recommended policies.</p>\n</section>\n");
        return;
    }
    h.push_str("<p>Simulated over the baseline scenario, whole catalogue (demand-weighted rates; inventory value at unit cost; costs per year).</p>\n<table class=\"kpi\"><thead><tr><th>KPI</th><th>Current</th><th>Recommended</th><th>Change</th></tr></thead><tbody>\n");
    for k in p.kpis {
        let (name, cur, rec, lower_better, percent) = (
            &k.name,
            &k.current,
            &k.recommended,
            &k.lower_is_better,
            &k.percent,
        );
        let show = |v: Option<f64>| match v {
            Some(x) if *percent => pct(x),
            Some(x) => num(x, if x.abs() < 100.0 { 1 } else { 0 }),
            None => "—".into(),
        };
        let change = match (cur, rec) {
            (Some(c), Some(r)) => {
                let d = r - c;
                let better = if *lower_better { d < 0.0 } else { d > 0.0 };
                let text = if *percent {
                    format!("{:+.1} pts", d * 100.0)
                } else {
                    format!(
                        "{}{}",
                        if d >= 0.0 { "+" } else { "" },
                        num(d, if d.abs() < 100.0 { 1 } else { 0 })
                    )
                };
                let class = if d.abs() < 1e-12 {
                    ""
                } else if better {
                    "better"
                } else {
                    "worse"
                };
                format!("<span class=\"{class}\">{}</span>", esc(&text))
            }
            _ => "—".into(),
        };
        let _ = writeln!(
            h,
            "<tr><th>{}</th><td>{}</td><td>{}</td><td>{change}</td></tr>",
            esc(name),
            esc(&show(*cur)),
            esc(&show(*rec))
        );
    }
    h.push_str("</tbody></table>\n");
    if p.kpis.iter().all(|k| k.current.is_none()) {
        h.push_str("<p class=\"note\">No current policy: the item master has no reorder_point/order_quantity/order_up_to columns, so only the recommendation is shown.</p>\n");
    }
    h.push_str("</section>\n");
}

fn exceptions(h: &mut String, p: &Page<'_>) {
    h.push_str("<section id=\"exceptions\">\n<h2>Exceptions</h2>\n");
    for ex in p.exceptions {
        let _ = writeln!(
            h,
            "<h3>{} <span class=\"note\">({})</span></h3>\n<p class=\"note\">{}</p>",
            esc(&ex.title),
            ex.rows.len() + ex.more,
            esc(&ex.explain)
        );
        if ex.rows.is_empty() {
            h.push_str("<p>None.</p>\n");
            continue;
        }
        h.push_str("<div class=\"scroll\"><table><thead><tr>");
        for c in &ex.header {
            let _ = write!(h, "<th>{}</th>", esc(c));
        }
        h.push_str("</tr></thead><tbody>\n");
        for r in &ex.rows {
            h.push_str("<tr>");
            for c in r {
                let _ = write!(h, "<td>{}</td>", esc(c));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody></table></div>\n");
        if ex.more > 0 {
            let _ = writeln!(
                h,
                "<p class=\"note\">… and {} more (see recommendations.csv).</p>",
                ex.more
            );
        }
    }
    h.push_str("</section>\n");
}

/// Rows of `changes.csv` the report shows (the rest are in the file).
pub const CHANGE_ROWS: usize = 30;

/// The rows of `changes.csv` to show first: by change (file order), large swings by how far
/// the quantity moved (a hundredfold jump first), the rest as in the file.
fn top_changes(rows: &[Keyed<ChangeRow>]) -> Vec<&Keyed<ChangeRow>> {
    let factor = |c: &ChangeRow| {
        let (b, a) = (c.before.parse::<f64>(), c.after.parse::<f64>());
        match (b, a) {
            (Ok(b), Ok(a)) if b > 0.0 && a > 0.0 => (a / b).max(b / a),
            _ => 0.0,
        }
    };
    let mut shown: Vec<(usize, f64, usize)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let kind = ChangeKind::parse(&r.row.change).map_or(usize::MAX, |k| k as usize);
            let f = if kind == ChangeKind::QuantitySwing as usize {
                factor(&r.row)
            } else {
                0.0
            };
            (kind, f, i)
        })
        .collect();
    shown.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.total_cmp(&x.1)).then(x.2.cmp(&y.2)));
    shown.into_iter().map(|(_, _, i)| &rows[i]).collect()
}

/// "Cost-optimal service targets": the SKUs whose target is `cost`, the target chosen beside
/// the one they would have had (from policy.csv's `target_source`); nothing when none is.
fn cost_targets(h: &mut String, p: &Page<'_>) {
    let Some(rows) = &p.folder.policy else {
        return;
    };
    let cost: Vec<_> = rows
        .iter()
        .filter(|r| r.row.target_source.starts_with("cost ("))
        .collect();
    let fell_back = rows
        .iter()
        .filter(|r| r.row.target_source.contains("(cost asked,"))
        .count();
    if cost.is_empty() && fell_back == 0 {
        return;
    }
    let _ = writeln!(
        h,
        "<section id=\"cost-targets\">\n<h2>Cost-optimal service targets</h2>\n<p class=\"note\">{} SKUs target <code>cost</code>: the cycle service b / (b + h·T/365) at which one more unit of stock costs as much in holding over a replenishment cycle of T days as it saves in shortage (b = shortage cost per unit short, h = holding cost per unit and year). Each row shows the chosen target beside the target the SKU would otherwise have had.{}</p>",
        cost.len(),
        if fell_back > 0 {
            format!(" {fell_back} SKUs asked for <code>cost</code> without a shortage cost or demand and kept their class or default target (policy.csv says why).")
        } else {
            String::new()
        }
    );
    h.push_str("<div class=\"scroll\"><table><thead><tr><th>SKU</th><th>ABC</th><th>Chosen target</th><th>How it was set</th></tr></thead><tbody>\n");
    for r in cost.iter().take(CHANGE_ROWS) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{:.1}%</td><td>{}</td></tr>",
            esc(&r.sku),
            esc(&r.row.abc),
            100.0 * r.row.target,
            esc(&r.row.target_source)
        );
    }
    h.push_str("</tbody></table></div>\n");
    if cost.len() > CHANGE_ROWS {
        let _ = writeln!(
            h,
            "<p class=\"note\">{} more in policy.csv.</p>",
            cost.len() - CHANGE_ROWS
        );
    }
    h.push_str("</section>\n");
}

/// "What changed since the last run", from `changes.csv` (nothing when the folder has none).
fn changes(h: &mut String, p: &Page<'_>) {
    let Some(rows) = &p.folder.changes else {
        return;
    };
    let _ = writeln!(
        h,
        "<section id=\"changes\">\n<h2>What changed since the last run</h2>\n<p class=\"note\">This run compared with the one this folder held before (changes.csv lists every change): new and dropped orders, order quantities that moved by more than {swing}% and at least one pack, forecasting models that changed, reorder points and order-up-to levels that moved by more than {level}%, other action changes, SKUs new or gone. An order many times the last one usually means a bad import; a SKU whose actions read ORDER → OK → ORDER flips back and forth.</p>",
        swing = SWING_SHARE * 100.0,
        level = LEVEL_SHARE * 100.0
    );
    if rows.is_empty() {
        h.push_str("<p>No changes since the last run.</p>\n</section>\n");
        return;
    }
    let summary = ChangeSummary::of(rows);
    let mut counts: Vec<String> = ChangeKind::ALL
        .into_iter()
        .filter(|k| summary.count(*k) > 0)
        .map(|k| k.count_label(summary.count(k)))
        .collect();
    if summary.flip_backs > 0 {
        counts.push(format!("{} flipped back", summary.flip_backs));
    }
    let _ = writeln!(h, "<p>{}</p>", esc(&counts.join(" · ")));
    h.push_str("<div class=\"scroll\"><table><thead><tr><th>SKU</th><th>Change</th><th>Column</th><th>Before</th><th>After</th><th>Actions</th><th>Reason</th></tr></thead><tbody>\n");
    for r in top_changes(rows).into_iter().take(CHANGE_ROWS) {
        let name = match &r.location {
            Some(l) => format!("{} @ {l}", r.sku),
            None => r.sku.clone(),
        };
        let c = &r.row;
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&name),
            esc(&c.change),
            esc(&c.column),
            cell_value(&c.before, true),
            cell_value(&c.after, true),
            esc(&c.actions),
            esc(&c.reason)
        );
    }
    h.push_str("</tbody></table></div>\n");
    if rows.len() > CHANGE_ROWS {
        let _ = writeln!(
            h,
            "<p class=\"note\">… and {} more (see changes.csv).</p>",
            rows.len() - CHANGE_ROWS
        );
    }
    h.push_str("</section>\n");
}

fn cell_value(raw: &str, numeric: bool) -> String {
    if numeric {
        match raw.parse::<f64>() {
            Ok(v) => num(
                v,
                if v.abs() >= 100.0 || v.fract() == 0.0 {
                    0
                } else {
                    1
                },
            ),
            Err(_) => esc(raw),
        }
    } else {
        esc(raw)
    }
}

fn table(h: &mut String, p: &Page<'_>) {
    let t = &p.folder.recommendation_cells;
    let cols: Vec<(usize, &str, bool)> = TABLE_COLUMNS
        .iter()
        .filter_map(|(c, head, n)| t.col(c).map(|i| (i, *head, *n)))
        .collect();
    let total = t.rows.len();
    let shown = total.min(p.settings.static_rows);
    let _ = write!(
        h,
        "<section id=\"recommendations\">\n<h2>Recommendations</h2>\n<p class=\"note\">One row per SKU{}, most urgent first, as in recommendations.csv (which has every column); service target, designed (the formula's expectation at the levels) and simulated service from policy.csv, in its service measure (simulated with the customers of its simulated_customer column; empty when not simulated). A design on a forecast-error spread measured on a few backtest runs (policy.csv spread_dof) allows for that spread being wrong, and for the right skew of demand summed over the lead time ([policy] demand_shape); the simulation takes the backtest errors as known, so its service is above the designed one there (the formulas' allowances are what the service delivered on later demand needs: docs/planning.md). Click a heading to sort.</p>\n",
        if t.col("location").is_some() { " and location" } else { "" }
    );
    if shown < total {
        let _ = writeln!(
            h,
            "<noscript><p class=\"note\">Without JavaScript this table shows the {shown} most urgent of {total} rows; every row is in recommendations.csv.</p></noscript>"
        );
    }
    h.push_str("<div class=\"controls\" id=\"recs-controls\" hidden><input id=\"recs-filter\" type=\"search\" placeholder=\"filter: SKU, supplier, reason…\"><select id=\"recs-action\"><option value=\"\">all actions</option><option>ORDER</option><option>EXPEDITE</option><option>DEFER</option><option>REVIEW</option><option>OK</option><option>HOLD</option></select><button id=\"recs-prev\" type=\"button\">◀ previous</button><button id=\"recs-next\" type=\"button\">next ▶</button><span id=\"recs-info\"></span></div>\n");
    let _ = write!(
        h,
        "<div class=\"scroll\"><table id=\"recs\" class=\"sortable\" data-page-size=\"{}\" data-total=\"{total}\"><thead><tr>",
        p.settings.page_size
    );
    for (_, head, numeric) in &cols {
        let _ = write!(
            h,
            "<th data-type=\"{}\">{}</th>",
            if *numeric { "num" } else { "text" },
            esc(head)
        );
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    let action_col = t.col("action");
    for row in &t.rows[..shown] {
        let action = action_col.map_or("", |i| row[i].as_str());
        let _ = write!(h, "<tr class=\"a-{a}\">", a = esc(action));
        for (i, _, numeric) in &cols {
            let raw = &row[*i];
            if *numeric {
                let _ = write!(h, "<td class=\"n\">{}</td>", cell_value(raw, true));
            } else {
                let _ = write!(h, "<td>{}</td>", cell_value(raw, false));
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n");
    // Every row as JSON (raw values, the table's columns): the script sorts, filters and
    // renders one page at a time from it, so a 30,000-SKU table stays fast.
    let data: Vec<Vec<&str>> = t
        .rows
        .iter()
        .map(|r| cols.iter().map(|(i, _, _)| r[*i].as_str()).collect())
        .collect();
    let json = serde_json::to_string(&data)
        .expect("strings serialise")
        .replace("</", "<\\/");
    let _ = writeln!(
        h,
        "<script type=\"application/json\" id=\"recs-data\">{json}</script>\n</section>"
    );
}

fn sku_sections(h: &mut String, p: &Page<'_>) {
    let t = &p.folder.recommendation_cells;
    let _ = write!(
        h,
        "<section id=\"skus\">\n<h2>SKUs with the most value at risk</h2>\n<p class=\"note\">The top {} SKUs by value at risk (the most customer units waiting, now or projected, before an order placed today could arrive, at unit cost), then by order value.</p>\n",
        p.skus.len()
    );
    if p.skus.is_empty() {
        h.push_str("<p class=\"note\">No per-SKU data in this folder (detail.json is written by <code>replenish plan</code> and <code>replenish run</code>).</p>\n");
    }
    for s in p.skus {
        let row = &t.rows[s.row];
        let g = |c: &str| t.text(row, c);
        let name = if g("location").is_empty() {
            g("sku").to_string()
        } else {
            format!("{} @ {}", g("sku"), g("location"))
        };
        let _ = writeln!(
            h,
            "<article id=\"sku-{id}\"><h3>{name} <span class=\"note\">{supplier}</span> — {action}</h3>",
            id = esc(&name),
            name = esc(&name),
            supplier = esc(g("supplier")),
            action = esc(g("action"))
        );
        let mut facts = Vec::new();
        for (c, label) in [
            ("order_quantity", "order"),
            ("order_by", "order by"),
            ("inventory_position", "position"),
            ("reorder_point", "reorder point"),
            ("order_up_to", "order-up-to"),
            ("value_at_risk", "value at risk"),
            ("projected_stockout", "projected stockout"),
        ] {
            let v = g(c);
            if !v.is_empty() {
                let shown = v
                    .parse::<f64>()
                    .map(|x| {
                        num(
                            x,
                            if x.fract() == 0.0 || x.abs() >= 100.0 {
                                0
                            } else {
                                1
                            },
                        )
                    })
                    .unwrap_or_else(|_| v.to_string());
                facts.push(format!("{label} <b>{}</b>", esc(&shown)));
            }
        }
        let _ = writeln!(
            h,
            "<p>{}</p>\n<p class=\"note\">{}</p>",
            facts.join(" · "),
            esc(g("reason"))
        );
        for fig in &s.figures {
            figure_html(h, fig);
        }
        h.push_str("</article>\n");
    }
    h.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn table_columns_are_columns_of_the_file() {
        // Those of recommendations.csv, and the service columns joined from policy.csv.
        let columns = crate::plan::output::RecommendationRow::columns(true);
        let joined = super::super::folder::SERVICE_COLUMNS;
        for (c, _, _) in TABLE_COLUMNS {
            assert!(columns.iter().any(|x| x == c) || joined.contains(c), "{c}");
        }
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(num(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(num(-1234.0, 0), "-1,234");
        assert_eq!(num(999.0, 0), "999");
        assert_eq!(num(-0.01, 1), "0.0");
        assert_eq!(num(f64::NAN, 1), "");
    }
}
