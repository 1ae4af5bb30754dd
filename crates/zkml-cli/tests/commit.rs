//! Committed visibility as a user runs it: `zkml commit` publishes a weights
//! commitment and keeps the opening (mode 0600); proofs of two inputs made
//! with the opening both verify against the one published commitment; a
//! proof made with a tampered weight does not; committed inputs and outputs
//! get their opening written beside the proof.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

mod common;
use common::{assert_rejected, read_json, s, text, zkml};

const MODEL: &str = "crates/zkml-cli/tests/fixtures/tiny_mlp.onnx";
const INPUT: &str = "crates/zkml-cli/tests/fixtures/tiny_mlp_input.json";

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", text(&o));
    text(&o)
}

#[cfg(unix)]
fn assert_owner_only(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{} has mode {mode:o}", p.display());
}

#[cfg(not(unix))]
fn assert_owner_only(_: &Path) {}

/// One test: the setup and proofs are shared by every check.
#[test]
fn commit_prove_verify_and_reject_other_weights() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let dir = s(&root.join("m.zkml"));
    let in1 = root.join("in1.json");
    std::fs::write(&in1, r#"{"input_data": [[-0.25, 0.5, 1.0, -1.5]]}"#).unwrap();
    ok(zkml(&[
        "setup",
        MODEL,
        "--calibration",
        INPUT,
        "--weights",
        "committed",
        "-o",
        &dir,
    ]));

    // Publish: the commitment on stdout, the opening owner-only.
    let opening = root.join("w.opening.json");
    let o = zkml(&["commit", &dir, "-o", &s(&opening)]);
    let c = ok(o).lines().next().unwrap().trim().to_string();
    assert!(c.starts_with("0x") && c.len() == 66, "{c}");
    assert_owner_only(&opening);
    assert_eq!(
        read_json(&opening)["weights"]["commitment"],
        Value::from(c.clone())
    );
    // An existing opening is not overwritten by accident.
    let o = zkml(&["commit", &dir, "-o", &s(&opening)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    // Committing the model file with setup's flags: the same weights, a
    // fresh blinding (another commitment).
    let opening2 = root.join("w2.opening.json");
    let c2 = ok(zkml(&[
        "commit",
        MODEL,
        "--calibration",
        INPUT,
        "-o",
        &s(&opening2),
    ]));
    assert!(!c2.contains(&c), "fresh blinding, same commitment");

    // Two inputs, one opening: both proofs verify against the published commitment.
    let proofs = [INPUT.to_string(), s(&in1)].map(|inp| {
        let p = s(&root.join(format!("p{}.json", inp.len())));
        let out = ok(zkml(&[
            "prove",
            &dir,
            &inp,
            "--opening",
            &s(&opening),
            "-o",
            &p,
        ]));
        assert!(out.contains(&format!("weights commitment: {c}")), "{out}");
        p
    });
    for p in &proofs {
        let out = ok(zkml(&["verify", &dir, p, "--weights-commitment", &c]));
        assert!(out.contains("VALID") && out.contains("matches"), "{out}");
    }
    // Another published value: rejected.
    let mut other = c.clone();
    other.replace_range(10..11, if &c[10..11] == "0" { "1" } else { "0" });
    assert_rejected(
        &zkml(&["verify", &dir, &proofs[0], "--weights-commitment", &other]),
        "not the expected",
    );
    // The model-file opening proves with the setup too.
    let p2 = s(&root.join("p_file.json"));
    ok(zkml(&[
        "prove",
        &dir,
        INPUT,
        "--opening",
        &s(&opening2),
        "-o",
        &p2,
    ]));
    // Without an opening: refused before proving.
    let o = zkml(&["prove", &dir, INPUT, "-o", &s(&root.join("x.json"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--opening"), "{}", text(&o));

    // A tampered weight: the owner's opening does not fit it...
    let bad_dir = root.join("bad.zkml");
    std::fs::create_dir(&bad_dir).unwrap();
    for f in ["settings.json", "pk.bin", "vk.bin", "source.onnx"] {
        std::fs::copy(Path::new(&dir).join(f), bad_dir.join(f)).unwrap();
    }
    let mut m = read_json(&Path::new(&dir).join("model.json"));
    let vals = m["qgraph"]["values"].as_array_mut().unwrap();
    let w = vals
        .iter_mut()
        .find_map(|v| v["kind"].get_mut("Const"))
        .expect("a constant");
    let x = w["data"][0].as_i64().unwrap();
    w["data"][0] = Value::from(if x > 0 { x - 1 } else { x + 1 });
    std::fs::write(bad_dir.join("model.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    let bad_dir = s(&bad_dir);
    let o = zkml(&[
        "prove",
        &bad_dir,
        INPUT,
        "--opening",
        &s(&opening),
        "-o",
        &s(&root.join("x.json")),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("other weights"), "{}", text(&o));
    // ... and a proof with a fresh commitment to it is valid for that
    // commitment only: not against the published one.
    let bad_opening = root.join("bad.opening.json");
    ok(zkml(&["commit", &bad_dir, "-o", &s(&bad_opening)]));
    let bad_proof = root.join("bad.json");
    ok(zkml(&[
        "prove",
        &bad_dir,
        INPUT,
        "--opening",
        &s(&bad_opening),
        "-o",
        &s(&bad_proof),
    ]));
    ok(zkml(&["verify", &dir, &s(&bad_proof)]));
    assert_rejected(
        &zkml(&["verify", &dir, &s(&bad_proof), "--weights-commitment", &c]),
        "not the expected",
    );
    // Claiming the published commitment in its public values: the proof fails.
    let mut forged = read_json(&bad_proof);
    forged["public"]["commitments"]["weights"] = Value::from(c.clone());
    let forged_path = root.join("forged.json");
    std::fs::write(&forged_path, serde_json::to_vec(&forged).unwrap()).unwrap();
    assert_rejected(
        &zkml(&["verify", &dir, &s(&forged_path), "--weights-commitment", &c]),
        "proof rejected",
    );
    // A flipped proof byte.
    let mut flipped = read_json(Path::new(&proofs[0]));
    let hex = flipped["proof"].as_str().unwrap().to_string();
    let i = hex.len() / 2;
    let b = if &hex[i..i + 1] == "0" { "1" } else { "0" };
    flipped["proof"] = Value::from(format!("{}{b}{}", &hex[..i], &hex[i + 1..]));
    std::fs::write(&forged_path, serde_json::to_vec(&flipped).unwrap()).unwrap();
    assert_rejected(
        &zkml(&["verify", &dir, &s(&forged_path), "--weights-commitment", &c]),
        "",
    );
}

/// Committed input and output (revealing only the output's argmax class):
/// the opening is written beside the proof; the commitments are checked on
/// request.
#[test]
fn committed_input_and_output() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let dir = s(&root.join("io.zkml"));
    ok(zkml(&[
        "setup",
        MODEL,
        "--calibration",
        INPUT,
        "--input",
        "committed",
        "--output",
        "committed",
        "--reveal",
        "argmax",
        "-o",
        &dir,
    ]));
    let proof = root.join("p.json");
    let out = ok(zkml(&["prove", &dir, INPUT, "-o", &s(&proof)]));
    let opening = root.join("p.opening.json");
    assert!(out.contains("p.opening.json"), "{out}");
    assert_owner_only(&opening);
    let op = read_json(&opening);
    let c_out = op["output"]["commitment"].as_str().unwrap().to_string();
    let c_in = op["input"]["commitment"].as_str().unwrap().to_string();
    let p = read_json(&proof);
    assert!(p["public"]["outputs"].as_array().unwrap().is_empty());
    assert_eq!(
        p["public"]["commitments"]["output"],
        Value::from(c_out.clone())
    );
    let out = ok(zkml(&[
        "verify",
        &dir,
        &s(&proof),
        "--output-commitment",
        &c_out,
        "--input-commitment",
        &c_in,
    ]));
    // The committed output stays hidden except its revealed argmax class.
    assert!(out.contains("class (argmax)"), "{out}");
    assert_rejected(
        &zkml(&["verify", &dir, &s(&proof), "--output-commitment", &c_in]),
        "output commitment",
    );
    // Weights are fixed here: requiring a weights commitment rejects.
    assert_rejected(
        &zkml(&["verify", &dir, &s(&proof), "--weights-commitment", &c_in]),
        "does not commit the weights",
    );
    // Reusing the opening gives the same commitments for the same input.
    let proof2 = root.join("p2.json");
    ok(zkml(&[
        "prove",
        &dir,
        INPUT,
        "--opening",
        &s(&opening),
        "-o",
        &s(&proof2),
    ]));
    assert_eq!(
        read_json(&proof2)["public"]["commitments"],
        p["public"]["commitments"]
    );
}
