//! An output CSV read back as text cells with a column index: what the report and the
//! `lock` steering read from an earlier run's folder.
//!
//! Input files are read with polars ([`super::table`]); this reader is for the small CSV
//! outputs replenish itself wrote, read by column name so that a column added later does not
//! break an older reader.

use std::{collections::HashMap, path::Path};

/// A CSV file as text cells, with a column index.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column names.
    pub headers: Vec<String>,
    /// Rows of cells (as many as headers).
    pub rows: Vec<Vec<String>>,
    index: HashMap<String, usize>,
}

impl Table {
    /// Reads a CSV file.
    ///
    /// # Errors
    /// The CSV reader's message (with the line for a malformed row); the caller names the
    /// file.
    pub fn read(path: &Path) -> Result<Self, String> {
        let err = |message: String| message;
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(path)
            .map_err(|x| err(x.to_string()))?;
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|x| err(x.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|x| err(x.to_string()))?;
            rows.push(rec.iter().map(str::to_string).collect());
        }
        let index = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i))
            .collect();
        Ok(Table {
            headers,
            rows,
            index,
        })
    }

    /// Column position.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Text of a cell (empty when the column is absent).
    pub fn text<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        self.col(name).map_or("", |i| row[i].as_str())
    }

    /// Number in a cell (`None` when empty, absent or not a number).
    pub fn num(&self, row: &[String], name: &str) -> Option<f64> {
        self.text(row, name).parse().ok()
    }
}
