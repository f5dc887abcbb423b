//! Agreement with inventory theory (exact formulas for the simulator's daily order of events),
//! invariants, and the customer modes' limits.
//!
//! Event order matters for the closed forms: an order placed at the end of day t with lead
//! time L arrives at the start of day t + L, so the net stock at the end of day t + L + i is
//! the position after ordering on day t minus the demand of the L + i days t + 1 … t + L + i.

use proptest::prelude::*;
use statrs::distribution::{Continuous, ContinuousCDF, Discrete, Normal, Poisson as Pois};

use super::*;
use crate::policy::normal::loss;
use demand::{DemandDist, DemandSampler};
use engine::Inaccuracy;

fn world(demand: DemandSampler<'_>, lead: &[f64], mode: CustomerMode, days: u32) -> World<'static> {
    // Lead-time sample leaked for the 'static world of a test.
    let lead: &'static [f64] = Box::leak(lead.to_vec().into_boxed_slice());
    let demand = demand.into_owned_parametric();
    World {
        demand,
        lead: LeadTimeSampler::new(lead),
        mode,
        mean_patience: 5.0,
        inaccuracy: Inaccuracy::default(),
        days,
        warmup: 200,
    }
}

/// Family `kind`'s levels out of s, Q and S (each family takes the ones it uses).
fn levels_of(kind: PolicyKind, s: f64, q: f64, big_s: f64) -> Levels {
    match kind {
        PolicyKind::SQ => Levels::SQ { s, q },
        PolicyKind::MinMax => Levels::MinMax { s, big_s },
        PolicyKind::RS => Levels::RS { big_s },
        PolicyKind::RsS => Levels::RsS { s, big_s },
    }
}

fn policy(kind: PolicyKind, s: f64, q: f64, big_s: f64, review: u32) -> SimPolicy {
    SimPolicy {
        levels: levels_of(kind, s, q, big_s),
        review_days: review,
        rounding: None,
    }
}

fn costs() -> SimCosts {
    SimCosts {
        holding_per_unit_year: 2.0,
        order_cost: 30.0,
        shortage_cost: 5.0,
    }
}

fn std_normal() -> Normal {
    Normal::new(0.0, 1.0).unwrap()
}

/// Second-order loss G₂(k) = ∫ₖ^∞ G(x) dx = ½[(k² + 1)(1 − Φ(k)) − kφ(k)].
fn g2(k: f64) -> f64 {
    let n = std_normal();
    0.5 * ((k * k + 1.0) * (1.0 - n.cdf(k)) - k * n.pdf(k))
}

/// E[(D_n − S)⁺] for n days of N(d, σ²) demand.
fn excess(n: f64, d: f64, sd: f64, level: f64) -> f64 {
    let s = sd * n.sqrt();
    s * loss((level - n * d) / s)
}

fn within(name: &str, sim: &KpiSummary, key: &str, exact: f64) {
    let (m, h) = (sim.get(key), sim.half_width(key));
    eprintln!("{name} {key}: simulated {m:.6} ± {h:.6}, exact {exact:.6}");
    assert!(
        (m - exact).abs() <= h,
        "{name}: simulated {key} {m:.6} ± {h:.6} does not cover the exact {exact:.6}"
    );
}

#[test]
fn periodic_order_up_to_matches_the_exact_formulas() {
    // (R,S): d = 10, σ = 2 per day (normal, truncation at 0 negligible: 5σ), L = 5, R = 7,
    // S = 122. Backlog at the end of day t + L + i is (D_{L+i} − S)⁺ for i = 0..R−1; new
    // shortfalls per cycle = E(D_{L+R−1} − S)⁺ − E(D_{L−1} − S)⁺; fill rate = 1 − that / (R·d).
    let (d, sd, l, r, big_s) = (10.0, 2.0, 5.0, 7u32, 122.0);
    let w = world(
        DemandSampler::parametric(DemandDist::Normal, d, sd),
        &[l],
        CustomerMode::Backorder,
        200 + 7 * 2000,
    );
    let sim = simulate(
        &policy(PolicyKind::RS, 0.0, 0.0, big_s, r),
        &w,
        &costs(),
        40,
        7,
    );
    let rf = f64::from(r);
    let short = excess(l + rf - 1.0, d, sd, big_s) - excess(l - 1.0, d, sd, big_s);
    within("RS", &sim, "fill_rate", 1.0 - short / (rf * d));
    let backlog = (0..r)
        .map(|i| excess(l + f64::from(i), d, sd, big_s))
        .sum::<f64>()
        / rf;
    within("RS", &sim, "mean_backlog", backlog);
    // Mean on hand = E[net stock] + E[backlog]; E[net stock] = S − d·(L + (R − 1)/2).
    within(
        "RS",
        &sim,
        "mean_on_hand",
        big_s - d * (l + (rf - 1.0) / 2.0) + backlog,
    );
}

#[test]
fn continuous_review_s_q_matches_the_exact_formulas() {
    // (s,nQ) with daily review and continuous demand: the position after ordering is uniform
    // on (s, s + Q] and independent of the next L days' demand, so the end-of-day backlog is
    // E[(D_L − Y)⁺] = σ_L²/Q·[G₂(k_s) − G₂(k_{s+Q})]. Units short on a day:
    // E[min(D₁, (D_{L−1} − Y + D₁)⁺)], integrated numerically below.
    let (d, sd, l, q, s) = (10.0, 3.0, 9.0, 100.0, 100.0);
    let w = world(
        DemandSampler::parametric(DemandDist::Normal, d, sd),
        &[l],
        CustomerMode::Backorder,
        200 + 20_000,
    );
    let sim = simulate(&policy(PolicyKind::SQ, s, q, 0.0, 1), &w, &costs(), 40, 11);
    let sl = sd * l.sqrt();
    let mu = d * l;
    let backlog = sl * sl / q * (g2((s - mu) / sl) - g2((s + q - mu) / sl));
    within("sQ", &sim, "mean_backlog", backlog);

    // E[short per day]: Y ~ U(s, s+Q], U = D_{L−1} ~ N((L−1)d, (L−1)σ²), D₁ ~ N(d, σ²).
    // short = D₁ if U ≥ Y, else E[(U − Y + D₁)⁺ | U, Y] = σ·G((Y − U − d)/σ).
    let n = std_normal();
    let (mu_u, sd_u) = ((l - 1.0) * d, sd * (l - 1.0).sqrt());
    let (ny, nu) = (400u32, 2400u32);
    let mut short = 0.0;
    for i in 0..ny {
        let y = s + q * (f64::from(i) + 0.5) / f64::from(ny);
        let lo = mu_u - 8.0 * sd_u;
        let step = 16.0 * sd_u / f64::from(nu);
        let mut e = 0.0;
        for j in 0..nu {
            let u = lo + step * (f64::from(j) + 0.5);
            let pdf = n.pdf((u - mu_u) / sd_u) / sd_u * step;
            e += pdf
                * if u >= y {
                    d
                } else {
                    sd * loss((y - u - d) / sd)
                };
        }
        short += e / f64::from(ny);
    }
    within("sQ", &sim, "fill_rate", 1.0 - short / d);
}

#[test]
fn poisson_base_stock_matches_the_exact_formulas() {
    // Base stock S = 16 (order up to S every day: RS with R = 1), Poisson(3) demand, L = 4.
    // Backlog at the end of day t + L = (D_L − S)⁺ with D_L ~ Poisson(12); units short on a day
    // = E[min(D₁, (D_{L−1} + D₁ − S)⁺)] by a double sum over Poisson probabilities.
    let (lambda, l, big_s) = (3.0, 4u32, 16.0);
    let w = world(
        DemandSampler::parametric(DemandDist::Poisson, lambda, 0.0),
        &[f64::from(l)],
        CustomerMode::Backorder,
        200 + 20_000,
    );
    let sim = simulate(
        &policy(PolicyKind::RS, 0.0, 0.0, big_s, 1),
        &w,
        &costs(),
        40,
        5,
    );
    let dl = Pois::new(lambda * f64::from(l)).unwrap();
    let backlog: f64 = (0..200u64)
        .map(|k| dl.pmf(k) * (k as f64 - big_s).max(0.0))
        .sum();
    within("base stock", &sim, "mean_backlog", backlog);
    let d1 = Pois::new(lambda).unwrap();
    let du = Pois::new(lambda * f64::from(l - 1)).unwrap();
    let mut short = 0.0;
    for u in 0..120u64 {
        for x in 0..60u64 {
            let s = (x as f64).min((u as f64 + x as f64 - big_s).max(0.0));
            short += du.pmf(u) * d1.pmf(x) * s;
        }
    }
    within("base stock", &sim, "fill_rate", 1.0 - short / lambda);
}

#[test]
fn lost_sales_never_backorders_and_patience_limits() {
    let base = |mode, patience| {
        let mut w = world(
            DemandSampler::parametric(DemandDist::Gamma, 8.0, 6.0),
            &[4.0, 6.0, 9.0, 14.0],
            mode,
            200 + 730,
        );
        w.mean_patience = patience;
        let p = policy(PolicyKind::MinMax, 50.0, 0.0, 120.0, 1);
        simulate_reps(&p, &w, 20, 3)
    };
    for r in base(CustomerMode::LostSales, 5.0) {
        assert!(r.backordered.abs() < 1e-12 && r.filled_later.abs() < 1e-12);
        assert!(r.lost > 0.0, "the case should have shortages");
    }
    // Patience → ∞ is backorder mode; patience → 0 is lost sales (cancellations = lost).
    let back = base(CustomerMode::Backorder, 5.0);
    let long = base(CustomerMode::Patience, 1e12);
    for (a, b) in back.iter().zip(&long) {
        assert_eq!(a, b);
    }
    let lost = base(CustomerMode::LostSales, 5.0);
    let short = base(CustomerMode::Patience, 1e-12);
    for (a, b) in lost.iter().zip(&short) {
        assert!((a.served - b.served).abs() < 1e-9);
        assert!((a.on_hand_sum - b.on_hand_sum).abs() < 1e-9);
        assert_eq!(a.orders, b.orders);
        assert!((a.lost - b.cancelled).abs() < 1e-9);
        assert!(b.backordered.abs() < 1e-12);
    }
    // In between, some wait and some cancel.
    let mid = base(CustomerMode::Patience, 3.0);
    assert!(mid
        .iter()
        .any(|r| r.cancelled > 0.0 && r.filled_later > 0.0));
}

fn modes() -> impl Strategy<Value = CustomerMode> {
    prop_oneof![
        Just(CustomerMode::Backorder),
        Just(CustomerMode::LostSales),
        Just(CustomerMode::Patience)
    ]
}

fn kinds() -> impl Strategy<Value = PolicyKind> {
    prop_oneof![
        Just(PolicyKind::SQ),
        Just(PolicyKind::MinMax),
        Just(PolicyKind::RS),
        Just(PolicyKind::RsS)
    ]
}

/// Negative-binomial demand (mean, cv) for a year after `warmup` days, with unrecorded
/// shrinkage, lead times `delay` × as long for orders placed on days 100–159, and orders that
/// may cross on even seeds: the worlds the invariant tests draw.
fn disrupted_world(
    mode: CustomerMode,
    (mean, cv): (f64, f64),
    lead: &[f64],
    warmup: u32,
    shrink: f64,
    delay: f64,
    seed: u64,
) -> World<'static> {
    let demand = DemandSampler::parametric(DemandDist::NegBin, mean, mean * cv + mean.sqrt());
    let mut w = world(demand, lead, mode, warmup + 365);
    w.warmup = warmup;
    w.inaccuracy = Inaccuracy {
        shrink_per_day: shrink,
    };
    w.lead.delay = Some((100, 160, delay));
    w.lead.crossing = seed % 2 == 0;
    w
}

/// A policy of `kind` with reorder point `s`, order quantity `gap` and S = s + gap.
fn family_policy(
    kind: PolicyKind,
    s: f64,
    gap: f64,
    review: u32,
    rounding: Option<(f64, f64)>,
) -> SimPolicy {
    SimPolicy {
        levels: levels_of(kind, s, gap, s + gap),
        review_days: review,
        rounding,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn units_balance_and_stock_never_goes_negative(
        mode in modes(), kind in kinds(), mean in 0.2f64..30.0, cv in 0.0f64..2.0,
        s in 0.0f64..200.0, gap in 1.0f64..300.0, review in 1u32..15, seed in any::<u64>(),
        shrink in 0.0f64..0.01, delay in 1.0f64..3.0,
    ) {
        let w = disrupted_world(mode, (mean, cv), &[2.0, 5.0, 11.0, 30.0], 120, shrink, delay, seed);
        let p = family_policy(kind, s, gap, review, Some((3.0, 6.0)));
        let reps = simulate_reps(&p, &w, 4, seed);
        for r in &reps {
            let accounted = r.served + r.filled_later + r.cancelled + r.lost + r.waiting_end;
            prop_assert!((r.demand - accounted).abs() <= 1e-6 * (1.0 + r.demand),
                "demand {} vs accounted {}", r.demand, accounted);
            prop_assert!(r.min_on_hand >= -1e-9, "on hand went to {}", r.min_on_hand);
            let k = kpi::kpis(r, &costs());
            prop_assert!((0.0..=1.0).contains(&k[0]));
            prop_assert!((0.0..=1.0).contains(&k[1]));
        }
        // Same seed, same result.
        prop_assert_eq!(reps, simulate_reps(&p, &w, 4, seed));
    }
}

/// An observer that watches every day, so the engine walks quiet days in its lean loop
/// instead of skipping them.
struct EveryDay;

impl engine::Observer for EveryDay {}

/// Whether two replications' tallies agree: counts exactly, quantities to 1e-9 relative.
fn same_tallies(a: &Rep, b: &Rep) -> bool {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
    let sums = |r: &Rep| {
        [
            r.demand,
            r.served,
            r.backordered,
            r.filled_later,
            r.cancelled,
            r.lost,
            r.waiting_end,
            r.wait_sum,
            r.on_hand_sum,
            r.backlog_sum,
            r.min_on_hand,
        ]
    };
    let counts = |r: &Rep| (r.stockout_days, r.cycles, r.cycles_ok, r.orders, r.days);
    counts(a) == counts(b)
        && sums(a).iter().zip(sums(b)).all(|(x, y)| close(*x, y))
        && a.wait_hist.len() == b.wait_hist.len()
        && a.wait_hist
            .iter()
            .zip(&b.wait_hist)
            .all(|(x, y)| close(*x, *y))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    /// The quiet-day shortcuts are shortcuts, not a model, for every customer mode, family,
    /// rounding, shrinkage, surge and lead-time disruption (warm-up boundary included): the
    /// lean loop's tallies equal the plain day-by-day loop's bit for bit, and the skip over
    /// running sums gives the same counts and the same quantities up to rounding (1e-9
    /// relative; cumulative demand is one difference of sums instead of a chain of
    /// subtractions).
    #[test]
    fn quiet_days_change_no_tally(
        mode in modes(), kind in kinds(), mean in 0.05f64..30.0, cv in 0.0f64..3.0,
        s in 0.0f64..200.0, gap in 0.0f64..300.0, review in 1u32..15, seed in any::<u64>(),
        shrink in prop_oneof![Just(0.0), 0.0f64..0.01], rounded in any::<bool>(),
        surge in prop_oneof![Just(1.5), 0.5f64..2.0], demand in 0u8..3,
    ) {
        let mut w = disrupted_world(mode, (mean, cv), &[1.0, 3.0, 8.0, 21.0], 60, shrink, 2.0, seed);
        let (mut s, mut gap) = (s, gap);
        match demand {
            // Fractional demand, where the running sums round differently from the chain.
            1 => w.demand = DemandSampler::parametric(DemandDist::Gamma, mean, mean * cv + 0.1),
            // Ties: a constant tenth-of-a-unit demand (not exact in binary) meets whole-unit
            // levels exactly in real arithmetic, and either rounding must take the same turn.
            2 => {
                let tenths = (mean * 10.0).round().max(1.0) / 10.0;
                w.demand = DemandSampler::parametric(DemandDist::Normal, tenths, 0.0);
                (s, gap) = (s.round(), gap.round());
            }
            _ => {}
        }
        w.demand = w.demand.with_surge(90, 40, surge);
        let p = family_policy(kind, s, gap, review, rounded.then_some((2.0, 5.0)));
        let mut paths = DemandPaths::new(seed);
        for r in 0..3 {
            let skipped = paths.replicate(&p, &w, r);
            let path = paths.path(r);
            let walked = engine::replicate_path(&mut streams_for(seed, r as u64), &p, &w, path, &mut EveryDay);
            let plain = engine::replicate_path_day_by_day(&mut streams_for(seed, r as u64), &p, &w, path);
            prop_assert_eq!(format!("{walked:?}"), format!("{plain:?}"));
            prop_assert!(same_tallies(&skipped, &plain), "skipped {skipped:?}\nplain {plain:?}");
        }
    }
}

#[test]
fn a_world_of_no_days_counts_nothing() {
    // Zero simulated days (a planner's `days = 0, warmup_days = 0`): no demand, no panic.
    let mut w = world(
        DemandSampler::parametric(DemandDist::Gamma, 4.0, 3.0),
        &[3.0],
        CustomerMode::Patience,
        0,
    );
    w.warmup = 0;
    let p = policy(PolicyKind::MinMax, 30.0, 0.0, 80.0, 1);
    let mut paths = DemandPaths::new(3);
    for r in 0..3 {
        let rep = paths.replicate(&p, &w, r);
        assert_eq!((rep.days, rep.orders, rep.demand), (0, 0, 0.0));
    }
}

#[test]
fn shared_paths_give_what_fresh_draws_give() {
    // Sharing a SKU's demand paths between worlds (here with and without a surge) gives the
    // same replications as drawing each day's demand afresh from the replication's stream.
    let base = world(
        DemandSampler::parametric(DemandDist::Gamma, 4.0, 3.0),
        &[3.0, 9.0],
        CustomerMode::Patience,
        60 + 365,
    );
    let mut surged = base.clone();
    surged.demand = surged.demand.clone().with_surge(100, 60, 1.5);
    let p = policy(PolicyKind::MinMax, 30.0, 0.0, 80.0, 1);
    let mut paths = DemandPaths::new(11);
    for w in [&base, &surged, &base] {
        for r in 0..5u64 {
            let shared = paths.replicate(&p, w, r as usize);
            let fresh = engine::replicate(&mut streams_for(11, r), &p, w);
            assert_eq!(format!("{shared:?}"), format!("{fresh:?}"));
        }
    }
}

#[test]
fn intermittent_demand_has_the_requested_occurrence_mean_and_sd() {
    use rand::SeedableRng;
    // Mean 2/day, sd 4/day, demand on 25% of days: sizes of mean 8.
    let d = DemandSampler::intermittent(2.0, 4.0, 0.25);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let x = d.draw_days(&mut rng, 400_000);
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let zeros = x.iter().filter(|v| **v == 0.0).count() as f64 / n;
    // Standard errors: mean 4/√n = 0.006, share 0.0007; tolerances about 5 of them.
    assert!((mean - 2.0).abs() < 0.03, "{mean}");
    assert!((sd - 4.0).abs() < 0.1, "{sd}");
    assert!((zeros - 0.75).abs() < 0.004, "{zeros}");
}

/// A policy far below any target stops on the relative rule: its half-width is within 5% of
/// the unfilled share but wider than the absolute 0.5 points, with fewer replications than the
/// absolute rule alone needs; the absolute rule alone reaches 0.5 points.
#[test]
fn a_poor_policy_stops_on_the_relative_precision() {
    let w = world(
        DemandSampler::parametric(DemandDist::Normal, 10.0, 6.0),
        &[5.0, 7.0, 9.0],
        CustomerMode::Backorder,
        60 + 365,
    );
    // Reorder point below the lead-time demand: a fill rate far below 90%.
    let p = policy(PolicyKind::SQ, 20.0, 40.0, 0.0, 1);
    let both = Precision {
        absolute: 0.005,
        relative: 0.05,
    };
    let absolute_only = Precision {
        absolute: 0.005,
        relative: 0.0,
    };
    let run = |reps, precision| {
        simulate_to_precision(&mut DemandPaths::new(3), &p, &w, &costs(), reps, precision)
    };
    let relative = run((10, 400), both);
    let absolute = run((10, 400), absolute_only);
    let fill = relative.get("fill_rate");
    let hw = relative.half_width("fill_rate");
    assert!(fill < 0.9, "{fill}");
    assert!(hw <= 0.05 * (1.0 - fill), "{hw} vs {fill}");
    assert!(hw > 0.005, "{hw}");
    assert!(
        relative.replications < absolute.replications,
        "{} vs {}",
        relative.replications,
        absolute.replications
    );
    assert!(absolute.half_width("fill_rate") <= 0.005 || absolute.replications == 400);
}

#[test]
fn replications_stop_once_the_fill_rate_is_precise_and_match_a_fixed_run() {
    let w = world(
        DemandSampler::parametric(DemandDist::Normal, 10.0, 3.0),
        &[5.0, 7.0, 9.0],
        CustomerMode::Backorder,
        200 + 365,
    );
    let p = policy(PolicyKind::SQ, 80.0, 100.0, 0.0, 1);
    let absolute = |a: f64| Precision {
        absolute: a,
        relative: 0.0,
    };
    let run = |reps, precision| {
        simulate_to_precision(&mut DemandPaths::new(3), &p, &w, &costs(), reps, precision)
    };
    let loose = run((10, 200), absolute(0.02));
    let tight = run((10, 200), absolute(1e-6));
    let every = run((10, 200), Precision::EVERY);
    // Loose precision stops early, on a batch boundary, with the half-width reached.
    assert!(loose.replications < 200, "{}", loose.replications);
    assert_eq!((loose.replications - 10) % REPLICATION_BATCH, 0);
    assert!(loose.half_width("fill_rate") <= 0.02);
    // An unreachable precision, or none, runs every replication.
    assert_eq!(tight.replications, 200);
    assert_eq!(every.replications, 200);
    // Stopping at n gives exactly the fixed run of n replications (same streams).
    let fixed = simulate(&p, &w, &costs(), loose.replications, 3);
    assert_eq!(fixed, loose);
    assert_eq!(simulate(&p, &w, &costs(), 200, 3), every);
}

/// Lead times that persist (`crossing = false`): every order's lead time is still a draw from
/// the sample (over many regimes each value comes up 1/n of the time), orders a day apart
/// share their delay (correlation near 1), orders years apart do not, and the regime starts
/// afresh with each replication's stream.
#[test]
fn persistent_lead_times_keep_the_sample_and_share_the_delay() {
    use rand::SeedableRng;
    let sample: Vec<f64> = (5..=14).map(f64::from).collect(); // 5 … 14 days
    let lead = LeadTimeSampler::new(&sample);
    let mut counts = [0usize; 10];
    let (mut same_next_day, mut near_next_day, mut pairs) = (0usize, 0usize, 0usize);
    let mut far = Vec::new();
    // Many short replications: a regime moves little within one (a year's correlation time).
    for rep in 0..4000u64 {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(rep);
        let mut regime = Regime::default();
        let mut prev: Option<f64> = None;
        for t in 0..30u32 {
            let l = lead.sample_persistent(&mut rng, t, &mut regime);
            counts[(l - 5.0) as usize] += 1;
            if let Some(p) = prev {
                pairs += 1;
                same_next_day += usize::from((p - l).abs() < 0.5);
                near_next_day += usize::from((p - l).abs() < 1.5);
            }
            prev = Some(l);
        }
        // Ten years later: a fresh draw, nearly independent of the day-29 value.
        let later = lead.sample_persistent(&mut rng, 30 + 3650, &mut regime);
        far.push((prev.unwrap(), later));
    }
    let total: usize = counts.iter().sum();
    for c in counts {
        let share = c as f64 / total as f64;
        // 4,000 nearly independent regimes: the share's sd is about 0.005.
        assert!((share - 0.1).abs() < 0.02, "share {share}");
    }
    // Independent draws would give the same value a tenth of the time and a neighbour three
    // tenths; a regime moving by 0.07 sd a day keeps them (a decile boundary is crossed now
    // and then).
    let same = same_next_day as f64 / pairs as f64;
    let near = near_next_day as f64 / pairs as f64;
    assert!(
        same > 0.75,
        "orders a day apart share their lead time {same}"
    );
    assert!(
        near > 0.995,
        "orders a day apart within a day of each other {near}"
    );
    let corr = {
        let n = far.len() as f64;
        let (ma, mb) = (
            far.iter().map(|p| p.0).sum::<f64>() / n,
            far.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let cov = far.iter().map(|p| (p.0 - ma) * (p.1 - mb)).sum::<f64>() / n;
        let va = far.iter().map(|p| (p.0 - ma).powi(2)).sum::<f64>() / n;
        let vb = far.iter().map(|p| (p.1 - mb).powi(2)).sum::<f64>() / n;
        cov / (va * vb).sqrt()
    };
    assert!(corr.abs() < 0.2, "ten years apart: correlation {corr}");
}
