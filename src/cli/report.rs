//! `replenish report --from DIR`: re-render charts/ and report.html from an output folder,
//! with other report settings, without re-running the pipeline.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use clap::Args;
use replenish::{
    config::{Config, ConfigPatch, ReportSettings},
    report::render,
};

use super::Global;

/// Arguments of `replenish report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output folder of `replenish run` or `replenish plan` (holds recommendations.csv).
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// TOML config whose `[report]` section to use (default: the folder's run.json settings,
    /// else the defaults).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// SKUs with their own section (overrides `[report] top_skus`).
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Chart width in pixels (overrides `[report] width`).
    #[arg(long, value_name = "PX")]
    pub width: Option<u32>,
    /// Chart height in pixels (overrides `[report] height`).
    #[arg(long, value_name = "PX")]
    pub height: Option<u32>,
    /// Recommendation rows per page (overrides `[report] page_size`).
    #[arg(long, value_name = "N")]
    pub page_size: Option<usize>,
    /// Table rows written as plain HTML for readers without JavaScript (overrides
    /// `[report] static_rows`).
    #[arg(long, value_name = "N")]
    pub static_rows: Option<usize>,
    /// Backorder wait in days above which a SKU is an exception (overrides
    /// `[report] long_wait_days`).
    #[arg(long, value_name = "DAYS")]
    pub long_wait_days: Option<f64>,
}

/// The `[report]` settings recorded in the folder's run.json, if any.
fn settings_of_folder(dir: &std::path::Path) -> Option<ReportSettings> {
    let text = std::fs::read_to_string(dir.join("run.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    serde_json::from_value(v.get("config")?.get("report")?.clone()).ok()
}

impl ReportArgs {
    /// The `[report]` settings these flags override.
    fn patch(&self) -> ConfigPatch {
        ConfigPatch {
            top_skus: self.top,
            chart_width: self.width,
            chart_height: self.height,
            page_size: self.page_size,
            static_rows: self.static_rows,
            long_wait_days: self.long_wait_days,
            ..ConfigPatch::default()
        }
    }
}

/// Renders the report.
///
/// # Errors
/// Not an output folder, unreadable files, invalid settings, or write failures.
pub fn run(args: &ReportArgs, global: &Global) -> Result<ExitCode> {
    let settings = match &args.config {
        Some(p) => Config::from_file(p)?.report,
        None => settings_of_folder(&args.from).unwrap_or_default(),
    }
    .patched(&args.patch())?;
    let out = render(&args.from, &settings)
        .with_context(|| format!("rendering the report of {}", args.from.display()))?;
    if !global.quiet {
        outln!(
            "wrote {} ({} charts, {} SKU sections, {:.1} MB) in {:.1} s",
            out.html.display(),
            out.charts,
            out.sku_sections,
            out.bytes as f64 / 1e6,
            out.seconds
        );
    }
    Ok(ExitCode::SUCCESS)
}
