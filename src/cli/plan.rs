//! `replenish plan`: forecast → lead times → policy → purchase recommendations, from the
//! config, written to one output folder.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Result;
use clap::Args;
use replenish::{
    config::{ConfigPatch, LevelSource, SafetyStockMethod},
    pipeline::Job,
    policy::{PolicyKind, ServiceMeasure},
};

use super::{config_from, Global, InputArgs};

/// Arguments of `replenish plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Inputs and settings.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Output folder: recommendations.csv/.json, policy.csv, lead_times.csv,
    /// lead_time_histogram.csv, forecast.csv, accuracy.csv, classes.csv, plan.json,
    /// validation.json, detail.json, rejects.csv, charts/ and report.html.
    #[arg(long, value_name = "DIR", default_value = "reports/plan")]
    pub out: PathBuf,
    /// Policy: sQ, sS (min-max), RS or RsS (overrides `[policy] policy`).
    #[arg(long, value_name = "sQ|sS|RS|RsS")]
    pub policy: Option<PolicyKind>,
    /// What service targets mean: cycle or fill_rate (overrides `[policy] service_measure`).
    #[arg(long, value_name = "cycle|fill_rate", value_parser = parse_measure)]
    pub service_measure: Option<ServiceMeasure>,
    /// Safety-stock method: auto, normal or empirical (overrides `[policy] method`).
    #[arg(long, value_name = "auto|normal|empirical", value_parser = parse_method)]
    pub method: Option<SafetyStockMethod>,
    /// Forecast horizon in buckets (extended to cover lead time + review period).
    #[arg(long, value_name = "N")]
    pub horizon: Option<usize>,
    /// Seed of the Monte Carlo for empirical safety stock (overrides `[policy] seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Policy levels: analytic (the formulas), simulated (the cheapest levels meeting each
    /// SKU's target, in the configured service measure, in simulation) or auto (simulated for
    /// intermittent and lumpy SKUs and tiny protection-period demand, analytic otherwise)
    /// (overrides `[policy] levels`, default auto).
    #[arg(long, value_name = "auto|analytic|simulated", value_parser = parse_levels)]
    pub levels: Option<LevelSource>,
    /// Do not write charts/ and report.html.
    #[arg(long)]
    pub no_report: bool,
    /// Money to spend on this run's orders, at unit cost: orders are ranked by the shortage
    /// they avoid per unit of money and cut by first fit (overrides `[purchasing] budget`).
    #[arg(long, value_name = "AMOUNT", value_parser = parse_budget)]
    pub budget: Option<f64>,
}

/// A budget: a positive, finite amount of money.
pub(super) fn parse_budget(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "'{s}' is not a budget; give a positive amount of money such as 20000"
        )),
    }
}

fn parse_levels(s: &str) -> Result<LevelSource, String> {
    match s.to_ascii_lowercase().as_str() {
        "analytic" => Ok(LevelSource::Analytic),
        "simulated" | "simulation" => Ok(LevelSource::Simulated),
        "auto" => Ok(LevelSource::Auto),
        _ => Err(format!(
            "'{s}' is not a level source; use auto, analytic or simulated"
        )),
    }
}

fn parse_measure(s: &str) -> Result<ServiceMeasure, String> {
    match s.to_ascii_lowercase().replace('-', "_").as_str() {
        "cycle" | "csl" => Ok(ServiceMeasure::Cycle),
        "fill_rate" | "fill" => Ok(ServiceMeasure::FillRate),
        _ => Err(format!(
            "'{s}' is not a service measure; use cycle or fill_rate"
        )),
    }
}

fn parse_method(s: &str) -> Result<SafetyStockMethod, String> {
    match s.to_ascii_lowercase().as_str() {
        "auto" => Ok(SafetyStockMethod::Auto),
        "normal" => Ok(SafetyStockMethod::Normal),
        "empirical" => Ok(SafetyStockMethod::Empirical),
        _ => Err(format!(
            "'{s}' is not a method; use auto, normal or empirical"
        )),
    }
}

impl PlanArgs {
    /// The settings these flags override.
    fn patch(&self) -> ConfigPatch {
        ConfigPatch {
            policy: self.policy,
            service_measure: self.service_measure,
            method: self.method,
            policy_seed: self.seed,
            levels: self.levels,
            horizon: self.horizon,
            budget: self.budget,
            ..ConfigPatch::default()
        }
    }
}

/// Runs the plan stage; exit code 0, or 3 with findings (see
/// [`replenish::pipeline::health`]).
///
/// # Errors
/// Invalid settings, input problems, or write failures.
pub fn run(args: &PlanArgs, global: &Global) -> Result<ExitCode> {
    let config = config_from(&args.inputs, args.patch())?;
    let job = Job::plan(&config, &args.out, !args.no_report);
    if global.verbose >= 2 {
        eprintln!(
            "effective config:\n{}",
            toml::to_string_pretty(&*job.plan_config()).unwrap_or_default()
        );
    }
    let outcome = {
        let _progress = super::progress::Monitor::start(global.quiet);
        job.execute()?
    };
    if global.verbose >= 1 {
        for (step, t) in outcome.load_steps.iter().chain(&outcome.plan_steps) {
            eprintln!("{step:<22} {t:>8.3} s");
        }
    }
    let out = &args.out;
    if !global.quiet {
        if let Some(summary) = &outcome.summary {
            out!("{}", summary.table());
        }
        outln!("wrote {}", out.join("recommendations.csv").display());
        super::run::print_changes(outcome.changes.as_ref(), out);
        super::run::print_realised(outcome.realised.as_ref(), out);
        super::run::print_report(outcome.report.as_ref());
    }
    Ok(super::finish(&outcome.health, out, "policy.csv", global))
}
