//! Hidden weights with `--backend sumcheck` on the tiny MLP (and the bundled
//! CNN, convolutions with biases): private weights
//! (committed at setup, the commitments in vk.bin, the values only in pk.bin)
//! and committed weights (`zkml commit`, `zkml prove --opening`, `zkml verify
//! --weights-commitment`) prove and verify; flipped proof bytes, changed
//! public values, another setup's key and another published commitment are
//! rejected; vk.bin holds no weight value.

use serde_json::Value;

mod common;
use common::{
    assert_changed_public_values_rejected, assert_flipped_proof_bytes_rejected, assert_rejected,
    read_json, s, text, zkml, TINY_INPUT, TINY_MODEL,
};

fn ok(o: std::process::Output) -> String {
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn setup(dir: &str, weights: &str) {
    ok(zkml(&[
        "setup",
        TINY_MODEL,
        "--calibration",
        TINY_INPUT,
        "--backend",
        "sumcheck",
        "--weights",
        weights,
        "-o",
        dir,
    ]));
}

/// The model JSON inside a sumcheck key file (magic, version, kind, length).
fn key_model(path: &str) -> Value {
    let b = std::fs::read(path).unwrap();
    let start = 18 + 4 + 1;
    let len = u64::from_le_bytes(b[start..start + 8].try_into().unwrap()) as usize;
    let (q, _vis): (Value, Value) = serde_json::from_slice(&b[start + 8..start + 8 + len]).unwrap();
    q
}

/// Every constant's values in a model's JSON.
fn constants(q: &Value) -> Vec<i64> {
    q["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["kind"].get("Const"))
        .flat_map(|c| c["data"].as_array().unwrap().clone())
        .map(|x| x.as_i64().unwrap())
        .collect()
}

#[test]
fn sumcheck_private_weights() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let dir = s(&root.join("private.sumcheck"));
    setup(&dir, "private");
    // The values are in pk.bin, not in vk.bin (zeros in their place).
    let pk = constants(&key_model(&format!("{dir}/pk.bin")));
    let vk = constants(&key_model(&format!("{dir}/vk.bin")));
    assert_eq!(pk.len(), vk.len());
    assert!(pk.iter().any(|&x| x != 0) && vk.iter().all(|&x| x == 0));
    let proof = s(&root.join("proof.json"));
    ok(zkml(&["prove", &dir, TINY_INPUT, "-o", &proof]));
    let out = ok(zkml(&["verify", &dir, &proof]));
    assert!(out.contains("VALID"), "{out}");
    assert_flipped_proof_bytes_rejected(&dir, &proof, root);
    for (group, i) in [("outputs", 0), ("inputs", 0)] {
        let mut v = read_json(&proof);
        let x = v["public"][group][0][i].as_i64().unwrap();
        v["public"][group][0][i] = Value::from(x + 1);
        let p = common::write_json(root, &format!("changed_{group}.json"), &v);
        assert_rejected(&zkml(&["verify", &dir, &p]), "");
    }
    // Another setup of the same model and statement: other commitments, so
    // another model hash, and the proof fails there even relabelled.
    let other = s(&root.join("other.sumcheck"));
    setup(&other, "private");
    common::assert_foreign_key_rejects(&other, &proof, root);
    let _ = assert_changed_public_values_rejected;
}

#[test]
fn sumcheck_committed_weights() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let dir = s(&root.join("committed.sumcheck"));
    setup(&dir, "committed");
    let opening = root.join("w.opening.json");
    let c = ok(zkml(&["commit", &dir, "-o", &s(&opening)]))
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_string();
    assert!(c.starts_with("0x") && c.len() == 66, "{c}");
    // No opening, no proof.
    let p = s(&root.join("p.json"));
    let o = zkml(&["prove", &dir, TINY_INPUT, "-o", &p]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("opening"), "{}", text(&o));
    ok(zkml(&[
        "prove",
        &dir,
        TINY_INPUT,
        "--opening",
        &s(&opening),
        "-o",
        &p,
    ]));
    let out = ok(zkml(&["verify", &dir, &p, "--weights-commitment", &c]));
    assert!(out.contains("VALID") && out.contains("matches"), "{out}");
    // Another published value: rejected.
    let mut other = c.clone();
    other.replace_range(10..11, if &c[10..11] == "0" { "1" } else { "0" });
    assert_rejected(
        &zkml(&["verify", &dir, &p, "--weights-commitment", &other]),
        "not the expected",
    );
    // The proof file's commitment edited to the other value: rejected by the
    // backend (its weight commitments hash to the published one).
    let mut v = read_json(&p);
    v["public"]["commitments"]["weights"] = Value::from(other.clone());
    let edited = common::write_json(root, "edited.json", &v);
    assert_rejected(
        &zkml(&["verify", &dir, &edited, "--weights-commitment", &other]),
        "",
    );
    assert_flipped_proof_bytes_rejected(&dir, &p, root);
}

/// The bundled MNIST CNN (convolutions with biases) with private weights.
#[test]
fn sumcheck_private_conv_weights() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let dir = s(&root.join("cnn.sumcheck"));
    ok(zkml(&[
        "setup",
        "examples/mnist_cnn/model.onnx",
        "--calibration",
        "examples/mnist_cnn/calibration.json",
        "--backend",
        "sumcheck",
        "--input",
        "private",
        "--weights",
        "private",
        "-o",
        &dir,
    ]));
    let vk = constants(&key_model(&format!("{dir}/vk.bin")));
    assert!(!vk.is_empty() && vk.iter().all(|&x| x == 0));
    let proof = s(&root.join("proof.json"));
    ok(zkml(&[
        "prove",
        &dir,
        "examples/mnist_cnn/input_0.json",
        "-o",
        &proof,
    ]));
    let out = ok(zkml(&["verify", &dir, &proof]));
    assert!(out.contains("VALID"), "{out}");
    assert_flipped_proof_bytes_rejected(&dir, &proof, root);
}
