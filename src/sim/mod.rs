//! Monte Carlo simulation of inventory policies: backorder rate, fill rate, waits and costs a
//! policy will produce, under normal times and under disruptions — before it goes live.
//!
//! This module simulates given policies; it does not design them ([`crate::policy`]) or
//! estimate demand and lead times ([`crate::forecast`], [`crate::leadtime`]).
//!
//! - [`engine`]: the daily loop of one replication (order of events documented there);
//! - [`demand`]: demand samplers (parametric, forecast + errors, history bootstrap);
//! - [`kpi`]: KPIs and their 95% confidence intervals;
//! - [`scenario`]: baseline and disruption scenarios;
//!
//! The catalogue run over every SKU (`replenish simulate`, `simulation.csv`) is the
//! [`crate::simulate`] stage, above this engine.
//!
//! Reproducibility: each replication's random streams are derived from the seed, the SKU and
//! the replication number only (see [`streams_for`]), so results do not depend on the thread
//! count, and every policy compared sees the same demand (common random numbers).

pub mod demand;
pub mod engine;
pub mod fpmode;
pub mod kpi;
pub mod scenario;
pub mod settings;
pub mod trace;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::policy::{GapRule, Levels, OrderSizing, PolicyKind, PolicyOutcome};
use engine::{replicate, Streams, World};
use kpi::{kpis, KpiSummary, Rep, SimCosts};

/// What a customer does when the item is out of stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CustomerMode {
    /// Every short unit waits until filled.
    Backorder,
    /// Nobody waits: short units are lost.
    LostSales,
    /// Each short customer order waits up to a patience drawn from an exponential distribution
    /// with the item's mean `patience_days`, then cancels (the longer the wait, the more
    /// customers have cancelled).
    #[default]
    Patience,
}

impl CustomerMode {
    /// `backorder`, `lost_sales` or `patience`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Backorder => "backorder",
            Self::LostSales => "lost_sales",
            Self::Patience => "patience",
        }
    }
}

impl std::str::FromStr for CustomerMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('-', "_").as_str() {
            "backorder" | "backorders" => Ok(Self::Backorder),
            "lost_sales" | "lost" => Ok(Self::LostSales),
            "patience" => Ok(Self::Patience),
            _ => Err(format!(
                "unknown customer mode '{s}'; use backorder, lost_sales or patience"
            )),
        }
    }
}

/// A policy's levels as the simulator applies them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SimPolicy {
    /// Family and levels.
    pub levels: Levels,
    /// Review period in days (periodic policies).
    pub review_days: u32,
    /// Pack size and MOQ rounding of order-up-to orders; `None` = continuous quantities.
    pub rounding: Option<(f64, f64)>,
}

impl SimPolicy {
    /// The simulator's view of a designed (or given) policy. `rounding` = (MOQ, pack size).
    pub fn from_outcome(o: &PolicyOutcome, review_days: f64, rounding: Option<(f64, f64)>) -> Self {
        Self {
            levels: o.levels,
            review_days: (review_days.round() as u32).max(1),
            rounding,
        }
    }

    /// Policy family.
    #[inline]
    pub fn kind(&self) -> PolicyKind {
        self.levels.kind()
    }

    /// Whether day `t` is a review day.
    #[inline]
    pub fn reviews_on(&self, t: u32) -> bool {
        !self.kind().is_periodic() || t % self.review_days == 0
    }

    /// Units to order at inventory position `pos` (0 = none): nothing unless the position
    /// triggers an order, else [`Levels::order_at`] with the simulator's rule (a gap within a
    /// tie of S is none, [`GapRule::TieIsNone`]).
    #[inline]
    pub fn order_for(&self, pos: f64) -> f64 {
        if !self.triggers(pos) {
            return 0.0;
        }
        let sizing = OrderSizing {
            rounding: self.rounding,
            gap: GapRule::TieIsNone,
        };
        self.levels.order_at(pos, sizing)
    }

    /// The level whose crossing triggers an order: S for `RS`, else s.
    #[inline]
    pub fn trigger_level(&self) -> f64 {
        self.levels.trigger_level()
    }

    /// Whether the position `pos` triggers an order ([`Levels::triggers`]).
    #[inline]
    pub fn triggers(&self, pos: f64) -> bool {
        self.levels.triggers(pos)
    }

    /// Stock on day 0 (nothing on order): the top of the policy's range.
    pub fn initial_stock(&self) -> f64 {
        self.levels.initial_stock()
    }
}

/// Lead times for the simulation: an empirical sample, optionally disrupted.
#[derive(Debug, Clone)]
pub struct LeadTimeSampler<'a> {
    /// Observed lead times (days); one value = constant.
    pub sample: &'a [f64],
    /// Whether orders may overtake each other, each lead time drawn independently; else lead
    /// times persist over calendar time ([`LeadTimeSampler::sample_persistent`]) and an order
    /// never arrives before an earlier one.
    pub crossing: bool,
    /// Orders placed on days `start .. end` take `factor` times as long.
    pub delay: Option<(u32, u32, f64)>,
    /// Spread multiplier: mean + (L − mean) × spread.
    pub spread: f64,
    /// Mean of the sample.
    pub mean: f64,
}

impl<'a> LeadTimeSampler<'a> {
    /// A sampler over `sample` with orders allowed to cross. `sample` is sorted ascending
    /// (as [`crate::leadtime::LeadTimeStats::sample`] is): persistent lead times
    /// ([`LeadTimeSampler::sample_persistent`]) read it by quantile, so that a drifting regime
    /// moves between neighbouring lead times.
    pub fn new(sample: &'a [f64]) -> Self {
        debug_assert!(
            sample.is_sorted_by(|a, b| a <= b),
            "lead-time sample not sorted ascending"
        );
        let mean = if sample.is_empty() {
            0.0
        } else {
            sample.iter().sum::<f64>() / sample.len() as f64
        };
        Self {
            sample,
            crossing: true,
            delay: None,
            spread: 1.0,
            mean,
        }
    }

    /// Lead time (days) of an order placed on day `t`.
    #[inline]
    pub fn sample(&self, rng: &mut impl Rng, t: u32) -> f64 {
        let base = match self.sample.len() {
            0 => 0.0,
            1 => self.sample[0],
            n => self.sample[rng.random_range(0..n)],
        };
        self.disrupted(base, t)
    }

    /// Lead time (days) of an order placed on day `t` when orders do not cross
    /// (`crossing = false`): the sample's value at the quantile Φ(z) of a latent standard
    /// normal z that drifts slowly over calendar days (an Ornstein–Uhlenbeck process with
    /// correlation time [`PERSISTENCE_DAYS`]), so orders placed close together share their
    /// supplier's current delay — each order's lead time is still a draw from the sample
    /// (the marginal is kept), but the orders in transit together are late or early
    /// together, as the textbook formulas assume, and seldom overtake each other (the
    /// engine holds the few that would).
    pub fn sample_persistent(&self, rng: &mut impl Rng, t: u32, regime: &mut Regime) -> f64 {
        let e: f64 = rng.sample(rand_distr::StandardNormal);
        let z = match regime.last {
            None => e,
            Some((z, day)) => {
                let rho = (-f64::from(t.saturating_sub(day)) / PERSISTENCE_DAYS).exp();
                rho * z + (1.0 - rho * rho).sqrt() * e
            }
        };
        regime.last = Some((z, t));
        let base = match self.sample.len() {
            0 => 0.0,
            1 => self.sample[0],
            n => {
                let u = crate::policy::normal::cdf(z);
                self.sample[((u * n as f64) as usize).min(n - 1)]
            }
        };
        self.disrupted(base, t)
    }

    /// `base` with the scenario's spread and delay applied.
    #[inline]
    fn disrupted(&self, base: f64, t: u32) -> f64 {
        let mut l = if (self.spread - 1.0).abs() < f64::EPSILON {
            base
        } else {
            (self.mean + (base - self.mean) * self.spread).max(0.0)
        };
        if let Some((a, b, f)) = self.delay {
            if t >= a && t < b {
                l *= f;
            }
        }
        l
    }
}

/// Correlation time (days) of the lead-time regime of orders that do not cross
/// ([`LeadTimeSampler::sample_persistent`]): a year, so that the orders in transit together
/// — weeks apart at most — share their delay, while a simulated year still sees the regime
/// move.
pub const PERSISTENCE_DAYS: f64 = 365.0;

/// The latent lead-time regime of one replication ([`LeadTimeSampler::sample_persistent`]):
/// its last value and the day it was drawn.
#[derive(Debug, Clone, Copy, Default)]
pub struct Regime {
    last: Option<(f64, u32)>,
}

/// splitmix64: decorrelates seeds derived from consecutive integers.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The random streams of replication `rep` of a SKU whose seed is `seed`.
pub fn streams_for(seed: u64, rep: u64) -> Streams {
    let base = mix(seed ^ mix(rep));
    Streams {
        demand: ChaCha8Rng::seed_from_u64(mix(base ^ 1)),
        lead: Xoshiro256PlusPlus::seed_from_u64(mix(base ^ 2)),
        customer: Xoshiro256PlusPlus::seed_from_u64(mix(base ^ 3)),
    }
}

/// The daily demand of a SKU's replications, drawn once and shared by every policy, scenario
/// and search candidate simulated for it.
///
/// Common random numbers make them all meet the same demand anyway: replication r's path is
/// what the demand stream of `(seed, r)` ([`streams_for`]) draws, before any surge, and each
/// world applies its own surge to it. So sharing changes no result; it only saves drawing the
/// same paths again (a fifth of the engine's time). Every world simulated with one
/// `DemandPaths` must have the same demand model apart from the surge, as the scenarios of one
/// SKU do. Paths are drawn lazily, as replications are asked for.
#[derive(Debug, Clone)]
pub struct DemandPaths {
    seed: u64,
    days: usize,
    values: Vec<f64>,
    /// Running sums of each path ([`engine::running_sums`]), `days + 1` per replication.
    cum: Vec<f64>,
    cum2: Vec<f64>,
}

impl DemandPaths {
    /// No paths drawn yet, for the replications of seed `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            days: 0,
            values: Vec::new(),
            cum: Vec::new(),
            cum2: Vec::new(),
        }
    }

    /// Forgets the paths drawn, for the replications of seed `seed` (another SKU), keeping
    /// the memory: a worker thread reuses one `DemandPaths` for all its SKUs.
    pub fn reset(&mut self, seed: u64) {
        self.seed = seed;
        self.values.clear();
        self.cum.clear();
        self.cum2.clear();
    }

    /// Draws the paths of replications `0 .. reps` of `world` not drawn yet.
    fn ensure(&mut self, world: &World<'_>, reps: usize) {
        let days = world.days as usize;
        if days != self.days {
            self.reset(self.seed);
            self.days = days;
        }
        // Counted by the running sums, which are `days + 1` long even for a zero-day world.
        let have = self.cum.len() / (days + 1);
        if have >= reps {
            return;
        }
        self.values.resize(reps * days, 0.0);
        self.cum.resize(reps * (days + 1), 0.0);
        self.cum2.resize(reps * (days + 1), 0.0);
        for r in have..reps {
            let mut rng = streams_for(self.seed, r as u64).demand;
            let out = &mut self.values[r * days..(r + 1) * days];
            world.demand.draw_base_path(&mut rng, out);
            let sums = r * (days + 1)..(r + 1) * (days + 1);
            engine::running_sums(out, &mut self.cum[sums.clone()], &mut self.cum2[sums]);
        }
    }

    /// Replication `r`'s path (drawn).
    fn path(&self, r: usize) -> engine::DemandPath<'_> {
        let days = self.days;
        let sums = r * (days + 1)..(r + 1) * (days + 1);
        engine::DemandPath::new(
            &self.values[r * days..(r + 1) * days],
            &self.cum[sums.clone()],
            &self.cum2[sums],
        )
    }

    /// Runs replication `r` of `policy` in `world` on its shared demand path.
    fn replicate(&mut self, policy: &SimPolicy, world: &World<'_>, r: usize) -> Rep {
        self.ensure(world, r + 1);
        let mut streams = streams_for(self.seed, r as u64);
        engine::replicate_path(&mut streams, policy, world, self.path(r), &mut ())
    }
}

/// Runs `replications` replications and returns their raw tallies.
pub fn simulate_reps(
    policy: &SimPolicy,
    world: &World<'_>,
    replications: usize,
    seed: u64,
) -> Vec<Rep> {
    (0..replications as u64)
        .map(|r| {
            let mut s = streams_for(seed, r);
            replicate(&mut s, policy, world)
        })
        .collect()
}

/// Runs the replications and summarises their KPIs.
pub fn simulate(
    policy: &SimPolicy,
    world: &World<'_>,
    costs: &SimCosts,
    replications: usize,
    seed: u64,
) -> KpiSummary {
    simulate_with(
        &mut DemandPaths::new(seed),
        policy,
        world,
        costs,
        replications,
    )
}

/// [`simulate`] on shared demand paths (the seed is theirs).
pub fn simulate_with(
    paths: &mut DemandPaths,
    policy: &SimPolicy,
    world: &World<'_>,
    costs: &SimCosts,
    replications: usize,
) -> KpiSummary {
    let reps: Vec<[f64; 16]> = (0..replications)
        .map(|r| kpis(&paths.replicate(policy, world, r), costs))
        .collect();
    KpiSummary::of(&reps)
}

/// Replications added per step by [`simulate_to_precision`].
pub const REPLICATION_BATCH: usize = 20;

/// How precisely a simulation must know the fill rate before it stops adding replications
/// (`[simulation] fill_rate_precision` and `fill_rate_relative_precision`).
///
/// The 95% half-width of the fill rate must be at most `absolute`, or at most `relative` × the
/// unfilled share (1 − fill rate), whichever is larger. With the defaults (0.005 and 0.05) a
/// policy near its target is known to ±0.5 percentage points — where a planner compares 97%
/// with 98% — while one filling 60% is known to ±2 points (its unfilled 40% to ±5% of itself),
/// which says as clearly that it is far off, with a sixteenth of the replications. The relative
/// rule loosens the absolute one only below 90% fill.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Precision {
    /// Half-width that is always enough; 0 = run every replication (`max`).
    pub absolute: f64,
    /// Share of the unfilled share that is also enough; 0 = the absolute rule only.
    pub relative: f64,
}

impl Precision {
    /// Exactly the maximum number of replications.
    pub const EVERY: Self = Self {
        absolute: 0.0,
        relative: 0.0,
    };

    /// The `[simulation]` settings' rule.
    pub fn of(settings: &settings::SimulationSettings) -> Self {
        Self {
            absolute: settings.fill_rate_precision,
            relative: settings.fill_rate_relative_precision,
        }
    }

    /// Whether `summary` knows the fill rate precisely enough.
    pub fn met(&self, summary: &KpiSummary) -> bool {
        self.met_for("fill_rate", summary)
    }

    /// Whether `summary` knows the service KPI `kpi` (a share, e.g. `cycle_service_level`)
    /// precisely enough: the same rule as [`Precision::met`], with 1 − the KPI as the
    /// unserved share.
    pub fn met_for(&self, kpi: &str, summary: &KpiSummary) -> bool {
        let unfilled = (1.0 - summary.get(kpi)).max(0.0);
        summary.half_width(kpi) <= self.absolute.max(self.relative * unfilled)
    }
}

/// Runs replications until the fill rate is known precisely enough: `min` replications first,
/// then batches of [`REPLICATION_BATCH`] until [`Precision::met`], never more than `max`
/// (`precision.absolute` 0 = exactly `max`). Replication `r` always uses the streams of
/// `(seed, r)` (the seed of `paths`, the SKU's shared demand paths), so the result is the same
/// as a fixed run of however many replications it stopped at — deterministic, whatever the
/// thread count.
pub fn simulate_to_precision(
    paths: &mut DemandPaths,
    policy: &SimPolicy,
    world: &World<'_>,
    costs: &SimCosts,
    (min, max): (usize, usize),
    precision: Precision,
) -> KpiSummary {
    let first = if precision.absolute > 0.0 { min } else { max };
    simulate_until(
        paths,
        policy,
        world,
        costs,
        (first, REPLICATION_BATCH, max),
        |summary| precision.met(summary),
    )
}

/// Runs `first` replications, then batches of `step`, until `done` says the summary so far
/// is enough or `max` replications ran. Replication `r` uses the streams of `(seed, r)` (the
/// seed of `paths`), so the result equals a fixed run of however many replications it stopped
/// at.
pub fn simulate_until(
    paths: &mut DemandPaths,
    policy: &SimPolicy,
    world: &World<'_>,
    costs: &SimCosts,
    (first, step, max): (usize, usize, usize),
    done: impl Fn(&KpiSummary) -> bool,
) -> KpiSummary {
    let max = max.max(1);
    let mut target = first.clamp(1, max);
    let mut reps: Vec<[f64; 16]> = Vec::with_capacity(target);
    loop {
        while reps.len() < target {
            let r = paths.replicate(policy, world, reps.len());
            reps.push(kpis(&r, costs));
        }
        let summary = KpiSummary::of(&reps);
        if reps.len() >= max || done(&summary) {
            return summary;
        }
        target = (target + step.max(1)).min(max);
    }
}

#[cfg(test)]
mod tests;
