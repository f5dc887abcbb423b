//! Reading an output folder back for the report: the CSV outputs deserialized into the row
//! structs that wrote them ([`RecommendationRow`], [`PolicyRow`], …), and the JSON side files.
//! The report's recommendations table shows `recommendations.csv`'s columns as written: the
//! typed rows serialised again ([`Table::of_rows`]; numbers read back and written again keep
//! their text).
//!
//! Only `recommendations.csv` is required; every other file is optional and its section of the
//! report says what is missing and which command writes it.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use serde::{de::DeserializeOwned, Deserialize};

use super::ReportError;
use crate::changes::{ChangeRow, CHANGES_CSV};
use crate::forecast::output::ClassRow;
pub use crate::io::text_table::Table;
use crate::io::{
    cells::{read_keyed, read_keyed_file, read_rows, Key, Keyed},
    rejects::Reject,
};
use crate::plan::detail::SkuDetail;
use crate::plan::output::{LeadTimeHistogramRow, LeadTimeRow, PolicyRow, RecommendationRow};
use crate::realised::{RealisedRow, REALISED_CSV};
use crate::sim::trace::Trajectory;
use crate::simulate::output::SimulationPortfolioRow;

/// The columns of a `simulation.csv` row the report reads: two of the fixed ones
/// ([`crate::simulate::output::SimulationRow`]) and the KPIs it charts, which the writer
/// names from [`crate::sim::kpi::KPI_NAMES`] (`None` when absent).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SimulationKpis {
    /// Policy family.
    pub policy: String,
    /// Scenario.
    pub scenario: String,
    /// Simulated fill rate.
    pub fill_rate: Option<f64>,
    /// Simulated backorder rate.
    pub backorder_rate: Option<f64>,
    /// Mean wait of a backordered unit, days.
    pub mean_wait_days: Option<f64>,
    /// 95th percentile of the wait, days.
    pub p95_wait_days: Option<f64>,
    /// Total cost per year.
    pub total_cost: Option<f64>,
}

/// Everything the report reads from an output folder.
#[derive(Debug, Default)]
pub struct Folder {
    /// The folder.
    pub dir: PathBuf,
    /// `recommendations.csv` (required), most urgent first.
    pub recommendations: Vec<Keyed<RecommendationRow>>,
    /// `recommendations.csv`'s columns and the rows' cells, for the report's table.
    pub recommendation_cells: Table,
    /// `policy.csv`.
    pub policy: Option<Vec<Keyed<PolicyRow>>>,
    /// `classes.csv`.
    pub classes: Option<Vec<Keyed<ClassRow>>>,
    /// `lead_times.csv`.
    pub lead_times: Option<Vec<Keyed<LeadTimeRow>>>,
    /// `lead_time_histogram.csv`.
    pub lead_time_histogram: Option<Vec<LeadTimeHistogramRow>>,
    /// `simulation.csv` (the columns the report reads).
    pub simulation: Option<Vec<Keyed<SimulationKpis>>>,
    /// `simulation_portfolio.csv`.
    pub portfolio: Option<Vec<SimulationPortfolioRow>>,
    /// `rejects.csv` (data rows).
    pub rejects: Option<usize>,
    /// `detail.json`.
    pub details: Vec<SkuDetail>,
    /// `trajectories.json`.
    pub trajectories: Vec<Trajectory>,
    /// `plan.json`.
    pub plan: Option<serde_json::Value>,
    /// `validation.json`.
    pub validation: Option<serde_json::Value>,
    /// `run.json`.
    pub run: Option<serde_json::Value>,
    /// `changes.csv` (only when the folder held an earlier run to compare with).
    pub changes: Option<Vec<Keyed<ChangeRow>>>,
    /// `realised.csv` (only when the run compared with an earlier one).
    pub realised: Option<Vec<Keyed<RealisedRow>>>,
    /// `supplier_choice.csv` (runs with a suppliers file).
    pub supplier_choice: Option<Vec<Keyed<crate::plan::output::SupplierChoiceRow>>>,
    /// `budget.json` (runs with an order budget).
    pub budget: Option<crate::purchasing::budget::BudgetSummary>,
    /// `supplier_orders.csv`.
    pub supplier_orders: Option<Vec<crate::purchasing::container::SupplierOrderRow>>,
}

/// Reads `name` in `dir` with `read` when it exists.
fn optional<T>(
    dir: &Path,
    name: &str,
    read: fn(&Path) -> Result<T, String>,
) -> Result<Option<T>, ReportError> {
    let path = dir.join(name);
    if path.exists() {
        named(&path, read(&path)).map(Some)
    } else {
        Ok(None)
    }
}

/// A read failure named by file.
fn named<T>(path: &Path, r: Result<T, String>) -> Result<T, ReportError> {
    r.map_err(|message| ReportError::Read {
        path: path.to_path_buf(),
        message,
    })
}

fn optional_json<T: DeserializeOwned>(dir: &Path, name: &str) -> Result<Option<T>, ReportError> {
    let path = dir.join(name);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|x| ReportError::Read {
        path: path.clone(),
        message: x.to_string(),
    })?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|x| ReportError::Read {
            path,
            message: format!("not the JSON replenish writes: {x}"),
        })
}

impl Folder {
    /// Reads an output folder.
    ///
    /// # Errors
    /// [`ReportError::NotAnOutputFolder`] without `recommendations.csv`; [`ReportError::Read`]
    /// for an unreadable file.
    pub fn read(dir: &Path) -> Result<Self, ReportError> {
        let recs = dir.join("recommendations.csv");
        if !recs.exists() {
            return Err(ReportError::NotAnOutputFolder {
                dir: dir.to_path_buf(),
            });
        }
        let (header, recommendations) = named(&recs, read_keyed_file(&recs))?;
        let located = header.get(1).is_some_and(|h| h == "location");
        let recommendation_cells = Table::of_rows(
            header,
            recommendations.iter().map(|r: &Keyed<RecommendationRow>| {
                (Key::new(&r.sku, r.location.as_deref(), located), &r.row)
            }),
        );
        let policy = optional(dir, "policy.csv", read_keyed)?;
        let mut recommendation_cells = recommendation_cells;
        if let Some(policy) = &policy {
            join_service(&mut recommendation_cells, policy);
        }
        Ok(Folder {
            dir: dir.to_path_buf(),
            recommendations,
            recommendation_cells,
            policy,
            classes: optional(dir, "classes.csv", read_keyed)?,
            lead_times: optional(dir, "lead_times.csv", read_keyed)?,
            lead_time_histogram: optional(dir, "lead_time_histogram.csv", read_rows)?,
            simulation: optional(dir, "simulation.csv", read_keyed)?,
            portfolio: optional(dir, "simulation_portfolio.csv", read_rows)?,
            rejects: optional(dir, "rejects.csv", read_rows::<Reject>)?.map(|r| r.len()),
            details: optional_json(dir, "detail.json")?.unwrap_or_default(),
            trajectories: optional_json(dir, "trajectories.json")?.unwrap_or_default(),
            plan: optional_json(dir, "plan.json")?,
            validation: optional_json(dir, "validation.json")?,
            run: optional_json(dir, "run.json")?,
            changes: optional(dir, CHANGES_CSV, read_keyed)?,
            realised: optional(dir, REALISED_CSV, read_keyed)?,
            supplier_choice: optional(dir, "supplier_choice.csv", read_keyed)?,
            budget: optional_json(dir, "budget.json")?,
            supplier_orders: optional(dir, "supplier_orders.csv", read_rows)?,
        })
    }

    /// The recommended policy family: the one most SKUs in `policy.csv` use.
    pub fn recommended_policy(&self) -> Option<String> {
        let t = self.policy.as_ref()?;
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for r in t {
            let p = r.row.policy.as_str();
            if !p.is_empty() {
                *counts.entry(p).or_default() += 1;
            }
        }
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map(|(p, _)| p.to_string())
    }
}

/// The policy.csv columns the report's recommendations table shows beside
/// recommendations.csv's: each SKU's target, designed and simulated service (in policy.csv's
/// `service_measure`, in percent to one decimal; simulated empty where not simulated).
pub const SERVICE_COLUMNS: [&str; 3] = ["target", "designed_service", "simulated_service"];

/// Appends [`SERVICE_COLUMNS`] to the recommendations' cells, from the SKU's policy.csv row
/// (by sku and location; empty cells for a SKU policy.csv does not have).
fn join_service(cells: &mut Table, policy: &[Keyed<PolicyRow>]) {
    let by_key: HashMap<(&str, Option<&str>), &PolicyRow> = policy
        .iter()
        .map(|r| ((r.sku.as_str(), r.location.as_deref()), &r.row))
        .collect();
    let (sku, loc) = (cells.col("sku"), cells.col("location"));
    let rows: Vec<Option<&PolicyRow>> = cells
        .rows
        .iter()
        .map(|r| {
            let s = sku.map_or("", |i| r[i].as_str());
            let l = loc.map(|i| r[i].as_str()).filter(|l| !l.is_empty());
            by_key.get(&(s, l)).copied()
        })
        .collect();
    // In percent to one decimal (the table shows numbers to one decimal).
    let text =
        |v: Option<f64>| v.map_or(String::new(), |v| ((v * 1000.0).round() / 10.0).to_string());
    let column = |f: &dyn Fn(&PolicyRow) -> Option<f64>| -> Vec<String> {
        rows.iter().map(|r| text(r.and_then(f))).collect()
    };
    let targets = column(&|r| Some(r.target));
    let designed = column(&|r| r.designed_service);
    let simulated = column(&|r| r.simulated_service);
    for (name, c) in SERVICE_COLUMNS.iter().zip([targets, designed, simulated]) {
        cells.push_column(name, c);
    }
}
