//! Scale-out: `run --shard K/N` on each shard, then `merge`, equals one unsharded run byte for
//! byte — on a catalogue whose SKUs are coupled across shards (new items whose analogue is
//! another SKU or a category, a supplier order minimum and containers, the learned global
//! model, ABC, an order budget with a supplier budget and a container supplier) — and merge
//! refuses shards that do not belong together.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

use replenish::{
    config::{Config, SupplierTerms},
    generate::GenerateParams,
    pipeline::merge::merge,
    pipeline::{run, RunOptions},
    shard::Shard,
};

use crate::util::{col, read_csv, snapshot};

/// A generated catalogue of 45 SKUs plus two new items — NEW1 (14 days of sales, like_sku =
/// an established SKU) and NEW2 (no sales, category only) — and an order minimum for the
/// supplier of most SKUs; a quick simulation with optimisation.
fn dataset() -> (tempfile::TempDir, Config) {
    let (dir, mut config) = crate::util::generated_catalogue(&GenerateParams {
        skus: 45,
        days: 400,
        seed: 11,
        ..GenerateParams::default()
    });
    let items = dir.path().join("items.csv");
    let text = fs::read_to_string(&items).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let cell = |line: &str, name: &str| {
        let i = header.iter().position(|c| *c == name).unwrap();
        line.split(',').nth(i).unwrap().to_string()
    };
    // The supplier with the most SKUs gets an order minimum: its SKUs are pulled forward
    // together, so they must be planned in one shard.
    let mut per_supplier: BTreeMap<String, usize> = BTreeMap::new();
    for line in text.lines().skip(1) {
        *per_supplier.entry(cell(line, "supplier")).or_default() += 1;
    }
    let busiest = per_supplier
        .iter()
        .max_by_key(|(_, n)| **n)
        .unwrap()
        .0
        .clone();
    let quiet = per_supplier
        .iter()
        .min_by_key(|(_, n)| **n)
        .unwrap()
        .0
        .clone();
    // NEW2's category has members in several shards (the shard planning NEW2 must forecast the
    // others' too); NEW1's like_sku, of another category, is planned by another shard than
    // NEW1.
    let shard_of = |key: &str| (0..3).find(|&k| Shard { index: k, count: 3 }.owns(key));
    let shard_of_line = |l: &str| {
        let supplier = cell(l, "supplier");
        shard_of(&if supplier == busiest {
            supplier
        } else {
            cell(l, "sku")
        })
    };
    let mut spread: BTreeMap<String, std::collections::BTreeSet<Option<u32>>> = BTreeMap::new();
    for l in text.lines().skip(1) {
        spread
            .entry(cell(l, "category"))
            .or_default()
            .insert(shard_of_line(l));
    }
    let (new_cat, shards) = spread.iter().max_by_key(|(_, s)| s.len()).unwrap();
    assert!(shards.len() >= 2, "{spread:?}");
    let like_line = text
        .lines()
        .skip(1)
        .filter(|l| cell(l, "category") != *new_cat && cell(l, "supplier") != busiest)
        .find(|l| shard_of_line(l) != shard_of("NEW1"))
        .unwrap();
    let like = cell(like_line, "sku");
    // NEW1 has no category: its analogue can only be its like_sku.
    let row = |sku: &str, like: &str, cat: &str| {
        header
            .iter()
            .map(|c| match *c {
                "sku" => sku.to_string(),
                "like_sku" => like.to_string(),
                "category" => cat.to_string(),
                "supplier" => quiet.clone(),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    fs::write(
        &items,
        format!(
            "{text}{}\n{}\n",
            row("NEW1", &like, ""),
            row("NEW2", "", new_cat)
        ),
    )
    .unwrap();
    let sales = dir.path().join("sales.csv");
    let mut s = fs::read_to_string(&sales).unwrap();
    let last = s
        .lines()
        .filter_map(|l| l.split(',').next()?.parse::<chrono::NaiveDate>().ok())
        .max()
        .unwrap();
    for d in 0..14 {
        let date = last - chrono::Days::new(d);
        s.push_str(&format!("{date},NEW1,3,1,0,0\n"));
    }
    fs::write(&sales, s).unwrap();

    config.suppliers.insert(
        busiest,
        SupplierTerms {
            min_order_value: Some(50_000.0),
            // A container too: its order is rounded to whole containers after the minimum,
            // which couples its SKUs as the minimum does.
            container_volume: Some(1.0),
            max_containers: Some(4),
            ..SupplierTerms::default()
        },
    );
    config.simulation.replications = 8;
    config.simulation.days = 90;
    config.simulation.optimise = true;
    config.report.top_skus = 4;
    (dir, config)
}

fn options(shard: Option<Shard>) -> RunOptions {
    RunOptions {
        shard,
        ..RunOptions::default()
    }
}

#[test]
fn three_shards_merged_equal_one_unsharded_run_byte_for_byte() {
    let (_data, config) = dataset();
    let whole = tempfile::tempdir().unwrap();
    run(&config, whole.path(), options(None)).unwrap();
    let shards = tempfile::tempdir().unwrap();
    for k in 0..3 {
        let s = Shard { index: k, count: 3 };
        run(&config, shards.path(), options(Some(s))).unwrap();
    }
    // Shards write only shard-named files and no report, never a recommendations.csv that
    // purchasing could import as the catalogue's.
    let names: Vec<String> = fs::read_dir(shards.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| Shard::parse_file_name(n).is_some()),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("report")), "{names:?}");

    // Every SKU is planned by exactly one shard, and each shard planned some.
    let (h, all) = read_csv(&whole.path().join("policy.csv"));
    let sku = col(&h, "sku");
    let mut seen: Vec<String> = Vec::new();
    for k in 0..3 {
        let s = Shard { index: k, count: 3 };
        let (_, rows) = read_csv(&shards.path().join(s.file_name("policy.csv")));
        assert!(!rows.is_empty(), "shard {s} planned nothing");
        seen.extend(rows.iter().map(|r| r[sku].clone()));
    }
    seen.sort();
    let mut expected: Vec<String> = all.iter().map(|r| r[sku].clone()).collect();
    expected.sort();
    assert_eq!(seen, expected);
    // The coupled cases are really there: both new items got analogue forecasts.
    let model = col(&h, "model");
    for (new, source) in [
        ("NEW1", "analogue(like_sku:"),
        ("NEW2", "analogue(category:"),
    ] {
        let row = all.iter().find(|r| r[sku] == new).unwrap();
        assert!(row[model].starts_with(source), "{new}: {}", row[model]);
    }

    let merged = tempfile::tempdir().unwrap();
    merge(&[shards.path().to_path_buf()], merged.path(), true).unwrap();
    let (a, b) = (snapshot(whole.path()), snapshot(merged.path()));
    let keys = |s: &BTreeMap<PathBuf, Vec<u8>>| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&a), keys(&b));
    let mut compared = 0;
    for (name, bytes) in &a {
        if name == Path::new("timings.json") {
            continue; // wall times
        }
        assert!(
            bytes == &b[name],
            "{name:?} differs between the merged shards and the unsharded run"
        );
        compared += 1;
    }
    assert!(compared > 30, "{compared}");
    // The container supplier's order is in whole containers, at most four.
    let (h, rows) = read_csv(&whole.path().join("supplier_orders.csv"));
    let boxed = rows
        .iter()
        .find(|r| !r[col(&h, "containers")].is_empty())
        .expect("a supplier with containers");
    let n: u32 = boxed[col(&h, "containers")].parse().unwrap();
    assert!((1..=4).contains(&n), "{boxed:?}");
    let fill: f64 = boxed[col(&h, "fill_volume_pct")].parse().unwrap();
    assert!(fill <= 100.0 + 1e-9, "{boxed:?}");
    assert!(a.contains_key(Path::new("optimised.csv")));
    assert!(a.contains_key(Path::new("report.html")));
}

/// Runs `config` unsharded into one folder and as three shards merged into another; asserts
/// that every output but `timings.json` is byte-identical and returns the unsharded folder.
fn unsharded_and_merged_are_identical(config: &Config) -> tempfile::TempDir {
    let whole = tempfile::tempdir().unwrap();
    run(config, whole.path(), options(None)).unwrap();
    let shards = tempfile::tempdir().unwrap();
    for k in 0..3 {
        let s = Shard { index: k, count: 3 };
        run(config, shards.path(), options(Some(s))).unwrap();
    }
    let merged = tempfile::tempdir().unwrap();
    merge(&[shards.path().to_path_buf()], merged.path(), true).unwrap();
    let (a, b) = (snapshot(whole.path()), snapshot(merged.path()));
    let keys = |s: &BTreeMap<PathBuf, Vec<u8>>| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&a), keys(&b));
    for (name, bytes) in &a {
        if name == Path::new("timings.json") {
            continue; // wall times
        }
        assert!(
            bytes == &b[name],
            "{name:?} differs between the merged shards and the unsharded run"
        );
    }
    whole
}

#[test]
fn three_shards_with_an_order_budget_merged_equal_one_unsharded_run() {
    // The budget spans the catalogue: merge cuts every shard's lines together (with a
    // supplier budget, the supplier minimum and the new items coupling shards as above).
    let (_data, mut config) = dataset();
    // A quick probe (no simulation): what the orders would cost, in all and per supplier.
    config.purchasing.budget = Some(1e12);
    let probe = tempfile::tempdir().unwrap();
    let quick = RunOptions {
        shard: None,
        simulate: false,
        report: false,
    };
    run(&config, probe.path(), quick).unwrap();
    let json = |p: PathBuf| -> serde_json::Value {
        serde_json::from_slice(&fs::read(p).unwrap()).unwrap()
    };
    let wanted = json(probe.path().join("budget.json"))["value_wanted"]
        .as_f64()
        .unwrap();
    let plan = json(probe.path().join("plan.json"));
    let (supplier, value) = plan["orders_by_supplier"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(s, _)| !config.suppliers.contains_key(*s))
        .map(|(s, o)| (s.clone(), o["value"].as_f64().unwrap()))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    config.purchasing.budget = Some((wanted * 0.5).round());
    config
        .purchasing
        .budget_by_supplier
        .insert(supplier.clone(), (value * 0.1).round());
    // The biggest other supplier (the generated one with a minimum of 5,000) ships in
    // containers of 1/1.6 of what it would be sent: merge rounds its order to whole
    // containers after the cut and its minimum, within the budget, as one run does.
    let boxed = plan["orders_by_supplier"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(s, _)| {
            **s != supplier
                && config
                    .suppliers
                    .get(*s)
                    .is_none_or(|t| t.container_volume.is_none())
        })
        .max_by(|a, b| {
            a.1["value"]
                .as_f64()
                .unwrap()
                .total_cmp(&b.1["value"].as_f64().unwrap())
        })
        .unwrap()
        .0
        .clone();
    let (h, rows) = read_csv(&probe.path().join("supplier_orders.csv"));
    let volume: f64 = rows
        .iter()
        .find(|r| r[col(&h, "supplier")] == boxed)
        .unwrap()[col(&h, "volume")]
    .parse()
    .unwrap();
    config
        .suppliers
        .entry(boxed.clone())
        .or_default()
        .container_volume = Some(volume / 1.6);

    let whole = unsharded_and_merged_are_identical(&config);
    assert!(whole.path().join("budget.json").exists());
    // The cut is really there: a line deferred whole, one cut partly, one cut by the
    // supplier's budget.
    let (h, rows) = read_csv(&whole.path().join("recommendations.csv"));
    let (action, deferred, reason, sup) = (
        col(&h, "action"),
        col(&h, "deferred_quantity"),
        col(&h, "reason"),
        col(&h, "supplier"),
    );
    let deferred_qty = |r: &Vec<String>| r[deferred].parse::<f64>().unwrap_or(0.0);
    assert!(rows.iter().any(|r| r[action] == "DEFER"), "no DEFER row");
    assert!(
        rows.iter()
            .any(|r| r[action] == "ORDER" && deferred_qty(r) > 0.0),
        "no line cut partly"
    );
    let by_supplier = format!("cut by {supplier}'s budget of");
    assert!(
        rows.iter().any(|r| r[reason].starts_with(&by_supplier)),
        "no line starts '{by_supplier}': {:?}",
        rows.iter()
            .filter(|r| r[sup] == supplier)
            .map(|r| &r[reason])
            .collect::<Vec<_>>()
    );
    // The container supplier's order was rounded: a row says so, and its order fills
    // whole containers, none beyond its capacity.
    assert!(
        rows.iter()
            .any(|r| r[sup] == boxed && r[reason].contains("container")),
        "no {boxed} row was rounded to containers"
    );
    let (h, orders) = read_csv(&whole.path().join("supplier_orders.csv"));
    let row = orders
        .iter()
        .find(|r| r[col(&h, "supplier")] == boxed)
        .unwrap();
    let fill: f64 = row[col(&h, "fill_volume_pct")].parse().unwrap();
    assert!(fill > 0.0 && fill <= 100.0 + 1e-9, "{row:?}");
}

#[test]
fn merge_refuses_shards_planned_with_different_budgets() {
    let (_data, mut config) = dataset();
    let quick = |shard| RunOptions {
        shard: Some(shard),
        simulate: false,
        report: false,
    };
    let shards = tempfile::tempdir().unwrap();
    config.purchasing.budget = Some(5000.0);
    run(&config, shards.path(), quick(Shard { index: 0, count: 2 })).unwrap();
    config.purchasing.budget = Some(6000.0);
    run(&config, shards.path(), quick(Shard { index: 1, count: 2 })).unwrap();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("merged");
    let e = merge(&[shards.path().to_path_buf()], &target, false)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("different order budgets") && e.contains("config.purchasing.budget"),
        "{e}"
    );
    assert!(!target.exists() || fs::read_dir(&target).unwrap().next().is_none());
}

#[test]
fn merge_refuses_shards_that_do_not_belong_together_and_writes_nothing() {
    let (_data, config) = dataset();
    let quick = RunOptions {
        shard: None,
        simulate: false,
        report: false,
    };
    let shards = tempfile::tempdir().unwrap();
    let one = |config: &Config, k: u32, n: u32, dir: &Path| {
        let s = Shard { index: k, count: n };
        run(
            config,
            dir,
            RunOptions {
                shard: Some(s),
                ..quick
            },
        )
        .unwrap();
    };
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("merged");
    let err = |from: &[PathBuf]| merge(from, &target, false).unwrap_err().to_string();

    one(&config, 0, 2, shards.path());
    let e = err(&[shards.path().to_path_buf()]);
    assert!(e.contains("1/2") && e.contains("missing"), "{e}");

    let mut other = config.clone();
    other.policy.seed += 1;
    let elsewhere = tempfile::tempdir().unwrap();
    one(&other, 1, 2, elsewhere.path());
    let e = err(&[shards.path().to_path_buf(), elsewhere.path().to_path_buf()]);
    assert!(
        e.contains("different config") && e.contains("config.policy.seed"),
        "{e}"
    );

    one(&config, 1, 3, elsewhere.path());
    let e = err(&[shards.path().to_path_buf(), elsewhere.path().to_path_buf()]);
    assert!(e.contains("different jobs"), "{e}");

    let empty = tempfile::tempdir().unwrap();
    let e = err(&[empty.path().to_path_buf()]);
    assert!(e.contains("no shard outputs"), "{e}");
    assert!(
        !target.exists() || fs::read_dir(&target).unwrap().next().is_none(),
        "a refused merge wrote into {target:?}"
    );

    // The matching shard 1/2 completes the job.
    let good = tempfile::tempdir().unwrap();
    one(&config, 1, 2, good.path());
    let done = merge(
        &[shards.path().to_path_buf(), good.path().to_path_buf()],
        &target,
        false,
    )
    .unwrap();
    assert_eq!(done.shards, 2);
    assert!(target.join("recommendations.csv").exists());
}
