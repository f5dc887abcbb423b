//! The lock of an output folder (or of one shard's file set in it): one writer at a time, and a
//! clear refusal naming the writer for the second.
//!
//! # How it works
//! The lock is a file beside the folder, `PARENT/.NAME.lock` for `PARENT/NAME` (a shard's:
//! `PARENT/.NAME.shard-K-of-N.lock`), so that publishing the folder (which replaces it whole,
//! [`super::staging`]) does not move the lock away.
//!
//! - **`flock(2)`** on the lock file is the mechanism: exclusive, taken without waiting, and
//!   released by the kernel when the process ends however it ends (a `kill -9` too), so a
//!   killed run never blocks the next one on the same machine. Local file systems, NFSv4 and
//!   the usual cluster file systems honour it across clients.
//! - **The holder's identity** is written into the file: command, host name, boot id, process
//!   id, the process's start time (Linux: `/proc/<pid>/stat` field 22, clock ticks since
//!   boot) and the wall time it took the lock. It names the writer in the refusal, and it
//!   guards file systems whose `flock` is local to one machine: a lock whose recorded holder
//!   is on another host is refused even when `flock` succeeds (a process id says nothing
//!   across machines), with a message saying to delete the lock file once that run is gone.
//!   On the same host (and boot), a recorded holder whose process is gone or whose process id
//!   now belongs to a process started at another time is stale: it is cleared and the lock
//!   taken.
//! - Released by removing the file while still holding it (a waiting process that opened the
//!   removed file notices that its file is no longer the lock's path and opens again).
//!
//! Not responsible for what is written under the lock (see [`super::staging`]).

use std::{
    fs::File,
    io::{Read, Seek, Write},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};

use crate::io::LoadError;

/// Who holds a lock: recorded in the lock file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Holder {
    /// The program and its subcommand, e.g. `replenish run`.
    pub command: String,
    /// Host name.
    pub host: String,
    /// Linux boot id (`/proc/sys/kernel/random/boot_id`): a process id of an earlier boot says
    /// nothing about this one.
    #[serde(default)]
    pub boot_id: Option<String>,
    /// Process id.
    pub pid: u32,
    /// The process's start time in clock ticks since boot (Linux), which tells a reused process
    /// id from the holder.
    #[serde(default)]
    pub start_ticks: Option<u64>,
    /// When the lock was taken, UTC (`2026-12-03 12:00:01 UTC`).
    pub started: String,
}

/// Whether a recorded holder still runs, as far as this machine can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// This process, or another one of this host that is still running.
    Running,
    /// Of this host, and no longer running (or its process id now names another process).
    Gone,
    /// Of another host: cannot be checked from here.
    Elsewhere,
}

impl Holder {
    /// This process.
    pub fn current() -> Self {
        let pid = std::process::id();
        Self {
            command: command_name(),
            host: host_name(),
            boot_id: boot_id(),
            pid,
            start_ticks: start_ticks(pid),
            started: chrono::Utc::now()
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string(),
        }
    }

    /// Whether the holder still runs (see the module documentation).
    pub fn liveness(&self) -> Liveness {
        let here = Holder::current();
        if self.host != here.host {
            return Liveness::Elsewhere;
        }
        if self.boot_id.is_some() && here.boot_id.is_some() && self.boot_id != here.boot_id {
            return Liveness::Gone;
        }
        if !process_exists(self.pid) {
            return Liveness::Gone;
        }
        match (self.start_ticks, start_ticks(self.pid)) {
            (Some(recorded), Some(now)) if recorded != now => Liveness::Gone,
            _ => Liveness::Running,
        }
    }
}

/// `replenish run`: the program's file name and its first argument that is not a flag.
fn command_name() -> String {
    let mut args = std::env::args();
    let program = args
        .next()
        .map(|a| {
            Path::new(&a)
                .file_name()
                .map_or(a.clone(), |n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "replenish".into());
    match args.find(|a| !a.starts_with('-')) {
        Some(sub) => format!("{program} {sub}"),
        None => program,
    }
}

/// The host name (`gethostname`), or `unknown`.
fn host_name() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is writable for its length; the name is NUL-terminated within it
        // when it fits (the last byte stays 0).
        let done = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) };
        if done == 0 {
            let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
            return String::from_utf8_lossy(&buf[..end]).into_owned();
        }
    }
    std::env::var("COMPUTERNAME").unwrap_or_else(|_| "unknown".into())
}

fn boot_id() -> Option<String> {
    let text = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    Some(text.trim().to_string())
}

/// Field 22 of `/proc/<pid>/stat` (start time in clock ticks since boot), Linux only.
fn start_ticks(pid: u32) -> Option<u64> {
    parse_start_ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Field 22 of a `/proc/<pid>/stat` line.
fn parse_start_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may hold spaces and parentheses: count
    // the fields after its last closing parenthesis (field 3 onwards).
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

fn process_exists(pid: u32) -> bool {
    if Path::new("/proc/self").exists() {
        return Path::new("/proc").join(pid.to_string()).exists();
    }
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only checks that the process exists.
        let sent = unsafe { libc::kill(pid, 0) };
        sent == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    true
}

/// A second writer was refused.
#[derive(Debug, thiserror::Error)]
#[error("{}", refusal(target, lock, holder.as_deref()))]
pub struct LockError {
    /// The folder (or a shard's files in it) being written.
    pub target: String,
    /// The lock file.
    pub lock: PathBuf,
    /// Who holds it, when recorded (boxed: errors stay small).
    pub holder: Option<Box<Holder>>,
}

fn refusal(target: &str, lock: &Path, holder: Option<&Holder>) -> String {
    let lock = lock.display();
    match holder {
        None => format!(
            "{target} is being written by another replenish process (it has not yet recorded \
             itself in {lock}); wait for it to finish, or delete {lock} if no replenish is running"
        ),
        Some(h) => {
            let who = format!(
                "{} (pid {} on host {}, started {})",
                h.command, h.pid, h.host, h.started
            );
            if h.liveness() == Liveness::Elsewhere {
                format!(
                    "{target} is being written by {who}; replenish cannot tell from here whether \
                     a process of another host still runs: wait for it to finish, or delete \
                     {lock} if that run is gone"
                )
            } else {
                format!(
                    "{target} is being written by {who}; wait for it to finish, or delete {lock} \
                     if that run is gone"
                )
            }
        }
    }
}

/// A held lock; released (its file removed) when dropped.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
    file: File,
    /// The stale holder this lock replaced, if any.
    pub cleared: Option<Holder>,
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still held, so that nobody takes the file being removed; the flock
        // goes with the file descriptor.
        if same_file(&self.file, &self.path) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl OutputLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Why one attempt did not take the lock.
enum Attempt {
    Held(LockError),
    Failed(LoadError),
}

/// Takes the lock `lock` of `target` (its display name in messages), trying again every 50 ms
/// for up to `wait` (zero: once) while another writer holds it.
///
/// # Errors
/// [`LockError`] (as [`crate::Error::Locked`]) when it is held; [`LoadError::Write`] when the
/// lock file cannot be created.
pub fn acquire(lock: &Path, target: &str, wait: Duration) -> crate::Result<OutputLock> {
    let deadline = Instant::now() + wait;
    loop {
        match attempt(lock, target) {
            Ok(held) => return Ok(held),
            Err(Attempt::Failed(e)) => return Err(e.into()),
            Err(Attempt::Held(e)) if Instant::now() >= deadline => return Err(e.into()),
            Err(Attempt::Held(_)) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn attempt(lock: &Path, target: &str) -> Result<OutputLock, Attempt> {
    let failed = |source| {
        Attempt::Failed(LoadError::Write {
            path: lock.to_path_buf(),
            source,
        })
    };
    let held = |holder: Option<Holder>| {
        Attempt::Held(LockError {
            target: target.to_string(),
            lock: lock.to_path_buf(),
            holder: holder.map(Box::new),
        })
    };
    loop {
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock)
            .map_err(failed)?;
        if !try_flock(&file).map_err(failed)? {
            // The holder writes its record right after taking the lock: give it a moment.
            let mut holder = read_holder(&mut file);
            for _ in 0..100 {
                if holder.is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
                holder = read_holder(&mut file);
            }
            return Err(held(holder));
        }
        if !same_file(&file, lock) {
            // The holder removed the file as we opened it: open the current one.
            continue;
        }
        let recorded = read_holder(&mut file);
        let cleared = match recorded {
            Some(h) if h.liveness() == Liveness::Gone => Some(h),
            Some(h) => return Err(held(Some(h))),
            None => None,
        };
        let text = serde_json::to_string_pretty(&Holder::current()).expect("holder serialises");
        file.set_len(0).map_err(failed)?;
        file.rewind().map_err(failed)?;
        file.write_all(text.as_bytes()).map_err(failed)?;
        file.sync_all().map_err(failed)?;
        return Ok(OutputLock {
            path: lock.to_path_buf(),
            file,
            cleared,
        });
    }
}

/// The holder recorded in a lock file (`None`: empty or unreadable, e.g. just created).
fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

/// `flock(LOCK_EX | LOCK_NB)`: `Ok(false)` when another open file holds it; a file system
/// without `flock` counts as taken (the recorded holder still guards it).
fn try_flock(file: &File) -> std::io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        // SAFETY: a valid open file descriptor.
        let done = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if done != 0 {
            let e = std::io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::EWOULDBLOCK) => Ok(false),
                Some(libc::ENOLCK | libc::EOPNOTSUPP | libc::ENOSYS) => Ok(true),
                _ => Err(e),
            };
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(true)
}

/// Whether `file` is still the file at `path` (not removed or replaced since it was opened).
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_refused_with_the_holder_until_the_first_releases() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".out.lock");
        let first = acquire(&path, "out", Duration::ZERO).unwrap();
        let recorded: Holder =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(recorded.pid, std::process::id());
        assert_eq!(recorded.liveness(), Liveness::Running);
        // A second open file description of this process is refused like another process.
        let err = acquire(&path, "out", Duration::ZERO).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "out is being written by {} (pid {} on host {}",
                recorded.command, recorded.pid, recorded.host
            )),
            "{text}"
        );
        assert!(text.ends_with(&format!(
            "wait for it to finish, or delete {} if that run is gone",
            path.display()
        )));
        drop(first);
        assert!(!path.exists(), "released lock left its file");
        let again = acquire(&path, "out", Duration::ZERO).unwrap();
        assert_eq!(again.cleared, None);
    }

    #[test]
    fn a_holder_of_this_host_that_is_gone_is_stale_and_one_elsewhere_is_not() {
        let here = Holder::current();
        // Process ids never exceed 2^22 on Linux.
        let dead = Holder {
            pid: 99_999_999,
            ..here.clone()
        };
        assert_eq!(dead.liveness(), Liveness::Gone);
        // This process id, but a process started at another time: the id was reused.
        if let Some(t) = here.start_ticks {
            let reused = Holder {
                start_ticks: Some(t + 1),
                ..here.clone()
            };
            assert_eq!(reused.liveness(), Liveness::Gone);
        }
        let other = Holder {
            host: format!("{}-elsewhere", here.host),
            ..here.clone()
        };
        assert_eq!(other.liveness(), Liveness::Elsewhere);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".out.lock");
        std::fs::write(&path, serde_json::to_string(&dead).unwrap()).unwrap();
        let taken = acquire(&path, "out", Duration::ZERO).unwrap();
        assert_eq!(taken.cleared.as_ref(), Some(&dead));
        drop(taken);
        std::fs::write(&path, serde_json::to_string(&other).unwrap()).unwrap();
        let text = acquire(&path, "out", Duration::ZERO)
            .unwrap_err()
            .to_string();
        assert!(text.contains(&format!("on host {}", other.host)), "{text}");
        assert!(text.contains("cannot tell from here"), "{text}");
        // Refused, the lock file (the other host's record) is left as it was.
        let kept: Holder = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(kept, other);
    }

    #[test]
    fn start_ticks_are_field_22_after_a_command_name_with_spaces() {
        let fields: Vec<String> = (3..=30).map(|i| (i * 10).to_string()).collect();
        let line = format!("4321 (my (odd) cmd) {}\n", fields.join(" "));
        assert_eq!(parse_start_ticks(&line), Some(220));
        assert_eq!(parse_start_ticks("4321 (cut"), None);
        if Path::new("/proc/self/stat").exists() {
            assert!(start_ticks(std::process::id()).is_some());
        }
    }
}
