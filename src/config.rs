//! The TOML configuration: input files, column mapping, validation limits, calendar settings
//! and item defaults.
//!
//! This module owns parsing and checking the configuration; it does not read any input data.
//! Every setting has a documented default, so an empty file is a valid configuration (it just
//! names no inputs). Unknown keys are errors, so a typo never silently falls back to a default.
//! Names only the inputs define — suppliers in `[suppliers.NAME]` and
//! `[purchasing.budget_by_supplier]`, categories in `[purchasing.budget_by_category]` — are
//! checked once the inputs are read ([`crate::validate::load_and_validate`]): a name no input
//! has is an error naming the key, its file ([`Config::file`]) and the closest known name.
//! Relative input paths are resolved against the folder of the configuration file.
//!
//! ```toml
//! [inputs]
//! sales = "sales.csv"                  # required
//! purchase_orders = "purchase_orders.csv"
//! inventory = "inventory.csv"
//! items = "items.csv"
//!
//! [columns.sales]                      # canonical name = the name in your file
//! date = "OrderDate"
//! sku = "ItemNo"
//! quantity = "Qty"
//!
//! [validation]
//! max_reject_share = 0.01              # fail when more than 1% of a file's rows are rejected
//!
//! [calendar]
//! freq = "day"                         # day | week | month
//! planning_date = "2025-12-31"         # default: the day after the latest sale (weekly/monthly totals: the next bucket start)
//! history_start = "2023-01-01"         # default: each SKU's first sale
//!
//! [forecast]
//! horizon = 28                         # buckets (plan extends it to cover lead time + review)
//!
//! [lead_time]
//! min_receipts = 5                     # own receipts before a SKU's lead time is trusted
//!
//! [policy]
//! policy = "sS"                        # sQ | sS | RS | RsS
//! service_measure = "cycle"            # cycle | fill_rate
//! method = "auto"                      # auto | normal | empirical
//! service_targets = { A = 0.98, B = 0.95, C = 0.90 }
//!
//! [suppliers.SUP001]
//! min_order_value = 500                # currency per order
//! order_days = ["Mon", "Thu"]          # takes orders on these weekdays (default: every day)
//! closures = [{ from = "2026-12-24", to = "2027-01-06" }]
//! container_volume = 58                # usable m³ of one container (items' volume per unit)
//! container_weight = 26000             # kg payload (items' weight per unit)
//! max_containers = 2                   # default: unlimited
//!
//! [purchasing]
//! budget = 20000                       # money for this run's orders (default: unlimited)
//!
//! [purchasing.budget_by_supplier]      # optional, within the budget (default: none)
//! SUP001 = 5000
//!
//! [purchasing.budget_by_category]      # optional, item-master categories (default: none)
//! Tools = 3000
//! ```

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::Freq;
use crate::domain::target::ServiceTarget;
use crate::forecast::{
    calibrate::QuantileMethod,
    censor::Censoring,
    combine::{CombineMethod, Selection},
    ModelSpec,
};
pub use crate::io::items::ItemDefaults;
use crate::io::InputKind;
use crate::leadtime::LeadTimeSettings;
use crate::policy::{DemandShape, PolicyKind, ServiceMeasure};
use crate::purchasing::container::{Containers, Minimum};
pub use crate::purchasing::PurchasingSettings;
pub use crate::sim::settings::{DemandSource, SimulationSettings};
use crate::supplier_calendar::{parse_weekday, Closure, SupplierCalendar};
use crate::{forecast::select::ForecastSettings, sim::scenario::Scenario, sim::CustomerMode};

/// Errors from reading or checking the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML or has unknown keys or wrong value types.
    #[error("invalid config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the TOML parser reported (with line and column).
        message: String,
    },
    /// A setting has a value outside its allowed range.
    #[error("invalid setting {key}: {message}")]
    Invalid {
        /// The setting, as `section.key`.
        key: String,
        /// What was expected and what was found.
        message: String,
    },
    /// A setting given by one of the input flags every command shares (`--max-reject-share`,
    /// `--planning-date`) is invalid.
    #[error("checking the settings given on the command line")]
    CommandLine(#[source] Box<ConfigError>),
    /// A command-line flag has a value the config cannot take (named by the flag).
    #[error("{0}")]
    Flag(String),
}

/// The whole configuration. See the module documentation for an example.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Input files.
    pub inputs: Inputs,
    /// Column mapping per input: canonical column name → the column name in the user's file.
    pub columns: ColumnMaps,
    /// Row-validation limits.
    pub validation: ValidationSettings,
    /// Bucketing and the planning date.
    pub calendar: CalendarSettings,
    /// Values used where the item master has no row or an empty cell.
    pub defaults: ItemDefaults,
    /// Forecasting settings used by `plan` and `run`.
    pub forecast: ForecastConfig,
    /// Lead-time estimation.
    pub lead_time: LeadTimeSettings,
    /// Inventory policy and safety stock.
    pub policy: PolicySettings,
    /// Per-supplier order minimums: `[suppliers.NAME]`.
    pub suppliers: BTreeMap<String, SupplierTerms>,
    /// The order budget: `[purchasing]`.
    pub purchasing: PurchasingSettings,
    /// Monte Carlo simulation of policies and scenarios.
    pub simulation: SimulationSettings,
    /// Charts and report.html.
    pub report: ReportSettings,
    /// The file this config was read from ([`Config::from_file`]), so that a check against
    /// the inputs can name the file of the key it refuses; not a setting (never read from
    /// TOML, not written to run.json).
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

/// Report settings (`[report]`); `replenish report --from DIR` takes them as flags too.
///
/// | name | default | meaning |
/// |---|---|---|
/// | `top_skus` | 20 | SKUs with their own section (forecast, simulated stock, trade-off charts), ranked by value at risk |
/// | `width` | 1000 | chart width in pixels (PNG; the SVG has the same size) |
/// | `height` | 500 | chart height in pixels |
/// | `page_size` | 100 | recommendation rows per page in the report's table |
/// | `static_rows` | 2000 | rows of the table written as plain HTML, for readers without JavaScript (the most urgent first; every row is in the embedded data and recommendations.csv) |
/// | `lead_time_charts` | 12 | suppliers with their own lead-time chart: every drifting one, then by recommended order value |
/// | `long_wait_days` | 14 | a backorder expected to wait longer than this is an exception |
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ReportSettings {
    /// SKUs with their own section.
    pub top_skus: usize,
    /// Chart width (pixels).
    pub width: u32,
    /// Chart height (pixels).
    pub height: u32,
    /// Table rows per page.
    pub page_size: usize,
    /// Table rows written as plain HTML.
    pub static_rows: usize,
    /// Suppliers with a lead-time chart.
    pub lead_time_charts: usize,
    /// Backorder wait (days) above which a SKU is an exception.
    pub long_wait_days: f64,
}

impl Default for ReportSettings {
    fn default() -> Self {
        Self {
            top_skus: 20,
            width: 1000,
            height: 500,
            page_size: 100,
            static_rows: 2000,
            lead_time_charts: 12,
            long_wait_days: 14.0,
        }
    }
}

impl ReportSettings {
    /// Checks the ranges.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the key.
    pub fn check(&self) -> Result<(), ConfigError> {
        if !(300..=4000).contains(&self.width) {
            return Err(invalid(
                "report.width",
                format!("should be 300 to 4000 pixels, but is {}", self.width),
            ));
        }
        if !(200..=3000).contains(&self.height) {
            return Err(invalid(
                "report.height",
                format!("should be 200 to 3000 pixels, but is {}", self.height),
            ));
        }
        if self.page_size == 0 {
            return Err(invalid(
                "report.page_size",
                "should be at least 1 row".into(),
            ));
        }
        if !(self.long_wait_days >= 0.0 && self.long_wait_days.is_finite()) {
            return Err(invalid(
                "report.long_wait_days",
                format!("should be 0 or more days, but is {}", self.long_wait_days),
            ));
        }
        Ok(())
    }
}

/// Forecasting settings for `plan` and `run` (`replenish forecast` takes them as flags).
///
/// | name | default | meaning |
/// |---|---|---|
/// | `horizon` | 28 | buckets to forecast; `plan` extends it to cover the longest lead time (p95) plus the review period |
/// | `models` | by demand class | candidate models, e.g. `["ses", "sba"]` |
/// | `quantiles` | 0.1, 0.5, 0.9 | quantile levels written with the forecast |
/// | `folds` | 3 | backtest origins for model selection |
/// | `combine` | 3 | combine the best k candidates (0 = off) |
/// | `combine_method` | `inverse_error` | how the best k combine: `inverse_error` (weights 1/backtest score, learned per SKU at run time), `mean` or `median`; see [`crate::forecast::combine`] |
/// | `selection` | `per_sku` for daily buckets, `pooled` for weekly and monthly ones | the catalogue's best `combine` models per demand class, ranked by their mean backtest score, combined for every SKU (`pooled`), or each SKU's own best candidate or combination (`per_sku`, before issue 22 item 4); see [`crate::forecast::combine::Selection`] |
/// | `quantile_method` | `conformal` | quantiles from the backtest errors per horizon group, whole numbers for count data (`conformal`), or one pool of errors (`pooled`, before issue 22); see [`crate::forecast::calibrate`] |
/// | `season` | from the bucket size | seasonal period in buckets |
/// | `global` | true | train the learned global model (one linfa regression across all SKUs) and offer it as a candidate to every SKU; see [`crate::forecast::global`] |
/// | `censoring` | `impute` | stockout days: `impute` (the stocked-out share takes the local uncensored level) or `ignore` (sales taken as demand); see [`crate::forecast::censor`] |
/// | `recalibrate` | false | re-estimate holt, ets and theta parameters at every backtest origin (true), or at the oldest origin only, re-solving their initial states at the later ones (false: a third of the cost, same accuracy); see [`crate::forecast::select::ForecastSettings::recalibrate`] |
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ForecastConfig {
    /// Buckets to forecast.
    pub horizon: usize,
    /// Candidate models; `None` = by demand class.
    pub models: Option<Vec<ModelSpec>>,
    /// Quantile levels in (0, 1).
    pub quantiles: Vec<f64>,
    /// Backtest origins.
    pub folds: usize,
    /// Combination size.
    pub combine: usize,
    /// How the best candidates are combined.
    pub combine_method: CombineMethod,
    /// Pooled (catalogue) or per-SKU selection of the models; `None` = by bucket size.
    pub selection: Option<Selection>,
    /// How quantiles come from the backtest errors.
    pub quantile_method: QuantileMethod,
    /// Seasonal period in buckets.
    pub season: Option<usize>,
    /// Stockout (censored) buckets: `impute` or `ignore`.
    pub censoring: Censoring,
    /// Train the learned global model and offer it to every SKU.
    pub global: bool,
    /// Re-estimate model parameters at every backtest origin.
    pub recalibrate: bool,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        Self {
            horizon: 28,
            models: None,
            quantiles: vec![0.1, 0.5, 0.9],
            folds: 3,
            combine: 3,
            combine_method: CombineMethod::default(),
            selection: None,
            quantile_method: QuantileMethod::default(),
            season: None,
            censoring: Censoring::Impute,
            global: true,
            recalibrate: false,
        }
    }
}

impl ForecastConfig {
    /// The forecasting engine's settings for buckets of `freq` (the one place they are built
    /// from the config): no forced models, no promotions and no trained global model yet — the
    /// plan stage adds the overrides' models and the events' promotions.
    pub fn settings(&self, freq: Freq) -> ForecastSettings {
        ForecastSettings {
            horizon: self.horizon,
            season: self.season.unwrap_or(freq.season_length()),
            folds: self.folds,
            quantile_folds: 2 * self.folds,
            quantiles: self.quantiles.clone(),
            models: self.models.clone(),
            combine: self.combine,
            combine_method: self.combine_method,
            selection: self.selection.unwrap_or_else(|| Selection::for_freq(freq)),
            pooled: BTreeMap::new(),
            quantile_method: self.quantile_method,
            censoring: self.censoring,
            forced: BTreeMap::new(),
            learn_global: self.global,
            recalibrate: self.recalibrate,
            global: None,
            promo_windows: BTreeMap::new(),
        }
    }
}

/// How safety stock is computed per SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SafetyStockMethod {
    /// Normal formulas for smooth and erratic demand, empirical for intermittent and lumpy.
    #[default]
    Auto,
    /// Normal formulas for every SKU.
    Normal,
    /// Monte Carlo of the forecast errors and the empirical lead times for every SKU.
    Empirical,
}

/// Inventory policy settings (`[policy]`).
///
/// | name | default | meaning |
/// |---|---|---|
/// | `policy` | `sS` | `sQ`, `sS` (min-max), `RS` or `RsS` |
/// | `service_measure` | `cycle` | what targets mean: `cycle` (no stockout per cycle) or `fill_rate` (share of demand from stock) |
/// | `method` | `auto` | `normal`, `empirical`, or `auto` (empirical for intermittent and lumpy demand) |
/// | `service_targets` | none | target per ABC class, e.g. `{ A = 0.98, B = 0.95, C = 0.90 }`, or `"cost"` for the cost-minimising target of items with a `shortage_cost` ([`crate::domain::target`]); the item master's `service_level` wins, `[defaults] service_level` is the last fallback |
/// | `order_days` | none | order this many days of mean demand instead of the EOQ |
/// | `order_periods` | none | order this many buckets (periods) of mean demand instead of the EOQ |
/// | `order_units` | none | order this fixed quantity (still rounded to pack and MOQ) |
/// | `safety_stock_days` | none | safety stock = this many days of forecast demand instead of the statistical formula |
/// | `safety_stock_periods` | none | safety stock = this many buckets (periods) of forecast demand |
/// | `safety_stock_units` | none | a fixed safety stock (units) |
/// | `coverage` | none | the same six keys per class: `[policy.coverage.A]` (ABC) or `[policy.coverage.intermittent]` (demand class); see [`Coverage`] |
/// | `lock_from` | the output folder's policy.csv | the earlier run's policy.csv that `lock` overrides keep levels from; its folder is also the earlier run whose service `realised.csv` measures |
/// | `eoq_fallback_days` | 30 | days of demand ordered when the EOQ is undefined (unit cost or holding rate unknown) |
/// | `draws` | 4000 | Monte Carlo draws per SKU for the empirical method |
/// | `seed` | 42 | seed of the Monte Carlo (per SKU streams derive from it and the SKU) |
/// | `min_history_days` | 56 | SKUs with less sales history are flagged REVIEW |
/// | `max_order_cover_days` | 1095 | order sanity: an order above this many days of the SKU's mean forecast demand is REVIEW, not ORDER — unless it is only the MOQ or one pack |
/// | `max_order_multiple` | 100 | order sanity: an order above this many times the SKU's largest past purchase order is REVIEW, not ORDER |
/// | `levels` | `auto` | where the recommended levels come from: `analytic` (the formulas), `simulated` (the cheapest levels whose simulated service, in `service_measure`, meets the SKU's target; `[simulation]` settings, baseline scenario, `design_customer`) or `auto` (simulated for the SKUs the rule below picks, analytic for the rest; see `crate::plan::source`) |
/// | `simulate_classes` | `["intermittent", "lumpy"]` | with `levels = "auto"`: demand classes whose levels are designed by simulation (`smooth`, `erratic`, `intermittent`, `lumpy`; `[]` = none) |
/// | `simulate_below_units` | 10 | with `levels = "auto"`: SKUs whose mean protection-period demand is below this many units are designed by simulation too, whatever their class (0 = off) |
/// | `demand_shape` | `gamma` | the shape of the normal method's protection-period demand: `gamma` (right-skewed, as sums of non-negative demand are: a shifted gamma with its mean, variance and third cumulant, the lead time's skew from the purchase orders included; see `crate::policy::spread`) or `normal` (symmetric, the textbook) |
/// | `design_customer` | `backorder` | the customer behaviour levels are designed for, and the simulation design and `optimised.csv` simulate: `backorder` (what the formulas assume), `lost_sales` or `patience`; `[simulation] customer` is the what-if behaviour of `simulation.csv` |
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PolicySettings {
    /// Policy family.
    pub policy: PolicyKind,
    /// What service targets measure.
    pub service_measure: ServiceMeasure,
    /// Safety-stock method.
    pub method: SafetyStockMethod,
    /// Service target per ABC class (`A`, `B`, `C`): a probability or `cost`.
    pub service_targets: BTreeMap<String, ServiceTarget>,
    /// Days of demand per order instead of the EOQ.
    pub order_days: Option<f64>,
    /// Buckets of demand per order instead of the EOQ.
    pub order_periods: Option<f64>,
    /// A fixed order quantity (units).
    pub order_units: Option<f64>,
    /// Safety stock as days of forecast demand.
    pub safety_stock_days: Option<f64>,
    /// Safety stock as buckets of forecast demand.
    pub safety_stock_periods: Option<f64>,
    /// A fixed safety stock (units).
    pub safety_stock_units: Option<f64>,
    /// Coverage rules per ABC class (`A`, `B`, `C`) or demand class (`smooth`, `erratic`,
    /// `intermittent`, `lumpy`).
    pub coverage: BTreeMap<String, Coverage>,
    /// The earlier run's policy.csv, for `lock` overrides (default: the output folder's); its
    /// folder is the earlier run `realised.csv` compares with.
    pub lock_from: Option<PathBuf>,
    /// Days of demand per order when the EOQ is undefined.
    pub eoq_fallback_days: f64,
    /// Monte Carlo draws per SKU (empirical method).
    pub draws: usize,
    /// Seed of the Monte Carlo.
    pub seed: u64,
    /// SKUs with fewer days of sales history are flagged REVIEW.
    pub min_history_days: u32,
    /// Order sanity: an order of more days of mean forecast demand than this is REVIEW (days).
    pub max_order_cover_days: f64,
    /// Order sanity: an order of more than this many times the SKU's largest past purchase
    /// order is REVIEW.
    pub max_order_multiple: f64,
    /// `analytic` (the formulas), `simulated` (the cheapest levels meeting the target in
    /// simulation, see [`crate::optimize`]) or `auto` (per SKU, `crate::plan::source`).
    pub levels: LevelSource,
    /// `levels = auto`: demand classes designed by simulation.
    pub simulate_classes: Vec<String>,
    /// `levels = auto`: SKUs with less mean protection-period demand (units) are designed by
    /// simulation too (0 = off).
    pub simulate_below_units: f64,
    /// The customer behaviour the levels are designed (and simulation-designed) for.
    pub design_customer: CustomerMode,
    /// The shape of the normal method's protection-period demand.
    pub demand_shape: DemandShape,
}

/// A coverage rule (`[policy]` itself, or `[policy.coverage.CLASS]`): safety stock and order
/// quantity as cover of forecast demand or fixed quantities, in place of the statistical
/// safety stock and the EOQ. At most one safety-stock key and one order key per rule.
///
/// Conventions: N **days of forecast** = the forecast demand of the first N days from the
/// planning date (a fraction of a day counts by its fraction); N **periods** = N buckets
/// (N × 7 days for weekly buckets, N × 365.25/12 for monthly, N for daily). The order
/// quantity in days or periods is N × the mean demand per day over the protection period (as
/// `order_days` always was). The reorder point (order-up-to level for `RS`) = mean
/// protection-period demand + the safety stock; the service it delivers is reported.
///
/// Precedence, per key: the overrides file (per SKU) > the ABC class's rule > the demand
/// class's rule > `[policy]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Coverage {
    /// Safety stock = this many days of forecast demand.
    pub safety_stock_days: Option<f64>,
    /// Safety stock = this many buckets of forecast demand.
    pub safety_stock_periods: Option<f64>,
    /// A fixed safety stock (units).
    pub safety_stock_units: Option<f64>,
    /// Order this many days of mean demand.
    pub order_days: Option<f64>,
    /// Order this many buckets of mean demand.
    pub order_periods: Option<f64>,
    /// Order this fixed quantity (units).
    pub order_units: Option<f64>,
}

impl Coverage {
    fn check(&self, at: &str) -> Result<(), ConfigError> {
        let ss = [
            ("safety_stock_days", self.safety_stock_days),
            ("safety_stock_periods", self.safety_stock_periods),
            ("safety_stock_units", self.safety_stock_units),
        ];
        let order = [
            ("order_days", self.order_days),
            ("order_periods", self.order_periods),
            ("order_units", self.order_units),
        ];
        for (group, strict) in [(&ss, false), (&order, true)] {
            let given: Vec<&str> = group
                .iter()
                .filter(|g| g.1.is_some())
                .map(|g| g.0)
                .collect();
            if given.len() > 1 {
                return Err(invalid(
                    &format!("{at}.{}", given[1]),
                    format!("give only one of {}", given.join(", ")),
                ));
            }
            for (key, v) in group.iter().filter_map(|(k, v)| Some((k, (*v)?))) {
                if !(v.is_finite() && (v > 0.0 || (!strict && v == 0.0))) {
                    let bound = if strict { "> 0" } else { ">= 0" };
                    return Err(invalid(
                        &format!("{at}.{key}"),
                        format!("should be a number {bound}, but is {v}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

impl PolicySettings {
    /// The `[policy]`-level coverage rule.
    pub fn global_coverage(&self) -> Coverage {
        Coverage {
            safety_stock_days: self.safety_stock_days,
            safety_stock_periods: self.safety_stock_periods,
            safety_stock_units: self.safety_stock_units,
            order_days: self.order_days,
            order_periods: self.order_periods,
            order_units: self.order_units,
        }
    }
}

/// Where the policy levels used by `plan` (and `run`) come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LevelSource {
    /// The safety-stock formulas.
    Analytic,
    /// Simulation-optimised levels (baseline scenario of `[simulation]`).
    Simulated,
    /// Per SKU: simulation-designed where the formulas are known to be off (the classes of
    /// `simulate_classes`, protection-period demand below `simulate_below_units`), analytic
    /// elsewhere.
    #[default]
    Auto,
}

impl Default for PolicySettings {
    fn default() -> Self {
        Self {
            policy: PolicyKind::MinMax,
            service_measure: ServiceMeasure::Cycle,
            method: SafetyStockMethod::Auto,
            service_targets: BTreeMap::new(),
            order_days: None,
            order_periods: None,
            order_units: None,
            safety_stock_days: None,
            safety_stock_periods: None,
            safety_stock_units: None,
            coverage: BTreeMap::new(),
            lock_from: None,
            eoq_fallback_days: 30.0,
            draws: 4000,
            seed: 42,
            min_history_days: 56,
            max_order_cover_days: 1095.0,
            max_order_multiple: 100.0,
            levels: LevelSource::Auto,
            simulate_classes: vec!["intermittent".into(), "lumpy".into()],
            simulate_below_units: 10.0,
            design_customer: CustomerMode::Backorder,
            demand_shape: DemandShape::Gamma,
        }
    }
}

/// A supplier's terms (`[suppliers.NAME]`): order minimums (an order below a minimum is
/// filled up with the supplier's next-most-urgent SKUs) and its calendar.
///
/// `NAME` must be a supplier of the inputs (the item master's `supplier` column, the
/// suppliers file, or the purchase orders of a SKU without an item-master supplier): a table
/// for a supplier no input has is refused once the inputs are read
/// ([`crate::io::LoadError::UnknownNames`]), naming it and the closest known supplier.
///
/// | name | default | meaning |
/// |---|---|---|
/// | `min_order_value` | none | currency per order, at unit cost |
/// | `min_order_qty` | none | units per order, over all SKUs |
/// | `order_days` | every day | weekdays the supplier takes orders on, e.g. `["Mon"]`; order-by dates move to the last order day before them, continuous review is designed as a review every gap between order days ([`crate::supplier_calendar`]) |
/// | `closures` | none | inclusive closed periods, e.g. `[{ from = "2026-12-24", to = "2027-01-06" }]`: no orders taken, nothing made or shipped — arrivals move back by the closed days |
/// | `container_volume` | none | usable volume of one container, in the unit of the items' `volume` (m³ by convention); > 0 |
/// | `container_weight` | none | payload of one container, in the unit of the items' `weight` (kg by convention); > 0 |
/// | `max_containers` | none (unlimited) | most containers one order may fill; ≥ 1; only with a `container_volume` or `container_weight` |
/// | `container_round_up` | 0.5 | a last container filled at least this share is filled up, a less full one trimmed away ([`crate::purchasing::container`]); 0 to 1 |
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SupplierTerms {
    /// Minimum order value (currency, at unit cost).
    pub min_order_value: Option<f64>,
    /// Minimum order quantity over all SKUs (units).
    pub min_order_qty: Option<f64>,
    /// Weekdays orders are taken on (`Mon` … `Sun`); empty = every day.
    pub order_days: Vec<String>,
    /// Closed periods, both ends included.
    pub closures: Vec<Closure>,
    /// Usable volume of one container (the unit of the items' `volume`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_volume: Option<f64>,
    /// Payload of one container (the unit of the items' `weight`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_weight: Option<f64>,
    /// Most containers per order; `None` = unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_containers: Option<u32>,
    /// Last-container fill from which it is filled up (default 0.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_round_up: Option<f64>,
}

impl SupplierTerms {
    /// The supplier's calendar, when it restricts anything (names checked by
    /// [`Config::check`]; an unreadable one is skipped).
    pub fn calendar(&self) -> Option<SupplierCalendar> {
        let days: Vec<_> = self
            .order_days
            .iter()
            .filter_map(|d| parse_weekday(d).ok())
            .collect();
        let c = SupplierCalendar::new(&days, &self.closures);
        c.restricts().then_some(c)
    }

    /// The supplier's containers, when it has a `container_volume` or `container_weight`.
    pub fn containers(&self) -> Option<Containers> {
        (self.container_volume.is_some() || self.container_weight.is_some()).then(|| Containers {
            volume: self.container_volume,
            weight: self.container_weight,
            max_containers: self.max_containers,
            round_up_from: self.container_round_up.unwrap_or(0.5),
        })
    }

    /// The supplier's order minimums.
    pub fn minimum(&self) -> Minimum {
        Minimum {
            value: self.min_order_value,
            units: self.min_order_qty,
        }
    }
}

/// Paths of the input files. Only `sales` is required.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Inputs {
    /// Sales history (CSV or Parquet). Required for every stage that plans.
    pub sales: Option<PathBuf>,
    /// Purchase-order history: the source of lead times and of the on-order pipeline.
    pub purchase_orders: Option<PathBuf>,
    /// Inventory snapshot at the planning date.
    pub inventory: Option<PathBuf>,
    /// Item master.
    pub items: Option<PathBuf>,
    /// The planner's per-SKU overrides (see [`crate::io::overrides`]).
    pub overrides: Option<PathBuf>,
    /// Known future events: promotions, peaks (see [`crate::io::events`]).
    pub events: Option<PathBuf>,
    /// Several suppliers per SKU: price, lead time, priority (see [`crate::io::suppliers`]).
    /// Left out of run.json when not set, so the manifests of runs without it stay as they
    /// were.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppliers: Option<PathBuf>,
}

/// Column mapping for each input: `canonical = "name in your file"`. Canonical names that are
/// not mapped are looked up under their own name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ColumnMaps {
    /// Mapping for the sales file.
    pub sales: BTreeMap<String, String>,
    /// Mapping for the purchase-order file.
    pub purchase_orders: BTreeMap<String, String>,
    /// Mapping for the inventory file.
    pub inventory: BTreeMap<String, String>,
    /// Mapping for the item master.
    pub items: BTreeMap<String, String>,
    /// Mapping for the overrides file.
    pub overrides: BTreeMap<String, String>,
    /// Mapping for the events file.
    pub events: BTreeMap<String, String>,
    /// Mapping for the suppliers file (left out of run.json when empty, as `inputs.suppliers`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub suppliers: BTreeMap<String, String>,
}

impl ColumnMaps {
    /// The mapping for one input.
    pub fn for_input(&self, kind: InputKind) -> &BTreeMap<String, String> {
        match kind {
            InputKind::Sales => &self.sales,
            InputKind::PurchaseOrders => &self.purchase_orders,
            InputKind::Inventory => &self.inventory,
            InputKind::Items => &self.items,
            InputKind::Overrides => &self.overrides,
            InputKind::Events => &self.events,
            InputKind::Suppliers => &self.suppliers,
        }
    }
}

/// Row-validation limits and screening thresholds.
///
/// | name | default | meaning | range |
/// |---|---|---|---|
/// | `max_reject_share` | 0.01 | largest share of a file's rows that may be rejected before the run fails | [0, 1] |
/// | `earliest_date` | none | when set, sales dated earlier are rejected | a date |
/// | `date_gap_days` | 730 | sales rows before a gap of this many days in the file's dates are placeholders (rejected) when they are few (≤ 1% of rows, or on ≤ 3 dates); 0 = off | ≥ 0 |
/// | `max_quantity` | 1e9 | a sales row with \|quantity\| at or above it is absurd (a barcode, 1e308): excluded and flagged | > 0 |
/// | `duplicate_block_rows` | 20 | a run of this many rows repeating earlier rows in order is a duplicated block: excluded and flagged; 0 = off | ≥ 0 |
/// | `outlier_ratio` | 3 | a day's sales are an outlier when at least this many times the SKU's largest ordinary day of the same kind (and far out on its robust scale): excluded and flagged; 0 = off | 0 or ≥ 1 |
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ValidationSettings {
    /// Largest share of a file's data rows that may be rejected; above it the run fails
    /// (rejects.csv is still written so the rows can be fixed).
    pub max_reject_share: f64,
    /// When set, sales dated before this day are rejected (no fixed earliest date by default:
    /// placeholder dates are found by `date_gap_days`).
    pub earliest_date: Option<NaiveDate>,
    /// Shortest gap (days) in the sales file's dates before which a few rows are taken as
    /// placeholder dates and rejected; 0 turns the check off.
    pub date_gap_days: u32,
    /// A sales row with |quantity| at or above this (units) is absurd: excluded and flagged.
    pub max_quantity: f64,
    /// Rows in a run of repeated rows that make a duplicated block; 0 turns the check off.
    pub duplicate_block_rows: usize,
    /// How many times a SKU's largest ordinary day of the same kind a day's sales must be to
    /// be excluded as an outlier ([`crate::screen::sales`]); 0 turns the check off.
    pub outlier_ratio: f64,
}

impl Default for ValidationSettings {
    fn default() -> Self {
        Self {
            max_reject_share: 0.01,
            earliest_date: None,
            date_gap_days: 730,
            max_quantity: 1e9,
            duplicate_block_rows: 20,
            outlier_ratio: crate::screen::sales::OutlierSettings::default().ratio,
        }
    }
}

impl ValidationSettings {
    /// The loader's screening limits.
    pub fn sales_limits(&self) -> crate::io::sales::SalesLimits {
        crate::io::sales::SalesLimits {
            max_quantity: self.max_quantity,
            duplicate_block_rows: self.duplicate_block_rows,
            date_gap_days: i32::try_from(self.date_gap_days).unwrap_or(i32::MAX),
        }
    }

    /// The outlier screening settings.
    pub fn outliers(&self) -> crate::screen::sales::OutlierSettings {
        crate::screen::sales::OutlierSettings {
            ratio: self.outlier_ratio,
            ..Default::default()
        }
    }
}

/// Bucketing and the planning date.
///
/// | name | default | meaning |
/// |---|---|---|
/// | `freq` | `day` | bucket size: `day`, `week` (ISO, Monday start) or `month` |
/// | `planning_date` | day after the latest sale; for week or month buckets with every sales date a bucket start (pre-aggregated totals), the next bucket start ([`crate::calendar::default_planning_date`]) | the day plans are made for; history ends the day before |
/// | `history_start` | each SKU's first sale | series start no earlier than this date |
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CalendarSettings {
    /// Bucket size.
    pub freq: Freq,
    /// The planning date. Sales dated on or after it are rejected (they are in the future).
    pub planning_date: Option<NaiveDate>,
    /// Earliest date used; sales before it are counted and reported but not bucketed.
    pub history_start: Option<NaiveDate>,
}

impl Config {
    /// Reads a TOML configuration file, resolves relative input paths against its folder and
    /// checks every setting.
    ///
    /// # Errors
    /// [`ConfigError::Read`] when the file cannot be read, [`ConfigError::Parse`] for invalid
    /// TOML or unknown keys, [`ConfigError::Invalid`] for out-of-range values.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Self::from_toml_str(&text).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.to_path_buf(),
                message,
            },
            other => other,
        })?;
        config.file = Some(path.to_path_buf());
        let base = path.parent().unwrap_or(Path::new(""));
        config.inputs.resolve_relative_to(base);
        if let Some(p) = config.policy.lock_from.as_mut().filter(|p| p.is_relative()) {
            *p = base.join(&*p);
        }
        Ok(config)
    }

    /// Parses and checks a configuration from TOML text (paths are left as written).
    ///
    /// # Errors
    /// As [`Config::from_file`], with an empty path in [`ConfigError::Parse`].
    ///
    /// # Example
    /// ```
    /// use replenish::config::Config;
    ///
    /// let c = Config::from_toml_str("[columns.sales]\nsku = \"ItemNo\"\n").unwrap();
    /// assert_eq!(c.columns.sales["sku"], "ItemNo");
    /// assert!(Config::from_toml_str("[calendar]\nfreq = \"hourly\"\n").is_err());
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: PathBuf::new(),
            message: with_suggestion(e.to_string().trim()),
        })?;
        config.check()?;
        Ok(config)
    }

    /// Checks every setting's range and the column mapping's canonical names.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the first bad setting.
    pub fn check(&self) -> Result<(), ConfigError> {
        let share = self.validation.max_reject_share;
        if !(0.0..=1.0).contains(&share) {
            return Err(invalid(
                "validation.max_reject_share",
                format!("should be a share in [0, 1] (0.01 = 1%), but is {share}"),
            ));
        }
        let v = &self.validation;
        if v.max_quantity.is_nan() || v.max_quantity <= 0.0 {
            return Err(invalid(
                "validation.max_quantity",
                format!(
                    "should be a positive number of units, but is {}",
                    v.max_quantity
                ),
            ));
        }
        if v.outlier_ratio.is_nan() || (v.outlier_ratio != 0.0 && v.outlier_ratio < 1.0) {
            return Err(invalid(
                "validation.outlier_ratio",
                format!(
                    "should be 0 (off) or at least 1 (times the largest ordinary day), but is {}",
                    v.outlier_ratio
                ),
            ));
        }
        for kind in InputKind::ALL {
            let known = kind.canonical_columns();
            for canonical in self.columns.for_input(kind).keys() {
                if !known.contains(&canonical.as_str()) {
                    return Err(invalid(
                        &format!("columns.{}.{canonical}", kind.name()),
                        format!(
                            "'{canonical}' is not a column of the {} input; valid names: {}",
                            kind.name(),
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
        if let (Some(start), Some(plan)) =
            (self.calendar.history_start, self.calendar.planning_date)
        {
            if start >= plan {
                return Err(invalid(
                    "calendar.history_start",
                    format!("should be before the planning date {plan}, but is {start}"),
                ));
            }
        }
        self.defaults.check()?;
        self.report.check()?;
        self.check_planning()
    }

    fn check_planning(&self) -> Result<(), ConfigError> {
        self.check_forecast()?;
        self.check_policy()?;
        self.check_simulation()?;
        self.check_suppliers()?;
        self.check_purchasing()
    }

    /// `[purchasing]`.
    fn check_purchasing(&self) -> Result<(), ConfigError> {
        let p = &self.purchasing;
        if let Some(b) = p.budget.filter(|b| !(b.is_finite() && *b > 0.0)) {
            return Err(invalid(
                "purchasing.budget",
                format!("should be a positive amount of money such as 20000, but is {b}"),
            ));
        }
        for (table, limits) in [
            ("budget_by_supplier", &p.budget_by_supplier),
            ("budget_by_category", &p.budget_by_category),
        ] {
            if let Some((name, b)) = limits.iter().find(|(_, b)| !(b.is_finite() && **b > 0.0)) {
                return Err(invalid(
                    &format!("purchasing.{table}.{name}"),
                    format!("should be a positive amount of money such as 5000, but is {b}"),
                ));
            }
        }
        Ok(())
    }

    /// `[forecast]`.
    fn check_forecast(&self) -> Result<(), ConfigError> {
        let f = &self.forecast;
        if f.horizon == 0 {
            return Err(invalid(
                "forecast.horizon",
                "should be at least 1 bucket".into(),
            ));
        }
        if let Some(q) = f.quantiles.iter().find(|q| !(**q > 0.0 && **q < 1.0)) {
            return Err(invalid(
                "forecast.quantiles",
                format!("levels should be in (0, 1) such as 0.9, but one is {q}"),
            ));
        }
        if f.season == Some(0) {
            return Err(invalid("forecast.season", "should be at least 1".into()));
        }
        Ok(())
    }

    /// `[policy]` and `[lead_time]`.
    fn check_policy(&self) -> Result<(), ConfigError> {
        let p = &self.policy;
        for (class, t) in &p.service_targets {
            if !matches!(class.as_str(), "A" | "B" | "C") {
                return Err(invalid(
                    &format!("policy.service_targets.{class}"),
                    "the classes are A, B and C".into(),
                ));
            }
            if let Some(t) = t.level().filter(|t| !(*t > 0.0 && *t < 1.0)) {
                return Err(invalid(
                    &format!("policy.service_targets.{class}"),
                    format!(
                        "should be a probability in (0, 1) such as 0.95, or \"cost\" (the cost-minimising target of items with a shortage_cost), but is {t}"
                    ),
                ));
            }
        }
        p.global_coverage().check("policy")?;
        for (class, rule) in &p.coverage {
            const CLASSES: [&str; 7] =
                ["A", "B", "C", "smooth", "erratic", "intermittent", "lumpy"];
            if !CLASSES.contains(&class.as_str()) {
                return Err(invalid(
                    &format!("policy.coverage.{class}"),
                    format!("the classes are {}", CLASSES.join(", ")),
                ));
            }
            rule.check(&format!("policy.coverage.{class}"))?;
        }
        for class in &p.simulate_classes {
            const CLASSES: [&str; 4] = ["smooth", "erratic", "intermittent", "lumpy"];
            if !CLASSES.contains(&class.as_str()) {
                return Err(invalid(
                    "policy.simulate_classes",
                    format!(
                        "the demand classes are {}, but one is \"{class}\"",
                        CLASSES.join(", ")
                    ),
                ));
            }
        }
        if !(p.simulate_below_units.is_finite() && p.simulate_below_units >= 0.0) {
            return Err(invalid(
                "policy.simulate_below_units",
                format!(
                    "should be a number of units >= 0 (0 = off), but is {}",
                    p.simulate_below_units
                ),
            ));
        }
        if !(p.eoq_fallback_days.is_finite() && p.eoq_fallback_days > 0.0) {
            return Err(invalid(
                "policy.eoq_fallback_days",
                format!("should be > 0, but is {}", p.eoq_fallback_days),
            ));
        }
        for (key, v) in [
            ("policy.max_order_cover_days", p.max_order_cover_days),
            ("policy.max_order_multiple", p.max_order_multiple),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(invalid(key, format!("should be > 0, but is {v}")));
            }
        }
        if p.draws < 100 {
            return Err(invalid(
                "policy.draws",
                format!(
                    "should be at least 100 for a usable quantile, but is {}",
                    p.draws
                ),
            ));
        }
        if self.lead_time.min_receipts == 0 {
            return Err(invalid(
                "lead_time.min_receipts",
                "should be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// `[simulation]`.
    fn check_simulation(&self) -> Result<(), ConfigError> {
        let sim = &self.simulation;
        if sim.days == 0 || sim.replications < 2 {
            return Err(invalid(
                "simulation",
                format!(
                    "days should be >= 1 and replications >= 2 (for a confidence interval), but are {} and {}",
                    sim.days, sim.replications
                ),
            ));
        }
        if sim.min_replications < 2 {
            return Err(invalid(
                "simulation.min_replications",
                format!(
                    "should be at least 2 (for a confidence interval), but is {}",
                    sim.min_replications
                ),
            ));
        }
        if !(0.0..1.0).contains(&sim.fill_rate_precision) {
            return Err(invalid(
                "simulation.fill_rate_precision",
                format!(
                    "should be a half-width in [0, 1) (0.005 = ±0.5 points; 0 = every replication), but is {}",
                    sim.fill_rate_precision
                ),
            ));
        }
        if !(0.0..1.0).contains(&sim.fill_rate_relative_precision) {
            return Err(invalid(
                "simulation.fill_rate_relative_precision",
                format!(
                    "should be a share of the unfilled share in [0, 1) (0.05 = ±5% of it; 0 = off), but is {}",
                    sim.fill_rate_relative_precision
                ),
            ));
        }
        if sim.scenarios.is_empty() {
            return Err(invalid(
                "simulation.scenarios",
                "lists no scenario; remove the key for the five defaults, or list at least one (kind = \"baseline\")".into(),
            ));
        }
        if sim.policies.is_empty() && !sim.current {
            return Err(invalid(
                "simulation.policies",
                "is empty and current = false: nothing would be simulated; list at least one of sQ, sS, RS, RsS".into(),
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for sc in &sim.scenarios {
            sc.check().map_err(|m| invalid("simulation.scenarios", m))?;
            if !names.insert(sc.name.as_str()) {
                return Err(invalid(
                    "simulation.scenarios",
                    format!(
                        "two scenarios are named '{}'; give each its own name",
                        sc.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `[suppliers.NAME]`.
    fn check_suppliers(&self) -> Result<(), ConfigError> {
        for (name, terms) in &self.suppliers {
            for (key, v) in [
                ("min_order_value", terms.min_order_value),
                ("min_order_qty", terms.min_order_qty),
            ] {
                if let Some(v) = v.filter(|v| !(v.is_finite() && *v >= 0.0)) {
                    return Err(invalid(
                        &format!("suppliers.{name}.{key}"),
                        format!("should be >= 0, but is {v}"),
                    ));
                }
            }
            for (key, v) in [
                ("container_volume", terms.container_volume),
                ("container_weight", terms.container_weight),
            ] {
                if let Some(v) = v.filter(|v| !(v.is_finite() && *v > 0.0)) {
                    return Err(invalid(
                        &format!("suppliers.{name}.{key}"),
                        format!("should be > 0 (the capacity of one container), but is {v}"),
                    ));
                }
            }
            let capacity = terms.container_volume.is_some() || terms.container_weight.is_some();
            for (key, set) in [
                ("max_containers", terms.max_containers.is_some()),
                ("container_round_up", terms.container_round_up.is_some()),
            ] {
                if set && !capacity {
                    return Err(invalid(
                        &format!("suppliers.{name}.{key}"),
                        "is set but the supplier has no container: add container_volume (m³) or container_weight (kg), or remove it".into(),
                    ));
                }
            }
            if terms.max_containers == Some(0) {
                return Err(invalid(
                    &format!("suppliers.{name}.max_containers"),
                    "should be at least 1, but is 0; leave it out for no limit".into(),
                ));
            }
            if let Some(v) = terms
                .container_round_up
                .filter(|v| !(v.is_finite() && (0.0..=1.0).contains(v)))
            {
                return Err(invalid(
                    &format!("suppliers.{name}.container_round_up"),
                    format!("should be a share between 0 and 1 (0.5 = round to the nearest container), but is {v}"),
                ));
            }
            for d in &terms.order_days {
                parse_weekday(d)
                    .map_err(|e| invalid(&format!("suppliers.{name}.order_days"), e))?;
            }
            for c in &terms.closures {
                if c.to < c.from {
                    return Err(invalid(
                        &format!("suppliers.{name}.closures"),
                        format!(
                            "a closure ends ({}) before it starts ({}); write from <= to",
                            c.to, c.from
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Settings given on the command line, laid over the config file: every `Some` replaces the
/// file's value (precedence: command line > config file > defaults). The command line builds
/// one from its flags (`src/cli/`); [`Config::patched`] applies it and checks the result once.
///
/// | field | flag | setting |
/// |---|---|---|
/// | `sales`, `purchase_orders`, `inventory`, `items` | `--sales` … | `[inputs]` |
/// | `freq`, `planning_date` | `--freq`, `--planning-date` | `[calendar]` |
/// | `max_reject_share` | `--max-reject-share` | `[validation]` |
/// | `horizon` | `plan --horizon` | `[forecast] horizon` |
/// | `policy`, `service_measure`, `method`, `levels`, `policy_seed` | `plan --policy` …, `--seed` | `[policy]` |
/// | `budget` | `plan --budget`, `run --budget` | `[purchasing] budget` |
/// | `simulation_seed`, `days`, `replications`, `customer`, `optimise`, `optimise_all`, `current`, `policies`, `scenarios`, `scenarios_all` | `simulate` and `run` flags | `[simulation]` |
/// | `top_skus`, `chart_width`, `chart_height`, `page_size`, `static_rows`, `long_wait_days` | `report --top` … | `[report]` |
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigPatch {
    /// Sales history file.
    pub sales: Option<PathBuf>,
    /// Purchase-order history file.
    pub purchase_orders: Option<PathBuf>,
    /// Inventory snapshot file.
    pub inventory: Option<PathBuf>,
    /// Item master file.
    pub items: Option<PathBuf>,
    /// Bucket size.
    pub freq: Option<Freq>,
    /// Planning date.
    pub planning_date: Option<NaiveDate>,
    /// Largest share of a file's rows that may be rejected.
    pub max_reject_share: Option<f64>,
    /// Forecast horizon in buckets (`--horizon`; 0 is refused naming the flag).
    pub horizon: Option<usize>,
    /// Policy family.
    pub policy: Option<PolicyKind>,
    /// What service targets mean.
    pub service_measure: Option<ServiceMeasure>,
    /// Safety-stock method.
    pub method: Option<SafetyStockMethod>,
    /// Where the levels come from.
    pub levels: Option<LevelSource>,
    /// Seed of the policy Monte Carlo.
    pub policy_seed: Option<u64>,
    /// Order budget (`plan --budget`, `run --budget`).
    pub budget: Option<f64>,
    /// Seed of the simulation.
    pub simulation_seed: Option<u64>,
    /// After the other fields: the policy seed takes the (final) simulation seed, so one
    /// `simulate --seed` changes every random choice.
    pub policy_seed_follows_simulation: bool,
    /// Simulated days counted.
    pub days: Option<u32>,
    /// Replications per SKU, policy and scenario.
    pub replications: Option<usize>,
    /// Customer behaviour.
    pub customer: Option<CustomerMode>,
    /// Simulation-optimised levels on or off.
    pub optimise: Option<bool>,
    /// Optimise every family compared.
    pub optimise_all: Option<bool>,
    /// Simulate the item master's current policy.
    pub current: Option<bool>,
    /// Policy families simulated.
    pub policies: Option<Vec<PolicyKind>>,
    /// Names of the configured scenarios to simulate (`--scenarios`; an unknown name is
    /// refused naming the flag).
    pub scenarios: Option<Vec<String>>,
    /// Simulate every scenario for every family.
    pub scenarios_all: Option<bool>,
    /// `scenarios_all` when neither the config file nor `scenarios_all` sets it (the
    /// command's own default).
    pub scenarios_all_default: Option<bool>,
    /// SKUs with their own report section.
    pub top_skus: Option<usize>,
    /// Chart width (pixels).
    pub chart_width: Option<u32>,
    /// Chart height (pixels).
    pub chart_height: Option<u32>,
    /// Report table rows per page.
    pub page_size: Option<usize>,
    /// Report table rows written as plain HTML.
    pub static_rows: Option<usize>,
    /// Backorder wait (days) above which a SKU is an exception.
    pub long_wait_days: Option<f64>,
}

/// The settings the shared input flags can make invalid: an error on one of them is reported
/// as [`ConfigError::CommandLine`].
const INPUT_FLAG_KEYS: [&str; 2] = ["validation.max_reject_share", "calendar.history_start"];

impl ConfigPatch {
    /// Lays the patch over `config` (the `scenarios` chosen by name already).
    fn apply(&self, config: &mut Config, scenarios: Option<Vec<Scenario>>) {
        let inputs = &mut config.inputs;
        for (slot, value) in [
            (&mut inputs.sales, &self.sales),
            (&mut inputs.purchase_orders, &self.purchase_orders),
            (&mut inputs.inventory, &self.inventory),
            (&mut inputs.items, &self.items),
        ] {
            if value.is_some() {
                slot.clone_from(value);
            }
        }
        set(&mut config.calendar.freq, self.freq);
        if self.planning_date.is_some() {
            config.calendar.planning_date = self.planning_date;
        }
        set(
            &mut config.validation.max_reject_share,
            self.max_reject_share,
        );
        set(&mut config.forecast.horizon, self.horizon);
        let p = &mut config.policy;
        set(&mut p.policy, self.policy);
        set(&mut p.service_measure, self.service_measure);
        set(&mut p.method, self.method);
        set(&mut p.levels, self.levels);
        set(&mut p.seed, self.policy_seed);
        if self.budget.is_some() {
            config.purchasing.budget = self.budget;
        }
        self.apply_simulation(&mut config.simulation, scenarios);
        if self.policy_seed_follows_simulation {
            config.policy.seed = config.simulation.seed;
        }
        self.apply_report(&mut config.report);
    }

    fn apply_report(&self, r: &mut ReportSettings) {
        set(&mut r.top_skus, self.top_skus);
        set(&mut r.width, self.chart_width);
        set(&mut r.height, self.chart_height);
        set(&mut r.page_size, self.page_size);
        set(&mut r.static_rows, self.static_rows);
        set(&mut r.long_wait_days, self.long_wait_days);
    }

    fn apply_simulation(&self, sim: &mut SimulationSettings, scenarios: Option<Vec<Scenario>>) {
        set(&mut sim.seed, self.simulation_seed);
        set(&mut sim.days, self.days);
        set(&mut sim.replications, self.replications);
        set(&mut sim.customer, self.customer);
        set(&mut sim.optimise, self.optimise);
        set(&mut sim.optimise_all, self.optimise_all);
        set(&mut sim.current, self.current);
        if let Some(p) = &self.policies {
            sim.policies.clone_from(p);
        }
        if self.scenarios_all.is_some() {
            sim.scenarios_all = self.scenarios_all;
        }
        if let Some(all) = self.scenarios_all_default {
            sim.scenarios_all.get_or_insert(all);
        }
        if let Some(chosen) = scenarios {
            sim.scenarios = chosen;
        }
    }

    /// The configured scenarios named by `--scenarios`, in the order given.
    fn chosen_scenarios(&self, known: &[Scenario]) -> Result<Option<Vec<Scenario>>, ConfigError> {
        let Some(names) = &self.scenarios else {
            return Ok(None);
        };
        let mut chosen = Vec::new();
        for n in names {
            match known.iter().find(|s| &s.name == n) {
                Some(s) => chosen.push(s.clone()),
                None => {
                    return Err(ConfigError::Flag(format!(
                        "--scenarios: unknown scenario '{n}'; configured: {}",
                        known
                            .iter()
                            .map(|s| s.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )))
                }
            }
        }
        Ok(Some(chosen))
    }

    /// Names the flag behind an error of the check, where the message has always named it.
    fn attribute(&self, e: ConfigError) -> ConfigError {
        match &e {
            ConfigError::Invalid { key, .. } if INPUT_FLAG_KEYS.contains(&key.as_str()) => {
                ConfigError::CommandLine(Box::new(e))
            }
            ConfigError::Invalid { key, .. }
                if key == "forecast.horizon" && self.horizon.is_some() =>
            {
                ConfigError::Flag("--horizon should be at least 1 bucket".into())
            }
            _ => e,
        }
    }
}

impl ReportSettings {
    /// These settings (from a config file or an output folder's run.json) with the report
    /// fields of `patch` laid over them, checked once (`replenish report`).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the first bad setting.
    pub fn patched(mut self, patch: &ConfigPatch) -> Result<Self, ConfigError> {
        patch.apply_report(&mut self);
        self.check()?;
        Ok(self)
    }
}

/// Replaces `slot` by `value` when given.
fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

impl Config {
    /// This (checked) config with `patch` laid over it, checked once: the one way command-line
    /// flags enter the configuration.
    ///
    /// # Errors
    /// The first invalid setting, in this order: one the shared input flags set
    /// ([`ConfigError::CommandLine`]), an unknown `--scenarios` name or a zero `--horizon`
    /// ([`ConfigError::Flag`]), any other ([`ConfigError::Invalid`]).
    ///
    /// # Example
    /// ```
    /// use replenish::config::{Config, ConfigPatch};
    ///
    /// let file = Config::from_toml_str("[simulation]\ndays = 100\nreplications = 5\n").unwrap();
    /// let patch = ConfigPatch { days: Some(30), ..ConfigPatch::default() };
    /// let c = file.patched(&patch).unwrap();
    /// assert_eq!((c.simulation.days, c.simulation.replications), (30, 5));
    /// let bad = ConfigPatch { replications: Some(1), ..ConfigPatch::default() };
    /// assert!(c.patched(&bad).is_err());
    /// ```
    pub fn patched(mut self, patch: &ConfigPatch) -> Result<Config, ConfigError> {
        let scenarios = patch.chosen_scenarios(&self.simulation.scenarios);
        let (chosen, unknown) = match scenarios {
            Ok(chosen) => (chosen, None),
            Err(e) => (None, Some(e)),
        };
        patch.apply(&mut self, chosen);
        let checked = self.check().map_err(|e| patch.attribute(e));
        match (checked, unknown) {
            (Err(e @ ConfigError::CommandLine(_)), _) => Err(e),
            (_, Some(e)) | (Err(e), None) => Err(e),
            (Ok(()), None) => Ok(self),
        }
    }
}

impl Inputs {
    fn resolve_relative_to(&mut self, base: &Path) {
        for p in [
            &mut self.sales,
            &mut self.purchase_orders,
            &mut self.inventory,
            &mut self.items,
            &mut self.overrides,
            &mut self.events,
            &mut self.suppliers,
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
    }

    /// The configured files with their kinds, in pipeline order.
    pub fn files(&self) -> Vec<(InputKind, &Path)> {
        let all = [
            (InputKind::Sales, &self.sales),
            (InputKind::PurchaseOrders, &self.purchase_orders),
            (InputKind::Inventory, &self.inventory),
            (InputKind::Items, &self.items),
            (InputKind::Overrides, &self.overrides),
            (InputKind::Events, &self.events),
            (InputKind::Suppliers, &self.suppliers),
        ];
        all.into_iter()
            .filter_map(|(k, p)| p.as_deref().map(|p| (k, p)))
            .collect()
    }
}

impl ItemDefaults {
    fn check(&self) -> Result<(), ConfigError> {
        let non_negative = [
            ("unit_cost", self.unit_cost),
            ("price", self.price),
            ("order_cost", self.order_cost),
            ("holding_rate", self.holding_rate),
            ("lead_time_days", self.lead_time_days),
            ("review_period_days", self.review_period_days),
            ("shortage_cost", self.shortage_cost),
        ];
        for (key, v) in non_negative {
            if !(v.is_finite() && v >= 0.0) {
                return Err(invalid(
                    &format!("defaults.{key}"),
                    format!("should be a finite number >= 0, but is {v}"),
                ));
            }
        }
        for (key, v) in [
            ("moq", self.moq),
            ("pack_size", self.pack_size),
            ("patience_days", self.patience_days),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(invalid(
                    &format!("defaults.{key}"),
                    format!("should be a finite number > 0, but is {v}"),
                ));
            }
        }
        if !(self.service_level > 0.0 && self.service_level < 1.0) {
            return Err(invalid(
                "defaults.service_level",
                format!(
                    "should be a probability in (0, 1) such as 0.95, but is {}",
                    self.service_level
                ),
            ));
        }
        Ok(())
    }
}

/// Adds "did you mean `x`?" to serde's "unknown field `y`, expected one of `a`, `b`" (or
/// "unknown variant") when a valid name is within a few edits of the unknown one.
fn with_suggestion(message: &str) -> String {
    let unknown = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|p| message.split(p).nth(1))
        .and_then(|rest| rest.split('`').next());
    let expected = message
        .split("expected one of ")
        .nth(1)
        .or_else(|| message.split("expected ").nth(1));
    let (Some(bad), Some(list)) = (unknown, expected) else {
        return message.to_string();
    };
    let best = list
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|c| (strsim::damerau_levenshtein(bad, c), c))
        .min();
    match best {
        Some((d, c)) if d <= 2.max(bad.len() / 3) => format!("{message}\ndid you mean `{c}`?"),
        _ => message.to_string(),
    }
}

fn invalid(key: &str, message: String) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_per_supplier_and_category_parse_and_must_be_positive() {
        let c = Config::from_toml_str(
            "[purchasing]\nbudget = 20000\n[purchasing.budget_by_supplier]\nSUP001 = 5000\n[purchasing.budget_by_category]\n\"Hand tools\" = 3000\n",
        )
        .unwrap();
        let p = &c.purchasing;
        assert_eq!(p.budget_by_supplier.get("SUP001"), Some(&5000.0));
        assert_eq!(p.budget_by_category.get("Hand tools"), Some(&3000.0));
        // Without a total they still limit the orders.
        let c = Config::from_toml_str("[purchasing.budget_by_supplier]\nSUP001 = 5000\n").unwrap();
        assert!(c.purchasing.is_limited());
        assert!(!Config::default().purchasing.is_limited());
        let e = Config::from_toml_str("[purchasing.budget_by_category]\nTools = 0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("purchasing.budget_by_category.Tools"), "{e}");
    }

    #[test]
    fn empty_config_takes_documented_defaults() {
        let c = Config::from_toml_str("").unwrap();
        assert!((c.validation.max_reject_share - 0.01).abs() < 1e-12);
        assert_eq!(c.calendar.freq, Freq::Day);
        assert!((c.defaults.service_level - 0.95).abs() < 1e-12);
    }

    #[test]
    fn unknown_keys_name_the_nearest_valid_one() {
        let e = Config::from_toml_str("[simulation]\nreplicatons = 5\n").unwrap_err();
        let m = e.to_string();
        assert!(m.contains("unknown field `replicatons`"), "{m}");
        assert!(m.ends_with("did you mean `replications`?"), "{m}");
        let e = Config::from_toml_str("[reprot]\ntop_skus = 5\n").unwrap_err();
        assert!(e.to_string().ends_with("did you mean `report`?"), "{e}");
        // Nothing close: no guess.
        let e = Config::from_toml_str("[simulation]\nzzzzzzzzzz = 5\n").unwrap_err();
        assert!(!e.to_string().contains("did you mean"), "{e}");
    }

    #[test]
    fn erp_mapping_in_three_lines() {
        let c = Config::from_toml_str(
            "[columns.sales]\ndate = \"OrderDate\"\nsku = \"ItemNo\"\nquantity = \"Qty\"\n",
        )
        .unwrap();
        assert_eq!(c.columns.sales["sku"], "ItemNo");
    }

    #[test]
    fn unknown_key_is_an_error_naming_it() {
        let e = Config::from_toml_str("[validation]\nmax_reject_shar = 0.1\n").unwrap_err();
        assert!(e.to_string().contains("max_reject_shar"), "{e}");
    }

    #[test]
    fn unknown_canonical_column_is_an_error() {
        let e = Config::from_toml_str("[columns.sales]\nqty = \"Qty\"\n").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("columns.sales.qty") && msg.contains("quantity"),
            "{msg}"
        );
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        assert!(Config::from_toml_str("[validation]\nmax_reject_share = 1.5\n").is_err());
        // No fixed earliest date by default; a planner's is kept; screening keys are checked.
        assert_eq!(Config::default().validation.earliest_date, None);
        let c = Config::from_toml_str("[validation]\nearliest_date = \"2015-01-01\"\n").unwrap();
        assert_eq!(
            c.validation.earliest_date.unwrap().to_string(),
            "2015-01-01"
        );
        assert!(Config::from_toml_str("[validation]\noutlier_ratio = 0.5\n").is_err());
        assert!(Config::from_toml_str("[validation]\nmax_quantity = 0\n").is_err());
        let c =
            Config::from_toml_str("[validation]\noutlier_ratio = 0\nduplicate_block_rows = 0\n")
                .unwrap();
        assert_eq!(c.validation.duplicate_block_rows, 0);
        assert!(Config::from_toml_str("[defaults]\nservice_level = 1.0\n").is_err());
        assert!(Config::from_toml_str("[defaults]\npack_size = 0\n").is_err());
        assert!(Config::from_toml_str("[calendar]\nfreq = \"hour\"\n").is_err());
        assert!(Config::from_toml_str("[policy]\nservice_targets = { A = 98 }\n").is_err());
        assert!(Config::from_toml_str("[policy]\nservice_targets = { D = 0.9 }\n").is_err());
        assert!(Config::from_toml_str("[policy]\npolicy = \"QS\"\n").is_err());
        assert!(Config::from_toml_str("[suppliers.S1]\nmin_order_value = -1\n").is_err());
        for bad in [
            "container_volume = 0",
            "container_weight = -5",
            "container_volume = 30\nmax_containers = 0",
            "container_volume = 30\ncontainer_round_up = 1.5",
            "max_containers = 2",
            "container_round_up = 0.3",
        ] {
            let e = Config::from_toml_str(&format!("[suppliers.S1]\n{bad}\n")).unwrap_err();
            assert!(e.to_string().contains("suppliers.S1."), "{bad}: {e}");
        }
        let e = Config::from_toml_str("[suppliers.S1]\nmax_containers = 2\n").unwrap_err();
        assert!(e.to_string().contains("has no container"), "{e}");
        let c =
            Config::from_toml_str("[suppliers.S1]\ncontainer_volume = 30\nmax_containers = 2\n")
                .unwrap();
        let boxes = c.suppliers["S1"].containers().unwrap();
        assert_eq!(
            (boxes.volume, boxes.weight, boxes.max_containers),
            (Some(30.0), None, Some(2))
        );
        assert!((boxes.round_up_from - 0.5).abs() < 1e-12);
        assert!(SupplierTerms::default().containers().is_none());
        assert!(Config::from_toml_str("[simulation]\nscenarios = []\n").is_err());
        assert!(Config::from_toml_str("[simulation]\npolicies = []\ncurrent = false\n").is_err());
        let twice = "[[simulation.scenarios]]\nname = \"a\"\nkind = \"baseline\"\n\
                     [[simulation.scenarios]]\nname = \"a\"\nkind = \"demand_surge\"\n";
        let e = Config::from_toml_str(twice).unwrap_err().to_string();
        assert!(e.contains("two scenarios are named 'a'"), "{e}");
    }

    #[test]
    fn planning_sections_parse() {
        let c = Config::from_toml_str(
            "[policy]\npolicy = \"RS\"\nservice_measure = \"fill_rate\"\nservice_targets = { A = 0.99 }\n\
             [suppliers.S1]\nmin_order_value = 500\n[lead_time]\nmin_receipts = 3\n[forecast]\nmodels = [\"ses\", \"sba\"]\n",
        )
        .unwrap();
        assert_eq!(c.policy.policy, PolicyKind::RS);
        assert_eq!(c.policy.service_measure, ServiceMeasure::FillRate);
        assert_eq!(c.suppliers["S1"].min_order_value, Some(500.0));
        assert_eq!(c.lead_time.min_receipts, 3);
        assert_eq!(c.forecast.models.as_ref().map(Vec::len), Some(2));
    }

    /// The whole message as `replenish` prints it: the error and its causes joined by ": ".
    fn chain(e: &ConfigError) -> String {
        let mut text = e.to_string();
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            text.push_str(&format!(": {c}"));
            cause = c.source();
        }
        text
    }

    #[test]
    fn patch_precedence_is_command_line_then_file_then_default() {
        let file = Config::from_toml_str(
            "[simulation]\ndays = 100\nseed = 5\n[policy]\npolicy = \"RS\"\nseed = 11\n",
        )
        .unwrap();
        let patch = ConfigPatch {
            days: Some(30),
            policy_seed: Some(3),
            max_reject_share: Some(0.2),
            ..ConfigPatch::default()
        };
        let c = file.clone().patched(&patch).unwrap();
        // Command line over the file.
        assert_eq!((c.simulation.days, c.policy.seed), (30, 3));
        assert!((c.validation.max_reject_share - 0.2).abs() < 1e-12);
        // The file where the command line is silent.
        assert_eq!((c.policy.policy, c.simulation.seed), (PolicyKind::RS, 5));
        // Defaults where both are.
        let d = Config::default();
        assert_eq!(c.simulation.replications, d.simulation.replications);
        assert_eq!(c.forecast.horizon, d.forecast.horizon);
        // An empty patch changes nothing.
        assert_eq!(file.clone().patched(&ConfigPatch::default()).unwrap(), file);
    }

    #[test]
    fn simulate_patch_defaults_and_seeds() {
        let file = Config::from_toml_str("[simulation]\nseed = 5\n[policy]\nseed = 11\n").unwrap();
        let patch = ConfigPatch {
            scenarios_all_default: Some(true),
            policy_seed_follows_simulation: true,
            scenarios: Some(vec!["supplier_delay".into(), "baseline".into()]),
            ..ConfigPatch::default()
        };
        let c = file.clone().patched(&patch).unwrap();
        assert_eq!(c.simulation.scenarios_all, Some(true));
        assert_eq!(c.policy.seed, 5);
        let names: Vec<&str> = c
            .simulation
            .scenarios
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(names, ["supplier_delay", "baseline"]);
        // The command's default does not override the file.
        let off = Config::from_toml_str("[simulation]\nscenarios_all = false\n").unwrap();
        let c = off.patched(&patch).unwrap();
        assert_eq!(c.simulation.scenarios_all, Some(false));
    }

    #[test]
    fn one_check_rejects_an_invalid_flag_with_the_message_it_always_had() {
        let c = Config::default();
        let replications = ConfigPatch {
            replications: Some(1),
            ..ConfigPatch::default()
        };
        assert_eq!(
            chain(&c.clone().patched(&replications).unwrap_err()),
            "invalid setting simulation: days should be >= 1 and replications >= 2 (for a confidence interval), but are 365 and 1"
        );
        let share = ConfigPatch {
            max_reject_share: Some(2.0),
            ..ConfigPatch::default()
        };
        assert_eq!(
            chain(&c.clone().patched(&share).unwrap_err()),
            "checking the settings given on the command line: invalid setting validation.max_reject_share: should be a share in [0, 1] (0.01 = 1%), but is 2"
        );
        let horizon = ConfigPatch {
            horizon: Some(0),
            ..ConfigPatch::default()
        };
        assert_eq!(
            chain(&c.clone().patched(&horizon).unwrap_err()),
            "--horizon should be at least 1 bucket"
        );
        let unknown = ConfigPatch {
            scenarios: Some(vec!["nope".into()]),
            replications: Some(1),
            ..ConfigPatch::default()
        };
        assert_eq!(
            chain(&c.clone().patched(&unknown).unwrap_err()),
            "--scenarios: unknown scenario 'nope'; configured: baseline, demand_surge, supplier_delay, lead_time_variability, record_inaccuracy"
        );
        // An invalid input flag is reported before a command's flags, as it always was.
        let both = ConfigPatch {
            max_reject_share: Some(2.0),
            ..unknown
        };
        assert!(matches!(
            c.patched(&both).unwrap_err(),
            ConfigError::CommandLine(_)
        ));
    }
}
