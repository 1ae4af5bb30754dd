//! What the plonk tests of generated-model suites (`gen_models.rs`,
//! `ml_models.rs`) share: which manifest lines are to be proven, and how
//! a suite model is loaded and mock-proven. Included with `#[path]`.

use std::path::Path;

use halo2_axiom::dev::MockProver;
use zkml_core::{
    backend::Visibility, calibrate, execute, float::shape_inputs, quantize, QGraph, QuantConfig,
    Trace,
};
use zkml_onnx::{load_model_with, LoadOptions};
use zkml_plonk::{plan, Plan};

use super::common;

#[path = "../../../zkml-onnx/tests/common/sample.rs"]
mod sample;

/// The `runs mock` / `runs prove` lines of a manifest (`name` for
/// messages): id, whether to prove for real, and the quantization settings.
pub fn provable(manifest: &str, name: &str) -> Vec<(String, bool, QuantConfig)> {
    let mut out = vec![];
    for l in manifest.lines().map(str::trim) {
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = l
            .split("  ")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if f.get(1) != Some(&"runs") {
            continue;
        }
        let opts: Vec<&str> = f[2..].iter().flat_map(|s| s.split_whitespace()).collect();
        if !opts.iter().any(|o| *o == "mock" || *o == "prove") {
            continue;
        }
        let mut cfg = QuantConfig::default();
        for o in &opts {
            if let Some((k, v)) = o.split_once('=') {
                let v: i32 = v.parse().expect("KEY=N");
                match k {
                    "weight_bits" => cfg.weight_bits = v.unsigned_abs(),
                    "act_bits" => cfg.act_bits = v.unsigned_abs(),
                    "max_scale" => cfg.max_scale = v,
                    _ => panic!("{name}: unknown option `{o}`"),
                }
            }
        }
        out.push((f[0].to_string(), opts.contains(&"prove"), cfg));
    }
    out
}

/// Loads the suite model in `dir` on its `input.json`, quantizes it with
/// `cfg` (calibrated on that input), runs it, plans it and checks the
/// circuit with the MockProver (audited by `common::mock_circuit`) at the
/// planned `k`: what the real proof of a `prove` line then starts from.
pub fn load_and_mock(
    dir: &Path,
    cfg: &QuantConfig,
) -> Result<(QGraph, Trace, Visibility, Plan, u32), String> {
    let (xs, shapes) = sample::read_input(dir);
    let opts = LoadOptions {
        positional_shapes: shapes,
        ..Default::default()
    };
    let g = load_model_with(&dir.join("model.onnx"), &opts).map_err(|e| e.to_string())?;
    let x = shape_inputs(&g, &xs).map_err(|e| e.to_string())?;
    let cal = calibrate(&g, std::slice::from_ref(&x)).map_err(|e| e.to_string())?;
    let q = quantize(&g, &cal, cfg).map_err(|e| e.to_string())?;
    let t = execute(&q, &x).map_err(|e| e.to_string())?;
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).map_err(|e| format!("setup refused: {e}"))?;
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    MockProver::run(k, &c, vec![inst])
        .map_err(|e| format!("MockProver at k = {k}: {e}"))?
        .verify()
        .map_err(|e| format!("MockProver at k = {k}: {e:?}"))?;
    Ok((q, t, vis, p, k))
}
