//! The crate-wide error type: one variant per module error, wrapped with `#[from]`.

use crate::{config::ConfigError, io::LoadError};

/// Any error a replenish stage can return.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration file or a command-line setting is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// An input file could not be loaded or failed validation.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Generating a synthetic data set failed.
    #[error(transparent)]
    Generate(#[from] crate::generate::GenerateError),
    /// Rendering the charts or report failed.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    /// Shard outputs could not be merged.
    #[error(transparent)]
    Merge(#[from] crate::pipeline::merge::MergeError),
    /// The output folder is being written by another run.
    #[error(transparent)]
    Locked(#[from] crate::pipeline::lock::LockError),
}

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
