//! MobileNetV2 in its PyTorch export form (Conv + BatchNormalization +
//! Clip(0, 6), depthwise convolutions, residual Adds, GlobalAveragePool,
//! Flatten, Gemm), written by `scripts/gen_mobilenetv2.py` at width 0.35 and
//! 96×96 (the whole architecture, 12 M multiply-adds; at 32×32 or 64×64 the
//! random model's one-image BatchNormalization statistics put an activation
//! out of the quantized range), through `zkml time --backend sumcheck
//! --input private`: one zero-knowledge proof that verifies. The 224×224
//! model is measured in BENCHMARKS.md, not here.

use std::process::Command;

mod common;
use common::{text, zkml};

#[test]
fn sumcheck_proves_a_small_mobilenetv2_with_a_private_input() {
    proves_mobilenetv2("0.35", "96");
}

/// The scale: MobileNetV2 1.0 at 224×224 in one proof (about 80 CPU
/// s and 2.8 GB in a release build; BENCHMARKS.md):
/// `cargo test --release -p zkml-cli --test sumcheck_mobilenet -- --ignored`.
#[test]
#[ignore]
fn sumcheck_proves_mobilenetv2_224_in_one_proof() {
    proves_mobilenetv2("1.0", "224");
}

/// Writes MobileNetV2 at `width` and `resolution` and runs `zkml time` on it
/// with the sumcheck backend and a private input.
fn proves_mobilenetv2(width: &str, resolution: &str) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let py = root.join(".venv/bin/python");
    if !py.exists() {
        assert!(
            std::env::var_os("ZKML_REQUIRE_ONNX_CASES").is_none(),
            "scripts/pyenv.sh did not create .venv"
        );
        eprintln!("skipping: run scripts/pyenv.sh first");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let made = Command::new(&py)
        .arg(root.join("scripts/gen_mobilenetv2.py"))
        .arg(tmp.path())
        .args(["--width", width, "--resolution", resolution])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let model = tmp.path().join("model.onnx");
    let input = tmp.path().join("input.json");
    let o = zkml(&[
        "time",
        model.to_str().unwrap(),
        input.to_str().unwrap(),
        "--backend",
        "sumcheck",
        "--input",
        "private",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["backend"], "sumcheck");
    assert_eq!(v["verified"], serde_json::Value::Bool(true), "{v}");
    assert!(v["proof_bytes"].as_u64().unwrap() > 0);
}
