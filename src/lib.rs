//! # replenish
//!
//! Demand forecasting and replenishment planning for shops and wholesalers.
//!
//! replenish is a batch pipeline: it loads sales history, purchase-order history, an
//! inventory snapshot and an item master ([`io`]), validates every row (rows that cannot be
//! used go to `rejects.csv`, never silently dropped), buckets sales into one contiguous demand
//! series per SKU and location ([`calendar`]), and hands typed data to the planning stages.
//!
//! Stages, each in its own module:
//!
//! | module | responsibility |
//! |---|---|
//! | [`config`] | TOML configuration, defaults, column mapping |
//! | [`io`] | loading CSV/Parquet with polars, row validation, rejects, atomic writes |
//! | [`calendar`] | day/week/month buckets, gap filling, seasonal periods |
//! | [`classify`] | ADI/CV² demand classes, ABC, XYZ |
//! | [`forecast`] | forecasting models, backtest selection, quantiles, held-out evaluation |
//! | [`validate`] | the `validate` stage: load everything, cross-check, summarise |
//! | [`generate`] | deterministic synthetic data sets that look like real retail data |
//!
//! polars stops at the io boundary: later stages see [`calendar::DemandSeries`] and plain
//! records, never DataFrames.

pub mod calendar;
pub mod classify;
pub mod config;
pub mod forecast;
pub mod generate;
pub mod io;
pub mod leadtime;
pub mod merge;
pub mod optimize;
pub mod pipeline;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod recommend;
pub mod report;
pub mod shard;
pub mod sim;
pub mod validate;

mod error;

pub use error::{Error, Result};
