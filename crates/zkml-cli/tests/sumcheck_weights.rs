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

/// Every constant's values in a sumcheck key file (magic, version, kind,
/// section length, then the model section: the JSON's length and the JSON,
/// the number of constants, per constant its dims and width and its packed
/// little-endian integers).
fn key_constants(path: &str) -> Vec<i64> {
    let b = std::fs::read(path).unwrap();
    let u64_at = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap()) as usize;
    let u32_at = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize;
    let section = 18 + 4 + 1 + 8;
    let json = u64_at(section);
    let mut at = section + 8 + json;
    let n = u32_at(at);
    at += 4;
    let mut out = vec![];
    for _ in 0..n {
        let ndim = u32_at(at);
        at += 4;
        let count: usize = (0..ndim).map(|k| u64_at(at + 8 * k)).product();
        at += 8 * ndim;
        let w = b[at] as usize;
        at += 1;
        for _ in 0..count {
            if w == 0 {
                out.push(0);
                continue;
            }
            let mut x = [if b[at + w - 1] >> 7 == 1 { 0xff } else { 0 }; 8];
            x[..w].copy_from_slice(&b[at..at + w]);
            out.push(i64::from_le_bytes(x));
            at += w;
        }
    }
    out
}

#[test]
fn sumcheck_private_weights() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let dir = s(&root.join("private.sumcheck"));
    setup(&dir, "private");
    // The values are in pk.bin, not in vk.bin (zeros in their place).
    let pk = key_constants(&format!("{dir}/pk.bin"));
    let vk = key_constants(&format!("{dir}/vk.bin"));
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
    let vk = key_constants(&format!("{dir}/vk.bin"));
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
