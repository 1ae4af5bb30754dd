//! `zkml accuracy`: float vs quantized accuracy on a labelled data set.

use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::json;
use zkml_core::compare::argmax;
use zkml_core::{execute, float};

use crate::cli::AccuracyArgs;
use crate::{inputs, model};

/// Calibration samples taken from the data set when no file is given.
const DEFAULT_CALIBRATION_SAMPLES: usize = 20;

pub fn run(args: AccuracyArgs) -> Result<ExitCode> {
    let model = model::load(&args.model, &args.quant, Some(&args.dataset))?;
    let mut data = inputs::read_dataset(&args.dataset, &model)?;
    if let Some(n) = args.limit {
        data.inputs.truncate(n);
        data.labels.truncate(n);
    }
    anyhow::ensure!(
        !data.inputs.is_empty(),
        "`{}` holds no samples",
        args.dataset.display()
    );
    let samples = match &args.quant.calibration {
        Some(p) => inputs::read_calibration(p, &model)?,
        None => data
            .inputs
            .iter()
            .take(DEFAULT_CALIBRATION_SAMPLES)
            .cloned()
            .collect(),
    };
    let q = super::compile(&model, &samples, &args.quant)?;
    let bar = indicatif::ProgressBar::new(data.inputs.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message("evaluating");
    let (mut float_ok, mut int_ok, mut agree, mut out_of_range) = (0usize, 0usize, 0usize, 0usize);
    let mut first_error = None;
    for (i, (sample, &label)) in data.inputs.iter().zip(&data.labels).enumerate() {
        let x = float::shape_inputs(&model.graph, sample).with_context(|| format!("sample {i}"))?;
        let f = float::eval_float(&model.graph, &x)?;
        let fa = argmax(f[model.graph.outputs[0]].iter().copied());
        float_ok += usize::from(fa == label);
        match execute(&q, &x) {
            Ok(trace) => {
                let qa = argmax(trace.values[q.outputs[0]].iter().copied());
                int_ok += usize::from(qa == label);
                agree += usize::from(qa == fa);
            }
            Err(e) => {
                out_of_range += 1;
                first_error.get_or_insert_with(|| format!("sample {i}: {e}"));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let n = data.inputs.len() as f64;
    if args.json {
        println!(
            "{}",
            json!({
                "samples": data.inputs.len(),
                "float_accuracy": float_ok as f64 / n,
                "quantized_accuracy": int_ok as f64 / n,
                "argmax_agreement": agree as f64 / n,
                "refused": out_of_range,
            })
        );
    } else {
        println!("samples             {}", data.inputs.len());
        println!("float accuracy      {:.2}%", 100.0 * float_ok as f64 / n);
        println!("quantized accuracy  {:.2}%", 100.0 * int_ok as f64 / n);
        println!("argmax agreement    {:.2}%", 100.0 * agree as f64 / n);
        if out_of_range > 0 {
            println!(
                "refused (out of calibrated range) {out_of_range}; first: {}",
                first_error.unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
