//! Forecasts against statsforecast 2.1.1 (the recognised peer), on the fixed series in
//! `tests/fixtures/statsforecast_reference.json`, produced by
//! `tests/fixtures/statsforecast_reference.py` (commit both; the package is not needed to test).
//!
//! Tolerances:
//! - fixed-parameter models (SES with a given α, naive, seasonal naive, moving average, Croston
//!   classic, SBA, TSB with given α's) and the parameter-free ADIDA and IMAPA: 1e-6 relative
//!   (1e-9 absolute near zero);
//! - models with estimated parameters (SES, Croston optimised): 1e-6 relative where the
//!   in-sample error has one minimum in the search range. Where it has two, replenish's search
//!   (a grid, then Newton) may find the lower one while the peer stops at the other; then the
//!   forecasts differ and replenish's in-sample MSE must be strictly lower (the "smooth" series:
//!   a minimum on each bound, α = 0.01 with MSE 20.64 and the peer's α = 0.99 with 21.48). The
//!   in-sample one-step MSE of replenish's estimated SES is never worse than the peer's (+1e-9).

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
    let mut better_minimum = Vec::new();
    for (name, y) in fx["series"].as_object().unwrap() {
        let y = series(y);
        for (peer, ours) in MODELS {
            let expected = series(&fx["forecasts"][name][*peer]);
            let spec: ModelSpec = ours.parse().unwrap();
            let got = spec.build().fit(&y, 7).unwrap().predict(h);
            if *peer == "ses_opt" && !got.iter().zip(&expected).all(|(g, e)| close(*g, *e)) {
                // A different minimum: only acceptable when it is the better one.
                let peer_mse = fx["forecasts"][name]["ses_opt_in_sample_mse"]
                    .as_f64()
                    .unwrap();
                let alpha = ses::optimal_alpha(&y, 0.01, 0.99);
                let ours = ses::ses_sse(&y, alpha) / (y.len() - 1) as f64;
                if ours < peer_mse - 1e-6 {
                    better_minimum.push(name.clone());
                    checked += got.len();
                    continue;
                }
            }
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
    // The one series of the six with two minima; every other estimated SES matches the peer.
    assert_eq!(better_minimum, ["smooth"]);
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

/// AutoETS, damped Holt and AutoTheta (all replenish's own): in-sample one-step MSE compared with statsforecast's AutoETS (season 7), AutoETS("AAN", damped) and AutoTheta
/// (season 7) on the same series. Returns (series, model, ours, peer).
fn estimated_model_mses() -> Vec<(String, &'static str, f64, f64)> {
    use replenish::forecast::{ets, theta};
    let fx = fixture();
    let mut out = Vec::new();
    for (name, y) in fx["series"].as_object().unwrap() {
        let y = series(y);
        let season = if y.len() >= 14 { 7 } else { 1 };
        for key in ["ets", "holt", "theta"] {
            let Some(peer) = fx["forecasts"][name][format!("{key}_in_sample_mse")].as_f64() else {
                continue;
            };
            let fitted = match key {
                "ets" => ets::in_sample_fitted(&y, season).unwrap().0,
                "theta" => theta::in_sample_fitted(&y, season).unwrap().0,
                _ => replenish::forecast::holt::in_sample_fitted(&y),
            };
            let sq: Vec<f64> = y
                .iter()
                .zip(&fitted)
                .skip(1)
                .map(|(a, f)| (a - f).powi(2))
                .filter(|v| v.is_finite())
                .collect();
            let ours = sq.iter().sum::<f64>() / sq.len() as f64;
            out.push((name.clone(), key, ours, peer));
        }
    }
    out
}

/// replenish's own damped Holt, AutoETS and AutoTheta: no worse than statsforecast's on every
/// series, within the line searches' precision (0.1%; measured at most +0.04%, AutoTheta on the
/// trend series).
#[test]
fn estimated_models_fit_as_well_as_statsforecast() {
    let rows = estimated_model_mses();
    for r in &rows {
        eprintln!(
            "{:<13} {:<6} ours {:>10.4}  statsforecast {:>10.4}  ratio {:.3}",
            r.0,
            r.1,
            r.2,
            r.3,
            r.2 / r.3
        );
    }
    assert_eq!(rows.len(), 18);
    for r in &rows {
        assert!(r.2 <= r.3 * 1.001, "{} on {}: {} vs {}", r.1, r.0, r.2, r.3);
    }
}
