//! The onnx wheel's model-level cases that zkml runs within tolerance are
//! proven: zkml-onnx's manifest (`tests/onnx-model-cases.txt`) marks them
//! `runs  prove`, and `sample` on one case per kind of model (a single layer,
//! a convolution, pooling, a normalisation, an activation, an embedding, a
//! multi-op graph).
//!
//! The cases are made by `scripts/gen-onnx-models.sh` into
//! `target/onnx-model-cases/` (or `$ZKML_ONNX_MODELS_DIR`); without them the
//! tests say so and pass, unless `ZKML_REQUIRE_ONNX_CASES=1`. Per case: load
//! (input `.pb` files matched by name, or by position where they carry no
//! names), calibrate on the case's inputs, quantize with the defaults,
//! execute, plan with the default visibility; the MockProver must be
//! satisfied at the planned `k`. The first sample is also proven and verified
//! for real, and its proof must be rejected for a changed public output or
//! proof byte.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use halo2_axiom::dev::MockProver;
use zkml_core::{backend::Visibility, calibrate, execute, quantize, FTensor, QuantConfig};
use zkml_onnx::{load_model_with, LoadOptions};
use zkml_plonk::plan;

mod common;

/// The largest circuit these tests MockProve (`2^k` rows; a case beyond it,
/// e.g. a 220 000-element MaxPool, is reported, not proven).
const MAX_K: u32 = 18;

const MANIFEST: &str = include_str!("../../zkml-onnx/tests/onnx-model-cases.txt");

/// A `runs` line: `(suite/case, prove, sample)`.
fn run_lines() -> Vec<(String, bool, bool)> {
    MANIFEST
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l
                .split("  ")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if f.get(1) != Some(&"runs") {
                return None;
            }
            let flags: Vec<&str> = f.get(2).map_or(vec![], |s| s.split_whitespace().collect());
            for fl in &flags {
                assert!(
                    ["prove", "sample"].contains(fl),
                    "onnx-model-cases.txt: unknown flag `{fl}` in `{l}`"
                );
            }
            Some((
                f[0].to_string(),
                flags.contains(&"prove"),
                flags.contains(&"sample"),
            ))
        })
        .collect()
}

fn cases_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("ZKML_ONNX_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/onnx-model-cases")
        });
    if dir.join(".stamp").exists() {
        return Some(dir);
    }
    let msg = format!(
        "ONNX model cases not found in {}: run scripts/gen-onnx-models.sh",
        dir.display()
    );
    assert!(
        std::env::var("ZKML_REQUIRE_ONNX_CASES").as_deref() != Ok("1"),
        "{msg} (ZKML_REQUIRE_ONNX_CASES=1)"
    );
    eprintln!("{msg}; skipping");
    None
}

/// The case's `input_N.pb` tensors in order of `N`.
fn inputs(data: &Path) -> Result<Vec<(String, FTensor)>, String> {
    let mut files = vec![];
    for e in std::fs::read_dir(data).map_err(|e| e.to_string())? {
        let p = e.map_err(|e| e.to_string())?.path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(n) = name
            .strip_prefix("input_")
            .and_then(|s| s.strip_suffix(".pb"))
        {
            files.push((n.parse::<usize>().map_err(|e| e.to_string())?, p));
        }
    }
    files.sort();
    files
        .iter()
        .map(|(_, p)| zkml_onnx::load_tensor(p).map_err(|e| e.to_string()))
        .collect()
}

/// MockProves one case (and proves it for real when `real`); the planned `k`.
fn prove(case: &Path, real: bool) -> Result<u32, String> {
    let pbs = inputs(&case.join("test_data_set_0"))?;
    let opts = LoadOptions {
        positional_shapes: pbs.iter().map(|(_, t)| t.shape().to_vec()).collect(),
        ..Default::default()
    };
    let g = load_model_with(&case.join("model.onnx"), &opts).map_err(|e| format!("load: {e}"))?;
    let by_name = pbs.iter().all(|(n, _)| !n.is_empty());
    let x: Vec<FTensor> = g
        .inputs
        .iter()
        .enumerate()
        .map(|(pos, &id)| {
            let found = if by_name {
                pbs.iter().find(|(n, _)| *n == g.values[id].name)
            } else {
                pbs.get(pos)
            };
            found
                .map(|(_, t)| t.clone())
                .ok_or(format!("no .pb for input `{}`", g.values[id].name))
        })
        .collect::<Result<_, _>>()?;
    let cal = calibrate(&g, std::slice::from_ref(&x)).map_err(|e| format!("calibrate: {e}"))?;
    let q = quantize(&g, &cal, &QuantConfig::default()).map_err(|e| format!("quantize: {e}"))?;
    let t = execute(&q, &x).map_err(|e| format!("execute: {e}"))?;
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).map_err(|e| format!("setup refused: {e}"))?;
    if p.k > MAX_K {
        return Err(format!("too large: k = {} > {MAX_K}", p.k));
    }
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    MockProver::run(k, &c, vec![inst])
        .map_err(|e| format!("MockProver at k = {k}: {e}"))?
        .verify()
        .map_err(|e| format!("MockProver at k = {k}: {e:?}"))?;
    if real {
        common::prove_verify_tamper(&q, &t, &vis, &p, true)?;
    }
    Ok(k)
}

fn prove_caught(case: &Path, real: bool) -> Result<u32, String> {
    catch_unwind(AssertUnwindSafe(|| prove(case, real))).unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(format!("PANIC: {msg}"))
    })
}

/// One case per kind of model (the `sample` lines) MockProves; the first is
/// also proven and verified for real.
#[test]
fn sampled_model_cases_prove() {
    let Some(dir) = cases_dir() else { return };
    let mut failures = vec![];
    let mut n = 0;
    for (name, prove, sample) in run_lines() {
        if !sample {
            continue;
        }
        assert!(prove, "`{name}`: a `sample` line must also say `prove`");
        let r = prove_caught(&dir.join(&name), n == 0);
        eprintln!("{name}: {r:?}");
        n += 1;
        if let Err(e) = r {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(n >= 5, "only {n} sample lines");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every `prove` line MockProves, and no other `runs` line does (mark it).
#[test]
#[ignore = "heavy: MockProves every case that runs (minutes)"]
fn every_running_model_case_proves_as_the_manifest_says() {
    let Some(dir) = cases_dir() else { return };
    let only: Option<Vec<String>> = std::env::var("ZKML_ONNX_MODELS")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = vec![];
    let (mut proven, mut refused, mut large) = (0, 0, 0);
    for (name, prove, _) in run_lines() {
        let (suite, case) = name.split_once('/').expect("suite/case");
        if suite == "light" || only.as_ref().is_some_and(|o| !o.iter().any(|c| c == case)) {
            continue;
        }
        let r = prove_caught(&dir.join(&name), false);
        eprintln!("{name}: {r:?}");
        match (&r, prove) {
            (Ok(_), true) => proven += 1,
            (Err(e), false) if e.starts_with("setup refused") => refused += 1,
            (Err(e), false) if e.starts_with("too large") => large += 1,
            (Ok(_), false) => failures.push(format!("{name}: proves; mark it `prove`")),
            (Err(e), _) => failures.push(format!("{name}: {e}")),
        }
    }
    std::panic::set_hook(hook);
    eprintln!(
        "onnx model cases: {proven} MockProven, {refused} refused at setup, {large} over k = \
         {MAX_K} (not tried)"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
