//! Forecast error measures.
//!
//! Conventions: `actual` and `forecast` are aligned slices of one horizon; errors are
//! `actual − forecast` (positive = under-forecast). Scaled measures divide by the in-sample
//! mean absolute (or squared) one-step error of the naive (or seasonal naive) method on the
//! training data, so they compare across SKUs of any size.
//!
//! | measure | definition |
//! |---|---|
//! | MAE | mean |e| |
//! | RMSE | √ mean e² |
//! | WAPE | Σ|e| / Σ|actual| (NaN when every actual is 0) |
//! | bias | Σ(forecast − actual) / Σ actual: +0.1 = 10% over-forecast (NaN when Σ actual is 0) |
//! | MASE | MAE / in-sample MAE of the seasonal naive (Hyndman & Koehler 2006) |
//! | RMSSE | RMSE / √(in-sample mean squared naive error) (M5): does not reward forecasting zero |
//! | sMAPE | mean of 200·|e| / (|actual| + |forecast|), terms with both 0 count as 0 |

use serde::Serialize;

/// Errors of one forecast over one evaluation window.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Errors {
    /// Mean absolute error (units per bucket).
    pub mae: f64,
    /// Root mean squared error (units per bucket).
    pub rmse: f64,
    /// Weighted absolute percentage error (fraction).
    pub wape: f64,
    /// Relative bias (fraction; positive = over-forecast).
    pub bias: f64,
    /// Mean absolute scaled error.
    pub mase: f64,
    /// Root mean squared scaled error.
    pub rmsse: f64,
    /// Symmetric MAPE (percent, 0–200).
    pub smape: f64,
}

/// In-sample scales of a training series: mean absolute and mean squared one-step difference
/// at lag `m` (seasonal naive; 1 = naive). Falls back to lag 1 when the series is shorter than
/// m + 1, and to 1.0 when the series is constant (so that scaled errors stay finite).
pub fn scales(train: &[f64], m: usize) -> (f64, f64) {
    let m = if train.len() > m { m.max(1) } else { 1 };
    if train.len() <= m {
        return (1.0, 1.0);
    }
    let n = (train.len() - m) as f64;
    let (mut abs, mut sq) = (0.0, 0.0);
    for t in m..train.len() {
        let d = train[t] - train[t - m];
        abs += d.abs();
        sq += d * d;
    }
    let (abs, sq) = (abs / n, sq / n);
    (
        if abs > 0.0 { abs } else { 1.0 },
        if sq > 0.0 { sq } else { 1.0 },
    )
}

/// Computes every measure. `scale` is from [`scales`] on the training data.
pub fn errors(actual: &[f64], forecast: &[f64], scale: (f64, f64)) -> Errors {
    let n = actual.len().min(forecast.len());
    if n == 0 {
        return Errors::default();
    }
    let nf = n as f64;
    let (mut abs, mut sq, mut sum_a, mut sum_abs_a, mut sum_f, mut smape) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (&a, &f) in actual.iter().zip(forecast).take(n) {
        let e = a - f;
        abs += e.abs();
        sq += e * e;
        sum_a += a;
        sum_abs_a += a.abs();
        sum_f += f;
        let denom = a.abs() + f.abs();
        if denom > 0.0 {
            smape += 200.0 * e.abs() / denom;
        }
    }
    let mae = abs / nf;
    let rmse = (sq / nf).sqrt();
    Errors {
        mae,
        rmse,
        wape: if sum_abs_a > 0.0 {
            abs / sum_abs_a
        } else {
            f64::NAN
        },
        bias: if sum_a != 0.0 {
            (sum_f - sum_a) / sum_a
        } else {
            f64::NAN
        },
        mase: mae / scale.0,
        rmsse: rmse / scale.1.sqrt(),
        smape: smape / nf,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_by_hand() {
        let e = errors(&[2.0, 4.0], &[3.0, 2.0], (2.0, 4.0));
        assert!((e.mae - 1.5).abs() < 1e-12);
        assert!((e.rmse - 2.5f64.sqrt()).abs() < 1e-12);
        assert!((e.wape - 0.5).abs() < 1e-12);
        assert!((e.bias - (5.0 - 6.0) / 6.0).abs() < 1e-12);
        assert!((e.mase - 0.75).abs() < 1e-12);
        assert!((e.rmsse - 2.5f64.sqrt() / 2.0).abs() < 1e-12);
        assert!((e.smape - (200.0 / 5.0 + 200.0 * 2.0 / 6.0) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn zero_forecast_is_not_rewarded_by_rmsse() {
        // Intermittent actuals: a zero forecast has the better MAE, but the mean (0.5) has
        // the better RMSE / RMSSE.
        let actual = [0.0, 0.0, 0.0, 2.0];
        let s = scales(&[0.0, 2.0, 0.0, 0.0, 2.0], 1);
        let zero = errors(&actual, &[0.0; 4], s);
        let mean = errors(&actual, &[0.5; 4], s);
        assert!(zero.mase < mean.mase);
        assert!(mean.rmsse < zero.rmsse);
    }

    #[test]
    fn scales_never_zero() {
        assert_eq!(scales(&[3.0, 3.0, 3.0], 1), (1.0, 1.0));
        assert_eq!(scales(&[3.0], 7), (1.0, 1.0));
    }
}
