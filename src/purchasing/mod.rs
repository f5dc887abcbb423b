//! Purchasing under constraints: which of the recommended orders to place when money is
//! limited ([`budget`]); how a supplier's order is rounded to whole containers
//! ([`container`]); which of several suppliers a SKU is bought from ([`alternatives`]).
//!
//! This module ranks and cuts order lines that the recommendations have already sized (policy
//! quantity, pack, MOQ); it does not decide what a SKU needs — that is [`crate::policy`] and
//! [`crate::recommend`] — and it knows nothing of the config file: [`PurchasingSettings`] is
//! composed by [`crate::config`] as `[purchasing]`.

pub mod alternatives;
pub mod budget;
pub mod container;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Purchasing settings (`[purchasing]` in the config).
///
/// | name | default | meaning | range |
/// |---|---|---|---|
/// | `budget` | none (unlimited) | money to spend on the orders of this run, at unit cost (`plan --budget`, `run --budget`) | > 0 |
/// | `budget_by_supplier` | none | `[purchasing.budget_by_supplier]`: supplier name = money its orders may cost | each > 0; a supplier of the inputs |
/// | `budget_by_category` | none | `[purchasing.budget_by_category]`: item-master category = money its orders may cost | each > 0; a category of the item master |
///
/// A supplier or category name that no input has is refused once the inputs are read
/// ([`crate::io::LoadError::UnknownNames`], naming the key and the closest known name): a
/// budget that limits nothing must not pass for one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PurchasingSettings {
    /// Money (currency, at unit cost) the orders of one run may cost; `None` = unlimited.
    pub budget: Option<f64>,
    /// Money (currency, at unit cost) the orders to each named supplier may cost (within
    /// `budget` when that is set too); a supplier not named has no budget of its own.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub budget_by_supplier: BTreeMap<String, f64>,
    /// Money (currency, at unit cost) the orders of the items of each named category
    /// (item-master `category`) may cost (within `budget` when that is set too); items of a
    /// category not named, or without one, have no category budget.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub budget_by_category: BTreeMap<String, f64>,
}

impl PurchasingSettings {
    /// Whether any budget is set (total, per supplier or per category): the orders are then
    /// ranked and cut ([`budget`]).
    pub fn is_limited(&self) -> bool {
        self.budget.is_some()
            || !self.budget_by_supplier.is_empty()
            || !self.budget_by_category.is_empty()
    }
}
