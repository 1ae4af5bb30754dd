//! `zkml time`: every step in one go, timed (the earlier zkml's `time_circuit`).

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::json;
use zkml_core::backend::{fresh_openings, Backend, SetupOptions};

use super::proving::{cpu_seconds, peak_rss_mib, step, visibility, with_backend};
use crate::cli::TimeArgs;

pub fn run(args: TimeArgs) -> Result<ExitCode> {
    if let Some(k) = args.segment_k {
        return super::segment_time::run(&args, k);
    }
    with_backend!(
        args.proof.backend,
        &args.proof.srs,
        !args.proof.no_matrix_check,
        |b| time_with(b, &args)
    )
}

/// `zkml time` with backend `b`.
fn time_with<B: Backend>(b: &B, args: &TimeArgs) -> Result<ExitCode> {
    let super::Evaluated {
        q,
        trace,
        cmp,
        t_load,
        t_quant,
        t_exec,
        ..
    } = super::evaluate(&args.model, &args.input, &args.quant)?;
    // The integer run is part of "quantize+run".
    let t_quant = t_quant + t_exec;

    let vis = visibility(&args.proof)?;
    let options = SetupOptions {
        visibility: vis.clone(),
        k: args.proof.k,
    };
    let p = b.plan(&q, &options).context("planning the circuit")?;
    if !args.json {
        eprintln!("{}", b.plan_summary(&p));
    }
    let source = b.params_source();
    let (_, t_srs) = step(
        &format!("loading or generating the {}", source.label),
        || b.prepare(&p).context(source.label),
    )?;
    let cpu = || cpu_seconds().unwrap_or(f64::NAN);
    let c0 = cpu();
    let ((pk, vk), t_setup) = step("generating keys", || {
        b.setup_planned(&q, &options, p).context("generating keys")
    })?;
    let key = b.proving_key_info(&pk);
    // Committed groups get fresh blindings (as `zkml commit` and `zkml prove` draw them).
    let openings = fresh_openings(b, &vis);
    let c1 = cpu();
    let ((proof, public), t_prove) = step("proving", || {
        b.prove_with(&pk, &q, &trace, &openings).context("proving")
    })?;
    // The verifier holds the verifying key, the public values and the proof
    // only: the proving key (gigabytes for a large model) is freed first, as
    // it would be in a verifier's own process.
    drop(pk);
    let c2 = cpu();
    let t = Instant::now();
    b.verify(&vk, &public, &proof)
        .context("verifying the proof just made")?;
    let t_verify = t.elapsed();
    let c3 = cpu();
    // JSON has no NaN: a missing reading is null.
    let cpu_step = |a: f64, b: f64| (b - a).is_finite().then_some(b - a);
    let rss = peak_rss_mib();
    let outputs = trace.dequantized_outputs(&q);

    if args.json {
        println!(
            "{}",
            json!({
                "model": args.model.display().to_string(),
                "backend": B::NAME,
                "k": key.k,
                "columns": key.columns,
                "rows": key.rows,
                "proof_bytes": b.proof_size(&proof),
                "verified": true,
                "srs": source.kind,
                "peak_rss_mib": rss,
                "seconds": {
                    "load": t_load.as_secs_f64(),
                    "quantize": t_quant.as_secs_f64(),
                    "srs": t_srs.as_secs_f64(),
                    "setup": t_setup.as_secs_f64(),
                    "prove": t_prove.as_secs_f64(),
                    "verify": t_verify.as_secs_f64(),
                },
                "cpu_seconds": {
                    "setup": cpu_step(c0, c1),
                    "prove": cpu_step(c1, c2),
                    "verify": cpu_step(c2, c3),
                },
                "output": outputs,
                "max_abs_error": cmp.max_abs_error,
                "relative_error": cmp.relative_error,
                "argmax_agree": cmp.argmax_agree,
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("model         {}", args.model.display());
    if key.columns > 0 {
        println!(
            "circuit       k = {}, {} advice columns, {} rows",
            key.k, key.columns, key.rows
        );
    } else {
        println!(
            "circuit       {} backend, widest table 2^{}, {} table entries",
            B::NAME,
            key.k,
            key.rows
        );
    }
    println!("load          {:>9.3} s", t_load.as_secs_f64());
    println!("quantize+run  {:>9.3} s", t_quant.as_secs_f64());
    println!(
        "{:<14}{:>9.3} s",
        source.label.to_lowercase(),
        t_srs.as_secs_f64()
    );
    println!("setup (keys)  {:>9.3} s", t_setup.as_secs_f64());
    println!("prove         {:>9.3} s", t_prove.as_secs_f64());
    println!("verify        {:>9.3} ms", t_verify.as_secs_f64() * 1e3);
    println!("proof         {} bytes", b.proof_size(&proof));
    if let Some(r) = rss {
        println!("peak memory   {r:.0} MiB");
    }
    for (i, o) in outputs.iter().enumerate() {
        println!("output {i}      {}", super::fmt_list(o.iter().copied()));
    }
    println!(
        "vs float      max abs error {:.5} ({:.2}%); {}",
        cmp.max_abs_error,
        100.0 * cmp.relative_error,
        super::argmax_line(&cmp)
    );
    if source.secure {
        println!(
            "result        proof verified ({}: {})",
            source.label, source.note
        );
    } else {
        println!(
            "result        proof verified against a local INSECURE SRS (a demo: whoever made the \
             SRS can forge; pass --srs FILE with a ceremony SRS for a real proof)"
        );
    }
    Ok(ExitCode::SUCCESS)
}
