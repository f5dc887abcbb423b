//! What changed since the last run: `changes.csv`, comparing a new plan's
//! `recommendations.csv` and `policy.csv` with the ones an earlier `run` or `plan` published
//! in the same output folder.
//!
//! A planner reads it to catch a bad import (an order that jumped a hundredfold, a SKU that
//! vanished) and recommendations that flip-flop between runs. One row per SKU (and location)
//! and changed value; the columns are [`Key`]'s (`sku`, `location` when the new
//! recommendations have one) and then [`ChangeRow`]'s:
//!
//! | change | column | when | before / after |
//! |---|---|---|---|
//! | `new_order` | `order_quantity` | the action became ORDER or EXPEDITE | order quantities |
//! | `dropped_order` | `order_quantity` | it was ORDER or EXPEDITE and is now OK, REVIEW or HOLD | order quantities |
//! | `quantity_swing` | `order_quantity` | ORDER both times, and the quantity moved by more than [`SWING_SHARE`] of the earlier one and by at least one pack | order quantities |
//! | `model` | `model` | the forecasting model changed (`policy.csv`) | model names |
//! | `level` | `reorder_point`, `order_up_to` | the level moved by more than [`LEVEL_SHARE`] of the earlier one and by at least one unit, or appeared or vanished (`policy.csv`) | levels |
//! | `action` | `action` | any other action change (e.g. ORDER → EXPEDITE, OK → REVIEW) | actions |
//! | `appeared` | `action` | the SKU has a row now and had none before | empty / action |
//! | `disappeared` | `action` | the SKU had a row before and has none now | action / empty |
//!
//! Every row also has `actions`, the SKU's action over the runs known (`OK → ORDER`; with the
//! previous `changes.csv`, up to [`HISTORY_RUNS`] runs: `ORDER → OK → ORDER`, a flip-back) and
//! `reason`, the new recommendation's reason. Rows are sorted by change (the order of the
//! table), then SKU, location and column.
//!
//! Not responsible for deciding when to compare (the pipeline calls [`compare_folders`] before
//! it publishes the new outputs) nor for printing or the report.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use crate::{
    io::{
        atomic::write_atomic,
        cells::{fmt, header_of, read_keyed, read_keyed_file, write_csv, Key, Keyed},
        LoadError,
    },
    plan::output::{PolicyRow, RecommendationRow},
};

/// The file this module writes.
pub const CHANGES_CSV: &str = "changes.csv";

/// A quantity swing: the order quantity moved by more than this share of the earlier one
/// (0.5: from 100 to more than 150 or less than 50), and by at least one pack.
pub const SWING_SHARE: f64 = 0.5;

/// A level change: the reorder point or order-up-to level moved by more than this share of the
/// earlier level (0.25), and by at least one unit.
pub const LEVEL_SHARE: f64 = 0.25;

/// How many runs the `actions` column lists at most (this one included).
pub const HISTORY_RUNS: usize = 5;

/// What changed for a SKU; the declaration order is the order of `changes.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// The action became ORDER or EXPEDITE.
    NewOrder,
    /// It was ORDER or EXPEDITE and is no longer.
    DroppedOrder,
    /// ORDER both times, and the quantity moved by more than [`SWING_SHARE`].
    QuantitySwing,
    /// The forecasting model changed.
    Model,
    /// The reorder point or order-up-to level moved by more than [`LEVEL_SHARE`].
    Level,
    /// Any other action change.
    Action,
    /// A SKU new to the recommendations.
    Appeared,
    /// A SKU no longer in the recommendations.
    Disappeared,
}

impl ChangeKind {
    /// Every kind, in file order.
    pub const ALL: [ChangeKind; 8] = [
        Self::NewOrder,
        Self::DroppedOrder,
        Self::QuantitySwing,
        Self::Model,
        Self::Level,
        Self::Action,
        Self::Appeared,
        Self::Disappeared,
    ];

    /// The name in the `change` column.
    pub fn name(self) -> &'static str {
        match self {
            Self::NewOrder => "new_order",
            Self::DroppedOrder => "dropped_order",
            Self::QuantitySwing => "quantity_swing",
            Self::Model => "model",
            Self::Level => "level",
            Self::Action => "action",
            Self::Appeared => "appeared",
            Self::Disappeared => "disappeared",
        }
    }

    /// The kind of a `change` cell (`None` for a name this version does not know).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// A label for `n` rows of this kind, for the console and the report ("1 new order",
    /// "5 large swings", …).
    pub fn count_label(self, n: usize) -> String {
        let (one, many) = match self {
            Self::NewOrder => ("new order", "new orders"),
            Self::DroppedOrder => ("dropped", "dropped"),
            Self::QuantitySwing => ("large swing", "large swings"),
            Self::Model => ("model switch", "model switches"),
            Self::Level => ("level change", "level changes"),
            Self::Action => ("other action change", "other action changes"),
            Self::Appeared => ("new SKU", "new SKUs"),
            Self::Disappeared => ("SKU gone", "SKUs gone"),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

/// One row of `changes.csv` after the key columns: the file's columns, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChangeRow {
    /// What changed ([`ChangeKind::name`]).
    pub change: String,
    /// The column of `recommendations.csv` or `policy.csv` whose value changed.
    pub column: String,
    /// Its value in the previous run (empty: none).
    pub before: String,
    /// Its value in this run (empty: none).
    pub after: String,
    /// The SKU's action over the runs known, oldest first, `→`-separated (`none`: no row).
    pub actions: String,
    /// The new recommendation's reason (for a SKU gone: the last one).
    pub reason: String,
}

/// A change with its key.
pub type Change = Keyed<ChangeRow>;

/// One run's outputs, as the comparison reads them.
#[derive(Debug, Clone, Default)]
pub struct RunFiles {
    /// `recommendations.csv`.
    pub recommendations: Vec<Keyed<RecommendationRow>>,
    /// `policy.csv` (empty when the folder has none).
    pub policy: Vec<Keyed<PolicyRow>>,
    /// Whether `recommendations.csv` has a location column.
    pub located: bool,
}

impl RunFiles {
    /// Reads the outputs of a run in `dir`; `Ok(None)` when it holds no `recommendations.csv`.
    ///
    /// # Errors
    /// A file that is not the CSV replenish writes: (its path, the reader's message).
    pub fn read(dir: &Path) -> Result<Option<Self>, (PathBuf, String)> {
        let recs = dir.join("recommendations.csv");
        if !recs.is_file() {
            return Ok(None);
        }
        let (header, recommendations) = read_keyed_file(&recs).map_err(|m| (recs.clone(), m))?;
        let policy_path = dir.join("policy.csv");
        let policy = if policy_path.is_file() {
            read_keyed(&policy_path).map_err(|m| (policy_path, m))?
        } else {
            Vec::new()
        };
        Ok(Some(Self {
            recommendations,
            policy,
            located: header.get(1).is_some_and(|h| h == "location"),
        }))
    }
}

/// How many changes of each kind, and the flip-backs among them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSummary {
    /// Rows per kind (every kind listed, zeros included).
    pub counts: BTreeMap<ChangeKind, usize>,
    /// SKUs whose action went back to what it was two runs ago (`A → B → A`).
    pub flip_backs: usize,
}

impl ChangeSummary {
    /// Counts `changes`.
    pub fn of(changes: &[Change]) -> Self {
        let mut counts: BTreeMap<ChangeKind, usize> =
            ChangeKind::ALL.into_iter().map(|k| (k, 0)).collect();
        for c in changes {
            if let Some(k) = ChangeKind::parse(&c.row.change) {
                *counts.entry(k).or_default() += 1;
            }
        }
        let mut flipped: Vec<(&str, Option<&str>)> = changes
            .iter()
            .filter(|c| is_flip_back(&c.row.actions))
            .map(|c| (c.sku.as_str(), c.location.as_deref()))
            .collect();
        flipped.sort_unstable();
        flipped.dedup();
        Self {
            counts,
            flip_backs: flipped.len(),
        }
    }

    /// Rows of one kind.
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.counts.get(&kind).copied().unwrap_or(0)
    }

    /// The console line: `changes since the last run: 12 new orders, 3 dropped, 5 large swings
    /// — see changes.csv` (new orders, dropped and swings always; the other kinds and
    /// flip-backs when there are any).
    pub fn line(&self, file: &Path) -> String {
        let mut parts: Vec<String> = Vec::new();
        for k in ChangeKind::ALL {
            let n = self.count(k);
            let always = matches!(
                k,
                ChangeKind::NewOrder | ChangeKind::DroppedOrder | ChangeKind::QuantitySwing
            );
            if always || n > 0 {
                parts.push(k.count_label(n));
            }
        }
        if self.flip_backs > 0 {
            parts.push(format!("{} flipped back", self.flip_backs));
        }
        format!(
            "changes since the last run: {} — see {}",
            parts.join(", "),
            file.display()
        )
    }
}

/// Whether an `actions` history ends `A → B → A` with A ≠ B.
pub fn is_flip_back(actions: &str) -> bool {
    let a: Vec<&str> = actions.split(" → ").collect();
    let n = a.len();
    n >= 3 && a[n - 1] == a[n - 3] && a[n - 1] != a[n - 2]
}

/// What comparing with the previous run found.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparison {
    /// The folder held no earlier `recommendations.csv`: nothing to compare, no `changes.csv`.
    FirstRun,
    /// `changes.csv` was written.
    Compared(ChangeSummary),
    /// The earlier outputs could not be read: no `changes.csv`; the run itself goes on.
    Unreadable {
        /// The earlier file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Compares the run published in `previous` (the output folder) with the one staged in `new`
/// and writes `new/changes.csv` when `previous` holds a run. `pack` gives a SKU's pack size
/// (for [`SWING_SHARE`]'s "at least one pack"; 1 when unknown). The previous `changes.csv`,
/// when there is one, extends the `actions` history.
///
/// # Errors
/// [`LoadError::Write`] when `changes.csv` cannot be written; unreadable inputs are not an
/// error ([`Comparison::Unreadable`]).
pub fn compare_folders(
    previous: &Path,
    new: &Path,
    pack: &dyn Fn(&str, Option<&str>) -> f64,
) -> Result<Comparison, LoadError> {
    let before = match RunFiles::read(previous) {
        Ok(Some(b)) => b,
        Ok(None) => return Ok(Comparison::FirstRun),
        Err((path, message)) => return Ok(Comparison::Unreadable { path, message }),
    };
    let after = match RunFiles::read(new) {
        Ok(Some(a)) => a,
        Ok(None) => return Ok(Comparison::FirstRun),
        Err((path, message)) => return Ok(Comparison::Unreadable { path, message }),
    };
    // An unreadable history only shortens the `actions` column.
    let history = read_keyed::<ChangeRow>(&previous.join(CHANGES_CSV)).unwrap_or_default();
    let changes = compare(&before, &after, &history, pack);
    write_changes(&new.join(CHANGES_CSV), &changes, after.located)?;
    Ok(Comparison::Compared(ChangeSummary::of(&changes)))
}

/// [`compare_folders`] with the pack sizes of `plan`'s SKUs: the pipeline's call, after the
/// plan's outputs are staged in `new` and before they replace those of `previous`.
///
/// # Errors
/// As [`compare_folders`].
pub fn compare_with_plan(
    previous: &Path,
    new: &Path,
    plan: &crate::plan::Plan,
) -> Result<Comparison, LoadError> {
    let packs: BTreeMap<KeyRef<'_>, f64> = plan
        .plans
        .iter()
        .map(|p| ((p.sku.as_str(), p.location.as_deref()), p.item.pack_size))
        .collect();
    compare_folders(previous, new, &|sku, location| {
        packs.get(&(sku, location)).copied().unwrap_or(1.0)
    })
}

/// Writes `changes.csv` (the header alone when `changes` is empty).
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_changes(path: &Path, changes: &[Change], located: bool) -> Result<(), LoadError> {
    let loc = located || changes.iter().any(|c| c.location.is_some());
    let header = header_of(&(Key::header(loc), ChangeRow::default()));
    write_atomic(path, |w| {
        write_csv(
            w,
            &header,
            changes
                .iter()
                .map(|c| (Key::new(&c.sku, c.location.as_deref(), loc), &c.row)),
        )
    })
}

type KeyRef<'a> = (&'a str, Option<&'a str>);

fn key_of<R>(r: &Keyed<R>) -> KeyRef<'_> {
    (r.sku.as_str(), r.location.as_deref())
}

fn ordering(action: &str) -> bool {
    matches!(action, "ORDER" | "EXPEDITE")
}

/// The changes from `before` to `after`, sorted (see the module documentation). `history` is
/// the previous `changes.csv`.
pub fn compare(
    before: &RunFiles,
    after: &RunFiles,
    history: &[Change],
    pack: &dyn Fn(&str, Option<&str>) -> f64,
) -> Vec<Change> {
    let old: BTreeMap<KeyRef<'_>, &RecommendationRow> = before
        .recommendations
        .iter()
        .map(|r| (key_of(r), &r.row))
        .collect();
    let new: BTreeMap<KeyRef<'_>, &RecommendationRow> = after
        .recommendations
        .iter()
        .map(|r| (key_of(r), &r.row))
        .collect();
    let old_policy: BTreeMap<KeyRef<'_>, &PolicyRow> =
        before.policy.iter().map(|r| (key_of(r), &r.row)).collect();
    let new_policy: BTreeMap<KeyRef<'_>, &PolicyRow> =
        after.policy.iter().map(|r| (key_of(r), &r.row)).collect();
    let past: BTreeMap<KeyRef<'_>, &str> = history
        .iter()
        .map(|c| (key_of(c), c.row.actions.as_str()))
        .collect();
    let mut out: Vec<(ChangeKind, Change)> = Vec::new();
    let keys: std::collections::BTreeSet<KeyRef<'_>> =
        old.keys().chain(new.keys()).copied().collect();
    for key in keys {
        let (b, a) = (old.get(&key).copied(), new.get(&key).copied());
        let policies = (old_policy.get(&key).copied(), new_policy.get(&key).copied());
        let found = changes_of(b, a, policies, pack(key.0, key.1));
        if found.is_empty() {
            continue;
        }
        let actions = history_of(
            past.get(&key).copied(),
            b.map_or("none", |r| r.action.as_str()),
            a.map_or("none", |r| r.action.as_str()),
        );
        let reason = match (a, b) {
            (Some(a), _) => a.reason.clone(),
            (None, Some(b)) => format!("no row in this run; last reason: {}", b.reason),
            (None, None) => String::new(),
        };
        for (kind, column, before, after) in found {
            let row = ChangeRow {
                change: kind.name().to_string(),
                column: column.to_string(),
                before,
                after,
                actions: actions.clone(),
                reason: reason.clone(),
            };
            let (sku, location) = (key.0.to_string(), key.1.map(str::to_string));
            out.push((kind, Keyed { sku, location, row }));
        }
    }
    out.sort_by(|(ka, a), (kb, b)| {
        (ka, &a.sku, &a.location, &a.row.column).cmp(&(kb, &b.sku, &b.location, &b.row.column))
    });
    out.into_iter().map(|(_, c)| c).collect()
}

/// One SKU's changes as (kind, column, before, after): from its recommendations `b` → `a`
/// and its policy rows (before, after); `pack` is its pack size.
fn changes_of(
    b: Option<&RecommendationRow>,
    a: Option<&RecommendationRow>,
    policies: (Option<&PolicyRow>, Option<&PolicyRow>),
    pack: f64,
) -> Vec<(ChangeKind, &'static str, String, String)> {
    let mut out = Vec::new();
    let (b, a) = match (b, a) {
        (Some(b), Some(a)) => (b, a),
        (None, Some(a)) => {
            out.push((
                ChangeKind::Appeared,
                "action",
                String::new(),
                a.action.clone(),
            ));
            return out;
        }
        (Some(b), None) => {
            out.push((
                ChangeKind::Disappeared,
                "action",
                b.action.clone(),
                String::new(),
            ));
            return out;
        }
        (None, None) => return out,
    };
    match action_change(b, a, pack.max(1.0)) {
        Some(ChangeKind::Action) => {
            out.push((
                ChangeKind::Action,
                "action",
                b.action.clone(),
                a.action.clone(),
            ));
        }
        Some(kind) => out.push((
            kind,
            "order_quantity",
            fmt(b.order_quantity),
            fmt(a.order_quantity),
        )),
        None => {}
    }
    if let (Some(pb), Some(pa)) = policies {
        if pb.model != pa.model {
            out.push((
                ChangeKind::Model,
                "model",
                pb.model.clone(),
                pa.model.clone(),
            ));
        }
        for (column, vb, va) in [
            ("reorder_point", pb.reorder_point, pa.reorder_point),
            ("order_up_to", pb.order_up_to, pa.order_up_to),
        ] {
            if level_moved(vb, va) {
                out.push((ChangeKind::Level, column, opt(vb), opt(va)));
            }
        }
    }
    out
}

fn opt(v: Option<f64>) -> String {
    v.map(fmt).unwrap_or_default()
}

/// The action change from `b` to `a`, if any: a new or dropped order, a large swing of an
/// ORDER's quantity (by more than [`SWING_SHARE`] and at least `pack` units), or another
/// action change.
fn action_change(b: &RecommendationRow, a: &RecommendationRow, pack: f64) -> Option<ChangeKind> {
    match (ordering(&b.action), ordering(&a.action)) {
        (false, true) => Some(ChangeKind::NewOrder),
        (true, false) => Some(ChangeKind::DroppedOrder),
        _ if b.action != a.action => Some(ChangeKind::Action),
        (true, true) if a.action == "ORDER" => {
            let delta = (a.order_quantity - b.order_quantity).abs();
            (delta > SWING_SHARE * b.order_quantity.abs() && delta >= pack)
                .then_some(ChangeKind::QuantitySwing)
        }
        _ => None,
    }
}

/// Whether a level moved by more than [`LEVEL_SHARE`] of its earlier value and by at least one
/// unit, or exists in only one of the runs.
fn level_moved(before: Option<f64>, after: Option<f64>) -> bool {
    match (before, after) {
        (Some(b), Some(a)) => {
            let delta = (a - b).abs();
            delta >= 1.0 && delta > LEVEL_SHARE * b.abs()
        }
        (None, None) => false,
        _ => true,
    }
}

/// The `actions` history: the previous history when it ends with `before`, else `before`
/// alone; then `after`; at most [`HISTORY_RUNS`] entries.
fn history_of(past: Option<&str>, before: &str, after: &str) -> String {
    let mut runs: Vec<&str> = match past {
        Some(p) if p.rsplit(" → ").next() == Some(before) => p.split(" → ").collect(),
        _ => vec![before],
    };
    runs.push(after);
    let skip = runs.len().saturating_sub(HISTORY_RUNS);
    runs[skip..].join(" → ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(sku: &str, action: &str, q: f64) -> Keyed<RecommendationRow> {
        Keyed {
            sku: sku.into(),
            location: None,
            row: RecommendationRow {
                action: action.into(),
                order_quantity: q,
                reason: format!("why {sku}"),
                ..RecommendationRow::default()
            },
        }
    }

    fn pol(sku: &str, model: &str, s: Option<f64>) -> Keyed<PolicyRow> {
        Keyed {
            sku: sku.into(),
            location: None,
            row: PolicyRow {
                model: model.into(),
                reorder_point: s,
                ..PolicyRow::default()
            },
        }
    }

    fn run(recs: Vec<Keyed<RecommendationRow>>, policy: Vec<Keyed<PolicyRow>>) -> RunFiles {
        RunFiles {
            recommendations: recs,
            policy,
            located: false,
        }
    }

    fn cells(c: &Change) -> [&str; 5] {
        [
            c.sku.as_str(),
            c.row.change.as_str(),
            c.row.column.as_str(),
            c.row.before.as_str(),
            c.row.after.as_str(),
        ]
    }

    #[test]
    fn each_kind_with_before_and_after_sorted_by_kind_then_sku() {
        let before = run(
            vec![
                rec("A", "OK", 0.0),
                rec("B", "ORDER", 120.0),
                rec("C", "ORDER", 100.0),
                rec("D", "ORDER", 100.0),
                rec("E", "OK", 0.0),
                rec("G", "OK", 0.0),
            ],
            vec![pol("E", "ets", Some(100.0)), pol("G", "ses", Some(10.0))],
        );
        let after = run(
            vec![
                rec("A", "ORDER", 48.0),
                rec("B", "REVIEW", 0.0),
                rec("C", "ORDER", 151.0),
                rec("D", "ORDER", 150.0),
                rec("E", "OK", 0.0),
                rec("F", "EXPEDITE", 0.0),
                rec("G", "REVIEW", 0.0),
            ],
            vec![
                pol("E", "croston", Some(126.0)),
                pol("G", "ses", Some(12.0)),
            ],
        );
        let got = compare(&before, &after, &[], &|_, _| 1.0);
        let rows: Vec<[&str; 5]> = got.iter().map(cells).collect();
        assert_eq!(
            rows,
            [
                ["A", "new_order", "order_quantity", "0", "48"],
                ["B", "dropped_order", "order_quantity", "120", "0"],
                // 151 is more than 50% above 100; 150 is not.
                ["C", "quantity_swing", "order_quantity", "100", "151"],
                ["E", "model", "model", "ets", "croston"],
                // 126 is more than 25% above 100; G's 10 → 12 is not (20%).
                ["E", "level", "reorder_point", "100", "126"],
                ["G", "action", "action", "OK", "REVIEW"],
                ["F", "appeared", "action", "", "EXPEDITE"],
            ]
        );
        assert_eq!(got[0].row.reason, "why A");
        assert_eq!(got[0].row.actions, "OK → ORDER");
        let s = ChangeSummary::of(&got);
        assert_eq!(s.count(ChangeKind::NewOrder), 1);
        assert_eq!(s.count(ChangeKind::Disappeared), 0);
        assert_eq!(
            s.line(Path::new("out/changes.csv")),
            "changes since the last run: 1 new order, 1 dropped, 1 large swing, 1 model switch, 1 level change, 1 other action change, 1 new SKU — see out/changes.csv"
        );
    }

    #[test]
    fn a_swing_must_be_at_least_one_pack() {
        let before = run(vec![rec("A", "ORDER", 12.0)], vec![]);
        let after = run(vec![rec("A", "ORDER", 24.0)], vec![]);
        assert!(compare(&before, &after, &[], &|_, _| 24.0).is_empty());
        assert_eq!(compare(&before, &after, &[], &|_, _| 12.0).len(), 1);
    }

    #[test]
    fn a_sku_gone_keeps_its_last_reason() {
        let before = run(vec![rec("A", "ORDER", 5.0)], vec![]);
        let after = run(vec![], vec![]);
        let got = compare(&before, &after, &[], &|_, _| 1.0);
        assert_eq!(cells(&got[0]), ["A", "disappeared", "action", "ORDER", ""]);
        assert_eq!(got[0].row.reason, "no row in this run; last reason: why A");
        assert_eq!(got[0].row.actions, "ORDER → none");
    }

    #[test]
    fn history_shows_a_flip_back() {
        let before = run(vec![rec("A", "OK", 0.0)], vec![]);
        let after = run(vec![rec("A", "ORDER", 10.0)], vec![]);
        let last = Keyed {
            sku: "A".into(),
            location: None,
            row: ChangeRow {
                actions: "ORDER → OK".into(),
                ..ChangeRow::default()
            },
        };
        let got = compare(&before, &after, &[last], &|_, _| 1.0);
        assert_eq!(got[0].row.actions, "ORDER → OK → ORDER");
        assert_eq!(ChangeSummary::of(&got).flip_backs, 1);
        // A history that does not end where this run started is not continued.
        assert_eq!(history_of(Some("OK → HOLD"), "OK", "ORDER"), "OK → ORDER");
        assert_eq!(
            history_of(Some("A → B → A → B → A"), "A", "B"),
            "B → A → B → A → B"
        );
        assert!(!is_flip_back("OK → ORDER → ORDER"));
    }
}
