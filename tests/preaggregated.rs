//! Pre-aggregated sales (weekly or monthly totals, each dated on its bucket start): the last
//! bucket counts and the default planning date is the next bucket start; a date off the bucket
//! start keeps the day after the latest sale.

use std::path::Path;

use assert_cmd::Command;
use replenish::{calendar::Freq, config::Config, validate::load_and_validate};

use crate::util::{col, read_csv};

fn replenish() -> Command {
    Command::cargo_bin("replenish").unwrap()
}

/// Writes `sales.csv` (`date,sku,quantity`) into `dir`.
fn write_sales(dir: &Path, rows: &[(String, &str, f64)]) -> std::path::PathBuf {
    let mut text = String::from("date,sku,quantity\n");
    for (date, sku, q) in rows {
        text.push_str(&format!("{date},{sku},{q}\n"));
    }
    let path = dir.join("sales.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// 24 monthly totals on the 1st, January 2023 to December 2024: 100 a month, 400 in the last.
fn monthly() -> Vec<(String, &'static str, f64)> {
    let mut rows = Vec::new();
    for y in [2023, 2024] {
        for m in 1..=12 {
            let q = if (y, m) == (2024, 12) { 400.0 } else { 100.0 };
            rows.push((format!("{y}-{m:02}-01"), "A", q));
        }
    }
    rows
}

/// `forecast --models naive` on `sales` in `freq` buckets: (date, forecast) of each row.
fn naive_forecast(sales: &Path, freq: &str, out: &Path) -> Vec<(String, String)> {
    replenish()
        .args(["forecast", "-q", "--models", "naive", "--horizon", "2"])
        .args(["--freq", freq, "--sales"])
        .arg(sales)
        .arg("--out")
        .arg(out.join("forecast.csv"))
        .assert()
        .success();
    let (h, rows) = read_csv(&out.join("forecast.csv"));
    let (d, f) = (col(&h, "date"), col(&h, "forecast"));
    rows.iter().map(|r| (r[d].clone(), r[f].clone())).collect()
}

/// `validate`'s planning date for `sales` in `freq` buckets.
fn validated_planning_date(sales: &Path, freq: &str, out: &Path) -> String {
    replenish()
        .args(["validate", "-q", "--freq", freq, "--sales"])
        .arg(sales)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("validation.json")).unwrap())
            .unwrap();
    json["planning_date"].as_str().unwrap().to_string()
}

#[test]
fn monthly_totals_on_the_1st_count_the_last_month_and_forecast_from_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let sales = write_sales(dir.path(), &monthly());
    let plan = validated_planning_date(&sales, "month", &dir.path().join("v"));
    assert_eq!(plan, "2025-01-01");
    // The naive forecast is the last bucket: December's 400 is history, whole.
    let fc = naive_forecast(&sales, "month", &dir.path().join("f"));
    assert_eq!(
        fc,
        [
            ("2025-01-01".into(), "400".into()),
            ("2025-02-01".into(), "400".into())
        ]
    );
    let mut config = Config::default();
    config.inputs.sales = Some(sales);
    config.calendar.freq = Freq::Month;
    let loaded = load_and_validate(&config, dir.path()).unwrap();
    let s = &loaded.series[0];
    assert_eq!(s.values.len(), 24);
    assert_eq!(s.values[23..], [400.0]);
    assert_eq!(s.last_bucket_days, 31);
}

#[test]
fn a_mid_month_date_keeps_the_day_after_the_latest_sale() {
    // Today's rule: the planning date is the day after the latest date, December is partial
    // (15 days), left out of training and forecast whole from its start.
    let dir = tempfile::tempdir().unwrap();
    let mut rows = monthly();
    rows.push(("2024-12-15".into(), "A", 1.0));
    let sales = write_sales(dir.path(), &rows);
    let plan = validated_planning_date(&sales, "month", &dir.path().join("v"));
    assert_eq!(plan, "2024-12-16");
    let fc = naive_forecast(&sales, "month", &dir.path().join("f"));
    assert_eq!(
        fc,
        [
            ("2024-12-01".into(), "100".into()),
            ("2025-01-01".into(), "100".into())
        ]
    );
}

#[test]
fn weekly_totals_on_mondays_count_the_last_week_and_forecast_from_the_next_monday() {
    let dir = tempfile::tempdir().unwrap();
    // 10 ISO weeks, Monday 2024-10-28 to Monday 2024-12-30: 50 a week, 80 in the last.
    let monday = chrono::NaiveDate::from_ymd_opt(2024, 10, 28).unwrap();
    let rows: Vec<(String, &str, f64)> = (0..10)
        .map(|k| {
            let date = monday + chrono::Days::new(7 * k);
            (date.to_string(), "A", if k == 9 { 80.0 } else { 50.0 })
        })
        .collect();
    let sales = write_sales(dir.path(), &rows);
    let plan = validated_planning_date(&sales, "week", &dir.path().join("v"));
    assert_eq!(plan, "2025-01-06");
    let fc = naive_forecast(&sales, "week", &dir.path().join("f"));
    assert_eq!(
        fc,
        [
            ("2025-01-06".into(), "80".into()),
            ("2025-01-13".into(), "80".into())
        ]
    );
    // The same totals dated on Sundays (week ending) are not bucket starts: the day after.
    let sundays: Vec<(String, &str, f64)> = rows
        .iter()
        .map(|(d, s, q)| {
            let date: chrono::NaiveDate = d.parse().unwrap();
            ((date - chrono::Days::new(1)).to_string(), *s, *q)
        })
        .collect();
    let sales = write_sales(dir.path(), &sundays);
    let plan = validated_planning_date(&sales, "week", &dir.path().join("v2"));
    assert_eq!(plan, "2024-12-30");
}
