//! The multiplicative ETS forms against statsforecast 2.1.1, on the series and fits in
//! `tests/data/ets/fixtures.json`, produced by `tests/data/ets/make_fixtures.py` (commit both;
//! Python is not needed to test): ten M1 monthly series and three generated positive seasonal
//! ones, each fitted with every one of the nine forms ETS(M,N,N) … ETS(M,Ad,M), season 12.
//!
//! Tolerances:
//! - likelihood: replenish's −2·log L of each form (with the constant n·(1 + ln 2π), the
//!   fixture's `neg2loglik_full`) is at most [`LIK_TOL`] above statsforecast's — the fit is no
//!   worse, up to the search's precision — wherever statsforecast's parameters lie in R's usual
//!   region. statsforecast's Nelder–Mead keeps each parameter in [0.0001, 0.9999] but not
//!   β ≤ α, which R's `ets` (and replenish) require. Ten of its 117 fits have β > α; two of
//!   them (MNI143 ETS(M,Ad,N): α = 0.0002, β = 0.044; gen_damped ETS(M,A,N): α = 0.0001,
//!   β = 0.014) have a −2·log L 1.1 lower than replenish's fits inside the region: these ten
//!   are listed, not asserted;
//! - the likelihood itself: at statsforecast's own parameters and initial states, replenish's
//!   recursions and likelihood give statsforecast's −2·log L to 1e-6 relative;
//! - forecasts: where the two fits are equally good (−2·log L within [`SAME_FIT`]), every
//!   point forecast within [`FORECAST_TOL`] relative of statsforecast's; where replenish's
//!   likelihood is better by more, the forecasts may differ (a better optimum of the same
//!   model), and the likelihood is what is asserted.

use replenish::forecast::ets::{fit_one, neg2_loglik_at, Form};
use serde_json::Value;

/// −2·log L may exceed statsforecast's by this much.
const LIK_TOL: f64 = 0.1;

/// Fits whose −2·log L differ by less than this are "the same fit". (It was 0.5 until the
/// fits took exact Jacobians: MNI82 ETS(M,N,M) then stops at another optimum of a flat
/// likelihood, 0.26 below statsforecast's and 0.19 above the forward-difference search's, whose
/// forecasts are 4.1% from statsforecast's; two optima 0.2 apart are not the same fit.)
const SAME_FIT: f64 = 0.2;

/// Relative tolerance of the point forecasts of the same fit.
const FORECAST_TOL: f64 = 0.03;

fn fixture() -> Value {
    let text = include_str!("data/ets/fixtures.json");
    serde_json::from_str(text).expect("valid fixture")
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// statsforecast's smoothing parameters [α, β, γ, φ] (absent ones 0, φ = 1 undamped) and
/// initial states of one fit.
fn peer_parameters(peer: &Value) -> ([f64; 4], Vec<f64>) {
    let par: Vec<Option<f64>> = peer["par"]
        .as_array()
        .unwrap()
        .iter()
        .map(Value::as_f64)
        .collect();
    let smoothing = [
        par[0].unwrap(),
        par[1].unwrap_or(0.0),
        par[2].unwrap_or(0.0),
        par[3].unwrap_or(1.0),
    ];
    (smoothing, par[4..].iter().map(|v| v.unwrap()).collect())
}

#[test]
fn likelihood_at_statsforecast_parameters_is_statsforecasts() {
    let fx = fixture();
    let season = fx["season"].as_u64().unwrap() as usize;
    let mut checked = 0;
    for (name, y) in fx["series"].as_object().unwrap() {
        let y = numbers(y);
        for (code, peer) in fx["fits"][name].as_object().unwrap() {
            let form = Form::from_label(code).unwrap();
            let (smoothing, states) = peer_parameters(peer);
            let ours = neg2_loglik_at(&y, form, season, smoothing, &states);
            let expected = peer["neg2loglik_full"].as_f64().unwrap();
            assert!(
                (ours - expected).abs() <= 1e-6 * expected.abs(),
                "{name} {code}: {ours} vs {expected}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 13 * 9);
}

/// Whether statsforecast's fit lies outside R's usual region (β > α).
fn outside_usual_region(peer: &Value) -> bool {
    let (p, _) = peer_parameters(peer);
    p[1] > p[0]
}

/// (series, form, ours −2·log L, peer's, largest relative forecast gap, peer outside R's
/// usual region).
fn compare() -> Vec<(String, String, f64, f64, f64, bool)> {
    let fx = fixture();
    let season = fx["season"].as_u64().unwrap() as usize;
    let h = fx["horizon"].as_u64().unwrap() as usize;
    let mut rows = Vec::new();
    for (name, y) in fx["series"].as_object().unwrap() {
        let y = numbers(y);
        for (code, peer) in fx["fits"][name].as_object().unwrap() {
            let form = Form::from_label(code).unwrap();
            let (ours, _, forecast) =
                fit_one(&y, form, season, h).unwrap_or_else(|| panic!("{name} {code}: no fit"));
            let expected = numbers(&peer["forecast"]);
            let gap = forecast
                .iter()
                .zip(&expected)
                .map(|(a, b)| (a - b).abs() / b.abs().max(1e-9))
                .fold(0.0, f64::max);
            rows.push((
                name.clone(),
                code.clone(),
                ours,
                peer["neg2loglik_full"].as_f64().unwrap(),
                gap,
                outside_usual_region(peer),
            ));
        }
    }
    rows
}

#[test]
fn multiplicative_forms_fit_at_least_as_well_as_statsforecast() {
    let rows = compare();
    for r in &rows {
        eprintln!(
            "{:<16} {:<5} ours {:>10.3}  statsforecast {:>10.3}  diff {:>8.3}  forecast gap {:.4}{}",
            r.0,
            r.1,
            r.2,
            r.3,
            r.2 - r.3,
            r.4,
            if r.5 { "  (statsforecast: beta > alpha)" } else { "" }
        );
    }
    // Thirteen series, nine forms each (all long enough for every form).
    assert_eq!(rows.len(), 13 * 9);
    let worse: Vec<_> = rows
        .iter()
        .filter(|r| !r.5 && r.2 > r.3 + LIK_TOL)
        .collect();
    assert!(worse.is_empty(), "worse fits: {worse:?}");
    // The exemption is narrow: ten fits.
    assert_eq!(rows.iter().filter(|r| r.5).count(), 10);
    let differ: Vec<_> = rows
        .iter()
        .filter(|r| !r.5 && (r.2 - r.3).abs() < SAME_FIT && r.4 > FORECAST_TOL)
        .collect();
    assert!(differ.is_empty(), "same fit, other forecasts: {differ:?}");
}
