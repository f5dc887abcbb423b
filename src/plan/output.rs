//! Writing the plan's outputs, atomically: `policy.csv`, `lead_times.csv`,
//! `recommendations.csv`, `recommendations.json` and `plan.json` (a summary).
//!
//! One row per SKU and location (empty cell = does not apply):
//!
//! - **policy.csv**: [`PolicyRow`]
//! - **lead_times.csv**: [`LeadTimeRow`]
//! - **lead_time_histogram.csv**: [`LeadTimeHistogramRow`] (one row per supplier and day)
//! - **supplier_choice.csv** (with a suppliers file): [`SupplierChoiceRow`], one row per
//!   supplier of each SKU with several
//! - **recommendations.csv**: [`RecommendationRow`], sorted by urgency.
//! - **supplier_orders.csv**: [`SupplierOrderRow`], one row per supplier with an order or a
//!   deferral ([`supplier_orders_of`]).
//!
//! Each file's columns and their order are defined once, by its row struct ([`PolicyRow`],
//! [`LeadTimeRow`], [`LeadTimeHistogramRow`], [`RecommendationRow`]) after the key columns
//! ([`Key`]); the report (and `lock`, which reads an earlier `policy.csv`) read the files back
//! through the same structs.

use std::{collections::BTreeMap, path::Path};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Plan;
use crate::{
    config::SupplierTerms,
    io::cells::{header_of, num, opt_num, write_csv, Key},
    io::{atomic::write_atomic, LoadError},
    policy::ServiceMeasure,
    purchasing::container::{self, OrderLine, SupplierOrderRow},
    recommend::{Action, DraftLine, Recommendation},
    sku_plan::SkuPlan,
};

/// One row of `policy.csv` after the key columns (`sku`, `location` when the data have one):
/// the file's columns, in order. Empty cells (`None`, empty text) do not apply — a SKU whose
/// policy failed has only its inputs and `error`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyRow {
    /// Supplier.
    pub supplier: Option<String>,
    /// Demand class.
    pub class: String,
    /// ABC class.
    pub abc: String,
    /// Chosen forecasting model.
    pub model: String,
    /// Policy family (empty when the policy failed).
    pub policy: String,
    /// Safety-stock method.
    pub method: String,
    /// `fill_rate` or `cycle`.
    pub service_measure: String,
    /// Service target.
    #[serde(serialize_with = "num")]
    pub target: f64,
    /// Where the target came from.
    pub target_source: String,
    /// The service the formula expects of the recommended levels, in `service_measure`
    /// (`expected_cycle_service_level` or `expected_fill_rate`).
    #[serde(serialize_with = "opt_num")]
    pub designed_service: Option<f64>,
    /// The recommended levels' simulated service in `service_measure` (baseline scenario,
    /// `simulated_customer`); empty when not simulated (`plan` of analytic levels).
    #[serde(serialize_with = "opt_num")]
    pub simulated_service: Option<f64>,
    /// The customer behaviour `simulated_service` was simulated with (`[policy]
    /// design_customer`).
    pub simulated_customer: String,
    /// Mean demand per day.
    #[serde(serialize_with = "num")]
    pub demand_mean_per_day: f64,
    /// Demand standard deviation per day.
    #[serde(serialize_with = "num")]
    pub demand_sd_per_day: f64,
    /// Mean lead time, days.
    #[serde(serialize_with = "num")]
    pub lead_time_mean_days: f64,
    /// Lead-time standard deviation, days.
    #[serde(serialize_with = "num")]
    pub lead_time_sd_days: f64,
    /// Where the lead time came from.
    pub lead_time_source: String,
    /// Review period, days.
    #[serde(serialize_with = "num")]
    pub review_period_days: f64,
    /// Mean demand over the protection interval.
    #[serde(serialize_with = "opt_num")]
    pub protection_demand_mean: Option<f64>,
    /// Its standard deviation.
    #[serde(serialize_with = "opt_num")]
    pub protection_demand_sd: Option<f64>,
    /// Safety factor.
    #[serde(serialize_with = "opt_num")]
    pub safety_factor: Option<f64>,
    /// Degrees of freedom of the forecast-error spread behind the safety factor (the
    /// backtest runs it was measured on, or the whole protection periods of the in-sample
    /// deviations of a forecast without a backtest): the design is a Student-t one with these
    /// (`crate::policy::spread`); empty for a spread taken as known and the Monte Carlo
    /// methods.
    #[serde(serialize_with = "opt_num")]
    pub spread_dof: Option<f64>,
    /// Safety stock.
    #[serde(serialize_with = "opt_num")]
    pub safety_stock: Option<f64>,
    /// Reorder point s.
    #[serde(serialize_with = "opt_num")]
    pub reorder_point: Option<f64>,
    /// Order quantity Q.
    #[serde(serialize_with = "opt_num")]
    pub order_quantity: Option<f64>,
    /// Order-up-to level S.
    #[serde(serialize_with = "opt_num")]
    pub order_up_to: Option<f64>,
    /// How the order quantity is rounded.
    pub order_rule: String,
    /// Expected fill rate.
    #[serde(serialize_with = "opt_num")]
    pub expected_fill_rate: Option<f64>,
    /// Expected cycle service level.
    #[serde(serialize_with = "opt_num")]
    pub expected_cycle_service_level: Option<f64>,
    /// Expected backorders per cycle.
    #[serde(serialize_with = "opt_num")]
    pub expected_backorders_per_cycle: Option<f64>,
    /// Holding cost per year.
    #[serde(serialize_with = "opt_num")]
    pub annual_holding_cost: Option<f64>,
    /// Ordering cost per year.
    #[serde(serialize_with = "opt_num")]
    pub annual_ordering_cost: Option<f64>,
    /// Total cost per year.
    #[serde(serialize_with = "opt_num")]
    pub annual_total_cost: Option<f64>,
    /// Why the policy could not be computed.
    pub error: String,
    /// Days whose demand was censored by stockouts.
    pub censored_days: u32,
    /// Units imputed on censored days.
    #[serde(serialize_with = "num")]
    pub imputed_units: f64,
    /// The safety-stock rule applied.
    pub safety_stock_rule: String,
    /// The planner's steering in effect (`; `-separated).
    pub overrides: String,
}

impl PolicyRow {
    /// The row of one planned SKU.
    pub fn of(p: &SkuPlan) -> Self {
        let lt = &p.lead_time.stats;
        let mut row = PolicyRow {
            supplier: p.supplier.clone(),
            class: p.class.name().to_string(),
            abc: p.abc.name().to_string(),
            model: p.model.to_string(),
            service_measure: p.measure.name().to_string(),
            target: p.target,
            target_source: p.target_source.clone(),
            demand_mean_per_day: p.demand_per_day,
            demand_sd_per_day: p.demand_sd_per_day,
            lead_time_mean_days: lt.mean,
            lead_time_sd_days: lt.sd,
            lead_time_source: p.lead_time.source.name().to_string(),
            review_period_days: p.review_period,
            censored_days: p.censored_days,
            imputed_units: p.imputed_units,
            safety_stock_rule: p.safety_stock_rule.clone(),
            overrides: p.overrides.join("; "),
            ..Self::default()
        };
        match &p.policy {
            Ok(o) => {
                row.policy = o.kind().to_string();
                row.method = o.method.to_string();
                row.protection_demand_mean = Some(o.protection_demand_mean);
                row.protection_demand_sd = Some(o.protection_demand_sd);
                row.safety_factor = Some(o.safety_factor);
                row.spread_dof = o.spread_dof;
                row.safety_stock = Some(o.safety_stock);
                row.reorder_point = o.reorder_point();
                row.order_quantity = o.order_quantity();
                row.order_up_to = o.order_up_to();
                row.order_rule = o.order_rule.clone();
                row.expected_fill_rate = Some(o.expected_fill_rate);
                row.expected_cycle_service_level = Some(o.expected_cycle_service_level);
                row.expected_backorders_per_cycle = Some(o.expected_backorders_per_cycle);
                row.designed_service = Some(match p.measure {
                    ServiceMeasure::Cycle => o.expected_cycle_service_level,
                    ServiceMeasure::FillRate => o.expected_fill_rate,
                });
                if let Some(sim) = &p.simulated {
                    row.simulated_service = Some(sim.of(p.measure));
                    row.simulated_customer = sim.customer.name().to_string();
                }
                row.annual_holding_cost = o.annual_holding_cost;
                row.annual_ordering_cost = o.annual_ordering_cost;
                row.annual_total_cost = o.annual_total_cost;
            }
            Err(e) => row.error = e.to_string(),
        }
        row
    }
}

/// One row of `lead_times.csv` after the key columns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadTimeRow {
    /// Supplier.
    pub supplier: Option<String>,
    /// Where the lead time came from.
    pub source: String,
    /// Receipts of this SKU.
    pub own_receipts: usize,
    /// Receipts the distribution uses.
    pub receipts_used: usize,
    /// Mean, days.
    #[serde(serialize_with = "num")]
    pub mean_days: f64,
    /// Standard deviation, days.
    #[serde(serialize_with = "num")]
    pub sd_days: f64,
    /// Median, days.
    #[serde(serialize_with = "num")]
    pub p50_days: f64,
    /// 90th percentile, days.
    #[serde(serialize_with = "num")]
    pub p90_days: f64,
    /// 95th percentile, days.
    #[serde(serialize_with = "num")]
    pub p95_days: f64,
    /// Whether the supplier's recent lead times drift above its p90.
    pub supplier_drifting: bool,
}

/// One row of `lead_time_histogram.csv`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadTimeHistogramRow {
    /// Supplier.
    pub supplier: String,
    /// Whole days of lead time.
    pub lead_time_days: i64,
    /// Receipts with that lead time.
    pub receipts: usize,
    /// The supplier's median, days (of the exact sample).
    #[serde(serialize_with = "num")]
    pub p50_days: f64,
    /// The supplier's 90th percentile, days.
    #[serde(serialize_with = "num")]
    pub p90_days: f64,
    /// Whether the supplier drifts.
    pub supplier_drifting: bool,
}

/// One row of `supplier_choice.csv` after the key columns: one supplier of a SKU with several
/// ([`crate::purchasing::alternatives`]); costs are currency per unit of demand, empty when
/// the supplier could not be compared (`note` says why).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SupplierChoiceRow {
    /// Supplier.
    pub supplier: String,
    /// Whether the SKU's orders go to it.
    pub chosen: bool,
    /// Whether it is the SKU's primary supplier (item master).
    pub primary: bool,
    /// The planner's priority (1 = preferred), if given.
    pub priority: Option<u32>,
    /// Unit cost at this supplier (0 = unknown).
    #[serde(serialize_with = "num")]
    pub unit_cost: f64,
    /// Mean lead time, days.
    #[serde(serialize_with = "opt_num")]
    pub lead_time_days: Option<f64>,
    /// Standard deviation of the lead time, days.
    #[serde(serialize_with = "opt_num")]
    pub lead_time_sd_days: Option<f64>,
    /// Where the lead time came from (`sku`, `suppliers_file`, `supplier`, …).
    pub lead_time_source: String,
    /// Safety stock its lead time needs (units).
    #[serde(serialize_with = "opt_num")]
    pub safety_stock: Option<f64>,
    /// Holding cost of safety and cycle stock per unit of demand.
    #[serde(serialize_with = "opt_num")]
    pub holding_per_unit: Option<f64>,
    /// Ordering cost per unit of demand.
    #[serde(serialize_with = "opt_num")]
    pub ordering_per_unit: Option<f64>,
    /// Expected shortage cost per unit of demand.
    #[serde(serialize_with = "opt_num")]
    pub shortage_per_unit: Option<f64>,
    /// Landed cost per unit of demand: unit cost + holding + ordering + shortage.
    #[serde(serialize_with = "opt_num")]
    pub landed_per_unit: Option<f64>,
    /// The choice's reason (on the chosen row), or why the supplier was not compared.
    pub note: String,
}

/// Writes `supplier_choice.csv`: every supplier of every SKU with several.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_supplier_choice(path: &Path, plan: &Plan) -> Result<(), LoadError> {
    let rows: Vec<(&SkuPlan, usize)> = plan
        .plans
        .iter()
        .flat_map(|p| {
            let n = p.supplier_choice.as_ref().map_or(0, |c| c.options.len());
            (0..n).map(move |i| (p, i))
        })
        .collect();
    write_keyed(
        path,
        rows.iter(),
        |(p, _)| plan_key(p),
        |(p, i)| {
            let choice = p.supplier_choice.as_ref().expect("only SKUs with a choice");
            let o = &choice.options[*i];
            let (c, costs) = (&o.candidate, o.costs);
            let lt = c.lead_time.as_ref();
            let chosen = *i == choice.chosen;
            SupplierChoiceRow {
                supplier: c.name().to_string(),
                chosen,
                primary: c.primary,
                priority: c.priority,
                unit_cost: c.unit_cost,
                lead_time_days: lt.map(|l| l.stats.mean),
                lead_time_sd_days: lt.map(|l| l.stats.sd),
                lead_time_source: lt.map_or(String::new(), |l| l.source.name().to_string()),
                safety_stock: costs.map(|k| k.safety_stock),
                holding_per_unit: costs.map(|k| k.holding),
                ordering_per_unit: costs.map(|k| k.ordering),
                shortage_per_unit: costs.map(|k| k.shortage),
                landed_per_unit: costs.map(|k| k.landed()),
                note: if chosen {
                    choice.reason.clone()
                } else {
                    o.note.clone().unwrap_or_default()
                },
            }
        },
    )
}

/// One row of `recommendations.csv` after the key columns (`sku`, `location` when the data
/// have one): the file's columns, in order; `recommendations.json` lists the same columns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecommendationRow {
    /// Supplier.
    pub supplier: Option<String>,
    /// ORDER, EXPEDITE, DEFER, REVIEW, OK or HOLD.
    pub action: String,
    /// Buying order (1 = first to buy) of the rows with an order or a deferral.
    pub priority: Option<u32>,
    /// Shortage the line's first chunk avoids per 1,000 of money (its priority key).
    #[serde(serialize_with = "opt_num")]
    pub shortage_avoided_per_1000: Option<f64>,
    /// Units to order.
    #[serde(serialize_with = "num")]
    pub order_quantity: f64,
    /// Units the budget cut.
    #[serde(serialize_with = "num")]
    pub deferred_quantity: f64,
    /// Their value at unit cost.
    #[serde(serialize_with = "opt_num")]
    pub order_value: Option<f64>,
    /// Last day to order.
    pub order_by: Option<NaiveDate>,
    /// Arrival of an order placed on `order_by`, median lead time.
    pub expected_arrival_p50: Option<NaiveDate>,
    /// The same at the 90th percentile.
    pub expected_arrival_p90: Option<NaiveDate>,
    /// Inventory position.
    #[serde(serialize_with = "num")]
    pub inventory_position: f64,
    /// On hand.
    #[serde(serialize_with = "num")]
    pub on_hand: f64,
    /// On order.
    #[serde(serialize_with = "num")]
    pub on_order: f64,
    /// Backordered customer units.
    #[serde(serialize_with = "num")]
    pub backordered: f64,
    /// Reorder point.
    #[serde(serialize_with = "opt_num")]
    pub reorder_point: Option<f64>,
    /// Order-up-to level.
    #[serde(serialize_with = "opt_num")]
    pub order_up_to: Option<f64>,
    /// Safety stock.
    #[serde(serialize_with = "opt_num")]
    pub safety_stock: Option<f64>,
    /// Forecast demand per day.
    #[serde(serialize_with = "num")]
    pub demand_per_day: f64,
    /// First open order's arrival.
    pub next_arrival: Option<NaiveDate>,
    /// Projected stockout date.
    pub projected_stockout: Option<NaiveDate>,
    /// Days of cover.
    #[serde(serialize_with = "opt_num")]
    pub days_of_cover: Option<f64>,
    /// When today's backorders are expected to be filled.
    pub backorder_fill_date: Option<NaiveDate>,
    /// Units at risk.
    #[serde(serialize_with = "num")]
    pub units_at_risk: f64,
    /// Their value at unit cost.
    #[serde(serialize_with = "opt_num")]
    pub value_at_risk: Option<f64>,
    /// Where the lead time came from.
    pub lead_time_source: String,
    /// The planner's steering in effect.
    pub overrides: String,
    /// Why this action.
    pub reason: String,
}

impl RecommendationRow {
    /// The row of one recommendation.
    pub fn of(r: &Recommendation) -> Self {
        Self {
            supplier: r.supplier.clone(),
            action: r.action.name().to_string(),
            priority: r.priority,
            shortage_avoided_per_1000: r.shortage_avoided_per_1000,
            order_quantity: r.order_quantity,
            deferred_quantity: r.deferred_quantity,
            order_value: r.order_value,
            order_by: r.order_by,
            expected_arrival_p50: r.expected_arrival_p50,
            expected_arrival_p90: r.expected_arrival_p90,
            inventory_position: r.inventory_position,
            on_hand: r.on_hand,
            on_order: r.on_order,
            backordered: r.backordered,
            reorder_point: r.reorder_point,
            order_up_to: r.order_up_to,
            safety_stock: r.safety_stock,
            demand_per_day: r.demand_per_day,
            next_arrival: r.next_arrival,
            projected_stockout: r.projected_stockout,
            days_of_cover: r.days_of_cover,
            backorder_fill_date: r.backorder_fill_date,
            units_at_risk: r.units_at_risk,
            value_at_risk: r.value_at_risk,
            lead_time_source: r.lead_time_source.name().to_string(),
            overrides: r.overrides.clone(),
            reason: r.reason.clone(),
        }
    }

    /// The columns of `recommendations.csv`, key columns included (`location` only
    /// `with_location`).
    pub fn columns(with_location: bool) -> Vec<String> {
        header_of(&(Key::header(with_location), Self::default()))
    }
}

/// Whether any row has a location (the file then has a location column).
fn located<'a>(mut locations: impl Iterator<Item = Option<&'a str>>) -> bool {
    locations.any(|l| l.is_some())
}

/// Writes a per-SKU output: the key columns, then `R`'s columns; one row per item.
fn write_keyed<'a, T: 'a, R: Serialize + Default>(
    path: &Path,
    items: impl Iterator<Item = &'a T> + Clone,
    key: impl Fn(&'a T) -> (&'a str, Option<&'a str>),
    row: impl Fn(&'a T) -> R,
) -> Result<(), LoadError> {
    let loc = located(items.clone().map(|i| key(i).1));
    let header = header_of(&(Key::header(loc), R::default()));
    write_atomic(path, |w| {
        write_csv(
            w,
            &header,
            items.map(|i| {
                let (sku, location) = key(i);
                (Key::new(sku, location, loc), row(i))
            }),
        )
    })
}

/// Writes `policy.csv`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_policy(path: &Path, plan: &Plan) -> Result<(), LoadError> {
    write_keyed(path, plan.plans.iter(), plan_key, PolicyRow::of)
}

fn plan_key(p: &SkuPlan) -> (&str, Option<&str>) {
    (&p.sku, p.location.as_deref())
}

/// Writes `lead_times.csv`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_lead_times(path: &Path, plan: &Plan) -> Result<(), LoadError> {
    write_keyed(path, plan.plans.iter(), plan_key, |p| {
        let s = &p.lead_time.stats;
        LeadTimeRow {
            supplier: p.supplier.clone(),
            source: p.lead_time.source.name().to_string(),
            own_receipts: p.lead_time.own_receipts,
            receipts_used: s.count,
            mean_days: s.mean,
            sd_days: s.sd,
            p50_days: s.p50,
            p90_days: s.p90,
            p95_days: s.p95,
            supplier_drifting: p
                .supplier
                .as_deref()
                .is_some_and(|s| plan.lead_times.drift_of(s).is_some()),
        }
    })
}

/// Writes `lead_time_histogram.csv`: per supplier, receipts per whole day of lead time
/// ([`LeadTimeHistogramRow`]; the percentiles are of the exact sample, repeated on each of the
/// supplier's rows).
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_lead_time_histogram(path: &Path, plan: &Plan) -> Result<(), LoadError> {
    let mut rows = Vec::new();
    for (supplier, st) in plan.lead_times.suppliers() {
        let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
        for v in &st.sample {
            *counts.entry(v.round() as i64).or_default() += 1;
        }
        let drifting = plan.lead_times.drift_of(supplier).is_some();
        rows.extend(counts.into_iter().map(|(days, n)| LeadTimeHistogramRow {
            supplier: supplier.to_string(),
            lead_time_days: days,
            receipts: n,
            p50_days: st.p50,
            p90_days: st.p90,
            supplier_drifting: drifting,
        }));
    }
    let header = header_of(&LeadTimeHistogramRow::default());
    write_atomic(path, |w| write_csv(w, &header, &rows))
}

/// Writes `recommendations.csv`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_recommendations_csv(path: &Path, recs: &[Recommendation]) -> Result<(), LoadError> {
    write_keyed(
        path,
        recs.iter(),
        |r| (&r.sku, r.location.as_deref()),
        RecommendationRow::of,
    )
}

/// What the per-supplier summary needs of a row with an order or a deferral beyond the row
/// itself: the item's unit cost, volume and weight. A shard writes them
/// (`supplier_lines.shard-K-of-N.csv`) so that `merge` sums the catalogue's suppliers as one
/// run does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnitFacts {
    /// SKU.
    pub sku: String,
    /// Location, if any.
    pub location: Option<String>,
    /// Currency per unit (0 = unknown).
    pub unit_cost: f64,
    /// Volume per unit, if known.
    pub volume: Option<f64>,
    /// Weight per unit, if known.
    pub weight: Option<f64>,
}

impl UnitFacts {
    /// A draft's unit facts (`merge` with a budget takes them from the shards' drafts).
    pub fn of_draft(d: &DraftLine) -> Self {
        Self {
            sku: d.rec.sku.clone(),
            location: d.rec.location.clone(),
            unit_cost: d.unit_cost,
            volume: d.volume,
            weight: d.weight,
        }
    }
}

/// The unit facts of every plan whose recommendation has an order or a deferral, in plan order.
pub fn unit_facts(plans: &[SkuPlan], recs: &[Recommendation]) -> Vec<UnitFacts> {
    let wanted: std::collections::BTreeSet<(&str, Option<&str>)> = recs
        .iter()
        .filter(|r| r.order_quantity > 0.0 || r.deferred_quantity > 0.0)
        .map(|r| (r.sku.as_str(), r.location.as_deref()))
        .collect();
    plans
        .iter()
        .filter(|p| wanted.contains(&(p.sku.as_str(), p.location.as_deref())))
        .map(|p| UnitFacts {
            sku: p.sku.clone(),
            location: p.location.clone(),
            unit_cost: p.item.unit_cost,
            volume: p.item.volume,
            weight: p.item.weight,
        })
        .collect()
}

/// The per-supplier summary (`supplier_orders.csv`, [`container::supplier_orders`]) of
/// recommendations in their written order, with each row's unit facts and its supplier's
/// containers and minimum.
pub fn supplier_orders_of(
    recs: &[Recommendation],
    facts: &[UnitFacts],
    suppliers: &BTreeMap<String, SupplierTerms>,
) -> Vec<SupplierOrderRow> {
    let by_key: BTreeMap<(&str, Option<&str>), &UnitFacts> = facts
        .iter()
        .map(|f| ((f.sku.as_str(), f.location.as_deref()), f))
        .collect();
    let lines = recs.iter().map(|r| {
        let f = by_key.get(&(r.sku.as_str(), r.location.as_deref()));
        OrderLine {
            supplier: r.supplier.as_deref(),
            ordered: r.order_quantity,
            deferred: r.deferred_quantity,
            unit_cost: f.map_or(0.0, |f| f.unit_cost),
            volume: f.and_then(|f| f.volume),
            weight: f.and_then(|f| f.weight),
        }
    });
    container::supplier_orders(lines, |s| {
        suppliers.get(s).map_or((None, Default::default()), |t| {
            (t.containers(), t.minimum())
        })
    })
}

/// Writes `supplier_orders.csv`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_supplier_orders(path: &Path, rows: &[SupplierOrderRow]) -> Result<(), LoadError> {
    let header = header_of(&SupplierOrderRow::default());
    write_atomic(path, |w| write_csv(w, &header, rows))
}

/// Writes a shard's `supplier_lines.csv` ([`UnitFacts`]), for `replenish merge`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_unit_facts(path: &Path, facts: &[UnitFacts]) -> Result<(), LoadError> {
    let header = header_of(&UnitFacts::default());
    write_atomic(path, |w| write_csv(w, &header, facts))
}

/// Counts and values per action and supplier: `plan.json` and the printed summary.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlanSummary {
    /// Planning date.
    pub planning_date: NaiveDate,
    /// Forecast horizon (buckets).
    pub horizon: usize,
    /// SKUs (and locations) planned.
    pub skus: usize,
    /// Rows per action.
    pub actions: BTreeMap<String, usize>,
    /// Per supplier: ORDER lines, units and value (at unit cost).
    pub orders_by_supplier: BTreeMap<String, SupplierOrder>,
    /// Suppliers whose recent lead times run above their historical p90.
    pub drifting_suppliers: Vec<String>,
    /// Safety-stock methods used (SKUs per method).
    pub methods: BTreeMap<String, usize>,
    /// SKUs whose policy could not be computed.
    pub policy_errors: usize,
    /// Per supplier with an order or a deferral: `supplier_orders.csv`'s rows (containers,
    /// fill, minimum, deferred value). Written, not read back: `merge` sums them again from
    /// the recommendations (their numbers are written as text cells).
    #[serde(default, skip_deserializing)]
    pub supplier_orders: Vec<SupplierOrderRow>,
}

/// One supplier's recommended order.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SupplierOrder {
    /// ORDER lines.
    pub lines: usize,
    /// Units.
    pub units: f64,
    /// Value at unit cost (lines without a unit cost count 0).
    pub value: f64,
}

impl PlanSummary {
    /// Summarises a plan.
    pub fn of(plan: &Plan) -> Self {
        let (actions, orders_by_supplier) = Self::tally(&plan.recommendations);
        let mut methods = BTreeMap::new();
        for p in &plan.plans {
            let m = p.policy.as_ref().map_or("error", |o| o.method);
            *methods.entry(m.to_string()).or_default() += 1;
        }
        Self {
            planning_date: plan.planning_date,
            horizon: plan.horizon,
            skus: plan.plans.len(),
            actions,
            orders_by_supplier,
            drifting_suppliers: plan
                .lead_times
                .drift
                .iter()
                .filter(|d| d.drifting)
                .map(|d| d.supplier.clone())
                .collect(),
            methods,
            policy_errors: plan.plans.iter().filter(|p| p.policy.is_err()).count(),
            supplier_orders: plan.supplier_orders.clone(),
        }
    }

    /// SKUs per action (every action listed, zeros included) and the recommended orders per
    /// supplier (`(none)` without one; values rounded to cents after summing in the order
    /// given).
    pub fn tally(
        recommendations: &[Recommendation],
    ) -> (BTreeMap<String, usize>, BTreeMap<String, SupplierOrder>) {
        let mut actions = BTreeMap::new();
        for a in [
            Action::Expedite,
            Action::Order,
            Action::Review,
            Action::Ok,
            Action::Hold,
        ] {
            actions.insert(a.name().to_string(), 0);
        }
        let mut orders_by_supplier: BTreeMap<String, SupplierOrder> = BTreeMap::new();
        for r in recommendations {
            *actions.entry(r.action.name().to_string()).or_default() += 1;
            if r.action == Action::Order {
                let o = orders_by_supplier
                    .entry(r.supplier.clone().unwrap_or_else(|| "(none)".into()))
                    .or_default();
                o.lines += 1;
                o.units += r.order_quantity;
                o.value += r.order_value.unwrap_or(0.0);
            }
        }
        for o in orders_by_supplier.values_mut() {
            o.value = (o.value * 100.0).round() / 100.0;
        }
        (actions, orders_by_supplier)
    }

    /// A few lines for the terminal.
    pub fn table(&self) -> String {
        let mut out = format!(
            "planned {} SKUs for {} (forecast horizon {} buckets)\nactions: {}\n",
            self.skus,
            self.planning_date,
            self.horizon,
            self.actions
                .iter()
                .map(|(a, n)| format!("{a} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !self.orders_by_supplier.is_empty() {
            out.push_str("orders by supplier:\n");
            for (s, o) in &self.orders_by_supplier {
                out.push_str(&format!(
                    "  {s:<12} {:>4} lines {:>10.0} units {:>12.2} value\n",
                    o.lines, o.units, o.value
                ));
            }
        }
        for o in self
            .supplier_orders
            .iter()
            .filter(|o| o.containers.is_some())
        {
            let pct = |p: Option<f64>, what: &str| p.map(|p| format!(", {p}% by {what}"));
            out.push_str(&format!(
                "  {:<12} {} container(s){}{}{}\n",
                o.supplier,
                o.containers.unwrap_or(0),
                pct(o.fill_volume_pct, "volume").unwrap_or_default(),
                pct(o.fill_weight_pct, "weight").unwrap_or_default(),
                o.binding
                    .map(|b| format!(" ({} binds)", b.name()))
                    .unwrap_or_default(),
            ));
        }
        for o in self
            .supplier_orders
            .iter()
            .filter(|o| o.deferred_value > 0.0)
        {
            out.push_str(&format!(
                "  {:<12} {} line(s) with units deferred (DEFER or cut partly), value {:.2}\n",
                o.supplier, o.deferred_lines, o.deferred_value
            ));
        }
        if !self.drifting_suppliers.is_empty() {
            out.push_str(&format!(
                "lead-time drift: {}\n",
                self.drifting_suppliers.join(", ")
            ));
        }
        out
    }
}

#[derive(Serialize)]
struct RecommendationsFile<'a> {
    planning_date: NaiveDate,
    columns: Vec<String>,
    recommendations: &'a [Recommendation],
}

/// Writes `recommendations.json`: `{planning_date, columns, recommendations: [...]}` with the
/// same fields as the CSV (dates as `YYYY-MM-DD`, empty cells as `null`).
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_recommendations_json(
    path: &Path,
    planning_date: NaiveDate,
    recommendations: &[Recommendation],
) -> Result<(), LoadError> {
    let file = RecommendationsFile {
        planning_date,
        columns: RecommendationRow::columns(true),
        recommendations,
    };
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, &file).map_err(std::io::Error::other)?;
        writeln!(w)
    })
}

/// `budget_lines.json`, written by a shard of a run with an order budget (as
/// `budget_lines.shard-K-of-N.json`): the shard's drafts before the finish chain
/// ([`crate::recommend::DraftLine`], sorted by SKU and location), which `merge` finishes
/// together ([`crate::recommend::finish_drafts`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetLinesFile {
    /// The planning date.
    pub planning_date: NaiveDate,
    /// The drafts.
    pub lines: Vec<crate::recommend::DraftLine>,
}

/// Writes `plan.json`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_summary(path: &Path, summary: &PlanSummary) -> Result<(), LoadError> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, summary).map_err(std::io::Error::other)?;
        writeln!(w)
    })
}

/// Writes every output of the plan stage into `dir`: forecast.csv, accuracy.csv, classes.csv,
/// policy.csv, lead_times.csv, lead_time_histogram.csv, validation.json, detail.json (the
/// report's per-SKU data for the `top_skus` SKUs by value at risk), recommendations.json,
/// budget.json (with a budget), supplier_orders.csv, recommendations.csv (last but one: purchasing imports it, so
/// it only appears once the rest is complete) and plan.json.
///
/// # Errors
/// [`LoadError::Write`] naming the file.
pub fn write_plan_outputs(
    dir: &Path,
    loaded: &crate::validate::Loaded,
    plan: &Plan,
    top_skus: usize,
) -> Result<PlanSummary, LoadError> {
    use super::detail::{top_by_risk, top_by_risk_and_ties, SkuDetail};
    use crate::forecast::output::{write_accuracy, write_classes, write_forecasts};
    use crate::io::atomic::write_json;
    let mut all: Vec<&crate::forecast::select::SkuForecast> =
        plan.forecasts.iter().chain(&plan.analogues).collect();
    all.sort_by(|a, b| (&a.sku, &a.location).cmp(&(&b.sku, &b.location)));
    let all: Vec<crate::forecast::select::SkuForecast> = all.into_iter().cloned().collect();
    write_forecasts(&dir.join("forecast.csv"), &all)?;
    write_accuracy(&dir.join("accuracy.csv"), &plan.forecasts)?;
    write_classes(
        &dir.join("classes.csv"),
        &loaded.series,
        &plan.forecasts,
        &plan.series_index,
    )?;
    write_policy(&dir.join("policy.csv"), plan)?;
    write_lead_times(&dir.join("lead_times.csv"), plan)?;
    write_lead_time_histogram(&dir.join("lead_time_histogram.csv"), plan)?;
    if !loaded.suppliers.is_empty() {
        write_supplier_choice(&dir.join("supplier_choice.csv"), plan)?;
    }
    let json = serde_json::to_string_pretty(&loaded.report).expect("report serialises");
    write_atomic(&dir.join("validation.json"), |w| {
        w.write_all(json.as_bytes())
    })?;
    let series: BTreeMap<(&str, Option<&str>), &crate::calendar::DemandSeries> = loaded
        .series
        .iter()
        .map(|s| ((s.sku.as_str(), s.location.as_deref()), s))
        .collect();
    let forecasts: BTreeMap<(&str, Option<&str>), &crate::forecast::select::SkuForecast> = plan
        .forecasts
        .iter()
        .map(|f| ((f.sku.as_str(), f.location.as_deref()), f))
        .collect();
    // A shard with a budget lists the ties at its last place too: the cut, made at merge,
    // changes the order values that break ties in value at risk.
    let top = if plan.budget_lines.is_some() {
        top_by_risk_and_ties(&plan.recommendations, top_skus)
    } else {
        top_by_risk(&plan.recommendations, top_skus)
    };
    let details: Vec<SkuDetail> = top
        .into_iter()
        .filter_map(|i| {
            let r = &plan.recommendations[i];
            let k = (r.sku.as_str(), r.location.as_deref());
            Some(SkuDetail::of(series.get(&k)?, forecasts.get(&k)?))
        })
        .collect();
    write_json(&dir.join("detail.json"), &details)?;
    write_recommendations_json(
        &dir.join("recommendations.json"),
        plan.planning_date,
        &plan.recommendations,
    )?;
    if let Some(b) = &plan.budget {
        write_json(&dir.join("budget.json"), b)?;
    }
    write_supplier_orders(&dir.join("supplier_orders.csv"), &plan.supplier_orders)?;
    if let Some(lines) = &plan.budget_lines {
        let file = BudgetLinesFile {
            planning_date: plan.planning_date,
            lines: lines.clone(),
        };
        write_json(&dir.join("budget_lines.json"), &file)?;
    }
    write_recommendations_csv(&dir.join("recommendations.csv"), &plan.recommendations)?;
    let summary = PlanSummary::of(plan);
    write_summary(&dir.join("plan.json"), &summary)?;
    Ok(summary)
}
