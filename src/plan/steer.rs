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
    },
    io::{events::EventTarget, items::ItemRecord},
    validate::Loaded,
};

/// A SKU/location key.
pub type Key = (String, Option<String>);

/// Analogue forecasts for young SKUs: replaces the forecasts of young SKUs with a series (in
/// place) and returns those of young SKUs without one, keyed.
pub fn analogues(
    loaded: &Loaded,
    forecasts: &mut [SkuForecast],
    keys: &[Key],
    planning: NaiveDate,
    min_history_days: u32,
) -> BTreeMap<Key, SkuForecast> {
    let items: AHashMap<&str, &ItemRecord> =
        loaded.items.iter().map(|r| (r.sku.as_str(), r)).collect();
    let idx: AHashMap<(&str, Option<&str>), usize> = loaded
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| ((s.sku.as_str(), s.location.as_deref()), i))
        .collect();
    // A SKU's first series (any location), for a like_sku sold elsewhere than the new item.
    let mut first_of: AHashMap<&str, usize> = AHashMap::new();
    for (i, s) in loaded.series.iter().enumerate() {
        first_of.entry(s.sku.as_str()).or_insert(i);
    }
    let days = |s: &DemandSeries| (planning - s.first_sale).num_days();
    let min = i64::from(min_history_days);
    let established: Vec<bool> = loaded
        .series
        .iter()
        .zip(forecasts.iter())
        .map(|(s, f)| days(s) >= min && f.backtested() && f.model != "zero")
        .collect();
    let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in loaded.series.iter().enumerate() {
        if let Some(c) = items
            .get(s.sku.as_str())
            .and_then(|r| r.category.as_deref())
        {
            let m = members.entry(c).or_default();
            if established[i] && m.len() < MAX_MEMBERS {
                m.push(i);
            }
        }
    }
    let mut made: Vec<(Option<usize>, Key, SkuForecast)> = Vec::new();
    for (sku, loc) in keys {
        let own = idx.get(&(sku.as_str(), loc.as_deref())).copied();
        let own_days = own.map_or(0, |i| days(&loaded.series[i]));
        if own_days >= min {
            continue;
        }
        let Some(rec) = items.get(sku.as_str()) else {
            continue;
        };
        let like = rec.like_sku.as_deref().and_then(|like| {
            let i = idx
                .get(&(like, loc.as_deref()))
                .or_else(|| idx.get(&(like, None)))
                .copied()
                .or_else(|| first_of.get(like).copied())?;
            established[i].then_some((like, i))
        });
        let source = match like {
            Some((like, i)) => Source::Like {
                sku: like,
                series: &loaded.series[i],
                forecast: &forecasts[i],
            },
            None => {
                let Some(m) = rec.category.as_deref().and_then(|c| {
                    let list: Vec<(&DemandSeries, &SkuForecast)> = members
                        .get(c)?
                        .iter()
                        .filter(|&&i| loaded.series[i].sku != *sku)
                        .map(|&i| (&loaded.series[i], &forecasts[i]))
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
        if let Some(i) = own {
            fc.censored = forecasts[i].censored;
        }
        if let (Some(like), None) = (&rec.like_sku, like) {
            fc.adjustments.insert(
                0,
                format!("like_sku {like} not usable (unknown, or young itself): category used"),
            );
        }
        made.push((own, (sku.clone(), loc.clone()), fc));
    }
    let mut extra = BTreeMap::new();
    for (own, key, fc) in made {
        match own {
            Some(i) => forecasts[i] = fc,
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
/// `forecasts[i]`; `extra` are analogue forecasts without a series).
pub fn events_and_multipliers(
    loaded: &Loaded,
    forecasts: &mut [SkuForecast],
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
        let global = fc.model.contains("global");
        let (w, notes) = windows_for(&fc.sku, fc.location.as_deref(), global);
        adjust::apply(fc, &w);
        fc.adjustments.extend(notes);
    };
    forecasts.iter_mut().for_each(&mut one);
    extra.values_mut().for_each(&mut one);
}
