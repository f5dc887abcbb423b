//! # replenish
//!
//! Demand forecasting and replenishment planning for shops and wholesalers.
//!
//! replenish is a batch pipeline: it loads sales history, purchase-order history, an
//! inventory snapshot and an item master ([`io`]), validates every row (rows that cannot be
//! used go to `rejects.csv`, never silently dropped), buckets sales into one contiguous demand
//! series per SKU and location ([`calendar`]), forecasts ([`forecast`]), learns lead times
//! ([`leadtime`]), designs policies ([`policy`]), recommends orders ([`recommend`]), simulates
//! the backorders each policy produces ([`sim`], [`simulate`]) and renders the report
//! ([`report`]); [`pipeline`] runs the stages in order into one output folder.
//!
//! polars stops at the io boundary: later stages see [`calendar::DemandSeries`] and plain
//! records, never DataFrames.
//!
//! # Layers
//!
//! Imports go one way: a module may use modules of its own layer or of a layer below, never of
//! a layer above, and no two modules import each other (directly or round a loop). The table
//! below is the rule itself — the architecture test (`tests/architecture.rs`) reads it from
//! this file and fails on any `crate::` path (or `super::` path out of a module) that goes up
//! a layer, on a cycle, and on a module missing from it. The command line (`src/main.rs`,
//! `src/cli/`) sits on top and uses only the library's public API.
//!
//! | layer | modules | responsibility |
//! |---|---|---|
//! | 0 foundation | [`util`], [`progress`], [`domain`], [`shard`] | hashing and quantiles, progress counters, shared vocabulary (model specifications), which SKUs a shard plans |
//! | 1 input | [`io`], [`screen`], [`calendar`], [`classify`], [`generate`], [`example`], [`supplier_calendar`] | loading and validating input files, atomic writes and cell formats; screening implausible values; buckets and demand series; suppliers' order days and closures; ADI/CV², ABC, XYZ classes; synthetic data sets; the bundled example the binary carries |
//! | 2 engines | [`forecast`], [`leadtime`], [`policy`], [`sim`], [`optimize`], [`purchasing`] | each owns its settings type and knows nothing of the config file: forecasting models and selection; lead-time distributions; safety stock, levels and order quantities; the Monte Carlo engine; simulation-optimised levels; the order budget's ranking and cut, container fill |
//! | 3 settings | [`config`] | the TOML config: composes the engines' settings, defaults, column mapping, one check |
//! | 4 stages | [`validate`], [`sku_plan`], [`recommend`], [`simulate`], [`plan`], [`changes`], [`realised`] | load and cross-check every input; the per-SKU plan record; purchase recommendations; the catalogue simulation and optimisation; the plan stage (forecast → lead time → policy → recommendations) and its outputs; what changed since the last run; the service delivered since the last run |
//! | 5 report | [`report`] | charts and `report.html`, read back from an output folder |
//! | 6 pipeline | [`pipeline`], `error` | the stage sequence, staging and publish, run manifest, shard merge; the crate-wide [`Error`] |
//!
//! Within a layer the order is free but acyclic: e.g. `optimize` uses `sim`, which uses
//! `policy`; `plan` uses `recommend`, `simulate` and `sku_plan`.

pub mod calendar;
pub mod changes;
pub mod classify;
pub mod config;
pub mod domain;
pub mod example;
pub mod forecast;
pub mod generate;
pub mod io;
pub mod leadtime;
pub mod optimize;
pub mod pipeline;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod purchasing;
pub mod realised;
pub mod recommend;
pub mod report;
pub mod screen;
pub mod shard;
pub mod sim;
pub mod simulate;
pub mod sku_plan;
pub mod supplier_calendar;
pub mod util;
pub mod validate;

mod error;

pub use error::{Error, Result};
