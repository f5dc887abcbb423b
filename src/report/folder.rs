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

use super::{detail::SkuDetail, ReportError};
use crate::sim::trace::Trajectory;

/// A CSV file as text cells, with a column index.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column names.
    pub headers: Vec<String>,
    /// Rows of cells (as many as headers).
    pub rows: Vec<Vec<String>>,
    index: HashMap<String, usize>,
}

impl Table {
    /// Reads a CSV file.
    ///
    /// # Errors
    /// [`ReportError::Read`] naming the file (and line for a malformed row).
    pub fn read(path: &Path) -> Result<Self, ReportError> {
        let err = |message: String| ReportError::Read {
            path: path.to_path_buf(),
            message,
        };
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(path)
            .map_err(|x| err(x.to_string()))?;
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|x| err(x.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|x| err(x.to_string()))?;
            rows.push(rec.iter().map(str::to_string).collect());
        }
        let index = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i))
            .collect();
        Ok(Table {
            headers,
            rows,
            index,
        })
    }

    /// Column position.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Text of a cell (empty when the column is absent).
    pub fn text<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        self.col(name).map_or("", |i| row[i].as_str())
    }

    /// Number in a cell (`None` when empty, absent or not a number).
    pub fn num(&self, row: &[String], name: &str) -> Option<f64> {
        self.text(row, name).parse().ok()
    }
}

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
        Table::read(&path).map(Some)
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
            recommendations: Table::read(&recs)?,
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
