//! The bundled language model (examples/fortune_gpt: a 2-block character
//! GPT on int64 token ids) end to end as a user runs it: `zkml setup
//! --input private --reveal argmax` (the prompt and the logits hidden, only
//! the next character revealed), `prove`, `verify`; the revealed character is
//! the one `zkml run` predicts; a changed character and changed proof bytes
//! are rejected (exit 1).

use serde_json::Value;

mod common;
use common::{
    assert_flipped_proof_bytes_rejected, assert_rejected, read_json, text, write_json, zkml,
};

const MODEL: &str = "examples/fortune_gpt/model.onnx";
const CAL: &str = "examples/fortune_gpt/calibration.json";
const INPUT: &str = "examples/fortune_gpt/input_0.json";
/// The model's vocabulary (examples/fortune_gpt/train.py `VOCAB`).
const VOCAB: &str = " abcdefghijklmnopqrstuvwxyz.,'?!";

#[test]
fn the_next_character_is_proven_and_only_it_is_revealed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let dir = root.join("lm.zkml").to_str().unwrap().to_string();
    let o = zkml(&[
        "setup",
        MODEL,
        "--calibration",
        CAL,
        "--input",
        "private",
        "--reveal",
        "argmax",
        "-o",
        &dir,
    ]);
    assert!(o.status.success(), "setup: {}", text(&o));
    let proof = root.join("proof.json").to_str().unwrap().to_string();
    let o = zkml(&["prove", &dir, INPUT, "-o", &proof]);
    assert!(o.status.success(), "prove: {}", text(&o));

    // What the integer model predicts.
    let o = zkml(&["run", MODEL, INPUT, "--calibration", CAL, "--json"]);
    assert!(o.status.success(), "run: {}", text(&o));
    let run: Value = serde_json::from_slice(&o.stdout).unwrap();
    let class = run["argmax"][0].as_u64().unwrap();
    assert!((class as usize) < VOCAB.len());

    // Only the class is public: no input, no logits.
    let file = read_json(&proof);
    assert_eq!(file["public"]["outputs"], Value::Array(vec![]));
    assert_eq!(file["public"]["revealed"][0].as_u64(), Some(class));
    let o = zkml(&["verify", &dir, &proof, "--json"]);
    assert!(o.status.success(), "verify: {}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], Value::Bool(true));
    assert_eq!(v["revealed"]["classes"][0][0].as_u64(), Some(class));

    // Another character: rejected by the proof.
    let mut t = file.clone();
    let other = (class + 1) % VOCAB.len() as u64;
    t["public"]["revealed"][0] = Value::from(other);
    t["revealed"]["classes"][0][0] = Value::from(other);
    assert_rejected(
        &zkml(&["verify", &dir, &write_json(root, "c.json", &t)]),
        "",
    );
    // Changed proof bytes.
    assert_flipped_proof_bytes_rejected(&dir, &proof, root);
}
