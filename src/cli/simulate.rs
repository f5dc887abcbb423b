//! `replenish simulate`: plan every SKU, then simulate each policy family under each scenario
//! and write simulation.csv and simulation_portfolio.csv.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Result;
use clap::Args;
use replenish::{
    config::{Config, ConfigPatch},
    pipeline::{Job, JobOutcome},
    policy::PolicyKind,
    sim::CustomerMode,
    simulate::output::portfolio_table,
};

use super::{config_from, Global, InputArgs};

/// Arguments of `replenish simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Inputs and settings.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Output folder for simulation.csv, simulation_portfolio.csv and rejects.csv.
    #[arg(long, value_name = "DIR", default_value = "reports/simulate")]
    pub out: PathBuf,
    /// Simulated days counted (after the warm-up) (overrides `[simulation] days`).
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// Replications per SKU, policy and scenario (overrides `[simulation] replications`).
    #[arg(long, value_name = "N")]
    pub replications: Option<usize>,
    /// Run seed (overrides `[simulation] seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Customer behaviour: backorder, lost_sales or patience.
    #[arg(long, value_name = "MODE")]
    pub customer: Option<CustomerMode>,
    /// Policy families, comma-separated (default: sQ,sS,RS,RsS). Families listed here are
    /// simulated under every scenario (as with --scenarios-all).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub policies: Option<Vec<PolicyKind>>,
    /// Scenario names to run, comma-separated (default: every configured scenario).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub scenarios: Option<Vec<String>>,
    /// Skip the simulation-optimised policies (optimised.csv).
    #[arg(long)]
    pub no_optimise: bool,
    /// Optimise every policy family compared, not only the recommended one (overrides
    /// `[simulation] optimise_all`).
    #[arg(long)]
    pub optimise_all: bool,
    /// Do not simulate the item master's current policy.
    #[arg(long)]
    pub no_current: bool,
    /// Simulate every scenario for every family compared (`simulate`'s default unless
    /// `[simulation] scenarios_all = false`).
    #[arg(long)]
    pub scenarios_all: bool,
}

impl SimulateArgs {
    /// The settings these flags override. `simulate` compares every family under every
    /// scenario unless the config says otherwise, and its policy seed follows the simulation
    /// seed so one `--seed` changes every random choice.
    fn patch(&self) -> ConfigPatch {
        ConfigPatch {
            days: self.days,
            replications: self.replications,
            simulation_seed: self.seed,
            customer: self.customer,
            optimise: self.no_optimise.then_some(false),
            optimise_all: self.optimise_all.then_some(true),
            current: self.no_current.then_some(false),
            policies: self.policies.clone(),
            scenarios: self.scenarios.clone(),
            scenarios_all: (self.scenarios_all || self.policies.is_some()).then_some(true),
            scenarios_all_default: Some(true),
            policy_seed_follows_simulation: true,
            ..ConfigPatch::default()
        }
    }
}

/// Runs the simulation stage.
///
/// # Errors
/// Invalid settings, input problems, or write failures.
pub fn run(args: &SimulateArgs, global: &Global) -> Result<ExitCode> {
    let config = config_from(&args.inputs, args.patch())?;
    let outcome = {
        let _progress = super::progress::Monitor::start(global.quiet);
        Job::simulate(&config, &args.out).execute()?
    };
    if global.verbose >= 1 {
        print_timings(&config, &outcome);
    }
    if !global.quiet {
        print_summary(&config, &outcome, args);
    }
    Ok(super::finish(
        &outcome.health,
        &args.out,
        "policy.csv",
        global,
    ))
}

/// `-v`: wall time per step on stderr.
fn print_timings(config: &Config, outcome: &JobOutcome) {
    for (step, t) in outcome.load_steps.iter().chain(&outcome.plan_steps) {
        eprintln!("{step:<22} {t:>8.3} s");
    }
    if let Some(s) = &outcome.simulation {
        let sim = &config.simulation;
        let sku_days =
            s.rows as f64 * sim.replications as f64 * f64::from(sim.days + sim.warmup_days);
        let secs = s.simulate_secs;
        eprintln!("{:<22} {:>8.3} s", "design policies", s.design_secs);
        eprintln!(
            "{:<22} {secs:>8.3} s ({:.1} million SKU-days/s)",
            "simulate",
            sku_days / secs.max(1e-9) / 1e6
        );
    }
    if let Some(o) = &outcome.optimised {
        eprintln!("{:<22} {:>8.3} s", "optimise", o.secs);
    }
}

/// What was simulated, the portfolio table and where it went.
fn print_summary(config: &Config, outcome: &JobOutcome, args: &SimulateArgs) {
    let sim = &config.simulation;
    let facts = outcome.simulation.unwrap_or_default();
    let skipped = facts.skipped;
    outln!(
        "simulated {} SKUs x {} policies{} x {} scenarios x {} replications x {} days ({} customers){}",
        facts.skus - skipped,
        sim.policies.len(),
        if sim.current { " (+ current where given)" } else { "" },
        sim.scenarios.len(),
        sim.replications,
        sim.days,
        sim.customer.name(),
        if skipped > 0 {
            format!("; {skipped} SKUs without demand or policy skipped")
        } else {
            String::new()
        }
    );
    out!("{}", portfolio_table(&outcome.portfolio));
    if let Some(o) = &outcome.optimised {
        outln!(
            "simulation-optimised levels: {} of {} SKU x policy pairs meet their service target; the formula over-stocks {} of them (optimised.csv)",
            o.met,
            o.pairs,
            o.over_stocked
        );
    }
    outln!("wrote {}", args.out.join("simulation.csv").display());
}
