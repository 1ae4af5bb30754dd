//! `zkml plan`: the circuit layout the planner picks.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};

use zkml_core::backend::{Backend, SetupOptions};
use zkml_plonk::plan::gib;
use zkml_plonk::plan::profile::span;
use zkml_plonk::segment::SegmentedPlan;

use super::layout::{self, Layout, LayoutRequest};

use super::proving::{visibility, with_backend};
use crate::cli::PlanArgs;
use crate::{inputs, model};

pub fn run(args: PlanArgs) -> Result<ExitCode> {
    let sp = span(|| "load".into());
    let model = model::load(
        &args.model,
        &args.quant,
        args.input.as_deref().or(args.quant.calibration.as_deref()),
    )?;
    let samples = match (&args.input, &args.quant.calibration) {
        (_, Some(c)) => inputs::read_calibration(c, &model)?,
        (Some(i), None) => vec![inputs::read_input(i, &model)?],
        (None, None) => {
            eprintln!("note: calibrating on an all-zero input; pass INPUT or --calibration for the exact plan");
            vec![model
                .graph
                .input_shapes()
                .iter()
                .map(|s| vec![0.0; s.iter().product()])
                .collect()]
        }
    };
    drop(sp);
    let sp = span(|| "calibrate and quantize".into());
    let q = super::compile(&model, &samples, &args.quant)?;
    drop(sp);
    let options = SetupOptions {
        visibility: visibility(&args.proof)?,
        k: args.proof.k,
    };
    if args.proof.backend == crate::cli::BackendArg::Plonk {
        let b = super::proving::plonk(&args.proof.srs, !args.proof.no_matrix_check);
        let t = Instant::now();
        let req = LayoutRequest {
            vis: &options.visibility,
            k: args.proof.k,
            segment_k: args.segment_k,
            budget: layout::budget(args.max_memory),
        };
        match layout::choose(&b, &q, &req)? {
            Layout::Whole(p) => println!("{p}"),
            Layout::Segments { why, whole, plan } => {
                if let Some(p) = whole {
                    println!("{p}");
                }
                if let Some(why) = why {
                    println!("{why}");
                }
                match plan {
                    Ok(sp) => print_segments(&q, &sp),
                    // Say why `zkml setup` would refuse.
                    Err(e) => println!("no segments: {e}"),
                }
            }
        }
        eprintln!("planned in {:.1} s", t.elapsed().as_secs_f64());
        return Ok(ExitCode::SUCCESS);
    }
    anyhow::ensure!(
        args.segment_k.is_none(),
        "--segment-k: only the plonk backend proves segments"
    );
    with_backend!(
        args.proof.backend,
        &args.proof.srs,
        !args.proof.no_matrix_check,
        |b| {
            let p = b.plan(&q, &options).context("planning the circuit")?;
            println!("{p}");
            Ok(ExitCode::SUCCESS)
        }
    )
}

/// One line per segment: nodes, `k`, rows, columns, estimated time and memory.
fn print_segments(q: &zkml_core::QGraph, sp: &SegmentedPlan) {
    let n = sp.segments.len();
    if sp.graph.nodes.len() != q.nodes.len() {
        println!(
            "nodes larger than a segment are split into pieces (docs/segments.md): {} nodes \
             become {}",
            q.nodes.len(),
            sp.graph.nodes.len()
        );
    }
    let total: f64 = sp.plans.iter().map(|p| p.est_prove_s).sum();
    let peak = sp.plans.iter().map(|p| p.est_peak_bytes).max().unwrap_or(0);
    println!(
        "{n} segments, cuts before nodes {:?}; estimated prove ≈ {total:.0} CPU-s in all (≈ {:.0} \
         s wall on 2 idle cores, one segment at a time), peak memory ≈ {} per segment",
        sp.cuts,
        total / zkml_plonk::plan::EFFECTIVE_CORES,
        gib(peak)
    );
    for (i, (s, p)) in sp.segments.iter().zip(&sp.plans).enumerate() {
        println!(
            "  segment {i}: nodes {}..{} ({} .. {}), k = {}, {} of {} rows, {} advice columns, \
             ≈{:.0} CPU-s, ≈{}",
            s.nodes.start,
            s.nodes.end,
            s.graph.nodes.first().map_or("", |x| x.name.as_str()),
            s.graph.nodes.last().map_or("", |x| x.name.as_str()),
            p.k,
            p.rows,
            p.usable_rows,
            p.advice_columns,
            p.est_prove_s,
            gib(p.est_peak_bytes)
        );
    }
}
