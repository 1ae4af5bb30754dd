//! `zkml plan`: the circuit layout the planner picks.

use std::process::ExitCode;

use anyhow::{Context, Result};

use zkml_core::backend::{Backend, SetupOptions};

use super::proving::{visibility, with_backend};
use crate::cli::PlanArgs;
use crate::{inputs, model};

pub fn run(args: PlanArgs) -> Result<ExitCode> {
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
    let q = super::compile(&model, &samples, &args.quant)?;
    let options = SetupOptions {
        visibility: visibility(&args.proof)?,
        k: args.proof.k,
    };
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
