//! `replenish merge`: combines the outputs of `replenish run --shard K/N` (all N shards of one
//! job) into one output folder and report.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Result;
use clap::Args;
use replenish::pipeline::merge::merge;

use super::Global;

/// Arguments of `replenish merge`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  replenish merge --from reports/nightly --out reports/nightly   # the shards share one folder\n  replenish merge --from s0 s1 s2 s3 --out reports/nightly        # one folder per shard\n  replenish merge --from /shared/run --out /shared/run --no-report"
)]
pub struct MergeArgs {
    /// Folders holding the shards' outputs (one shared folder, or one per shard).
    #[arg(long, value_name = "DIR", num_args = 1.., required = true)]
    pub from: Vec<PathBuf>,
    /// Output folder for the merged outputs and the report (may be a --from folder: the shard
    /// files keep their shard names).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Do not write charts/ and report.html.
    #[arg(long)]
    pub no_report: bool,
}

/// Merges; exit code 0, or 3 when the merged run has findings (see
/// [`replenish::pipeline::health`]).
///
/// # Errors
/// Shards missing, of different jobs, configs or inputs; unreadable shard files; write
/// failures.
pub fn run(args: &MergeArgs, global: &Global) -> Result<ExitCode> {
    let outcome = merge(&args.from, &args.out, !args.no_report)?;
    if !global.quiet {
        outln!(
            "merged {} shards into {} in {:.1} s",
            outcome.shards,
            args.out.display(),
            outcome.seconds
        );
        super::run::print_portfolio(
            &outcome.summary,
            &outcome.portfolio,
            &outcome.recommended_policy,
        );
        super::run::print_report(outcome.report.as_ref());
        outln!("wrote {}", args.out.join("recommendations.csv").display());
    }
    Ok(super::finish(
        &outcome.health,
        &args.out,
        "policy.csv",
        global,
    ))
}
