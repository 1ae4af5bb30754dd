//! The generated sequence and language models (`scripts/gen-test-models.sh`;
//! manifest `crates/zkml-onnx/tests/gen-models.txt`) are proven: each `runs
//! mock` / `runs prove` model's circuit satisfies the MockProver at the
//! planned `k`; each `prove` model is also set up, proven and verified for
//! real, and its proof is rejected for a changed public output and for a
//! changed proof byte. The recurrent layers have no gadget of their own: the
//! loader unrolls them into MatMul, tables, Mul/Add and index maps.
//!
//! Without the generated models the test says how to make them and passes,
//! unless `ZKML_REQUIRE_GEN_MODELS=1` (as scripts/test.sh sets).
//! `ZKML_GEN_MODELS=id,id` limits it to those models.

use std::path::{Path, PathBuf};

use halo2_axiom::dev::MockProver;
use zkml_core::{
    backend::Visibility, calibrate, execute, float::shape_inputs, quantize, QuantConfig,
};
use zkml_onnx::{load_model_with, LoadOptions};
use zkml_plonk::plan;

mod common;
#[path = "common/model_suite.rs"]
mod model_suite;
use model_suite::floats;

const MANIFEST: &str = include_str!("../../zkml-onnx/tests/gen-models.txt");

/// `(id, real proof, quantization)` of every `runs mock|prove` line.
fn provable() -> Vec<(String, bool, QuantConfig)> {
    model_suite::provable(MANIFEST, "gen-models.txt")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-models")
}

fn prove_one(dir: &Path, real: bool, cfg: &QuantConfig) -> Result<u32, String> {
    let input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("input.json")).unwrap()).unwrap();
    let xs: Vec<Vec<f32>> = input["input_data"]
        .as_array()
        .unwrap()
        .iter()
        .map(floats)
        .collect();
    let shapes: Vec<Vec<usize>> = serde_json::from_value(input["input_shapes"].clone()).unwrap();
    let opts = LoadOptions {
        positional_shapes: shapes,
        ..Default::default()
    };
    let g = load_model_with(&dir.join("model.onnx"), &opts).map_err(|e| e.to_string())?;
    let x = shape_inputs(&g, &xs).map_err(|e| e.to_string())?;
    let cal = calibrate(&g, std::slice::from_ref(&x)).map_err(|e| e.to_string())?;
    let q = quantize(&g, &cal, cfg).map_err(|e| e.to_string())?;
    let t = execute(&q, &x).map_err(|e| e.to_string())?;
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).map_err(|e| format!("setup refused: {e}"))?;
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    MockProver::run(k, &c, vec![inst])
        .map_err(|e| format!("MockProver at k = {k}: {e}"))?
        .verify()
        .map_err(|e| format!("MockProver at k = {k}: {e:?}"))?;
    if real {
        common::prove_verify_tamper(&q, &t, &vis, &p, true)?;
    }
    Ok(k)
}

#[test]
fn generated_models_prove() {
    let root = root();
    if !root.join(".stamp").exists() {
        let msg = format!(
            "generated test models not found in {}: run scripts/gen-test-models.sh",
            root.display()
        );
        assert!(
            std::env::var("ZKML_REQUIRE_GEN_MODELS").as_deref() != Ok("1"),
            "{msg} (ZKML_REQUIRE_GEN_MODELS=1)"
        );
        eprintln!("{msg}; skipping");
        return;
    }
    let only: Option<Vec<String>> = std::env::var("ZKML_GEN_MODELS")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    let mut failures = vec![];
    for (id, real, cfg) in provable() {
        if only.as_ref().is_some_and(|o| !o.contains(&id)) {
            continue;
        }
        let t = std::time::Instant::now();
        match prove_one(&root.join(&id), real, &cfg) {
            Ok(k) => eprintln!(
                "generated model `{id}`: MockProver ok at k = {k}{} ({:.1} s)",
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
}
