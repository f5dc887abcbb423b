//! Implausible input values: what screening found, where it is, and what was done with it.
//!
//! A reject ([`super::rejects`]) is a row or cell that cannot be read; an anomaly is a value
//! that reads fine but is not believable — a barcode pasted into a quantity, a block of rows
//! exported twice, a 900-day lead time, a holding rate given in percent. Screening
//! ([`crate::screen`]) finds them before anything is learned from the inputs; each one is an
//! [`Anomaly`] row of `anomalies.csv` (`file,line,sku,column,value,reason,action`), written
//! beside `rejects.csv` by every command that reads inputs, even when empty.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{
    atomic::write_atomic,
    cells::{header_of, write_csv},
    LoadError,
};

/// What was done with a flagged value.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyAction {
    /// Left out of every fit (forecast, global model, lead-time distribution, classes).
    #[default]
    Excluded,
    /// Replaced by a cap (the reason gives the value used).
    Capped,
    /// Used as given; the planner is told.
    Kept,
}

impl AnomalyAction {
    /// `excluded`, `capped` or `kept`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Excluded => "excluded",
            Self::Capped => "capped",
            Self::Kept => "kept",
        }
    }
}

/// One flagged value: also the row struct of `anomalies.csv`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    /// The input file, as given.
    pub file: String,
    /// Line in a CSV file (header = 1) or data row number in a Parquet file (first row = 1);
    /// for a block of rows, its first line (the reason names the last).
    pub line: u64,
    /// The SKU concerned (for a block of rows: the block's first SKU; empty when the finding is
    /// about no SKU).
    pub sku: String,
    /// The column whose value was flagged, as named in the data contract.
    pub column: String,
    /// The flagged value, as read (or a summary for a block).
    pub value: String,
    /// Why it is implausible, and what it was compared with.
    pub reason: String,
    /// What was done with it.
    pub action: AnomalyAction,
}

/// Writes anomalies as CSV (`file,line,sku,column,value,reason,action`), atomically, sorted by
/// file, line, sku and column; the header is written even without anomalies.
///
/// # Errors
/// [`LoadError::Write`] when the file cannot be written.
pub fn write_anomalies_csv(path: &Path, anomalies: &[Anomaly]) -> Result<(), LoadError> {
    let mut sorted: Vec<&Anomaly> = anomalies.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.file, a.line, &a.sku, &a.column).cmp(&(&b.file, b.line, &b.sku, &b.column))
    });
    let header = header_of(&Anomaly::default());
    write_atomic(path, |w| write_csv(w, &header, sorted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_the_contract_and_rows_sort_by_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("anomalies.csv");
        write_anomalies_csv(&path, &[]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "file,line,sku,column,value,reason,action\n"
        );
        let a = |line, action| Anomaly {
            file: "s.csv".into(),
            line,
            sku: "A".into(),
            column: "quantity".into(),
            value: "4006381333931".into(),
            reason: "r, with comma".into(),
            action,
        };
        write_anomalies_csv(
            &path,
            &[a(9, AnomalyAction::Capped), a(3, AnomalyAction::Excluded)],
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1],
            "s.csv,3,A,quantity,4006381333931,\"r, with comma\",excluded"
        );
        assert_eq!(
            lines[2],
            "s.csv,9,A,quantity,4006381333931,\"r, with comma\",capped"
        );
    }
}
