//! `replenish generate`: write a realistic synthetic data set.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Result;
use clap::{Args, ValueEnum};
use replenish::{
    generate::{generate, GenerateParams},
    io::table::Format,
};

use super::Global;

/// Sales file format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Comma-separated values.
    Csv,
    /// Apache Parquet.
    Parquet,
}

/// Arguments of `replenish generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of SKUs.
    #[arg(long, default_value_t = 300)]
    pub skus: usize,
    /// Days of daily history.
    #[arg(long, default_value_t = 1095)]
    pub days: usize,
    /// Random seed: same seed, same files, at any thread count.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// First day of the history (YYYY-MM-DD).
    #[arg(long, default_value = "2023-01-02")]
    pub start: chrono::NaiveDate,
    /// One sales row for every SKU and day, zeros included (M5 layout), instead of sale days only.
    #[arg(long)]
    pub dense: bool,
    /// Format of the sales file (the other files are always CSV).
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FormatArg,
    /// Also write demand_truth.csv: what customers wanted each day before stockouts censored
    /// the sales (for measuring forecast bias; not an input of any command).
    #[arg(long)]
    pub truth: bool,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Generates the data set and prints what was written.
///
/// # Errors
/// Invalid parameters or write failures.
pub fn run(args: &GenerateArgs, global: &Global) -> Result<ExitCode> {
    let params = GenerateParams {
        skus: args.skus,
        days: args.days,
        seed: args.seed,
        start: args.start,
        dense: args.dense,
        format: match args.format {
            FormatArg::Csv => Format::Csv,
            FormatArg::Parquet => Format::Parquet,
        },
        truth: args.truth,
    };
    let s = generate(&params, &args.out)?;
    if !global.quiet {
        outln!(
            "generated {} SKUs ({} smooth, {} erratic, {} intermittent, {} lumpy), {} suppliers",
            s.skus,
            s.patterns[0],
            s.patterns[1],
            s.patterns[2],
            s.patterns[3],
            s.suppliers
        );
        outln!(
            "{} sales rows, {} stockout days; {} purchase-order lines ({} open); {} SKUs on backorder",
            s.sales_rows, s.stockout_days, s.po_lines, s.open_orders, s.skus_on_backorder
        );
        outln!("planning date {}; files:", s.planning_date);
        for f in &s.files {
            outln!("  {}", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
