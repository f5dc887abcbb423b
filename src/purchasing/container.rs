//! Container and vehicle fill: one supplier's order rounded to whole containers by pulling
//! forward the next most valuable units or trimming the least valuable ones, ranked by the
//! order budget's ranking ([`super::budget::rank`]: expected shortage avoided per unit of
//! money), and the per-supplier summary (`supplier_orders.csv`).
//!
//! What it does not do: size or evaluate lines (the caller passes each line already
//! evaluated by the budget, [`LineSteps`]: its chunks on the pack and MOQ grid with the
//! expected shortage left after each, and how many units of it are ordered now), know the
//! config file, the calendar, or write anything. Every function is pure on the lines and the
//! money it is given — plain serialisable numbers, no demand distribution — so it runs on one
//! shard's lines or on a whole catalogue's (`merge`) alike.
//!
//! # Conventions
//! - **Load.** A supplier's order is loaded as one consolidated load: it fits in T
//!   containers when its volume ≤ T × `container_volume` and its weight ≤ T ×
//!   `container_weight` (each where set). Units are small against a container, so packing
//!   losses are not modelled: give the usable capacity (e.g. about 58 m³ of a 40-foot
//!   container's 67.7). The load in containers is the larger of volume / capacity and weight
//!   / capacity; that dimension is the **binding** one. Containers 1..T−1 are full and the
//!   last holds the rest: its fill is load − (T − 1).
//! - **Measured lines.** A line counts in the load only when its item has every dimension the
//!   container has (`volume` for `container_volume`, `weight` for `container_weight`); an
//!   unmeasured line is never moved and is reported (`unmeasured_lines`).
//! - **Rule** (n = containers the order needs, f = fill of the last one):
//!   1. more than `max_containers` → **trim** to `max_containers`;
//!   2. n = 1, or f ≥ `container_round_up` (default 0.5: round to the nearest container) →
//!      **fill up** the n-th container;
//!   3. otherwise **trim** to n − 1 containers — unless that takes the order below the
//!      supplier's minimum (value or units): then fill up.
//!
//!   After a trim the remaining room is filled again (first fit), so the last container is as
//!   full as the lines allow.
//! - **A line** is its evaluated chunks ([`LineSteps`], [`super::budget::Line::chunk_sizes`]:
//!   the MOQ in whole packs, then packs): the units ordered now are its first chunks, and the
//!   rest are what it may be pulled forward by (the rest of a budget-cut line, the next order
//!   of a SKU not yet due). Every quantity the rounding leaves is a whole number of leading
//!   chunks, so pack and MOQ are never broken.
//! - **Trim**: the ordered chunks of every line are ranked together ([`super::budget::rank`]
//!   of each line's ordered chunks) and removed least valuable first (reverse rank; a line's
//!   later chunks go before its earlier ones, so a line keeps its MOQ or goes whole) until the
//!   load fits. Lines without a unit cost cannot be ranked against money: they go last, by
//!   shortage avoided per unit. Money a trim frees goes back to the budgets.
//! - **Fill up**: the chunks each priced, measured line has not ordered yet are ranked
//!   together (each line's next chunks from the shortage its ordered ones leave) and taken in
//!   rank order while they fit in the T containers and in every budget that applies to the
//!   line — the total, its supplier's and its category's ([`Purse::exceeds`]; first fit: a
//!   chunk that does not fit ends its line's growth and the walk goes on). So the capacity,
//!   pack, MOQ and budgets are never broken.

use serde::{Deserialize, Serialize};

use super::{
    budget::{self, LineSteps, Purse},
    PurchasingSettings,
};

/// Relative tolerance of capacity and money comparisons.
const EPS: f64 = 1e-9;

/// A supplier's containers (`[suppliers.NAME] container_volume`, `container_weight`,
/// `max_containers`, `container_round_up`).
///
/// | name | default | meaning | range |
/// |---|---|---|---|
/// | `volume` | none | usable volume of one container, in the unit of the items' `volume` (m³ by convention) | > 0 |
/// | `weight` | none | payload of one container, in the unit of the items' `weight` (kg by convention) | > 0 |
/// | `max_containers` | none (unlimited) | most containers one order may fill | ≥ 1 |
/// | `round_up_from` | 0.5 | fill of the last container from which it is filled up rather than trimmed away | 0 to 1 |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Containers {
    /// Usable volume per container.
    pub volume: Option<f64>,
    /// Payload per container.
    pub weight: Option<f64>,
    /// Most containers per order.
    pub max_containers: Option<u32>,
    /// Last-container fill at or above which it is filled up.
    pub round_up_from: f64,
}

/// The dimension of a container that fills first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// Volume binds.
    Volume,
    /// Weight binds.
    Weight,
}

impl Dimension {
    /// `volume` or `weight`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Volume => "volume",
            Self::Weight => "weight",
        }
    }
}

/// What the rounding did to a supplier's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// The last container was filled up with pulled-forward units.
    FilledUp,
    /// The order was trimmed to whole containers (its last one was under the share).
    Trimmed,
    /// The order was trimmed to `max_containers`.
    TrimmedToMax,
}

/// One line of a supplier's order, as the rounding sees it.
#[derive(Debug, Clone)]
pub struct LoadLine {
    /// Every unit the line may order, evaluated by the budget: its chunks with the expected
    /// shortage left after each, unit cost, supplier and category (for their budgets).
    pub steps: LineSteps,
    /// Units in the order now: the line's first chunks (0 for a line that orders nothing
    /// yet). The rest of `steps` is what it may be pulled forward by.
    pub kept: f64,
    /// Volume per unit, if known.
    pub volume: Option<f64>,
    /// Weight per unit, if known.
    pub weight: Option<f64>,
}

/// The supplier's minimums: a trim never goes below them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Minimum {
    /// Order value (currency).
    pub value: Option<f64>,
    /// Units.
    pub units: Option<f64>,
}

/// The money a rounding may spend: the budgets (none set = unlimited) and what is spent so
/// far in total, per supplier and per category.
#[derive(Debug, Clone, Copy)]
pub struct Money<'a> {
    /// The budgets (`[purchasing]`).
    pub limits: &'a PurchasingSettings,
    /// Spent so far.
    pub purse: &'a Purse,
}

/// The rounded order.
#[derive(Debug, Clone, PartialEq)]
pub struct Rounded {
    /// Units per line after rounding (same order as the lines given).
    pub kept: Vec<f64>,
    /// What was done.
    pub rounding: Rounding,
    /// Containers the order fills.
    pub containers: u32,
    /// Fill of the last container in the binding dimension (0 to 1).
    pub last_fill: f64,
    /// The binding dimension.
    pub binding: Dimension,
    /// Money added (pulled forward) minus money removed (trimmed), at unit cost.
    pub money: f64,
    /// The purse after the rounding (the one given, plus `money` on the lines' suppliers and
    /// categories).
    pub purse: Purse,
}

/// What is wrong with an item's size for a supplier's containers ([`Containers::check_item`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ItemFit {
    /// The container has this dimension but the item's size in it is unknown: the item's
    /// lines are not counted in the load and never moved (`unmeasured_lines`).
    Unmeasured(Dimension),
    /// The item's smallest order ([`super::budget::smallest_order`]: its MOQ in whole packs,
    /// or one pack) takes more than one whole container in this dimension — most likely a
    /// unit mix-up (litres for m³, grams for kg) or a capacity given in the wrong unit.
    Oversized {
        /// The dimension that overflows.
        dimension: Dimension,
        /// Units of the smallest order.
        units: f64,
        /// The item's size per unit in that dimension.
        per_unit: f64,
        /// One container's capacity in that dimension.
        capacity: f64,
    },
}

impl Containers {
    /// What is wrong with an item's size for these containers, given its size per unit
    /// (`volume`, `weight`; `None` = unknown) and its order rounding (`moq`, `pack`, units):
    /// each dimension the container has is checked for a missing size, then for a smallest
    /// order larger than one container. Empty when the item fits.
    ///
    /// # Example
    /// ```
    /// use replenish::purchasing::container::{Containers, Dimension, ItemFit};
    /// let truck = Containers {
    ///     volume: Some(30.0),
    ///     weight: Some(2500.0),
    ///     max_containers: None,
    ///     round_up_from: 0.5,
    /// };
    /// // A pack of 12 at 12 "m³" each (litres, really): 144 m³ in a 30 m³ truck.
    /// let found = truck.check_item(Some(12.0), None, 1.0, 12.0);
    /// let volume = Dimension::Volume;
    /// assert_eq!(found, [
    ///     ItemFit::Oversized { dimension: volume, units: 12.0, per_unit: 12.0, capacity: 30.0 },
    ///     ItemFit::Unmeasured(Dimension::Weight),
    /// ]);
    /// assert!(truck.check_item(Some(0.012), Some(0.5), 1.0, 12.0).is_empty());
    /// ```
    pub fn check_item(
        &self,
        volume: Option<f64>,
        weight: Option<f64>,
        moq: f64,
        pack: f64,
    ) -> Vec<ItemFit> {
        let units = super::budget::smallest_order(moq, pack);
        let mut found = Vec::new();
        for (dimension, capacity, per_unit) in [
            (Dimension::Volume, self.volume, volume),
            (Dimension::Weight, self.weight, weight),
        ] {
            let Some(capacity) = capacity else { continue };
            match per_unit {
                None => found.push(ItemFit::Unmeasured(dimension)),
                Some(per_unit) if units * per_unit > capacity * (1.0 + EPS) => {
                    found.push(ItemFit::Oversized {
                        dimension,
                        units,
                        per_unit,
                        capacity,
                    });
                }
                Some(_) => {}
            }
        }
        found
    }

    /// Whether a line has every dimension the container has.
    fn measured(&self, l: &LoadLine) -> bool {
        (self.volume.is_none() || l.volume.is_some())
            && (self.weight.is_none() || l.weight.is_some())
    }

    /// The load in containers per dimension (volume, weight) of `kept` units per line.
    fn load(&self, lines: &[LoadLine], kept: &[f64]) -> (f64, f64) {
        let mut load = (0.0, 0.0);
        for (l, k) in lines.iter().zip(kept) {
            if !self.measured(l) {
                continue;
            }
            if let (Some(cap), Some(v)) = (self.volume, l.volume) {
                load.0 += k * v / cap;
            }
            if let (Some(cap), Some(w)) = (self.weight, l.weight) {
                load.1 += k * w / cap;
            }
        }
        load
    }

    /// The binding dimension and its load, in containers.
    fn binding(&self, load: (f64, f64)) -> (Dimension, f64) {
        if self.weight.is_some() && (self.volume.is_none() || load.1 > load.0) {
            (Dimension::Weight, load.1)
        } else {
            (Dimension::Volume, load.0)
        }
    }
}

/// Containers needed for a load (in containers): at least 1 for any load.
fn needed(load: f64) -> u32 {
    (load - EPS).ceil().max(1.0) as u32
}

/// How many of a line's leading chunks make `units` (a whole number of them).
fn chunks_in(l: &LineSteps, units: f64) -> usize {
    let (mut done, mut n) = (0.0, 0);
    for s in &l.steps {
        if done >= units - EPS * units.abs().max(1.0) {
            break;
        }
        done += s.units;
        n += 1;
    }
    n
}

/// A line's first `n` chunks, as a line of their own (what it orders now).
fn head(l: &LineSteps, n: usize) -> LineSteps {
    let steps = l.steps[..n].to_vec();
    LineSteps {
        quantity: steps.iter().map(|s| s.units).sum(),
        steps,
        ..l.clone()
    }
}

/// A line's chunks after the first `n`, as a line of their own starting from the shortage
/// the first `n` leave (what it may be pulled forward by).
fn tail(l: &LineSteps, n: usize) -> LineSteps {
    let steps = l.steps[n..].to_vec();
    LineSteps {
        quantity: steps.iter().map(|s| s.units).sum(),
        shortage_without: n
            .checked_sub(1)
            .map_or(l.shortage_without, |k| l.steps[k].shortage),
        steps,
        ..l.clone()
    }
}

/// Rounds one supplier's order to whole containers (module documentation), spending and
/// freeing `money` (the purse after is in [`Rounded::purse`]). `None` when nothing is ordered
/// from the measured lines (nothing to round).
pub fn round(
    lines: &[LoadLine],
    containers: &Containers,
    minimum: &Minimum,
    money: Money<'_>,
) -> Option<Rounded> {
    let kept: Vec<f64> = lines.iter().map(|l| l.kept).collect();
    let (_, load) = containers.binding(containers.load(lines, &kept));
    if load <= EPS {
        return None;
    }
    let n = needed(load);
    let last = load - f64::from(n - 1);
    let max = containers.max_containers.unwrap_or(u32::MAX).max(1);
    let (target, rounding) = if n > max {
        (max, Rounding::TrimmedToMax)
    } else if n == 1 || last >= containers.round_up_from - EPS {
        (n, Rounding::FilledUp)
    } else {
        (n - 1, Rounding::Trimmed)
    };
    let mut out = fill(lines, containers, &kept, target, money);
    let below = |k: &[f64]| {
        let (value, units) = lines.iter().zip(k).fold((0.0, 0.0), |(v, u), (l, k)| {
            (v + k * l.steps.unit_cost, u + k)
        });
        minimum.value.is_some_and(|m| value < m - EPS * m.max(1.0))
            || minimum.units.is_some_and(|m| units < m - EPS * m.max(1.0))
    };
    let mut rounding = rounding;
    if rounding == Rounding::Trimmed && below(&out.kept) && !below(&kept) {
        out = fill(lines, containers, &kept, n, money);
        rounding = Rounding::FilledUp;
    }
    let (binding, load) = containers.binding(containers.load(lines, &out.kept));
    let used = needed(load);
    Some(Rounded {
        kept: out.kept,
        rounding,
        containers: used,
        last_fill: (load - f64::from(used - 1)).clamp(0.0, 1.0),
        binding,
        money: out.money,
        purse: out.purse,
    })
}

/// Whether `kept` fits in `target` containers in every dimension.
fn fits(containers: &Containers, lines: &[LoadLine], kept: &[f64], target: u32) -> bool {
    let (v, w) = containers.load(lines, kept);
    let t = f64::from(target);
    v <= t + EPS * t.max(1.0) && w <= t + EPS * t.max(1.0)
}

/// What [`fill`] leaves: units per line, money added, the purse after.
struct Filled {
    kept: Vec<f64>,
    money: f64,
    purse: Purse,
}

/// Trims `kept` to `target` containers (least valuable chunks first), then fills the room
/// left (most valuable chunks first, within every budget of `money`, to which the trim gave
/// its money back).
fn fill(
    lines: &[LoadLine],
    containers: &Containers,
    kept: &[f64],
    target: u32,
    money: Money<'_>,
) -> Filled {
    let mut kept = kept.to_vec();
    let (mut spent, mut purse) = (0.0, money.purse.clone());
    let movable: Vec<usize> = (0..lines.len())
        .filter(|&i| containers.measured(&lines[i]))
        .collect();
    if !fits(containers, lines, &kept, target) {
        for (i, units) in trim_order(lines, &movable, &kept) {
            if fits(containers, lines, &kept, target) {
                break;
            }
            let l = &lines[i].steps;
            // A kept quantity off the chunk grid (e.g. cut by another rule) never goes below 0.
            let units = units.min(kept[i]);
            kept[i] -= units;
            spent -= units * l.unit_cost;
            purse.spend(
                -units * l.unit_cost,
                l.supplier.as_deref(),
                l.category.as_deref(),
            );
        }
    }
    // Growth: the priced movable lines' chunks not ordered yet, from what they keep now.
    let grow: Vec<usize> = movable
        .iter()
        .copied()
        .filter(|&i| lines[i].steps.priced())
        .collect();
    let extra: Vec<LineSteps> = grow
        .iter()
        .map(|&i| tail(&lines[i].steps, chunks_in(&lines[i].steps, kept[i])))
        .collect();
    let ranking = budget::rank(&extra);
    let mut dead = vec![false; extra.len()];
    for c in &ranking.chunks {
        if dead[c.line] {
            continue;
        }
        let i = grow[c.line];
        let l = &lines[i].steps;
        let (supplier, category) = (l.supplier.as_deref(), l.category.as_deref());
        let before = kept[i];
        kept[i] += c.units;
        let affordable = purse
            .exceeds(money.limits, c.value, supplier, category)
            .is_none();
        if affordable && fits(containers, lines, &kept, target) {
            spent += c.value;
            purse.spend(c.value, supplier, category);
        } else {
            kept[i] = before;
            dead[c.line] = true;
        }
    }
    Filled {
        kept,
        money: spent,
        purse,
    }
}

/// The ordered chunks of the movable lines, least valuable first: priced chunks in reverse
/// rank order, then the chunks of lines without a unit cost (by shortage avoided per unit,
/// least first). Each is (line index, units); a line's later chunks come before its earlier
/// ones.
fn trim_order(lines: &[LoadLine], movable: &[usize], kept: &[f64]) -> Vec<(usize, f64)> {
    let (priced, unpriced): (Vec<usize>, Vec<usize>) = movable
        .iter()
        .copied()
        .filter(|&i| kept[i] > 0.0)
        .partition(|&i| lines[i].steps.priced());
    let mut order = Vec::new();
    for (set, per_unit) in [(priced, false), (unpriced, true)] {
        let ls: Vec<LineSteps> = set
            .iter()
            .map(|&i| {
                let l = &lines[i].steps;
                let mut now = head(l, chunks_in(l, kept[i]));
                if per_unit {
                    now.unit_cost = 1.0;
                }
                now
            })
            .collect();
        let ranking = budget::rank(&ls);
        order.extend(ranking.chunks.iter().rev().map(|c| (set[c.line], c.units)));
    }
    order
}

/// One line of the per-supplier summary's input: a recommendation row's supplier, units and
/// the item's unit facts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderLine<'a> {
    /// Supplier (`None`: summarised as `(none)`).
    pub supplier: Option<&'a str>,
    /// Units ordered now.
    pub ordered: f64,
    /// Units deferred (by the budget, a minimum it cannot meet, or a container trim).
    pub deferred: f64,
    /// Currency per unit (0 = unknown).
    pub unit_cost: f64,
    /// Volume per unit, if known.
    pub volume: Option<f64>,
    /// Weight per unit, if known.
    pub weight: Option<f64>,
}

/// One row of `supplier_orders.csv`: a supplier's order this run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SupplierOrderRow {
    /// Supplier (`(none)` for SKUs without one).
    pub supplier: String,
    /// Lines ordered (rows with an order quantity).
    pub lines: usize,
    /// Units ordered.
    #[serde(serialize_with = "crate::io::cells::num")]
    pub units: f64,
    /// Their value at unit cost (lines without a unit cost count 0).
    #[serde(serialize_with = "crate::io::cells::num")]
    pub order_value: f64,
    /// Their volume (lines with a known volume).
    #[serde(serialize_with = "crate::io::cells::num")]
    pub volume: f64,
    /// Their weight (lines with a known weight).
    #[serde(serialize_with = "crate::io::cells::num")]
    pub weight: f64,
    /// Containers the order fills (suppliers with a container).
    pub containers: Option<u32>,
    /// Volume as a share of the containers' volume, in % (with a `container_volume`).
    #[serde(serialize_with = "crate::io::cells::opt_num")]
    pub fill_volume_pct: Option<f64>,
    /// Weight as a share of the containers' payload, in % (with a `container_weight`).
    #[serde(serialize_with = "crate::io::cells::opt_num")]
    pub fill_weight_pct: Option<f64>,
    /// The dimension that fills first: `volume` or `weight` (with a container).
    pub binding: Option<Dimension>,
    /// Lines ordered whose volume or weight the container needs but the item master lacks:
    /// not counted in the fill.
    pub unmeasured_lines: usize,
    /// Whether the order meets the supplier's minimum (empty without one).
    pub minimum_met: Option<bool>,
    /// Lines with deferred units (DEFER rows and lines cut partly).
    pub deferred_lines: usize,
    /// Value of the deferred units at unit cost.
    #[serde(serialize_with = "crate::io::cells::num")]
    pub deferred_value: f64,
}

/// The per-supplier summary of a run's order lines, sorted by supplier: one row per supplier
/// with an order or a deferral. `terms(supplier)` gives its containers and minimum.
/// Sums run in the order of `lines`; each value is rounded once at the end (units and
/// volume to 3 decimals, values and weight to 2, percentages to 1).
pub fn supplier_orders<'a>(
    lines: impl IntoIterator<Item = OrderLine<'a>>,
    terms: impl Fn(&str) -> (Option<Containers>, Minimum),
) -> Vec<SupplierOrderRow> {
    let mut rows: std::collections::BTreeMap<String, SupplierOrderRow> = Default::default();
    for l in lines {
        if l.ordered <= 0.0 && l.deferred <= 0.0 {
            continue;
        }
        let name = l.supplier.unwrap_or("(none)");
        let (containers, _) = terms(name);
        let r = rows
            .entry(name.to_string())
            .or_insert_with(|| SupplierOrderRow {
                supplier: name.to_string(),
                ..SupplierOrderRow::default()
            });
        if l.deferred > 0.0 {
            r.deferred_lines += 1;
            r.deferred_value += l.deferred * l.unit_cost;
        }
        if l.ordered <= 0.0 {
            continue;
        }
        r.lines += 1;
        r.units += l.ordered;
        r.order_value += l.ordered * l.unit_cost;
        r.volume += l.ordered * l.volume.unwrap_or(0.0);
        r.weight += l.ordered * l.weight.unwrap_or(0.0);
        if let Some(c) = containers {
            let measured = (c.volume.is_none() || l.volume.is_some())
                && (c.weight.is_none() || l.weight.is_some());
            r.unmeasured_lines += usize::from(!measured);
        }
    }
    let round = |v: f64, d: i32| {
        let f = 10f64.powi(d);
        (v * f).round() / f
    };
    rows.into_values()
        .map(|mut r| {
            let (containers, minimum) = terms(&r.supplier);
            if r.lines > 0 {
                r.minimum_met = (minimum.value.is_some() || minimum.units.is_some()).then(|| {
                    minimum
                        .value
                        .is_none_or(|m| r.order_value >= m - EPS * m.max(1.0))
                        && minimum
                            .units
                            .is_none_or(|m| r.units >= m - EPS * m.max(1.0))
                });
            }
            if let Some(c) = containers.filter(|_| r.lines > 0) {
                let load = (
                    c.volume.map_or(0.0, |cap| r.volume / cap),
                    c.weight.map_or(0.0, |cap| r.weight / cap),
                );
                let (binding, l) = c.binding(load);
                let n = if l > EPS { needed(l) } else { 0 };
                r.containers = Some(n);
                r.binding = (n > 0).then_some(binding);
                let pct = |x: f64| (n > 0).then(|| round(100.0 * x / f64::from(n), 1));
                r.fill_volume_pct = c.volume.and_then(|_| pct(load.0));
                r.fill_weight_pct = c.weight.and_then(|_| pct(load.1));
            }
            r.units = round(r.units, 3);
            r.order_value = round(r.order_value, 2);
            r.volume = round(r.volume, 3);
            r.weight = round(r.weight, 2);
            r.deferred_value = round(r.deferred_value, 2);
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::order_qty::round_order;
    use crate::purchasing::budget::{Demand, Line};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// No budget.
    static UNLIMITED: PurchasingSettings = PurchasingSettings {
        budget: None,
        budget_by_supplier: BTreeMap::new(),
        budget_by_category: BTreeMap::new(),
    };
    /// Nothing spent.
    static EMPTY: Purse = Purse {
        total: 0.0,
        by_supplier: BTreeMap::new(),
        by_category: BTreeMap::new(),
    };

    /// Unlimited money.
    fn free() -> Money<'static> {
        Money {
            limits: &UNLIMITED,
            purse: &EMPTY,
        }
    }

    /// A line of supplier S with `quantity` units ordered and `room` more it may be pulled
    /// forward by, of a SKU with demand N(mean, mean / 4) over its protection period at
    /// position `position`, packs of `pack` (no MOQ), 1 m³ and 10 kg per unit.
    fn load_line_at(
        position: f64,
        quantity: f64,
        room: f64,
        pack: f64,
        cost: f64,
        mean: f64,
    ) -> LoadLine {
        let line = Line {
            position,
            quantity: quantity + room,
            moq: 0.0,
            pack,
            unit_cost: cost,
            shortage_cost: 0.0,
            demand: Demand::normal(mean, mean / 4.0),
            supplier: Some("S".into()),
            category: None,
        };
        LoadLine {
            steps: line.evaluate(),
            kept: quantity,
            volume: Some(1.0),
            weight: Some(10.0),
        }
    }

    /// [`load_line_at`] position 0.
    fn load_line(quantity: f64, room: f64, pack: f64, cost: f64, mean: f64) -> LoadLine {
        load_line_at(0.0, quantity, room, pack, cost, mean)
    }

    fn by_volume(volume: f64) -> Containers {
        Containers {
            volume: Some(volume),
            weight: None,
            max_containers: None,
            round_up_from: 0.5,
        }
    }

    #[test]
    fn the_last_container_is_filled_with_the_most_valuable_units() {
        // Container of 100 m³; the order holds 130 (last container 30% < 50%: trim). A is
        // short of much more demand than B and C at the same price: B and C go first, from
        // their last packs on.
        let lines = vec![
            load_line(70.0, 0.0, 10.0, 1.0, 200.0), // A: far short, most valuable
            load_line(30.0, 0.0, 10.0, 1.0, 30.0),  // B: covered at 30
            load_line(30.0, 0.0, 10.0, 1.0, 5.0),   // C: its first pack covers it: least valuable
        ];
        // C's packs avoid at most E[X] = 5 units; B's last pack E[(X − 20)⁺] − E[(X − 30)⁺] ≈
        // 7.3 for X ~ N(30, 7.5): every C chunk goes before any of B's.
        let r = round(&lines, &by_volume(100.0), &Minimum::default(), free()).unwrap();
        assert_eq!(r.rounding, Rounding::Trimmed);
        assert_eq!(r.containers, 1);
        assert_eq!(
            r.kept,
            vec![70.0, 30.0, 0.0],
            "C's 30 units are the least valuable"
        );
        assert!((r.last_fill - 1.0).abs() < 1e-12);
        assert!((r.money + 30.0).abs() < 1e-9);
        // At 160 m³ (60% ≥ 50%) the second container is filled up, most valuable first:
        // A's room (its next packs avoid the most) before D's, D only after A is whole.
        let mut lines = vec![
            load_line(80.0, 30.0, 10.0, 1.0, 200.0), // A: 30 more wanted, very short
            load_line(80.0, 0.0, 10.0, 1.0, 80.0),
            load_line(0.0, 40.0, 10.0, 1.0, 20.0), // D: not due, little to avoid
        ];
        lines[2] = load_line_at(15.0, 0.0, 40.0, 10.0, 1.0, 20.0);
        let r = round(&lines, &by_volume(100.0), &Minimum::default(), free()).unwrap();
        assert_eq!(r.rounding, Rounding::FilledUp);
        assert_eq!(r.containers, 2);
        assert_eq!(r.kept, vec![110.0, 80.0, 10.0]);
        assert!((r.last_fill - 1.0).abs() < 1e-12);
        // The same with only 15 of money left: A's first pack fits, its second does not,
        // so A stops; D's first pack (10) does not fit in the 5 left either.
        let fifteen = PurchasingSettings {
            budget: Some(15.0),
            ..PurchasingSettings::default()
        };
        let money = Money {
            limits: &fifteen,
            purse: &EMPTY,
        };
        let r = round(&lines, &by_volume(100.0), &Minimum::default(), money).unwrap();
        assert!((r.purse.total - 10.0).abs() < 1e-12);
        assert_eq!(r.kept, vec![90.0, 80.0, 0.0]);
        assert!(r.money <= 15.0);
        assert_eq!(r.binding, Dimension::Volume);
    }

    #[test]
    fn max_containers_and_the_minimum_bound_the_rounding() {
        // 250 m³ in containers of 100, at most 2: trimmed to 200 (least valuable first).
        let lines = vec![
            load_line(150.0, 0.0, 10.0, 1.0, 400.0),
            load_line(100.0, 0.0, 10.0, 1.0, 50.0),
        ];
        let c = Containers {
            max_containers: Some(2),
            ..by_volume(100.0)
        };
        let r = round(&lines, &c, &Minimum::default(), free()).unwrap();
        assert_eq!(r.rounding, Rounding::TrimmedToMax);
        assert_eq!(r.containers, 2);
        assert_eq!(r.kept, vec![150.0, 50.0]);
        // 120 m³ (last container 20%) with a minimum of 115 units: trimming to 100 would break
        // it, so the second container is filled up instead (nothing to pull: kept as is).
        let lines = vec![load_line(120.0, 0.0, 10.0, 1.0, 400.0)];
        let min = Minimum {
            value: None,
            units: Some(115.0),
        };
        let r = round(&lines, &by_volume(100.0), &min, free()).unwrap();
        assert_eq!(r.rounding, Rounding::FilledUp);
        assert_eq!(r.kept, vec![120.0]);
        assert_eq!(r.containers, 2);
        // Weight binds when it fills first: 10 kg a unit, 1,000 kg a container.
        let c = Containers {
            weight: Some(1000.0),
            ..by_volume(1000.0)
        };
        let r = round(&lines, &c, &Minimum::default(), free()).unwrap();
        assert_eq!(r.binding, Dimension::Weight);
        assert_eq!((r.containers, r.kept[0]), (1, 100.0));
    }

    #[test]
    fn an_item_is_flagged_when_unmeasured_or_when_its_smallest_order_overflows_a_container() {
        let c = Containers {
            weight: Some(100.0),
            ..by_volume(1.0)
        };
        // MOQ 30 in packs of 12: 36 units. 36 × 1/36 m³ fills the container exactly: fits.
        assert!(c
            .check_item(Some(1.0 / 36.0), Some(1.0), 30.0, 12.0)
            .is_empty());
        // A hair more overflows; weight 36 × 3 = 108 kg > 100 too.
        assert_eq!(
            c.check_item(Some(0.03), Some(3.0), 30.0, 12.0),
            [
                ItemFit::Oversized {
                    dimension: Dimension::Volume,
                    units: 36.0,
                    per_unit: 0.03,
                    capacity: 1.0
                },
                ItemFit::Oversized {
                    dimension: Dimension::Weight,
                    units: 36.0,
                    per_unit: 3.0,
                    capacity: 100.0
                }
            ]
        );
        // No MOQ: one pack; a dimension the container lacks is never asked for.
        assert!(by_volume(1.0)
            .check_item(Some(0.08), None, 0.0, 12.0)
            .is_empty());
        assert_eq!(
            by_volume(1.0).check_item(None, None, 0.0, 12.0),
            [ItemFit::Unmeasured(Dimension::Volume)]
        );
    }

    #[test]
    fn an_unmeasured_line_is_not_moved_nor_counted() {
        let mut lines = vec![
            load_line(60.0, 0.0, 10.0, 1.0, 100.0),
            load_line(500.0, 0.0, 10.0, 1.0, 100.0),
        ];
        lines[1].volume = None;
        let r = round(&lines, &by_volume(100.0), &Minimum::default(), free()).unwrap();
        assert!((r.kept[1] - 500.0).abs() < 1e-12, "{:?}", r.kept);
        assert!((r.last_fill - 0.6).abs() < 1e-9, "{}", r.last_fill);
        // Nothing measured ordered: nothing to round.
        lines[0].kept = 0.0;
        assert!(round(&lines, &by_volume(100.0), &Minimum::default(), free()).is_none());
    }

    #[test]
    fn the_summary_counts_fill_binding_minimum_and_deferrals() {
        let terms = |s: &str| match s {
            "S1" => (
                Some(Containers {
                    weight: Some(2000.0),
                    ..by_volume(10.0)
                }),
                Minimum {
                    value: Some(100.0),
                    units: None,
                },
            ),
            _ => (None, Minimum::default()),
        };
        let line = |supplier, ordered, deferred, volume| OrderLine {
            supplier,
            ordered,
            deferred,
            unit_cost: 2.0,
            volume,
            weight: Some(5.0),
        };
        let rows = supplier_orders(
            [
                line(Some("S1"), 12.0, 0.0, Some(0.5)),
                line(Some("S1"), 3.0, 4.0, None),
                line(Some("S1"), 0.0, 10.0, Some(0.5)),
                line(None, 5.0, 0.0, Some(1.0)),
                line(Some("S2"), 0.0, 0.0, Some(1.0)),
            ],
            terms,
        );
        assert_eq!(rows.len(), 2, "{rows:?}");
        let none = &rows[0];
        assert_eq!(
            (none.supplier.as_str(), none.lines, none.containers),
            ("(none)", 1, None)
        );
        let s1 = &rows[1];
        assert_eq!((s1.lines, s1.units, s1.order_value), (2, 15.0, 30.0));
        assert_eq!((s1.volume, s1.weight), (6.0, 75.0));
        // 6 m³ of 10: one container 60% full by volume, 3.75% by weight.
        assert_eq!(s1.containers, Some(1));
        assert_eq!(s1.fill_volume_pct, Some(60.0));
        assert_eq!(s1.fill_weight_pct, Some(3.8));
        assert_eq!(s1.binding, Some(Dimension::Volume));
        assert_eq!(s1.unmeasured_lines, 1);
        assert_eq!(s1.minimum_met, Some(false));
        assert_eq!((s1.deferred_lines, s1.deferred_value), (2, 28.0));
    }

    /// A random supplier order (supplier S): lines on their pack grid (MOQ in whole packs,
    /// then packs), some with room, volumes, weights and categories, a container, maybe a
    /// limit, and maybe budgets (total, S's, category A's) with some money left each; with
    /// each line's (MOQ, pack) and the purse of what is ordered.
    #[allow(clippy::type_complexity)]
    fn order() -> impl Strategy<
        Value = (
            Vec<LoadLine>,
            Vec<(f64, f64)>,
            Containers,
            PurchasingSettings,
            Purse,
        ),
    > {
        let line = (
            0u32..6,                    // packs ordered (0: nothing ordered)
            0u32..3,                    // MOQ in packs
            1u32..13,                   // pack
            0u32..8,                    // room in packs
            0u32..6,                    // unit cost (0: unpriced)
            1u32..200,                  // mean demand
            1u32..50,                   // volume per unit, litres
            prop::option::of(1u32..40), // weight per unit, kg (None: unmeasured by weight)
            0u32..3,                    // category: none, A, B
        );
        (
            prop::collection::vec(line, 1..8),
            1u32..40,                      // container volume, 100 litres
            prop::option::of(50u32..2000), // container weight, kg
            prop::option::of(1u32..4),     // max containers
            0u32..11,                      // round-up share, tenths
            prop::option::of(0u32..400),   // money left in the total budget
            prop::option::of(0u32..400),   // money left in S's budget
            prop::option::of(0u32..400),   // money left in category A's budget
        )
            .prop_map(|(ls, vol, wt, max, share, total, by_s, by_a)| {
                let mut grid = Vec::new();
                let mut purse = Purse::default();
                let lines = ls
                    .into_iter()
                    .map(|(packs, moq_packs, pack, room, cost, mean, v, w, cat)| {
                        let pack = f64::from(pack);
                        let moq = pack * f64::from(moq_packs);
                        let first = if moq > 0.0 {
                            round_order(moq, moq, pack)
                        } else {
                            pack
                        };
                        let (quantity, total) = match (packs, room) {
                            (0, 0) => (0.0, 0.0),
                            (0, r) => (0.0, first + pack * f64::from(r - 1)),
                            (p, r) => {
                                let q = first + pack * f64::from(p - 1);
                                (q, q + pack * f64::from(r))
                            }
                        };
                        let category = ["A", "B"].get(cat as usize).map(|c| c.to_string());
                        let cost = f64::from(cost);
                        purse.spend(quantity * cost, Some("S"), category.as_deref());
                        grid.push((moq, pack));
                        let line = Line {
                            position: 0.0,
                            quantity: total,
                            moq,
                            pack,
                            unit_cost: cost,
                            shortage_cost: 0.0,
                            demand: Demand::normal(f64::from(mean), f64::from(mean) / 3.0),
                            supplier: Some("S".into()),
                            category,
                        };
                        LoadLine {
                            steps: line.evaluate(),
                            kept: quantity,
                            volume: Some(f64::from(v) / 1000.0),
                            weight: w.map(f64::from),
                        }
                    })
                    .collect();
                let c = Containers {
                    volume: Some(f64::from(vol) / 10.0),
                    weight: wt.map(f64::from),
                    max_containers: max,
                    round_up_from: f64::from(share) / 10.0,
                };
                let spent = |m: &BTreeMap<String, f64>, k: &str| m.get(k).copied().unwrap_or(0.0);
                let mut limits = PurchasingSettings {
                    budget: total.map(|t| purse.total + f64::from(t)),
                    ..PurchasingSettings::default()
                };
                if let Some(s) = by_s {
                    let b = spent(&purse.by_supplier, "S") + f64::from(s);
                    limits.budget_by_supplier.insert("S".into(), b);
                }
                if let Some(a) = by_a {
                    let b = spent(&purse.by_category, "A") + f64::from(a);
                    limits.budget_by_category.insert("A".into(), b);
                }
                (lines, grid, c, limits, purse)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn fill_never_exceeds_capacity_and_keeps_pack_moq_and_money(
            (lines, grid, c, limits, purse) in order(),
        ) {
            let money = Money { limits: &limits, purse: &purse };
            let Some(r) = round(&lines, &c, &Minimum::default(), money) else {
                return Ok(());
            };
            // Capacity: the measured units fit in the containers used, never above the limit.
            let (v, w) = c.load(&lines, &r.kept);
            let used = f64::from(r.containers);
            prop_assert!(v <= used + 1e-9 && w <= used + 1e-9, "{v} {w} in {used}");
            if let Some(max) = c.max_containers {
                prop_assert!(r.containers <= max, "{} > {max}", r.containers);
            }
            for ((l, &(moq, pack)), &k) in lines.iter().zip(&grid).zip(&r.kept) {
                let first = if moq > 0.0 { round_order(moq, moq, pack) } else { pack };
                // Pack and MOQ: nothing, or the MOQ in whole packs plus whole packs.
                prop_assert!(k.abs() < 1e-9 || k >= first - 1e-9, "{k} < MOQ {first}");
                if k > 1e-9 {
                    let packs = (k - first) / pack;
                    prop_assert!((packs - packs.round()).abs() < 1e-9, "{k}: {packs} packs");
                }
                // Never beyond the line's units, never negative; unmeasured lines unmoved,
                // unpriced lines never grown.
                prop_assert!(k >= -1e-9 && k <= l.steps.quantity + 1e-9);
                if !c.measured(l) {
                    prop_assert!((k - l.kept).abs() < 1e-9);
                }
                if !l.steps.priced() {
                    prop_assert!(k <= l.kept + 1e-9);
                }
            }
            // Money: what is pulled forward less what is trimmed, and the purse after it.
            let added: f64 = lines
                .iter()
                .zip(&r.kept)
                .map(|(l, k)| (k - l.kept) * l.steps.unit_cost)
                .sum();
            prop_assert!((added - r.money).abs() < 1e-6, "{added} vs {}", r.money);
            prop_assert!((r.purse.total - purse.total - r.money).abs() < 1e-6);
            // Every budget holds (each had money left before).
            let spent = |m: &BTreeMap<String, f64>, k: &str| m.get(k).copied().unwrap_or(0.0);
            if let Some(b) = limits.budget {
                prop_assert!(r.purse.total <= b + 1e-6, "{} > {b}", r.purse.total);
            }
            if let Some(b) = limits.budget_by_supplier.get("S") {
                prop_assert!(spent(&r.purse.by_supplier, "S") <= b + 1e-6);
            }
            if let Some(b) = limits.budget_by_category.get("A") {
                prop_assert!(spent(&r.purse.by_category, "A") <= b + 1e-6);
            }
            // A trimmed order keeps to the containers it was trimmed to.
            let before_kept: Vec<f64> = lines.iter().map(|l| l.kept).collect();
            let (_, before) = c.binding(c.load(&lines, &before_kept));
            if r.rounding == Rounding::Trimmed {
                prop_assert!(f64::from(r.containers) <= before.ceil());
            }
        }
    }
}
