//! `zkml prove`: prove one input with the keys of a setup directory.

use std::process::ExitCode;

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use zkml_core::backend::{Backend, Blinding, Openings, PublicValues, Vis, Visibility};
use zkml_core::exec::{execute_int, quantize_flat_inputs};
use zkml_core::QGraph;
use zkml_plonk::commit::{fresh_blinding, weights_commitment};
use zkml_plonk::PlonkProvingKey;

use super::proving::{backend, step};
use crate::artifacts::{self, GroupOpening, OpeningFile, ProofFile, Revealed, BACKEND, VERSION};
use crate::cli::ProveArgs;
use crate::inputs;

pub fn run(args: ProveArgs) -> Result<ExitCode> {
    let settings = artifacts::read_settings(&args.dir)?;
    let q = artifacts::read_compiled(&args.dir)?;
    // model.json must be the model pk.bin was made for before anything uses
    // it (a damaged or edited one is refused here, by its model hash).
    let pk_path = args.dir.join("pk.bin");
    PlonkProvingKey::check_model_file(&pk_path, &q).with_context(|| {
        format!(
            "`{}` does not match `{}`",
            args.dir.join("model.json").display(),
            pk_path.display()
        )
    })?;
    artifacts::check_settings_against_model(
        &settings,
        &args.dir.join("settings.json"),
        &args.dir.join("model.json"),
        &q,
    )?;
    let msgpack = if inputs::is_msgpack(&args.input) {
        let src = args.dir.join(&settings.source);
        Some(
            zkml_msgpack::load_model(&src)
                .with_context(|| format!("loading `{}`", src.display()))?,
        )
    } else {
        None
    };
    let input = inputs::read_input_for(&args.input, q.inputs.len(), msgpack.as_ref())?;
    // Check the input and run the integer model first: a bad input (wrong
    // length, out of the calibrated range) is reported before proving starts.
    let x = quantize_flat_inputs(&q, &input).with_context(|| {
        format!(
            "input file `{}` does not fit the model",
            args.input.display()
        )
    })?;
    let trace =
        execute_int(&q, x).with_context(|| format!("input file `{}`", args.input.display()))?;
    let b = backend(&args.srs);
    let (pk, t_load) = step("loading the proving key", || {
        PlonkProvingKey::from_file(&pk_path, &q, &b)
            .with_context(|| format!("`{}`", pk_path.display()))
    })?;
    artifacts::check_settings_against_key(
        &settings,
        &args.dir.join("settings.json"),
        &pk_path,
        &pk.model_hash,
        pk.plan.k,
        pk.plan.shape.act_bits,
        &pk.layout,
    )?;
    let vis = settings.visibility;
    let openings = openings(&args.opening, &q, &vis)?;
    let ((proof, public), t_prove) = step("proving", || {
        b.prove_with(&pk, &q, &trace, &openings).context("proving")
    })?;
    let field = pk
        .layout
        .instance(&public)?
        .iter()
        .map(|f| format!("{f:?}"))
        .collect();
    let outputs = super::verify::real_outputs(&public.outputs, &pk.layout.output_meta);
    let revealed = Revealed::of(&pk.layout.vis.reveal, &public.revealed, &settings.outputs)?;
    let proof_bytes = proof.to_bytes();
    let file = ProofFile {
        format: "zkml-proof".into(),
        version: VERSION,
        backend: BACKEND.into(),
        model_hash: settings.model_hash.clone(),
        public,
        outputs: outputs.clone(),
        revealed: revealed.clone(),
        public_field_elements: field,
        proof: artifacts::hex(&proof_bytes),
    };
    // The opening (if any) first: killed in between, a proof never exists
    // without the opening of its commitments.
    report_commitments(&file.public, &openings, &args.output)?;
    artifacts::write_atomic(&args.output, &serde_json::to_vec_pretty(&file)?)?;
    println!(
        "wrote {} ({} proof bytes; key load {:.2} s, proving {:.2} s)",
        args.output.display(),
        proof.bytes.len(),
        t_load.as_secs_f64(),
        t_prove.as_secs_f64()
    );
    for (i, o) in outputs.iter().enumerate() {
        println!("output {i}: {}", super::fmt_list(o.iter().copied()));
    }
    for line in revealed.iter().flat_map(Revealed::lines) {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The blindings of the committed groups: the weights' from the opening file
/// (checked against this model's weights), the input's and output's from it
/// when it has them, else fresh.
fn openings(path: &Option<PathBuf>, q: &QGraph, vis: &Visibility) -> Result<Openings> {
    let file = path.as_deref().map(OpeningFile::read).transpose()?;
    let shown = || path.as_deref().map(Path::display);
    let weights = if vis.weights == Vis::Committed {
        let Some(w) = file.as_ref().and_then(|f| f.weights.clone()) else {
            bail!(
                "the weights are committed: pass --opening FILE, the opening of the published \
                 weights commitment (`zkml commit DIR -o FILE` writes one)"
            );
        };
        let mine = weights_commitment(q, &w.blinding).context("committing to the weights")?;
        ensure!(
            mine == w.commitment,
            "the opening `{}` is for other weights: it opens commitment {}, but this setup's \
             weights give {mine} with its blinding (commit the model with the same quantization \
             flags as `zkml setup`, or run `zkml commit` on the setup directory)",
            shown().unwrap(),
            w.commitment
        );
        Some(w.blinding)
    } else {
        None
    };
    let pick = |v: Vis, g: Option<GroupOpening>| -> Option<Blinding> {
        (v == Vis::Committed).then(|| g.map(|g| g.blinding).unwrap_or_else(fresh_blinding))
    };
    Ok(Openings {
        weights,
        input: pick(vis.input, file.as_ref().and_then(|f| f.input.clone())),
        output: pick(vis.output, file.as_ref().and_then(|f| f.output.clone())),
    })
}

/// Prints the commitments; writes the input/output opening beside the proof.
fn report_commitments(public: &PublicValues, o: &Openings, proof: &Path) -> Result<()> {
    let c = &public.commitments;
    for (what, v) in [
        ("input", c.input),
        ("weights", c.weights),
        ("output", c.output),
    ] {
        if let Some(v) = v {
            println!("{what} commitment: {v}");
        }
    }
    let group = |c: Option<zkml_core::backend::Commitment>, b: Option<Blinding>| {
        c.zip(b).map(|(commitment, blinding)| GroupOpening {
            commitment,
            blinding,
        })
    };
    let (input, output) = (group(c.input, o.input), group(c.output, o.output));
    if input.is_some() || output.is_some() {
        let path = proof.with_extension("opening.json");
        OpeningFile::new(None, input, output).write(&path)?;
        println!(
            "wrote {} (SECRET: opens the input/output commitments)",
            path.display()
        );
    }
    Ok(())
}
