//! `zkml commit`: publish a commitment to a model's weights, keep the opening.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use zkml_plonk::commit::{fresh_blinding, weight_bits, weights_commitment};

use super::setup::zero_input;
use crate::artifacts::{self, GroupOpening, OpeningFile};
use crate::cli::CommitArgs;
use crate::{inputs, model};

pub fn run(args: CommitArgs) -> Result<ExitCode> {
    let q = if args.model.is_dir() {
        artifacts::read_settings(&args.model)?;
        artifacts::read_compiled(&args.model)?
    } else {
        let m = model::load(&args.model, &args.quant, args.quant.calibration.as_deref())?;
        let samples = match &args.quant.calibration {
            Some(c) => inputs::read_calibration(c, &m)?,
            None => vec![zero_input(&m)],
        };
        super::compile(&m, &samples, &args.quant)?
    };
    if args.output.exists() && !args.force {
        bail!(
            "`{}` already exists; choose another -o or pass --force to replace it (the old \
             opening is then lost, and with it the ability to prove against its commitment)",
            args.output.display()
        );
    }
    let blinding = fresh_blinding();
    let commitment = weights_commitment(&q, &blinding).context("committing to the weights")?;
    OpeningFile::new(
        Some(GroupOpening {
            commitment,
            blinding,
        }),
        None,
        None,
    )
    .write(&args.output)?;
    eprintln!(
        "weights commitment ({} constants of {} bits); opening written to {} (SECRET: keep it \
         to prove with `zkml prove --opening`)",
        zkml_plonk::commit::weight_values(&q).len(),
        weight_bits(&q),
        args.output.display()
    );
    println!("{commitment}");
    Ok(ExitCode::SUCCESS)
}
