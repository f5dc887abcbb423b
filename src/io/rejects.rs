//! Rejected rows: what could not be used, where it is, and why.
//!
//! Every row a loader cannot use becomes a [`Reject`]; nothing is dropped silently. The
//! rejects of all inputs are written together to `rejects.csv`, one [`Reject`] per row (its
//! fields are the columns: `file, line, column, value, reason`), sorted by file then line.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{
    atomic::write_atomic,
    cells::{header_of, write_csv},
    LoadError,
};

/// One rejected row (or one ignored cell, for warnings that do not reject): also the row
/// struct of `rejects.csv`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    /// The input file, as given.
    pub file: String,
    /// Line in a CSV file (header = 1) or data row number in a Parquet file (first row = 1).
    pub line: u64,
    /// The column whose value was the problem, as named in the file (empty for whole-row problems).
    pub column: String,
    /// The offending value, as read.
    pub value: String,
    /// Why the row could not be used and what was expected.
    pub reason: String,
}

/// The rejects of one file, with the file name filled in.
#[derive(Debug, Default)]
pub struct RejectLog {
    file: String,
    /// Rejects in the order found.
    pub rows: Vec<Reject>,
}

impl RejectLog {
    /// An empty log for `file`.
    pub fn new(file: &Path) -> Self {
        Self {
            file: file.display().to_string(),
            rows: Vec::new(),
        }
    }

    /// Records a rejected row.
    pub fn push(&mut self, line: u64, column: &str, value: String, reason: String) {
        self.rows.push(Reject {
            file: self.file.clone(),
            line,
            column: column.to_string(),
            value,
            reason,
        });
    }

    /// Number of rejects.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Writes rejects as CSV (`file,line,column,value,reason`), atomically, sorted by file and line.
///
/// # Errors
/// [`LoadError::Write`] when the file cannot be written.
pub fn write_rejects_csv(path: &Path, rejects: &[Reject]) -> Result<(), LoadError> {
    let mut sorted: Vec<&Reject> = rejects.iter().collect();
    sorted.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let header = header_of(&Reject::default());
    write_atomic(path, |w| write_csv(w, &header, sorted))
}

/// Quotes a CSV field when it holds a comma, quote or line break (RFC 4180): the rule the
/// csv crate's writer follows for the outputs (see the test in [`super::cells`]).
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("1,234"), "\"1,234\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
