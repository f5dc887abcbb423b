//! `replenish run` end to end on the bundled example, the charts, report.html (also in headless
//! Chromium) and `replenish report --from`.

use std::{
    path::{Path, PathBuf},
    process::Command as Process,
    sync::OnceLock,
};

use assert_cmd::Command;

use crate::util::{col, read_csv};

fn replenish() -> Command {
    Command::cargo_bin("replenish").unwrap()
}

/// Runs the bundled example once per test process (a quick simulation: 20 replications of
/// 180 days, no optimisation) and returns the output folder.
pub fn example() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep().join("example");
        run_example(&dir, "2");
        dir
    })
}

pub fn run_example(dir: &Path, threads: &str) {
    replenish()
        .args([
            "run",
            "-q",
            "--threads",
            threads,
            "--replications",
            "20",
            "--days",
            "180",
            "--no-optimise",
            "--out",
        ])
        .arg(dir)
        .assert()
        .success();
}

/// Every output DESIGN.md documents for a run.
const OUTPUTS: &[&str] = &[
    "forecast.csv",
    "accuracy.csv",
    "classes.csv",
    "policy.csv",
    "lead_times.csv",
    "lead_time_histogram.csv",
    "simulation.csv",
    "simulation_portfolio.csv",
    "recommendations.csv",
    "recommendations.json",
    "rejects.csv",
    "validation.json",
    "plan.json",
    "detail.json",
    "trajectories.json",
    "run.json",
    "timings.json",
    "report.html",
];

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn run_writes_every_documented_output() {
    let dir = example();
    for f in OUTPUTS {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let (_, recs) = read_csv(&dir.join("recommendations.csv"));
    assert_eq!(recs.len(), 300, "one recommendation per SKU");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    let inputs = manifest["inputs"].as_array().unwrap();
    assert_eq!(
        inputs.len(),
        6,
        "sales, purchase orders, inventory, items, overrides, events"
    );
    for i in inputs {
        assert_eq!(i["sha256"].as_str().unwrap().len(), 64);
        assert!(i["rows_read"].as_u64().unwrap() > 0);
    }
    assert_eq!(manifest["config"]["simulation"]["replications"], 20);
    let actions: u64 = manifest["actions"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(actions, 300);
}

#[test]
fn charts_are_png_and_svg_of_the_configured_size() {
    let dir = example().join("charts");
    let mut pngs = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        match p.extension().and_then(|x| x.to_str()) {
            Some("png") => {
                pngs += 1;
                assert_eq!(png_size(&std::fs::read(&p).unwrap()), (1000, 500), "{p:?}");
                assert!(p.with_extension("svg").is_file(), "{p:?} has no SVG twin");
            }
            Some("svg") => {
                let text = std::fs::read_to_string(&p).unwrap();
                let doc = roxmltree::Document::parse(&text)
                    .unwrap_or_else(|e| panic!("{p:?} is not well-formed XML: {e}"));
                let root = doc.root_element();
                assert_eq!(root.tag_name().name(), "svg");
                assert_eq!(root.attribute("width"), Some("1000"));
                // Text is real text (titles and labels), not missing glyphs.
                assert!(doc.descendants().any(|n| n.has_tag_name("text")), "{p:?}");
            }
            _ => {}
        }
    }
    // Portfolio charts (trade-off, distribution, scenarios, classes, supplier orders, the
    // order budget — SUP003's in data/plan.toml —, five suppliers' lead times) plus forecast,
    // trajectory and trade-off per top SKU.
    for stem in [
        "tradeoff_portfolio",
        "backorder_distribution",
        "scenarios",
        "classes",
        "supplier_orders",
        "budget",
        "lead_time_SUP003",
    ] {
        assert!(dir.join(format!("{stem}.png")).is_file(), "{stem}");
    }
    assert_eq!(
        pngs,
        11 + 3 * 20,
        "11 portfolio charts + 3 for each of 20 SKUs"
    );
}

/// The report's text skeleton: headings and table headers, digits replaced by `#`.
fn skeleton(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    let tags = ["<h1", "<h2", "<h3", "<th"];
    while let Some(i) = tags.iter().filter_map(|t| rest.find(t)).min() {
        rest = &rest[i..];
        let tag = &rest[1..3];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        let close = format!("</{tag}");
        let Some(end) = rest.find(&close) else { break };
        let inner = &rest[open_end + 1..end];
        let mut text = String::new();
        let mut in_tag = false;
        for c in inner.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(if c.is_ascii_digit() { '#' } else { c }),
                _ => {}
            }
        }
        // Headings of per-SKU sections name the SKU; keep one line per kind.
        if !(tag == "h3" && text.starts_with("SKU")) {
            out.push_str(&format!("{tag}: {}\n", text.trim()));
        }
        rest = &rest[end..];
    }
    // Table headers repeat per exception table and per facts row; keep first occurrences.
    let mut seen = std::collections::BTreeSet::new();
    out.lines()
        .filter(|l| !l.starts_with("th: ") || seen.insert(l.to_string()))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn report_skeleton_matches_the_snapshot() {
    let html = std::fs::read_to_string(example().join("report.html")).unwrap();
    let got = skeleton(&html);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/report_skeleton.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .expect("snapshot missing: run the test with UPDATE_SNAPSHOTS=1 and review the file");
    assert_eq!(
        got, want,
        "report skeleton changed; if intended, UPDATE_SNAPSHOTS=1 and review"
    );
}

#[test]
fn report_is_self_contained() {
    let html = std::fs::read_to_string(example().join("report.html")).unwrap();
    // No network: no external scripts, styles, images or fonts.
    for needle in ["src=\"http", "href=\"http", "url(http", "@import", "<link"] {
        assert!(!html.contains(needle), "report.html references {needle}");
    }
    assert_eq!(html.matches("data:image/png;base64,").count(), 71);
    // One table row per SKU, as plain HTML (readable without JavaScript) and in the data the
    // script pages through.
    let table = &html[html.find("<table id=\"recs\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr class=\"a-").count(), 300);
    let tag = "id=\"recs-data\">";
    let data = &html[html.find(tag).unwrap() + tag.len()..];
    let data: Vec<Vec<String>> =
        serde_json::from_str(&data[..data.find("</script>").unwrap()]).unwrap();
    assert_eq!(data.len(), 300);
}

#[test]
fn report_from_rerenders_with_other_settings() {
    let src = example();
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::create_dir(dir.path().join("charts")).unwrap();
    std::fs::write(dir.path().join("charts/forecast_OLD.png"), b"stale").unwrap();
    replenish()
        .args([
            "report",
            "--top",
            "3",
            "--width",
            "800",
            "--height",
            "400",
            "--static-rows",
            "50",
            "--from",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("3 SKU sections"));
    let charts: Vec<String> = std::fs::read_dir(dir.path().join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !charts.iter().any(|c| c.contains("OLD")),
        "stale chart kept"
    );
    assert_eq!(
        charts.iter().filter(|c| c.starts_with("forecast_")).count(),
        6
    );
    let png = std::fs::read(dir.path().join("charts/classes.png")).unwrap();
    assert_eq!(png_size(&png), (800, 400));
    // 50 plain rows for readers without JavaScript, saying so; all 300 in the data.
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_eq!(html.matches("<tr class=\"a-").count(), 50);
    assert!(html.contains("shows the 50 most urgent of 300 rows"));
    // Not an output folder: a clear error.
    let empty = tempfile::tempdir().unwrap();
    replenish()
        .args(["report", "--from"])
        .arg(empty.path())
        .assert()
        .failure()
        .stderr(predicates::str::contains("no recommendations.csv"));
}

/// Checks run inside the page: errors, images, row count, sorting, filtering.
const PROBE_HEAD: &str = r#"<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  var t = e.target;
  window.__errors.push(t && t.tagName ? ('broken ' + t.tagName + ' ' + (t.src || '').slice(0, 60)) : String(e.message));
}, true);
(function () { var orig = console.error; console.error = function () { window.__errors.push('console.error: ' + Array.prototype.join.call(arguments, ' ')); orig.apply(console, arguments); }; })();
</script>"#;

const PROBE_TAIL: &str = r#"<script>
(function () {
  var r = {};
  var imgs = Array.prototype.slice.call(document.images);
  r.images = imgs.length;
  r.broken = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); }).length;
  var table = document.getElementById('recs');
  var data = JSON.parse(document.getElementById('recs-data').textContent);
  r.rows = data.length;
  r.total = parseInt(table.getAttribute('data-total'), 10);
  function rendered() { return Array.prototype.slice.call(table.tBodies[0].rows); }
  r.visible = rendered().length;
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var col = heads.findIndex(function (h) { return h.textContent === 'Order qty'; });
  var all = data.map(function (row) { return parseFloat(row[col]); }).filter(function (v) { return !isNaN(v); });
  function values() {
    return rendered().map(function (x) {
      var v = parseFloat(x.cells[col].getAttribute('data-v')); return isNaN(v) ? null : v; });
  }
  function sorted(vs, dir) {
    var nums = vs.filter(function (v) { return v !== null; });
    for (var i = 1; i < nums.length; i++) { if (dir * (nums[i] - nums[i - 1]) < 0) return false; }
    var firstNull = vs.indexOf(null);
    return firstNull < 0 || vs.slice(firstNull).every(function (v) { return v === null; });
  }
  heads[col].click();
  var asc = values();
  r.sortAsc = sorted(asc, 1) && asc[0] === Math.min.apply(null, all) && heads[col].getAttribute('aria-sort') === 'ascending';
  heads[col].click();
  var desc = values();
  r.sortDesc = sorted(desc, -1) && desc[0] === Math.max.apply(null, all);
  var action = document.getElementById('recs-action');
  action.value = 'ORDER';
  action.dispatchEvent(new Event('change'));
  var shown = rendered();
  r.orderRowsShown = shown.length;
  r.orderRowsAllOrder = shown.every(function (x) { return x.getAttribute('data-action') === 'ORDER'; });
  r.info = document.getElementById('recs-info').textContent;
  r.errors = window.__errors;
  var pre = document.createElement('pre');
  pre.id = 'browser-test';
  pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
})();
</script>"#;

fn chromium() -> PathBuf {
    for c in [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ] {
        if Path::new(c).is_file() {
            return PathBuf::from(c);
        }
    }
    panic!(
        "the browser test needs Chromium: apt-get install chromium (.ci/run installs it); \
         set REPLENISH_SKIP_BROWSER=1 to skip it on a machine without one"
    );
}

fn headless(profile: &Path) -> Process {
    let mut cmd = Process::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

#[test]
fn report_works_in_headless_chromium() {
    if std::env::var_os("REPLENISH_SKIP_BROWSER").is_some() {
        eprintln!("REPLENISH_SKIP_BROWSER set: browser test skipped");
        return;
    }
    let dir = example();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let probed = html
        .replacen("<head>", &format!("<head>\n{PROBE_HEAD}"), 1)
        .replacen("</body>", &format!("{PROBE_TAIL}\n</body>"), 1);
    let work = tempfile::tempdir().unwrap();
    let page = work.path().join("probed.html");
    std::fs::write(&page, probed).unwrap();
    let out = headless(&work.path().join("profile"))
        .args(["--virtual-time-budget=10000", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("<pre id=\"browser-test\">").unwrap_or_else(|| {
        panic!(
            "probe did not run; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let json = &dom[start + "<pre id=\"browser-test\">".len()..];
    let json = &json[..json.find("</pre>").unwrap()];
    let json = json.replace("&quot;", "\"").replace("&amp;", "&");
    let r: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(r["errors"], serde_json::json!([]), "console errors: {r}");
    assert_eq!(r["images"], 71, "{r}");
    assert_eq!(r["broken"], 0, "{r}");
    assert_eq!(r["rows"], 300, "one row per SKU: {r}");
    assert_eq!(r["total"], 300, "{r}");
    assert_eq!(r["visible"], 100, "first page of 100 rows: {r}");
    assert_eq!(r["sortAsc"], true, "{r}");
    assert_eq!(r["sortDesc"], true, "{r}");
    let (header, rows) = read_csv(&dir.join("recommendations.csv"));
    let action = col(&header, "action");
    let orders = rows.iter().filter(|row| row[action] == "ORDER").count();
    assert_eq!(r["orderRowsShown"], orders.min(100), "{r}");
    assert_eq!(r["orderRowsAllOrder"], true, "{r}");
    assert!(
        r["info"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{orders} of 300 rows")),
        "{r}"
    );

    // Screenshot of the unmodified report, kept as a test artifact.
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let status = headless(&work.path().join("profile2"))
        .args(["--window-size=1400,2400", "--virtual-time-budget=5000"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", dir.join("report.html").display()))
        .output()
        .unwrap();
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert_eq!(png_size(&std::fs::read(&shot).unwrap()), (1400, 2400));
    eprintln!("screenshot: {}", shot.display());
}
