//! The messy-exports corpus (`tests/data/messy/cases.toml`): every row of issue 21's table —
//! a realistic export mistake applied to a copy of the bundled example, or a fixture of that
//! folder — run through the binary, with what the planner must see checked: exit code,
//! console message, anomalies.csv and rejects.csv rows, and the affected SKU's
//! recommendation against the clean example's.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use assert_cmd::Command;
use serde::Deserialize;

use super::util::{col, read_csv};

/// One case of cases.toml.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    row: String,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    config: Option<String>,
    #[serde(flatten)]
    edit: Edit,
    #[serde(default)]
    more: Option<Edit>,
    expect: Expect,
}

/// The edits of a case (applied in this order).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    set: Option<SetCells>,
    append_copy: Option<AppendCopy>,
    append_rows: Option<AppendRows>,
    add_column: Option<AddColumn>,
    rename_sku: Option<Rename>,
}

#[derive(Debug, Deserialize)]
struct SetCells {
    file: String,
    #[serde(rename = "match")]
    matching: BTreeMap<String, String>,
    values: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct AppendCopy {
    file: String,
    column: String,
    prefix: String,
}

#[derive(Debug, Deserialize)]
struct AppendRows {
    file: String,
    rows: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct AddColumn {
    file: String,
    column: String,
    cycle: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Rename {
    from: String,
    to: String,
}

/// What the planner must see.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    exit: i32,
    #[serde(default)]
    console: Vec<String>,
    anomaly: Option<BTreeMap<String, String>>,
    #[serde(default)]
    no_anomalies: bool,
    reject: Option<BTreeMap<String, String>>,
    rejects: Option<usize>,
    sku: Option<String>,
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    reason: Vec<String>,
    #[serde(default)]
    not_reason: Vec<String>,
    order_at_most: Option<f64>,
    pack_moq: Option<[f64; 2]>,
    demand_per_day_max: Option<f64>,
    others_same: Option<f64>,
    forecast_starts: Option<String>,
    lead_time_sd_max: Option<LeadTimeBound>,
}

#[derive(Debug, Deserialize)]
struct LeadTimeBound {
    sku: String,
    days: f64,
}

fn messy(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/messy")
        .join(rel)
}

fn cases() -> Vec<Case> {
    #[derive(Deserialize)]
    struct File {
        case: Vec<Case>,
    }
    let text = std::fs::read_to_string(messy("cases.toml")).unwrap();
    toml::from_str::<File>(&text).unwrap().case
}

/// A table read back: header and rows.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Self {
        let (header, rows) = read_csv(path);
        Table { header, rows }
    }

    fn get<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        &row[col(&self.header, name)]
    }

    /// The row of `sku` (first column `sku`).
    fn of_sku(&self, sku: &str) -> Option<&Vec<String>> {
        self.rows.iter().find(|r| self.get(r, "sku") == sku)
    }
}

/// Outputs of one run.
struct Ran {
    code: i32,
    stdout: String,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

/// Runs `command` (plan by default, without the report) on `config`.
fn run(config: &Path, command: &str) -> Ran {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut cmd = Command::cargo_bin("replenish").unwrap();
    cmd.arg(command)
        .arg("--config")
        .arg(config)
        .arg("--out")
        .arg(&out);
    if command == "plan" {
        cmd.arg("--no-report");
    } else {
        cmd.arg("--no-simulate");
    }
    let o = cmd.output().unwrap();
    Ran {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned()
            + &String::from_utf8_lossy(&o.stderr),
        out,
        _dir: dir,
    }
}

/// The clean bundled example's plan, run once.
fn clean() -> &'static Ran {
    static CLEAN: OnceLock<Ran> = OnceLock::new();
    CLEAN.get_or_init(|| {
        let dir = example_copy();
        let ran = run(&dir.path().join("plan.toml"), "plan");
        std::mem::forget(dir);
        ran
    })
}

fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for e in std::fs::read_dir(&data).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    dir
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// Splits a CSV line of the example (no quoted commas in it).
fn cells(line: &str) -> Vec<String> {
    line.split(',').map(str::to_string).collect()
}

impl Edit {
    fn apply(&self, dir: &Path) {
        if let Some(s) = &self.set {
            let path = dir.join(&s.file);
            let mut lines = read_lines(&path);
            let header = cells(&lines[0]);
            let idx = |c: &str| header.iter().position(|h| h == c).unwrap();
            let mut hits = 0;
            for line in lines.iter_mut().skip(1) {
                let mut c = cells(line);
                if s.matching.iter().all(|(k, v)| c[idx(k)] == *v) {
                    for (k, v) in &s.values {
                        c[idx(k)].clone_from(v);
                    }
                    *line = c.join(",");
                    hits += 1;
                }
            }
            assert!(hits > 0, "no row of {} matches {:?}", s.file, s.matching);
            write_lines(&path, &lines);
        }
        if let Some(a) = &self.append_copy {
            let path = dir.join(&a.file);
            let mut lines = read_lines(&path);
            let i = cells(&lines[0])
                .iter()
                .position(|h| *h == a.column)
                .unwrap();
            let copy: Vec<String> = lines[1..]
                .iter()
                .filter(|l| cells(l)[i].starts_with(&a.prefix))
                .cloned()
                .collect();
            assert!(copy.len() > 100, "too few rows to copy: {}", copy.len());
            lines.extend(copy);
            write_lines(&path, &lines);
        }
        if let Some(a) = &self.append_rows {
            let path = dir.join(&a.file);
            let mut lines = read_lines(&path);
            lines.extend(a.rows.iter().cloned());
            write_lines(&path, &lines);
        }
        if let Some(a) = &self.add_column {
            let path = dir.join(&a.file);
            let mut lines = read_lines(&path);
            lines[0].push_str(&format!(",{}", a.column));
            for (k, line) in lines.iter_mut().skip(1).enumerate() {
                line.push_str(&format!(",{}", a.cycle[k % a.cycle.len()]));
            }
            write_lines(&path, &lines);
        }
        if let Some(r) = &self.rename_sku {
            let to = r.to.replace("{300x}", &"X".repeat(300));
            for f in [
                "sales.csv",
                "purchase_orders.csv",
                "inventory.csv",
                "items.csv",
            ] {
                let path = dir.join(f);
                let lines: Vec<String> = read_lines(&path)
                    .into_iter()
                    .map(|l| {
                        let mut c = cells(&l);
                        for cell in &mut c {
                            if *cell == r.from {
                                cell.clone_from(&to);
                            }
                        }
                        c.join(",")
                    })
                    .collect();
                write_lines(&path, &lines);
            }
        }
    }
}

/// Runs one case and returns every expectation that failed.
fn check(case: &Case) -> Vec<String> {
    let dir = example_copy();
    let config = match &case.config {
        Some(c) => messy(c),
        None => {
            case.edit.apply(dir.path());
            if let Some(m) = &case.more {
                m.apply(dir.path());
            }
            dir.path().join("plan.toml")
        }
    };
    let ran = run(&config, case.command.as_deref().unwrap_or("plan"));
    let e = &case.expect;
    let mut fails = Vec::new();
    let mut want = |ok: bool, what: String| {
        if !ok {
            fails.push(what);
        }
    };
    want(
        ran.code == e.exit,
        format!("exit {} (expected {})\n{}", ran.code, e.exit, ran.stdout),
    );
    for c in &e.console {
        want(ran.stdout.contains(c), format!("console lacks {c:?}"));
    }
    if ran.code == 1 {
        return fails;
    }
    for f in ["anomalies.csv", "rejects.csv", "recommendations.csv"] {
        if !ran.out.join(f).exists() {
            fails.push(format!("no {f} written"));
            return fails;
        }
    }
    let anomalies = Table::read(&ran.out.join("anomalies.csv"));
    if let Some(a) = &e.anomaly {
        let hit = anomalies.rows.iter().any(|r| {
            a.iter().all(|(k, v)| {
                let cell = anomalies.get(r, k);
                if k == "file" {
                    cell.ends_with(v.as_str())
                } else {
                    cell == v
                }
            })
        });
        want(hit, format!("no anomaly {a:?} in {:?}", anomalies.rows));
    }
    if e.no_anomalies {
        want(
            anomalies.rows.is_empty(),
            format!("anomalies {:?}", anomalies.rows),
        );
    }
    let rejects = Table::read(&ran.out.join("rejects.csv"));
    if let Some(want_reject) = &e.reject {
        let hit = rejects.rows.iter().any(|r| {
            want_reject.iter().all(|(k, v)| {
                let cell = rejects.get(r, k);
                match k.as_str() {
                    "file" => cell.ends_with(v.as_str()),
                    "reason" => cell.contains(v.as_str()),
                    _ => cell == v,
                }
            })
        });
        want(
            hit,
            format!("no reject {want_reject:?} in {:?}", rejects.rows),
        );
    }
    if let Some(n) = e.rejects {
        want(
            rejects.rows.len() == n,
            format!(
                "{} rejects, expected {n}: {:?}",
                rejects.rows.len(),
                rejects.rows
            ),
        );
    }
    check_recommendation(e, &ran, &mut fails);
    check_outputs(e, &ran, &mut fails);
    fails
}

/// The expectations on the case's SKU and on the other SKUs' recommendations.
fn check_recommendation(e: &Expect, ran: &Ran, fails: &mut Vec<String>) {
    let recs = Table::read(&ran.out.join("recommendations.csv"));
    let base = Table::read(&clean().out.join("recommendations.csv"));
    if let Some(sku) = &e.sku {
        let Some(r) = recs.of_sku(sku) else {
            fails.push(format!("no recommendation for {sku}"));
            return;
        };
        let action = recs.get(r, "action");
        let reason = recs.get(r, "reason");
        let qty: f64 = recs.get(r, "order_quantity").parse().unwrap();
        if !e.actions.is_empty() && !e.actions.iter().any(|a| a == action) {
            fails.push(format!(
                "{sku}: action {action}, expected one of {:?}",
                e.actions
            ));
        }
        for s in &e.reason {
            if !reason.contains(s.as_str()) {
                fails.push(format!("{sku}: reason lacks {s:?}: {reason}"));
            }
        }
        for s in &e.not_reason {
            if reason.contains(s.as_str()) {
                fails.push(format!("{sku}: reason has {s:?}: {reason}"));
            }
        }
        if let Some(k) = e.order_at_most {
            let was: f64 = base
                .of_sku(sku)
                .map_or(0.0, |b| base.get(b, "order_quantity").parse().unwrap());
            if qty > k * was + 1e-9 {
                fails.push(format!(
                    "{sku}: orders {qty}, the clean run {was} (limit ×{k})"
                ));
            }
        }
        if let Some([pack, moq]) = e.pack_moq {
            if qty > 0.0 && ((qty / pack).fract() != 0.0 || qty < moq) {
                fails.push(format!("{sku}: order {qty} breaks pack {pack} / MOQ {moq}"));
            }
            if action == "ORDER" && qty <= 0.0 {
                fails.push(format!("{sku}: ORDER without a quantity"));
            }
        }
        if let Some(max) = e.demand_per_day_max {
            let d: f64 = recs.get(r, "demand_per_day").parse().unwrap_or(f64::NAN);
            if d.is_nan() || d > max {
                fails.push(format!("{sku}: demand_per_day {d} > {max}"));
            }
        }
    }
    if let Some(share) = e.others_same {
        let mut changed = Vec::new();
        for b in &base.rows {
            let sku = base.get(b, "sku");
            if Some(sku) == e.sku.as_deref() {
                continue;
            }
            let Some(r) = recs.of_sku(sku) else {
                changed.push(format!("{sku} missing"));
                continue;
            };
            let (qa, qb): (f64, f64) = (
                recs.get(r, "order_quantity").parse().unwrap(),
                base.get(b, "order_quantity").parse().unwrap(),
            );
            if recs.get(r, "action") != base.get(b, "action")
                || (qa - qb).abs() > share * qb.max(1.0) + 1e-9
            {
                changed.push(format!(
                    "{sku}: {} {qb} -> {} {qa}",
                    base.get(b, "action"),
                    recs.get(r, "action")
                ));
            }
        }
        if !changed.is_empty() {
            fails.push(format!("other SKUs changed: {changed:?}"));
        }
    }
}

/// Expectations on forecast.csv and lead_times.csv.
fn check_outputs(e: &Expect, ran: &Ran, fails: &mut Vec<String>) {
    if let Some(start) = &e.forecast_starts {
        let f = Table::read(&ran.out.join("forecast.csv"));
        let first = f.rows.iter().map(|r| f.get(r, "date")).min();
        if first != Some(start.as_str()) {
            fails.push(format!("forecast starts {first:?}, expected {start}"));
        }
    }
    if let Some(b) = &e.lead_time_sd_max {
        let lt = Table::read(&ran.out.join("lead_times.csv"));
        let sd = lt
            .of_sku(&b.sku)
            .map(|r| lt.get(r, "sd_days").parse::<f64>().unwrap());
        if !sd.is_some_and(|sd| sd <= b.days) {
            fails.push(format!("{}: lead-time sd {sd:?} > {}", b.sku, b.days));
        }
    }
}

/// Every case of the corpus holds; the failures of all cases are reported together.
#[test]
fn every_messy_export_gets_what_the_planner_must_see() {
    let cases = cases();
    assert!(cases.len() >= 15, "the corpus covers the table");
    // Two at a time: each case is a whole plan of the example.
    let fails: Vec<String> = std::thread::scope(|s| {
        let (a, b): (Vec<&Case>, Vec<&Case>) = {
            let mut a = Vec::new();
            let mut b = Vec::new();
            for (i, c) in cases.iter().enumerate() {
                if i % 2 == 0 {
                    a.push(c)
                } else {
                    b.push(c)
                }
            }
            (a, b)
        };
        let _ = clean();
        let ha = s.spawn(move || a.into_iter().flat_map(report).collect::<Vec<_>>());
        let hb = s.spawn(move || b.into_iter().flat_map(report).collect::<Vec<_>>());
        let mut all = ha.join().unwrap();
        all.extend(hb.join().unwrap());
        all
    });
    assert!(fails.is_empty(), "{}", fails.join("\n\n"));
}

fn report(case: &Case) -> Vec<String> {
    check(case)
        .into_iter()
        .map(|f| format!("[{}] {}: {f}", case.name, case.row))
        .collect()
}
