//! The whole batch job behind `replenish run`: load and validate → forecast → lead times →
//! policy → recommendations → simulation (policies × scenarios, simulation-optimised levels,
//! trajectories for the report) → run.json → charts and report.html, into one output folder.
//!
//! # A failed run changes nothing
//! Every output is first written into a staging folder inside the output folder
//! (`.staging-<pid>/`, each file atomically); only when every stage has succeeded are the files
//! moved into place (one rename each; `charts/` is swapped as a whole). A run that fails or is
//! killed leaves the previous outputs untouched — except `rejects.csv` when the run failed
//! because too many input rows were rejected: that file explains the failure, so it is
//! published. A staging folder left by a killed run is removed by the next run. Outputs an
//! earlier run wrote and this one does not (e.g. simulation.csv after `--no-simulate`) are
//! removed when this run publishes, so the folder never mixes two runs.
//!
//! Not responsible for argument parsing or printing.

pub mod merge;

use std::{collections::BTreeMap, io::Read, path::Path, time::Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    config::Config,
    io::{
        atomic::{write_atomic, write_json},
        LoadError,
    },
    plan::{
        detail::top_by_risk,
        output::{write_plan_outputs, PlanSummary},
        plan_shard,
    },
    report::{self, ReportOutcome},
    shard::Shard,
    simulate::{
        optimise_catalogue,
        output::{write_optimised, write_portfolio, write_rollup, write_simulation},
        portfolio, simulate_catalogue, trajectories, PortfolioRow,
    },
    validate::load_and_validate,
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
/// Input problems ([`crate::Error::Load`]), write failures, or a report failure; the previous
/// outputs in `out` are then untouched (see the module documentation).
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
    let write_err = |path: &Path, source: std::io::Error| LoadError::Write {
        path: path.to_path_buf(),
        source,
    };
    let staging = make_staging(out, options.shard)?;
    let result = stage_all(config, &staging, out, options, &|stage: &str| {
        checkpoint(stage).map_err(|e| write_err(&staging.join(stage), e))
    });
    match result {
        Ok(outcome) => {
            publish(&staging, out, options.shard)?;
            let _ = std::fs::remove_dir_all(&staging);
            let report = outcome.report.map(|mut r| {
                r.html = out.join("report.html");
                r
            });
            Ok(RunOutcome { report, ..outcome })
        }
        Err(e) => {
            if matches!(e, crate::Error::Load(LoadError::TooManyRejects { .. })) {
                let name = options
                    .shard
                    .map_or("rejects.csv".to_string(), |s| s.file_name("rejects.csv"));
                let _ = std::fs::rename(staging.join("rejects.csv"), out.join(name));
            }
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

/// Creates `out` and a fresh staging folder in it: `.staging-<pid>`, or for a shard
/// `.staging-shard-K-of-N` (shards of one job may share a folder from several machines, where
/// a process id says nothing; a shard's rerun replaces its own staging folder only).
pub(crate) fn make_staging(out: &Path, shard: Option<Shard>) -> crate::Result<std::path::PathBuf> {
    let write_err = |path: &Path, source: std::io::Error| LoadError::Write {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(out).map_err(|e| write_err(out, e))?;
    let staging = match shard {
        None => {
            remove_stale_staging(out);
            out.join(format!(".staging-{}", std::process::id()))
        }
        Some(s) => {
            let dir = out.join(format!(".staging-{}", s.tag()));
            let _ = std::fs::remove_dir_all(&dir);
            dir
        }
    };
    std::fs::create_dir_all(&staging).map_err(|e| write_err(&staging, e))?;
    Ok(staging)
}

/// Removes staging folders of runs on this machine that were killed (their process is gone);
/// shards' staging folders are left to their shard.
fn remove_stale_staging(out: &Path) {
    let Ok(entries) = std::fs::read_dir(out) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name
            .strip_prefix(".staging-")
            .filter(|p| !p.starts_with("shard-"))
        {
            let alive = Path::new("/proc").join(pid).exists();
            if !alive || pid == std::process::id().to_string() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Outputs a run writes only with some options (simulation, optimisation, report): removed
/// from the folder when this run did not write them, so no file of an earlier run is left
/// beside this run's outputs.
const OPTIONAL_OUTPUTS: &[&str] = &[
    "simulation.csv",
    "simulation_portfolio.csv",
    "optimised.csv",
    "trajectories.json",
    "report.html",
    "charts",
];

/// Outputs only a shard writes (inputs of `replenish merge`).
const SHARD_OUTPUTS: &[&str] = &["simulation_rollup.csv"];

/// Moves every staged file into `out` (one rename each, on the same file system), swaps
/// `charts/` as a whole, and removes optional outputs this run did not write. A shard's files
/// are renamed to their shard names ([`Shard::file_name`]) on the way.
pub(crate) fn publish(staging: &Path, out: &Path, shard: Option<Shard>) -> crate::Result<()> {
    let err = |path: &Path, source: std::io::Error| LoadError::Write {
        path: path.to_path_buf(),
        source,
    };
    let named = |name: &str| shard.map_or(name.to_string(), |s| s.file_name(name));
    for name in OPTIONAL_OUTPUTS.iter().chain(SHARD_OUTPUTS) {
        let (old, new) = (out.join(named(name)), staging.join(name));
        if !new.exists() && old.exists() {
            let removed = if old.is_dir() {
                std::fs::remove_dir_all(&old)
            } else {
                std::fs::remove_file(&old)
            };
            removed.map_err(|e| err(&old, e))?;
        }
    }
    let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(staging)
        .map_err(|e| err(staging, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    // recommendations.csv last: purchasing's import only sees it once the rest is in place.
    names.sort_by_key(|p| p.file_name().is_some_and(|n| n == "recommendations.csv"));
    for from in names {
        let Some(name) = from.file_name() else {
            continue;
        };
        let name = named(&name.to_string_lossy());
        let to = out.join(&name);
        if from.is_dir() {
            let old = out.join(format!(".old-{name}"));
            let _ = std::fs::remove_dir_all(&old);
            if to.exists() {
                std::fs::rename(&to, &old).map_err(|e| err(&to, e))?;
            }
            std::fs::rename(&from, &to).map_err(|e| err(&to, e))?;
            let _ = std::fs::remove_dir_all(&old);
        } else {
            std::fs::rename(&from, &to).map_err(|e| err(&to, e))?;
        }
    }
    Ok(())
}

fn stage_all(
    config: &Config,
    out: &Path,
    published: &Path,
    options: RunOptions,
    checkpoint: &dyn Fn(&str) -> Result<(), LoadError>,
) -> crate::Result<RunOutcome> {
    let mut timings: Vec<(String, f64)> = Vec::new();
    let clock = Instant::now();
    let loaded = load_and_validate(config, out)?;
    timings.push(("load and validate".into(), clock.elapsed().as_secs_f64()));

    // `lock` overrides keep the levels of the run published in this folder before (unless
    // `[policy] lock_from` names another); run.json records the config as given.
    let planned = {
        let mut effective = config.clone();
        effective
            .policy
            .lock_from
            .get_or_insert_with(|| published.join("policy.csv"));
        plan_shard(&effective, &loaded, options.shard)
    };
    timings.extend(planned.timings.iter().cloned());
    let clock = Instant::now();
    let summary = write_plan_outputs(out, &loaded, &planned, config.report.top_skus)?;
    timings.push(("write plan outputs".into(), clock.elapsed().as_secs_f64()));
    checkpoint("plan")?;

    let sim = &config.simulation;
    let mut roll = Vec::new();
    if options.simulate {
        let run = simulate_catalogue(&planned.plans, &loaded.series, sim, &config.policy);
        timings.push(("design policies".into(), run.design_secs));
        timings.push(("simulate".into(), run.simulate_secs));
        roll = portfolio(&run.rows);
        write_simulation(&out.join("simulation.csv"), &run.rows, sim.customer)?;
        write_portfolio(&out.join("simulation_portfolio.csv"), &roll)?;
        if options.shard.is_some() {
            write_rollup(&out.join("simulation_rollup.csv"), &run.rows)?;
        }
        if sim.optimise {
            let clock = Instant::now();
            let rows =
                optimise_catalogue(&planned.plans, &run.designs, &loaded.series, &run.rows, sim);
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
        checkpoint("simulate")?;
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
        shard: options.shard.map(|s| ShardRecord {
            index: s.index,
            count: s.count,
        }),
    };
    let json = serde_json::to_string_pretty(&manifest).expect("manifest serialises");
    write_atomic(&out.join("run.json"), |w| w.write_all(json.as_bytes()))?;
    checkpoint("manifest")?;

    let report = if options.report && options.shard.is_none() {
        let clock = Instant::now();
        let r = report::render(out, &config.report)?;
        timings.push(("report".into(), clock.elapsed().as_secs_f64()));
        checkpoint("report")?;
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
