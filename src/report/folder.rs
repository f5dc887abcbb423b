//! Reading an output folder back for the report: the CSV outputs as header-indexed text
//! tables, and the JSON side files.
//!
//! Only `recommendations.csv` is required; every other file is optional and its section of the
//! report says what is missing and which command writes it.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use serde::de::DeserializeOwned;

use super::ReportError;
pub use crate::io::text_table::Table;
use crate::plan::detail::SkuDetail;
use crate::sim::trace::Trajectory;

/// Everything the report reads from an output folder.
#[derive(Debug, Default)]
pub struct Folder {
    /// The folder.
    pub dir: PathBuf,
    /// `recommendations.csv` (required).
    pub recommendations: Table,
    /// `policy.csv`.
    pub policy: Option<Table>,
    /// `classes.csv`.
    pub classes: Option<Table>,
    /// `lead_times.csv`.
    pub lead_times: Option<Table>,
    /// `lead_time_histogram.csv`.
    pub lead_time_histogram: Option<Table>,
    /// `simulation.csv`.
    pub simulation: Option<Table>,
    /// `simulation_portfolio.csv`.
    pub portfolio: Option<Table>,
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
}

fn optional_table(dir: &Path, name: &str) -> Result<Option<Table>, ReportError> {
    let path = dir.join(name);
    if path.exists() {
        read_table(&path).map(Some)
    } else {
        Ok(None)
    }
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
        Ok(Folder {
            dir: dir.to_path_buf(),
            recommendations: read_table(&recs)?,
            policy: optional_table(dir, "policy.csv")?,
            classes: optional_table(dir, "classes.csv")?,
            lead_times: optional_table(dir, "lead_times.csv")?,
            lead_time_histogram: optional_table(dir, "lead_time_histogram.csv")?,
            simulation: optional_table(dir, "simulation.csv")?,
            portfolio: optional_table(dir, "simulation_portfolio.csv")?,
            rejects: optional_table(dir, "rejects.csv")?.map(|t| t.rows.len()),
            details: optional_json(dir, "detail.json")?.unwrap_or_default(),
            trajectories: optional_json(dir, "trajectories.json")?.unwrap_or_default(),
            plan: optional_json(dir, "plan.json")?,
            validation: optional_json(dir, "validation.json")?,
            run: optional_json(dir, "run.json")?,
        })
    }

    /// The recommended policy family: the one most SKUs in `policy.csv` use.
    pub fn recommended_policy(&self) -> Option<String> {
        let t = self.policy.as_ref()?;
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for r in &t.rows {
            let p = t.text(r, "policy");
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

/// Reads an output CSV as a text table, a failure named by file (and line).
fn read_table(path: &Path) -> Result<Table, ReportError> {
    Table::read(path).map_err(|message| ReportError::Read {
        path: path.to_path_buf(),
        message,
    })
}
