//! The one stage executor: a [`Job`] runs its [`Stage`]s in order into a staging folder and
//! publishes the folder once ([`super::staging`]). `replenish run`, `plan` and `simulate` are
//! jobs that differ only in their stages and options; `merge` ends with [`finish`].
//!
//! | command | stages (in this order) | publish |
//! |---|---|---|
//! | `run` | Validate, Plan, PlanOutputs, Simulate, Optimise, Trajectories, Manifest, Report, Timings | [`Publish::Replace`] |
//! | `run --no-simulate` | the same without Simulate, Optimise, Trajectories | Replace |
//! | `run --shard K/N`, `run --no-report` | the same without Report | Replace |
//! | `plan` | Validate, Plan, PlanOutputs, Report (not with `--no-report`) | [`Publish::Add`] |
//! | `simulate` | Validate, Plan, Simulate, Optimise | Add |
//!
//! Not responsible for argument parsing or printing.

use std::{borrow::Cow, collections::BTreeMap, path::Path, time::Instant};

use super::{
    health::Health,
    sha256_of,
    staging::{borrow_published, staged, unlink_borrowed, Publish},
    InputRecord, Manifest, ShardRecord,
};
use crate::{
    config::{Config, ReportSettings},
    io::{
        atomic::{write_atomic, write_json},
        LoadError,
    },
    plan::{
        detail::top_by_risk,
        output::{write_plan_outputs, PlanSummary},
        plan_shard, simulate_recommended, Plan,
    },
    report::{self, ReportOutcome},
    shard::Shard,
    simulate::{
        optimise_catalogue,
        output::{write_optimised, write_portfolio, write_rollup, write_simulation},
        portfolio, simulate_catalogue, trajectories, CatalogueRun, OptimisedRow, PortfolioRow,
    },
    validate::{load_and_validate, Loaded},
};

/// One step of a job; a job runs its stages in the order they are declared here (the derived
/// `Ord`). Every job validates and plans; the later stages are chosen per command (see the
/// module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Load and validate the inputs (rejects.csv).
    Validate,
    /// Forecast, lead times, policies and recommendations (nothing written yet).
    Plan,
    /// The plan's files: forecast.csv … policy.csv, validation.json, detail.json,
    /// recommendations.csv/.json, plan.json.
    PlanOutputs,
    /// Simulate every policy family under every scenario: simulation.csv,
    /// simulation_portfolio.csv, and a shard's simulation_rollup.csv.
    Simulate,
    /// Simulation-optimised levels (optimised.csv), when `[simulation] optimise`.
    Optimise,
    /// Simulated stock of the report's top SKUs (trajectories.json).
    Trajectories,
    /// What produced the folder (run.json).
    Manifest,
    /// charts/ and report.html, read back from the staged folder.
    Report,
    /// Wall time per stage (timings.json).
    Timings,
}

impl Stage {
    /// The name [`Job::execute_with_checkpoint`] passes to its checkpoint once the stage's
    /// outputs are staged (`None`: no checkpoint after this stage).
    pub fn checkpoint(self) -> Option<&'static str> {
        match self {
            Stage::PlanOutputs => Some("plan"),
            Stage::Simulate => Some("simulation"),
            Stage::Optimise => Some("optimise"),
            // After every simulation stage of `run`.
            Stage::Trajectories => Some("simulate"),
            Stage::Manifest => Some("manifest"),
            Stage::Report => Some("report"),
            Stage::Validate | Stage::Plan | Stage::Timings => None,
        }
    }
}

/// A batch job: which stages run, over which config, into which folder.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    /// The validated configuration (recorded as given in run.json).
    pub config: &'a Config,
    /// The output folder.
    pub out: &'a Path,
    /// Stages to run (in [`Stage`] order whatever the order here; Validate and Plan always
    /// run).
    pub stages: Vec<Stage>,
    /// Plan only this shard's SKUs and publish shard-named files ([`crate::shard`]).
    pub shard: Option<Shard>,
    /// Whether the job owns the folder or adds its files to it.
    pub publish: Publish,
    /// `lock` overrides keep the levels of the policy.csv published in the folder, unless
    /// `[policy] lock_from` names another file.
    pub lock_from_published: bool,
}

/// What a job produced, for the command to print.
#[derive(Debug, Default)]
pub struct JobOutcome {
    /// Plan summary, when the plan's outputs were written.
    pub summary: Option<PlanSummary>,
    /// Portfolio KPIs per policy and scenario (empty without simulation).
    pub portfolio: Vec<PortfolioRow>,
    /// The recommended policy family.
    pub recommended_policy: String,
    /// Wall time per stage (seconds), in order (timings.json).
    pub timings: Vec<(String, f64)>,
    /// Wall time per step of loading and validation.
    pub load_steps: Vec<(String, f64)>,
    /// Wall time per step of the plan stage.
    pub plan_steps: Vec<(String, f64)>,
    /// Rejected input rows.
    pub rejected_rows: usize,
    /// Rejected rows and cells, flagged values, SKUs without a policy: the exit code.
    pub health: Health,
    /// The simulation's facts, when simulated.
    pub simulation: Option<SimulationFacts>,
    /// The optimisation's facts, when optimised.
    pub optimised: Option<OptimiseFacts>,
    /// The report, when written (its path in the published folder).
    pub report: Option<ReportOutcome>,
    /// The comparison with the folder's previous run (changes.csv), when the plan's outputs
    /// were written (not for a shard).
    pub changes: Option<crate::changes::Comparison>,
    /// The service delivered since the earlier run (realised.csv), when the plan's outputs
    /// were written (not for a shard).
    pub realised: Option<crate::realised::Comparison>,
}

/// What the simulation stage did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SimulationFacts {
    /// SKUs planned.
    pub skus: usize,
    /// SKUs skipped (no demand or no policy).
    pub skipped: usize,
    /// Rows of simulation.csv (SKU × policy × scenario).
    pub rows: usize,
    /// Seconds designing the policies compared.
    pub design_secs: f64,
    /// Seconds simulating.
    pub simulate_secs: f64,
}

/// What the optimisation stage found.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OptimiseFacts {
    /// SKU × policy pairs optimised (rows of optimised.csv).
    pub pairs: usize,
    /// Pairs whose optimised levels meet their target fill rate.
    pub met: usize,
    /// Pairs meeting it whose formula levels hold more stock than the optimised ones.
    pub over_stocked: usize,
    /// Seconds optimising.
    pub secs: f64,
}

impl OptimiseFacts {
    fn of(rows: &[OptimisedRow], secs: f64) -> Self {
        let met = rows.iter().filter(|r| r.result.met).count();
        let over_stocked = rows
            .iter()
            .filter(|r| {
                r.result.met
                    && r.result.kpis.get("holding_cost") < r.analytic_kpis.get("holding_cost")
            })
            .count();
        Self {
            pairs: rows.len(),
            met,
            over_stocked,
            secs,
        }
    }
}

impl<'a> Job<'a> {
    /// `replenish run`: every stage (without the simulation stages when `simulate` is false,
    /// without the report when `report` is false or for a shard); owns the folder.
    pub fn run(config: &'a Config, out: &'a Path, options: super::RunOptions) -> Self {
        let mut stages = vec![Stage::Validate, Stage::Plan, Stage::PlanOutputs];
        if options.simulate {
            stages.extend([Stage::Simulate, Stage::Optimise, Stage::Trajectories]);
        }
        stages.push(Stage::Manifest);
        if options.report && options.shard.is_none() {
            stages.push(Stage::Report);
        }
        stages.push(Stage::Timings);
        Self {
            config,
            out,
            stages,
            shard: options.shard,
            publish: Publish::Replace,
            lock_from_published: true,
        }
    }

    /// `replenish plan`: the plan's outputs and (when `report`) the report, added to the folder.
    pub fn plan(config: &'a Config, out: &'a Path, report: bool) -> Self {
        let mut stages = vec![Stage::Validate, Stage::Plan, Stage::PlanOutputs];
        if report {
            stages.push(Stage::Report);
        }
        Self {
            config,
            out,
            stages,
            shard: None,
            publish: Publish::Add,
            lock_from_published: true,
        }
    }

    /// `replenish simulate`: simulation.csv, simulation_portfolio.csv and optimised.csv (and
    /// rejects.csv), added to the folder.
    pub fn simulate(config: &'a Config, out: &'a Path) -> Self {
        Self {
            config,
            out,
            stages: vec![
                Stage::Validate,
                Stage::Plan,
                Stage::Simulate,
                Stage::Optimise,
            ],
            shard: None,
            publish: Publish::Add,
            lock_from_published: false,
        }
    }

    /// Whether the job runs `stage`.
    pub fn runs(&self, stage: Stage) -> bool {
        matches!(stage, Stage::Validate | Stage::Plan) || self.stages.contains(&stage)
    }

    /// The stages the job runs, in order.
    pub fn sequence(&self) -> Vec<Stage> {
        let mut all = vec![Stage::Validate, Stage::Plan];
        all.extend(&self.stages);
        all.sort_unstable();
        all.dedup();
        all
    }

    /// The config the Plan stage uses: with [`Job::lock_from_published`], `[policy]
    /// lock_from` defaults to the folder's published policy.csv.
    pub fn plan_config(&self) -> Cow<'a, Config> {
        if self.lock_from_published && self.config.policy.lock_from.is_none() {
            let mut effective = self.config.clone();
            effective.policy.lock_from = Some(self.out.join("policy.csv"));
            Cow::Owned(effective)
        } else {
            Cow::Borrowed(self.config)
        }
    }

    /// The folder of the earlier run whose service realised.csv measures: the folder of
    /// `[policy] lock_from` when set, else the output folder (read before publishing).
    pub fn earlier_run_folder(&self) -> std::path::PathBuf {
        match self
            .config
            .policy
            .lock_from
            .as_deref()
            .and_then(Path::parent)
        {
            Some(p) if p.as_os_str().is_empty() => Path::new(".").to_path_buf(),
            Some(p) => p.to_path_buf(),
            None => self.out.to_path_buf(),
        }
    }

    /// Runs the job's stages into a staging folder and publishes it.
    ///
    /// # Errors
    /// Input problems ([`crate::Error::Load`]), write failures, or a report failure; the
    /// previous outputs in the folder are then untouched (see [`super::staging`]).
    pub fn execute(&self) -> crate::Result<JobOutcome> {
        self.execute_with_checkpoint(&|_| Ok(()))
    }

    /// [`Job::execute`], calling `checkpoint(name)` after each stage with a
    /// [`Stage::checkpoint`] name once its outputs are staged; an error from it aborts the job
    /// as a write failure would (tests use it to inject faults).
    ///
    /// # Errors
    /// As [`Job::execute`].
    pub fn execute_with_checkpoint(
        &self,
        checkpoint: &dyn Fn(&str) -> std::io::Result<()>,
    ) -> crate::Result<JobOutcome> {
        let mut outcome = staged(self.out, self.shard, self.publish, |staging| {
            let mut work = Work::new(self, staging);
            for stage in self.sequence() {
                work.run(stage)?;
                if let Some(name) = stage.checkpoint() {
                    checkpoint(name).map_err(|source| LoadError::Write {
                        path: staging.join(name),
                        source,
                    })?;
                }
            }
            Ok(work.outcome)
        })?;
        if let Some(r) = outcome.report.as_mut() {
            r.html = self.out.join("report.html");
        }
        Ok(outcome)
    }
}

/// A job under way: what the stages so far produced.
struct Work<'j, 'a> {
    job: &'j Job<'a>,
    dir: &'j Path,
    loaded: Option<Loaded>,
    planned: Option<Plan>,
    simulation: Option<CatalogueRun>,
    outcome: JobOutcome,
}

impl<'j, 'a> Work<'j, 'a> {
    fn new(job: &'j Job<'a>, dir: &'j Path) -> Self {
        Self {
            job,
            dir,
            loaded: None,
            planned: None,
            simulation: None,
            outcome: JobOutcome {
                recommended_policy: job.config.policy.policy.name().to_string(),
                ..JobOutcome::default()
            },
        }
    }

    fn loaded(&self) -> &Loaded {
        self.loaded.as_ref().expect("the Validate stage runs first")
    }

    fn planned(&self) -> &Plan {
        self.planned.as_ref().expect("the Plan stage runs first")
    }

    fn time(&mut self, step: &str, clock: Instant) {
        self.outcome
            .timings
            .push((step.to_string(), clock.elapsed().as_secs_f64()));
    }

    fn run(&mut self, stage: Stage) -> crate::Result<()> {
        match stage {
            Stage::Validate => self.validate()?,
            Stage::Plan => self.plan(),
            Stage::PlanOutputs => self.plan_outputs()?,
            Stage::Simulate => self.simulate()?,
            Stage::Optimise => self.optimise()?,
            Stage::Trajectories => self.trajectories()?,
            Stage::Manifest => self.manifest()?,
            Stage::Report => self.report()?,
            Stage::Timings => write_timings(self.dir, &self.outcome.timings)?,
        }
        Ok(())
    }

    fn validate(&mut self) -> crate::Result<()> {
        let clock = Instant::now();
        let loaded = load_and_validate(self.job.config, self.dir)?;
        self.time("load and validate", clock);
        self.outcome.load_steps.clone_from(&loaded.report.timings);
        self.outcome.rejected_rows = loaded.rejects.len();
        self.outcome.health = Health::of_inputs(&loaded);
        self.loaded = Some(loaded);
        Ok(())
    }

    fn plan(&mut self) {
        let mut planned = plan_shard(&self.job.plan_config(), self.loaded(), self.job.shard);
        self.outcome.timings.extend(planned.timings.iter().cloned());
        // A job that simulates reports every SKU's simulated service in policy.csv: the
        // analytic levels are simulated here as the simulation design measures its own.
        if self.job.runs(Stage::Simulate) && self.job.runs(Stage::PlanOutputs) {
            let clock = Instant::now();
            simulate_recommended(&mut planned.plans, &self.loaded().series, self.job.config);
            self.time("simulate recommended levels", clock);
        }
        self.outcome.plan_steps.clone_from(&planned.timings);
        let no_policy = planned.plans.iter().filter(|p| p.policy.is_err()).count();
        self.outcome.health.skus_without_policy = no_policy as u64;
        self.planned = Some(planned);
    }

    fn plan_outputs(&mut self) -> crate::Result<()> {
        let clock = Instant::now();
        let top = self.job.config.report.top_skus;
        let summary = write_plan_outputs(self.dir, self.loaded(), self.planned(), top)?;
        if self.job.shard.is_some() {
            let p = self.planned();
            let facts = crate::plan::output::unit_facts(&p.plans, &p.recommendations);
            crate::plan::output::write_unit_facts(&self.dir.join("supplier_lines.csv"), &facts)?;
        }
        if self.job.shard.is_none() {
            let (out, planned) = (self.job.out, self.planned());
            self.outcome.changes = Some(crate::changes::compare_with_plan(out, self.dir, planned)?);
            let earlier = self.job.earlier_run_folder();
            let realised = crate::realised::compare_earlier(&earlier, self.dir, self.loaded())?;
            self.outcome.realised = Some(realised);
        }
        self.time("write plan outputs", clock);
        self.outcome.summary = Some(summary);
        Ok(())
    }

    fn simulate(&mut self) -> crate::Result<()> {
        let (config, dir) = (self.job.config, self.dir);
        let sim = &config.simulation;
        let (planned, loaded) = (self.planned(), self.loaded());
        let run = simulate_catalogue(&planned.plans, &loaded.series, sim, &config.policy);
        let facts = SimulationFacts {
            skus: planned.plans.len(),
            skipped: run.skipped,
            rows: run.rows.len(),
            design_secs: run.design_secs,
            simulate_secs: run.simulate_secs,
        };
        let roll = portfolio(&run.rows);
        write_simulation(&dir.join("simulation.csv"), &run.rows, sim.customer)?;
        write_portfolio(&dir.join("simulation_portfolio.csv"), &roll)?;
        if self.job.shard.is_some() {
            write_rollup(&dir.join("simulation_rollup.csv"), &run.rows)?;
        }
        let timings = &mut self.outcome.timings;
        timings.push(("design policies".into(), facts.design_secs));
        timings.push(("simulate".into(), facts.simulate_secs));
        self.outcome.simulation = Some(facts);
        self.outcome.portfolio = roll;
        self.simulation = Some(run);
        Ok(())
    }

    fn optimise(&mut self) -> crate::Result<()> {
        // The simulation's rows are not needed after this stage.
        let run = self
            .simulation
            .take()
            .expect("the Simulate stage runs first");
        let sim = &self.job.config.simulation;
        if !sim.optimise {
            return Ok(());
        }
        let clock = Instant::now();
        let (planned, loaded) = (self.planned(), self.loaded());
        let settings = (sim, &self.job.config.policy);
        let rows = optimise_catalogue(
            &planned.plans,
            &run.designs,
            &loaded.series,
            &run.rows,
            settings,
        );
        write_optimised(&self.dir.join("optimised.csv"), &rows)?;
        let secs = clock.elapsed().as_secs_f64();
        self.outcome.timings.push(("optimise".into(), secs));
        self.outcome.optimised = Some(OptimiseFacts::of(&rows, secs));
        Ok(())
    }

    fn trajectories(&mut self) -> crate::Result<()> {
        let clock = Instant::now();
        let config = self.job.config;
        let (planned, loaded) = (self.planned(), self.loaded());
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
        let traj = trajectories(&planned.plans, &chosen, &loaded.series, &config.simulation);
        write_json(&self.dir.join("trajectories.json"), &traj)?;
        self.time("trajectories", clock);
        Ok(())
    }

    fn manifest(&mut self) -> crate::Result<()> {
        let config = self.job.config;
        let loaded = self.loaded();
        let summary = self
            .outcome
            .summary
            .as_ref()
            .expect("the manifest follows the plan's outputs");
        let seeds = BTreeMap::from([
            ("policy".to_string(), config.policy.seed),
            ("simulation".to_string(), config.simulation.seed),
        ]);
        let manifest = Manifest {
            version: env!("CARGO_PKG_VERSION").to_string(),
            config: config.clone(),
            inputs: input_records(loaded)?,
            seeds,
            rejected_rows: loaded.rejects.len(),
            cells_rejected: self.outcome.health.cells_rejected,
            flagged: self.outcome.health.flagged,
            actions: summary.actions.clone(),
            policy_errors: summary.policy_errors,
            simulated: self.job.runs(Stage::Simulate),
            shard: self.job.shard.map(|s| ShardRecord {
                index: s.index,
                count: s.count,
            }),
        };
        write_manifest(self.dir, &manifest)
    }

    fn report(&mut self) -> crate::Result<()> {
        // A job that adds to the folder reports on the folder as it will be once published.
        let borrowed = match self.job.publish {
            Publish::Add => borrow_published(self.dir, self.job.out),
            Publish::Replace => Vec::new(),
        };
        let rendered = render_report(self.dir, &self.job.config.report, &mut self.outcome.timings);
        unlink_borrowed(&borrowed);
        self.outcome.report = Some(rendered?);
        Ok(())
    }
}

/// The manifest's record of each input file, with its SHA-256.
fn input_records(loaded: &Loaded) -> Result<Vec<InputRecord>, LoadError> {
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
    Ok(inputs)
}

/// Writes `run.json` into `dir`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> crate::Result<()> {
    let json = serde_json::to_string_pretty(manifest).expect("manifest serialises");
    write_atomic(&dir.join("run.json"), |w| w.write_all(json.as_bytes()))?;
    Ok(())
}

/// Renders charts/ and report.html in `dir`, adding its wall time to `timings` as "report".
fn render_report(
    dir: &Path,
    settings: &ReportSettings,
    timings: &mut Vec<(String, f64)>,
) -> crate::Result<ReportOutcome> {
    let clock = Instant::now();
    let r = report::render(dir, settings)?;
    timings.push(("report".into(), clock.elapsed().as_secs_f64()));
    Ok(r)
}

/// Writes `timings.json` into `dir`. Wall times differ between runs: kept out of run.json so
/// that every other output is byte-identical on a re-run.
fn write_timings(dir: &Path, timings: &[(String, f64)]) -> crate::Result<()> {
    let json = serde_json::to_string_pretty(timings).expect("timings serialise");
    write_atomic(&dir.join("timings.json"), |w| w.write_all(json.as_bytes()))?;
    Ok(())
}

/// The end of a job that was not planned here (`merge`): the report when `with_report` (its
/// wall time added to `timings` as "report"), then timings.json — the Report and Timings
/// stages of every job.
///
/// # Errors
/// A report or write failure.
pub fn finish(
    dir: &Path,
    settings: &ReportSettings,
    with_report: bool,
    mut timings: Vec<(String, f64)>,
) -> crate::Result<Option<ReportOutcome>> {
    let report = if with_report {
        Some(render_report(dir, settings, &mut timings)?)
    } else {
        None
    };
    write_timings(dir, &timings)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_run_their_stages_in_order() {
        let config = Config::default();
        let out = Path::new("out");
        let run = Job::run(&config, out, super::super::RunOptions::default());
        assert_eq!(
            run.sequence(),
            [
                Stage::Validate,
                Stage::Plan,
                Stage::PlanOutputs,
                Stage::Simulate,
                Stage::Optimise,
                Stage::Trajectories,
                Stage::Manifest,
                Stage::Report,
                Stage::Timings,
            ]
        );
        let plan = Job::plan(&config, out, false);
        assert_eq!(
            plan.sequence(),
            [Stage::Validate, Stage::Plan, Stage::PlanOutputs]
        );
        let mut simulate = Job::simulate(&config, out);
        simulate.stages.reverse();
        assert_eq!(
            simulate.sequence(),
            [
                Stage::Validate,
                Stage::Plan,
                Stage::Simulate,
                Stage::Optimise
            ]
        );
        // `plan` and `run` keep the levels of the folder's policy.csv for `lock` overrides.
        assert_eq!(
            plan.plan_config().policy.lock_from.as_deref(),
            Some(Path::new("out/policy.csv"))
        );
        assert_eq!(simulate.plan_config().policy.lock_from, None);
    }
}
