//! Staging and publishing: the one way a command writes an output folder.
//!
//! # A job's folder: staged beside it, swapped in whole
//! For an output folder `PARENT/NAME`, a job first takes the folder's lock
//! (`PARENT/.NAME.lock`, [`super::lock`]) — before it reads anything of the previous outputs
//! (e.g. the policy.csv that `lock` overrides keep) — and holds it until its publish is done.
//! It writes every output into a staging folder beside the output folder,
//! `PARENT/.NAME.staging-<pid>` (same parent, so the same file system; each file atomically).
//! Only when every stage has succeeded is the staging folder completed with the files of the
//! old folder that the job keeps (hard links, or copies where links are refused; `charts/` and
//! other subfolders too) and put in the old folder's place in one step ([`swap_dir`]: Linux
//! `renameat2(RENAME_EXCHANGE)`; elsewhere two renames). The old folder, now at the staging
//! path, is then removed. A reader who opens `NAME/recommendations.csv` or any other path
//! gets the old folder's file or the new folder's, and every file it then opens through the
//! path belongs to the run it found — never a mix of two runs. Files stay at
//! `NAME/recommendations.csv` etc.
//!
//! Which files of the old folder a job keeps:
//! - [`Publish::Replace`] (`run`, `merge`): every file it did not write except the optional
//!   outputs of an earlier run ([`OPTIONAL_OUTPUTS`], [`SHARD_OUTPUTS`]), e.g. simulation.csv
//!   after `--no-simulate`; files of other commands and shards' files are kept.
//! - [`Publish::Add`] (`plan`, `simulate`, `validate`): every file it did not write.
//!
//! A job that fails or is killed before the swap leaves the previous folder untouched — except
//! `rejects.csv` when the job failed because too many input rows were rejected: that file
//! explains the failure, so it is moved in (one rename). A job killed after the swap leaves the
//! new folder in place and the old one at its staging path. Staging folders of a killed job
//! (`.NAME.staging-<pid>`, and `.NAME.staging-<pid>.old` of the two-rename fallback) are
//! recognised by their names and removed by the next job that takes the lock, as are the
//! `.staging-*` folders that earlier versions left inside the folder.
//!
//! # Shards: their own file set, file by file
//! Shards of one job write shard-named files into one shared folder ([`crate::shard`]), from
//! several machines at once, so a shard must not swap the folder (it would swap away another
//! shard's files published meanwhile). A shard holds its own lock
//! (`PARENT/.NAME.shard-K-of-N.lock`: the same shard twice at once is refused) for the whole
//! job and stages beside the folder (`PARENT/.NAME.staging-shard-K-of-N`). To publish it takes
//! the folder's lock too (waiting up to [`SHARD_PUBLISH_WAIT`] while another shard publishes),
//! removes its manifest `run.shard-K-of-N.json` first, then moves its files in one rename each,
//! the manifest last. So each file is whole, and a shard whose manifest is present has its
//! files of one run; `merge`, which finds shards by their manifests and holds the folder's
//! lock, never reads a shard half published.
//!
//! Test hook: with the environment variable `REPLENISH_TEST_PUBLISH_PAUSE_MS=N`, the publish
//! step prints `replenish: test hook: publish paused <step>` to stderr and sleeps N ms before
//! the swap and after it (a shard: before each file), so that a test can kill the process at
//! a known point; with `REPLENISH_TEST_PUBLISH_PAUSE_AT=TEXT` too, it pauses only at the steps
//! whose name contains TEXT (and prints `publish passed <step>` at the others). Nothing else
//! reads them.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use super::lock::{acquire, OutputLock};
use crate::{io::atomic::swap_dir, io::LoadError, shard::Shard};

/// How a job's staged files replace the folder's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publish {
    /// The job owns the folder: optional outputs of an earlier job that this one did not write
    /// are removed ([`OPTIONAL_OUTPUTS`], [`SHARD_OUTPUTS`]).
    Replace,
    /// The job adds its files to the folder and leaves every other file; its report reads the
    /// folder as it will be once published.
    Add,
}

/// How long a shard waits for the folder's lock to publish (while another shard publishes,
/// which takes milliseconds): 60 s. A `run` or `merge` of the folder holds the lock longer; the
/// shard is then refused with the holder's name.
pub const SHARD_PUBLISH_WAIT: Duration = Duration::from_secs(60);

/// The environment variable of the publish step's test hook (see the module documentation).
pub const TEST_PAUSE_VAR: &str = "REPLENISH_TEST_PUBLISH_PAUSE_MS";

/// The test hook's optional second variable: pause only at the steps whose name contains it.
pub const TEST_PAUSE_AT_VAR: &str = "REPLENISH_TEST_PUBLISH_PAUSE_AT";

fn write_err(path: &Path, source: std::io::Error) -> LoadError {
    LoadError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Where an output folder, its lock and its staging folders are.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The output folder as given (for messages).
    pub out: PathBuf,
    /// The parent of the folder written (empty for a bare name: the working folder).
    pub parent: PathBuf,
    /// The folder's name in the parent.
    pub name: String,
}

impl Layout {
    /// The layout of `out`. A path without a name of its own (`.`, `..`) and a symbolic link
    /// to a folder are resolved first: the folder written is the link's target (swapping the
    /// link itself would replace it by a folder).
    ///
    /// # Errors
    /// [`LoadError::Write`] when `out` names no folder that could be swapped (`/`) or is a file.
    pub fn of(out: &Path) -> crate::Result<Self> {
        let linked = out.symlink_metadata().is_ok_and(|m| m.is_symlink());
        let named = match (out.parent(), out.file_name()) {
            (Some(parent), Some(name)) if !linked => Some((parent.to_path_buf(), name.to_owned())),
            _ => None,
        };
        let (parent, name) = match named {
            Some(p) => p,
            None => {
                let full = std::fs::canonicalize(out).map_err(|e| write_err(out, e))?;
                match (full.parent(), full.file_name()) {
                    (Some(parent), Some(name)) => (parent.to_path_buf(), name.to_owned()),
                    _ => {
                        let e = std::io::Error::other("the output folder must have a parent");
                        return Err(write_err(out, e).into());
                    }
                }
            }
        };
        if out.is_file() {
            let e = std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "is a file; the output must be a folder",
            );
            return Err(write_err(out, e).into());
        }
        Ok(Self {
            out: out.to_path_buf(),
            parent,
            name: name.to_string_lossy().into_owned(),
        })
    }

    /// The folder written: `out`, or the folder a link `out` points to.
    pub fn folder(&self) -> PathBuf {
        self.parent.join(&self.name)
    }

    /// The parent folder to list (`.` for the working folder).
    fn parent_dir(&self) -> &Path {
        if self.parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.parent
        }
    }

    /// The folder's lock (`PARENT/.NAME.lock`), or a shard's (`PARENT/.NAME.shard-K-of-N.lock`).
    pub fn lock_path(&self, shard: Option<Shard>) -> PathBuf {
        let tag = shard.map_or(String::new(), |s| format!(".{}", s.tag()));
        self.parent.join(format!(".{}{tag}.lock", self.name))
    }

    /// This process's staging folder (`PARENT/.NAME.staging-<pid>`), or a shard's
    /// (`PARENT/.NAME.staging-shard-K-of-N`: one per shard, whatever machine runs it).
    pub fn staging_path(&self, shard: Option<Shard>) -> PathBuf {
        let id = shard.map_or(std::process::id().to_string(), |s| s.tag());
        self.parent.join(format!(".{}.staging-{id}", self.name))
    }

    /// Takes the folder's lock (`shard` `None`) or a shard's, refusing at once when held.
    ///
    /// # Errors
    /// [`super::lock::LockError`] naming the holder; [`LoadError::Write`].
    pub fn lock(&self, shard: Option<Shard>, wait: Duration) -> crate::Result<OutputLock> {
        let target = match shard {
            None => self.out.display().to_string(),
            Some(s) => format!("shard {s} of {}", self.out.display()),
        };
        acquire(&self.lock_path(shard), &target, wait)
    }

    /// Removes what killed jobs left (call holding the lock of `shard`): with the folder's lock,
    /// every non-shard staging folder of this folder (`.NAME.staging-<digits>…`) and the
    /// staging folders earlier versions made inside it (`.staging-<digits>`, `.old-*`); with a
    /// shard's lock, that shard's staging folder.
    pub fn remove_stale(&self, shard: Option<Shard>) {
        if let Some(s) = shard {
            let _ = std::fs::remove_dir_all(self.staging_path(Some(s)));
            return;
        }
        let prefix = format!(".{}.staging-", self.name);
        let stale = |name: &str| {
            name.strip_prefix(&prefix)
                .is_some_and(|id| id.starts_with(|c: char| c.is_ascii_digit()))
        };
        remove_matching(self.parent_dir(), stale);
        remove_matching(&self.folder(), is_leftover);
    }
}

/// Names inside an output folder that earlier versions' staging left (never published).
fn is_leftover(name: &str) -> bool {
    name.strip_prefix(".staging-")
        .is_some_and(|id| id.starts_with(|c: char| c.is_ascii_digit()))
        || name.starts_with(".old-")
}

fn remove_matching(dir: &Path, stale: impl Fn(&str) -> bool) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if stale(&e.file_name().to_string_lossy()) {
            let p = e.path();
            let _ = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
        }
    }
}

/// Takes the lock, runs `stage` into a fresh staging folder beside `out` and publishes what it
/// wrote when it succeeds (see the module documentation); the staging folder is removed and the
/// lock released either way.
///
/// # Errors
/// [`super::lock::LockError`] when another job holds the folder (or the shard); the error of
/// `stage`; a failure to create the staging folder or to publish. `out` then holds its previous
/// files (and a new `rejects.csv` after too many rejected rows).
pub fn staged<T>(
    out: &Path,
    shard: Option<Shard>,
    mode: Publish,
    stage: impl FnOnce(&Path) -> crate::Result<T>,
) -> crate::Result<T> {
    let layout = Layout::of(out)?;
    // The folders this job creates, innermost first (removed again if a job that adds to the
    // folder fails without publishing anything, as if it had never started).
    let created: Vec<PathBuf> = out
        .ancestors()
        .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
        .map(Path::to_path_buf)
        .collect();
    let parent = layout.parent_dir();
    if !parent.exists() {
        // (A parent that is a file fails below, on the lock: "Not a directory".)
        std::fs::create_dir_all(parent).map_err(|e| write_err(parent, e))?;
    }
    let lock = layout.lock(shard, Duration::ZERO)?;
    layout.remove_stale(shard);
    let staging = layout.staging_path(shard);
    let result = std::fs::create_dir(&staging)
        .map_err(|e| crate::Error::from(write_err(&staging, e)))
        .and_then(|()| stage(&staging));
    let result = match result {
        Ok(value) => publish(&layout, &staging, shard, mode).map(|()| value),
        Err(e) => {
            if matches!(e, crate::Error::Load(LoadError::TooManyRejects { .. })) {
                let name = shard.map_or("rejects.csv".to_string(), |s| s.file_name("rejects.csv"));
                let _ = std::fs::create_dir_all(out);
                let _ = std::fs::rename(staging.join("rejects.csv"), out.join(name));
            }
            Err(match mode {
                Publish::Add => named_in_folder(e, &staging, out),
                Publish::Replace => e,
            })
        }
    };
    let _ = std::fs::remove_dir_all(&staging);
    drop(lock);
    if result.is_err() && mode == Publish::Add {
        // Stops at the first folder that is not empty (e.g. holds rejects.csv).
        let _ = created
            .iter()
            .filter(|p| p.exists())
            .try_for_each(std::fs::remove_dir);
    }
    result
}

/// A write failure of a job that adds to the folder names the file in the folder it was meant
/// for, as these commands' messages did before they staged, not its staging copy.
fn named_in_folder(e: crate::Error, staging: &Path, out: &Path) -> crate::Error {
    match e {
        crate::Error::Load(LoadError::Write { path, source }) => {
            let path = match path.strip_prefix(staging) {
                Ok(rest) => out.join(rest),
                Err(_) => path,
            };
            LoadError::Write { path, source }.into()
        }
        other => other,
    }
}

/// Outputs a run writes only with some options (simulation, optimisation, report): removed
/// from the folder when this run did not write them, so no file of an earlier run is left
/// beside this run's outputs.
pub const OPTIONAL_OUTPUTS: &[&str] = &[
    "simulation.csv",
    "simulation_portfolio.csv",
    "optimised.csv",
    "trajectories.json",
    "changes.csv",
    "realised.csv",
    "supplier_choice.csv",
    "report.html",
    "charts",
];

/// Outputs only a shard writes (inputs of `replenish merge`).
pub const SHARD_OUTPUTS: &[&str] = &["simulation_rollup.csv", "supplier_lines.csv"];

/// Publishes a staged job: the whole folder swapped in ([`publish_folder`]), or a shard's files
/// moved in one by one ([`publish_shard`]).
fn publish(
    layout: &Layout,
    staging: &Path,
    shard: Option<Shard>,
    mode: Publish,
) -> crate::Result<()> {
    match shard {
        None => publish_folder(layout, staging, mode),
        Some(s) => publish_shard(layout, staging, s),
    }
}

/// Completes `staging` with the files of the folder the job keeps and swaps it in place of
/// the folder in one step; removes the old folder. Call holding the folder's lock.
///
/// # Errors
/// [`LoadError::Write`] naming the file that could not be linked, or the folder that could not
/// be swapped; the folder is then unchanged.
pub fn publish_folder(layout: &Layout, staging: &Path, mode: Publish) -> crate::Result<()> {
    let out = &layout.folder();
    carry_over(out, staging, mode)?;
    // The folder keeps its permissions (e.g. group-writable for a team's shared folder).
    if let Ok(meta) = std::fs::metadata(out) {
        let _ = std::fs::set_permissions(staging, meta.permissions());
    }
    test_pause("before the swap");
    let old = swap_dir(staging, out).map_err(|e| write_err(out, e))?;
    test_pause("after the swap");
    if let Some(old) = old {
        let _ = std::fs::remove_dir_all(old);
    }
    Ok(())
}

/// Links into `staging` every entry of `out` that the job keeps (see the module
/// documentation), subfolders entry by entry.
fn carry_over(out: &Path, staging: &Path, mode: Publish) -> crate::Result<()> {
    let entries = match std::fs::read_dir(out) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(write_err(out, e).into()),
    };
    for e in entries {
        let e = e.map_err(|e| write_err(out, e))?;
        let name = e.file_name();
        let text = name.to_string_lossy();
        let to = staging.join(&name);
        let dropped = mode == Publish::Replace
            && OPTIONAL_OUTPUTS
                .iter()
                .chain(SHARD_OUTPUTS)
                .any(|n| *n == text);
        if dropped || is_leftover(&text) || to.symlink_metadata().is_ok() {
            continue;
        }
        link_tree(&e.path(), &to)?;
    }
    Ok(())
}

/// A hard link of `from` at `to` (a copy where links are refused); a folder is made anew and
/// filled the same way; a symbolic link is recreated.
fn link_tree(from: &Path, to: &Path) -> crate::Result<()> {
    let meta = from.symlink_metadata().map_err(|e| write_err(from, e))?;
    if meta.is_dir() {
        std::fs::create_dir(to).map_err(|e| write_err(to, e))?;
        let _ = std::fs::set_permissions(to, meta.permissions());
        for e in std::fs::read_dir(from).map_err(|e| write_err(from, e))? {
            let e = e.map_err(|e| write_err(from, e))?;
            link_tree(&e.path(), &to.join(e.file_name()))?;
        }
        return Ok(());
    }
    #[cfg(unix)]
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(from).map_err(|e| write_err(from, e))?;
        std::os::unix::fs::symlink(target, to).map_err(|e| write_err(to, e))?;
        return Ok(());
    }
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).map_err(|e| write_err(to, e))?;
    }
    Ok(())
}

/// Moves a shard's staged files into the shared folder under their shard names (holding the
/// folder's lock meanwhile): its manifest removed first and moved in last, its optional
/// outputs of an earlier run that this one did not write removed.
///
/// # Errors
/// [`super::lock::LockError`] when the folder stays locked for [`SHARD_PUBLISH_WAIT`];
/// [`LoadError::Write`] naming the file that could not be moved or removed.
pub fn publish_shard(layout: &Layout, staging: &Path, shard: Shard) -> crate::Result<()> {
    let _folder = layout.lock(None, SHARD_PUBLISH_WAIT)?;
    let out = &layout.folder();
    std::fs::create_dir_all(out).map_err(|e| write_err(out, e))?;
    let mut stale: Vec<&str> = vec!["run.json"];
    stale.extend(OPTIONAL_OUTPUTS.iter().chain(SHARD_OUTPUTS));
    for name in stale {
        let old = out.join(shard.file_name(name));
        let written = staging.join(name).exists() && name != "run.json";
        if !written && old.symlink_metadata().is_ok() {
            let removed = if old.is_dir() {
                std::fs::remove_dir_all(&old)
            } else {
                std::fs::remove_file(&old)
            };
            removed.map_err(|e| write_err(&old, e))?;
        }
    }
    let mut names: Vec<String> = std::fs::read_dir(staging)
        .map_err(|e| write_err(staging, e))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort_by_key(|n| (n == "run.json", n.clone()));
    for name in names {
        let to = out.join(shard.file_name(&name));
        test_pause(&format!("before {}", to.display()));
        let from = staging.join(&name);
        if from.is_dir() && to.exists() {
            std::fs::remove_dir_all(&to).map_err(|e| write_err(&to, e))?;
        }
        std::fs::rename(&from, &to).map_err(|e| write_err(&to, e))?;
    }
    Ok(())
}

/// The publish step's test hook (see the module documentation).
fn test_pause(step: &str) {
    let Some(ms) = std::env::var(TEST_PAUSE_VAR)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    if std::env::var(TEST_PAUSE_AT_VAR).is_ok_and(|at| !step.contains(&at)) {
        eprintln!("replenish: test hook: publish passed {step}");
        return;
    }
    eprintln!("replenish: test hook: publish paused {step}");
    std::thread::sleep(Duration::from_millis(ms));
}

/// Links (or copies) into `staging` every top-level file of `out` that `staging` lacks (but
/// report.html, which the report writes), so that a report rendered in `staging` reads the
/// folder as it will be once a [`Publish::Add`] job is published; returns the names linked,
/// for [`unlink_borrowed`]. A file that cannot be linked or copied is left out (the report
/// then misses it, as it would an absent file).
pub fn borrow_published(staging: &Path, out: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    let mut borrowed = Vec::new();
    for e in entries.flatten() {
        let (from, name) = (e.path(), e.file_name());
        let to = staging.join(&name);
        let name_text = name.to_string_lossy();
        // The report's own output is not its input: it must not be taken for borrowed.
        let skipped = name_text.starts_with('.') || name_text == "report.html";
        if skipped || !from.is_file() || to.exists() {
            continue;
        }
        if std::fs::hard_link(&from, &to).is_ok() || std::fs::copy(&from, &to).is_ok() {
            borrowed.push(to);
        }
    }
    borrowed
}

/// Removes the files [`borrow_published`] put into the staging folder, so that publishing
/// moves only the job's own files.
pub fn unlink_borrowed(borrowed: &[PathBuf]) {
    for p in borrowed {
        let _ = std::fs::remove_file(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    /// A folder with outputs of an earlier job, a subfolder and a file of another command.
    fn earlier(out: &Path) {
        for name in ["recommendations.csv", "policy.csv", "simulation.csv"] {
            write(&out.join(name), "old");
        }
        write(&out.join("charts/a.svg"), "old");
        write(&out.join("notes.txt"), "mine");
    }

    #[test]
    fn replace_swaps_the_folder_keeping_other_files_but_not_old_optional_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        earlier(&out);
        staged(&out, None, Publish::Replace, |s| {
            write(&s.join("recommendations.csv"), "new");
            Ok(())
        })
        .unwrap();
        assert_eq!(
            names(&out),
            ["notes.txt", "policy.csv", "recommendations.csv"]
        );
        assert_eq!(read(&out.join("recommendations.csv")), "new");
        assert_eq!(read(&out.join("notes.txt")), "mine");
        // Nothing left beside the folder: no staging folder, no lock.
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn add_keeps_every_file_it_did_not_write_subfolders_included() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        earlier(&out);
        staged(&out, None, Publish::Add, |s| {
            write(&s.join("policy.csv"), "new");
            Ok(())
        })
        .unwrap();
        assert_eq!(read(&out.join("policy.csv")), "new");
        assert_eq!(read(&out.join("simulation.csv")), "old");
        assert_eq!(read(&out.join("charts/a.svg")), "old");
        assert_eq!(read(&out.join("notes.txt")), "mine");
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn a_failed_job_changes_nothing_and_stale_staging_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        earlier(&out);
        // Left by killed jobs: a staging folder beside the folder, the fallback's old folder,
        // and an earlier version's staging folder inside it.
        write(&dir.path().join(".out.staging-77/recommendations.csv"), "x");
        write(
            &dir.path().join(".out.staging-78.old/recommendations.csv"),
            "x",
        );
        write(&out.join(".staging-79/recommendations.csv"), "x");
        // Another folder's staging and a shard's are not this job's to remove.
        write(&dir.path().join(".other.staging-80/a"), "x");
        write(&dir.path().join(".out.staging-shard-0-of-2/a"), "x");
        let err = staged(&out, None, Publish::Replace, |s| -> crate::Result<()> {
            write(&s.join("recommendations.csv"), "new");
            Err(LoadError::Write {
                path: s.join("x"),
                source: std::io::Error::other("disk full"),
            }
            .into())
        })
        .unwrap_err();
        assert!(err.to_string().contains("disk full"));
        assert_eq!(read(&out.join("recommendations.csv")), "old");
        assert_eq!(
            names(dir.path()),
            [".other.staging-80", ".out.staging-shard-0-of-2", "out"]
        );
        assert!(!out.join(".staging-79").exists());
    }

    #[test]
    fn a_held_lock_refuses_the_job_before_it_runs() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        earlier(&out);
        let layout = Layout::of(&out).unwrap();
        let held = layout.lock(None, Duration::ZERO).unwrap();
        let mut ran = false;
        let err = staged(&out, None, Publish::Replace, |_| {
            ran = true;
            Ok(())
        })
        .unwrap_err();
        assert!(!ran);
        assert!(matches!(err, crate::Error::Locked(_)), "{err}");
        let text = err.to_string();
        assert!(
            text.contains(&format!("{} is being written by", out.display())),
            "{text}"
        );
        drop(held);
        // A shard's lock is its own: another shard of the folder is not refused.
        let shard = Shard { index: 0, count: 2 };
        let _other = layout
            .lock(Some(Shard { index: 1, count: 2 }), Duration::ZERO)
            .unwrap();
        staged(&out, Some(shard), Publish::Replace, |s| {
            write(&s.join("run.json"), "{}");
            Ok(())
        })
        .unwrap();
        assert!(out.join("run.shard-0-of-2.json").exists());
    }

    #[test]
    fn a_shard_moves_in_its_own_files_and_leaves_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let (s0, s1) = (Shard { index: 0, count: 2 }, Shard { index: 1, count: 2 });
        for s in [s0, s1] {
            for name in ["run.json", "policy.csv", "simulation.csv"] {
                write(&out.join(s.file_name(name)), "old");
            }
        }
        write(&out.join("recommendations.csv"), "merged");
        staged(&out, Some(s0), Publish::Replace, |s| {
            write(&s.join("run.json"), "new");
            write(&s.join("policy.csv"), "new");
            Ok(())
        })
        .unwrap();
        assert_eq!(read(&out.join("run.shard-0-of-2.json")), "new");
        assert_eq!(read(&out.join("policy.shard-0-of-2.csv")), "new");
        // Its optional output of the earlier run is removed; the other shard's files and the
        // merged files stay.
        assert!(!out.join("simulation.shard-0-of-2.csv").exists());
        assert_eq!(read(&out.join("simulation.shard-1-of-2.csv")), "old");
        assert_eq!(read(&out.join("run.shard-1-of-2.json")), "old");
        assert_eq!(read(&out.join("recommendations.csv")), "merged");
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn a_folder_named_dot_resolves_to_its_real_name() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let layout = Layout::of(&out.join(".")).unwrap();
        assert_eq!(layout.name, "out");
        assert_eq!(layout.lock_path(None), dir.path().join(".out.lock"));
        let file = dir.path().join("f");
        write(&file, "x");
        assert!(Layout::of(&file).is_err());
        // A bare name: the lock is named as the planner would type it.
        let bare = Layout::of(Path::new("example")).unwrap();
        assert_eq!(bare.lock_path(None), Path::new(".example.lock"));
    }

    #[cfg(unix)]
    #[test]
    fn an_output_folder_given_as_a_link_stays_a_link_to_the_new_folder() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        earlier(&real);
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        staged(&link, None, Publish::Replace, |s| {
            write(&s.join("recommendations.csv"), "new");
            Ok(())
        })
        .unwrap();
        assert!(link.symlink_metadata().unwrap().is_symlink());
        assert_eq!(read(&real.join("recommendations.csv")), "new");
        assert_eq!(names(dir.path()), ["link", "real"]);
    }
}
