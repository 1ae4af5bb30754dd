//! `zkml prove`: prove one input with the keys of a setup directory.

use std::process::ExitCode;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use zkml_core::backend::{
    resolve_openings, Backend, Blinding, OpeningError, Openings, PublicValues, Visibility,
};
use zkml_core::exec::{execute_int, quantize_flat_inputs};
use zkml_core::{QGraph, Trace};

use super::proving::{step, with_backend};
use crate::artifacts::{self, GroupOpening, OpeningFile, ProofFile, Revealed, Settings, VERSION};
use crate::cli::ProveArgs;
use crate::inputs;

pub fn run(args: ProveArgs) -> Result<ExitCode> {
    let (settings, kind) = artifacts::read_settings_for(&args.dir, args.backend)?;
    if settings.segments.is_some() {
        return super::segments::prove(&args, &settings, &super::proving::plonk(&args.srs, true));
    }
    if args.segment.is_some() {
        anyhow::bail!(
            "--segment: `{}` is not a segmented setup (run `zkml setup --segment-k K`)",
            args.dir.display()
        );
    }
    with_backend!(kind, &args.srs, true, |b| prove_with(b, &args, settings))
}

/// `zkml prove` with backend `b` (the one `settings` names).
fn prove_with<B: Backend>(b: &B, args: &ProveArgs, settings: Settings) -> Result<ExitCode> {
    let pk_path = args.dir.join("pk.bin");
    let q = read_model(args, &settings, |q| {
        // model.json must be the model pk.bin was made for before anything
        // uses it (a damaged or edited one is refused here, by its model hash).
        b.check_proving_key_file(&pk_path, q).with_context(|| {
            format!(
                "`{}` does not match `{}`",
                args.dir.join("model.json").display(),
                pk_path.display()
            )
        })
    })?;
    let trace = run_input(args, &settings, &q)?;
    let (pk, t_load) = step("loading the proving key", || {
        b.read_proving_key(&pk_path, &q)
            .with_context(|| format!("`{}`", pk_path.display()))
    })?;
    let key = b.proving_key_info(&pk);
    artifacts::check_settings_against_key(
        &settings,
        &args.dir.join("settings.json"),
        &pk_path,
        &key,
    )?;
    let vis = settings.visibility.clone();
    let openings = openings(b, &args.opening, &q, &vis)?;
    let ((proof, public), t_prove) = step("proving", || {
        b.prove_with(&pk, &q, &trace, &openings).context("proving")
    })?;
    let field = b
        .public_field_elements(&key, &public)?
        .iter()
        .map(|f| f.to_hex())
        .collect();
    let outputs = super::verify::real_outputs(&public.outputs, &key.outputs);
    let revealed = Revealed::of(&key.visibility.reveal, &public.revealed, &settings.outputs)?;
    let proof_bytes = b.proof_to_bytes(&proof);
    let file = ProofFile {
        format: "zkml-proof".into(),
        version: VERSION,
        backend: B::NAME.into(),
        model_hash: settings.model_hash.clone(),
        public,
        outputs: outputs.clone(),
        revealed: revealed.clone(),
        public_field_elements: field,
        proof: artifacts::hex(&proof_bytes),
    };
    // The opening (if any) first: killed in between, a proof never exists
    // without the opening of its commitments.
    report_commitments(B::NAME, &file.public, &openings, &args.output)?;
    artifacts::write_atomic(&args.output, &serde_json::to_vec_pretty(&file)?)?;
    println!(
        "wrote {} ({} proof bytes; key load {:.2} s, proving {:.2} s)",
        args.output.display(),
        b.proof_size(&proof),
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

/// The model of the setup directory `args.dir` (`model.json`), checked by
/// `check` (against its keys) and then against `settings` (inputs, outputs,
/// activation bits), as every prover reads it (one circuit or segments).
pub(super) fn read_model(
    args: &ProveArgs,
    settings: &Settings,
    check: impl FnOnce(&QGraph) -> Result<()>,
) -> Result<QGraph> {
    let q = artifacts::read_compiled(&args.dir)?;
    check(&q)?;
    artifacts::check_settings_against_model(
        settings,
        &args.dir.join("settings.json"),
        &args.dir.join("model.json"),
        &q,
    )?;
    Ok(q)
}

/// The integer run of the input file `args.input` on `q`: the input is read
/// (JSON, or msgpack with the setup's source model), checked and quantized,
/// and the integer model run, so that a bad input (wrong length, out of the
/// calibrated range) is reported before proving starts.
pub(super) fn run_input(args: &ProveArgs, settings: &Settings, q: &QGraph) -> Result<Trace> {
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
    let x = quantize_flat_inputs(q, &input).with_context(|| {
        format!(
            "input file `{}` does not fit the model",
            args.input.display()
        )
    })?;
    execute_int(q, x).with_context(|| format!("input file `{}`", args.input.display()))
}

/// The blindings of the committed groups ([`resolve_openings`]): the
/// weights' from the opening file (checked against this model's weights),
/// the input's and output's from it when it has them, else fresh.
fn openings<B: Backend>(
    b: &B,
    path: &Option<PathBuf>,
    q: &QGraph,
    vis: &Visibility,
) -> Result<Openings> {
    let file = path
        .as_deref()
        .map(|p| OpeningFile::read(p, B::NAME))
        .transpose()?;
    let given = file.as_ref().map(OpeningFile::groups).unwrap_or_default();
    let shown = || path.as_deref().map(Path::display);
    resolve_openings(b, q, vis, &given).map_err(|e| match e {
        OpeningError::WeightsMissing => anyhow::anyhow!(
            "the weights are committed: pass --opening FILE, the opening of the published \
             weights commitment (`zkml commit DIR -o FILE` writes one)"
        ),
        OpeningError::OtherWeights { opens, gives } => anyhow::anyhow!(
            "the opening `{}` is for other weights: it opens commitment {opens}, but this \
             setup's weights give {gives} with its blinding (commit the model with the same \
             quantization flags as `zkml setup`, or run `zkml commit` on the setup directory)",
            shown().expect("weights given only with a file")
        ),
        OpeningError::Commit(e) => anyhow::anyhow!("committing to the weights: {e}"),
    })
}

/// Prints the commitments; writes the input/output opening beside the proof.
fn report_commitments(
    backend: &str,
    public: &PublicValues,
    o: &Openings,
    proof: &Path,
) -> Result<()> {
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
        OpeningFile::new(backend, None, input, output).write(&path)?;
        println!(
            "wrote {} (SECRET: opens the input/output commitments)",
            path.display()
        );
    }
    Ok(())
}
