//! What changed since the last run (`changes.csv`, the console line, the report section), and
//! chart file names for long and odd SKU codes.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

use crate::util::{col, read_csv};

fn replenish() -> Command {
    Command::cargo_bin("replenish").unwrap()
}

/// The bundled example's inputs copied into `dir` (so a test may edit them).
fn copy_example(dir: &Path) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for e in std::fs::read_dir(data).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
}

/// `replenish plan --no-report` of `inputs/plan.toml` into `out`; its stdout.
fn plan(inputs: &Path, out: &Path) -> String {
    let a = replenish()
        .args(["plan", "--no-report", "--config"])
        .arg(inputs.join("plan.toml"))
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}

/// Rewrites the cells of `file` in `dir`: `edit(sku, column, cell)` returns the new cell.
fn edit_csv(dir: &Path, file: &str, edit: impl Fn(&str, &str, &str) -> Option<String>) {
    let path = dir.join(file);
    let (header, rows) = read_csv(&path);
    let sku = col(&header, "sku");
    let mut text = header.join(",") + "\n";
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&header)
            .map(|(c, h)| edit(&r[sku], h, c).unwrap_or_else(|| c.clone()))
            .collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// The cell of `column` in the row of `sku`.
fn cell(path: &Path, sku: &str, column: &str) -> String {
    let (h, rows) = read_csv(path);
    let row = rows
        .iter()
        .find(|r| r[col(&h, "sku")] == sku)
        .unwrap_or_else(|| panic!("{sku} not in {path:?}"));
    row[col(&h, column)].clone()
}

/// The rows of changes.csv as (sku, change, column, before, after, actions, reason).
fn changes(out: &Path) -> Vec<[String; 7]> {
    let (h, rows) = read_csv(&out.join("changes.csv"));
    assert_eq!(
        h,
        ["sku", "change", "column", "before", "after", "actions", "reason"]
    );
    rows.into_iter()
        .map(|r| std::array::from_fn(|i| r[i].clone()))
        .collect()
}

fn find<'a>(rows: &'a [[String; 7]], sku: &str, change: &str) -> &'a [String; 7] {
    rows.iter()
        .find(|r| r[0] == sku && r[1] == change)
        .unwrap_or_else(|| panic!("no {change} row for {sku} in {rows:?}"))
}

#[test]
fn changes_list_new_and_dropped_orders_model_switches_and_flip_backs() {
    let dir = tempfile::tempdir().unwrap();
    let (inputs, out) = (dir.path().join("in"), dir.path().join("out"));
    std::fs::create_dir(&inputs).unwrap();
    copy_example(&inputs);

    // First run: nothing to compare with, no changes.csv.
    let first = plan(&inputs, &out);
    assert!(!out.join("changes.csv").exists());
    assert!(!first.contains("changes since"), "{first}");
    let recs = out.join("recommendations.csv");
    assert_eq!(cell(&recs, "SKU00006", "action"), "OK");
    assert_eq!(cell(&recs, "SKU00001", "action"), "ORDER");
    let old_quantity = cell(&recs, "SKU00001", "order_quantity");
    assert_eq!(cell(&out.join("policy.csv"), "SKU00002", "model"), "tsb");

    // The same inputs again: the header alone.
    let second = plan(&inputs, &out);
    let text = std::fs::read_to_string(out.join("changes.csv")).unwrap();
    assert_eq!(text, "sku,change,column,before,after,actions,reason\n");
    assert!(second.contains(&format!(
        "changes since the last run: 0 new orders, 0 dropped, 0 large swings — see {}",
        out.join("changes.csv").display()
    )));

    // 5000 customer units backordered on SKU00006, a million units on hand for SKU00001, a
    // forced model for SKU00002.
    edit_csv(&inputs, "inventory.csv", |sku, column, _| {
        match (sku, column) {
            ("SKU00006", "backordered") => Some("5000".into()),
            ("SKU00001", "on_hand") => Some("1000000".into()),
            _ => None,
        }
    });
    let mut overrides = std::fs::read_to_string(inputs.join("overrides.csv")).unwrap();
    overrides.push_str("SKU00002,naive,,,,,,,,,,,,,,,,forced in a test\n");
    std::fs::write(inputs.join("overrides.csv"), overrides).unwrap();
    let third = plan(&inputs, &out);
    let rows = changes(&out);
    let new = find(&rows, "SKU00006", "new_order");
    assert_eq!(new[2], "order_quantity");
    assert_eq!(new[3], "0");
    assert_eq!(new[4], cell(&recs, "SKU00006", "order_quantity"));
    assert!(new[4].parse::<f64>().unwrap() > 0.0);
    assert_eq!(new[5], "OK → ORDER");
    assert_eq!(new[6], cell(&recs, "SKU00006", "reason"));
    let dropped = find(&rows, "SKU00001", "dropped_order");
    assert_eq!(
        (dropped[3].as_str(), dropped[4].as_str()),
        (old_quantity.as_str(), "0")
    );
    assert_eq!(dropped[5], "ORDER → OK");
    let model = find(&rows, "SKU00002", "model");
    assert_eq!((model[3].as_str(), model[4].as_str()), ("tsb", "naive"));
    // Nothing else moved but what these three SKUs' inputs changed.
    assert!(
        rows.iter()
            .all(|r| ["SKU00006", "SKU00001", "SKU00002"].contains(&r[0].as_str())),
        "{rows:?}"
    );
    // Sorted by change, in the documented order.
    let rank = |c: &str| {
        [
            "new_order",
            "dropped_order",
            "quantity_swing",
            "model",
            "level",
            "action",
            "appeared",
            "disappeared",
        ]
        .iter()
        .position(|k| *k == c)
        .unwrap()
    };
    assert!(rows.windows(2).all(|w| rank(&w[0][1]) <= rank(&w[1][1])));
    assert!(
        third.contains("changes since the last run: 1 new order, 1 dropped, "),
        "{third}"
    );

    // The report, re-rendered from the folder, shows the section from changes.csv.
    replenish()
        .args(["report", "--top", "1", "--from"])
        .arg(&out)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let section = &html[html.find("<section id=\"changes\">").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("<h2>What changed since the last run</h2>"));
    assert!(
        section.contains("<td>SKU00006</td><td>new_order</td>"),
        "{section}"
    );
    assert!(section.contains("<td>OK → ORDER</td>"));
    assert!(html.contains("<a href=\"#changes\">What changed</a>"));

    // The old inventory again: SKU00006's order is dropped, and it flipped back.
    let original = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/inventory.csv");
    std::fs::copy(original, inputs.join("inventory.csv")).unwrap();
    let fourth = plan(&inputs, &out);
    let rows = changes(&out);
    assert_eq!(
        find(&rows, "SKU00006", "dropped_order")[5],
        "OK → ORDER → OK"
    );
    assert_eq!(
        find(&rows, "SKU00001", "new_order")[5],
        "ORDER → OK → ORDER"
    );
    assert!(fourth.contains(", 2 flipped back — see"), "{fourth}");
}

/// A generated catalogue whose SKU codes `renamed` replaces (every CSV cell equal to a code),
/// every SKU in the report's top list.
fn renamed_catalogue(dir: &Path, renamed: &[(&str, &str)]) -> PathBuf {
    replenish()
        .args([
            "generate", "-q", "--skus", "24", "--days", "730", "--seed", "3",
        ])
        .arg("--out")
        .arg(dir)
        .assert()
        .success();
    for f in [
        "sales.csv",
        "purchase_orders.csv",
        "inventory.csv",
        "items.csv",
    ] {
        let path = dir.join(f);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<String> = text
            .lines()
            .map(|l| {
                l.split(',')
                    .map(|c| {
                        renamed
                            .iter()
                            .find(|(from, _)| *from == c)
                            .map_or(c, |r| r.1)
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    }
    let config = dir.join("plan.toml");
    let mut toml = std::fs::read_to_string(&config).unwrap();
    toml.push_str("\n[report]\ntop_skus = 24\n");
    std::fs::write(&config, toml).unwrap();
    config
}

#[test]
fn long_and_odd_sku_codes_get_short_chart_names_the_report_maps_back() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("{}-{}", "L".repeat(150), "G".repeat(149));
    assert_eq!(long.len(), 300);
    let codes: [(&str, &str); 6] = [
        ("SKU00001", &long),
        ("SKU00002", "AB/12"),
        ("SKU00003", "X:Y"),
        ("SKU00004", "Ärmel-ß"),
        ("SKU00005", "sku-abc"),
        ("SKU00006", "SKU-ABC"),
    ];
    let inputs = dir.path().join("in");
    let config = renamed_catalogue(&inputs, &codes);
    let out = dir.path().join("out");
    replenish()
        .args(["run", "-q", "--replications", "5", "--days", "60"])
        .args(["--no-optimise", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(predicates::ord::lt(4));
    // Every SKU has its recommendation.
    let (h, recs) = read_csv(&out.join("recommendations.csv"));
    let skus: Vec<&str> = recs.iter().map(|r| r[col(&h, "sku")].as_str()).collect();
    for (_, code) in codes {
        assert!(skus.contains(&code), "{code} has no recommendation");
    }
    // Every chart file name is short.
    let charts = out.join("charts");
    let mut names = Vec::new();
    for e in std::fs::read_dir(&charts).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(name.len() <= 100, "{name} is {} bytes", name.len());
        names.push(name);
    }
    // No two chart files that only differ in case (one file on macOS or Windows).
    let mut lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    lower.sort();
    lower.dedup();
    assert_eq!(lower.len(), names.len());
    // The report names an existing file for every chart, and each odd code's section shows
    // the real code and its charts.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let mut mentioned = 0;
    for piece in html.split("(charts/").skip(1) {
        let stem = &piece[..piece.find(".png, .svg").unwrap()];
        for ext in ["png", "svg"] {
            assert!(
                charts.join(format!("{stem}.{ext}")).is_file(),
                "{stem}.{ext}"
            );
        }
        mentioned += 1;
    }
    assert_eq!(mentioned * 2, names.len());
    for (_, code) in codes {
        let escaped = code.replace('&', "&amp;");
        let start = html
            .find(&format!("<article id=\"sku-{escaped}\"><h3>{escaped} "))
            .unwrap_or_else(|| panic!("no section headed {code}"));
        let article = &html[start..];
        let article = &article[..article.find("</article>").unwrap()];
        let forecast = article.find("(charts/forecast_").unwrap();
        let caption = &article[forecast..];
        let caption = &caption[..caption.find(')').unwrap()];
        assert!(
            caption.ends_with(&format!(".svg of {escaped}")),
            "{caption}"
        );
    }
}
