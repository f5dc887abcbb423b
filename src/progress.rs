//! Progress of the running stage, for a front end to display: the batch stages call
//! [`begin`] with their unit count and [`advance`] per unit (SKU); the command line polls
//! [`snapshot`] from another thread and draws a bar or writes log lines.
//!
//! Counters are process-wide atomics (a stage advances them from rayon workers), so updating
//! costs one relaxed atomic add per SKU. Nothing here affects results.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Mutex,
};

static NAME: Mutex<String> = Mutex::new(String::new());
static DONE: AtomicU64 = AtomicU64::new(0);
static TOTAL: AtomicU64 = AtomicU64::new(0);
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// A stage starts: `name` (e.g. `forecast`) over `total` units.
pub fn begin(name: &str, total: u64) {
    if let Ok(mut n) = NAME.lock() {
        n.clear();
        n.push_str(name);
    }
    DONE.store(0, Ordering::Relaxed);
    TOTAL.store(total, Ordering::Relaxed);
    GENERATION.fetch_add(1, Ordering::Release);
}

/// `n` more units of the current stage are done.
pub fn advance(n: u64) {
    DONE.fetch_add(n, Ordering::Relaxed);
}

/// The current stage: (generation, name, done, total); the generation changes with each
/// [`begin`]. `None` before the first stage.
pub fn snapshot() -> Option<(u64, String, u64, u64)> {
    let generation = GENERATION.load(Ordering::Acquire);
    if generation == 0 {
        return None;
    }
    let name = NAME.lock().map(|n| n.clone()).unwrap_or_default();
    Some((
        generation,
        name,
        DONE.load(Ordering::Relaxed),
        TOTAL.load(Ordering::Relaxed),
    ))
}
