//! The `[simulation]` settings: how long, how often and under which worlds each SKU's policies
//! are simulated. The config file's table deserializes into [`SimulationSettings`]; checking
//! its values against each other is the config's job.

use serde::{Deserialize, Serialize};

use super::{scenario::Scenario, CustomerMode};
use crate::policy::PolicyKind;

/// Where simulated demand comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DemandSource {
    /// The forecast plus its own backtest errors (the model the policy was designed with).
    #[default]
    Forecast,
    /// A weekday-aligned block bootstrap of the SKU's daily history (daily buckets only).
    History,
}

/// Simulation settings (`[simulation]`).
///
/// | name | default | meaning |
/// |---|---|---|
/// | `days` | 365 | simulated days counted in the KPIs (after the warm-up) |
/// | `warmup_days` | 60 | days simulated first and not counted |
/// | `replications` | 200 | most independent runs per SKU, policy and scenario |
/// | `min_replications` | 40 | runs made first; more follow in batches of 20 until the fill rate's 95% half-width is at most `fill_rate_precision`, or `replications` is reached |
/// | `fill_rate_precision` | 0.005 | that half-width (0.005 = ±0.5 percentage points); 0 = always `replications` |
/// | `fill_rate_relative_precision` | 0.05 | also enough: a half-width of this share of the unfilled share (1 − fill rate), so a policy filling 60% stops at ±2 points; it loosens the rule only below 90% fill; 0 = off (see [`super::Precision`]) |
/// | `seed` | 42 | run seed; each SKU's streams derive from it and the SKU |
/// | `customer` | `patience` | `backorder`, `lost_sales` or `patience` (mean = the item's `patience_days`) |
/// | `demand` | `forecast` | `forecast` (forecast + backtest errors) or `history` (block bootstrap) |
/// | `crossing` | false | false: a supplier's delay persists over calendar time (each order's lead time is a draw from the sample at a quantile that drifts with a year's correlation time), so orders in transit together are late or early together and arrive in the order placed — the textbook's world, whose (R,S) lead-time term is σ_L²; true: each order's lead time is drawn independently and orders may overtake each other (the (R,S) design then uses the crossing-aware variance) |
/// | `policies` | sQ, sS, RS, RsS | policy families compared |
/// | `current` | true | also simulate the item master's current policy, where given |
/// | `scenarios` | baseline, demand_surge, supplier_delay, lead_time_variability, record_inaccuracy | see [`super::scenario`] |
/// | `scenarios_all` | `simulate`: true; `run`: false | simulate every scenario for every family compared; when false the disruption scenarios are simulated for the current policy and each SKU's recommended family (`[policy] policy`) — what the report compares — and the other families under the baseline only (about half the simulation time) |
/// | `optimise` | true | also search each SKU's and family's cheapest levels meeting its target in simulation (in `[policy] service_measure`, customers of `[policy] design_customer`, baseline), written to `optimised.csv` |
/// | `optimise_all` | false | optimise every family compared, not only the recommended one (`[policy] policy`); about 4× the cost |
/// | `optimise_replications` | 40 | replications per candidate in that search (the reported figures use `replications`) |
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SimulationSettings {
    /// Days counted.
    pub days: u32,
    /// Warm-up days.
    pub warmup_days: u32,
    /// Replications (the most).
    pub replications: usize,
    /// Replications made before the precision is first checked.
    pub min_replications: usize,
    /// Target 95% half-width of the fill rate (0 = run every replication).
    pub fill_rate_precision: f64,
    /// Also enough: this share of the unfilled share (1 − fill rate) as the half-width.
    pub fill_rate_relative_precision: f64,
    /// Seed.
    pub seed: u64,
    /// Customer behaviour.
    pub customer: CustomerMode,
    /// Demand source.
    pub demand: DemandSource,
    /// Whether orders may cross.
    pub crossing: bool,
    /// Policies compared.
    pub policies: Vec<PolicyKind>,
    /// Also simulate the item master's current policy (policy `current`).
    pub current: bool,
    /// Scenarios.
    pub scenarios: Vec<Scenario>,
    /// Simulate every scenario for every family (else the disruptions only for `current` and
    /// the recommended family, the baseline for all); unset = the command's default (true for
    /// `simulate`, false for `run`).
    pub scenarios_all: Option<bool>,
    /// Whether `simulate` also runs the simulation-optimisation.
    pub optimise: bool,
    /// Optimise every family compared (else only the recommended one).
    pub optimise_all: bool,
    /// Replications per candidate in the optimisation.
    pub optimise_replications: usize,
}

impl Default for SimulationSettings {
    fn default() -> Self {
        Self {
            days: 365,
            warmup_days: 60,
            replications: 200,
            min_replications: 40,
            fill_rate_precision: 0.005,
            fill_rate_relative_precision: 0.05,
            seed: 42,
            customer: CustomerMode::Patience,
            demand: DemandSource::Forecast,
            crossing: false,
            policies: vec![
                PolicyKind::SQ,
                PolicyKind::MinMax,
                PolicyKind::RS,
                PolicyKind::RsS,
            ],
            current: true,
            scenarios: Scenario::defaults(),
            scenarios_all: None,
            optimise: true,
            optimise_all: false,
            optimise_replications: 40,
        }
    }
}
