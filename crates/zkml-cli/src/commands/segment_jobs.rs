//! `zkml prove` of a segmented setup: how many segments to prove at once
//! (`--jobs` within the memory budget) and a progress bar per segment.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Result;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use zkml_plonk::plan::gib;
use zkml_plonk::segment::SegmentProof;

/// The number of segments to prove at once: `jobs` (at least 1, at most the
/// segments asked for), reduced, with a note, while that many of the
/// largest per-segment estimates `peak_bytes` (bytes, by segment; empty: no
/// estimates, no check) together exceed `budget`.
pub fn jobs_within(jobs: usize, which: &[usize], peak_bytes: &[u64], budget: u64) -> usize {
    let want = jobs.clamp(1, which.len().max(1));
    if peak_bytes.is_empty() {
        return want;
    }
    let mut est: Vec<u64> = which
        .iter()
        .filter_map(|&i| peak_bytes.get(i).copied())
        .collect();
    est.sort_unstable_by(|a, b| b.cmp(a));
    // The `j` largest segments proven at once is the worst case of `j` jobs.
    let fits = |j: usize| est.iter().take(j).sum::<u64>() <= budget;
    let mut j = want;
    while j > 1 && !fits(j) {
        j -= 1;
    }
    if j < want {
        eprintln!(
            "--jobs {jobs}: {want} segments at once would need about {} (≈{} each at most), more \
             than the {} budget (--max-memory); proving {j} at a time",
            gib(est.iter().take(want).sum()),
            gib(est.first().copied().unwrap_or(0)),
            gib(budget)
        );
    }
    j
}

/// Proves the segments `which` (of `n`) with `prove_one`, `jobs` at a time
/// (each proof already uses every core; more jobs overlap one segment's
/// serial parts with another's), with a progress line per segment on
/// stderr: waiting, proving (elapsed), proved (time, bytes). Results come
/// back in segment order; the first error is returned.
pub fn prove_all(
    which: &[usize],
    n: usize,
    jobs: usize,
    prove_one: impl Fn(usize) -> Result<SegmentProof> + Sync,
) -> Result<Vec<SegmentProof>> {
    let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{prefix} {spinner} {msg} {elapsed}")
        .expect("static template");
    let done_style = ProgressStyle::with_template("{prefix} {msg}").expect("static template");
    let bars: Vec<ProgressBar> = which
        .iter()
        .map(|&i| {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.set_style(style.clone());
            bar.set_prefix(format!("segment {i}/{n}"));
            bar.set_message("waiting");
            bar
        })
        .collect();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(which.len()));
    let worker = || loop {
        let j = next.fetch_add(1, Ordering::SeqCst);
        let Some(&i) = which.get(j) else { break };
        let bar = &bars[j];
        bar.set_message("proving");
        bar.enable_steady_tick(Duration::from_millis(200));
        let t = Instant::now();
        let r = prove_one(i);
        bar.set_style(done_style.clone());
        match &r {
            Ok(p) => bar.finish_with_message(format!(
                "proved in {:.2} s ({} proof bytes)",
                t.elapsed().as_secs_f64(),
                p.proof.bytes.len()
            )),
            Err(e) => bar.finish_with_message(format!("failed: {e:#}")),
        }
        results.lock().expect("no panics while held").push((i, r));
    };
    std::thread::scope(|s| {
        for _ in 1..jobs.max(1) {
            s.spawn(worker);
        }
        worker();
    });
    let mut r = results.into_inner().expect("no panics while held");
    r.sort_by_key(|(i, _)| *i);
    r.into_iter().map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_shrink_to_the_budget() {
        let which = [0, 1, 2, 3];
        let est = [4u64, 6, 5, 1];
        assert_eq!(jobs_within(4, &which, &est, 100), 4);
        // The two largest (6 + 5) exceed 10: one at a time.
        assert_eq!(jobs_within(2, &which, &est, 10), 1);
        assert_eq!(jobs_within(3, &which, &est, 11), 2);
        // Never below one, never above the segments asked for.
        assert_eq!(jobs_within(8, &which, &est, 1), 1);
        assert_eq!(jobs_within(8, &[2], &est, 100), 1);
        assert_eq!(jobs_within(0, &which, &est, 100), 1);
        // No estimates (an older setup): as asked.
        assert_eq!(jobs_within(3, &which, &[], 1), 3);
    }
}
