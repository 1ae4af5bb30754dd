//! `zkml setup`: compile a model and generate its keys into a directory.

use std::fs::File;
use std::process::ExitCode;

use anyhow::{Context, Result};
use zkml_core::backend::{Backend, SetupOptions};
use zkml_core::QGraph;

use super::proving::{step, visibility, with_backend};
use crate::artifacts::{self, CompiledModel, Settings, TensorInfo, VERSION};
use crate::cli::SetupArgs;
use crate::{inputs, model};

/// An all-zero sample: calibrating on it gives every activation the largest scale.
pub fn zero_input(model: &crate::model::LoadedModel) -> Vec<Vec<f32>> {
    model
        .graph
        .input_shapes()
        .iter()
        .map(|s| vec![0.0; s.iter().product()])
        .collect()
}

pub fn run(args: SetupArgs) -> Result<ExitCode> {
    let model = model::load(&args.model, &args.quant, args.quant.calibration.as_deref())?;
    let samples = match &args.quant.calibration {
        Some(c) => inputs::read_calibration(c, &model)?,
        None => {
            eprintln!(
                "warning: no --calibration: every activation gets the largest scale, so inputs \
                 whose activations leave ±2^(act_bits-1-max_scale) will be refused at prove time; \
                 calibrate on sample inputs for a model-specific range"
            );
            vec![zero_input(&model)]
        }
    };
    let q = super::compile(&model, &samples, &args.quant)?;
    if args.proof.backend == crate::cli::BackendArg::Plonk {
        match super::segments::setup_if_segmented(&args, &q)? {
            super::segments::SetupKind::Done(code) => return Ok(code),
            // One circuit: keep the plan made to decide it (a model's
            // planning is its costliest step before keygen).
            super::segments::SetupKind::Whole(plan) => {
                let b = &super::proving::plonk(&args.proof.srs, !args.proof.no_matrix_check);
                return setup_with(b, &args, q, Some(*plan));
            }
        }
    } else if args.segment_k.is_some() || !args.segment_cuts.is_empty() {
        anyhow::bail!("--segment-k/--segment-cuts: only the plonk backend proves segments");
    }
    with_backend!(
        args.proof.backend,
        &args.proof.srs,
        !args.proof.no_matrix_check,
        |b| setup_with(b, &args, q, None)
    )
}

/// `zkml setup` with backend `b` (and its plan, when already made).
fn setup_with<B: Backend>(
    b: &B,
    args: &SetupArgs,
    q: QGraph,
    plan: Option<B::Plan>,
) -> Result<ExitCode> {
    let vis = visibility(&args.proof)?;
    let options = SetupOptions {
        visibility: vis.clone(),
        k: args.proof.k,
    };
    let p = match plan {
        Some(p) => p,
        None => b.plan(&q, &options).context("planning the circuit")?,
    };
    eprintln!("{}", b.plan_summary(&p));
    let ((pk, vk), t) = step("generating keys", || {
        b.setup_planned(&q, &options, p).context("generating keys")
    })?;
    let key = b.proving_key_info(&pk);
    let info = |ids: &[usize]| -> Vec<TensorInfo> {
        ids.iter()
            .map(|&i| TensorInfo {
                name: q.values[i].name.clone(),
                shape: q.values[i].shape.clone(),
                scale: q.values[i].scale,
            })
            .collect()
    };
    let ext = args
        .model
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("onnx")
        .to_ascii_lowercase();
    let settings = Settings {
        format: "zkml-settings".into(),
        version: VERSION,
        zkml_version: env!("CARGO_PKG_VERSION").into(),
        backend: B::NAME.into(),
        model_hash: artifacts::hex(&key.model_hash),
        source: format!("source.{ext}"),
        visibility: vis,
        k: key.k,
        advice_columns: key.columns,
        act_bits: q.act_bits,
        inputs: info(&q.inputs),
        outputs: info(&q.outputs),
        srs: b.params_source().note,
        segments: None,
    };
    let (pk_bytes, vk_bytes) = (
        b.proving_key_to_bytes(&pk)
            .context("encoding the proving key")?,
        b.verifying_key_to_bytes(&vk)
            .context("encoding the verifying key")?,
    );
    drop(pk);
    let compiled = CompiledModel {
        format: "zkml-compiled-model".into(),
        version: VERSION,
        qgraph: q,
    };
    artifacts::write_dir_atomic(&args.output_dir, args.force, |dir| {
        std::fs::copy(&args.model, dir.join(&settings.source))
            .context("copying the source model")?;
        File::open(dir.join(&settings.source))
            .and_then(|f| f.sync_all())
            .context("copying the source model")?;
        artifacts::write_synced(&dir.join("model.json"), &serde_json::to_vec(&compiled)?)?;
        artifacts::write_synced(&dir.join("pk.bin"), &pk_bytes)?;
        artifacts::write_synced(&dir.join("vk.bin"), &vk_bytes)?;
        artifacts::write_synced(
            &dir.join("settings.json"),
            &serde_json::to_vec_pretty(&settings)?,
        )?;
        Ok(())
    })?;
    let size = if settings.advice_columns > 0 {
        format!(
            "k = {}, {} advice columns",
            settings.k, settings.advice_columns
        )
    } else {
        format!("{} backend, widest table 2^{}", B::NAME, settings.k)
    };
    println!(
        "wrote {} ({size}; keys in {:.2} s; model hash {})",
        args.output_dir.display(),
        t.as_secs_f64(),
        &settings.model_hash[..16]
    );
    if settings.visibility.weights == zkml_core::backend::Vis::Committed {
        println!(
            "weights are committed: run `zkml commit {} -o OPENING` to publish their commitment, \
             then `zkml prove … --opening OPENING`; give verifiers settings.json and vk.bin only",
            args.output_dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
