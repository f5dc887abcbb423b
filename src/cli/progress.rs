//! Shows the library's stage progress ([`replenish::progress`]) on stderr while a long command
//! runs: an indicatif bar per stage (SKUs done, rate, ETA) on a terminal; otherwise (cron, CI,
//! a log file) one plain line per stage every 10 seconds and when it ends. Nothing with `-q`.

use std::{
    io::IsTerminal,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

use indicatif::{ProgressBar, ProgressStyle};
use replenish::progress::snapshot;

/// A running progress display; stops when dropped.
pub struct Monitor {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Monitor {
    /// Starts displaying progress (a no-op monitor when `quiet`).
    pub fn start(quiet: bool) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        if quiet {
            return Self { stop, thread: None };
        }
        let flag = Arc::clone(&stop);
        let terminal = std::io::stderr().is_terminal();
        let thread = std::thread::spawn(move || watch(&flag, terminal));
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn line(name: &str, done: u64, total: u64, started: Instant) -> String {
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let rate = done as f64 / secs;
    let eta = if rate > 0.0 && total > done {
        format!(", ETA {:.0} s", (total - done) as f64 / rate)
    } else {
        String::new()
    };
    format!(
        "{name}: {done}/{total} SKUs ({:.0}%), {rate:.0} SKUs/s, {secs:.1} s{eta}",
        100.0 * done as f64 / total.max(1) as f64
    )
}

fn watch(stop: &AtomicBool, terminal: bool) {
    let mut current: Option<(u64, String, u64, Instant, Option<ProgressBar>)> = None;
    let mut last_log = Instant::now();
    let finish = |c: &(u64, String, u64, Instant, Option<ProgressBar>), done: u64| match &c.4 {
        Some(bar) => bar.finish(),
        None => eprintln!("{}", line(&c.1, done, c.2, c.3)),
    };
    let mut last_done = 0;
    loop {
        let stopping = stop.load(Ordering::Acquire);
        if let Some((generation, name, done, total)) = snapshot() {
            if current.as_ref().is_none_or(|c| c.0 != generation) {
                if let Some(c) = &current {
                    finish(c, c.2);
                }
                let bar = terminal.then(|| {
                    let b = ProgressBar::new(total);
                    b.set_style(
                        ProgressStyle::with_template(
                            "{msg:<16} [{bar:32}] {pos}/{len} SKUs  {rate}  ETA {eta}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .with_key(
                            "rate",
                            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                                let _ = write!(w, "{:.0} SKUs/s", s.per_sec());
                            },
                        )
                        .progress_chars("=> "),
                    );
                    b.set_message(name.clone());
                    b
                });
                current = Some((generation, name, total, Instant::now(), bar));
                last_log = Instant::now();
            }
            if let Some(c) = &current {
                match &c.4 {
                    Some(bar) => bar.set_position(done),
                    None if last_log.elapsed() >= Duration::from_secs(10) => {
                        eprintln!("{}", line(&c.1, done, c.2, c.3));
                        last_log = Instant::now();
                    }
                    None => {}
                }
            }
            last_done = done;
        }
        if stopping {
            if let Some(c) = &current {
                finish(c, last_done);
            }
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
