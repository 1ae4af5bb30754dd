//! `zkml setup` / `prove` / `verify` as a user runs them on the bundled model:
//! valid proofs verify; tampered proofs, public values, keys of another model
//! and proofs for another input are rejected (exit 1); bad inputs are refused
//! before proving (exit 2).

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

mod common;
use common::{assert_rejected, read_json, repo, text, write_json, zkml};

const MODEL: &str = "examples/mnist_cnn/model.onnx";
const CAL: &str = "examples/mnist_cnn/calibration.json";

/// One test: nextest runs each test in its own process, and the setups and
/// proofs are shared by every check below.
#[test]
fn setup_prove_verify_and_every_rejection() {
    valid_proofs_verify_and_show_the_outputs();
    a_flipped_proof_byte_is_rejected();
    a_changed_public_output_or_input_is_rejected();
    a_proof_for_another_input_is_rejected();
    the_key_of_another_model_is_rejected();
    bad_inputs_are_refused_before_proving();
    files_of_another_version_are_refused();
}

/// A setup directory and two proofs (inputs 0 and 1), made once for all tests.
struct Fixture {
    _tmp: tempfile::TempDir,
    dir: String,
    other_dir: String,
    proofs: [String; 2],
    root: PathBuf,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let dir = root.join("mnist.zkml").to_str().unwrap().to_string();
        let o = zkml(&["setup", MODEL, "--calibration", CAL, "-o", &dir]);
        assert!(o.status.success(), "setup: {}", text(&o));
        // The same model with a private input: another statement, another key.
        let other_dir = root.join("other.zkml").to_str().unwrap().to_string();
        let o = zkml(&[
            "setup",
            MODEL,
            "--calibration",
            CAL,
            "--input",
            "private",
            "-o",
            &other_dir,
        ]);
        assert!(o.status.success(), "setup (private input): {}", text(&o));
        let proofs = [0, 1].map(|i| {
            let p = root
                .join(format!("proof{i}.json"))
                .to_str()
                .unwrap()
                .to_string();
            let o = zkml(&[
                "prove",
                &dir,
                &format!("examples/mnist_cnn/input_{i}.json"),
                "-o",
                &p,
            ]);
            assert!(o.status.success(), "prove: {}", text(&o));
            p
        });
        Fixture {
            _tmp: tmp,
            dir,
            other_dir,
            proofs,
            root,
        }
    })
}

fn valid_proofs_verify_and_show_the_outputs() {
    let f = fixture();
    for (i, p) in f.proofs.iter().enumerate() {
        let o = zkml(&["verify", &f.dir, p, "--json"]);
        assert!(o.status.success(), "{}", text(&o));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["valid"], Value::Bool(true));
        // The verified outputs are the integer executor's, as `zkml run` prints them.
        let run = zkml(&[
            "run",
            MODEL,
            &format!("examples/mnist_cnn/input_{i}.json"),
            "--calibration",
            CAL,
            "--json",
        ]);
        let r: Value = serde_json::from_slice(&run.stdout).unwrap();
        assert_eq!(v["outputs"], r["output"], "proof {i}");
    }
    let proof = read_json(&f.proofs[0]);
    let bytes = proof["proof"].as_str().unwrap().len() / 2;
    assert!(bytes < 8192, "proof of {bytes} bytes");
    assert_eq!(
        proof["public_field_elements"].as_array().unwrap().len(),
        784 + 10
    );
}

fn a_flipped_proof_byte_is_rejected() {
    let f = fixture();
    common::assert_flipped_proof_bytes_rejected(&f.dir, &f.proofs[0], &f.root);
}

fn a_changed_public_output_or_input_is_rejected() {
    let f = fixture();
    common::assert_changed_public_values_rejected(&f.dir, &f.proofs[0], &f.root);
}

fn a_proof_for_another_input_is_rejected() {
    let f = fixture();
    let mut v = read_json(&f.proofs[0]);
    let other = read_json(&f.proofs[1]);
    v["public"] = other["public"].clone();
    let p = write_json(&f.root, "swapped_public.json", &v);
    assert_rejected(&zkml(&["verify", &f.dir, &p]), "");
}

fn the_key_of_another_model_is_rejected() {
    let f = fixture();
    common::assert_foreign_key_rejects(&f.other_dir, &f.proofs[0], &f.root);
}

fn bad_inputs_are_refused_before_proving() {
    let f = fixture();
    let out = f.root.join("never.json");
    let short = write_json(
        &f.root,
        "short_input.json",
        &serde_json::json!({"input_data": [vec![0.5; 700]]}),
    );
    let o = zkml(&["prove", &f.dir, &short, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("784") && text(&o).contains("700"),
        "{}",
        text(&o)
    );
    let mut big = vec![0.5; 784];
    big[100] = 1e5;
    let big = write_json(
        &f.root,
        "big_input.json",
        &serde_json::json!({"input_data": [big]}),
    );
    let o = zkml(&["prove", &f.dir, &big, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("outside the calibrated range"),
        "{}",
        text(&o)
    );
    assert!(
        !out.exists(),
        "no proof file is written for a refused input"
    );
}

fn files_of_another_version_are_refused() {
    let f = fixture();
    let mut v = read_json(&f.proofs[0]);
    v["version"] = Value::from(99);
    let p = write_json(&f.root, "v99.json", &v);
    assert_rejected(&zkml(&["verify", &f.dir, &p]), "version 99");
    let o = zkml(&["prove", "examples", "examples/mnist_cnn/input_0.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("settings.json"), "{}", text(&o));
}

/// The three-command workflow on every benchmark model of ../shared/bench
/// and on the earlier zkml's MNIST model (msgpack model and input).
#[test]
fn benchmark_models_setup_prove_verify() {
    let Some(tmp) = common::bench_models() else {
        return;
    };
    let shared = repo().join("../shared");
    let mnist = shared.join("anchors/zkml-examples/mnist");
    let mut cases: Vec<(String, PathBuf, PathBuf)> = ["mlp", "lenet", "cifar_cnn"]
        .iter()
        .map(|m| {
            (
                m.to_string(),
                tmp.path().join(m).join("model.onnx"),
                tmp.path().join(m).join("input.json"),
            )
        })
        .collect();
    cases.push((
        "zkml_mnist".into(),
        mnist.join("model.msgpack"),
        mnist.join("inp.msgpack"),
    ));
    for (name, model, input) in cases {
        let (model, input) = (model.to_str().unwrap(), input.to_str().unwrap());
        let dir = tmp.path().join(format!("{name}.zkml"));
        let proof = tmp.path().join(format!("{name}.proof.json"));
        let (dir, proof) = (dir.to_str().unwrap(), proof.to_str().unwrap());
        let o = zkml(&["setup", model, "--calibration", input, "-o", dir]);
        assert!(o.status.success(), "{name} setup: {}", text(&o));
        let o = zkml(&["prove", dir, input, "-o", proof]);
        assert!(o.status.success(), "{name} prove: {}", text(&o));
        let o = zkml(&["verify", dir, proof]);
        assert!(
            o.status.success() && text(&o).contains("VALID"),
            "{name} verify: {}",
            text(&o)
        );
        if name == "zkml_mnist" {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(proof).unwrap()).unwrap();
            let out: Vec<f64> = v["outputs"][0]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            let best = (0..out.len())
                .max_by(|&a, &b| out[a].total_cmp(&out[b]))
                .unwrap();
            assert_eq!(best, 5, "the proved MNIST output is class 5: {out:?}");
        }
    }
}
