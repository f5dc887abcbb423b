//! Writing `simulation.csv` (one row per SKU × policy × scenario),
//! `simulation_portfolio.csv` (one row per policy × scenario), `optimised.csv` and a shard's
//! `simulation_rollup.csv`, atomically.
//!
//! Each file's columns are defined once, by its row struct: [`SimulationRow`] (then every KPI
//! of [`crate::sim::kpi::KPI_NAMES`] followed by its 95% half-width `<kpi>_ci95`),
//! [`SimulationPortfolioRow`], [`OptimisedLevelsRow`] and [`RollupFileRow`], after the key
//! columns ([`Key`]) where the file is per SKU.

use std::path::Path;

use serde::{ser::SerializeTuple, Deserialize, Serialize, Serializer};

use super::{OptimisedRow, PortfolioRow, RollupRow, SimRow};
use crate::sim::{
    kpi::{KpiSummary, KPI_NAMES},
    CustomerMode, SimPolicy,
};
use crate::{
    io::cells::{fmt, header_of, num, opt_num, write_csv, Key},
    io::{
        atomic::{write_atomic, write_csv_rows},
        LoadError,
    },
};

/// Serde helper: a number in Rust's shortest round-trip form (exact when read back).
fn exact<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

/// One row of a shard's `simulation_rollup.csv`: what `replenish merge` needs to roll the
/// catalogue's portfolio up exactly (numbers in shortest round-trip form). The KPI columns are
/// [`RollupRow::KPIS`], in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RollupFileRow {
    /// SKU.
    pub sku: String,
    /// Location (empty cell without one).
    pub location: Option<String>,
    /// Policy family.
    pub policy: String,
    /// Scenario.
    pub scenario: String,
    /// Unit cost.
    #[serde(serialize_with = "exact")]
    pub unit_cost: f64,
    /// Demand per year.
    #[serde(serialize_with = "exact")]
    pub demand_per_year: f64,
    /// Fill rate.
    #[serde(serialize_with = "exact")]
    pub fill_rate: f64,
    /// Backorder rate.
    #[serde(serialize_with = "exact")]
    pub backorder_rate: f64,
    /// Cancellation rate.
    #[serde(serialize_with = "exact")]
    pub cancellation_rate: f64,
    /// Lost-sales rate.
    #[serde(serialize_with = "exact")]
    pub lost_sales_rate: f64,
    /// Cycle service level.
    #[serde(serialize_with = "exact")]
    pub cycle_service_level: f64,
    /// Mean wait, days.
    #[serde(serialize_with = "exact")]
    pub mean_wait_days: f64,
    /// Mean on hand.
    #[serde(serialize_with = "exact")]
    pub mean_on_hand: f64,
    /// Total cost per year.
    #[serde(serialize_with = "exact")]
    pub total_cost: f64,
}

impl From<RollupRow> for RollupFileRow {
    fn from(r: RollupRow) -> Self {
        let [demand_per_year, fill_rate, backorder_rate, cancellation_rate, lost_sales_rate, cycle_service_level, mean_wait_days, mean_on_hand, total_cost] =
            r.kpis;
        Self {
            sku: r.sku,
            location: r.location,
            policy: r.policy,
            scenario: r.scenario,
            unit_cost: r.unit_cost,
            demand_per_year,
            fill_rate,
            backorder_rate,
            cancellation_rate,
            lost_sales_rate,
            cycle_service_level,
            mean_wait_days,
            mean_on_hand,
            total_cost,
        }
    }
}

impl From<RollupFileRow> for RollupRow {
    fn from(r: RollupFileRow) -> Self {
        Self {
            sku: r.sku,
            location: r.location.filter(|l| !l.is_empty()),
            policy: r.policy,
            scenario: r.scenario,
            unit_cost: r.unit_cost,
            kpis: [
                r.demand_per_year,
                r.fill_rate,
                r.backorder_rate,
                r.cancellation_rate,
                r.lost_sales_rate,
                r.cycle_service_level,
                r.mean_wait_days,
                r.mean_on_hand,
                r.total_cost,
            ],
        }
    }
}

/// Writes a shard's `simulation_rollup.csv` ([`RollupFileRow`]), for `replenish merge`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_rollup(path: &Path, rows: &[SimRow]) -> Result<(), LoadError> {
    let header = header_of(&RollupFileRow::default());
    write_atomic(path, |w| {
        write_csv(
            w,
            &header,
            rows.iter().map(|r| RollupFileRow::from(RollupRow::of(r))),
        )
    })
}

/// Reads a file written by [`write_rollup`]. An empty location cell is no location.
///
/// # Errors
/// A message naming the file, line and cell that cannot be read.
pub fn read_rollup(path: &Path) -> Result<Vec<RollupRow>, String> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let header = reader
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .clone();
    let mut rows = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        let line = n + 2;
        let rec = rec.map_err(|e| format!("{}: line {line}: {e}", path.display()))?;
        let row: RollupFileRow = rec.deserialize(Some(&header)).map_err(|e| {
            let i = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err.field().unwrap_or(0) as usize,
                _ => 0,
            };
            format!(
                "{}: line {line}, column {}: '{}' is not a number",
                path.display(),
                i + 1,
                rec.get(i).unwrap_or("")
            )
        })?;
        rows.push(row.into());
    }
    Ok(rows)
}

/// One row of `simulation.csv` after the key columns and before the KPI columns (each KPI of
/// [`KPI_NAMES`] and its `<kpi>_ci95`, see [`KpiCells`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimulationRow {
    /// Policy family compared.
    pub policy: String,
    /// Scenario.
    pub scenario: String,
    /// Customer behaviour (backorder, lost sales, …).
    pub customer: String,
    /// Safety-stock method of the analytic design.
    pub method: String,
    /// Replications.
    pub replications: usize,
    /// Reorder point simulated.
    #[serde(serialize_with = "opt_num")]
    pub reorder_point: Option<f64>,
    /// Order quantity simulated.
    #[serde(serialize_with = "opt_num")]
    pub order_quantity: Option<f64>,
    /// Order-up-to level simulated.
    #[serde(serialize_with = "opt_num")]
    pub order_up_to: Option<f64>,
    /// The design's analytic fill rate.
    #[serde(serialize_with = "num")]
    pub analytic_fill_rate: f64,
    /// The design's analytic cycle service level.
    #[serde(serialize_with = "num")]
    pub analytic_cycle_service_level: f64,
}

/// The KPI cells of a `simulation.csv` row: each KPI's mean then its 95% half-width, in
/// [`KPI_NAMES`] order.
pub struct KpiCells<'a>(pub &'a KpiSummary);

impl KpiCells<'_> {
    /// Their column names.
    pub fn columns() -> Vec<String> {
        KPI_NAMES
            .iter()
            .flat_map(|k| [k.to_string(), format!("{k}_ci95")])
            .collect()
    }
}

impl Serialize for KpiCells<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let k = self.0;
        let mut t = s.serialize_tuple(2 * k.mean.len())?;
        for (m, h) in k.mean.iter().zip(&k.ci95) {
            t.serialize_element(&fmt(*m))?;
            t.serialize_element(&fmt(*h))?;
        }
        t.end()
    }
}

/// The columns of `simulation.csv`.
pub fn simulation_columns(with_location: bool) -> Vec<String> {
    let mut h = header_of(&(Key::header(with_location), SimulationRow::default()));
    h.extend(KpiCells::columns());
    h
}

/// Writes `simulation.csv`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_simulation(path: &Path, rows: &[SimRow], mode: CustomerMode) -> Result<(), LoadError> {
    let loc = rows.iter().any(|r| r.location.is_some());
    write_atomic(path, |w| {
        write_csv(w, &simulation_columns(loc), std::iter::empty::<()>())?;
        write_csv_rows(w, rows, |out, r| {
            let row = SimulationRow {
                policy: r.policy.clone(),
                scenario: r.scenario.clone(),
                customer: mode.name().to_string(),
                method: r.design.method.to_string(),
                replications: r.kpis.replications,
                reorder_point: r.design.reorder_point(),
                order_quantity: r.design.order_quantity(),
                order_up_to: r.design.order_up_to(),
                analytic_fill_rate: r.design.expected_fill_rate,
                analytic_cycle_service_level: r.design.expected_cycle_service_level,
            };
            let key = Key::new(&r.sku, r.location.as_deref(), loc);
            out.serialize((key, row, KpiCells(&r.kpis)))
        })
    })
}

/// One row of `simulation_portfolio.csv`: a [`PortfolioRow`] as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimulationPortfolioRow {
    /// Policy family.
    pub policy: String,
    /// Scenario.
    pub scenario: String,
    /// SKUs rolled up.
    pub skus: usize,
    /// Fill rate weighted by demand.
    #[serde(serialize_with = "num")]
    pub fill_rate: f64,
    /// Fill rate weighted by demand value.
    #[serde(serialize_with = "num")]
    pub fill_rate_by_value: f64,
    /// Backorder rate weighted by demand.
    #[serde(serialize_with = "num")]
    pub backorder_rate: f64,
    /// Backorder rate weighted by demand value.
    #[serde(serialize_with = "num")]
    pub backorder_rate_by_value: f64,
    /// Cancellation rate.
    #[serde(serialize_with = "num")]
    pub cancellation_rate: f64,
    /// Lost-sales rate.
    #[serde(serialize_with = "num")]
    pub lost_sales_rate: f64,
    /// Cycle service level.
    #[serde(serialize_with = "num")]
    pub cycle_service_level: f64,
    /// Mean wait of backordered units, days.
    #[serde(serialize_with = "num")]
    pub mean_wait_days: f64,
    /// Mean inventory value.
    #[serde(serialize_with = "num")]
    pub inventory_value: f64,
    /// Total cost per year.
    #[serde(serialize_with = "num")]
    pub total_cost: f64,
}

impl SimulationPortfolioRow {
    /// The row of a portfolio roll-up.
    pub fn of(r: &PortfolioRow) -> Self {
        Self {
            policy: r.policy.clone(),
            scenario: r.scenario.clone(),
            skus: r.skus,
            fill_rate: r.fill_rate,
            fill_rate_by_value: r.fill_rate_by_value,
            backorder_rate: r.backorder_rate,
            backorder_rate_by_value: r.backorder_rate_by_value,
            cancellation_rate: r.cancellation_rate,
            lost_sales_rate: r.lost_sales_rate,
            cycle_service_level: r.cycle_service_level,
            mean_wait_days: r.mean_wait_days,
            inventory_value: r.inventory_value,
            total_cost: r.total_cost,
        }
    }
}

/// Writes `simulation_portfolio.csv`.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_portfolio(path: &Path, rows: &[PortfolioRow]) -> Result<(), LoadError> {
    let header = header_of(&SimulationPortfolioRow::default());
    write_atomic(path, |w| {
        write_csv(w, &header, rows.iter().map(SimulationPortfolioRow::of))
    })
}

/// The levels of a simulated policy that apply to its family: (s, Q, S).
fn levels(p: &SimPolicy) -> [Option<f64>; 3] {
    let l = &p.levels;
    [l.reorder_point(), l.order_quantity(), l.order_up_to()]
}

/// The protection level: S for `RS`, else s.
fn level(p: &SimPolicy) -> f64 {
    p.trigger_level()
}

fn cost(k: &KpiSummary) -> f64 {
    k.get("holding_cost") + k.get("ordering_cost")
}

/// One row of `optimised.csv` after the key columns: the promise searched for (service
/// measure, customer behaviour, target) and the analytic and the simulation-optimised levels'
/// simulated service in that measure; then the levels side by side with their simulated fill
/// rate (± 95%) and
/// holding + ordering cost per year; `level_change` = optimised − analytic protection level
/// (s, or S for `RS`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OptimisedLevelsRow {
    /// Policy family.
    pub policy: String,
    /// The measure the target is in and the search aimed at: `cycle` or `fill_rate`.
    pub service_measure: String,
    /// The customer behaviour searched under (`[policy] design_customer`).
    pub customer: String,
    /// The SKU's service target.
    #[serde(serialize_with = "num")]
    pub target: f64,
    /// Simulated service of the analytic levels in `service_measure`.
    #[serde(serialize_with = "num")]
    pub analytic_service: f64,
    /// Simulated service of the optimised levels in `service_measure`.
    #[serde(serialize_with = "num")]
    pub optimised_service: f64,
    /// Analytic s.
    #[serde(serialize_with = "opt_num")]
    pub analytic_reorder_point: Option<f64>,
    /// Analytic Q.
    #[serde(serialize_with = "opt_num")]
    pub analytic_order_quantity: Option<f64>,
    /// Analytic S.
    #[serde(serialize_with = "opt_num")]
    pub analytic_order_up_to: Option<f64>,
    /// Simulated fill rate of the analytic levels.
    #[serde(serialize_with = "num")]
    pub analytic_fill_rate: f64,
    /// Its 95% half-width.
    #[serde(serialize_with = "num")]
    pub analytic_fill_rate_ci95: f64,
    /// Holding + ordering cost per year of the analytic levels.
    #[serde(serialize_with = "num")]
    pub analytic_cost: f64,
    /// Optimised s.
    #[serde(serialize_with = "opt_num")]
    pub optimised_reorder_point: Option<f64>,
    /// Optimised Q.
    #[serde(serialize_with = "opt_num")]
    pub optimised_order_quantity: Option<f64>,
    /// Optimised S.
    #[serde(serialize_with = "opt_num")]
    pub optimised_order_up_to: Option<f64>,
    /// Simulated fill rate of the optimised levels.
    #[serde(serialize_with = "num")]
    pub optimised_fill_rate: f64,
    /// Its 95% half-width.
    #[serde(serialize_with = "num")]
    pub optimised_fill_rate_ci95: f64,
    /// Holding + ordering cost per year of the optimised levels.
    #[serde(serialize_with = "num")]
    pub optimised_cost: f64,
    /// Whether the optimised levels meet the target.
    pub met: bool,
    /// Optimised − analytic protection level.
    #[serde(serialize_with = "num")]
    pub level_change: f64,
    /// Simulations the search ran.
    pub evaluations: usize,
}

impl OptimisedLevelsRow {
    /// The row of one optimised SKU and family.
    pub fn of(r: &OptimisedRow) -> Self {
        let (a, o) = (&r.analytic_kpis, &r.result.kpis);
        let [analytic_reorder_point, analytic_order_quantity, analytic_order_up_to] =
            levels(&r.analytic);
        let [optimised_reorder_point, optimised_order_quantity, optimised_order_up_to] =
            levels(&r.optimised);
        Self {
            policy: r.policy.to_string(),
            service_measure: r.result.goal.measure.name().to_string(),
            customer: r.customer.name().to_string(),
            target: r.target,
            analytic_service: a.get(r.result.goal.kpi()),
            optimised_service: o.get(r.result.goal.kpi()),
            analytic_reorder_point,
            analytic_order_quantity,
            analytic_order_up_to,
            analytic_fill_rate: a.get("fill_rate"),
            analytic_fill_rate_ci95: a.half_width("fill_rate"),
            analytic_cost: cost(a),
            optimised_reorder_point,
            optimised_order_quantity,
            optimised_order_up_to,
            optimised_fill_rate: o.get("fill_rate"),
            optimised_fill_rate_ci95: o.half_width("fill_rate"),
            optimised_cost: cost(o),
            met: r.result.met,
            level_change: level(&r.optimised) - level(&r.analytic),
            evaluations: r.result.evaluations,
        }
    }
}

/// Writes `optimised.csv` ([`OptimisedLevelsRow`]): negative `level_change` where the formula
/// over-stocks, positive where it under-stocks.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_optimised(path: &Path, rows: &[OptimisedRow]) -> Result<(), LoadError> {
    let loc = rows.iter().any(|r| r.location.is_some());
    let header = header_of(&(Key::header(loc), OptimisedLevelsRow::default()));
    write_atomic(path, |w| {
        write_csv(
            w,
            &header,
            rows.iter().map(|r| {
                (
                    Key::new(&r.sku, r.location.as_deref(), loc),
                    OptimisedLevelsRow::of(r),
                )
            }),
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollup_columns_are_the_rollup_kpis_and_read_back_exactly() {
        let header = header_of(&RollupFileRow::default());
        let mut expect = vec!["sku", "location", "policy", "scenario", "unit_cost"];
        expect.extend(RollupRow::KPIS);
        assert_eq!(header, expect);
        let row = RollupRow {
            sku: "A,1".into(),
            location: None,
            policy: "sQ".into(),
            scenario: "baseline".into(),
            unit_cost: 0.1 + 0.2,
            kpis: [
                1e16,
                1.0 / 3.0,
                0.0,
                -0.0,
                2.5,
                1e-9,
                f64::NAN,
                7.0,
                123.456,
            ],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        write_atomic(&path, |w| {
            write_csv(w, &header, [RollupFileRow::from(row.clone())])
        })
        .unwrap();
        let back = read_rollup(&path).unwrap();
        assert_eq!(back[0].sku, row.sku);
        assert_eq!(back[0].location, None);
        assert_eq!(back[0].unit_cost.to_bits(), row.unit_cost.to_bits());
        for (a, b) in back[0].kpis.iter().zip(&row.kpis) {
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{a} {b}"
            );
        }
        std::fs::write(&path, "sku,location,policy,scenario,unit_cost,demand_per_year,fill_rate,backorder_rate,cancellation_rate,lost_sales_rate,cycle_service_level,mean_wait_days,mean_on_hand,total_cost\nA,,sQ,b,1,2,x,0,0,0,0,0,0,0\n").unwrap();
        let err = read_rollup(&path).unwrap_err();
        assert!(
            err.ends_with("line 2, column 7: 'x' is not a number"),
            "{err}"
        );
    }
}
