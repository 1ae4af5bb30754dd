//! `zkml setup`: compile a model and generate its keys into a directory.

use std::fs::File;
use std::process::ExitCode;

use anyhow::{Context, Result};

use zkml_plonk::plan_with;

use super::proving::{backend, srs_note, step, visibility};
use crate::artifacts::{self, CompiledModel, Settings, TensorInfo, BACKEND, VERSION};
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
    let vis = visibility(&args.proof)?;
    let b = backend(&args.proof.srs);
    let p = plan_with(&q, &vis, args.proof.k, !args.proof.no_matrix_check)
        .context("planning the circuit")?;
    eprintln!(
        "circuit: k = {}, {} advice columns, {} rows; SRS: {}",
        p.k,
        p.advice_columns,
        p.rows,
        srs_note(&b)
    );
    let ((pk, vk), t) = step("generating keys", || {
        b.setup_with_plan(&q, vis.clone(), p.clone())
            .context("generating keys")
    })?;
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
        backend: BACKEND.into(),
        model_hash: artifacts::hex(&vk.model_hash),
        source: format!("source.{ext}"),
        visibility: vis,
        k: pk.plan.k,
        advice_columns: pk.plan.advice_columns,
        act_bits: q.act_bits,
        inputs: info(&q.inputs),
        outputs: info(&q.outputs),
        srs: srs_note(&b),
    };
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
        artifacts::write_synced(&dir.join("pk.bin"), &pk.to_bytes())?;
        artifacts::write_synced(&dir.join("vk.bin"), &vk.to_bytes())?;
        artifacts::write_synced(
            &dir.join("settings.json"),
            &serde_json::to_vec_pretty(&settings)?,
        )?;
        Ok(())
    })?;
    println!(
        "wrote {} (k = {}, {} advice columns; keys in {:.2} s; model hash {})",
        args.output_dir.display(),
        settings.k,
        settings.advice_columns,
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
