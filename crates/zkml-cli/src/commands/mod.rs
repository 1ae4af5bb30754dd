//! One module per subcommand; each is a short sequence of library calls.

mod accuracy;
mod commit;
mod layout;
mod plan;
mod prove;
mod proving;
mod run;
mod segment_jobs;
mod segment_time;
mod segments;
mod setup;
mod time;
mod verify;

use std::process::ExitCode;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use zkml_core::float::{eval_float, shape_inputs};
use zkml_core::precision::{self, PrecisionError, Tolerance};
use zkml_core::{compare, execute, Comparison, FTensor, QGraph, Trace};

use crate::cli::{Cli, Command, QuantArgs};
use crate::model::LoadedModel;
pub use proving::{backend_name, backend_named};

/// Runs the parsed command.
pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Accuracy(args) => accuracy::run(args),
        Command::Commit(args) => commit::run(args),
        Command::Setup(args) => setup::run(args),
        Command::Prove(args) => prove::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Time(args) => time::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Bundle(args) => segments::bundle(args),
    }
}

/// One model run on one input by both executors (what `run` and `time` report).
pub struct Evaluated {
    /// The loaded model.
    pub model: LoadedModel,
    /// The quantized model.
    pub q: QGraph,
    /// The integer execution.
    pub trace: Trace,
    /// The float model's outputs.
    pub float_out: Vec<FTensor>,
    /// Integer vs float.
    pub cmp: Comparison,
    /// Calibration samples used.
    pub samples: usize,
    /// Seconds spent loading (model and input).
    pub t_load: Duration,
    /// Seconds spent calibrating and quantizing.
    pub t_quant: Duration,
    /// Seconds spent in the integer executor.
    pub t_exec: Duration,
}

/// Loads `model_path`, reads `input_path`, calibrates (on `--calibration` or the
/// input), quantizes, and runs the integer and the float model.
pub fn evaluate(model_path: &Path, input_path: &Path, flags: &QuantArgs) -> Result<Evaluated> {
    let t = Instant::now();
    let model = crate::model::load(model_path, flags, Some(input_path))?;
    let input = crate::inputs::read_input(input_path, &model)?;
    let t_load = t.elapsed();
    let x = shape_inputs(&model.graph, &input).with_context(|| {
        format!(
            "input file `{}` does not fit the model",
            input_path.display()
        )
    })?;
    let samples = match &flags.calibration {
        Some(p) => crate::inputs::read_calibration(p, &model)?,
        None => vec![input],
    };
    let t = Instant::now();
    let q = compile(&model, &samples, flags)?;
    let t_quant = t.elapsed();
    let t = Instant::now();
    let trace = execute(&q, &x).with_context(|| {
        format!(
            "running the integer model of `{}` on `{}`",
            model_path.display(),
            input_path.display()
        )
    })?;
    let t_exec = t.elapsed();
    // A table function's calibrated domain clamps inputs the calibration did
    // not cover: the run proves, but those outputs are outside the bound.
    for c in zkml_core::exec::table_clamps(&q, &trace) {
        eprintln!("warning: {c}");
    }
    let all = eval_float(&model.graph, &x)
        .with_context(|| format!("running the float model of `{}`", model_path.display()))?;
    let float_out: Vec<FTensor> = model
        .graph
        .outputs
        .iter()
        .map(|&o| all[o].clone())
        .collect();
    let cmp = compare(&trace.dequantized_outputs(&q), &float_out);
    Ok(Evaluated {
        model,
        q,
        trace,
        float_out,
        cmp,
        samples: samples.len(),
        t_load,
        t_quant,
        t_exec,
    })
}

/// Calibrates on `samples` and quantizes: the model as the proof will see it.
///
/// With automatic precision (no width flags, or `--precision auto`) the
/// widths are chosen by [`precision::choose`] on the samples and, when they
/// are not the defaults, one line on stderr says which and why; when no rung meets the tolerance, a warning says so
/// (with each rung's error and the flags to try) and the defaults are kept.
pub fn compile(
    model: &LoadedModel,
    samples: &[Vec<Vec<f32>>],
    flags: &QuantArgs,
) -> Result<QGraph> {
    let mut cfg = model.quant_config();
    if let Some(s) = flags.max_scale {
        cfg.max_scale = s;
    }
    if let Some(b) = flags.act_bits {
        anyhow::ensure!(
            (4..=40).contains(&b),
            "--act-bits must be between 4 and 40, got {b}"
        );
        cfg.act_bits = b;
    }
    if let Some(b) = flags.weight_bits {
        anyhow::ensure!(
            (2..=24).contains(&b),
            "--weight-bits must be between 2 and 24, got {b}"
        );
        cfg.weight_bits = b;
    }
    if flags.per_tensor_weights {
        cfg.per_channel = false;
    }
    if flags.per_tensor_inputs {
        cfg.per_feature_inputs = false;
    }
    let shaped = samples
        .iter()
        .enumerate()
        .map(|(i, s)| {
            shape_inputs(&model.graph, s).with_context(|| format!("calibration sample {i}"))
        })
        .collect::<Result<Vec<_>>>()?;
    let cal = zkml_core::calibrate(&model.graph, &shaped).context("calibrating")?;
    let auto = flags.auto_precision().map_err(anyhow::Error::msg)?;
    if !auto || cfg.fixed_scale.is_some() {
        return zkml_core::quantize(&model.graph, &cal, &cfg).context("quantizing");
    }
    // Measure on a few samples: each rung runs both executors on each.
    let measured = &shaped[..shaped.len().min(AUTO_PRECISION_SAMPLES)];
    match precision::choose(&model.graph, &cal, measured, &cfg, Tolerance::AUTO) {
        Ok(choice) => {
            // Silent at the defaults: the output is then exactly as without
            // automatic precision.
            if !choice.is_default() {
                eprintln!("{}", choice.summary());
            }
            Ok(choice.qgraph)
        }
        Err(PrecisionError::Core(e)) => Err(e).context("quantizing"),
        Err(e @ PrecisionError::Exhausted { .. }) => {
            // No rung helps: keep the defaults (the circuit a user without
            // flags got before), rather than the widest and costliest one.
            eprintln!("warning: {e}; keeping the defaults");
            zkml_core::quantize(&model.graph, &cal, &cfg).context("quantizing")
        }
    }
}

/// Automatic precision measures each rung on at most this many calibration samples.
const AUTO_PRECISION_SAMPLES: usize = 8;

/// Formats a list of reals for people: 4 decimals, at most 12 shown.
pub fn fmt_list(xs: impl Iterator<Item = f64>) -> String {
    let v: Vec<String> = xs.map(|x| format!("{x:.4}")).collect();
    if v.len() > 12 {
        format!("[{}, … {} more]", v[..12].join(", "), v.len() - 12)
    } else {
        format!("[{}]", v.join(", "))
    }
}

/// The argmax part of a float comparison, for people: per row of the last
/// axis (a classifier's class, a detector's per-position class), near-ties
/// skipped, with the flattened argmax beside it.
pub fn argmax_line(cmp: &Comparison) -> String {
    let flat = format!(
        "flattened argmax {:?}, float {:?}",
        cmp.argmax, cmp.float_argmax
    );
    if cmp.argmax_rows == 0 {
        format!("argmax: no row to compare (last axis of 1, or near-ties only); {flat}")
    } else if cmp.argmax_agree {
        format!(
            "argmax agrees on all {} row(s) (near-ties skipped); {flat}",
            cmp.argmax_rows
        )
    } else {
        format!(
            "argmax DISAGREES on {} of {} row(s); {flat}",
            cmp.argmax_flips, cmp.argmax_rows
        )
    }
}
