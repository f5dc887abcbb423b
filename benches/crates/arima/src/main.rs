//! Fits one crate's automatic seasonal ARIMA (season 12) to every M1 monthly training
//! series and forecasts 18 months. Reads train.csv (unique_id,t,y), writes
//! unique_id,step,yhat,failed,secs. Timing: wall clock of fit + forecast, summed over series
//! (I/O excluded), one process, series one after another.
//! A series whose fit returns an error, panics, or gives a non-finite forecast counts as a
//! failure and gets the seasonal-naive forecast instead (failed = 1 in the output).
//!
//! Usage: arima-crates-bench CRATE TRAIN_CSV OUT_CSV   (CRATE: anofox | anofox-nsfallback | chronos |
//! chronos-mle, as built with the cargo features anofox and chronos)

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::panic;
use std::time::Instant;

const H: usize = 18;
const SEASON: usize = 12;

type Fit = fn(&[f64]) -> Result<Vec<f64>, String>;

#[cfg(feature = "anofox")]
fn fit_anofox(y: &[f64]) -> Result<Vec<f64>, String> {
    use anofox_forecast::models::arima::{AutoARIMA, AutoARIMAConfig};
    use anofox_forecast::models::Forecaster;
    use anofox_forecast::prelude::TimeSeries;
    use chrono::{Months, TimeZone, Utc};
    let start = Utc.with_ymd_and_hms(1900, 1, 1, 0, 0, 0).unwrap();
    let dates = (0..y.len())
        .map(|i| start.checked_add_months(Months::new(i as u32)).unwrap())
        .collect();
    let ts = TimeSeries::univariate(dates, y.to_vec()).map_err(|e| e.to_string())?;
    let mut model = AutoARIMA::with_config(AutoARIMAConfig::default().with_seasonal_period(SEASON));
    model.fit(&ts).map_err(|e| e.to_string())?;
    let fc = model.predict(H).map_err(|e| e.to_string())?;
    Ok(fc.primary().to_vec())
}

/// Variant: where the seasonal fit refuses a short series (under 3 seasons), the crate's own
/// non-seasonal AutoARIMA (seasonal_period 0) is fitted instead of counting a failure.
#[cfg(feature = "anofox")]
fn fit_anofox_nsfallback(y: &[f64]) -> Result<Vec<f64>, String> {
    use anofox_forecast::models::arima::{AutoARIMA, AutoARIMAConfig};
    use anofox_forecast::models::Forecaster;
    use anofox_forecast::prelude::TimeSeries;
    use chrono::{Months, TimeZone, Utc};
    if y.len() >= 3 * SEASON {
        return fit_anofox(y);
    }
    let start = Utc.with_ymd_and_hms(1900, 1, 1, 0, 0, 0).unwrap();
    let dates = (0..y.len())
        .map(|i| start.checked_add_months(Months::new(i as u32)).unwrap())
        .collect();
    let ts = TimeSeries::univariate(dates, y.to_vec()).map_err(|e| e.to_string())?;
    let mut model = AutoARIMA::with_config(AutoARIMAConfig::default());
    model.fit(&ts).map_err(|e| e.to_string())?;
    let fc = model.predict(H).map_err(|e| e.to_string())?;
    Ok(fc.primary().to_vec())
}

#[cfg(feature = "chronos")]
fn fit_chronos(y: &[f64]) -> Result<Vec<f64>, String> {
    chronos_with(y, chronos_ts::arima::EstimationMethod::Css)
}

/// Variant: exact Gaussian ML (Kalman filter) instead of the default CSS estimation.
#[cfg(feature = "chronos")]
fn fit_chronos_mle(y: &[f64]) -> Result<Vec<f64>, String> {
    chronos_with(y, chronos_ts::arima::EstimationMethod::Mle)
}

#[cfg(feature = "chronos")]
fn chronos_with(
    y: &[f64],
    estimation: chronos_ts::arima::EstimationMethod,
) -> Result<Vec<f64>, String> {
    use chronos_ts::arima::{auto_arima, AutoArimaOptions};
    let series = ndarray::Array1::from(y.to_vec());
    let opts = AutoArimaOptions {
        m: SEASON,
        estimation,
        ..Default::default()
    };
    let model = auto_arima(&series, opts).map_err(|e| e.to_string())?;
    Ok(model.forecast(&series, H).to_vec())
}

fn snaive(y: &[f64]) -> Vec<f64> {
    let n = y.len();
    (0..H)
        .map(|h| {
            if n >= SEASON {
                y[n - SEASON + h % SEASON]
            } else {
                y[n - 1]
            }
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: {} CRATE TRAIN_CSV OUT_CSV", args[0]);
        std::process::exit(2);
    }
    let fit: Fit = match args[1].as_str() {
        #[cfg(feature = "anofox")]
        "anofox" => fit_anofox,
        #[cfg(feature = "anofox")]
        "anofox-nsfallback" => fit_anofox_nsfallback,
        #[cfg(feature = "chronos")]
        "chronos" => fit_chronos,
        #[cfg(feature = "chronos")]
        "chronos-mle" => fit_chronos_mle,
        other => {
            eprintln!("crate {other} not built in (cargo features: anofox, chronos)");
            std::process::exit(2);
        }
    };
    let text = fs::read_to_string(&args[2]).expect("read train csv");
    let mut series: BTreeMap<String, Vec<(usize, f64)>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let mut f = line.split(',');
        let id = f.next().unwrap().to_string();
        let t: usize = f.next().unwrap().parse().unwrap();
        let y: f64 = f.next().unwrap().parse().unwrap();
        series.entry(id).or_default().push((t, y));
    }
    panic::set_hook(Box::new(|_| {})); // panics are counted, not printed
    let mut out = String::from("unique_id,step,yhat,failed,secs\n");
    let (mut total, mut failures) = (0.0f64, Vec::new());
    for (id, mut rows) in series {
        rows.sort_by_key(|r| r.0);
        let y: Vec<f64> = rows.into_iter().map(|r| r.1).collect();
        let t0 = Instant::now();
        let res = panic::catch_unwind(|| fit(&y));
        let secs = t0.elapsed().as_secs_f64();
        total += secs;
        let (fc, failed) = match res {
            Ok(Ok(f)) if f.len() == H && f.iter().all(|v| v.is_finite()) => (f, false),
            Ok(Ok(f)) => {
                failures.push(format!("{id}: bad forecast (len {}, non-finite)", f.len()));
                (snaive(&y), true)
            }
            Ok(Err(e)) => {
                failures.push(format!("{id}: error: {e}"));
                (snaive(&y), true)
            }
            Err(_) => {
                failures.push(format!("{id}: panic"));
                (snaive(&y), true)
            }
        };
        for (h, v) in fc.iter().enumerate() {
            out.push_str(&format!("{id},{h},{v:.17e},{},{secs:.6}\n", failed as u8));
        }
    }
    fs::File::create(&args[3])
        .unwrap()
        .write_all(out.as_bytes())
        .unwrap();
    for f in &failures {
        eprintln!("{f}");
    }
    println!(
        "{}: {} failures, fit+forecast {:.2} s (sum over series)",
        args[1],
        failures.len(),
        total
    );
}
