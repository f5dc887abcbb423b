//! The batch job behind `replenish run`, `plan` and `simulate`: load and validate → forecast →
//! lead times → policy → recommendations → simulation (policies × scenarios,
//! simulation-optimised levels, trajectories for the report) → run.json → charts and
//! report.html, into one output folder. The stages and which command runs which are in
//! [`job`]; staging and publishing (a failed job changes nothing) in [`staging`]; combining
//! shards in [`merge`].
//!
//! # A failed run changes nothing
//! Every job writes into a staging folder and publishes it only when every stage has
//! succeeded ([`staging`]); `run` owns its folder (outputs of an earlier run that this one does
//! not write are removed), `plan` and `simulate` add their files to it.
//!
//! Not responsible for argument parsing or printing.

pub mod health;
pub mod job;
pub mod lock;
pub mod merge;
pub mod staging;

use std::{collections::BTreeMap, io::Read, path::Path};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use job::{finish, write_manifest, Job, JobOutcome, Stage};
pub use staging::{staged, Publish};

use crate::{
    config::Config, plan::output::PlanSummary, report::ReportOutcome, shard::Shard,
    simulate::PortfolioRow,
};

/// What to run besides the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Plan only this shard's SKUs and write shard-named outputs without a report (see
    /// [`crate::shard`]; `replenish merge` combines the shards).
    pub shard: Option<Shard>,
    /// Simulate policies and scenarios (simulation.csv, simulation_portfolio.csv,
    /// optimised.csv when `[simulation] optimise`, trajectories.json).
    pub simulate: bool,
    /// Write charts/ and report.html.
    pub report: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            shard: None,
            simulate: true,
            report: true,
        }
    }
}

/// One input file in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputRecord {
    /// Which input.
    pub input: String,
    /// Its path as configured.
    pub path: String,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows rejected.
    pub rows_rejected: u64,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
}

/// `run.json`: what produced this folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// replenish version.
    pub version: String,
    /// The effective configuration (every default filled in).
    pub config: Config,
    /// Inputs with row counts and content hashes.
    pub inputs: Vec<InputRecord>,
    /// Seeds of every random choice.
    pub seeds: BTreeMap<String, u64>,
    /// Rejected input rows.
    pub rejected_rows: usize,
    /// Input cells rejected while the rest of their row was used.
    #[serde(default)]
    pub cells_rejected: u64,
    /// Input values screening flagged (`anomalies.csv`).
    #[serde(default)]
    pub flagged: u64,
    /// SKUs per action.
    pub actions: BTreeMap<String, usize>,
    /// SKUs whose policy could not be computed.
    pub policy_errors: usize,
    /// Whether the run simulated.
    pub simulated: bool,
    /// The shard this run planned (only in a shard's `run.shard-K-of-N.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardRecord>,
}

/// A shard's part of its manifest.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShardRecord {
    /// This shard, from 0.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

/// What [`run`] produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// Plan summary (actions, orders per supplier).
    pub summary: PlanSummary,
    /// Portfolio KPIs per policy and scenario (empty without simulation).
    pub portfolio: Vec<PortfolioRow>,
    /// The recommended policy family.
    pub recommended_policy: String,
    /// Wall time per stage (seconds), in order (also `timings.json`, the one output that
    /// differs between identical runs).
    pub timings: Vec<(String, f64)>,
    /// Rejected input rows.
    pub rejected_rows: usize,
    /// Rejected rows and cells, flagged values, SKUs without a policy: the exit code.
    pub health: health::Health,
    /// The report, when written.
    pub report: Option<ReportOutcome>,
    /// The comparison with the folder's previous run (`None` for a shard).
    pub changes: Option<crate::changes::Comparison>,
    /// The service delivered since the earlier run (`None` for a shard).
    pub realised: Option<crate::realised::Comparison>,
}

/// SHA-256 of a file, hex.
///
/// # Errors
/// The file cannot be read.
pub fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Runs the whole pipeline into `out`.
///
/// # Errors
/// Input problems ([`crate::Error::Load`]), write failures, or a report failure; the previous
/// outputs in `out` are then untouched (see the module documentation). A shard with an order
/// budget writes its rows before the cut and its drafts (`budget_lines.shard-K-of-N.json`);
/// the budget's cut spans the catalogue, so `merge` makes it ([`merge`]).
pub fn run(config: &Config, out: &Path, options: RunOptions) -> crate::Result<RunOutcome> {
    run_with_checkpoint(config, out, options, &|_| Ok(()))
}

/// [`run`], calling `checkpoint(stage)` after each stage's outputs are staged; an error from
/// it aborts the run as a write failure would (tests use it to inject faults).
///
/// # Errors
/// As [`run`].
pub fn run_with_checkpoint(
    config: &Config,
    out: &Path,
    options: RunOptions,
    checkpoint: &dyn Fn(&str) -> std::io::Result<()>,
) -> crate::Result<RunOutcome> {
    let outcome = Job::run(config, out, options).execute_with_checkpoint(checkpoint)?;
    Ok(RunOutcome {
        summary: outcome.summary.expect("a run writes the plan's outputs"),
        portfolio: outcome.portfolio,
        recommended_policy: outcome.recommended_policy,
        timings: outcome.timings,
        rejected_rows: outcome.rejected_rows,
        health: outcome.health,
        report: outcome.report,
        changes: outcome.changes,
        realised: outcome.realised,
    })
}
