//! Several suppliers per SKU end to end through the library (issue 24 item 4): the suppliers
//! file read and checked against the catalogue, the choice by landed cost and lead-time risk
//! in both directions, the policy designed with the chosen supplier's lead time, priority on a
//! near-tie, the outputs, and shards keyed by linked minimum suppliers.

use std::{collections::BTreeSet, fs, path::Path};

use replenish::{
    config::Config,
    pipeline::{merge::merge, run as run_job, RunOptions},
    plan::{output::write_plan_outputs, plan, plan_shard, Plan},
    purchasing::alternatives::SupplierChoice,
    shard::Shard,
    sku_plan::SkuPlan,
    validate::load_and_validate,
};

use crate::util::{col, read_csv, snapshot};

/// Daily sales of `skus` for 2025 (planning date 2026-01-01): about 10 a day, uniform noise
/// ±8 from a fixed linear congruential stream.
fn sales(skus: &[&str]) -> String {
    let mut out = String::from("date,sku,quantity\n");
    let mut x: u64 = 12345;
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    for sku in skus {
        for d in 0..365 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (x >> 33) as f64 / (1u64 << 31) as f64;
            let q = (10.0 + 16.0 * (u - 0.5)).round();
            let day = start + chrono::Duration::days(d);
            out.push_str(&format!("{day},{sku},{q}\n"));
        }
    }
    out
}

/// A folder with sales, an item master (every SKU at SUP_A: unit cost 4.30, holding rate 0.5,
/// 7 days), the suppliers file `suppliers` and `extra` config; its config.
fn catalogue(skus: &[&str], suppliers: &str, extra: &str) -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::write(p.join("sales.csv"), sales(skus)).unwrap();
    let mut items = String::from(
        "sku,supplier,unit_cost,holding_rate,order_cost,lead_time_days,service_level\n",
    );
    for s in skus {
        items.push_str(&format!("{s},SUP_A,4.30,0.5,20,7,0.95\n"));
    }
    fs::write(p.join("items.csv"), items).unwrap();
    fs::write(p.join("suppliers.csv"), suppliers).unwrap();
    fs::write(
        p.join("plan.toml"),
        format!(
            "[inputs]\nsales = \"sales.csv\"\nitems = \"items.csv\"\nsuppliers = \"suppliers.csv\"\n\n\
             [calendar]\nfreq = \"day\"\nplanning_date = \"2026-01-01\"\n\n\
             [policy]\nlevels = \"analytic\"\nmethod = \"normal\"\n{extra}"
        ),
    )
    .unwrap();
    let config = Config::from_file(&p.join("plan.toml")).unwrap();
    (dir, config)
}

fn run(config: &Config, out: &Path) -> Plan {
    let loaded = load_and_validate(config, out).unwrap();
    let p = plan(config, &loaded);
    write_plan_outputs(out, &loaded, &p, 5).unwrap();
    p
}

fn sku<'a>(p: &'a Plan, sku: &str) -> &'a SkuPlan {
    p.plans.iter().find(|s| s.sku == sku).unwrap()
}

fn choice<'a>(p: &'a Plan, name: &str) -> &'a SupplierChoice {
    sku(p, name)
        .supplier_choice
        .as_ref()
        .expect("a supplier choice")
}

/// The option of `supplier` in a choice.
fn option<'a>(
    c: &'a SupplierChoice,
    supplier: &str,
) -> &'a replenish::purchasing::alternatives::Compared {
    c.options
        .iter()
        .find(|o| o.candidate.supplier.as_deref() == Some(supplier))
        .unwrap()
}

#[test]
fn the_cheaper_but_slower_supplier_loses_to_the_holding_cost_of_its_safety_stock() {
    // SUP_B is 0.20 a unit cheaper but takes 60 ± 30 days against SUP_A's 7 ± 1.
    let (_d, config) = catalogue(
        &["X"],
        "sku,supplier,unit_cost,lead_time,lead_time_sd\nX,SUP_A,4.30,7,1\nX,SUP_B,4.10,60,30\n",
        "",
    );
    let out = tempfile::tempdir().unwrap();
    let p = run(&config, out.path());
    let c = choice(&p, "X");
    let (a, b) = (option(c, "SUP_A"), option(c, "SUP_B"));
    let (ca, cb) = (a.costs.unwrap(), b.costs.unwrap());
    assert_eq!(c.chosen().candidate.supplier.as_deref(), Some("SUP_A"));
    // The price difference is smaller than the extra holding cost of SUP_B's safety stock.
    assert!(cb.unit_cost < ca.unit_cost);
    assert!(cb.safety_stock > 5.0 * ca.safety_stock, "{cb:?} vs {ca:?}");
    assert!(
        cb.holding - ca.holding > ca.unit_cost - cb.unit_cost,
        "{cb:?} vs {ca:?}"
    );
    assert!(ca.landed() < cb.landed());
    // Holding per unit of demand, by hand: rate × cost × (safety stock + Q/2) / annual demand.
    let x = sku(&p, "X");
    let pol = x.policy.as_ref().unwrap();
    let by_hand =
        0.5 * 4.30 * (pol.safety_stock + pol.cycle_demand / 2.0) / (365.0 * x.demand_per_day);
    assert!(
        (ca.holding - by_hand).abs() < 1e-9,
        "{} vs {by_hand}",
        ca.holding
    );
    assert!(c.reason.starts_with("SUP_A over SUP_B: "), "{}", c.reason);
    assert!(
        c.reason.contains("lead time 7 ± 1 vs 60 ± 30 days"),
        "{}",
        c.reason
    );
}

#[test]
fn the_cheaper_supplier_wins_when_its_lead_time_is_as_short_and_the_policy_uses_its_lead_time() {
    // SUP_B is 0.20 cheaper and about as fast (8 ± 1 days): the price decides.
    let (_d, config) = catalogue(
        &["X"],
        "sku,supplier,unit_cost,lead_time,lead_time_sd,moq,pack_size\nX,SUP_A,4.30,7,1,,\nX,SUP_B,4.10,8,1,24,12\n",
        "",
    );
    let out = tempfile::tempdir().unwrap();
    let p = run(&config, out.path());
    let c = choice(&p, "X");
    assert_eq!(c.chosen().candidate.supplier.as_deref(), Some("SUP_B"));
    let (ca, cb) = (
        option(c, "SUP_A").costs.unwrap(),
        option(c, "SUP_B").costs.unwrap(),
    );
    assert!(cb.landed() < ca.landed());
    assert!(c.reason.starts_with("SUP_B over SUP_A: "), "{}", c.reason);
    // The plan is SUP_B's: supplier, lead time, price, pack and MOQ of the policy.
    let x = sku(&p, "X");
    assert_eq!(x.supplier.as_deref(), Some("SUP_B"));
    assert_eq!(x.lead_time.source.name(), "suppliers_file");
    assert!((x.lead_time.stats.mean - 8.0).abs() < 1e-12);
    assert!((x.policy_input.lead_time - 8.0).abs() < 1e-12);
    assert!((x.policy_input.lead_time_sd - 1.0).abs() < 1e-12);
    assert!((x.item.unit_cost - 4.10).abs() < 1e-12);
    assert!((x.policy_input.pack_size - 12.0).abs() < 1e-12);
    assert!((x.policy_input.moq - 24.0).abs() < 1e-12);
    // The comparison's policy is the plan's (normal method, analytic levels).
    let pol = x.policy.as_ref().unwrap();
    assert!((pol.safety_stock - cb.safety_stock).abs() < 1e-9);
    // The recommendation names the chosen supplier and says why.
    let r = p.recommendations.iter().find(|r| r.sku == "X").unwrap();
    assert_eq!(r.supplier.as_deref(), Some("SUP_B"));
    assert!(r.reason.contains("SUP_B over SUP_A"), "{}", r.reason);
    // supplier_choice.csv: one row per supplier, the chosen one marked.
    let (h, rows) = read_csv(&out.path().join("supplier_choice.csv"));
    assert_eq!(rows.len(), 2);
    let (s, chosen) = (col(&h, "supplier"), col(&h, "chosen"));
    let marked: Vec<&str> = rows
        .iter()
        .filter(|r| r[chosen] == "true")
        .map(|r| r[s].as_str())
        .collect();
    assert_eq!(marked, ["SUP_B"]);
}

#[test]
fn priority_breaks_a_near_tie_between_suppliers() {
    // Same lead time, prices 0.1% apart: a near-tie; priority 1 wins over the cheaper one.
    let (_d, config) = catalogue(
        &["X"],
        "sku,supplier,unit_cost,lead_time,lead_time_sd,priority\nX,SUP_A,4.300,7,1,2\nX,SUP_B,4.305,7,1,1\n",
        "",
    );
    let out = tempfile::tempdir().unwrap();
    let p = run(&config, out.path());
    let c = choice(&p, "X");
    assert_eq!(c.chosen().candidate.supplier.as_deref(), Some("SUP_B"));
    assert!(
        c.reason.contains("priority decides (1 vs 2)"),
        "{}",
        c.reason
    );
    assert_eq!(sku(&p, "X").supplier.as_deref(), Some("SUP_B"));
}

#[test]
fn unknown_skus_and_bad_rows_of_the_suppliers_file_are_rejected_and_reported() {
    let (_d, config) = catalogue(
        &["X"],
        "sku,supplier,unit_cost,lead_time\nX,SUP_B,4.10,8\nY,SUP_B,1,8\nX,SUP_B,4.0,9\nX,SUP_C,free,9\n",
        "[validation]\nmax_reject_share = 1.0\n",
    );
    let out = tempfile::tempdir().unwrap();
    let loaded = load_and_validate(&config, out.path()).unwrap();
    assert_eq!(loaded.suppliers["X"].len(), 1);
    let r: Vec<_> = loaded
        .rejects
        .iter()
        .filter(|r| r.file.ends_with("suppliers.csv"))
        .collect();
    assert_eq!(r.len(), 3, "{r:?}");
    let at = |line: u64| r.iter().find(|x| x.line == line).unwrap();
    assert!(
        at(3).reason.starts_with("unknown sku Y"),
        "{}",
        at(3).reason
    );
    assert_eq!((at(3).column.as_str(), at(3).value.as_str()), ("sku", "Y"));
    assert!(at(4).reason.contains("first at line 2"), "{}", at(4).reason);
    assert_eq!(
        (at(5).column.as_str(), at(5).value.as_str()),
        ("unit_cost", "free")
    );
    let file = loaded
        .report
        .files
        .iter()
        .find(|f| f.input.name() == "suppliers")
        .unwrap();
    assert_eq!((file.stats.rows_read, file.stats.rows_rejected), (4, 3));
}

#[test]
fn a_sku_that_may_buy_from_a_minimum_supplier_is_sharded_with_that_suppliers_skus() {
    // P1..P6 buy from SUP_M (a minimum) as alternative; SUP_M is nobody's primary. Every SKU
    // with SUP_M among its suppliers must be in one shard.
    let skus = ["P1", "P2", "P3", "P4", "P5", "P6", "Q1", "Q2", "Q3", "Q4"];
    let mut file = String::from("sku,supplier,unit_cost,lead_time\n");
    for s in &skus[..6] {
        file.push_str(&format!("{s},SUP_M,4.0,7\n"));
    }
    let (_d, config) = catalogue(
        &skus,
        &file,
        "\n[suppliers.SUP_M]\nmin_order_value = 100000\n",
    );
    let out = tempfile::tempdir().unwrap();
    let loaded = load_and_validate(&config, out.path()).unwrap();
    let whole = plan(&config, &loaded);
    let mut seen = BTreeSet::new();
    for index in 0..3 {
        let part = plan_shard(&config, &loaded, Some(Shard { index, count: 3 }));
        let with_m: Vec<&str> = part
            .plans
            .iter()
            .filter(|p| p.sku.starts_with('P'))
            .map(|p| p.sku.as_str())
            .collect();
        assert!(with_m.is_empty() || with_m.len() == 6, "{with_m:?}");
        for p in &part.plans {
            let w = sku(&whole, &p.sku);
            assert_eq!(p.supplier, w.supplier);
            assert!(seen.insert(p.sku.clone()));
        }
    }
    assert_eq!(seen.len(), skus.len());
}

#[test]
fn shards_with_several_suppliers_merge_into_the_unsharded_run_byte_for_byte() {
    // P1..P6 may buy from SUP_M (a minimum, nobody's primary); Q1..Q4 only from SUP_A.
    let skus = ["P1", "P2", "P3", "P4", "P5", "P6", "Q1", "Q2", "Q3", "Q4"];
    let mut file = String::from("sku,supplier,unit_cost,lead_time,lead_time_sd\n");
    for (i, s) in skus[..6].iter().enumerate() {
        file.push_str(&format!("{s},SUP_M,{},9,{}\n", 4.0 + 0.05 * i as f64, i));
    }
    let (_d, config) = catalogue(
        &skus,
        &file,
        "\n[suppliers.SUP_M]\nmin_order_value = 5000\n",
    );
    let opts = |shard| RunOptions {
        shard,
        simulate: false,
        report: true,
    };
    let whole = tempfile::tempdir().unwrap();
    run_job(&config, whole.path(), opts(None)).unwrap();
    let shards = tempfile::tempdir().unwrap();
    for index in 0..3 {
        run_job(
            &config,
            shards.path(),
            opts(Some(Shard { index, count: 3 })),
        )
        .unwrap();
    }
    let merged = tempfile::tempdir().unwrap();
    merge(&[shards.path().to_path_buf()], merged.path(), true).unwrap();
    let (a, b) = (snapshot(whole.path()), snapshot(merged.path()));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(a.contains_key(Path::new("supplier_choice.csv")));
    for (name, bytes) in &a {
        if name != Path::new("timings.json") {
            assert!(bytes == &b[name], "{name:?} differs");
        }
    }
}
