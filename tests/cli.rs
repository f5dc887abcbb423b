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
        "run", "validate", "forecast", "plan", "simulate", "policy", "report", "generate", "merge",
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
        .args(["forecast", "--models", "prophet", "--out"])
        .arg(dir.path().join("x.csv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unknown model 'prophet'"));
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

/// The bundled example's config, small enough for a quick simulation.
fn quick_simulation_config() -> replenish::config::Config {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/plan.toml");
    let mut c = replenish::config::Config::from_file(&path).unwrap();
    c.simulation.replications = 2;
    c.simulation.days = 30;
    c.simulation.optimise = false;
    c
}

#[test]
fn a_simulate_that_fails_leaves_the_previous_outputs_untouched() {
    use replenish::pipeline::Job;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let config = quick_simulation_config();
    Job::simulate(&config, &out).execute().unwrap();
    let before = crate::util::snapshot(&out);
    assert!(before.contains_key(std::path::Path::new("simulation.csv")));
    let mut other = config.clone();
    other.simulation.seed = 7;
    for stage in ["simulation", "optimise"] {
        let mut c = other.clone();
        c.simulation.optimise = stage == "optimise";
        let fail = |s: &str| {
            if s == stage {
                Err(std::io::Error::other("disk full (injected)"))
            } else {
                Ok(())
            }
        };
        let err = Job::simulate(&c, &out)
            .execute_with_checkpoint(&fail)
            .unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        assert!(
            crate::util::snapshot(&out) == before,
            "a simulate failing after {stage} changed the output folder"
        );
        let hidden = std::fs::read_dir(&out)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with('.')
            })
            .count();
        assert_eq!(hidden, 0, "staging left behind");
    }
    // Without the fault the folder changes; files of other commands are kept.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    Job::simulate(&other, &out).execute().unwrap();
    assert!(crate::util::snapshot(&out) != before);
    assert!(out.join("notes.txt").exists());
}

#[test]
fn invalid_flags_are_refused_with_the_messages_they_always_had() {
    let dir = tempfile::tempdir().unwrap();
    for (args, message) in [
        (
            vec!["simulate", "--replications", "1"],
            "error: invalid setting simulation: days should be >= 1 and replications >= 2 (for a confidence interval), but are 365 and 1\n",
        ),
        (
            vec!["validate", "--max-reject-share", "2"],
            "error: checking the settings given on the command line: invalid setting validation.max_reject_share: should be a share in [0, 1] (0.01 = 1%), but is 2\n",
        ),
        (
            vec!["plan", "--horizon", "0"],
            "error: --horizon should be at least 1 bucket\n",
        ),
        (
            vec!["simulate", "--scenarios", "baseline,nope"],
            "error: --scenarios: unknown scenario 'nope'; configured: baseline, demand_surge, supplier_delay, lead_time_variability, record_inaccuracy\n",
        ),
    ] {
        replenish()
            .current_dir(dir.path())
            .args(&args)
            .args(["--out", "x"])
            .assert()
            .code(1)
            .stderr(message);
        assert!(!dir.path().join("x").exists(), "{args:?} wrote outputs");
    }
}

#[test]
fn command_line_settings_win_over_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    // data/plan.toml sets no policy seed: the default 42 shows without --seed.
    let effective = |extra: &[&str]| {
        let out = replenish()
            .current_dir(dir.path())
            .args(["-vv", "-q", "plan", "--no-report", "--out", "p"])
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8(out.stderr).unwrap()
    };
    let given = effective(&["--seed", "5", "--policy", "RS"]);
    assert!(given.contains("seed = 5\n"), "{given}");
    assert!(given.contains("policy = \"RS\"\n"), "{given}");
}

#[test]
fn plan_adds_to_a_folder_and_reports_on_it_as_published() {
    use replenish::pipeline::Job;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan");
    let mut config = quick_simulation_config();
    config.report.top_skus = 2;
    // An earlier simulate's outputs and an earlier report in the folder.
    Job::simulate(&config, &out).execute().unwrap();
    std::fs::write(out.join("report.html"), "earlier").unwrap();
    let simulation = std::fs::read(out.join("simulation.csv")).unwrap();
    let outcome = Job::plan(&config, &out, true).execute().unwrap();
    assert_eq!(
        outcome.report.map(|r| r.html),
        Some(out.join("report.html"))
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_ne!(html, "earlier", "the new report was not published");
    // `plan` keeps what it does not write, and its report reads it.
    assert_eq!(
        std::fs::read(out.join("simulation.csv")).unwrap(),
        simulation
    );
    let staged_names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(staged_names.is_empty(), "{staged_names:?}");
}
