//! Staging and publishing: the one way a command writes an output folder.
//!
//! Every output is first written into a staging folder inside the output folder
//! (`.staging-<pid>/`, each file atomically); only when every stage has succeeded are the files
//! moved into place (one rename each; `charts/` is swapped as a whole). A job that fails or is
//! killed leaves the previous outputs untouched — except `rejects.csv` when the job failed
//! because too many input rows were rejected: that file explains the failure, so it is
//! published. A staging folder left by a killed job is removed by the next one.
//!
//! A job either owns the folder ([`Publish::Replace`]: `run`, `merge`) — outputs an earlier job
//! wrote and this one does not (e.g. simulation.csv after `--no-simulate`) are removed, so the
//! folder never mixes two runs — or adds its files to it ([`Publish::Add`]: `plan`,
//! `simulate`), leaving the others as they are.

use std::path::{Path, PathBuf};

use crate::{io::LoadError, shard::Shard};

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

fn write_err(path: &Path, source: std::io::Error) -> LoadError {
    LoadError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Runs `stage` into a fresh staging folder of `out` and publishes what it wrote when it
/// succeeds (see the module documentation); the staging folder is removed either way.
///
/// # Errors
/// The error of `stage`, or a failure to create the staging folder or to publish; `out` then
/// holds its previous files (and a new `rejects.csv` after too many rejected rows).
pub fn staged<T>(
    out: &Path,
    shard: Option<Shard>,
    mode: Publish,
    stage: impl FnOnce(&Path) -> crate::Result<T>,
) -> crate::Result<T> {
    // The folders this job creates, innermost first (removed again if a job that adds to the
    // folder fails without publishing anything, as if it had never started).
    let created: Vec<PathBuf> = out
        .ancestors()
        .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
        .map(Path::to_path_buf)
        .collect();
    let staging = make_staging(out, shard)?;
    match stage(&staging) {
        Ok(value) => {
            let published = publish_as(&staging, out, shard, mode);
            let _ = std::fs::remove_dir_all(&staging);
            published.map(|()| value)
        }
        Err(e) => {
            if matches!(e, crate::Error::Load(LoadError::TooManyRejects { .. })) {
                let name = shard.map_or("rejects.csv".to_string(), |s| s.file_name("rejects.csv"));
                let _ = std::fs::rename(staging.join("rejects.csv"), out.join(name));
            }
            let _ = std::fs::remove_dir_all(&staging);
            if mode == Publish::Add {
                // Stops at the first folder that is not empty (e.g. holds rejects.csv).
                let _ = created.iter().try_for_each(std::fs::remove_dir);
            }
            Err(match mode {
                Publish::Add => named_in_folder(e, &staging, out),
                Publish::Replace => e,
            })
        }
    }
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

/// Creates `out` and a fresh staging folder in it: `.staging-<pid>`, or for a shard
/// `.staging-shard-K-of-N` (shards of one job may share a folder from several machines, where
/// a process id says nothing; a shard's rerun replaces its own staging folder only).
///
/// # Errors
/// [`LoadError::Write`] when a folder cannot be created.
pub fn make_staging(out: &Path, shard: Option<Shard>) -> crate::Result<PathBuf> {
    std::fs::create_dir_all(out).map_err(|e| write_err(out, e))?;
    let staging = match shard {
        None => {
            remove_stale_staging(out);
            out.join(format!(".staging-{}", std::process::id()))
        }
        Some(s) => {
            let dir = out.join(format!(".staging-{}", s.tag()));
            let _ = std::fs::remove_dir_all(&dir);
            dir
        }
    };
    std::fs::create_dir_all(&staging).map_err(|e| write_err(&staging, e))?;
    Ok(staging)
}

/// Removes staging folders of runs on this machine that were killed (their process is gone);
/// shards' staging folders are left to their shard.
fn remove_stale_staging(out: &Path) {
    let Ok(entries) = std::fs::read_dir(out) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name
            .strip_prefix(".staging-")
            .filter(|p| !p.starts_with("shard-"))
        {
            let alive = Path::new("/proc").join(pid).exists();
            if !alive || pid == std::process::id().to_string() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
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
    "report.html",
    "charts",
];

/// Outputs only a shard writes (inputs of `replenish merge`).
pub const SHARD_OUTPUTS: &[&str] = &["simulation_rollup.csv"];

/// [`publish_as`] for a job that owns the folder ([`Publish::Replace`]).
///
/// # Errors
/// As [`publish_as`].
pub fn publish(staging: &Path, out: &Path, shard: Option<Shard>) -> crate::Result<()> {
    publish_as(staging, out, shard, Publish::Replace)
}

/// Moves every staged file into `out` (one rename each, on the same file system), swaps
/// `charts/` as a whole, and with [`Publish::Replace`] removes optional outputs this job did
/// not write. A shard's files are renamed to their shard names ([`Shard::file_name`]) on the
/// way.
///
/// # Errors
/// [`LoadError::Write`] naming the file that could not be moved or removed.
pub fn publish_as(
    staging: &Path,
    out: &Path,
    shard: Option<Shard>,
    mode: Publish,
) -> crate::Result<()> {
    let named = |name: &str| shard.map_or(name.to_string(), |s| s.file_name(name));
    if mode == Publish::Replace {
        remove_unwritten(staging, out, &named)?;
    }
    let mut names: Vec<PathBuf> = std::fs::read_dir(staging)
        .map_err(|e| write_err(staging, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    // recommendations.csv last: purchasing's import only sees it once the rest is in place.
    names.sort_by_key(|p| p.file_name().is_some_and(|n| n == "recommendations.csv"));
    for from in names {
        let Some(name) = from.file_name() else {
            continue;
        };
        let name = named(&name.to_string_lossy());
        let to = out.join(&name);
        if from.is_dir() {
            let old = out.join(format!(".old-{name}"));
            let _ = std::fs::remove_dir_all(&old);
            if to.exists() {
                std::fs::rename(&to, &old).map_err(|e| write_err(&to, e))?;
            }
            std::fs::rename(&from, &to).map_err(|e| write_err(&to, e))?;
            let _ = std::fs::remove_dir_all(&old);
        } else {
            std::fs::rename(&from, &to).map_err(|e| write_err(&to, e))?;
        }
    }
    Ok(())
}

/// Removes the optional outputs of `out` that `staging` does not hold.
fn remove_unwritten(
    staging: &Path,
    out: &Path,
    named: &dyn Fn(&str) -> String,
) -> crate::Result<()> {
    for name in OPTIONAL_OUTPUTS.iter().chain(SHARD_OUTPUTS) {
        let (old, new) = (out.join(named(name)), staging.join(name));
        if !new.exists() && old.exists() {
            let removed = if old.is_dir() {
                std::fs::remove_dir_all(&old)
            } else {
                std::fs::remove_file(&old)
            };
            removed.map_err(|e| write_err(&old, e))?;
        }
    }
    Ok(())
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
