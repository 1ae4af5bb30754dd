//! One harness for the suites of generated models checked against a
//! manifest (`gen-models.txt`, `ml-models.txt`): each model loads, runs in
//! the float and integer executors within the tolerance of its
//! reference outputs, or is refused naming the listed ops, as its line says.
//! Included by `gen_models.rs` and `ml_models.rs` with `#[path]`.

use std::path::{Path, PathBuf};

use zkml_core::float::shape_inputs;
use zkml_core::{calibrate, execute, quantize, run_float, QuantConfig};
use zkml_onnx::{load_model_with, LoadOptions};

#[path = "sample.rs"]
mod sample;
use sample::{read_expected, read_input};

/// One suite: where its manifest and models are, and how to make them.
pub struct Suite {
    /// The manifest's file name in `crates/zkml-onnx/tests/`.
    pub manifest: &'static str,
    /// The models' directory under `target/`.
    pub dir: &'static str,
    /// The variable that makes missing models a failure (scripts/test.sh sets it).
    pub require_env: &'static str,
    /// What the models are, for messages.
    pub what: &'static str,
    /// The script that makes them.
    pub script: &'static str,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[derive(Debug)]
enum Expect {
    Runs(QuantConfig),
    /// The reason (shown in failure messages).
    Loads(#[allow(dead_code)] String),
    Refused(Vec<String>),
}

fn manifest(s: &Suite) -> Vec<(String, Expect)> {
    let text = std::fs::read_to_string(repo().join("crates/zkml-onnx/tests").join(s.manifest))
        .unwrap_or_else(|e| panic!("reading tests/{}: {e}", s.manifest));
    let mut out = vec![];
    for l in text.lines().map(str::trim) {
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = l
            .split("  ")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let e = match (f.get(1).copied(), f.len()) {
            (Some("runs"), _) => {
                let mut cfg = QuantConfig::default();
                for opt in f[2..].iter().flat_map(|s| s.split_whitespace()) {
                    if opt == "mock" || opt == "prove" {
                        continue;
                    }
                    let (k, v) = opt.split_once('=').expect("KEY=N option");
                    let v: i32 = v.parse().expect("a number");
                    match k {
                        "weight_bits" => cfg.weight_bits = v.unsigned_abs(),
                        "act_bits" => cfg.act_bits = v.unsigned_abs(),
                        "max_scale" => cfg.max_scale = v,
                        _ => panic!("{}: unknown option `{opt}`", s.manifest),
                    }
                }
                Expect::Runs(cfg)
            }
            (Some("loads"), 3) => Expect::Loads(f[2].to_string()),
            (Some("refused"), 4) => {
                Expect::Refused(f[2].split(',').map(|s| s.trim().to_string()).collect())
            }
            _ => panic!("{}: malformed line `{l}`", s.manifest),
        };
        out.push((f[0].to_string(), e));
    }
    out
}

/// `(float error, integer error, tolerance)` per output (max abs errors
/// against the reference; the float tolerance is `1e-4·(1 + peak)`), or the
/// load error.
fn run(dir: &Path, cfg: &QuantConfig) -> Result<Vec<(f64, f64, f64)>, String> {
    let (xs, shapes) = read_input(dir);
    let opts = LoadOptions {
        positional_shapes: shapes,
        ..Default::default()
    };
    let g = load_model_with(&dir.join("model.onnx"), &opts).map_err(|e| e.to_string())?;
    let x = shape_inputs(&g, &xs).map_err(|e| format!("input: {e}"))?;
    let fl = run_float(&g, &xs).map_err(|e| format!("float executor: {e}"))?;
    let cal = calibrate(&g, std::slice::from_ref(&x)).map_err(|e| format!("calibrate: {e}"))?;
    let q = quantize(&g, &cal, cfg).map_err(|e| format!("quantize: {e}"))?;
    let t = execute(&q, &x).map_err(|e| format!("integer executor: {e}"))?;
    let int = t.dequantized_outputs(&q);
    let (_, want) = read_expected(dir);
    assert_eq!(want.len(), fl.len(), "{}: output count", dir.display());
    let mut res = vec![];
    for ((w, f), i) in want.iter().zip(&fl).zip(&int) {
        assert_eq!(w.len(), f.len(), "{}: output size", dir.display());
        let peak = w.iter().fold(0f64, |m, &v| m.max(f64::from(v).abs()));
        let tol = (0.02 * peak).max(0.02);
        let ef = f
            .iter()
            .zip(w)
            .fold(0f64, |m, (&a, &b)| m.max(f64::from(a - b).abs()));
        let ei = i
            .iter()
            .zip(w)
            .fold(0f64, |m, (&a, &b)| m.max((a - f64::from(b)).abs()));
        res.push((ef / (1.0 + peak), ei, tol));
    }
    Ok(res)
}

/// Runs every model of the suite and checks it behaves as its manifest says.
pub fn check_manifest(s: &Suite) {
    let root = repo().join("target").join(s.dir);
    if !root.join(".stamp").exists() {
        let msg = format!(
            "{} not found in {}: run {}",
            s.what,
            root.display(),
            s.script
        );
        assert!(
            std::env::var(s.require_env).as_deref() != Ok("1"),
            "{msg} ({}=1)",
            s.require_env
        );
        eprintln!("{msg}; skipping");
        return;
    }
    let mut failures = vec![];
    for (id, expect) in manifest(s) {
        let dir = root.join(&id);
        let cfg = match &expect {
            Expect::Runs(c) => c.clone(),
            _ => QuantConfig::default(),
        };
        let got = run(&dir, &cfg);
        let summary = match &got {
            Err(e) => format!("refused: {e}"),
            Ok(r) => format!("(float err, int err, tolerance) per output: {r:?}"),
        };
        eprintln!("{} `{id}`: {summary}", s.what);
        let float_ok = |r: &[(f64, f64, f64)]| r.iter().all(|&(f, _, _)| f <= 1e-4);
        let int_ok = |r: &[(f64, f64, f64)]| r.iter().all(|&(_, i, t)| i <= t);
        let ok = match (&expect, &got) {
            (Expect::Runs(_), Ok(r)) => float_ok(r) && int_ok(r),
            (Expect::Loads(_), Ok(r)) => float_ok(r) && !int_ok(r),
            (Expect::Refused(ops), Err(e)) => ops.iter().all(|op| e.contains(&format!("({op})"))),
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "`{id}`: the manifest says {expect:?}, but {summary}; update \
                 crates/zkml-onnx/tests/{} if this is progress",
                s.manifest
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every model the generator writes is in the manifest, and only those.
pub fn check_listing(s: &Suite) {
    let root = repo().join("target").join(s.dir);
    let Ok(entries) = std::fs::read_dir(&root) else {
        return;
    };
    let mut made: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("model.onnx").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut listed: Vec<String> = manifest(s).into_iter().map(|(id, _)| id).collect();
    made.sort();
    listed.sort();
    assert_eq!(made, listed);
}
