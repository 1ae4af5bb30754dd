//! A model without graph inputs (constants only, as torch exports an
//! `arange`): EZKL's input file for it, `{"input_data": [[]]}`, and an empty
//! `{"input_data": []}` are both "no inputs"; it runs, proves and verifies,
//! and its constant output is bound by the circuit (a changed public output
//! is rejected). Any other list is refused with an error that says so; more
//! lists than a model has inputs are refused naming its inputs.

mod common;

use common::{assert_rejected, read_json, s, text, write_json, zkml};

const MODEL: &str = "crates/zkml-cli/tests/fixtures/no_inputs.onnx";

#[test]
fn model_without_inputs_runs_proves_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let ezkl = write_json(
        dir.path(),
        "ezkl.json",
        &serde_json::json!({"input_data": [[]]}),
    );
    let empty = write_json(
        dir.path(),
        "empty.json",
        &serde_json::json!({"input_data": []}),
    );
    for input in [&ezkl, &empty] {
        let o = zkml(&["run", MODEL, input, "--json"]);
        assert!(o.status.success(), "{}", text(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let y: Vec<f64> = v["output"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert_eq!(y, [1.0, 2.0, 3.0, 4.0, 5.0]);
    }

    // Every backend binds the constant output: the public output, its float
    // form and its field element changed together (a consistent statement)
    // must be rejected by the proof itself.
    for backend in ["plonk", "sumcheck"] {
        let key = s(&dir.path().join(format!("key.{backend}")));
        let proof = s(&dir.path().join(format!("proof.{backend}.json")));
        let o = zkml(&["setup", MODEL, "--backend", backend, "-o", &key]);
        assert!(o.status.success(), "{backend}: {}", text(&o));
        let o = zkml(&["prove", &key, &ezkl, "-o", &proof]);
        assert!(o.status.success(), "{backend}: {}", text(&o));
        let o = zkml(&["verify", &key, &proof]);
        assert!(
            o.status.success() && text(&o).contains("VALID"),
            "{backend}: {}",
            text(&o)
        );

        let mut v = read_json(&proof);
        let x = v["public"]["outputs"][0][2].as_i64().unwrap();
        let scale = x as f64 / v["outputs"][0][2].as_f64().unwrap();
        v["public"]["outputs"][0][2] = serde_json::Value::from(x + 1);
        v["outputs"][0][2] = serde_json::Value::from((x + 1) as f64 / scale);
        if let Some(f) = v["public_field_elements"].as_array_mut() {
            let old = format!("0x{x:064x}");
            let at = f.iter().position(|e| e.as_str() == Some(old.as_str()));
            let at = at.unwrap_or_else(|| panic!("{backend}: field element {old} not found"));
            f[at] = serde_json::Value::from(format!("0x{:064x}", x + 1));
        }
        let bad = write_json(dir.path(), &format!("changed.{backend}.json"), &v);
        assert_rejected(&zkml(&["verify", &key, &bad]), "");
    }

    // A value for an input the model does not have is refused, saying so.
    let extra = write_json(
        dir.path(),
        "extra.json",
        &serde_json::json!({"input_data": [[1.0]]}),
    );
    let o = zkml(&["run", MODEL, &extra]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = text(&o);
    assert!(
        err.contains("holds 1 input list(s) but the model takes 0 input(s)")
            && err.contains("{\"input_data\": [[]]}"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn extra_input_lists_are_refused_naming_the_inputs() {
    // Two lists for the one-input MLP (as when an exporter drops unused inputs).
    let dir = tempfile::tempdir().unwrap();
    let x = [0.1f32, 0.2, 0.3, 0.4];
    let f = write_json(
        dir.path(),
        "two.json",
        &serde_json::json!({"input_data": [x, x]}),
    );
    let o = zkml(&["run", common::TINY_MODEL, &f]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = text(&o);
    assert!(
        err.contains("holds 2 input list(s) but the model takes 1 input(s) (`x`)")
            && err.contains("keep only the lists of the inputs named here"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
