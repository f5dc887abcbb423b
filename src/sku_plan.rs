//! The per-SKU plan record: what the plan stage decided for one SKU — its demand and lead-time
//! inputs, service target and policy — and what the stages after it read (recommendations,
//! the simulation stage, the report).
//!
//! Only the record lives here; building it is [`crate::plan`]'s job. It sits below both `plan`
//! and the stages that read it, so they need not import each other.

use crate::{
    classify::{Abc, DemandClass},
    io::items::ItemParams,
    leadtime::SkuLeadTime,
    policy::{Levels, PolicyError, PolicyInput, PolicyOutcome, ServiceMeasure},
    purchasing::alternatives::SupplierChoice,
    sim::CustomerMode,
};

/// One SKU's plan: the inputs of its policy and the policy.
#[derive(Debug, Clone)]
pub struct SkuPlan {
    /// SKU.
    pub sku: String,
    /// Location, if any.
    pub location: Option<String>,
    /// Supplier: the item master's, else that of the latest purchase order — or the one
    /// chosen among several ([`SkuPlan::supplier_choice`]).
    pub supplier: Option<String>,
    /// Demand class (`none` for SKUs without sales).
    pub class: DemandClass,
    /// ABC class (C for SKUs without sales).
    pub abc: Abc,
    /// Chosen forecast model.
    pub model: crate::domain::model::ModelId,
    /// Service target.
    pub target: f64,
    /// Where the target came from: `item`, `class A|B|C` or `default`.
    pub target_source: String,
    /// What the target measures.
    pub measure: ServiceMeasure,
    /// Mean demand per day over the protection period.
    pub demand_per_day: f64,
    /// Standard deviation of daily demand around the forecast.
    pub demand_sd_per_day: f64,
    /// Lead time used.
    pub lead_time: SkuLeadTime,
    /// Review period (days).
    pub review_period: f64,
    /// The policy, or why it could not be computed.
    pub policy: Result<PolicyOutcome, PolicyError>,
    /// Days of sales history before the planning date (0 without sales).
    pub history_days: i64,
    /// Whether the forecast model was chosen by backtest.
    pub backtested: bool,
    /// Item parameters with defaults applied.
    pub item: ItemParams,
    /// Forecast demand per day from the planning date.
    pub rate_per_day: Vec<f64>,
    /// Backtest error runs per day, with their imputed days (for simulation and the Monte
    /// Carlo).
    pub error_paths: crate::policy::empirical::ErrorPaths,
    /// The policy calculator's input (to redesign for another policy family).
    pub policy_input: PolicyInput,
    /// Whether the empirical (Monte Carlo) method was used.
    pub empirical: bool,
    /// The planner's current policy from the item master, if given: `sS` with min/max, else
    /// `sQ` (with the given Q, or the calculator's).
    pub current: Option<Levels>,
    /// Seed of this SKU's random streams.
    pub seed: u64,
    /// What the planner's inputs changed for this SKU, one line each: overrides (with the
    /// computed value they replaced), coverage rules, locks, events and multipliers applied
    /// to the forecast, analogue forecasts. Empty when nothing was steered.
    pub overrides: Vec<String>,
    /// How the safety stock was set (`statistical`, `14 days of forecast (class A)`, …).
    pub safety_stock_rule: String,
    /// Stockout days in the forecast's training history.
    pub censored_days: u32,
    /// Units the censored-demand imputation added to the history.
    pub imputed_units: f64,
    /// Why no new orders may be placed (`do_not_order`, `discontinued`), if so.
    pub hold: Option<String>,
    /// What screening found in this SKU's inputs, one line per kind (e.g. "2 implausible
    /// quantity values excluded from fitting (see anomalies.csv)"); shown in the
    /// recommendation's reason. Empty when nothing was flagged.
    pub input_notes: Vec<String>,
    /// Why the SKU is planned as never sold (its sales rows span the minimum history without
    /// a positive sale), if so: it is REVIEW with no demand invented.
    pub never_sold: Option<String>,
    /// The largest quantity of one past purchase order (units), if the SKU has any: with the
    /// days of cover, the yardstick of the order sanity check.
    pub largest_past_order: Option<f64>,
    /// The recommended levels' simulated service, when simulated: by the simulation design,
    /// or (in `run`) by the check of analytic levels; `None` otherwise.
    pub simulated: Option<SimulatedService>,
    /// The simulation design's search result for the recommended family (`None` for
    /// formula levels): `run`'s optimise stage reports it instead of searching again, since
    /// it would run the same search with the same seed and world.
    pub design_search: Option<Box<crate::optimize::Optimised>>,
    /// The comparison of the SKU's suppliers when it has several (the suppliers file); the
    /// chosen one is `supplier`, and its lead time and unit cost are the plan's.
    pub supplier_choice: Option<SupplierChoice>,
}

/// The simulated service of a SKU's recommended levels (baseline scenario, the design's
/// customer behaviour), as policy.csv reports it next to the target and the designed service.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulatedService {
    /// Simulated fill rate (share of demand served from stock on the day).
    pub fill_rate: f64,
    /// Simulated cycle service level (replenishment cycles without a stockout day).
    pub cycle_service_level: f64,
    /// The customer behaviour simulated.
    pub customer: CustomerMode,
    /// Replications run.
    pub replications: usize,
}

impl SimulatedService {
    /// The simulated figure in `measure`.
    pub fn of(&self, measure: ServiceMeasure) -> f64 {
        match measure {
            ServiceMeasure::Cycle => self.cycle_service_level,
            ServiceMeasure::FillRate => self.fill_rate,
        }
    }
}
