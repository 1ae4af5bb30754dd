//! Every field of a proof file and of `settings.json` is checked against what
//! the proof and the verifying key bind: an edited derived field (outputs as
//! reals, field elements) is a rejected proof naming the field (exit 1); a
//! `settings.json` that disagrees with `vk.bin`, `pk.bin` or `model.json` is an
//! error naming the field (exit 2).

use serde_json::Value;

mod common;
use common::{read_json, text, zkml, TINY_INPUT, TINY_MODEL};

/// A field name the error must name, and the edit.
type Edit = (&'static str, fn(&mut Value));

struct Setup {
    _tmp: tempfile::TempDir,
    root: std::path::PathBuf,
    dir: String,
    proof: String,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let dir = root.join("m.zkml").to_str().unwrap().to_string();
    let proof = root.join("p.json").to_str().unwrap().to_string();
    let o = zkml(&["setup", TINY_MODEL, "-o", &dir]);
    assert!(o.status.success(), "{}", text(&o));
    let o = zkml(&["prove", &dir, TINY_INPUT, "-o", &proof]);
    assert!(o.status.success(), "{}", text(&o));
    Setup {
        _tmp: tmp,
        root,
        dir,
        proof,
    }
}

fn verify(dir: &str, proof: &str) -> std::process::Output {
    zkml(&["verify", dir, proof])
}

fn assert_code(o: &std::process::Output, code: i32, needles: &[&str]) {
    let t = text(o);
    assert_eq!(o.status.code(), Some(code), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    for n in needles {
        assert!(t.contains(n), "lacks `{n}`: {t}");
    }
}

#[test]
fn edited_fields_are_refused_by_name() {
    let s = setup();
    assert_code(&verify(&s.dir, &s.proof), 0, &["VALID"]);
    let original = read_json(&s.proof);

    // Proof file: derived fields.
    let edits: [Edit; 3] = [
        ("`outputs`", |v| {
            let x = v["outputs"][0][0].as_f64().unwrap();
            v["outputs"][0][0] = Value::from(x + 1.0);
        }),
        ("`public_field_elements`", |v| {
            let last = v["public_field_elements"].as_array().unwrap().len() - 1;
            v["public_field_elements"][last] =
                Value::from("0x0000000000000000000000000000000000000000000000000000000000000007");
        }),
        ("`public_field_elements`", |v| {
            v["public_field_elements"].as_array_mut().unwrap().pop();
        }),
    ];
    for (name, edit) in edits {
        let mut v = original.clone();
        edit(&mut v);
        let p = s.root.join("edited.json");
        std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
        assert_code(&verify(&s.dir, p.to_str().unwrap()), 1, &["REJECTED", name]);
    }

    // settings.json against vk.bin / pk.bin / model.json.
    let settings_path = format!("{}/settings.json", s.dir);
    let settings = read_json(&settings_path);
    let edits: [Edit; 6] = [
        ("`outputs[0].scale`", |v| {
            let x = v["outputs"][0]["scale"].as_i64().unwrap();
            v["outputs"][0]["scale"] = Value::from(x + 1);
        }),
        ("`inputs[0].shape`", |v| {
            v["inputs"][0]["shape"] = serde_json::json!([4, 1]);
        }),
        ("`k`", |v| {
            let k = v["k"].as_u64().unwrap();
            v["k"] = Value::from(k + 1);
        }),
        ("`act_bits`", |v| v["act_bits"] = Value::from(12)),
        ("`model_hash`", |v| {
            v["model_hash"] = Value::from("00".repeat(32));
        }),
        ("`visibility`", |v| {
            v["visibility"]["input"] = Value::from("Private")
        }),
    ];
    for (name, edit) in edits {
        let mut v = settings.clone();
        edit(&mut v);
        std::fs::write(&settings_path, serde_json::to_string(&v).unwrap()).unwrap();
        assert_code(&verify(&s.dir, &s.proof), 2, &["settings.json", name]);
        let o = zkml(&["prove", &s.dir, TINY_INPUT, "-o", "/dev/null"]);
        assert_code(&o, 2, &["settings.json"]);
    }
    // A renamed input: model.json says otherwise (prove reads both).
    let mut v = settings.clone();
    v["inputs"][0]["name"] = Value::from("renamed");
    std::fs::write(&settings_path, serde_json::to_string(&v).unwrap()).unwrap();
    let o = zkml(&["prove", &s.dir, TINY_INPUT, "-o", "/dev/null"]);
    assert_code(&o, 2, &["settings.json", "model.json", "`inputs`"]);

    std::fs::write(&settings_path, serde_json::to_string(&settings).unwrap()).unwrap();
    assert_code(&verify(&s.dir, &s.proof), 0, &["VALID"]);
}

/// A damaged model.json (an out-of-range tensor index) is refused by name
/// before anything walks the graph, with private weights too (whose model
/// hash walks the committed constants).
#[test]
fn damaged_model_json_is_refused_before_use() {
    for weights in ["fixed", "private"] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("m.zkml");
        let dir = dir.to_str().unwrap();
        let o = zkml(&["setup", TINY_MODEL, "--weights", weights, "-o", dir]);
        assert!(o.status.success(), "{}", text(&o));
        let path = format!("{dir}/model.json");
        let mut v = read_json(&path);
        v["qgraph"]["nodes"][0]["inputs"][0] = Value::from(99_999);
        std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
        let o = zkml(&["prove", dir, TINY_INPUT, "-o", "/dev/null"]);
        assert_code(&o, 2, &["model.json", "pk.bin"]);
    }
}
