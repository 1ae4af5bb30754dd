//! Loads real exported models when `ZKML_ONNX_MODEL_DIR` names a folder of
//! `<model>/model.onnx` (+ `input.json` as `{"input_data": [[floats]]}` and,
//! optionally, `expected.json` in the same layout with the reference output);
//! skipped otherwise.

use std::path::Path;

fn floats(json: &str) -> Vec<f32> {
    json.split(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect()
}

#[test]
fn bench_models_load_and_run() {
    let Ok(dir) = std::env::var("ZKML_ONNX_MODEL_DIR") else {
        eprintln!("ZKML_ONNX_MODEL_DIR not set: skipped");
        return;
    };
    let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let model = e.path().join("model.onnx");
        if !model.exists() {
            continue;
        }
        let g = zkml_onnx::load_model(&model)
            .unwrap_or_else(|err| panic!("{}: {err}", model.display()));
        let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
        eprintln!(
            "{}: inputs {:?}, ops {ops:?}",
            model.display(),
            g.input_shapes()
        );
        let input = e.path().join("input.json");
        if !input.exists() {
            continue;
        }
        let x = floats(&std::fs::read_to_string(&input).unwrap());
        let y = zkml_core::run_float(&g, &[x]).unwrap();
        let expected = e.path().join("expected.json");
        if Path::new(&expected).exists() {
            let want = floats(&std::fs::read_to_string(&expected).unwrap());
            let got: Vec<f32> = y[0].iter().copied().collect();
            assert_eq!(got.len(), want.len(), "{}", model.display());
            let err = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max);
            eprintln!("  max abs error vs expected: {err:e}");
            assert!(err < 1e-4, "{}: max abs error {err}", model.display());
        }
    }
}
