//! Purchase recommendations for the planning date: what to order, by when, and why.
//!
//! One row per SKU (and location), from its policy ([`crate::sku_plan::SkuPlan`]), stock and
//! open orders. Nothing here estimates anything; it compares positions with levels and walks
//! the forecast forward day by day.
//!
//! # Conventions
//! - **Inventory position** = on hand + on order − backordered (customer units waiting).
//!   On order = open purchase-order units (units not yet received), or the inventory file's
//!   `on_order` when there is no purchase-order file.
//! - **Actions**, in priority order:
//!   - `REVIEW` — the data are too thin to trust (no or short sales history, forecast not
//!     backtested, lead time is the config default, no inventory record, policy failed). The
//!     order quantity is 0; the reason says what the numbers would suggest.
//!   - `ORDER` — the position is at or below the reorder point (`RS`: below the order-up-to
//!     level, every run being a review). Quantity: enough multiples of Q to get above s for
//!     `sQ`; S − position rounded up to pack size and at least the MOQ otherwise.
//!   - `EXPEDITE` — no order is due, but stock is projected to run out before the next open
//!     order arrives.
//!   - `OK` — nothing to do now; the order-by date says when.
//!   - `HOLD` — the planner said no new orders (`do_not_order` or `discontinued` in the
//!     overrides file): quantity 0 whatever the numbers say; the reason says what they would
//!     suggest and how long the stock lasts. Never pulled forward for a supplier minimum.
//! - **Projection**, day by day from the planning date: arrivals of open orders come first
//!   (overdue orders are assumed to arrive on the planning date), then the day's forecast
//!   demand. The projected stockout is the first day net stock (on hand − backordered +
//!   arrivals − demand) goes below 0; with backorders already waiting it is the planning date.
//! - **Order-by** = the first day the position, less forecast demand, reaches the reorder
//!   point (the planning date when it already has; for `RS` without an order due, the next
//!   review, planning date + R). **Expected arrival** of an order placed on the order-by date
//!   = order-by + lead-time p50 (and p90), in whole days rounded up.
//! - **Days of cover** = (on hand − backordered) / forecast demand per day; empty without
//!   demand.
//! - **Backorder fill date**: arrivals fill waiting customers first (FIFO); the date on which
//!   on hand plus arrivals (open orders, then this order at its p50 arrival) reach the
//!   backordered units. Empty when nothing in sight covers them.
//! - **Supplier minimums** (`[suppliers.NAME]`): when a supplier's ORDER lines are worth less
//!   than its `min_order_value` (at unit cost) or add up to fewer units than its
//!   `min_order_qty`, its `OK` SKUs are pulled forward in order-by order until the minimum is
//!   met, and their reason says so.
//! - **Containers** (`[suppliers.NAME] container_volume`, `container_weight`,
//!   `max_containers`): right after its minimum, a supplier's order is rounded to whole
//!   containers within what every budget that applies leaves (total, the supplier's, each
//!   line's category; [`crate::purchasing::container`]): the next most valuable units (the
//!   budget's ranking) are pulled forward, or the least valuable trimmed (into
//!   `deferred_quantity`; `DEFER` when a line is trimmed whole), and the affected rows'
//!   reasons say so. Suppliers are taken in name order.
//! - **Supplier calendars** (`[suppliers.NAME] order_days`, `closures`): after the minimums,
//!   an order-by date that is not one of the supplier's order days moves to its last order
//!   day before it (to the next one when that has passed: a late order, said in the reason),
//!   and expected arrivals count the lead time in days the supplier is open.
//! - **Finish chain** ([`finish_drafts`]): each SKU's draft ([`DraftLine`], from its own
//!   numbers) → the order budget's ranking and cut (`[purchasing]`: total, per supplier, per
//!   category; [`crate::purchasing::budget`]) → supplier minimums and containers within what
//!   the budgets leave → supplier calendars → priorities and reasons. It is a function of the
//!   drafts alone (plain data), so `merge` runs it on every shard's drafts.
//! - **Sort**: EXPEDITE, ORDER, REVIEW, OK, HOLD; then projected stockout (soonest first), order-by,
//!   sku.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    config::{PolicySettings, SupplierTerms},
    io::inventory::InventoryRecord,
    leadtime::{LeadTimeSource, OpenOrder, SupplierDrift},
    policy::{GapRule, Levels, OrderSizing, PolicyOutcome},
    purchasing::{
        budget::{self, BudgetSummary, Demand, Limit, Line, LineSteps, Purse, Ranking},
        container::{self, LoadLine, Rounding},
        PurchasingSettings,
    },
    sku_plan::SkuPlan,
    supplier_calendar::SupplierCalendar,
};

/// What purchasing should do with a SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Action {
    /// Stock runs out before the next open order arrives: expedite it.
    Expedite,
    /// Place an order now.
    Order,
    /// The order is due but cut whole by the budget (`[purchasing] budget`, `--budget`), by a
    /// supplier minimum the budget cannot meet, or trimmed to whole containers: its quantity
    /// is in `deferred_quantity`.
    Defer,
    /// Data too thin to trust: a planner should look.
    Review,
    /// Nothing to do now.
    Ok,
    /// The planner said no new orders (do_not_order, discontinued).
    Hold,
}

impl Action {
    /// `EXPEDITE`, `ORDER`, `DEFER`, `REVIEW`, `OK` or `HOLD`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Expedite => "EXPEDITE",
            Self::Order => "ORDER",
            Self::Defer => "DEFER",
            Self::Review => "REVIEW",
            Self::Ok => "OK",
            Self::Hold => "HOLD",
        }
    }
}

/// One recommendation row. Quantities in units, dates as days.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Recommendation {
    /// SKU.
    pub sku: String,
    /// Location, if any.
    pub location: Option<String>,
    /// Supplier.
    pub supplier: Option<String>,
    /// What to do.
    pub action: Action,
    /// Buying order of the rows with an order or a deferral, 1 = first to buy (with or
    /// without a budget): lines without a unit cost first, then by
    /// `shortage_avoided_per_1000` (highest first), SKU and location ([`assign_priorities`]).
    #[serde(default)]
    pub priority: Option<u32>,
    /// Expected shortage the line's first chunk (its MOQ in whole packs) avoids per 1,000 of
    /// money: backordered units, or currency where the item has a shortage cost
    /// ([`crate::purchasing::budget`]); empty without an order, or without a unit cost.
    #[serde(default)]
    pub shortage_avoided_per_1000: Option<f64>,
    /// Units to order now (0 unless ORDER).
    pub order_quantity: f64,
    /// Units the policy calls for that the budget cut or a container trim removed (0
    /// without a cut).
    #[serde(default)]
    pub deferred_quantity: f64,
    /// Order value at unit cost (empty when the unit cost is unknown).
    pub order_value: Option<f64>,
    /// Day by which to order.
    pub order_by: Option<NaiveDate>,
    /// Arrival of an order placed on the order-by date, lead-time median.
    pub expected_arrival_p50: Option<NaiveDate>,
    /// Same, lead-time 90th percentile.
    pub expected_arrival_p90: Option<NaiveDate>,
    /// On hand + on order − backordered.
    pub inventory_position: f64,
    /// Units on hand.
    pub on_hand: f64,
    /// Units on order.
    pub on_order: f64,
    /// Customer units waiting.
    pub backordered: f64,
    /// Reorder point s (empty for `RS`).
    pub reorder_point: Option<f64>,
    /// Order-up-to level S (empty for `sQ`).
    pub order_up_to: Option<f64>,
    /// Safety stock.
    pub safety_stock: Option<f64>,
    /// Forecast demand per day over the protection period.
    pub demand_per_day: f64,
    /// Expected arrival of the next open order.
    pub next_arrival: Option<NaiveDate>,
    /// First day net stock is projected below 0.
    pub projected_stockout: Option<NaiveDate>,
    /// (On hand − backordered) / demand per day.
    pub days_of_cover: Option<f64>,
    /// Day the backordered units are expected to be filled.
    pub backorder_fill_date: Option<NaiveDate>,
    /// The most customer units waiting — now or projected — on any day before an order placed
    /// today could arrive (planning date + lead-time median), counting the open orders as
    /// they arrive: the shortage no new order can prevent any more.
    pub units_at_risk: f64,
    /// `units_at_risk` at unit cost (empty when the unit cost is unknown); the report ranks
    /// SKUs by it.
    pub value_at_risk: Option<f64>,
    /// Where the lead time came from.
    pub lead_time_source: LeadTimeSource,
    /// What the planner's inputs changed (overrides, coverage rules, events, analogue
    /// forecasts), `; `-separated; empty when nothing.
    pub overrides: String,
    /// One line for a human.
    pub reason: String,
}

/// Everything known about one SKU when recommending.
#[derive(Debug, Clone)]
pub struct SkuState<'a> {
    /// Its plan.
    pub plan: &'a SkuPlan,
    /// Its inventory row, if any.
    pub inventory: Option<&'a InventoryRecord>,
    /// Whether an inventory file was given at all.
    pub has_inventory_file: bool,
    /// Open orders (`None` without a purchase-order file).
    pub open_orders: Option<Vec<OpenOrder>>,
    /// Whether the SKU has several locations sharing one purchase-order pipeline.
    pub shared_pipeline: bool,
    /// Drift of its supplier, if flagged.
    pub drift: Option<SupplierDrift>,
    /// Its item-master category, if any (for `[purchasing.budget_by_category]`).
    pub category: Option<&'a str>,
}

fn r1(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

/// What a SKU would order if triggered now, given its position: the order the simulator
/// places too ([`Levels::order_at`]), with the recommendations' rule for a gap of (nearly)
/// nothing ([`GapRule::Exact`]) and the item's MOQ and pack size.
fn order_for(levels: &Levels, ip: f64, moq: f64, pack: f64) -> f64 {
    let sizing = OrderSizing {
        rounding: Some((moq, pack)),
        gap: GapRule::Exact,
    };
    levels.order_at(ip, sizing)
}

/// One SKU's recommendation before the finish chain ([`finish_drafts`]: the budget's cut,
/// supplier minimums and containers, supplier calendars, priorities): its row and everything the chain
/// reads — plain serialisable data, no plan. A shard of a run with a budget writes its
/// drafts (`budget_lines.json`, [`crate::shard`]) and `merge` finishes the catalogue's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftLine {
    /// The row as the SKU's own numbers give it.
    pub rec: Recommendation,
    /// Item-master category (for its budget).
    pub category: Option<String>,
    /// Position against the policy level, for a pulled-forward reason.
    pub standing: String,
    /// Notes after the main reason (backorders, drift, overdue orders).
    pub tail: Vec<String>,
    /// Quantity if pulled forward now (units).
    pub pull_qty: f64,
    /// Currency per unit (0 = unknown).
    pub unit_cost: f64,
    /// Lead-time median (days).
    pub p50: f64,
    /// Lead-time 90th percentile (days).
    pub p90: f64,
    /// An ORDER line with a quantity, evaluated for the budget's ranking.
    pub line: Option<LineSteps>,
    /// The priority key of the line if pulled forward for a supplier minimum or to fill a
    /// container (`OK` lines with a pull quantity of suppliers with a minimum or containers).
    pub pull_per_1000: Option<f64>,
    /// An `OK` line's pull quantity evaluated for the budget's ranking, chunk by chunk, when
    /// its supplier has containers: what the container fill may pull forward
    /// ([`crate::purchasing::container`]). Empty in drafts written before containers (read
    /// as none: such a line is not pulled forward).
    #[serde(default)]
    pub pull_line: Option<LineSteps>,
    /// Volume per unit (item master `volume`), for the supplier's containers.
    #[serde(default)]
    pub volume: Option<f64>,
    /// Weight per unit (item master `weight`), for the supplier's containers.
    #[serde(default)]
    pub weight: Option<f64>,
}

/// `from` plus `days` (rounded up to whole days, at least 0).
fn after(from: NaiveDate, days: f64) -> NaiveDate {
    from + Duration::days(days.max(0.0).ceil() as i64)
}

/// An expected receipt: an open order (overdue ones on the planning date), or the inventory
/// file's `on_order` at the lead-time median.
#[derive(Debug, Clone, Copy)]
struct Arrival {
    date: NaiveDate,
    units: f64,
    /// Purchase-order line.
    line: Option<u64>,
    overdue: bool,
}

/// Step 1: stock, backorders and the pipeline on the planning date.
struct Stock {
    on_hand: f64,
    backordered: f64,
    on_order: f64,
    /// Inventory position: on hand + on order − backordered.
    ip: f64,
    /// By date.
    arrivals: Vec<Arrival>,
}

impl Stock {
    fn of(st: &SkuState<'_>, planning: NaiveDate, p50: f64) -> Self {
        let on_hand = st.inventory.map_or(0.0, |r| r.on_hand);
        let backordered = st.inventory.and_then(|r| r.backordered).unwrap_or(0.0);
        let mut arrivals: Vec<Arrival> = match &st.open_orders {
            Some(list) => list
                .iter()
                .map(|o| Arrival {
                    date: o.expected.max(planning),
                    units: o.quantity,
                    line: Some(o.line),
                    overdue: o.overdue,
                })
                .collect(),
            None => st
                .inventory
                .and_then(|r| r.on_order)
                .filter(|&q| q > 0.0)
                .map(|q| {
                    vec![Arrival {
                        date: after(planning, p50),
                        units: q,
                        line: None,
                        overdue: false,
                    }]
                })
                .unwrap_or_default(),
        };
        arrivals.sort_by_key(|a| a.date);
        let on_order: f64 = arrivals.iter().map(|a| a.units).sum();
        let ip = on_hand + on_order - backordered;
        Self {
            on_hand,
            backordered,
            on_order,
            ip,
            arrivals,
        }
    }
}

/// Step 2: the day-by-day projection from the planning date.
struct Projection {
    /// First day net stock goes below 0.
    stockout: Option<NaiveDate>,
    /// First day the position reaches the trigger (the next review for `RS` without one).
    order_by: Option<NaiveDate>,
    /// Whether the position triggers an order now.
    needs_order: bool,
    /// Deepest shortfall before an order placed today arrives.
    units_at_risk: f64,
    /// What would be ordered now.
    pull_qty: f64,
}

/// The forecast demand of day `t` (the last rate past the forecast).
fn rate(p: &SkuPlan, t: usize) -> f64 {
    p.rate_per_day
        .get(t)
        .or(p.rate_per_day.last())
        .copied()
        .unwrap_or(0.0)
}

fn project(
    p: &SkuPlan,
    stock: &Stock,
    policy: Option<&PolicyOutcome>,
    planning: NaiveDate,
) -> Projection {
    let triggered = |pos: f64| policy.is_some_and(|o| o.levels.triggers(pos));
    let arrivals = &stock.arrivals;
    let mut net = stock.on_hand - stock.backordered;
    let mut stockout = (net < -1e-9).then_some(planning);
    let mut pos = stock.ip;
    let mut order_by = triggered(stock.ip).then_some(planning);
    let mut next = 0;
    for t in 0..p.rate_per_day.len().max(1) {
        let date = planning + Duration::days(t as i64);
        while next < arrivals.len() && arrivals[next].date <= date {
            net += arrivals[next].units;
            next += 1;
        }
        net -= rate(p, t);
        pos -= rate(p, t);
        if stockout.is_none() && net < -1e-9 {
            stockout = Some(date);
        }
        if order_by.is_none() && triggered(pos) {
            order_by = Some(date);
        }
        if stockout.is_some() && order_by.is_some() {
            break;
        }
    }
    let units_at_risk = units_at_risk(p, stock, planning);
    if let (None, Some(o)) = (order_by, policy) {
        if o.kind().orders_every_review() {
            order_by = Some(after(planning, p.review_period));
        }
    }
    Projection {
        stockout,
        order_by,
        needs_order: triggered(stock.ip),
        units_at_risk,
        pull_qty: policy.map_or(0.0, |o| {
            order_for(&o.levels, stock.ip, p.item.moq, p.item.pack_size)
        }),
    }
}

/// The deepest projected shortfall from today until an order placed today arrives
/// (planning date + lead-time p50).
fn units_at_risk(p: &SkuPlan, stock: &Stock, planning: NaiveDate) -> f64 {
    let horizon = p.lead_time.stats.p50.max(0.0).ceil() as i64;
    let arrivals = &stock.arrivals;
    let mut net = stock.on_hand - stock.backordered;
    let mut worst = (-net).max(0.0);
    let mut next = 0;
    for t in 0..horizon.max(0) {
        while next < arrivals.len() && (arrivals[next].date - planning).num_days() <= t {
            net += arrivals[next].units;
            next += 1;
        }
        net -= rate(p, t as usize);
        worst = worst.max(-net);
    }
    worst
}

/// Why the numbers are too thin to trust (empty: they are not): the policy failed, short or
/// no history, no backtest, a default lead time, no inventory record.
fn review_reasons(st: &SkuState<'_>, settings: &PolicySettings) -> Vec<String> {
    let p = st.plan;
    let mut review: Vec<String> = Vec::new();
    if let Err(e) = &p.policy {
        review.push(format!("policy could not be computed: {e}"));
    }
    let analogue = p.model.is_analogue();
    if let Some(never) = &p.never_sold {
        review.push(if analogue {
            format!("{never}; forecast from the like_sku the planner named: {} — check it", p.model)
        } else {
            format!("{never}; no demand is forecast — give it a like_sku or a forecast override if demand is expected, or mark it discontinued")
        });
    } else if analogue {
        review.push(format!(
            "new item ({} days of history < {}): forecast {} — check it until enough history exists",
            p.history_days, settings.min_history_days, p.model
        ));
    } else if p.history_days == 0 {
        review.push("no sales history: set a forecast or a like_sku".into());
    } else if p.history_days < i64::from(settings.min_history_days) {
        review.push(format!(
            "only {} days of sales history (< {})",
            p.history_days, settings.min_history_days
        ));
    } else if !p.backtested {
        review
            .push("forecast model not backtested (history too short or every model failed)".into());
    }
    if p.lead_time.source == LeadTimeSource::Default {
        review.push(format!(
            "lead time {} days is the config default (no receipts, no item-master lead time)",
            r1(p.lead_time.stats.mean)
        ));
    }
    if st.has_inventory_file && st.inventory.is_none() {
        review.push("no inventory record: on hand taken as 0".into());
    }
    review
}

/// Order sanity: why the order the numbers call for is beyond belief, if it is — more than
/// `max_order_cover_days` of mean forecast demand (when there is forecast demand), or more
/// than `max_order_multiple` times the largest past purchase order. An order that is only the
/// MOQ or one pack passes the cover test (the constraint, not the forecast, sized it).
fn order_sanity(p: &SkuPlan, proj: &Projection, settings: &PolicySettings) -> Option<String> {
    if !proj.needs_order || proj.pull_qty <= 0.0 || p.hold.is_some() {
        return None;
    }
    let q = proj.pull_qty;
    let minimum = p.item.moq.max(p.item.pack_size);
    let mut why = Vec::new();
    // Without forecast demand (e.g. a naive forecast of 0 on an intermittent SKU) the levels
    // come from the error spread alone: days of cover say nothing then.
    if q > minimum + 1e-9 && p.demand_per_day > 0.0 {
        let cover = q / p.demand_per_day;
        if cover > settings.max_order_cover_days {
            why.push(format!(
                "it is {} days of mean forecast demand (> {}, [policy] max_order_cover_days)",
                r1(cover),
                r1(settings.max_order_cover_days)
            ));
        }
    }
    if let Some(largest) = p.largest_past_order {
        if q > settings.max_order_multiple * largest {
            why.push(format!(
                "it is {}× the largest past purchase order of {} units (> {}×, [policy] max_order_multiple)",
                r1(q / largest),
                r1(largest),
                r1(settings.max_order_multiple)
            ));
        }
    }
    (!why.is_empty()).then(|| {
        format!(
            "order of {} units held back for a check: {} — check the forecast, the sales and the levels before ordering",
            r1(q),
            why.join(" and ")
        )
    })
}

/// Step 3: the action and what it orders.
struct Decision {
    action: Action,
    order_by: Option<NaiveDate>,
    quantity: f64,
    arrival_p50: Option<NaiveDate>,
    arrival_p90: Option<NaiveDate>,
    /// The next open order, when stock is projected to run out before it arrives.
    late_arrival: Option<Arrival>,
}

fn decide(p: &SkuPlan, stock: &Stock, proj: &Projection, review: &[String]) -> Decision {
    let late_arrival = match (proj.stockout, stock.arrivals.first()) {
        (Some(s), Some(a)) if s < a.date => Some(*a),
        _ => None,
    };
    let action = if p.hold.is_some() {
        Action::Hold
    } else if !review.is_empty() {
        Action::Review
    } else if proj.needs_order {
        Action::Order
    } else if late_arrival.is_some() {
        Action::Expedite
    } else {
        Action::Ok
    };
    let order_by = if action == Action::Hold {
        None
    } else {
        proj.order_by
    };
    let quantity = if action == Action::Order {
        proj.pull_qty
    } else {
        0.0
    };
    let (p50, p90) = (p.lead_time.stats.p50, p.lead_time.stats.p90);
    Decision {
        action,
        order_by,
        quantity,
        arrival_p50: order_by.map(|o| after(o, p50)),
        arrival_p90: order_by.map(|o| after(o, p90)),
        late_arrival,
    }
}

/// Backorder fill date: arrivals (open orders, then this order at its p50 arrival) fill
/// waiting customers first.
fn backorder_fill(stock: &Stock, decision: &Decision, planning: NaiveDate) -> Option<NaiveDate> {
    let (on_hand, backordered) = (stock.on_hand, stock.backordered);
    if backordered <= 0.0 {
        None
    } else if on_hand >= backordered {
        Some(planning)
    } else {
        let mut avail = on_hand;
        let mut extra: Vec<(NaiveDate, f64)> =
            stock.arrivals.iter().map(|a| (a.date, a.units)).collect();
        if let (true, Some(a)) = (decision.quantity > 0.0, decision.arrival_p50) {
            extra.push((a, decision.quantity));
        }
        extra.sort_by_key(|a| a.0);
        extra.into_iter().find_map(|(date, q)| {
            avail += q;
            (avail >= backordered - 1e-9).then_some(date)
        })
    }
}

/// Step 4: everything the reason is written from.
struct Explain<'a> {
    p: &'a SkuPlan,
    policy: Option<&'a PolicyOutcome>,
    stock: &'a Stock,
    proj: &'a Projection,
    decision: &'a Decision,
    review: &'a [String],
}

impl Explain<'_> {
    /// The level the position is compared with (`reorder point 60`, `order-up-to 200`).
    fn level_text(&self) -> String {
        match self.policy.map(|o| o.levels) {
            Some(Levels::RS { big_s }) => format!("order-up-to {}", r1(big_s)),
            Some(Levels::SQ { s, .. } | Levels::MinMax { s, .. } | Levels::RsS { s, .. }) => {
                format!("reorder point {}", r1(s))
            }
            None => String::new(),
        }
    }

    /// The main reason, by action.
    fn main(&self) -> String {
        let (p, proj, ip) = (self.p, self.proj, self.stock.ip);
        let days = p.rate_per_day.len().max(1);
        let level_text = self.level_text();
        match self.decision.action {
            Action::Hold => {
                let mut t = format!("planner hold — {}", p.hold.as_deref().unwrap_or(""));
                if proj.needs_order && proj.pull_qty > 0.0 {
                    t.push_str(&format!(
                        "; the numbers would say ORDER {} (position {} vs {level_text})",
                        r1(proj.pull_qty),
                        r1(ip)
                    ));
                }
                match proj.stockout {
                    Some(s) => t.push_str(&format!("; stock projected to run out {s}")),
                    None if p.demand_per_day > 0.0 => {
                        t.push_str(&format!("; stock lasts beyond the {days}-day forecast"))
                    }
                    None => {}
                }
                if !self.review.is_empty() {
                    t.push_str(&format!("; also review: {}", self.review.join("; ")));
                }
                t
            }
            Action::Review => {
                let mut t = format!("review: {}", self.review.join("; "));
                // A never-sold SKU's levels are 0: "order 1 to reach 0" says nothing.
                if proj.needs_order && proj.pull_qty > 0.0 && p.never_sold.is_none() {
                    t.push_str(&format!(
                        " — the numbers say ORDER {} (position {} vs {level_text})",
                        r1(proj.pull_qty),
                        r1(ip)
                    ));
                }
                t
            }
            // A line is deferred after this reason is written (by the budget).
            Action::Order | Action::Defer => self.order(&level_text),
            Action::Expedite => {
                let a = self
                    .decision
                    .late_arrival
                    .expect("expedite has a late arrival");
                format!(
                    "stockout projected {}, before the next open order{} arrives {}: expedite it",
                    proj.stockout.map_or("?".into(), |d| d.to_string()),
                    a.line.map_or(String::new(), |l| format!(" (PO line {l})")),
                    a.date
                )
            }
            Action::Ok => match self.decision.order_by {
                Some(o) => format!("position {} above {level_text}; order by {o}", r1(ip)),
                None if p.demand_per_day <= 0.0 => "no forecast demand".into(),
                None => format!(
                    "position {} covers the {days}-day forecast; no order due",
                    r1(ip)
                ),
            },
        }
    }

    /// The reason of an `ORDER`: what, how it is sized, when it arrives, and what is late.
    fn order(&self, level_text: &str) -> String {
        let (p, dec) = (self.p, self.decision);
        let how = match self.policy.map(|o| o.levels) {
            Some(Levels::SQ { .. }) => "multiples of Q".to_string(),
            Some(
                Levels::MinMax { big_s, .. } | Levels::RS { big_s } | Levels::RsS { big_s, .. },
            ) => {
                format!("up to S {}", r1(big_s))
            }
            // Not reached: an ORDER has a policy.
            None => format!("up to S {}", r1(0.0)),
        };
        let mut t = format!(
            "position {} at or below {level_text}: order {} ({how}, pack {}, MOQ {}), arrives about {} (p90 {})",
            r1(self.stock.ip),
            r1(dec.quantity),
            r1(p.item.pack_size),
            r1(p.item.moq),
            dec.arrival_p50.map_or("?".into(), |d| d.to_string()),
            dec.arrival_p90.map_or("?".into(), |d| d.to_string()),
        );
        if let (Some(s), Some(a)) = (self.proj.stockout, dec.arrival_p50) {
            if s < a {
                t.push_str(&format!(
                    "; stockout projected {s}, before this order can arrive"
                ));
            }
        }
        if let Some(a) = dec.late_arrival {
            t.push_str(&format!(
                "; also expedite the open order{} due {}",
                a.line.map_or(String::new(), |l| format!(" (PO line {l})")),
                a.date
            ));
        }
        t
    }

    /// Notes after the main reason: backorders, overdue orders, supplier drift, a shared
    /// pipeline.
    fn notes(&self, st: &SkuState<'_>, backorder_fill: Option<NaiveDate>) -> Vec<String> {
        let backordered = self.stock.backordered;
        let mut notes: Vec<String> = Vec::new();
        if backordered > 0.0 {
            notes.push(match backorder_fill {
                Some(f) => format!("{} backordered units expected filled {f}", r1(backordered)),
                None => format!(
                    "{} backordered units: no arrival in sight covers them",
                    r1(backordered)
                ),
            });
        }
        if self.stock.arrivals.iter().any(|a| a.overdue) {
            notes.push("an open order is overdue (assumed to arrive today)".into());
        }
        if let Some(dr) = &st.drift {
            notes.push(format!(
                "supplier {} lead times drifting: recent median {} days above historical p90 {}",
                dr.supplier,
                r1(dr.recent_median),
                r1(dr.historical_p90)
            ));
        }
        notes.extend(self.p.input_notes.iter().cloned());
        if st.shared_pipeline {
            notes.push(
                "open orders are per SKU, not per location: counted at every location".into(),
            );
        }
        notes
    }
}

/// One SKU's recommendation: stock on the planning date → projection → action → reason.
fn recommend_one(st: &SkuState<'_>, planning: NaiveDate, settings: &PolicySettings) -> DraftLine {
    let p = st.plan;
    let (p50, p90) = (p.lead_time.stats.p50, p.lead_time.stats.p90);
    let policy = p.policy.as_ref().ok();
    let stock = Stock::of(st, planning, p50);
    let proj = project(p, &stock, policy, planning);
    let mut review = review_reasons(st, settings);
    review.extend(order_sanity(p, &proj, settings));
    let decision = decide(p, &stock, &proj, &review);
    let backorder_fill = backorder_fill(&stock, &decision, planning);
    let explain = Explain {
        p,
        policy,
        stock: &stock,
        proj: &proj,
        decision: &decision,
        review: &review,
    };
    let main = explain.main();
    let standing = format!("position {} vs {}", r1(stock.ip), explain.level_text());
    let notes = explain.notes(st, backorder_fill);
    let reason = std::iter::once(main)
        .chain(notes.iter().cloned())
        .collect::<Vec<_>>()
        .join("; ");
    let d = p.demand_per_day;
    let (on_hand, backordered, quantity) = (stock.on_hand, stock.backordered, decision.quantity);
    DraftLine {
        category: st.category.map(str::to_string),
        line: None,
        pull_per_1000: None,
        standing,
        tail: notes,
        rec: Recommendation {
            sku: p.sku.clone(),
            location: p.location.clone(),
            supplier: p.supplier.clone(),
            action: decision.action,
            priority: None,
            shortage_avoided_per_1000: None,
            order_quantity: quantity,
            deferred_quantity: 0.0,
            order_value: (p.item.unit_cost > 0.0).then_some(quantity * p.item.unit_cost),
            order_by: decision.order_by,
            expected_arrival_p50: decision.arrival_p50,
            expected_arrival_p90: decision.arrival_p90,
            inventory_position: stock.ip,
            on_hand,
            on_order: stock.on_order,
            backordered,
            reorder_point: policy.and_then(PolicyOutcome::reorder_point),
            order_up_to: policy.and_then(PolicyOutcome::order_up_to),
            safety_stock: policy.map(|o| o.safety_stock),
            demand_per_day: d,
            next_arrival: stock.arrivals.first().map(|a| a.date),
            projected_stockout: proj.stockout,
            days_of_cover: (d > 0.0).then(|| (on_hand - backordered).max(0.0) / d),
            backorder_fill_date: backorder_fill,
            units_at_risk: proj.units_at_risk,
            value_at_risk: (p.item.unit_cost > 0.0)
                .then_some(proj.units_at_risk * p.item.unit_cost),
            lead_time_source: p.lead_time.source,
            overrides: p.overrides.join("; "),
            reason,
        },
        pull_qty: proj.pull_qty,
        unit_cost: p.item.unit_cost,
        p50,
        p90,
        pull_line: None,
        volume: p.item.volume,
        weight: p.item.weight,
    }
}

/// Recommends every SKU, applies supplier minimums and sorts by urgency (no budget).
pub fn recommend_all(
    states: &[SkuState<'_>],
    planning: NaiveDate,
    suppliers: &BTreeMap<String, SupplierTerms>,
    settings: &PolicySettings,
) -> Vec<Recommendation> {
    let unlimited = PurchasingSettings::default();
    recommend_within(states, planning, suppliers, settings, &unlimited).0
}

/// Recommends every SKU within the order budgets of `purchasing` (none = unlimited):
/// [`drafts`] then [`finish_drafts`]. The summary is `Some` with a budget.
pub fn recommend_within(
    states: &[SkuState<'_>],
    planning: NaiveDate,
    suppliers: &BTreeMap<String, SupplierTerms>,
    settings: &PolicySettings,
    purchasing: &PurchasingSettings,
) -> (Vec<Recommendation>, Option<BudgetSummary>) {
    let drafts = drafts(states, planning, suppliers, settings);
    finish_drafts(drafts, planning, suppliers, purchasing)
}

/// Each SKU's recommendation from its own numbers (per-line quantities with pack and MOQ),
/// with its ORDER line evaluated for the budget's ranking and, for an `OK` SKU of a supplier
/// with a minimum or containers, the priority key it would have if pulled forward (and, with
/// containers, its pull quantity evaluated chunk by chunk). In `states`' order
/// (sorted by SKU and location).
pub fn drafts(
    states: &[SkuState<'_>],
    planning: NaiveDate,
    suppliers: &BTreeMap<String, SupplierTerms>,
    settings: &PolicySettings,
) -> Vec<DraftLine> {
    states
        .par_iter()
        .map(|s| {
            let mut d = recommend_one(s, planning, settings);
            evaluate(&mut d, s.plan, suppliers, settings);
            d
        })
        .collect()
}

/// The finish chain, a function of the drafts alone (sorted by SKU and location, as
/// [`drafts`] returns them; `merge` runs it on every shard's): the budget's ranking and cut
/// ([`crate::purchasing::budget`]) → per supplier (name order) its minimum, then its
/// containers, within what the budgets leave → supplier calendars; then priorities ([`assign_priorities`]), the cut lines' reasons and
/// the urgency sort. The summary is `Some` with a budget.
pub fn finish_drafts(
    mut drafts: Vec<DraftLine>,
    planning: NaiveDate,
    suppliers: &BTreeMap<String, SupplierTerms>,
    purchasing: &PurchasingSettings,
) -> (Vec<Recommendation>, Option<BudgetSummary>) {
    let mut run = BudgetRun::cut(&mut drafts, purchasing);
    for (name, terms) in suppliers {
        fill_to_minimum(&mut drafts, name, terms, planning, &mut run);
        fill_containers(&mut drafts, name, terms, planning, &mut run);
    }
    for (name, terms) in suppliers {
        if let Some(calendar) = terms.calendar() {
            follow_calendar(&mut drafts, name, &calendar, planning);
        }
    }
    let summary = run.finish(&mut drafts);
    let mut recs: Vec<Recommendation> = drafts.into_iter().map(|d| d.rec).collect();
    sort_by_urgency(&mut recs);
    (recs, summary)
}

/// What the budget needs of a draft from its plan: the ORDER line evaluated against its
/// demand, or the priority key of a pull-forward for a supplier minimum or containers (with
/// containers, the pull-forward evaluated chunk by chunk too).
fn evaluate(
    d: &mut DraftLine,
    plan: &SkuPlan,
    suppliers: &BTreeMap<String, SupplierTerms>,
    settings: &PolicySettings,
) {
    if d.rec.action == Action::Order && d.rec.order_quantity > 0.0 {
        d.line = Some(line_of(plan, d, d.rec.order_quantity, settings).evaluate());
    }
    let terms = d.rec.supplier.as_ref().and_then(|s| suppliers.get(s));
    let has_minimum =
        terms.is_some_and(|t| t.min_order_value.is_some() || t.min_order_qty.is_some());
    let has_containers = terms.is_some_and(|t| t.containers().is_some());
    if d.rec.action == Action::Ok && d.pull_qty > 0.0 && (has_minimum || has_containers) {
        let steps = line_of(plan, d, d.pull_qty, settings).evaluate();
        d.pull_per_1000 = steps.facts().per_1000;
        if has_containers {
            d.pull_line = Some(steps);
        }
    }
}

/// Sorts recommendations by urgency: action (EXPEDITE, ORDER, DEFER, REVIEW, OK, HOLD), then
/// projected stockout, then order-by date (missing dates last), then SKU and location.
pub fn sort_by_urgency(recs: &mut [Recommendation]) {
    recs.sort_by(|a, b| {
        let far = NaiveDate::MAX;
        a.action
            .cmp(&b.action)
            .then(
                a.projected_stockout
                    .unwrap_or(far)
                    .cmp(&b.projected_stockout.unwrap_or(far)),
            )
            .then(a.order_by.unwrap_or(far).cmp(&b.order_by.unwrap_or(far)))
            .then_with(|| a.sku.cmp(&b.sku))
            .then_with(|| a.location.cmp(&b.location))
    });
}

fn fill_to_minimum(
    drafts: &mut [DraftLine],
    supplier: &str,
    terms: &SupplierTerms,
    planning: NaiveDate,
    run: &mut BudgetRun,
) {
    let mine = |d: &DraftLine| d.rec.supplier.as_deref() == Some(supplier);
    let totals = |drafts: &[DraftLine]| {
        drafts
            .iter()
            .filter(|d| mine(d) && d.rec.action == Action::Order)
            .fold((0.0, 0.0, 0usize), |(v, q, n), d| {
                (
                    v + d.rec.order_quantity * d.unit_cost,
                    q + d.rec.order_quantity,
                    n + 1,
                )
            })
    };
    let short = |(v, q, _): (f64, f64, usize)| {
        terms.min_order_value.is_some_and(|m| v < m - 1e-9)
            || terms.min_order_qty.is_some_and(|m| q < m - 1e-9)
    };
    let start = totals(drafts);
    if start.2 == 0 || !short(start) {
        return;
    }
    let minimum = match (terms.min_order_value, terms.min_order_qty) {
        (Some(v), Some(q)) => format!("minimum order value {} and quantity {}", r1(v), r1(q)),
        (Some(v), None) => format!("minimum order value {}", r1(v)),
        (None, Some(q)) => format!("minimum order quantity {}", r1(q)),
        (None, None) => return,
    };
    let far = NaiveDate::MAX;
    let mut candidates: Vec<usize> = (0..drafts.len())
        .filter(|&i| {
            mine(&drafts[i]) && drafts[i].rec.action == Action::Ok && drafts[i].pull_qty > 0.0
        })
        .collect();
    candidates.sort_by(|&a, &b| {
        let (x, y) = (&drafts[a].rec, &drafts[b].rec);
        x.order_by
            .unwrap_or(far)
            .cmp(&y.order_by.unwrap_or(far))
            .then(
                x.projected_stockout
                    .unwrap_or(far)
                    .cmp(&y.projected_stockout.unwrap_or(far)),
            )
            .then_with(|| x.sku.cmp(&y.sku))
    });
    let mut running = start;
    let (mut pulls, mut blocked) = (Vec::new(), None);
    // The pulls are spent from a copy of the purse, kept only when the minimum is met.
    let mut purse = run.purse.clone();
    for i in candidates {
        if !short(running) {
            break;
        }
        let d = &drafts[i];
        let value = d.pull_qty * d.unit_cost;
        let (sup, cat) = (d.rec.supplier.as_deref(), d.category.as_deref());
        if let Some(limit) = purse.exceeds(run.limits(), value, sup, cat) {
            blocked.get_or_insert(limit);
            continue;
        }
        purse.spend(value, sup, cat);
        running = (running.0 + value, running.1 + d.pull_qty, running.2 + 1);
        pulls.push(i);
    }
    if short(running) && run.defers_short_supplier(drafts, supplier, blocked.is_some()) {
        let within = match blocked {
            Some(limit @ (Limit::Supplier(_) | Limit::Category(_))) => limit.describe(run.limits()),
            _ => "the budget".to_string(),
        };
        let why = format!("{supplier}'s {minimum} cannot be met within {within}");
        run.defer_supplier(drafts, supplier, &why);
        return;
    }
    run.purse = purse;
    for i in pulls {
        let qty = drafts[i].pull_qty;
        let why = format!("pulled forward to reach {supplier}'s {minimum}");
        pull_forward(&mut drafts[i], qty, planning, &why);
    }
    let end = running;
    if short(end) {
        for d in drafts
            .iter_mut()
            .filter(|d| mine(d) && d.rec.action == Action::Order)
        {
            d.rec.reason.push_str(&format!(
                "; {supplier}'s order ({} units, value {}) is below its {minimum} even with every SKU pulled forward",
                r1(end.1),
                r1(end.0)
            ));
        }
    }
}

/// Orders `qty` of a SKU not yet due now, `why` opening its reason.
fn pull_forward(d: &mut DraftLine, qty: f64, planning: NaiveDate, why: &str) {
    let due = d
        .rec
        .order_by
        .map_or("beyond the horizon".into(), |o| o.to_string());
    d.rec.action = Action::Order;
    d.rec.order_quantity = qty;
    d.rec.order_value = (d.unit_cost > 0.0).then_some(qty * d.unit_cost);
    d.rec.order_by = Some(planning);
    d.rec.expected_arrival_p50 = Some(planning + Duration::days(d.p50.ceil() as i64));
    d.rec.expected_arrival_p90 = Some(planning + Duration::days(d.p90.ceil() as i64));
    d.rec.reason = std::iter::once(format!(
        "{why}: order {} now (would be due {due}; {})",
        r1(qty),
        d.standing
    ))
    .chain(d.tail.iter().cloned())
    .collect::<Vec<_>>()
    .join("; ");
}

/// Rounds a supplier's order to whole containers ([`container::round`]), after its minimum
/// and within what every budget that applies leaves (the total, the supplier's, each line's
/// category): the candidates are its ORDER lines (growing by their budget-deferred units),
/// lines the budget deferred whole, and its OK SKUs (by the order they would place now) —
/// each by its evaluated chunks (the ranked line, or the draft's `pull_line`). Nothing is done
/// when the supplier was deferred whole.
fn fill_containers(
    drafts: &mut [DraftLine],
    supplier: &str,
    terms: &SupplierTerms,
    planning: NaiveDate,
    run: &mut BudgetRun,
) {
    let Some(containers) = terms.containers() else {
        return;
    };
    let mine = |i: usize| drafts[i].rec.supplier.as_deref() == Some(supplier);
    if (0..drafts.len()).any(|i| mine(i) && matches!(run.notes[i], Some(CutNote::Supplier(_)))) {
        return;
    }
    // The ranked lines' chunks by draft (ORDER lines and those the cut deferred).
    let ranked: BTreeMap<usize, &LineSteps> = run.drafts.iter().copied().zip(&run.lines).collect();
    let steps_of = |i: usize| ranked.get(&i).copied().or(drafts[i].pull_line.as_ref());
    let mut idx: Vec<usize> = (0..drafts.len())
        .filter(|&i| {
            let d = &drafts[i];
            mine(i)
                && match d.rec.action {
                    Action::Order | Action::Defer => {
                        d.rec.order_quantity + d.rec.deferred_quantity > 0.0
                    }
                    Action::Ok => d.pull_qty > 0.0,
                    _ => false,
                }
        })
        .collect();
    idx.sort_by(|&a, &b| {
        let (x, y) = (&drafts[a].rec, &drafts[b].rec);
        x.sku.cmp(&y.sku).then_with(|| x.location.cmp(&y.location))
    });
    let (idx, lines): (Vec<usize>, Vec<LoadLine>) = idx
        .into_iter()
        .filter_map(|i| {
            let d = &drafts[i];
            let line = LoadLine {
                steps: steps_of(i)?.clone(),
                kept: d.rec.order_quantity,
                volume: d.volume,
                weight: d.weight,
            };
            Some((i, line))
        })
        .unzip();
    let money = container::Money {
        limits: run.limits(),
        purse: &run.purse,
    };
    let Some(r) = container::round(&lines, &containers, &terms.minimum(), money) else {
        return;
    };
    run.purse = r.purse.clone();
    for (k, &i) in idx.iter().enumerate() {
        let (before, after) = (lines[k].kept, r.kept[k]);
        if (after - before).abs() > 1e-9 {
            let note = &mut run.notes[i];
            apply_rounding(
                &mut drafts[i],
                note,
                (before, after),
                &r,
                supplier,
                planning,
            );
        }
    }
}

/// One line's share of a supplier's container rounding: `before` → `after` units, and the
/// reason that says so (a line grown back whole loses its budget cut note).
fn apply_rounding(
    d: &mut DraftLine,
    note: &mut Option<CutNote>,
    (before, after): (f64, f64),
    r: &container::Rounded,
    supplier: &str,
    planning: NaiveDate,
) {
    let fill = format!("{}% by {}", (r.last_fill * 100.0).round(), r.binding.name());
    let n = r.containers;
    if after > before && d.rec.action == Action::Ok {
        let why = format!("pulled forward to fill container {n} of {n} to {supplier}: {fill}");
        pull_forward(d, after, planning, &why);
    } else if after > before {
        let deferred = (d.rec.deferred_quantity - (after - before)).max(0.0);
        set_quantity(d, after, deferred);
        d.rec.action = Action::Order;
        if deferred <= 1e-9 {
            *note = None;
        }
        d.rec.reason.push_str(&format!(
            "; {} units pulled forward to fill container {n} of {n} to {supplier}: {fill}",
            r1(after - before)
        ));
    } else {
        set_quantity(d, after, d.rec.deferred_quantity + before - after);
        let to = match r.rounding {
            Rounding::TrimmedToMax => format!("{supplier}'s max_containers {n}"),
            _ => format!(
                "{n} whole container{} to {supplier} (the last {fill})",
                if n == 1 { "" } else { "s" }
            ),
        };
        let what = format!(
            "trimmed by {} units to {to}: the order's least valuable units",
            r1(before - after)
        );
        d.rec.reason = if after <= 0.0 {
            format!("deferred: {what} — {}", d.rec.reason)
        } else {
            format!("{}; {what}", d.rec.reason)
        };
    }
}

/// Moves a supplier's order-by dates to its order days and its expected arrivals past its
/// closures ([`crate::supplier_calendar`]), after the minimums: an order-by that is no order
/// day moves to the last order day before it (or, when that has passed, to the next one: the
/// order goes out late, and the reason says by how many days); arrivals are the order day
/// plus the lead-time p50 / p90 in open days.
fn follow_calendar(
    drafts: &mut [DraftLine],
    supplier: &str,
    calendar: &SupplierCalendar,
    planning: NaiveDate,
) {
    for d in drafts
        .iter_mut()
        .filter(|d| d.rec.supplier.as_deref() == Some(supplier))
    {
        let Some(due) = d.rec.order_by else { continue };
        let mut notes = Vec::new();
        let order_by = calendar.order_by(due, planning).unwrap_or_else(|| {
            notes.push(format!(
                "{supplier} takes no order within 400 days of {due} (order_days and closures in [suppliers.{supplier}]): the date is kept, check the calendar"
            ));
            due
        });
        if order_by > due {
            notes.push(format!(
                "{supplier} takes no order on {due}: the next order day is {order_by}, {} days after the order was due — a late order",
                (order_by - due).num_days()
            ));
        } else if order_by < due {
            notes.push(format!(
                "order by {order_by}, {supplier}'s last order day before {due}"
            ));
        }
        let arrive = |days: f64| calendar.arrival(order_by, days.max(0.0).ceil() as i64);
        let (p50, p90) = (arrive(d.p50), arrive(d.p90));
        let plain = order_by + Duration::days(d.p50.max(0.0).ceil() as i64);
        if p50 > plain {
            notes.push(format!(
                "expected arrival {p50} counts {} days {supplier} is closed",
                (p50 - plain).num_days()
            ));
        }
        d.rec.order_by = Some(order_by);
        d.rec.expected_arrival_p50 = Some(p50);
        d.rec.expected_arrival_p90 = Some(p90);
        for n in notes {
            d.rec.reason.push_str("; ");
            d.rec.reason.push_str(&n);
            d.tail.push(n);
        }
    }
}

/// Why a line's quantity was cut, for its reason (written once priorities are known).
#[derive(Debug, Clone)]
enum CutNote {
    /// Cut by the budget's ranking: the first deferred chunk's score per 1,000 of money, and
    /// the budget it did not fit.
    Budget {
        per_1000: f64,
        costed: bool,
        by: Limit,
    },
    /// Cut with its supplier, whose minimum the budget cannot meet.
    Supplier(String),
}

/// The order budget applied to the drafts: the ranking of the ORDER lines, the cut, and the
/// money left for supplier minimums ([`crate::purchasing::budget`]).
struct BudgetRun<'s> {
    /// The budgets.
    limits: &'s PurchasingSettings,
    /// Whether a budget applies.
    limited: bool,
    /// Money spent so far (priced lines): in total, per supplier, per category.
    purse: Purse,
    /// Draft index of each ranked line (sorted by SKU and location).
    drafts: Vec<usize>,
    lines: Vec<LineSteps>,
    ranking: Ranking,
    /// Per draft.
    notes: Vec<Option<CutNote>>,
}

/// The budget's view of a draft: position, quantity, pack, MOQ, costs and the demand over the
/// protection period of an order placed today — D(L + R − 1) as the normal method designed the
/// levels ([`crate::policy::order_protection`]: the forecast spread's degrees of freedom, the
/// skew of `[policy] demand_shape`, the crossing-aware lead-time term for `RS` when orders
/// cross), or the SKU's empirical sample, drawn again with its own seed.
fn line_of(p: &SkuPlan, d: &DraftLine, quantity: f64, settings: &PolicySettings) -> Line {
    let input = &p.policy_input;
    let demand = if p.empirical {
        let review = if input.kind.is_periodic() {
            input.review_period
        } else {
            0.0
        };
        Demand::Sample(crate::policy::empirical::sample_protection_demand(
            crate::policy::empirical::SampleInput {
                rate_per_day: &p.rate_per_day,
                error_paths: &p.error_paths,
                lead_times: &p.lead_time.stats.sample,
                review_days: review,
                // D(L + R − 1), as the normal branch: the position is known today, so no
                // undershoot of a reorder point enters the line's avoided shortage.
                reorder_point: false,
                draws: settings.draws,
                seed: p.seed,
            },
        ))
    } else {
        let (mean, spread) = crate::policy::order_protection(input);
        Demand::Design { mean, spread }
    };
    Line {
        position: d.rec.inventory_position,
        quantity,
        moq: p.item.moq,
        pack: p.item.pack_size,
        unit_cost: d.unit_cost,
        shortage_cost: p.item.shortage_cost,
        demand,
        supplier: d.rec.supplier.clone(),
        category: d.category.clone(),
    }
}

impl<'s> BudgetRun<'s> {
    /// Ranks every ORDER line and, with a budget, cuts it: kept units stay in
    /// `order_quantity`, the rest goes to `deferred_quantity`; a line cut whole is DEFER.
    fn cut(drafts: &mut [DraftLine], settings: &'s PurchasingSettings) -> Self {
        let (limits, limited) = (settings, settings.is_limited());
        let mut idx: Vec<usize> = (0..drafts.len())
            .filter(|&i| drafts[i].line.is_some())
            .collect();
        idx.sort_by(|&a, &b| {
            let (x, y) = (&drafts[a].rec, &drafts[b].rec);
            x.sku.cmp(&y.sku).then_with(|| x.location.cmp(&y.location))
        });
        let lines: Vec<LineSteps> = idx.iter().filter_map(|&i| drafts[i].line.take()).collect();
        let ranking = budget::rank(&lines);
        let cut = budget::cut(&ranking, &lines, limits);
        let mut notes: Vec<Option<CutNote>> = vec![None; drafts.len()];
        for (k, &i) in idx.iter().enumerate() {
            let d = &mut drafts[i];
            d.rec.shortage_avoided_per_1000 = ranking.lines[k].per_1000;
            let kept = cut.kept[k];
            let deferred = d.rec.order_quantity - kept;
            if deferred <= 1e-9 {
                continue;
            }
            set_quantity(d, kept, deferred);
            let pos = cut.first_deferred[k].expect("a cut line has a first deferred chunk");
            notes[i] = Some(CutNote::Budget {
                per_1000: ranking.chunks[pos].rank * 1000.0,
                costed: ranking.lines[k].costed,
                by: cut.cut_by[k].clone().unwrap_or(Limit::Total),
            });
        }
        Self {
            limits,
            limited,
            purse: cut.purse,
            drafts: idx,
            lines,
            ranking,
            notes,
        }
    }

    /// The budgets.
    fn limits(&self) -> &'s PurchasingSettings {
        self.limits
    }

    /// Whether a supplier still short of its minimum is deferred: with a budget, when the
    /// budget blocked a pull-forward or cut one of its lines.
    fn defers_short_supplier(&self, drafts: &[DraftLine], supplier: &str, blocked: bool) -> bool {
        self.limited
            && (blocked
                || drafts.iter().any(|d| {
                    d.rec.supplier.as_deref() == Some(supplier) && d.rec.deferred_quantity > 0.0
                }))
    }

    /// Defers every ORDER line of `supplier` (its minimum cannot be met within the budget);
    /// their money goes back to the budgets.
    fn defer_supplier(&mut self, drafts: &mut [DraftLine], supplier: &str, why: &str) {
        for (i, d) in drafts.iter_mut().enumerate() {
            if d.rec.supplier.as_deref() != Some(supplier) || d.rec.action != Action::Order {
                continue;
            }
            let value = d.rec.order_quantity * d.unit_cost;
            self.purse
                .spend(-value, d.rec.supplier.as_deref(), d.category.as_deref());
            let all = d.rec.order_quantity + d.rec.deferred_quantity;
            set_quantity(d, 0.0, all);
            self.notes[i] = Some(CutNote::Supplier(why.to_string()));
        }
    }

    /// Priority keys of lines pulled forward for a supplier minimum, priorities, the cut
    /// lines' reasons and the summary (with a budget).
    fn finish(self, drafts: &mut [DraftLine]) -> Option<BudgetSummary> {
        let ranked: BTreeSet<usize> = self.drafts.iter().copied().collect();
        for (i, d) in drafts.iter_mut().enumerate() {
            if !ranked.contains(&i) && d.rec.order_quantity > 0.0 {
                // Pulled forward for a supplier minimum.
                d.rec.shortage_avoided_per_1000 = d.pull_per_1000;
            }
        }
        assign_priorities(drafts.iter_mut().map(|d| &mut d.rec));
        if !self.limited {
            return None;
        }
        for (d, note) in drafts.iter_mut().zip(&self.notes) {
            if let Some(note) = note {
                cut_reason(d, note, self.limits);
            } else if d.rec.order_quantity > 0.0 && d.unit_cost <= 0.0 {
                d.rec.reason.push_str(
                    "; no unit cost: kept outside the budget (it cannot be priced; give the item a unit_cost)",
                );
            }
        }
        Some(self.summary(drafts, self.limits.budget))
    }

    fn summary(&self, drafts: &[DraftLine], budget: Option<f64>) -> BudgetSummary {
        let whole: Vec<f64> = self.lines.iter().map(|l| l.quantity).collect();
        let kept: Vec<f64> = self
            .drafts
            .iter()
            .map(|&i| drafts[i].rec.order_quantity)
            .collect();
        let (b0, f0) = self.ranking.portfolio(&self.lines, &whole);
        let (b1, f1) = self.ranking.portfolio(&self.lines, &kept);
        let unpriced: Vec<&LineSteps> = self.lines.iter().filter(|l| !l.priced()).collect();
        BudgetSummary {
            budget,
            lines: self.lines.len(),
            value_wanted: self.lines.iter().map(|l| l.quantity * l.unit_cost).sum(),
            value_kept: drafts
                .iter()
                .map(|d| d.rec.order_quantity * d.unit_cost)
                .sum(),
            lines_deferred: drafts
                .iter()
                .filter(|d| d.rec.action == Action::Defer)
                .count(),
            lines_cut: drafts
                .iter()
                .filter(|d| d.rec.action == Action::Order && d.rec.deferred_quantity > 0.0)
                .count(),
            unpriced_lines: unpriced.len(),
            unpriced_units: unpriced.iter().fold(0.0, |t, l| t + l.quantity),
            fill_rate_without_cut: f0,
            backorders_without_cut: b0,
            fill_rate_with_cut: f1,
            backorders_with_cut: b1,
            curve: self.ranking.curve(&self.lines),
        }
    }
}

/// Keeps `kept` units of a line and defers the rest (DEFER when nothing is kept).
fn set_quantity(d: &mut DraftLine, kept: f64, deferred: f64) {
    d.rec.order_quantity = kept;
    d.rec.deferred_quantity = deferred;
    d.rec.order_value = (d.unit_cost > 0.0).then_some(kept * d.unit_cost);
    if kept <= 0.0 {
        d.rec.action = Action::Defer;
    }
}

/// The reason of a line the budget cut: what was cut, why (naming the budget that cut it),
/// and how many lines rank ahead.
fn cut_reason(d: &mut DraftLine, note: &CutNote, limits: &PurchasingSettings) {
    let ahead = d.rec.priority.map_or(0, |p| p.saturating_sub(1));
    let r = &mut d.rec;
    let whole = r.action == Action::Defer;
    let what = if whole {
        String::new()
    } else {
        format!(
            " to {} of {} units ({} deferred)",
            r1(r.order_quantity),
            r1(r.order_quantity + r.deferred_quantity),
            r1(r.deferred_quantity)
        )
    };
    let why = match note {
        CutNote::Budget {
            per_1000,
            costed,
            by,
        } => format!(
            "cut by {}{what}: {} avoids {} {} per 1,000 spent; {ahead} {} ranked ahead",
            by.describe(limits),
            if whole { "it" } else { "the next pack" },
            r1(*per_1000),
            if *costed {
                "of shortage cost"
            } else {
                "backorders"
            },
            if ahead == 1 { "line" } else { "lines" },
        ),
        CutNote::Supplier(why) => format!("deferred{what}: {why}"),
    };
    r.reason = format!("{why} — {}", r.reason);
}

/// Numbers the rows with an order or a deferral 1, 2, … in buying order and clears the
/// others: lines without a unit cost first (kept whatever the budget), then by
/// `shortage_avoided_per_1000`, highest first ([`budget::priority_cmp`]), then SKU and
/// location. `merge` numbers the shards' rows with the same rule.
pub fn assign_priorities<'r>(recs: impl IntoIterator<Item = &'r mut Recommendation>) {
    let mut rows: Vec<&mut Recommendation> = recs
        .into_iter()
        .filter_map(|r| {
            r.priority = None;
            (r.order_quantity > 0.0 || r.deferred_quantity > 0.0).then_some(r)
        })
        .collect();
    rows.sort_by(|a, b| {
        budget::priority_cmp(a.shortage_avoided_per_1000, b.shortage_avoided_per_1000)
            .then_with(|| a.sku.cmp(&b.sku))
            .then_with(|| a.location.cmp(&b.location))
    });
    for (n, r) in rows.into_iter().enumerate() {
        r.priority = Some(u32::try_from(n + 1).unwrap_or(u32::MAX));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        classify::{Abc, DemandClass},
        config::ItemDefaults,
        io::items::{ItemParams, ItemRecord},
        leadtime::{LeadTimeStats, SkuLeadTime},
        policy::{normal, Method, OrderRule, PolicyInput, PolicyKind, ServiceMeasure},
    };

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const PLAN: &str = "2026-01-01";

    /// A SKU selling `d` a day, lead time 10 days (p50 10, p90 10), min-max with s and S given.
    fn sku_plan(sku: &str, d: f64, s: f64, big_s: f64) -> SkuPlan {
        let item = ItemRecord::resolve(None, &ItemDefaults::default());
        let input = PolicyInput {
            kind: PolicyKind::MinMax,
            demand_mean: d,
            demand_sd: 0.0,
            demand_sd_dof: f64::INFINITY,
            lead_time: 10.0,
            lead_time_sd: 0.0,
            lead_time_third_moment: None,
            demand_shape: crate::policy::DemandShape::Normal,
            orders_cross: true,
            review_period: 7.0,
            measure: ServiceMeasure::Cycle,
            target: 0.95,
            order: OrderRule::Fixed(1.0),
            order_cost: 0.0,
            holding_cost: 0.0,
            moq: 1.0,
            pack_size: 1.0,
        };
        let levels = crate::policy::GivenLevels {
            reorder_point: Some(s),
            order_quantity: None,
            order_up_to: Some(big_s),
        };
        let policy = crate::policy::evaluate(&input, Method::Normal, levels).unwrap();
        let input = input.clone();
        SkuPlan {
            sku: sku.into(),
            location: None,
            supplier: Some("S1".into()),
            class: DemandClass::Smooth,
            abc: Abc::A,
            model: crate::domain::model::ModelSpec::Ses(None).into(),
            target: 0.95,
            target_source: "default".into(),
            measure: ServiceMeasure::Cycle,
            demand_per_day: d,
            demand_sd_per_day: 0.0,
            lead_time: SkuLeadTime {
                supplier: Some("S1".into()),
                source: LeadTimeSource::Sku,
                own_receipts: 10,
                stats: LeadTimeStats::fixed(10.0),
            },
            review_period: 7.0,
            policy: Ok(policy),
            history_days: 400,
            backtested: true,
            item: ItemParams {
                unit_cost: 2.0,
                ..item
            },
            rate_per_day: vec![d; 90],
            error_paths: Default::default(),
            policy_input: input,
            empirical: false,
            current: None,
            seed: 1,
            overrides: Vec::new(),
            safety_stock_rule: "statistical".into(),
            censored_days: 0,
            imputed_units: 0.0,
            hold: None,
            input_notes: Vec::new(),
            never_sold: None,
            largest_past_order: None,
            simulated: None,
            design_search: None,
            supplier_choice: None,
        }
    }

    fn inv(sku: &str, on_hand: f64, backordered: f64) -> InventoryRecord {
        InventoryRecord {
            line: 2,
            sku: sku.into(),
            location: None,
            on_hand,
            on_order: None,
            backordered: Some(backordered),
            as_of: None,
        }
    }

    fn open(sku: &str, qty: f64, expected: &str) -> OpenOrder {
        OpenOrder {
            line: 7,
            sku: sku.into(),
            supplier: Some("S1".into()),
            order_date: day("2025-12-20"),
            quantity: qty,
            expected: day(expected),
            expected_given: true,
            overdue: false,
        }
    }

    fn one(plan: &SkuPlan, inventory: &InventoryRecord, orders: Vec<OpenOrder>) -> Recommendation {
        let st = SkuState {
            plan,
            inventory: Some(inventory),
            has_inventory_file: true,
            open_orders: Some(orders),
            shared_pipeline: false,
            drift: None,
            category: None,
        };
        recommend_all(
            &[st],
            day(PLAN),
            &BTreeMap::new(),
            &PolicySettings::default(),
        )
        .remove(0)
    }

    #[test]
    fn the_simulator_orders_what_the_recommendation_orders_at_the_same_position() {
        // One function sizes both (`Levels::order_at`): wherever a position triggers an
        // order, the simulator's order is the recommendation's, bit for bit, in every family.
        for kind in [
            PolicyKind::SQ,
            PolicyKind::MinMax,
            PolicyKind::RS,
            PolicyKind::RsS,
        ] {
            let mut input = crate::policy::tests::base(kind);
            (input.moq, input.pack_size) = (30.0, 12.0);
            let o = crate::policy::design(&input, Method::Normal).unwrap();
            let sim = crate::sim::SimPolicy::from_outcome(
                &o,
                input.review_period,
                Some((input.moq, input.pack_size)),
            );
            let mut triggered = 0;
            for i in -400..=400 {
                let pos = o.levels.trigger_level() + f64::from(i) * 0.37;
                if !sim.triggers(pos) {
                    continue;
                }
                triggered += 1;
                let rec = order_for(&o.levels, pos, input.moq, input.pack_size);
                assert_eq!(
                    sim.order_for(pos).to_bits(),
                    rec.to_bits(),
                    "{kind} at {pos}"
                );
            }
            assert!(triggered > 300, "{kind}: {triggered}");
        }
        // And through a whole recommendation: position 45 ≤ s = 60 orders S − 45 = 155.
        let p = sku_plan("A", 2.0, 60.0, 200.0);
        let r = one(
            &p,
            &inv("A", 30.0, 5.0),
            vec![open("A", 20.0, "2026-01-05")],
        );
        let o = p.policy.as_ref().unwrap();
        let sim = crate::sim::SimPolicy::from_outcome(o, 7.0, Some((p.item.moq, p.item.pack_size)));
        assert_eq!(r.action, Action::Order);
        assert_eq!(
            sim.order_for(r.inventory_position).to_bits(),
            r.order_quantity.to_bits()
        );
    }

    #[test]
    fn a_planner_hold_orders_nothing_and_says_what_the_numbers_would_do() {
        // Position 45 is below s = 60: the numbers say ORDER 155, the planner says discontinued.
        let mut p = sku_plan("A", 2.0, 60.0, 200.0);
        p.hold = Some("discontinued: no new orders, selling down".into());
        p.overrides = vec!["discontinued: no new orders, selling down".into()];
        let r = one(
            &p,
            &inv("A", 30.0, 5.0),
            vec![open("A", 20.0, "2026-01-05")],
        );
        assert_eq!(r.action, Action::Hold);
        assert!(r.order_quantity.abs() < 1e-12);
        assert_eq!(r.order_by, None);
        assert!(r.reason.contains("discontinued"), "{}", r.reason);
        assert!(r.reason.contains("would say ORDER 155"), "{}", r.reason);
        assert_eq!(r.overrides, "discontinued: no new orders, selling down");
    }

    #[test]
    fn ok_with_order_by_when_the_position_will_reach_the_reorder_point() {
        // 2 a day from a position of 100: after day t the position is 100 − 2(t + 1), which
        // reaches s = 60 after day 19 → order by 2026-01-20; arrival 10 days later.
        let p = sku_plan("A", 2.0, 60.0, 200.0);
        let r = one(&p, &inv("A", 100.0, 0.0), vec![]);
        assert_eq!(r.action, Action::Ok);
        assert!(r.order_quantity.abs() < 1e-12);
        assert_eq!(r.order_by, Some(day("2026-01-20")));
        assert_eq!(r.expected_arrival_p50, Some(day("2026-01-30")));
        // Stock of 100 lasts 50 days: net goes below 0 on day index 50.
        assert_eq!(r.projected_stockout, Some(day("2026-02-20")));
        assert!((r.days_of_cover.unwrap() - 50.0).abs() < 1e-12);
    }

    #[test]
    fn order_up_to_s_when_at_or_below_the_reorder_point() {
        // Position = 30 + 20 on order − 5 backordered = 45 ≤ 60: order S − 45 = 155.
        let p = sku_plan("A", 2.0, 60.0, 200.0);
        let r = one(
            &p,
            &inv("A", 30.0, 5.0),
            vec![open("A", 20.0, "2026-01-05")],
        );
        assert_eq!(r.action, Action::Order);
        assert!((r.inventory_position - 45.0).abs() < 1e-12);
        assert!((r.order_quantity - 155.0).abs() < 1e-12);
        assert!((r.order_value.unwrap() - 310.0).abs() < 1e-12);
        assert_eq!(r.order_by, Some(day(PLAN)));
        // 5 waiting, 30 on hand: filled today.
        assert_eq!(r.backorder_fill_date, Some(day(PLAN)));
    }

    #[test]
    fn expedite_when_stock_runs_out_before_the_open_order() {
        // 10 on hand at 2 a day lasts 5 days; the open order of 100 arrives day 20. Position
        // 110 is above s = 60, so no new order: expedite.
        let p = sku_plan("A", 2.0, 60.0, 200.0);
        let r = one(
            &p,
            &inv("A", 10.0, 0.0),
            vec![open("A", 100.0, "2026-01-21")],
        );
        assert_eq!(r.action, Action::Expedite);
        assert_eq!(r.projected_stockout, Some(day("2026-01-06")));
        assert_eq!(r.next_arrival, Some(day("2026-01-21")));
        assert!(r.reason.contains("PO line 7"), "{}", r.reason);
        // An order placed today arrives on day 10: 20 units demanded by then against 10 on
        // hand → 10 units short, worth 20 at unit cost 2.
        assert!((r.units_at_risk - 10.0).abs() < 1e-9, "{}", r.units_at_risk);
        assert!((r.value_at_risk.unwrap() - 20.0).abs() < 1e-9);
    }

    #[test]
    fn backorders_are_filled_by_the_first_arrivals_that_cover_them() {
        // 0 on hand, 30 waiting; orders of 10 (Jan 3) and 50 (Jan 8): covered on Jan 8.
        let p = sku_plan("A", 0.5, 10.0, 100.0);
        let r = one(
            &p,
            &inv("A", 0.0, 30.0),
            vec![open("A", 10.0, "2026-01-03"), open("A", 50.0, "2026-01-08")],
        );
        assert_eq!(r.backorder_fill_date, Some(day("2026-01-08")));
        assert_eq!(r.projected_stockout, Some(day(PLAN)));
        // 30 waiting plus 0.5 a day: 31 short at the end of day 1, before the first open
        // order (day 2) starts filling them.
        assert!((r.units_at_risk - 31.0).abs() < 1e-9, "{}", r.units_at_risk);
    }

    #[test]
    fn thin_history_is_review_with_no_quantity() {
        let mut p = sku_plan("A", 2.0, 60.0, 200.0);
        p.history_days = 20;
        let r = one(&p, &inv("A", 0.0, 0.0), vec![]);
        assert_eq!(r.action, Action::Review);
        assert!(r.order_quantity.abs() < 1e-12);
        assert!(
            r.reason.contains("20 days of sales history"),
            "{}",
            r.reason
        );
        assert!(r.reason.contains("ORDER 200"), "{}", r.reason);
    }

    #[test]
    fn supplier_minimum_pulls_forward_the_most_urgent_ok_skus() {
        // A orders 155 units (value 310); the minimum is 500, so B (order-by Jan 10) is pulled
        // forward before C (order-by Jan 30).
        let a = sku_plan("A", 2.0, 60.0, 200.0);
        let b = sku_plan("B", 2.0, 60.0, 150.0);
        let c = sku_plan("C", 2.0, 60.0, 150.0);
        let (ia, ib, ic) = (
            inv("A", 45.0, 0.0),
            inv("B", 80.0, 0.0),
            inv("C", 120.0, 0.0),
        );
        let states: Vec<SkuState<'_>> = [(&a, &ia), (&b, &ib), (&c, &ic)]
            .into_iter()
            .map(|(plan, i)| SkuState {
                plan,
                inventory: Some(i),
                has_inventory_file: true,
                open_orders: Some(vec![]),
                shared_pipeline: false,
                drift: None,
                category: None,
            })
            .collect();
        let mut terms = BTreeMap::new();
        terms.insert(
            "S1".to_string(),
            SupplierTerms {
                min_order_value: Some(500.0),
                ..SupplierTerms::default()
            },
        );
        let recs = recommend_all(&states, day(PLAN), &terms, &PolicySettings::default());
        let by = |s: &str| recs.iter().find(|r| r.sku == s).unwrap();
        assert_eq!(by("A").action, Action::Order);
        assert_eq!(by("B").action, Action::Order);
        assert!((by("B").order_quantity - 70.0).abs() < 1e-12);
        assert!(
            by("B").reason.starts_with("pulled forward"),
            "{}",
            by("B").reason
        );
        // 310 + 140 = 450 < 500: C is pulled forward too (30 units, 60): 510.
        assert_eq!(by("C").action, Action::Order);
        // Sorted: ORDER rows by projected stockout, A first.
        assert_eq!(recs[0].sku, "A");
    }

    /// A and B sell 2 ± 3 a day (lead time 10 days), MOQ 200 (one chunk each): A has 10 on
    /// hand at unit cost 1, B none at unit cost 4.
    fn two_skus() -> (SkuPlan, SkuPlan, InventoryRecord, InventoryRecord) {
        let mut a = sku_plan("A", 2.0, 60.0, 200.0);
        let mut b = sku_plan("B", 2.0, 60.0, 200.0);
        for (p, cost) in [(&mut a, 1.0), (&mut b, 4.0)] {
            p.policy_input.demand_sd = 3.0;
            p.item.moq = 200.0;
            p.item.unit_cost = cost;
        }
        (a, b, inv("A", 10.0, 0.0), inv("B", 0.0, 0.0))
    }

    fn within(
        plans: [(&SkuPlan, &InventoryRecord); 2],
        terms: &BTreeMap<String, SupplierTerms>,
        budget: Option<f64>,
    ) -> (Vec<Recommendation>, Option<BudgetSummary>) {
        let states: Vec<SkuState<'_>> = plans
            .into_iter()
            .map(|(plan, i)| SkuState {
                plan,
                inventory: Some(i),
                has_inventory_file: true,
                open_orders: Some(vec![]),
                shared_pipeline: false,
                drift: None,
                category: None,
            })
            .collect();
        let purchasing = PurchasingSettings {
            budget,
            ..PurchasingSettings::default()
        };
        recommend_within(
            &states,
            day(PLAN),
            terms,
            &PolicySettings::default(),
            &purchasing,
        )
    }

    #[test]
    fn the_budget_goes_to_the_sku_that_avoids_more_shortage_per_unit_of_money() {
        // X = D(10) ~ N(20, 3·√10). A (position 10) avoids E[(X − 10)⁺] − E[(X − 210)⁺]
        // ≈ 10.1 units for 200; B (position 0, more urgent: out of stock today) avoids
        // E[X⁺] − E[(X − 200)⁺] ≈ 20.1 units for 800 (25.1 per 1,000). A ranks first; a budget of 900 keeps A (200) and defers B (200 + 800
        // > 900), though B is the more urgent.
        let (a, b, ia, ib) = two_skus();
        let sd = 3.0 * 10f64.sqrt();
        let avoided_a = normal::excess(20.0, sd, 10.0) - normal::excess(20.0, sd, 210.0);
        let (recs, summary) = within([(&b, &ib), (&a, &ia)], &BTreeMap::new(), Some(900.0));
        let by = |s: &str| recs.iter().find(|r| r.sku == s).unwrap();
        assert_eq!(by("A").action, Action::Order);
        assert!((by("A").order_quantity - 200.0).abs() < 1e-12);
        assert_eq!(by("A").priority, Some(1));
        let key = by("A").shortage_avoided_per_1000.unwrap();
        assert!((key - 1000.0 * avoided_a / 200.0).abs() < 1e-9, "{key}");
        assert_eq!(by("B").action, Action::Defer);
        assert!(by("B").order_quantity.abs() < 1e-12);
        assert!((by("B").deferred_quantity - 200.0).abs() < 1e-12);
        assert_eq!(by("B").priority, Some(2));
        assert!(
            by("B").reason.starts_with("cut by the budget of 900: it avoids 25.1 backorders per 1,000 spent; 1 line ranked ahead"),
            "{}",
            by("B").reason
        );
        // DEFER sorts after ORDER.
        assert_eq!(recs[0].sku, "A");
        let s = summary.unwrap();
        assert!(s.value_kept <= 900.0);
        assert!((s.value_kept - 200.0).abs() < 1e-9);
        assert_eq!((s.lines, s.lines_deferred, s.lines_cut), (2, 1, 0));
        assert!(s.fill_rate_with_cut < s.fill_rate_without_cut);
        // Without a budget both order, still numbered by the same ranking, reasons untouched.
        let (recs, summary) = within([(&b, &ib), (&a, &ia)], &BTreeMap::new(), None);
        assert!(summary.is_none());
        let by = |s: &str| recs.iter().find(|r| r.sku == s).unwrap();
        assert_eq!((by("A").priority, by("B").priority), (Some(1), Some(2)));
        assert_eq!(by("B").action, Action::Order);
        assert!(!by("B").reason.contains("budget"), "{}", by("B").reason);
    }

    #[test]
    fn a_supplier_minimum_the_budget_cannot_meet_defers_the_suppliers_lines() {
        // The budget keeps A (200) and cuts B; S1's minimum of 1,000 is then out of reach
        // within 900, so A is deferred too, with the reason.
        let (a, b, ia, ib) = two_skus();
        let mut terms = BTreeMap::new();
        terms.insert(
            "S1".to_string(),
            SupplierTerms {
                min_order_value: Some(1000.0),
                ..SupplierTerms::default()
            },
        );
        let (recs, summary) = within([(&a, &ia), (&b, &ib)], &terms, Some(900.0));
        let by = |s: &str| recs.iter().find(|r| r.sku == s).unwrap();
        assert_eq!(by("A").action, Action::Defer);
        assert!((by("A").deferred_quantity - 200.0).abs() < 1e-12);
        assert!(
            by("A").reason.starts_with(
                "deferred: S1's minimum order value 1000 cannot be met within the budget"
            ),
            "{}",
            by("A").reason
        );
        assert!(summary.unwrap().value_kept.abs() < 1e-12);
        // With room for both, the minimum is met and nothing is deferred.
        let (recs, _) = within([(&a, &ia), (&b, &ib)], &terms, Some(1000.0));
        assert!(recs.iter().all(|r| r.action == Action::Order), "{recs:?}");
    }

    #[test]
    fn containers_trim_the_least_valuable_line_and_never_spend_beyond_the_budget() {
        // A (200 units at 1) avoids more per money than B (200 at 4); 1 m³ a unit. In
        // containers of 300 m³ the 400 ordered fill 1⅓: the last is a third full (< 0.5), so
        // the order is trimmed to one container by deferring B, the least valuable.
        let (mut a, mut b, ia, ib) = two_skus();
        for p in [&mut a, &mut b] {
            p.item.volume = Some(1.0);
        }
        let truck = |volume: f64| {
            BTreeMap::from([(
                "S1".to_string(),
                SupplierTerms {
                    container_volume: Some(volume),
                    ..SupplierTerms::default()
                },
            )])
        };
        let (recs, _) = within([(&b, &ib), (&a, &ia)], &truck(300.0), None);
        let by = |s: &str| recs.iter().find(|r| r.sku == s).unwrap().clone();
        assert_eq!(by("A").action, Action::Order);
        assert!((by("A").order_quantity - 200.0).abs() < 1e-12);
        assert_eq!(by("B").action, Action::Defer);
        assert!((by("B").deferred_quantity - 200.0).abs() < 1e-12);
        assert!(
            by("B").reason.starts_with(
                "deferred: trimmed by 200 units to 1 whole container to S1 (the last 67% by volume): the order's least valuable units — "
            ),
            "{}",
            by("B").reason
        );
        // In containers of 500 m³ a budget of 950 keeps A and cuts B (200 + 800 > 950); B
        // would fit in the container (400 ≤ 500) but not in the 750 left: it stays deferred.
        let (recs, summary) = within([(&b, &ib), (&a, &ia)], &truck(500.0), Some(950.0));
        let by = |s: &str| recs.iter().find(|r| r.sku == s).unwrap().clone();
        assert_eq!(by("B").action, Action::Defer);
        assert!(summary.unwrap().value_kept <= 950.0);
        // With 1,000 both fit the budget and the container: nothing to round.
        let (recs, summary) = within([(&b, &ib), (&a, &ia)], &truck(500.0), Some(1000.0));
        assert!(recs.iter().all(|r| r.action == Action::Order));
        assert!(summary.unwrap().value_kept <= 1000.0 + 1e-9);
    }

    #[test]
    fn a_supplier_or_category_budget_limits_what_the_container_fill_pulls_forward() {
        // A (200 at 1) and B (200 at 4) are due at S1; C (S1, position 150 above s = 60, MOQ
        // 100, 1 a unit) is not, and would order 100 if triggered now. 1 m³ a unit, a
        // container of 500 m³: A and B load 400 (80%, one container: fill up), C's 100 fill
        // it exactly — when every budget that applies to C has 100 left.
        let (mut a, mut b, ia, ib) = two_skus();
        let mut c = sku_plan("C", 2.0, 60.0, 200.0);
        c.item.moq = 100.0;
        c.item.unit_cost = 1.0;
        let ic = inv("C", 150.0, 0.0);
        for p in [&mut a, &mut b, &mut c] {
            p.item.volume = Some(1.0);
        }
        let terms = BTreeMap::from([(
            "S1".to_string(),
            SupplierTerms {
                container_volume: Some(500.0),
                ..SupplierTerms::default()
            },
        )]);
        let states: Vec<SkuState<'_>> = [(&a, &ia), (&b, &ib), (&c, &ic)]
            .into_iter()
            .map(|(plan, i)| SkuState {
                plan,
                inventory: Some(i),
                has_inventory_file: true,
                open_orders: Some(vec![]),
                shared_pipeline: false,
                drift: None,
                category: Some("Tools"),
            })
            .collect();
        let settings = PolicySettings::default();
        let drafts = drafts(&states, day(PLAN), &terms, &settings);
        let run = |purchasing: &PurchasingSettings| {
            let (recs, summary) = finish_drafts(drafts.clone(), day(PLAN), &terms, purchasing);
            let c = recs.iter().find(|r| r.sku == "C").unwrap().clone();
            (c, summary.map(|s| s.value_kept))
        };
        // No budget: C is pulled forward.
        let (c_row, _) = run(&PurchasingSettings::default());
        assert_eq!(c_row.action, Action::Order, "{}", c_row.reason);
        assert!((c_row.order_quantity - 100.0).abs() < 1e-12);
        assert!(
            c_row.reason.starts_with(
                "pulled forward to fill container 1 of 1 to S1: 100% by volume: order 100 now"
            ),
            "{}",
            c_row.reason
        );
        // S1's budget of 1,050: A and B (1,000) are kept, C's 100 would take S1 to 1,100.
        let mut purchasing = PurchasingSettings::default();
        purchasing.budget_by_supplier.insert("S1".into(), 1050.0);
        let (c_row, kept) = run(&purchasing);
        assert_eq!(c_row.action, Action::Ok, "{}", c_row.reason);
        assert!((kept.unwrap() - 1000.0).abs() < 1e-9);
        // With 1,100 it fits: pulled forward, S1's spending exactly its budget.
        purchasing.budget_by_supplier.insert("S1".into(), 1100.0);
        let (c_row, kept) = run(&purchasing);
        assert_eq!(c_row.action, Action::Order, "{}", c_row.reason);
        assert!((kept.unwrap() - 1100.0).abs() < 1e-9);
        // The category's budget binds too: Tools at 1,099 leaves C out again.
        purchasing.budget_by_category.insert("Tools".into(), 1099.0);
        let (c_row, kept) = run(&purchasing);
        assert_eq!(c_row.action, Action::Ok, "{}", c_row.reason);
        assert!(kept.unwrap() <= 1099.0);
        // Through JSON (a shard's budget_lines, read back by merge) the drafts give the same.
        let text = serde_json::to_string(&drafts).unwrap();
        let back: Vec<DraftLine> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, drafts);
        assert!(back.iter().any(|d| d.pull_line.is_some()));
        // Drafts written before containers (no pull_line, volume, weight) still read: their
        // lines are unmeasured, so the truck is not rounded and C is not pulled forward.
        let mut old: serde_json::Value = serde_json::from_str(&text).unwrap();
        for d in old.as_array_mut().unwrap() {
            let d = d.as_object_mut().unwrap();
            for key in ["pull_line", "volume", "weight"] {
                assert!(d.remove(key).is_some(), "{key}");
            }
        }
        let old: Vec<DraftLine> = serde_json::from_value(old).unwrap();
        assert!(old
            .iter()
            .all(|d| d.pull_line.is_none() && d.volume.is_none()));
        let (recs, _) = finish_drafts(old, day(PLAN), &terms, &PurchasingSettings::default());
        let c_row = recs.iter().find(|r| r.sku == "C").unwrap();
        assert_eq!(c_row.action, Action::Ok, "{}", c_row.reason);
    }

    #[test]
    fn a_supplier_budget_defers_a_line_the_total_budget_keeps_and_says_so() {
        // A (S1, 200 at 1) and B (S2, 200 at 4 = 800): the total of 1,000 keeps both; S2's
        // budget of 500 cannot take B's one chunk (its MOQ of 200 units, 800), so B is
        // deferred whole, its reason naming S2's budget; A is kept.
        let (a, mut b, ia, ib) = two_skus();
        b.supplier = Some("S2".into());
        let states: Vec<SkuState<'_>> = [(&a, &ia), (&b, &ib)]
            .into_iter()
            .map(|(plan, i)| SkuState {
                plan,
                inventory: Some(i),
                has_inventory_file: true,
                open_orders: Some(vec![]),
                shared_pipeline: false,
                drift: None,
                category: None,
            })
            .collect();
        let mut purchasing = PurchasingSettings {
            budget: Some(1000.0),
            ..PurchasingSettings::default()
        };
        let settings = PolicySettings::default();
        let terms = BTreeMap::new();
        let (recs, _) = recommend_within(&states, day(PLAN), &terms, &settings, &purchasing);
        assert!(recs.iter().all(|r| r.action == Action::Order), "{recs:?}");
        purchasing.budget_by_supplier.insert("S2".into(), 500.0);
        let drafts = drafts(&states, day(PLAN), &terms, &settings);
        let (recs, summary) = finish_drafts(drafts.clone(), day(PLAN), &terms, &purchasing);
        let by = |s: &str| recs.iter().find(|r| r.sku == s).unwrap();
        assert_eq!(by("A").action, Action::Order);
        assert_eq!(by("B").action, Action::Defer);
        assert!((by("B").deferred_quantity - 200.0).abs() < 1e-12);
        assert!(
            by("B")
                .reason
                .starts_with("cut by S2's budget of 500: it avoids"),
            "{}",
            by("B").reason
        );
        assert!((summary.unwrap().value_kept - 200.0).abs() < 1e-9);
        // The finish chain is a function of the drafts: through JSON (as a shard writes them
        // and merge reads them) it gives the same rows.
        let text = serde_json::to_string(&drafts).unwrap();
        let back: Vec<DraftLine> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, drafts);
        let (again, _) = finish_drafts(back, day(PLAN), &terms, &purchasing);
        assert_eq!(again, recs);
    }
}
