//! The `replenish` command line: parses arguments, builds a validated configuration, calls the
//! library and turns errors into a message and an exit code. No planning logic lives here.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc keeps freed pages for reuse; glibc malloc returned them to the kernel and faulted
/// in fresh zeroed pages for each series' buffers (measured in benches/RESULTS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    if let Some(n) = args.global.threads {
        // Ignore the error of a pool already built: only possible in tests.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(n))
            .build_global();
        std::env::set_var("POLARS_MAX_THREADS", n.to_string());
    }
    match cli::run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", message(&e));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes joined by ": ", leaving out a cause whose text the message
/// already ends with (library errors often quote their source).
fn message(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.ends_with(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}
