//! Loading the inputs (sales, purchase orders, inventory, item master, and the planner's optional
//! overrides, known future events and several suppliers per SKU) from CSV or Parquet
//! with polars, validating every row, collecting rejects, and writing outputs atomically.
//!
//! This module is the polars boundary: it hands the rest of the program typed records
//! ([`sales::SalesData`], [`purchase_orders::PurchaseOrderLine`], [`inventory::InventoryRecord`],
//! [`items::ItemRecord`]), never DataFrames. It decides what a usable row is; it does not
//! bucket, forecast or plan.
//!
//! Structural problems (missing file, missing column, wrong delimiter, empty file, header only,
//! bytes that are not UTF-8, duplicate column names) are [`LoadError`]s naming the file. A row
//! that cannot be used is a [`rejects::Reject`] with file, line, column, value and reason; the
//! invariant `rows_read == rows_accepted + rows_rejected` holds for every file. A bad *optional*
//! cell of the item master (and the inventory's `as_of`, a purchase order's `expected_date`)
//! is rejected alone ([`FileStats::cells_rejected`]): the row is accepted and the field takes
//! its default.

pub mod anomalies;
pub mod atomic;
pub mod cells;
pub mod events;
pub mod inventory;
pub mod items;
pub mod locations;
pub mod overrides;
pub mod parse;
pub mod purchase_orders;
pub mod rejects;
pub mod rows;
pub mod sales;
pub mod suppliers;
pub mod table;
pub mod text_table;

use std::path::{Path, PathBuf};

use serde::Serialize;

/// The inputs of the data contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// Sales history.
    Sales,
    /// Purchase-order history.
    PurchaseOrders,
    /// Inventory snapshot.
    Inventory,
    /// Item master.
    Items,
    /// The planner's per-SKU overrides.
    Overrides,
    /// Known future events (promotions, peaks).
    Events,
    /// Several suppliers per SKU: each one's price, lead time and priority.
    Suppliers,
}

/// How a column's cells are parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text (SKU, supplier, location, category).
    Text,
    /// A date `YYYY-MM-DD` or a datetime `YYYY-MM-DD HH:MM[:SS]` / ISO 8601 (the date part is used).
    Date,
    /// A number with `.` as decimal point; thousands separators are rejected.
    Number,
    /// A 0/1 flag (also `true`/`false`, `yes`/`no`).
    Flag,
}

/// One column of the data contract.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    /// Canonical name (as in the data contract).
    pub name: &'static str,
    /// Whether the column must be present.
    pub required: bool,
    /// How cells are parsed.
    pub ty: ColumnType,
}

const fn col(name: &'static str, required: bool, ty: ColumnType) -> ColumnSpec {
    ColumnSpec { name, required, ty }
}

use ColumnType::{Date, Flag, Number, Text};

const SALES: &[ColumnSpec] = &[
    col("date", true, Date),
    col("sku", true, Text),
    col("quantity", true, Number),
    col("location", false, Text),
    col("promo", false, Flag),
    col("price", false, Number),
    col("stockout", false, Flag),
];

const PURCHASE_ORDERS: &[ColumnSpec] = &[
    col("sku", true, Text),
    col("supplier", false, Text),
    col("order_date", true, Date),
    col("receipt_date", false, Date),
    col("quantity", true, Number),
    col("quantity_received", false, Number),
    col("expected_date", false, Date),
];

const INVENTORY: &[ColumnSpec] = &[
    col("sku", true, Text),
    col("on_hand", true, Number),
    col("on_order", false, Number),
    col("backordered", false, Number),
    col("location", false, Text),
    col("as_of", false, Date),
];

const ITEMS: &[ColumnSpec] = &[
    col("sku", true, Text),
    col("supplier", false, Text),
    col("unit_cost", false, Number),
    col("price", false, Number),
    col("order_cost", false, Number),
    col("holding_rate", false, Number),
    col("moq", false, Number),
    col("pack_size", false, Number),
    col("lead_time_days", false, Number),
    col("review_period_days", false, Number),
    col("service_level", false, Number),
    col("shortage_cost", false, Number),
    col("patience_days", false, Number),
    col("category", false, Text),
    col("like_sku", false, Text),
    col("reorder_point", false, Number),
    col("order_quantity", false, Number),
    col("order_up_to", false, Number),
    col("volume", false, Number),
    col("weight", false, Number),
];

const OVERRIDES: &[ColumnSpec] = &[
    col("sku", true, Text),
    col("model", false, Text),
    col("service_level", false, Number),
    col("safety_stock", false, Number),
    col("safety_stock_days", false, Number),
    col("reorder_point", false, Number),
    col("order_quantity", false, Number),
    col("order_days", false, Number),
    col("min", false, Number),
    col("max", false, Number),
    col("order_up_to", false, Number),
    col("multiplier", false, Number),
    col("from", false, Date),
    col("to", false, Date),
    col("do_not_order", false, Flag),
    col("discontinued", false, Flag),
    col("lock", false, Flag),
    col("note", false, Text),
];

const EVENTS: &[ColumnSpec] = &[
    col("start", true, Date),
    col("end", true, Date),
    col("sku", false, Text),
    col("category", false, Text),
    col("uplift", false, Number),
    col("promo", false, Flag),
    col("name", false, Text),
];

const SUPPLIERS: &[ColumnSpec] = &[
    col("sku", true, Text),
    col("supplier", true, Text),
    col("unit_cost", true, Number),
    col("lead_time", false, Number),
    col("lead_time_sd", false, Number),
    col("priority", false, Number),
    col("moq", false, Number),
    col("pack_size", false, Number),
];

impl InputKind {
    /// All inputs, in pipeline order.
    pub const ALL: [InputKind; 7] = [
        InputKind::Sales,
        InputKind::PurchaseOrders,
        InputKind::Inventory,
        InputKind::Items,
        InputKind::Overrides,
        InputKind::Events,
        InputKind::Suppliers,
    ];

    /// Whether the input is one of the planner's steering files (overrides, events): their
    /// rejected rows are reported but do not count against `[validation] max_reject_share`,
    /// so one mistyped override never stops the nightly run.
    pub fn is_steering(self) -> bool {
        matches!(self, InputKind::Overrides | InputKind::Events)
    }

    /// The name used in the config (`[inputs]`, `[columns.*]`) and in messages.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Sales => "sales",
            InputKind::PurchaseOrders => "purchase_orders",
            InputKind::Inventory => "inventory",
            InputKind::Items => "items",
            InputKind::Overrides => "overrides",
            InputKind::Events => "events",
            InputKind::Suppliers => "suppliers",
        }
    }

    /// The columns of this input in the data contract.
    pub fn columns(self) -> &'static [ColumnSpec] {
        match self {
            InputKind::Sales => SALES,
            InputKind::PurchaseOrders => PURCHASE_ORDERS,
            InputKind::Inventory => INVENTORY,
            InputKind::Items => ITEMS,
            InputKind::Overrides => OVERRIDES,
            InputKind::Events => EVENTS,
            InputKind::Suppliers => SUPPLIERS,
        }
    }

    /// Canonical column names of this input.
    pub fn canonical_columns(self) -> Vec<&'static str> {
        self.columns().iter().map(|c| c.name).collect()
    }
}

/// Row counts of one loaded file. `rows_read == rows_accepted + rows_rejected` always holds;
/// rejects.csv holds `rows_rejected + cells_rejected` rows for the file.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct FileStats {
    /// Data rows read (blank lines are not rows).
    pub rows_read: u64,
    /// Rows that passed validation and were used (including rows with a rejected optional cell).
    pub rows_accepted: u64,
    /// Rows written to rejects.csv.
    pub rows_rejected: u64,
    /// Optional cells of accepted rows that were rejected alone (each a row of rejects.csv; the
    /// field took its default and the rest of the row was used).
    pub cells_rejected: u64,
    /// Blank lines skipped (not counted as rows).
    pub blank_lines: u64,
    /// Columns present in the file that the data contract does not use.
    pub ignored_columns: Vec<String>,
}

impl FileStats {
    /// Share of rows rejected (0 for an empty file).
    pub fn reject_share(&self) -> f64 {
        if self.rows_read == 0 {
            0.0
        } else {
            self.rows_rejected as f64 / self.rows_read as f64
        }
    }
}

/// Errors that stop loading a file. Every message names the file, says what was expected and
/// how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}; check the path given in [inputs] of the config or on the command line")]
    Open {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file extension is neither CSV nor Parquet.
    #[error("{path}: unsupported file type '{ext}'; expected .csv or .parquet")]
    Format {
        /// The file.
        path: PathBuf,
        /// The extension found.
        ext: String,
    },
    /// The file has no bytes at all.
    #[error("{path} is empty; expected a header row naming the columns ({expected}) followed by data rows")]
    Empty {
        /// The file.
        path: PathBuf,
        /// The required columns.
        expected: String,
    },
    /// The file has a header but no data rows.
    #[error("{path} has a header row but no data rows; expected at least one row of data below the header")]
    NoRows {
        /// The file.
        path: PathBuf,
    },
    /// The header is one field holding another delimiter: the file is not comma-separated.
    #[error("{path}: the header is one column containing '{found}': the file seems to be separated by '{found}', but replenish expects commas; re-export it as comma-separated CSV (or save it as Parquet)")]
    Delimiter {
        /// The file.
        path: PathBuf,
        /// The delimiter that seems to be used.
        found: char,
    },
    /// The file contains bytes that are not valid UTF-8.
    #[error("{path}, line {line}: bytes that are not valid UTF-8 (byte 0x{byte:02x} at offset {offset}); re-export the file with UTF-8 encoding")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: u64,
        /// Byte offset of the first invalid byte in the file.
        offset: u64,
        /// The invalid byte.
        byte: u8,
    },
    /// Two header columns have the same name.
    #[error("{path}: column '{name}' appears twice in the header (columns {first} and {second}); rename or remove one of them")]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The repeated name.
        name: String,
        /// 1-based position of the first occurrence.
        first: usize,
        /// 1-based position of the second occurrence.
        second: usize,
    },
    /// A required column is missing.
    #[error("{path}: required column '{looked_for}'{} not found; the file has columns: {found}. Rename the column in the file, or map it in the config: [columns.{input}] {canonical} = \"<your column name>\"", mapped_from(canonical, looked_for))]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The input it was loaded as.
        input: &'static str,
        /// Canonical column name.
        canonical: &'static str,
        /// The name looked for (after mapping).
        looked_for: String,
        /// The header columns found.
        found: String,
    },
    /// polars could not read the file.
    #[error("{path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What polars reported.
        message: String,
    },
    /// More rows were rejected than the configured limit allows.
    #[error("{path}: {rejected} of {read} rows rejected ({share:.2}%), more than the limit of {limit:.2}%; see rejects.csv for each row's line and reason, fix the export, or raise [validation] max_reject_share")]
    TooManyRejects {
        /// The file.
        path: PathBuf,
        /// Rows rejected.
        rejected: u64,
        /// Rows read.
        read: u64,
        /// Share rejected, in percent.
        share: f64,
        /// The limit, in percent.
        limit: f64,
    },
    /// No input was given where one is required.
    #[error(
        "no {input} file given; set [inputs] {input} = \"path\" in the config or pass --{flag}"
    )]
    NoInput {
        /// The input's config name.
        input: &'static str,
        /// The command-line flag.
        flag: &'static str,
    },
    /// Settings of the config name a supplier or category that no input has, so each would
    /// apply to nothing (a typo in `[purchasing.budget_by_supplier]` would leave the budget
    /// unspent without a word). Found after every input is read, before anything is written.
    #[error("{}", unknown_names(config.as_deref(), findings))]
    UnknownNames {
        /// The config file the settings are in, when the config came from one.
        config: Option<PathBuf>,
        /// One message per setting: the key, its value, the closest known names, the fix.
        findings: Vec<String>,
    },
    /// An output file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// The message of [`LoadError::UnknownNames`]: each finding on its own line, after one line
/// naming the config file.
fn unknown_names(config: Option<&Path>, findings: &[String]) -> String {
    let file = config.map_or_else(|| "the config".to_string(), |p| p.display().to_string());
    let n = findings.len();
    let head = if n == 1 {
        format!("{file}: a setting names a supplier or category no input has")
    } else {
        format!("{file}: {n} settings name a supplier or category no input has")
    };
    let mut text = head;
    for f in findings {
        text.push_str("\n  ");
        text.push_str(f);
    }
    text
}

/// " (mapped from 'x')" when the column was looked up under a mapped name.
fn mapped_from(canonical: &str, looked_for: &str) -> String {
    if canonical == looked_for {
        String::new()
    } else {
        format!(" (mapped from '{canonical}')")
    }
}
