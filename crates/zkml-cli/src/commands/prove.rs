//! `zkml prove`: prove one input with the keys of a setup directory.

use std::process::ExitCode;

use anyhow::{Context, Result};
use zkml_core::backend::Backend;
use zkml_core::exec::{execute_int, quantize_flat_inputs};
use zkml_plonk::PlonkProvingKey;

use super::proving::{backend, step};
use crate::artifacts::{self, ProofFile, Revealed, BACKEND, VERSION};
use crate::cli::ProveArgs;
use crate::inputs;

pub fn run(args: ProveArgs) -> Result<ExitCode> {
    let settings = artifacts::read_settings(&args.dir)?;
    let q = artifacts::read_compiled(&args.dir)?;
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
    let pk_path = args.dir.join("pk.bin");
    let pk_file = std::fs::File::open(&pk_path)
        .with_context(|| format!("reading `{}`", pk_path.display()))?;
    let (pk, t_load) = step("loading the proving key", || {
        PlonkProvingKey::from_reader(std::io::BufReader::new(pk_file), &q, &b)
            .with_context(|| format!("`{}`", pk_path.display()))
    })?;
    let ((proof, public), t_prove) =
        step("proving", || b.prove(&pk, &q, &trace).context("proving"))?;
    let field = pk
        .layout
        .instance(&public)?
        .iter()
        .map(|f| format!("{f:?}"))
        .collect();
    let outputs: Vec<Vec<f64>> = public
        .outputs
        .iter()
        .zip(&settings.outputs)
        .map(|(v, t)| v.iter().map(|&x| x as f64 / 2f64.powi(t.scale)).collect())
        .collect();
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
