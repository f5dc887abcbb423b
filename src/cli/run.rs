//! `replenish run`: the whole pipeline into one output folder — with no arguments, the bundled
//! example (its inputs written to `reports/example-inputs/`) into `reports/example/`.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Result;
use clap::Args;
use replenish::{
    changes::{Comparison, CHANGES_CSV},
    config::ConfigPatch,
    pipeline::{run as run_pipeline, RunOptions},
    plan::output::PlanSummary,
    realised,
    report::ReportOutcome,
    simulate::{output::portfolio_table, PortfolioRow},
};

use super::{config_from, Global, InputArgs};

/// Arguments of `replenish run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Inputs and settings.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Output folder (every output of plan and simulate, run.json, charts/, report.html).
    #[arg(long, value_name = "DIR", default_value = "reports/example")]
    pub out: PathBuf,
    /// Skip the simulation (no simulation.csv, no current-vs-recommended KPIs in the report).
    #[arg(long)]
    pub no_simulate: bool,
    /// Do not write charts/ and report.html.
    #[arg(long)]
    pub no_report: bool,
    /// Seed of every random choice (overrides `[policy] seed` and `[simulation] seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replications per SKU, policy and scenario (overrides `[simulation] replications`).
    #[arg(long, value_name = "N")]
    pub replications: Option<usize>,
    /// Simulated days counted (overrides `[simulation] days`).
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// Skip the simulation-optimised levels (optimised.csv).
    #[arg(long)]
    pub no_optimise: bool,
    /// Optimise every policy family compared, not only the recommended one (overrides
    /// `[simulation] optimise_all`).
    #[arg(long)]
    pub optimise_all: bool,
    /// Simulate every scenario for every family compared (`run`'s default: disruptions only for
    /// the current policy and each SKU's recommended family, the report's comparison;
    /// overrides `[simulation] scenarios_all`).
    #[arg(long)]
    pub scenarios_all: bool,
    /// Plan only shard K of N (0 <= K < N) of the catalogue and write shard-named outputs
    /// (`recommendations.shard-K-of-N.csv`, `run.shard-K-of-N.json`, …) without a report;
    /// `replenish merge` combines the N shards into one output folder. Every shard must run
    /// with the same config, inputs and seed.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<replenish::shard::Shard>,
    /// Money to spend on this run's orders, at unit cost: orders are ranked by the shortage
    /// they avoid per unit of money and cut by first fit (overrides `[purchasing] budget`).
    #[arg(long, value_name = "AMOUNT", value_parser = super::plan::parse_budget)]
    pub budget: Option<f64>,
}

/// Prints the plan summary and, when simulated, the portfolio table (`run` and `merge`).
pub(super) fn print_portfolio(
    summary: &PlanSummary,
    portfolio: &[PortfolioRow],
    recommended: &str,
) {
    out!("{}", summary.table());
    if !portfolio.is_empty() {
        outln!(
            "simulated portfolio (recommended family: {recommended}; current = the item master's levels):"
        );
        out!("{}", portfolio_table(portfolio));
    }
}

/// Prints where the report went, if one was written.
pub(super) fn print_report(report: Option<&ReportOutcome>) {
    if let Some(r) = report {
        outln!(
            "wrote {} ({} charts, {:.1} MB)",
            r.html.display(),
            r.charts,
            r.bytes as f64 / 1e6
        );
    }
}

/// Prints what changed since the folder's previous run (`run` and `plan`): one line, nothing
/// on a first run; an unreadable earlier output is a warning on stderr.
pub(super) fn print_changes(changes: Option<&Comparison>, out: &std::path::Path) {
    match changes {
        Some(Comparison::Compared(summary)) => outln!("{}", summary.line(&out.join(CHANGES_CSV))),
        Some(Comparison::Unreadable { path, message }) => eprintln!(
            "warning: could not compare with the last run: reading {}: {message}; {CHANGES_CSV} not written (this run's outputs are complete)",
            path.display()
        ),
        Some(Comparison::FirstRun) | None => {}
    }
}

/// Prints the service delivered since the earlier run (`run` and `plan`): one line, nothing
/// without an earlier run; unreadable earlier outputs are a warning on stderr.
pub(super) fn print_realised(realised: Option<&realised::Comparison>, out: &std::path::Path) {
    match realised {
        Some(c @ realised::Comparison::Compared { .. }) => {
            if let Some(line) = c.line(&out.join(realised::REALISED_CSV)) {
                outln!("{line}");
            }
        }
        Some(realised::Comparison::Unreadable { path, message }) => eprintln!(
            "warning: could not measure the service delivered since the earlier run: reading {}: {message}; {} not written (this run's outputs are complete)",
            path.display(),
            realised::REALISED_CSV
        ),
        Some(realised::Comparison::NoEarlierRun) | None => {}
    }
}

impl RunArgs {
    /// The settings these flags override.
    fn patch(&self) -> ConfigPatch {
        ConfigPatch {
            policy_seed: self.seed,
            simulation_seed: self.seed,
            replications: self.replications,
            days: self.days,
            optimise: self.no_optimise.then_some(false),
            optimise_all: self.optimise_all.then_some(true),
            scenarios_all: self.scenarios_all.then_some(true),
            budget: self.budget,
            ..ConfigPatch::default()
        }
    }
}

/// Runs the pipeline; exit code 0, or 3 when the run finished with findings (rejected rows or
/// cells, flagged values, SKUs without a policy: see [`replenish::pipeline::health`]).
///
/// # Errors
/// Invalid settings, input problems, or write failures.
pub fn run(args: &RunArgs, global: &Global) -> Result<ExitCode> {
    let config = config_from(&args.inputs, args.patch())?;
    let options = RunOptions {
        shard: args.shard,
        simulate: !args.no_simulate,
        report: !args.no_report,
    };
    let outcome = {
        let _progress = super::progress::Monitor::start(global.quiet);
        run_pipeline(&config, &args.out, options)?
    };
    if global.verbose >= 1 {
        for (step, t) in &outcome.timings {
            eprintln!("{step:<22} {t:>8.3} s");
        }
    }
    if !global.quiet {
        print_portfolio(
            &outcome.summary,
            &outcome.portfolio,
            &outcome.recommended_policy,
        );
        let total: f64 = outcome.timings.iter().map(|t| t.1).sum();
        outln!("stages took {total:.1} s (timings.json)");
        print_report(outcome.report.as_ref());
        let recs = args.shard.map_or("recommendations.csv".to_string(), |s| {
            s.file_name("recommendations.csv")
        });
        outln!("wrote {}", args.out.join(recs).display());
        print_changes(outcome.changes.as_ref(), &args.out);
        print_realised(outcome.realised.as_ref(), &args.out);
        if args.inputs.is_example() {
            outln!(
                "inputs: the bundled example, written to {}/ (plan.toml names them)",
                replenish::example::INPUTS_DIR
            );
        }
        if let Some(s) = args.shard {
            outln!(
                "shard {s}: combine all {} shards with `replenish merge --from {} --out DIR`",
                s.count,
                args.out.display()
            );
        }
    }
    let policy_file = args
        .shard
        .map_or("policy.csv".to_string(), |s| s.file_name("policy.csv"));
    Ok(super::finish(
        &outcome.health,
        &args.out,
        &policy_file,
        global,
    ))
}
