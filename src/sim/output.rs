//! Writing `simulation.csv` (one row per SKU × policy × scenario) and
//! `simulation_portfolio.csv` (one row per policy × scenario), atomically.
//!
//! simulation.csv: `sku, [location], policy, scenario, customer, method, reorder_point,
//! order_quantity, order_up_to, analytic_fill_rate, analytic_cycle_service_level`, then every
//! KPI of [`super::kpi::KPI_NAMES`] followed by its 95% half-width (`<kpi>_ci95`).

use std::path::Path;

use super::{
    kpi::KPI_NAMES,
    run::{PortfolioRow, SimRow},
    CustomerMode,
};
use crate::{
    forecast::output::fmt,
    io::{atomic::write_atomic, rejects::csv_field, LoadError},
};

fn opt(v: Option<f64>) -> String {
    v.map(fmt).unwrap_or_default()
}

/// Writes `simulation.csv`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_simulation(path: &Path, rows: &[SimRow], mode: CustomerMode) -> Result<(), LoadError> {
    let loc = rows.iter().any(|r| r.location.is_some());
    write_atomic(path, |w| {
        write!(w, "sku,")?;
        if loc {
            write!(w, "location,")?;
        }
        write!(
            w,
            "policy,scenario,customer,method,reorder_point,order_quantity,order_up_to,analytic_fill_rate,analytic_cycle_service_level"
        )?;
        for k in KPI_NAMES {
            write!(w, ",{k},{k}_ci95")?;
        }
        writeln!(w)?;
        for r in rows {
            write!(w, "{},", csv_field(&r.sku))?;
            if loc {
                write!(w, "{},", csv_field(r.location.as_deref().unwrap_or("")))?;
            }
            write!(
                w,
                "{},{},{},{},{},{},{},{},{}",
                r.policy,
                csv_field(&r.scenario),
                mode.name(),
                r.design.method,
                opt(r.design.reorder_point),
                opt(r.design.order_quantity),
                opt(r.design.order_up_to),
                fmt(r.design.expected_fill_rate),
                fmt(r.design.expected_cycle_service_level),
            )?;
            for (m, h) in r.kpis.mean.iter().zip(&r.kpis.ci95) {
                write!(w, ",{},{}", fmt(*m), fmt(*h))?;
            }
            writeln!(w)?;
        }
        Ok(())
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
            "policy,scenario,skus,fill_rate,fill_rate_by_value,backorder_rate,cancellation_rate,lost_sales_rate,cycle_service_level,mean_wait_days,inventory_value,total_cost"
        )?;
        for r in rows {
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{},{},{}",
                r.policy,
                csv_field(&r.scenario),
                r.skus,
                fmt(r.fill_rate),
                fmt(r.fill_rate_by_value),
                fmt(r.backorder_rate),
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
