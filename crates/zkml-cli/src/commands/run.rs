//! `zkml run`: load, quantize, run the integer model and the float model, compare.

use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;

use crate::cli::RunArgs;

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let super::Evaluated {
        model,
        q,
        trace,
        float_out,
        cmp,
        samples,
        t_load,
        t_quant,
        t_exec,
    } = super::evaluate(&args.model, &args.input, &args.quant)?;
    let int_out = trace.dequantized_outputs(&q);
    let float_flat: Vec<Vec<f32>> = float_out
        .iter()
        .map(|t| t.iter().copied().collect())
        .collect();

    if args.json {
        let out = json!({
            "output": int_out,
            "float_output": float_flat,
            "max_abs_error": cmp.max_abs_error,
            "max_abs_output": cmp.max_abs_output,
            "relative_error": cmp.relative_error,
            "argmax": cmp.argmax,
            "float_argmax": cmp.float_argmax,
            "argmax_agree": cmp.argmax_agree,
            "argmax_rows": cmp.argmax_rows,
            "argmax_flips": cmp.argmax_flips,
            "integer_output": trace.outputs(&q).iter().map(|t| t.iter().copied().collect::<Vec<_>>()).collect::<Vec<_>>(),
            "output_scales": q.outputs.iter().map(|&o| q.values[o].scale).collect::<Vec<_>>(),
            "act_bits": q.act_bits,
            "nodes": q.nodes.len(),
            "seconds": {"load": t_load.as_secs_f64(), "quantize": t_quant.as_secs_f64(), "execute": t_exec.as_secs_f64()},
        });
        println!("{out}");
        return Ok(ExitCode::SUCCESS);
    }

    println!(
        "model     {} ({}, {} nodes, {} input(s))",
        args.model.display(),
        model.format.name(),
        model.graph.nodes.len(),
        model.graph.inputs.len()
    );
    println!(
        "quantized activations in ±2^{} ; calibrated on {} sample(s)",
        q.act_bits - 1,
        samples
    );
    for (i, (&o, (qo, fo))) in q
        .outputs
        .iter()
        .zip(int_out.iter().zip(&float_flat))
        .enumerate()
    {
        let name = &q.values[o].name;
        println!("output {i} `{name}` (scale 2^-{}):", q.values[o].scale);
        println!("  integer model  {}", super::fmt_list(qo.iter().copied()));
        println!(
            "  float model    {}",
            super::fmt_list(fo.iter().map(|&v| v as f64))
        );
    }
    println!(
        "max abs error {:.6} ({:.3}% of the largest |output| {:.4})",
        cmp.max_abs_error,
        100.0 * cmp.relative_error,
        cmp.max_abs_output
    );
    println!("{}", super::argmax_line(&cmp));
    println!(
        "time: load {:.1} ms, calibrate+quantize {:.1} ms, integer run {:.1} ms",
        t_load.as_secs_f64() * 1e3,
        t_quant.as_secs_f64() * 1e3,
        t_exec.as_secs_f64() * 1e3
    );
    Ok(ExitCode::SUCCESS)
}
