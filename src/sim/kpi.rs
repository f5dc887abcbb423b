//! KPIs of a simulation: per-replication tallies, the KPIs derived from them, and their means
//! with 95% confidence intervals over replications.
//!
//! Definitions (after the warm-up):
//!
//! | KPI | definition |
//! |---|---|
//! | `fill_rate` | units served from stock on the day demanded / units demanded |
//! | `cycle_service_level` | replenishment cycles (receipt to receipt) without a stockout day / cycles |
//! | `backorder_rate` | units that had to wait (backorder and patience modes) / units demanded |
//! | `mean_wait_days`, `p95_wait_days` | wait of units filled from backorder, in days, unit-weighted |
//! | `cancellation_rate` | units cancelled by impatient customers / units demanded |
//! | `lost_sales_rate` | units lost (lost-sales mode) / units demanded |
//! | `stockout_day_share` | days with unserved demand / days |
//! | `mean_on_hand`, `mean_backlog` | end-of-day physical stock and waiting units, daily mean |
//! | `orders_per_year` | orders placed × 365 / days |
//! | costs per year | holding = holding cost per unit-year × mean on hand; ordering = order cost × orders per year; shortage = shortage cost per unit × (units backordered + lost) per year; total = the sum |
//!
//! A ratio with nothing to count (no demand, no cycle) is 1 for service KPIs. Waits are
//! averaged over the replications that had a backorder filled (0 when none had). The 95%
//! interval is mean ± 1.96 × sd / √n over the n replications counted.

use serde::Serialize;

/// Raw counts of one replication.
#[derive(Debug, Clone, PartialEq)]
pub struct Rep {
    /// Units demanded.
    pub demand: f64,
    /// Units served from stock on the day.
    pub served: f64,
    /// Units that waited (backorder or patience mode).
    pub backordered: f64,
    /// Units filled from backorder.
    pub filled_later: f64,
    /// Units cancelled while waiting.
    pub cancelled: f64,
    /// Units lost (lost-sales mode).
    pub lost: f64,
    /// Units still waiting at the end.
    pub waiting_end: f64,
    /// Sum over filled units of their wait (unit-days).
    pub wait_sum: f64,
    /// Units filled per wait in days (index = days).
    pub wait_hist: Vec<f64>,
    /// Days with unserved demand.
    pub stockout_days: u32,
    /// Replenishment cycles completed.
    pub cycles: u32,
    /// Of which without a stockout day.
    pub cycles_ok: u32,
    /// Orders placed.
    pub orders: u32,
    /// Sum of end-of-day on-hand.
    pub on_hand_sum: f64,
    /// Sum of end-of-day backlog.
    pub backlog_sum: f64,
    /// Days counted.
    pub days: u32,
    /// Lowest physical on-hand seen (an invariant check: never below 0).
    pub min_on_hand: f64,
}

impl Default for Rep {
    fn default() -> Self {
        Self {
            demand: 0.0,
            served: 0.0,
            backordered: 0.0,
            filled_later: 0.0,
            cancelled: 0.0,
            lost: 0.0,
            waiting_end: 0.0,
            wait_sum: 0.0,
            wait_hist: Vec::new(),
            stockout_days: 0,
            cycles: 0,
            cycles_ok: 0,
            orders: 0,
            on_hand_sum: 0.0,
            backlog_sum: 0.0,
            days: 0,
            min_on_hand: f64::INFINITY,
        }
    }
}

impl Rep {
    /// Records `q` units filled after waiting `days` days.
    pub fn add_wait(&mut self, days: u32, q: f64) {
        let i = days as usize;
        if self.wait_hist.len() <= i {
            self.wait_hist.resize(i + 1, 0.0);
        }
        self.wait_hist[i] += q;
        self.wait_sum += q * f64::from(days);
    }

    fn p95_wait(&self) -> f64 {
        let total: f64 = self.wait_hist.iter().sum();
        if total <= 0.0 {
            return 0.0;
        }
        let mut acc = 0.0;
        for (d, q) in self.wait_hist.iter().enumerate() {
            acc += q;
            if acc >= 0.95 * total - 1e-9 {
                return d as f64;
            }
        }
        (self.wait_hist.len() - 1) as f64
    }
}

/// Costs used for the cost KPIs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SimCosts {
    /// Holding cost per unit per year.
    pub holding_per_unit_year: f64,
    /// Cost per order.
    pub order_cost: f64,
    /// Cost per unit short (backordered or lost).
    pub shortage_cost: f64,
}

/// Names of the KPIs, in [`kpis`] order.
pub const KPI_NAMES: [&str; 16] = [
    "fill_rate",
    "cycle_service_level",
    "backorder_rate",
    "mean_wait_days",
    "p95_wait_days",
    "cancellation_rate",
    "lost_sales_rate",
    "stockout_day_share",
    "mean_on_hand",
    "mean_backlog",
    "orders_per_year",
    "holding_cost",
    "ordering_cost",
    "shortage_cost",
    "total_cost",
    "demand_per_year",
];

/// The KPIs of one replication, in [`KPI_NAMES`] order.
pub fn kpis(r: &Rep, c: &SimCosts) -> [f64; 16] {
    let days = f64::from(r.days.max(1));
    let per_year = 365.0 / days;
    let ratio = |x: f64, when_none: f64| {
        if r.demand > 0.0 {
            x / r.demand
        } else {
            when_none
        }
    };
    let csl = if r.cycles > 0 {
        f64::from(r.cycles_ok) / f64::from(r.cycles)
    } else if r.stockout_days == 0 {
        1.0
    } else {
        0.0
    };
    let mean_on_hand = r.on_hand_sum / days;
    let orders_per_year = f64::from(r.orders) * per_year;
    let holding = c.holding_per_unit_year * mean_on_hand;
    let ordering = c.order_cost * orders_per_year;
    let shortage = c.shortage_cost * (r.demand - r.served).max(0.0) * per_year;
    [
        ratio(r.served, 1.0),
        csl,
        ratio(r.backordered, 0.0),
        if r.filled_later > 0.0 {
            r.wait_sum / r.filled_later
        } else {
            f64::NAN
        },
        if r.filled_later > 0.0 {
            r.p95_wait()
        } else {
            f64::NAN
        },
        ratio(r.cancelled, 0.0),
        ratio(r.lost, 0.0),
        f64::from(r.stockout_days) / days,
        mean_on_hand,
        r.backlog_sum / days,
        orders_per_year,
        holding,
        ordering,
        shortage,
        holding + ordering + shortage,
        r.demand * per_year,
    ]
}

/// Mean and 95% half-width of each KPI over replications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiSummary {
    /// Replications.
    pub replications: usize,
    /// Means, in [`KPI_NAMES`] order.
    pub mean: [f64; 16],
    /// 95% half-widths, in [`KPI_NAMES`] order.
    pub ci95: [f64; 16],
}

impl KpiSummary {
    /// Summarises per-replication KPI vectors.
    pub fn of(reps: &[[f64; 16]]) -> Self {
        let mut mean = [0.0; 16];
        let mut ci95 = [0.0; 16];
        for k in 0..16 {
            // Two passes over the finite values (no copy: this runs after every batch).
            let vals = || reps.iter().map(|r| r[k]).filter(|v| v.is_finite());
            let count = vals().count();
            if count == 0 {
                continue;
            }
            let n = count as f64;
            let m = vals().sum::<f64>() / n;
            let var = if count > 1 {
                vals().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)
            } else {
                0.0
            };
            mean[k] = m;
            ci95[k] = 1.96 * (var / n).sqrt();
        }
        Self {
            replications: reps.len(),
            mean,
            ci95,
        }
    }

    /// The mean of a KPI by name.
    ///
    /// # Panics
    /// On an unknown name (a programming error).
    pub fn get(&self, name: &str) -> f64 {
        self.mean[index(name)]
    }

    /// The 95% half-width of a KPI by name.
    ///
    /// # Panics
    /// On an unknown name.
    pub fn half_width(&self, name: &str) -> f64 {
        self.ci95[index(name)]
    }
}

fn index(name: &str) -> usize {
    KPI_NAMES
        .iter()
        .position(|n| *n == name)
        .unwrap_or_else(|| panic!("unknown KPI {name}"))
}
