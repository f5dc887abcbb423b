//! How the best candidates' forecasts are combined: the rule is chosen by the planner
//! (`[forecast] combine_method`), and its weights are learned at run time from each SKU's own
//! backtest — nothing is fitted elsewhere and shipped as constants. This module only turns
//! backtest scores into a [`Blend`] and applies it; which candidates take part, and whether the
//! combination wins over the single models, is decided in [`super::select`].
//!
//! | method | forecast per bucket | weights |
//! |---|---|---|
//! | `mean` | the members' mean | 1/k each |
//! | `inverse_error` (default) | the members' weighted mean | w_i = (1/s_i) / Σ_j (1/s_j), s = the member's backtest score (mean MASE, or RMSSE for sporadic demand, over the selection folds); a member with score 0 takes all the weight (shared with any other at 0) |
//! | `median` | the members' median (the mean of the two middle ones for an even k) | — |
//!
//! Measured on M1 monthly and on the M5-shape generated catalogue in benches/RESULTS.md
//! ("Learned combination and calibrated quantiles").

use serde::{Deserialize, Serialize};

use crate::calendar::Freq;

/// How the best `combine` candidates are combined (`[forecast] combine_method`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CombineMethod {
    /// Unweighted mean of the members (the rule before issue 22).
    Mean,
    /// Mean weighted by the inverse of each member's backtest score.
    #[default]
    InverseError,
    /// Median of the members, per bucket.
    Median,
}

impl std::str::FromStr for CombineMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "mean" => Ok(Self::Mean),
            "inverse_error" => Ok(Self::InverseError),
            "median" => Ok(Self::Median),
            other => Err(format!(
                "unknown combination method '{other}'; expected mean, inverse_error or median"
            )),
        }
    }
}

impl std::fmt::Display for CombineMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Mean => "mean",
            Self::InverseError => "inverse_error",
            Self::Median => "median",
        })
    }
}

impl CombineMethod {
    /// The blend of members whose backtest scores are `scores` (finite, ≥ 0, in member order).
    pub fn blend(self, scores: &[f64]) -> Blend {
        match self {
            Self::Mean => Blend::Weighted(vec![1.0 / scores.len().max(1) as f64; scores.len()]),
            Self::InverseError => Blend::Weighted(inverse_error_weights(scores)),
            Self::Median => Blend::Median,
        }
    }
}

/// Weights proportional to 1/score, summing to 1; members with score 0 share all the weight.
pub fn inverse_error_weights(scores: &[f64]) -> Vec<f64> {
    if scores.is_empty() {
        return Vec::new();
    }
    let zeros = scores.iter().filter(|&&s| s <= 0.0).count();
    if zeros > 0 {
        let w = 1.0 / zeros as f64;
        return scores
            .iter()
            .map(|&s| if s <= 0.0 { w } else { 0.0 })
            .collect();
    }
    let total: f64 = scores.iter().map(|s| 1.0 / s).sum();
    scores.iter().map(|s| 1.0 / s / total).collect()
}

/// Which candidates a SKU's forecast is chosen from (`[forecast] selection`).
///
/// | selection | rule |
/// |---|---|
/// | `pooled` (default for weekly and monthly buckets) | the catalogue's best `combine` models per demand class — ranked by their mean backtest score over a sample of the class's SKUs ([`pooled_best`]) — combined by `combine_method` for every SKU of the class, weighted by each SKU's own backtest scores; a SKU on which only one of them could be scored takes that one; on which none could, the per-SKU rule |
/// | `per_sku` (default for daily buckets) | each SKU's best candidate by its own backtest, the combination of its best `combine` among them (the rule before) |
///
/// A backtest of three folds on one short series is a noisy judge: on M1 monthly the per-SKU
/// rule chose a single naive, seasonal naive, moving-average, SES, Holt or global model on 40%
/// of the series and lost to its own ETS and Theta (benches/RESULTS.md, "M1 monthly: diagnosis and pooled selection"); the ranking over
/// the catalogue is stable and is still learned from the planner's own backtest at run time.
/// Daily buckets keep the per-SKU rule by default: on the M5-shape catalogue the pooled rule
/// gained little (held-out MASE 0.967 → 0.964) at twice the forecast stage's time (its
/// ranking pass backtests up to 200 SKUs per class again, and every SKU fits three models).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// The catalogue's best models per demand class, combined for every SKU of the class.
    Pooled,
    /// Each SKU's own best candidate or combination.
    PerSku,
}

impl std::str::FromStr for Selection {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "pooled" => Ok(Self::Pooled),
            "per_sku" => Ok(Self::PerSku),
            other => Err(format!(
                "unknown selection '{other}'; expected pooled or per_sku"
            )),
        }
    }
}

impl Selection {
    /// The default for buckets of `freq`: per SKU for days, pooled for weeks and months.
    pub fn for_freq(freq: Freq) -> Self {
        match freq {
            Freq::Day => Self::PerSku,
            Freq::Week | Freq::Month => Self::Pooled,
        }
    }
}

impl std::fmt::Display for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Pooled => "pooled",
            Self::PerSku => "per_sku",
        })
    }
}

/// The `k` best models over a catalogue: `rows` holds, per SKU, each candidate model's finite
/// backtest score (lower is better). A model's pooled score is its mean over the SKUs where it
/// was scored; models scored on fewer than half of the SKUs (too short a history for them on
/// most) are left out. Ascending by pooled score, ties to the model seen first.
pub fn pooled_best<K: Copy + PartialEq>(rows: &[Vec<(K, f64)>], k: usize) -> Vec<K> {
    let mut sums: Vec<(K, f64, usize)> = Vec::new();
    for (key, score) in rows.iter().flatten() {
        if !score.is_finite() {
            continue;
        }
        match sums.iter_mut().find(|(m, _, _)| m == key) {
            Some(e) => {
                e.1 += score;
                e.2 += 1;
            }
            None => sums.push((*key, *score, 1)),
        }
    }
    let mut kept: Vec<(K, f64)> = sums
        .into_iter()
        .filter(|(_, _, n)| 2 * n >= rows.len())
        .map(|(key, sum, n)| (key, sum / n as f64))
        .collect();
    kept.sort_by(|a, b| a.1.total_cmp(&b.1));
    kept.into_iter().take(k).map(|(key, _)| key).collect()
}

/// A combination rule with its learned weights.
#[derive(Debug, Clone, PartialEq)]
pub enum Blend {
    /// Weighted mean; one weight per member, summing to 1.
    Weighted(Vec<f64>),
    /// Median per bucket.
    Median,
}

impl Blend {
    /// Combines the forecasts of the members present: `rows` holds (member index, forecast).
    /// Weights of absent members are left out and the rest renormalised. No rows: empty.
    pub fn apply(&self, rows: &[(usize, &[f64])]) -> Vec<f64> {
        let Some(len) = rows.iter().map(|(_, r)| r.len()).min() else {
            return Vec::new();
        };
        match self {
            Blend::Weighted(w) => {
                let total: f64 = rows.iter().map(|(i, _)| w[*i]).sum();
                let even = 1.0 / rows.len() as f64;
                (0..len)
                    .map(|t| {
                        rows.iter()
                            .map(|(i, r)| {
                                let wi = if total > 0.0 { w[*i] / total } else { even };
                                wi * r[t]
                            })
                            .sum()
                    })
                    .collect()
            }
            Blend::Median => {
                let mut col = Vec::with_capacity(rows.len());
                (0..len)
                    .map(|t| {
                        col.clear();
                        col.extend(rows.iter().map(|(_, r)| r[t]));
                        col.sort_by(f64::total_cmp);
                        let n = col.len();
                        if n % 2 == 1 {
                            col[n / 2]
                        } else {
                            (col[n / 2 - 1] + col[n / 2]) / 2.0
                        }
                    })
                    .collect()
            }
        }
    }

    /// Applies the blend to every member's forecast (all present).
    pub fn apply_all(&self, rows: &[&Vec<f64>]) -> Vec<f64> {
        let rows: Vec<(usize, &[f64])> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (i, r.as_slice()))
            .collect();
        self.apply(&rows)
    }

    /// A short description for the parameters column, e.g. `inverse-error weights 0.571/0.286/0.143`.
    pub fn describe(&self) -> String {
        match self {
            Blend::Weighted(w) => format!(
                "weights {}",
                w.iter()
                    .map(|v| format!("{v:.3}"))
                    .collect::<Vec<_>>()
                    .join("/")
            ),
            Blend::Median => "median".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scores 0.5, 1.0 and 2.0: inverse errors 2, 1 and 0.5 sum to 3.5, so the weights are
    /// 4/7, 2/7 and 1/7; forecasts 7, 14 and 28 combine to 4 + 4 + 4 = 12.
    #[test]
    fn inverse_error_weights_on_a_hand_computed_case() {
        let w = inverse_error_weights(&[0.5, 1.0, 2.0]);
        for (got, want) in w.iter().zip([4.0 / 7.0, 2.0 / 7.0, 1.0 / 7.0]) {
            assert!((got - want).abs() < 1e-12, "{w:?}");
        }
        let blend = CombineMethod::InverseError.blend(&[0.5, 1.0, 2.0]);
        let (a, b, c) = (vec![7.0, 0.0], vec![14.0, 7.0], vec![28.0, 14.0]);
        let f = blend.apply_all(&[&a, &b, &c]);
        assert!(
            (f[0] - 12.0).abs() < 1e-12 && (f[1] - 4.0).abs() < 1e-12,
            "{f:?}"
        );
        // Member 1 missing: weights 4/7 and 1/7 renormalise to 0.8 and 0.2.
        let f = blend.apply(&[(0, &a), (2, &c)]);
        assert!((f[0] - (0.8 * 7.0 + 0.2 * 28.0)).abs() < 1e-12, "{f:?}");
        assert_eq!(blend.describe(), "weights 0.571/0.286/0.143");
        // A perfect member takes all the weight.
        assert_eq!(inverse_error_weights(&[0.0, 1.0]), vec![1.0, 0.0]);
    }

    #[test]
    fn mean_and_median_blends() {
        let (a, b, c) = (vec![1.0, 10.0], vec![2.0, 0.0], vec![9.0, 5.0]);
        let mean = CombineMethod::Mean
            .blend(&[0.3, 0.4, 0.5])
            .apply_all(&[&a, &b, &c]);
        assert!((mean[0] - 4.0).abs() < 1e-12 && (mean[1] - 5.0).abs() < 1e-12);
        let med = CombineMethod::Median.blend(&[0.3, 0.4, 0.5]);
        assert_eq!(med.apply_all(&[&a, &b, &c]), vec![2.0, 5.0]);
        assert_eq!(med.apply_all(&[&a, &b]), vec![1.5, 5.0]);
        assert_eq!("inverse-error".parse(), Ok(CombineMethod::InverseError));
        assert!("best".parse::<CombineMethod>().is_err());
    }

    /// Three SKUs: "a" scores 1, 2, 3 (mean 2), "b" 1.5, 1.5, 1.5 (mean 1.5), "c" 0.1 on one
    /// SKU only (fewer than half: left out), "d" 2.5 and 1.5 on two (mean 2). Ranked: b, then
    /// a and d tied at 2 (a seen first).
    #[test]
    fn pooled_best_on_a_hand_computed_case() {
        let rows = vec![
            vec![("a", 1.0), ("b", 1.5), ("c", 0.1), ("d", 2.5)],
            vec![("a", 2.0), ("b", 1.5), ("d", 1.5), ("c", f64::INFINITY)],
            vec![("a", 3.0), ("b", 1.5)],
        ];
        assert_eq!(pooled_best(&rows, 3), vec!["b", "a", "d"]);
        assert_eq!(pooled_best(&rows, 1), vec!["b"]);
        assert_eq!("per-sku".parse(), Ok(Selection::PerSku));
        assert_eq!(Selection::for_freq(Freq::Month).to_string(), "pooled");
        assert_eq!(Selection::for_freq(Freq::Day), Selection::PerSku);
    }
}
