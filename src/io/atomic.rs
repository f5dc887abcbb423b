//! Atomic output files: write to a temporary file in the target folder, then rename.
//!
//! A reader (or purchasing's import job) sees either the previous complete file or the new
//! complete file, never a half-written one: an interrupted run leaves only a stray temporary
//! file (named `.NAME.tmp*`), which the next run's rename does not touch.
//!
//! A whole folder is replaced the same way by [`swap_dir`]: the new folder, complete, takes the
//! old one's place in one step (Linux `renameat2(RENAME_EXCHANGE)`).

use std::{
    io::{BufWriter, Write},
    path::{Path, PathBuf},
};

use tempfile::NamedTempFile;

use super::LoadError;

/// A file being written atomically: a buffered temporary file in the target folder, renamed
/// over the target by [`AtomicFile::commit`]. Dropped without commit, it is deleted.
pub struct AtomicFile {
    path: PathBuf,
    writer: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path` (creating its folder).
    ///
    /// # Errors
    /// [`LoadError::Write`] naming `path`.
    pub fn create(path: &Path) -> Result<Self, LoadError> {
        let err = |source| LoadError::Write {
            path: path.to_path_buf(),
            source,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).map_err(err)?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}.tmp"))
            .tempfile_in(dir)
            .map_err(err)?;
        // Temporary files are private (0600); outputs are ordinary files others may read.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
                .map_err(err)?;
        }
        Ok(Self {
            path: path.to_path_buf(),
            writer: BufWriter::with_capacity(1 << 20, tmp),
        })
    }

    /// The writer for the content.
    pub fn writer(&mut self) -> &mut BufWriter<NamedTempFile> {
        &mut self.writer
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes, syncs and renames the temporary file over the target.
    ///
    /// # Errors
    /// [`LoadError::Write`] naming the target.
    pub fn commit(self) -> Result<(), LoadError> {
        let path = self.path;
        let err = |source| LoadError::Write {
            path: path.clone(),
            source,
        };
        let tmp = self.writer.into_inner().map_err(|e| err(e.into_error()))?;
        tmp.as_file().sync_all().map_err(err)?;
        tmp.persist(&path).map_err(|e| err(e.error))?;
        Ok(())
    }
}

/// Writes a file atomically: `write` fills a buffered temporary file in the same folder, which
/// is flushed, synced and renamed over `path` only if `write` succeeds.
///
/// # Errors
/// [`LoadError::Write`] naming `path` when the folder cannot be created or any write fails.
pub fn write_atomic<F>(path: &Path, write: F) -> Result<(), LoadError>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let mut file = AtomicFile::create(path)?;
    write(file.writer()).map_err(|source| LoadError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    file.commit()
}

/// Puts the folder `new` in the place of the folder `target` in one step, so that a reader
/// who looks up `target` (or any path in it) finds either the old folder or the new one, never
/// a mix; returns where the old folder's content now is (for the caller to remove), or `None`
/// when `target` did not exist (then `new` is simply renamed to `target`). Both must be on one
/// file system (e.g. siblings).
///
/// On Linux the two folders are exchanged by `renameat2(…, RENAME_EXCHANGE)`: the old content
/// ends up at `new`'s path. Where that call is not available (other systems, or file systems
/// that refuse it, e.g. NFS, which answers `EINVAL`), the fallback renames `target` aside to
/// `<new>.old` and `new` to `target`: two renames, between which `target` does not exist for
/// a moment (a reader then finds no folder, still never a mix); if the second rename fails the
/// first is undone.
///
/// # Errors
/// The rename's error; `target` existing but not being a folder is refused
/// ([`std::io::ErrorKind::AlreadyExists`]). Nothing is changed on an error.
pub fn swap_dir(new: &Path, target: &Path) -> std::io::Result<Option<PathBuf>> {
    match std::fs::symlink_metadata(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::rename(new, target)?;
            return Ok(None);
        }
        Err(e) => return Err(e),
        Ok(m) if !m.is_dir() => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "exists and is not a folder",
            ))
        }
        Ok(_) => {}
    }
    match exchange(new, target) {
        Ok(()) => Ok(Some(new.to_path_buf())),
        Err(e) if exchange_unsupported(&e) => {
            let mut aside = new.as_os_str().to_owned();
            aside.push(".old");
            let aside = PathBuf::from(aside);
            std::fs::rename(target, &aside)?;
            if let Err(e) = std::fs::rename(new, target) {
                let _ = std::fs::rename(&aside, target);
                return Err(e);
            }
            Ok(Some(aside))
        }
        Err(e) => Err(e),
    }
}

/// Exchanges two paths atomically (`renameat2` with `RENAME_EXCHANGE`, Linux 3.15+).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::{ffi::CString, os::unix::ffi::OsStrExt};
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths relative to the working directory; the call only
    // reads them.
    let done = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// No atomic exchange outside Linux: [`swap_dir`] falls back to two renames.
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Whether an exchange failed because the system or file system does not offer it (rather than
/// because of the folders).
fn exchange_unsupported(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    if matches!(
        e.raw_os_error(),
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
    ) {
        return true;
    }
    e.kind() == std::io::ErrorKind::Unsupported
}

/// Items formatted per batch on the worker threads, then written in order.
const BATCH: usize = 256;

/// Writes one block of text per item of `items`, in order, each formatted by `row`: batches
/// of items are formatted on the worker threads (large outputs such as `forecast.csv` spend
/// most of their time formatting numbers), then written one after another, so the bytes are
/// the same as formatting item by item, at any thread count. At most one batch of text per
/// thread is held in memory at a time.
///
/// # Errors
/// The first error of `row` or of `w`.
pub fn write_rows<T: Sync>(
    w: &mut dyn Write,
    items: &[T],
    row: impl Fn(&mut Vec<u8>, &T) -> std::io::Result<()> + Sync,
) -> std::io::Result<()> {
    write_batches(w, items, |batch| {
        let mut text = Vec::new();
        for item in batch {
            row(&mut text, item)?;
        }
        Ok(text)
    })
}

/// [`write_rows`] for CSV row structs: `row` serialises the rows of one item into a CSV
/// writer (see [`super::cells::csv_writer`]; one writer per batch, on the worker threads).
///
/// # Errors
/// The first error of `row` or of `w`.
pub fn write_csv_rows<T: Sync>(
    w: &mut dyn Write,
    items: &[T],
    row: impl Fn(&mut csv::Writer<&mut Vec<u8>>, &T) -> csv::Result<()> + Sync,
) -> std::io::Result<()> {
    write_batches(w, items, |batch| {
        let mut text = Vec::new();
        let mut out = super::cells::csv_writer(&mut text);
        for item in batch {
            row(&mut out, item)?;
        }
        out.flush()?;
        drop(out);
        Ok(text)
    })
}

/// Formats batches of `items` on the worker threads with `batch`, writing the texts in order.
fn write_batches<T: Sync>(
    w: &mut dyn Write,
    items: &[T],
    batch: impl Fn(&[T]) -> std::io::Result<Vec<u8>> + Sync,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let threads = rayon::current_num_threads().max(1);
    for group in items.chunks(BATCH * threads) {
        let texts = group
            .par_chunks(BATCH)
            .map(&batch)
            .collect::<std::io::Result<Vec<Vec<u8>>>>()?;
        for text in texts {
            w.write_all(&text)?;
        }
    }
    Ok(())
}

/// Writes a JSON file atomically.
///
/// # Errors
/// [`LoadError::Write`].
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), LoadError> {
    let json = serde_json::to_string(value).expect("chart data serialises");
    write_atomic(path, |w| w.write_all(json.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_written_in_order_whatever_the_batching() {
        // More items than one group of batches, so several groups and batches are joined.
        let items: Vec<usize> = (0..BATCH * 7 + 3).collect();
        let mut out = Vec::new();
        write_rows(&mut out, &items, |b, i| writeln!(b, "{i}")).unwrap();
        let expect: String = items.iter().map(|i| format!("{i}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), expect);
        let failing = write_rows(&mut Vec::new(), &items, |b, i| {
            if *i == BATCH * 3 {
                return Err(std::io::Error::other("bad row"));
            }
            writeln!(b, "{i}")
        });
        assert!(failing.is_err());
    }

    #[test]
    fn failed_write_leaves_previous_file_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_atomic(&path, |w| w.write_all(b"old\n")).unwrap();
        let res = write_atomic(&path, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(res.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old\n");
        // No temporary file left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn swap_dir_exchanges_two_folders_whole() {
        let dir = tempfile::tempdir().unwrap();
        let (new, target) = (dir.path().join(".t.staging-1"), dir.path().join("t"));
        for (d, file, text) in [(&new, "a.csv", "new"), (&target, "b.csv", "old")] {
            std::fs::create_dir_all(d.join("charts")).unwrap();
            std::fs::write(d.join(file), text).unwrap();
            std::fs::write(d.join("charts").join("c.svg"), text).unwrap();
        }
        let old = swap_dir(&new, &target).unwrap().unwrap();
        // The new folder, subfolder included, is in place; the old one is whole at `old`.
        assert_eq!(
            std::fs::read_to_string(target.join("a.csv")).unwrap(),
            "new"
        );
        assert!(!target.join("b.csv").exists());
        assert_eq!(
            std::fs::read_to_string(target.join("charts/c.svg")).unwrap(),
            "new"
        );
        assert_eq!(std::fs::read_to_string(old.join("b.csv")).unwrap(), "old");
        assert_eq!(
            std::fs::read_to_string(old.join("charts/c.svg")).unwrap(),
            "old"
        );
        #[cfg(target_os = "linux")]
        assert_eq!(old, new, "exchanged in place on Linux");
    }

    #[test]
    fn swap_dir_renames_when_there_is_no_target_and_refuses_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let (new, target) = (dir.path().join("n"), dir.path().join("t"));
        std::fs::create_dir(&new).unwrap();
        std::fs::write(new.join("a"), "1").unwrap();
        assert_eq!(swap_dir(&new, &target).unwrap(), None);
        assert!(!new.exists());
        assert_eq!(std::fs::read_to_string(target.join("a")).unwrap(), "1");
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        std::fs::create_dir(&new).unwrap();
        let err = swap_dir(&new, &file).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
        assert!(new.is_dir());
    }

    #[test]
    fn the_fallback_is_taken_only_when_the_exchange_is_not_offered() {
        assert!(exchange_unsupported(
            &std::io::ErrorKind::Unsupported.into()
        ));
        #[cfg(unix)]
        assert!(exchange_unsupported(&std::io::Error::from_raw_os_error(
            libc::EINVAL
        )));
        assert!(!exchange_unsupported(
            &std::io::ErrorKind::PermissionDenied.into()
        ));
    }
}
