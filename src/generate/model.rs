//! The generating model of synthetic data: suppliers with lead-time distributions, SKUs with
//! demand classes, seasonality, trend, promotions and launches, and a simple inventory
//! simulation that censors sales at stockouts and produces the purchase-order history.
//!
//! Every SKU and supplier draws from its own random stream, seeded from the run seed and its
//! index, so the output does not depend on the number of threads.
//!
//! | part | model |
//! |---|---|
//! | demand class | 15% smooth (negative binomial, size 20, mean 2–40/day), 15% erratic (size 1.5), 40% intermittent (demand on 3–30% of days, 1 + Poisson(0.5) units), 30% lumpy (demand on 1–15% of days, 1 + negative binomial mean 6, size 0.8) |
//! | weekly pattern | weekday multipliers (busy Friday–Saturday), amplitude 0.1–0.5 |
//! | yearly season | 60% of SKUs: 1 + a·cos(2π(day − peak)/365.25), a in 0.1–0.6 |
//! | trend | exp(g·t), g ~ N(0, 0.25) per year |
//! | promotions | every 60–120 days on 50% of smooth/erratic and 20% of other SKUs, 3–14 days, lift 1.5–3× on the mean (or the occurrence rate) |
//! | launches | 12% of SKUs launch between 10% and 80% into the history; 3% are discontinued |
//! | lead times | per supplier: mean 3–40 days; 60% lognormal with CV 0.1–0.35, 30% right-skewed (CV 0.4–0.8), 10% unreliable (15% of orders delayed 10–40 extra days); 25% of suppliers have a 30–60 day disruption in which lead times are ×1.8–3 |
//! | replenishment | (s, Q) with a reorder point that is sometimes too low; sales = min(demand, on hand); unmet demand is lost from the history and flags the day as a stockout; 8% of receipts are short-shipped; orders not received by the end are open |

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, LogNormal, Normal, Poisson};

/// Demand class of a generated SKU (the generator's truth, not the classifier's output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Frequent, stable demand.
    Smooth,
    /// Frequent, highly variable demand.
    Erratic,
    /// Rare demand of small, stable sizes.
    Intermittent,
    /// Rare demand of highly variable sizes.
    Lumpy,
}

/// A supplier and its lead-time behaviour.
#[derive(Debug, Clone)]
pub struct Supplier {
    /// Name, e.g. `SUP007`.
    pub name: String,
    /// Mean lead time in normal times (days).
    pub mean_days: f64,
    lognormal: LogNormal<f64>,
    /// Probability that an order is delayed by 10–40 extra days.
    delay_prob: f64,
    /// Day range (history index) of a disruption and its lead-time multiplier.
    pub disruption: Option<(usize, usize, f64)>,
}

impl Supplier {
    /// Draws supplier `index` of a run.
    pub fn draw(seed: u64, index: usize, days: usize) -> Self {
        let mut rng = stream(seed, 1, index as u64);
        let mean_days: f64 = rng.random_range(3.0..40.0);
        let kind = rng.random::<f64>();
        let (cv, delay_prob): (f64, f64) = if kind < 0.6 {
            (rng.random_range(0.1..0.35), 0.0)
        } else if kind < 0.9 {
            (rng.random_range(0.4..0.8), 0.0)
        } else {
            (rng.random_range(0.15..0.3), 0.15)
        };
        let sigma = (1.0 + cv * cv).ln().sqrt();
        let mu = mean_days.ln() - sigma * sigma / 2.0;
        let disruption = (rng.random::<f64>() < 0.25 && days > 90).then(|| {
            let len = rng.random_range(30..=60).min(days / 3);
            let start = rng.random_range(0..days - len);
            (start, start + len, rng.random_range(1.8..3.0))
        });
        Self {
            name: format!("SUP{:03}", index + 1),
            mean_days,
            lognormal: LogNormal::new(mu, sigma).expect("valid lognormal"),
            delay_prob,
            disruption,
        }
    }

    /// Samples the lead time (whole days, at least 1) of an order placed on history day `day`.
    pub fn lead_time(&self, day: usize, rng: &mut ChaCha8Rng) -> usize {
        let mut lt = self.lognormal.sample(rng);
        if self.delay_prob > 0.0 && rng.random::<f64>() < self.delay_prob {
            lt += rng.random_range(10.0..40.0);
        }
        if let Some((a, b, k)) = self.disruption {
            if (a..b).contains(&day) {
                lt *= k;
            }
        }
        lt.round().max(1.0) as usize
    }
}

/// One SKU's item-master attributes and demand parameters.
#[derive(Debug, Clone)]
pub struct Sku {
    /// Name, e.g. `SKU00042`.
    pub name: String,
    /// Demand class.
    pub pattern: Pattern,
    /// Supplier index.
    pub supplier: usize,
    /// Category, e.g. `CAT03`.
    pub category: String,
    /// Unit cost.
    pub unit_cost: f64,
    /// Selling price.
    pub price: f64,
    /// Cost per order.
    pub order_cost: f64,
    /// Minimum order quantity.
    pub moq: u32,
    /// Pack size.
    pub pack_size: u32,
    /// Mean customer patience (days).
    pub patience_days: f64,
    /// Service target, when the item master sets one.
    pub service_level: Option<f64>,
    /// First day of demand (history index).
    pub launch: usize,
    /// Day demand ends, for discontinued items.
    pub end: Option<usize>,
    /// Base mean daily demand (smooth/erratic) or occurrence probability (intermittent/lumpy).
    level: f64,
    /// Negative-binomial size (smooth/erratic).
    size: f64,
    weekly: [f64; 7],
    season_amp: f64,
    season_peak: f64,
    trend_per_year: f64,
    /// Promotion windows (start, end exclusive) and lift.
    pub promos: Vec<(usize, usize, f64)>,
}

/// Busy Friday and Saturday, quiet Monday to Wednesday (Monday first), mean 1.
const WEEKDAY_SHAPE: [f64; 7] = [-0.3, -0.35, -0.2, 0.0, 0.35, 0.6, -0.1];

impl Sku {
    /// Draws SKU `index` of a run with `days` of history and `suppliers` suppliers.
    pub fn draw(seed: u64, index: usize, days: usize, suppliers: usize) -> Self {
        let mut rng = stream(seed, 2, index as u64);
        let u = rng.random::<f64>();
        let pattern = match u {
            u if u < 0.15 => Pattern::Smooth,
            u if u < 0.30 => Pattern::Erratic,
            u if u < 0.70 => Pattern::Intermittent,
            _ => Pattern::Lumpy,
        };
        let (level, size) = match pattern {
            Pattern::Smooth => (lognormal(&mut rng, 8.0, 0.8).clamp(2.0, 40.0), 20.0),
            Pattern::Erratic => (lognormal(&mut rng, 3.0, 0.7).clamp(0.8, 20.0), 1.5),
            Pattern::Intermittent => (rng.random_range(0.03..0.3), 0.0),
            Pattern::Lumpy => (rng.random_range(0.01..0.15), 0.0),
        };
        let amp = rng.random_range(0.1..0.5);
        let mut weekly = [0.0; 7];
        for (w, s) in weekly.iter_mut().zip(WEEKDAY_SHAPE) {
            *w = 1.0 + amp * s;
        }
        let season_amp = if rng.random::<f64>() < 0.6 {
            rng.random_range(0.1..0.6)
        } else {
            0.0
        };
        let season_peak = rng.random_range(0.0..365.25);
        let trend_per_year = Normal::new(0.0, 0.25).expect("valid").sample(&mut rng);
        let frequent = matches!(pattern, Pattern::Smooth | Pattern::Erratic);
        let promo_share = if frequent { 0.5 } else { 0.2 };
        let mut promos = Vec::new();
        if rng.random::<f64>() < promo_share {
            let mut d = rng.random_range(10..90);
            while d < days {
                let len = rng.random_range(3..=14);
                promos.push((d, (d + len).min(days), rng.random_range(1.5..3.0)));
                d += len + rng.random_range(60..120);
            }
        }
        let launch = if rng.random::<f64>() < 0.12 && days > 20 {
            rng.random_range(days / 10..days * 8 / 10)
        } else {
            0
        };
        let end = (rng.random::<f64>() < 0.03 && days > 40)
            .then(|| rng.random_range((launch + days) / 2..days));
        let unit_cost = lognormal(&mut rng, 12.0, 0.9).clamp(0.5, 2000.0);
        let price = unit_cost * rng.random_range(1.3..2.5);
        let pack_size = if rng.random::<f64>() < 0.4 {
            [6, 12, 24][rng.random_range(0..3)]
        } else {
            1
        };
        let moq = if rng.random::<f64>() < 0.3 {
            pack_size * [2, 4, 10][rng.random_range(0..3)]
        } else {
            pack_size
        };
        Self {
            name: format!("SKU{:05}", index + 1),
            pattern,
            supplier: rng.random_range(0..suppliers),
            category: format!("CAT{:02}", rng.random_range(1..=20)),
            unit_cost: round2(unit_cost),
            price: round2(price),
            order_cost: round2(rng.random_range(20.0..120.0)),
            moq,
            pack_size,
            patience_days: round2(rng.random_range(2.0..21.0)),
            service_level: (rng.random::<f64>() < 0.1)
                .then(|| [0.9, 0.95, 0.98][rng.random_range(0..3)]),
            launch,
            end,
            level,
            size,
            weekly,
            season_amp,
            season_peak,
            trend_per_year,
            promos,
        }
    }

    /// Expected demand multiplier on history day `day` (weekday `weekday`, 0 = Monday), and
    /// whether a promotion is on.
    fn multiplier(&self, day: usize, weekday: usize, day_of_year: f64) -> (f64, bool) {
        let season = 1.0
            + self.season_amp
                * (2.0 * std::f64::consts::PI * (day_of_year - self.season_peak) / 365.25).cos();
        let trend = (self.trend_per_year * day as f64 / 365.25)
            .exp()
            .clamp(0.2, 5.0);
        let promo = self
            .promos
            .iter()
            .find(|(a, b, _)| (*a..*b).contains(&day))
            .map(|p| p.2);
        (
            self.weekly[weekday] * season * trend * promo.unwrap_or(1.0),
            promo.is_some(),
        )
    }

    /// Long-run mean daily demand (for the generator's own reorder points).
    pub fn mean_daily(&self) -> f64 {
        match self.pattern {
            Pattern::Smooth | Pattern::Erratic => self.level,
            Pattern::Intermittent => self.level * 1.5,
            Pattern::Lumpy => self.level * 7.0,
        }
    }

    /// Samples demand on one day given the multiplier.
    fn demand(&self, mult: f64, rng: &mut ChaCha8Rng) -> u32 {
        match self.pattern {
            Pattern::Smooth | Pattern::Erratic => neg_binomial(rng, self.level * mult, self.size),
            Pattern::Intermittent => {
                if rng.random::<f64>() < (self.level * mult).min(0.95) {
                    1 + poisson(rng, 0.5)
                } else {
                    0
                }
            }
            Pattern::Lumpy => {
                if rng.random::<f64>() < (self.level * mult).min(0.95) {
                    1 + neg_binomial(rng, 6.0, 0.8)
                } else {
                    0
                }
            }
        }
    }
}

/// One day of a generated SKU's history.
#[derive(Debug, Clone, Copy, Default)]
pub struct Day {
    /// Units customers wanted (the truth that sales censor).
    pub demand: u32,
    /// Units sold (censored at the stock on hand).
    pub sales: u32,
    /// Promotion active.
    pub promo: bool,
    /// Demand went (partly) unserved: out of stock.
    pub stockout: bool,
}

/// A generated purchase-order line.
#[derive(Debug, Clone)]
pub struct PoLine {
    /// History index of the order date.
    pub order_day: usize,
    /// History index of the receipt, if received by the end.
    pub receipt_day: Option<usize>,
    /// Expected arrival (history index) for open orders.
    pub expected_day: Option<usize>,
    /// Units ordered.
    pub quantity: u32,
    /// Units received (less than ordered for short shipments).
    pub received: Option<u32>,
}

/// One SKU's generated history.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// One entry per history day.
    pub days: Vec<Day>,
    /// Return rows: (history index, units returned).
    pub returns: Vec<(usize, u32)>,
    /// Purchase orders.
    pub orders: Vec<PoLine>,
    /// On hand at the end.
    pub on_hand: u32,
    /// Customers' units waiting at the end.
    pub backordered: u32,
}

/// The generator's own (s, Q) policy of a SKU, drawn first from its stream: the reorder
/// point covers the supplier's mean lead time + 7 days of mean demand × a safety factor in
/// 0.6–1.6 (sometimes too low, so that stockouts happen); Q is 14–45 days of demand, at least
/// the MOQ, in whole packs.
fn reorder_policy(sku: &Sku, supplier: &Supplier, rng: &mut ChaCha8Rng) -> (u32, u32) {
    let mean = sku.mean_daily().max(0.01);
    let cover = supplier.mean_days + 7.0;
    let safety = rng.random_range(0.6..1.6);
    let s = (mean * cover * safety).ceil() as u32;
    let q = ((mean * rng.random_range(14.0..45.0)).ceil() as u32)
        .max(sku.moq)
        .div_ceil(sku.pack_size)
        * sku.pack_size;
    (s, q)
}

/// The (s, Q) policy SKU `index` runs in the history (written to the item master as the
/// planner's current policy).
pub fn current_policy(sku: &Sku, supplier: &Supplier, seed: u64, index: usize) -> (u32, u32) {
    reorder_policy(sku, supplier, &mut stream(seed, 3, index as u64))
}

/// Simulates one SKU over the history: demand, stock, orders and receipts.
pub fn simulate(
    sku: &Sku,
    supplier: &Supplier,
    seed: u64,
    index: usize,
    start: NaiveDate,
    days: usize,
) -> History {
    use chrono::Datelike;
    let mut rng = stream(seed, 3, index as u64);
    let (s, q) = reorder_policy(sku, supplier, &mut rng);
    let mut on_hand = s + q / 2;
    let mut pipeline: Vec<(usize, u32)> = Vec::new(); // (arrival day, units)
    let mut h = History {
        days: vec![Day::default(); days],
        ..History::default()
    };
    let weekday0 = start.weekday().num_days_from_monday() as usize;
    let doy0 = f64::from(start.ordinal0());
    // Unmet demand of the last 7 days: half of those customers are still waiting at the end.
    let mut unmet_week = [0u32; 7];
    for t in 0..days {
        // Receipts first.
        pipeline.retain(|&(arrive, units)| {
            if arrive == t {
                on_hand += units;
                false
            } else {
                true
            }
        });
        let active = t >= sku.launch && sku.end.is_none_or(|e| t < e);
        let (mult, promo) = sku.multiplier(t, (weekday0 + t) % 7, (doy0 + t as f64) % 365.25);
        let demand = if active {
            sku.demand(mult, &mut rng)
        } else {
            0
        };
        let sold = demand.min(on_hand);
        on_hand -= sold;
        let unmet = demand - sold;
        unmet_week[t % 7] = unmet;
        h.days[t] = Day {
            demand,
            sales: sold,
            promo: promo && active,
            stockout: active && (unmet > 0 || on_hand == 0),
        };
        if sold > 0 && rng.random::<f64>() < 0.015 {
            let back = (t + rng.random_range(1..14)).min(days - 1);
            h.returns.push((back, 1));
        }
        // Review: order when the inventory position is at or below the reorder point.
        let position = on_hand + pipeline.iter().map(|p| p.1).sum::<u32>();
        let still_selling = sku.end.is_none_or(|e| t + 30 < e);
        if active && still_selling && position <= s {
            let lt = supplier.lead_time(t, &mut rng);
            let short = rng.random::<f64>() < 0.08;
            let received = if short {
                ((f64::from(q) * rng.random_range(0.5..0.95)) as u32).max(1)
            } else {
                q
            };
            let arrive = t + lt;
            if arrive < days {
                pipeline.push((arrive, received));
                h.orders.push(PoLine {
                    order_day: t,
                    receipt_day: Some(arrive),
                    expected_day: None,
                    quantity: q,
                    received: short.then_some(received),
                });
            } else {
                pipeline.push((arrive, q));
                h.orders.push(PoLine {
                    order_day: t,
                    receipt_day: None,
                    expected_day: Some(t + supplier.mean_days.round() as usize),
                    quantity: q,
                    received: None,
                });
            }
        }
    }
    h.on_hand = on_hand;
    h.backordered = if on_hand == 0 {
        unmet_week.iter().sum::<u32>().div_ceil(2)
    } else {
        0
    };
    h
}

/// A random stream for one (kind, index) of a run: independent of thread scheduling.
pub fn stream(seed: u64, kind: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(kind << 40 | index);
    rng
}

fn lognormal(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    LogNormal::new(median.ln(), sigma)
        .expect("valid lognormal")
        .sample(rng)
}

fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    Poisson::new(lambda).expect("positive rate").sample(rng) as u32
}

/// Negative binomial with the given mean and size (a gamma–Poisson mixture).
fn neg_binomial(rng: &mut ChaCha8Rng, mean: f64, size: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    let lambda = Gamma::new(size, mean / size)
        .expect("valid gamma")
        .sample(rng);
    poisson(rng, lambda)
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
