//! `replenish policy`, the one-SKU calculator: closed-form answers through the command line,
//! the documented JSON keys, and errors that name the flag.

use assert_cmd::Command;
use predicates::prelude::*;

/// `replenish policy ARGS --json`, which must succeed, as JSON.
pub fn policy(args: &[&str]) -> serde_json::Value {
    let out = Command::cargo_bin("replenish")
        .unwrap()
        .arg("policy")
        .args(args)
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

const KEYS: &[&str] = &[
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
];

const Z95: f64 = 1.644_853_626_951_472_2;

/// sd of the (s,Q) protection demand X = U + D(L − 1) for d = 10 ± 3 a day and L = 9 (the
/// time convention, docs/planning.md): Var D(8) = 72, the daily undershoot has E[U] = 5.45,
/// E[U²] = 127/3; E[X] = 80 + 5.45.
fn x_sd() -> f64 {
    (72.0_f64 + 127.0 / 3.0 - 5.45 * 5.45).sqrt()
}

#[test]
fn continuous_review_closed_form_and_keys() {
    // d = 10/day, σ_d = 3/day, L = 9 days: SS = z·sd(X), s = 85.45 + SS; EOQ with D = 3650/yr,
    // K = 50, H = 0.25 × 8 = 2: sqrt(2·3650·50/2) = 427.2 → 427, the cheaper whole unit
    // (D·K/q + H·q/2: 854.3996 a year at 427, 854.4019 at 428).
    let v = policy(&[
        "--demand-mean",
        "10",
        "--demand-sd",
        "3",
        "--lead-time",
        "9",
        "--order-cost",
        "50",
        "--holding-rate",
        "0.25",
        "--unit-cost",
        "8",
    ]);
    for k in KEYS {
        assert!(v.get(*k).is_some(), "missing key {k}");
    }
    let ss = Z95 * x_sd();
    assert!((v["safety_stock"].as_f64().unwrap() - ss).abs() < 1e-9);
    assert!((v["reorder_point"].as_f64().unwrap() - 85.45 - ss).abs() < 1e-9);
    assert!((v["order_quantity"].as_f64().unwrap() - 427.0).abs() < 1e-9);
    assert!(v["order_up_to"].is_null());
    assert!((v["expected_cycle_service_level"].as_f64().unwrap() - 0.95).abs() < 1e-9);
    // Ordering: 50 × 3650 / 427; holding: 2 × (SS + 427/2).
    let ordering = 50.0 * 3650.0 / 427.0;
    let holding = 2.0 * (ss + 213.5);
    assert!((v["annual_ordering_cost"].as_f64().unwrap() - ordering).abs() < 1e-9);
    assert!((v["annual_holding_cost"].as_f64().unwrap() - holding).abs() < 1e-9);
    assert!((v["annual_total_cost"].as_f64().unwrap() - ordering - holding).abs() < 1e-9);
}

#[test]
fn periodic_review_and_pack_rounding() {
    // (R,S), R = 7, L = 9: S = 10·15 + z·3·sqrt(15) (L + R − 1 days, the time convention);
    // no reorder point, no fixed order quantity.
    let v = policy(&[
        "--demand-mean",
        "10",
        "--demand-sd",
        "3",
        "--lead-time",
        "9",
        "--policy",
        "RS",
        "--review-period",
        "7",
    ]);
    let expect = 150.0 + Z95 * 3.0 * 15f64.sqrt();
    assert!((v["order_up_to"].as_f64().unwrap() - expect).abs() < 1e-9);
    assert!(v["reorder_point"].is_null() && v["order_quantity"].is_null());
    // (s,Q) with Q = 100 given, pack 48, MOQ 150: 192.
    let v = policy(&[
        "--demand-mean",
        "10",
        "--lead-time",
        "9",
        "--order-qty",
        "100",
        "--pack-size",
        "48",
        "--moq",
        "150",
    ]);
    assert!((v["order_quantity"].as_f64().unwrap() - 192.0).abs() < 1e-9);
}

#[test]
fn reverse_what_if_reports_the_service_of_given_levels() {
    // s = E[X] + 1σ: CSL = Φ(1) = 0.841345, shortage created σ·(G(1) − G(1 + Q/σ)) ≈
    // σ × 0.083315 (G(11.9) is nil).
    let s = format!("{}", 85.45 + x_sd());
    let v = policy(&[
        "--demand-mean",
        "10",
        "--demand-sd",
        "3",
        "--lead-time",
        "9",
        "--reorder-point",
        &s,
        "--order-qty",
        "100",
    ]);
    assert!((v["expected_cycle_service_level"].as_f64().unwrap() - 0.841_345).abs() < 1e-6);
    let short = v["expected_backorders_per_cycle"].as_f64().unwrap();
    assert!((short - x_sd() * 0.083_315).abs() < 1e-5);
    assert!((v["expected_fill_rate"].as_f64().unwrap() - (1.0 - short / 100.0)).abs() < 1e-12);
    assert!((v["safety_factor"].as_f64().unwrap() - 1.0).abs() < 1e-12);
}

#[test]
fn invalid_input_names_the_flag() {
    for (args, flag) in [
        (
            vec![
                "--demand-mean",
                "10",
                "--demand-sd",
                "-1",
                "--lead-time",
                "5",
            ],
            "--demand-sd",
        ),
        (
            vec![
                "--demand-mean",
                "10",
                "--lead-time",
                "5",
                "--service-level",
                "1",
            ],
            "--service-level",
        ),
        (
            vec![
                "--demand-mean",
                "10",
                "--lead-time",
                "5",
                "--fill-rate",
                "1.2",
            ],
            "--fill-rate",
        ),
        (
            vec![
                "--demand-mean",
                "10",
                "--lead-time",
                "0",
                "--lead-time-sd",
                "2",
            ],
            "--lead-time-sd",
        ),
        (
            vec![
                "--demand-mean",
                "10",
                "--lead-time",
                "5",
                "--policy",
                "RS",
                "--review-period",
                "0",
            ],
            "--review-period",
        ),
        (
            vec![
                "--demand-mean",
                "10",
                "--lead-time",
                "5",
                "--reorder-point",
                "60",
            ],
            "--order-qty",
        ),
        (
            vec!["--demand-mean", "10", "--lead-time", "5", "--policy", "XY"],
            "--policy",
        ),
    ] {
        Command::cargo_bin("replenish")
            .unwrap()
            .arg("policy")
            .args(&args)
            .assert()
            .failure()
            .stderr(predicate::str::contains(flag));
    }
}
