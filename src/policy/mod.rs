//! Safety stock, reorder points and order quantities for one SKU: the inventory policy
//! calculator behind `replenish plan` and `replenish policy`.
//!
//! This module is pure arithmetic on already-estimated inputs (demand per day and its
//! forecast-error spread, lead time and its spread, costs, constraints). Estimating those
//! inputs is the job of [`crate::forecast`] and [`crate::leadtime`]; turning a policy into a
//! purchase recommendation is [`crate::recommend`]'s.
//!
//! # Conventions
//! - **Units**: demand in units per day, lead time and review period in days, order cost in
//!   currency per order, holding cost in currency per unit per year (365 days).
//! - **Policies** (Silver, Pyke & Thomas ch. 7):
//!   - `sQ` — continuous review: when the inventory position (on hand + on order −
//!     backordered) is at or below the reorder point s, order Q (a multiple of Q if needed to
//!     get back above s);
//!   - `sS` — continuous review min-max: at or below s, order up to S = s + Q;
//!   - `RS` — periodic review every R days: order up to S at every review;
//!   - `RsS` — periodic review every R days: at or below s, order up to S = s + Q.
//! - **Time convention** (one for the formulas, the simulator [`crate::sim`] and the
//!   recommendations). Time runs in days; within day t, receipts come first, then the day's
//!   sales, then the review. A review sees the position after day t's sales; an order placed
//!   at it with a lead time of L days arrives at the start of day t + L and serves that day's
//!   sales first, so L is at least 1 day ([`PolicyInput::effective_lead_time`]). "A review
//!   every R days" reviews on days 0, R, 2R, … (R whole days, at least 1,
//!   [`PolicyInput::review_days`]); continuous review is R = 1, a review after every day's
//!   sales. Weekly or monthly buckets are converted to days before they reach this module
//!   (demand per day, L and R in days), so the convention is the same for every bucket.
//! - **Protection period** (what follows from the convention). An (R,S) order placed on day
//!   t covers days t+1 … t+L+R−1 — the next order arrives on day t+R+L — so S protects
//!   D(L+R−1), L + R − 1 days of demand, not the textbook L + R. A reorder point (s,Q),
//!   (s,S), (R,s,S) is found already crossed when it is reviewed: by the undershoot U (the
//!   position's fall below s on the review that triggers, a day's demand for continuous
//!   review, R days' for (R,s,S); [`normal::undershoot`]), and the order then has L − 1 days
//!   of demand to wait through, so s protects X = U + D(L−1). D(n) over n days has mean d·n
//!   and variance n·σ_d² + d²·σ_L² (lead-time spread σ_L); for `RS` with orders that may
//!   overtake each other ([`PolicyInput::orders_cross`], `[simulation] crossing = true`) the
//!   lead-time term is the crossing-aware d²·min(σ_L², R·Σₖ P(L > k)·P(L ≤ k)), since orders
//!   placed every R days with independent lead times cross when R is short against σ_L
//!   ([`normal::crossing_lead_time_variance`]). The reorder point (or S for `RS`)
//!   is the mean of X plus the safety stock.
//! - **Cycle service level** = probability of no stockout in a replenishment cycle (receipt
//!   to receipt, as the simulator counts it) = P(X ≤ level).
//!   **Fill rate** = share of demand served from stock, unmet demand being backordered:
//!   1 − (shortage created in a cycle) / (demand per cycle). The shortage *created* in a
//!   cycle is exact under the convention: E[(X − level)⁺] − E[(Y − top)⁺], the backorders
//!   just before the next receipt less those still open when this cycle's order arrives —
//!   for (R,S) E[(D(L+R−1) − S)⁺] − E[(D(L−1) − S)⁺], for (s,S) and (R,s,S) the same with
//!   X above s and D(L−1) above S, for (s,Q) X above s and above s + Q. The demand per
//!   cycle is Q for (s,Q), S − s + E[U] (the mean order) for (s,S) and (R,s,S), and d·R for
//!   (R,S). (The textbook approximation 1 − σ·G(k)/Q counts backorders already open when the
//!   order arrives a second time; it is not offered. The empirical method still uses
//!   E[(X − level)⁺] alone.)
//! - **Estimated spreads**: the demand sd given with finite
//!   [`PolicyInput::demand_sd_dof`] (the plan's: measured on that many backtest runs) makes
//!   the demand-error part of X Student t, the lead-time part staying normal
//!   ([`spread`]); cycle service, the cycle-service level and the expected shortages above
//!   all come from that distribution. An infinite `demand_sd_dof` (the calculator's typed-in
//!   sd) is the plain normal.
//! - **Shape** ([`DemandShape`]): sums of non-negative demand are skewed to the right. With
//!   `Gamma` (the plan's default, `[policy] demand_shape`; the calculator's for
//!   `--demand-dist` gamma, negbin, poisson and intermittent) each normal component above
//!   becomes a shifted gamma with the same mean and variance and the third cumulant of the
//!   protection demand: the demand part's, the cross term of its random length and the lead
//!   time's own skew (the purchase orders' third central moment, [`PolicyInput::lead_time_third_moment`]);
//!   see [`spread`], "Skew". `Normal` keeps the symmetric distribution, exact for normal daily
//!   demand (the calculator's default `--demand-dist normal`).
//! - **Safety stock is never negative**: when a fill-rate target is met with a negative
//!   safety factor (large orders), the safety stock is floored at 0 and the expected service
//!   reported is the one that level delivers (above the target).
//! - **Expected costs**: average stock ≈ safety stock + cycle demand / 2 (the standard
//!   approximation), times the holding cost per unit-year; ordering cost = cost per order ×
//!   orders per year (annual demand / Q, or 365 / R for `RS`).
//!
//! Three safety-stock methods: normal with a cycle-service target (SS = z·σ), normal with a
//! fill-rate target (SS = k·σ, G(k) = (1 − β)·Q/σ) — both in [`normal`] — and empirical
//! (quantile or expected shortage of a Monte Carlo sample of protection-period demand,
//! [`empirical`]).
//!
//! A designed policy's levels are a [`Levels`] value ([`levels`]): one variant per family,
//! holding only the levels the family uses, and owning the trigger, the tie rule, the order
//! placed at a position and the initial stock — for the simulator and the recommendations
//! alike. Matches on [`PolicyKind`] and [`Levels`] are exhaustive throughout the crate, so a
//! new family is a compile error wherever it must be handled.

pub mod empirical;
pub mod levels;
pub mod normal;
pub mod order_qty;
pub mod spread;

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use empirical::DemandSample;
pub use levels::{GapRule, GivenLevels, Levels, OrderSizing, Trigger};
use order_qty::{eoq, round_eoq, round_order, DAYS_PER_YEAR};
use spread::Spread;

/// Errors from invalid policy inputs; `param` is the input's name as in the `policy`
/// command's flags, with `_` for `-`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    /// An input is outside its allowed range.
    #[error("{param} {message}")]
    Invalid {
        /// The input (e.g. `demand_sd`).
        param: &'static str,
        /// What was expected and what was found.
        message: String,
    },
}

fn invalid(param: &'static str, message: String) -> PolicyError {
    PolicyError::Invalid { param, message }
}

/// An inventory policy family. Parses from `sQ`, `sS`, `RS`, `RsS` (any case; also `s,Q`,
/// `min-max`, `R,S`, `R,s,S`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(try_from = "String", into = "String")]
pub enum PolicyKind {
    /// (s, Q): continuous review, fixed order quantity.
    SQ,
    /// (s, S): continuous review min-max.
    #[default]
    MinMax,
    /// (R, S): periodic review, order up to S every review.
    RS,
    /// (R, s, S): periodic review, order up to S when at or below s.
    RsS,
}

/// How close to a policy level a position counts as at it: a billionth of the level, at
/// least 1e-9 units (see [`Levels::triggers`]).
#[inline]
pub fn tie(level: f64) -> f64 {
    1e-9 * level.abs().max(1.0)
}

/// How many order quantities `q` an `sQ` policy with reorder point `s` orders at inventory
/// position `pos`: enough to lift the position above s (a position that lands on s in exact
/// arithmetic counts as on it, see [`tie`]); at least one.
#[inline]
pub fn sq_multiple(pos: f64, s: f64, q: f64) -> f64 {
    (((s + tie(s) - pos) / q).floor() + 1.0).max(1.0)
}

impl PolicyKind {
    /// Whether the policy reviews every R days (so the review period is protected too).
    #[inline]
    pub fn is_periodic(self) -> bool {
        match self {
            Self::RS | Self::RsS => true,
            Self::SQ | Self::MinMax => false,
        }
    }

    /// Whether every review orders (up to S) unless the position is at S already: the family
    /// has no reorder point, so its next order is due at the next review (`RS`).
    pub fn orders_every_review(self) -> bool {
        match self {
            Self::RS => true,
            Self::SQ | Self::MinMax | Self::RsS => false,
        }
    }

    /// The policy's short name (`sQ`, `sS`, `RS`, `RsS`).
    pub fn name(self) -> &'static str {
        match self {
            Self::SQ => "sQ",
            Self::MinMax => "sS",
            Self::RS => "RS",
            Self::RsS => "RsS",
        }
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PolicyKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key: String = s
            .chars()
            .filter(|c| !matches!(c, ',' | '(' | ')' | ' ' | '-' | '_'))
            .collect::<String>()
            .to_ascii_lowercase();
        match key.as_str() {
            "sq" => Ok(Self::SQ),
            "ss" | "minmax" => Ok(Self::MinMax),
            "rs" => Ok(Self::RS),
            "rss" => Ok(Self::RsS),
            _ => Err(format!(
                "unknown policy '{s}'; expected sQ, sS (min-max), RS or RsS"
            )),
        }
    }
}

impl TryFrom<String> for PolicyKind {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<PolicyKind> for String {
    fn from(k: PolicyKind) -> Self {
        k.name().to_string()
    }
}

/// What a service target measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ServiceMeasure {
    /// Probability of no stockout per replenishment cycle.
    #[default]
    Cycle,
    /// Share of demand served from stock.
    FillRate,
}

impl ServiceMeasure {
    /// `cycle` or `fill_rate`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cycle => "cycle",
            Self::FillRate => "fill_rate",
        }
    }
}

/// How the order quantity is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OrderRule {
    /// A given quantity (units), still rounded to pack size and MOQ.
    Fixed(f64),
    /// This many days of mean demand.
    DaysOfDemand(f64),
    /// The EOQ; when it is undefined (unknown unit cost or holding rate, or no order cost),
    /// this many days of mean demand.
    Eoq {
        /// Days of demand ordered when the EOQ is undefined.
        fallback_days: f64,
    },
}

/// The shape of the normal method's protection-period demand X ([`spread`], "Skew").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandShape {
    /// Symmetric: a normal (its demand part Student t when the spread is estimated) — the
    /// textbook, exact for normal daily demand, as the `policy` calculator simulates by
    /// default.
    Normal,
    /// Right-skewed, as sums of non-negative demand are: a shifted gamma with X's mean,
    /// variance and third cumulant (a gamma-shaped demand part, the lead time's spread and
    /// skew) — the plan's default.
    #[default]
    Gamma,
}

/// How safety stock is computed.
#[derive(Debug, Clone, Copy)]
pub enum Method<'a> {
    /// Normal protection-period demand from the mean and sd inputs.
    Normal,
    /// An empirical sample of protection-period demand (its mean replaces d·(L + R)).
    Empirical(&'a DemandSample),
}

impl Method<'_> {
    /// `normal` or `empirical`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Empirical(_) => "empirical",
        }
    }
}

/// The longest lead time (and lead-time sd) a policy accepts, days: 100 years.
pub const MAX_LEAD_TIME_DAYS: f64 = 36_500.0;

/// Inputs of one SKU's policy. See the module documentation for units.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyInput {
    /// Policy family.
    pub kind: PolicyKind,
    /// Mean demand (units per day).
    pub demand_mean: f64,
    /// Standard deviation of daily demand around the forecast (units per day).
    pub demand_sd: f64,
    /// Degrees of freedom of `demand_sd` as an estimate: the number of independent
    /// observations it was measured on (the plan's backtest runs); `f64::INFINITY` when it
    /// is known exactly (the calculator's typed-in sd). See [`spread`].
    pub demand_sd_dof: f64,
    /// Mean lead time (days).
    pub lead_time: f64,
    /// Standard deviation of the lead time (days).
    pub lead_time_sd: f64,
    /// Third central moment of the lead time (days³), the skew of the purchase-order
    /// sample; `None`: that of the whole-day normal of `lead_time` and `lead_time_sd`
    /// ([`normal::whole_day_lead_time_moments`]). Used with [`DemandShape::Gamma`].
    pub lead_time_third_moment: Option<f64>,
    /// The shape of the protection-period demand (normal method).
    pub demand_shape: DemandShape,
    /// Whether orders may overtake each other, each with its own lead time drawn
    /// independently (the simulator's `[simulation] crossing = true`): the (R,S) design's
    /// lead-time term is then the crossing-aware one ([`normal::crossing_lead_time_variance`]).
    /// `false`: orders arrive in the order they were placed, and each order's lead-time spread
    /// counts whole (σ_L²), the textbook's assumption.
    pub orders_cross: bool,
    /// Review period (days); used by `RS` and `RsS` only.
    pub review_period: f64,
    /// What the target measures.
    pub measure: ServiceMeasure,
    /// Target level in (0, 1).
    pub target: f64,
    /// Order quantity rule.
    pub order: OrderRule,
    /// Cost per order (currency).
    pub order_cost: f64,
    /// Holding cost (currency per unit per year).
    pub holding_cost: f64,
    /// Minimum order quantity (units).
    pub moq: f64,
    /// Pack size (units).
    pub pack_size: f64,
}

impl PolicyInput {
    /// Checks every input's range.
    ///
    /// # Errors
    /// [`PolicyError::Invalid`] naming the first bad input.
    pub fn check(&self) -> Result<(), PolicyError> {
        let non_negative = [
            ("demand_mean", self.demand_mean),
            ("demand_sd", self.demand_sd),
            ("lead_time", self.lead_time),
            ("lead_time_sd", self.lead_time_sd),
            ("review_period", self.review_period),
            ("order_cost", self.order_cost),
            ("holding_cost", self.holding_cost),
            ("moq", self.moq),
        ];
        for (param, v) in non_negative {
            if !(v.is_finite() && v >= 0.0) {
                return Err(invalid(
                    param,
                    format!("should be a finite number >= 0, but is {v}"),
                ));
            }
        }
        // Lead times are summed day by day (the whole-day distribution): a century is
        // already no lead time, and a typo's 1e9 days would take minutes.
        for (param, v) in [
            ("lead_time", self.lead_time),
            ("lead_time_sd", self.lead_time_sd),
        ] {
            if v > MAX_LEAD_TIME_DAYS {
                return Err(invalid(
                    param,
                    format!(
                        "should be at most {MAX_LEAD_TIME_DAYS} days (100 years), but is {v}; \
                         is the unit days?"
                    ),
                ));
            }
        }
        if self.demand_sd_dof.is_nan() || self.demand_sd_dof <= 0.0 {
            return Err(invalid(
                "demand_sd_dof",
                format!(
                    "should be > 0 (infinite for a spread known exactly), but is {}",
                    self.demand_sd_dof
                ),
            ));
        }
        if !(self.pack_size.is_finite() && self.pack_size > 0.0) {
            return Err(invalid(
                "pack_size",
                format!("should be > 0, but is {}", self.pack_size),
            ));
        }
        if !(self.target > 0.0 && self.target < 1.0) {
            let param = match self.measure {
                ServiceMeasure::Cycle => "service_level",
                ServiceMeasure::FillRate => "fill_rate",
            };
            return Err(invalid(
                param,
                format!(
                    "should be a probability in (0, 1) such as 0.95, but is {}",
                    self.target
                ),
            ));
        }
        if self.lead_time == 0.0 && self.lead_time_sd > 0.0 {
            return Err(invalid(
                "lead_time_sd",
                format!(
                    "is {} but the lead time is 0: a lead time that varies cannot have a mean of 0",
                    self.lead_time_sd
                ),
            ));
        }
        if self.kind.is_periodic() && self.review_period <= 0.0 {
            return Err(invalid(
                "review_period",
                format!("should be > 0 days for the periodic policy {}", self.kind),
            ));
        }
        match self.order {
            OrderRule::Fixed(q) if !(q.is_finite() && q > 0.0) => {
                return Err(invalid("order_qty", format!("should be > 0, but is {q}")));
            }
            OrderRule::DaysOfDemand(d) | OrderRule::Eoq { fallback_days: d }
                if !(d.is_finite() && d > 0.0) =>
            {
                return Err(invalid("order_days", format!("should be > 0, but is {d}")));
            }
            _ => {}
        }
        Ok(())
    }

    /// The lead time as the time convention counts it (module docs): whole days, and an
    /// order placed at a review, after the day's sales, serves the sales of the day L days
    /// later at the earliest, so never less than 1 day — the simulator's `max(1, round(L))`.
    /// The mean of that, for a normal lead time of the input's mean and sd
    /// ([`normal::whole_day_lead_time`]).
    pub fn effective_lead_time(&self) -> f64 {
        normal::whole_day_lead_time(self.lead_time, self.lead_time_sd).0
    }

    /// The review period as the simulator runs it: whole days, at least 1 (periodic
    /// families only; 1 for continuous review, which reviews every day).
    pub fn review_days(&self) -> f64 {
        if self.kind.is_periodic() {
            self.review_period.round().max(1.0)
        } else {
            1.0
        }
    }

    /// Protection period in days under the time convention (module docs): the days of
    /// demand between a review and the arrival of the order the *next* review places, L + R
    /// − 1 (L = [`Self::effective_lead_time`], R = [`Self::review_days`]). For continuous
    /// review (R = 1) that is L: L − 1 whole days plus the undershoot of the reorder point
    /// on the review day.
    pub fn protection_days(&self) -> f64 {
        self.effective_lead_time() + self.review_days() - 1.0
    }

    /// The order quantity rounded to pack and MOQ, and how it was set: an EOQ to the cheaper
    /// neighbouring pack multiple ([`round_eoq`]), any other rule up ([`round_order`]).
    pub fn order_quantity(&self) -> (f64, String) {
        let (raw, rule) = self.raw_order_quantity();
        let q = if rule == "eoq" {
            round_eoq(
                raw,
                self.demand_mean,
                self.order_cost,
                self.holding_cost,
                self.moq,
                self.pack_size,
            )
        } else {
            round_order(raw, self.moq, self.pack_size)
        };
        (q, rule)
    }

    /// Whether the order quantity is an EOQ — a cost trade-off that a simulation design may
    /// move. A fixed or days-of-demand quantity, and the days-of-demand fallback of an
    /// undefined EOQ, are the planner's rule and stay as set.
    pub fn quantity_is_eoq(&self) -> bool {
        matches!(self.order, OrderRule::Eoq { .. })
            && eoq(self.demand_mean, self.order_cost, self.holding_cost).is_some()
    }

    /// The order quantity before rounding, and how it was set (`eoq`, `fixed`, `N days`).
    pub fn raw_order_quantity(&self) -> (f64, String) {
        match self.order {
            OrderRule::Fixed(q) => (q, "fixed".into()),
            OrderRule::DaysOfDemand(days) => {
                (self.demand_mean * days, format!("{days} days of demand"))
            }
            OrderRule::Eoq { fallback_days } => {
                match eoq(self.demand_mean, self.order_cost, self.holding_cost) {
                    Some(q) => (q, "eoq".into()),
                    None => (
                        self.demand_mean * fallback_days,
                        format!("{fallback_days} days of demand (EOQ undefined)"),
                    ),
                }
            }
        }
    }
}

/// The policy parameters and what they are expected to deliver. The levels are the family's
/// own ([`Levels`]); the output columns s, Q and S are its accessors, `None` where a level
/// does not apply to the family (no reorder point for `RS`, no fixed order quantity for
/// order-up-to policies).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyOutcome {
    /// Policy family and its levels.
    pub levels: Levels,
    /// `normal` or `empirical`.
    pub method: &'static str,
    /// Mean demand over the protection period (units).
    pub protection_demand_mean: f64,
    /// Standard deviation of protection-period demand (units).
    pub protection_demand_sd: f64,
    /// Safety stock (units) = protection level − mean protection-period demand.
    pub safety_stock: f64,
    /// Safety factor: z (cycle target) or k (fill-rate target), in protection-period sd.
    pub safety_factor: f64,
    /// Degrees of freedom of the protection-period sd as an estimate ([`spread`]): the
    /// safety factor is a Student-t one with these; `None` for a spread known exactly (the
    /// normal) and for the empirical method.
    pub spread_dof: Option<f64>,
    /// Demand per replenishment cycle used for fill rate and costs (units).
    pub cycle_demand: f64,
    /// How the order quantity was set.
    pub order_rule: String,
    /// Expected fill rate.
    pub expected_fill_rate: f64,
    /// Expected cycle service level.
    pub expected_cycle_service_level: f64,
    /// Expected units backordered per replenishment cycle.
    pub expected_backorders_per_cycle: f64,
    /// Expected holding cost per year (currency); `None` when the holding cost is unknown.
    pub annual_holding_cost: Option<f64>,
    /// Expected ordering cost per year (currency).
    pub annual_ordering_cost: Option<f64>,
    /// Holding + ordering per year.
    pub annual_total_cost: Option<f64>,
}

impl PolicyOutcome {
    /// Policy family.
    pub fn kind(&self) -> PolicyKind {
        self.levels.kind()
    }

    /// Reorder point s (units of inventory position); `None` for `RS`.
    pub fn reorder_point(&self) -> Option<f64> {
        self.levels.reorder_point()
    }

    /// Fixed order quantity Q (`sQ`), rounded to pack size and MOQ.
    pub fn order_quantity(&self) -> Option<f64> {
        self.levels.order_quantity()
    }

    /// Order-up-to level S (`sS`, `RS`, `RsS`).
    pub fn order_up_to(&self) -> Option<f64> {
        self.levels.order_up_to()
    }
}

/// Protection-period demand, normal or empirical, under the time convention (module docs).
struct Protection<'a> {
    kind: PolicyKind,
    /// Mean and sd of X, the demand the trigger level protects: D(L + R − 1) for `RS`,
    /// U + D(L − 1) for the reorder-point families (U the undershoot of s).
    mean: f64,
    sd: f64,
    /// Mean of D(L − 1), the demand between a review and its order's arrival.
    start_mean: f64,
    /// Mean undershoot E[U] of the reorder point (0 for `RS` and the empirical method).
    undershoot: f64,
    /// The distributions of X − mean and of D(L − 1) − start_mean: the demand-error part
    /// Student t with the spread's degrees of freedom, the lead-time part normal
    /// ([`spread`]; plain normal for a spread known exactly).
    spread: Spread,
    start_spread: Spread,
    sample: Option<&'a DemandSample>,
}

impl Protection<'_> {
    /// `gap` = S − s for `sS` and `RsS` (the fall from S to the reorder point), unused
    /// otherwise.
    fn new<'a>(input: &PolicyInput, method: Method<'a>, gap: f64) -> Protection<'a> {
        let (d, sd_d) = (input.demand_mean, input.demand_sd);
        let (l, _) = normal::whole_day_lead_time(input.lead_time, input.lead_time_sd);
        let r = input.review_days();
        let start_sd_l = lead_time_sd(input);
        let (start_mean, start_sd) = normal::protection_demand(d, sd_d, l - 1.0, start_sd_l, 0.0);
        // Continuous review steps a day at a time, (R,s,S) R days at a time; (s,Q)'s
        // undershoot is the stationary excess (its position is uniform over (s, s + Q]),
        // the order-up-to families restart from S at every order.
        let (step_mean, step_var) = (d * r, r * sd_d * sd_d);
        let undershoot_of = |var: f64| match input.kind {
            PolicyKind::RS => (0.0, 0.0),
            PolicyKind::SQ => normal::undershoot(step_mean, var),
            PolicyKind::MinMax | PolicyKind::RsS => normal::undershoot_from(gap, step_mean, var),
        };
        let (um, uv) = undershoot_of(step_var);
        // The undershoot's variance without demand errors (a position falling by equal steps
        // lands uniformly within one): known, like the mean; the rest comes from the errors.
        let uv_known = undershoot_of(0.0).1.min(uv);
        let (mean, sd, undershoot) = match input.kind {
            PolicyKind::RS => {
                let (m, s) = normal::protection_demand(d, sd_d, l, start_sd_l, r - 1.0);
                (m, s, 0.0)
            }
            PolicyKind::SQ | PolicyKind::MinMax | PolicyKind::RsS => {
                (start_mean + um, (start_sd * start_sd + uv).sqrt(), um)
            }
        };
        // The variance's parts: the demand errors' (estimated; with the undershoot's share
        // that comes from them) and the rest (the lead time's and the undershoot's within one
        // step, taken as known).
        let demand_days = match input.kind {
            PolicyKind::RS => l + r - 1.0,
            PolicyKind::SQ | PolicyKind::MinMax | PolicyKind::RsS => l - 1.0,
        };
        let dv = sd_d * sd_d;
        let lead_sd = d * start_sd_l;
        let dof = input.demand_sd_dof;
        let spread = Spread::new(
            (demand_days.max(0.0) * dv + uv - uv_known).sqrt(),
            dof,
            (lead_sd * lead_sd + uv_known).sqrt(),
        );
        let start_spread = Spread::new(((l - 1.0).max(0.0) * dv).sqrt(), dof, lead_sd);
        let (spread, start_spread) = (
            shaped(input, spread, mean),
            shaped(input, start_spread, start_mean),
        );
        match method {
            Method::Normal => Protection {
                kind: input.kind,
                mean,
                sd,
                start_mean,
                undershoot,
                spread,
                start_spread,
                sample: None,
            },
            Method::Empirical(s) => Protection {
                kind: input.kind,
                mean: s.mean(),
                sd: s.sd(),
                start_mean,
                undershoot: 0.0,
                spread,
                start_spread,
                sample: Some(s),
            },
        }
    }

    /// The inventory position right after an order placed at trigger level `level`: s + Q
    /// for `sQ`, S = s + `q` for `sS` and `RsS`, S = `level` for `RS`.
    fn top(&self, level: f64, q: f64) -> f64 {
        match self.kind {
            PolicyKind::SQ | PolicyKind::MinMax | PolicyKind::RsS => level + q,
            PolicyKind::RS => level,
        }
    }

    /// (cycle service level, expected shortage per cycle) at trigger level `level` with the
    /// position `top` after ordering. The shortage is the one *created* in the cycle:
    /// E[(X − level)⁺] − E[(Y − top)⁺], the backorders just before the next receipt less
    /// those still open when this cycle's order arrives (Y = D(L − 1), or X for `sQ`). The
    /// empirical method counts E[(X − level)⁺] only.
    fn performance(&self, level: f64, top: f64) -> (f64, f64) {
        if let Some(s) = self.sample {
            return (s.cdf(level), s.expected_shortage(level));
        }
        let csl = self.spread.cdf(level - self.mean);
        let end = self.spread.excess(level - self.mean);
        let open = match self.kind {
            PolicyKind::SQ => self.spread.excess(top - self.mean),
            PolicyKind::MinMax | PolicyKind::RsS | PolicyKind::RS => {
                self.start_spread.excess(top - self.start_mean)
            }
        };
        (csl, (end - open).max(0.0))
    }

    /// The lowest protection level meeting the target (the normal fill-rate case floored at
    /// the mean; the caller floors the others).
    fn level_for(&self, measure: ServiceMeasure, target: f64, cycle_demand: f64, q: f64) -> f64 {
        match (measure, self.sample) {
            (ServiceMeasure::Cycle, Some(s)) => s.quantile(target),
            (ServiceMeasure::FillRate, Some(s)) => {
                s.level_for_shortage((1.0 - target) * cycle_demand)
            }
            _ if self.sd <= 0.0 => self.mean,
            (ServiceMeasure::Cycle, None) => self.mean + self.spread.quantile(target),
            (ServiceMeasure::FillRate, None) => {
                let allowed = (1.0 - target) * cycle_demand;
                let short = |level: f64| self.performance(level, self.top(level, q)).1;
                bisect_down(self.mean, self.sd, |level| short(level) <= allowed)
            }
        }
    }
}

/// The lowest level from `mean` up at which `ok` holds, for an `ok` that stays true once
/// true (the shortage falls as the level rises): `mean` when it holds there already.
fn bisect_down(mean: f64, sd: f64, ok: impl Fn(f64) -> bool) -> f64 {
    if ok(mean) {
        return mean;
    }
    let (mut lo, mut step) = (mean, 4.0 * sd.max(1e-9));
    let mut hi = mean + step;
    for _ in 0..60 {
        if ok(hi) {
            break;
        }
        lo = hi;
        step *= 2.0;
        hi += step;
    }
    for _ in 0..200 {
        if hi - lo <= 1e-10 * hi.abs().max(1.0) {
            break;
        }
        let mid = 0.5 * (lo + hi);
        if ok(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// Designs the policy that meets the target at the lowest safety stock (floored at 0).
///
/// # Errors
/// [`PolicyError::Invalid`] for out-of-range inputs.
///
/// # Example
/// ```
/// use replenish::policy::*;
/// let input = PolicyInput {
///     kind: PolicyKind::SQ, demand_mean: 10.0, demand_sd: 3.0,
///     demand_sd_dof: f64::INFINITY, lead_time: 9.0, lead_time_sd: 0.0,
///     lead_time_third_moment: None, demand_shape: DemandShape::Normal, orders_cross: true,
///     review_period: 0.0,
///     measure: ServiceMeasure::Cycle, target: 0.95,
///     order: OrderRule::Fixed(100.0), order_cost: 0.0, holding_cost: 0.0, moq: 1.0,
///     pack_size: 1.0,
/// };
/// let p = design(&input, Method::Normal).unwrap();
/// // X = U + D(L − 1): mean 8 days × 10 + E[U] 5.45 = 85.45, variance 8 × 9 + Var U 12.63
/// // = 84.63 (sd 9.20); SS = 1.645 × 9.20 = 15.13; s = 85.45 + 15.13.
/// assert!((p.safety_stock - 15.132).abs() < 1e-3);
/// assert!((p.reorder_point().unwrap() - 100.582).abs() < 1e-3);
/// ```
pub fn design(input: &PolicyInput, method: Method<'_>) -> Result<PolicyOutcome, PolicyError> {
    input.check()?;
    let (q, rule) = input.order_quantity();
    let prot = Protection::new(input, method, q);
    let cycle = cycle_demand(input, q, prot.undershoot);
    let level = prot
        .level_for(input.measure, input.target, cycle, q)
        .max(prot.mean);
    let levels = Levels::designed(input.kind, level, q);
    Ok(outcome(input, &prot, method, levels, rule))
}

/// The reverse what-if: the service and cost that given levels deliver ("what fill rate does
/// my current reorder point give?"). `sQ` needs s and Q; `sS` and `RsS` need s and S; `RS`
/// needs S.
///
/// # Errors
/// [`PolicyError::Invalid`] for out-of-range inputs or missing levels.
pub fn evaluate(
    input: &PolicyInput,
    method: Method<'_>,
    given: GivenLevels,
) -> Result<PolicyOutcome, PolicyError> {
    input.check()?;
    let levels = Levels::from_given(input.kind, given)?;
    let prot = Protection::new(input, method, levels.gap().unwrap_or(0.0));
    Ok(outcome(input, &prot, method, levels, "given".into()))
}

/// The demand over the protection period of an order placed today with the position known,
/// D(L + R − 1) (R = 1 for continuous review; time convention of the module docs), as the
/// normal method models it: its mean and the distribution of its error — the demand part
/// Student t with the spread's degrees of freedom, the lead-time part normal (for `RS` whose
/// orders cross, crossing-aware; [`spread`]; plain normal for a spread known exactly), skewed
/// in the input's [`DemandShape`]. For `RS` this is the
/// design's own X; the reorder-point families' X adds the undershoot of s, which an order
/// placed now, from a known position, does not have. The order budget ranks lines by the
/// shortage they avoid under this distribution ([`crate::purchasing::budget`]).
pub fn order_protection(input: &PolicyInput) -> (f64, Spread) {
    let (l, _) = normal::whole_day_lead_time(input.lead_time, input.lead_time_sd);
    let days = (l + input.review_days() - 1.0).max(0.0);
    let spread = Spread::new(
        (days * input.demand_sd * input.demand_sd).sqrt(),
        input.demand_sd_dof,
        input.demand_mean * lead_time_sd(input),
    );
    let mean = input.demand_mean * days;
    (mean, shaped(input, spread, mean))
}

/// `spread` of a protection demand of mean `mean` in the input's [`DemandShape`]: as it is
/// for `Normal`, skewed for `Gamma` ([`Spread::skewed`]) with the lead time's own third
/// cumulant d³·κ₃(L) — none for `RS` when its orders cross (the crossing-aware lead-time
/// term is below the whole-day one: many orders in transit average their lead times out).
fn shaped(input: &PolicyInput, spread: Spread, mean: f64) -> Spread {
    match input.demand_shape {
        DemandShape::Normal => spread,
        DemandShape::Gamma => {
            let (_, whole_sd, whole_k3) =
                normal::whole_day_lead_time_moments(input.lead_time, input.lead_time_sd);
            let crossing = input.kind == PolicyKind::RS && lead_time_sd(input) < whole_sd;
            let k3 = if crossing {
                0.0
            } else {
                input.lead_time_third_moment.unwrap_or(whole_k3)
            };
            let lead_sd = input.demand_mean * lead_time_sd(input);
            spread.skewed(mean, lead_sd * lead_sd, input.demand_mean.powi(3) * k3)
        }
    }
}

/// The lead-time standard deviation (days) of the normal method's protection demand: for `RS`
/// whose orders may cross ([`PolicyInput::orders_cross`]) the crossing-aware one, since (R,S)
/// orders every R days then overtake each other when R is short against the lead-time spread ([`normal::crossing_lead_time_variance`]); the whole-day
/// lead time's otherwise ([`normal::whole_day_lead_time`]).
fn lead_time_sd(input: &PolicyInput) -> f64 {
    if input.kind == PolicyKind::RS && input.orders_cross {
        normal::crossing_lead_time_variance(
            input.lead_time,
            input.lead_time_sd,
            input.review_days(),
        )
        .sqrt()
    } else {
        normal::whole_day_lead_time(input.lead_time, input.lead_time_sd).1
    }
}

/// Demand per replenishment cycle, the mean order: Q for (s,Q), S − s plus the mean
/// undershoot for (s,S) and (R,s,S), d·R for (R,S).
fn cycle_demand(input: &PolicyInput, q: f64, undershoot: f64) -> f64 {
    match input.kind {
        PolicyKind::RS => input.demand_mean * input.review_days(),
        PolicyKind::SQ => q,
        PolicyKind::MinMax | PolicyKind::RsS => q + undershoot,
    }
}

fn outcome(
    input: &PolicyInput,
    prot: &Protection<'_>,
    method: Method<'_>,
    levels: Levels,
    order_rule: String,
) -> PolicyOutcome {
    let (level, top, cycle) = match levels {
        Levels::SQ { s, q } => (s, s + q, q),
        Levels::MinMax { s, big_s } | Levels::RsS { s, big_s } => {
            (s, big_s, big_s - s + prot.undershoot)
        }
        Levels::RS { big_s } => (big_s, big_s, input.demand_mean * input.review_days()),
    };
    let (csl, shortage) = prot.performance(level, top);
    let fill = if cycle > 0.0 {
        (1.0 - shortage / cycle).clamp(0.0, 1.0)
    } else if input.demand_mean > 0.0 {
        0.0
    } else {
        1.0
    };
    let safety_stock = level - prot.mean;
    let safety_factor = if prot.sd > 0.0 {
        safety_stock / prot.sd
    } else {
        0.0
    };
    let annual_demand = input.demand_mean * DAYS_PER_YEAR;
    // RS orders at every review; the others once per cycle.
    let per_review = match levels {
        Levels::RS { .. } => annual_demand > 0.0,
        Levels::SQ { .. } | Levels::MinMax { .. } | Levels::RsS { .. } => false,
    };
    let orders_per_year = if per_review {
        DAYS_PER_YEAR / input.review_days()
    } else if cycle > 0.0 {
        annual_demand / cycle
    } else {
        0.0
    };
    let holding = (input.holding_cost > 0.0)
        .then(|| input.holding_cost * (safety_stock + cycle / 2.0).max(0.0));
    let ordering = Some(input.order_cost * orders_per_year);
    PolicyOutcome {
        levels,
        method: method.name(),
        protection_demand_mean: prot.mean,
        protection_demand_sd: prot.sd,
        safety_stock,
        safety_factor,
        spread_dof: (prot.sample.is_none() && prot.spread.is_estimated())
            .then(|| input.demand_sd_dof.max(spread::MIN_DOF).floor()),
        cycle_demand: cycle,
        order_rule,
        expected_fill_rate: fill,
        expected_cycle_service_level: csl,
        expected_backorders_per_cycle: shortage,
        annual_holding_cost: holding,
        annual_ordering_cost: ordering,
        annual_total_cost: holding.zip(ordering).map(|(h, o)| h + o),
    }
}

#[cfg(test)]
pub(crate) mod tests;
