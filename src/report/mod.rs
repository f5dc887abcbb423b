//! Charts and the planner's report, rendered from an output folder.
//!
//! [`render`] reads what the pipeline wrote (`recommendations.csv` and whichever of
//! `policy.csv`, `classes.csv`, `lead_time_histogram.csv`, `simulation.csv`,
//! `simulation_portfolio.csv`, `detail.json`, `trajectories.json`, `plan.json`,
//! `validation.json`, `run.json` exist), draws the charts into `charts/` (PNG and SVG each) and
//! writes `report.html`, all atomically. Because it only reads the folder, `replenish report
//! --from DIR` re-renders with other report settings without re-running anything.
//!
//! Charts (one colour, one meaning: [`palette`]):
//!
//! | file | what a planner learns |
//! |---|---|
//! | `tradeoff_portfolio` | what each policy family costs per year for the fill rate it buys, current policy highlighted, target drawn |
//! | `backorder_distribution` | how many SKUs fall in each backorder-rate band, current vs recommended |
//! | `scenarios` | backorder rate and mean wait per disruption scenario, current vs recommended |
//! | `lead_time_<supplier>` | each supplier's lead-time spread with p50/p90, drift flagged in red |
//! | `classes` | the ABC × XYZ matrix and the demand-class counts |
//! | `supplier_orders` | recommended order value per supplier |
//! | `forecast_<sku>` | a top SKU's recent demand, backtest forecasts, forecast and band |
//! | `trajectory_<sku>` | one simulated year of the recommended policy: the sawtooth, backlog, orders |
//! | `tradeoff_<sku>` | that SKU's fill rate vs cost per policy |
//!
//! `charts/` belongs to the report: PNG and SVG files there that this rendering did not draw
//! (e.g. SKUs that left the top list) are removed.
//!
//! Not responsible for computing any number shown (every figure comes from the folder's files).

pub mod charts;
pub mod folder;
pub mod html;
pub mod palette;

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    time::Instant,
};

use plotters::style::BLACK;
use thiserror::Error;

use self::{
    charts::{
        render as draw, BarChart, BarSeries, ClassChart, ForecastChart, PairChart, Role,
        TradeoffChart, TradeoffPoint, TrajectoryChart,
    },
    folder::{Folder, Table},
    html::{Exception, Figure, Kpi, Page, SkuSection},
    palette::{CURRENT, LEVEL, ORDERS, RECOMMENDED, SHORTAGE},
};
use crate::{config::ReportSettings, io::atomic::write_atomic, io::LoadError, util::fnv1a};

/// What can go wrong rendering a report.
#[derive(Debug, Error)]
pub enum ReportError {
    /// The folder has no `recommendations.csv`.
    #[error("{dir} is not a replenish output folder: it has no recommendations.csv (write one with `replenish run` or `replenish plan --out {dir}`)")]
    NotAnOutputFolder {
        /// The folder.
        dir: PathBuf,
    },
    /// An output file could not be read.
    #[error("reading {path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A chart or report.html could not be written.
    #[error(transparent)]
    Write(#[from] LoadError),
}

/// What [`render`] produced.
#[derive(Debug, Clone)]
pub struct ReportOutcome {
    /// Path of report.html.
    pub html: PathBuf,
    /// Its size in bytes.
    pub bytes: usize,
    /// Charts drawn (each as PNG and SVG).
    pub charts: usize,
    /// SKUs with their own section.
    pub sku_sections: usize,
    /// Seconds spent.
    pub seconds: f64,
}

/// A file-name-safe stem for a key (SKU, supplier): letters, digits, `-` and `_` kept, other
/// characters replaced, plus a hash suffix when anything was replaced (so stems stay unique).
pub fn stem(prefix: &str, key: &str) -> String {
    let safe: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe == key && !key.is_empty() {
        format!("{prefix}_{safe}")
    } else {
        format!("{prefix}_{safe}-{:08x}", fnv1a(key) as u32)
    }
}

/// Renders the charts and report.html of the output folder `dir`.
///
/// # Errors
/// [`ReportError`]: not an output folder, an unreadable file, or a write failure.
pub fn render(dir: &Path, settings: &ReportSettings) -> Result<ReportOutcome, ReportError> {
    let clock = Instant::now();
    let folder = Folder::read(dir)?;
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir).map_err(|source| LoadError::Write {
        path: charts_dir.clone(),
        source,
    })?;
    let size = (settings.width, settings.height);
    let mut drawn: BTreeSet<String> = BTreeSet::new();
    let mut put = |chart: &dyn Fn(&Path, &str) -> Result<charts::Rendered, LoadError>,
                   stem: String,
                   title: &str,
                   how: &str|
     -> Result<Figure, ReportError> {
        let r = chart(&charts_dir, &stem)?;
        drawn.insert(stem);
        Ok(Figure {
            chart: r,
            title: title.to_string(),
            how_to_read: how.to_string(),
        })
    };
    let recommended = folder.recommended_policy();
    let baseline = baseline_scenario(&folder);

    // Portfolio charts.
    let mut figures = Vec::new();
    if let (Some(port), Some(rec)) = (&folder.portfolio, &recommended) {
        let c = portfolio_tradeoff(&folder, port, rec, baseline.as_deref());
        if !c.points.is_empty() {
            figures.push(put(
                &|d, s| draw(&c, d, s, size),
                "tradeoff_portfolio".into(),
                "Policy trade-off, whole catalogue",
                "Each dot is a policy family simulated on every SKU: further up is a higher fill rate (share of demand served from stock), further right costs more per year. The purple dot is today's policy and the green one the recommendation; a good recommendation sits above the dashed target line without being far to the right.",
            )?);
        }
    }
    if let (Some(sim), Some(rec)) = (&folder.simulation, &recommended) {
        if let Some(c) = backorder_distribution(sim, rec, baseline.as_deref()) {
            figures.push(put(
                &|d, s| draw(&c, d, s, size),
                "backorder_distribution".into(),
                "Backorder rate across SKUs",
                "How many SKUs fall in each band of simulated backorder rate (share of demand that had to wait or was lost). Bars moving to the left, from purple (current) to green (recommended), mean fewer customers waiting on more SKUs.",
            )?);
        }
    }
    if let (Some(port), Some(rec)) = (&folder.portfolio, &recommended) {
        if let Some(c) = scenario_chart(port, rec) {
            figures.push(put(
                &|d, s| draw(&c, d, s, size),
                "scenarios".into(),
                "Disruption scenarios",
                "Backorder rate (top) and mean wait of a backordered unit (bottom) for each scenario, current vs recommended. A policy that only works in the baseline shows tall bars under supplier_delay or demand_surge: that is where backorders will come from.",
            )?);
        }
    }
    if let Some(hist) = &folder.lead_time_histogram {
        for (supplier, c) in
            lead_time_charts(hist, &folder.recommendations, settings.lead_time_charts)
        {
            figures.push(put(
                &|d, s| draw(&c, d, s, size),
                stem("lead_time", &supplier),
                &format!("Lead times of {supplier}"),
                "Completed purchase orders per lead time in days, with the median (p50) and 90th percentile (p90). A wide spread means more safety stock; a red title means the supplier's recent lead times sit above its historical p90 (drift): check the supplier before trusting the reorder points.",
            )?);
        }
    }
    if let Some(classes) = &folder.classes {
        let c = class_chart(classes);
        figures.push(put(
            &|d, s| draw(&c, d, s, size),
            "classes".into(),
            "ABC/XYZ and demand classes",
            "Left: SKUs by revenue class (A = top 80% of revenue) and variability (X steady, Z erratic); the AZ corner holds valuable, hard-to-forecast items that deserve a planner's eye. Right: SKUs per demand pattern; intermittent and lumpy items get Croston-type forecasts and empirical safety stock.",
        )?);
    }
    if let Some(c) = supplier_orders(&folder.recommendations) {
        figures.push(put(
            &|d, s| draw(&c, d, s, size),
            "supplier_orders".into(),
            "Recommended orders per supplier",
            "Value of the ORDER lines per supplier at unit cost (units when no cost is known), with the number of lines: the purchasing workload and cash going out with this run.",
        )?);
    }

    // Per-SKU sections, in the order the pipeline ranked them (detail.json).
    let keys: BTreeMap<(String, String), usize> = folder
        .recommendations
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let t = &folder.recommendations;
            (
                (
                    t.text(r, "sku").to_string(),
                    t.text(r, "location").to_string(),
                ),
                i,
            )
        })
        .collect();
    let mut skus = Vec::new();
    for d in folder.details.iter().take(settings.top_skus) {
        let k = (d.sku.clone(), d.location.clone().unwrap_or_default());
        let Some(&row) = keys.get(&k) else { continue };
        let key = match &d.location {
            Some(l) => format!("{}@{l}", d.sku),
            None => d.sku.clone(),
        };
        let mut figs = Vec::new();
        let fc = ForecastChart { detail: d };
        figs.push(put(
            &|dd, s| draw(&fc, dd, s, size),
            stem("forecast", &key),
            "Forecast",
            "Grey: actual demand; orange: what the chosen model forecast at each backtest origin (a gap between grey and orange is the error the safety stock covers); blue: the forecast with its quantile band shaded.",
        )?);
        if let Some(t) = folder
            .trajectories
            .iter()
            .find(|t| t.sku == d.sku && t.location == d.location)
        {
            let tc = TrajectoryChart { trajectory: t };
            figs.push(put(
                &|dd, s| draw(&tc, dd, s, size),
                stem("trajectory", &key),
                "Simulated stock",
                "One simulated year of the recommended policy: stock on hand (teal) falls with demand; when the inventory position (grey) reaches the reorder point an order is placed (triangle) and arrives after the lead time (circle). Red bars below zero are customers waiting.",
            )?);
        }
        if let (Some(sim), Some(rec)) = (&folder.simulation, &recommended) {
            let c = sku_tradeoff(
                sim,
                &d.sku,
                d.location.as_deref(),
                rec,
                baseline.as_deref(),
                &folder,
            );
            if !c.points.is_empty() {
                figs.push(put(
                    &|dd, s| draw(&c, dd, s, size),
                    stem("tradeoff", &key),
                    "Policy trade-off",
                    "This SKU's simulated fill rate against its total cost per year for each policy family; current in purple, recommended in green, the SKU's service target dashed.",
                )?);
            }
        }
        skus.push(SkuSection { row, figures: figs });
    }

    let kpis = headline_kpis(&folder, recommended.as_deref(), baseline.as_deref());
    let exceptions = exceptions(&folder, settings);
    let html = html::page(&Page {
        folder: &folder,
        settings,
        figures: &figures,
        skus: &skus,
        kpis: &kpis,
        exceptions: &exceptions,
        version: env!("CARGO_PKG_VERSION"),
    });
    let path = dir.join("report.html");
    write_atomic(&path, |w| w.write_all(html.as_bytes()))?;
    remove_stale_charts(&charts_dir, &drawn);
    Ok(ReportOutcome {
        html: path,
        bytes: html.len(),
        charts: drawn.len(),
        sku_sections: skus.len(),
        seconds: clock.elapsed().as_secs_f64(),
    })
}

/// Removes chart files of an earlier rendering that this one did not draw (e.g. SKUs that left
/// the top list), so `charts/` matches the report.
fn remove_stale_charts(dir: &Path, drawn: &BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let ext = p.extension().and_then(|x| x.to_str());
        if !matches!(ext, Some("png" | "svg")) {
            continue;
        }
        let Some(stem) = p.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if !drawn.contains(stem) {
            let _ = std::fs::remove_file(&p);
        }
    }
}

/// The baseline scenario's name: `baseline` when simulated, else the first scenario.
fn baseline_scenario(f: &Folder) -> Option<String> {
    let t = f.portfolio.as_ref()?;
    let names: Vec<&str> = t.rows.iter().map(|r| t.text(r, "scenario")).collect();
    names
        .iter()
        .find(|n| **n == "baseline")
        .or(names.first())
        .map(|s| s.to_string())
}

/// Legend name of a compared policy: `current`, or `recommended (sS)`.
fn label(name: &str, policy: &str) -> String {
    if name == policy {
        name.to_string()
    } else {
        format!("{name} ({policy})")
    }
}

fn role_of(policy: &str, recommended: &str) -> Role {
    if policy == "current" {
        Role::Current
    } else if policy == recommended {
        Role::Recommended
    } else {
        Role::Other
    }
}

/// Demand-weighted mean service target and its measure, from policy.csv.
fn mean_target(f: &Folder) -> Option<(f64, String)> {
    let t = f.policy.as_ref()?;
    let (mut sw, mut s) = (0.0, 0.0);
    let mut measure = String::new();
    for r in &t.rows {
        if let (Some(target), Some(d)) = (t.num(r, "target"), t.num(r, "demand_mean_per_day")) {
            sw += d;
            s += target * d;
            measure = t.text(r, "service_measure").to_string();
        }
    }
    (sw > 0.0).then(|| {
        let m = s / sw;
        let what = if measure == "cycle" {
            "cycle-service target (drawn on the fill-rate axis)"
        } else {
            "fill-rate target"
        };
        (m, format!("demand-weighted {what} {:.1}%", m * 100.0))
    })
}

/// A simulation.csv or simulation_portfolio.csv row as a trade-off point (`None` without
/// cost or fill rate).
fn tradeoff_point(t: &Table, r: &[String], rec: &str) -> Option<TradeoffPoint> {
    let policy = t.text(r, "policy");
    Some(TradeoffPoint {
        label: policy.to_string(),
        cost: t.num(r, "total_cost")?,
        fill_rate: t.num(r, "fill_rate")?,
        role: role_of(policy, rec),
    })
}

fn portfolio_tradeoff(
    f: &Folder,
    port: &Table,
    rec: &str,
    baseline: Option<&str>,
) -> TradeoffChart {
    let points = port
        .rows
        .iter()
        .filter(|r| Some(port.text(r, "scenario")) == baseline)
        .filter_map(|r| tradeoff_point(port, r, rec))
        .collect();
    TradeoffChart {
        title: format!(
            "Fill rate vs cost per year, all SKUs ({} scenario)",
            baseline.unwrap_or("baseline")
        ),
        points,
        target: mean_target(f),
    }
}

fn sku_tradeoff(
    sim: &Table,
    sku: &str,
    location: Option<&str>,
    rec: &str,
    baseline: Option<&str>,
    f: &Folder,
) -> TradeoffChart {
    let points = sim
        .rows
        .iter()
        .filter(|r| {
            sim.text(r, "sku") == sku
                && sim.text(r, "location") == location.unwrap_or("")
                && Some(sim.text(r, "scenario")) == baseline
        })
        .filter_map(|r| tradeoff_point(sim, r, rec))
        .collect();
    let target = f.policy.as_ref().and_then(|t| {
        let r = t
            .rows
            .iter()
            .find(|r| t.text(r, "sku") == sku && t.text(r, "location") == location.unwrap_or(""))?;
        let v = t.num(r, "target")?;
        let m = t.text(r, "service_measure");
        Some((v, format!("target {:.1}% ({m})", v * 100.0)))
    });
    TradeoffChart {
        title: format!("{sku}: fill rate vs cost per year"),
        points,
        target,
    }
}

/// Backorder-rate bands (upper edges) of the distribution chart.
const BANDS: [(f64, &str); 8] = [
    (0.0, "0"),
    (0.01, "≤1%"),
    (0.02, "1–2%"),
    (0.05, "2–5%"),
    (0.10, "5–10%"),
    (0.20, "10–20%"),
    (0.50, "20–50%"),
    (f64::INFINITY, ">50%"),
];

fn band_of(rate: f64) -> usize {
    if rate <= 1e-12 {
        return 0;
    }
    BANDS
        .iter()
        .position(|(hi, _)| rate <= *hi)
        .unwrap_or(BANDS.len() - 1)
        .max(1)
}

fn backorder_distribution(sim: &Table, rec: &str, baseline: Option<&str>) -> Option<BarChart> {
    let mut series = Vec::new();
    for (policy, name, colour) in [
        ("current", "current", CURRENT),
        (rec, "recommended", RECOMMENDED),
    ] {
        let mut counts = vec![0.0; BANDS.len()];
        let mut any = false;
        for r in &sim.rows {
            if sim.text(r, "policy") == policy && Some(sim.text(r, "scenario")) == baseline {
                if let Some(b) = sim.num(r, "backorder_rate") {
                    counts[band_of(b)] += 1.0;
                    any = true;
                }
            }
        }
        if any {
            series.push(BarSeries {
                name: label(name, policy),
                colour,
                values: counts,
            });
        }
    }
    (!series.is_empty()).then(|| BarChart {
        title: format!(
            "SKUs per backorder-rate band ({} scenario)",
            baseline.unwrap_or("baseline")
        ),
        categories: BANDS.iter().map(|b| b.1.to_string()).collect(),
        series,
        x_desc: "simulated backorder rate (share of demand not served from stock)".into(),
        y_desc: "SKUs".into(),
        markers: Vec::new(),
        value_labels: true,
        title_colour: BLACK,
    })
}

fn scenario_chart(port: &Table, rec: &str) -> Option<PairChart> {
    let mut scenarios: Vec<String> = Vec::new();
    for r in &port.rows {
        let s = port.text(r, "scenario").to_string();
        if !scenarios.contains(&s) {
            scenarios.push(s);
        }
    }
    let value = |policy: &str, scenario: &str, col: &str| {
        port.rows
            .iter()
            .find(|r| port.text(r, "policy") == policy && port.text(r, "scenario") == scenario)
            .and_then(|r| port.num(r, col))
    };
    let mut bo = Vec::new();
    let mut wait = Vec::new();
    for (policy, name, colour) in [
        ("current", "current", CURRENT),
        (rec, "recommended", RECOMMENDED),
    ] {
        let b: Vec<Option<f64>> = scenarios
            .iter()
            .map(|s| value(policy, s, "backorder_rate"))
            .collect();
        if b.iter().all(Option::is_none) {
            continue;
        }
        bo.push(BarSeries {
            name: label(name, policy),
            colour,
            values: b.iter().map(|v| v.unwrap_or(0.0) * 100.0).collect(),
        });
        wait.push(BarSeries {
            name: label(name, policy),
            colour,
            values: scenarios
                .iter()
                .map(|s| {
                    value(policy, s, "mean_wait_days")
                        .filter(|v| v.is_finite())
                        .unwrap_or(0.0)
                })
                .collect(),
        });
    }
    if bo.is_empty() {
        return None;
    }
    let chart = |title: &str, y: &str, series: Vec<BarSeries>| BarChart {
        title: title.into(),
        categories: scenarios.clone(),
        series,
        x_desc: "scenario".into(),
        y_desc: y.into(),
        markers: Vec::new(),
        value_labels: false,
        title_colour: BLACK,
    };
    Some(PairChart {
        top: chart(
            "Backorder rate by scenario",
            "backorder rate (% of demand)",
            bo,
        ),
        bottom: chart("Mean wait by scenario", "mean wait (days)", wait),
    })
}

/// Lead-time charts of at most `n` suppliers: every drifting one first, then by recommended
/// order value, then by receipts (all suppliers stay in lead_time_histogram.csv).
fn lead_time_charts(hist: &Table, recs: &Table, n: usize) -> Vec<(String, BarChart)> {
    let mut by: BTreeMap<String, Vec<&Vec<String>>> = BTreeMap::new();
    for r in &hist.rows {
        by.entry(hist.text(r, "supplier").to_string())
            .or_default()
            .push(r);
    }
    let mut value: BTreeMap<&str, f64> = BTreeMap::new();
    for r in &recs.rows {
        if recs.text(r, "action") == "ORDER" {
            *value.entry(recs.text(r, "supplier")).or_default() += recs
                .num(r, "order_value")
                .or(recs.num(r, "order_quantity"))
                .unwrap_or(0.0);
        }
    }
    let rank = |s: &str, rows: &[&Vec<String>]| {
        let drifting = rows
            .first()
            .is_some_and(|r| hist.text(r, "supplier_drifting") == "true");
        let receipts: f64 = rows.iter().filter_map(|r| hist.num(r, "receipts")).sum();
        (drifting, value.get(s).copied().unwrap_or(0.0), receipts)
    };
    let mut order: Vec<(String, Vec<&Vec<String>>)> = by.into_iter().collect();
    order.sort_by(|a, b| {
        let (ka, kb) = (rank(&a.0, &a.1), rank(&b.0, &b.1));
        kb.0.cmp(&ka.0)
            .then(kb.1.total_cmp(&ka.1))
            .then(kb.2.total_cmp(&ka.2))
            .then(a.0.cmp(&b.0))
    });
    order.truncate(n);
    order
        .into_iter()
        .filter_map(|(supplier, rows)| {
            let days: Vec<(i64, f64)> = rows
                .iter()
                .filter_map(|r| {
                    Some((
                        hist.text(r, "lead_time_days").parse().ok()?,
                        hist.num(r, "receipts")?,
                    ))
                })
                .collect();
            let lo = days.iter().map(|d| d.0).min()?;
            let hi = days.iter().map(|d| d.0).max()?;
            let mut values = vec![0.0; (hi - lo + 1) as usize];
            for (d, n) in &days {
                values[(d - lo) as usize] += n;
            }
            let first = rows[0];
            let p50 = hist.num(first, "p50_days").unwrap_or(f64::NAN);
            let p90 = hist.num(first, "p90_days").unwrap_or(f64::NAN);
            let drifting = hist.text(first, "supplier_drifting") == "true";
            let mut markers = Vec::new();
            if p50.is_finite() {
                markers.push((p50 - lo as f64, format!("p50 {p50:.1} days"), LEVEL));
            }
            if p90.is_finite() {
                markers.push((p90 - lo as f64, format!("p90 {p90:.1} days"), LEVEL));
            }
            let receipts: f64 = values.iter().sum();
            Some((
                supplier.clone(),
                BarChart {
                    title: format!(
                        "{supplier}: lead time of {receipts:.0} completed orders{}",
                        if drifting {
                            " — DRIFTING (recent median above p90)"
                        } else {
                            ""
                        }
                    ),
                    categories: (lo..=hi).map(|d| d.to_string()).collect(),
                    series: vec![BarSeries {
                        name: "orders".into(),
                        colour: ORDERS,
                        values,
                    }],
                    x_desc: "lead time (days from order to complete receipt)".into(),
                    y_desc: "purchase orders".into(),
                    markers,
                    value_labels: false,
                    title_colour: if drifting { SHORTAGE } else { BLACK },
                },
            ))
        })
        .collect()
}

fn class_chart(t: &Table) -> ClassChart {
    let mut matrix = [[0usize; 3]; 3];
    let mut classes: BTreeMap<String, usize> = BTreeMap::new();
    for r in &t.rows {
        let a = match t.text(r, "abc") {
            "A" => Some(0),
            "B" => Some(1),
            "C" => Some(2),
            _ => None,
        };
        let x = match t.text(r, "xyz") {
            "X" => Some(0),
            "Y" => Some(1),
            "Z" => Some(2),
            _ => None,
        };
        if let (Some(a), Some(x)) = (a, x) {
            matrix[a][x] += 1;
        }
        *classes.entry(t.text(r, "class").to_string()).or_default() += 1;
    }
    let order = ["smooth", "erratic", "intermittent", "lumpy", "none"];
    let mut list: Vec<(String, usize)> = order
        .iter()
        .filter_map(|c| classes.remove(*c).map(|n| (c.to_string(), n)))
        .collect();
    list.extend(classes);
    ClassChart {
        matrix,
        classes: list,
    }
}

fn supplier_orders(t: &Table) -> Option<BarChart> {
    let mut by: BTreeMap<String, (f64, f64, usize)> = BTreeMap::new();
    for r in &t.rows {
        if t.text(r, "action") != "ORDER" {
            continue;
        }
        let e = by.entry(t.text(r, "supplier").to_string()).or_default();
        e.0 += t.num(r, "order_value").unwrap_or(0.0);
        e.1 += t.num(r, "order_quantity").unwrap_or(0.0);
        e.2 += 1;
    }
    if by.is_empty() {
        return None;
    }
    let by_value = by.values().any(|v| v.0 > 0.0);
    Some(BarChart {
        title: if by_value {
            "Recommended order value per supplier".into()
        } else {
            "Recommended order units per supplier (no unit costs)".into()
        },
        categories: by
            .iter()
            .map(|(s, v)| format!("{} ({} lines)", if s.is_empty() { "?" } else { s }, v.2))
            .collect(),
        series: vec![BarSeries {
            name: "orders".into(),
            colour: ORDERS,
            values: by
                .values()
                .map(|v| if by_value { v.0 } else { v.1 })
                .collect(),
        }],
        x_desc: "supplier".into(),
        y_desc: if by_value {
            "order value (unit cost)".into()
        } else {
            "units".into()
        },
        markers: Vec::new(),
        value_labels: true,
        title_colour: BLACK,
    })
}

fn headline_kpis(f: &Folder, rec: Option<&str>, baseline: Option<&str>) -> Vec<Kpi> {
    let (Some(port), Some(rec)) = (&f.portfolio, rec) else {
        return Vec::new();
    };
    let get = |policy: &str, col: &str| {
        port.rows
            .iter()
            .find(|r| {
                port.text(r, "policy") == policy && Some(port.text(r, "scenario")) == baseline
            })
            .and_then(|r| port.num(r, col))
    };
    [
        ("Fill rate", "fill_rate", false, true),
        ("Backorder rate", "backorder_rate", true, true),
        ("Cancellation rate", "cancellation_rate", true, true),
        ("Cycle service level", "cycle_service_level", false, true),
        (
            "Mean wait of a backordered unit (days)",
            "mean_wait_days",
            true,
            false,
        ),
        (
            "Inventory value (mean, at unit cost)",
            "inventory_value",
            true,
            false,
        ),
        ("Total cost per year", "total_cost", true, false),
    ]
    .into_iter()
    .map(|(name, col, lower, pct)| Kpi {
        name: name.to_string(),
        current: get("current", col),
        recommended: get(rec, col),
        lower_is_better: lower,
        percent: pct,
    })
    .collect()
}

const SHOWN: usize = 50;

fn exception(title: &str, explain: &str, header: &[&str], mut rows: Vec<Vec<String>>) -> Exception {
    let more = rows.len().saturating_sub(SHOWN);
    rows.truncate(SHOWN);
    Exception {
        title: title.into(),
        explain: explain.into(),
        header: header.iter().map(|s| s.to_string()).collect(),
        rows,
        more,
    }
}

fn exceptions(f: &Folder, settings: &ReportSettings) -> Vec<Exception> {
    let t = &f.recommendations;
    let g = |r: &[String], c: &str| t.text(r, c).to_string();
    let money = |r: &[String]| {
        t.num(r, "value_at_risk")
            .map(|v| html::num(v, 0))
            .unwrap_or_else(|| {
                format!(
                    "{} units",
                    html::num(t.num(r, "units_at_risk").unwrap_or(0.0), 0)
                )
            })
    };
    let risk = |r: &[String]| {
        t.num(r, "value_at_risk")
            .or(t.num(r, "units_at_risk"))
            .unwrap_or(0.0)
    };
    let mut out = Vec::new();

    // Stockouts before the next arrival.
    let mut rows: Vec<(&Vec<String>, f64)> = t
        .rows
        .iter()
        .filter(|r| {
            let so = t.text(r, "projected_stockout");
            if so.is_empty() {
                return false;
            }
            let next = t.text(r, "next_arrival");
            let own = t.text(r, "expected_arrival_p50");
            let first = match (next.is_empty(), own.is_empty()) {
                (false, false) => next.min(own),
                (false, true) => next,
                (true, false) => own,
                (true, true) => "",
            };
            first.is_empty() || so < first
        })
        .map(|r| (r, risk(r)))
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    out.push(exception(
        "Stockout before the next arrival",
        "Stock is projected to run out before the first open order arrives, or before an order placed on its order-by date would arrive at the median lead time: customers will wait. Expedite, order now, or move stock between locations.",
        &["SKU", "Supplier", "Action", "Projected stockout", "First arrival", "Value at risk"],
        rows.iter()
            .map(|(r, _)| {
                vec![
                    g(r, "sku"),
                    g(r, "supplier"),
                    g(r, "action"),
                    g(r, "projected_stockout"),
                    {
                        let (n, o) = (g(r, "next_arrival"), g(r, "expected_arrival_p50"));
                        match (n.is_empty(), o.is_empty()) {
                            (false, false) => n.min(o),
                            (true, _) => o,
                            (false, true) => n,
                        }
                    },
                    money(r),
                ]
            })
            .collect(),
    ));

    // Drifting suppliers.
    let drift: Vec<Vec<String>> = json_drift(f);
    out.push(exception(
        "Suppliers with lead-time drift",
        "Their recent lead times (median of the last 90 days) sit above the 90th percentile of their history: the learned lead times understate what to expect now. Talk to the supplier, or shorten the lead-time window ([lead_time] window_days).",
        &["Supplier", "Lead-time p50 (days, whole history)", "p90 (days)"],
        drift,
    ));

    // Long backorder waits (now, from the inventory snapshot).
    let planning = f
        .plan
        .as_ref()
        .and_then(|p| p.get("planning_date"))
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<chrono::NaiveDate>().ok());
    let mut waits: Vec<(Vec<String>, f64)> = t
        .rows
        .iter()
        .filter(|r| t.num(r, "backordered").unwrap_or(0.0) > 0.0)
        .filter_map(|r| {
            let fill = t
                .text(r, "backorder_fill_date")
                .parse::<chrono::NaiveDate>()
                .ok();
            let days = match (fill, planning) {
                (Some(d), Some(p)) => Some((d - p).num_days() as f64),
                _ => None,
            };
            if days.is_some_and(|d| d <= settings.long_wait_days) {
                return None;
            }
            Some((
                vec![
                    g(r, "sku"),
                    g(r, "supplier"),
                    html::num(t.num(r, "backordered").unwrap_or(0.0), 0),
                    fill.map_or("no arrival covers them".into(), |d| d.to_string()),
                    days.map_or("—".into(), |d| html::num(d, 0)),
                ],
                days.unwrap_or(f64::INFINITY),
            ))
        })
        .collect();
    waits.sort_by(|a, b| b.1.total_cmp(&a.1));
    out.push(exception(
        &format!("Backorders waiting more than {} days", settings.long_wait_days),
        "Customer units already waiting (inventory snapshot) whose expected fill date is far off or unknown: the longer they wait, the more of them cancel.",
        &["SKU", "Supplier", "Backordered", "Expected fill", "Days from planning date"],
        waits.into_iter().map(|w| w.0).collect(),
    ));

    // Simulated long waits under the recommended policy.
    if let (Some(sim), Some(rec)) = (&f.simulation, f.recommended_policy()) {
        let base = baseline_scenario(f);
        let mut rows: Vec<(Vec<String>, f64)> = sim
            .rows
            .iter()
            .filter(|r| {
                sim.text(r, "policy") == rec && Some(sim.text(r, "scenario").to_string()) == base
            })
            .filter_map(|r| {
                let p95 = sim.num(r, "p95_wait_days")?;
                (p95 > settings.long_wait_days).then(|| {
                    (
                        vec![
                            sim.text(r, "sku").to_string(),
                            html::num(sim.num(r, "backorder_rate").unwrap_or(0.0) * 100.0, 1),
                            html::num(sim.num(r, "mean_wait_days").unwrap_or(f64::NAN), 1),
                            html::num(p95, 1),
                        ],
                        p95,
                    )
                })
            })
            .collect();
        rows.sort_by(|a, b| b.1.total_cmp(&a.1));
        out.push(exception(
            "Long simulated waits under the recommended policy",
            "SKUs whose backordered units would wait longer than the threshold in 1 case of 20 (p95) even with the recommended policy, in the baseline scenario: usually long or erratic lead times. Consider a higher target or a faster supplier.",
            &["SKU", "Backorder rate (%)", "Mean wait (days)", "p95 wait (days)"],
            rows.into_iter().map(|w| w.0).collect(),
        ));
    }

    // REVIEW.
    let review: Vec<Vec<String>> = t
        .rows
        .iter()
        .filter(|r| t.text(r, "action") == "REVIEW")
        .map(|r| vec![g(r, "sku"), g(r, "supplier"), g(r, "reason")])
        .collect();
    out.push(exception(
        "Flagged for review",
        "The numbers for these SKUs rest on thin data (short history, default lead time, no inventory record, a policy that failed): check them before ordering.",
        &["SKU", "Supplier", "Why"],
        review,
    ));

    // The planner's steering.
    let steered: Vec<Vec<String>> = t
        .rows
        .iter()
        .filter(|r| !t.text(r, "overrides").is_empty())
        .map(|r| vec![g(r, "sku"), g(r, "action"), g(r, "overrides")])
        .collect();
    out.push(exception(
        "Planner overrides, coverage rules, events and new-item forecasts in effect",
        "What the overrides file, coverage rules, known events and analogue forecasts changed for these SKUs, with the computed value each replaced. Check they still hold; HOLD rows order nothing whatever the numbers say.",
        &["SKU", "Action", "What was changed"],
        steered,
    ));
    out
}

fn json_drift(f: &Folder) -> Vec<Vec<String>> {
    let Some(list) = f
        .plan
        .as_ref()
        .and_then(|p| p.get("drifting_suppliers"))
        .and_then(|v| v.as_array())
    else {
        return Vec::new();
    };
    let pct = |supplier: &str, col: &str| {
        f.lead_time_histogram
            .as_ref()
            .and_then(|t| {
                t.rows
                    .iter()
                    .find(|r| t.text(r, "supplier") == supplier)
                    .and_then(|r| t.num(r, col))
            })
            .map(|v| html::num(v, 1))
            .unwrap_or_default()
    };
    list.iter()
        .filter_map(|v| v.as_str())
        .map(|s| vec![s.to_string(), pct(s, "p50_days"), pct(s, "p90_days")])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_file_safe_and_unique() {
        assert_eq!(stem("forecast", "SKU-1_a"), "forecast_SKU-1_a");
        let a = stem("forecast", "A/B");
        let b = stem("forecast", "A_B");
        assert!(a.starts_with("forecast_A_B-"), "{a}");
        assert_ne!(a, b);
        assert!(!stem("x", "../etc").contains('/'));
    }

    #[test]
    fn backorder_bands() {
        assert_eq!(band_of(0.0), 0);
        assert_eq!(band_of(0.005), 1);
        assert_eq!(band_of(0.01), 1);
        assert_eq!(band_of(0.015), 2);
        assert_eq!(band_of(0.3), 6);
        assert_eq!(band_of(0.9), 7);
    }
}
