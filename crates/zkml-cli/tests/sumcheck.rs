//! `zkml setup/prove/verify --backend sumcheck` on the bundled model: a valid
//! proof verifies and shows the integer executor's outputs; a flipped proof
//! byte, a changed public value, a foreign verifying key and a plonk proof are
//! rejected (exit 1) with a message naming the cause; visibilities the
//! backend cannot prove are refused at setup (exit 2), and files of one
//! backend are refused by the other's commands by name.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

mod common;
use common::{assert_rejected, read_json, text, write_json, zkml, TINY_INPUT, TINY_MODEL};

const MODEL: &str = "examples/mnist_cnn/model.onnx";
const CAL: &str = "examples/mnist_cnn/calibration.json";

/// One test: nextest runs each test in its own process, and the setups and
/// proofs are shared by every check below.
#[test]
fn sumcheck_setup_prove_verify_and_every_rejection() {
    valid_proofs_verify_and_show_the_outputs();
    a_flipped_proof_byte_is_rejected();
    a_changed_public_value_is_rejected();
    a_foreign_verifying_key_is_rejected();
    a_plonk_proof_is_rejected_by_name();
    backends_are_not_mixed();
}

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: String,
    other_dir: String,
    proof: String,
    root: PathBuf,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let path = |n: &str| root.join(n).to_str().unwrap().to_string();
        let dir = path("mnist.sumcheck");
        let o = zkml(&[
            "setup",
            MODEL,
            "--calibration",
            CAL,
            "--backend",
            "sumcheck",
            "-o",
            &dir,
        ]);
        assert!(o.status.success(), "setup: {}", text(&o));
        // The same model with a private input: another statement, another key.
        let other_dir = path("other.sumcheck");
        let o = zkml(&[
            "setup",
            MODEL,
            "--calibration",
            CAL,
            "--backend",
            "sumcheck",
            "--input",
            "private",
            "-o",
            &other_dir,
        ]);
        assert!(o.status.success(), "setup (private input): {}", text(&o));
        let proof = path("proof.json");
        let o = zkml(&[
            "prove",
            &dir,
            "examples/mnist_cnn/input_0.json",
            "-o",
            &proof,
        ]);
        assert!(o.status.success(), "prove: {}", text(&o));
        Fixture {
            _tmp: tmp,
            dir,
            other_dir,
            proof,
            root,
        }
    })
}

fn valid_proofs_verify_and_show_the_outputs() {
    let f = fixture();
    let settings = read_json(&format!("{}/settings.json", f.dir));
    assert_eq!(settings["backend"], "sumcheck");
    let o = zkml(&["verify", &f.dir, &f.proof, "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], Value::Bool(true));
    assert_eq!(v["srs"]["source"], "transparent", "{v}");
    let run = zkml(&[
        "run",
        MODEL,
        "examples/mnist_cnn/input_0.json",
        "--calibration",
        CAL,
        "--json",
    ]);
    let r: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(v["outputs"], r["output"]);
    let proof = read_json(&f.proof);
    assert_eq!(proof["backend"], "sumcheck");
    assert_eq!(
        proof["public_field_elements"].as_array().unwrap().len(),
        784 + 10
    );
    // A private-input proof verifies too, and shows no input.
    let p = f.root.join("private.json");
    let o = zkml(&[
        "prove",
        &f.other_dir,
        "examples/mnist_cnn/input_1.json",
        "-o",
        p.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "prove (private input): {}", text(&o));
    let v = read_json(p.to_str().unwrap());
    assert!(v["public"]["inputs"].as_array().unwrap().is_empty(), "{v}");
    let o = zkml(&["verify", &f.other_dir, p.to_str().unwrap()]);
    assert!(
        o.status.success() && text(&o).contains("VALID"),
        "{}",
        text(&o)
    );
}

fn a_flipped_proof_byte_is_rejected() {
    let f = fixture();
    common::assert_flipped_proof_bytes_rejected(&f.dir, &f.proof, &f.root);
}

fn a_changed_public_value_is_rejected() {
    let f = fixture();
    common::assert_changed_public_values_rejected(&f.dir, &f.proof, &f.root);
}

fn a_foreign_verifying_key_is_rejected() {
    let f = fixture();
    common::assert_foreign_key_rejects(&f.other_dir, &f.proof, &f.root);
}

fn a_plonk_proof_is_rejected_by_name() {
    let f = fixture();
    let path = |n: &str| f.root.join(n).to_str().unwrap().to_string();
    let (pdir, pproof) = (path("tiny.plonk"), path("tiny.plonk.json"));
    let o = zkml(&[
        "setup",
        TINY_MODEL,
        "--calibration",
        TINY_INPUT,
        "-o",
        &pdir,
    ]);
    assert!(o.status.success(), "plonk setup: {}", text(&o));
    let o = zkml(&["prove", &pdir, TINY_INPUT, "-o", &pproof]);
    assert!(o.status.success(), "plonk prove: {}", text(&o));
    assert_rejected(
        &zkml(&["verify", &f.dir, &pproof]),
        "the proof is for backend `plonk`, not `sumcheck`",
    );
    // Relabelled as a sumcheck proof of this model: its bytes are not one.
    let mut v = read_json(&pproof);
    let mine = read_json(&f.proof);
    v["backend"] = mine["backend"].clone();
    v["model_hash"] = mine["model_hash"].clone();
    v["public"] = mine["public"].clone();
    let p = write_json(&f.root, "relabelled.json", &v);
    assert_rejected(&zkml(&["verify", &f.dir, &p]), "sumcheck");
}

fn backends_are_not_mixed() {
    let f = fixture();
    // --backend on prove/verify must agree with the setup.
    let o = zkml(&["verify", &f.dir, &f.proof, "--backend", "plonk"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("is for backend `sumcheck`, not `plonk`"),
        "{}",
        text(&o)
    );
    // A plonk verifying key in a sumcheck setup is refused by name.
    let mixed = f.root.join("mixed.sumcheck");
    std::fs::create_dir_all(&mixed).unwrap();
    for n in ["settings.json", "model.json"] {
        std::fs::copy(format!("{}/{n}", f.dir), mixed.join(n)).unwrap();
    }
    std::fs::copy(f.root.join("tiny.plonk/vk.bin"), mixed.join("vk.bin")).unwrap();
    let o = zkml(&["verify", mixed.to_str().unwrap(), &f.proof]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("another backend"), "{}", text(&o));
    // What the sumcheck backend cannot prove is refused at setup, naming it.
    for (flag, value, needle) in [
        ("--output", "private", "hidden outputs are not supported"),
        ("--input", "committed", "committed inputs are not supported"),
    ] {
        let out = f.root.join(format!("refused-{value}"));
        let o = zkml(&[
            "setup",
            TINY_MODEL,
            "--calibration",
            TINY_INPUT,
            "--backend",
            "sumcheck",
            flag,
            value,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains(needle), "{}", text(&o));
        assert!(!out.exists());
    }
}

/// `zkml plan` and `zkml time` with the sumcheck backend; an op it cannot
/// prove is refused by name.
#[test]
fn sumcheck_plan_and_time() {
    let o = zkml(&["plan", MODEL, "--calibration", CAL, "--backend", "sumcheck"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("no trusted setup"), "{}", text(&o));
    let o = zkml(&[
        "time",
        MODEL,
        "examples/mnist_cnn/input_2.json",
        "--calibration",
        CAL,
        "--backend",
        "sumcheck",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["backend"], "sumcheck");
    assert_eq!(v["verified"], Value::Bool(true));
    assert_eq!(v["srs"], "transparent");
    assert!(v["proof_bytes"].as_u64().unwrap() > 0);
    // The GPT example reads its embedding with a run-time Gather, which the
    // sumcheck backend does not prove.
    let o = zkml(&[
        "plan",
        "examples/fortune_gpt/model.onnx",
        "--calibration",
        "examples/fortune_gpt/calibration.json",
        "--backend",
        "sumcheck",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("op `Gather`") && text(&o).contains("sumcheck backend"),
        "{}",
        text(&o)
    );
}

/// setup/prove/verify with `--backend sumcheck` and a private input on every
/// benchmark model of ../shared/bench (mlp, lenet, cifar_cnn with MaxPool).
#[test]
fn sumcheck_benchmark_models_setup_prove_verify() {
    let Some(tmp) = common::bench_models() else {
        return;
    };
    for name in ["mlp", "lenet", "cifar_cnn"] {
        let d = tmp.path().join(name);
        let (model, input) = (d.join("model.onnx"), d.join("input.json"));
        let (model, input) = (model.to_str().unwrap(), input.to_str().unwrap());
        let dir = tmp.path().join(format!("{name}.sumcheck"));
        let proof = tmp.path().join(format!("{name}.proof.json"));
        let (dir, proof) = (dir.to_str().unwrap(), proof.to_str().unwrap());
        let o = zkml(&[
            "setup",
            model,
            "--calibration",
            input,
            "--backend",
            "sumcheck",
            "--input",
            "private",
            "-o",
            dir,
        ]);
        assert!(o.status.success(), "{name} setup: {}", text(&o));
        let o = zkml(&["prove", dir, input, "-o", proof]);
        assert!(o.status.success(), "{name} prove: {}", text(&o));
        let o = zkml(&["verify", dir, proof]);
        assert!(
            o.status.success() && text(&o).contains("VALID"),
            "{name} verify: {}",
            text(&o)
        );
    }
}
