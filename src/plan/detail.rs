//! The per-SKU data behind the report's forecast charts, written with the plan's outputs for the top
//! SKUs by value at risk (`detail.json`: history, backtest fit, forecast band; the simulated
//! trajectories are [`crate::sim::trace`]), so `replenish report --from DIR` can re-render
//! without re-running anything.
//!
//! Not responsible for drawing (see `report::charts`) or choosing what the report shows.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{
    calendar::{DemandSeries, Freq},
    forecast::select::SkuForecast,
    recommend::Recommendation,
};

/// Buckets of history shown before the forecast: about half a year.
pub fn history_buckets(freq: Freq) -> usize {
    match freq {
        Freq::Day => 182,
        Freq::Week => 52,
        Freq::Month => 24,
    }
}

/// The forecast chart's data of one SKU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkuDetail {
    /// SKU.
    pub sku: String,
    /// Location, if any.
    pub location: Option<String>,
    /// Bucket size of every series below.
    pub freq: Freq,
    /// Start of the first history bucket shown.
    pub history_start: NaiveDate,
    /// Net units per bucket, the last [`history_buckets`] before the forecast.
    pub history: Vec<f64>,
    /// Backtest forecasts of the chosen model over the history's last `fit.len()` buckets.
    pub fit: Vec<f64>,
    /// Start of the first forecast bucket.
    pub forecast_start: NaiveDate,
    /// Point forecast per bucket.
    pub forecast: Vec<f64>,
    /// The lowest and highest quantile levels forecast (e.g. 0.1 and 0.9), if any.
    pub band_levels: Option<(f64, f64)>,
    /// Lower band per bucket.
    pub band_low: Vec<f64>,
    /// Upper band per bucket.
    pub band_high: Vec<f64>,
    /// Chosen model.
    pub model: String,
}

impl SkuDetail {
    /// The detail of a forecast SKU; the history window ends where the forecast starts.
    pub fn of(series: &DemandSeries, f: &SkuForecast) -> Self {
        // The forecast may start at the series' last (partial) bucket: history stops before it.
        let mut starts = Vec::with_capacity(series.values.len());
        let mut d = series.start;
        for _ in &series.values {
            starts.push(d);
            d = series.freq.next_bucket(d);
        }
        let end = starts.iter().take_while(|&&s| s < f.start).count();
        let from = end.saturating_sub(history_buckets(series.freq));
        let history = series.values[from..end].to_vec();
        let fit_len = f.backtest_fit.len().min(history.len());
        let fit = f.backtest_fit[f.backtest_fit.len() - fit_len..].to_vec();
        let (band_levels, band_low, band_high) = match (f.levels.first(), f.levels.last()) {
            (Some(&lo), Some(&hi)) if f.levels.len() >= 2 => (
                Some((lo, hi)),
                f.quantiles[0].clone(),
                f.quantiles[f.levels.len() - 1].clone(),
            ),
            _ => (None, Vec::new(), Vec::new()),
        };
        SkuDetail {
            sku: f.sku.clone(),
            location: f.location.clone(),
            freq: series.freq,
            history_start: starts.get(from).copied().unwrap_or(f.start),
            history,
            fit,
            forecast_start: f.start,
            forecast: f.point.clone(),
            band_levels,
            band_low,
            band_high,
            model: f.model.to_string(),
        }
    }
}

/// Ranking of SKUs for the per-SKU sections: value at risk (units at risk when the unit cost
/// is unknown), then order value, then demand per day, then SKU. Returns indices into `recs`.
pub fn top_by_risk(recs: &[Recommendation], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..recs.len()).collect();
    let key = |r: &Recommendation| {
        (
            r.value_at_risk.unwrap_or(r.units_at_risk),
            r.order_value.unwrap_or(r.order_quantity),
            r.demand_per_day,
        )
    };
    idx.sort_by(|&a, &b| {
        let (ka, kb) = (key(&recs[a]), key(&recs[b]));
        kb.0.total_cmp(&ka.0)
            .then(kb.1.total_cmp(&ka.1))
            .then(kb.2.total_cmp(&ka.2))
            .then(recs[a].sku.cmp(&recs[b].sku))
            .then(recs[a].location.cmp(&recs[b].location))
    });
    idx.truncate(n);
    idx
}

/// [`top_by_risk`] with every SKU tied with the n-th in value at risk (units at risk when the
/// unit cost is unknown) as well: a superset of the top n under any later tie-break. A shard
/// of a run with a budget writes its details for these, so that the catalogue's top n after
/// the cut (which changes the order values) is among the shards' lists.
pub fn top_by_risk_and_ties(recs: &[Recommendation], n: usize) -> Vec<usize> {
    let risk = |i: usize| recs[i].value_at_risk.unwrap_or(recs[i].units_at_risk);
    let mut idx = top_by_risk(recs, recs.len());
    if n == 0 {
        idx.clear();
    } else if idx.len() > n {
        let last = risk(idx[n - 1]);
        let keep = n + idx[n..].iter().take_while(|&&i| risk(i) >= last).count();
        idx.truncate(keep);
    }
    idx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::select::{forecast_series, ForecastSettings};

    #[test]
    fn detail_ends_where_the_forecast_starts_and_fit_aligns_with_the_end() {
        let values: Vec<f64> = (0..300).map(|t| f64::from(5 + (t % 7) as u8)).collect();
        let s = crate::calendar::test_series("A", values.clone());
        let mut settings = ForecastSettings::for_freq(Freq::Day);
        settings.horizon = 14;
        let f = forecast_series(&s, &settings);
        let d = SkuDetail::of(&s, &f);
        assert_eq!(d.history.len(), 182);
        assert_eq!(d.history[..], values[300 - 182..]);
        assert_eq!(d.forecast_start, s.start + chrono::Duration::days(300));
        assert_eq!(d.history_start, s.start + chrono::Duration::days(300 - 182));
        // 3 folds of 14 days of backtest forecasts.
        assert_eq!(d.fit.len(), 42);
        assert_eq!(d.forecast.len(), 14);
        assert_eq!(d.band_low.len(), 14);
        assert!(d.band_low.iter().zip(&d.band_high).all(|(l, h)| l <= h));
    }
}
