//! `zkml time --segment-k K --segment I,J,…`: the segments `zkml setup
//! --segment-k K` would make, planned as it plans them, and the keys, proof
//! and verification of the named segments only, each alone, timed (wall and
//! CPU) with its peak memory: what one segment of a model too large to set up
//! in full costs, beside the planner's estimate. A measurement, not a setup:
//! nothing is written.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{ensure, Context, Result};
use serde_json::json;
use zkml_core::backend::{fresh_openings, Backend};
use zkml_plonk::plan::{gib, Mode};
use zkml_plonk::segment::{fresh_seed, plan_segments_with, prove_segment, segment_visibility};

use super::proving::{cpu_seconds, peak_rss_mib, plonk, step, visibility};
use crate::cli::TimeArgs;

/// Resets this process's peak resident memory (VmHWM) to its current
/// resident memory, so that [`peak_rss_mib`] measures the next step alone
/// (Linux `clear_refs` 5; a no-op where it is refused).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// `zkml time` of the segments `args.segment` of the plan at `k`.
pub fn run(args: &TimeArgs, k: u32) -> Result<ExitCode> {
    ensure!(
        args.proof.backend == crate::cli::BackendArg::Plonk,
        "--segment-k: only the plonk backend proves segments"
    );
    ensure!(
        args.proof.k.is_none(),
        "--k and --segment-k: give one (--segment-k sizes every segment)"
    );
    let ev = super::evaluate(&args.model, &args.input, &args.quant)?;
    let b = plonk(&args.proof.srs, !args.proof.no_matrix_check);
    let vis = visibility(&args.proof)?;
    let budget = super::layout::budget(args.max_memory);
    let t = Instant::now();
    let sp = plan_segments_with(&ev.q, &vis, k, budget, Mode::Fast)
        .context("splitting the model into segments")?;
    let t_plan = t.elapsed().as_secs_f64();
    let n = sp.segments.len();
    let which: Vec<usize> = if args.segment.is_empty() {
        (0..n).collect()
    } else {
        args.segment.clone()
    };
    if let Some(&bad) = which.iter().find(|&&i| i >= n) {
        anyhow::bail!("--segment {bad}: the plan has {n} segments (0..{})", n - 1);
    }
    // The graph the segments index (nodes may be split into pieces: the
    // same integers) is what a segmented setup proves: run it.
    let inputs = ev.q.inputs.iter().map(|&v| ev.trace.values[v].clone());
    let trace = zkml_core::exec::execute_int(&sp.graph, inputs.collect())
        .context("running the segmented model")?;
    let openings = fresh_openings(&b, &vis);
    let seed = fresh_seed();
    let cpu = || cpu_seconds().unwrap_or(f64::NAN);
    let mut rows = vec![];
    for &i in &which {
        let (s, p) = (&sp.segments[i], &sp.plans[i]);
        if !args.json {
            eprintln!("segment {i}/{n}: {}", b.plan_summary(p).replace('\n', "; "));
        }
        let (_, t_srs) = step(&format!("the SRS for k = {}", p.k), || {
            b.prepare(p).context("loading or generating the SRS")
        })?;
        reset_peak_rss();
        let c0 = cpu();
        let ((pk, vk), t_setup) = step(&format!("keys of segment {i}/{n}"), || {
            b.setup_with_plan(&s.graph, segment_visibility(&vis, i, n), p.clone())
                .with_context(|| format!("generating the keys of segment {i}"))
        })?;
        let c1 = cpu();
        let rss_setup = peak_rss_mib();
        reset_peak_rss();
        let (proof, t_prove) = step(&format!("proving segment {i}/{n}"), || {
            prove_segment(&b, &pk, &sp.segments, i, &trace, &openings, &seed)
                .with_context(|| format!("proving segment {i}"))
        })?;
        let c2 = cpu();
        let rss_prove = peak_rss_mib();
        let t = Instant::now();
        b.verify(&vk, &proof.public, &proof.proof)
            .with_context(|| format!("verifying segment {i}'s proof just made"))?;
        let t_verify = t.elapsed().as_secs_f64();
        let row = json!({
            "segment": i,
            "nodes": [s.nodes.start, s.nodes.end],
            "k": p.k,
            "rows": p.rows,
            "advice_columns": p.advice_columns,
            "committed_polys": p.committed,
            "est_prove_s": p.est_prove_s,
            "est_peak_gib": p.est_peak_bytes as f64 / (1u64 << 30) as f64,
            "srs_s": t_srs.as_secs_f64(),
            "setup_s": t_setup.as_secs_f64(),
            "setup_cpu_s": c1 - c0,
            "setup_peak_rss_mib": rss_setup,
            "prove_s": t_prove.as_secs_f64(),
            "prove_cpu_s": c2 - c1,
            "prove_peak_rss_mib": rss_prove,
            "verify_s": t_verify,
            "proof_bytes": b.proof_size(&proof.proof),
        });
        if args.json {
            println!("{row}");
        } else {
            println!(
                "segment {i}/{n}: k = {}, {} rows, {} advice columns; setup {:.1} s ({:.0} CPU-s, \
                 peak {:.0} MiB); prove {:.1} s ({:.0} CPU-s, peak {:.0} MiB; est. {:.0} CPU-s, {}); \
                 verify {:.0} ms; proof {} bytes",
                p.k,
                p.rows,
                p.advice_columns,
                t_setup.as_secs_f64(),
                c1 - c0,
                rss_setup.unwrap_or(f64::NAN),
                t_prove.as_secs_f64(),
                c2 - c1,
                rss_prove.unwrap_or(f64::NAN),
                p.est_prove_s,
                gib(p.est_peak_bytes),
                t_verify * 1e3,
                b.proof_size(&proof.proof)
            );
        }
        rows.push(row);
    }
    let total: f64 = sp.plans.iter().map(|p| p.est_prove_s).sum();
    if !args.json {
        println!(
            "plan: {n} segments of k = {k} in {t_plan:.1} s, cuts before nodes {:?}; estimated \
             prove ≈ {total:.0} CPU-s in all",
            sp.cuts
        );
    }
    Ok(ExitCode::SUCCESS)
}
