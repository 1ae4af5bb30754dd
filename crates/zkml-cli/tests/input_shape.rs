//! Models whose inputs are declared with symbolic dimensions: sized by
//! `--input-shape`, by `"input_shapes"` in the input file, or (one symbolic
//! dimension) by the data's length; otherwise refused with an error that
//! names the input and the dimension. Integer and boolean inputs run too.

mod common;

use common::{text, zkml};

const CONV: &str = "crates/zkml-cli/tests/fixtures/symbolic_conv.onnx";
const MLP: &str = "crates/zkml-cli/tests/fixtures/symbolic_batch_mlp.onnx";

/// An input file in a fresh temporary directory.
fn input_file(json: serde_json::Value) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("input.json");
    std::fs::write(&p, json.to_string()).unwrap();
    let s = p.to_str().unwrap().to_string();
    (dir, s)
}

fn image(n: usize) -> Vec<f32> {
    (0..n).map(|i| ((i * 7) % 11) as f32 / 11.0 - 0.3).collect()
}

fn json_out(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", text(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn unbound_symbolic_dims_are_refused_naming_input_and_dim() {
    let (_d, input) = input_file(serde_json::json!({"input_data": [image(24)]}));
    let o = zkml(&["run", CONV, &input]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = text(&o);
    assert!(
        err.contains(
            "graph input `x` has symbolic dimension 0 (`?`) in its declared shape [?, 1, h, w]"
        ),
        "{err}"
    );
    assert!(err.contains("--input-shape x=Nx1xNxN"), "{err}");
}

#[test]
fn input_shape_flag_sizes_the_model() {
    let (_d, input) = input_file(serde_json::json!({"input_data": [image(24)]}));
    let o = zkml(&["run", CONV, &input, "--input-shape", "x=1x1x4x6", "--json"]);
    let v = json_out(&o);
    assert_eq!(v["output"][0].as_array().unwrap().len(), 2);
    assert_eq!(v["argmax_agree"], true);

    // Another size is another model: 2 images of 3x5.
    let (_d, input) = input_file(serde_json::json!({"input_data": [image(30)]}));
    let o = zkml(&["run", CONV, &input, "--input-shape", "x=2x1x3x5", "--json"]);
    assert_eq!(json_out(&o)["output"][0].as_array().unwrap().len(), 4);
}

#[test]
fn input_shapes_in_the_input_file_size_the_model() {
    let (_d, input) = input_file(serde_json::json!({
        "input_data": [image(24)],
        "input_shapes": [[1, 1, 4, 6]],
    }));
    let o = zkml(&["run", CONV, &input, "--json"]);
    assert_eq!(json_out(&o)["output"][0].as_array().unwrap().len(), 2);

    // The flag wins over the file.
    let o = zkml(&["run", CONV, &input, "--input-shape", "x=1x1x6x4", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn a_shape_that_does_not_fit_is_refused() {
    let (_d, input) = input_file(serde_json::json!({"input_data": [image(24)]}));
    let o = zkml(&["run", CONV, &input, "--input-shape", "x=1x2x4x3"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o);
    assert!(err.contains("input shape for `x`"), "{err}");
    assert!(err.contains("dimension 1 is fixed at 1"), "{err}");

    let o = zkml(&["run", CONV, &input, "--input-shape", "image=1x1x4x6"]);
    let err = text(&o);
    assert!(err.contains("`image`, which is not a graph input"), "{err}");
    assert!(err.contains("its inputs are `x` [?, 1, h, w]"), "{err}");

    // Shape and data disagree: the input does not fit.
    let o = zkml(&["run", CONV, &input, "--input-shape", "x=1x1x5x5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("does not fit the model"), "{}", text(&o));

    let o = zkml(&["run", CONV, &input, "--input-shape", "x=1xfoo"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("`foo` in `x=1xfoo` is not a dimension"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_single_symbolic_batch_is_sized_by_the_data() {
    let (_d, input) = input_file(serde_json::json!({"input_data": [[0.5, -1.0, 2.0, 0.25]]}));
    let v = json_out(&zkml(&["run", MLP, &input, "--json"]));
    assert_eq!(v["output"][0].as_array().unwrap().len(), 3);
    let (_d, input) = input_file(serde_json::json!({"input_data": [image(8)]}));
    let v = json_out(&zkml(&["run", MLP, &input, "--json"]));
    assert_eq!(v["output"][0].as_array().unwrap().len(), 6);
    let (_d, input) = input_file(serde_json::json!({"input_data": [image(6)]}));
    let o = zkml(&["run", MLP, &input]);
    assert!(
        text(&o).contains("its data holds 6 value(s), which no size of symbolic dimension 0"),
        "{}",
        text(&o)
    );
}

#[test]
fn plan_takes_the_flag_and_errs_without_it() {
    let o = zkml(&["plan", CONV, "--input-shape", "x=1x1x4x6"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = zkml(&["plan", CONV]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--input-shape x=Nx1xNxN"), "{}", text(&o));
}

#[test]
fn integer_and_boolean_inputs_run() {
    let model = "crates/zkml-cli/tests/fixtures/int_bytes.onnx";
    let (_d, input) = input_file(serde_json::json!({
        "input_data": [[0, 255, 17, 128, 3, 250, 99, 64], [true, true, false, true, true, true, false, true]],
    }));
    let v = json_out(&zkml(&["run", model, &input, "--json"]));
    assert_eq!(v["argmax_agree"], true);
    let err = v["max_abs_error"].as_f64().unwrap();
    assert!(err < 0.02, "{v}");
}

#[test]
fn ezkl_input_shapes_without_the_batch_dimension_are_accepted() {
    // EZKL's input files list [C, H, W] (no batch), sometimes once per output
    // too: the batch is 1 and the extra shapes are ignored.
    let (_d, input) = input_file(serde_json::json!({
        "input_data": [image(24)],
        "input_shapes": [[1, 4, 6], [1, 4, 6], [1, 4, 6]],
    }));
    let o = zkml(&["run", CONV, &input, "--json"]);
    assert_eq!(json_out(&o)["output"][0].as_array().unwrap().len(), 2);
}
