//! Writing the plan's outputs, atomically: `policy.csv`, `lead_times.csv`,
//! `recommendations.csv`, `recommendations.json` and `plan.json` (a summary).
//!
//! Column contracts (one row per SKU and location; empty cell = does not apply):
//!
//! - **policy.csv**: `sku, [location], supplier, class, abc, model, policy, method,
//!   service_measure, target, target_source, demand_mean_per_day, demand_sd_per_day,
//!   lead_time_mean_days, lead_time_sd_days, lead_time_source, review_period_days,
//!   protection_demand_mean, protection_demand_sd, safety_factor, safety_stock,
//!   reorder_point, order_quantity, order_up_to, order_rule, expected_fill_rate,
//!   expected_cycle_service_level, expected_backorders_per_cycle, annual_holding_cost,
//!   annual_ordering_cost, annual_total_cost, error, censored_days, imputed_units,
//!   safety_stock_rule, overrides`
//! - **lead_times.csv**: `sku, [location], supplier, source, own_receipts, receipts_used,
//!   mean_days, sd_days, p50_days, p90_days, p95_days, supplier_drifting`
//! - **recommendations.csv**: [`RECOMMENDATION_COLUMNS`], sorted by urgency.

use std::{collections::BTreeMap, path::Path};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Plan;
use crate::{
    io::cells::{fmt, key, key_header, opt},
    io::{atomic::write_atomic, rejects::csv_field, LoadError},
    recommend::{Action, Recommendation},
};

/// Columns of `recommendations.csv`, in order (`location` only when the data have one).
pub const RECOMMENDATION_COLUMNS: &[&str] = &[
    "sku",
    "location",
    "supplier",
    "action",
    "order_quantity",
    "order_value",
    "order_by",
    "expected_arrival_p50",
    "expected_arrival_p90",
    "inventory_position",
    "on_hand",
    "on_order",
    "backordered",
    "reorder_point",
    "order_up_to",
    "safety_stock",
    "demand_per_day",
    "next_arrival",
    "projected_stockout",
    "days_of_cover",
    "backorder_fill_date",
    "units_at_risk",
    "value_at_risk",
    "lead_time_source",
    "overrides",
    "reason",
];

fn date(v: Option<NaiveDate>) -> String {
    v.map(|d| d.to_string()).unwrap_or_default()
}

fn text(v: Option<&str>) -> String {
    csv_field(v.unwrap_or("")).into_owned()
}

/// Writes `policy.csv`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_policy(path: &Path, plan: &Plan) -> Result<(), LoadError> {
    let loc = plan.plans.iter().any(|p| p.location.is_some());
    write_atomic(path, |w| {
        write!(w, "{}", key_header(loc))?;
        writeln!(
            w,
            "supplier,class,abc,model,policy,method,service_measure,target,target_source,\
             demand_mean_per_day,demand_sd_per_day,lead_time_mean_days,lead_time_sd_days,\
             lead_time_source,review_period_days,protection_demand_mean,protection_demand_sd,\
             safety_factor,safety_stock,reorder_point,order_quantity,order_up_to,order_rule,\
             expected_fill_rate,expected_cycle_service_level,expected_backorders_per_cycle,\
             annual_holding_cost,annual_ordering_cost,annual_total_cost,error,\
             censored_days,imputed_units,safety_stock_rule,overrides"
        )?;
        for p in &plan.plans {
            write!(w, "{}", key(&p.sku, p.location.as_deref(), loc))?;
            write!(
                w,
                "{},{},{},{},",
                text(p.supplier.as_deref()),
                p.class.name(),
                p.abc.name(),
                csv_field(&p.model)
            )?;
            let lt = &p.lead_time.stats;
            let common = format!(
                "{},{},{},{},{},{},{},{}",
                p.measure.name(),
                fmt(p.target),
                csv_field(&p.target_source),
                fmt(p.demand_per_day),
                fmt(p.demand_sd_per_day),
                fmt(lt.mean),
                fmt(lt.sd),
                p.lead_time.source.name(),
            );
            let tail = format!(
                "{},{},{},{}",
                p.censored_days,
                fmt(p.imputed_units),
                csv_field(&p.safety_stock_rule),
                csv_field(&p.overrides.join("; "))
            );
            match &p.policy {
                Ok(o) => writeln!(
                    w,
                    "{},{},{common},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},,{tail}",
                    o.policy,
                    o.method,
                    fmt(p.review_period),
                    fmt(o.protection_demand_mean),
                    fmt(o.protection_demand_sd),
                    fmt(o.safety_factor),
                    fmt(o.safety_stock),
                    opt(o.reorder_point),
                    opt(o.order_quantity),
                    opt(o.order_up_to),
                    csv_field(&o.order_rule),
                    fmt(o.expected_fill_rate),
                    fmt(o.expected_cycle_service_level),
                    fmt(o.expected_backorders_per_cycle),
                    opt(o.annual_holding_cost),
                    opt(o.annual_ordering_cost),
                    opt(o.annual_total_cost),
                )?,
                Err(e) => writeln!(
                    w,
                    ",,{common},{},,,,,,,,,,,,,,,{},{tail}",
                    fmt(p.review_period),
                    csv_field(e)
                )?,
            }
        }
        Ok(())
    })
}

/// Writes `lead_times.csv`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_lead_times(path: &Path, plan: &Plan) -> Result<(), LoadError> {
    let loc = plan.plans.iter().any(|p| p.location.is_some());
    write_atomic(path, |w| {
        write!(w, "{}", key_header(loc))?;
        writeln!(
            w,
            "supplier,source,own_receipts,receipts_used,mean_days,sd_days,p50_days,p90_days,p95_days,supplier_drifting"
        )?;
        for p in &plan.plans {
            write!(w, "{}", key(&p.sku, p.location.as_deref(), loc))?;
            let s = &p.lead_time.stats;
            let drifting = p
                .supplier
                .as_deref()
                .is_some_and(|s| plan.lead_times.drift_of(s).is_some());
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{}",
                text(p.supplier.as_deref()),
                p.lead_time.source.name(),
                p.lead_time.own_receipts,
                s.count,
                fmt(s.mean),
                fmt(s.sd),
                fmt(s.p50),
                fmt(s.p90),
                fmt(s.p95),
                drifting
            )?;
        }
        Ok(())
    })
}

/// Writes `lead_time_histogram.csv`: per supplier, receipts per whole day of lead time
/// (`supplier, lead_time_days, receipts, p50_days, p90_days, supplier_drifting`; the
/// percentiles are of the exact sample, repeated on each of the supplier's rows).
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_lead_time_histogram(path: &Path, plan: &Plan) -> Result<(), LoadError> {
    write_atomic(path, |w| {
        writeln!(
            w,
            "supplier,lead_time_days,receipts,p50_days,p90_days,supplier_drifting"
        )?;
        for (supplier, st) in plan.lead_times.suppliers() {
            let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
            for v in &st.sample {
                *counts.entry(v.round() as i64).or_default() += 1;
            }
            let drifting = plan.lead_times.drift_of(supplier).is_some();
            for (days, n) in counts {
                writeln!(
                    w,
                    "{},{days},{n},{},{},{drifting}",
                    csv_field(supplier),
                    fmt(st.p50),
                    fmt(st.p90)
                )?;
            }
        }
        Ok(())
    })
}

/// Writes `recommendations.csv`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_recommendations_csv(path: &Path, recs: &[Recommendation]) -> Result<(), LoadError> {
    let loc = recs.iter().any(|r| r.location.is_some());
    write_atomic(path, |w| {
        let cols: Vec<&str> = RECOMMENDATION_COLUMNS
            .iter()
            .copied()
            .filter(|c| loc || *c != "location")
            .collect();
        writeln!(w, "{}", cols.join(","))?;
        for r in recs {
            write!(w, "{}", key(&r.sku, r.location.as_deref(), loc))?;
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                text(r.supplier.as_deref()),
                r.action.name(),
                fmt(r.order_quantity),
                opt(r.order_value),
                date(r.order_by),
                date(r.expected_arrival_p50),
                date(r.expected_arrival_p90),
                fmt(r.inventory_position),
                fmt(r.on_hand),
                fmt(r.on_order),
                fmt(r.backordered),
                opt(r.reorder_point),
                opt(r.order_up_to),
                opt(r.safety_stock),
                fmt(r.demand_per_day),
                date(r.next_arrival),
                date(r.projected_stockout),
                opt(r.days_of_cover),
                date(r.backorder_fill_date),
                fmt(r.units_at_risk),
                opt(r.value_at_risk),
                r.lead_time_source.name(),
                csv_field(&r.overrides),
                csv_field(&r.reason),
            )?;
        }
        Ok(())
    })
}

/// Counts and values per action and supplier: `plan.json` and the printed summary.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlanSummary {
    /// Planning date.
    pub planning_date: NaiveDate,
    /// Forecast horizon (buckets).
    pub horizon: usize,
    /// SKUs (and locations) planned.
    pub skus: usize,
    /// Rows per action.
    pub actions: BTreeMap<String, usize>,
    /// Per supplier: ORDER lines, units and value (at unit cost).
    pub orders_by_supplier: BTreeMap<String, SupplierOrder>,
    /// Suppliers whose recent lead times run above their historical p90.
    pub drifting_suppliers: Vec<String>,
    /// Safety-stock methods used (SKUs per method).
    pub methods: BTreeMap<String, usize>,
    /// SKUs whose policy could not be computed.
    pub policy_errors: usize,
}

/// One supplier's recommended order.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SupplierOrder {
    /// ORDER lines.
    pub lines: usize,
    /// Units.
    pub units: f64,
    /// Value at unit cost (lines without a unit cost count 0).
    pub value: f64,
}

impl PlanSummary {
    /// Summarises a plan.
    pub fn of(plan: &Plan) -> Self {
        let (actions, orders_by_supplier) = Self::tally(&plan.recommendations);
        let mut methods = BTreeMap::new();
        for p in &plan.plans {
            let m = p.policy.as_ref().map_or("error", |o| o.method);
            *methods.entry(m.to_string()).or_default() += 1;
        }
        Self {
            planning_date: plan.planning_date,
            horizon: plan.horizon,
            skus: plan.plans.len(),
            actions,
            orders_by_supplier,
            drifting_suppliers: plan
                .lead_times
                .drift
                .iter()
                .filter(|d| d.drifting)
                .map(|d| d.supplier.clone())
                .collect(),
            methods,
            policy_errors: plan.plans.iter().filter(|p| p.policy.is_err()).count(),
        }
    }

    /// SKUs per action (every action listed, zeros included) and the recommended orders per
    /// supplier (`(none)` without one; values rounded to cents after summing in the order
    /// given).
    pub fn tally(
        recommendations: &[Recommendation],
    ) -> (BTreeMap<String, usize>, BTreeMap<String, SupplierOrder>) {
        let mut actions = BTreeMap::new();
        for a in [
            Action::Expedite,
            Action::Order,
            Action::Review,
            Action::Ok,
            Action::Hold,
        ] {
            actions.insert(a.name().to_string(), 0);
        }
        let mut orders_by_supplier: BTreeMap<String, SupplierOrder> = BTreeMap::new();
        for r in recommendations {
            *actions.entry(r.action.name().to_string()).or_default() += 1;
            if r.action == Action::Order {
                let o = orders_by_supplier
                    .entry(r.supplier.clone().unwrap_or_else(|| "(none)".into()))
                    .or_default();
                o.lines += 1;
                o.units += r.order_quantity;
                o.value += r.order_value.unwrap_or(0.0);
            }
        }
        for o in orders_by_supplier.values_mut() {
            o.value = (o.value * 100.0).round() / 100.0;
        }
        (actions, orders_by_supplier)
    }

    /// A few lines for the terminal.
    pub fn table(&self) -> String {
        let mut out = format!(
            "planned {} SKUs for {} (forecast horizon {} buckets)\nactions: {}\n",
            self.skus,
            self.planning_date,
            self.horizon,
            self.actions
                .iter()
                .map(|(a, n)| format!("{a} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !self.orders_by_supplier.is_empty() {
            out.push_str("orders by supplier:\n");
            for (s, o) in &self.orders_by_supplier {
                out.push_str(&format!(
                    "  {s:<12} {:>4} lines {:>10.0} units {:>12.2} value\n",
                    o.lines, o.units, o.value
                ));
            }
        }
        if !self.drifting_suppliers.is_empty() {
            out.push_str(&format!(
                "lead-time drift: {}\n",
                self.drifting_suppliers.join(", ")
            ));
        }
        out
    }
}

#[derive(Serialize)]
struct RecommendationsFile<'a> {
    planning_date: NaiveDate,
    columns: &'a [&'a str],
    recommendations: &'a [Recommendation],
}

/// Writes `recommendations.json`: `{planning_date, columns, recommendations: [...]}` with the
/// same fields as the CSV (dates as `YYYY-MM-DD`, empty cells as `null`).
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_recommendations_json(
    path: &Path,
    planning_date: NaiveDate,
    recommendations: &[Recommendation],
) -> Result<(), LoadError> {
    let file = RecommendationsFile {
        planning_date,
        columns: RECOMMENDATION_COLUMNS,
        recommendations,
    };
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, &file).map_err(std::io::Error::other)?;
        writeln!(w)
    })
}

/// Writes `plan.json`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_summary(path: &Path, summary: &PlanSummary) -> Result<(), LoadError> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, summary).map_err(std::io::Error::other)?;
        writeln!(w)
    })
}

/// Writes every output of the plan stage into `dir`: forecast.csv, accuracy.csv, classes.csv,
/// policy.csv, lead_times.csv, lead_time_histogram.csv, validation.json, detail.json (the
/// report's per-SKU data for the `top_skus` SKUs by value at risk), recommendations.json,
/// recommendations.csv (last but one: purchasing imports it, so it only appears once the
/// rest is complete) and plan.json.
///
/// # Errors
/// [`LoadError::Write`] naming the file.
pub fn write_plan_outputs(
    dir: &Path,
    loaded: &crate::validate::Loaded,
    plan: &Plan,
    top_skus: usize,
) -> Result<PlanSummary, LoadError> {
    use super::detail::{top_by_risk, SkuDetail};
    use crate::forecast::output::{write_accuracy, write_classes, write_forecasts};
    use crate::io::atomic::write_json;
    let mut all: Vec<&crate::forecast::select::SkuForecast> =
        plan.forecasts.iter().chain(&plan.analogues).collect();
    all.sort_by(|a, b| (&a.sku, &a.location).cmp(&(&b.sku, &b.location)));
    let all: Vec<crate::forecast::select::SkuForecast> = all.into_iter().cloned().collect();
    write_forecasts(&dir.join("forecast.csv"), &all)?;
    write_accuracy(&dir.join("accuracy.csv"), &plan.forecasts)?;
    write_classes(
        &dir.join("classes.csv"),
        &loaded.series,
        &plan.forecasts,
        &plan.series_index,
    )?;
    write_policy(&dir.join("policy.csv"), plan)?;
    write_lead_times(&dir.join("lead_times.csv"), plan)?;
    write_lead_time_histogram(&dir.join("lead_time_histogram.csv"), plan)?;
    let json = serde_json::to_string_pretty(&loaded.report).expect("report serialises");
    write_atomic(&dir.join("validation.json"), |w| {
        w.write_all(json.as_bytes())
    })?;
    let series: BTreeMap<(&str, Option<&str>), &crate::calendar::DemandSeries> = loaded
        .series
        .iter()
        .map(|s| ((s.sku.as_str(), s.location.as_deref()), s))
        .collect();
    let forecasts: BTreeMap<(&str, Option<&str>), &crate::forecast::select::SkuForecast> = plan
        .forecasts
        .iter()
        .map(|f| ((f.sku.as_str(), f.location.as_deref()), f))
        .collect();
    let details: Vec<SkuDetail> = top_by_risk(&plan.recommendations, top_skus)
        .into_iter()
        .filter_map(|i| {
            let r = &plan.recommendations[i];
            let k = (r.sku.as_str(), r.location.as_deref());
            Some(SkuDetail::of(series.get(&k)?, forecasts.get(&k)?))
        })
        .collect();
    write_json(&dir.join("detail.json"), &details)?;
    write_recommendations_json(
        &dir.join("recommendations.json"),
        plan.planning_date,
        &plan.recommendations,
    )?;
    write_recommendations_csv(&dir.join("recommendations.csv"), &plan.recommendations)?;
    let summary = PlanSummary::of(plan);
    write_summary(&dir.join("plan.json"), &summary)?;
    Ok(summary)
}
