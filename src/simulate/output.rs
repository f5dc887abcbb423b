//! Writing `simulation.csv` (one row per SKU × policy × scenario) and
//! `simulation_portfolio.csv` (one row per policy × scenario), atomically.
//!
//! simulation.csv: `sku, [location], policy, scenario, customer, method, reorder_point,
//! order_quantity, order_up_to, analytic_fill_rate, analytic_cycle_service_level`, then every
//! KPI of [`crate::sim::kpi::KPI_NAMES`] followed by its 95% half-width (`<kpi>_ci95`).

use std::{io::Write, path::Path};

use super::{OptimisedRow, PortfolioRow, RollupRow, SimRow};
use crate::policy::PolicyKind;
use crate::sim::{
    kpi::{KpiSummary, KPI_NAMES},
    CustomerMode, SimPolicy,
};
use crate::{
    io::cells::{fmt, key, key_header, opt},
    io::{
        atomic::{write_atomic, write_rows},
        rejects::csv_field,
        LoadError,
    },
};

/// Writes a shard's `simulation_rollup.csv`: per simulated row, `sku, location, policy,
/// scenario, unit_cost` and the KPIs of [`RollupRow::KPIS`], numbers in Rust's shortest
/// round-trip form (exact when read back), for `replenish merge`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_rollup(path: &Path, rows: &[SimRow]) -> Result<(), LoadError> {
    write_atomic(path, |w| {
        writeln!(
            w,
            "sku,location,policy,scenario,unit_cost,{}",
            RollupRow::KPIS.join(",")
        )?;
        for r in rows.iter().map(RollupRow::of) {
            write!(
                w,
                "{},{},{},{},{}",
                csv_field(&r.sku),
                csv_field(r.location.as_deref().unwrap_or("")),
                csv_field(&r.policy),
                csv_field(&r.scenario),
                r.unit_cost
            )?;
            for v in r.kpis {
                write!(w, ",{v}")?;
            }
            writeln!(w)?;
        }
        Ok(())
    })
}

/// Reads a file written by [`write_rollup`]. An empty location cell is no location.
///
/// # Errors
/// A message naming the file, line and cell that cannot be read.
pub fn read_rollup(path: &Path) -> Result<Vec<RollupRow>, String> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        let line = n + 2;
        let rec = rec.map_err(|e| format!("{}: line {line}: {e}", path.display()))?;
        let num = |i: usize| -> Result<f64, String> {
            let cell = rec.get(i).unwrap_or("");
            cell.parse().map_err(|_| {
                format!(
                    "{}: line {line}, column {}: '{cell}' is not a number",
                    path.display(),
                    i + 1
                )
            })
        };
        let text = |i: usize| rec.get(i).unwrap_or("").to_string();
        let mut kpis = [0.0; 9];
        for (k, v) in kpis.iter_mut().enumerate() {
            *v = num(5 + k)?;
        }
        rows.push(RollupRow {
            sku: text(0),
            location: Some(text(1)).filter(|l| !l.is_empty()),
            policy: text(2),
            scenario: text(3),
            unit_cost: num(4)?,
            kpis,
        });
    }
    Ok(rows)
}

/// Writes `simulation.csv`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_simulation(path: &Path, rows: &[SimRow], mode: CustomerMode) -> Result<(), LoadError> {
    let loc = rows.iter().any(|r| r.location.is_some());
    write_atomic(path, |w| {
        write!(w, "{}", key_header(loc))?;
        write!(
            w,
            "policy,scenario,customer,method,replications,reorder_point,order_quantity,order_up_to,analytic_fill_rate,analytic_cycle_service_level"
        )?;
        for k in KPI_NAMES {
            write!(w, ",{k},{k}_ci95")?;
        }
        writeln!(w)?;
        write_rows(w, rows, |w, r| {
            write!(w, "{}", key(&r.sku, r.location.as_deref(), loc))?;
            write!(
                w,
                "{},{},{},{},{},{},{},{},{},{}",
                r.policy,
                csv_field(&r.scenario),
                mode.name(),
                r.design.method,
                r.kpis.replications,
                opt(r.design.reorder_point),
                opt(r.design.order_quantity),
                opt(r.design.order_up_to),
                fmt(r.design.expected_fill_rate),
                fmt(r.design.expected_cycle_service_level),
            )?;
            for (m, h) in r.kpis.mean.iter().zip(&r.kpis.ci95) {
                write!(w, ",{},{}", fmt(*m), fmt(*h))?;
            }
            writeln!(w)
        })
    })
}

/// Writes `simulation_portfolio.csv`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_portfolio(path: &Path, rows: &[PortfolioRow]) -> Result<(), LoadError> {
    write_atomic(path, |w| {
        writeln!(
            w,
            "policy,scenario,skus,fill_rate,fill_rate_by_value,backorder_rate,backorder_rate_by_value,cancellation_rate,lost_sales_rate,cycle_service_level,mean_wait_days,inventory_value,total_cost"
        )?;
        for r in rows {
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                r.policy,
                csv_field(&r.scenario),
                r.skus,
                fmt(r.fill_rate),
                fmt(r.fill_rate_by_value),
                fmt(r.backorder_rate),
                fmt(r.backorder_rate_by_value),
                fmt(r.cancellation_rate),
                fmt(r.lost_sales_rate),
                fmt(r.cycle_service_level),
                fmt(r.mean_wait_days),
                fmt(r.inventory_value),
                fmt(r.total_cost),
            )?;
        }
        Ok(())
    })
}

fn levels(p: &SimPolicy) -> String {
    let (s, q, big_s) = match p.kind {
        PolicyKind::SQ => (Some(p.reorder_point), Some(p.order_quantity), None),
        PolicyKind::RS => (None, None, Some(p.order_up_to)),
        _ => (Some(p.reorder_point), None, Some(p.order_up_to)),
    };
    format!("{},{},{}", opt(s), opt(q), opt(big_s))
}

fn level(p: &SimPolicy) -> f64 {
    match p.kind {
        PolicyKind::RS => p.order_up_to,
        _ => p.reorder_point,
    }
}

fn cost(k: &KpiSummary) -> f64 {
    k.get("holding_cost") + k.get("ordering_cost")
}

/// Writes `optimised.csv`: per SKU and family, the analytic and the simulation-optimised
/// levels side by side with their simulated fill rate (± 95%) and holding + ordering cost
/// per year; `level_change` = optimised − analytic protection level (s, or S for `RS`):
/// negative where the formula over-stocks, positive where it under-stocks.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_optimised(path: &Path, rows: &[OptimisedRow]) -> Result<(), LoadError> {
    let loc = rows.iter().any(|r| r.location.is_some());
    write_atomic(path, |w| {
        write!(w, "{}", key_header(loc))?;
        writeln!(
            w,
            "policy,target_fill_rate,analytic_reorder_point,analytic_order_quantity,analytic_order_up_to,\
             analytic_fill_rate,analytic_fill_rate_ci95,analytic_cost,optimised_reorder_point,\
             optimised_order_quantity,optimised_order_up_to,optimised_fill_rate,\
             optimised_fill_rate_ci95,optimised_cost,met,level_change,evaluations"
        )?;
        for r in rows {
            write!(w, "{}", key(&r.sku, r.location.as_deref(), loc))?;
            let (a, o) = (&r.analytic_kpis, &r.result.kpis);
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                r.policy,
                fmt(r.target),
                levels(&r.analytic),
                fmt(a.get("fill_rate")),
                fmt(a.half_width("fill_rate")),
                fmt(cost(a)),
                levels(&r.optimised),
                fmt(o.get("fill_rate")),
                fmt(o.half_width("fill_rate")),
                fmt(cost(o)),
                r.result.met,
                fmt(level(&r.optimised) - level(&r.analytic)),
                r.result.evaluations,
            )?;
        }
        Ok(())
    })
}

/// A terminal table of the portfolio rows.
pub fn portfolio_table(rows: &[PortfolioRow]) -> String {
    let mut out = format!(
        "{:<8} {:<22} {:>6} {:>9} {:>10} {:>9} {:>9} {:>9} {:>14} {:>12}\n",
        "policy",
        "scenario",
        "SKUs",
        "fill",
        "backorder",
        "cancel",
        "lost",
        "wait d",
        "stock value",
        "cost/yr"
    );
    for r in rows {
        out.push_str(&format!(
            "{:<8} {:<22} {:>6} {:>8.2}% {:>9.2}% {:>8.2}% {:>8.2}% {:>9.1} {:>14.0} {:>12.0}\n",
            r.policy,
            r.scenario,
            r.skus,
            100.0 * r.fill_rate,
            100.0 * r.backorder_rate,
            100.0 * r.cancellation_rate,
            100.0 * r.lost_sales_rate,
            r.mean_wait_days,
            r.inventory_value,
            r.total_cost
        ));
    }
    out
}
