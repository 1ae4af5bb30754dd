//! `pk.bin` bytes → proving key for a fixed small model (the key header, the
//! checksum and the halo2 reader behind them). Local SRS files are cached in
//! a temporary directory.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zkml_core::QGraph;

fn model() -> &'static (QGraph, tempfile::TempDir) {
    static M: OnceLock<(QGraph, tempfile::TempDir)> = OnceLock::new();
    M.get_or_init(|| {
        let g = zkml_onnx::load_model_bytes(include_bytes!(
            "../../crates/zkml-cli/tests/fixtures/tiny_mlp.onnx"
        ))
        .expect("fixture loads");
        let zeros: Vec<Vec<f32>> = g
            .input_shapes()
            .iter()
            .map(|s| vec![0.0; s.iter().product()])
            .collect();
        let x = zkml_core::float::shape_inputs(&g, &zeros).expect("zeros fit");
        let cal = zkml_core::calibrate(&g, &[x]).expect("calibrates");
        let q = zkml_core::quantize(&g, &cal, &zkml_core::QuantConfig::default())
            .expect("quantizes");
        (q, tempfile::tempdir().expect("temp dir"))
    })
}

fuzz_target!(|data: &[u8]| {
    let (q, dir) = model();
    let backend = zkml_plonk::PlonkBackend {
        srs_dir: dir.path().to_path_buf(),
        srs_file: None,
        matrix_check: true,
    };
    let _ = zkml_plonk::PlonkProvingKey::from_bytes(data, q, &backend);
});
