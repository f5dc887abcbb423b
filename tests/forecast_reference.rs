//! Forecasts against statsforecast 2.1.1 (the recognised peer), on the fixed series in
//! `tests/fixtures/statsforecast_reference.json`, produced by
//! `tests/fixtures/statsforecast_reference.py` (commit both; the package is not needed to test).
//!
//! Tolerances:
//! - fixed-parameter models (SES with a given α, naive, seasonal naive, moving average, Croston
//!   classic, SBA, TSB with given α's) and the parameter-free ADIDA and IMAPA: 1e-6 relative
//!   (1e-9 absolute near zero);
//! - models with estimated parameters (SES, Croston optimised): the same bounded golden-section
//!   search as the peer, so also 1e-6 relative; and the in-sample one-step MSE of replenish's
//!   estimated SES is no worse than the peer's (+1e-9).

use replenish::forecast::{ses, ModelSpec};
use serde_json::Value;

fn fixture() -> Value {
    let text = include_str!("fixtures/statsforecast_reference.json");
    serde_json::from_str(text).expect("valid fixture")
}

fn series(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1e-3)
}

/// Our model name for each of the peer's, with the season length used.
const MODELS: &[(&str, &str)] = &[
    ("ses(0.1)", "ses(0.1)"),
    ("ses(0.3)", "ses(0.3)"),
    ("ses_opt", "ses"),
    ("naive", "naive"),
    ("snaive(7)", "snaive"),
    ("ma(7)", "ma(7)"),
    ("croston", "croston"),
    ("sba", "sba"),
    ("croston_opt", "croston_opt"),
    ("tsb(0.1,0.2)", "tsb(0.1,0.2)"),
    ("tsb(0.3,0.05)", "tsb(0.3,0.05)"),
    ("adida", "adida"),
    ("imapa", "imapa"),
];

#[test]
fn forecasts_match_statsforecast() {
    let fx = fixture();
    let h = fx["horizon"].as_u64().unwrap() as usize;
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for (name, y) in fx["series"].as_object().unwrap() {
        let y = series(y);
        for (peer, ours) in MODELS {
            let expected = series(&fx["forecasts"][name][*peer]);
            let spec: ModelSpec = ours.parse().unwrap();
            let got = spec.build().fit(&y, 7).unwrap().predict(h);
            for (g, e) in got.iter().zip(&expected) {
                if !close(*g, *e) {
                    mismatches.push(format!("{name}/{peer}: ours {g}, statsforecast {e}"));
                }
                checked += 1;
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert_eq!(checked, 6 * MODELS.len() * h);
}

#[test]
fn estimated_ses_fits_no_worse_than_statsforecast() {
    let fx = fixture();
    for (name, y) in fx["series"].as_object().unwrap() {
        let y = series(y);
        let peer = fx["forecasts"][name]["ses_opt_in_sample_mse"]
            .as_f64()
            .unwrap();
        let alpha = ses::optimal_alpha(&y, 0.01, 0.99);
        let ours = ses::ses_sse(&y, alpha) / (y.len() - 1) as f64;
        assert!(
            ours <= peer + 1e-9,
            "{name}: ours {ours}, statsforecast {peer}"
        );
    }
}
