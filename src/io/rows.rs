//! The row loop shared by all loaders: typed access to a row's cells, and the bookkeeping that
//! guarantees `rows_read == rows_accepted + rows_rejected`.
//!
//! A loader gives [`for_each_row`] a closure that reads cells through [`Row`]'s typed getters.
//! The first cell that cannot be used marks the row rejected (with its column, value and
//! reason); the loop writes the reject and counts it. Blank lines and rows with too many fields
//! are handled here, once, for every input.
//!
//! **Cell-level rejects**: an optional cell read through [`Row::optional`] (or rejected with
//! [`Row::reject_cell`]) that cannot be used is rejected *alone*: the loop writes one reject for
//! the cell (its reason says which default is used instead), counts it in
//! [`FileStats::cells_rejected`], and the row is still accepted. When the row is rejected as a
//! whole (a required cell, a duplicate key), only the row's reject is written.

use super::{
    parse::{self, Day},
    rejects::RejectLog,
    table::{Batch, Cell, RowShape, Table},
    FileStats, LoadError,
};

/// One data row being validated.
pub struct Row<'r, 'a> {
    table: &'r Table,
    batch: &'r Batch<'a>,
    index: usize,
    cells: &'r [Cell<'a>],
    error: Option<(usize, String)>,
    bad_cells: Vec<(usize, String)>,
}

impl<'a> Row<'_, 'a> {
    /// Line number of the row (see [`Table`] for the convention).
    pub fn line(&self) -> u64 {
        self.batch.line_of(self.index)
    }

    /// 0-based index of the row among the file's data rows (as read: a blank line polars
    /// keeps counts as a row). Cheaper than [`Row::line`].
    pub fn data_row(&self) -> u64 {
        self.batch.first_row + self.index as u64
    }

    /// `(first data row, first line)` of the row's batch: with [`Row::data_row`], the line of
    /// any row of the batch (exact unless a quoted field holds a line break).
    pub fn batch_start(&self) -> (u64, u64) {
        (self.batch.first_row, self.batch.first_line())
    }

    /// The cell of column `col` as read.
    pub fn cell_text(&self, col: usize) -> String {
        self.cells[col].to_string()
    }

    /// Whether the row has been rejected so far.
    pub fn is_rejected(&self) -> bool {
        self.error.is_some()
    }

    /// Rejects the row because of column `col` (first reason wins).
    pub fn reject(&mut self, col: usize, reason: impl Into<String>) {
        if self.error.is_none() {
            self.error = Some((col, reason.into()));
        }
    }

    /// Rejects the cell of column `col` alone: the row is still used (see the module
    /// documentation). `reason` should say which value is used instead.
    pub fn reject_cell(&mut self, col: usize, reason: impl Into<String>) {
        self.bad_cells.push((col, reason.into()));
    }

    /// Reads an optional cell with `read` (any getter, plus the loader's own checks): a reject
    /// raised inside becomes a rejected cell of `col`, its reason followed by `fallback` (what
    /// is used instead, e.g. "the default 50 ([defaults] order_cost) is used for this SKU"),
    /// and the result is `None`. A row already rejected stays rejected.
    pub fn optional<T>(
        &mut self,
        col: usize,
        fallback: &str,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<T> {
        let before = self.error.take();
        let v = read(self);
        let cell_error = std::mem::replace(&mut self.error, before);
        match cell_error {
            None => v,
            Some((_, reason)) => {
                self.reject_cell(col, join_reason(&reason, fallback));
                None
            }
        }
    }

    /// The cell of column `col` as text, as written to rejects.csv.
    pub fn value(&self, col: usize) -> String {
        self.cells[col].to_string()
    }

    /// The name of column `col` in the data contract.
    pub fn name(&self, col: usize) -> &'static str {
        self.table.specs()[col].name
    }

    fn what(&self, col: usize) -> String {
        let spec = &self.table.specs()[col];
        match spec.ty {
            super::ColumnType::Date => "a date (YYYY-MM-DD)".into(),
            super::ColumnType::Number => format!("a number for {}", spec.name),
            _ => format!("a value for {}", spec.name),
        }
    }

    /// A required text cell (trimmed); rejects the row when empty.
    pub fn text(&mut self, col: usize) -> Option<&'a str> {
        let v = self.opt_text(col);
        if v.is_none() {
            let what = self.what(col);
            self.reject(col, missing(&what));
        }
        v
    }

    /// An optional text cell (trimmed); `None` when empty.
    pub fn opt_text(&mut self, col: usize) -> Option<&'a str> {
        match self.cells[col] {
            Cell::Str(s) => Some(s.trim()).filter(|s| !s.is_empty()),
            Cell::Null => None,
            // Text columns of Parquet files are cast to text when read; nothing else arrives.
            _ => {
                self.reject(col, "expected text");
                None
            }
        }
    }

    /// A required date; rejects the row when empty or invalid.
    pub fn date(&mut self, col: usize) -> Option<Day> {
        let v = self.opt_date(col);
        if v.is_none() && !self.is_rejected() {
            let what = self.what(col);
            self.reject(col, missing(&what));
        }
        v
    }

    /// An optional date; rejects the row when present but invalid.
    pub fn opt_date(&mut self, col: usize) -> Option<Day> {
        match parse::date(&self.cells[col]) {
            Ok(v) => v,
            Err(e) => {
                self.reject(col, e.0);
                None
            }
        }
    }

    /// A required number; rejects the row when empty or invalid.
    pub fn number(&mut self, col: usize) -> Option<f64> {
        let v = self.opt_number(col);
        if v.is_none() && !self.is_rejected() {
            let what = self.what(col);
            self.reject(col, missing(&what));
        }
        v
    }

    /// An optional number; rejects the row when present but invalid.
    pub fn opt_number(&mut self, col: usize) -> Option<f64> {
        match parse::number(&self.cells[col]) {
            Ok(v) => v,
            Err(e) => {
                self.reject(col, e.0);
                None
            }
        }
    }

    /// An optional number that must be `>= 0` (or `> 0` when `strict`).
    pub fn opt_non_negative(&mut self, col: usize, strict: bool) -> Option<f64> {
        let v = self.opt_number(col)?;
        if v < 0.0 || (strict && v == 0.0) {
            let bound = if strict { "> 0" } else { ">= 0" };
            self.reject(
                col,
                format!("{} should be {bound}", self.table.specs()[col].name),
            );
            return None;
        }
        Some(v)
    }

    /// A 0/1 flag (empty = false); rejects the row when invalid.
    pub fn flag(&mut self, col: usize) -> bool {
        match parse::flag(&self.cells[col]) {
            Ok(v) => v,
            Err(e) => {
                self.reject(col, e.0);
                false
            }
        }
    }
}

/// Runs `f` on every data row of `table`, writing rejects and counting rows.
///
/// `f` reads the row through [`Row`]; if it (or a getter) rejects the row, the reject is
/// recorded with the row's line, the column's name in the file, the value and the reason.
///
/// # Errors
/// Structural [`LoadError`]s from reading the table.
pub fn for_each_row<F>(
    table: &Table,
    rejects: &mut RejectLog,
    mut f: F,
) -> Result<FileStats, LoadError>
where
    F: FnMut(&mut Row<'_, '_>),
{
    let mut counts = FileStats::default();
    let mut stats = table.read(|batch| {
        let mut cells = vec![Cell::Null; table.specs().len()];
        let mut rows = batch.rows();
        let mut index = 0;
        while let Some(shape) = rows.next_row(&mut cells) {
            let this = index;
            index += 1;
            match shape {
                RowShape::Blank => {
                    counts.blank_lines += 1;
                    continue;
                }
                RowShape::TooManyFields => {
                    counts.rows_read += 1;
                    counts.rows_rejected += 1;
                    rejects.push(batch.line_of(this), "", String::new(), too_many_fields());
                    continue;
                }
                RowShape::Normal => counts.rows_read += 1,
            }
            let mut row = Row {
                table,
                batch,
                index: this,
                cells: &cells,
                error: None,
                bad_cells: Vec::new(),
            };
            f(&mut row);
            match row.error {
                None => {
                    counts.rows_accepted += 1;
                    counts.cells_rejected += row.bad_cells.len() as u64;
                    for (col, reason) in row.bad_cells {
                        rejects.push(
                            batch.line_of(this),
                            table.column_name(col),
                            cells[col].to_string(),
                            reason,
                        );
                    }
                }
                Some((col, reason)) => {
                    counts.rows_rejected += 1;
                    rejects.push(
                        batch.line_of(this),
                        table.column_name(col),
                        cells[col].to_string(),
                        reason,
                    );
                }
            }
        }
        Ok(())
    })?;
    if counts.rows_read == 0 {
        // Only blank lines below the header.
        return Err(LoadError::NoRows {
            path: table.path.clone(),
        });
    }
    stats.rows_read = counts.rows_read;
    stats.rows_accepted = counts.rows_accepted;
    stats.rows_rejected = counts.rows_rejected;
    stats.cells_rejected = counts.cells_rejected;
    stats.blank_lines = counts.blank_lines;
    Ok(stats)
}

/// `reason; fallback` (`reason. Fallback` when the reason ends a sentence), without a doubled
/// separator.
fn join_reason(reason: &str, fallback: &str) -> String {
    if fallback.is_empty() {
        return reason.to_string();
    }
    let r = reason.trim_end_matches([';', ' ']);
    if r.ends_with(['.', '?', '!']) {
        let mut f = fallback.chars();
        let first = f
            .next()
            .map(|c| c.to_uppercase().to_string())
            .unwrap_or_default();
        format!("{r} {first}{}", f.as_str())
    } else {
        format!("{r}; {fallback}")
    }
}

/// Reason for a required cell that is empty.
pub fn missing(what: &str) -> String {
    format!("missing value; expected {what}")
}

/// Reason for a CSV row with more fields than the header.
fn too_many_fields() -> String {
    "row has more fields than the header has columns; a value probably contains an unquoted comma (quote it, or remove the comma)".into()
}
