//! What the plonk tests of generated-model suites (`gen_models.rs`,
//! `ml_models.rs`) share: which manifest lines are to be proven, and JSON
//! numbers. Included with `#[path]`.

use zkml_core::QuantConfig;

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

/// The numbers of a JSON array, as `f32`.
pub fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}
