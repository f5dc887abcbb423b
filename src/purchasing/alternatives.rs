//! Several suppliers per SKU: what buying one unit of demand from each supplier costs, and
//! which supplier a SKU's orders go to.
//!
//! This module prices and ranks suppliers that are already described ([`Candidate`]: price,
//! lead time, priority, order constraints) and designed for ([`crate::policy::PolicyOutcome`]
//! at the SKU's target with that supplier's lead time); it does not read the suppliers file
//! ([`crate::io::suppliers`]), learn lead times ([`crate::leadtime`]) or design policies —
//! the plan stage does, before the SKU's policy, so the policy is designed with the chosen
//! supplier's lead time.
//!
//! # The rule
//! For each supplier with a known unit cost and lead time, and a SKU with demand:
//!
//! landed cost per unit of demand = unit cost + (annual holding + annual ordering cost of the
//! policy designed with that supplier's lead time) / annual demand + shortage cost × (1 −
//! expected fill rate)
//!
//! The holding cost is the item's holding rate × that supplier's unit cost on the policy's
//! safety stock plus half its cycle stock, so a slow or erratic supplier pays for the safety
//! stock its lead time needs; the shortage term counts only for items with a `shortage_cost`.
//! The cheapest supplier wins, except that suppliers within [`TIE_TOLERANCE`] (1%) of the
//! cheapest are near-ties: among them the lowest `priority` wins (an empty priority comes
//! after every given one), then the primary supplier (the item master's), then the cheaper,
//! then the name. Without demand (less than one unit a year, where stock costs per unit of
//! demand would divide by nearly nothing) only the unit costs are compared, by the same rule. A primary supplier with no unit cost (item master and suppliers file both
//! silent) cannot be compared: it is kept. A supplier without any lead time (no history,
//! no override) is not compared.

use serde::Serialize;

use crate::{leadtime::SkuLeadTime, policy::order_qty::DAYS_PER_YEAR, policy::PolicyOutcome};

/// Relative gap in landed cost within which two suppliers are a near-tie and `priority`
/// decides: 0.01 (1% of the cheaper one's landed cost).
pub const TIE_TOLERANCE: f64 = 0.01;

/// One supplier a SKU can be bought from, with what is known of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Supplier (`None`: the primary supplier is not known by name).
    pub supplier: Option<String>,
    /// Whether this is the SKU's primary supplier (the item master's, else that of its latest
    /// purchase order).
    pub primary: bool,
    /// Unit cost at this supplier (currency per unit); 0 = unknown.
    pub unit_cost: f64,
    /// The planner's preference (1 = preferred), if given.
    pub priority: Option<u32>,
    /// Minimum order quantity at this supplier (units), if it has its own.
    pub moq: Option<f64>,
    /// Pack size at this supplier (units), if it has its own.
    pub pack_size: Option<f64>,
    /// The lead time at this supplier; `None` when nothing is known (not compared).
    pub lead_time: Option<SkuLeadTime>,
}

impl Candidate {
    /// The supplier's name for messages (`primary supplier` when unnamed).
    pub fn name(&self) -> &str {
        self.supplier.as_deref().unwrap_or("primary supplier")
    }
}

/// What buying from one supplier costs per unit of demand (currency per unit).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UnitCosts {
    /// Unit cost (the price).
    pub unit_cost: f64,
    /// Holding cost of the safety and cycle stock, per unit of demand.
    pub holding: f64,
    /// Ordering cost per unit of demand.
    pub ordering: f64,
    /// Expected shortage cost per unit of demand.
    pub shortage: f64,
    /// Safety stock the supplier's lead time needs (units).
    pub safety_stock: f64,
}

impl UnitCosts {
    /// The landed cost per unit of demand: the sum of the parts.
    pub fn landed(&self) -> f64 {
        self.unit_cost + self.holding + self.ordering + self.shortage
    }

    /// Only the price (a SKU without demand: nothing to hold or protect).
    pub fn price_only(unit_cost: f64) -> Self {
        UnitCosts {
            unit_cost,
            holding: 0.0,
            ordering: 0.0,
            shortage: 0.0,
            safety_stock: 0.0,
        }
    }

    /// The costs per unit of demand of `policy` (designed with this supplier's lead time and
    /// unit cost) at `demand_per_day` > 0, for an item whose shortage costs `shortage_cost` a
    /// unit (0 = none). See the module documentation.
    pub fn of(
        unit_cost: f64,
        policy: &PolicyOutcome,
        demand_per_day: f64,
        shortage_cost: f64,
    ) -> Self {
        let annual = demand_per_day * DAYS_PER_YEAR;
        UnitCosts {
            unit_cost,
            holding: policy.annual_holding_cost.unwrap_or(0.0) / annual,
            ordering: policy.annual_ordering_cost.unwrap_or(0.0) / annual,
            shortage: shortage_cost.max(0.0) * (1.0 - policy.expected_fill_rate).max(0.0),
            safety_stock: policy.safety_stock,
        }
    }
}

/// One supplier as compared: the candidate and its costs (`None` = not compared, `note` says
/// why).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compared {
    /// The supplier.
    pub candidate: Candidate,
    /// Its costs per unit of demand, when it could be priced.
    pub costs: Option<UnitCosts>,
    /// Why it was not compared, if so.
    pub note: Option<String>,
}

/// The suppliers of one SKU as compared, and the one its orders go to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplierChoice {
    /// Every supplier of the SKU, the primary first.
    pub options: Vec<Compared>,
    /// Index of the chosen supplier in `options`.
    pub chosen: usize,
    /// Why, in one sentence (the recommendation's reason and the report show it).
    pub reason: String,
}

impl SupplierChoice {
    /// The chosen supplier.
    pub fn chosen(&self) -> &Compared {
        &self.options[self.chosen]
    }
}

/// Chooses among `options` (the primary first) by the rule of the module documentation.
pub fn choose(options: Vec<Compared>) -> SupplierChoice {
    let primary = options
        .iter()
        .position(|o| o.candidate.primary)
        .unwrap_or(0);
    let priced: Vec<usize> = (0..options.len())
        .filter(|&i| options[i].costs.is_some())
        .collect();
    let landed = |i: usize| options[i].costs.map_or(f64::INFINITY, |c| c.landed());
    if priced.is_empty() || !priced.contains(&primary) {
        let why = options[primary]
            .note
            .clone()
            .unwrap_or_else(|| "not compared".into());
        let reason = format!(
            "{} kept, the alternatives not compared: {why}",
            options[primary].candidate.name()
        );
        return SupplierChoice {
            options,
            chosen: primary,
            reason,
        };
    }
    let best = priced
        .iter()
        .map(|&i| landed(i))
        .fold(f64::INFINITY, f64::min);
    let limit = best + TIE_TOLERANCE * best.abs();
    let rank = |i: usize| {
        let c = &options[i].candidate;
        (c.priority.unwrap_or(u32::MAX), !c.primary)
    };
    let chosen = priced
        .iter()
        .copied()
        .filter(|&i| landed(i) <= limit)
        .min_by(|&a, &b| {
            rank(a)
                .cmp(&rank(b))
                .then(landed(a).total_cmp(&landed(b)))
                .then(options[a].candidate.name().cmp(options[b].candidate.name()))
        })
        .unwrap_or(primary);
    // The runner-up: the cheapest other priced supplier.
    let other = priced
        .iter()
        .copied()
        .filter(|&i| i != chosen)
        .min_by(|&a, &b| landed(a).total_cmp(&landed(b)));
    let reason = match other {
        Some(o) => comparison(
            &options[chosen],
            &options[o],
            landed(o) <= limit && landed(chosen) <= limit,
        ),
        None => format!(
            "{} is the only supplier that could be compared",
            options[chosen].candidate.name()
        ),
    };
    SupplierChoice {
        options,
        chosen,
        reason,
    }
}

/// "SUP002 over SUP001: 4.21 vs 4.35 a unit landed (price 4.10 vs 4.30), lead time 12 ± 4 vs
/// 7 ± 1 days", with the priority named when it broke a near-tie.
fn comparison(a: &Compared, b: &Compared, tie: bool) -> String {
    let (ca, cb) = (a.costs.expect("priced"), b.costs.expect("priced"));
    let lt = |c: &Compared| {
        c.candidate.lead_time.as_ref().map_or("?".to_string(), |l| {
            format!("{} ± {}", r1(l.stats.mean), r1(l.stats.sd))
        })
    };
    let mut s = format!(
        "{} over {}: {:.2} vs {:.2} a unit landed (price {:.2} vs {:.2}), lead time {} vs {} days",
        a.candidate.name(),
        b.candidate.name(),
        ca.landed(),
        cb.landed(),
        ca.unit_cost,
        cb.unit_cost,
        lt(a),
        lt(b)
    );
    if tie {
        let p = |c: &Compared| {
            c.candidate
                .priority
                .map_or("none".to_string(), |p| p.to_string())
        };
        s.push_str(&format!(
            "; within {:.0}% of each other, so priority decides ({} vs {})",
            100.0 * TIE_TOLERANCE,
            p(a),
            p(b)
        ));
    }
    s
}

/// One decimal, without a trailing `.0`.
fn r1(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leadtime::{LeadTimeSource, LeadTimeStats};

    fn option(name: &str, primary: bool, landed: f64, priority: Option<u32>) -> Compared {
        Compared {
            candidate: Candidate {
                supplier: Some(name.into()),
                primary,
                unit_cost: landed,
                priority,
                moq: None,
                pack_size: None,
                lead_time: Some(SkuLeadTime {
                    supplier: Some(name.into()),
                    source: LeadTimeSource::SuppliersFile,
                    own_receipts: 0,
                    stats: LeadTimeStats::fixed(7.0),
                }),
            },
            costs: Some(UnitCosts::price_only(landed)),
            note: None,
        }
    }

    #[test]
    fn the_cheapest_wins_outside_the_tolerance() {
        let c = choose(vec![
            option("P", true, 4.30, Some(1)),
            option("B", false, 4.10, Some(2)),
        ]);
        assert_eq!(c.chosen().candidate.name(), "B");
        assert!(
            c.reason.starts_with("B over P: 4.10 vs 4.30"),
            "{}",
            c.reason
        );
        assert!(!c.reason.contains("priority"));
    }

    #[test]
    fn priority_breaks_a_near_tie() {
        // 4.30 vs 4.28: within 1% (0.0428), so priority 1 wins over the cheaper priority 2.
        let c = choose(vec![
            option("P", true, 4.28, Some(2)),
            option("B", false, 4.30, Some(1)),
        ]);
        assert_eq!(c.chosen().candidate.name(), "B");
        assert!(
            c.reason.contains("priority decides (1 vs 2)"),
            "{}",
            c.reason
        );
        // Without priorities the primary wins a near-tie; just outside it, the cheaper.
        let c = choose(vec![
            option("P", true, 4.30, None),
            option("B", false, 4.28, None),
        ]);
        assert_eq!(c.chosen().candidate.name(), "P");
        let c = choose(vec![
            option("P", true, 4.30, Some(1)),
            option("B", false, 4.25, None),
        ]);
        assert_eq!(c.chosen().candidate.name(), "B");
    }

    #[test]
    fn an_unpriced_primary_is_kept() {
        let mut p = option("P", true, 0.0, None);
        p.costs = None;
        p.note = Some("no unit_cost in the item master".into());
        let c = choose(vec![p, option("B", false, 1.0, None)]);
        assert_eq!(c.chosen, 0);
        assert!(c.reason.contains("no unit_cost"), "{}", c.reason);
    }
}
