//! The layer rule of `src/lib.rs`, enforced: imports go one way.
//!
//! The layer table in the crate documentation (`//! | layer | modules | … |`) is the rule; this
//! test reads it, then every library source file, and fails on
//! - a path into another top-level module (`crate::x…`, `crate::{x…}`, or `super::` chains that
//!   leave the file's top-level module) whose layer is above the importing module's;
//! - an import cycle among top-level modules (same-layer imports are allowed, loops are not);
//! - a top-level module of `lib.rs` missing from the table, or a table entry that is no module.
//!
//! Comments, doc comments and string literals are skipped, so documentation may link to any
//! module. The binary (`src/main.rs`, `src/cli/`) is the top layer and is not scanned.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

/// Module → layer number, from the table in `src/lib.rs`'s documentation.
fn layer_table(lib: &str) -> BTreeMap<String, u32> {
    let mut layers = BTreeMap::new();
    for line in lib.lines() {
        let Some(row) = line.strip_prefix("//! |") else {
            continue;
        };
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (Some(layer), Some(modules)) = (cells.first(), cells.get(1)) else {
            continue;
        };
        let Some(number) = layer
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        for name in modules.split(',') {
            let name = name.trim().trim_matches(|c| matches!(c, '[' | ']' | '`'));
            if !name.is_empty() {
                layers.insert(name.to_string(), number);
            }
        }
    }
    layers
}

/// Top-level modules declared in `lib.rs` (`pub mod x;`, `mod x;`).
fn declared_modules(lib: &str) -> BTreeSet<String> {
    lib.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l
                .strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("mod "))?;
            Some(rest.strip_suffix(';')?.trim().to_string())
        })
        .collect()
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a source file relative to `src/`: `plan/output.rs` → [plan, output],
/// `plan/mod.rs` → [plan], `util.rs` → [util].
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    if last != "mod.rs" {
        parts.push(last.trim_end_matches(".rs").to_string());
    }
    parts
}

/// `text` with comments removed and string and char literals emptied (their quotes kept), so
/// that neither a doc link nor a brace in a string counts.
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && is_raw_start(&b, i) {
            // r"…" or r#"…"#: skip to the closing quote and as many hashes.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            j += 1;
            while j < b.len() {
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && is_char_literal(&b, i) {
            i += 1;
            while i < b.len() && b[i] != '\'' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether the `r` at `i` starts a raw string (not the end of an identifier such as `for`).
fn is_raw_start(b: &[char], i: usize) -> bool {
    let before_ok = i == 0 || !(b[i - 1].is_alphanumeric() || b[i - 1] == '_');
    let mut j = i + 1;
    while b.get(j) == Some(&'#') {
        j += 1;
    }
    before_ok && b.get(j) == Some(&'"')
}

/// Whether the quote at `i` opens a char literal (`'x'`, `'\n'`, `'\u{..}'`), not a lifetime.
fn is_char_literal(b: &[char], i: usize) -> bool {
    matches!(
        (b.get(i + 1), b.get(i + 2)),
        (Some('\\'), _) | (Some(_), Some('\''))
    )
}

fn ident_at(b: &[char], mut i: usize) -> (String, usize) {
    let mut s = String::new();
    while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
        s.push(b[i]);
        i += 1;
    }
    (s, i)
}

fn skip_ws(b: &[char], mut i: usize) -> usize {
    while i < b.len() && b[i].is_whitespace() {
        i += 1;
    }
    i
}

/// First identifiers of the items of a `{…}` group starting at `i` (just after `{`).
fn group_heads(b: &[char], mut i: usize) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 1;
    let mut expect_head = true;
    while i < b.len() && depth > 0 {
        let c = b[i];
        if c == '{' {
            depth += 1;
            i += 1;
        } else if c == '}' {
            depth -= 1;
            i += 1;
        } else if c == ',' && depth == 1 {
            expect_head = true;
            i += 1;
        } else if expect_head && depth == 1 && (c.is_alphabetic() || c == '_') {
            let (id, j) = ident_at(b, i);
            heads.push(id);
            expect_head = false;
            i = j;
        } else {
            if !c.is_whitespace() {
                expect_head = false;
            }
            i += 1;
        }
    }
    heads
}

/// Top-level modules that `code` (of the file at module path `path`) refers to outside its
/// own top-level module.
fn references(code: &str, path: &[String], top_level: &BTreeSet<String>) -> BTreeSet<String> {
    let b: Vec<char> = code.chars().collect();
    let mut found = BTreeSet::new();
    // Inline modules (`mod tests { … }`) add a level for `super::`.
    let mut depth = 0usize;
    let mut inline_mods: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == '{' {
            let before: String = b[..i].iter().collect();
            let words: Vec<&str> = before.split_whitespace().rev().take(2).collect();
            if words.len() == 2 && words[1] == "mod" {
                inline_mods.push(depth);
            }
            depth += 1;
            i += 1;
            continue;
        }
        if c == '}' {
            depth = depth.saturating_sub(1);
            if inline_mods.last() == Some(&depth) {
                inline_mods.pop();
            }
            i += 1;
            continue;
        }
        let word_start = i == 0 || !(b[i - 1].is_alphanumeric() || b[i - 1] == '_');
        if !(word_start && (c.is_alphabetic() || c == '_')) {
            i += 1;
            continue;
        }
        let (id, j) = ident_at(&b, i);
        let colons = |k: usize| b.get(k) == Some(&':') && b.get(k + 1) == Some(&':');
        if id == "crate" && colons(j) {
            let k = skip_ws(&b, j + 2);
            if b.get(k) == Some(&'{') {
                found.extend(group_heads(&b, k + 1));
            } else {
                found.insert(ident_at(&b, k).0);
            }
        } else if id == "super" && colons(j) {
            // Count the chain of `super::`, then resolve against the module path.
            let mut ups = 1;
            let mut k = j + 2;
            loop {
                let (next, after) = ident_at(&b, k);
                if next == "super" && colons(after) {
                    ups += 1;
                    k = after + 2;
                } else {
                    break;
                }
            }
            let level = path.len() + inline_mods.len();
            if ups >= level {
                // Left the file's top-level module: the next segment is a top-level module.
                let k = skip_ws(&b, k);
                if b.get(k) == Some(&'{') {
                    found.extend(group_heads(&b, k + 1));
                } else {
                    found.insert(ident_at(&b, k).0);
                }
            }
        }
        i = j.max(i + 1);
    }
    found.retain(|m| top_level.contains(m) && m != &path[0]);
    found
}

/// Edges `from → to` between top-level modules, with the files that make each.
fn import_graph(
    src: &Path,
    top_level: &BTreeSet<String>,
) -> BTreeMap<(String, String), Vec<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut edges: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap().to_path_buf();
        let path = module_path(&rel);
        if path.is_empty() || ["main", "lib", "cli"].contains(&path[0].as_str()) {
            continue;
        }
        let code = code_only(&fs::read_to_string(&file).unwrap());
        for to in references(&code, &path, top_level) {
            edges
                .entry((path[0].clone(), to))
                .or_default()
                .push(rel.display().to_string());
        }
    }
    edges
}

/// A cycle among the graph's nodes, if any (depth-first search).
fn find_cycle(edges: &BTreeMap<(String, String), Vec<String>>) -> Option<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        next.entry(from).or_default().push(to);
    }
    fn visit<'a>(
        n: &'a str,
        next: &BTreeMap<&'a str, Vec<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        state.insert(n, 1);
        stack.push(n);
        for &m in next.get(n).into_iter().flatten() {
            match state.get(m) {
                Some(1) => {
                    let at = stack.iter().position(|&s| s == m).unwrap();
                    let mut cycle: Vec<String> =
                        stack[at..].iter().map(|s| s.to_string()).collect();
                    cycle.push(m.to_string());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(m, next, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n, 2);
        None
    }
    let mut state = BTreeMap::new();
    let nodes: Vec<&str> = next.keys().copied().collect();
    for n in nodes {
        if !state.contains_key(n) {
            if let Some(c) = visit(n, &next, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_module_has_a_layer() {
    let lib = fs::read_to_string(src_dir().join("lib.rs")).unwrap();
    let layers = layer_table(&lib);
    let declared = declared_modules(&lib);
    let unplaced: Vec<_> = declared
        .iter()
        .filter(|m| !layers.contains_key(*m))
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules missing from the layer table in src/lib.rs: {unplaced:?}"
    );
    let unknown: Vec<_> = layers.keys().filter(|m| !declared.contains(*m)).collect();
    assert!(
        unknown.is_empty(),
        "layer table names no such module: {unknown:?}"
    );
    assert!(
        layers.values().collect::<BTreeSet<_>>().len() >= 5,
        "the layer table should have its layers: {layers:?}"
    );
}

#[test]
fn imports_never_go_up_a_layer() {
    let lib = fs::read_to_string(src_dir().join("lib.rs")).unwrap();
    let layers = layer_table(&lib);
    let top_level = declared_modules(&lib);
    let edges = import_graph(&src_dir(), &top_level);
    assert!(
        edges.len() > 20,
        "the scan found too few imports to be reading the code: {edges:?}"
    );
    let upward: Vec<String> = edges
        .iter()
        .filter(|((from, to), _)| layers.get(from) < layers.get(to))
        .map(|((from, to), files)| {
            format!(
                "{from} (layer {}) imports {to} (layer {}) in {}",
                layers[from],
                layers[to],
                files.join(", ")
            )
        })
        .collect();
    assert!(
        upward.is_empty(),
        "imports that go up a layer (move the shared item down, or the importer up):\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_import_cycle_among_top_level_modules() {
    let lib = fs::read_to_string(src_dir().join("lib.rs")).unwrap();
    let edges = import_graph(&src_dir(), &declared_modules(&lib));
    if let Some(cycle) = find_cycle(&edges) {
        let files: Vec<String> = cycle
            .windows(2)
            .map(|w| {
                format!(
                    "{} → {}: {}",
                    w[0],
                    w[1],
                    edges[&(w[0].clone(), w[1].clone())].join(", ")
                )
            })
            .collect();
        panic!("import cycle {}:\n{}", cycle.join(" → "), files.join("\n"));
    }
}

#[test]
fn the_scanner_sees_through_comments_groups_and_super() {
    let top: BTreeSet<String> = ["io", "plan", "report", "sim", "util"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let code = code_only(
        "//! links [`crate::report`]\nuse crate::{io::x, util};\nlet s = \"crate::plan\";\n\
         fn f() { super::sim::run(); }\nmod tests { use super::super::plan; }\n",
    );
    let path = vec!["sim".to_string(), "engine".to_string()];
    // From sim/engine.rs: `super::sim` stays inside sim; `super::super::plan` inside the
    // inline tests module resolves to sim::plan, inside sim too.
    let found = references(&code, &path, &top);
    assert_eq!(
        found,
        ["io", "util"].iter().map(|s| s.to_string()).collect()
    );
    // From a top-level file, `super::report` leaves the module.
    let found = references(
        &code_only("use super::report::x;"),
        &["sim".to_string()],
        &top,
    );
    assert_eq!(found, ["report".to_string()].into_iter().collect());
    // A cycle is found.
    let mut edges = BTreeMap::new();
    edges.insert(("a".to_string(), "b".to_string()), vec![]);
    edges.insert(("b".to_string(), "a".to_string()), vec![]);
    assert!(find_cycle(&edges).is_some());
    edges.remove(&("b".to_string(), "a".to_string()));
    assert!(find_cycle(&edges).is_none());
}
