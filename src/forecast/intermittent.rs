//! Forecasting methods for intermittent demand: Croston, SBA, TSB, ADIDA and IMAPA.
//!
//! All produce a flat forecast (demand per bucket). Negative buckets (net returns) are treated
//! as zero demand. Definitions follow the publications and statsforecast's implementation, which
//! the fixture tests compare against:
//!
//! - **Croston (1972)**: SES of the positive demand sizes and, separately, of the intervals
//!   between demands (the first interval counts from the start of the series); forecast =
//!   size level / interval level. Classic: α = 0.1 for both; optimised: each α minimises the
//!   in-sample squared error in [0.1, 0.3] ([`super::ses::optimal_alpha`]).
//! - **SBA** (Syntetos & Boylan 2005): Croston × (1 − α/2), removing Croston's positive bias.
//! - **TSB** (Teunter, Syntetos & Babai 2011): SES of the demand probability (the 0/1 indicator)
//!   updated every bucket, times SES of the demand size updated only when demand occurs; the
//!   forecast decays towards zero while no demand occurs, so obsolescence shows.
//! - **ADIDA** (Nikolopoulos et al. 2011): sum the series into non-overlapping blocks of
//!   round(mean interval) buckets (dropping the oldest remainder), forecast the block sums with
//!   optimised SES, divide by the block length.
//! - **IMAPA** (Petropoulos & Kourentzes 2015): the ADIDA forecast at every block length from 1 to
//!   round(mean interval), averaged.
//!
//! A series without any positive demand forecasts 0 with every method.

use super::{
    ses::{optimal_alpha, ses_fitted, ses_level, Flat},
    FittedForecaster, ForecastError, Forecaster,
};

/// Positive demand sizes, in order.
fn sizes(y: &[f64]) -> Vec<f64> {
    y.iter().copied().filter(|&v| v > 0.0).collect()
}

/// Intervals between positive demands; the first counts from the series start (position + 1).
fn intervals(y: &[f64]) -> Vec<f64> {
    let mut out = Vec::new();
    let mut prev = 0usize;
    for (i, &v) in y.iter().enumerate() {
        if v > 0.0 {
            out.push((i + 1 - prev) as f64);
            prev = i + 1;
        }
    }
    out
}

/// The smoothing constant of one Croston component.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Alpha {
    /// A given constant.
    Fixed(f64),
    /// Golden-section optimum of in-sample squared error in [0.1, 0.3].
    Optimized,
}

impl Alpha {
    fn resolve(self, x: &[f64]) -> f64 {
        match self {
            Alpha::Fixed(a) => a,
            Alpha::Optimized => optimal_alpha(x, 0.1, 0.3),
        }
    }
}

/// Croston's method, optionally debiased (SBA).
///
/// | name | default | meaning | range |
/// |---|---|---|---|
/// | `alpha` | 0.1 (classic) | smoothing constant of sizes and intervals, or optimised per component in [0.1, 0.3] | (0, 1] |
/// | `debias` | false | multiply by 1 − α/2 (SBA); with optimised α's, the intervals' α (the bias comes from smoothing the intervals: Syntetos & Boylan 2005) | |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Croston {
    /// Smoothing constant.
    pub alpha: Alpha,
    /// Apply the SBA correction.
    pub debias: bool,
}

impl Croston {
    /// Croston (1972) with α = 0.1.
    pub fn classic() -> Self {
        Self {
            alpha: Alpha::Fixed(0.1),
            debias: false,
        }
    }

    /// SBA with α = 0.1 (factor 0.95).
    pub fn sba() -> Self {
        Self {
            alpha: Alpha::Fixed(0.1),
            debias: true,
        }
    }

    /// SBA with both constants optimised, the factor 1 − α/2 from the intervals' α.
    pub fn sba_optimized() -> Self {
        Self {
            alpha: Alpha::Optimized,
            debias: true,
        }
    }

    /// Croston with both constants optimised.
    pub fn optimized() -> Self {
        Self {
            alpha: Alpha::Optimized,
            debias: false,
        }
    }
}

impl Forecaster for Croston {
    fn name(&self) -> String {
        match (self.alpha, self.debias) {
            (Alpha::Fixed(_), true) => "sba".into(),
            (Alpha::Optimized, true) => "sba_opt".into(),
            (Alpha::Optimized, false) => "croston_opt".into(),
            (Alpha::Fixed(_), false) => "croston".into(),
        }
    }

    fn fit(&self, y: &[f64], _season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        let d = sizes(y);
        if d.is_empty() {
            return Ok(zero("no positive demand"));
        }
        let q = intervals(y);
        let (ad, aq) = (self.alpha.resolve(&d), self.alpha.resolve(&q));
        let size = ses_level(&d, ad).unwrap_or(0.0);
        let interval = ses_level(&q, aq).unwrap_or(1.0);
        let mut level = if interval != 0.0 {
            size / interval
        } else {
            size
        };
        if self.debias {
            level *= 1.0 - aq / 2.0;
        }
        Ok(Box::new(Flat {
            level,
            params: format!("alpha_size={ad:.4} alpha_interval={aq:.4}"),
        }))
    }
}

/// Teunter–Syntetos–Babai.
///
/// | name | default | meaning | range |
/// |---|---|---|---|
/// | `alpha_d` | estimated | smoothing constant of demand sizes (updated on demand only) | (0, 1] |
/// | `alpha_p` | estimated | smoothing constant of the demand probability (updated every bucket) | (0, 1] |
///
/// Estimation: grid search over α_d, α_p in {0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5} minimising the
/// in-sample one-step squared error of the TSB forecast.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Tsb {
    /// Size smoothing constant, or `None` to estimate.
    pub alpha_d: Option<f64>,
    /// Probability smoothing constant, or `None` to estimate.
    pub alpha_p: Option<f64>,
}

const TSB_GRID: [f64; 7] = [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5];

/// TSB forecast after the whole series.
fn tsb_level(y: &[f64], alpha_d: f64, alpha_p: f64) -> f64 {
    let p: Vec<f64> = y.iter().map(|&v| f64::from(u8::from(v > 0.0))).collect();
    let d = sizes(y);
    ses_level(&p, alpha_p).unwrap_or(0.0) * ses_level(&d, alpha_d).unwrap_or(0.0)
}

/// In-sample one-step squared error of TSB (from the first demand on).
fn tsb_sse(y: &[f64], alpha_d: f64, alpha_p: f64) -> f64 {
    let p: Vec<f64> = y.iter().map(|&v| f64::from(u8::from(v > 0.0))).collect();
    let pf = ses_fitted(&p, alpha_p);
    let mut size: Option<f64> = None;
    let mut sse = 0.0;
    for (t, &v) in y.iter().enumerate() {
        if let Some(s) = size {
            let e = v.max(0.0) - pf[t] * s;
            sse += e * e;
        }
        if v > 0.0 {
            size = Some(size.map_or(v, |s| alpha_d * v + (1.0 - alpha_d) * s));
        }
    }
    sse
}

impl Forecaster for Tsb {
    fn name(&self) -> String {
        "tsb".into()
    }

    fn fit(&self, y: &[f64], _season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        if !y.iter().any(|&v| v > 0.0) {
            return Ok(zero("no positive demand"));
        }
        let grid = |fixed: Option<f64>| fixed.map_or(TSB_GRID.to_vec(), |a| vec![a]);
        let mut best = (f64::INFINITY, 0.1, 0.1);
        for &ad in &grid(self.alpha_d) {
            for &ap in &grid(self.alpha_p) {
                let sse = if self.alpha_d.is_some() && self.alpha_p.is_some() {
                    0.0
                } else {
                    tsb_sse(y, ad, ap)
                };
                if sse < best.0 {
                    best = (sse, ad, ap);
                }
            }
        }
        let (_, ad, ap) = best;
        Ok(Box::new(Flat {
            level: tsb_level(y, ad, ap),
            params: format!("alpha_d={ad:.4} alpha_p={ap:.4}"),
        }))
    }
}

/// The block-sum forecast per block of `level` buckets (statsforecast's chunk forecast): drop
/// the oldest `n mod level` buckets, sum blocks, forecast the sums with optimised SES.
fn block_forecast(y: &[f64], level: usize) -> f64 {
    let n = y.len();
    let lost = n % level;
    if n - lost < level {
        return y[n - 1];
    }
    let sums: Vec<f64> = y[lost..].chunks(level).map(|c| c.iter().sum()).collect();
    if sums.len() <= 1 {
        return sums[0];
    }
    ses_level(&sums, optimal_alpha(&sums, 0.1, 0.3)).unwrap_or(0.0)
}

/// round(mean interval between demands), with ties to even as in statsforecast.
fn aggregation_level(y: &[f64]) -> usize {
    let q = intervals(y);
    let mean = q.iter().sum::<f64>() / q.len() as f64;
    (mean.round_ties_even() as usize).max(1)
}

/// ADIDA: temporal aggregation to the mean demand interval. No parameters (the SES constant is
/// optimised in [0.1, 0.3]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Adida;

/// The series with negative buckets set to 0, or `None` without any positive demand.
fn demand_only(y: &[f64]) -> Option<Vec<f64>> {
    y.iter()
        .any(|&v| v > 0.0)
        .then(|| y.iter().map(|v| v.max(0.0)).collect())
}

impl Forecaster for Adida {
    fn name(&self) -> String {
        "adida".into()
    }

    fn fit(&self, y: &[f64], _season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        let Some(y) = demand_only(y) else {
            return Ok(zero("no positive demand"));
        };
        let level = aggregation_level(&y);
        Ok(Box::new(Flat {
            level: block_forecast(&y, level) / level as f64,
            params: format!("block={level}"),
        }))
    }
}

/// IMAPA: ADIDA averaged over block lengths 1 ..= round(mean interval). No parameters.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Imapa;

impl Forecaster for Imapa {
    fn name(&self) -> String {
        "imapa".into()
    }

    fn fit(&self, y: &[f64], _season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        let Some(y) = demand_only(y) else {
            return Ok(zero("no positive demand"));
        };
        let max_level = aggregation_level(&y).min(y.len());
        let mean = (1..=max_level)
            .map(|l| {
                let lost = y.len() % l;
                let sums: Vec<f64> = y[lost..].chunks(l).map(|c| c.iter().sum()).collect();
                ses_level(&sums, optimal_alpha(&sums, 0.1, 0.3)).unwrap_or(0.0) / l as f64
            })
            .sum::<f64>()
            / max_level as f64;
        Ok(Box::new(Flat {
            level: mean,
            params: format!("blocks=1..{max_level}"),
        }))
    }
}

fn zero(why: &str) -> Box<dyn FittedForecaster> {
    Box::new(Flat {
        level: 0.0,
        params: why.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(f: &dyn Forecaster, y: &[f64]) -> f64 {
        f.fit(y, 7).unwrap().predict(1)[0]
    }

    #[test]
    fn intervals_count_from_the_start() {
        assert_eq!(intervals(&[0.0, 3.0, 0.0, 0.0, 2.0]), vec![2.0, 3.0]);
        assert_eq!(sizes(&[0.0, 3.0, -1.0, 2.0]), vec![3.0, 2.0]);
    }

    #[test]
    fn croston_by_hand() {
        // sizes [4, 2]: level 0.9*4 + 0.1*2 = 3.8; intervals [2, 3]: 0.9*2 + 0.1*3 = 2.1
        let y = [0.0, 4.0, 0.0, 0.0, 2.0];
        assert!((point(&Croston::classic(), &y) - 3.8 / 2.1).abs() < 1e-12);
        assert!((point(&Croston::sba(), &y) - 0.95 * 3.8 / 2.1).abs() < 1e-12);
    }

    #[test]
    fn optimised_sba_is_optimised_croston_times_one_minus_half_the_interval_alpha() {
        // Sizes and intervals of different smoothness, so the two estimated α's differ.
        let y: Vec<f64> = (0..300)
            .map(|t| match t % 11 {
                0 => 3.0 + f64::from(t % 7),
                4 if t % 3 == 0 => 9.0,
                7 => 1.0,
                _ => 0.0,
            })
            .collect();
        let aq = optimal_alpha(&intervals(&y), 0.1, 0.3);
        let ad = optimal_alpha(&sizes(&y), 0.1, 0.3);
        assert!((aq - ad).abs() > 1e-3, "{aq} vs {ad}");
        let croston = point(&Croston::optimized(), &y);
        let sba = point(&Croston::sba_optimized(), &y);
        assert!(
            (sba - croston * (1.0 - aq / 2.0)).abs() < 1e-12,
            "{sba} vs {croston}"
        );
        assert_eq!(Croston::sba_optimized().name(), "sba_opt");
    }

    #[test]
    fn tsb_decays_after_demand_stops() {
        let mut y = vec![2.0; 20];
        let before = point(
            &Tsb {
                alpha_d: Some(0.1),
                alpha_p: Some(0.2),
            },
            &y,
        );
        y.extend(vec![0.0; 10]);
        let after = point(
            &Tsb {
                alpha_d: Some(0.1),
                alpha_p: Some(0.2),
            },
            &y,
        );
        assert!((before - 2.0).abs() < 1e-12);
        assert!((after - 2.0 * 0.8f64.powi(10)).abs() < 1e-12, "{after}");
    }

    #[test]
    fn no_demand_forecasts_zero_everywhere() {
        let y = [0.0, 0.0, -1.0, 0.0];
        for f in [
            &Croston::classic() as &dyn Forecaster,
            &Croston::optimized(),
            &Tsb::default(),
            &Adida,
            &Imapa,
        ] {
            assert!(point(f, &y).abs() < 1e-12, "{}", f.name());
        }
    }

    #[test]
    fn adida_blocks_by_mean_interval() {
        // Demand every 2nd bucket: block length 2, every block sums to 4 -> 2 per bucket.
        let y = [0.0, 4.0, 0.0, 4.0, 0.0, 4.0, 0.0, 4.0];
        assert!((point(&Adida, &y) - 2.0).abs() < 1e-12);
        // IMAPA averages block 1 (SES of 0/4 alternating) and block 2 (exactly 2).
        let imapa = point(&Imapa, &y);
        assert!(imapa > 0.0 && imapa < 4.0);
    }
}
