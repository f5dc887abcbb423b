//! Atomic output files: write to a temporary file in the target folder, then rename.
//!
//! A reader (or purchasing's import job) sees either the previous complete file or the new
//! complete file, never a half-written one: an interrupted run leaves only a stray temporary
//! file (named `.NAME.tmp*`), which the next run's rename does not touch.

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
}
