//! Forecasts for new and short-history SKUs from an analogue: the item master's `like_sku`,
//! else the average profile of the SKU's `category`, scaled by the sales the SKU has.
//!
//! # Conventions
//! - A SKU is **young** when it has fewer than `[policy] min_history_days` days of sales
//!   history (or none). Its own model cannot be backtested on so little, so its forecast comes
//!   from an analogue, and its recommendation stays REVIEW until enough history exists.
//! - **Like SKU**: the analogue's forecast — point, quantiles and backtest errors — as is.
//!   A like_sku that is itself young, or has no forecast, is skipped for the category.
//! - **Category profile**: the mean, bucket by bucket, of the point forecasts (and of each
//!   quantile) of the category's established SKUs (at most [`MAX_MEMBERS`], in SKU order);
//!   their backtest error runs pooled.
//! - **Scale** = the SKU's own sales over its history buckets / the analogue's (for a
//!   category, the members' mean) sales over the same buckets, when the SKU has at least
//!   [`MIN_SCALE_DAYS`] days of history and the analogue sold something then; otherwise 1
//!   (the analogue as is), and the notes say so. Point, quantiles and errors are multiplied
//!   by the scale.

use std::collections::BTreeMap;

use super::{
    select::{mean_of, SkuForecast},
    AnalogueKind, ModelId,
};
use crate::calendar::DemandSeries;

/// Most category members averaged into a profile.
pub const MAX_MEMBERS: usize = 50;
/// Fewest days of own history for the scale to be estimated from own sales.
pub const MIN_SCALE_DAYS: i64 = 7;

/// Where an analogue forecast comes from.
#[derive(Debug)]
pub enum Source<'a> {
    /// The item master's like_sku.
    Like {
        /// Its SKU.
        sku: &'a str,
        /// Its history.
        series: &'a DemandSeries,
        /// Its forecast.
        forecast: &'a SkuForecast,
    },
    /// The established SKUs of a category.
    Category {
        /// The category.
        name: &'a str,
        /// Members' histories and forecasts (non-empty).
        members: Vec<(&'a DemandSeries, &'a SkuForecast)>,
    },
}

impl Source<'_> {
    /// The model name of a forecast taken from this source.
    pub fn model(&self) -> ModelId {
        match self {
            Source::Like { sku, .. } => ModelId::Analogue {
                kind: AnalogueKind::LikeSku,
                name: (*sku).to_string(),
            },
            Source::Category { name, .. } => ModelId::Analogue {
                kind: AnalogueKind::Category,
                name: (*name).to_string(),
            },
        }
    }
}

/// Sum of the last `n` buckets of `s`.
fn tail_sum(s: &DemandSeries, n: usize) -> f64 {
    s.values[s.values.len().saturating_sub(n)..]
        .iter()
        .map(|v| v.max(0.0))
        .sum()
}

/// The analogue forecast of `sku` (at `location`), whose own history is `own` and
/// `own_days` days long.
pub fn forecast_from(
    sku: &str,
    location: Option<&str>,
    own: Option<&DemandSeries>,
    own_days: i64,
    source: &Source<'_>,
) -> SkuForecast {
    let n = own.map_or(0, DemandSeries::len);
    let own_total = own.map_or(0.0, |s| tail_sum(s, n));
    let (mut fc, source_total, what) = match source {
        Source::Like {
            sku: like,
            series,
            forecast,
        } => (
            (*forecast).clone(),
            tail_sum(series, n),
            format!("like_sku {like}"),
        ),
        Source::Category { name, members } => {
            let mut fc = members[0].1.clone();
            fc.point = mean_of(members.iter().map(|m| &m.1.point));
            fc.quantiles = (0..fc.quantiles.len())
                .map(|l| mean_of(members.iter().map(|m| &m.1.quantiles[l])))
                .collect();
            fc.errors = members
                .iter()
                .filter(|m| m.1.error_block == fc.error_block)
                .flat_map(|m| m.1.errors.iter().copied())
                .collect();
            // Each member's censored-bucket variance and imputed demand beside its errors (0
            // where it had none).
            let beside = |of: fn(&SkuForecast) -> &Vec<f64>| -> Vec<f64> {
                members
                    .iter()
                    .filter(|m| m.1.error_block == fc.error_block)
                    .flat_map(|m| {
                        let f = &m.1;
                        let v = of(f);
                        let aligned = v.len() == f.errors.len();
                        (0..f.errors.len()).map(move |k| if aligned { v[k] } else { 0.0 })
                    })
                    .collect()
            };
            fc.error_censored_var = beside(|f| &f.error_censored_var);
            fc.error_censored_mean = beside(|f| &f.error_censored_mean);
            // The most common demand class among the members.
            let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
            for (i, m) in members.iter().enumerate() {
                counts
                    .entry(format!("{:?}", m.1.profile.class))
                    .or_insert((0, i))
                    .0 += 1;
            }
            let (_, first) = counts
                .values()
                .max_by_key(|(c, i)| (*c, std::cmp::Reverse(*i)))
                .copied()
                .unwrap_or((0, 0));
            fc.profile = members[first].1.profile;
            let total =
                members.iter().map(|m| tail_sum(m.0, n)).sum::<f64>() / members.len() as f64;
            (
                fc,
                total,
                format!("category {name} ({} SKUs)", members.len()),
            )
        }
    };
    let mut notes = vec![format!(
        "new item ({own_days} days of history): forecast from {what}"
    )];
    let scale = if own_days >= MIN_SCALE_DAYS && source_total > 0.0 && n > 0 {
        let s = own_total / source_total;
        notes.push(format!(
            "scaled x{s:.3} by its own sales ({own_total:.0} vs {source_total:.0} units over the same {n} buckets)"
        ));
        s
    } else {
        notes.push(if own_days < MIN_SCALE_DAYS {
            format!("fewer than {MIN_SCALE_DAYS} days of own sales: analogue unscaled")
        } else {
            "the analogue sold nothing over the same buckets: unscaled".into()
        });
        1.0
    };
    let model = source.model();
    for v in fc
        .point
        .iter_mut()
        .chain(fc.quantiles.iter_mut().flatten())
        .chain(fc.errors.iter_mut())
    {
        *v *= scale;
    }
    // The imputed days' records scale with the errors they stand beside: the mean by the
    // factor, the variance by its square.
    fc.error_censored_mean.iter_mut().for_each(|v| *v *= scale);
    fc.error_censored_var
        .iter_mut()
        .for_each(|v| *v *= scale * scale);
    fc.sku = sku.to_string();
    fc.location = location.map(str::to_string);
    fc.model = model;
    fc.params = format!("scale={scale:.4}");
    fc.backtest_fit = Vec::new();
    fc.candidates = Vec::new();
    fc.censored = Default::default();
    fc.adjustments = vec![notes.join("; ")];
    fc.reason = notes.join("; ");
    fc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        calendar::{test_series, Freq},
        forecast::select::{forecast_series, ForecastSettings},
    };

    #[test]
    fn a_new_item_gets_its_like_skus_forecast_scaled_by_its_own_sales() {
        let like_series = test_series("OLD", vec![20.0; 200]);
        let mut like = forecast_series(&like_series, &ForecastSettings::for_freq(Freq::Day));
        // Imputed-day records beside the analogue's errors: they scale as the errors do.
        like.error_censored_mean = vec![8.0; like.errors.len()];
        like.error_censored_var = vec![16.0; like.errors.len()];
        // 14 days of history at 5 units/day: a quarter of the analogue's rate.
        let own = test_series("NEW", vec![5.0; 14]);
        let f = forecast_from(
            "NEW",
            None,
            Some(&own),
            14,
            &Source::Like {
                sku: "OLD",
                series: &like_series,
                forecast: &like,
            },
        );
        assert_eq!(f.sku, "NEW");
        assert_eq!(f.model.to_string(), "analogue(like_sku:OLD)");
        assert!(
            f.point.iter().all(|v| (v - 5.0).abs() < 1e-9),
            "{:?}",
            f.point
        );
        assert!(f.reason.contains("x0.250"), "{}", f.reason);
        assert!(!f.backtested());
        // Mean × 0.25, variance × 0.25², beside errors × 0.25.
        assert_eq!(f.error_censored_mean.len(), f.errors.len());
        assert!(f
            .error_censored_mean
            .iter()
            .all(|v| (v - 2.0).abs() < 1e-12));
        assert!(f.error_censored_var.iter().all(|v| (v - 1.0).abs() < 1e-12));
    }

    #[test]
    fn without_own_sales_the_category_profile_is_used_unscaled() {
        let a = test_series("A", vec![10.0; 100]);
        let b = test_series("B", vec![30.0; 100]);
        let settings = ForecastSettings::for_freq(Freq::Day);
        let (fa, fb) = (
            forecast_series(&a, &settings),
            forecast_series(&b, &settings),
        );
        let f = forecast_from(
            "NEW",
            None,
            None,
            0,
            &Source::Category {
                name: "CAT",
                members: vec![(&a, &fa), (&b, &fb)],
            },
        );
        assert!(
            f.point.iter().all(|v| (v - 20.0).abs() < 1e-9),
            "{:?}",
            f.point
        );
        assert!(f.reason.contains("unscaled"), "{}", f.reason);
        assert!(f.model.to_string().contains("category"), "{}", f.model);
    }
}
