//! Loading known future events: promotions, peak seasons, anything the history cannot show.
//!
//! Columns: `start`, `end` (dates, inclusive; required), `sku` or `category` (exactly one),
//! `uplift` (expected change of demand as a fraction: 0.3 = +30%, −0.2 = −20%; ≥ −1) and/or
//! `promo` (1 = a promotion; without an uplift the lift is learned from the SKU's promotion
//! history, see [`crate::forecast::adjust`]), `name` (free text, echoed). A row is rejected
//! when `end` is before `start`, when it names both or neither of sku and category, or when it
//! has neither an uplift nor a promo flag. SKUs and categories that are in no other input are
//! rejected by [`crate::validate`].

use std::{collections::BTreeMap, path::Path};

use chrono::NaiveDate;
use serde::Serialize;

use super::{
    parse::date_of, rejects::RejectLog, rows::for_each_row, table::Table, FileStats, InputKind,
    LoadError,
};

const START: usize = 0;
const END: usize = 1;
const SKU: usize = 2;
const CATEGORY: usize = 3;
const UPLIFT: usize = 4;
const PROMO: usize = 5;
const NAME: usize = 6;

/// What an event applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventTarget {
    /// One SKU (every location).
    Sku(String),
    /// Every SKU of an item-master category.
    Category(String),
}

/// One known future event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    /// Line in the input file.
    pub line: u64,
    /// First day, inclusive.
    pub start: NaiveDate,
    /// Last day, inclusive.
    pub end: NaiveDate,
    /// SKU or category.
    pub target: EventTarget,
    /// Expected change of demand as a fraction (0.3 = +30%); `None` = learn it (promo).
    pub uplift: Option<f64>,
    /// Whether the event is a promotion.
    pub promo: bool,
    /// Name, for the outputs (else `line N`).
    pub name: String,
}

/// Loads the events file; rejected rows go to `rejects`.
///
/// # Errors
/// Structural [`LoadError`]s.
pub fn load_events(
    path: &Path,
    mapping: &BTreeMap<String, String>,
    rejects: &mut RejectLog,
) -> Result<(Vec<EventRecord>, FileStats), LoadError> {
    let table = Table::open(path, InputKind::Events, mapping)?;
    let mut out = Vec::new();
    let stats = for_each_row(&table, rejects, |row| {
        let start = row.date(START).map(date_of);
        let end = row.date(END).map(date_of);
        let sku = row.opt_text(SKU);
        let category = row.opt_text(CATEGORY);
        let uplift = row.opt_number(UPLIFT);
        let promo = row.flag(PROMO);
        let name = row.opt_text(NAME);
        let (Some(start), Some(end)) = (start, end) else {
            return;
        };
        if row.is_rejected() {
            return;
        }
        if end < start {
            row.reject(END, format!("end {end} is before start {start}"));
            return;
        }
        if let Some(u) = uplift {
            if !(u.is_finite() && u >= -1.0) {
                row.reject(
                    UPLIFT,
                    "uplift should be a fraction >= -1 (0.3 = +30%, -1 = no demand)",
                );
                return;
            }
        }
        if uplift.is_none() && !promo {
            row.reject(
                UPLIFT,
                "the event has neither an uplift nor promo = 1; give the expected change (0.3 = +30%) or flag it as a promotion",
            );
            return;
        }
        let target = match (sku, category) {
            (Some(s), None) => EventTarget::Sku(s.to_string()),
            (None, Some(c)) => EventTarget::Category(c.to_string()),
            (Some(_), Some(_)) => {
                row.reject(
                    CATEGORY,
                    "give either a sku or a category, not both (use two rows)",
                );
                return;
            }
            (None, None) => {
                row.reject(SKU, "missing value; expected a sku or a category");
                return;
            }
        };
        let line = row.line();
        out.push(EventRecord {
            line,
            start,
            end,
            target,
            uplift,
            promo,
            name: name.map_or_else(|| format!("line {line}"), str::to_string),
        });
    })?;
    Ok((out, stats))
}
