//! `replenish validate`: load and check the inputs, write rejects.csv and validation.json,
//! print a summary.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Result;
use clap::Args;
use replenish::{
    config::ConfigPatch,
    pipeline::{health::Health, staged, Publish},
    validate::{load_and_validate, totals},
};

use super::{config_from, Global, InputArgs};

/// Arguments of `replenish validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Inputs and settings.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Output folder for rejects.csv and validation.json.
    #[arg(long, value_name = "DIR", default_value = "reports/validate")]
    pub out: PathBuf,
}

/// Runs the validation; exit code 0 when every row and cell was accepted and nothing was
/// flagged, 3 otherwise (see [`replenish::pipeline::health`]).
///
/// # Errors
/// Structural input problems, too many rejects, or write failures.
pub fn run(args: &ValidateArgs, global: &Global) -> Result<ExitCode> {
    let config = config_from(&args.inputs, ConfigPatch::default())?;
    if global.verbose >= 2 {
        eprintln!(
            "effective config:\n{}",
            toml::to_string_pretty(&config).unwrap_or_default()
        );
    }
    // Staged and published like every command's folder: a failure changes nothing in it.
    let loaded = staged(&args.out, None, Publish::Add, |dir| {
        let loaded = load_and_validate(&config, dir)?;
        if global.verbose >= 1 {
            for (step, secs) in &loaded.report.timings {
                eprintln!("{step:<22} {secs:>8.3} s");
            }
        }
        loaded.report.write_json(&dir.join("validation.json"))?;
        Ok(loaded)
    })?;
    let t = totals(&loaded.report);
    if !global.quiet {
        out!("{}", loaded.report.summary());
        outln!(
            "\n{} rows read = {} accepted + {} rejected; {} cells rejected alone; rejects in {}",
            t.rows_read,
            t.rows_accepted,
            t.rows_rejected,
            t.cells_rejected,
            args.out.join("rejects.csv").display()
        );
    }
    Ok(super::finish(
        &Health::of_inputs(&loaded),
        &args.out,
        "policy.csv",
        global,
    ))
}
