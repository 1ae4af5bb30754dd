//! `zkml time`: every step in one go, timed (the earlier zkml's `time_circuit`).

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::json;
use zkml_core::backend::{Backend, Openings, Vis};
use zkml_plonk::{commit::fresh_blinding, plan_with};

use super::proving::{backend, peak_rss_mib, srs_note, step, visibility};
use crate::cli::TimeArgs;

pub fn run(args: TimeArgs) -> Result<ExitCode> {
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
    let b = backend(&args.proof.srs);
    let p = plan_with(&q, &vis, args.proof.k, !args.proof.no_matrix_check)
        .context("planning the circuit")?;
    if !args.json {
        eprintln!(
            "circuit: k = {}, {} advice columns, {} rows; SRS: {}",
            p.k,
            p.advice_columns,
            p.rows,
            srs_note(&b)
        );
    }
    let (_, t_srs) = step("loading or generating the SRS", || {
        b.params(p.k).context("SRS")
    })?;
    let ((pk, vk), t_setup) = step("generating keys", || {
        b.setup_with_plan(&q, vis.clone(), p.clone())
            .context("generating keys")
    })?;
    // Committed groups get fresh blindings (as `zkml commit` and `zkml prove` draw them).
    let fresh = |v: Vis| (v == Vis::Committed).then(fresh_blinding);
    let openings = Openings {
        input: fresh(vis.input),
        weights: fresh(vis.weights),
        output: fresh(vis.output),
    };
    let ((proof, public), t_prove) = step("proving", || {
        b.prove_with(&pk, &q, &trace, &openings).context("proving")
    })?;
    let t = Instant::now();
    b.verify(&vk, &public, &proof)
        .context("verifying the proof just made")?;
    let t_verify = t.elapsed();
    let rss = peak_rss_mib();
    let outputs = trace.dequantized_outputs(&q);

    if args.json {
        println!(
            "{}",
            json!({
                "model": args.model.display().to_string(),
                "k": pk.plan.k,
                "columns": pk.plan.advice_columns,
                "rows": pk.plan.rows,
                "proof_bytes": proof.bytes.len(),
                "verified": true,
                "srs": if b.srs_file.is_some() { "file" } else { "local-insecure" },
                "peak_rss_mib": rss,
                "seconds": {
                    "load": t_load.as_secs_f64(),
                    "quantize": t_quant.as_secs_f64(),
                    "srs": t_srs.as_secs_f64(),
                    "setup": t_setup.as_secs_f64(),
                    "prove": t_prove.as_secs_f64(),
                    "verify": t_verify.as_secs_f64(),
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
    println!(
        "circuit       k = {}, {} advice columns, {} rows",
        pk.plan.k, pk.plan.advice_columns, pk.plan.rows
    );
    println!("load          {:>9.3} s", t_load.as_secs_f64());
    println!("quantize+run  {:>9.3} s", t_quant.as_secs_f64());
    println!("srs           {:>9.3} s", t_srs.as_secs_f64());
    println!("setup (keys)  {:>9.3} s", t_setup.as_secs_f64());
    println!("prove         {:>9.3} s", t_prove.as_secs_f64());
    println!("verify        {:>9.3} ms", t_verify.as_secs_f64() * 1e3);
    println!("proof         {} bytes", proof.bytes.len());
    if let Some(r) = rss {
        println!("peak memory   {r:.0} MiB");
    }
    for (i, o) in outputs.iter().enumerate() {
        println!("output {i}      {}", super::fmt_list(o.iter().copied()));
    }
    println!(
        "vs float      max abs error {:.5} ({:.2}%), argmax {:?} {}",
        cmp.max_abs_error,
        100.0 * cmp.relative_error,
        cmp.argmax,
        if cmp.argmax_agree {
            "agrees"
        } else {
            "DISAGREES"
        }
    );
    if b.srs_file.is_some() {
        println!("result        proof verified (SRS: {})", srs_note(&b));
    } else {
        println!(
            "result        proof verified against a local INSECURE SRS (a demo: whoever made the \
             SRS can forge; pass --srs FILE with a ceremony SRS for a real proof)"
        );
    }
    Ok(ExitCode::SUCCESS)
}
