//! Wall-clock time per prover phase, printed to stderr when the environment
//! variable `ZKML_SUMCHECK_PROFILE` is set (a measuring aid; off by default,
//! and then a span costs one relaxed atomic load).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static ON: AtomicU8 = AtomicU8::new(2); // 2 = not read yet
static TOTALS: Mutex<BTreeMap<&'static str, (Duration, u64)>> = Mutex::new(BTreeMap::new());

fn on() -> bool {
    match ON.load(Ordering::Relaxed) {
        2 => {
            let v = std::env::var_os("ZKML_SUMCHECK_PROFILE").is_some();
            ON.store(v as u8, Ordering::Relaxed);
            v
        }
        v => v == 1,
    }
}

/// Whether profiling is on (`ZKML_SUMCHECK_PROFILE` set).
pub fn enabled() -> bool {
    on()
}

/// A running span: its time is added to `label`'s total when it drops.
pub struct Span(Option<(&'static str, Instant)>);

/// Starts a span for `label` (nothing when profiling is off).
pub fn span(label: &'static str) -> Span {
    Span(on().then(|| (label, Instant::now())))
}

impl Drop for Span {
    fn drop(&mut self) {
        if let Some((label, t)) = self.0.take() {
            if let Ok(mut m) = TOTALS.lock() {
                let e = m.entry(label).or_default();
                e.0 += t.elapsed();
                e.1 += 1;
            }
        }
    }
}

/// Prints and clears the totals (when profiling is on).
pub fn report(what: &str) {
    if !on() {
        return;
    }
    if let Ok(mut m) = TOTALS.lock() {
        eprintln!("zkml-sumcheck profile ({what}):");
        for (label, (d, n)) in m.iter() {
            eprintln!("  {label:<28} {:>9.1} ms  ({n}×)", d.as_secs_f64() * 1e3);
        }
        m.clear();
    }
}
