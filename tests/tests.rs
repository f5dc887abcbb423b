//! The integration test binary: bad-input corpus, loader behaviour on real-export quirks,
//! and the command line end to end.

mod architecture;
mod arima_reference;
mod bad_input;
mod changes;
mod cli;
mod ets_reference;
mod example;
mod forecast_reference;
mod fuzz;
mod loading;
mod messy;
mod plan;
mod policy_cli;
mod preaggregated;
mod publish;
mod realised;
mod report;
mod run;
mod screening;
mod service;
mod shard;
mod simulate;
mod steering;
mod suppliers;
mod terms;
mod util;
