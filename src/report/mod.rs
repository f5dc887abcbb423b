//! Charts and the planner's report, rendered from an output folder.
//!
//! [`render`] reads what the pipeline wrote (`recommendations.csv` and whichever of
//! `policy.csv`, `classes.csv`, `lead_time_histogram.csv`, `simulation.csv`,
//! `simulation_portfolio.csv`, `detail.json`, `trajectories.json`, `plan.json`,
//! `validation.json`, `run.json`, `supplier_choice.csv`, `supplier_orders.csv` exist), draws the charts into `charts/` (PNG and SVG each) and
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
//! | `budget` | expected fill rate against money spent in the budget's priority order, the budget, and the portfolio with and without the cut (runs with a budget: `budget.json`) |
//! | `forecast_<sku>` | a top SKU's recent demand, backtest forecasts, forecast and band |
//! | `trajectory_<sku>` | one simulated year of the recommended policy: the sawtooth, backlog, orders |
//! | `tradeoff_<sku>` | that SKU's fill rate vs cost per policy |
//!
//! `<sku>` is the SKU (`SKU@location` with locations), `<supplier>` the supplier, kept as they
//! are when plain (ASCII letters, digits, `-`, `_`; at most [`MAX_KEY_BYTES`] bytes; not equal
//! to another key but for letter case), else shortened and hashed ([`stem_of`]); the figure's
//! caption then names the real code.
//!
//! `charts/` belongs to the report: PNG and SVG files there that this rendering did not draw
//! (e.g. SKUs that left the top list) are removed.
//!
//! Not responsible for computing any number shown (every figure comes from the folder's files).

pub mod charts;
pub mod folder;
pub mod html;
pub mod palette;
pub mod realised;
pub mod supplier_orders;
pub mod suppliers;

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    time::Instant,
};

use chrono::NaiveDate;
use plotters::style::BLACK;
use thiserror::Error;

use self::{
    charts::{
        render as draw, short, BarChart, BarSeries, BudgetChart, Chart, ClassChart, ForecastChart,
        PairChart, Role, TradeoffChart, TradeoffPoint, TrajectoryChart,
    },
    folder::{Folder, SimulationKpis},
    html::{Exception, Figure, Kpi, Page, SkuSection},
    palette::{CURRENT, LEVEL, ORDERS, RECOMMENDED, SHORTAGE},
};
use crate::{
    config::ReportSettings,
    forecast::output::ClassRow,
    io::{atomic::write_atomic, cells::Keyed, LoadError},
    plan::output::{LeadTimeHistogramRow, RecommendationRow},
    simulate::output::SimulationPortfolioRow,
    util::fnv1a,
};

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

/// Longest key (SKU, `SKU@location`, supplier) kept whole in a chart's file name, in bytes;
/// a longer key is cut to this many characters and gets a hash suffix ([`stem_of`]).
pub const MAX_KEY_BYTES: usize = 64;

/// A file-name-safe stem for a key (SKU, supplier): [`stem_of`] for a key that collides with
/// no other.
pub fn stem(prefix: &str, key: &str) -> String {
    stem_of(prefix, key, false)
}

/// A file-name-safe stem for a key: `<prefix>_<key>` for a plain key (ASCII letters, digits,
/// `-` and `_`, at most [`MAX_KEY_BYTES`] bytes, not `clash`ing); otherwise
/// `<prefix>_<readable part>-<hash>`: the key with every other character (`/ \ : * ? " < > |`,
/// dots, spaces, control characters, non-ASCII letters) replaced by `_`, cut to
/// [`MAX_KEY_BYTES`] characters, then 8 hex digits of the FNV-1a hash of the exact key, so
/// stems stay unique and at most `prefix` + 74 bytes long. `clash`: the key differs from
/// another only in letter case (their plain names would be one file on a case-insensitive
/// file system).
pub fn stem_of(prefix: &str, key: &str, clash: bool) -> String {
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
    if safe == key && !key.is_empty() && key.len() <= MAX_KEY_BYTES && !clash {
        format!("{prefix}_{safe}")
    } else {
        // `safe` is ASCII: one byte per character.
        let readable = &safe[..safe.len().min(MAX_KEY_BYTES)];
        format!("{prefix}_{readable}-{:08x}", fnv1a(key) as u32)
    }
}

/// The keys among `keys` that share their lower-case form with a different key.
fn case_clashes<'a>(keys: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    let mut by_lower: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for k in keys {
        by_lower.entry(k.to_lowercase()).or_default().insert(k);
    }
    by_lower
        .into_values()
        .filter(|same| same.len() > 1)
        .flatten()
        .map(str::to_string)
        .collect()
}

/// A SKU's key in chart names: `SKU`, or `SKU@location`.
fn sku_key(sku: &str, location: Option<&str>) -> String {
    match location {
        Some(l) => format!("{sku}@{l}"),
        None => sku.to_string(),
    }
}

/// Draws charts into `charts/`, remembering which (the rest are stale).
struct Drawer {
    dir: PathBuf,
    size: (u32, u32),
    drawn: BTreeSet<String>,
    /// Keys that differ from another only in letter case ([`case_clashes`]).
    clashes: BTreeSet<String>,
}

impl Drawer {
    /// Draws `chart` as `stem` and describes it.
    fn put<C: Chart>(
        &mut self,
        chart: &C,
        stem: String,
        title: &str,
        how: &str,
    ) -> Result<Figure, ReportError> {
        let r = draw(chart, &self.dir, &stem, self.size)?;
        self.drawn.insert(stem);
        Ok(Figure {
            chart: r,
            title: title.to_string(),
            how_to_read: how.to_string(),
            key: None,
        })
    }

    /// Draws a chart of `key` (a SKU or supplier) as [`stem_of`]`(prefix, key)`; a figure whose
    /// file name does not show the key plainly names it in its caption.
    fn put_keyed<C: Chart>(
        &mut self,
        chart: &C,
        (prefix, key): (&str, &str),
        title: &str,
        how: &str,
    ) -> Result<Figure, ReportError> {
        let stem = stem_of(prefix, key, self.clashes.contains(key));
        let plain = stem == format!("{prefix}_{key}");
        let mut figure = self.put(chart, stem, title, how)?;
        if !plain {
            figure.key = Some(key.to_string());
        }
        Ok(figure)
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
    let sku_keys: Vec<String> = folder
        .recommendations
        .iter()
        .map(|r| sku_key(&r.sku, r.location.as_deref()))
        .collect();
    let mut clashes = case_clashes(sku_keys.iter().map(String::as_str));
    if let Some(hist) = &folder.lead_time_histogram {
        clashes.extend(case_clashes(hist.iter().map(|r| r.supplier.as_str())));
    }
    let mut drawer = Drawer {
        dir: charts_dir,
        size: (settings.width, settings.height),
        drawn: BTreeSet::new(),
        clashes,
    };
    let recommended = folder.recommended_policy();
    let baseline = baseline_scenario(&folder);
    let ctx = Context {
        folder: &folder,
        settings,
        recommended: recommended.as_deref(),
        baseline: baseline.as_deref(),
    };
    let figures = portfolio_figures(&ctx, &mut drawer)?;
    let skus = sku_figures(&ctx, &mut drawer)?;
    let kpis = headline_kpis(&folder, ctx.recommended, ctx.baseline);
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
    remove_stale_charts(&drawer.dir, &drawer.drawn);
    Ok(ReportOutcome {
        html: path,
        bytes: html.len(),
        charts: drawer.drawn.len(),
        sku_sections: skus.len(),
        seconds: clock.elapsed().as_secs_f64(),
    })
}

/// What the chart builders share.
struct Context<'a> {
    folder: &'a Folder,
    settings: &'a ReportSettings,
    recommended: Option<&'a str>,
    baseline: Option<&'a str>,
}

/// The portfolio charts, in the report's order.
fn portfolio_figures(c: &Context<'_>, d: &mut Drawer) -> Result<Vec<Figure>, ReportError> {
    let (folder, baseline) = (c.folder, c.baseline);
    let mut figures = Vec::new();
    if let (Some(port), Some(rec)) = (&folder.portfolio, c.recommended) {
        let chart = portfolio_tradeoff(folder, port, rec, baseline);
        if !chart.points.is_empty() {
            figures.push(d.put(
                &chart,
                "tradeoff_portfolio".into(),
                "Policy trade-off, whole catalogue",
                "Each dot is a policy family simulated on every SKU: further up is a higher fill rate (share of demand served from stock), further right costs more per year. The purple dot is today's policy and the green one the recommendation; a good recommendation sits above the dashed target line without being far to the right.",
            )?);
        }
    }
    if let (Some(sim), Some(rec)) = (&folder.simulation, c.recommended) {
        if let Some(chart) = backorder_distribution(sim, rec, baseline) {
            figures.push(d.put(
                &chart,
                "backorder_distribution".into(),
                "Backorder rate across SKUs",
                "How many SKUs fall in each band of simulated backorder rate (share of demand that had to wait or was lost). Bars moving to the left, from purple (current) to green (recommended), mean fewer customers waiting on more SKUs.",
            )?);
        }
    }
    if let (Some(port), Some(rec)) = (&folder.portfolio, c.recommended) {
        if let Some(chart) = scenario_chart(port, rec) {
            figures.push(d.put(
                &chart,
                "scenarios".into(),
                "Disruption scenarios",
                "Backorder rate (top) and mean wait of a backordered unit (bottom) for each scenario, current vs recommended. A policy that only works in the baseline shows tall bars under supplier_delay or demand_surge: that is where backorders will come from.",
            )?);
        }
    }
    if let Some(hist) = &folder.lead_time_histogram {
        let n = c.settings.lead_time_charts;
        for (supplier, chart) in lead_time_charts(hist, &folder.recommendations, n) {
            figures.push(d.put_keyed(
                &chart,
                ("lead_time", &supplier),
                &format!("Lead times of {supplier}"),
                "Completed purchase orders per lead time in days, with the median (p50) and 90th percentile (p90). A wide spread means more safety stock; a red title means the supplier's recent lead times sit above its historical p90 (drift): check the supplier before trusting the reorder points.",
            )?);
        }
    }
    if let Some(classes) = &folder.classes {
        figures.push(d.put(
            &class_chart(classes),
            "classes".into(),
            "ABC/XYZ and demand classes",
            "Left: SKUs by revenue class (A = top 80% of revenue) and variability (X steady, Z erratic); the AZ corner holds valuable, hard-to-forecast items that deserve a planner's eye. Right: SKUs per demand pattern; intermittent and lumpy items get Croston-type forecasts and empirical safety stock.",
        )?);
    }
    if let Some(chart) = supplier_orders(&folder.recommendations) {
        figures.push(d.put(
            &chart,
            "supplier_orders".into(),
            "Recommended orders per supplier",
            "Value of the ORDER lines per supplier at unit cost (units when no cost is known), with the number of lines: the purchasing workload and cash going out with this run.",
        )?);
    }
    if let Some(b) = &folder.budget {
        figures.push(budget_figure(b, d)?);
    }
    Ok(figures)
}

/// The order budget's chart, its caption saying what the cut costs in service.
fn budget_figure(
    b: &crate::purchasing::budget::BudgetSummary,
    d: &mut Drawer,
) -> Result<Figure, ReportError> {
    let within = b
        .budget
        .map_or("the supplier and category budgets".into(), |v| {
            format!("the budget of {}", short(v))
        });
    let chart = BudgetChart {
        title: match b.budget {
            Some(v) => format!("Service against money (budget {})", short(v)),
            None => "Service against money (supplier and category budgets)".into(),
        },
        curve: b.curve.iter().map(|p| (p.spent, p.fill_rate)).collect(),
        budget: b.budget,
        with_cut: (b.value_kept, b.fill_rate_with_cut),
        without_cut: (b.value_wanted, b.fill_rate_without_cut),
    };
    let pct = |v: f64| format!("{:.1}%", v * 100.0);
    let unpriced = if b.unpriced_lines > 0 {
        format!(
            " {} lines without a unit cost ({} units) are kept outside the budget.",
            b.unpriced_lines,
            short(b.unpriced_units)
        )
    } else {
        String::new()
    };
    d.put(
        &chart,
        "budget".into(),
        "Order budget",
        &format!(
            "The brown curve is the expected fill rate of the {} order lines over their protection periods (analytic, from each SKU's demand and lead-time distribution) as money is spent on them in priority order, pack by pack. Within {within} the run keeps {} of {} wanted: expected fill rate {} with the cut (green dot, {} backordered units expected) against {} with every order whole (grey dot, {} units). {} lines were deferred whole and {} cut partly (DEFER rows and deferred_quantity in recommendations.csv).{unpriced}",
            b.lines,
            short(b.value_kept),
            short(b.value_wanted),
            pct(b.fill_rate_with_cut),
            short(b.backorders_with_cut),
            pct(b.fill_rate_without_cut),
            short(b.backorders_without_cut),
            b.lines_deferred,
            b.lines_cut,
        ),
    )
}

/// Per-SKU sections, in the order the pipeline ranked them (detail.json).
fn sku_figures(c: &Context<'_>, d: &mut Drawer) -> Result<Vec<SkuSection>, ReportError> {
    let folder = c.folder;
    let keys: BTreeMap<(&str, &str), usize> = folder
        .recommendations
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.sku.as_str(), r.location.as_deref().unwrap_or("")), i))
        .collect();
    let mut skus = Vec::new();
    for detail in folder.details.iter().take(c.settings.top_skus) {
        let k = (
            detail.sku.as_str(),
            detail.location.as_deref().unwrap_or(""),
        );
        let Some(&row) = keys.get(&k) else { continue };
        let key = sku_key(&detail.sku, detail.location.as_deref());
        let mut figs = Vec::new();
        figs.push(d.put_keyed(
            &ForecastChart { detail },
            ("forecast", &key),
            "Forecast",
            "Grey: actual demand; orange: what the chosen model forecast at each backtest origin (a gap between grey and orange is the error the safety stock covers); blue: the forecast with its quantile band shaded.",
        )?);
        if let Some(trajectory) = folder
            .trajectories
            .iter()
            .find(|t| t.sku == detail.sku && t.location == detail.location)
        {
            figs.push(d.put_keyed(
                &TrajectoryChart { trajectory },
                ("trajectory", &key),
                "Simulated stock",
                "One simulated year of the recommended policy: stock on hand (teal) falls with demand; when the inventory position (grey) reaches the reorder point an order is placed (triangle) and arrives after the lead time (circle). Red bars below zero are customers waiting.",
            )?);
        }
        if let (Some(sim), Some(rec)) = (&folder.simulation, c.recommended) {
            let loc = detail.location.as_deref();
            let chart = sku_tradeoff(sim, &detail.sku, loc, rec, c.baseline, folder);
            if !chart.points.is_empty() {
                figs.push(d.put_keyed(
                    &chart,
                    ("tradeoff", &key),
                    "Policy trade-off",
                    "This SKU's simulated fill rate against its total cost per year for each policy family; current in purple, recommended in green, the SKU's service target dashed.",
                )?);
            }
        }
        skus.push(SkuSection { row, figures: figs });
    }
    Ok(skus)
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
    let names: Vec<&str> = t.iter().map(|r| r.scenario.as_str()).collect();
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
    for r in t {
        let (target, d) = (r.row.target, r.row.demand_mean_per_day);
        sw += d;
        s += target * d;
        measure.clone_from(&r.row.service_measure);
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

/// A simulation.csv or simulation_portfolio.csv row's policy, cost and fill rate as a
/// trade-off point (`None` without cost or fill rate).
fn tradeoff_point(
    policy: &str,
    cost: Option<f64>,
    fill_rate: Option<f64>,
    rec: &str,
) -> Option<TradeoffPoint> {
    Some(TradeoffPoint {
        label: policy.to_string(),
        cost: cost?,
        fill_rate: fill_rate?,
        role: role_of(policy, rec),
    })
}

fn portfolio_tradeoff(
    f: &Folder,
    port: &[SimulationPortfolioRow],
    rec: &str,
    baseline: Option<&str>,
) -> TradeoffChart {
    let points = port
        .iter()
        .filter(|r| Some(r.scenario.as_str()) == baseline)
        .filter_map(|r| tradeoff_point(&r.policy, Some(r.total_cost), Some(r.fill_rate), rec))
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
    sim: &[Keyed<SimulationKpis>],
    sku: &str,
    location: Option<&str>,
    rec: &str,
    baseline: Option<&str>,
    f: &Folder,
) -> TradeoffChart {
    let points = sim
        .iter()
        .filter(|r| {
            r.sku == sku
                && r.location.as_deref() == location
                && Some(r.row.scenario.as_str()) == baseline
        })
        .filter_map(|r| tradeoff_point(&r.row.policy, r.row.total_cost, r.row.fill_rate, rec))
        .collect();
    let target = f.policy.as_ref().and_then(|t| {
        let r = t
            .iter()
            .find(|r| r.sku == sku && r.location.as_deref() == location)?;
        let v = r.row.target;
        let m = &r.row.service_measure;
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

fn backorder_distribution(
    sim: &[Keyed<SimulationKpis>],
    rec: &str,
    baseline: Option<&str>,
) -> Option<BarChart> {
    let mut series = Vec::new();
    for (policy, name, colour) in [
        ("current", "current", CURRENT),
        (rec, "recommended", RECOMMENDED),
    ] {
        let mut counts = vec![0.0; BANDS.len()];
        let mut any = false;
        for r in sim.iter().map(|r| &r.row) {
            if r.policy == policy && Some(r.scenario.as_str()) == baseline {
                if let Some(b) = r.backorder_rate {
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

fn scenario_chart(port: &[SimulationPortfolioRow], rec: &str) -> Option<PairChart> {
    let mut scenarios: Vec<String> = Vec::new();
    for r in port {
        if !scenarios.contains(&r.scenario) {
            scenarios.push(r.scenario.clone());
        }
    }
    let value = |policy: &str, scenario: &str, col: fn(&SimulationPortfolioRow) -> f64| {
        port.iter()
            .find(|r| r.policy == policy && r.scenario == scenario)
            .map(col)
    };
    let mut bo = Vec::new();
    let mut wait = Vec::new();
    for (policy, name, colour) in [
        ("current", "current", CURRENT),
        (rec, "recommended", RECOMMENDED),
    ] {
        let b: Vec<Option<f64>> = scenarios
            .iter()
            .map(|s| value(policy, s, |r| r.backorder_rate))
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
                    value(policy, s, |r| r.mean_wait_days)
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
fn lead_time_charts(
    hist: &[LeadTimeHistogramRow],
    recs: &[Keyed<RecommendationRow>],
    n: usize,
) -> Vec<(String, BarChart)> {
    let mut by: BTreeMap<String, Vec<&LeadTimeHistogramRow>> = BTreeMap::new();
    for r in hist {
        by.entry(r.supplier.clone()).or_default().push(r);
    }
    let mut value: BTreeMap<&str, f64> = BTreeMap::new();
    for r in recs.iter().map(|r| &r.row) {
        if r.action == "ORDER" {
            *value
                .entry(r.supplier.as_deref().unwrap_or(""))
                .or_default() += r.order_value.unwrap_or(r.order_quantity);
        }
    }
    let rank = |s: &str, rows: &[&LeadTimeHistogramRow]| {
        let drifting = rows.first().is_some_and(|r| r.supplier_drifting);
        let receipts: f64 = rows.iter().map(|r| r.receipts as f64).sum();
        (drifting, value.get(s).copied().unwrap_or(0.0), receipts)
    };
    let mut order: Vec<(String, Vec<&LeadTimeHistogramRow>)> = by.into_iter().collect();
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
                .map(|r| (r.lead_time_days, r.receipts as f64))
                .collect();
            let lo = days.iter().map(|d| d.0).min()?;
            let hi = days.iter().map(|d| d.0).max()?;
            let mut values = vec![0.0; (hi - lo + 1) as usize];
            for (d, n) in &days {
                values[(d - lo) as usize] += n;
            }
            let first = rows[0];
            let (p50, p90, drifting) = (first.p50_days, first.p90_days, first.supplier_drifting);
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

fn class_chart(t: &[Keyed<ClassRow>]) -> ClassChart {
    let mut matrix = [[0usize; 3]; 3];
    let mut classes: BTreeMap<String, usize> = BTreeMap::new();
    for r in t.iter().map(|r| &r.row) {
        let a = match r.abc.as_str() {
            "A" => Some(0),
            "B" => Some(1),
            "C" => Some(2),
            _ => None,
        };
        let x = match r.xyz.as_str() {
            "X" => Some(0),
            "Y" => Some(1),
            "Z" => Some(2),
            _ => None,
        };
        if let (Some(a), Some(x)) = (a, x) {
            matrix[a][x] += 1;
        }
        *classes.entry(r.class.clone()).or_default() += 1;
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

fn supplier_orders(t: &[Keyed<RecommendationRow>]) -> Option<BarChart> {
    let mut by: BTreeMap<String, (f64, f64, usize)> = BTreeMap::new();
    for r in t.iter().map(|r| &r.row) {
        if r.action != "ORDER" {
            continue;
        }
        let e = by
            .entry(r.supplier.clone().unwrap_or_default())
            .or_default();
        e.0 += r.order_value.unwrap_or(0.0);
        e.1 += r.order_quantity;
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
    let get = |policy: &str, col: fn(&SimulationPortfolioRow) -> f64| {
        port.iter()
            .find(|r| r.policy == policy && Some(r.scenario.as_str()) == baseline)
            .map(col)
    };
    type Column = fn(&SimulationPortfolioRow) -> f64;
    let rows: [(&str, Column, bool, bool); 7] = [
        ("Fill rate", |r| r.fill_rate, false, true),
        ("Backorder rate", |r| r.backorder_rate, true, true),
        ("Cancellation rate", |r| r.cancellation_rate, true, true),
        (
            "Cycle service level",
            |r| r.cycle_service_level,
            false,
            true,
        ),
        (
            "Mean wait of a backordered unit (days)",
            |r| r.mean_wait_days,
            true,
            false,
        ),
        (
            "Inventory value (mean, at unit cost)",
            |r| r.inventory_value,
            true,
            false,
        ),
        ("Total cost per year", |r| r.total_cost, true, false),
    ];
    rows.into_iter()
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
    let mut out = vec![
        stockouts(&f.recommendations),
        exception(
            "Suppliers with lead-time drift",
            "Their recent lead times (median of the last 90 days) sit above the 90th percentile of their history: the learned lead times understate what to expect now. Talk to the supplier, or shorten the lead-time window ([lead_time] window_days).",
            &["Supplier", "Lead-time p50 (days, whole history)", "p90 (days)"],
            json_drift(f),
        ),
        long_backorders(f, settings),
    ];
    if let Some(e) = long_simulated_waits(f, settings) {
        out.push(e);
    }
    let t = &f.recommendations;
    let review: Vec<Vec<String>> = t
        .iter()
        .filter(|r| r.row.action == "REVIEW")
        .map(|r| vec![r.sku.clone(), supplier(r), r.row.reason.clone()])
        .collect();
    out.push(exception(
        "Flagged for review",
        "The numbers for these SKUs rest on thin data (short history, default lead time, no inventory record, a policy that failed): check them before ordering.",
        &["SKU", "Supplier", "Why"],
        review,
    ));
    let steered: Vec<Vec<String>> = t
        .iter()
        .filter(|r| !r.row.overrides.is_empty())
        .map(|r| vec![r.sku.clone(), r.row.action.clone(), r.row.overrides.clone()])
        .collect();
    out.push(exception(
        "Planner overrides, coverage rules, events and new-item forecasts in effect",
        "What the overrides file, coverage rules, known events and analogue forecasts changed for these SKUs, with the computed value each replaced. Check they still hold; HOLD rows order nothing whatever the numbers say.",
        &["SKU", "Action", "What was changed"],
        steered,
    ));
    out
}

/// The supplier cell of a recommendation (empty without one).
fn supplier(r: &Keyed<RecommendationRow>) -> String {
    r.row.supplier.clone().unwrap_or_default()
}

/// Text of an optional date (empty when `None`).
fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// The earlier of two optional dates (the one given when only one is).
fn earliest(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Stockouts projected before the first arrival, most value at risk first.
fn stockouts(t: &[Keyed<RecommendationRow>]) -> Exception {
    let money = |r: &RecommendationRow| {
        r.value_at_risk
            .map(|v| html::num(v, 0))
            .unwrap_or_else(|| format!("{} units", html::num(r.units_at_risk, 0)))
    };
    let risk = |r: &RecommendationRow| r.value_at_risk.unwrap_or(r.units_at_risk);
    let first_arrival = |r: &RecommendationRow| earliest(r.next_arrival, r.expected_arrival_p50);
    let mut rows: Vec<(&Keyed<RecommendationRow>, f64)> = t
        .iter()
        .filter(
            |r| match (r.row.projected_stockout, first_arrival(&r.row)) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(so), Some(first)) => so < first,
            },
        )
        .map(|r| (r, risk(&r.row)))
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    exception(
        "Stockout before the next arrival",
        "Stock is projected to run out before the first open order arrives, or before an order placed on its order-by date would arrive at the median lead time: customers will wait. Expedite, order now, or move stock between locations.",
        &["SKU", "Supplier", "Action", "Projected stockout", "First arrival", "Value at risk"],
        rows.iter()
            .map(|(r, _)| {
                vec![
                    r.sku.clone(),
                    supplier(r),
                    r.row.action.clone(),
                    date_text(r.row.projected_stockout),
                    date_text(first_arrival(&r.row)),
                    money(&r.row),
                ]
            })
            .collect(),
    )
}

/// Customer units already waiting (inventory snapshot) whose fill date is far off or unknown.
fn long_backorders(f: &Folder, settings: &ReportSettings) -> Exception {
    let planning = f
        .plan
        .as_ref()
        .and_then(|p| p.get("planning_date"))
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<NaiveDate>().ok());
    let mut waits: Vec<(Vec<String>, f64)> = f
        .recommendations
        .iter()
        .filter(|r| r.row.backordered > 0.0)
        .filter_map(|r| {
            let fill = r.row.backorder_fill_date;
            let days = match (fill, planning) {
                (Some(d), Some(p)) => Some((d - p).num_days() as f64),
                _ => None,
            };
            if days.is_some_and(|d| d <= settings.long_wait_days) {
                return None;
            }
            Some((
                vec![
                    r.sku.clone(),
                    supplier(r),
                    html::num(r.row.backordered, 0),
                    fill.map_or("no arrival covers them".into(), |d| d.to_string()),
                    days.map_or("—".into(), |d| html::num(d, 0)),
                ],
                days.unwrap_or(f64::INFINITY),
            ))
        })
        .collect();
    waits.sort_by(|a, b| b.1.total_cmp(&a.1));
    exception(
        &format!("Backorders waiting more than {} days", settings.long_wait_days),
        "Customer units already waiting (inventory snapshot) whose expected fill date is far off or unknown: the longer they wait, the more of them cancel.",
        &["SKU", "Supplier", "Backordered", "Expected fill", "Days from planning date"],
        waits.into_iter().map(|w| w.0).collect(),
    )
}

/// Simulated long waits under the recommended policy (`None` without simulation).
fn long_simulated_waits(f: &Folder, settings: &ReportSettings) -> Option<Exception> {
    let (Some(sim), Some(rec)) = (&f.simulation, f.recommended_policy()) else {
        return None;
    };
    let base = baseline_scenario(f);
    let mut rows: Vec<(Vec<String>, f64)> = sim
        .iter()
        .filter(|r| r.row.policy == rec && Some(&r.row.scenario) == base.as_ref())
        .filter_map(|r| {
            let p95 = r.row.p95_wait_days?;
            (p95 > settings.long_wait_days).then(|| {
                (
                    vec![
                        r.sku.clone(),
                        html::num(r.row.backorder_rate.unwrap_or(0.0) * 100.0, 1),
                        html::num(r.row.mean_wait_days.unwrap_or(f64::NAN), 1),
                        html::num(p95, 1),
                    ],
                    p95,
                )
            })
        })
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    Some(exception(
        "Long simulated waits under the recommended policy",
        "SKUs whose backordered units would wait longer than the threshold in 1 case of 20 (p95) even with the recommended policy, in the baseline scenario: usually long or erratic lead times. Consider a higher target or a faster supplier.",
        &["SKU", "Backorder rate (%)", "Mean wait (days)", "p95 wait (days)"],
        rows.into_iter().map(|w| w.0).collect(),
    ))
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
    let pct = |supplier: &str, col: fn(&LeadTimeHistogramRow) -> f64| {
        f.lead_time_histogram
            .as_ref()
            .and_then(|t| t.iter().find(|r| r.supplier == supplier).map(col))
            .map(|v| html::num(v, 1))
            .unwrap_or_default()
    };
    list.iter()
        .filter_map(|v| v.as_str())
        .map(|s| {
            vec![
                s.to_string(),
                pct(s, |r| r.p50_days),
                pct(s, |r| r.p90_days),
            ]
        })
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
    fn long_odd_and_case_clashing_keys_get_short_unique_stems() {
        // Plain keys up to 64 bytes stay as they are.
        let k64 = "K".repeat(64);
        assert_eq!(stem("forecast", &k64), format!("forecast_{k64}"));
        // Longer ones: the first 64 characters and a hash; two that share the start differ.
        let (a, b) = ("S".repeat(300), format!("{}T", "S".repeat(299)));
        let (sa, sb) = (stem("trajectory", &a), stem("trajectory", &b));
        assert_ne!(sa, sb);
        assert_eq!(sa.len(), "trajectory_".len() + 64 + 9, "{sa}");
        assert!(sa.starts_with(&format!("trajectory_{}-", "S".repeat(64))));
        // Unsafe characters, unicode, leading dots and spaces at the ends.
        for key in [
            "a:b", "Ä-ü", ".hidden", " pad ", "tab\t", "x\\y", "q?*\"<>|",
        ] {
            let s = stem("forecast", key);
            assert!(
                s.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-'),
                "{s}"
            );
            assert!(s.len() <= 100);
        }
        assert_eq!(stem("forecast", "Ä-ü").len(), "forecast_".len() + 3 + 9);
        // Keys equal but for case: each gets its own hash.
        let clashes = case_clashes(["ab-1", "AB-1", "CD"].into_iter());
        assert_eq!(clashes.iter().collect::<Vec<_>>(), ["AB-1", "ab-1"]);
        let (x, y) = (
            stem_of("forecast", "ab-1", true),
            stem_of("forecast", "AB-1", true),
        );
        assert_ne!(x.to_lowercase(), y.to_lowercase());
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
