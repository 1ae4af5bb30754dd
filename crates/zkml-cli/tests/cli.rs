//! The `zkml` binary as a user runs it: outputs, accuracy, and bad input
//! (every bad input is a clear error with exit code 2, never a panic).

use std::process::Output;

use serde_json::Value;

mod common;
use common::{repo, zkml};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a clean failure: exit code 2, an `error:` line containing every `needle`, no panic.
fn assert_clean_error(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "expected exit 2, stderr: {err}");
    assert!(err.starts_with("error: "), "stderr: {err}");
    assert!(!err.contains("panicked"), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks `{n}`: {err}");
    }
}

fn run_json(model: &str, input: &str, extra: &[&str]) -> Value {
    let mut args = vec!["run", model, input, "--json"];
    args.extend(extra);
    let o = zkml(&args);
    assert!(o.status.success(), "zkml {args:?} failed: {}", stderr(&o));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        stdout.trim().lines().count(),
        1,
        "--json prints exactly one line: {stdout}"
    );
    serde_json::from_str(&stdout).unwrap()
}

/// The `zkml run` acceptance rule: same argmax, error ≤ 2% of the largest output.
fn assert_agrees(v: &Value) {
    assert_eq!(v["argmax_agree"], Value::Bool(true), "{v}");
    let err = v["max_abs_error"].as_f64().unwrap();
    let max = v["max_abs_output"].as_f64().unwrap();
    assert!(err <= 0.02 * max, "max abs error {err} exceeds 2% of {max}");
}

#[test]
fn bundled_example_classifies_its_samples() {
    for i in 0..5 {
        let input = format!("examples/mnist_cnn/input_{i}.json");
        let label =
            serde_json::from_str::<Value>(&std::fs::read_to_string(repo().join(&input)).unwrap())
                .unwrap()["label"]
                .as_u64()
                .unwrap();
        let v = run_json(
            "examples/mnist_cnn/model.onnx",
            &input,
            &["--calibration", "examples/mnist_cnn/calibration.json"],
        );
        assert_agrees(&v);
        assert_eq!(v["argmax_rows"], 1, "one score row, no near-tie: {v}");
        assert_eq!(v["argmax"][0].as_u64(), Some(label), "sample {i}: {v}");
        assert_eq!(v["output"][0].as_array().unwrap().len(), 10);
        assert_eq!(v["float_output"][0].as_array().unwrap().len(), 10);
    }
}

#[test]
fn human_output_reports_error_and_agreement() {
    let o = zkml(&[
        "run",
        "crates/zkml-cli/tests/fixtures/tiny_mlp.onnx",
        "crates/zkml-cli/tests/fixtures/tiny_mlp_input.json",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.contains("max abs error"), "{out}");
    assert!(out.contains("argmax agrees on all"), "{out}");
    let v = run_json(
        "crates/zkml-cli/tests/fixtures/tiny_mlp.onnx",
        "crates/zkml-cli/tests/fixtures/tiny_mlp_input.json",
        &[],
    );
    assert_agrees(&v);
    let probs: f64 = v["output"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .sum();
    assert!((probs - 1.0).abs() < 0.02, "softmax outputs sum to {probs}");
}

#[test]
fn truncated_and_garbage_models_are_clean_errors() {
    let dir = tempfile::tempdir().unwrap();
    let model = std::fs::read(repo().join("examples/mnist_cnn/model.onnx")).unwrap();
    let truncated = dir.path().join("truncated.onnx");
    std::fs::write(&truncated, &model[..model.len() / 3]).unwrap();
    let garbage = dir.path().join("garbage.onnx");
    std::fs::write(
        &garbage,
        (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let input = "examples/mnist_cnn/input_0.json";
    for m in [&truncated, &garbage] {
        assert_clean_error(
            &zkml(&["run", m.to_str().unwrap(), input]),
            &[m.file_name().unwrap().to_str().unwrap()],
        );
    }
    let garbage_mp = dir.path().join("garbage.msgpack");
    std::fs::write(&garbage_mp, b"\x93\x01\xffnot msgpack").unwrap();
    assert_clean_error(
        &zkml(&["run", garbage_mp.to_str().unwrap(), input]),
        &["garbage.msgpack"],
    );
    assert_clean_error(
        &zkml(&["run", "no/such/model.onnx", input]),
        &["no/such/model.onnx"],
    );
    assert_clean_error(&zkml(&["run", "README.md", input]), &["*.onnx"]);
}

#[test]
fn unsupported_ops_are_all_named_in_one_error() {
    let o = zkml(&[
        "run",
        "crates/zkml-cli/tests/fixtures/unsupported_ops.onnx",
        "crates/zkml-cli/tests/fixtures/tiny_mlp_input.json",
    ]);
    assert_clean_error(
        &o,
        &[
            "random_like_1",
            "RandomUniformLike",
            "thresholded_relu_1",
            "ThresholdedRelu",
        ],
    );
}

#[test]
fn bad_inputs_are_clean_errors() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let model = "examples/mnist_cnn/model.onnx";
    let short = write(
        "short.json",
        format!("{{\"input_data\": [[{}]]}}", vec!["0.5"; 783].join(",")),
    );
    assert_clean_error(&zkml(&["run", model, &short]), &["784", "783"]);
    let mut vals = vec!["0.5".to_string(); 784];
    vals[10] = "\"NaN\"".into();
    let nan = write(
        "nan.json",
        format!("{{\"input_data\": [[{}]]}}", vals.join(",")),
    );
    assert_clean_error(&zkml(&["run", model, &nan]), &["non-finite", "index 10"]);
    let not_json = write("bad.json", "{\"input_data\": [[1, 2".into());
    assert_clean_error(&zkml(&["run", model, &not_json]), &["not valid JSON"]);
    let no_field = write("nofield.json", "{\"data\": [[1]]}".into());
    assert_clean_error(&zkml(&["run", model, &no_field]), &["input_data"]);
    // A value far outside the calibrated range is refused, not silently clamped.
    let mut big = vec!["0.5".to_string(); 784];
    big[0] = "1e6".into();
    let big = write(
        "big.json",
        format!("{{\"input_data\": [[{}]]}}", big.join(",")),
    );
    assert_clean_error(
        &zkml(&[
            "run",
            model,
            &big,
            "--calibration",
            "examples/mnist_cnn/calibration.json",
        ]),
        &["outside the calibrated range", "--calibration"],
    );
}

#[test]
fn earlier_zkml_mnist_example_classifies_five() {
    let Some(shared) = common::shared() else {
        eprintln!("skipping: ../shared (the earlier zkml's examples) is not beside this checkout");
        return;
    };
    let dir = shared.join("anchors/zkml-examples/mnist");
    let v = run_json(
        dir.join("model.msgpack").to_str().unwrap(),
        dir.join("inp.msgpack").to_str().unwrap(),
        &[],
    );
    assert_agrees(&v);
    assert_eq!(v["argmax"][0].as_u64(), Some(5), "{v}");
}

#[test]
fn benchmark_models_agree_with_float() {
    let Some(dir) = common::bench_models() else {
        return;
    };
    for name in ["mlp", "lenet", "cifar_cnn"] {
        let d = dir.path().join(name);
        let v = run_json(
            d.join("model.onnx").to_str().unwrap(),
            d.join("input.json").to_str().unwrap(),
            &[],
        );
        assert_agrees(&v);
    }
}

#[test]
fn plan_marks_matrix_checked_layers_and_the_switch_turns_the_check_off() {
    let args = [
        "plan",
        "examples/mnist_cnn/model.onnx",
        "--calibration",
        "examples/mnist_cnn/calibration.json",
    ];
    let on = zkml(&args);
    assert!(on.status.success(), "{}", stderr(&on));
    let on = String::from_utf8(on.stdout).unwrap();
    assert!(on.contains("conv1 (Conv, matrix check)"), "{on}");
    assert!(on.contains("matrix check: 2 layer(s)"), "{on}");
    let mut off_args = args.to_vec();
    off_args.push("--no-matrix-check");
    let off = zkml(&off_args);
    assert!(off.status.success(), "{}", stderr(&off));
    let off = String::from_utf8(off.stdout).unwrap();
    assert!(!off.contains("matrix check"), "{off}");
    assert!(off.contains("conv1 (Conv)"), "{off}");
}
