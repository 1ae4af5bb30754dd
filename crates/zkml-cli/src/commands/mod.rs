//! One module per subcommand; each is a short sequence of library calls.

mod accuracy;
mod plan;
mod prove;
mod proving;
mod run;
mod setup;
mod time;
mod verify;

use std::process::ExitCode;

use anyhow::{Context, Result};
use zkml_core::{float::shape_inputs, QGraph};

use crate::cli::{Cli, Command, QuantArgs};
use crate::model::LoadedModel;

/// Runs the parsed command.
pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Accuracy(args) => accuracy::run(args),
        Command::Setup(args) => setup::run(args),
        Command::Prove(args) => prove::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Time(args) => time::run(args),
        Command::Plan(args) => plan::run(args),
    }
}

/// Calibrates on `samples` and quantizes: the model as the proof will see it.
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
    let shaped = samples
        .iter()
        .enumerate()
        .map(|(i, s)| {
            shape_inputs(&model.graph, s).with_context(|| format!("calibration sample {i}"))
        })
        .collect::<Result<Vec<_>>>()?;
    let cal = zkml_core::calibrate(&model.graph, &shaped).context("calibrating")?;
    zkml_core::quantize(&model.graph, &cal, &cfg).context("quantizing")
}

/// Formats a list of reals for people: 4 decimals, at most 12 shown.
pub fn fmt_list(xs: impl Iterator<Item = f64>) -> String {
    let v: Vec<String> = xs.map(|x| format!("{x:.4}")).collect();
    if v.len() > 12 {
        format!("[{}, … {} more]", v[..12].join(", "), v.len() - 12)
    } else {
        format!("[{}]", v.join(", "))
    }
}
