//! Closed-form cases (textbook conventions in each comment) and properties of the policy
//! calculator. Units: demand per day, lead time and review period in days, holding cost per
//! unit per year.

use proptest::prelude::*;

use super::*;

/// The textbook case: 10 a day (sd 3), lead time 9 days, R 7, 95% cycle target, Q 100.
pub(crate) fn base(kind: PolicyKind) -> PolicyInput {
    PolicyInput {
        kind,
        demand_mean: 10.0,
        demand_sd: 3.0,
        demand_sd_dof: f64::INFINITY,
        lead_time: 9.0,
        lead_time_sd: 0.0,
        lead_time_third_moment: None,
        demand_shape: DemandShape::Normal,
        orders_cross: true,
        review_period: 7.0,
        measure: ServiceMeasure::Cycle,
        target: 0.95,
        order: OrderRule::Fixed(100.0),
        order_cost: 0.0,
        holding_cost: 0.0,
        moq: 1.0,
        pack_size: 1.0,
    }
}

const Z95: f64 = 1.644_853_626_951_472_2;

/// The base case's continuous-review protection demand X = U + D(L − 1) (time convention,
/// module docs): D(8 days) has mean 80 and variance 8 × 9 = 72; the undershoot of daily
/// steps of 10 ± 3 has E[U] = (100 + 9) / 20 = 5.45 and E[U²] = (100 + 27) / 3, so
/// Var U = 127/3 − 5.45².
const X_MEAN: f64 = 85.45;
fn x_var() -> f64 {
    72.0 + 127.0 / 3.0 - 5.45 * 5.45
}

#[test]
fn cycle_service_continuous_review_demand_variability_only() {
    // (s,Q), continuous review: SS = z·sd(X); s = E[X] + SS (X = U + D(L − 1)).
    let p = design(&base(PolicyKind::SQ), Method::Normal).unwrap();
    assert!((p.protection_demand_mean - X_MEAN).abs() < 1e-9);
    assert!((p.safety_stock - Z95 * x_var().sqrt()).abs() < 1e-9);
    assert!((p.reorder_point().unwrap() - (X_MEAN + Z95 * x_var().sqrt())).abs() < 1e-9);
    assert!((p.order_quantity().unwrap() - 100.0).abs() < 1e-12);
    assert!(p.order_up_to().is_none());
    assert!((p.expected_cycle_service_level - 0.95).abs() < 1e-9);
    assert!((p.safety_factor - Z95).abs() < 1e-9);
}

#[test]
fn cycle_service_with_lead_time_variability() {
    // SS = z·sqrt(Var X + d²·σ_L²), σ_L² that of the lead time in whole days: 4 + 1/12
    // (Sheppard's correction for rounding).
    let mut input = base(PolicyKind::SQ);
    input.lead_time_sd = 2.0;
    let p = design(&input, Method::Normal).unwrap();
    let (l, sd_l) = normal::whole_day_lead_time(9.0, 2.0);
    assert!((l - 9.0).abs() < 1e-3 && (sd_l * sd_l - 4.0 - 1.0 / 12.0).abs() < 2e-3);
    let sd = (x_var() + (l - 9.0) * 9.0 + 100.0 * sd_l * sd_l).sqrt();
    assert!((p.safety_stock - Z95 * sd).abs() < 1e-9);
    assert!((p.protection_demand_sd - sd).abs() < 1e-12);
}

#[test]
fn periodic_review_protects_lead_time_plus_review_period_minus_one_day() {
    // (R,S): S = d·(L+R−1) + z·σ_d·sqrt(L+R−1) with L = 5, R = 7, d = 20, σ_d = 5, CSL 90%
    // (the time convention: an order placed after day t's sales covers days t+1 … t+L+R−1).
    let mut input = base(PolicyKind::RS);
    input.demand_mean = 20.0;
    input.demand_sd = 5.0;
    input.lead_time = 5.0;
    input.target = 0.9;
    let p = design(&input, Method::Normal).unwrap();
    let z90 = 1.281_551_565_544_600_5;
    let expect = 220.0 + z90 * 5.0 * 11f64.sqrt();
    assert!((p.order_up_to().unwrap() - expect).abs() < 1e-9);
    assert!(p.reorder_point().is_none() && p.order_quantity().is_none());
    // Cycle demand is the demand per review period, d·R = 140.
    assert!((p.cycle_demand - 140.0).abs() < 1e-12);
}

#[test]
fn fill_rate_target_solves_the_loss_function() {
    // β = 98%, RS with R = 1 and σ_d = 100/3 over L + R − 1 = 9 days: σ = 100, and the
    // shortage created per cycle is σ·G(k) − σ_0·G((S − μ_0)/σ_0) over D(L − 1) (8 days:
    // μ_0 = 80, σ_0 = 100·sqrt(8)/3); the cycle demand is d·R = 10, so the shortage allowed
    // is (1 − β)·10 = 0.2 units.
    let mut input = base(PolicyKind::RS);
    input.review_period = 1.0;
    input.demand_sd = 100.0 / 3.0;
    input.measure = ServiceMeasure::FillRate;
    input.target = 0.98;
    let p = design(&input, Method::Normal).unwrap();
    assert!((p.protection_demand_sd - 100.0).abs() < 1e-9);
    let k = p.safety_factor;
    let big_s = p.order_up_to().unwrap();
    let sd0 = 100.0 * 8f64.sqrt() / 3.0;
    let created = 100.0 * normal::loss(k) - sd0 * normal::loss((big_s - 80.0) / sd0);
    assert!((created - 0.2).abs() < 1e-7, "{created}");
    assert!((p.expected_fill_rate - 0.98).abs() < 1e-7);
    assert!((p.expected_backorders_per_cycle - 0.2).abs() < 1e-7);
}

#[test]
fn fill_rate_target_of_sq_counts_the_shortage_created_in_the_cycle() {
    // (s,Q): shortage created = σ·G(k) − σ·G(k + Q/σ) with X = U + D(L − 1); Q = 500.
    let mut input = base(PolicyKind::SQ);
    input.demand_sd = 100.0 / 3.0;
    input.measure = ServiceMeasure::FillRate;
    input.target = 0.98;
    input.order = OrderRule::Fixed(500.0);
    let p = design(&input, Method::Normal).unwrap();
    let sd = p.protection_demand_sd;
    let k = p.safety_factor;
    let created = sd * (normal::loss(k) - normal::loss(k + 500.0 / sd));
    assert!((created - 10.0).abs() < 1e-6, "{created}");
    assert!((p.expected_fill_rate - 0.98).abs() < 1e-9);
    assert!((p.expected_backorders_per_cycle - 10.0).abs() < 1e-7);
}

#[test]
fn fill_rate_target_with_large_orders_floors_safety_stock_at_zero() {
    // Q = 10,000 against σ = 9: even k = 0 gives a fill rate of 1 − 0.3989·9/10000 ≈ 99.96%.
    let mut input = base(PolicyKind::SQ);
    input.measure = ServiceMeasure::FillRate;
    input.target = 0.9;
    input.order = OrderRule::Fixed(10_000.0);
    let p = design(&input, Method::Normal).unwrap();
    assert!(p.safety_stock.abs() < 1e-12);
    let sd = x_var().sqrt();
    assert!((p.protection_demand_sd - sd).abs() < 1e-9);
    let created = sd * (normal::loss(0.0) - normal::loss(10_000.0 / sd));
    assert!((p.expected_fill_rate - (1.0 - created / 10_000.0)).abs() < 1e-9);
}

#[test]
fn eoq_costs_balance_at_the_optimum() {
    // D = 1200/yr, K = 100, H = 6/unit-yr → EOQ 200; deterministic demand (σ = 0): ordering
    // = K·D/Q = 600 per year, holding = H·(SS + Q/2) = 600 + H·SS per year, where SS covers
    // the undershoot of daily steps of d: uniform on [0, d], sd d/sqrt(12), SS = z·d/sqrt(12).
    let mut input = base(PolicyKind::SQ);
    input.demand_mean = 1200.0 / 365.0;
    input.demand_sd = 0.0;
    input.order = OrderRule::Eoq {
        fallback_days: 30.0,
    };
    input.order_cost = 100.0;
    input.holding_cost = 6.0;
    let p = design(&input, Method::Normal).unwrap();
    assert!((p.order_quantity().unwrap() - 200.0).abs() < 1e-9);
    assert!((p.annual_ordering_cost.unwrap() - 600.0).abs() < 1e-9);
    let ss = Z95 * input.demand_mean / 12f64.sqrt();
    assert!((p.safety_stock - ss).abs() < 1e-9);
    assert!((p.annual_holding_cost.unwrap() - (600.0 + 6.0 * ss)).abs() < 1e-9);
    assert!((p.annual_total_cost.unwrap() - (1200.0 + 6.0 * ss)).abs() < 1e-9);
    assert_eq!(p.order_rule, "eoq");
}

#[test]
fn eoq_is_rounded_to_pack_and_moq() {
    let mut input = base(PolicyKind::SQ);
    input.demand_mean = 1200.0 / 365.0;
    input.order = OrderRule::Eoq {
        fallback_days: 30.0,
    };
    input.order_cost = 100.0;
    input.holding_cost = 6.0;
    input.pack_size = 48.0;
    input.moq = 250.0;
    let p = design(&input, Method::Normal).unwrap();
    assert!((p.order_quantity().unwrap() - 288.0).abs() < 1e-9); // 6 packs ≥ 250
}

#[test]
fn unknown_holding_cost_orders_fallback_days() {
    let mut input = base(PolicyKind::MinMax);
    input.order = OrderRule::Eoq {
        fallback_days: 30.0,
    };
    input.order_cost = 100.0;
    let p = design(&input, Method::Normal).unwrap();
    // S = s + 30 days × 10/day.
    assert!((p.order_up_to().unwrap() - p.reorder_point().unwrap() - 300.0).abs() < 1e-9);
    assert!(p.annual_holding_cost.is_none() && p.annual_total_cost.is_none());
    assert!(p.order_rule.contains("30 days"));
}

#[test]
fn reverse_what_if_gives_the_service_of_given_levels() {
    // A reorder point exactly at the mean protection demand E[X]: CSL 50%, shortage created
    // per cycle σ·(G(0) − G(Q/σ)), fill rate 1 − that / Q.
    let input = base(PolicyKind::SQ);
    let sd = x_var().sqrt();
    let created = sd * (0.398_942_280_401_432_7 - normal::loss(100.0 / sd));
    let p = evaluate(
        &input,
        Method::Normal,
        GivenLevels {
            reorder_point: Some(X_MEAN),
            order_quantity: Some(100.0),
            order_up_to: None,
        },
    )
    .unwrap();
    assert!((p.expected_cycle_service_level - 0.5).abs() < 1e-12);
    assert!((p.expected_backorders_per_cycle - created).abs() < 1e-9);
    assert!((p.expected_fill_rate - (1.0 - created / 100.0)).abs() < 1e-9);
    // Designing for the service it reports gives back the same reorder point.
    let mut again = input.clone();
    again.target = p.expected_cycle_service_level + 1e-12;
    let d = design(&again, Method::Normal).unwrap();
    assert!((d.reorder_point().unwrap() - X_MEAN).abs() < 1e-4);
    // Missing levels name the flag.
    let e = evaluate(&input, Method::Normal, GivenLevels::default()).unwrap_err();
    assert!(e.to_string().starts_with("reorder_point"), "{e}");
}

#[test]
fn empirical_sample_of_normal_demand_agrees_with_the_normal_formula() {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal as Gauss};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let g = Gauss::new(X_MEAN, x_var().sqrt()).unwrap();
    let sample = DemandSample::new((0..200_000).map(|_| g.sample(&mut rng)).collect());
    let input = base(PolicyKind::SQ);
    let n = design(&input, Method::Normal).unwrap();
    let e = design(&input, Method::Empirical(&sample)).unwrap();
    // Sampling error of the 95% quantile with n = 200k: about 0.05 units.
    assert!((n.reorder_point().unwrap() - e.reorder_point().unwrap()).abs() < 0.2);
    let mut fr = input.clone();
    fr.measure = ServiceMeasure::FillRate;
    fr.target = 0.99;
    let n = design(&fr, Method::Normal).unwrap();
    let e = design(&fr, Method::Empirical(&sample)).unwrap();
    assert!((n.reorder_point().unwrap() - e.reorder_point().unwrap()).abs() < 0.3);
    assert!((e.expected_fill_rate - 0.99).abs() < 1e-4);
}

#[test]
fn invalid_inputs_name_the_parameter() {
    let mut i = base(PolicyKind::SQ);
    i.demand_sd = -1.0;
    assert!(design(&i, Method::Normal)
        .unwrap_err()
        .to_string()
        .starts_with("demand_sd"));
    let mut i = base(PolicyKind::SQ);
    i.target = 1.0;
    assert!(design(&i, Method::Normal)
        .unwrap_err()
        .to_string()
        .starts_with("service_level"));
    let mut i = base(PolicyKind::SQ);
    i.lead_time = 0.0;
    i.lead_time_sd = 1.0;
    assert!(design(&i, Method::Normal)
        .unwrap_err()
        .to_string()
        .starts_with("lead_time_sd"));
    let mut i = base(PolicyKind::RS);
    i.review_period = 0.0;
    assert!(design(&i, Method::Normal)
        .unwrap_err()
        .to_string()
        .starts_with("review_period"));
    // A lead-time spread of a billion days (a typo) is refused, not summed day by day.
    let mut i = base(PolicyKind::SQ);
    i.lead_time_sd = 1e9;
    let e = design(&i, Method::Normal).unwrap_err().to_string();
    assert!(e.starts_with("lead_time_sd") && e.contains("36500"), "{e}");
}

#[test]
fn policy_names_parse() {
    for (s, k) in [
        ("sQ", PolicyKind::SQ),
        ("s,Q", PolicyKind::SQ),
        ("min-max", PolicyKind::MinMax),
        ("sS", PolicyKind::MinMax),
        ("RS", PolicyKind::RS),
        ("(R,s,S)", PolicyKind::RsS),
    ] {
        assert_eq!(s.parse::<PolicyKind>().unwrap(), k, "{s}");
    }
    assert!("Qs".parse::<PolicyKind>().is_err());
}

fn kinds() -> impl Strategy<Value = PolicyKind> {
    prop_oneof![
        Just(PolicyKind::SQ),
        Just(PolicyKind::MinMax),
        Just(PolicyKind::RS),
        Just(PolicyKind::RsS)
    ]
}

proptest! {
    #[test]
    fn safety_stock_never_decreases_as_the_target_rises(
        kind in kinds(),
        fill in any::<bool>(),
        d in 0.0f64..200.0, sd in 0.0f64..100.0, l in 0.5f64..60.0, sl in 0.0f64..10.0,
        t1 in 0.5f64..0.999, t2 in 0.5f64..0.999, q in 1.0f64..5000.0,
    ) {
        let mut input = base(kind);
        input.demand_mean = d;
        input.demand_sd = sd;
        input.lead_time = l;
        input.lead_time_sd = sl;
        input.order = OrderRule::Fixed(q);
        input.measure = if fill { ServiceMeasure::FillRate } else { ServiceMeasure::Cycle };
        let (lo, hi) = if t1 <= t2 { (t1, t2) } else { (t2, t1) };
        input.target = lo;
        let a = design(&input, Method::Normal).unwrap();
        input.target = hi;
        let b = design(&input, Method::Normal).unwrap();
        prop_assert!(b.safety_stock >= a.safety_stock - 1e-9 * (1.0 + a.safety_stock.abs()));
        // Reorder point (or S for RS) at least the mean protection-period demand.
        let level = b.reorder_point().or(b.order_up_to()).unwrap();
        prop_assert!(level >= b.protection_demand_mean - 1e-9);
        prop_assert!(b.safety_stock >= 0.0);
        // The design meets its own target.
        let got = if fill { b.expected_fill_rate } else { b.expected_cycle_service_level };
        prop_assert!(got >= hi - 1e-6, "target {hi}, expected {got}");
    }

    #[test]
    fn designed_orders_are_pack_multiples_at_least_moq(
        d in 0.0f64..200.0, k in 1.0f64..500.0, h in 0.1f64..50.0,
        moq in 0.0f64..300.0, pack in 1u32..50,
    ) {
        let mut input = base(PolicyKind::SQ);
        input.demand_mean = d;
        input.order = OrderRule::Eoq { fallback_days: 30.0 };
        input.order_cost = k;
        input.holding_cost = h;
        input.moq = moq;
        input.pack_size = f64::from(pack);
        let p = design(&input, Method::Normal).unwrap();
        let q = p.order_quantity().unwrap();
        prop_assert!(q >= moq - 1e-9);
        prop_assert!(((q / input.pack_size) - (q / input.pack_size).round()).abs() < 1e-9);
    }
}

/// A spread measured on six backtest runs: (R,S) with a fixed lead time protects
/// D(L + R − 1) = 15 days, X = 150 + √(15·9)·T₆, so S − 150 is √135 times Student t₆'s 95%
/// quantile (statrs' inverse CDF; the mixture's quadrature within 0.5%), above the normal's.
#[test]
fn an_estimated_spread_designs_on_students_t() {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let mut input = base(PolicyKind::RS);
    input.demand_sd_dof = 6.0;
    let p = design(&input, Method::Normal).unwrap();
    let t95 = StudentsT::new(0.0, 1.0, 6.0).unwrap().inverse_cdf(0.95);
    let ss = p.order_up_to().unwrap() - 150.0;
    assert!((ss / (135f64.sqrt() * t95) - 1.0).abs() < 0.005, "{ss}");
    assert!((p.expected_cycle_service_level - 0.95).abs() < 1e-6);
    assert_eq!(p.spread_dof, Some(6.0));
    let known = design(&base(PolicyKind::RS), Method::Normal).unwrap();
    assert!((known.order_up_to().unwrap() - 150.0 - 135f64.sqrt() * Z95).abs() < 1e-6);
    assert_eq!(known.spread_dof, None);
    // A fill-rate target: the design meets it exactly on its own distribution, with more
    // stock than the known spread needs, for every family.
    for kind in [
        PolicyKind::SQ,
        PolicyKind::MinMax,
        PolicyKind::RS,
        PolicyKind::RsS,
    ] {
        let mut fill = base(kind);
        fill.measure = ServiceMeasure::FillRate;
        fill.target = 0.99;
        fill.lead_time_sd = 2.0;
        let known = design(&fill, Method::Normal).unwrap();
        fill.demand_sd_dof = 6.0;
        let t = design(&fill, Method::Normal).unwrap();
        assert!((t.expected_fill_rate - 0.99).abs() < 1e-6, "{kind}");
        assert!(t.safety_stock > known.safety_stock, "{kind}");
    }
}

#[test]
fn an_order_placed_now_is_ranked_on_the_designs_distribution() {
    // (R,S) with an estimated spread and a lead-time spread: the budget's X is the design's
    // own, the Student-t demand part and the crossing-aware lead-time term included.
    let mut rs = base(PolicyKind::RS);
    rs.review_period = 1.0;
    rs.lead_time_sd = 2.0;
    rs.demand_sd_dof = 6.0;
    let prot = Protection::new(&rs, Method::Normal, 0.0);
    let (mean, spread) = order_protection(&rs);
    assert!((mean - prot.mean).abs() < 1e-9, "{mean} vs {}", prot.mean);
    assert_eq!(spread, prot.spread);
    assert!(spread.is_estimated());
    // Continuous review: D(L) = D(9) from a known position (no undershoot), 10·L ± √(9·L +
    // 10²·σ_L²) with L and σ_L the whole-day lead time's (L ≈ 9); plain normal for a spread known exactly,
    // and a heavier tail (more shortage above the mean + 2σ) for one estimated on 6 runs.
    let mut sq = base(PolicyKind::SQ);
    sq.lead_time_sd = 2.0;
    let (l, sd_l) = normal::whole_day_lead_time(9.0, 2.0);
    let sd = (9.0 * l + 100.0 * sd_l * sd_l).sqrt();
    let (mean, known) = order_protection(&sq);
    assert!(
        (mean - 10.0 * l).abs() < 1e-9 && (l - 9.0).abs() < 1e-3,
        "{mean}"
    );
    assert!(!known.is_estimated());
    let plain = normal::excess(0.0, sd, 2.0 * sd);
    assert!((known.excess(2.0 * sd) - plain).abs() < 1e-9 * plain);
    sq.demand_sd_dof = 6.0;
    let (_, estimated) = order_protection(&sq);
    assert!(estimated.excess(2.0 * sd) > 1.1 * plain);
}
