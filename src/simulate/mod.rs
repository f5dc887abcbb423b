//! The simulation stage: the catalogue simulation behind `replenish simulate` (and `run`): every SKU × policy family ×
//! scenario, at the policy's analytic parameters, and the portfolio roll-up.
//!
//! Per SKU the planner's current policy (item master `reorder_point` with `order_up_to` or
//! `order_quantity`), when given, is simulated as policy `current`; the policy families are
//! redesigned with the plan's inputs (same target, method and costs), then simulated with the SKU's demand model and lead-time sample under each
//! scenario. Every policy and scenario of a SKU uses the same seed (common random numbers), so
//! differences between them are not sampling noise. SKUs without demand or without a policy
//! are skipped (and counted).

pub mod output;

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::sim::{
    demand::DemandSampler,
    engine::{replicate_observed, World},
    kpi::{KpiSummary, SimCosts},
    scenario::{Scenario, ScenarioKind},
    simulate_to_precision,
    trace::Trajectory,
    DemandPaths, LeadTimeSampler, Precision, SimPolicy,
};
use std::time::Instant;

use crate::{
    calendar::{DemandSeries, Freq},
    config::PolicySettings,
    policy::{
        design,
        empirical::{sample_protection_demand, DemandSample, SampleInput},
        evaluate, Method, PolicyKind, PolicyOutcome,
    },
    sim::settings::{DemandSource, SimulationSettings},
    sku_plan::SkuPlan,
};

/// One SKU × policy × scenario result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimRow {
    /// SKU.
    pub sku: String,
    /// Location.
    pub location: Option<String>,
    /// Policy family name.
    pub policy: String,
    /// Scenario name.
    pub scenario: String,
    /// The analytic policy simulated.
    pub design: PolicyOutcome,
    /// Unit cost (for value roll-ups).
    pub unit_cost: f64,
    /// KPIs with 95% half-widths.
    pub kpis: KpiSummary,
}

/// Daily demand history per SKU and location, for the history bootstrap (weekly or monthly
/// buckets are not daily history, so they are left out).
pub struct DailyHistory<'a>(BTreeMap<(&'a str, Option<&'a str>), &'a [f64]>);

impl<'a> DailyHistory<'a> {
    /// Indexes the daily series.
    pub fn of(series: &'a [DemandSeries]) -> Self {
        Self(
            series
                .iter()
                .filter(|s| s.freq == Freq::Day)
                .map(|s| ((s.sku.as_str(), s.location.as_deref()), s.values.as_slice()))
                .collect(),
        )
    }

    /// The daily history of a planned SKU, if it has one.
    pub fn get(&self, p: &SkuPlan) -> Option<&'a [f64]> {
        self.0
            .get(&(p.sku.as_str(), p.location.as_deref()))
            .copied()
    }
}

/// The result of a catalogue simulation.
#[derive(Debug, Clone)]
pub struct CatalogueRun {
    /// One row per SKU × policy × scenario, sorted by sku, location, policy, scenario order.
    pub rows: Vec<SimRow>,
    /// SKUs skipped (no forecast demand or no policy).
    pub skipped: usize,
    /// Seconds spent designing the policies compared (Monte Carlo samples included).
    pub design_secs: f64,
    /// Seconds spent in the simulation proper.
    pub simulate_secs: f64,
    /// The policies compared, per plan (`None` for skipped SKUs).
    pub designs: Vec<Option<Vec<(String, PolicyOutcome)>>>,
}

/// The policies compared for one SKU: `current` first (when the item master has one), then
/// every family of `kinds` at its analytic levels. The empirical Monte Carlo sample is drawn
/// once per protection window (continuous review, (R,S), (R,s,S)) and shared by the families
/// that use it.
pub fn designs_for(
    p: &SkuPlan,
    kinds: &[PolicyKind],
    with_current: bool,
    draws: usize,
) -> Vec<(String, PolicyOutcome)> {
    let mut out = Vec::new();
    if let Some(current) = p.current.filter(|_| with_current) {
        let mut input = p.policy_input.clone();
        input.kind = current.kind();
        if let Ok(o) = evaluate(&input, Method::Normal, current.into()) {
            out.push(("current".to_string(), o));
        }
    }
    // One sample per protection window: continuous review, (R,S), (R,s,S).
    let mut samples: [Option<DemandSample>; 3] = [None, None, None];
    for &kind in kinds {
        let mut input = p.policy_input.clone();
        input.kind = kind;
        let design = if p.empirical {
            let slot = usize::from(kind.is_periodic()) + usize::from(kind == PolicyKind::RsS);
            let sample = samples[slot].get_or_insert_with(|| {
                sample_protection_demand(SampleInput {
                    rate_per_day: &p.rate_per_day,
                    error_paths: &p.error_paths,
                    lead_times: &p.lead_time.stats.sample,
                    review_days: if kind.is_periodic() {
                        input.review_period
                    } else {
                        0.0
                    },
                    reorder_point: !kind.orders_every_review(),
                    draws,
                    seed: p.seed,
                })
            });
            design(&input, Method::Empirical(sample))
        } else {
            design(&input, Method::Normal)
        };
        if let Ok(d) = design {
            out.push((kind.name().to_string(), d));
        }
    }
    out
}

/// Simulates every SKU with a usable policy: the current policy and the SKU's recommended
/// family under every scenario, the other families compared under the baseline scenario only
/// (every scenario with `[simulation] scenarios_all`; unset counts as false here — `simulate`
/// sets it to true unless configured).
pub fn simulate_catalogue(
    plans: &[SkuPlan],
    series: &[DemandSeries],
    settings: &SimulationSettings,
    policy_settings: &PolicySettings,
) -> CatalogueRun {
    let history = DailyHistory::of(series);
    let clock = Instant::now();
    crate::progress::begin("design policies", plans.len() as u64);
    let designs: Vec<Option<Vec<(String, PolicyOutcome)>>> = plans
        .par_iter()
        .map(|p| {
            crate::progress::advance(1);
            (p.policy.is_ok() && p.demand_per_day > 0.0).then(|| {
                designs_for(
                    p,
                    &settings.policies,
                    settings.current,
                    policy_settings.draws,
                )
            })
        })
        .collect();
    let design_secs = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    crate::progress::begin("simulate", plans.len() as u64);
    let per_sku: Vec<Vec<SimRow>> = plans
        .par_iter()
        .zip(&designs)
        .map_init(
            || DemandPaths::new(0),
            |paths, (p, d)| {
                let rows = d.as_ref().map_or_else(Vec::new, |d| {
                    paths.reset(p.seed);
                    simulate_sku(paths, p, d, history.get(p), settings)
                });
                crate::progress::advance(1);
                rows
            },
        )
        .collect();
    CatalogueRun {
        skipped: designs.iter().filter(|d| d.is_none()).count(),
        rows: per_sku.into_iter().flatten().collect(),
        design_secs,
        simulate_secs: clock.elapsed().as_secs_f64(),
        designs,
    }
}

/// The costs a SKU's simulation counts.
pub fn costs_of(p: &SkuPlan) -> SimCosts {
    SimCosts {
        holding_per_unit_year: p.policy_input.holding_cost,
        order_cost: p.policy_input.order_cost,
        shortage_cost: p.item.shortage_cost,
    }
}

/// The simulated world of a SKU under a scenario (`None` = baseline).
pub fn world_for<'a>(
    p: &'a SkuPlan,
    history: Option<&'a [f64]>,
    settings: &SimulationSettings,
    scenario: Option<&Scenario>,
) -> World<'a> {
    let base_demand = match (settings.demand, history) {
        (DemandSource::History, Some(h)) => DemandSampler::history(h),
        _ => DemandSampler::forecast(&p.rate_per_day, &p.error_paths),
    };
    let mut lead = LeadTimeSampler::new(&p.lead_time.stats.sample);
    lead.crossing = settings.crossing;
    let (demand, lead, inaccuracy) = match scenario {
        Some(sc) => sc.apply(base_demand, lead),
        None => (base_demand, lead, Default::default()),
    };
    World {
        demand,
        lead,
        mode: settings.customer,
        mean_patience: p.item.patience_days,
        inaccuracy,
        days: settings.warmup_days + settings.days,
        warmup: settings.warmup_days,
    }
}

/// A simulation design sees at least this many replenishment cycles per replication (see
/// [`design_world`]).
pub const DESIGN_MIN_CYCLES: f64 = 4.0;

/// … but never simulates more than this many days per replication (ten years): a SKU whose
/// [`DESIGN_MIN_CYCLES`] cycles take longer keeps its analytic levels
/// (`crate::plan::source`).
pub const DESIGN_MAX_DAYS: f64 = 3650.0;

/// The mean replenishment cycle of `design`'s levels for a SKU selling `demand_per_day`, in
/// days: Q (or S − s) over the demand per day, the review period for `RS`; infinite without
/// demand.
pub fn cycle_days(design: &PolicyOutcome, demand_per_day: f64, review_days: f64) -> f64 {
    use crate::policy::Levels;
    match design.levels {
        Levels::RS { .. } => review_days.max(1.0),
        Levels::SQ { q, .. } if demand_per_day > 0.0 => q / demand_per_day,
        Levels::MinMax { s, big_s } | Levels::RsS { s, big_s } if demand_per_day > 0.0 => {
            (big_s - s).max(1.0) / demand_per_day
        }
        Levels::SQ { .. } | Levels::MinMax { .. } | Levels::RsS { .. } => f64::INFINITY,
    }
}

/// The world levels are designed in: the baseline world of `settings` (no scenario) with
/// the customers of `[policy] design_customer` (see [`crate::optimize`]), and days enough for
/// [`DESIGN_MIN_CYCLES`] cycles of `design` (at most [`DESIGN_MAX_DAYS`], never fewer than
/// `[simulation] days`). A slow mover ordering a year of demand at a time would otherwise
/// never run out within one simulated year, whatever its reorder point, and its design would
/// measure the starting stock instead of the policy.
pub fn design_world<'a>(
    p: &'a SkuPlan,
    design: &PolicyOutcome,
    history: Option<&'a [f64]>,
    settings: &SimulationSettings,
    customer: crate::sim::CustomerMode,
) -> World<'a> {
    let base = world_for(p, history, settings, None);
    let cycle = cycle_days(design, p.demand_per_day, p.policy_input.review_period);
    let needed = (DESIGN_MIN_CYCLES * cycle).min(DESIGN_MAX_DAYS).ceil();
    let counted = f64::from(settings.days).max(needed) as u32;
    World {
        mode: customer,
        days: settings.warmup_days + counted,
        ..base
    }
}

/// The simulator's view of a designed policy for a SKU.
pub fn sim_policy_of(p: &SkuPlan, design: &PolicyOutcome) -> SimPolicy {
    SimPolicy::from_outcome(
        design,
        p.policy_input.review_period,
        Some((p.policy_input.moq, p.policy_input.pack_size)),
    )
}

fn simulate_sku(
    paths: &mut DemandPaths,
    p: &SkuPlan,
    designs: &[(String, PolicyOutcome)],
    history: Option<&[f64]>,
    settings: &SimulationSettings,
) -> Vec<SimRow> {
    let costs = costs_of(p);
    let baseline = baseline_index(settings);
    let mut rows = Vec::with_capacity(designs.len() * settings.scenarios.len());
    for (name, design) in designs {
        // The recommended family of a simulation-designed SKU is simulated at the plan's
        // levels, the ones recommended; the other families at their analytic levels.
        let design = match &p.policy {
            Ok(o) if o.method == "simulated" && o.kind().name() == name => o,
            _ => design,
        };
        let policy = sim_policy_of(p, design);
        let every = settings.scenarios_all == Some(true)
            || name == "current"
            || p.policy.as_ref().is_ok_and(|o| o.kind().name() == name);
        for (i, sc) in settings.scenarios.iter().enumerate() {
            if !every && Some(i) != baseline {
                continue;
            }
            let world = world_for(p, history, settings, Some(sc));
            rows.push(SimRow {
                sku: p.sku.clone(),
                location: p.location.clone(),
                policy: name.clone(),
                scenario: sc.name.clone(),
                kpis: simulate_to_precision(
                    paths,
                    &policy,
                    &world,
                    &costs,
                    (settings.min_replications, settings.replications),
                    Precision::of(settings),
                ),
                design: design.clone(),
                unit_cost: p.item.unit_cost,
            });
        }
    }
    rows
}

/// The position of the baseline scenario: the one named `baseline`, else the first.
fn baseline_index(settings: &SimulationSettings) -> Option<usize> {
    let s = &settings.scenarios;
    s.iter()
        .position(|s| s.name == "baseline")
        .or((!s.is_empty()).then_some(0))
}

/// Portfolio KPIs of one policy under one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortfolioRow {
    /// Policy family.
    pub policy: String,
    /// Scenario.
    pub scenario: String,
    /// SKUs rolled up.
    pub skus: usize,
    /// Fill rate weighted by demand.
    pub fill_rate: f64,
    /// Fill rate weighted by demand value (demand × unit cost).
    pub fill_rate_by_value: f64,
    /// Backorder rate weighted by demand.
    pub backorder_rate: f64,
    /// Backorder rate weighted by demand value.
    pub backorder_rate_by_value: f64,
    /// Cancellation rate weighted by demand.
    pub cancellation_rate: f64,
    /// Lost-sales rate weighted by demand.
    pub lost_sales_rate: f64,
    /// Cycle service level weighted by demand.
    pub cycle_service_level: f64,
    /// Mean wait of backordered units (weighted by backordered units), days.
    pub mean_wait_days: f64,
    /// Mean inventory value (Σ mean on-hand × unit cost).
    pub inventory_value: f64,
    /// Total cost per year (Σ).
    pub total_cost: f64,
}

/// Running sums of one policy × scenario roll-up.
#[derive(Default)]
struct Acc {
    skus: usize,
    demand: f64,
    value: f64,
    filled: f64,
    filled_value: f64,
    waited: f64,
    waited_value: f64,
    cancelled: f64,
    lost: f64,
    cycle_ok: f64,
    wait_days: f64,
    stock_value: f64,
    cost: f64,
}

/// What the portfolio roll-up takes from one simulated row: the row's key, its unit cost and
/// the KPIs it weights. Shards write these at full precision (`simulation_rollup.csv`) so
/// that `replenish merge` rolls the catalogue up exactly as one unsharded run would.
#[derive(Debug, Clone, PartialEq)]
pub struct RollupRow {
    /// SKU.
    pub sku: String,
    /// Location.
    pub location: Option<String>,
    /// Policy family.
    pub policy: String,
    /// Scenario.
    pub scenario: String,
    /// Unit cost.
    pub unit_cost: f64,
    /// The KPIs in [`RollupRow::KPIS`] order.
    pub kpis: [f64; 9],
}

impl RollupRow {
    /// The KPIs the roll-up uses, in order.
    pub const KPIS: [&'static str; 9] = [
        "demand_per_year",
        "fill_rate",
        "backorder_rate",
        "cancellation_rate",
        "lost_sales_rate",
        "cycle_service_level",
        "mean_wait_days",
        "mean_on_hand",
        "total_cost",
    ];

    /// The roll-up's view of a simulated row.
    pub fn of(r: &SimRow) -> Self {
        Self {
            sku: r.sku.clone(),
            location: r.location.clone(),
            policy: r.policy.clone(),
            scenario: r.scenario.clone(),
            unit_cost: r.unit_cost,
            kpis: Self::KPIS.map(|k| r.kpis.get(k)),
        }
    }
}

/// Rolls the rows up per policy and scenario (in first-seen order).
pub fn portfolio(rows: &[SimRow]) -> Vec<PortfolioRow> {
    portfolio_of(rows.iter().map(RollupRow::of))
}

/// [`portfolio`] of roll-up rows (the same sums in the same order).
pub fn portfolio_of(rows: impl IntoIterator<Item = RollupRow>) -> Vec<PortfolioRow> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut acc: BTreeMap<(String, String), Acc> = BTreeMap::new();
    for r in rows {
        let key = (r.policy.clone(), r.scenario.clone());
        let a = acc.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            Acc::default()
        });
        let [d, fill_rate, backorder_rate, cancellation_rate, lost_sales_rate, cycle_service_level, mean_wait_days, mean_on_hand, total_cost] =
            r.kpis;
        let v = d * r.unit_cost;
        a.skus += 1;
        a.demand += d;
        a.value += v;
        a.filled += d * fill_rate;
        a.filled_value += v * fill_rate;
        a.waited += d * backorder_rate;
        a.waited_value += v * backorder_rate;
        a.cancelled += d * cancellation_rate;
        a.lost += d * lost_sales_rate;
        a.cycle_ok += d * cycle_service_level;
        a.wait_days += d * backorder_rate * mean_wait_days;
        a.stock_value += mean_on_hand * r.unit_cost;
        a.cost += total_cost;
    }
    let per = |x: f64, w: f64| if w > 0.0 { x / w } else { 0.0 };
    order
        .into_iter()
        .map(|key| {
            let a = &acc[&key];
            PortfolioRow {
                skus: a.skus,
                fill_rate: per(a.filled, a.demand),
                fill_rate_by_value: per(a.filled_value, a.value),
                backorder_rate: per(a.waited, a.demand),
                backorder_rate_by_value: per(a.waited_value, a.value),
                cancellation_rate: per(a.cancelled, a.demand),
                lost_sales_rate: per(a.lost, a.demand),
                cycle_service_level: per(a.cycle_ok, a.demand),
                mean_wait_days: per(a.wait_days, a.waited),
                inventory_value: a.stock_value,
                total_cost: a.cost,
                policy: key.0,
                scenario: key.1,
            }
        })
        .collect()
}
/// Analytic against simulation-optimised parameters of one SKU and family (baseline).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimisedRow {
    /// SKU.
    pub sku: String,
    /// Location.
    pub location: Option<String>,
    /// Policy family.
    pub policy: String,
    /// The SKU's service target (in the measure of `result.goal`).
    pub target: f64,
    /// The customer behaviour searched under.
    pub customer: crate::sim::CustomerMode,
    /// Analytic levels.
    pub analytic: SimPolicy,
    /// The analytic levels' simulated KPIs (the simulation stage's baseline row).
    pub analytic_kpis: KpiSummary,
    /// Optimised levels.
    pub optimised: SimPolicy,
    /// The search result.
    pub result: crate::optimize::Optimised,
}

/// Simulated rows by (sku, location, policy) that the optimisation may reuse as the analytic
/// policy's figures: those of an undisturbed scenario, simulated already in the same world
/// (when `[simulation] customer` is the design's), with the same seed and replication rule —
/// reused, not simulated again (the caller also checks the levels and the horizon).
fn known_baseline<'a>(
    simulated: &'a [SimRow],
    settings: &'a SimulationSettings,
    policy: &PolicySettings,
) -> BTreeMap<(&'a str, Option<&'a str>, &'a str), (&'a KpiSummary, &'a PolicyOutcome)> {
    let undisturbed = settings
        .scenarios
        .iter()
        .find(|s| s.kind == ScenarioKind::Baseline)
        .map(|s| s.name.as_str())
        .filter(|_| settings.customer == policy.design_customer);
    simulated
        .iter()
        .filter(|r| Some(r.scenario.as_str()) == undisturbed)
        .map(|r| {
            let key = (r.sku.as_str(), r.location.as_deref(), r.policy.as_str());
            (key, (&r.kpis, &r.design))
        })
        .collect()
}

/// Runs the simulation-optimisation for every SKU with a usable policy — for its recommended
/// family (the plan's), or every family compared with `[simulation] optimise_all` — under the
/// baseline scenario with the customers of `[policy] design_customer`
/// ([`design_world`]); the goal is the SKU's target in its service measure
/// ([`crate::optimize::Goal`]). A simulation-designed SKU's optimised levels are its
/// recommended ones: the same search, seed and world as the plan's.
///
/// `designs` are the compared policies per plan, as [`CatalogueRun::designs`] holds them
/// (`current` is skipped: it has no target to optimise for).
pub fn optimise_catalogue(
    plans: &[SkuPlan],
    designs: &[Option<Vec<(String, PolicyOutcome)>>],
    series: &[DemandSeries],
    simulated: &[SimRow],
    (settings, policy): (&SimulationSettings, &PolicySettings),
) -> Vec<OptimisedRow> {
    let history = DailyHistory::of(series);
    let known = known_baseline(simulated, settings, policy);
    crate::progress::begin("optimise", plans.len() as u64);
    plans
        .par_iter()
        .zip(designs)
        .filter_map(|(p, d)| {
            crate::progress::advance(1);
            d.as_ref().map(|d| (p, d))
        })
        .map_init(
            || DemandPaths::new(0),
            |paths, (p, d)| {
                paths.reset(p.seed);
                let hist = history.get(p);
                let costs = costs_of(p);
                d.iter()
                    .filter(|(name, _)| name != "current")
                    .filter(|(name, _)| {
                        settings.optimise_all
                            || p.policy.as_ref().is_ok_and(|o| o.kind().name() == name)
                    })
                    .map(|(name, design)| {
                        let analytic = sim_policy_of(p, design);
                        let world = design_world(p, design, hist, settings, policy.design_customer);
                        let reps = crate::optimize::Replications::of(settings);
                        let key = (p.sku.as_str(), p.location.as_deref(), name.as_str());
                        // Simulated here only when no undisturbed scenario ran (e.g. `simulate
                        // --scenarios demand_surge`).
                        // (Only a row of the same levels: a simulation-designed SKU's
                        // recommended row is at its designed levels.)
                        let same = known
                            .get(&key)
                            .filter(|(_, d)| d.levels == design.levels)
                            .filter(|_| world.days == settings.warmup_days + settings.days)
                            .map(|(k, _)| *k);
                        let analytic_kpis = same.map_or_else(
                            || {
                                simulate_to_precision(
                                    paths,
                                    &analytic,
                                    &world,
                                    &costs,
                                    (reps.min, reps.max),
                                    reps.precision,
                                )
                            },
                            |k| (*k).clone(),
                        );
                        // The plan's simulation design ran this very search (same seed,
                        // world, goal and start) for the recommended family: reuse it.
                        let searched = p
                            .design_search
                            .as_deref()
                            .filter(|_| p.policy.as_ref().is_ok_and(|o| o.kind().name() == name));
                        let result = searched.cloned().unwrap_or_else(|| {
                            crate::optimize::optimise(
                                paths,
                                &analytic,
                                &world,
                                &costs,
                                crate::optimize::Goal {
                                    measure: p.measure,
                                    target: p.target,
                                    // As the plan's design: a planner-set quantity stays.
                                    keep_quantity: !p.policy_input.quantity_is_eoq(),
                                },
                                design.protection_demand_sd.max(1.0),
                                reps,
                            )
                        });
                        OptimisedRow {
                            sku: p.sku.clone(),
                            location: p.location.clone(),
                            policy: name.clone(),
                            target: p.target,
                            customer: policy.design_customer,
                            analytic,
                            analytic_kpis,
                            optimised: result.policy,
                            result,
                        }
                    })
                    .collect::<Vec<_>>()
            },
        )
        .flatten_iter()
        .collect()
}

/// One recorded replication (replication 0, the SKU's own seed) of each chosen SKU's planned
/// policy under the baseline scenario (the scenario named `baseline`, else the first), for the
/// report's inventory-trajectory charts. SKUs without a policy or demand are left out.
pub fn trajectories(
    plans: &[SkuPlan],
    chosen: &[usize],
    series: &[DemandSeries],
    settings: &SimulationSettings,
) -> Vec<Trajectory> {
    let history = DailyHistory::of(series);
    let scenario = baseline_index(settings).map(|i| &settings.scenarios[i]);
    chosen
        .iter()
        .filter_map(|&i| {
            let p = plans.get(i)?;
            let design = p.policy.as_ref().ok().filter(|_| p.demand_per_day > 0.0)?;
            let world = world_for(p, history.get(p), settings, scenario);
            let policy = sim_policy_of(p, design);
            let mut t = Trajectory {
                sku: p.sku.clone(),
                location: p.location.clone(),
                policy: design.kind().name().to_string(),
                scenario: scenario.map_or("baseline".into(), |s| s.name.clone()),
                reorder_point: design.reorder_point(),
                order_up_to: design.order_up_to(),
                warmup: world.warmup,
                ..Trajectory::default()
            };
            let mut streams = crate::sim::streams_for(p.seed, 0);
            replicate_observed(&mut streams, &policy, &world, &mut t);
            Some(t)
        })
        .collect()
}
