//! Fuzzing the readers with proptest: random bytes, structured-but-corrupted CSVs and Parquet
//! files with odd column types fed to every input loader, and random TOML-ish text to the
//! config loader.
//!
//! Properties: no input makes a reader panic; a file that loads accounts for every data row
//! (`rows_read == rows_accepted + rows_rejected`, and the reject log holds at least
//! `rows_rejected + cells_rejected` entries); a file that does not load gives an error that
//! names the file. Case counts are small so that `cargo test` stays quick in debug builds
//! (see [`cases`]); run more with e.g. `PROPTEST_CASES=5000 cargo test --test tests fuzz`
//! (see docs/development.md).

use std::{collections::BTreeMap, path::Path};

use proptest::{prelude::*, test_runner::Config as PtConfig};
use replenish::{
    config::Config,
    io::{
        events::load_events,
        inventory::load_inventory,
        items::{load_items, ItemDefaults},
        overrides::load_overrides,
        parse::day_of,
        purchase_orders::load_purchase_orders,
        rejects::RejectLog,
        sales::{load_sales, DateWindow, SalesLimits},
        suppliers::load_suppliers,
        ColumnType, FileStats, InputKind,
    },
};

/// Cases per property: `PROPTEST_CASES` when set, else `default` (chosen so that the whole
/// file runs in about 15 s in a debug build on one core).
fn cases(default: u32) -> PtConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    PtConfig {
        cases: n,
        // Shrinking re-runs loaders many times; a failure prints its input anyway.
        max_shrink_iters: 200,
        failure_persistence: None,
        ..PtConfig::default()
    }
}

/// Loads `path` as input `kind` with every default; the file's row counts and the number of
/// rejects logged, or the error message.
fn load(kind: InputKind, path: &Path) -> Result<(FileStats, usize), String> {
    let map = BTreeMap::new();
    let mut log = RejectLog::new(path);
    let stats = match kind {
        InputKind::Sales => {
            let window = DateWindow {
                earliest: day_of(chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()),
                before: day_of(chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap()),
                before_is: "the planning date 2030-01-01".into(),
            };
            load_sales(path, &map, &window, &SalesLimits::default(), &mut log).map(|s| s.stats.file)
        }
        InputKind::PurchaseOrders => load_purchase_orders(path, &map, &mut log).map(|r| r.1),
        InputKind::Inventory => load_inventory(path, &map, &mut log).map(|r| r.1),
        InputKind::Items => load_items(path, &map, &ItemDefaults::default(), &mut log).map(|r| r.1),
        InputKind::Overrides => load_overrides(path, &map, &mut log).map(|r| r.1),
        InputKind::Events => load_events(path, &map, &mut log).map(|r| r.1),
        InputKind::Suppliers => load_suppliers(path, &map, &mut log).map(|r| r.1),
    };
    stats.map(|s| (s, log.len())).map_err(|e| e.to_string())
}

/// Writes `bytes` to a file named `name` in a fresh folder, loads it as `kind` and checks the
/// properties; returns whether it loaded.
fn check(kind: InputKind, name: &str, bytes: &[u8]) -> Result<bool, TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    match load(kind, &path) {
        Ok((s, logged)) => {
            prop_assert_eq!(s.rows_read, s.rows_accepted + s.rows_rejected, "{:?}", s);
            prop_assert!(
                logged as u64 >= s.rows_rejected + s.cells_rejected,
                "{:?}",
                s
            );
            prop_assert!(s.rows_read > 0, "a loaded file has rows");
            Ok(true)
        }
        Err(msg) => {
            prop_assert!(msg.contains(name), "error without the file name: {msg}");
            Ok(false)
        }
    }
}

fn kind() -> impl Strategy<Value = InputKind> {
    prop::sample::select(InputKind::ALL.to_vec())
}

/// A cell: numbers of every shape, dates, barcodes, quotes, line breaks, BOMs, NULs,
/// non-finite values and unicode.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (-1000i64..100_000).prop_map(|v| v.to_string()),
        2 => (-1e6f64..1e6).prop_map(|v| format!("{v}")),
        2 => (2000i32..2031, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        1 => prop::sample::select(vec![
            "", " ", "0", "-0", "1e308", "-1e308", "1e309", "NaN", "nan", "inf", "-inf",
            "Infinity", "4006381333931", "9999999999999999999999", "1,234", "12,5", "1.2.3",
            "0x1F", "+5", ".5", "5.", "e5", "2024-02-30", "2024-13-01", "0000-01-01",
            "9999-12-31", "-2024-01-01", "2024-01-01T25:00", "2024-01-01 10:00:00+02:00",
            "31/12/2024", "true", "yes", "2", "\"", "\"\"", "\"a,b\"", "\"x\ny\"",
            "\"unterminated", "a\"b", "\r", "\n", "\r\n", "\u{feff}", "\u{0}", "x\u{0}y",
            "ü", "日本", "🦀", "\u{202e}rtl", "\t", ";", "|", "#", "SKU00001", "SUP001", "CAT01",
        ])
        .prop_map(str::to_string),
        1 => "[ -~]{0,12}",
        1 => "\\PC{0,6}",
    ]
}

/// A header: the contract's columns of `kind` (required ones always, optional ones with
/// probability 0.85 each, shuffled) plus junk names.
fn header(kind: InputKind) -> impl Strategy<Value = Vec<String>> {
    let specs = kind.columns();
    (
        prop::collection::vec(prop::bool::weighted(0.85), specs.len()),
        prop::collection::vec(
            prop_oneof![
                Just("junk".to_string()),
                Just("SKU".to_string()),
                Just(String::new()),
                Just("\"quoted, name\"".to_string()),
                "[a-z_]{1,8}",
            ],
            0..3,
        ),
        any::<u64>(),
    )
        .prop_map(move |(keep, junk, seed)| {
            let mut cols: Vec<String> = specs
                .iter()
                .zip(keep)
                .filter(|(c, k)| c.required || *k)
                .map(|(c, _)| c.name.to_string())
                .chain(junk)
                .collect();
            // A cheap deterministic shuffle.
            let mut x = seed | 1;
            for i in (1..cols.len()).rev() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                cols.swap(i, (x % (i as u64 + 1)) as usize);
            }
            cols
        })
}

/// A cell for column `name` of `kind`: mostly a plausible value of the column's type (so that
/// rows get past the required cells), sometimes any [`cell`].
fn typed_cell(kind: InputKind, name: &str) -> BoxedStrategy<String> {
    let Some(spec) = kind.columns().iter().find(|c| c.name == name) else {
        return cell().boxed();
    };
    let typed: BoxedStrategy<String> = match spec.ty {
        ColumnType::Date => (2020i32..2026, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
            .boxed(),
        ColumnType::Number => prop_oneof![
            (0u32..500).prop_map(|v| v.to_string()),
            prop::sample::select(vec![
                "0", "0.25", "0.95", "25", "95", "100", "1", "12", "-1", ""
            ])
            .prop_map(str::to_string),
        ]
        .boxed(),
        ColumnType::Flag => prop::sample::select(vec!["0", "1", "", "yes", "2"])
            .prop_map(str::to_string)
            .boxed(),
        ColumnType::Text => "(SKU|SUP|CAT|W)0{0,3}[1-5]".boxed(),
    };
    prop_oneof![4 => typed, 1 => cell()].boxed()
}

/// A CSV of `kind`: a header, rows of typed and random cells (sometimes too few or too many),
/// random line ends, an optional BOM, blank lines.
fn csv(kind: InputKind) -> impl Strategy<Value = Vec<u8>> {
    header(kind).prop_flat_map(move |header| {
        let row: Vec<BoxedStrategy<String>> = header.iter().map(|h| typed_cell(kind, h)).collect();
        let ragged = (
            row,
            prop::option::weighted(0.05, prop::collection::vec(cell(), 1..3)),
            prop::option::weighted(0.05, any::<prop::sample::Index>()),
        )
            .prop_map(|(mut cells, extra, cut)| {
                cells.extend(extra.unwrap_or_default());
                if let Some(cut) = cut {
                    cells.truncate(cut.index(cells.len().max(1)));
                }
                cells
            });
        (
            Just(header),
            prop::collection::vec(ragged, 0..12),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(header, rows, bom, crlf, blank)| {
                let eol = if crlf { "\r\n" } else { "\n" };
                let mut text = String::new();
                if bom {
                    text.push('\u{feff}');
                }
                text.push_str(&header.join(","));
                for (i, row) in rows.iter().enumerate() {
                    text.push_str(eol);
                    if blank && i % 5 == 4 {
                        text.push_str(eol);
                    }
                    text.push_str(&row.join(","));
                }
                text.into_bytes()
            })
    })
}

/// A CSV with valid cells for the contract's columns, then a few bytes overwritten.
fn corrupted(kind: InputKind) -> impl Strategy<Value = Vec<u8>> {
    (
        csv(kind),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    )
        .prop_map(|(mut bytes, edits)| {
            if !bytes.is_empty() {
                for (at, b) in edits {
                    let i = at.index(bytes.len());
                    bytes[i] = b;
                }
            }
            bytes
        })
}

proptest! {
    #![proptest_config(cases(150))]

    /// Random bytes as a CSV of every input: no panic, rows accounted for, errors name the file.
    #[test]
    fn random_bytes_as_csv(kind in kind(), bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check(kind, "random.csv", &bytes)?;
    }

    /// Random bytes after a valid header: the loaders get as far as the rows.
    #[test]
    fn random_bytes_below_a_valid_header(
        kind in kind(),
        bytes in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut text = kind.canonical_columns().join(",").into_bytes();
        text.push(b'\n');
        text.extend(bytes);
        check(kind, "below_header.csv", &text)?;
    }

    /// Random bytes as a Parquet file.
    #[test]
    fn random_bytes_as_parquet(kind in kind(), bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut b = b"PAR1".to_vec();
        b.extend(bytes);
        b.extend(b"PAR1");
        check(kind, "random.parquet", &b)?;
    }
}

proptest! {
    #![proptest_config(cases(300))]

    /// Structured CSVs with corrupted cells, for every input.
    #[test]
    fn structured_csv(kind in kind(), bytes in kind().prop_flat_map(csv)) {
        check(kind, "structured.csv", &bytes)?;
    }

    /// Structured CSVs of the right input with a few bytes overwritten.
    #[test]
    fn corrupted_csv((kind, bytes) in kind().prop_flat_map(|k| (Just(k), corrupted(k)))) {
        check(kind, "corrupted.csv", &bytes)?;
    }

    /// Structured CSVs of the right input (the loader gets past the header most of the time).
    #[test]
    fn structured_csv_of_its_input((kind, bytes) in kind().prop_flat_map(|k| (Just(k), csv(k)))) {
        check(kind, "own.csv", &bytes)?;
    }
}

/// One column of odd type for a Parquet file, named after a contract column.
fn odd_column(name: &str, pick: u8, n: usize, seed: i64) -> polars::prelude::Column {
    use polars::prelude::*;
    let name: PlSmallStr = name.into();
    let i = |k: usize| {
        seed.wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(k as i64)
    };
    match pick % 11 {
        0 => Column::new(name, (0..n).map(|k| i(k) as i32).collect::<Vec<_>>()),
        1 => Column::new(name, (0..n).map(|k| i(k) as u64).collect::<Vec<_>>()),
        2 => Column::new(
            name,
            (0..n)
                .map(|k| [f32::NAN, f32::INFINITY, -0.0, 1e38, 2.5][k % 5])
                .collect::<Vec<_>>(),
        ),
        3 => Column::new(name, (0..n).map(|k| k % 2 == 0).collect::<Vec<_>>()),
        4 => Column::new(
            name,
            (0..n)
                .map(|k| [i32::MAX, i32::MIN, 0, 19_723, -719_163, 2_000_000_000][k % 6])
                .collect::<Vec<i32>>(),
        )
        .cast(&DataType::Date)
        .unwrap(),
        5 => Column::new(
            name,
            (0..n)
                .map(|k| [i64::MAX, i64::MIN, 0, 1_700_000_000_000, -1][k % 5])
                .collect::<Vec<i64>>(),
        )
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
        .unwrap(),
        6 => Column::new(
            name,
            (0..n)
                .map(|k| Some(i(k)).filter(|_| k % 3 != 0))
                .collect::<Vec<Option<i64>>>(),
        ),
        7 => Column::new(
            name,
            (0..n)
                .map(|k| ["SKU1", "", " ", "2024-01-01", "4006381333931", "ü\u{0}"][k % 6])
                .collect::<Vec<_>>(),
        ),
        8 => Column::new(
            name,
            (0..n).map(|k| i(k) as f64 * 1e300).collect::<Vec<f64>>(),
        ),
        9 => Column::new(
            name,
            (0..n)
                .map(|k| Some(k as f32).filter(|_| k % 2 == 0))
                .collect::<Vec<Option<f32>>>(),
        ),
        _ => Column::new(
            name,
            (0..n).map(|k| u32::MAX - k as u32).collect::<Vec<u32>>(),
        ),
    }
}

proptest! {
    #![proptest_config(cases(60))]

    /// Valid Parquet files written by polars with odd column types (small and huge integers,
    /// NaN and infinite floats, extreme dates and datetimes, nulls) under the
    /// contract's names.
    #[test]
    fn parquet_with_odd_types(
        kind in kind(),
        picks in prop::collection::vec(any::<u8>(), 1..8),
        rows in 1usize..20,
        seed in any::<i64>(),
    ) {
        use polars::prelude::*;
        let names = kind.canonical_columns();
        let cols: Vec<Column> = picks
            .iter()
            .enumerate()
            .map(|(j, p)| odd_column(names[j % names.len()], *p, rows, seed))
            .collect();
        // Repeated names would be a duplicate-column error: keep the first of each.
        let mut seen = std::collections::BTreeSet::new();
        let cols: Vec<Column> = cols.into_iter().filter(|c| seen.insert(c.name().clone())).collect();
        let mut df = DataFrame::new(rows, cols).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("odd.parquet");
        let file = std::fs::File::create(&path).unwrap();
        ParquetWriter::new(file).finish(&mut df).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        check(kind, "odd.parquet", &bytes)?;
    }
}

/// TOML-ish config text: sections and keys of the real config mixed with junk, values of every
/// TOML type and some that are not TOML.
fn config_text() -> impl Strategy<Value = String> {
    let section = prop::sample::select(vec![
        "inputs",
        "columns.sales",
        "columns.items",
        "validation",
        "calendar",
        "defaults",
        "forecast",
        "lead_time",
        "policy",
        "policy.coverage.A",
        "suppliers.SUP001",
        "simulation",
        "report",
        "nonsense",
        "",
        "inputs.x",
    ]);
    let key = prop::sample::select(vec![
        "sales",
        "items",
        "max_reject_share",
        "earliest_date",
        "freq",
        "planning_date",
        "history_start",
        "service_level",
        "holding_rate",
        "pack_size",
        "moq",
        "horizon",
        "models",
        "quantiles",
        "folds",
        "season",
        "min_receipts",
        "window_days",
        "policy",
        "service_targets",
        "order_days",
        "seed",
        "draws",
        "days",
        "replications",
        "scenarios",
        "min_order_value",
        "top_skus",
        "width",
        "sku",
        "typo_key",
        "lock_from",
    ]);
    let value = prop_oneof![
        (-1e12f64..1e12).prop_map(|v| format!("{v}")),
        any::<i64>().prop_map(|v| v.to_string()),
        prop::sample::select(vec![
            "0",
            "-1",
            "1.0",
            "0.95",
            "95",
            "nan",
            "inf",
            "-inf",
            "1e400",
            "true",
            "false",
            "\"day\"",
            "\"week\"",
            "\"month\"",
            "\"hourly\"",
            "\"\"",
            "\"data/sales.csv\"",
            "2024-01-01",
            "2024-02-30",
            "\"2024-01-01\"",
            "[]",
            "[0.5, 0.9]",
            "[1, \"a\"]",
            "{ A = 0.98, B = 0.95 }",
            "{ A = 2 }",
            "[[x]]",
            "\"unterminated",
            "'lit'",
            "\"\"\"multi\nline\"\"\"",
            "9999999999999999999999",
            "\"ets\"",
            "[\"naive\"]",
        ])
        .prop_map(str::to_string),
        "\\PC{0,8}",
    ];
    prop::collection::vec(
        (
            prop::option::weighted(0.3, section),
            prop::collection::vec((key, value), 0..4),
        ),
        0..6,
    )
    .prop_map(|blocks| {
        let mut s = String::new();
        for (sec, kvs) in blocks {
            if let Some(sec) = sec {
                s.push_str(&format!("[{sec}]\n"));
            }
            for (k, v) in kvs {
                s.push_str(&format!("{k} = {v}\n"));
            }
        }
        s
    })
}

proptest! {
    #![proptest_config(cases(1500))]

    /// The config loader on TOML-ish text: no panic; an accepted config passes its own check; a
    /// file that does not parse gives an error naming the file.
    #[test]
    fn config_text_never_panics(text in config_text()) {
        if let Ok(c) = Config::from_toml_str(&text) {
            prop_assert!(c.check().is_ok());
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fuzz.toml");
        std::fs::write(&path, &text).unwrap();
        if let Err(e) = Config::from_file(&path) {
            let msg = e.to_string();
            prop_assert!(
                msg.contains("fuzz.toml") || msg.starts_with("invalid setting"),
                "{msg}"
            );
        }
    }

    /// The config loader on random text.
    #[test]
    fn config_random_text_never_panics(text in "\\PC{0,200}") {
        if let Ok(c) = Config::from_toml_str(&text) {
            prop_assert!(c.check().is_ok());
        }
    }
}
