//! `replenish generate`: a deterministic synthetic store that looks like real retail data.
//!
//! Writes the four inputs (`sales.csv` or `sales.parquet`, `purchase_orders.csv`,
//! `inventory.csv`, `items.csv`) and a `plan.toml` that points at them. The generating model is
//! documented in [`model`] and in README. Same parameters and seed give byte-identical files at
//! any thread count: every SKU and supplier draws from its own random stream, SKUs are
//! processed in blocks in parallel and written in SKU order.
//!
//! Two layouts of the sales file:
//! - sparse (default): one row per sale day, like a transaction export — days with sales,
//!   promotions or stockouts; with a `price` column, some days split over two rows (summed on
//!   load) and return rows with negative quantities;
//! - dense (`--dense`): one row for every SKU and day, zeros included, as in the M5 data set
//!   (30,490 SKUs × 1,941 days ≈ 59 million rows).

pub mod model;
mod write;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::io::{table::Format, LoadError};
use model::{Pattern, Sku, Supplier};

/// Errors from generating data.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// Invalid generator parameters.
    #[error("invalid generator setting {name}: {message}")]
    Invalid {
        /// The parameter.
        name: &'static str,
        /// What was expected and what was found.
        message: String,
    },
    /// Writing an output file failed.
    #[error(transparent)]
    Write(#[from] LoadError),
    /// polars failed to write Parquet.
    #[error("writing {path}: {message}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// What polars reported.
        message: String,
    },
}

/// Parameters of a generated data set.
///
/// | name | default | meaning | range |
/// |---|---|---|---|
/// | `skus` | 300 | number of SKUs | 1 – 10,000,000 |
/// | `days` | 1095 | days of history | 28 – 20,000 |
/// | `seed` | 42 | random seed | any u64 |
/// | `start` | 2023-01-02 | first history day (a Monday) | any date |
/// | `dense` | false | one sales row per SKU and day, zeros included | |
/// | `format` | CSV | format of the sales file | CSV or Parquet |
/// | `truth` | false | also write `demand_truth.csv` (`date, sku, demand`: what customers wanted, before stockouts censored it; days without demand left out) | |
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateParams {
    /// Number of SKUs.
    pub skus: usize,
    /// Days of history.
    pub days: usize,
    /// Random seed.
    pub seed: u64,
    /// First history day; the planning date is `start + days`.
    pub start: NaiveDate,
    /// Write every SKU-day (M5 layout) instead of sale days only.
    pub dense: bool,
    /// Sales file format.
    pub format: Format,
    /// Also write the uncensored demand (`demand_truth.csv`), for measuring forecast bias.
    pub truth: bool,
}

impl Default for GenerateParams {
    fn default() -> Self {
        Self {
            skus: 300,
            days: 1095,
            seed: 42,
            start: NaiveDate::from_ymd_opt(2023, 1, 2).expect("valid date"),
            dense: false,
            format: Format::Csv,
            truth: false,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct GenerateSummary {
    /// SKUs.
    pub skus: usize,
    /// Suppliers.
    pub suppliers: usize,
    /// Rows in the sales file.
    pub sales_rows: u64,
    /// Purchase-order lines.
    pub po_lines: u64,
    /// Of which still open.
    pub open_orders: u64,
    /// SKUs with customers waiting at the end.
    pub skus_on_backorder: usize,
    /// SKUs per generating pattern: smooth, erratic, intermittent, lumpy.
    pub patterns: [usize; 4],
    /// Days flagged as stockouts.
    pub stockout_days: u64,
    /// The planning date (day after the history).
    pub planning_date: NaiveDate,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// SKUs simulated and formatted together (bounded memory at any catalogue size).
const BLOCK: usize = 1024;

/// Generates a data set into `out`.
///
/// # Errors
/// [`GenerateError::Invalid`] for parameters out of range; write errors. Files are written
/// atomically: on error, no file of the set is replaced.
pub fn generate(params: &GenerateParams, out: &Path) -> Result<GenerateSummary, GenerateError> {
    if !(1..=10_000_000).contains(&params.skus) {
        return Err(GenerateError::Invalid {
            name: "skus",
            message: format!("should be between 1 and 10,000,000, but is {}", params.skus),
        });
    }
    if !(28..=20_000).contains(&params.days) {
        return Err(GenerateError::Invalid {
            name: "days",
            message: format!("should be between 28 and 20,000, but is {}", params.days),
        });
    }
    let n_suppliers = (params.skus / 60).clamp(3, 200);
    let suppliers: Vec<Supplier> = (0..n_suppliers)
        .map(|i| Supplier::draw(params.seed, i, params.days))
        .collect();
    let skus: Vec<Sku> = (0..params.skus)
        .into_par_iter()
        .map(|i| Sku::draw(params.seed, i, params.days, n_suppliers))
        .collect();

    let mut writers = write::Writers::create(out, params)?;
    let mut summary = GenerateSummary {
        skus: params.skus,
        suppliers: n_suppliers,
        planning_date: params.start + chrono::Days::new(params.days as u64),
        ..GenerateSummary::default()
    };
    for (b, block) in skus.chunks(BLOCK).enumerate() {
        let histories: Vec<model::History> = block
            .par_iter()
            .enumerate()
            .map(|(j, sku)| {
                model::simulate(
                    sku,
                    &suppliers[sku.supplier],
                    params.seed,
                    b * BLOCK + j,
                    params.start,
                    params.days,
                )
            })
            .collect();
        writers.write_block(b * BLOCK, block, &histories, &suppliers, &mut summary)?;
    }
    for sku in &skus {
        let k = match sku.pattern {
            Pattern::Smooth => 0,
            Pattern::Erratic => 1,
            Pattern::Intermittent => 2,
            Pattern::Lumpy => 3,
        };
        summary.patterns[k] += 1;
    }
    writers.write_items(&skus, &suppliers, params.seed)?;
    // SUP002 (index 1) carries the generated plan.toml's minimum order.
    let sup002_used = skus.iter().any(|s| s.supplier == 1);
    summary.files = writers.commit(out, params, sup002_used)?;
    Ok(summary)
}
