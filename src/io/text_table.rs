//! Rows of an output as text cells with a column index: the report's recommendations table,
//! which shows a file's columns as written.
//!
//! Input files are read with polars ([`super::table`]); the outputs replenish itself wrote are
//! read back typed through their row structs ([`super::cells::read_keyed`]); this table is
//! built from those rows ([`Table::of_rows`]).

use std::collections::HashMap;

/// Rows as text cells, with a column index.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column names.
    pub headers: Vec<String>,
    /// Rows of cells (as many as headers).
    pub rows: Vec<Vec<String>>,
    index: HashMap<String, usize>,
}

impl Table {
    /// The text cells of `rows` (as [`super::cells::write_csv`] writes them) under `headers`.
    pub fn of_rows<R: serde::Serialize>(
        headers: Vec<String>,
        rows: impl IntoIterator<Item = R>,
    ) -> Self {
        let index = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i))
            .collect();
        Table {
            headers,
            rows: super::cells::cells_of(rows),
            index,
        }
    }

    /// Appends a column `name` with one cell per row (`cells` in row order; a short list
    /// leaves the remaining cells empty). A column of that name already there is left as it is.
    pub fn push_column(&mut self, name: &str, cells: Vec<String>) {
        if self.index.contains_key(name) {
            return;
        }
        self.index.insert(name.to_string(), self.headers.len());
        self.headers.push(name.to_string());
        let mut cells = cells.into_iter();
        for row in &mut self.rows {
            row.push(cells.next().unwrap_or_default());
        }
    }

    /// Column position.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Text of a cell (empty when the column is absent).
    pub fn text<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        self.col(name).map_or("", |i| row[i].as_str())
    }
}
