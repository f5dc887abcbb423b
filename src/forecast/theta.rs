//! AutoTheta: the Theta method's four state-space variants (Fiorucci et al. 2016, "Models for
//! optimising the theta method and their relationship to state space models"), with classical
//! seasonal adjustment, the variant chosen by in-sample error.
//!
//! | variant | θ | trend line (A, B) |
//! |---|---|---|
//! | STM, standard | 2 | intercept and slope of the least-squares line through the whole series |
//! | OTM, optimised | estimated, ≥ 1 | as STM |
//! | DSTM, dynamic standard | 2 | updated with every observation |
//! | DOTM, dynamic optimised | estimated, ≥ 1 | updated with every observation |
//!
//! Recursions (time index i from 0; ℓ is simple exponential smoothing of the series, ȳ the
//! running mean; the one-step forecast μ is SES plus a share of the trend line's slope):
//!
//! ```text
//! μ_i = ℓ_{i−1} + (1 − 1/θ)·(A_{i−1}·(1 − α)^i + B_{i−1}·(1 − (1 − α)^{i+1}) / α)
//! ℓ_i = α·y_i + (1 − α)·ℓ_{i−1}            ℓ_0 = α·y_0 + (1 − α)·s₀
//! ȳ_i = (i·ȳ_{i−1} + y_i) / (i + 1)
//! dynamic: B_i = ((i − 1)·B_{i−1} + 6·(y_i − ȳ_{i−1}) / (i + 1)) / (i + 2),
//!          A_i = ȳ_i − B_i·(i + 2)/2,                                   A_0 = y_0, B_0 = 0
//! forecasts: the same recursions with each future y replaced by its forecast μ
//! ```
//!
//! | parameter | range |
//! |---|---|
//! | α | [0.1, 0.99] (statsforecast's and forecTheta's bounds) |
//! | θ | [1, 10¹⁰] (STM, DSTM: 2) |
//! | s₀ | unbounded: the initial smoothed level |
//!
//! **Estimation** minimises the sum of squared one-step errors from the fourth observation on
//! (the first three are a burn-in, as in forecTheta and statsforecast: the dynamic trend line
//! is unsettled there). For a given α the forecasts are affine in s₀ and in c = 1 − 1/θ, so
//! both are an exact least-squares solution (c kept in [0, 1 − 10⁻¹⁰], i.e. θ in [1, 10¹⁰]);
//! α is found by an 8-point grid and Brent's method around the best grid point. The variant with
//! the lowest error wins.
//!
//! **Seasonal adjustment** (as statsforecast's AutoTheta): with a period m ≥ 4 and two full
//! seasons, the series is seasonally adjusted when its autocorrelation at lag m is significant
//! (|r_m| > 1.645·√((1 + 2·Σ_{k<m} r_k²)/n), a one-sided 5% test). Indices come from classical
//! decomposition (centred moving average of order m, 2×m for even m; indices averaged by
//! position and normalised), multiplicative when the series is positive and every index is at
//! least 0.01, additive otherwise; forecasts are re-seasonalised with the last season's indices.
//!
//! Fitted on the most recent [`MAX_FIT`] buckets.

use super::{FittedForecaster, ForecastError, Forecaster};

/// Most recent buckets the estimated state-space models (Holt, AutoETS, AutoTheta) fit on.
pub const MAX_FIT: usize = 730;

/// The most recent [`MAX_FIT`] buckets of `y`: what Holt, AutoETS and AutoTheta fit (and rerun)
/// on.
pub(super) fn recent(y: &[f64]) -> &[f64] {
    &y[y.len().saturating_sub(MAX_FIT)..]
}

/// Observations before the fitted errors count.
const BURN_IN: usize = 3;

/// Fewest observations: the burn-in plus two errors.
const MIN_POINTS: usize = BURN_IN + 2;

/// Bounds of α.
const ALPHA_RANGE: (f64, f64) = (0.1, 0.99);

/// Largest c = 1 − 1/θ (θ = 10¹⁰).
const C_MAX: f64 = 1.0 - 1e-10;

/// A Theta variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Standard: θ = 2, fixed trend line.
    Stm,
    /// Optimised θ, fixed trend line.
    Otm,
    /// Standard θ = 2, dynamic trend line.
    Dstm,
    /// Optimised θ, dynamic trend line.
    Dotm,
}

impl Variant {
    /// All four.
    pub const ALL: [Variant; 4] = [Variant::Stm, Variant::Otm, Variant::Dstm, Variant::Dotm];

    fn dynamic(self) -> bool {
        matches!(self, Variant::Dstm | Variant::Dotm)
    }

    fn optimised(self) -> bool {
        matches!(self, Variant::Otm | Variant::Dotm)
    }

    /// The usual abbreviation.
    pub fn label(self) -> &'static str {
        match self {
            Variant::Stm => "STM",
            Variant::Otm => "OTM",
            Variant::Dstm => "DSTM",
            Variant::Dotm => "DOTM",
        }
    }
}

/// States after an observation.
#[derive(Debug, Clone, Copy, PartialEq)]
struct States {
    level: f64,
    mean: f64,
    a: f64,
    b: f64,
}

/// Intercept and slope of the least-squares line through `y` against time 1 … n.
fn trend_line(y: &[f64]) -> (f64, f64) {
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let weighted = y
        .iter()
        .enumerate()
        .map(|(i, v)| (i + 1) as f64 * v)
        .sum::<f64>()
        / n;
    let b = if n > 1.0 {
        6.0 * (2.0 * weighted - (n + 1.0) * mean) / (n * n - 1.0)
    } else {
        0.0
    };
    (mean - (n + 1.0) * b / 2.0, b)
}

/// The model's recursions for one variant and α (see the module documentation).
struct Recursion {
    variant: Variant,
    alpha: f64,
    /// The fixed trend line of the static variants.
    line: (f64, f64),
}

impl Recursion {
    fn initial(&self, y0: f64, s0: f64) -> States {
        let (a, b) = if self.variant.dynamic() {
            (y0, 0.0)
        } else {
            self.line
        };
        States {
            level: self.alpha * y0 + (1.0 - self.alpha) * s0,
            mean: y0,
            a,
            b,
        }
    }

    /// The trend term T_i: μ_i = ℓ_{i−1} + c·T_i.
    fn trend_term(&self, prev: &States, i: usize) -> f64 {
        let keep = 1.0 - self.alpha;
        let ki = keep.powi(i32::try_from(i).unwrap_or(i32::MAX));
        prev.a * ki + prev.b * (1.0 - ki * keep) / self.alpha
    }

    /// States after observing `y` at time i ≥ 1.
    fn update(&self, prev: &States, i: usize, y: f64) -> States {
        let fi = i as f64;
        let mean = (fi * prev.mean + y) / (fi + 1.0);
        let (a, b) = if self.variant.dynamic() {
            let b = ((fi - 1.0) * prev.b + 6.0 * (y - prev.mean) / (fi + 1.0)) / (fi + 2.0);
            (mean - b * (fi + 2.0) / 2.0, b)
        } else {
            (prev.a, prev.b)
        };
        States {
            level: self.alpha * y + (1.0 - self.alpha) * prev.level,
            mean,
            a,
            b,
        }
    }
}

/// A fitted variant on the (seasonally adjusted) series.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Fit {
    variant: Variant,
    alpha: f64,
    theta: f64,
    s0: f64,
    /// Sum of squared one-step errors after the burn-in.
    sse: f64,
}

/// For one variant and α: the least SSE over s₀ (and c for the optimised variants), with the
/// minimising s₀ and c. The errors are e_i = r_i − u_i·s₀ − c·T_i with r_i = y_i − (the level
/// part from the data), u_i = (1 − α)^i, T_i the trend term — all computed with s₀ = 0.
fn profile(y: &[f64], variant: Variant, alpha: f64, line: (f64, f64)) -> (f64, f64, f64) {
    let rec = Recursion {
        variant,
        alpha,
        line,
    };
    let mut st = rec.initial(y[0], 0.0);
    let keep = 1.0 - alpha;
    // u_i = (1 − α)^i, the weight of s₀ in ℓ_{i−1}.
    let mut u = 1.0;
    // Σ u², Σ uT, Σ T², Σ ur, Σ Tr, Σ r².
    let (mut uu, mut ut, mut tt, mut ur, mut tr, mut rr) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &v) in y.iter().enumerate().skip(1) {
        u *= keep;
        let t = rec.trend_term(&st, i);
        let r = v - st.level;
        if i >= BURN_IN {
            uu += u * u;
            ut += u * t;
            tt += t * t;
            ur += u * r;
            tr += t * r;
            rr += r * r;
        }
        st = rec.update(&st, i, v);
    }
    // Σ (r − u·s₀ − c·T)² for a fixed c, minimised over s₀.
    let with_c = |c: f64| {
        let s0 = if uu > 1e-300 { (ur - c * ut) / uu } else { 0.0 };
        let sse = rr - 2.0 * s0 * ur - 2.0 * c * tr + s0 * s0 * uu + 2.0 * s0 * c * ut + c * c * tt;
        (sse.max(0.0), s0, c)
    };
    if !variant.optimised() {
        return with_c(0.5);
    }
    // Joint least squares in (s₀, c); the quadratic is convex, so an optimum outside the c
    // range lies on the nearer bound.
    let det = uu * tt - ut * ut;
    let c = if det > 1e-12 * (uu * tt).max(1e-300) {
        (uu * tr - ut * ur) / det
    } else if tt > 1e-300 {
        tr / tt
    } else {
        0.5
    };
    with_c(c.clamp(0.0, C_MAX))
}

/// Fits one variant: α by grid and Brent, s₀ and θ by least squares.
fn fit_variant(y: &[f64], variant: Variant) -> Fit {
    let line = trend_line(y);
    let sse = |alpha: f64| profile(y, variant, alpha, line).0;
    let (lo, hi) = ALPHA_RANGE;
    const GRID: usize = 8;
    let grid: Vec<f64> = (0..GRID)
        .map(|k| lo + (hi - lo) * k as f64 / (GRID - 1) as f64)
        .collect();
    let values: Vec<f64> = grid.iter().map(|&a| sse(a)).collect();
    let best = (0..GRID)
        .min_by(|&i, &j| values[i].total_cmp(&values[j]))
        .unwrap_or(0);
    let (a, b) = (grid[best.saturating_sub(1)], grid[(best + 1).min(GRID - 1)]);
    let (alpha, value) = super::ets::brent(sse, a, b, 1e-5);
    let alpha = if value <= values[best] {
        alpha
    } else {
        grid[best]
    };
    let (sse, s0, c) = profile(y, variant, alpha, line);
    Fit {
        variant,
        alpha,
        theta: 1.0 / (1.0 - c),
        s0,
        sse,
    }
}

/// One-step forecasts over `y` (`fitted[0]` is the initial state's forecast) and the states
/// after the last observation.
fn replay(y: &[f64], fit: &Fit) -> (Vec<f64>, States) {
    let rec = Recursion {
        variant: fit.variant,
        alpha: fit.alpha,
        line: trend_line(y),
    };
    let c = 1.0 - 1.0 / fit.theta;
    let mut st = rec.initial(y[0], fit.s0);
    let first = if fit.variant.dynamic() {
        y[0]
    } else {
        fit.s0 + c * (rec.line.0 + rec.line.1)
    };
    let mut fitted = Vec::with_capacity(y.len());
    fitted.push(first);
    for (i, &v) in y.iter().enumerate().skip(1) {
        fitted.push(st.level + c * rec.trend_term(&st, i));
        st = rec.update(&st, i, v);
    }
    (fitted, st)
}

/// Multiplicative or additive seasonal indices, by position in the season (index t % m).
#[derive(Debug, Clone, PartialEq)]
enum Season {
    None,
    Multiplicative(Vec<f64>),
    Additive(Vec<f64>),
}

impl Season {
    fn adjust(&self, t: usize, v: f64) -> f64 {
        match self {
            Season::None => v,
            Season::Multiplicative(s) => v / s[t % s.len()],
            Season::Additive(s) => v - s[t % s.len()],
        }
    }

    fn restore(&self, t: usize, v: f64) -> f64 {
        match self {
            Season::None => v,
            Season::Multiplicative(s) => v * s[t % s.len()],
            Season::Additive(s) => v + s[t % s.len()],
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Season::None => "none",
            Season::Multiplicative(_) => "multiplicative",
            Season::Additive(_) => "additive",
        }
    }
}

/// Autocorrelations at lags 1 … m.
fn acf(y: &[f64], m: usize) -> Vec<f64> {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let d: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let var: f64 = d.iter().map(|v| v * v).sum();
    (1..=m)
        .map(|k| {
            if var > 0.0 {
                d[..n - k]
                    .iter()
                    .zip(&d[k..])
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
                    / var
            } else {
                0.0
            }
        })
        .collect()
}

/// Classical decomposition's seasonal indices (see the module documentation).
fn classical_indices(y: &[f64], m: usize, multiplicative: bool) -> Vec<f64> {
    let n = y.len();
    // Centred moving average: order m (odd m) or 2×m (even m).
    let half = m / 2;
    let weights: Vec<f64> = if m % 2 == 1 {
        vec![1.0 / m as f64; m]
    } else {
        let mut w = vec![1.0 / m as f64; m + 1];
        w[0] /= 2.0;
        w[m] /= 2.0;
        w
    };
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    for t in half..n.saturating_sub(half) {
        let trend: f64 = weights
            .iter()
            .enumerate()
            .map(|(k, w)| w * y[t + k - half])
            .sum();
        let detrended = if multiplicative {
            y[t] / trend
        } else {
            y[t] - trend
        };
        sums[t % m] += detrended;
        counts[t % m] += 1;
    }
    let mut idx: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &c)| if c > 0 { s / c as f64 } else { 0.0 })
        .collect();
    let centre = idx.iter().sum::<f64>() / m as f64;
    for v in &mut idx {
        if multiplicative {
            *v /= centre;
        } else {
            *v -= centre;
        }
    }
    idx
}

/// The seasonal adjustment for `y` with period `m` (see the module documentation).
fn seasonality(y: &[f64], m: usize) -> Season {
    let n = y.len();
    if m < 4 || n < 2 * m {
        return Season::None;
    }
    let r = acf(y, m);
    let stat = ((1.0 + 2.0 * r[..m - 1].iter().map(|v| v * v).sum::<f64>()) / n as f64).sqrt();
    // One-sided 5% normal quantile.
    if r[m - 1].abs() / stat <= 1.644_853_626_951_472_2 {
        return Season::None;
    }
    if y.iter().all(|&v| v > 0.0) {
        let idx = classical_indices(y, m, true);
        if idx.iter().all(|&v| v >= 0.01 && v.is_finite()) {
            return Season::Multiplicative(idx);
        }
    }
    Season::Additive(classical_indices(y, m, false))
}

/// The seasonal adjustment for `y` and the adjusted series.
fn deseasonalise(y: &[f64], season: usize) -> (Season, Vec<f64>) {
    let seasonal = seasonality(y, season);
    let adjusted = y
        .iter()
        .enumerate()
        .map(|(t, &v)| seasonal.adjust(t, v))
        .collect();
    (seasonal, adjusted)
}

/// A full fit: seasonal adjustment, then the best variant on the adjusted series.
fn select(y: &[f64], season: usize) -> (Season, Vec<f64>, Fit) {
    let (seasonal, adjusted) = deseasonalise(y, season);
    let best = Variant::ALL
        .iter()
        .map(|&v| fit_variant(&adjusted, v))
        .filter(|f| f.sse.is_finite())
        .fold(None, |best: Option<Fit>, f| match best {
            Some(b) if b.sse <= f.sse => Some(b),
            _ => Some(f),
        })
        .unwrap_or(Fit {
            variant: Variant::Stm,
            alpha: 0.5,
            theta: 2.0,
            s0: adjusted[0] / 2.0,
            sse: f64::NAN,
        });
    (seasonal, adjusted, best)
}

/// AutoTheta (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AutoTheta;

/// A fitted AutoTheta.
struct Fitted {
    fit: Fit,
    seasonal: Season,
    last: States,
    line: (f64, f64),
    n: usize,
}

impl FittedForecaster for Fitted {
    fn predict(&self, horizon: usize) -> Vec<f64> {
        let rec = Recursion {
            variant: self.fit.variant,
            alpha: self.fit.alpha,
            line: self.line,
        };
        let c = 1.0 - 1.0 / self.fit.theta;
        let mut st = self.last;
        (0..horizon)
            .map(|h| {
                let i = self.n + h;
                let mu = st.level + c * rec.trend_term(&st, i);
                st = rec.update(&st, i, mu);
                self.seasonal.restore(i, mu)
            })
            .collect()
    }

    fn params(&self) -> String {
        let Fit {
            variant,
            alpha,
            theta,
            s0,
            ..
        } = self.fit;
        format!(
            "{} alpha={alpha:.4} theta={theta:.4} s0={s0:.4} season={}",
            variant.label(),
            self.seasonal.label()
        )
    }

    /// The same variant and α on `y` (its last [`MAX_FIT`] buckets): the seasonal test and
    /// indices, s₀ and (for the optimised variants) θ redone — all closed forms.
    fn rerun(&self, y: &[f64], season: usize) -> Option<Box<dyn FittedForecaster>> {
        let y = recent(y);
        if y.len() < MIN_POINTS {
            return None;
        }
        let (seasonal, adjusted) = deseasonalise(y, season);
        let line = trend_line(&adjusted);
        let (sse, s0, c) = profile(&adjusted, self.fit.variant, self.fit.alpha, line);
        if !sse.is_finite() {
            return None;
        }
        let fit = Fit {
            theta: 1.0 / (1.0 - c),
            s0,
            sse,
            ..self.fit
        };
        let (_, last) = replay(&adjusted, &fit);
        Some(Box::new(Fitted {
            fit,
            seasonal,
            last,
            line,
            n: y.len(),
        }))
    }
}

impl Forecaster for AutoTheta {
    fn name(&self) -> String {
        "theta".into()
    }

    fn fit(&self, y: &[f64], season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        if y.len() < MIN_POINTS {
            return Err(ForecastError::TooShort {
                model: "theta",
                need: MIN_POINTS,
                have: y.len(),
            });
        }
        let y = recent(y);
        let (seasonal, adjusted, fit) = select(y, season);
        if !fit.sse.is_finite() {
            return Err(ForecastError::Failed {
                model: "theta".into(),
                message: "no variant could be fitted (non-finite data?)".into(),
            });
        }
        let (_, last) = replay(&adjusted, &fit);
        Ok(Box::new(Fitted {
            fit,
            seasonal,
            last,
            line: trend_line(&adjusted),
            n: y.len(),
        }))
    }
}

/// In-sample one-step forecasts of AutoTheta fitted on the whole of `y` (re-seasonalised;
/// `fitted[t]` forecasts `y[t]`) and the chosen variant's label; `None` when too short.
pub fn in_sample_fitted(y: &[f64], season: usize) -> Option<(Vec<f64>, &'static str)> {
    if y.len() < MIN_POINTS {
        return None;
    }
    let (seasonal, adjusted, fit) = select(y, season);
    let (fitted, _) = replay(&adjusted, &fit);
    let fitted = fitted
        .iter()
        .enumerate()
        .map(|(t, &v)| seasonal.restore(t, v))
        .collect();
    Some((fitted, fit.variant.label()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The squared errors after the burn-in at given parameters, by the recursions directly.
    fn sse_direct(y: &[f64], variant: Variant, alpha: f64, theta: f64, s0: f64) -> f64 {
        let fit = Fit {
            variant,
            alpha,
            theta,
            s0,
            sse: 0.0,
        };
        let (fitted, _) = replay(y, &fit);
        y.iter()
            .zip(&fitted)
            .skip(BURN_IN)
            .map(|(a, f)| (a - f).powi(2))
            .sum()
    }

    fn noisy_trend(n: usize) -> Vec<f64> {
        (0..n)
            .map(|t| 10.0 + 0.5 * t as f64 + 3.0 * (t as f64 * 2.3).sin())
            .collect()
    }

    #[test]
    fn profile_is_the_least_squares_over_s0_and_theta() {
        let y = noisy_trend(50);
        for variant in Variant::ALL {
            let line = trend_line(&y);
            let (sse, s0, c) = profile(&y, variant, 0.4, line);
            let theta = 1.0 / (1.0 - c);
            let direct = sse_direct(&y, variant, 0.4, theta, s0);
            assert!(
                (sse - direct).abs() < 1e-8 * direct,
                "{variant:?}: {sse} vs {direct}"
            );
            // Nudging s₀ (or θ, when estimated) raises the error.
            for d in [-0.05, 0.05] {
                assert!(sse_direct(&y, variant, 0.4, theta, s0 + d) > direct);
                if variant.optimised() {
                    let nudged = 1.0 / (1.0 - (c + d / 10.0).clamp(0.0, C_MAX));
                    assert!(sse_direct(&y, variant, 0.4, nudged, s0) >= direct);
                }
            }
        }
    }

    #[test]
    fn standard_variants_keep_theta_two_and_optimised_ones_fit_no_worse() {
        let y = noisy_trend(60);
        let stm = fit_variant(&y, Variant::Stm);
        let otm = fit_variant(&y, Variant::Otm);
        assert!((stm.theta - 2.0).abs() < 1e-12);
        assert!(otm.sse <= stm.sse + 1e-9);
        assert!(otm.theta >= 1.0);
        let dstm = fit_variant(&y, Variant::Dstm);
        let dotm = fit_variant(&y, Variant::Dotm);
        assert!(dotm.sse <= dstm.sse + 1e-9);
    }

    #[test]
    fn follows_a_line_and_keeps_the_weekly_shape() {
        // A clean line: the forecast continues it closely (θ large makes the slope full).
        let y: Vec<f64> = (0..80).map(|t| 5.0 + 2.0 * f64::from(t)).collect();
        let f = AutoTheta.fit(&y, 1).unwrap().predict(5);
        for (h, v) in f.iter().enumerate() {
            let expect = 5.0 + 2.0 * (80 + h) as f64;
            assert!((v - expect).abs() < 0.05 * expect, "h={h}: {v} vs {expect}");
        }
        // A strong weekly pattern is detected and restored in the forecast.
        let week = [1.0, 1.2, 0.9, 1.1, 1.6, 2.0, 0.6];
        let y: Vec<f64> = (0..140)
            .map(|t| 20.0 * week[t % 7] * (1.0 + 0.03 * (t as f64 * 1.3).sin()))
            .collect();
        assert!(matches!(seasonality(&y, 7), Season::Multiplicative(_)));
        let f = AutoTheta.fit(&y, 7).unwrap().predict(7);
        let peak = (0..7).max_by(|&a, &b| f[a].total_cmp(&f[b])).unwrap();
        assert_eq!((140 + peak) % 7, 5, "{f:?}");
    }

    #[test]
    fn rerun_keeps_variant_and_alpha_and_continues_the_line() {
        let y = noisy_trend(120);
        // Variant and α kept (the params text up to θ); the forecast continues the longer
        // history's line, 10 + 0.5·t, within the noise amplitude (3) plus slack.
        let longer = crate::forecast::rerun_on_longer_history(&AutoTheta, &y, 90, 1, " theta");
        for (h, v) in longer.predict(5).iter().enumerate() {
            let expect = 10.0 + 0.5 * (120 + h) as f64;
            assert!((v - expect).abs() < 4.0, "h={h}: {v} vs {expect}");
        }
    }

    #[test]
    fn hard_series_give_finite_forecasts() {
        for y in [
            vec![0.0; 30],
            vec![4.0; 30],
            vec![0.0, 0.0, 3.0, 0.0, 1.0],
            vec![1e12, 2e12, 1.5e12, 1e12, 3e12, 2e12],
        ] {
            let f = AutoTheta.fit(&y, 7).unwrap().predict(10);
            assert!(f.iter().all(|v| v.is_finite()), "{y:?}: {f:?}");
        }
        let f = AutoTheta.fit(&[4.0; 30], 7).unwrap().predict(3);
        assert!(f.iter().all(|v| (v - 4.0).abs() < 1e-6), "{f:?}");
        assert!(AutoTheta.fit(&[1.0; 4], 7).is_err());
    }

    #[test]
    fn classical_indices_recover_a_pattern() {
        let week = [1.0, 1.2, 0.9, 1.1, 1.6, 2.0, 0.2];
        let y: Vec<f64> = (0..70).map(|t| 10.0 * week[t % 7]).collect();
        let idx = classical_indices(&y, 7, true);
        let mean = week.iter().sum::<f64>() / 7.0;
        for (k, v) in idx.iter().enumerate() {
            assert!((v - week[k] / mean).abs() < 1e-9, "{k}: {v}");
        }
        let add = classical_indices(&y, 7, false);
        assert!(add.iter().sum::<f64>().abs() < 1e-9);
    }
}
