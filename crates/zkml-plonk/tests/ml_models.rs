//! The generated ONNX-ML models (`scripts/gen-ml-models.sh`; manifest
//! `crates/zkml-onnx/tests/ml-models.txt`) are proven: each `runs mock` /
//! `runs prove` model's circuit satisfies the MockProver at the planned `k`;
//! each `prove` model (a small tree ensemble, a scaled linear model) is also set up, proven and
//! verified for real, and its proof is rejected for a changed public output
//! (the label or a score) and for a changed proof byte. Tree ensembles,
//! linear models and preprocessing have no gadget of their own: the loader
//! expands them into Compare, index maps, ReduceSum, MatMul, tables.
//!
//! Without the generated models the test says how to make them and passes,
//! unless `ZKML_REQUIRE_ML_MODELS=1` (as scripts/test.sh sets).
//! `ZKML_ML_MODELS=id,id` limits it to those models.

use std::path::{Path, PathBuf};

use zkml_core::{backend::Backend, QuantConfig};

mod common;
#[path = "common/model_suite.rs"]
mod model_suite;

const MANIFEST: &str = include_str!("../../zkml-onnx/tests/ml-models.txt");

/// `(id, real proof, quantization)` of every `runs mock|prove` line.
fn provable() -> Vec<(String, bool, QuantConfig)> {
    model_suite::provable(MANIFEST, "ml-models.txt")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/ml-models")
}

fn prove_one(dir: &Path, real: bool, cfg: &QuantConfig) -> Result<u32, String> {
    let (q, t, vis, p, k) = model_suite::load_and_mock(dir, cfg)?;
    if real {
        let backend = common::backend();
        let (pk, vk) = backend
            .setup_with_plan(&q, vis, p.clone())
            .map_err(|e| format!("setup: {e}"))?;
        let (proof, public) = backend
            .prove(&pk, &q, &t)
            .map_err(|e| format!("prove: {e}"))?;
        backend
            .verify(&vk, &public, &proof)
            .map_err(|e| format!("verify: {e}"))?;
        let mut bad = public.clone();
        let v = bad
            .outputs
            .iter_mut()
            .find_map(|o| o.first_mut())
            .ok_or("no public output")?;
        *v += 1;
        if backend.verify(&vk, &bad, &proof).is_ok() {
            return Err("verify accepted a changed public output".into());
        }
        let mut forged = proof.clone();
        let mid = forged.bytes.len() / 2;
        forged.bytes[mid] ^= 1;
        if backend.verify(&vk, &public, &forged).is_ok() {
            return Err("verify accepted a changed proof byte".into());
        }
    }
    Ok(k)
}

#[test]
fn ml_models_prove() {
    let root = root();
    if !root.join(".stamp").exists() {
        let msg = format!(
            "generated ONNX-ML models not found in {}: run scripts/gen-ml-models.sh",
            root.display()
        );
        assert!(
            std::env::var("ZKML_REQUIRE_ML_MODELS").as_deref() != Ok("1"),
            "{msg} (ZKML_REQUIRE_ML_MODELS=1)"
        );
        eprintln!("{msg}; skipping");
        return;
    }
    let only: Option<Vec<String>> = std::env::var("ZKML_ML_MODELS")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    let mut failures = vec![];
    let mut checked = 0;
    for (id, real, cfg) in provable() {
        if only.as_ref().is_some_and(|o| !o.contains(&id)) {
            continue;
        }
        checked += 1;
        let t = std::time::Instant::now();
        match prove_one(&root.join(&id), real, &cfg) {
            Ok(k) => eprintln!(
                "ONNX-ML model `{id}`: MockProver ok at k = {k}{} ({:.1} s)",
                if real {
                    ", proven and verified, tampering rejected"
                } else {
                    ""
                },
                t.elapsed().as_secs_f64()
            ),
            Err(e) => failures.push(format!("`{id}`: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        checked > 0,
        "no model was checked (an empty manifest, or a filter naming none)"
    );
}
