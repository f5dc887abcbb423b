//! Writing forecasts (`forecast.csv` or `.parquet`) and backtest accuracy (`accuracy.csv`),
//! atomically.
//!
//! forecast: `sku, [location], date, forecast, q10, q50, q90, model` — one row per SKU and
//! forecast bucket, `date` = bucket start, sorted by sku, location, date. Quantile columns are
//! named `q` + the level in percent (`q2.5` for 0.025).
//!
//! accuracy: `sku, [location], class, adi, cv2, model, mae, rmse, wape, bias, mase, rmsse,
//! smape, score, chosen, failure` — one row per SKU and candidate model.
//!
//! classes: `sku, [location], adi, cv2, class, abc, xyz, units, revenue` — one row per SKU.

use std::{io::Write, path::Path};

use polars::prelude::*;

use super::select::SkuForecast;
use crate::io::{
    atomic::{write_atomic, write_rows},
    rejects::csv_field,
    table::Format,
    LoadError,
};

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
            write!(w, "sku,")?;
            if with_location {
                write!(w, "location,")?;
            }
            write!(w, "date,forecast")?;
            for &p in &levels {
                write!(w, ",{}", quantile_column(p))?;
            }
            writeln!(w, ",model")?;
            write_rows(w, forecasts, |w, f| {
                let mut date = f.start;
                for h in 0..f.point.len() {
                    write!(w, "{},", csv_field(&f.sku))?;
                    if with_location {
                        write!(w, "{},", csv_field(f.location.as_deref().unwrap_or("")))?;
                    }
                    write!(w, "{date},{}", fmt(f.point[h]))?;
                    for q in &f.quantiles {
                        write!(w, ",{}", fmt(q[h]))?;
                    }
                    writeln!(w, ",{}", csv_field(&f.model))?;
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
    for f in forecasts {
        let mut d = f.start;
        for h in 0..f.point.len() {
            sku.push(f.sku.as_str());
            loc.push(f.location.as_deref());
            date.push(crate::io::parse::day_of(d) - crate::io::parse::UNIX_EPOCH_DAY);
            point.push(f.point[h]);
            for (q, col) in f.quantiles.iter().zip(qs.iter_mut()) {
                col.push(q[h]);
            }
            model.push(f.model.as_str());
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

/// Writes every candidate's backtest accuracy per SKU as CSV.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_accuracy(path: &Path, forecasts: &[SkuForecast]) -> Result<(), LoadError> {
    let with_location = forecasts.iter().any(|f| f.location.is_some());
    write_atomic(path, |w| {
        write!(w, "sku,")?;
        if with_location {
            write!(w, "location,")?;
        }
        writeln!(
            w,
            "class,adi,cv2,model,mae,rmse,wape,bias,mase,rmsse,smape,score,chosen,failure"
        )?;
        for f in forecasts {
            let rows: Vec<_> = if f.candidates.is_empty() {
                vec![None]
            } else {
                f.candidates.iter().map(Some).collect()
            };
            for c in rows {
                write!(w, "{},", csv_field(&f.sku))?;
                if with_location {
                    write!(w, "{},", csv_field(f.location.as_deref().unwrap_or("")))?;
                }
                write!(
                    w,
                    "{},{},{},",
                    f.profile.class,
                    fmt(f.profile.adi),
                    fmt(f.profile.cv2)
                )?;
                match c {
                    Some(c) => {
                        let e = &c.errors;
                        let num = |v: f64| if v.is_finite() { fmt(v) } else { String::new() };
                        writeln!(
                            w,
                            "{},{},{},{},{},{},{},{},{},{},{}",
                            csv_field(&c.model),
                            num(e.mae),
                            num(e.rmse),
                            num(e.wape),
                            num(e.bias),
                            num(e.mase),
                            num(e.rmsse),
                            num(e.smape),
                            num(c.score),
                            u8::from(c.chosen),
                            csv_field(c.failure.as_deref().unwrap_or(""))
                        )?;
                    }
                    None => writeln!(
                        w,
                        "{},,,,,,,,,1,{}",
                        csv_field(&f.model),
                        csv_field(&f.reason)
                    )?,
                }
            }
        }
        Ok(())
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
    write_atomic(path, |w| {
        write!(w, "sku,")?;
        if with_location {
            write!(w, "location,")?;
        }
        writeln!(
            w,
            "adi,cv2,class,abc,xyz,units,revenue,censored_days,imputed_units"
        )?;
        for (&i, f) in series_index.iter().zip(forecasts) {
            write!(w, "{},", csv_field(&f.sku))?;
            if with_location {
                write!(w, "{},", csv_field(f.location.as_deref().unwrap_or("")))?;
            }
            let p = &f.profile;
            let adi = if p.adi.is_finite() {
                fmt(p.adi)
            } else {
                String::new()
            };
            writeln!(
                w,
                "{adi},{},{},{:?},{:?},{},{},{},{}",
                fmt(p.cv2),
                p.class,
                classes[i],
                xyz(p.cv),
                fmt(units[i]),
                fmt(series[i].revenue),
                f.censored.days,
                fmt(f.censored.imputed_units)
            )?;
        }
        Ok(())
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
