//! Baseline models: naive (last value), seasonal naive (last season repeated) and moving
//! average (mean of the last `window` buckets).

use super::{ses::Flat, FittedForecaster, ForecastError, Forecaster};

/// Naive: every horizon gets the last observed value. No parameters.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Naive;

impl Forecaster for Naive {
    fn name(&self) -> String {
        "naive".into()
    }

    fn fit(&self, y: &[f64], _season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        let last = *y.last().ok_or(ForecastError::TooShort {
            model: "naive",
            need: 1,
            have: 0,
        })?;
        Ok(Box::new(Flat {
            level: last,
            params: String::new(),
        }))
    }
}

/// Seasonal naive: horizon `h` gets the value one season before it, `y[n − m + (h − 1) mod m]`.
/// Needs one full season; shorter series are an error (the selection then skips the model).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SeasonalNaive;

/// A fitted seasonal naive forecast: the last season, repeated.
#[derive(Debug, Clone, PartialEq)]
pub struct LastSeason(pub Vec<f64>);

impl FittedForecaster for LastSeason {
    fn predict(&self, horizon: usize) -> Vec<f64> {
        (0..horizon).map(|h| self.0[h % self.0.len()]).collect()
    }

    fn params(&self) -> String {
        format!("season={}", self.0.len())
    }
}

impl Forecaster for SeasonalNaive {
    fn name(&self) -> String {
        "snaive".into()
    }

    fn fit(&self, y: &[f64], season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        let m = season.max(1);
        if y.len() < m {
            return Err(ForecastError::TooShort {
                model: "snaive",
                need: m,
                have: y.len(),
            });
        }
        Ok(Box::new(LastSeason(y[y.len() - m..].to_vec())))
    }
}

/// Moving average of the last `window` buckets.
///
/// | name | default | meaning | range |
/// |---|---|---|---|
/// | `window` | estimated | buckets averaged; `None` = the candidate (season/2, season, 2·season, 4·season, 8·season, at least 2) with the least one-step squared error over the most recent 4·season buckets | ≥ 1 |
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MovingAverage {
    /// Fixed window, or `None` to estimate it.
    pub window: Option<usize>,
}

fn mean_last(y: &[f64], w: usize) -> f64 {
    let w = w.min(y.len()).max(1);
    y[y.len() - w..].iter().sum::<f64>() / w as f64
}

impl Forecaster for MovingAverage {
    fn name(&self) -> String {
        "ma".into()
    }

    fn fit(&self, y: &[f64], season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        if y.is_empty() {
            return Err(ForecastError::TooShort {
                model: "ma",
                need: 1,
                have: 0,
            });
        }
        let m = season.max(1);
        let window = self.window.unwrap_or_else(|| {
            let mut candidates: Vec<usize> = [m / 2, m, 2 * m, 4 * m, 8 * m]
                .into_iter()
                .map(|w| w.max(2))
                .filter(|&w| w < y.len())
                .collect();
            candidates.dedup();
            let eval = (4 * m).min(y.len() / 2);
            candidates
                .into_iter()
                .map(|w| {
                    let sse: f64 = (y.len() - eval..y.len())
                        .filter(|&t| t >= w)
                        .map(|t| (y[t] - mean_last(&y[..t], w)).powi(2))
                        .sum();
                    (w, sse)
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map_or(y.len(), |(w, _)| w)
        });
        Ok(Box::new(Flat {
            level: mean_last(y, window),
            params: format!("window={window}"),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baselines_by_hand() {
        let y = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(Naive.fit(&y, 1).unwrap().predict(2), vec![5.0, 5.0]);
        assert_eq!(
            SeasonalNaive.fit(&y, 2).unwrap().predict(5),
            vec![4.0, 5.0, 4.0, 5.0, 4.0]
        );
        let ma = MovingAverage { window: Some(2) }.fit(&y, 1).unwrap();
        assert_eq!(ma.predict(1), vec![4.5]);
        assert!(SeasonalNaive.fit(&y, 7).is_err());
    }
}
