//! `zkml commit`: publish a commitment to a model's weights, keep the opening.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use zkml_core::backend::Backend;
use zkml_core::QGraph;

use super::proving::with_backend;
use super::setup::zero_input;
use crate::artifacts::{self, GroupOpening, OpeningFile};
use crate::cli::{BackendArg, CommitArgs, SrsArgs};
use crate::{inputs, model};

pub fn run(args: CommitArgs) -> Result<ExitCode> {
    let (q, kind, segmented) = if args.model.is_dir() {
        let (s, kind) = artifacts::read_settings_for(&args.model, None)?;
        (
            artifacts::read_compiled(&args.model)?,
            kind,
            s.segments.is_some(),
        )
    } else {
        let m = model::load(&args.model, &args.quant, args.quant.calibration.as_deref())?;
        let samples = match &args.quant.calibration {
            Some(c) => inputs::read_calibration(c, &m)?,
            None => vec![zero_input(&m)],
        };
        // A model file gets the plonk backend's commitment; a setup
        // directory gets its own backend's (the sumcheck backend's is the
        // hash of the constants' Hyrax commitments).
        (
            super::compile(&m, &samples, &args.quant)?,
            BackendArg::Plonk,
            false,
        )
    };
    with_backend!(kind, &SrsArgs::default(), true, |b| commit_with(
        b, &args, &q, segmented
    ))
}

/// `zkml commit` with backend `b`.
fn commit_with<B: Backend>(
    b: &B,
    args: &CommitArgs,
    q: &QGraph,
    segmented: bool,
) -> Result<ExitCode> {
    if args.output.exists() && !args.force {
        bail!(
            "`{}` already exists; choose another -o or pass --force to replace it (the old \
             opening is then lost, and with it the ability to prove against its commitment)",
            args.output.display()
        );
    }
    let blinding = b.fresh_blinding();
    let w = b
        .commit_weights(q, &blinding)
        .context("committing to the weights")?;
    let commitment = w.commitment;
    let mut file = OpeningFile::new(
        B::NAME,
        Some(GroupOpening {
            commitment,
            blinding,
        }),
        None,
        None,
    );
    if segmented {
        // The seed of the segment boundary blindings, shared by every
        // worker that proves a segment (`zkml prove --segment I`).
        file.segment_seed = Some(zkml_core::backend::FieldBytes(
            zkml_plonk::segment::fresh_seed(),
        ));
        eprintln!("segmented setup: the opening holds a fresh segment seed");
    }
    file.write(&args.output)?;
    eprintln!(
        "weights commitment ({} constants of {} bits); opening written to {} (SECRET: keep it \
         to prove with `zkml prove --opening`)",
        w.constants,
        w.bits,
        args.output.display()
    );
    println!("{commitment}");
    Ok(ExitCode::SUCCESS)
}
