//! Wall-clock time per planning step, printed to stderr as each step ends
//! when the environment variable `ZKML_PLAN_PROFILE` is set (a measuring
//! aid; off by default, and then a span costs one relaxed atomic load).

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

static ON: AtomicU8 = AtomicU8::new(2); // 2 = not read yet

/// Whether profiling is on (`ZKML_PLAN_PROFILE` set).
pub fn enabled() -> bool {
    match ON.load(Ordering::Relaxed) {
        2 => {
            let v = std::env::var_os("ZKML_PLAN_PROFILE").is_some();
            ON.store(v as u8, Ordering::Relaxed);
            v
        }
        v => v == 1,
    }
}

/// A running span: its label and wall time are printed when it drops.
pub struct Span(Option<(String, Instant)>);

/// Starts a span (nothing when profiling is off; `label` is only called
/// when it is on).
pub fn span(label: impl FnOnce() -> String) -> Span {
    Span(enabled().then(|| (label(), Instant::now())))
}

impl Drop for Span {
    fn drop(&mut self) {
        if let Some((label, t)) = self.0.take() {
            eprintln!(
                "plan profile: {label}: {:.1} ms",
                t.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}
