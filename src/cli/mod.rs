//! Command-line arguments (clap) and dispatch to one module per subcommand.
//!
//! Arguments are checked for syntax here; each command turns its flags into one
//! [`ConfigPatch`] and [`config_from`] lays it over the TOML config (command line > config
//! file > defaults) and checks the result once ([`Config::patched`]).

/// `println!` that ignores a closed stdout (`replenish validate | head` must not panic).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `print!` that ignores a closed stdout.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

mod forecast;
mod generate;
mod merge;
mod plan;
mod policy;
mod progress;
mod report;
mod run;
mod simulate;
mod validate;

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use replenish::{
    calendar::Freq,
    config::{Config, ConfigPatch},
    example,
    pipeline::health::Health,
};

/// Demand forecasting and replenishment planning: forecasts, safety stock, reorder points,
/// backorder simulation and purchase recommendations, as a batch job.
#[derive(Debug, Parser)]
#[command(name = "replenish", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Examples:\n  replenish validate                      # check the bundled example (inputs in reports/example-inputs/)\n  replenish validate --config plan.toml   # check your own inputs\n  replenish generate --skus 500 --days 1095 --seed 7 --out data/demo"
)]
pub struct Cli {
    /// Options shared by every subcommand.
    #[command(flatten)]
    pub global: Global,
    /// The stage to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every subcommand.
#[derive(Debug, Args)]
pub struct Global {
    /// More output on stderr: -v step timings, -vv also the effective config.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// No output except errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

/// Subcommands, one per pipeline stage.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline: validate, forecast, lead times, policies, recommendations,
    /// simulation, charts and report.html, into one folder.
    #[command(
        after_help = "Examples:\n  replenish run                                        # the bundled example into reports/example\n  replenish run --config plan.toml --out reports/2026-11-23\n  replenish run --no-simulate --seed 7"
    )]
    Run(run::RunArgs),
    /// Load and validate the inputs, write rejects.csv and a summary; change nothing else.
    #[command(
        after_help = "Examples:\n  replenish validate                                  # the bundled example (reports/example-inputs/)\n  replenish validate --config plan.toml --out reports/check\n  replenish validate --sales sales.csv --items items.csv --freq week"
    )]
    Validate(validate::ValidateArgs),
    /// Forecast demand per SKU: model selection by backtest, quantiles from backtest errors.
    #[command(
        after_help = "Examples:\n  replenish forecast                                   # the bundled example, 28 days ahead\n  replenish forecast --sales data/sales.csv --freq week --horizon 12 --out reports/fc/forecast.csv\n  replenish forecast --models sba,tsb --quantiles 0.05,0.5,0.95"
    )]
    Forecast(forecast::ForecastArgs),
    /// Forecast, learn lead times, compute safety stock, reorder points and purchase
    /// recommendations.
    #[command(
        after_help = "Examples:\n  replenish plan                                      # the bundled example\n  replenish plan --config plan.toml --out reports/plan\n  replenish plan --policy RS --service-measure fill_rate --method empirical"
    )]
    Plan(plan::PlanArgs),
    /// Compare policy families under baseline and disruption scenarios by Monte Carlo
    /// simulation: fill rate, backorders, waits, cancellations and costs per SKU and portfolio.
    #[command(
        after_help = "Examples:\n  replenish simulate                                   # the bundled example\n  replenish simulate --config plan.toml --out reports/sim --replications 500\n  replenish simulate --customer backorder --policies sS,RS --scenarios baseline,supplier_delay"
    )]
    Simulate(simulate::SimulateArgs),
    /// One-SKU safety stock, reorder point and order quantity calculator, and the reverse
    /// what-if (the service given levels deliver).
    #[command(
        after_help = "Examples:\n  replenish policy --demand-mean 12 --demand-sd 4 --lead-time 10\n  replenish policy --demand-mean 12 --demand-sd 4 --lead-time 10 --lead-time-sd 3 --fill-rate 0.98 --order-cost 40 --holding-rate 0.25 --unit-cost 8\n  replenish policy --demand-mean 12 --demand-sd 4 --lead-time 10 --policy RS --review-period 7 --service-level 0.95 --json\n  replenish policy --demand-mean 12 --demand-sd 4 --lead-time 10 --reorder-point 150 --order-qty 200   # what service does s = 150 give?"
    )]
    #[command(allow_negative_numbers = true)]
    Policy(policy::PolicyArgs),
    /// Re-render charts and report.html from an output folder, e.g. with more SKU sections.
    #[command(
        after_help = "Examples:\n  replenish report --from reports/example\n  replenish report --from reports/example --top 50 --width 1400 --height 700"
    )]
    Report(report::ReportArgs),
    /// Combine the outputs of `run --shard K/N` (all N shards of one job, checked to share
    /// config, inputs and seed) into one output folder and report, byte-identical to one
    /// unsharded run.
    Merge(merge::MergeArgs),
    /// Write a realistic synthetic data set (sales, purchase orders, inventory, items, plan.toml).
    #[command(
        after_help = "Examples:\n  replenish generate --out data/demo\n  replenish generate --skus 30490 --days 1941 --dense --format parquet --out /tmp/m5"
    )]
    Generate(generate::GenerateArgs),
}

/// Runs the chosen subcommand; returns the process exit code.
///
/// # Errors
/// Whatever the stage reports, with context.
pub fn run(cli: &Cli) -> Result<ExitCode> {
    match &cli.command {
        Command::Validate(a) => validate::run(a, &cli.global),
        Command::Generate(a) => generate::run(a, &cli.global),
        Command::Forecast(a) => forecast::run(a, &cli.global),
        Command::Plan(a) => plan::run(a, &cli.global),
        Command::Policy(a) => policy::run(a, &cli.global),
        Command::Simulate(a) => simulate::run(a, &cli.global),
        Command::Run(a) => run::run(a, &cli.global),
        Command::Report(a) => report::run(a, &cli.global),
        Command::Merge(a) => merge::run(a, &cli.global),
    }
}

/// The end of every command that reads inputs: prints what [`Health`] found (counts and
/// the files to look at; nothing with `-q`) and returns its exit code (0 clean, 3 with
/// findings; see [`replenish::pipeline::health`]).
pub fn finish(
    health: &Health,
    out: &std::path::Path,
    policy_file: &str,
    global: &Global,
) -> ExitCode {
    if !global.quiet {
        for line in health.lines(out, policy_file) {
            outln!("{line}");
        }
    }
    ExitCode::from(health.exit_code())
}

/// The bundled example's config: the example's inputs written into `reports/example-inputs/`
/// of the current folder ([`example::write`]; the same bytes on every call), the path made
/// absolute so that run.json and the report name files a planner can open from anywhere.
///
/// # Errors
/// The folder cannot be written.
pub fn bundled_config() -> Result<PathBuf> {
    let dir = std::path::absolute(example::INPUTS_DIR)
        .with_context(|| format!("finding the current folder for {}", example::INPUTS_DIR))?;
    example::write(&dir).with_context(|| {
        format!(
            "writing the bundled example's inputs into {} (run in a folder you can write to, or give --config)",
            dir.display()
        )
    })
}

/// Input overrides common to the stages that read data.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// TOML config file (default, when neither --config nor --sales is given: the bundled
    /// example, whose inputs are written to reports/example-inputs/ of the current folder).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Sales history, CSV or Parquet (overrides the config).
    #[arg(long, value_name = "FILE")]
    pub sales: Option<PathBuf>,
    /// Purchase-order history (overrides the config).
    #[arg(long, value_name = "FILE")]
    pub purchase_orders: Option<PathBuf>,
    /// Inventory snapshot (overrides the config).
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// Item master (overrides the config).
    #[arg(long, value_name = "FILE")]
    pub items: Option<PathBuf>,
    /// Bucket size: day, week or month (overrides the config).
    #[arg(long, value_name = "day|week|month")]
    pub freq: Option<Freq>,
    /// Planning date YYYY-MM-DD; history ends the day before (default: the day after the
    /// latest sale; with --freq week or month and every sales date a bucket start, a Monday or
    /// the 1st, i.e. pre-aggregated totals: the next bucket start, so the last bucket counts).
    #[arg(long, value_name = "DATE")]
    pub planning_date: Option<chrono::NaiveDate>,
    /// Largest share of a file's rows that may be rejected, e.g. 0.01 (overrides the config).
    #[arg(long, value_name = "SHARE")]
    pub max_reject_share: Option<f64>,
}

impl InputArgs {
    /// Whether these flags select the bundled example (neither --config nor --sales).
    fn is_example(&self) -> bool {
        self.config.is_none() && self.sales.is_none()
    }

    /// `patch` with these input flags laid in.
    fn over(&self, patch: ConfigPatch) -> ConfigPatch {
        ConfigPatch {
            sales: self.sales.clone(),
            purchase_orders: self.purchase_orders.clone(),
            inventory: self.inventory.clone(),
            items: self.items.clone(),
            freq: self.freq,
            planning_date: self.planning_date,
            max_reject_share: self.max_reject_share,
            ..patch
        }
    }
}

/// Builds the validated config: the input flags and a command's `patch` over the config file
/// over the defaults, checked once. With neither a config nor a sales file, the bundled example
/// is used.
///
/// # Errors
/// An unreadable or invalid config file, or an out-of-range override.
pub fn config_from(args: &InputArgs, patch: ConfigPatch) -> Result<Config> {
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None if args.is_example() => Some(bundled_config()?),
        None => None,
    };
    let config = match &path {
        Some(p) => Config::from_file(p)?,
        None => Config::default(),
    };
    Ok(config.patched(&args.over(patch))?)
}
