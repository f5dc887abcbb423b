//! Service as promised (issue 23): the service a policy is designed for is the service the
//! project's own daily simulation delivers, for every family (sQ, sS, RS, RsS) and both
//! measures (cycle service, fill rate), under the one time convention of `replenish::policy`;
//! and the exact (R,S) fill rate against a closed form integrated here.
//!
//! Each case runs `replenish policy --json ... --simulate --customer backorder` and asks the
//! designed target to lie within the simulation's own 95% interval (the spread across
//! replications, `simulated.ci95`) widened by a model allowance: the formulas treat demand
//! over the protection period as normal (a shifted gamma of three matched moments for skewed
//! daily demand, `--demand-dist gamma` or `negbin`) and the undershoot of a reorder point by
//! its first two moments, which leaves a few tenths of a point (see `docs/planning.md`). The runs are
//! the issue's (20,000 days × 20 replications, about a second each in a debug build): with
//! fewer days the interval grows past the error the old formulas made, and the test could
//! not tell them apart. The same grid as a table: `benches/service_grid.py`
//! (`benches/RESULTS.md`).

use super::policy_cli::policy;

/// Designs the policy of `args`, simulates it, and checks the designed measure against the
/// simulated one: |designed − simulated| ≤ ci95 + `allowance`.
#[track_caller]
fn designed_is_delivered(args: &str, allowance: f64) {
    let mut all: Vec<&str> = args.split_whitespace().collect();
    all.extend([
        "--simulate",
        "--days",
        "20000",
        "--replications",
        "20",
        "--seed",
        "1",
        "--customer",
        "backorder",
    ]);
    let v = policy(&all);
    let fill = args.contains("--fill-rate");
    let (designed, key) = if fill {
        (v["expected_fill_rate"].as_f64().unwrap(), "fill_rate")
    } else {
        (
            v["expected_cycle_service_level"].as_f64().unwrap(),
            "cycle_service_level",
        )
    };
    let target: f64 = {
        let flag = if fill {
            "--fill-rate"
        } else {
            "--service-level"
        };
        let i = all.iter().position(|a| *a == flag).unwrap();
        all[i + 1].parse().unwrap()
    };
    // The design meets its target exactly (the safety stock is not floored in these cases).
    assert!(
        (designed - target).abs() < 1e-6,
        "{args}: designed {designed}"
    );
    let sim = v["simulated"][key].as_f64().unwrap();
    let ci = v["simulated"]["ci95"][key].as_f64().unwrap();
    assert!(
        (designed - sim).abs() <= ci + allowance,
        "{args}: designed {designed:.4}, simulated {sim:.4} ± {ci:.4} (allowance {allowance})"
    );
}

const BASE: &str = "--demand-mean 20 --demand-sd 6 --lead-time 10 --lead-time-sd 2";

// The seven rows of the issue's first table, and more. Allowances beyond the interval: 0.005
// for cycle service, 0.002 for fill rate — tighter than the errors of the textbook formulas
// (cycle service 96.5% for sQ, 96.6% for sS, 97.9% and 99.8% for RS at R = 7 and 1; fill
// rate 98.5%, 99.2%, 98.5% for 98%), so each row fails with the old protection periods.

#[test]
fn sq_cycle_service_is_delivered() {
    designed_is_delivered(
        &format!("{BASE} --policy sQ --service-level 0.95 --order-qty 300"),
        0.005,
    );
    designed_is_delivered(
        "--demand-mean 5 --demand-sd 2 --lead-time 5 --policy sQ --service-level 0.9 --order-qty 60",
        0.005,
    );
}

#[test]
fn ss_cycle_service_is_delivered() {
    designed_is_delivered(
        &format!("{BASE} --policy sS --service-level 0.95 --order-cost 100 --holding-cost 2"),
        0.005,
    );
    designed_is_delivered(
        "--demand-mean 100 --demand-sd 20 --lead-time 3 --lead-time-sd 0.5 --policy sS \
         --service-level 0.9 --order-qty 400",
        0.005,
    );
}

#[test]
fn rs_cycle_service_is_delivered() {
    designed_is_delivered(
        &format!("{BASE} --policy RS --review-period 7 --service-level 0.95"),
        0.005,
    );
    // R = 1 without lead-time spread: the textbook L + R protected a day too many (99.8%).
    designed_is_delivered(
        "--demand-mean 20 --demand-sd 6 --lead-time 10 --policy RS --review-period 1 \
         --service-level 0.95",
        0.005,
    );
}

#[test]
fn rs_with_persistent_lead_times_is_delivered() {
    // The issue's row 4 in the default lead-time world: a supplier's delay persists, so the
    // ten orders in transit of a daily review are late or early together and do not
    // overtake each other; each order's lead-time spread counts whole (d²·σ_L²). The
    // simulation's interval is wider here (a replication sees few delay regimes).
    designed_is_delivered(
        &format!("{BASE} --policy RS --review-period 1 --service-level 0.95"),
        0.005,
    );
    designed_is_delivered(
        &format!("{BASE} --policy RS --review-period 1 --fill-rate 0.98"),
        0.002,
    );
}

#[test]
fn rs_with_crossing_orders_is_delivered() {
    // `--crossing`: each order's lead time drawn independently, so a daily review with
    // L = 10 ± 2 days keeps about ten orders in transit that overtake each other; the
    // lead-time term d²·σ_L² of one order over-states the risk there (99.4% for 95% without
    // the crossing-aware variance, `policy::normal::crossing_lead_time_variance`).
    designed_is_delivered(
        &format!("{BASE} --crossing --policy RS --review-period 1 --service-level 0.95"),
        0.008,
    );
    designed_is_delivered(
        &format!("{BASE} --crossing --policy RS --review-period 2 --service-level 0.95"),
        0.008,
    );
    for r in ["1", "2"] {
        designed_is_delivered(
            &format!("{BASE} --crossing --policy RS --review-period {r} --fill-rate 0.98"),
            0.003,
        );
    }
}

#[test]
fn rss_cycle_service_is_delivered() {
    designed_is_delivered(
        &format!("{BASE} --policy RsS --review-period 7 --service-level 0.95 --order-qty 300"),
        // The undershoot of R days' demand by its two moments: +1.1 points (textbook 99.4%).
        0.012,
    );
}

#[test]
fn fill_rate_is_delivered_for_every_family() {
    for flags in [
        "--policy sQ --fill-rate 0.98 --order-qty 300",
        "--policy RS --review-period 7 --fill-rate 0.98",
        "--policy sS --fill-rate 0.98 --order-cost 100 --holding-cost 2",
        "--policy RsS --review-period 7 --fill-rate 0.98 --order-qty 300",
    ] {
        designed_is_delivered(&format!("{BASE} {flags}"), 0.002);
    }
    designed_is_delivered(
        "--demand-mean 20 --demand-sd 6 --lead-time 10 --policy RS --review-period 1 \
         --fill-rate 0.98",
        0.002,
    );
    designed_is_delivered(
        "--demand-mean 5 --demand-sd 4 --lead-time 5 --demand-dist gamma --policy RS \
         --review-period 14 --fill-rate 0.95",
        0.002,
    );
}

// ---- Skewed demand: the design takes the shape of the demand it is told ----
//
// Gamma daily demand of 5 ± 6.7 (the coefficient of variation of a typical erratic SKU) over
// a lead time of 17.4 days: the protection-period demand is skewed to the right, and with
// `--demand-dist gamma` (or negbin) the calculator designs on a shifted gamma with its first
// three cumulants (`policy::spread`, "Skew") instead of a normal. The normal design delivered
// 95.0%, 95.3% and 94.7% cycle service at a 97% target for lead-time sds of 1.8, 6.3 and
// 14.4 days, 94.2–94.5% at 95% targets, and 97.0% fill at a 98% (R,S) target, so each
// cycle-service row and the (R,S) fill row fails with it. Allowances beyond the interval:
// 0.006 for cycle service, 0.004 for fill rate (three moments matched, not the whole
// distribution: the rows land within 0.5 and 0.35 points).

const SKEWED: &str = "--demand-mean 5 --demand-sd 6.7 --lead-time 17.4 --demand-dist gamma";

#[test]
fn skewed_demand_cycle_service_is_delivered() {
    for lt_sd in ["1.8", "6.3", "14.4"] {
        designed_is_delivered(
            &format!(
                "{SKEWED} --lead-time-sd {lt_sd} --policy sS --service-level 0.97 \
                 --order-cost 100 --holding-cost 1.2"
            ),
            0.006,
        );
    }
    for flags in [
        "--policy sQ --service-level 0.95 --order-qty 100",
        "--policy RS --review-period 7 --service-level 0.95",
        "--policy RsS --review-period 7 --service-level 0.95 --order-qty 100",
    ] {
        designed_is_delivered(&format!("{SKEWED} --lead-time-sd 6.3 {flags}"), 0.006);
    }
    // Negative binomial demand (a gamma–Poisson mixture) of 2 ± 3 a day: 92.8% before.
    designed_is_delivered(
        "--demand-mean 2 --demand-sd 3 --lead-time 10 --lead-time-sd 3 --demand-dist negbin \
         --policy sS --service-level 0.95 --order-cost 50 --holding-cost 1",
        0.006,
    );
}

#[test]
fn skewed_demand_fill_rate_is_delivered() {
    for flags in [
        "--policy sS --fill-rate 0.98 --order-cost 100 --holding-cost 1.2",
        "--policy sQ --fill-rate 0.98 --order-qty 100",
        "--policy RS --review-period 7 --fill-rate 0.98",
    ] {
        designed_is_delivered(&format!("{SKEWED} --lead-time-sd 6.3 {flags}"), 0.004);
    }
}

// ---- The exact (R,S) fill rate against a closed form integrated here ----

/// The standard normal density.
fn pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// E[(X − s)⁺] for X ~ N(mean, sd²), by the composite Simpson rule on [s, mean + 12·sd] with
/// 20,000 intervals — independent of the crate's loss function.
fn excess(mean: f64, sd: f64, s: f64) -> f64 {
    let hi = mean + 12.0 * sd;
    if s >= hi {
        return 0.0;
    }
    let n = 20_000;
    let h = (hi - s) / f64::from(n);
    let f = |x: f64| (x - s) * pdf((x - mean) / sd) / sd;
    let mut acc = f(s) + f(hi);
    for i in 1..n {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        acc += w * f(s + f64::from(i) * h);
    }
    acc * h / 3.0
}

#[test]
fn exact_rs_fill_rate_matches_numerical_integration() {
    // Normal daily demand 20 ± 6, L = 10 days, R = 7, no lead-time spread, S given: the
    // shortage created in a review cycle is E[(D(L+R−1) − S)⁺] − E[(D(L−1) − S)⁺] (the time
    // convention: an order placed after day t's sales serves day t+L), D(n) ~ N(20n, 36n);
    // the fill rate is 1 − that / (20·7).
    for big_s in [300.0, 330.0, 360.0] {
        let end = excess(20.0 * 16.0, (36.0 * 16.0f64).sqrt(), big_s);
        let open = excess(20.0 * 9.0, (36.0 * 9.0f64).sqrt(), big_s);
        let expect = 1.0 - (end - open) / 140.0;
        let s = format!("{big_s}");
        let v = policy(&[
            "--demand-mean",
            "20",
            "--demand-sd",
            "6",
            "--lead-time",
            "10",
            "--policy",
            "RS",
            "--review-period",
            "7",
            "--order-up-to",
            &s,
        ]);
        let got = v["expected_fill_rate"].as_f64().unwrap();
        assert!(
            (got - expect).abs() < 1e-6,
            "S = {big_s}: {got} vs {expect}"
        );
        // The textbook approximation 1 − E[(D(L+R) − S)⁺] / (d·R) is lower.
        let textbook = 1.0 - excess(20.0 * 17.0, (36.0 * 17.0f64).sqrt(), big_s) / 140.0;
        assert!(
            got > textbook + 1e-3,
            "S = {big_s}: {got} vs textbook {textbook}"
        );
    }
}

#[test]
fn issue_example_rs_fill_rate() {
    // The issue's example: 259 ± 73.15 a day, L = 16 ± 1.86 days, R = 1, 85% cycle
    // service. The issue's 0.8926 is the shortage created per cycle for orders that arrive in
    // the order they were placed (lead-time term d²·σ_L²; the textbook approximation said
    // 0.8295): the default lead-time world. With `--crossing` (independent lead times) orders
    // placed daily overtake each other, the crossing-aware lead-time term applies and S is
    // lower (4,553 instead of 4,733). In both worlds the expected fill rate of the designed
    // S is what the daily simulation delivers.
    let args = [
        "--demand-mean",
        "259",
        "--demand-sd",
        "73.15",
        "--lead-time",
        "16",
        "--lead-time-sd",
        "1.86",
        "--policy",
        "RS",
        "--review-period",
        "1",
        "--service-level",
        "0.85",
    ];
    let fill = policy(&args)["expected_fill_rate"].as_f64().unwrap();
    assert!((fill - 0.8926).abs() < 0.002, "{fill}");
    designed_is_delivered(
        &format!("{} --fill-rate {fill}", args[..12].join(" ")),
        0.003,
    );
    let mut crossing = args.to_vec();
    crossing.push("--crossing");
    let fill_crossing = policy(&crossing)["expected_fill_rate"].as_f64().unwrap();
    assert!(
        fill_crossing > fill + 0.01 && fill_crossing < 0.93,
        "{fill_crossing}"
    );
    designed_is_delivered(
        &format!(
            "{} --crossing --fill-rate {fill_crossing}",
            args[..12].join(" ")
        ),
        0.003,
    );
}
