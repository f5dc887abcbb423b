//! Simulation-optimised policies: per SKU and policy family, the cheapest parameters whose
//! simulated fill rate meets the target — reported next to the analytic parameters, so the
//! planner sees how much the formula over- or under-stocks for that SKU.
//!
//! Search (common random numbers: every candidate sees the same demand and lead-time draws,
//! so comparisons are not sampling noise):
//! 1. the **protection level** (s for `sQ`, `sS`, `RsS` with S − s kept; S for `RS`) is
//!    bracketed from the analytic value — stepping down while the target is still met, or up
//!    until it is, the step doubling each time — then bisected to within
//!    [`LEVEL_TOLERANCE`] units (the simulated fill rate rises with the level);
//! 2. for the families with an order quantity, Q (or S − s) is also tried at 0.75× and 1.25×
//!    the analytic value, each with its own level search; the candidate with the lowest
//!    simulated holding + ordering cost that meets the target wins.
//!
//! The target is met when the simulated mean fill rate is at least the target. The search
//! runs with few replications; the winner is re-simulated with the full count and, if the
//! target slipped there, its level is searched again with every replication.

use serde::Serialize;

use crate::{
    policy::{order_qty::round_order, PolicyKind},
    sim::{
        engine::World,
        kpi::{KpiSummary, SimCosts},
        simulate, SimPolicy,
    },
};

/// Bisection stops when the bracket is this narrow (units).
pub const LEVEL_TOLERANCE: f64 = 0.5;

/// The result of the search for one SKU and family.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Optimised {
    /// The analytic policy's simulated KPIs.
    pub analytic: KpiSummary,
    /// The cheapest policy found that meets the target.
    pub policy: SimPolicy,
    /// Its simulated KPIs (full replications).
    pub kpis: KpiSummary,
    /// Whether the target was met (false: the highest level tried still missed it).
    pub met: bool,
    /// Simulations run.
    pub evaluations: usize,
}

fn level_of(p: &SimPolicy) -> f64 {
    match p.kind {
        PolicyKind::RS => p.order_up_to,
        _ => p.reorder_point,
    }
}

fn with_level(p: &SimPolicy, level: f64) -> SimPolicy {
    let mut q = *p;
    match p.kind {
        PolicyKind::RS => q.order_up_to = level,
        _ => {
            let gap = p.order_up_to - p.reorder_point;
            q.reorder_point = level;
            q.order_up_to = level + gap;
        }
    }
    q
}

fn with_quantity(p: &SimPolicy, factor: f64) -> SimPolicy {
    let mut q = *p;
    let (moq, pack) = p.rounding.unwrap_or((0.0, 1.0));
    match p.kind {
        PolicyKind::SQ => q.order_quantity = round_order(p.order_quantity * factor, moq, pack),
        PolicyKind::MinMax | PolicyKind::RsS => {
            let gap = round_order((p.order_up_to - p.reorder_point) * factor, moq, pack);
            q.order_up_to = p.reorder_point + gap;
        }
        PolicyKind::RS => {}
    }
    q
}

struct Search<'a, 'w> {
    world: &'a World<'w>,
    costs: &'a SimCosts,
    reps: usize,
    seed: u64,
    target: f64,
    evaluations: usize,
}

impl Search<'_, '_> {
    fn eval(&mut self, p: &SimPolicy) -> KpiSummary {
        self.evaluations += 1;
        simulate(p, self.world, self.costs, self.reps, self.seed)
    }

    fn meets(&mut self, p: &SimPolicy) -> bool {
        self.eval(p).get("fill_rate") >= self.target
    }

    /// The lowest level (to the tolerance) meeting the target, and whether one was found.
    fn level(&mut self, p: &SimPolicy, scale: f64) -> (SimPolicy, bool) {
        let start = level_of(p).max(0.0);
        let mut step = scale.max(1.0);
        let (mut lo, mut hi);
        if self.meets(&with_level(p, start)) {
            hi = start;
            lo = loop {
                let next = (hi - step).max(0.0);
                if !self.meets(&with_level(p, next)) {
                    break next;
                }
                hi = next;
                if next <= 0.0 {
                    return (with_level(p, 0.0), true);
                }
                step *= 2.0;
            };
        } else {
            lo = start;
            hi = start;
            let mut found = false;
            for _ in 0..20 {
                hi = lo + step;
                if self.meets(&with_level(p, hi)) {
                    found = true;
                    break;
                }
                lo = hi;
                step *= 2.0;
            }
            if !found {
                return (with_level(p, hi), false);
            }
        }
        while hi - lo > LEVEL_TOLERANCE {
            let mid = 0.5 * (lo + hi);
            if self.meets(&with_level(p, mid)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        (with_level(p, hi), true)
    }
}

/// Searches the cheapest policy of `analytic`'s family meeting `target_fill_rate`, with
/// `search_reps` replications per candidate and `final_reps` for the reported figures.
/// `scale` is the first bracketing step in units (e.g. the protection-period demand sd).
#[allow(clippy::too_many_arguments)]
pub fn optimise(
    analytic: &SimPolicy,
    world: &World<'_>,
    costs: &SimCosts,
    target_fill_rate: f64,
    scale: f64,
    search_reps: usize,
    final_reps: usize,
    seed: u64,
) -> Optimised {
    let mut search = Search {
        world,
        costs,
        reps: search_reps.clamp(2, final_reps.max(2)),
        seed,
        target: target_fill_rate,
        evaluations: 0,
    };
    let factors: &[f64] = if analytic.kind == PolicyKind::RS {
        &[1.0]
    } else {
        &[1.0, 0.75, 1.25]
    };
    let mut best: Option<(SimPolicy, f64, bool)> = None;
    for &f in factors {
        let candidate = with_quantity(analytic, f);
        let (p, met) = search.level(&candidate, scale);
        let cost = {
            let k = search.eval(&p);
            k.get("holding_cost") + k.get("ordering_cost")
        };
        let better = match &best {
            None => true,
            Some((_, c, m)) => (met && !m) || (met == *m && cost < *c),
        };
        if better {
            best = Some((p, cost, met));
        }
    }
    let (mut policy, _, mut met) = best.expect("at least one candidate");
    // Confirm with the full replications (the first `search_reps` are the same draws); if
    // the target slipped, search the level again from here with all of them.
    let mut kpis = simulate(&policy, world, costs, final_reps, seed);
    if met && kpis.get("fill_rate") < target_fill_rate {
        search.reps = final_reps;
        let (p, m) = search.level(&policy, scale / 2.0);
        policy = p;
        kpis = search.eval(&policy);
        met = m && kpis.get("fill_rate") >= target_fill_rate;
    }
    let evaluations = search.evaluations + 2;
    Optimised {
        analytic: simulate(analytic, world, costs, final_reps, seed),
        kpis,
        policy,
        met,
        evaluations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{
        demand::{DemandDist, DemandSampler},
        engine::Inaccuracy,
        CustomerMode, LeadTimeSampler,
    };

    /// A year after a 60-day warm-up, full backorders, holding 1 per unit-year, 10 per order.
    fn world<'a>(demand: DemandSampler<'a>, lead: &'a [f64]) -> (World<'a>, SimCosts) {
        let world = World {
            demand,
            lead: LeadTimeSampler::new(lead),
            mode: CustomerMode::Backorder,
            mean_patience: 7.0,
            inaccuracy: Inaccuracy::default(),
            days: 60 + 365,
            warmup: 60,
        };
        let costs = SimCosts {
            holding_per_unit_year: 1.0,
            order_cost: 10.0,
            shortage_cost: 0.0,
        };
        (world, costs)
    }

    #[test]
    fn the_optimised_level_is_the_lowest_meeting_the_target() {
        // (R,S) with R = 7, L = 5, N(10, 2²): the search must land within the tolerance of
        // the lowest S whose simulated fill rate (same random numbers) reaches 99%.
        let lead = [5.0];
        let (world, costs) = world(
            DemandSampler::parametric(DemandDist::Normal, 10.0, 2.0),
            &lead,
        );
        let analytic = SimPolicy {
            kind: PolicyKind::RS,
            reorder_point: 0.0,
            order_quantity: 0.0,
            order_up_to: 140.0,
            review_days: 7,
            rounding: None,
        };
        let o = optimise(&analytic, &world, &costs, 0.99, 7.0, 30, 30, 9);
        assert!(o.met);
        assert!(o.kpis.get("fill_rate") >= 0.99);
        let s = o.policy.order_up_to;
        assert!(s < 140.0, "S = 140 over-stocks: found {s}");
        let below = with_level(&analytic, s - LEVEL_TOLERANCE - 1e-9);
        assert!(simulate(&below, &world, &costs, 30, 9).get("fill_rate") < 0.99);
    }

    #[test]
    fn an_under_stocked_policy_is_raised() {
        let lead = [4.0, 9.0, 15.0];
        let (world, costs) = world(
            DemandSampler::parametric(DemandDist::Gamma, 5.0, 5.0),
            &lead,
        );
        let analytic = SimPolicy {
            kind: PolicyKind::MinMax,
            reorder_point: 20.0,
            order_quantity: 0.0,
            order_up_to: 80.0,
            review_days: 1,
            rounding: Some((1.0, 1.0)),
        };
        let o = optimise(&analytic, &world, &costs, 0.97, 10.0, 30, 30, 4);
        assert!(o.analytic.get("fill_rate") < 0.97);
        assert!(o.met && o.kpis.get("fill_rate") >= 0.97);
        assert!(o.policy.reorder_point > 20.0);
    }
}
