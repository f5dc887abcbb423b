//! The whole batch job behind `replenish run`: load and validate → forecast → lead times →
//! policy → recommendations → simulation (policies × scenarios, simulation-optimised levels,
//! trajectories for the report) → run.json → charts and report.html, into one output folder.
//!
//! Each file is written atomically. Not responsible for argument parsing or printing.

use std::{collections::BTreeMap, io::Read, path::Path, time::Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{
    config::Config,
    io::{atomic::write_atomic, LoadError},
    plan::{
        output::{write_plan_outputs, PlanSummary},
        plan,
    },
    report::{self, detail::top_by_risk, detail::write_json, ReportOutcome},
    sim::{
        output::{write_optimised, write_portfolio, write_simulation},
        run::{optimise_catalogue, portfolio, simulate_catalogue, trajectories, PortfolioRow},
    },
    validate::load_and_validate,
};

/// What to run besides the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Simulate policies and scenarios (simulation.csv, simulation_portfolio.csv,
    /// optimised.csv when `[simulation] optimise`, trajectories.json).
    pub simulate: bool,
    /// Write charts/ and report.html.
    pub report: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            simulate: true,
            report: true,
        }
    }
}

/// One input file in the manifest.
#[derive(Debug, Clone, Serialize, PartialEq)]
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
#[derive(Debug, Clone, Serialize)]
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
    /// SKUs per action.
    pub actions: BTreeMap<String, usize>,
    /// SKUs whose policy could not be computed.
    pub policy_errors: usize,
    /// Whether the run simulated.
    pub simulated: bool,
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
    /// The report, when written.
    pub report: Option<ReportOutcome>,
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
/// Input problems ([`crate::Error::Load`]), write failures, or a report failure.
pub fn run(config: &Config, out: &Path, options: RunOptions) -> crate::Result<RunOutcome> {
    let mut timings: Vec<(String, f64)> = Vec::new();
    let clock = Instant::now();
    let loaded = load_and_validate(config, out)?;
    timings.push(("load and validate".into(), clock.elapsed().as_secs_f64()));

    let planned = plan(config, &loaded);
    timings.extend(planned.timings.iter().cloned());
    let clock = Instant::now();
    let summary = write_plan_outputs(out, &loaded, &planned, config.report.top_skus)?;
    timings.push(("write plan outputs".into(), clock.elapsed().as_secs_f64()));

    let sim = &config.simulation;
    let mut roll = Vec::new();
    if options.simulate {
        let run = simulate_catalogue(&planned.plans, &loaded.series, sim, &config.policy);
        timings.push(("design policies".into(), run.design_secs));
        timings.push(("simulate".into(), run.simulate_secs));
        roll = portfolio(&run.rows);
        write_simulation(&out.join("simulation.csv"), &run.rows, sim.customer)?;
        write_portfolio(&out.join("simulation_portfolio.csv"), &roll)?;
        if sim.optimise {
            let clock = Instant::now();
            let rows = optimise_catalogue(&planned.plans, &run.designs, &loaded.series, sim);
            write_optimised(&out.join("optimised.csv"), &rows)?;
            timings.push(("optimise".into(), clock.elapsed().as_secs_f64()));
        }
        let clock = Instant::now();
        let index: BTreeMap<(&str, Option<&str>), usize> = planned
            .plans
            .iter()
            .enumerate()
            .map(|(i, p)| ((p.sku.as_str(), p.location.as_deref()), i))
            .collect();
        let chosen: Vec<usize> = top_by_risk(&planned.recommendations, config.report.top_skus)
            .into_iter()
            .filter_map(|i| {
                let r = &planned.recommendations[i];
                index.get(&(r.sku.as_str(), r.location.as_deref())).copied()
            })
            .collect();
        let traj = trajectories(&planned.plans, &chosen, &loaded.series, sim);
        write_json(&out.join("trajectories.json"), &traj)?;
        timings.push(("trajectories".into(), clock.elapsed().as_secs_f64()));
    }

    let mut inputs = Vec::new();
    for f in &loaded.report.files {
        let path = std::path::PathBuf::from(&f.path);
        let sha256 = sha256_of(&path).map_err(|source| LoadError::Write {
            path: path.clone(),
            source,
        })?;
        inputs.push(InputRecord {
            input: f.input.name().to_string(),
            path: f.path.clone(),
            rows_read: f.stats.rows_read,
            rows_rejected: f.stats.rows_rejected,
            sha256,
        });
    }
    let seeds = BTreeMap::from([
        ("policy".to_string(), config.policy.seed),
        ("simulation".to_string(), sim.seed),
    ]);
    let manifest = Manifest {
        version: env!("CARGO_PKG_VERSION").to_string(),
        config: config.clone(),
        inputs,
        seeds,
        rejected_rows: loaded.rejects.len(),
        actions: summary.actions.clone(),
        policy_errors: summary.policy_errors,
        simulated: options.simulate,
    };
    let json = serde_json::to_string_pretty(&manifest).expect("manifest serialises");
    write_atomic(&out.join("run.json"), |w| w.write_all(json.as_bytes()))?;

    let report = if options.report {
        let clock = Instant::now();
        let r = report::render(out, &config.report)?;
        timings.push(("report".into(), clock.elapsed().as_secs_f64()));
        Some(r)
    } else {
        None
    };
    // Wall times differ between runs: kept out of run.json so that every other output is
    // byte-identical on a re-run.
    let json = serde_json::to_string_pretty(&timings).expect("timings serialise");
    write_atomic(&out.join("timings.json"), |w| w.write_all(json.as_bytes()))?;
    Ok(RunOutcome {
        recommended_policy: config.policy.policy.name().to_string(),
        summary,
        portfolio: roll,
        timings,
        rejected_rows: loaded.rejects.len(),
        report,
    })
}
