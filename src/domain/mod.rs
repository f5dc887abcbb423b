//! Shared vocabulary: names and identifiers that several layers speak, with no behaviour that
//! needs an engine.
//!
//! A leaf: it imports nothing of the crate but [`crate::util`]. The types here are parsed at
//! the input boundary (config, command line, input files) and read by the engines.

pub mod model;
pub mod target;
