//! After the models have forecast: analogue forecasts for new and short-history SKUs, then
//! known future events and the planner's forecast multipliers.
//!
//! The formulas live in [`crate::forecast::analogue`] and [`crate::forecast::adjust`]; this
//! module matches SKUs to their like_sku, category, events and overrides.
//!
//! - A SKU is young when it has fewer than `[policy] min_history_days` days of sales history
//!   (or none). A young SKU with a `like_sku` (established, i.e. not young itself and with a
//!   backtested forecast) or a `category` with established members gets an analogue forecast;
//!   a young SKU with neither keeps its own (or no) forecast, and its REVIEW reason says so.
//! - Events apply to the SKU named, or to every SKU of the category named, on every
//!   location. Their factor is 1 + uplift; a promotion without an uplift takes the SKU's
//!   learned lift, else its category's mean lift (see [`crate::forecast::adjust`]).
//! - Multipliers of the overrides file apply after events.

use std::collections::BTreeMap;

use ahash::AHashMap;
use chrono::NaiveDate;

use crate::{
    calendar::DemandSeries,
    forecast::{
        adjust::{self, promo_lift, Window},
        analogue::{forecast_from, Source, MAX_MEMBERS},
        select::SkuForecast,
        ModelId, ModelSpec,
    },
    io::{events::EventTarget, items::ItemRecord},
    validate::Loaded,
};

/// A SKU/location key.
pub type Key = (String, Option<String>);

/// The zero-sales record of `key` when its sales rows span at least `min_days` days before
/// `planning` without a positive sale: a SKU that never sold (not a new item).
pub fn never_sold<'l>(
    loaded: &'l Loaded,
    key: &Key,
    planning: NaiveDate,
    min_days: i64,
) -> Option<&'l crate::validate::ZeroSales> {
    loaded
        .zero_sales
        .binary_search_by(|z| (z.sku.as_str(), z.location.as_deref()).cmp(&(key.0.as_str(), key.1.as_deref())))
        .ok()
        .map(|i| &loaded.zero_sales[i])
        .filter(|z| z.days_before(planning) >= min_days)
}

/// Where a young SKU's analogue can come from: the series index of every SKU/location, each
/// SKU's first series, the item master, and what "young" and "established" mean.
pub struct AnalogueLookup<'a> {
    loaded: &'a Loaded,
    items: AHashMap<&'a str, &'a ItemRecord>,
    idx: AHashMap<(&'a str, Option<&'a str>), usize>,
    // A SKU's first series (any location), for a like_sku sold elsewhere than the new item.
    first_of: AHashMap<&'a str, usize>,
    planning: NaiveDate,
    min: i64,
}

impl<'a> AnalogueLookup<'a> {
    /// Indexes the loaded series and item master.
    pub fn new(loaded: &'a Loaded, planning: NaiveDate, min_history_days: u32) -> Self {
        let mut first_of: AHashMap<&str, usize> = AHashMap::new();
        for (i, s) in loaded.series.iter().enumerate() {
            first_of.entry(s.sku.as_str()).or_insert(i);
        }
        Self {
            loaded,
            items: loaded.items.iter().map(|r| (r.sku.as_str(), r)).collect(),
            idx: loaded
                .series
                .iter()
                .enumerate()
                .map(|(i, s)| ((s.sku.as_str(), s.location.as_deref()), i))
                .collect(),
            first_of,
            planning,
            min: i64::from(min_history_days),
        }
    }

    /// Days of sales history of a series (from its first sale to the planning date).
    fn days(&self, s: &DemandSeries) -> i64 {
        (self.planning - s.first_sale).num_days()
    }

    /// The key's own series, if it has one.
    pub fn own(&self, key: &Key) -> Option<usize> {
        self.idx.get(&(key.0.as_str(), key.1.as_deref())).copied()
    }

    /// Whether the key is young (fewer than `min_history_days` days of sales, or none) and has
    /// an item-master row (without one it has neither like_sku nor category). A key whose
    /// sales rows span `min_history_days` or more without a positive sale is not young but
    /// never sold: it takes an analogue only from a like_sku the planner named, never from
    /// its category (no demand is invented for it).
    pub fn young(&self, key: &Key) -> bool {
        let own_days = self
            .own(key)
            .map_or(0, |i| self.days(&self.loaded.series[i]));
        let Some(record) = self.items.get(key.0.as_str()) else {
            return false;
        };
        own_days < self.min && (record.like_sku.is_some() || !self.never_sold(key))
    }

    /// Whether the key's sales rows span at least `min_history_days` without a positive sale.
    pub fn never_sold(&self, key: &Key) -> bool {
        never_sold(self.loaded, key, self.planning, self.min).is_some()
    }

    /// The series of a young key's like_sku (same location, else none, else its first), if
    /// the item master names one that has sales; whether it is established is up to its
    /// forecast.
    pub fn like_of(&self, key: &Key) -> Option<usize> {
        let like = self.items.get(key.0.as_str())?.like_sku.as_deref()?;
        self.idx
            .get(&(like, key.1.as_deref()))
            .or_else(|| self.idx.get(&(like, None)))
            .copied()
            .or_else(|| self.first_of.get(like).copied())
    }

    /// The SKU's category in the item master.
    pub fn category_of(&self, sku: &str) -> Option<&'a str> {
        self.items.get(sku).and_then(|r| r.category.as_deref())
    }

    /// Whether series `i` may serve as an analogue: old enough, backtested, not all zero.
    pub fn established(&self, i: usize, forecast: Option<&SkuForecast>) -> bool {
        forecast.is_some_and(|f| {
            self.days(&self.loaded.series[i]) >= self.min
                && f.backtested()
                && f.model != ModelId::Zero
        })
    }

    /// Series of the category old enough to be established once forecast, in series order
    /// (the category's members are the first [`MAX_MEMBERS`] of them that are established).
    pub fn category_candidates(&self, category: &str) -> Vec<usize> {
        self.loaded
            .series
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                self.days(s) >= self.min && self.category_of(s.sku.as_str()) == Some(category)
            })
            .map(|(i, _)| i)
            .collect()
    }
}

/// Analogue forecasts for the young SKUs among `keys`: replaces the forecasts of young SKUs
/// with a series (in place) and returns those of young SKUs without one, keyed.
/// `forecasts[i]` belongs to `loaded.series[i]`; `None` = not forecast (a shard's SKUs of
/// other shards), which is never an analogue — the caller forecasts every series a young key
/// of `keys` may take its analogue from (see [`crate::shard`]).
pub fn analogues(
    loaded: &Loaded,
    forecasts: &mut [Option<SkuForecast>],
    keys: &[Key],
    planning: NaiveDate,
    min_history_days: u32,
) -> BTreeMap<Key, SkuForecast> {
    let look = AnalogueLookup::new(loaded, planning, min_history_days);
    let established: Vec<bool> = forecasts
        .iter()
        .enumerate()
        .map(|(i, f)| look.established(i, f.as_ref()))
        .collect();
    let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in loaded.series.iter().enumerate() {
        if let Some(c) = look.category_of(s.sku.as_str()) {
            let m = members.entry(c).or_default();
            if established[i] && m.len() < MAX_MEMBERS {
                m.push(i);
            }
        }
    }
    let mut made: Vec<(Option<usize>, Key, SkuForecast)> = Vec::new();
    for key in keys {
        if !look.young(key) {
            continue;
        }
        let (sku, loc) = key;
        let own = look.own(key);
        let own_days = own.map_or(0, |i| look.days(&loaded.series[i]));
        let like = look
            .like_of(key)
            .filter(|&i| established[i])
            .and_then(|i| Some((loaded.series[i].sku.as_str(), i, forecasts[i].as_ref()?)));
        let source = match like {
            Some((like, i, forecast)) => Source::Like {
                sku: like,
                series: &loaded.series[i],
                forecast,
            },
            None => {
                let Some(m) = look.category_of(sku).and_then(|c| {
                    let list: Vec<(&DemandSeries, &SkuForecast)> = members
                        .get(c)?
                        .iter()
                        .filter(|&&i| loaded.series[i].sku != *sku)
                        .filter_map(|&i| Some((&loaded.series[i], forecasts[i].as_ref()?)))
                        .collect();
                    (!list.is_empty()).then_some((c, list))
                }) else {
                    continue;
                };
                Source::Category {
                    name: m.0,
                    members: m.1,
                }
            }
        };
        let mut fc = forecast_from(
            sku,
            loc.as_deref(),
            own.map(|i| &loaded.series[i]),
            own_days,
            &source,
        );
        if let Some(own) = own.and_then(|i| forecasts[i].as_ref()) {
            fc.censored = own.censored;
        }
        let like_sku = look
            .items
            .get(sku.as_str())
            .and_then(|r| r.like_sku.as_ref());
        if let (Some(like), None) = (like_sku, like) {
            fc.adjustments.insert(
                0,
                format!("like_sku {like} not usable (unknown, or young itself): category used"),
            );
        }
        made.push((own, key.clone(), fc));
    }
    let mut extra = BTreeMap::new();
    for (own, key, fc) in made {
        match own {
            Some(i) => forecasts[i] = Some(fc),
            None => {
                extra.insert(key, fc);
            }
        }
    }
    extra
}

/// Planned promotions per SKU (events with `promo = 1`, by SKU or category): the global
/// model's promotion feature for future buckets.
pub fn promo_windows(loaded: &Loaded) -> BTreeMap<String, Vec<(NaiveDate, NaiveDate)>> {
    let mut out: BTreeMap<String, Vec<(NaiveDate, NaiveDate)>> = BTreeMap::new();
    for e in loaded.events.iter().filter(|e| e.promo) {
        match &e.target {
            EventTarget::Sku(s) => out.entry(s.clone()).or_default().push((e.start, e.end)),
            EventTarget::Category(c) => {
                for r in loaded
                    .items
                    .iter()
                    .filter(|r| r.category.as_ref() == Some(c))
                {
                    out.entry(r.sku.clone()).or_default().push((e.start, e.end));
                }
            }
        }
    }
    out
}

/// Applies events and planner multipliers to every forecast (`series[i]` belongs to
/// `forecasts[i]`, `None` = not forecast; `extra` are analogue forecasts without a series).
/// Learned promotion lifts of categories come from every series, forecast or not.
pub fn events_and_multipliers(
    loaded: &Loaded,
    forecasts: &mut [Option<SkuForecast>],
    extra: &mut BTreeMap<Key, SkuForecast>,
) {
    if loaded.events.is_empty() && loaded.overrides.values().all(|o| o.multipliers.is_empty()) {
        return;
    }
    let category: AHashMap<&str, &str> = loaded
        .items
        .iter()
        .filter_map(|r| Some((r.sku.as_str(), r.category.as_deref()?)))
        .collect();
    let lifts: AHashMap<(&str, Option<&str>), f64> = loaded
        .series
        .iter()
        .filter_map(|s| Some(((s.sku.as_str(), s.location.as_deref()), promo_lift(s)?)))
        .collect();
    // Category means summed in series order (a hash map's order changes from run to run, and
    // with it the last bits of a floating-point sum).
    let mut by_cat: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for s in &loaded.series {
        let (Some(c), Some(l)) = (
            category.get(s.sku.as_str()),
            lifts.get(&(s.sku.as_str(), s.location.as_deref())),
        ) else {
            continue;
        };
        let e = by_cat.entry(c).or_default();
        e.0 += l;
        e.1 += 1;
    }
    let windows_for = |sku: &str, loc: Option<&str>, global: bool| -> (Vec<Window>, Vec<String>) {
        let cat = category.get(sku).copied();
        let mut w = Vec::new();
        let mut notes = Vec::new();
        for e in &loaded.events {
            let applies = match &e.target {
                EventTarget::Sku(s) => s == sku,
                EventTarget::Category(c) => Some(c.as_str()) == cat,
            };
            if !applies {
                continue;
            }
            if e.uplift.is_none() && global {
                notes.push(format!(
                    "event {}: promotion effect from the global model's promotion feature (no uplift applied on top)",
                    e.name
                ));
                continue;
            }
            let factor = match e.uplift {
                Some(u) => Some(1.0 + u),
                None => lifts.get(&(sku, loc)).copied().or_else(|| {
                    cat.and_then(|c| by_cat.get(c))
                        .map(|(sum, n)| sum / *n as f64)
                }),
            };
            match factor {
                Some(f) => w.push(Window {
                    from: Some(e.start),
                    to: Some(e.end),
                    factor: f,
                    label: format!(
                        "event {}{}",
                        e.name,
                        if e.uplift.is_none() {
                            " (learned promotion lift)"
                        } else {
                            ""
                        }
                    ),
                }),
                None => notes.push(format!(
                    "event {} not applied: no promotion history of the SKU or its category to learn a lift from; give an uplift",
                    e.name
                )),
            }
        }
        if let Some(o) = loaded.overrides.get(sku) {
            for m in &o.multipliers {
                w.push(Window {
                    from: m.from,
                    to: m.to,
                    factor: m.factor,
                    label: format!("multiplier (override line {})", m.line),
                });
            }
        }
        (w, notes)
    };
    let mut one = |fc: &mut SkuForecast| {
        let global = fc.model.uses(ModelSpec::Global);
        let (w, notes) = windows_for(&fc.sku, fc.location.as_deref(), global);
        adjust::apply(fc, &w);
        fc.adjustments.extend(notes);
    };
    forecasts.iter_mut().flatten().for_each(&mut one);
    extra.values_mut().for_each(&mut one);
}
