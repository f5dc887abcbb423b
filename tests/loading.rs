//! Loading behaviour beyond single bad rows: column mapping, CSV vs Parquet, the planning
//! date, bucket sizes, and generated data end to end.

use std::collections::BTreeMap;

use replenish::{
    calendar::Freq, config::Config, generate::GenerateParams, io::table::Format,
    validate::load_and_validate,
};

use crate::util::{assert_balanced, data, total_units};

#[test]
fn erp_export_loads_with_three_lines_of_mapping() {
    let config = Config::from_file(&data("good/erp.toml")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let l = load_and_validate(&config, out.path()).unwrap();
    assert_balanced(&l);
    assert_eq!(l.series.len(), 1);
    assert_eq!(l.series[0].values, vec![1.0, 2.0]);
    assert_eq!(
        l.report.files[0].stats.ignored_columns,
        vec!["Branch".to_string()]
    );
}

#[test]
fn rows_on_or_after_the_planning_date_are_rejected() {
    let mut config = Config::default();
    config.inputs.sales = Some(data("bad/negative_quantity.csv"));
    config.calendar.planning_date = chrono::NaiveDate::from_ymd_opt(2024, 1, 3);
    config.validation.max_reject_share = 1.0;
    let out = tempfile::tempdir().unwrap();
    let l = load_and_validate(&config, out.path()).unwrap();
    assert_balanced(&l);
    assert_eq!(l.rejects.len(), 1);
    assert_eq!(l.rejects[0].line, 4);
    assert!(l.rejects[0].reason.contains("planning date 2024-01-03"));
}

fn generated(format: Format, dense: bool) -> (tempfile::TempDir, Config) {
    let (dir, config) = crate::util::generated_catalogue(&GenerateParams {
        skus: 40,
        days: 120,
        seed: 11,
        dense,
        format,
        ..GenerateParams::default()
    });
    let items = std::fs::read_to_string(dir.path().join("items.csv")).unwrap();
    assert_eq!(items.lines().count(), 41, "a header and 40 SKUs");
    (dir, config)
}

/// Sums the quantity column of a generated sales CSV with plain string handling, as an
/// independent check of the loader.
fn csv_quantities(path: &std::path::Path) -> (usize, f64) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let q = header.iter().position(|h| *h == "quantity").unwrap();
    let mut rows = 0;
    let mut total = 0.0;
    for line in lines {
        rows += 1;
        total += line.split(',').nth(q).unwrap().parse::<f64>().unwrap();
    }
    (rows, total)
}

#[test]
fn generated_csv_loads_completely_and_conserves_units() {
    let (dir, config) = generated(Format::Csv, false);
    let out = tempfile::tempdir().unwrap();
    let l = load_and_validate(&config, out.path()).unwrap();
    assert_balanced(&l);
    assert!(l.rejects.is_empty(), "{:?}", l.rejects.first());
    let (rows, units) = csv_quantities(&dir.path().join("sales.csv"));
    assert_eq!(l.report.files[0].stats.rows_read, rows as u64);
    assert!((l.report.sales.net_units - units).abs() < 1e-9);
    assert!(
        (total_units(&l) + l.report.buckets.units_outside_window - units).abs() < 1e-9,
        "bucketing conserves the file's units"
    );
    // Every input was loaded, and the generator's messy parts are there.
    assert_eq!(l.report.files.len(), 4);
    assert!(l.report.sales.return_rows > 0 && l.report.sales.duplicate_rows > 0);
    assert!(l.report.sales.stockout_days > 0 && l.report.sales.promo_days > 0);
    assert!(l.purchase_orders.iter().any(|p| p.is_open()));
    assert!(l
        .purchase_orders
        .iter()
        .any(|p| p.quantity_received.is_some()));
}

#[test]
fn csv_and_parquet_give_the_same_series() {
    let (_a, csv) = generated(Format::Csv, true);
    let (_b, pq) = generated(Format::Parquet, true);
    let out = tempfile::tempdir().unwrap();
    let a = load_and_validate(&csv, out.path()).unwrap();
    let b = load_and_validate(&pq, out.path()).unwrap();
    assert_balanced(&b);
    assert_eq!(a.series, b.series);
    assert_eq!(a.report.sales, {
        let mut s = b.report.sales.clone();
        s.file
            .ignored_columns
            .clone_from(&a.report.sales.file.ignored_columns);
        s
    });
    // Dense: one row per SKU and day.
    assert_eq!(b.report.files[0].stats.rows_read, 40 * 120);
}

#[test]
fn weekly_and_monthly_buckets_keep_the_total() {
    let (_dir, mut config) = generated(Format::Csv, false);
    let out = tempfile::tempdir().unwrap();
    let daily = total_units(&load_and_validate(&config, out.path()).unwrap());
    for freq in [Freq::Week, Freq::Month] {
        config.calendar.freq = freq;
        let l = load_and_validate(&config, out.path()).unwrap();
        assert!((total_units(&l) - daily).abs() < 1e-9, "{freq}");
        assert!(l.series.iter().all(|s| s.freq == freq));
        let starts: BTreeMap<&str, chrono::NaiveDate> =
            l.series.iter().map(|s| (s.sku.as_str(), s.start)).collect();
        for start in starts.values() {
            assert_eq!(
                freq.bucket_start(*start),
                *start,
                "series start on a bucket start"
            );
        }
    }
}
