//! The bundled example, carried by the binary: a generated store of 300 SKUs with three years
//! of daily sales, purchase orders, an inventory snapshot, an item master, a few planner
//! overrides and two known events, planned for 2026-01-01.
//!
//! Every command that reads inputs plans this example when it is given neither `--config` nor
//! `--sales`, from any folder and with nothing but the binary: [`write`] puts the seven input
//! files into a folder (the command line uses [`INPUTS_DIR`], `reports/example-inputs/` of the
//! current folder), so that the outputs name input files a planner can open and copy as a
//! template. The four data files (`sales.csv`, `purchase_orders.csv`, `inventory.csv`,
//! `items.csv`) are generated at run time by [`crate::generate`] with [`params`] — byte for byte
//! the files in `data/` of the source tree (a test checks it) — and the three hand-written ones
//! (`plan.toml`, `overrides.csv`, `events.csv`) are embedded from `data/` when the crate is
//! built. This module only writes the inputs; it plans nothing.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::{
    generate::{generate, GenerateError, GenerateParams},
    io::{atomic::write_atomic, LoadError},
};

/// Where the command line writes the example's inputs, relative to the current folder.
pub const INPUTS_DIR: &str = "reports/example-inputs";

/// The example's config, `data/plan.toml` of the source tree (the generated one plus the two
/// steering files in `[inputs]`).
pub const PLAN_TOML: &str = include_str!("../data/plan.toml");

/// The planner's overrides, `data/overrides.csv` of the source tree (written by hand).
pub const OVERRIDES_CSV: &str = include_str!("../data/overrides.csv");

/// The known future events, `data/events.csv` of the source tree (written by hand).
pub const EVENTS_CSV: &str = include_str!("../data/events.csv");

/// The files [`write`] puts into its folder, in the order they are moved into place
/// (`plan.toml`, which names the others, last).
pub const FILES: [&str; 7] = [
    "sales.csv",
    "purchase_orders.csv",
    "inventory.csv",
    "items.csv",
    "overrides.csv",
    "events.csv",
    "plan.toml",
];

/// The generator settings of the example's data files: `replenish generate --skus 300
/// --days 1095 --seed 42` (history from Monday 2023-01-02 to 2025-12-31, sparse CSV).
pub fn params() -> GenerateParams {
    GenerateParams {
        skus: 300,
        days: 1095,
        seed: 42,
        start: NaiveDate::from_ymd_opt(2023, 1, 2).expect("valid date"),
        ..GenerateParams::default()
    }
}

/// Writes the example's seven input files ([`FILES`]) into `dir` (created if needed) and
/// returns the path of its `plan.toml`. The same bytes every time: a file already there is
/// replaced. The files are made in a staging folder inside `dir` and then moved into place one
/// by one, so a command reading the folder while another writes it (two runs started at once)
/// sees whole files, each one the example's.
///
/// # Errors
/// [`GenerateError::Write`] when the folder or a file cannot be written.
pub fn write(dir: &Path) -> Result<PathBuf, GenerateError> {
    let err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| GenerateError::Write(LoadError::Write { path, source })
    };
    std::fs::create_dir_all(dir).map_err(err(dir))?;
    let staging = tempfile::Builder::new()
        .prefix(".staging-")
        .tempdir_in(dir)
        .map_err(err(dir))?;
    generate(&params(), staging.path())?;
    for (name, text) in [
        ("plan.toml", PLAN_TOML),
        ("overrides.csv", OVERRIDES_CSV),
        ("events.csv", EVENTS_CSV),
    ] {
        write_atomic(&staging.path().join(name), |w| w.write_all(text.as_bytes()))?;
    }
    for name in FILES {
        let to = dir.join(name);
        std::fs::rename(staging.path().join(name), &to).map_err(err(&to))?;
    }
    Ok(dir.join("plan.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_reproduces_the_data_folder_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let plan = write(dir.path()).unwrap();
        assert_eq!(plan, dir.path().join("plan.toml"));
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        for name in FILES {
            let written = std::fs::read(dir.path().join(name)).unwrap();
            let bundled = std::fs::read(data.join(name)).unwrap();
            assert!(written == bundled, "{name} differs from data/{name}");
        }
        // The seven files and nothing else (the staging folder is gone); a second write
        // replaces them with the same bytes.
        let names = |d: &Path| {
            let mut v: Vec<String> = std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let mut expected: Vec<String> = FILES.iter().map(|f| f.to_string()).collect();
        expected.sort();
        assert_eq!(names(dir.path()), expected);
        assert_eq!(names(&data), expected);
        let before = std::fs::read(dir.path().join("sales.csv")).unwrap();
        write(dir.path()).unwrap();
        assert!(std::fs::read(dir.path().join("sales.csv")).unwrap() == before);
        assert_eq!(names(dir.path()), expected);
    }
}
