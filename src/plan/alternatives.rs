//! Several suppliers per SKU in the plan stage: each SKU's candidate suppliers (the primary
//! and the suppliers file's offers, [`crate::io::suppliers`]) with their lead times, the
//! policy each would need, the choice ([`crate::purchasing::alternatives`]) and what the
//! choice changes before the SKU's policy is designed: the lead time, the unit cost, the MOQ
//! and pack size. It also keys the shards of SKUs whose suppliers have order minimums.
//!
//! Not here: the cost rule and the tie rule (in `purchasing::alternatives`), reading the file
//! (in `io::suppliers`), learning lead times (in `leadtime`).

use std::collections::{BTreeMap, BTreeSet};

use crate::{
    config::Config,
    io::{items::ItemParams, suppliers::SupplierOffer},
    leadtime::{LeadTimeModel, LeadTimeSource, LeadTimeStats, SkuLeadTime},
    policy::{design, Method},
    purchasing::alternatives::{choose, Candidate, Compared, SupplierChoice, UnitCosts},
};

use super::{
    demand_inputs, levels, policy_input, resolve_target, target_of, DemandInputs, SkuContext,
};

/// Below this forecast demand (units a year) a SKU's suppliers are compared by price only: the
/// stock costs per unit of demand of a SKU that (nearly) does not sell are a division by
/// (nearly) nothing, not a comparison.
pub const MIN_ANNUAL_DEMAND: f64 = 1.0;

/// Candidate suppliers by SKU (only SKUs with a row in the suppliers file), the primary first.
pub type Alternatives = BTreeMap<String, Vec<Candidate>>;

/// The candidates of every SKU of `per_sku` (its primary lead time and item parameters) that
/// has offers in `offers`.
pub fn candidates_of<'a>(
    lead_times: &LeadTimeModel,
    per_sku: impl Iterator<Item = (&'a str, &'a ItemParams, &'a SkuLeadTime)>,
    offers: &BTreeMap<String, Vec<SupplierOffer>>,
) -> Alternatives {
    let mut out = Alternatives::new();
    for (sku, item, lt) in per_sku {
        if out.contains_key(sku) {
            continue;
        }
        if let Some(o) = offers.get(sku) {
            out.insert(sku.to_string(), candidates(lead_times, sku, lt, item, o));
        }
    }
    out
}

/// The candidates of one SKU: its primary supplier (with `primary`, the lead time the plan
/// learned for it, and its row of `offers` if any), then every other supplier of `offers` in
/// file order. The primary's row sets its unit cost, and its lead-time override when the SKU
/// has too few receipts of its own from it.
pub fn candidates(
    lead_times: &LeadTimeModel,
    sku: &str,
    primary: &SkuLeadTime,
    item: &ItemParams,
    offers: &[SupplierOffer],
) -> Vec<Candidate> {
    let name = primary.supplier.as_deref();
    let own = offers.iter().find(|o| Some(o.supplier.as_str()) == name);
    let typed = |o: &SupplierOffer| o.lead_time.map(|m| (m, o.lead_time_sd.unwrap_or(0.0)));
    let primary_lt = match own.and_then(typed) {
        Some((mean, sd)) if primary.source != LeadTimeSource::Sku => SkuLeadTime {
            source: LeadTimeSource::SuppliersFile,
            stats: LeadTimeStats::normal(mean, sd),
            ..primary.clone()
        },
        _ => primary.clone(),
    };
    let mut out = vec![Candidate {
        supplier: primary.supplier.clone(),
        primary: true,
        unit_cost: own.map_or(item.unit_cost, |o| o.unit_cost),
        priority: own.and_then(|o| o.priority),
        moq: own.and_then(|o| o.moq),
        pack_size: own.and_then(|o| o.pack_size),
        lead_time: Some(primary_lt),
    }];
    for o in offers.iter().filter(|o| Some(o.supplier.as_str()) != name) {
        out.push(Candidate {
            supplier: Some(o.supplier.clone()),
            primary: false,
            unit_cost: o.unit_cost,
            priority: o.priority,
            moq: o.moq,
            pack_size: o.pack_size,
            lead_time: lead_times.for_offer(sku, &o.supplier, typed(o)),
        });
    }
    out
}

/// Chooses the SKU's supplier among its candidates (when it has several) and makes the
/// choice the SKU's: its lead time, unit cost, MOQ and pack size; the reason joins the SKU's
/// notes (the recommendation's reason). A SKU whose only row is its primary supplier's takes
/// that row's values without a choice.
pub(super) fn apply(ctx: &mut SkuContext<'_>) -> Option<SupplierChoice> {
    let candidates = ctx.candidates?;
    let choice = if candidates.len() > 1 {
        let options = candidates.iter().map(|c| compare(ctx, c)).collect();
        Some(choose(options))
    } else {
        None
    };
    let chosen = choice
        .as_ref()
        .map_or(candidates.first()?, |c| &c.chosen().candidate);
    if let Some(lt) = &chosen.lead_time {
        ctx.lt = lt.clone();
    }
    if chosen.unit_cost > 0.0 {
        ctx.item.unit_cost = chosen.unit_cost;
    }
    if let Some(m) = chosen.moq {
        ctx.item.moq = m;
    }
    if let Some(p) = chosen.pack_size {
        ctx.item.pack_size = p;
    }
    if let Some(c) = &choice {
        ctx.input_notes.push(c.reason.clone());
    }
    choice
}

/// One candidate priced: the policy it needs (normal method, the SKU's target and order
/// rule, this supplier's lead time, unit cost, MOQ and pack size) and its costs per unit of
/// demand; or why it cannot be compared.
fn compare(ctx: &SkuContext<'_>, c: &Candidate) -> Compared {
    let not = |why: String| Compared {
        candidate: c.clone(),
        costs: None,
        note: Some(why),
    };
    let Some(lt) = &c.lead_time else {
        return not(format!(
            "no lead time known for {}: no purchase-order history from it and no lead_time in the suppliers file",
            c.name()
        ));
    };
    if c.unit_cost <= 0.0 {
        return not(format!(
            "no unit cost for {} (unit_cost in the item master or the suppliers file)",
            c.name()
        ));
    }
    let ps = &ctx.config.policy;
    let review = if ps.policy.is_periodic() {
        ctx.item.review_period_days
    } else {
        0.0
    };
    let demand = ctx.fc.map_or_else(DemandInputs::default, |f| {
        demand_inputs(f, ctx.planning, lt.stats.mean + review)
    });
    if demand.mean * crate::policy::order_qty::DAYS_PER_YEAR < MIN_ANNUAL_DEMAND {
        return Compared {
            candidate: c.clone(),
            costs: Some(UnitCosts::price_only(c.unit_cost)),
            note: Some("less than one unit of demand a year: prices compared".into()),
        };
    }
    let (asked, source) = target_of(ctx);
    let class = ctx
        .fc
        .map_or(crate::classify::DemandClass::None, |f| f.profile.class);
    let rules = levels::rules(ps, ctx.abc, class, ctx.steering.freq, ctx.steering.ov);
    let mut input = policy_input(ctx, &demand, &rules, asked.level().unwrap_or(0.5));
    input.lead_time = lt.stats.mean;
    input.lead_time_sd = lt.stats.sd;
    input.holding_cost = ctx.item.holding_rate * c.unit_cost;
    input.moq = c.moq.unwrap_or(ctx.item.moq);
    input.pack_size = c.pack_size.unwrap_or(ctx.item.pack_size);
    let (target, _, measure) = resolve_target(ctx, asked, source, &input, &mut Vec::new());
    input.target = target;
    input.measure = measure;
    match design(&input, Method::Normal) {
        Ok(p) => Compared {
            candidate: c.clone(),
            costs: Some(UnitCosts::of(
                c.unit_cost,
                &p,
                demand.mean,
                ctx.item.shortage_cost,
            )),
            note: None,
        },
        Err(e) => not(format!(
            "the policy with {} could not be computed: {e}",
            c.name()
        )),
    }
}

/// Shard keys of suppliers with order minimums (or containers: every supplier the plan's
/// rule keys by itself, [`super::shard_key`]), when SKUs with several suppliers link them:
/// every minimum supplier maps to the first name (in order) of the group of minimum
/// suppliers linked through SKUs that may buy from more than one of them, so that every SKU
/// that may end up at a supplier is planned with that supplier's other SKUs. Without a
/// suppliers file, every minimum supplier is its own key.
pub fn minimum_groups(alternatives: &Alternatives, config: &Config) -> BTreeMap<String, String> {
    let has_minimum = |s: &str| keyed_by_supplier(s, config);
    let mut parent: BTreeMap<String, String> = BTreeMap::new();
    fn root(parent: &BTreeMap<String, String>, s: &str) -> String {
        let mut at = s.to_string();
        while let Some(p) = parent.get(&at).filter(|p| **p != at) {
            at = p.clone();
        }
        at
    }
    for candidates in alternatives.values() {
        let linked: BTreeSet<&str> = candidates
            .iter()
            .filter_map(|c| c.supplier.as_deref())
            .filter(|s| has_minimum(s))
            .collect();
        let mut it = linked.into_iter();
        let Some(first) = it.next() else { continue };
        parent
            .entry(first.to_string())
            .or_insert_with(|| first.to_string());
        for s in it {
            parent.entry(s.to_string()).or_insert_with(|| s.to_string());
            let (a, b) = (root(&parent, first), root(&parent, s));
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            parent.insert(hi, lo);
        }
    }
    let names: Vec<String> = parent.keys().cloned().collect();
    names
        .into_iter()
        .map(|s| {
            let r = root(&parent, &s);
            (s, r)
        })
        .collect()
}

/// The shard key of a SKU ([`crate::shard`]): the group of the minimum supplier among its
/// candidates (its primary, else the first in name order), else the SKU.
pub fn shard_key<'a>(
    sku: &'a str,
    primary: Option<&'a str>,
    candidates: Option<&'a [Candidate]>,
    groups: &'a BTreeMap<String, String>,
    config: &Config,
) -> &'a str {
    let has_minimum = |s: &str| keyed_by_supplier(s, config);
    let supplier = primary.filter(|s| has_minimum(s)).or_else(|| {
        candidates?
            .iter()
            .filter_map(|c| c.supplier.as_deref())
            .filter(|s| has_minimum(s))
            .min()
    });
    match supplier {
        Some(s) => groups.get(s).map_or(s, String::as_str),
        None => sku,
    }
}

/// Whether the SKUs of supplier `s` are sharded by the supplier (the plan's rule, e.g. order
/// minimums).
fn keyed_by_supplier(s: &str, config: &Config) -> bool {
    // A SKU code that cannot clash with a supplier name: the rule answers with the supplier.
    super::shard_key("\u{0}", Some(s), config) == s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SupplierTerms;

    fn candidate(supplier: &str, primary: bool) -> Candidate {
        Candidate {
            supplier: Some(supplier.into()),
            primary,
            unit_cost: 1.0,
            priority: None,
            moq: None,
            pack_size: None,
            lead_time: None,
        }
    }

    #[test]
    fn minimum_suppliers_linked_by_a_sku_share_one_shard_key() {
        let mut config = Config::default();
        for s in ["SUP_M", "SUP_N", "SUP_Z"] {
            config.suppliers.insert(
                s.into(),
                SupplierTerms {
                    min_order_value: Some(1000.0),
                    ..SupplierTerms::default()
                },
            );
        }
        // X may buy from SUP_N and SUP_M (both with minimums): they become one group, keyed
        // by its first name; SUP_Z stays alone.
        let mut alts = Alternatives::new();
        alts.insert(
            "X".into(),
            vec![
                candidate("SUP_A", true),
                candidate("SUP_N", false),
                candidate("SUP_M", false),
            ],
        );
        alts.insert(
            "Z".into(),
            vec![candidate("SUP_Z", true), candidate("SUP_B", false)],
        );
        let groups = minimum_groups(&alts, &config);
        assert_eq!(groups["SUP_N"], "SUP_M");
        assert_eq!(groups["SUP_M"], "SUP_M");
        assert_eq!(groups["SUP_Z"], "SUP_Z");
        let key = |sku: &'static str, primary: Option<&'static str>| {
            shard_key(
                sku,
                primary,
                alts.get(sku).map(Vec::as_slice),
                &groups,
                &config,
            )
            .to_string()
        };
        // X (primary without a minimum) goes with its minimum alternatives' group; a SKU
        // whose primary is SUP_N goes there too; one without minimums keeps its own code.
        assert_eq!(key("X", Some("SUP_A")), "SUP_M");
        assert_eq!(key("Y", Some("SUP_N")), "SUP_M");
        assert_eq!(key("Z", Some("SUP_Z")), "SUP_Z");
        assert_eq!(key("W", Some("SUP_A")), "W");
    }
}
