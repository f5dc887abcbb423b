//! The bad-input corpus (`tests/data/bad/`): one small file per problem real exports have,
//! each asserting its specific error or reject reason, and that nothing was silently dropped.

use crate::util::{assert_balanced, data, error_of, load_sales, total_units};

// ---- structural problems: an error naming the file, nothing loaded ----

#[test]
fn missing_file_names_the_path() {
    let msg = error_of("bad/does_not_exist.csv");
    assert!(
        msg.contains("cannot read") && msg.contains("does_not_exist.csv"),
        "{msg}"
    );
}

#[test]
fn empty_file() {
    let msg = error_of("bad/empty.csv");
    assert!(msg.contains("empty.csv is empty"), "{msg}");
    assert!(
        msg.contains("date, sku, quantity"),
        "names the expected columns: {msg}"
    );
}

#[test]
fn header_only() {
    let msg = error_of("bad/header_only.csv");
    assert!(msg.contains("header row but no data rows"), "{msg}");
    let msg = error_of("bad/header_and_blank_lines.csv");
    assert!(msg.contains("no data rows"), "{msg}");
}

#[test]
fn wrong_delimiter_is_named() {
    let msg = error_of("bad/semicolon.csv");
    assert!(
        msg.contains("separated by ';'") && msg.contains("expects commas"),
        "{msg}"
    );
    let msg = error_of("bad/tab.csv");
    assert!(msg.contains("separated by '\t'"), "{msg}");
}

#[test]
fn missing_column_lists_found_columns_and_the_mapping_fix() {
    let msg = error_of("bad/missing_column.csv");
    assert!(msg.contains("required column 'sku' not found"), "{msg}");
    assert!(msg.contains("date, item, quantity"), "{msg}");
    assert!(msg.contains("[columns.sales] sku ="), "{msg}");
}

#[test]
fn duplicate_column_names() {
    let msg = error_of("bad/duplicate_columns.csv");
    assert!(
        msg.contains("column 'sku' appears twice") && msg.contains("columns 2 and 4"),
        "{msg}"
    );
}

#[test]
fn non_utf8_bytes_give_line_and_byte() {
    let msg = error_of("bad/latin1.csv");
    assert!(
        msg.contains("line 3") && msg.contains("0xe9") && msg.contains("UTF-8"),
        "{msg}"
    );
}

#[test]
fn unsupported_extension_and_broken_parquet() {
    let msg = error_of("bad/sales.xlsx");
    assert!(msg.contains("unsupported file type 'xlsx'"), "{msg}");
    let msg = error_of("bad/garbage.parquet");
    assert!(
        msg.contains("garbage.parquet") && msg.contains("Parquet"),
        "{msg}"
    );
}

#[test]
fn structural_error_writes_no_output() {
    let mut config = replenish::config::Config::default();
    config.inputs.sales = Some(data("bad/semicolon.csv"));
    let out = tempfile::tempdir().unwrap();
    assert!(replenish::validate::load_and_validate(&config, out.path()).is_err());
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

// ---- what real exports contain: accepted, with the right numbers ----

#[test]
fn bom_and_crlf_are_accepted() {
    let l = load_sales("bad/bom_crlf.csv").unwrap();
    assert_balanced(&l);
    assert_eq!(l.report.files[0].stats.rows_accepted, 2);
    assert!((total_units(&l) - 3.0).abs() < 1e-12);
    assert_eq!(l.series[0].sku, "A");
}

#[test]
fn quoted_fields_keep_commas_and_quotes() {
    let l = load_sales("bad/quoted_commas.csv").unwrap();
    assert_balanced(&l);
    let skus: Vec<&str> = l.series.iter().map(|s| s.sku.as_str()).collect();
    assert_eq!(skus, vec!["A,1", "say \"hi\""]);
}

#[test]
fn trailing_blank_lines_are_counted_not_rows() {
    let l = load_sales("bad/trailing_blank_lines.csv").unwrap();
    assert_balanced(&l);
    let f = &l.report.files[0].stats;
    assert_eq!((f.rows_read, f.rows_rejected, f.blank_lines), (2, 0, 3));
}

#[test]
fn duplicate_rows_for_a_day_are_summed_and_counted() {
    let l = load_sales("bad/duplicate_rows.csv").unwrap();
    assert_balanced(&l);
    assert_eq!(l.report.sales.duplicate_rows, 1);
    assert_eq!(l.series[0].values, vec![3.0, 3.0]);
}

#[test]
fn negative_quantities_are_netted_and_counted_as_returns() {
    let l = load_sales("bad/negative_quantity.csv").unwrap();
    assert_balanced(&l);
    assert_eq!(l.report.sales.return_rows, 1);
    assert!((l.report.sales.returned_units - 2.0).abs() < 1e-12);
    assert_eq!(l.series[0].values, vec![5.0, -2.0, 1.0]);
}

#[test]
fn datetimes_use_their_date() {
    let l = load_sales("bad/datetimes.csv").unwrap();
    assert_balanced(&l);
    assert_eq!(l.series[0].values, vec![3.0, 3.0]);
}

// ---- row problems: a reject with line, column, value and reason ----

fn single_reject(rel: &str) -> replenish::io::rejects::Reject {
    let l = load_sales(rel).unwrap();
    assert_balanced(&l);
    assert_eq!(l.rejects.len(), 1, "{rel}: {:?}", l.rejects);
    l.rejects[0].clone()
}

#[test]
fn thousands_separator_is_rejected_not_misread() {
    let l = load_sales("bad/thousands_separator.csv").unwrap();
    assert_balanced(&l);
    assert_eq!(l.rejects.len(), 2);
    let (a, b) = (&l.rejects[0], &l.rejects[1]);
    assert_eq!(
        (a.line, a.column.as_str(), a.value.as_str()),
        (3, "quantity", "1,234")
    );
    assert!(a.reason.contains("thousands separator"), "{}", a.reason);
    assert_eq!((b.line, b.value.as_str()), (4, "12,5"));
    assert!(b.reason.contains("decimal comma"), "{}", b.reason);
    // Only the good row's unit is in the series.
    assert!((total_units(&l) - 1.0).abs() < 1e-12);
}

#[test]
fn impossible_and_ambiguous_dates() {
    let l = load_sales("bad/bad_dates.csv").unwrap();
    assert_balanced(&l);
    let reasons: Vec<(u64, &str)> = l
        .rejects
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 2);
    assert_eq!(reasons[0].0, 3);
    assert!(reasons[0].1.contains("no such calendar day: 2024-02-30"));
    assert_eq!(reasons[1].0, 4);
    assert!(reasons[1].1.contains("ambiguous"));
    let r = single_reject("bad/not_a_date.csv");
    assert_eq!(
        (r.line, r.column.as_str(), r.value.as_str()),
        (3, "date", "yesterday")
    );
    assert!(r.reason.contains("expected YYYY-MM-DD"));
}

#[test]
fn non_numeric_and_nan_quantities() {
    let r = single_reject("bad/non_numeric_quantity.csv");
    assert_eq!(
        (r.line, r.column.as_str(), r.value.as_str()),
        (3, "quantity", "abc")
    );
    assert!(r.reason.contains("not a number"));
    let r = single_reject("bad/nan_quantity.csv");
    assert_eq!(r.value, "NaN");
}

#[test]
fn missing_key() {
    let r = single_reject("bad/missing_sku.csv");
    assert_eq!((r.line, r.column.as_str()), (3, "sku"));
    assert!(r.reason.contains("missing value"));
}

#[test]
fn row_with_too_many_fields() {
    let r = single_reject("bad/too_many_fields.csv");
    assert_eq!(r.line, 3);
    assert!(r.reason.contains("more fields than the header"));
}

#[test]
fn line_numbers_count_newlines_inside_quotes() {
    let r = single_reject("bad/quoted_newline.csv");
    assert_eq!((r.line, r.value.as_str()), (4, "x"));
}

#[test]
fn invalid_flag() {
    let r = single_reject("bad/bad_flag.csv");
    assert_eq!(
        (r.line, r.column.as_str(), r.value.as_str()),
        (3, "promo", "maybe")
    );
    assert!(r.reason.contains("0/1 flag"));
}

#[test]
fn too_many_rejects_fails_but_writes_rejects_csv() {
    let mut config = replenish::config::Config::default();
    config.inputs.sales = Some(data("bad/non_numeric_quantity.csv"));
    let out = tempfile::tempdir().unwrap();
    let msg = replenish::validate::load_and_validate(&config, out.path())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("1 of 2 rows rejected (50.00%)") && msg.contains("limit of 1.00%"),
        "{msg}"
    );
    let rejects = std::fs::read_to_string(out.path().join("rejects.csv")).unwrap();
    assert_eq!(rejects.lines().count(), 2, "header + one reject: {rejects}");
    assert!(rejects.contains(",3,quantity,abc,"), "{rejects}");
}

// ---- the other inputs ----

fn load_with(kind: &str, rel: &str) -> replenish::validate::Loaded {
    let mut config = replenish::config::Config::default();
    config.inputs.sales = Some(data("bad/duplicate_rows.csv"));
    let path = Some(data(rel));
    match kind {
        "purchase_orders" => config.inputs.purchase_orders = path,
        "inventory" => config.inputs.inventory = path,
        "items" => config.inputs.items = path,
        _ => unreachable!(),
    }
    config.validation.max_reject_share = 1.0;
    let out = tempfile::tempdir().unwrap();
    replenish::validate::load_and_validate(&config, out.path()).unwrap()
}

#[test]
fn purchase_order_rows() {
    let l = load_with("purchase_orders", "bad/purchase_orders.csv");
    assert_balanced(&l);
    let reasons: Vec<(u64, &str)> = l
        .rejects
        .iter()
        .map(|r| (r.line, r.column.as_str()))
        .collect();
    assert_eq!(reasons, vec![(2, "receipt_date"), (3, "quantity")]);
    assert_eq!(l.purchase_orders.len(), 2);
    assert_eq!(l.purchase_orders[0].lead_time_days(), Some(10));
    assert!(l.purchase_orders[1].is_open());
    assert_eq!(l.report.open_orders, 1);
}

#[test]
fn inventory_rows() {
    let l = load_with("inventory", "bad/inventory.csv");
    assert_balanced(&l);
    let got: Vec<(u64, &str)> = l
        .rejects
        .iter()
        .map(|r| (r.line, r.column.as_str()))
        .collect();
    assert_eq!(got, vec![(3, "sku"), (4, "on_hand"), (5, "backordered")]);
    assert!(l.rejects[0].reason.contains("duplicate") && l.rejects[0].reason.contains("line 2"));
    assert_eq!(l.inventory.len(), 1);
}

#[test]
fn item_rows_and_cross_checks() {
    let l = load_with("items", "bad/items.csv");
    assert_balanced(&l);
    let got: Vec<(u64, &str)> = l
        .rejects
        .iter()
        .map(|r| (r.line, r.column.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "sku"),
            (4, "service_level"),
            (5, "pack_size"),
            (6, "unit_cost")
        ]
    );
    assert!(l.rejects[1].reason.contains("0.95 for 95%"));
    // Only the duplicate sku rejects its row; the bad optional cells of B, C and D are
    // rejected alone, and the rest of their rows is used (cell-level rejects).
    let stats = &l.report.files[1].stats;
    assert_eq!(
        (
            stats.rows_accepted,
            stats.rows_rejected,
            stats.cells_rejected
        ),
        (4, 1, 3)
    );
    let item = |sku: &str| l.items.iter().find(|i| i.sku == sku).unwrap();
    assert_eq!(
        (item("B").service_level, item("B").unit_cost),
        (None, Some(2.0))
    );
    assert_eq!(
        (item("C").pack_size, item("C").service_level),
        (None, Some(0.9))
    );
    assert_eq!(item("D").unit_cost, None);
    assert!(
        l.rejects[1].reason.contains("did you mean 0.95?"),
        "{}",
        l.rejects[1].reason
    );
    assert!(l.rejects[2]
        .reason
        .contains("at least 1 (1 = single units)"));
    assert!(l.rejects[3]
        .reason
        .contains("The default 0 ([defaults] unit_cost) is used"));
    // Sold SKU A is in the item master; nothing else sold.
    assert!(l.report.missing_from_items.is_empty());
}

#[test]
fn typo_years_are_rejected_not_stretched_into_centuries() {
    let l = load_sales("bad/typo_years.csv").unwrap();
    assert_balanced(&l);
    let got: Vec<(u64, &str)> = l
        .rejects
        .iter()
        .map(|r| (r.line, r.value.as_str()))
        .collect();
    assert_eq!(got, vec![(3, "2204-01-02"), (4, "1900-01-01")]);
    assert!(
        l.rejects[0].reason.contains("run date"),
        "{}",
        l.rejects[0].reason
    );
    assert!(
        // A lone 1900-01-01 before a gap of 124 years: a placeholder, not a fixed earliest date.
        l.rejects[1].reason.contains("placeholder"),
        "{}",
        l.rejects[1].reason
    );
    // The series spans the three real days only.
    assert_eq!(l.series[0].values, vec![1.0, 0.0, 1.0]);
}
