//! The bundled example the binary carries: `replenish run` with no input arguments works from
//! any folder with only the binary, and an override typo against its catalogue gets a hint.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use assert_cmd::Command;
use replenish::{config::Config, validate::load_and_validate};

/// The built binary, linked (or copied) alone into a fresh folder outside the source tree.
fn binary_alone() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("replenish");
    let from = Path::new(env!("CARGO_BIN_EXE_replenish"));
    if std::fs::hard_link(from, &to).is_err() {
        std::fs::copy(from, &to).unwrap();
    }
    (dir, to)
}

#[test]
fn the_binary_alone_runs_its_example_from_any_folder() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .unwrap();
    let (bin_dir, bin) = binary_alone();
    let cwd = tempfile::tempdir().unwrap();
    for d in [bin_dir.path(), cwd.path()] {
        assert!(!d.canonicalize().unwrap().starts_with(&repo), "{d:?}");
    }
    // No input, config or output argument: only a quicker simulation than the default (the
    // recommendations do not depend on it), as crate::report::example() runs it. Nothing in
    // the environment points at the source tree.
    Command::new(&bin)
        .env_clear()
        .current_dir(cwd.path())
        .args([
            "run",
            "-q",
            "--replications",
            "20",
            "--days",
            "180",
            "--no-optimise",
        ])
        .assert()
        .success();
    let out = cwd.path().join("reports/example");
    let inputs = cwd.path().join("reports/example-inputs");
    let recs = std::fs::read(out.join("recommendations.csv")).unwrap();
    let bundled = std::fs::read(crate::report::example().join("recommendations.csv")).unwrap();
    assert!(
        recs == bundled,
        "recommendations.csv differs from the bundled run's"
    );
    // The inputs are the source tree's data/ files, byte for byte, and run.json names them.
    for name in replenish::example::FILES {
        let written = std::fs::read(inputs.join(name)).unwrap();
        assert!(
            written == std::fs::read(repo.join("data").join(name)).unwrap(),
            "{name}"
        );
    }
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    let named: BTreeMap<String, PathBuf> = run["config"]["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), PathBuf::from(v.as_str()?))))
        .collect();
    assert_eq!(named.len(), 6, "{named:?}");
    let inputs = inputs.canonicalize().unwrap();
    for (input, path) in &named {
        assert!(path.is_absolute() && path.is_file(), "{input}: {path:?}");
        assert_eq!(
            path.parent().unwrap().canonicalize().unwrap(),
            inputs,
            "{input}"
        );
    }
}

#[test]
fn an_override_naming_sku0005_is_rejected_with_did_you_mean_sku00005() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut config = Config::from_file(&data.join("plan.toml")).unwrap();
    let overrides = std::fs::read_to_string(data.join("overrides.csv")).unwrap();
    let path = dir.path().join("overrides.csv");
    std::fs::write(
        &path,
        format!("{overrides}SKU0005,,0.99,,,,,,,,,,,,,,,typo\nWIDGET-9,,0.99,,,,,,,,,,,,,,,far\n"),
    )
    .unwrap();
    config.inputs.overrides = Some(path);
    let loaded = load_and_validate(&config, dir.path()).unwrap();
    let reasons: Vec<&str> = loaded.rejects.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].contains("unknown sku SKU0005"), "{}", reasons[0]);
    assert!(
        reasons[0].contains("(did you mean SKU00005?)"),
        "{}",
        reasons[0]
    );
    assert!(
        reasons[1].contains("unknown sku WIDGET-9"),
        "{}",
        reasons[1]
    );
    assert!(!reasons[1].contains("did you mean"), "{}", reasons[1]);
}
