//! `replenish policy`: the one-SKU calculator. Forward: the safety stock, reorder point and
//! order quantity that meet a service target. Reverse (with `--reorder-point` or
//! `--order-up-to`): the service and cost that given levels deliver.

use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};
use clap::Args;
use replenish::{
    policy::{
        design, evaluate, normal::z_for_cycle_service, DemandShape, GivenLevels, Method, OrderRule,
        PolicyError, PolicyInput, PolicyKind, PolicyOutcome, ServiceMeasure,
    },
    sim::{
        demand::{DemandDist, DemandSampler},
        engine::{Inaccuracy, World},
        kpi::{KpiSummary, SimCosts},
        simulate, CustomerMode, LeadTimeSampler, SimPolicy,
    },
};
use serde_json::json;

use super::Global;

/// Arguments of `replenish policy`. Units: demand per day, lead time and review period in
/// days, order cost per order, holding cost per unit per year.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Mean demand (units per day).
    #[arg(long, value_name = "UNITS")]
    pub demand_mean: f64,
    /// Standard deviation of daily demand (units per day; ideally of the forecast error).
    #[arg(long, value_name = "UNITS", default_value_t = 0.0)]
    pub demand_sd: f64,
    /// Mean lead time (days).
    #[arg(long, value_name = "DAYS")]
    pub lead_time: f64,
    /// Standard deviation of the lead time (days).
    #[arg(long, value_name = "DAYS", default_value_t = 0.0)]
    pub lead_time_sd: f64,
    /// Cycle service level target: probability of no stockout per cycle (default 0.95).
    #[arg(long, value_name = "P", conflicts_with = "fill_rate")]
    pub service_level: Option<f64>,
    /// Fill-rate target: share of demand served from stock.
    #[arg(long, value_name = "P")]
    pub fill_rate: Option<f64>,
    /// Policy: sQ (continuous, fixed Q), sS (min-max), RS (periodic order-up-to), RsS.
    #[arg(long, value_name = "sQ|sS|RS|RsS", default_value = "sQ")]
    pub policy: PolicyKind,
    /// Review period (days) for RS and RsS.
    #[arg(long, value_name = "DAYS", default_value_t = 7.0)]
    pub review_period: f64,
    /// Fixed order quantity (units); default: the EOQ from the costs.
    #[arg(long, value_name = "UNITS")]
    pub order_qty: Option<f64>,
    /// Cost of placing one order (currency per order), for the EOQ and costs.
    #[arg(long, value_name = "COST", default_value_t = 0.0)]
    pub order_cost: f64,
    /// Holding cost (currency per unit per year).
    #[arg(long, value_name = "COST", conflicts_with = "holding_rate")]
    pub holding_cost: Option<f64>,
    /// Holding rate (fraction of unit cost per year); needs --unit-cost.
    #[arg(long, value_name = "RATE", requires = "unit_cost")]
    pub holding_rate: Option<f64>,
    /// Unit cost (currency per unit); with --holding-rate.
    #[arg(long, value_name = "COST")]
    pub unit_cost: Option<f64>,
    /// Minimum order quantity (units).
    #[arg(long, value_name = "UNITS", default_value_t = 0.0)]
    pub moq: f64,
    /// Pack size: orders are multiples of it (units).
    #[arg(long, value_name = "UNITS", default_value_t = 1.0)]
    pub pack_size: f64,
    /// Days of demand ordered when the EOQ is undefined (no order or holding cost).
    #[arg(long, value_name = "DAYS", default_value_t = 30.0)]
    pub fallback_days: f64,
    /// Reverse what-if: the reorder point you use now (sQ, sS, RsS).
    #[arg(long, value_name = "UNITS")]
    pub reorder_point: Option<f64>,
    /// Reverse what-if: the order-up-to level you use now (sS, RS, RsS).
    #[arg(long, value_name = "UNITS")]
    pub order_up_to: Option<f64>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also simulate the policy (Monte Carlo) and report the simulated KPIs next to the
    /// analytic ones.
    #[arg(long)]
    pub simulate: bool,
    /// Simulated days counted (after a warm-up of --warmup-days).
    #[arg(long, value_name = "N", default_value_t = 365)]
    pub days: u32,
    /// Warm-up days not counted.
    #[arg(long, value_name = "N", default_value_t = 60)]
    pub warmup_days: u32,
    /// Replications.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub replications: usize,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Daily demand distribution: normal (truncated at 0), gamma, poisson, negbin, or
    /// intermittent (occurrence × size; give --occurrence).
    #[arg(long, value_name = "DIST", default_value = "normal")]
    pub demand_dist: DemandDist,
    /// Probability of a demand day, for --demand-dist intermittent (e.g. 0.2).
    #[arg(long, value_name = "P")]
    pub occurrence: Option<f64>,
    /// Customer behaviour when out of stock: backorder, lost_sales or patience.
    #[arg(long, value_name = "MODE", default_value = "backorder")]
    pub customer: CustomerMode,
    /// Mean customer patience (days) for --customer patience.
    #[arg(long, value_name = "DAYS", default_value_t = 7.0)]
    pub patience_days: f64,
    /// Orders may overtake each other: each order's lead time is drawn independently, so a
    /// daily review keeps many orders in transit whose delays average out, and the (R,S)
    /// design uses the crossing-aware lead-time variance. Default (as `[simulation] crossing
    /// = false`): a supplier's delay persists, orders placed close together are late or
    /// early together and arrive in the order they were placed, and each order's lead-time
    /// spread counts whole (the textbook).
    #[arg(long)]
    pub crossing: bool,
}

fn flag(e: PolicyError) -> anyhow::Error {
    match e {
        PolicyError::Invalid { param, message } => {
            anyhow!("--{} {message}", param.replace('_', "-"))
        }
    }
}

/// Builds the calculator's input from the flags.
///
/// # Errors
/// A flag out of range, named.
pub fn input_of(a: &PolicyArgs) -> Result<PolicyInput> {
    let (measure, target) = match (a.service_level, a.fill_rate) {
        (_, Some(f)) => (ServiceMeasure::FillRate, f),
        (Some(s), None) => (ServiceMeasure::Cycle, s),
        (None, None) => (ServiceMeasure::Cycle, 0.95),
    };
    let holding = match (a.holding_cost, a.holding_rate, a.unit_cost) {
        (Some(h), _, _) => h,
        (None, Some(r), Some(c)) => {
            if !(r >= 0.0 && c >= 0.0) {
                bail!("--holding-rate and --unit-cost should be >= 0, but are {r} and {c}");
            }
            r * c
        }
        _ => 0.0,
    };
    let input = PolicyInput {
        kind: a.policy,
        demand_mean: a.demand_mean,
        demand_sd: a.demand_sd,
        demand_sd_dof: f64::INFINITY,
        lead_time: a.lead_time,
        lead_time_sd: a.lead_time_sd,
        lead_time_third_moment: None,
        // The design leans the way the demand the calculator simulates does: symmetric for
        // normal daily demand, a gamma-shaped skew for the others (exact for gamma days;
        // Poisson's and the negative binomial's sums are a little less skewed).
        demand_shape: match a.demand_dist {
            DemandDist::Normal => DemandShape::Normal,
            _ => DemandShape::Gamma,
        },
        orders_cross: a.crossing,
        review_period: a.review_period,
        measure,
        target,
        order: match a.order_qty {
            Some(q) => OrderRule::Fixed(q),
            None => OrderRule::Eoq {
                fallback_days: a.fallback_days,
            },
        },
        order_cost: a.order_cost,
        holding_cost: holding,
        moq: a.moq,
        pack_size: a.pack_size,
    };
    input.check().map_err(flag)?;
    Ok(input)
}

/// Computes the policy (or evaluates given levels).
///
/// # Errors
/// A flag out of range, named.
pub fn compute(a: &PolicyArgs) -> Result<PolicyOutcome> {
    let input = input_of(a)?;
    if a.reorder_point.is_some() || a.order_up_to.is_some() {
        let levels = GivenLevels {
            reorder_point: a.reorder_point,
            order_quantity: a.order_qty,
            order_up_to: a.order_up_to,
        };
        evaluate(&input, Method::Normal, levels).map_err(flag)
    } else {
        design(&input, Method::Normal).map_err(flag)
    }
}

/// The documented JSON keys (null where a key does not apply).
pub fn to_json(o: &PolicyOutcome) -> serde_json::Value {
    json!({
        "policy": o.kind().name(),
        "safety_stock": o.safety_stock,
        "reorder_point": o.reorder_point(),
        "order_quantity": o.order_quantity(),
        "order_up_to": o.order_up_to(),
        "safety_factor": o.safety_factor,
        "expected_fill_rate": o.expected_fill_rate,
        "expected_cycle_service_level": o.expected_cycle_service_level,
        "expected_backorders_per_cycle": o.expected_backorders_per_cycle,
        "annual_holding_cost": o.annual_holding_cost,
        "annual_ordering_cost": o.annual_ordering_cost,
        "annual_total_cost": o.annual_total_cost,
        "protection_demand_mean": o.protection_demand_mean,
        "protection_demand_sd": o.protection_demand_sd,
        "cycle_demand": o.cycle_demand,
        "order_rule": o.order_rule,
    })
}

/// Keys of the `simulated` object, and the KPI each reports.
const SIMULATED: [(&str, &str); 12] = [
    ("fill_rate", "fill_rate"),
    ("cycle_service_level", "cycle_service_level"),
    ("backorder_rate", "backorder_rate"),
    ("mean_wait_days", "mean_wait_days"),
    ("p95_wait_days", "p95_wait_days"),
    ("cancellation_rate", "cancellation_rate"),
    ("lost_sales_rate", "lost_sales_rate"),
    ("stockout_day_share", "stockout_day_share"),
    ("mean_on_hand", "mean_on_hand"),
    ("mean_backlog", "mean_backlog"),
    ("orders_per_year", "orders_per_year"),
    ("annual_total_cost", "total_cost"),
];

/// Lead times for the simulation: the constant, or 1,000 evenly spaced quantiles of a normal
/// with the given mean and sd, cut at 0.
fn lead_time_sample(mean: f64, sd: f64) -> Vec<f64> {
    if sd <= 0.0 {
        return vec![mean];
    }
    (0..1000)
        .map(|i| (mean + sd * z_for_cycle_service((f64::from(i) + 0.5) / 1000.0)).max(0.0))
        .collect()
}

/// Simulates the computed policy with the flags' demand and customer model.
///
/// # Errors
/// Invalid simulation flags, named.
pub fn simulate_policy(
    a: &PolicyArgs,
    input: &PolicyInput,
    o: &PolicyOutcome,
) -> Result<KpiSummary> {
    if a.days == 0 || a.replications < 2 {
        bail!(
            "--days should be >= 1 and --replications >= 2, but are {} and {}",
            a.days,
            a.replications
        );
    }
    if !(a.patience_days.is_finite() && a.patience_days > 0.0) {
        bail!("--patience-days should be > 0, but is {}", a.patience_days);
    }
    let sample = lead_time_sample(input.lead_time, input.lead_time_sd);
    let demand = match (a.demand_dist, a.occurrence) {
        (DemandDist::Intermittent, Some(p)) if p > 0.0 && p <= 1.0 => {
            DemandSampler::intermittent(input.demand_mean, input.demand_sd, p)
        }
        (DemandDist::Intermittent, Some(p)) => {
            bail!("--occurrence should be a probability in (0, 1], but is {p}")
        }
        (DemandDist::Intermittent, None) => {
            bail!("--demand-dist intermittent needs --occurrence (the share of days with demand)")
        }
        (dist, _) => DemandSampler::parametric(dist, input.demand_mean, input.demand_sd),
    };
    let mut lead = LeadTimeSampler::new(&sample);
    lead.crossing = a.crossing;
    let world = World {
        demand,
        lead,
        mode: a.customer,
        mean_patience: a.patience_days,
        inaccuracy: Inaccuracy::default(),
        days: a.warmup_days + a.days,
        warmup: a.warmup_days,
    };
    let policy =
        SimPolicy::from_outcome(o, input.review_period, Some((input.moq, input.pack_size)));
    let costs = SimCosts {
        holding_per_unit_year: input.holding_cost,
        order_cost: input.order_cost,
        shortage_cost: 0.0,
    };
    Ok(simulate(&policy, &world, &costs, a.replications, a.seed))
}

fn simulated_json(k: &KpiSummary) -> serde_json::Value {
    let mut obj = serde_json::Map::new();
    let mut ci = serde_json::Map::new();
    for (key, kpi) in SIMULATED {
        obj.insert(key.into(), json!(k.get(kpi)));
        ci.insert(key.into(), json!(k.half_width(kpi)));
    }
    obj.insert("replications".into(), json!(k.replications));
    obj.insert("ci95".into(), serde_json::Value::Object(ci));
    serde_json::Value::Object(obj)
}

/// The warning for simulated `normal` demand whose truncation at 0 raises its mean more than
/// 1% above the design's: E[max(0, N(μ, σ))] = E[(N − 0)⁺] = μ·Φ(μ/σ) + σ·φ(μ/σ)
/// ([`replenish::policy::normal::excess`] at 0). The simulation then sees more demand than the
/// policy was designed for, and delivers less service.
fn truncation_note(a: &PolicyArgs, input: &PolicyInput) -> Option<String> {
    let (mean, sd) = (input.demand_mean, input.demand_sd);
    if a.demand_dist != DemandDist::Normal || mean <= 0.0 || sd <= 0.0 {
        return None;
    }
    let truncated = replenish::policy::normal::excess(mean, sd, 0.0);
    (truncated > 1.01 * mean).then(|| {
        format!(
            "normal demand of {mean} ± {sd} a day, truncated at 0, has a mean of {truncated:.2} \
             ({:+.1}%): the simulation sees more demand than the design and delivers less \
             service; --demand-dist gamma or negbin keeps the mean for demand this skewed",
            100.0 * (truncated / mean - 1.0)
        )
    })
}

/// Runs the calculator.
///
/// # Errors
/// A flag out of range, named.
pub fn run(a: &PolicyArgs, _global: &Global) -> Result<ExitCode> {
    let o = compute(a)?;
    let (sim, note) = if a.simulate {
        let input = input_of(a)?;
        (
            Some(simulate_policy(a, &input, &o)?),
            truncation_note(a, &input),
        )
    } else {
        (None, None)
    };
    if a.json {
        let mut v = to_json(&o);
        if let Some(k) = &sim {
            v["simulated"] = simulated_json(k);
            if let Some(note) = &note {
                v["simulated"]["warning"] = json!(note);
            }
        }
        outln!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    let v = to_json(&o);
    let reverse = a.reorder_point.is_some() || a.order_up_to.is_some();
    outln!(
        "{} policy, {}{}",
        o.kind(),
        if reverse {
            "service of the given levels".to_string()
        } else {
            "designed for the target".to_string()
        },
        "; units per day, days, currency per year"
    );
    for key in [
        "safety_stock",
        "reorder_point",
        "order_quantity",
        "order_up_to",
        "safety_factor",
        "expected_fill_rate",
        "expected_cycle_service_level",
        "expected_backorders_per_cycle",
        "annual_holding_cost",
        "annual_ordering_cost",
        "annual_total_cost",
        "protection_demand_mean",
        "protection_demand_sd",
        "order_rule",
    ] {
        let cell = match &v[key] {
            serde_json::Value::Null => "-".to_string(),
            serde_json::Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                if key.starts_with("expected_fill") || key.starts_with("expected_cycle") {
                    format!("{:.2}%", 100.0 * x)
                } else {
                    format!("{x:.2}")
                }
            }
            other => other.as_str().unwrap_or_default().to_string(),
        };
        outln!("{key:<32} {cell}");
    }
    if let Some(k) = &sim {
        outln!(
            "\nsimulated ({} replications x {} days, {} demand, {} customers; ± = 95% interval)",
            k.replications,
            a.days,
            format!("{:?}", a.demand_dist).to_lowercase(),
            a.customer.name()
        );
        for (key, kpi) in SIMULATED {
            let (m, h) = (k.get(kpi), k.half_width(kpi));
            if key.ends_with("rate") || key.ends_with("level") || key.ends_with("share") {
                outln!("{key:<32} {:.2}% ± {:.2}%", 100.0 * m, 100.0 * h);
            } else {
                outln!("{key:<32} {m:.2} ± {h:.2}");
            }
        }
        if let Some(note) = &note {
            outln!("warning: {note}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
