//! Service delivered since an earlier run (`realised.csv`, the console line, the report
//! section) on the bundled example: a run planned four weeks early on the sales up to then,
//! and a run on the whole history, checked against a recomputation from the files.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

use assert_cmd::Command;

use crate::util::{col, read_csv};

const EARLIER: &str = "2025-12-04";
const NOW: &str = "2026-01-01";

fn replenish() -> Command {
    Command::cargo_bin("replenish").unwrap()
}

/// The bundled example's inputs in `dir`, with `sales_early.csv` (the sales before
/// [`EARLIER`]) and `late.toml` (plan.toml keeping the levels of `../early/policy.csv`).
fn inputs(dir: &Path) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for e in std::fs::read_dir(data).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let sales = std::fs::read_to_string(dir.join("sales.csv")).unwrap();
    let early: String = sales
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || l[..10] < *EARLIER)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("sales_early.csv"), early).unwrap();
    let plan = std::fs::read_to_string(dir.join("plan.toml")).unwrap();
    assert!(plan.contains("\n[policy]\n"));
    let late = plan.replacen(
        "\n[policy]\n",
        "\n[policy]\nlock_from = \"../early/policy.csv\"\n",
        1,
    );
    std::fs::write(dir.join("late.toml"), late).unwrap();
}

/// `replenish plan` with `args`; its stdout.
fn plan(args: &[&str], config: &Path, out: &Path) -> String {
    let a = replenish()
        .arg("plan")
        .args(args)
        .arg("--config")
        .arg(config)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}

fn date(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// What the files say about one SKU over [`EARLIER`] … the day before [`NOW`].
#[derive(Default)]
struct Expected {
    days: u32,
    stockout_days: u32,
    sales: f64,
    lost: f64,
    forecast: f64,
    actual: f64,
    cycles: u32,
    cycles_ok: u32,
    ordered: f64,
}

/// Recomputes every SKU's measures from the earlier forecast.csv, the sales and the purchase
/// orders (daily buckets; the example has no screened day).
fn recompute(inputs: &Path, early: &Path) -> BTreeMap<String, Expected> {
    let (p0, p1) = (date(EARLIER), date(NOW));
    let (h, rows) = read_csv(&early.join("forecast.csv"));
    let (sku, d, f) = (col(&h, "sku"), col(&h, "date"), col(&h, "forecast"));
    let mut forecast: BTreeMap<(String, String), f64> = BTreeMap::new();
    for r in rows {
        forecast.insert((r[sku].clone(), r[d].clone()), r[f].parse().unwrap());
    }
    let (h, rows) = read_csv(&inputs.join("sales.csv"));
    let (sku, d, q, so) = (
        col(&h, "sku"),
        col(&h, "date"),
        col(&h, "quantity"),
        col(&h, "stockout"),
    );
    // (sku, date) → (net units, stockout).
    let mut sales: BTreeMap<(String, String), (f64, bool)> = BTreeMap::new();
    for r in rows {
        let e = sales.entry((r[sku].clone(), r[d].clone())).or_default();
        e.0 += r[q].parse::<f64>().unwrap();
        e.1 |= r[so] == "1";
    }
    let (h, rows) = read_csv(&inputs.join("purchase_orders.csv"));
    let (sku, rd, od, qty) = (
        col(&h, "sku"),
        col(&h, "receipt_date"),
        col(&h, "order_date"),
        col(&h, "quantity"),
    );
    let mut ordered: BTreeMap<String, f64> = BTreeMap::new();
    for r in rows
        .iter()
        .filter(|r| r[od].as_str() >= EARLIER && r[od].as_str() < NOW)
    {
        *ordered.entry(r[sku].clone()).or_default() += r[qty].parse::<f64>().unwrap();
    }
    let mut receipts: BTreeMap<String, BTreeSet<chrono::NaiveDate>> = BTreeMap::new();
    for r in rows.iter().filter(|r| !r[rd].is_empty()) {
        receipts
            .entry(r[sku].clone())
            .or_default()
            .insert(date(&r[rd]));
    }
    let skus: BTreeSet<String> = forecast.keys().map(|k| k.0.clone()).collect();
    let mut out = BTreeMap::new();
    for s in skus {
        let mut e = Expected {
            ordered: ordered.get(&s).copied().unwrap_or(0.0),
            ..Expected::default()
        };
        let mut out_days = Vec::new();
        let mut day = p0;
        let mut last = p0;
        while day < p1 {
            let key = (s.clone(), day.to_string());
            if let Some(&f) = forecast.get(&key) {
                let (units, stockout) = sales.get(&key).copied().unwrap_or((0.0, false));
                let sold = units.max(0.0);
                e.days += 1;
                e.sales += sold;
                last = day;
                if stockout {
                    e.stockout_days += 1;
                    e.lost += (f - sold).max(0.0);
                    out_days.push(day);
                } else {
                    e.forecast += f;
                    e.actual += sold;
                }
            }
            day = day.succ_opt().unwrap();
        }
        let mut from = p0;
        for &r in receipts.get(&s).into_iter().flatten() {
            if r > p0 && r <= last.succ_opt().unwrap() {
                e.cycles += 1;
                if !out_days.iter().any(|d| *d >= from && *d < r) {
                    e.cycles_ok += 1;
                }
                from = r;
            }
        }
        out.insert(s, e);
    }
    out
}

fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} vs {b}");
}

#[test]
fn realised_service_since_an_earlier_run_matches_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, early, late) = (
        tmp.path().join("inputs"),
        tmp.path().join("early"),
        tmp.path().join("late"),
    );
    std::fs::create_dir(&dir).unwrap();
    inputs(&dir);
    let sales_early = dir.join("sales_early.csv");
    plan(
        &[
            "--no-report",
            "--sales",
            sales_early.to_str().unwrap(),
            "--planning-date",
            EARLIER,
        ],
        &dir.join("plan.toml"),
        &early,
    );
    // A first run has nothing to compare: no realised.csv.
    assert!(early.join("plan.json").is_file());
    assert!(!early.join("realised.csv").exists());

    // The later run reads the earlier one through `[policy] lock_from`.
    let stdout = plan(&[], &dir.join("late.toml"), &late);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("realised since the run of 2025-12-04 ("))
        .unwrap_or_else(|| panic!("no realised line in {stdout}"));
    assert!(line.ends_with("realised.csv"), "{line}");

    let (h, rows) = read_csv(&late.join("realised.csv"));
    let c = |name: &str| col(&h, name);
    assert_eq!(h[0], "sku");
    assert_eq!(h[1], "status");
    let expected = recompute(&dir, &early);
    let (rh, recs) = read_csv(&early.join("recommendations.csv"));
    let actions: BTreeMap<String, String> = recs
        .into_iter()
        .map(|r| (r[0].clone(), r[col(&rh, "action")].clone()))
        .collect();
    let mut compared = 0;
    for r in &rows {
        let e = expected
            .get(&r[0])
            .unwrap_or_else(|| panic!("{} not in the earlier forecast", r[0]));
        let num = |name: &str| r[c(name)].parse::<f64>().unwrap();
        let opt = |name: &str| r[c(name)].parse::<f64>().ok();
        assert_eq!(r[c("days")], e.days.to_string(), "{}", r[0]);
        close(num("ordered_units"), e.ordered, 1e-6, "ordered units");
        assert_eq!(r[c("earlier_action")], actions[&r[0]], "{}", r[0]);
        if r[c("status")] != "compared" {
            assert!(e.days < 7 && !r[c("reason")].is_empty(), "{r:?}");
            continue;
        }
        compared += 1;
        assert_eq!(
            (&r[c("from")][..], &r[c("to")][..]),
            (EARLIER, "2025-12-31")
        );
        assert_eq!(
            r[c("stockout_days")],
            e.stockout_days.to_string(),
            "{}",
            r[0]
        );
        close(num("sales_units"), e.sales, 1e-6, "sales");
        // The forecast cells have four decimals: sums of 28 of them agree to 0.0015.
        close(num("lost_units"), e.lost, 2e-3, "lost");
        close(num("forecast_units"), e.forecast, 2e-3, "forecast");
        close(num("actual_units"), e.actual, 1e-6, "actual");
        let demand = e.sales + e.lost;
        match opt("fill_rate") {
            Some(f) => close(f, e.sales / demand, 1e-4, "fill rate"),
            None => assert!(demand <= 0.0),
        }
        assert_eq!(
            (num("cycles"), num("cycles_without_stockout")),
            (f64::from(e.cycles), f64::from(e.cycles_ok)),
            "{}",
            r[0]
        );
        match opt("bias") {
            Some(b) => close(b, (e.forecast - e.actual) / e.actual, 1e-4, "bias"),
            None => assert!(e.actual <= 0.0),
        }
        // The realised value is in the target's measure, and vs_target is its gap.
        let realised = match &r[c("service_measure")][..] {
            "fill_rate" => opt("fill_rate"),
            _ => opt("cycle_service"),
        };
        assert_eq!(opt("realised"), realised, "{}", r[0]);
        if let (Some(x), Some(t)) = (realised, opt("target")) {
            close(num("vs_target"), x - t, 1e-4, "vs_target");
        }
    }
    assert_eq!(rows.len(), expected.len());
    assert!(compared >= 250, "only {compared} SKUs compared");

    // The same comparison through the output folder itself: a copy of the earlier run,
    // replaced by a run on the whole history (with the report).
    let same = tmp.path().join("same");
    std::fs::create_dir(&same).unwrap();
    for e in std::fs::read_dir(&early).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, same.join(p.file_name().unwrap())).unwrap();
    }
    plan(&[], &dir.join("plan.toml"), &same);
    assert_eq!(
        std::fs::read_to_string(same.join("realised.csv")).unwrap(),
        std::fs::read_to_string(late.join("realised.csv")).unwrap()
    );
    let html = std::fs::read_to_string(same.join("report.html")).unwrap();
    assert!(html.contains("<h2>Service delivered since the last run</h2>"));
    assert!(html.contains("from 2025-12-04 to 2025-12-31"));
    assert!(html.contains("<tr><td>all</td><td class=\"n\">"));
}
