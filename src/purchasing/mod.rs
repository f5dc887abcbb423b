//! Purchasing under constraints: which of the recommended orders to place when money is
//! limited ([`budget`]), and how a supplier's order is rounded to whole containers
//! ([`container`]).
//!
//! This module ranks and cuts order lines that the recommendations have already sized (policy
//! quantity, pack, MOQ); it does not decide what a SKU needs — that is [`crate::policy`] and
//! [`crate::recommend`] — and it knows nothing of the config file: [`PurchasingSettings`] is
//! composed by [`crate::config`] as `[purchasing]`.

pub mod budget;
pub mod container;

use serde::{Deserialize, Serialize};

/// Purchasing settings (`[purchasing]` in the config).
///
/// | name | default | meaning | range |
/// |---|---|---|---|
/// | `budget` | none (unlimited) | money to spend on the orders of this run, at unit cost (`plan --budget`, `run --budget`) | > 0 |
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PurchasingSettings {
    /// Money (currency, at unit cost) the orders of one run may cost; `None` = unlimited.
    pub budget: Option<f64>,
}
