//! The command line end to end (assert_cmd).

use assert_cmd::Command;
use predicates::prelude::*;

use crate::util::data;

fn replenish() -> Command {
    Command::cargo_bin("replenish").unwrap()
}

#[test]
fn validate_without_arguments_checks_the_bundled_example() {
    let dir = tempfile::tempdir().unwrap();
    replenish()
        .current_dir(dir.path())
        .arg("validate")
        .assert()
        .success()
        .stdout(predicate::str::contains("rows read ="))
        .stdout(predicate::str::contains("0 rejected"));
    let rejects = std::fs::read_to_string(dir.path().join("reports/validate/rejects.csv")).unwrap();
    assert_eq!(rejects.trim(), "file,line,column,value,reason");
    assert!(dir.path().join("reports/validate/validation.json").exists());
}

#[test]
fn validate_with_files_given_directly_reports_rejects() {
    let dir = tempfile::tempdir().unwrap();
    replenish()
        .args(["validate", "--max-reject-share", "0.7", "--out"])
        .arg(dir.path())
        .arg("--sales")
        .arg(data("bad/thousands_separator.csv"))
        .assert()
        .code(3)
        .stdout(predicate::str::contains(
            "3 rows read = 1 accepted + 2 rejected",
        ));
    let rejects = std::fs::read_to_string(dir.path().join("rejects.csv")).unwrap();
    assert!(rejects.contains("thousands separator"), "{rejects}");
}

#[test]
fn validate_structural_error_exits_non_zero_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    replenish()
        .args(["validate", "--sales"])
        .arg(data("bad/semicolon.csv"))
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("semicolon.csv"))
        .stderr(predicate::str::contains("expects commas"));
    assert!(!out.exists());
}

#[test]
fn validate_unknown_config_key_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("plan.toml");
    std::fs::write(&cfg, "[inputs]\nsale = \"x.csv\"\n").unwrap();
    replenish()
        .args(["validate", "--config"])
        .arg(&cfg)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unknown field `sale`"));
}

fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn generate_is_byte_identical_for_a_seed_at_any_thread_count() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    for (dir, threads, seed) in [(&a, "1", "5"), (&b, "2", "5"), (&c, "2", "6")] {
        replenish()
            .args([
                "generate",
                "--skus",
                "60",
                "--days",
                "90",
                "--seed",
                seed,
                "--threads",
                threads,
                "-q",
                "--out",
            ])
            .arg(dir.path())
            .assert()
            .success();
    }
    let (fa, fb, fc) = (files(a.path()), files(b.path()), files(c.path()));
    let names: Vec<&str> = fa.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "inventory.csv",
            "items.csv",
            "plan.toml",
            "purchase_orders.csv",
            "sales.csv"
        ]
    );
    assert_eq!(fa, fb, "same seed, 1 vs 2 threads");
    assert_ne!(fa[4].1, fc[4].1, "another seed gives other sales");
}

#[test]
fn generated_set_validates_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    replenish()
        .args(["generate", "--skus", "30", "--days", "60", "-q", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    replenish()
        .args(["validate", "--config"])
        .arg(dir.path().join("plan.toml"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--freq")
        .arg("week")
        .assert()
        .success()
        .stdout(predicate::str::contains("per week"));
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for stage in [
        "run", "validate", "forecast", "plan", "simulate", "policy", "report", "generate",
    ] {
        replenish()
            .args([stage, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
}

#[test]
fn generate_rejects_bad_parameters() {
    let dir = tempfile::tempdir().unwrap();
    replenish()
        .args(["generate", "--days", "3", "--out"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("days"));
}

#[test]
fn forecast_the_bundled_example() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("forecast.csv");
    replenish()
        .args(["forecast", "--horizon", "14", "--holdout", "14", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "forecast 300 series x 14 day buckets",
        ))
        .stdout(predicate::str::contains("held-out evaluation"));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap(), "sku,date,forecast,q10,q50,q90,model");
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 300 * 14);
    let mut prev: Option<(&str, &str)> = None;
    for r in &rows {
        let v: Vec<f64> = r[2..6].iter().map(|x| x.parse().unwrap()).collect();
        assert!(v.iter().all(|x| x.is_finite() && *x >= 0.0), "{r:?}");
        assert!(v[1] <= v[2] && v[2] <= v[3], "quantiles ordered: {r:?}");
        if let Some(p) = prev {
            assert!(
                p < (r[0], r[1]),
                "sorted by sku then date: {p:?} then {r:?}"
            );
        }
        prev = Some((r[0], r[1]));
    }
    let accuracy = std::fs::read_to_string(dir.path().join("accuracy.csv")).unwrap();
    let chosen = accuracy
        .lines()
        .skip(1)
        .filter(|l| l.split(',').rev().nth(1) == Some("1"))
        .count();
    assert_eq!(chosen, 300, "one chosen model per SKU");
    assert!(dir.path().join("holdout.json").exists());
    let classes = std::fs::read_to_string(dir.path().join("classes.csv")).unwrap();
    let mut lines = classes.lines();
    assert_eq!(
        lines.next().unwrap(),
        "sku,adi,cv2,class,abc,xyz,units,revenue,censored_days,imputed_units"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 300);
    // ABC: A holds the SKUs making up to the first 80% of revenue, so few SKUs are A.
    let a = rows.iter().filter(|r| r[4] == "A").count();
    assert!(a > 0 && a < 150, "{a} A items");
    assert!(rows.iter().all(|r| ["X", "Y", "Z"].contains(&r[5])));
}

#[test]
fn forecast_parquet_output_and_bad_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.parquet");
    replenish()
        .args([
            "forecast",
            "--horizon",
            "3",
            "--models",
            "sba,tsb(0.1,0.2)",
            "-q",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(&std::fs::read(&out).unwrap()[..4], b"PAR1");
    replenish()
        .args(["forecast", "--models", "arima", "--out"])
        .arg(dir.path().join("x.csv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unknown model 'arima'"));
}

#[test]
fn forecast_outputs_are_identical_at_any_thread_count() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for (dir, threads) in [(&a, "1"), (&b, "2")] {
        replenish()
            .args([
                "forecast",
                "--horizon",
                "7",
                "-q",
                "--threads",
                threads,
                "--out",
            ])
            .arg(dir.path().join("forecast.csv"))
            .assert()
            .success();
    }
    for name in ["forecast.csv", "accuracy.csv", "classes.csv"] {
        let x = std::fs::read(a.path().join(name)).unwrap();
        let y = std::fs::read(b.path().join(name)).unwrap();
        assert!(!x.is_empty());
        assert!(x == y, "{name} differs between 1 and 2 threads");
    }
}
