//! `replenish forecast`: load and validate the sales, forecast every SKU, write forecast,
//! accuracy and rejects files.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{bail, Context, Result};
use clap::Args;
use replenish::{
    config::{ConfigPatch, ForecastConfig},
    forecast::{
        calibrate::QuantileMethod,
        censor::Censoring,
        combine::{CombineMethod, Selection},
        evaluate::evaluate_holdout,
        output::{write_accuracy, write_classes, write_forecasts},
        select::forecast_all,
        ModelSpec,
    },
    pipeline::health::Health,
    validate::load_and_validate,
};

use super::{config_from, Global, InputArgs};

/// Arguments of `replenish forecast`.
#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// Inputs and settings (only the sales file is used).
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Buckets to forecast.
    #[arg(long, default_value_t = 28)]
    pub horizon: usize,
    /// Forecast file (.csv or .parquet); accuracy.csv, classes.csv and rejects.csv go beside it.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "reports/forecast/forecast.csv"
    )]
    pub out: PathBuf,
    /// `auto` (candidates by demand class) or a comma-separated list, e.g. `ses,sba,tsb`;
    /// one model forces it.
    #[arg(long, default_value = "auto")]
    pub models: String,
    /// Quantile levels, comma-separated, in (0, 1).
    #[arg(long, default_value = "0.1,0.5,0.9")]
    pub quantiles: String,
    /// Seasonal period in buckets (default: 7 for day, 52 for week, 12 for month).
    #[arg(long)]
    pub season: Option<usize>,
    /// Backtest origins for selection; 0 = no backtest (first listed model, no selection).
    /// The quantiles use the chosen model's errors at twice as many origins.
    #[arg(long, default_value_t = 3)]
    pub folds: usize,
    /// Combine the best K candidates as one more candidate (0 = off).
    #[arg(long, default_value_t = 3)]
    pub combine: usize,
    /// How the best K combine: `inverse_error` (weights 1/backtest score), `mean` or `median`.
    /// Default: `[forecast] combine_method`, else inverse_error.
    #[arg(long, value_name = "METHOD")]
    pub combine_method: Option<CombineMethod>,
    /// Which models a SKU's forecast combines: `pooled` (the catalogue's best K per demand
    /// class, ranked by mean backtest score) or `per_sku` (each SKU's own best by its
    /// backtest). Default: `[forecast] selection`, else per_sku for daily buckets and pooled
    /// for weekly and monthly ones.
    #[arg(long, value_name = "RULE")]
    pub selection: Option<Selection>,
    /// Quantiles from the backtest errors: `conformal` (per horizon group, whole numbers for
    /// count data) or `pooled`. Default: `[forecast] quantile_method`, else conformal.
    #[arg(long, value_name = "METHOD")]
    pub quantile_method: Option<QuantileMethod>,
    /// Do not train the learned global model (it is offered to every SKU by default).
    #[arg(long)]
    pub no_global: bool,
    /// Re-estimate holt, ets and theta parameters at every backtest origin (default: at the oldest
    /// origin, re-solving only the initial states at later ones; `[forecast] recalibrate`).
    #[arg(long)]
    pub recalibrate: bool,
    /// Stockout days: `impute` (the stocked-out share of a bucket takes the local uncensored
    /// level) or `ignore` (sales taken as demand). Default: `[forecast] censoring`, else impute.
    #[arg(long, value_name = "MODE")]
    pub censoring: Option<Censoring>,
    /// Also hide the last N buckets, forecast them from the rest, and print accuracy and
    /// quantile coverage per demand class (written to holdout.json beside the forecast).
    #[arg(long, value_name = "N")]
    pub holdout: Option<usize>,
}

fn parse_models(text: &str) -> Result<Option<Vec<ModelSpec>>> {
    if text.trim().eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    // Split on commas outside parentheses: `tsb(0.1,0.2),ses`.
    let mut parts = Vec::new();
    let (mut depth, mut cur) = (0, String::new());
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    let specs = parts
        .iter()
        .map(|p| p.parse::<ModelSpec>())
        .collect::<Result<Vec<_>, _>>()
        .context("reading --models")?;
    Ok(Some(specs))
}

fn parse_quantiles(text: &str) -> Result<Vec<f64>> {
    let mut qs = Vec::new();
    for part in text.split(',') {
        let p: f64 = part
            .trim()
            .parse()
            .with_context(|| format!("--quantiles: '{part}' is not a number"))?;
        if !(p > 0.0 && p < 1.0) {
            bail!("--quantiles: {p} is not in (0, 1); write levels such as 0.1,0.5,0.9");
        }
        qs.push(p);
    }
    qs.sort_by(f64::total_cmp);
    qs.dedup();
    Ok(qs)
}

/// Runs the forecast stage.
///
/// # Errors
/// Invalid arguments, input problems, or write failures.
pub fn run(args: &ForecastArgs, global: &Global) -> Result<ExitCode> {
    if args.horizon == 0 {
        bail!("--horizon should be at least 1 bucket");
    }
    let config = config_from(&args.inputs, ConfigPatch::default())?;
    let dir = args
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let mut config = config;
    config.inputs.purchase_orders = None;
    config.inputs.inventory = None;
    config.inputs.items = None;
    // Overrides and events steer `plan` and `run`; `forecast` is the models' own view.
    config.inputs.overrides = None;
    config.inputs.events = None;
    // Nor does purchasing: without the item master no input names a supplier or category, so
    // its budgets and supplier terms (checked against the inputs) are left out too.
    config.suppliers.clear();
    config.purchasing = Default::default();
    let loaded = load_and_validate(&config, &dir)?;
    // `forecast`'s flags have their own defaults (they do not fall back to `[forecast]`),
    // except the stockout treatment, the global model and recalibration.
    let settings = ForecastConfig {
        horizon: args.horizon,
        season: args.season,
        folds: args.folds,
        quantiles: parse_quantiles(&args.quantiles)?,
        models: parse_models(&args.models)?,
        combine: args.combine,
        combine_method: args
            .combine_method
            .unwrap_or(config.forecast.combine_method),
        selection: args.selection.or(config.forecast.selection),
        quantile_method: args
            .quantile_method
            .unwrap_or(config.forecast.quantile_method),
        censoring: args.censoring.unwrap_or(config.forecast.censoring),
        global: config.forecast.global && !args.no_global,
        recalibrate: config.forecast.recalibrate || args.recalibrate,
    }
    .settings(config.calendar.freq);
    let clock = std::time::Instant::now();
    let forecasts = forecast_all(&loaded.series, &settings);
    let secs = clock.elapsed().as_secs_f64();
    if global.verbose >= 1 {
        for (step, t) in &loaded.report.timings {
            eprintln!("{step:<22} {t:>8.3} s");
        }
        eprintln!("{:<22} {secs:>8.3} s", "forecast");
    }
    write_forecasts(&args.out, &forecasts)?;
    write_accuracy(&dir.join("accuracy.csv"), &forecasts)?;
    let index: Vec<usize> = (0..forecasts.len()).collect();
    write_classes(&dir.join("classes.csv"), &loaded.series, &forecasts, &index)?;
    if !global.quiet {
        let mut by_model = std::collections::BTreeMap::<String, usize>::new();
        for f in &forecasts {
            let family = f.model.family().to_string();
            *by_model.entry(family).or_default() += 1;
        }
        outln!(
            "forecast {} series x {} {} buckets in {secs:.4} s ({:.0} series/s)",
            forecasts.len(),
            settings.horizon,
            config.calendar.freq,
            forecasts.len() as f64 / secs.max(1e-9)
        );
        let models: Vec<String> = by_model.iter().map(|(m, n)| format!("{m} {n}")).collect();
        outln!("chosen models: {}", models.join(", "));
        let notes = forecasts.iter().filter(|f| !f.reason.is_empty()).count();
        if notes > 0 {
            outln!("{notes} series carry a note (see accuracy.csv, column failure)");
        }
        outln!(
            "wrote {}, {}, {}",
            args.out.display(),
            dir.join("accuracy.csv").display(),
            dir.join("classes.csv").display()
        );
    }
    if let Some(n) = args.holdout.filter(|&n| n > 0) {
        let report = evaluate_holdout(&loaded.series, &settings, n);
        if !global.quiet {
            out!("{}", report.table());
        }
        let json = serde_json::to_string_pretty(&report)?;
        replenish::io::atomic::write_atomic(&dir.join("holdout.json"), |w| {
            w.write_all(json.as_bytes())
        })?;
    }
    Ok(super::finish(
        &Health::of_inputs(&loaded),
        &dir,
        "policy.csv",
        global,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_lists_split_outside_parentheses() {
        let m = parse_models("tsb(0.1,0.2), ses").unwrap().unwrap();
        assert_eq!(m.len(), 2);
        assert!(parse_models("auto").unwrap().is_none());
        assert_eq!(parse_models("ses,arima").unwrap().unwrap().len(), 2);
        assert!(parse_models("ses,prophet").is_err());
    }

    #[test]
    fn quantile_levels_are_checked() {
        assert_eq!(parse_quantiles("0.9,0.1").unwrap(), vec![0.1, 0.9]);
        assert!(parse_quantiles("90").is_err());
    }
}
