//! Writing forecasts (`forecast.csv` or `.parquet`) and backtest accuracy (`accuracy.csv`),
//! atomically. Each CSV's columns are defined once, by its row struct ([`ForecastRow`],
//! [`AccuracyRow`], [`ClassRow`]) after the key columns ([`Key`]).
//!
//! forecast: `sku, [location], date, forecast, q10, q50, q90, model` — one row per SKU and
//! forecast bucket, `date` = bucket start, sorted by sku, location, date. Quantile columns are
//! named `q` + the level in percent (`q2.5` for 0.025).
//!
//! accuracy: `sku, [location], class, adi, cv2, model, mae, rmse, wape, bias, mase, rmsse,
//! smape, score, chosen, failure` — one row per SKU and candidate model.
//!
//! classes: `sku, [location], adi, cv2, class, abc, xyz, units, revenue` — one row per SKU.

use std::path::Path;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::{ser::SerializeTuple, Deserialize, Serialize, Serializer};

use super::select::SkuForecast;
use crate::io::{
    atomic::{write_atomic, write_csv_rows},
    cells::{de_finite_num, finite_num, header_of, num, opt_num, write_csv, Key},
    table::Format,
    LoadError,
};

/// One row of `forecast.csv` after the key columns and before the quantile columns (`q10`,
/// … — one per configured level, see [`quantile_column`]), which [`ForecastModel`] follows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForecastRow {
    /// Bucket start.
    pub date: NaiveDate,
    /// Point forecast (units per bucket).
    #[serde(serialize_with = "num")]
    pub forecast: f64,
}

/// The last column of `forecast.csv`.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ForecastModel<'a> {
    /// Chosen model.
    pub model: &'a str,
}

/// The quantile cells of one forecast bucket.
struct QuantilesAt<'a> {
    quantiles: &'a [Vec<f64>],
    h: usize,
}

impl Serialize for QuantilesAt<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(self.quantiles.len())?;
        for q in self.quantiles {
            t.serialize_element(&fmt(q[self.h]))?;
        }
        t.end()
    }
}

/// The columns of `forecast.csv`.
pub fn forecast_columns(with_location: bool, levels: &[f64]) -> Vec<String> {
    let mut h = header_of(&(Key::header(with_location), ForecastRow::default()));
    h.extend(levels.iter().map(|p| quantile_column(*p)));
    h.extend(header_of(&ForecastModel::default()));
    h
}

/// One row of `accuracy.csv` after the key columns: one per SKU and candidate model (one row
/// with the chosen model and the reason when no candidate was backtested). Metrics that are
/// not finite are empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccuracyRow {
    /// Demand class.
    pub class: String,
    /// Average demand interval.
    #[serde(serialize_with = "num")]
    pub adi: f64,
    /// Squared coefficient of variation of demand sizes.
    #[serde(serialize_with = "num")]
    pub cv2: f64,
    /// Candidate model.
    pub model: String,
    /// Mean absolute error.
    #[serde(serialize_with = "opt_num")]
    pub mae: Option<f64>,
    /// Root mean squared error.
    #[serde(serialize_with = "opt_num")]
    pub rmse: Option<f64>,
    /// Weighted absolute percentage error.
    #[serde(serialize_with = "opt_num")]
    pub wape: Option<f64>,
    /// Bias.
    #[serde(serialize_with = "opt_num")]
    pub bias: Option<f64>,
    /// Mean absolute scaled error.
    #[serde(serialize_with = "opt_num")]
    pub mase: Option<f64>,
    /// Root mean squared scaled error.
    #[serde(serialize_with = "opt_num")]
    pub rmsse: Option<f64>,
    /// Symmetric MAPE.
    #[serde(serialize_with = "opt_num")]
    pub smape: Option<f64>,
    /// Selection score.
    #[serde(serialize_with = "opt_num")]
    pub score: Option<f64>,
    /// 1 for the chosen model.
    pub chosen: u8,
    /// Why the candidate failed (or why none was backtested).
    pub failure: String,
}

/// One row of `classes.csv` after the key columns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClassRow {
    /// Average demand interval (empty when not finite: no demand).
    #[serde(serialize_with = "finite_num", deserialize_with = "de_finite_num")]
    pub adi: f64,
    /// Squared coefficient of variation of demand sizes.
    #[serde(serialize_with = "num")]
    pub cv2: f64,
    /// Demand class.
    pub class: String,
    /// ABC class.
    pub abc: String,
    /// XYZ class.
    pub xyz: String,
    /// Units sold.
    #[serde(serialize_with = "num")]
    pub units: f64,
    /// Revenue.
    #[serde(serialize_with = "num")]
    pub revenue: f64,
    /// Days censored by stockouts.
    pub censored_days: u32,
    /// Units imputed on them.
    #[serde(serialize_with = "num")]
    pub imputed_units: f64,
}

fn key_of(f: &SkuForecast, with_location: bool) -> Key<'_> {
    Key::new(&f.sku, f.location.as_deref(), with_location)
}

/// Column name of a quantile level: `q10` for 0.1, `q2.5` for 0.025.
pub fn quantile_column(p: f64) -> String {
    let pct = (p * 1000.0).round() / 10.0;
    if pct.fract() == 0.0 {
        format!("q{}", pct as i64)
    } else {
        format!("q{pct}")
    }
}

pub use crate::io::cells::fmt;

/// Writes the forecasts; CSV or Parquet by the extension of `path`.
///
/// # Errors
/// [`LoadError::Write`] / [`LoadError::Format`].
pub fn write_forecasts(path: &Path, forecasts: &[SkuForecast]) -> Result<(), LoadError> {
    let with_location = forecasts.iter().any(|f| f.location.is_some());
    let levels = forecasts
        .first()
        .map(|f| f.levels.clone())
        .unwrap_or_default();
    match Format::of(path)? {
        Format::Csv => write_atomic(path, |w| {
            let header = forecast_columns(with_location, &levels);
            write_csv(w, &header, std::iter::empty::<()>())?;
            write_csv_rows(w, forecasts, |out, f| {
                let model = f.model.to_string();
                let mut date = f.start;
                for (h, &forecast) in f.point.iter().enumerate() {
                    out.serialize((
                        key_of(f, with_location),
                        ForecastRow { date, forecast },
                        QuantilesAt {
                            quantiles: &f.quantiles,
                            h,
                        },
                        ForecastModel { model: &model },
                    ))?;
                    date = f.freq.next_bucket(date);
                }
                Ok(())
            })
        }),
        Format::Parquet => {
            let mut df = forecast_frame(forecasts, with_location, &levels).map_err(|e| {
                LoadError::Write {
                    path: path.to_path_buf(),
                    source: std::io::Error::other(e.to_string()),
                }
            })?;
            let mut buf = Vec::new();
            ParquetWriter::new(&mut buf)
                .finish(&mut df)
                .map_err(|e| LoadError::Write {
                    path: path.to_path_buf(),
                    source: std::io::Error::other(e.to_string()),
                })?;
            write_atomic(path, |w| w.write_all(&buf))
        }
    }
}

fn forecast_frame(
    forecasts: &[SkuForecast],
    with_location: bool,
    levels: &[f64],
) -> PolarsResult<DataFrame> {
    let n: usize = forecasts.iter().map(|f| f.point.len()).sum();
    let mut sku = Vec::with_capacity(n);
    let mut loc = Vec::with_capacity(n);
    let mut date = Vec::with_capacity(n);
    let mut point = Vec::with_capacity(n);
    let mut qs: Vec<Vec<f64>> = vec![Vec::with_capacity(n); levels.len()];
    let mut model = Vec::with_capacity(n);
    let names: Vec<String> = forecasts.iter().map(|f| f.model.to_string()).collect();
    for (f, name) in forecasts.iter().zip(&names) {
        let mut d = f.start;
        for h in 0..f.point.len() {
            sku.push(f.sku.as_str());
            loc.push(f.location.as_deref());
            date.push(crate::io::parse::day_of(d) - crate::io::parse::UNIX_EPOCH_DAY);
            point.push(f.point[h]);
            for (q, col) in f.quantiles.iter().zip(qs.iter_mut()) {
                col.push(q[h]);
            }
            model.push(name.as_str());
            d = f.freq.next_bucket(d);
        }
    }
    let mut cols =
        vec![StringChunked::from_iter_values("sku".into(), sku.into_iter()).into_column()];
    if with_location {
        cols.push(
            StringChunked::from_iter_options("location".into(), loc.into_iter()).into_column(),
        );
    }
    cols.push(
        Int32Chunked::from_vec("date".into(), date)
            .into_series()
            .cast(&DataType::Date)?
            .into_column(),
    );
    cols.push(Float64Chunked::from_vec("forecast".into(), point).into_column());
    for (p, col) in levels.iter().zip(qs) {
        cols.push(Float64Chunked::from_vec(quantile_column(*p).into(), col).into_column());
    }
    cols.push(StringChunked::from_iter_values("model".into(), model.into_iter()).into_column());
    DataFrame::new(n, cols)
}

/// The [`AccuracyRow`]s of one SKU.
fn accuracy_rows(f: &SkuForecast) -> Vec<AccuracyRow> {
    let base = AccuracyRow {
        class: f.profile.class.to_string(),
        adi: f.profile.adi,
        cv2: f.profile.cv2,
        ..AccuracyRow::default()
    };
    if f.candidates.is_empty() {
        return vec![AccuracyRow {
            model: f.model.to_string(),
            chosen: 1,
            failure: f.reason.clone(),
            ..base
        }];
    }
    let finite = |v: f64| Some(v).filter(|v| v.is_finite());
    f.candidates
        .iter()
        .map(|c| {
            let e = &c.errors;
            AccuracyRow {
                model: c.model.to_string(),
                mae: finite(e.mae),
                rmse: finite(e.rmse),
                wape: finite(e.wape),
                bias: finite(e.bias),
                mase: finite(e.mase),
                rmsse: finite(e.rmsse),
                smape: finite(e.smape),
                score: finite(c.score),
                chosen: u8::from(c.chosen),
                failure: c
                    .failure
                    .as_ref()
                    .map(|x| x.to_string())
                    .unwrap_or_default(),
                ..base.clone()
            }
        })
        .collect()
}

/// Writes every candidate's backtest accuracy per SKU as CSV ([`AccuracyRow`]).
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_accuracy(path: &Path, forecasts: &[SkuForecast]) -> Result<(), LoadError> {
    let with_location = forecasts.iter().any(|f| f.location.is_some());
    let header = header_of(&(Key::header(with_location), AccuracyRow::default()));
    write_atomic(path, |w| {
        write_csv(
            w,
            &header,
            forecasts.iter().flat_map(|f| {
                accuracy_rows(f)
                    .into_iter()
                    .map(move |r| (key_of(f, with_location), r))
            }),
        )
    })
}

/// Writes the demand classification of every forecast series as CSV: `sku, [location], adi,
/// cv2, class, abc, xyz, units, revenue`. ABC ranks by revenue when any series has a price
/// (sales `price` column), else by units; XYZ uses the CV of demand per bucket.
/// `series_index[j]` is the index in `series` of `forecasts[j]`'s series: ABC ranks every
/// series given, also when only some are written (a shard's).
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_classes(
    path: &Path,
    series: &[crate::calendar::DemandSeries],
    forecasts: &[SkuForecast],
    series_index: &[usize],
) -> Result<(), LoadError> {
    use crate::classify::{abc_of_series, xyz};
    let with_location = forecasts.iter().any(|f| f.location.is_some());
    let units: Vec<f64> = series
        .iter()
        .map(|s| s.values.iter().map(|v| v.max(0.0)).sum())
        .collect();
    let classes = abc_of_series(series);
    let header = header_of(&(Key::header(with_location), ClassRow::default()));
    write_atomic(path, |w| {
        write_csv(
            w,
            &header,
            series_index.iter().zip(forecasts).map(|(&i, f)| {
                let p = &f.profile;
                let row = ClassRow {
                    adi: p.adi,
                    cv2: p.cv2,
                    class: p.class.to_string(),
                    abc: format!("{:?}", classes[i]),
                    xyz: format!("{:?}", xyz(p.cv)),
                    units: units[i],
                    revenue: series[i].revenue,
                    censored_days: f.censored.days,
                    imputed_units: f.censored.imputed_units,
                };
                (key_of(f, with_location), row)
            }),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_names() {
        assert_eq!(quantile_column(0.1), "q10");
        assert_eq!(quantile_column(0.5), "q50");
        assert_eq!(quantile_column(0.025), "q2.5");
        assert_eq!(quantile_column(0.99), "q99");
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(fmt(2.0), "2");
        assert_eq!(fmt(0.123456), "0.1235");
        assert_eq!(fmt(-0.00001), "0");
    }
}
