//! The daily simulation of one SKU under one policy for one replication.
//!
//! # Order of events within day t
//! 1. **Receipts**: orders due on day t arrive (physical and recorded stock rise).
//! 2. **Backorders**: waiting customers whose patience ran out before day t cancel; the rest
//!    are filled first-come-first-served from stock (a partly filled order keeps waiting).
//! 3. **Demand**: the day's demand is served from stock; the rest is backordered (mode
//!    `backorder`), lost (`lost_sales`), or waits with a patience drawn for this customer
//!    order (`patience`; a patience under one day cancels at once, since stock only arrives
//!    at the start of a day). A day with unserved demand is a stockout day (unserved by more
//!    than a billionth of the starting stock: less is floating-point rounding).
//! 4. **Review**: continuous policies review every day, periodic ones on days divisible by R.
//!    The position uses the *recorded* on-hand (which drifts from physical stock in the record
//!    inaccuracy scenario): recorded on hand + on order − waiting. Unrecorded shrinkage is
//!    taken from physical stock just before the review. An order placed on day t
//!    with lead time L days arrives at the start of day t + max(1, round(L)).
//! 5. **End of day**: on-hand, backlog and costs are accumulated (after the warm-up only).
//!
//! This order is the crate's one time convention ([`crate::policy`], `docs/planning.md`):
//! an order placed after day t's sales serves day t + L's, so an (R,S) order covers
//! L + R − 1 days and a reorder point protects its undershoot plus L − 1 days; the policy
//! formulas are derived from it, so a designed service is the simulated one.
//!
//! Quantities are continuous (fractions of units are allowed, so normal or gamma demand needs
//! no rounding). KPIs count the days after the warm-up, and the customer orders placed after
//! it (so units balance exactly: demanded = served from stock + filled later + cancelled +
//! lost + still waiting at the end).

use std::collections::VecDeque;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::Exp1;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{demand::DemandSampler, kpi::Rep, CustomerMode, LeadTimeSampler, SimPolicy};

/// Independent random streams of one replication: demand, lead times and customer patience
/// draw from separate streams, so every policy compared sees the same demand path (common
/// random numbers).
///
/// Demand is drawn once per replication and shared ([`super::DemandPaths`]), from ChaCha8.
/// Lead times and patience are drawn afresh for every policy and scenario, a few draws per
/// replication, so their streams are xoshiro256++: seeded in a few nanoseconds, where a
/// ChaCha stream's first draw computes a 256-byte block (dropping it saved 5% of the
/// simulation's time and 8% of the optimiser's). Both are fixed, documented algorithms: same seed, same draws, on every platform and
/// crate version.
#[derive(Debug, Clone)]
pub struct Streams {
    /// Demand draws.
    pub demand: ChaCha8Rng,
    /// Lead-time draws.
    pub lead: Xoshiro256PlusPlus,
    /// Patience draws.
    pub customer: Xoshiro256PlusPlus,
}

/// One waiting customer order.
#[derive(Debug, Clone, Copy)]
struct Waiting {
    /// Day it was placed.
    day: u32,
    /// Units still waiting.
    qty: f64,
    /// Last day (fractional) it will still wait; cancelled at the start of a later day.
    deadline: f64,
}

/// Inventory record inaccuracy: unrecorded shrinkage.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Inaccuracy {
    /// Share of physical on-hand lost per day without being recorded (theft, damage).
    pub shrink_per_day: f64,
}

/// What one replication runs: the policy and the world it meets.
#[derive(Debug, Clone)]
pub struct World<'a> {
    /// Demand.
    pub demand: DemandSampler<'a>,
    /// Lead times.
    pub lead: LeadTimeSampler<'a>,
    /// Customer behaviour when short.
    pub mode: CustomerMode,
    /// Mean patience (days) in `patience` mode.
    pub mean_patience: f64,
    /// Record inaccuracy.
    pub inaccuracy: Inaccuracy,
    /// Simulated days.
    pub days: u32,
    /// Days before KPIs count.
    pub warmup: u32,
}

/// Watches one replication day by day (for the inventory-trajectory chart). Every method has
/// an empty default; `()` observes nothing, and the compiler removes the calls.
pub trait Observer {
    /// Whether [`Observer::end_of_day`] must see every day. When false (`()`), stretches of
    /// quiet days are skipped with the demand path's running sums instead of walked day by day.
    const DAILY: bool = true;
    /// An order of `qty` units placed on day `t` (step 4), due to arrive at the start of day
    /// `arrival`.
    fn order(&mut self, _t: u32, _qty: f64, _arrival: u32) {}
    /// A receipt of `qty` units at the start of day `t` (step 1).
    fn receipt(&mut self, _t: u32, _qty: f64) {}
    /// The end of day `t` (step 5): physical on hand, units waiting (backlog) and the inventory
    /// position (recorded on hand + on order − backlog).
    fn end_of_day(&mut self, _t: u32, _on_hand: f64, _backlog: f64, _position: f64) {}
}

impl Observer for () {
    const DAILY: bool = false;
}

/// One replication's demand path before any surge, with the running sums that let the engine
/// skip a stretch of quiet days in a binary search instead of walking it.
#[derive(Debug, Clone, Copy)]
pub struct DemandPath<'a> {
    /// Day t's demand.
    base: &'a [f64],
    /// `cum[k]` = demand of days `0 .. k` (k = 0 ..= days).
    cum: &'a [f64],
    /// `cum2[k]` = `cum[1] + … + cum[k]` (k = 0 ..= days).
    cum2: &'a [f64],
}

impl<'a> DemandPath<'a> {
    /// The path `base` with its running sums, as [`running_sums`] wrote them.
    ///
    /// # Panics
    /// When the sums are not one longer than the path.
    pub fn new(base: &'a [f64], cum: &'a [f64], cum2: &'a [f64]) -> Self {
        assert!(cum.len() == base.len() + 1 && cum2.len() == cum.len());
        Self { base, cum, cum2 }
    }
}

/// Writes the running sums of `base` that [`DemandPath`] takes: `cum[k]` = Σ of days `0 .. k`,
/// `cum2[k]` = Σ of `cum[1 ..= k]`; both one longer than `base`.
///
/// # Panics
/// When the output lengths are not `base.len() + 1`.
pub fn running_sums(base: &[f64], cum: &mut [f64], cum2: &mut [f64]) {
    assert!(cum.len() == base.len() + 1 && cum2.len() == cum.len());
    let (mut c, mut c2) = (0.0, 0.0);
    cum[0] = 0.0;
    cum2[0] = 0.0;
    for (k, d) in base.iter().enumerate() {
        c += d;
        c2 += c;
        cum[k + 1] = c;
        cum2[k + 1] = c2;
    }
}

/// Runs one replication and returns its tallies.
pub fn replicate(streams: &mut Streams, policy: &SimPolicy, world: &World<'_>) -> Rep {
    replicate_observed(streams, policy, world, &mut ())
}

/// [`replicate`], reporting each day's events to `observer`.
pub fn replicate_observed<O: Observer>(
    streams: &mut Streams,
    policy: &SimPolicy,
    world: &World<'_>,
    observer: &mut O,
) -> Rep {
    let days = world.days as usize;
    let mut base = vec![0.0; days];
    world.demand.draw_base_path(&mut streams.demand, &mut base);
    let (mut cum, mut cum2) = (vec![0.0; days + 1], vec![0.0; days + 1]);
    running_sums(&base, &mut cum, &mut cum2);
    replicate_path(
        streams,
        policy,
        world,
        DemandPath::new(&base, &cum, &cum2),
        observer,
    )
}

/// [`replicate_observed`] with the replication's demand drawn beforehand: `path` holds day
/// t's demand before any surge (what [`DemandSampler::draw_base_path`] wrote from
/// `streams.demand`, which this does not draw from) and its running sums. Every policy and
/// scenario of a SKU meets the same demand (common random numbers), so
/// [`super::DemandPaths`] draws each replication's path once and shares it.
///
/// # Panics
/// When the path is shorter than the simulated days.
pub fn replicate_path<O: Observer>(
    streams: &mut Streams,
    policy: &SimPolicy,
    world: &World<'_>,
    path: DemandPath<'_>,
    observer: &mut O,
) -> Rep {
    run_days(streams, policy, world, path, observer, true)
}

/// [`replicate_path`] with every day in the full loop: the reference the quiet-day shortcuts
/// are tested against.
#[cfg(test)]
pub(crate) fn replicate_path_day_by_day(
    streams: &mut Streams,
    policy: &SimPolicy,
    world: &World<'_>,
    path: DemandPath<'_>,
) -> Rep {
    run_days(streams, policy, world, path, &mut (), false)
}

/// The daily loop. With `quiet`, stretches of quiet days are skipped in [`Quiet::skip`] when
/// nobody watches each day and the record is exact (no shrinkage), else walked in the lean
/// [`Quiet::run`].
///
/// **The documented hot path**, and deliberately one function over the crate's 100-line
/// rule: a catalogue simulation spends most of its time here (every SKU × policy × scenario
/// × replication × day that is not quiet). The day's state — on hand, recorded stock, the
/// pipeline, the waiting queue, the backlog, the tallies — lives in locals that the compiler
/// keeps in registers across the five steps of a day (receipts; cancellations and
/// backorders; demand; review; end of day, numbered below). Split into functions, that state
/// would travel through `&mut` structs the optimiser cannot always see through, for no gain
/// in clarity: the steps are short and numbered. Its speed is what `benches/sim.rs` and
/// `benches/simulate_m5.sh` measure (results in `benches/RESULTS.md`); change it only with
/// those numbers before and after. The family-specific decisions (trigger, order size,
/// initial stock) are [`SimPolicy`]'s, so a new policy family does not touch this loop.
fn run_days<O: Observer>(
    streams: &mut Streams,
    policy: &SimPolicy,
    world: &World<'_>,
    path: DemandPath<'_>,
    observer: &mut O,
    quiet: bool,
) -> Rep {
    let _subnormals_are_zero = super::fpmode::FlushSubnormals::new();
    let demand = &world.demand;
    let base = &path.base[..world.days as usize];
    let lead = &world.lead;
    let mode = world.mode;
    let mean_patience = world.mean_patience;
    let inaccuracy = world.inaccuracy;
    let (days, warmup) = (world.days, world.warmup);
    let start = policy.initial_stock();
    // Unserved demand this small is rounding, not a shortage: stock computed along two
    // routes (day by day, or from running sums) differs by about this much.
    let tie = crate::policy::tie(start);
    let mut on_hand = start;
    let mut recorded = start;
    let mut pipeline: Vec<(u32, f64)> = Vec::with_capacity(8);
    let mut on_order = 0.0;
    let mut waiting: VecDeque<Waiting> = VecDeque::new();
    let mut backlog = 0.0;
    // At most the earliest deadline of the orders still waiting (fills may have removed the
    // earliest): no cancellation can happen before that day, so none is looked for.
    let mut earliest_deadline = f64::INFINITY;
    let mut last_arrival = 0u32;
    let mut regime = super::Regime::default();
    let mut cycle_short = false;
    let mut t_stats = Rep::default();
    let shrink = inaccuracy.shrink_per_day;
    let mut t = 0;
    while t < days {
        // Quiet days first, in a lean loop: no receipt due, nobody waiting, and neither a
        // shortage nor an order today.
        if quiet && waiting.is_empty() {
            let due = pipeline.iter().map(|o| o.0).min().unwrap_or(u32::MAX);
            let end = days.min(due).min(if t < warmup { warmup } else { days });
            let quiet = Quiet {
                path,
                demand,
                policy,
                shrink,
                on_order,
                backlog,
            };
            if !O::DAILY && shrink <= 0.0 {
                (t, on_hand) = quiet.skip(t, end, on_hand, &mut t_stats, t >= warmup);
                recorded = on_hand;
            } else {
                let state = (on_hand, recorded);
                let (day, (oh, rec)) =
                    quiet.run(t, end, state, &mut t_stats, t >= warmup, observer);
                (t, on_hand, recorded) = (day, oh, rec);
            }
            if t >= days {
                break;
            }
        }
        let counted = t >= warmup;
        // 1. Receipts.
        if !pipeline.is_empty() {
            let mut i = 0;
            while i < pipeline.len() {
                if pipeline[i].0 <= t {
                    let q = pipeline[i].1;
                    observer.receipt(t, q);
                    on_hand += q;
                    recorded += q;
                    on_order -= q;
                    pipeline.swap_remove(i);
                    if counted {
                        t_stats.cycles += 1;
                        if !cycle_short {
                            t_stats.cycles_ok += 1;
                        }
                    }
                    cycle_short = false;
                } else {
                    i += 1;
                }
            }
        }
        // 2. Cancellations, then backorders first-come-first-served.
        if !waiting.is_empty() {
            if mode == CustomerMode::Patience && earliest_deadline < f64::from(t) {
                let tf = f64::from(t);
                let (mut gone, mut counted_gone) = (0.0, 0.0);
                // One pass: drop the expired, and find the earliest deadline of the rest.
                let mut earliest = f64::INFINITY;
                waiting.retain(|w| {
                    if w.deadline < tf {
                        gone += w.qty;
                        if w.day >= warmup {
                            counted_gone += w.qty;
                        }
                        false
                    } else {
                        earliest = earliest.min(w.deadline);
                        true
                    }
                });
                backlog -= gone;
                t_stats.cancelled += counted_gone;
                earliest_deadline = earliest;
            }
            while on_hand > 0.0 {
                let Some(front) = waiting.front_mut() else {
                    break;
                };
                let q = front.qty.min(on_hand);
                on_hand -= q;
                recorded = (recorded - q).max(0.0);
                front.qty -= q;
                backlog -= q;
                if front.day >= warmup {
                    t_stats.filled_later += q;
                    t_stats.add_wait(t - front.day, q);
                }
                if front.qty <= tie {
                    waiting.pop_front();
                }
            }
            if waiting.is_empty() {
                backlog = 0.0;
            }
        }
        // 3. Demand.
        let d = demand.surged(base[t as usize], t);
        let served = d.min(on_hand);
        on_hand -= served;
        recorded = (recorded - served).max(0.0);
        let short = d - served;
        if short > tie {
            cycle_short = true;
            if counted {
                t_stats.stockout_days += 1;
            }
            match mode {
                CustomerMode::LostSales => {
                    if counted {
                        t_stats.lost += short;
                    }
                }
                CustomerMode::Backorder => {
                    if counted {
                        t_stats.backordered += short;
                    }
                    backlog += short;
                    match waiting.back_mut() {
                        Some(w) if w.day == t => w.qty += short,
                        _ => waiting.push_back(Waiting {
                            day: t,
                            qty: short,
                            deadline: f64::INFINITY,
                        }),
                    }
                }
                CustomerMode::Patience => {
                    // Exponential patience: memoryless, so the longer the wait, the more
                    // customers have cancelled. Stock only arrives at the start of a day, so
                    // a customer whose patience ends before tomorrow cancels at once (and
                    // never counts as backordered).
                    let patience = mean_patience * streams.customer.sample::<f64, _>(Exp1);
                    if patience < 1.0 {
                        if counted {
                            t_stats.cancelled += short;
                        }
                    } else {
                        if counted {
                            t_stats.backordered += short;
                        }
                        backlog += short;
                        let deadline = f64::from(t) + patience;
                        earliest_deadline = earliest_deadline.min(deadline);
                        waiting.push_back(Waiting {
                            day: t,
                            qty: short,
                            deadline,
                        });
                    }
                }
            }
        }
        if counted {
            t_stats.demand += d;
            t_stats.served += served;
        }
        if on_hand < t_stats.min_on_hand {
            t_stats.min_on_hand = on_hand;
        }
        // Unrecorded shrinkage.
        if inaccuracy.shrink_per_day > 0.0 && on_hand > 0.0 {
            on_hand -= on_hand * inaccuracy.shrink_per_day;
        }
        // 4. Review.
        if policy.reviews_on(t) {
            let position = recorded + on_order - backlog;
            let q = policy.order_for(position);
            if q > 0.0 {
                let lt = if lead.crossing {
                    lead.sample(&mut streams.lead, t)
                } else {
                    lead.sample_persistent(&mut streams.lead, t, &mut regime)
                };
                let lt = lt.round().max(1.0) as u32;
                let mut arrival = t + lt;
                if !lead.crossing {
                    arrival = arrival.max(last_arrival);
                }
                last_arrival = arrival;
                pipeline.push((arrival, q));
                observer.order(t, q, arrival);
                on_order += q;
                if counted {
                    t_stats.orders += 1;
                }
            }
        }
        // 5. End of day.
        observer.end_of_day(t, on_hand, backlog.max(0.0), recorded + on_order - backlog);
        if counted {
            t_stats.on_hand_sum += on_hand;
            t_stats.backlog_sum += backlog.max(0.0);
        }
        t += 1;
    }
    t_stats.waiting_end = waiting
        .iter()
        .filter(|w| w.day >= warmup)
        .map(|w| w.qty)
        .sum();
    t_stats.days = days.saturating_sub(warmup);
    t_stats
}

/// The first index of `xs` where `pred` holds, for a `pred` that stays true once true
/// (`xs.len()` if it never holds). Probes indexes 0, 2, 6, 14, … and then bisects the last
/// gap: O(log i) for an answer at i, so a short stretch costs little in a long path.
fn first_true(xs: &[f64], pred: impl Fn(f64) -> bool) -> usize {
    let (mut lo, mut width) = (0, 1);
    let hi = loop {
        let probe = lo + width - 1;
        if probe >= xs.len() {
            break xs.len();
        }
        if pred(xs[probe]) {
            break probe;
        }
        lo = probe + 1;
        width *= 2;
    };
    lo + xs[lo..hi].partition_point(|&x| !pred(x))
}

/// What the lean loop of quiet days needs (see [`Quiet::run`]).
struct Quiet<'a, 'w> {
    path: DemandPath<'a>,
    demand: &'a DemandSampler<'w>,
    policy: &'a SimPolicy,
    shrink: f64,
    on_order: f64,
    backlog: f64,
}

impl Quiet<'_, '_> {
    /// [`Quiet::run`] without walking the days, when nobody watches them and there is no
    /// shrinkage (so the recorded on-hand is the physical one, `on_hand`): the stretch ends at
    /// the first day whose demand cannot be served in full or whose review finds the position
    /// at or below the trigger. Both conditions only grow more true as cumulative demand grows,
    /// so each is a galloping search over the path's running sums, and the stretch's tallies
    /// come from the same sums: O(log days) per stretch instead of O(days).
    ///
    /// The result equals the day-by-day loop's up to rounding (cumulative demand is one
    /// difference of running sums instead of a chain of subtractions; exactly equal for
    /// whole-unit demand), which the engine's tests check.
    fn skip(&self, t: u32, end: u32, on_hand: f64, stats: &mut Rep, counted: bool) -> (u32, f64) {
        // A surge multiplies the days of its window: a stretch stays on one side of each of
        // its edges, so the whole stretch has one multiplier.
        let (end, m) = match self.demand.surge() {
            Some((a, _, _)) if t < a => (end.min(a), 1.0),
            Some((_, b, f)) if t < b => (end.min(b), f),
            _ => (end, 1.0),
        };
        if t >= end {
            return (t, on_hand);
        }
        let policy = self.policy;
        let (a, e) = (t as usize, end as usize);
        let (cum, cum2) = (self.path.cum, self.path.cum2);
        let ca = cum[a];
        // `ahead[i]` = demand of days a ..= a + i (up to the multiplier).
        let ahead = &cum[a + 1..=e];
        let used = |c: f64| m * (c - ca);
        let short = |c: f64| used(c) > on_hand;
        let (on_order, backlog) = (self.on_order, self.backlog);
        let trigger = policy.levels.trigger();
        let low = |c: f64| trigger.fires((on_hand - used(c)) + on_order - backlog);
        let n = if policy.kind().is_periodic() {
            // The first review day on or after the position is low, unless a shortage comes
            // first.
            let low_from = first_true(ahead, low);
            let r = policy.review_days.max(1);
            let review = ((a + low_from) as u32).div_ceil(r) as usize * r as usize - a;
            let review = review.min(ahead.len());
            first_true(&ahead[..review], short)
        } else {
            first_true(ahead, |c| short(c) || low(c))
        };
        if n == 0 {
            return (t, on_hand);
        }
        let stop = a + n;
        let demanded = used(cum[stop]);
        let left = on_hand - demanded;
        stats.min_on_hand = stats.min_on_hand.min(left);
        if counted {
            let days = n as f64;
            // Σ over the days of the end-of-day on-hand: on_hand − demand so far.
            let drawn = m * ((cum2[stop] - cum2[a]) - days * ca);
            stats.demand += demanded;
            stats.served += demanded;
            stats.on_hand_sum += days * on_hand - drawn;
            stats.backlog_sum += days * backlog.max(0.0);
        }
        (stop as u32, left)
    }

    /// Runs days `t .. end` while they are quiet — nothing is received (the caller stops `end`
    /// at the next receipt and at the end of the warm-up), nobody waits, the day's demand is
    /// served in full and the review orders nothing — doing exactly what the full day would,
    /// in the same order, with far fewer branches. Returns the first day that is not quiet (or
    /// `end`) and the (physical, recorded) on hand then; that day is left untouched for the
    /// full loop.
    #[inline]
    fn run<O: Observer>(
        &self,
        mut t: u32,
        end: u32,
        (mut on_hand, mut recorded): (f64, f64),
        stats: &mut Rep,
        counted: bool,
        observer: &mut O,
    ) -> (u32, (f64, f64)) {
        let policy = self.policy;
        let periodic = policy.kind().is_periodic();
        let review_days = policy.review_days.max(1);
        let mut phase = t % review_days;
        let (on_order, backlog) = (self.on_order, self.backlog);
        let (mut demanded, mut served, mut on_hand_sum, mut backlog_sum) = (
            stats.demand,
            stats.served,
            stats.on_hand_sum,
            stats.backlog_sum,
        );
        let mut min_on_hand = stats.min_on_hand;
        // Without shrinkage the recorded on-hand is the physical one: both start equal and
        // every movement changes both alike (physical stock never goes below 0, so the
        // record's floor at 0 never bites).
        let exact_record = self.shrink <= 0.0;
        debug_assert!(!exact_record || recorded.to_bits() == on_hand.to_bits());
        while t < end {
            let d = self.demand.surged(self.path.base[t as usize], t);
            // A shortage: the full loop handles the day.
            if d > on_hand {
                break;
            }
            let mut next = on_hand - d;
            let next_recorded = if exact_record {
                next
            } else {
                (recorded - d).max(0.0)
            };
            let low = next;
            if !exact_record && next > 0.0 {
                next -= next * self.shrink;
            }
            if !periodic || phase == 0 {
                let position = next_recorded + on_order - backlog;
                // `order_for` is 0 unless the position triggers.
                if policy.triggers(position) && policy.order_for(position) > 0.0 {
                    break;
                }
            }
            phase += 1;
            if phase == review_days {
                phase = 0;
            }
            if low < min_on_hand {
                min_on_hand = low;
            }
            (on_hand, recorded) = (next, next_recorded);
            observer.end_of_day(t, on_hand, backlog.max(0.0), recorded + on_order - backlog);
            if counted {
                demanded += d;
                served += d;
                on_hand_sum += on_hand;
                backlog_sum += backlog.max(0.0);
            }
            t += 1;
        }
        (
            stats.demand,
            stats.served,
            stats.on_hand_sum,
            stats.backlog_sum,
        ) = (demanded, served, on_hand_sum, backlog_sum);
        stats.min_on_hand = min_on_hand;
        (t, (on_hand, recorded))
    }
}
