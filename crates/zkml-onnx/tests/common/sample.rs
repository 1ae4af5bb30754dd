//! Reading a model directory's sample files, shared by the model suites
//! (`model_suite.rs` here and in zkml-plonk, `real_models.rs`): `input.json`
//! (`input_data`: one list of numbers per input, `input_shapes`) and
//! `expected.json` (`outputs`: one list per output). Included with `#[path]`.
#![allow(dead_code)]

use std::path::Path;

use serde_json::Value;

/// The JSON in `p` (panics naming the file: a test fixture is broken).
pub fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The numbers of a JSON array, as `f32`.
pub fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .expect("a list of numbers")
        .iter()
        .map(|x| x.as_f64().expect("a number") as f32)
        .collect()
}

/// Each list of numbers in the array `v`.
fn lists(v: &Value, what: &str) -> Vec<Vec<f32>> {
    v.as_array()
        .unwrap_or_else(|| panic!("`{what}` is not a list"))
        .iter()
        .map(floats)
        .collect()
}

/// `dir/input.json`: the inputs' values and their positional shapes.
pub fn read_input(dir: &Path) -> (Vec<Vec<f32>>, Vec<Vec<usize>>) {
    let input = read_json(&dir.join("input.json"));
    let xs = lists(&input["input_data"], "input_data");
    let shapes = serde_json::from_value(input["input_shapes"].clone())
        .unwrap_or_else(|e| panic!("{}: input_shapes: {e}", dir.display()));
    (xs, shapes)
}

/// `dir/expected.json`: the whole file (for extra fields) and its outputs.
pub fn read_expected(dir: &Path) -> (Value, Vec<Vec<f32>>) {
    let expected = read_json(&dir.join("expected.json"));
    let outputs = lists(&expected["outputs"], "outputs");
    (expected, outputs)
}
