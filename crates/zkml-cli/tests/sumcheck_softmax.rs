//! `zkml setup/prove/verify --backend sumcheck` on a model ending in a
//! Softmax (the tiny MLP: Gemm → Sigmoid → MatMul → Softmax): the proof
//! verifies and shows the integer executor's outputs, with a public and a
//! private input; a changed output and flipped proof bytes are rejected.

use serde_json::Value;

mod common;
use common::{assert_rejected, read_json, text, write_json, zkml, TINY_INPUT, TINY_MODEL};

#[test]
fn a_final_softmax_proves_and_verifies_with_the_sumcheck_backend() {
    let tmp = tempfile::tempdir().unwrap();
    let path = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    let run = zkml(&[
        "run",
        TINY_MODEL,
        TINY_INPUT,
        "--calibration",
        TINY_INPUT,
        "--json",
    ]);
    assert!(run.status.success(), "run: {}", text(&run));
    let expected: Value = serde_json::from_slice(&run.stdout).unwrap();
    for input in ["public", "private"] {
        let (dir, proof) = (
            path(&format!("{input}.sumcheck")),
            path(&format!("{input}.json")),
        );
        let o = zkml(&[
            "setup",
            TINY_MODEL,
            "--calibration",
            TINY_INPUT,
            "--backend",
            "sumcheck",
            "--input",
            input,
            "-o",
            &dir,
        ]);
        assert!(o.status.success(), "setup ({input}): {}", text(&o));
        let o = zkml(&["prove", &dir, TINY_INPUT, "-o", &proof]);
        assert!(o.status.success(), "prove ({input}): {}", text(&o));
        let o = zkml(&["verify", &dir, &proof, "--json"]);
        assert!(o.status.success(), "verify ({input}): {}", text(&o));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["valid"], Value::Bool(true));
        assert_eq!(v["outputs"], expected["output"], "{input}");

        // A changed output probability is rejected.
        let mut p = read_json(&proof);
        let x = p["public"]["outputs"][0][1].as_i64().unwrap();
        p["public"]["outputs"][0][1] = Value::from(x + 1);
        let changed = write_json(tmp.path(), &format!("{input}-changed.json"), &p);
        assert_rejected(&zkml(&["verify", &dir, &changed]), "");
        // Flipped proof bytes (header, a commitment, the middle, the end).
        common::assert_flipped_proof_bytes_rejected(&dir, &proof, tmp.path());
    }
}
