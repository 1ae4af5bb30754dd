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

use zkml_core::QuantConfig;

mod common;
#[path = "common/model_suite.rs"]
mod model_suite;

const MANIFEST: &str = include_str!("../../zkml-onnx/tests/gen-models.txt");

/// `(id, real proof, quantization)` of every `runs mock|prove` line.
fn provable() -> Vec<(String, bool, QuantConfig)> {
    model_suite::provable(MANIFEST, "gen-models.txt")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-models")
}

fn prove_one(dir: &Path, real: bool, cfg: &QuantConfig) -> Result<u32, String> {
    let (q, t, vis, p, k) = model_suite::load_and_mock(dir, cfg)?;
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
    let mut checked = 0;
    for (id, real, cfg) in provable() {
        if only.as_ref().is_some_and(|o| !o.contains(&id)) {
            continue;
        }
        checked += 1;
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
    assert!(
        checked > 0,
        "no model was checked (an empty manifest, or a filter naming none)"
    );
}
