//! Reading one input file in batches with polars, as cells of the data contract's columns.
//!
//! This module finds the columns (after the config's column mapping), checks the file's
//! structure (empty, header only, wrong delimiter, non-UTF-8, duplicate or missing columns)
//! and hands each batch of rows to a callback as [`Cell`]s. It does not decide whether a row is
//! usable: the per-input loaders do that.
//!
//! CSV files are read in blocks of about 32 MiB cut at record boundaries (quote-aware, so a
//! quoted field may hold commas and line breaks), each parsed by polars' multi-threaded CSV
//! reader with every column as text. Memory stays bounded by the block size whatever the file
//! size. A UTF-8 byte-order mark and CRLF line endings are accepted. Rows with more fields than
//! the header are flagged ([`Batch`] reports them) rather than silently truncated. Blank lines
//! are skipped and counted. Parquet files are read in slices of one million rows with their own
//! column types (integers, floats, dates, datetimes, booleans, text).
//!
//! Line numbers: for CSV, the physical line in the file (the header is line 1); for Parquet,
//! the data row number (the first data row is 1).

use std::{
    cell::OnceCell,
    collections::BTreeMap,
    fs::File,
    io::{Cursor, Read},
    path::{Path, PathBuf},
    sync::Arc,
};

use polars::prelude::*;

use super::{
    parse::{Day, UNIX_EPOCH_DAY},
    ColumnSpec, FileStats, InputKind, LoadError,
};

/// Bytes per CSV block handed to polars.
const CSV_BLOCK: usize = 32 << 20;
/// Rows per Parquet slice.
const PARQUET_SLICE: usize = 1 << 20;
/// Name of the extra text column that catches fields beyond the header in ragged CSV rows.
const EXTRA: &str = "__replenish_extra__";

/// One cell of an input, in the type the file gave it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Missing or empty.
    Null,
    /// Text (every CSV cell is text).
    Str(&'a str),
    /// An integer (Parquet).
    Int(i64),
    /// A float (Parquet).
    Float(f64),
    /// A boolean (Parquet).
    Bool(bool),
    /// A date as a day number (Parquet dates and datetimes).
    Date(Day),
}

impl std::fmt::Display for Cell<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Null => Ok(()),
            Cell::Str(s) => f.write_str(s),
            Cell::Int(v) => write!(f, "{v}"),
            Cell::Float(v) => write!(f, "{v}"),
            Cell::Bool(b) => write!(f, "{}", u8::from(*b)),
            Cell::Date(d) => match super::parse::checked_date_of(*d) {
                Some(date) => write!(f, "{date}"),
                None => write!(f, "day {d} (out of range)"),
            },
        }
    }
}

/// File formats, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated text with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl Format {
    /// The format of a path, from its extension (case-insensitive).
    ///
    /// # Errors
    /// [`LoadError::Format`] for anything but `.csv` and `.parquet`/`.pq`.
    pub fn of(path: &Path) -> Result<Self, LoadError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Ok(Format::Csv),
            "parquet" | "pq" => Ok(Format::Parquet),
            _ => Err(LoadError::Format {
                path: path.to_path_buf(),
                ext,
            }),
        }
    }
}

/// A batch of rows: the data contract's columns in [`InputKind::columns`] order.
pub struct Batch<'a> {
    /// 0-based index of the batch's first data row within the file.
    pub first_row: u64,
    len: usize,
    columns: Vec<Option<Series>>,
    /// File columns outside the contract, used to tell blank rows from rows with empty
    /// contract cells.
    ignored: Vec<Series>,
    extra: Option<Series>,
    lines: Option<LineMap<'a>>,
}

/// Maps rows of a CSV block to physical line numbers, computed only when asked (when a
/// row of the block is rejected).
struct LineMap<'a> {
    bytes: &'a [u8],
    first_line: u64,
    starts: OnceCell<Vec<u64>>,
}

impl LineMap<'_> {
    /// Line of each record in the block. polars returns a (blank) row for every empty line,
    /// so empty lines count as records here too.
    fn compute(&self) -> Vec<u64> {
        let b = self.bytes;
        let mut out = Vec::new();
        let mut line = self.first_line;
        let mut i = 0;
        while i < b.len() {
            out.push(line);
            // One record: up to a newline outside quotes.
            let mut in_quotes = false;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => in_quotes = !in_quotes,
                    b'\n' if !in_quotes => break,
                    b'\n' => line += 1,
                    _ => {}
                }
                j += 1;
            }
            line += 1;
            i = j + 1;
        }
        out
    }
}

impl<'a> Batch<'a> {
    /// Number of rows in the batch.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the batch has no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Line number of the batch's first row (cheap: no line map is computed).
    pub fn first_line(&self) -> u64 {
        match &self.lines {
            Some(map) => map.first_line,
            None => self.first_row + 1,
        }
    }

    /// Line number of a row of this batch (0-based within the batch), for messages.
    pub fn line_of(&self, row: usize) -> u64 {
        match &self.lines {
            Some(map) => {
                let starts = map.starts.get_or_init(|| map.compute());
                // Blank rows that polars kept are not in `starts`; fall back to counting.
                starts
                    .get(row)
                    .copied()
                    .unwrap_or(map.first_line + row as u64)
            }
            None => self.first_row + row as u64 + 1,
        }
    }

    /// Iterates the rows, filling `cells` (one per contract column) for each.
    pub fn rows(&self) -> Rows<'_> {
        Rows {
            columns: self.columns.iter().map(|s| s.as_ref().map(cells)).collect(),
            ignored: self
                .ignored
                .iter()
                .map(|s| Box::new(s.iter_nulls()) as Box<dyn Iterator<Item = bool>>)
                .collect(),
            extra: self.extra.as_ref().map(|s| Box::new(s.iter_nulls()) as _),
        }
    }
}

trait IterNulls {
    fn iter_nulls(&self) -> Box<dyn Iterator<Item = bool> + '_>;
}

impl IterNulls for Series {
    /// `true` where the cell is null or empty text.
    fn iter_nulls(&self) -> Box<dyn Iterator<Item = bool> + '_> {
        match self.str() {
            Ok(ca) => Box::new(ca.iter().map(|o| o.is_none_or(|s| s.trim().is_empty()))),
            Err(_) => {
                // Non-text (Parquet) column: the validity bitmap, once per batch.
                let nulls: Vec<bool> = self.is_null().iter().map(|o| o.unwrap_or(true)).collect();
                Box::new(nulls.into_iter())
            }
        }
    }
}

type CellIter<'a> = Box<dyn Iterator<Item = Cell<'a>> + 'a>;

/// Row-wise access to a [`Batch`].
pub struct Rows<'a> {
    columns: Vec<Option<CellIter<'a>>>,
    ignored: Vec<Box<dyn Iterator<Item = bool> + 'a>>,
    extra: Option<Box<dyn Iterator<Item = bool> + 'a>>,
}

/// What a row looked like beyond its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowShape {
    /// A normal row.
    Normal,
    /// Every field empty: a blank line, skipped and counted, not a row.
    Blank,
    /// More fields than the header has columns.
    TooManyFields,
}

impl<'a> Rows<'a> {
    /// Fills `out` with the next row's cells; `None` after the last row.
    pub fn next_row(&mut self, out: &mut [Cell<'a>]) -> Option<RowShape> {
        let mut all_empty = true;
        let mut any = false;
        for (slot, it) in out.iter_mut().zip(&mut self.columns) {
            if let Some(it) = it {
                *slot = it.next()?;
                any = true;
                // Only look further while every cell so far was empty (rare).
                if all_empty {
                    all_empty = match slot {
                        Cell::Null => true,
                        Cell::Str(s) => s.trim().is_empty(),
                        _ => false,
                    };
                }
            } else {
                *slot = Cell::Null;
            }
        }
        for it in &mut self.ignored {
            all_empty &= it.next()?;
            any = true;
        }
        if !any {
            return None;
        }
        let extra = self
            .extra
            .as_mut()
            .and_then(|it| it.next())
            .is_some_and(|empty| !empty);
        Some(if extra {
            RowShape::TooManyFields
        } else if all_empty {
            RowShape::Blank
        } else {
            RowShape::Normal
        })
    }
}

fn cells(s: &Series) -> CellIter<'_> {
    match s.dtype() {
        DataType::String => Box::new(
            s.str()
                .expect("string column")
                .iter()
                .map(|o| o.map_or(Cell::Null, Cell::Str)),
        ),
        DataType::Int64 => Box::new(
            s.i64()
                .expect("i64 column")
                .iter()
                .map(|o| o.map_or(Cell::Null, Cell::Int)),
        ),
        DataType::Float64 => Box::new(
            s.f64()
                .expect("f64 column")
                .iter()
                .map(|o| o.map_or(Cell::Null, Cell::Float)),
        ),
        DataType::Boolean => Box::new(
            s.bool()
                .expect("bool column")
                .iter()
                .map(|o| o.map_or(Cell::Null, Cell::Bool)),
        ),
        DataType::Date => Box::new(
            s.date()
                .expect("date column")
                .physical()
                .iter()
                // Saturating: a day beyond i32 is out of range either way (parse rejects it).
                .map(|o| o.map_or(Cell::Null, |d| Cell::Date(d.saturating_add(UNIX_EPOCH_DAY)))),
        ),
        other => unreachable!("column type {other} is normalised before iteration"),
    }
}

/// An input file opened for reading: header checked and contract columns located.
pub struct Table {
    /// The file.
    pub path: PathBuf,
    /// Which input it is.
    pub kind: InputKind,
    format: Format,
    /// The file's column names, in order.
    header: Vec<String>,
    /// For each contract column: its position in the file, if present.
    positions: Vec<Option<usize>>,
    /// Byte offset where CSV data starts (after BOM and header) and its line number.
    data_start: (u64, u64),
}

impl Table {
    /// Opens a file, reads its header (CSV) or schema (Parquet), applies the column mapping
    /// and checks the structure.
    ///
    /// # Errors
    /// The structural [`LoadError`]s: open failure, unsupported extension, empty file,
    /// wrong delimiter, invalid UTF-8 in the header, duplicate or missing columns.
    pub fn open(
        path: &Path,
        kind: InputKind,
        mapping: &BTreeMap<String, String>,
    ) -> Result<Self, LoadError> {
        let format = Format::of(path)?;
        let (header, data_start) = match format {
            Format::Csv => csv_header(path, kind)?,
            Format::Parquet => (parquet_header(path)?, (0, 0)),
        };
        check_duplicates(path, &header)?;
        let mut positions = Vec::new();
        for spec in kind.columns() {
            let looked_for = mapping.get(spec.name).map_or(spec.name, String::as_str);
            let pos = header.iter().position(|h| h == looked_for).or_else(|| {
                // Case-insensitive fallback: ERP exports vary in capitalisation.
                header
                    .iter()
                    .position(|h| h.eq_ignore_ascii_case(looked_for))
            });
            if pos.is_none() && spec.required {
                if header.len() == 1 {
                    if let Some(found) = [';', '\t', '|']
                        .into_iter()
                        .find(|c| header[0].contains(*c))
                    {
                        return Err(LoadError::Delimiter {
                            path: path.to_path_buf(),
                            found,
                        });
                    }
                }
                return Err(LoadError::MissingColumn {
                    path: path.to_path_buf(),
                    input: kind.name(),
                    canonical: spec.name,
                    looked_for: looked_for.to_string(),
                    found: header.join(", "),
                });
            }
            positions.push(pos);
        }
        Ok(Self {
            path: path.to_path_buf(),
            kind,
            format,
            header,
            positions,
            data_start,
        })
    }

    /// The name a contract column has in this file (for messages and rejects.csv).
    pub fn column_name(&self, index: usize) -> &str {
        match self.positions[index] {
            Some(p) => &self.header[p],
            None => self.kind.columns()[index].name,
        }
    }

    /// The contract columns, in order.
    pub fn specs(&self) -> &'static [ColumnSpec] {
        self.kind.columns()
    }

    /// Whether a contract column is present in the file.
    pub fn has(&self, index: usize) -> bool {
        self.positions[index].is_some()
    }

    /// File columns the contract does not use.
    pub fn ignored_columns(&self) -> Vec<String> {
        self.header
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.positions.contains(&Some(*i)))
            .map(|(_, h)| h.clone())
            .collect()
    }

    /// Reads the whole file, calling `f` for each batch in order. Parsing runs on a second
    /// thread, one batch ahead of `f`. Returns the file's stats with the ignored columns filled
    /// in (row counts are the loaders' to fill).
    ///
    /// # Errors
    /// [`LoadError::NoRows`] when the file has no data rows, [`LoadError::NotUtf8`],
    /// [`LoadError::Read`] when polars fails, or whatever `f` returns.
    pub fn read<F>(&self, mut f: F) -> Result<FileStats, LoadError>
    where
        F: FnMut(&Batch<'_>) -> Result<(), LoadError>,
    {
        let rows = std::thread::scope(|scope| -> Result<u64, LoadError> {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Parsed, LoadError>>(1);
            scope.spawn(move || {
                let send = |p| tx.send(p).is_ok();
                let result = match self.format {
                    Format::Csv => self.produce_csv(&send),
                    Format::Parquet => self.produce_parquet(&send),
                };
                if let Err(e) = result {
                    let _ = tx.send(Err(e));
                }
            });
            let mut rows = 0u64;
            for parsed in rx {
                let p = parsed?;
                let ignored: Vec<Series> = (0..self.header.len())
                    .filter(|i| !self.positions.contains(&Some(*i)))
                    .map(|i| p.all[i].clone())
                    .collect();
                let batch = Batch {
                    first_row: p.first_row,
                    len: p.height,
                    columns: self
                        .positions
                        .iter()
                        .map(|pos| pos.map(|i| p.all[i].clone()))
                        .collect(),
                    ignored,
                    extra: p.extra,
                    lines: p.block.as_ref().map(|(bytes, first_line)| LineMap {
                        bytes,
                        first_line: *first_line,
                        starts: OnceCell::new(),
                    }),
                };
                f(&batch)?;
                rows += p.height as u64;
            }
            Ok(rows)
        })?;
        if rows == 0 {
            return Err(LoadError::NoRows {
                path: self.path.clone(),
            });
        }
        Ok(FileStats {
            ignored_columns: self.ignored_columns(),
            ..FileStats::default()
        })
    }

    fn polars_error(&self, e: PolarsError) -> LoadError {
        LoadError::Read {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    fn produce_csv(
        &self,
        send: &dyn Fn(Result<Parsed, LoadError>) -> bool,
    ) -> Result<(), LoadError> {
        let open_err = |source| LoadError::Open {
            path: self.path.clone(),
            source,
        };
        let mut file = File::open(&self.path).map_err(open_err)?;
        let (offset, mut line) = self.data_start;
        std::io::copy(&mut (&mut file).take(offset), &mut std::io::sink()).map_err(open_err)?;

        let mut fields: Vec<Field> = (0..self.header.len())
            .map(|i| Field::new(format!("c{i}").into(), DataType::String))
            .collect();
        fields.push(Field::new(EXTRA.into(), DataType::String));
        let schema: SchemaRef = Arc::new(Schema::from_iter(fields));

        let mut buf: Vec<u8> = Vec::with_capacity(CSV_BLOCK + (1 << 20));
        let mut eof = false;
        let mut rows: u64 = 0;
        let mut byte_offset = offset;
        loop {
            let mut want = CSV_BLOCK;
            let end = loop {
                while !eof && buf.len() < want {
                    let before = buf.len();
                    (&mut file)
                        .take((want - before) as u64)
                        .read_to_end(&mut buf)
                        .map_err(open_err)?;
                    eof = buf.len() == before;
                }
                if eof {
                    break buf.len();
                }
                match last_record_boundary(&buf) {
                    Some(end) => break end,
                    None => want *= 2, // one record longer than a block: read more
                }
            };
            if end == 0 {
                return Ok(());
            }
            let mut next = Vec::with_capacity(CSV_BLOCK + (1 << 20));
            next.extend_from_slice(&buf[end..]);
            buf.truncate(end);
            let block = std::mem::replace(&mut buf, next);
            if let Err(e) = std::str::from_utf8(&block) {
                let at = e.valid_up_to();
                return Err(LoadError::NotUtf8 {
                    path: self.path.clone(),
                    line: line + memchr::memchr_iter(b'\n', &block[..at]).count() as u64,
                    offset: byte_offset + at as u64,
                    byte: block[at],
                });
            }
            let df = CsvReadOptions::default()
                .with_has_header(false)
                .with_schema(Some(schema.clone()))
                .with_rechunk(false)
                .map_parse_options(|o| {
                    o.with_truncate_ragged_lines(true)
                        .with_missing_is_null(true)
                })
                .into_reader_with_file_handle(Cursor::new(&block))
                .finish()
                .map_err(|e| self.polars_error(e))?;
            let mut all: Vec<Series> = df
                .columns()
                .iter()
                .map(|c| c.as_materialized_series().clone())
                .collect();
            let extra = all.pop();
            let height = df.height();
            let lines_in_block = memchr::memchr_iter(b'\n', &block).count() as u64;
            let parsed = Parsed {
                first_row: rows,
                height,
                all,
                extra,
                block: Some((block, line)),
            };
            if !send(Ok(parsed)) {
                return Ok(());
            }
            rows += height as u64;
            line += lines_in_block;
            byte_offset += end as u64;
        }
    }

    fn produce_parquet(
        &self,
        send: &dyn Fn(Result<Parsed, LoadError>) -> bool,
    ) -> Result<(), LoadError> {
        let open = || {
            File::open(&self.path).map_err(|source| LoadError::Open {
                path: self.path.clone(),
                source,
            })
        };
        let total = ParquetReader::new(open()?)
            .num_rows()
            .map_err(|e| self.polars_error(e))?;
        let text_cols: Vec<usize> = self
            .positions
            .iter()
            .zip(self.specs())
            .filter(|(_, s)| s.ty == super::ColumnType::Text)
            .filter_map(|(p, _)| *p)
            .collect();
        let mut offset = 0;
        while offset < total {
            let len = PARQUET_SLICE.min(total - offset);
            let df = ParquetReader::new(open()?)
                .with_slice(Some((offset, len)))
                .finish()
                .map_err(|e| self.polars_error(e))?;
            let all: Vec<Series> = df
                .columns()
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let s = c.as_materialized_series();
                    if text_cols.contains(&i) {
                        text_of(s)
                    } else {
                        normalise(s)
                    }
                })
                .collect::<PolarsResult<_>>()
                .map_err(|e| self.polars_error(e))?;
            let parsed = Parsed {
                first_row: offset as u64,
                height: df.height(),
                all,
                extra: None,
                block: None,
            };
            if !send(Ok(parsed)) {
                return Ok(());
            }
            offset += len;
        }
        Ok(())
    }
}

/// A parsed block, sent from the parsing thread to the row loop.
struct Parsed {
    first_row: u64,
    height: usize,
    /// Every column of the file, in file order, normalised.
    all: Vec<Series>,
    /// CSV only: the catch-all column for fields beyond the header.
    extra: Option<Series>,
    /// CSV only: the block's bytes and the line number of its first byte.
    block: Option<(Vec<u8>, u64)>,
}

/// A Parquet column read as text. Dates and datetimes are written by [`Cell`]'s `Display`
/// (polars' own cast overflows on days beyond its range).
fn text_of(s: &Series) -> PolarsResult<Series> {
    if !matches!(s.dtype(), DataType::Date | DataType::Datetime(_, _)) {
        return s.cast(&DataType::String);
    }
    let days = normalise(s)?;
    let text: StringChunked = days
        .date()?
        .physical()
        .iter()
        .map(|o| o.map(|d| Cell::Date(d.saturating_add(UNIX_EPOCH_DAY)).to_string()))
        .collect();
    Ok(text.with_name(s.name().clone()).into_series())
}

/// Casts a Parquet column to one of the types [`Cell`] carries.
fn normalise(s: &Series) -> PolarsResult<Series> {
    use DataType as D;
    let target = match s.dtype() {
        D::String | D::Int64 | D::Float64 | D::Boolean | D::Date => return Ok(s.clone()),
        D::Int8 | D::Int16 | D::Int32 | D::UInt8 | D::UInt16 | D::UInt32 | D::UInt64 => D::Int64,
        D::Float32 => D::Float64,
        D::Datetime(_, _) => D::Date,
        _ => D::String,
    };
    s.cast(&target)
}

/// Offset just past the last newline that ends a record (outside quotes), if any.
fn last_record_boundary(buf: &[u8]) -> Option<usize> {
    let total_quotes = memchr::memchr_iter(b'"', buf).count();
    let mut quotes_after = 0;
    let mut hi = buf.len();
    for nl in memchr::memrchr_iter(b'\n', buf) {
        quotes_after += memchr::memchr_iter(b'"', &buf[nl + 1..hi]).count();
        hi = nl + 1;
        if (total_quotes - quotes_after) % 2 == 0 {
            return Some(nl + 1);
        }
    }
    None
}

/// Reads and splits the CSV header; returns the names and where data starts (byte, line).
fn csv_header(path: &Path, kind: InputKind) -> Result<(Vec<String>, (u64, u64)), LoadError> {
    let mut file = File::open(path).map_err(|source| LoadError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut head = Vec::new();
    (&mut file)
        .take(1 << 20)
        .read_to_end(&mut head)
        .map_err(|source| LoadError::Open {
            path: path.to_path_buf(),
            source,
        })?;
    let bom = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let body = &head[bom..];
    let end = memchr::memchr(b'\n', body).unwrap_or(body.len());
    let line = &body[..end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
            expected: kind
                .columns()
                .iter()
                .filter(|c| c.required)
                .map(|c| c.name)
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let text = std::str::from_utf8(line).map_err(|e| LoadError::NotUtf8 {
        path: path.to_path_buf(),
        line: 1,
        offset: (bom + e.valid_up_to()) as u64,
        byte: line[e.valid_up_to()],
    })?;
    let names = split_header(text);
    let data_start = (bom + end + 1).min(bom + body.len());
    Ok((names, (data_start as u64, 2)))
}

/// Splits a header line on commas, honouring double quotes; names are trimmed.
fn split_header(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => out.push(std::mem::take(&mut cur).trim().to_string()),
            c => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

fn parquet_header(path: &Path) -> Result<Vec<String>, LoadError> {
    let file = File::open(path).map_err(|source| LoadError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if file.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
            expected: "a Parquet file".into(),
        });
    }
    let schema = ParquetReader::new(file)
        .schema()
        .map_err(|e| LoadError::Read {
            path: path.to_path_buf(),
            message: format!("not a readable Parquet file: {e}"),
        })?;
    Ok(schema.iter_names().map(|n| n.to_string()).collect())
}

fn check_duplicates(path: &Path, header: &[String]) -> Result<(), LoadError> {
    for (j, name) in header.iter().enumerate() {
        if let Some(i) = header[..j].iter().position(|h| h == name) {
            return Err(LoadError::DuplicateColumn {
                path: path.to_path_buf(),
                name: name.clone(),
                first: i + 1,
                second: j + 1,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_split_honours_quotes() {
        assert_eq!(
            split_header(r#"date, "sku, id" ,"a""b""#),
            vec!["date", "sku, id", "a\"b"]
        );
    }

    #[test]
    fn record_boundary_skips_newlines_in_quotes() {
        let buf = b"a,b\n1,\"x\ny\"\n2,\"z\n";
        // The last newline is inside an open quote; the one before ends record 1.
        assert_eq!(last_record_boundary(buf), Some(12));
        assert_eq!(last_record_boundary(b"no newline"), None);
    }

    #[test]
    fn line_map_counts_quoted_newlines_and_blank_lines() {
        let bytes = b"1,\"a\nb\"\n\n2,c\r\n3,d\n";
        let map = LineMap {
            bytes,
            first_line: 2,
            starts: OnceCell::new(),
        };
        assert_eq!(map.compute(), vec![2, 4, 5, 6]);
    }
}
