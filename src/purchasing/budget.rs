//! The order budget: every candidate order line, pack by pack, ranked by the expected shortage
//! it avoids per unit of money, and the first-fit cut of that ranking at a budget.
//!
//! What it does not do: size lines (the caller passes the policy quantity, already rounded to
//! pack and MOQ), apply supplier minimums, or write anything.
//!
//! # Conventions
//! - **Chunks.** A line of quantity q is bought in chunks: the first is the smallest quantity
//!   the line may be ordered in — the MOQ rounded up to whole packs
//!   ([`crate::policy::order_qty::round_order`]), so a cut never breaks the MOQ — then one
//!   pack at a time (the last chunk is whatever remains). A line of more than [`MAX_CHUNKS`]
//!   chunks is bought in blocks of whole packs so that it has at most that many.
//! - **Shortage avoided** by a chunk (time convention of [`crate::policy`]: an order placed
//!   after today's sales serves the sales of day L on): with X the SKU's demand over the
//!   protection period of an order placed today, L + R − 1 days (R = 1 for continuous
//!   review), and position p the inventory position before ordering, the chunk taking the
//!   order from a to b units avoids E[(X − (p + a))⁺] − E[(X − (p + b))⁺] backordered units.
//!   X is the normal method's distribution of it ([`crate::policy::order_protection`]: the
//!   demand part Student t with the forecast spread's degrees of freedom, the lead-time part
//!   normal, as the levels were designed; [`Demand::normal`] for a spread known exactly), or
//!   the SKU's empirical Monte Carlo sample
//!   ([`crate::policy::empirical::DemandSample::expected_shortage`]).
//! - **Score** = units avoided × the item's shortage cost when it has one (currency), else
//!   the units avoided. **Rank** = score per unit of money (chunk units × unit cost),
//!   highest first; within a line the ranks never rise (E[(X − x)⁺] is convex), so a line is
//!   always bought from its first chunk on. Ties: line order (the caller sorts lines by SKU
//!   and location), then chunk order.
//! - **Cut** (first fit): walk the chunks in rank order, keep a chunk when the money kept so
//!   far plus its value is within the budget, otherwise defer it — and every later chunk of
//!   its line — and go on. So for every deferred line, the kept chunks ranked ahead of its
//!   first deferred chunk plus that chunk's value exceed the budget.
//! - **Budgets per supplier and per category** (`[purchasing.budget_by_supplier]`,
//!   `[purchasing.budget_by_category]`): a chunk is kept only when it fits the total budget,
//!   its supplier's budget and its category's budget (each where set); the walk is the same
//!   first fit over the one ranking, and a deferred line records the budget that cut it
//!   ([`Limit`]: the total first, then the supplier's, then the category's when several would
//!   be exceeded).
//! - Lines without a unit cost (0) cannot be priced: they are kept whole, outside the budget.
//!
//! # Plain data between the demand and the cut
//! A [`Line`] carries its demand distribution; [`Line::evaluate`] turns it into a
//! [`LineSteps`] — its chunks with the expected shortage left after each — and everything
//! after that (ranking, cut, portfolio, curve) works on those numbers alone. `LineSteps` is
//! serialisable, so a shard of a sharded run evaluates its own lines and `merge` ranks and
//! cuts the catalogue's with the same functions ([`crate::shard`]).

use std::{cmp::Ordering, collections::BTreeMap};

use serde::{Deserialize, Serialize};

use crate::policy::{empirical::DemandSample, order_qty::round_order, spread::Spread};

use super::PurchasingSettings;

/// Most chunks one line is split into (longer lines are bought in blocks of whole packs).
pub const MAX_CHUNKS: usize = 512;

/// Most points of the service-against-money curve ([`Ranking::curve`]).
pub const CURVE_POINTS: usize = 200;

/// Money tolerance of the cut: a chunk fits when the total is within budget + 1e-9·budget.
pub fn fits(total: f64, budget: f64) -> bool {
    total <= budget + 1e-9 * budget.abs().max(1.0)
}

/// Demand over the protection period of an order placed today.
#[derive(Debug, Clone)]
pub enum Demand {
    /// The normal method's distribution: this mean plus an error of the given [`Spread`] (a
    /// Student-t demand part when the forecast spread is an estimate, else normal).
    Design {
        /// Mean (units).
        mean: f64,
        /// Distribution of the demand less its mean.
        spread: Spread,
    },
    /// The empirical Monte Carlo sample.
    Sample(DemandSample),
}

impl Demand {
    /// Normal with this mean and standard deviation (units): a spread known exactly.
    pub fn normal(mean: f64, sd: f64) -> Self {
        Self::Design {
            mean,
            spread: Spread::new(sd, f64::INFINITY, 0.0),
        }
    }

    /// E[(X − level)⁺]: expected units short at stock level `level`.
    pub fn shortage(&self, level: f64) -> f64 {
        match self {
            Self::Design { mean, spread } => spread.excess(level - mean),
            Self::Sample(s) => s.expected_shortage(level),
        }
    }

    /// Mean demand over the protection period (units).
    pub fn mean(&self) -> f64 {
        match self {
            Self::Design { mean, .. } => *mean,
            Self::Sample(s) => s.mean(),
        }
    }
}

/// One candidate order line.
#[derive(Debug, Clone)]
pub struct Line {
    /// Inventory position before ordering (units).
    pub position: f64,
    /// The policy's order quantity, rounded to pack and MOQ (units, > 0).
    pub quantity: f64,
    /// Minimum order quantity (units).
    pub moq: f64,
    /// Pack size (units).
    pub pack: f64,
    /// Currency per unit; 0 = unknown (the line cannot be priced).
    pub unit_cost: f64,
    /// Currency per unit short; 0 = none (the score is in units).
    pub shortage_cost: f64,
    /// Demand over the protection period.
    pub demand: Demand,
    /// Supplier, whose budget the line must fit (`[purchasing.budget_by_supplier]`).
    pub supplier: Option<String>,
    /// Item category, whose budget the line must fit (`[purchasing.budget_by_category]`).
    pub category: Option<String>,
}

/// One chunk of a line as evaluated against its demand.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Units of the chunk.
    pub units: f64,
    /// Expected shortage with the line bought up to and including this chunk:
    /// E[(X − (p + units so far))⁺] (units).
    pub shortage: f64,
}

/// A line evaluated against its demand: what the ranking, the cut, the portfolio and the
/// curve need, as plain serialisable numbers (no distribution).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineSteps {
    /// The line's quantity (units).
    pub quantity: f64,
    /// Currency per unit; 0 = unknown (the line cannot be priced).
    pub unit_cost: f64,
    /// Currency per unit short; 0 = none (the score is in units).
    pub shortage_cost: f64,
    /// Mean demand over the protection period (units).
    pub demand: f64,
    /// Expected shortage without ordering: E[(X − p)⁺] (units).
    pub shortage_without: f64,
    /// The chunks in buying order ([`Line::chunk_sizes`]).
    pub steps: Vec<Step>,
    /// Supplier (for its budget).
    #[serde(default)]
    pub supplier: Option<String>,
    /// Category (for its budget).
    #[serde(default)]
    pub category: Option<String>,
}

impl LineSteps {
    /// Whether the line can be priced (it has a unit cost).
    pub fn priced(&self) -> bool {
        self.unit_cost > 0.0
    }

    /// E[(X − (p + kept))⁺] for `kept` units bought in whole chunks from the first (what the
    /// cut and the supplier minimums leave: none, a prefix of the chunks or the whole line).
    pub fn shortage_at(&self, kept: f64) -> f64 {
        let (mut done, mut shortage) = (0.0, self.shortage_without);
        for s in &self.steps {
            if done >= kept - 1e-9 * kept.abs().max(1.0) {
                break;
            }
            done += s.units;
            shortage = s.shortage;
        }
        shortage
    }

    /// The line's facts ([`LineFacts`]): its priority key among them.
    pub fn facts(&self) -> LineFacts {
        line_chunks(0, self).1
    }
}

impl Line {
    /// Evaluates the line against its demand: each chunk with the expected shortage left
    /// after it.
    pub fn evaluate(&self) -> LineSteps {
        let mut at = self.position;
        let steps = self
            .chunk_sizes()
            .into_iter()
            .map(|units| {
                at += units;
                Step {
                    units,
                    shortage: self.demand.shortage(at),
                }
            })
            .collect();
        LineSteps {
            quantity: self.quantity,
            unit_cost: self.unit_cost,
            shortage_cost: self.shortage_cost,
            demand: self.demand.mean(),
            shortage_without: self.demand.shortage(self.position),
            steps,
            supplier: self.supplier.clone(),
            category: self.category.clone(),
        }
    }

    /// Whether the line can be priced (it has a unit cost).
    pub fn priced(&self) -> bool {
        self.unit_cost > 0.0
    }

    /// The chunk sizes (units) the line is bought in, in order: the MOQ in whole packs, then
    /// packs (blocks of packs beyond [`MAX_CHUNKS`]), the last one what remains.
    pub fn chunk_sizes(&self) -> Vec<f64> {
        let q = self.quantity;
        if q <= 0.0 {
            return Vec::new();
        }
        let pack = if self.pack > 0.0 { self.pack } else { 1.0 };
        let first = smallest_order(self.moq, pack).min(q);
        let rest = q - first;
        let packs = (rest / pack - 1e-9).ceil().max(0.0);
        let per = (packs / (MAX_CHUNKS - 1) as f64).ceil().max(1.0);
        let step = per * pack;
        let mut sizes = vec![first];
        let mut done = first;
        while q - done > 1e-9 * q.max(1.0) {
            let s = step.min(q - done);
            sizes.push(s);
            done += s;
        }
        sizes
    }
}

/// The smallest order of an item (units): its MOQ in whole packs, or one pack without an MOQ
/// (a pack of 0 or less counts as 1 unit) — the first chunk of every line
/// ([`Line::chunk_sizes`]).
///
/// # Example
/// ```
/// use replenish::purchasing::budget::smallest_order;
/// assert_eq!(smallest_order(30.0, 12.0), 36.0);
/// assert_eq!(smallest_order(0.0, 12.0), 12.0);
/// ```
pub fn smallest_order(moq: f64, pack: f64) -> f64 {
    let pack = if pack > 0.0 { pack } else { 1.0 };
    if moq > 0.0 {
        round_order(moq, moq, pack)
    } else {
        pack
    }
}

/// One chunk of one line, as ranked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chunk {
    /// Index of its line.
    pub line: usize,
    /// Units.
    pub units: f64,
    /// Value at unit cost.
    pub value: f64,
    /// Expected backordered units it avoids.
    pub avoided: f64,
    /// Units avoided, times the shortage cost where the line has one.
    pub score: f64,
    /// Score per unit of money (never higher than the line's previous chunk's).
    pub rank: f64,
}

/// What the ranking knows of each line.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LineFacts {
    /// Mean demand over the protection period (units).
    pub demand: f64,
    /// Expected shortage without ordering: E[(X − p)⁺].
    pub shortage_without: f64,
    /// Expected shortage with the whole line ordered: E[(X − (p + q))⁺].
    pub shortage_with: f64,
    /// Score per 1,000 of money of the line's first chunk: the line's priority key (`None`
    /// for a line without a unit cost, or without quantity).
    pub per_1000: Option<f64>,
    /// Whether the shortage is valued at a shortage cost (else in units).
    pub costed: bool,
}

/// Every priced chunk in rank order, and each line's facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// Priced chunks, first to buy first.
    pub chunks: Vec<Chunk>,
    /// Per line, in the caller's order.
    pub lines: Vec<LineFacts>,
}

/// Orders priority keys: lines without a unit cost (`None`) first — they are kept whatever
/// the budget — then the highest score per money first. Callers break ties by SKU and
/// location.
pub fn priority_cmp(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => y.total_cmp(&x),
    }
}

/// The chunks of one line with what each avoids, and the line's facts.
fn line_chunks(i: usize, l: &LineSteps) -> (Vec<Chunk>, LineFacts) {
    let costed = l.shortage_cost > 0.0;
    let weight = if costed { l.shortage_cost } else { 1.0 };
    let mut chunks = Vec::new();
    let (mut before, mut last_rank) = (l.shortage_without, f64::INFINITY);
    for step in &l.steps {
        let (units, after) = (step.units, step.shortage);
        let avoided = (before - after).max(0.0);
        before = after;
        let value = units * l.unit_cost;
        let score = avoided * weight;
        let rank = if value > 0.0 {
            (score / value).min(last_rank)
        } else {
            f64::INFINITY
        };
        last_rank = rank;
        chunks.push(Chunk {
            line: i,
            units,
            value,
            avoided,
            score,
            rank,
        });
    }
    let per_1000 = chunks
        .first()
        .filter(|_| l.priced())
        .map(|c| c.rank * 1000.0);
    let facts = LineFacts {
        demand: l.demand,
        shortage_without: l.shortage_without,
        shortage_with: before,
        per_1000,
        costed,
    };
    (chunks, facts)
}

/// Ranks every chunk of every priced line (see the module documentation).
pub fn rank(lines: &[LineSteps]) -> Ranking {
    let mut chunks = Vec::new();
    let mut facts = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let (c, f) = line_chunks(i, l);
        if l.priced() {
            chunks.extend(c);
        }
        facts.push(f);
    }
    // Stable: ties keep line order, then chunk order.
    chunks.sort_by(|a, b| b.rank.total_cmp(&a.rank));
    Ranking {
        chunks,
        lines: facts,
    }
}

/// The budget that cut a line (or would be exceeded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Limit {
    /// The total budget (`[purchasing] budget`, `--budget`).
    Total,
    /// The supplier's budget (`[purchasing.budget_by_supplier]`).
    Supplier(String),
    /// The category's budget (`[purchasing.budget_by_category]`).
    Category(String),
}

impl Limit {
    /// The amount of this budget in `settings` (0 when not set).
    pub fn amount(&self, settings: &PurchasingSettings) -> f64 {
        match self {
            Self::Total => settings.budget,
            Self::Supplier(s) => settings.budget_by_supplier.get(s).copied(),
            Self::Category(c) => settings.budget_by_category.get(c).copied(),
        }
        .unwrap_or(0.0)
    }

    /// `the budget of 20000`, `SUP001's budget of 5000`, `category Tools' budget of 3000`.
    pub fn describe(&self, settings: &PurchasingSettings) -> String {
        let amount = self.amount(settings);
        let money = format!("{amount:.1}");
        let money = money.strip_suffix(".0").unwrap_or(&money);
        match self {
            Self::Total => format!("the budget of {money}"),
            Self::Supplier(s) => format!("{s}'s budget of {money}"),
            Self::Category(c) => format!("category {c}'s budget of {money}"),
        }
    }
}

/// Money spent so far: in total, per supplier and per category (priced lines).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Purse {
    /// In total.
    pub total: f64,
    /// Per supplier.
    pub by_supplier: BTreeMap<String, f64>,
    /// Per category.
    pub by_category: BTreeMap<String, f64>,
}

impl Purse {
    /// The first budget (the total, the supplier's, the category's) that `value` more on a
    /// line of `supplier` and `category` would exceed; `None` when it fits every one.
    pub fn exceeds(
        &self,
        settings: &PurchasingSettings,
        value: f64,
        supplier: Option<&str>,
        category: Option<&str>,
    ) -> Option<Limit> {
        if settings
            .budget
            .is_some_and(|b| !fits(self.total + value, b))
        {
            return Some(Limit::Total);
        }
        let over = |limits: &BTreeMap<String, f64>, spent: &BTreeMap<String, f64>, key: &str| {
            limits
                .get(key)
                .is_some_and(|b| !fits(spent.get(key).copied().unwrap_or(0.0) + value, *b))
        };
        if let Some(s) =
            supplier.filter(|s| over(&settings.budget_by_supplier, &self.by_supplier, s))
        {
            return Some(Limit::Supplier(s.to_string()));
        }
        category
            .filter(|c| over(&settings.budget_by_category, &self.by_category, c))
            .map(|c| Limit::Category(c.to_string()))
    }

    /// Records `value` spent (negative: given back) on a line of `supplier` and `category`.
    pub fn spend(&mut self, value: f64, supplier: Option<&str>, category: Option<&str>) {
        self.total += value;
        if let Some(s) = supplier {
            *self.by_supplier.entry(s.to_string()).or_default() += value;
        }
        if let Some(c) = category {
            *self.by_category.entry(c.to_string()).or_default() += value;
        }
    }
}

/// The outcome of cutting a ranking at a budget.
#[derive(Debug, Clone, PartialEq)]
pub struct Cut {
    /// Units kept per line (lines without a unit cost: all of them).
    pub kept: Vec<f64>,
    /// Per line, the position in [`Ranking::chunks`] of its first deferred chunk (the one
    /// that did not fit), if any.
    pub first_deferred: Vec<Option<usize>>,
    /// Per line, the budget its first deferred chunk did not fit, if any.
    pub cut_by: Vec<Option<Limit>>,
    /// Money kept (priced lines).
    pub spent: f64,
    /// Money kept in total, per supplier and per category.
    pub purse: Purse,
}

/// Cuts the ranking by first fit at the budgets of `settings` (module documentation); without
/// any budget every line is kept whole.
pub fn cut(ranking: &Ranking, lines: &[LineSteps], settings: &PurchasingSettings) -> Cut {
    let mut kept: Vec<f64> = lines
        .iter()
        .map(|l| if l.priced() { 0.0 } else { l.quantity })
        .collect();
    let mut first_deferred: Vec<Option<usize>> = vec![None; lines.len()];
    let mut cut_by: Vec<Option<Limit>> = vec![None; lines.len()];
    let mut purse = Purse::default();
    for (pos, c) in ranking.chunks.iter().enumerate() {
        if first_deferred[c.line].is_some() {
            continue;
        }
        let l = &lines[c.line];
        let (supplier, category) = (l.supplier.as_deref(), l.category.as_deref());
        match purse.exceeds(settings, c.value, supplier, category) {
            None => {
                purse.spend(c.value, supplier, category);
                kept[c.line] += c.units;
            }
            Some(limit) => {
                first_deferred[c.line] = Some(pos);
                cut_by[c.line] = Some(limit);
            }
        }
    }
    Cut {
        kept,
        first_deferred,
        cut_by,
        spent: purse.total,
        purse,
    }
}

/// One point of the service-against-money curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Money spent on priced lines, in rank order (currency).
    pub spent: f64,
    /// Expected portfolio fill rate over the lines' protection periods.
    pub fill_rate: f64,
    /// Expected backordered units.
    pub backorders: f64,
}

impl Ranking {
    /// Expected backordered units and fill rate of the portfolio of lines with `kept[i]`
    /// units ordered on line i: Σ E[(X − (p + kept))⁺] against Σ E[X].
    pub fn portfolio(&self, lines: &[LineSteps], kept: &[f64]) -> (f64, f64) {
        let backorders: f64 = lines.iter().zip(kept).map(|(l, k)| l.shortage_at(*k)).sum();
        (backorders, self.fill(backorders))
    }

    fn fill(&self, backorders: f64) -> f64 {
        let demand: f64 = self.lines.iter().map(|f| f.demand).sum();
        if demand > 0.0 {
            (1.0 - backorders / demand).clamp(0.0, 1.0)
        } else {
            1.0
        }
    }

    /// Service against money: lines without a unit cost ordered, then the priced chunks
    /// bought in rank order; at most [`CURVE_POINTS`] + 1 points, the first at 0 spent and the
    /// last with every line whole.
    pub fn curve(&self, lines: &[LineSteps]) -> Vec<CurvePoint> {
        let mut backorders: f64 = lines
            .iter()
            .zip(&self.lines)
            .map(|(l, f)| {
                if l.priced() {
                    f.shortage_without
                } else {
                    f.shortage_with
                }
            })
            .sum();
        let n = self.chunks.len();
        let every = n.div_ceil(CURVE_POINTS).max(1);
        let mut spent = 0.0;
        let mut points = vec![CurvePoint {
            spent,
            fill_rate: self.fill(backorders),
            backorders,
        }];
        for (i, c) in self.chunks.iter().enumerate() {
            spent += c.value;
            backorders -= c.avoided;
            if (i + 1) % every == 0 || i + 1 == n {
                let b = backorders.max(0.0);
                points.push(CurvePoint {
                    spent,
                    fill_rate: self.fill(b),
                    backorders: b,
                });
            }
        }
        points
    }
}

/// The portfolio with and without the budget, and the curve: what the report shows
/// (`budget.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BudgetSummary {
    /// The total budget (currency); none when only supplier or category budgets are set.
    #[serde(default)]
    pub budget: Option<f64>,
    /// Candidate order lines (ORDER lines with a quantity, before the cut).
    pub lines: usize,
    /// Their value at unit cost (priced lines).
    pub value_wanted: f64,
    /// Value kept within the budget (after supplier minimums).
    pub value_kept: f64,
    /// Lines cut whole (DEFER).
    pub lines_deferred: usize,
    /// Lines cut partly (ORDER with a deferred quantity).
    pub lines_cut: usize,
    /// Lines without a unit cost, kept outside the budget.
    pub unpriced_lines: usize,
    /// Their units.
    pub unpriced_units: f64,
    /// Expected fill rate over the lines' protection periods, every line ordered whole.
    pub fill_rate_without_cut: f64,
    /// Expected backordered units, every line ordered whole.
    pub backorders_without_cut: f64,
    /// Expected fill rate with the kept quantities.
    pub fill_rate_with_cut: f64,
    /// Expected backordered units with the kept quantities.
    pub backorders_with_cut: f64,
    /// Service against money spent ([`Ranking::curve`]).
    pub curve: Vec<CurvePoint>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::normal;
    use proptest::prelude::*;

    fn ev(lines: &[Line]) -> Vec<LineSteps> {
        lines.iter().map(Line::evaluate).collect()
    }

    fn limit(budget: f64) -> PurchasingSettings {
        PurchasingSettings {
            budget: Some(budget),
            ..PurchasingSettings::default()
        }
    }

    fn line(position: f64, quantity: f64, pack: f64, cost: f64, mean: f64, sd: f64) -> Line {
        Line {
            position,
            quantity,
            moq: 0.0,
            pack,
            unit_cost: cost,
            shortage_cost: 0.0,
            demand: Demand::normal(mean, sd),
            supplier: None,
            category: None,
        }
    }

    #[test]
    fn chunks_start_with_the_moq_in_whole_packs_then_packs() {
        let mut l = line(0.0, 100.0, 12.0, 1.0, 50.0, 10.0);
        l.moq = 30.0;
        l.quantity = 36.0 + 5.0 * 12.0;
        // MOQ 30 in packs of 12 = 36, then five packs.
        assert_eq!(l.chunk_sizes(), vec![36.0, 12.0, 12.0, 12.0, 12.0, 12.0]);
        // A quantity not on the pack grid ends in a remainder.
        l.quantity = 36.0 + 12.0 + 7.0;
        assert_eq!(l.chunk_sizes(), vec![36.0, 12.0, 7.0]);
        // A long line is bought in blocks of whole packs.
        let long = line(0.0, 10_000.0, 1.0, 1.0, 50.0, 10.0);
        let sizes = long.chunk_sizes();
        assert!(sizes.len() <= MAX_CHUNKS, "{}", sizes.len());
        assert!((sizes.iter().sum::<f64>() - 10_000.0).abs() < 1e-6);
        assert!(sizes[1..sizes.len() - 1].iter().all(|s| s.fract() == 0.0));
    }

    #[test]
    fn a_chunk_avoids_the_difference_of_the_expected_shortages() {
        // X ~ N(100, 20), position 60, packs of 10: the first pack avoids
        // E[(X − 60)⁺] − E[(X − 70)⁺] = 20·(G(−2) − G(−1.5)).
        let l = line(60.0, 30.0, 10.0, 2.0, 100.0, 20.0);
        let r = rank(&ev(std::slice::from_ref(&l)));
        let want = 20.0 * (normal::loss(-2.0) - normal::loss(-1.5));
        let first = r.chunks[0];
        assert!((first.avoided - want).abs() < 1e-9, "{}", first.avoided);
        assert!((first.rank - want / 20.0).abs() < 1e-9);
        assert!((r.lines[0].per_1000.unwrap() - 1000.0 * want / 20.0).abs() < 1e-6);
        // Ranks fall along the line (convexity).
        assert!(r.chunks.windows(2).all(|w| w[0].rank >= w[1].rank));
    }

    #[test]
    fn the_money_goes_to_the_sku_that_avoids_more_shortage_per_unit_of_money() {
        // Both SKUs short by the same mean demand; A costs 1 per unit, B 4 per unit, same
        // distribution: a pack of A avoids as much as a pack of B at a quarter of the price.
        let a = line(0.0, 50.0, 10.0, 1.0, 50.0, 10.0);
        let b = line(0.0, 50.0, 10.0, 4.0, 50.0, 10.0);
        let lines = vec![b, a];
        let r = rank(&ev(&lines));
        let c = cut(&r, &ev(&lines), &limit(100.0));
        // 50 units of A cost 50; the remaining 50 buys one pack of B (40) — 10 left.
        assert!((c.kept[1] - 50.0).abs() < 1e-9, "{:?}", c.kept);
        assert!((c.kept[0] - 10.0).abs() < 1e-9, "{:?}", c.kept);
        assert!(c.spent <= 100.0);
        assert_eq!(r.chunks[0].line, 1);
        // Shortage cost can reverse it: B's shortage costs 10 a unit, A's 1.
        let mut lines = lines;
        lines[0].shortage_cost = 10.0;
        lines[1].shortage_cost = 1.0;
        let r = rank(&ev(&lines));
        assert_eq!(r.chunks[0].line, 0);
        let c = cut(&r, &ev(&lines), &limit(100.0));
        assert!(c.kept[0] >= 20.0 - 1e-9, "{:?}", c.kept);
    }

    #[test]
    fn a_line_without_a_unit_cost_is_kept_outside_the_budget() {
        let lines = vec![
            line(0.0, 50.0, 10.0, 0.0, 50.0, 10.0),
            line(0.0, 50.0, 10.0, 1.0, 50.0, 10.0),
        ];
        let r = rank(&ev(&lines));
        let c = cut(&r, &ev(&lines), &limit(20.0));
        assert!((c.kept[0] - 50.0).abs() < 1e-9);
        assert!((c.kept[1] - 20.0).abs() < 1e-9);
        assert!(r.lines[0].per_1000.is_none());
        assert_eq!(priority_cmp(None, Some(5.0)), Ordering::Less);
        assert_eq!(priority_cmp(Some(5.0), Some(3.0)), Ordering::Less);
    }

    #[test]
    fn a_supplier_budget_cuts_a_line_the_total_budget_would_keep() {
        // Two lines of 50 units at 1 a unit, packs of 10: the total budget of 1000 keeps both
        // whole; S1's budget of 25 keeps two packs of A (the third would make 30 > 25), and
        // B, of another supplier, stays whole.
        let mut a = line(0.0, 50.0, 10.0, 1.0, 50.0, 10.0);
        let mut b = line(0.0, 50.0, 10.0, 1.0, 50.0, 10.0);
        a.supplier = Some("S1".into());
        b.supplier = Some("S2".into());
        let lines = ev(&[a, b]);
        let r = rank(&lines);
        let whole = cut(&r, &lines, &limit(1000.0));
        assert_eq!(whole.kept, vec![50.0, 50.0]);
        assert_eq!(whole.cut_by, vec![None, None]);
        let mut settings = limit(1000.0);
        settings.budget_by_supplier.insert("S1".into(), 25.0);
        let c = cut(&r, &lines, &settings);
        assert_eq!(c.kept, vec![20.0, 50.0]);
        assert_eq!(c.cut_by, vec![Some(Limit::Supplier("S1".into())), None]);
        assert!((c.purse.by_supplier["S1"] - 20.0).abs() < 1e-9);
        assert_eq!(
            Limit::Supplier("S1".into()).describe(&settings),
            "S1's budget of 25"
        );
        // A category budget cuts the same way, and the total still binds: with 60 in all,
        // first fit keeps 20 of A (its category's 25) and 40 of B.
        let mut lines = lines;
        lines[0].category = Some("Tools".into());
        let mut settings = limit(60.0);
        settings.budget_by_category.insert("Tools".into(), 25.0);
        let c = cut(&r, &lines, &settings);
        assert_eq!(c.kept, vec![20.0, 40.0]);
        assert_eq!(
            c.cut_by,
            vec![Some(Limit::Category("Tools".into())), Some(Limit::Total)]
        );
        assert!(c.spent <= 60.0 + 1e-9);
    }

    #[test]
    fn the_curve_runs_from_nothing_ordered_to_every_line_whole() {
        let lines = vec![
            line(10.0, 60.0, 5.0, 2.0, 60.0, 15.0),
            line(0.0, 40.0, 4.0, 1.0, 30.0, 8.0),
        ];
        let r = rank(&ev(&lines));
        let curve = r.curve(&ev(&lines));
        let (b0, f0) = r.portfolio(&ev(&lines), &[0.0, 0.0]);
        let (b1, f1) = r.portfolio(&ev(&lines), &[60.0, 40.0]);
        let (first, last) = (curve[0], *curve.last().unwrap());
        assert!((first.backorders - b0).abs() < 1e-9);
        assert!((first.fill_rate - f0).abs() < 1e-12);
        assert!((last.backorders - b1).abs() < 1e-6);
        assert!((last.fill_rate - f1).abs() < 1e-9);
        assert!((last.spent - 160.0).abs() < 1e-9);
        assert!(curve
            .windows(2)
            .all(|w| w[1].fill_rate >= w[0].fill_rate - 1e-12));
    }

    /// A random small catalogue with integer prices (for the exact optimum).
    fn catalogue() -> impl Strategy<Value = Vec<Line>> {
        prop::collection::vec(
            (
                0u32..40,
                1u32..8,
                1u32..6,
                0u32..3,
                1u32..6,
                5u32..60,
                0u32..20,
            ),
            1..7,
        )
        .prop_map(|v| {
            v.into_iter()
                .map(|(pos, packs, pack, moq_packs, cost, mean, sd)| {
                    let pack = f64::from(pack);
                    Line {
                        position: f64::from(pos),
                        quantity: pack * f64::from(packs + moq_packs),
                        moq: pack * f64::from(moq_packs),
                        pack,
                        unit_cost: f64::from(cost),
                        shortage_cost: 0.0,
                        demand: Demand::normal(f64::from(mean) + f64::from(pos), f64::from(sd)),
                        supplier: None,
                        category: None,
                    }
                })
                .collect()
        })
    }

    /// The exact optimum: the most score within `budget` (whole currency units) choosing for
    /// each line how many of its chunks to buy, from the first on (dynamic programming over
    /// money).
    fn optimum(lines: &[Line], budget: usize) -> f64 {
        let mut best = vec![0.0_f64; budget + 1];
        for (i, l) in lines.iter().enumerate() {
            let (chunks, _) = line_chunks(i, &l.evaluate());
            let mut options = vec![(0usize, 0.0)];
            let (mut money, mut score) = (0.0, 0.0);
            for c in chunks {
                money += c.value;
                score += c.score;
                options.push((money.round() as usize, score));
            }
            let mut next = vec![f64::NEG_INFINITY; budget + 1];
            for b in 0..=budget {
                for &(m, s) in &options {
                    if m <= b {
                        next[b] = next[b].max(best[b - m] + s);
                    }
                }
            }
            best = next;
        }
        best[budget]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn the_cut_keeps_within_the_budget_and_is_first_fit(
            lines in catalogue(),
            share in 0.0f64..1.2,
        ) {
            let r = rank(&ev(&lines));
            let total: f64 = r.chunks.iter().map(|c| c.value).sum();
            let budget = total * share;
            let c = cut(&r, &ev(&lines), &limit(budget));
            // Kept value ≤ budget.
            let kept_value: f64 = lines.iter().zip(&c.kept).map(|(l, k)| l.unit_cost * k).sum();
            prop_assert!(kept_value <= budget + 1e-6, "{kept_value} > {budget}");
            prop_assert!((kept_value - c.spent).abs() < 1e-6);
            // First fit: every line with its first deferred chunk at position p has the kept
            // chunks ranked ahead of p plus that chunk's value above the budget.
            let mut kept_ahead = 0.0;
            let mut dead = vec![false; lines.len()];
            for (pos, ch) in r.chunks.iter().enumerate() {
                if dead[ch.line] {
                    continue;
                }
                if c.first_deferred[ch.line] == Some(pos) {
                    prop_assert!(kept_ahead + ch.value > budget, "{kept_ahead} + {} <= {budget}", ch.value);
                    dead[ch.line] = true;
                } else {
                    kept_ahead += ch.value;
                }
            }
            // Kept quantities are whole chunks from the first: the MOQ is never broken.
            for (l, k) in lines.iter().zip(&c.kept) {
                prop_assert!(*k <= 1e-9 || *k >= l.moq.min(l.quantity) - 1e-9, "{k} < MOQ {}", l.moq);
            }
        }

        #[test]
        fn the_ranking_is_within_one_chunk_of_the_exact_optimum(
            lines in catalogue(),
            share in 0.05f64..1.0,
        ) {
            let r = rank(&ev(&lines));
            let total: f64 = r.chunks.iter().map(|c| c.value).sum();
            let budget = (total * share).floor();
            let c = cut(&r, &ev(&lines), &limit(budget));
            let by_rank: f64 = r
                .chunks
                .iter()
                .scan(vec![0.0; lines.len()], |seen, ch| {
                    let take = seen[ch.line] + ch.units <= c.kept[ch.line] + 1e-9;
                    if take {
                        seen[ch.line] += ch.units;
                    }
                    Some(if take { ch.score } else { 0.0 })
                })
                .sum();
            let best = optimum(&lines, budget as usize);
            let largest = r.chunks.iter().map(|c| c.score).fold(0.0, f64::max);
            // The optimum is at least the ranking (it is exact), and at most the ranking plus
            // one chunk (the LP bound of a greedy over concave lines).
            prop_assert!(best >= by_rank - 1e-9, "{best} < {by_rank}");
            prop_assert!(best <= by_rank + largest + 1e-9, "{best} > {by_rank} + {largest}");
        }
    }

    #[test]
    fn measured_gap_to_the_exact_optimum_on_small_catalogues() {
        // 500 seeded catalogues of 1–6 lines, budgets 5–100% of the lines' value: the
        // ranking's score as a share of the exact optimum. Stated in docs/purchasing.md.
        use proptest::strategy::ValueTree;
        use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
        let mut runner = TestRunner::new_with_rng(
            Config::default(),
            TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
        );
        let (mut worst, mut sum, mut n, mut exact) = (1.0_f64, 0.0, 0, 0);
        for i in 0..500 {
            let lines = catalogue().new_tree(&mut runner).unwrap().current();
            let r = rank(&ev(&lines));
            let total: f64 = r.chunks.iter().map(|c| c.value).sum();
            let budget = (total * (0.05 + 0.95 * f64::from(i % 20) / 19.0)).floor();
            let c = cut(&r, &ev(&lines), &limit(budget));
            let (b_cut, _) = r.portfolio(&ev(&lines), &c.kept);
            let base: f64 = r.lines.iter().map(|f| f.shortage_without).sum();
            let by_rank = base - b_cut;
            let best = optimum(&lines, budget as usize);
            if best <= 1e-9 {
                continue;
            }
            let share = by_rank / best;
            assert!(share <= 1.0 + 1e-9, "{share}");
            worst = worst.min(share);
            sum += share;
            n += 1;
            if share > 1.0 - 1e-9 {
                exact += 1;
            }
        }
        let mean = sum / f64::from(n);
        eprintln!(
            "ranking vs exact optimum over {n} catalogues: mean {mean:.4}, worst {worst:.4}, optimal in {exact}"
        );
        // Measured (seed above): 479 catalogues with a positive optimum, mean 0.984, worst
        // 0.4996 (one large MOQ chunk that first fit skips for smaller ones: the classic
        // greedy gap, within the one-chunk bound above), optimal in 345.
        assert!(mean > 0.98, "{mean}");
        assert!(worst > 0.49, "{worst}");
        assert!(exact * 10 > n * 7, "{exact} of {n}");
    }
}
