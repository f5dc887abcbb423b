//! `replenish merge`: combines the outputs of the N shards of one job ([`crate::shard`]) into
//! one output folder — the same files, byte for byte, as one unsharded `run` of the same config
//! and inputs would have written, then the report.
//!
//! # What is checked first
//! Every shard 0..N−1 present exactly once (from one or several folders), all with the same
//! shard count, replenish version, effective config, seeds, input files (path, rows, SHA-256)
//! and options (simulated or not, the same optional outputs). A mismatch is refused with the
//! shards and the setting that differ; nothing is written.
//!
//! # How each output is combined
//! - Per-SKU tables (`forecast.csv`, `accuracy.csv`, `classes.csv`, `policy.csv`,
//!   `lead_times.csv`, `simulation.csv`, `optimised.csv`, `supplier_choice.csv`): rows of all shards in
//!   SKU/location order, each SKU's rows as its shard wrote them (every SKU is planned by one
//!   shard) — copied as bytes, keyed by their leading `sku`/`location` cells, so this works
//!   for every row struct, including the ones with configured columns (quantiles, KPIs). A
//!   shard without any location gets the empty `location` cell the catalogue's file has.
//! - Catalogue-wide files every shard computes alike (`validation.json`, `rejects.csv`,
//!   `anomalies.csv`, `lead_time_histogram.csv`): must be identical in every shard; copied.
//! - `recommendations.csv` / `.json`: all shards' recommendations, sorted by urgency as `run`
//!   sorts them; `plan.json` recounted from them (SKUs and methods summed over shards), and
//!   `supplier_orders.csv` summed from them in that order with the unit facts of the shards'
//!   `supplier_lines.csv`.
//! - With an order budget (`[purchasing] budget`, `--budget`): the budget spans the
//!   catalogue, so each shard wrote its drafts before the finish chain
//!   (`budget_lines.shard-K-of-N.json`, [`BudgetLinesFile`]) and merge finishes all of them
//!   together with the function an unsharded run uses ([`finish_drafts`]: the ranking and
//!   cut, supplier minimums and container rounding within the budgets, supplier calendars,
//!   priorities, reasons) — giving the recommendations and `budget.json`; the shards' own
//!   recommendations (their rows before the cut) are not used, and `supplier_orders.csv` is
//!   summed from the finished recommendations with the drafts' unit facts.
//! - `simulation_portfolio.csv`: rolled up from the shards' full-precision
//!   `simulation_rollup.csv` rows (read typed,
//!   [`RollupFileRow`](crate::simulate::output::RollupFileRow)) in catalogue order, so the
//!   sums are the unsharded run's.
//! - `detail.json`, `trajectories.json`: the catalogue's top `[report] top_skus` SKUs by value
//!   at risk, picked from the shards' own top lists (which contain them).
//! - `run.json`: a shard's manifest without the shard, with the catalogue's action counts.
//!
//! Written like `run`: staged beside the folder under the folder's lock, then swapped in whole
//! ([`crate::pipeline::staging`]); a failed merge changes nothing.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::{
    io::{
        atomic::{write_atomic, write_json},
        rejects::csv_field,
    },
    pipeline::{
        lock::OutputLock,
        staging::{staged, Layout, Publish},
        Manifest,
    },
    plan::detail::{top_by_risk, SkuDetail},
    plan::output::{
        supplier_orders_of, write_recommendations_csv, write_recommendations_json, write_summary,
        write_supplier_orders, BudgetLinesFile, PlanSummary, UnitFacts,
    },
    purchasing::budget::BudgetSummary,
    recommend::{assign_priorities, finish_drafts, sort_by_urgency, Recommendation},
    report::ReportOutcome,
    shard::Shard,
    sim::trace::Trajectory,
    simulate::{
        output::{read_rollup, write_portfolio},
        portfolio_of, PortfolioRow,
    },
};

/// Per-SKU tables, merged row-wise in SKU/location order.
const KEYED_TABLES: &[&str] = &[
    "forecast.csv",
    "accuracy.csv",
    "classes.csv",
    "policy.csv",
    "lead_times.csv",
    "simulation.csv",
    "optimised.csv",
    "supplier_choice.csv",
];

/// Files every shard writes identically.
const SHARED_FILES: &[&str] = &[
    "validation.json",
    "rejects.csv",
    "anomalies.csv",
    "lead_time_histogram.csv",
];

/// Why a merge was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// The shard outputs given do not form one complete, consistent job.
    #[error("cannot merge: {0}")]
    Shards(String),
    /// A shard's output file could not be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// What [`merge`] produced.
#[derive(Debug)]
pub struct MergeOutcome {
    /// Shards merged.
    pub shards: u32,
    /// The catalogue's plan summary.
    pub summary: PlanSummary,
    /// Portfolio KPIs per policy and scenario (empty without simulation).
    pub portfolio: Vec<PortfolioRow>,
    /// The recommended policy family.
    pub recommended_policy: String,
    /// The report, when written.
    pub report: Option<ReportOutcome>,
    /// Rejected input rows (of the whole catalogue).
    pub rejected_rows: usize,
    /// The merged run's findings (the inputs' from any shard's manifest: every shard reads
    /// every input; SKUs without a policy summed over the shards): the exit code.
    pub health: crate::pipeline::health::Health,
    /// Seconds spent.
    pub seconds: f64,
}

/// One shard's outputs.
struct Part {
    shard: Shard,
    dir: PathBuf,
    manifest: Manifest,
}

impl Part {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(self.shard.file_name(name))
    }
}

fn read_err(path: &Path, reason: impl ToString) -> MergeError {
    MergeError::Read {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, MergeError> {
    let bytes = std::fs::read(path).map_err(|e| read_err(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| read_err(path, e))
}

/// Finds the shard manifests (`run.shard-K-of-N.json`) in `from` and checks that they form one
/// complete job.
fn discover(from: &[PathBuf]) -> Result<Vec<Part>, MergeError> {
    let mut parts: Vec<Part> = Vec::new();
    for dir in from {
        let entries = std::fs::read_dir(dir).map_err(|e| read_err(dir, e))?;
        let mut names: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            let Some((shard, plain)) = Shard::parse_file_name(&name) else {
                continue;
            };
            if plain != "run.json" {
                continue;
            }
            let manifest: Manifest = read_json(&dir.join(&name))?;
            let recorded = manifest.shard.map(|s| (s.index, s.count));
            if recorded != Some((shard.index, shard.count)) {
                return Err(MergeError::Shards(format!(
                    "{} records shard {:?}, not {shard}",
                    dir.join(&name).display(),
                    recorded
                )));
            }
            parts.push(Part {
                shard,
                dir: dir.clone(),
                manifest,
            });
        }
    }
    let folders = from
        .iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if parts.is_empty() {
        return Err(MergeError::Shards(format!(
            "no shard outputs (run.shard-K-of-N.json) in {folders}: run `replenish run --shard K/N` first"
        )));
    }
    let counts: BTreeSet<u32> = parts.iter().map(|p| p.shard.count).collect();
    if counts.len() > 1 {
        let manifests = |n: u32| {
            parts
                .iter()
                .filter(|p| p.shard.count == n)
                .map(|p| p.path("run.json").display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let jobs: Vec<String> = counts
            .iter()
            .map(|&n| format!("{n} shards: {}", manifests(n)))
            .collect();
        return Err(MergeError::Shards(format!(
            "shards of different jobs in {folders} ({}); merge the shards of one job — remove the \
             other job's shard files (e.g. an earlier night's with another shard count) or give \
             each job its own folder",
            jobs.join("; ")
        )));
    }
    let n = *counts.iter().next().expect("one count");
    let mut found: BTreeMap<u32, Part> = BTreeMap::new();
    for p in parts {
        if let Some(other) = found.get(&p.shard.index) {
            return Err(MergeError::Shards(format!(
                "shard {} is in both {} and {}: give each shard's output once",
                p.shard,
                other.dir.display(),
                p.dir.display()
            )));
        }
        found.insert(p.shard.index, p);
    }
    let missing: Vec<String> = (0..n)
        .filter(|k| !found.contains_key(k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Shards(format!(
            "shard(s) {} missing in {folders}: every shard 0..{} must have finished",
            missing.join(", "),
            n - 1
        )));
    }
    Ok(found.into_values().collect())
}

/// The path of the first difference between two JSON values (`config.policy.seed`).
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(u), Some(v)) => first_difference(u, v, &format!("{at}.{k}")),
                _ => Some(format!("{at}.{k}")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (u, v))| first_difference(u, v, &format!("{at}[{i}]"))),
        _ => (a != b).then(|| at.to_string()),
    }
}

/// Refuses shards that ran with different versions, configs, seeds, inputs or options.
fn check_same_job(parts: &[Part]) -> Result<(), MergeError> {
    let view = |p: &Part| {
        let m = &p.manifest;
        serde_json::json!({
            "version": m.version,
            "config": m.config,
            "seeds": m.seeds,
            "inputs": m.inputs,
            "rejected_rows": m.rejected_rows,
            "simulated": m.simulated,
        })
    };
    let first = view(&parts[0]);
    for p in &parts[1..] {
        if let Some(at) = first_difference(&first, &view(p), "run") {
            let what = if at.starts_with("run.inputs") {
                "read different input files"
            } else if at.starts_with("run.config.purchasing") {
                "were planned with different order budgets ([purchasing] in the config, --budget)"
            } else if at.starts_with("run.config") {
                "ran with a different config"
            } else {
                "differ"
            };
            return Err(MergeError::Shards(format!(
                "shards {} ({}) and {} ({}) {what}: {at} differs; rerun every shard with the same config and inputs",
                parts[0].shard,
                parts[0].dir.display(),
                p.shard,
                p.dir.display()
            )));
        }
    }
    Ok(())
}

/// Which of `name` the shards wrote: all of them, or none (else refused).
fn present_in_all(parts: &[Part], name: &str) -> Result<bool, MergeError> {
    let have: Vec<bool> = parts.iter().map(|p| p.path(name).exists()).collect();
    if have.iter().all(|h| *h) {
        return Ok(true);
    }
    if have.iter().all(|h| !*h) {
        return Ok(false);
    }
    let lacking: Vec<String> = parts
        .iter()
        .zip(&have)
        .filter(|(_, h)| !**h)
        .map(|(p, _)| p.path(name).display().to_string())
        .collect();
    Err(MergeError::Shards(format!(
        "{name} is missing from {} but written by other shards: the shards did not run with the same options",
        lacking.join(", ")
    )))
}

/// One data row of a per-SKU table: its sort key and its bytes (without the line end).
struct KeyedRow {
    key: (String, String),
    bytes: Vec<u8>,
}

/// Reads a per-SKU table: its header cells and rows.
fn read_keyed(path: &Path) -> Result<(Vec<String>, Vec<KeyedRow>), MergeError> {
    let data = std::fs::read(path).map_err(|e| read_err(path, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(data.as_slice());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| read_err(path, e))?
        .iter()
        .map(str::to_string)
        .collect();
    let located = header.get(1).is_some_and(|h| h == "location");
    let mut rows = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        let start = reader.position().byte() as usize;
        if !reader
            .read_record(&mut rec)
            .map_err(|e| read_err(path, e))?
        {
            break;
        }
        let end = reader.position().byte() as usize;
        let mut bytes = data[start..end].to_vec();
        while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            bytes.pop();
        }
        let sku = rec.get(0).unwrap_or("").to_string();
        let loc = if located {
            rec.get(1).unwrap_or("")
        } else {
            ""
        }
        .to_string();
        rows.push(KeyedRow {
            key: (sku, loc),
            bytes,
        });
    }
    Ok((header, rows))
}

/// Merges per-SKU tables (one per shard) into the file `out`.
fn merge_keyed(inputs: &[PathBuf], out: &Path) -> crate::Result<()> {
    let has_location = |h: &[String]| h.get(1).is_some_and(|c| c == "location");
    let mut files = Vec::new();
    for path in inputs {
        let (h, r) = read_keyed(path)?;
        files.push((path.clone(), h, r));
    }
    let located = files.iter().any(|(_, h, _)| has_location(h));
    let mut headers = Vec::new();
    let mut rows = Vec::new();
    for (path, h, r) in files {
        if located && !has_location(&h) {
            // The catalogue's file has a location column when any shard's has: add the empty
            // cell the unsharded writer puts there.
            rows.extend(r.into_iter().map(|mut row| {
                let first = csv_field(&row.key.0).len();
                row.bytes.insert(first, b',');
                row
            }));
        } else {
            rows.extend(r);
        }
        headers.push((path, h));
    }
    let mut header: Option<Vec<String>> = None;
    for (path, h) in &headers {
        let mut h = h.clone();
        if located && h.get(1).is_none_or(|c| c != "location") {
            h.insert(1, "location".into());
        }
        match &header {
            None => header = Some(h),
            Some(first) if *first != h => {
                return Err(MergeError::Shards(format!(
                    "{} has columns {} where another shard has {}",
                    path.display(),
                    h.join(","),
                    first.join(",")
                ))
                .into())
            }
            Some(_) => {}
        }
    }
    let header = header.unwrap_or_default();
    // Stable: a SKU's rows (all in one shard) keep their order.
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    let header_line = header
        .iter()
        .map(|h| csv_field(h).into_owned())
        .collect::<Vec<_>>()
        .join(",");
    write_atomic(out, |w| {
        writeln!(w, "{header_line}")?;
        for r in &rows {
            w.write_all(&r.bytes)?;
            writeln!(w)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Copies a file every shard wrote alike, refusing shards whose copies differ.
fn copy_shared(parts: &[Part], name: &str, out: &Path) -> crate::Result<()> {
    let first =
        std::fs::read(parts[0].path(name)).map_err(|e| read_err(&parts[0].path(name), e))?;
    for p in &parts[1..] {
        let other = std::fs::read(p.path(name)).map_err(|e| read_err(&p.path(name), e))?;
        if other != first {
            return Err(MergeError::Shards(format!(
                "{} differs from {}: the shards read different inputs",
                p.path(name).display(),
                parts[0].path(name).display()
            ))
            .into());
        }
    }
    write_atomic(&out.join(name), |w| w.write_all(&first))?;
    Ok(())
}

/// The entries of a JSON array file of every shard, shard by shard.
fn read_each<T: for<'de> Deserialize<'de>>(
    parts: &[Part],
    name: &str,
) -> Result<Vec<T>, MergeError> {
    let mut all = Vec::new();
    for p in parts {
        all.extend(read_json::<Vec<T>>(&p.path(name))?);
    }
    Ok(all)
}

/// The items of the `top` SKU/location keys, in `top`'s order (a key's items in their order).
fn in_top_order<'a, T>(
    top: &[(String, Option<String>)],
    items: &'a [T],
    key: impl Fn(&T) -> (&String, &Option<String>),
) -> Vec<&'a T> {
    let mut by_key: BTreeMap<(&String, &Option<String>), Vec<&T>> = BTreeMap::new();
    for item in items {
        by_key.entry(key(item)).or_default().push(item);
    }
    top.iter()
        .filter_map(|(sku, loc)| by_key.get(&(sku, loc)))
        .flatten()
        .copied()
        .collect()
}

#[derive(Deserialize)]
struct RecommendationsFile {
    planning_date: NaiveDate,
    recommendations: Vec<Recommendation>,
}

/// Merges the shard outputs found in `from` (one or several folders) into `out`, then renders
/// the report there when `report` is set. See the module documentation.
///
/// Holds the lock of `out` and of every other `from` folder from before it reads the shards
/// until it has published, so that no shard publishes into a folder being merged; publishes
/// like `run` (the whole folder in one step, the shard files in `out` kept).
///
/// # Errors
/// [`MergeError`] (as [`crate::Error::Merge`]) when the shards do not form one job or a file
/// cannot be read; [`crate::pipeline::lock::LockError`] when a folder is being written; write
/// or report failures. `out` is then unchanged.
pub fn merge(from: &[PathBuf], out: &Path, report: bool) -> crate::Result<MergeOutcome> {
    let clock = Instant::now();
    let mut outcome = staged(out, None, Publish::Replace, |staging| {
        let _locks = lock_sources(from, out)?;
        let parts = discover(from)?;
        check_same_job(&parts)?;
        stage(&parts, staging, report)
    })?;
    if let Some(r) = outcome.report.as_mut() {
        r.html = out.join("report.html");
    }
    outcome.seconds = clock.elapsed().as_secs_f64();
    Ok(outcome)
}

/// The locks of the `from` folders other than `out` (whose lock the merge holds already).
fn lock_sources(from: &[PathBuf], out: &Path) -> crate::Result<Vec<OutputLock>> {
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let mut locks: Vec<(PathBuf, OutputLock)> = Vec::new();
    for dir in from {
        if same(dir, out) || locks.iter().any(|(d, _)| same(d, dir)) {
            continue;
        }
        match Layout::of(dir)?.lock(None, Duration::ZERO) {
            Ok(lock) => locks.push((dir.clone(), lock)),
            // A folder whose lock cannot be created (read-only) has no shard writing into it.
            Err(crate::Error::Load(crate::io::LoadError::Write { .. })) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(locks.into_iter().map(|(_, l)| l).collect())
}

fn stage(parts: &[Part], out: &Path, with_report: bool) -> crate::Result<MergeOutcome> {
    let clock = Instant::now();
    let manifest = &parts[0].manifest;
    let config = &manifest.config;
    copy_tables(parts, out)?;
    let (recs, summary) = merge_recommendations(parts, out)?;

    // The catalogue's top SKUs by value at risk, from each shard's own top list.
    let top: Vec<(String, Option<String>)> = top_by_risk(&recs, config.report.top_skus)
        .into_iter()
        .map(|i| (recs[i].sku.clone(), recs[i].location.clone()))
        .collect();
    let details: Vec<SkuDetail> = read_each(parts, "detail.json")?;
    let details = in_top_order(&top, &details, |d| (&d.sku, &d.location));
    write_json(&out.join("detail.json"), &details)?;
    let portfolio = merge_simulation(parts, out, &top)?;

    let mut merged = manifest.clone();
    merged.shard = None;
    merged.actions = summary.actions.clone();
    merged.policy_errors = summary.policy_errors;
    crate::pipeline::write_manifest(out, &merged)?;

    let mut timings: Vec<(String, f64)> = Vec::new();
    for p in parts {
        let t: Vec<(String, f64)> = read_json(&p.path("timings.json")).unwrap_or_default();
        timings.push((format!("shard {}", p.shard), t.iter().map(|(_, s)| s).sum()));
    }
    timings.push(("merge".into(), clock.elapsed().as_secs_f64()));
    // The Report and Timings stages every job ends with.
    let report = crate::pipeline::finish(out, &config.report, with_report, timings)?;
    let no_policy = summary.policy_errors as u64;
    Ok(MergeOutcome {
        shards: parts[0].shard.count,
        summary,
        portfolio,
        recommended_policy: config.policy.policy.name().to_string(),
        report,
        rejected_rows: manifest.rejected_rows,
        health: crate::pipeline::health::Health {
            rows_rejected: manifest.inputs.iter().map(|i| i.rows_rejected).sum(),
            cells_rejected: manifest.cells_rejected,
            flagged: manifest.flagged,
            skus_without_policy: no_policy,
            notes: Vec::new(),
        },
        seconds: 0.0,
    })
}

/// The per-SKU tables (merged row-wise) and the files every shard writes alike (copied).
fn copy_tables(parts: &[Part], out: &Path) -> crate::Result<()> {
    for name in KEYED_TABLES {
        if present_in_all(parts, name)? {
            let inputs: Vec<PathBuf> = parts.iter().map(|p| p.path(name)).collect();
            merge_keyed(&inputs, &out.join(name))?;
        }
    }
    for name in SHARED_FILES {
        if present_in_all(parts, name)? {
            copy_shared(parts, name, out)?;
        }
    }
    Ok(())
}

/// All shards' recommendations (sorted by urgency, written as CSV and JSON) and the
/// catalogue's plan summary (`plan.json`).
fn merge_recommendations(
    parts: &[Part],
    out: &Path,
) -> crate::Result<(Vec<Recommendation>, PlanSummary)> {
    let mut recs = Vec::new();
    let mut planning_date = None;
    let mut summaries = Vec::new();
    for p in parts {
        let file: RecommendationsFile = read_json(&p.path("recommendations.json"))?;
        planning_date = Some(file.planning_date);
        recs.extend(file.recommendations);
        summaries.push(read_json::<PlanSummary>(&p.path("plan.json"))?);
    }
    let planning_date = planning_date.expect("at least one shard");
    let mut facts = Vec::new();
    if parts[0].manifest.config.purchasing.is_limited() {
        let budget;
        (recs, budget, facts) = finish_with_budget(parts)?;
        if let Some(b) = &budget {
            write_json(&out.join("budget.json"), b)?;
        }
    } else {
        sort_by_urgency(&mut recs);
        // Priorities span the catalogue: numbered again over every shard's rows.
        assign_priorities(recs.iter_mut());
        // The shards' rows are final: their unit facts are the shards'.
        for p in parts {
            let path = p.path("supplier_lines.csv");
            facts.extend(read_unit_facts(&path).map_err(|e| read_err(&path, e))?);
        }
    }
    write_recommendations_json(&out.join("recommendations.json"), planning_date, &recs)?;
    write_recommendations_csv(&out.join("recommendations.csv"), &recs)?;
    let (actions, orders_by_supplier) = PlanSummary::tally(&recs);
    let suppliers = &parts[0].manifest.config.suppliers;
    let supplier_orders = supplier_orders_of(&recs, &facts, suppliers);
    write_supplier_orders(&out.join("supplier_orders.csv"), &supplier_orders)?;
    let mut summary = summaries[0].clone();
    summary.supplier_orders = supplier_orders;
    summary.actions = actions;
    summary.orders_by_supplier = orders_by_supplier;
    summary.skus = summaries.iter().map(|s| s.skus).sum();
    summary.policy_errors = summaries.iter().map(|s| s.policy_errors).sum();
    summary.methods = BTreeMap::new();
    for s in &summaries {
        for (m, n) in &s.methods {
            *summary.methods.entry(m.clone()).or_default() += n;
        }
    }
    write_summary(&out.join("plan.json"), &summary)?;
    Ok((recs, summary))
}

/// The recommendations, the budget's summary and the unit facts of a merge with a budget.
type FinishedWithBudget = (Vec<Recommendation>, Option<BudgetSummary>, Vec<UnitFacts>);

/// Every shard's drafts (`budget_lines.json`) finished together, by the function an unsharded
/// run uses: the budget's cut across the catalogue, supplier minimums and containers, supplier calendars,
/// priorities and reasons; the recommendations sorted by urgency, the budget's summary and
/// every draft's unit facts (for `supplier_orders.csv`: a row the finish chain pulls forward
/// may have had no order in its shard's rows).
fn finish_with_budget(parts: &[Part]) -> crate::Result<FinishedWithBudget> {
    let config = &parts[0].manifest.config;
    if !present_in_all(parts, "budget_lines.json")? {
        return Err(MergeError::Shards(format!(
            "the shards ran with an order budget ([purchasing] in run.json's config) but wrote no {}: they were planned by a replenish that did not write the budget's lines; rerun every shard with this version",
            parts[0].path("budget_lines.json").display()
        ))
        .into());
    }
    let mut lines = Vec::new();
    let mut planning_date = None;
    for p in parts {
        let file: BudgetLinesFile = read_json(&p.path("budget_lines.json"))?;
        planning_date = Some(file.planning_date);
        lines.extend(file.lines);
    }
    // The unsharded run's order: SKU, then location (each in exactly one shard).
    lines.sort_by(|a, b| (&a.rec.sku, &a.rec.location).cmp(&(&b.rec.sku, &b.rec.location)));
    let planning_date = planning_date.expect("at least one shard");
    let facts = lines.iter().map(UnitFacts::of_draft).collect();
    let (recs, budget) = finish_drafts(lines, planning_date, &config.suppliers, &config.purchasing);
    Ok((recs, budget, facts))
}

/// A shard's `supplier_lines.csv`.
fn read_unit_facts(path: &Path) -> Result<Vec<UnitFacts>, String> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| e.to_string())?;
    reader
        .deserialize()
        .collect::<Result<Vec<UnitFacts>, _>>()
        .map_err(|e| e.to_string())
}

/// `simulation_portfolio.csv` rolled up from the shards' typed roll-up rows, and the top
/// SKUs' trajectories; the portfolio (empty without simulation).
fn merge_simulation(
    parts: &[Part],
    out: &Path,
    top: &[(String, Option<String>)],
) -> crate::Result<Vec<PortfolioRow>> {
    let mut portfolio = Vec::new();
    if present_in_all(parts, "simulation_rollup.csv")? {
        let mut rows = Vec::new();
        for p in parts {
            let path = p.path("simulation_rollup.csv");
            rows.extend(read_rollup(&path).map_err(|e| read_err(&path, e))?);
        }
        // Stable: a SKU's rows keep the order its shard simulated them in.
        rows.sort_by(|a, b| (&a.sku, &a.location).cmp(&(&b.sku, &b.location)));
        portfolio = portfolio_of(rows);
        write_portfolio(&out.join("simulation_portfolio.csv"), &portfolio)?;
    }
    if present_in_all(parts, "trajectories.json")? {
        let all: Vec<Trajectory> = read_each(parts, "trajectories.json")?;
        let chosen = in_top_order(top, &all, |t| (&t.sku, &t.location));
        write_json(&out.join("trajectories.json"), &chosen)?;
    }
    Ok(portfolio)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_tables_merge_in_sku_order_and_gain_the_location_cell_another_shard_has() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        std::fs::write(&a, "sku,location,qty\nB,W1,1\nB,W2,2\nD,W1,4\n").unwrap();
        // A shard whose SKUs have no location writes no location column.
        std::fs::write(&b, "sku,qty\n\"A,1\",0\nC,3\n").unwrap();
        let out = dir.path().join("out.csv");
        merge_keyed(&[a, b.clone()], &out).unwrap();
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "sku,location,qty\n\"A,1\",,0\nB,W1,1\nB,W2,2\nC,,3\nD,W1,4\n"
        );
        // Without any location, rows are kept as written.
        merge_keyed(&[b], &out).unwrap();
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "sku,qty\n\"A,1\",0\nC,3\n"
        );
    }

    #[test]
    fn first_difference_names_the_path() {
        let a = serde_json::json!({"config": {"policy": {"seed": 1}, "x": [1, 2]}});
        let b = serde_json::json!({"config": {"policy": {"seed": 2}, "x": [1, 2]}});
        assert_eq!(
            first_difference(&a, &b, "run").as_deref(),
            Some("run.config.policy.seed")
        );
        assert_eq!(first_difference(&a, &a, "run"), None);
        let c = serde_json::json!({"config": {"policy": {"seed": 1}, "x": [1, 3]}});
        assert_eq!(
            first_difference(&a, &c, "run").as_deref(),
            Some("run.config.x[1]")
        );
    }
}
