//! Helpers shared by the integration tests.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use replenish::{
    config::Config,
    generate::{generate, GenerateParams},
    validate::{load_and_validate, Loaded},
};

/// A catalogue written by `generate` with `params` into a fresh temporary folder, and the
/// config of its plan.toml.
pub fn generated_catalogue(params: &GenerateParams) -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    generate(params, dir.path()).unwrap();
    let config = Config::from_file(&dir.path().join("plan.toml")).unwrap();
    (dir, config)
}

/// Path of a file in `tests/data/`.
pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// Loads `tests/data/<rel>` as the sales file with no reject limit.
pub fn load_sales(rel: &str) -> Result<Loaded, replenish::io::LoadError> {
    let mut config = Config::default();
    config.inputs.sales = Some(data(rel));
    config.validation.max_reject_share = 1.0;
    let out = tempfile::tempdir().unwrap();
    load_and_validate(&config, out.path())
}

/// The loaded error's message.
pub fn error_of(rel: &str) -> String {
    match load_sales(rel) {
        Ok(_) => panic!("{rel} should fail to load"),
        Err(e) => e.to_string(),
    }
}

/// Asserts the invariant that nothing is silently dropped.
pub fn assert_balanced(loaded: &Loaded) {
    for f in &loaded.report.files {
        assert_eq!(
            f.stats.rows_read,
            f.stats.rows_accepted + f.stats.rows_rejected,
            "rows read = accepted + rejected for {}",
            f.path
        );
    }
    // A rejected optional cell is a reject too (its row is accepted).
    let rejected: u64 = loaded
        .report
        .files
        .iter()
        .map(|f| f.stats.rows_rejected + f.stats.cells_rejected)
        .sum();
    assert_eq!(
        rejected as usize,
        loaded.rejects.len(),
        "every rejected row and cell has a reject"
    );
}

/// Total bucketed demand.
pub fn total_units(loaded: &Loaded) -> f64 {
    loaded.series.iter().map(|s| s.total()).sum()
}

/// A CSV file as a header and rows of fields (RFC 4180 quoting: quoted fields may hold
/// commas, doubled quotes and newlines).
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    let header = rows.remove(0);
    (header, rows)
}

/// The column index of `name` in a header.
pub fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// Every file under `dir` (relative path → bytes).
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}
