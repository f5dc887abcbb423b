//! `replenish simulate`: plan every SKU, then simulate each policy family under each scenario
//! and write simulation.csv and simulation_portfolio.csv.

use std::{path::PathBuf, process::ExitCode, time::Instant};

use anyhow::{bail, Result};
use clap::Args;
use replenish::{
    plan::plan,
    policy::PolicyKind,
    sim::{scenario::Scenario, CustomerMode},
    simulate::{
        optimise_catalogue,
        output::{portfolio_table, write_optimised, write_portfolio, write_simulation},
        portfolio, simulate_catalogue,
    },
    validate::load_and_validate,
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

/// Runs the simulation stage.
///
/// # Errors
/// Invalid settings, input problems, or write failures.
pub fn run(args: &SimulateArgs, global: &Global) -> Result<ExitCode> {
    let mut config = config_from(&args.inputs)?;
    let sim = &mut config.simulation;
    if let Some(d) = args.days {
        sim.days = d;
    }
    if let Some(r) = args.replications {
        sim.replications = r;
    }
    if let Some(s) = args.seed {
        sim.seed = s;
    }
    if let Some(c) = args.customer {
        sim.customer = c;
    }
    if args.no_optimise {
        sim.optimise = false;
    }
    if args.optimise_all {
        sim.optimise_all = true;
    }
    if args.no_current {
        sim.current = false;
    }
    if let Some(p) = &args.policies {
        sim.policies.clone_from(p);
        sim.scenarios_all = Some(true);
    }
    if args.scenarios_all {
        sim.scenarios_all = Some(true);
    }
    // `simulate` compares every family under every scenario unless the config says otherwise.
    sim.scenarios_all.get_or_insert(true);
    if let Some(names) = &args.scenarios {
        let known: Vec<Scenario> = sim.scenarios.clone();
        let mut chosen = Vec::new();
        for n in names {
            match known.iter().find(|s| &s.name == n) {
                Some(s) => chosen.push(s.clone()),
                None => bail!(
                    "--scenarios: unknown scenario '{n}'; configured: {}",
                    known
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
        sim.scenarios = chosen;
    }
    // The policy seed follows the simulation seed so one --seed changes every random choice.
    config.policy.seed = config.simulation.seed;
    config.check()?;
    let progress = super::progress::Monitor::start(global.quiet);
    let loaded = load_and_validate(&config, &args.out)?;
    let planned = plan(&config, &loaded);
    let run = simulate_catalogue(
        &planned.plans,
        &loaded.series,
        &config.simulation,
        &config.policy,
    );
    let (rows, skipped, secs) = (&run.rows, run.skipped, run.simulate_secs);
    let sim = &config.simulation;
    let sku_days =
        rows.len() as f64 * sim.replications as f64 * f64::from(sim.days + sim.warmup_days);
    if global.verbose >= 1 {
        for (step, t) in loaded.report.timings.iter().chain(&planned.timings) {
            eprintln!("{step:<22} {t:>8.3} s");
        }
        eprintln!("{:<22} {:>8.3} s", "design policies", run.design_secs);
        eprintln!(
            "{:<22} {secs:>8.3} s ({:.1} million SKU-days/s)",
            "simulate",
            sku_days / secs.max(1e-9) / 1e6
        );
    }
    let roll = portfolio(rows);
    write_simulation(&args.out.join("simulation.csv"), rows, sim.customer)?;
    write_portfolio(&args.out.join("simulation_portfolio.csv"), &roll)?;
    let optimised = if sim.optimise {
        let clock = Instant::now();
        let rows = optimise_catalogue(&planned.plans, &run.designs, &loaded.series, &run.rows, sim);
        if global.verbose >= 1 {
            eprintln!(
                "{:<22} {:>8.3} s",
                "optimise",
                clock.elapsed().as_secs_f64()
            );
        }
        write_optimised(&args.out.join("optimised.csv"), &rows)?;
        Some(rows)
    } else {
        None
    };
    drop(progress);
    if !global.quiet {
        outln!(
            "simulated {} SKUs x {} policies{} x {} scenarios x {} replications x {} days ({} customers){}",
            planned.plans.len() - skipped,
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
        out!("{}", portfolio_table(&roll));
        if let Some(rows) = &optimised {
            let met = rows.iter().filter(|r| r.result.met).count();
            let over = rows
                .iter()
                .filter(|r| {
                    r.result.met
                        && r.result.kpis.get("holding_cost") < r.analytic_kpis.get("holding_cost")
                })
                .count();
            outln!(
                "simulation-optimised levels: {met} of {} SKU x policy pairs meet their target fill rate; the formula over-stocks {over} of them (optimised.csv)",
                rows.len()
            );
        }
        outln!("wrote {}", args.out.join("simulation.csv").display());
    }
    Ok(if loaded.rejects.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
