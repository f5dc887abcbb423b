//! How many differences an ARIMA takes, as statsforecast's `auto_arima` decides by default:
//! seasonal differences D from the seasonal strength of an STL decomposition (D = 1 when it
//! exceeds 0.64, Wang, Smith & Hyndman 2006; `nsdiffs(test = "seas")`), then ordinary
//! differences d from repeated KPSS tests at the 5% level (`ndiffs(test = "kpss")`). Not the
//! model fit.

use super::fit::lag_diff;

/// KPSS statistic above which the level is not stationary at the 5% level (Kwiatkowski et al.
/// 1992, table 1, level case; statsmodels' table that statsforecast uses).
const KPSS_CRITICAL_5: f64 = 0.463;

/// Seasonal strength above which one seasonal difference is taken (R's and statsforecast's
/// threshold).
const SEASONAL_STRENGTH: f64 = 0.64;

/// Whether all values are equal.
pub fn is_constant(x: &[f64]) -> bool {
    x.iter().all(|&v| v.to_bits() == x[0].to_bits())
}

/// The KPSS level-stationarity statistic with ⌊3√n/13⌋ Newey–West lags (as `ndiffs` calls
/// statsmodels' `kpss(x, "c", nlags)`).
pub fn kpss(x: &[f64]) -> f64 {
    let n = x.len();
    let nf = n as f64;
    let mean = x.iter().sum::<f64>() / nf;
    let e: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let mut cum = 0.0;
    let eta = e
        .iter()
        .map(|v| {
            cum += v;
            cum * cum
        })
        .sum::<f64>()
        / (nf * nf);
    let lags = (3.0 * nf.sqrt() / 13.0).floor() as usize;
    let mut s = e.iter().map(|v| v * v).sum::<f64>();
    for i in 1..=lags.min(n.saturating_sub(1)) {
        let c: f64 = e[i..].iter().zip(&e[..n - i]).map(|(a, b)| a * b).sum();
        s += 2.0 * (1.0 - i as f64 / (lags as f64 + 1.0)) * c;
    }
    eta / (s / nf)
}

/// Ordinary differences (at most `max_d`): difference while the KPSS test rejects
/// stationarity (statsforecast's `ndiffs`).
pub fn ndiffs(x: &[f64], max_d: usize) -> usize {
    let mut x = x.to_vec();
    if x.len() < 2 || is_constant(&x) {
        return 0;
    }
    let mut d = 0;
    let mut dodiff = kpss(&x) > KPSS_CRITICAL_5;
    while dodiff && d < max_d {
        d += 1;
        x = lag_diff(&x, 1);
        if x.len() < 2 || is_constant(&x) {
            return d;
        }
        dodiff = kpss(&x) > KPSS_CRITICAL_5;
    }
    d
}

/// Seasonal differences (0 or 1): 1 when the seasonal strength exceeds 0.64 (statsforecast's
/// `nsdiffs(test = "seas", max_D = 1)`); 0 for series of at most two seasons.
pub fn nsdiffs(x: &[f64], m: usize) -> usize {
    if m < 2 || x.len() <= 2 * m || is_constant(x) {
        return 0;
    }
    usize::from(seasonal_strength(x, m) > SEASONAL_STRENGTH)
}

/// max(0, min(1, 1 − Var(remainder)/Var(remainder + season))) of the STL decomposition
/// statsforecast's `mstl` makes with one period: seasonal window 11, seasonal degree 0, the
/// other settings statsmodels' defaults (trend window the smallest odd ≥ 1.5m/(1 − 1.5/11),
/// low-pass window the smallest odd > m, two inner passes, no robustness weights).
pub fn seasonal_strength(x: &[f64], m: usize) -> f64 {
    let (season, remainder) = stl(x, m);
    let var = |v: &[f64]| {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        v.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (n - 1.0)
    };
    let total: Vec<f64> = remainder.iter().zip(&season).map(|(r, s)| r + s).collect();
    (1.0 - var(&remainder) / var(&total)).clamp(0.0, 1.0)
}

fn next_odd(v: usize) -> usize {
    if v % 2 == 0 {
        v + 1
    } else {
        v
    }
}

/// STL (Cleveland et al. 1990) as statsmodels runs it with the settings above; returns the
/// seasonal component and the remainder.
fn stl(y: &[f64], np: usize) -> (Vec<f64>, Vec<f64>) {
    const NS: usize = 11;
    let n = y.len();
    let nt = next_odd((1.5 * np as f64 / (1.0 - 1.5 / NS as f64)).ceil() as usize);
    let nl = next_odd(np + 1);
    let mut trend = vec![0.0; n];
    let mut season = vec![0.0; n];
    for _ in 0..2 {
        let detrended: Vec<f64> = y.iter().zip(&trend).map(|(a, b)| a - b).collect();
        let c = cycle_subseries(&detrended, np, NS);
        let low = loess(&low_pass(&c, np), nl, 1);
        for i in 0..n {
            season[i] = c[np + i] - low[i];
        }
        let deseason: Vec<f64> = y.iter().zip(&season).map(|(a, b)| a - b).collect();
        trend = loess(&deseason, nt, 1);
    }
    let remainder = (0..n).map(|i| y[i] - season[i] - trend[i]).collect();
    (season, remainder)
}

/// Each cycle-subseries smoothed by a degree-0 loess of span `ns` and extended by one value at
/// each end (STL's `stlss`): n + 2·np values.
fn cycle_subseries(y: &[f64], np: usize, ns: usize) -> Vec<f64> {
    let n = y.len();
    let mut c = vec![0.0; n + 2 * np];
    for j in 0..np {
        let sub: Vec<f64> = y.iter().skip(j).step_by(np).copied().collect();
        let k = sub.len();
        let smooth = loess(&sub, ns, 0);
        let first = loess_at(&sub, ns, 0, 0.0, 1, ns.min(k)).unwrap_or(smooth[0]);
        let last = loess_at(
            &sub,
            ns,
            0,
            (k + 1) as f64,
            (k + 1).saturating_sub(ns).max(1),
            k,
        )
        .unwrap_or(smooth[k - 1]);
        c[j] = first;
        for (i, v) in smooth.iter().enumerate() {
            c[(i + 1) * np + j] = *v;
        }
        c[(k + 1) * np + j] = last;
    }
    c
}

/// Moving averages of lengths np, np and 3 (STL's `stlfts`).
fn low_pass(x: &[f64], np: usize) -> Vec<f64> {
    let ma = |x: &[f64], len: usize| -> Vec<f64> {
        x.windows(len)
            .map(|w| w.iter().sum::<f64>() / len as f64)
            .collect()
    };
    ma(&ma(&ma(x, np), np), 3)
}

/// Loess of span `len` and degree 0 or 1 at every point 1..=n (STL's `stless`, no jumps).
fn loess(y: &[f64], len: usize, degree: usize) -> Vec<f64> {
    let n = y.len();
    if n < 2 {
        return y.to_vec();
    }
    let nsh = len.div_ceil(2);
    (1..=n)
        .map(|i| {
            let (nleft, nright) = if len >= n {
                (1, n)
            } else if i < nsh {
                (1, len)
            } else if i > n - nsh {
                (n - len + 1, n)
            } else {
                (i - nsh + 1, len + i - nsh)
            };
            loess_at(y, len, degree, i as f64, nleft, nright).unwrap_or(y[i - 1])
        })
        .collect()
}

/// The loess fit at position `xs` (1-based) from the points nleft..=nright, tricube weights
/// (STL's `stlest`); `None` when every weight is zero.
fn loess_at(
    y: &[f64],
    len: usize,
    degree: usize,
    xs: f64,
    nleft: usize,
    nright: usize,
) -> Option<f64> {
    let n = y.len();
    let range = n as f64 - 1.0;
    let mut h = (xs - nleft as f64).max(nright as f64 - xs);
    if len > n {
        h += ((len - n) / 2) as f64;
    }
    let (h9, h1) = (0.999 * h, 0.001 * h);
    let mut w = vec![0.0; nright + 1 - nleft];
    let mut total = 0.0;
    for (k, j) in (nleft..=nright).enumerate() {
        let r = (j as f64 - xs).abs();
        if r <= h9 {
            w[k] = if r <= h1 {
                1.0
            } else {
                (1.0 - (r / h).powi(3)).powi(3)
            };
            total += w[k];
        }
    }
    if total <= 0.0 {
        return None;
    }
    for v in &mut w {
        *v /= total;
    }
    if h > 0.0 && degree > 0 {
        let a: f64 = (nleft..=nright).zip(&w).map(|(j, w)| w * j as f64).sum();
        let c: f64 = (nleft..=nright)
            .zip(&w)
            .map(|(j, w)| w * (j as f64 - a).powi(2))
            .sum();
        if c.sqrt() > 0.001 * range {
            let b = (xs - a) / c;
            for (j, v) in (nleft..=nright).zip(w.iter_mut()) {
                *v *= b * (j as f64 - a) + 1.0;
            }
        }
    }
    Some((nleft..=nright).zip(&w).map(|(j, w)| w * y[j - 1]).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kpss_of_a_hand_computed_case() {
        // n = 4, lags ⌊3·2/13⌋ = 0: e = (−1.5, −0.5, 0.5, 1.5), partial sums (−1.5, −2, −1.5, 0),
        // η = 8.5/16, s = 5/4: statistic 0.425.
        assert!((kpss(&[1.0, 2.0, 3.0, 4.0]) - 0.425).abs() < 1e-12);
    }

    #[test]
    fn a_trend_is_differenced_once_and_noise_not() {
        let trend: Vec<f64> = (0..60u32)
            .map(|t| f64::from(t) + f64::from((t * 7) % 5))
            .collect();
        assert_eq!(ndiffs(&trend, 2), 1);
        let noise: Vec<f64> = (0..60u32).map(|t| f64::from((t * 37) % 11)).collect();
        assert_eq!(ndiffs(&noise, 2), 0);
    }

    #[test]
    fn a_strong_season_is_differenced_and_a_flat_series_not() {
        let seasonal: Vec<f64> = (0..72u32)
            .map(|t| {
                100.0
                    + 20.0 * (f64::from(t) * std::f64::consts::PI / 6.0).sin()
                    + f64::from((t * 7) % 3)
            })
            .collect();
        assert!(seasonal_strength(&seasonal, 12) > 0.9);
        assert_eq!(nsdiffs(&seasonal, 12), 1);
        let flat: Vec<f64> = (0..72u32).map(|t| f64::from((t * 37) % 11)).collect();
        assert_eq!(nsdiffs(&flat, 12), 0);
    }
}
