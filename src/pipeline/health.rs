//! What a command found wrong in its inputs and plans, and the exit code that says so.
//!
//! One table for every command that reads inputs (`validate`, `forecast`, `plan`, `simulate`,
//! `run`, and `merge` over the shards' manifests):
//!
//! | exit code | when |
//! |---|---|
//! | 0 | every input row and cell was used, nothing was flagged, every SKU has a policy |
//! | 3 | the command finished and wrote its outputs, but some input row or cell was rejected (`rejects.csv`), some value was flagged as implausible (`anomalies.csv`), or some SKU has no policy (the `error` column of `policy.csv`) |
//! | 1 | an error: nothing new was published (a bad file, too many rejects, a bad setting, a write failure) |
//! | 2 | the command line itself was wrong (clap's usage error) |
//!
//! [`Health::lines`] is what the console says about it: the counts and the files to look at.

use std::path::Path;

use serde::Serialize;

use crate::validate::{totals, Loaded};

/// The counts behind the exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Health {
    /// Input rows rejected (`rejects.csv`, whole rows).
    pub rows_rejected: u64,
    /// Single cells rejected while the rest of their row was used (`rejects.csv`; the field
    /// took its default).
    pub cells_rejected: u64,
    /// Values flagged by screening (`anomalies.csv`).
    pub flagged: u64,
    /// SKUs whose policy could not be computed (`policy.csv`, column `error`).
    pub skus_without_policy: u64,
    /// Rules the inputs made the command apply, which the planner must know of (e.g. the
    /// location rule); they do not change the exit code.
    pub notes: Vec<String>,
}

impl Health {
    /// The input side of a command's health: rejected rows and cells, flagged values.
    pub fn of_inputs(loaded: &Loaded) -> Self {
        let t = totals(&loaded.report);
        Health {
            rows_rejected: t.rows_rejected,
            cells_rejected: t.cells_rejected,
            flagged: loaded.anomalies.len() as u64,
            skus_without_policy: 0,
            notes: loaded.report.location_rule.iter().cloned().collect(),
        }
    }

    /// The same, with `n` SKUs that have no policy.
    pub fn with_policy_errors(self, n: usize) -> Self {
        Health {
            skus_without_policy: n as u64,
            ..self
        }
    }

    /// Whether anything needs the planner's eye.
    pub fn has_findings(&self) -> bool {
        self.rows_rejected + self.cells_rejected + self.flagged + self.skus_without_policy > 0
    }

    /// The process exit code of a command that finished: 0 when clean, 3 with findings (see
    /// the module table).
    pub fn exit_code(&self) -> u8 {
        if self.has_findings() {
            3
        } else {
            0
        }
    }

    /// What the console says: one line per kind of finding, naming the file in `out` to look
    /// at (`policy_file`: the name of policy.csv, shard-named for a shard); a single "clean"
    /// line without findings.
    pub fn lines(&self, out: &Path, policy_file: &str) -> Vec<String> {
        let mut lines: Vec<String> = self.notes.iter().map(|n| format!("note: {n}")).collect();
        let notes = lines.len();
        let rejects = out.join("rejects.csv");
        if self.rows_rejected + self.cells_rejected > 0 {
            let mut what = Vec::new();
            if self.rows_rejected > 0 {
                what.push(format!(
                    "{} {} rejected",
                    self.rows_rejected,
                    rows(self.rows_rejected)
                ));
            }
            if self.cells_rejected > 0 {
                what.push(format!(
                    "{} {} rejected (the rest of the row used, the field's default taken)",
                    self.cells_rejected,
                    if self.cells_rejected == 1 {
                        "cell"
                    } else {
                        "cells"
                    }
                ));
            }
            lines.push(format!(
                "input: {} — see {}",
                what.join(", "),
                rejects.display()
            ));
        }
        if self.flagged > 0 {
            lines.push(format!(
                "screening: {} implausible {} flagged — see {} (action: excluded = left out of fitting, kept = used as given, check it)",
                self.flagged,
                if self.flagged == 1 { "value" } else { "values" },
                out.join("anomalies.csv").display()
            ));
        }
        if self.skus_without_policy > 0 {
            lines.push(format!(
                "{} {} no policy (REVIEW) — see the error column of {}",
                self.skus_without_policy,
                if self.skus_without_policy == 1 {
                    "SKU has"
                } else {
                    "SKUs have"
                },
                out.join(policy_file).display()
            ));
        }
        if lines.len() == notes {
            lines.push("inputs clean: no row or cell rejected, nothing flagged".into());
        } else {
            lines.push("exit code 3: finished with findings (see above)".into());
        }
        lines
    }
}

fn rows(n: u64) -> &'static str {
    if n == 1 {
        "row"
    } else {
        "rows"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_finding_is_exit_3_and_names_its_file() {
        let clean = Health::default();
        assert_eq!(clean.exit_code(), 0);
        assert_eq!(clean.lines(Path::new("o"), "policy.csv").len(), 1);
        for h in [
            Health {
                rows_rejected: 2,
                ..clean.clone()
            },
            Health {
                cells_rejected: 1,
                ..clean.clone()
            },
            Health {
                flagged: 1,
                ..clean.clone()
            },
            clean.clone().with_policy_errors(4),
        ] {
            assert_eq!(h.exit_code(), 3, "{h:?}");
            let text = h.lines(Path::new("o"), "policy.csv").join("\n");
            let file = if h.flagged > 0 {
                "anomalies.csv"
            } else if h.skus_without_policy > 0 {
                "policy.csv"
            } else {
                "rejects.csv"
            };
            assert!(text.contains(file), "{text}");
            assert!(text.contains("exit code 3"), "{text}");
        }
    }
}
