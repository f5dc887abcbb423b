//! Sharding a catalogue over several machines: which SKUs shard K of N plans, and how its
//! outputs are named.
//!
//! # Which SKUs a shard plans
//! A SKU (with all its locations) belongs to shard `fnv1a(key) mod N`, where the key is the SKU
//! code — except for SKUs of a supplier with order minimums (`[suppliers.X] min_order_value` /
//! `min_order_qty`) or containers (`container_volume` / `container_weight`), whose key is the
//! supplier: the minimum is reached, and the containers filled or trimmed, by pulling forward
//! or trimming the supplier's other SKUs, so all of them must be planned together. The hash is FNV-1a 64 of the
//! UTF-8 bytes, stable across machines, versions and thread counts.
//!
//! # What every shard still does for the whole catalogue
//! The quantities that couple SKUs are computed from every SKU in each shard, so that the
//! merged shards equal one unsharded run byte for byte: ABC classes (revenue ranking), the
//! learned global forecasting model (trained on a sample of every series), supplier lead-time
//! statistics and drift (all purchase orders), learned promotion lifts of categories, the
//! forecast horizon (the longest lead time), and the forecasts of other SKUs that serve as a
//! new item's analogue (its `like_sku`, or its category's first established members). Every
//! shard therefore reads every input in full; the per-SKU stages — forecasting, policy,
//! recommendations, simulation and simulation-optimisation, which are nearly all of a run's
//! time — are split.
//!
//! # What merge does for the whole catalogue
//! An order budget (`[purchasing]`: a total, per supplier or per category) spans the
//! catalogue, so no shard cuts: each writes its recommendation drafts before the finish
//! chain — plain data, each ORDER line's chunks with the expected shortage left after each —
//! to `budget_lines.shard-K-of-N.json`, and `merge` runs the unsharded path's finish chain
//! ([`crate::recommend::finish_drafts`]: ranking and cut, supplier minimums, calendars,
//! priorities, reasons) on all shards' drafts in SKU order. A shard's own recommendations are
//! then its rows before the cut.
//!
//! # Output names
//! Shard K of N writes `<name>.shard-K-of-N.<ext>` (e.g. `recommendations.shard-0-of-3.csv`,
//! `run.shard-0-of-3.json`) so that a shard's partial recommendations are never mistaken for
//! the catalogue's; `replenish merge` ([`crate::pipeline::merge`]) combines them.

use std::{fmt, str::FromStr};

use crate::util::fnv1a;

/// Shard `index` of `count` (0 ≤ index < count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

impl Shard {
    /// Whether the shard key (see the module documentation) falls in this shard.
    pub fn owns(&self, key: &str) -> bool {
        fnv1a(key) % u64::from(self.count) == u64::from(self.index)
    }

    /// `shard-K-of-N`.
    pub fn tag(&self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }

    /// `policy.csv` → `policy.shard-K-of-N.csv` (a name without extension gets the tag
    /// appended: `charts` → `charts.shard-K-of-N`).
    pub fn file_name(&self, name: &str) -> String {
        match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{}.{ext}", self.tag()),
            _ => format!("{name}.{}", self.tag()),
        }
    }

    /// The inverse of [`Shard::file_name`]: the shard and the plain name of a shard output's
    /// file name, or `None` when the name carries no shard tag.
    pub fn parse_file_name(name: &str) -> Option<(Shard, String)> {
        let at = name.find(".shard-")?;
        let rest = &name[at + 1..];
        let (tag, ext) = match rest.find('.') {
            Some(dot) => (&rest[..dot], Some(&rest[dot + 1..])),
            None => (rest, None),
        };
        let mut parts = tag.strip_prefix("shard-")?.split("-of-");
        let index: u32 = parts.next()?.parse().ok()?;
        let count: u32 = parts.next()?.parse().ok()?;
        if parts.next().is_some() || count == 0 || index >= count {
            return None;
        }
        let plain = match ext {
            Some(ext) => format!("{}.{ext}", &name[..at]),
            None => name[..at].to_string(),
        };
        Some((Shard { index, count }, plain))
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `K/N` with 0 ≤ K < N (e.g. `0/3`, `2/3`): Kubernetes' `JOB_COMPLETION_INDEX` and a
    /// Slurm array's `SLURM_ARRAY_TASK_ID` (with `--array=0-<N-1>`) count from 0 too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("'{s}' is not a shard: expected K/N with 0 <= K < N, e.g. 0/3");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_k_of_n_and_rejects_out_of_range() {
        let s: Shard = "2/3".parse().unwrap();
        assert_eq!(s, Shard { index: 2, count: 3 });
        for bad in ["3/3", "1/0", "a/3", "1", "-1/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn file_names_round_trip() {
        let s = Shard { index: 1, count: 4 };
        assert_eq!(s.file_name("policy.csv"), "policy.shard-1-of-4.csv");
        assert_eq!(s.file_name("charts"), "charts.shard-1-of-4");
        for name in ["policy.csv", "run.json", "charts"] {
            assert_eq!(
                Shard::parse_file_name(&s.file_name(name)),
                Some((s, name.to_string()))
            );
        }
        assert_eq!(Shard::parse_file_name("policy.csv"), None);
        assert_eq!(Shard::parse_file_name("x.shard-4-of-4.csv"), None);
    }

    #[test]
    fn every_key_has_exactly_one_shard() {
        for n in 1..6 {
            for key in ["A", "SKU0001", "SUP002", "", "ü"] {
                let owners = (0..n)
                    .filter(|&k| Shard { index: k, count: n }.owns(key))
                    .count();
                assert_eq!(owners, 1, "{key} of {n}");
            }
        }
    }
}
