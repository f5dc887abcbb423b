//! The purchasing settings of plan.toml checked against the inputs (issue 24 review): a
//! supplier or category name no input has is an error naming the key, its file and the
//! closest known name, with nothing written; a container supplier's item that its containers
//! cannot count (no volume or weight) or cannot hold (one pack or the MOQ larger than a whole
//! container: litres for m³, grams for kg) is flagged in anomalies.csv, exit code 3.

use std::{fs, path::Path};

use assert_cmd::Command;
use replenish::{
    config::Config,
    io::{anomalies::AnomalyAction, LoadError},
    pipeline::{health::Health, run as run_job, RunOptions},
    shard::Shard,
    validate::load_and_validate,
};

use crate::util::read_csv;

/// Sixty days of 5 units a day for each SKU (planning date 2026-01-01).
fn sales(skus: &[&str]) -> String {
    let mut out = String::from("date,sku,quantity\n");
    let start = chrono::NaiveDate::from_ymd_opt(2025, 11, 2).unwrap();
    for sku in skus {
        for d in 0..60 {
            out.push_str(&format!("{},{sku},5\n", start + chrono::Days::new(d)));
        }
    }
    out
}

/// SUP001: A1, A2 (Tools); SUP003: B1 (Paint); SUP004 (a 30 m³, 2,500 kg truck): C1 without a
/// volume, C2 whose pack of 12 is given 12 "m³" a unit (litres), C3 whose MOQ of 48 is given
/// 600 "kg" a unit (grams); SUP005: D1, also offered by SUP_ALT (only in the suppliers file);
/// A2 is offered by SUP004 too, with no minimum there (moq 0) and measured.
const ITEMS: &str = "sku,supplier,category,unit_cost,moq,pack_size,volume,weight\n\
                     A1,SUP001,Tools,4,,,0.01,1\n\
                     A2,SUP001,Tools,4,,,0.01,1\n\
                     B1,SUP003,Paint,5,,,0.02,2\n\
                     C1,SUP004,Paint,3,,,,0.5\n\
                     C2,SUP004,Tools,3,1,12,12,0.5\n\
                     C3,SUP004,Tools,3,48,12,0.01,600\n\
                     D1,SUP005,Paint,2,,,0.01,1\n";

const SUPPLIERS: &str = "sku,supplier,unit_cost,moq,pack_size\n\
                         D1,SUP_ALT,2.1,,\n\
                         A2,SUP004,3.9,0,6\n";

/// The catalogue above with `extra` appended to its plan.toml; the folder and the config.
fn catalogue(extra: &str) -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::write(
        p.join("sales.csv"),
        sales(&["A1", "A2", "B1", "C1", "C2", "C3", "D1"]),
    )
    .unwrap();
    fs::write(p.join("items.csv"), ITEMS).unwrap();
    fs::write(p.join("suppliers.csv"), SUPPLIERS).unwrap();
    fs::write(
        p.join("plan.toml"),
        format!(
            "[inputs]\nsales = \"sales.csv\"\nitems = \"items.csv\"\nsuppliers = \"suppliers.csv\"\n\n\
             [calendar]\nplanning_date = \"2026-01-01\"\n\n\
             [policy]\nlevels = \"analytic\"\nmethod = \"normal\"\n\n\
             [suppliers.SUP004]\ncontainer_volume = 30\ncontainer_weight = 2500\n\n{extra}"
        ),
    )
    .unwrap();
    let config = Config::from_file(&p.join("plan.toml")).unwrap();
    (dir, config)
}

/// The refusal of the catalogue with `extra`: an [`LoadError::UnknownNames`] naming the
/// config file, with nothing written.
fn refusal(extra: &str) -> String {
    let (dir, config) = catalogue(extra);
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let e = load_and_validate(&config, &out).unwrap_err();
    assert!(matches!(e, LoadError::UnknownNames { .. }), "{e}");
    assert_eq!(fs::read_dir(&out).unwrap().count(), 0, "nothing is written");
    let text = e.to_string();
    let file = dir.path().join("plan.toml").display().to_string();
    assert!(text.starts_with(&format!("{file}: ")), "{text}");
    text
}

#[test]
fn a_typo_in_a_supplier_budget_is_an_error_naming_the_key_and_the_supplier_meant() {
    let text = refusal("[purchasing.budget_by_supplier]\nSUP03 = 5000\n");
    assert!(text.contains("a setting names a supplier"), "{text}");
    assert!(
        text.contains(
            "purchasing.budget_by_supplier.SUP03 = 5000: no input has a supplier named \"SUP03\""
        ),
        "{text}"
    );
    assert!(text.contains("items.csv"), "{text}");
    assert!(
        text.contains("so this budget would limit nothing"),
        "{text}"
    );
    assert!(text.contains("Did you mean SUP003?"), "{text}");
    assert!(text.contains("or remove the key"), "{text}");
}

#[test]
fn a_typo_in_a_suppliers_table_is_an_error_naming_the_table_its_settings_and_the_supplier_meant() {
    let text = refusal("[suppliers.SUP0001]\nmin_order_value = 500\norder_days = [\"Mon\"]\n");
    assert!(text.contains("[suppliers.SUP0001] ("), "{text}");
    assert!(text.contains("min_order_value = 500"), "{text}");
    assert!(text.contains("order_days = [\"Mon\"]"), "{text}");
    assert!(
        text.contains("its minimum order and calendar would apply to nothing"),
        "{text}"
    );
    assert!(text.contains("Did you mean SUP001?"), "{text}");
    // Case matters: sup004 is not SUP004, and the hint says so.
    let text = refusal("[suppliers.sup004]\norder_days = [\"Mon\"]\n");
    assert!(text.contains("Did you mean SUP004?"), "{text}");
}

#[test]
fn a_typo_in_a_category_budget_is_an_error_naming_the_category_meant() {
    let text = refusal("[purchasing.budget_by_category]\nTols = 300\n");
    assert!(
        text.contains(
            "purchasing.budget_by_category.Tols = 300: no item has the category \"Tols\""
        ),
        "{text}"
    );
    assert!(text.contains("Did you mean Tools?"), "{text}");
    // Nothing close: the known categories are listed instead.
    let text = refusal("[purchasing.budget_by_category]\n\"Hand tools\" = 300\n");
    assert!(
        text.contains("purchasing.budget_by_category.\"Hand tools\" = 300"),
        "{text}"
    );
    assert!(
        text.contains("None is close; the inputs' categories: Paint, Tools."),
        "{text}"
    );
}

#[test]
fn every_unknown_name_is_reported_at_once() {
    let text = refusal(
        "[suppliers.SUP9]\nmin_order_qty = 10\n\
         [purchasing.budget_by_supplier]\nSUP03 = 5000\nSUP001 = 100\n\
         [purchasing.budget_by_category]\nTols = 300\n",
    );
    assert!(
        text.contains("3 settings name a supplier or category no input has"),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].contains("budget_by_supplier.SUP03"), "{text}");
    assert!(lines[1].contains("[suppliers.SUP9]"), "{text}");
    assert!(lines[2].contains("budget_by_category.Tols"), "{text}");
    assert!(!text.contains("SUP001 ="), "{text}");
}

#[test]
fn a_correct_config_passes_even_in_a_shard_without_the_suppliers_skus() {
    // SUP_ALT is only in the suppliers file; SUP003's only SKU is B1.
    let extra = "[suppliers.SUP001]\norder_days = [\"Mon\"]\n\
                 [purchasing.budget_by_supplier]\nSUP003 = 5000\nSUP_ALT = 100\n\
                 [purchasing.budget_by_category]\nPaint = 300\n";
    let (dir, config) = catalogue(extra);
    let loaded = load_and_validate(&config, dir.path()).unwrap();
    assert_eq!(loaded.rejects.len(), 0);
    // A shard that plans none of SUP003's SKUs checks the names against every input.
    let index = (0..2)
        .find(|&i| !Shard { index: i, count: 2 }.owns("B1"))
        .unwrap();
    let out = dir.path().join("shard");
    let options = RunOptions {
        shard: Some(Shard { index, count: 2 }),
        simulate: false,
        report: false,
    };
    run_job(&config, &out, options).unwrap();
    let policy = fs::read_to_string(out.join(format!("policy.shard-{index}-of-2.csv"))).unwrap();
    assert!(!policy.contains("\nB1,"), "B1 is in the other shard");
}

#[test]
fn container_items_without_a_size_or_bigger_than_a_container_are_flagged_and_kept() {
    let (dir, config) = catalogue("");
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let loaded = load_and_validate(&config, &out).unwrap();
    let found: Vec<(&str, &str, &str)> = loaded
        .anomalies
        .iter()
        .map(|a| (a.sku.as_str(), a.column.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("C1", "volume", ""),
            ("C2", "volume", "12"),
            ("C3", "weight", "600")
        ]
    );
    assert!(loaded
        .anomalies
        .iter()
        .all(|a| a.action == AnomalyAction::Kept && a.file.ends_with("items.csv")));
    let reason = |sku: &str| {
        let a = loaded.anomalies.iter().find(|a| a.sku == sku).unwrap();
        (a.line, a.reason.as_str())
    };
    let (line, c1) = reason("C1");
    assert_eq!(line, 5);
    assert!(c1.starts_with("C1 is bought from SUP004, which ships in containers (container_volume), but it has no volume in the item master"), "{c1}");
    assert!(
        c1.contains("not counted in SUP004's container fill"),
        "{c1}"
    );
    assert!(c1.contains("m³ by convention"), "{c1}");
    // One pack of 12 at 12 a unit: 144 m³ in a 30 m³ truck.
    let (_, c2) = reason("C2");
    assert!(
        c2.contains("one pack of 12 units) takes 144 m³ (12 × 12), more than one whole container of SUP004 (container_volume = 30)"),
        "{c2}"
    );
    assert!(c2.contains("litres rather than m³"), "{c2}");
    // The MOQ of 48 in packs of 12 at 600 a unit: 28,800 kg against 2,500.
    let (_, c3) = reason("C3");
    assert!(
        c3.contains("its MOQ of 48 units in whole packs of 12: 48 units) takes 28800 kg"),
        "{c3}"
    );
    assert!(c3.contains("grams rather than kg"), "{c3}");
    // anomalies.csv holds them; the run finishes with exit code 3.
    let (header, rows) = read_csv(&out.join("anomalies.csv"));
    assert_eq!(header.join(","), "file,line,sku,column,value,reason,action");
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r[6] == "kept"));
    let health = Health::of_inputs(&loaded);
    assert_eq!((health.flagged, health.exit_code()), (3, 3));
    let console = health.lines(&out, "policy.csv").join("\n");
    assert!(
        console.contains("3 implausible values flagged"),
        "{console}"
    );
    assert!(console.contains("kept = used as given"), "{console}");
}

#[test]
fn plan_refuses_a_typo_with_exit_code_1_and_writes_nothing() {
    let (dir, _) = catalogue("[purchasing.budget_by_supplier]\nSUP03 = 5000\n");
    let out = dir.path().join("out");
    let assert = Command::cargo_bin("replenish")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "plan",
            "--config",
            "plan.toml",
            "--out",
            "out",
            "--no-report",
        ])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.starts_with("error: plan.toml: a setting names a supplier"),
        "{stderr}"
    );
    assert!(stderr.contains("Did you mean SUP003?"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn the_bundled_example_names_only_known_suppliers_and_flags_no_container_item() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let config = Config::from_file(&data.join("plan.toml")).unwrap();
    // Its config does use every kind of name this checks.
    assert!(config.suppliers["SUP004"].containers().is_some());
    assert!(!config.purchasing.budget_by_supplier.is_empty());
    let out = tempfile::tempdir().unwrap();
    let loaded = load_and_validate(&config, out.path()).unwrap();
    assert!(loaded.anomalies.is_empty(), "{:?}", loaded.anomalies);
    assert_eq!(Health::of_inputs(&loaded).exit_code(), 0);
}

#[test]
fn a_generated_catalogue_has_sup002s_minimum_only_when_sup002_has_skus() {
    // Two SKUs among three suppliers: some seeds draw no SKU of SUP002, whose minimum the
    // generated plan.toml would then set for nobody (refused as an unknown supplier).
    let mut seen = (false, false);
    for seed in 0..12 {
        let params = replenish::generate::GenerateParams {
            skus: 2,
            days: 120,
            seed,
            ..Default::default()
        };
        let (dir, config) = crate::util::generated_catalogue(&params);
        let items = fs::read_to_string(dir.path().join("items.csv")).unwrap();
        let has_sup002 = items.contains(",SUP002,");
        assert_eq!(
            config.suppliers.contains_key("SUP002"),
            has_sup002,
            "{items}"
        );
        let out = tempfile::tempdir().unwrap();
        load_and_validate(&config, out.path()).unwrap();
        if has_sup002 {
            seen.0 = true;
        } else {
            seen.1 = true;
        }
    }
    assert_eq!(seen, (true, true), "both cases drawn");
}
