//! Publishing an output folder, through the binary: the folder is always one whole run (two
//! runs started together; a run killed inside its publish), the second writer is refused with
//! the first one's name, stale locks and staging folders of killed runs are cleared, a lock of
//! another host is refused, and shards of one job share a folder that `merge` merges in place.

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    sync::OnceLock,
};

use replenish::{
    generate::GenerateParams,
    pipeline::{
        lock::Holder,
        staging::{TEST_PAUSE_AT_VAR as PAUSE_AT, TEST_PAUSE_VAR as PAUSE},
    },
    shard::Shard,
};

use crate::util::snapshot;

/// A small generated catalogue and two reference runs of it, alone in their folders: with
/// `--seed 1` and `--seed 2` (policies and orders differ), without simulation, with the report
/// (so `charts/` is a subfolder of the outputs).
struct Fixture {
    config: PathBuf,
    refs: [PathBuf; 2],
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let root = tempfile::tempdir().unwrap().keep();
        let data = root.join("data");
        let params = GenerateParams {
            skus: 12,
            days: 200,
            seed: 3,
            ..GenerateParams::default()
        };
        replenish::generate::generate(&params, &data).unwrap();
        let config = data.join("quick.toml");
        let mut text = std::fs::read_to_string(data.join("plan.toml")).unwrap();
        text.push_str("\n[report]\ntop_skus = 1\n");
        std::fs::write(&config, text).unwrap();
        let refs = [1, 2].map(|seed| {
            let out = root.join(format!("ref{seed}"));
            let done = run(&config, &out, seed).output().unwrap();
            assert!(
                succeeded(&done),
                "{}",
                String::from_utf8_lossy(&done.stderr)
            );
            out
        });
        let (a, b) = (whole(&refs[0]), whole(&refs[1]));
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        assert!(a.contains_key(Path::new("charts/classes.svg")));
        for differs in ["policy.csv", "recommendations.csv", "run.json"] {
            assert_ne!(a[Path::new(differs)], b[Path::new(differs)], "{differs}");
        }
        Fixture { config, refs }
    })
}

/// `replenish run` of the fixture's config with a seed into `out`.
fn run(config: &Path, out: &Path, seed: u32) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("replenish"));
    c.args(["run", "-q", "--no-simulate", "--seed", &seed.to_string()])
        .arg("--config")
        .arg(config)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// Exit 0, or 3 (warnings), not an error.
fn succeeded(o: &Output) -> bool {
    matches!(o.status.code(), Some(0 | 3))
}

/// Every file of a folder but timings.json (wall times: the one file two runs of the same
/// inputs write differently) and what depends on the run the folder held before: changes.csv,
/// realised.csv and the report's sections on them (the reference runs went into empty
/// folders).
fn whole(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = snapshot(dir);
    files.remove(Path::new("timings.json"));
    files.remove(Path::new("changes.csv"));
    files.remove(Path::new("realised.csv"));
    if let Some(html) = files.get_mut(Path::new("report.html")) {
        *html = without_realised(&without_changes(html));
    }
    files
}

/// The report without its "What changed" section and navigation link.
fn without_changes(html: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(html).into_owned();
    let text = text.replace("<a href=\"#changes\">What changed</a>", "");
    match (
        text.find("<section id=\"changes\">"),
        text.find("</section>"),
    ) {
        (Some(a), _) => {
            let end = text[a..]
                .find("</section>")
                .map_or(text.len(), |e| a + e + 10);
            let mut t = text[..a].to_string();
            t.push_str(text[end..].trim_start_matches('\n'));
            t.into_bytes()
        }
        _ => text.into_bytes(),
    }
}

/// The report without its "Service delivered" section (its text depends on the run before).
fn without_realised(html: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(html).into_owned();
    let Some(a) = text.find("<section id=\"realised\">") else {
        return text.into_bytes();
    };
    let end = text[a..]
        .find("</section>")
        .map_or(text.len(), |e| a + e + 10);
    let mut t = text[..a].to_string();
    t.push_str(text[end..].trim_start_matches('\n'));
    t.into_bytes()
}

/// Which reference run (by seed) the folder is, every file compared; `None` for a mix or
/// anything else.
fn which_run(dir: &Path) -> Option<u32> {
    let f = fixture();
    let files = whole(dir);
    (1..=2).find(|seed| whole(&f.refs[*seed as usize - 1]) == files)
}

fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn two_runs_started_together_one_publishes_the_other_is_refused() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // Each run pauses 1.5 s inside its publish, so the second surely meets the first's lock.
    let start = |seed| {
        run(&f.config, &out, seed)
            .env(PAUSE, "1500")
            .spawn()
            .unwrap()
    };
    let (a, b) = (start(1), start(2));
    let pids = [a.id(), b.id()];
    let outputs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let won: Vec<usize> = (0..2).filter(|i| succeeded(&outputs[*i])).collect();
    assert_eq!(won.len(), 1, "exactly one run publishes: {outputs:?}");
    let (w, l) = (won[0], 1 - won[0]);
    assert_eq!(outputs[l].status.code(), Some(1));
    let err = String::from_utf8_lossy(&outputs[l].stderr);
    let lock = dir.path().join(".out.lock");
    let expected_start = format!(
        "error: {} is being written by replenish run (pid {} on host {}, started ",
        out.display(),
        pids[w],
        Holder::current().host
    );
    assert!(err.starts_with(&expected_start), "{err}");
    assert!(
        err.ends_with(&format!(
            "UTC); wait for it to finish, or delete {} if that run is gone\n",
            lock.display()
        )),
        "{err}"
    );
    // The folder is the winner's run, whole; no lock or staging folder is left.
    assert_eq!(which_run(&out), Some(w as u32 + 1));
    assert_eq!(names(dir.path()), ["out"]);
}

#[test]
fn a_run_killed_inside_its_publish_leaves_one_whole_run_and_the_next_run_clears_up() {
    let f = fixture();
    for (step, expected) in [("before the swap", 1), ("after the swap", 2)] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        copy_tree(&f.refs[0], &out);
        let mut child = run(&f.config, &out, 2)
            .env(PAUSE, "120000")
            .env(PAUSE_AT, step)
            .spawn()
            .unwrap();
        let pid = child.id();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        loop {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("the run ended before pausing {step}"))
                .unwrap();
            if line == format!("replenish: test hook: publish paused {step}") {
                break;
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(which_run(&out), Some(expected), "killed {step}");
        // The killed run left its lock (naming it) and its staging folder beside the folder.
        let lock = dir.path().join(".out.lock");
        let left: Holder = serde_json::from_str(&std::fs::read_to_string(&lock).unwrap()).unwrap();
        assert_eq!(left.pid, pid);
        assert_eq!(
            names(dir.path()),
            [
                ".out.lock".to_string(),
                format!(".out.staging-{pid}"),
                "out".into()
            ]
        );
        // The next run clears both and publishes (the other seed, so the change shows).
        let next = 3 - expected;
        let done = run(&f.config, &out, next).output().unwrap();
        assert!(
            succeeded(&done),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        assert_eq!(which_run(&out), Some(next));
        assert_eq!(names(dir.path()), ["out"]);
    }
}

#[test]
fn a_stale_lock_is_cleared_and_a_lock_of_another_host_is_refused() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    copy_tree(&f.refs[0], &out);
    let lock = dir.path().join(".out.lock");
    // A run of this host whose process is gone (process ids never exceed 2^22 on Linux).
    let gone = Holder {
        command: "replenish run".into(),
        pid: 99_999_999,
        ..Holder::current()
    };
    std::fs::write(&lock, serde_json::to_string(&gone).unwrap()).unwrap();
    let done = run(&f.config, &out, 2).output().unwrap();
    assert!(
        succeeded(&done),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(which_run(&out), Some(2));
    assert!(!lock.exists());

    // A run of another host: its process cannot be checked from here, so it is refused.
    let elsewhere = Holder {
        command: "replenish run".into(),
        host: "planning-box-7".into(),
        boot_id: None,
        pid: 1234,
        start_ticks: None,
        started: "2026-12-03 12:00:01 UTC".into(),
    };
    let recorded = serde_json::to_string(&elsewhere).unwrap();
    std::fs::write(&lock, &recorded).unwrap();
    let refused = run(&f.config, &out, 1).output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr),
        format!(
            "error: {} is being written by replenish run (pid 1234 on host planning-box-7, \
             started 2026-12-03 12:00:01 UTC); replenish cannot tell from here whether a process \
             of another host still runs: wait for it to finish, or delete {} if that run is \
             gone\n",
            out.display(),
            lock.display()
        )
    );
    assert_eq!(
        which_run(&out),
        Some(2),
        "the refused run changed the folder"
    );
    assert_eq!(std::fs::read_to_string(&lock).unwrap(), recorded);
    // Deleted as the message says, the next run goes ahead.
    std::fs::remove_file(&lock).unwrap();
    assert!(succeeded(&run(&f.config, &out, 1).output().unwrap()));
    assert_eq!(which_run(&out), Some(1));
}

#[test]
fn shards_share_one_folder_and_merge_publishes_in_place() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // Both shards at once, each pausing before every file it moves in (they publish one
    // after the other, holding the folder's lock), and shard 0 started twice.
    let start = |shard: &str| {
        run(&f.config, &out, 1)
            .args(["--shard", shard])
            .env(PAUSE, "30")
            .spawn()
            .unwrap()
    };
    let runs = [start("0/2"), start("1/2"), start("0/2")];
    let outputs: Vec<Output> = runs
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    assert!(succeeded(&outputs[1]), "{outputs:?}");
    let zeros: Vec<&Output> = [&outputs[0], &outputs[2]].into_iter().collect();
    assert_eq!(
        zeros.iter().filter(|o| succeeded(o)).count(),
        1,
        "{outputs:?}"
    );
    let refused = zeros.iter().find(|o| !succeeded(o)).unwrap();
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.starts_with(&format!(
            "error: shard 0/2 of {} is being written by replenish run (pid ",
            out.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "delete {}",
            dir.path().join(".out.shard-0-of-2.lock").display()
        )),
        "{err}"
    );
    // Each shard's whole file set is there, and nothing else.
    let shard_files = names(&out);
    for k in 0..2 {
        let s = Shard { index: k, count: 2 };
        assert!(
            shard_files.contains(&s.file_name("run.json")),
            "{shard_files:?}"
        );
        assert!(shard_files.contains(&s.file_name("recommendations.csv")));
    }
    assert!(
        shard_files
            .iter()
            .all(|n| Shard::parse_file_name(n).is_some()),
        "{shard_files:?}"
    );
    let shards_before = snapshot(&out);

    let merged = Command::new(assert_cmd::cargo::cargo_bin("replenish"))
        .args(["merge", "-q", "--from"])
        .arg(&out)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        succeeded(&merged),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    // The merged files equal the unsharded run's, and the shard files are kept, unchanged.
    let mut all = whole(&out);
    for (name, bytes) in &shards_before {
        assert_eq!(all.remove(name).as_ref(), Some(bytes), "{name:?}");
    }
    assert!(
        all == whole(&f.refs[0]),
        "merged folder differs from the run"
    );
    assert_eq!(names(dir.path()), ["out"]);
}
