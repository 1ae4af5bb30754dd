//! ONNX operator conformance: the ONNX backend *node* cases of every op zkml
//! supports, run through the loader, the float executor and the integer
//! executor, against the outputs ONNX ships with each case.
//!
//! The cases are generated offline by `scripts/gen-onnx-cases.sh` into
//! `target/onnx-node-cases/` (the onnx wheel no longer ships them). Which
//! cases run, which are skipped and why, is `tests/onnx-node-cases.txt` (the
//! manifest; its header explains the format). Without the cases directory this
//! test prints how to generate it and passes, unless
//! `ZKML_REQUIRE_ONNX_CASES=1` (CI, `scripts/test.sh`), where it fails.
//!
//! One test runs every case and reports every failure at the end.
//!
//! # Float executor
//!
//! `zkml_core::float::run_float` must match the expected outputs elementwise
//! within `|y − y_ref| ≤ FLOAT_ATOL + FLOAT_RTOL·|y_ref|` with `FLOAT_RTOL =
//! 1e-4`, `FLOAT_ATOL = 1e-5` (f32 arithmetic in a different order than
//! numpy's, nothing more), and have the expected shape. A manifest line may
//! raise `FLOAT_ATOL` (`atol=X`) only where ONNX wrote the expected values
//! with fewer digits; the line above it says so.
//!
//! # Integer executor and its tolerance
//!
//! Per case: `calibrate` on the case's own inputs, `quantize` with
//! `QuantConfig::default()`, `execute`, `Trace::dequantized_outputs`. An
//! out-of-range refusal on the very inputs the model was calibrated on is a
//! failure, never a skip.
//!
//! The tolerance is not a constant: it is derived per case from the
//! `QGraph`'s scales and the case's actual magnitudes, by
//! `zkml_core::error_bound::error_bounds` (the project's one statement of it).
//! For a tensor at scale `2^-s`, write `u(s) = 2^-(s+1)` (half a unit):
//!
//! * each quantized input and constant is off by at most `u(s)` (round half up);
//! * every rescale (`rshift` after Conv/MatMul/Mul/ReduceSum, the `rdiv` of
//!   AveragePool/ReduceMean/Softmax, a table output, a right-aligned Add/Concat
//!   operand) adds at most `u(s_out)`;
//! * a product `x·w` with input errors `e_x`, `e_w` errs by at most
//!   `|w|·e_x + |x|·e_w + e_x·e_w`; summed over a Conv/MatMul fan-in `K` this is
//!   at most `‖w_row‖₁·e_x + K·max|x|·e_w + K·e_x·e_w` (ℓ1 norms and `max|x|`
//!   taken from the case's float run);
//! * Relu, Clip, MaxPool, Pad and the shape ops are 1-Lipschitz (Clip and Pad
//!   add their quantized bound / fill value, `u(s)`); averages keep their
//!   input's error; a `K`-term ReduceSum multiplies it by `K`; LeakyRelu by
//!   `max(1, |α|)` plus `max|x|·|α − α_q|`; Sigmoid is ¼-Lipschitz, Tanh
//!   1-Lipschitz;
//! * Softmax moves by at most `e_in/2` (Jacobian rows: `Σ_j |∂y_i/∂x_j| =
//!   2y_i(1−y_i) ≤ ½`), plus the exponential table's rounding `u(s_e)` per
//!   term amplified by at most `1 + n` over a lane of `n` (the sum of the
//!   exponentials is ≥ 1 because the lane maximum maps to exactly 1).
//!
//! That bounds `|dequantized − f32 reference|` for the output, `E_out`. The
//! reference itself is within the float tolerance of ONNX's expected output,
//! so each element must satisfy
//!
//! ```text
//! |dequantized − y_ref| ≤ E_out + FLOAT_ATOL + FLOAT_RTOL·|y_ref|
//! ```
//!
//! Printed at the end (past the output capture, so also on success): a table
//! per op, `conformance: N run (N float ok), N run (N int ok), N skipped, N
//! failing`, and how tight the integer tolerance was (the largest fraction of
//! its bound a case used, the largest bound relative to its outputs).
//! `ZKML_CONFORMANCE_VERBOSE=1` also prints each skipped case's refusal and
//! each run case's integer error and bound;
//! `ZKML_ONNX_CASES_DIR` points the test at another cases directory.

#[path = "common/pb_cases.rs"]
mod pb_cases;

use pb_cases::pb_files;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use zkml_core::error_bound::error_bounds;
use zkml_core::float::eval_float;
use zkml_core::{calibrate, execute, quantize, run_float, FTensor, Graph, QuantConfig};

/// Relative tolerance of the float executor against ONNX's expected outputs.
const FLOAT_RTOL: f64 = 1e-4;
/// Absolute tolerance of the float executor against ONNX's expected outputs.
const FLOAT_ATOL: f64 = 1e-5;

const MANIFEST: &str = include_str!("onnx-node-cases.txt");

/// What the manifest says to do with a case.
#[derive(Debug)]
enum Mode {
    /// Run `model.onnx` (all inputs fed), or `model_consts.onnx` (operands 1..
    /// baked as initializers) when `consts`; `atol` overrides [`FLOAT_ATOL`]
    /// where the case's expected values are written with fewer digits.
    Run { consts: bool, atol: f64 },
    /// zkml refuses the case, for this reason.
    Skip(String),
}

#[derive(Debug)]
struct Case {
    op: String,
    name: String,
    mode: Mode,
}

fn malformed<T>(line: usize, raw: &str) -> T {
    panic!("onnx-node-cases.txt:{}: malformed line `{raw}`", line + 1)
}

fn parse_manifest() -> Vec<Case> {
    let mut op = String::from("?");
    let mut cases = Vec::new();
    for (i, raw) in MANIFEST.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            op = section.to_string();
            continue;
        }
        let fields: Vec<&str> = line
            .split("  ")
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect();
        let mode = match fields.as_slice() {
            [_, "run", opts @ ..] => {
                let (mut consts, mut atol) = (false, FLOAT_ATOL);
                for o in opts {
                    match o.split_once('=') {
                        None if *o == "consts" => consts = true,
                        Some(("atol", v)) => atol = v.parse().unwrap_or_else(|_| malformed(i, raw)),
                        _ => malformed(i, raw),
                    }
                }
                Mode::Run { consts, atol }
            }
            [_, "skip", reason] => Mode::Skip(reason.to_string()),
            _ => malformed(i, raw),
        };
        cases.push(Case {
            op: op.clone(),
            name: fields[0].to_string(),
            mode,
        });
    }
    cases
}

/// `target/onnx-node-cases` at the workspace root (where the script writes),
/// or `$ZKML_ONNX_CASES_DIR`.
fn cases_dir() -> PathBuf {
    std::env::var_os("ZKML_ONNX_CASES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/onnx-node-cases")
        })
}

/// Why a stage did not produce a checked result.
#[derive(Debug)]
enum Fail {
    /// zkml returned an error (a clean refusal).
    Refused(String),
    /// zkml returned a result outside the tolerance.
    Mismatch(String),
    /// zkml panicked.
    Panic(String),
    /// The case's files do not fit the loaded graph.
    Harness(String),
}

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fail::Refused(m) => write!(f, "refused: {m}"),
            Fail::Mismatch(m) => write!(f, "wrong result: {m}"),
            Fail::Panic(m) => write!(f, "PANIC: {m}"),
            Fail::Harness(m) => write!(f, "{m}"),
        }
    }
}

/// Runs `f`, turning a panic into [`Fail::Panic`].
fn no_panic<T>(what: &str, f: impl FnOnce() -> Result<T, Fail>) -> Result<T, Fail> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(Fail::Panic(format!("in {what}: {msg}")))
        }
    }
}

/// The case's tensors: inputs aligned with the graph's inputs (matched by
/// name), expected outputs aligned with the graph's outputs (by position, as
/// the loader may rename an output that is an eliminated Identity's).
struct Data {
    inputs: Vec<FTensor>,
    expected: Vec<FTensor>,
}

fn read_pb(p: &Path) -> Result<(String, FTensor), Fail> {
    zkml_onnx::load_tensor(p)
        .map_err(|e| Fail::Refused(format!("load_tensor({}): {e}", p.display())))
}

fn load_data(case_dir: &Path, g: &Graph) -> Result<Data, Fail> {
    let data_dir = case_dir.join("test_data_set_0");
    let pb_inputs = pb_files(&data_dir, "input_")
        .iter()
        .map(|p| read_pb(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut inputs = Vec::new();
    for &id in &g.inputs {
        let v = &g.values[id];
        let (_, t) = pb_inputs
            .iter()
            .find(|(n, _)| *n == v.name)
            .ok_or_else(|| {
                Fail::Harness(format!(
                    "graph input `{}` has no input_*.pb (the .pb inputs are {:?})",
                    v.name,
                    pb_inputs.iter().map(|(n, _)| n).collect::<Vec<_>>()
                ))
            })?;
        if t.shape() != v.shape.as_slice() {
            return Err(Fail::Harness(format!(
                "input `{}`: the graph declares shape {:?}, the data has {:?}",
                v.name,
                v.shape,
                t.shape()
            )));
        }
        inputs.push(t.clone());
    }
    let expected = pb_files(&data_dir, "output_")
        .iter()
        .map(|p| read_pb(p).map(|(_, t)| t))
        .collect::<Result<Vec<_>, _>>()?;
    if expected.len() != g.outputs.len() {
        return Err(Fail::Harness(format!(
            "the graph has {} output(s), the case {}",
            g.outputs.len(),
            expected.len()
        )));
    }
    Ok(Data { inputs, expected })
}

/// The float tolerance for an expected value `y_ref`.
fn float_tol(atol: f64, y_ref: f64) -> f64 {
    atol + FLOAT_RTOL * y_ref.abs()
}

/// Checks `got` against `want` elementwise within `tol(want_i)`; describes
/// the worst violation.
fn compare(
    what: &str,
    got: impl Iterator<Item = f64>,
    want: &FTensor,
    tol: impl Fn(f64) -> f64,
) -> Result<(), Fail> {
    let mut n = 0;
    let mut worst: Option<(usize, f64, f64, f64)> = None;
    for (i, (g, w)) in got.zip(want.iter()).enumerate() {
        n += 1;
        let w = f64::from(*w);
        let excess = (g - w).abs() - tol(w);
        // NaN never passes.
        let bad = excess.is_nan() || excess > 0.0;
        if bad && worst.is_none_or(|(_, _, _, e)| excess.is_nan() || excess > e) {
            worst = Some((i, g, w, excess));
        }
    }
    if n != want.len() {
        return Err(Fail::Mismatch(format!(
            "{what}: {n} values, expected {}",
            want.len()
        )));
    }
    match worst {
        None => Ok(()),
        Some((i, g, w, _)) => Err(Fail::Mismatch(format!(
            "{what}: element {i} is {g}, expected {w} (|diff| {:.3e} > tolerance {:.3e})",
            (g - w).abs(),
            tol(w)
        ))),
    }
}

fn check_float(g: &Graph, d: &Data, atol: f64) -> Result<(), Fail> {
    let flat: Vec<Vec<f32>> = d
        .inputs
        .iter()
        .map(|t| t.iter().copied().collect())
        .collect();
    let out = run_float(g, &flat).map_err(|e| Fail::Refused(format!("float executor: {e}")))?;
    for (k, (y, want)) in out.iter().zip(&d.expected).enumerate() {
        if y.shape() != want.shape() {
            return Err(Fail::Mismatch(format!(
                "float output {k}: shape {:?}, expected {:?}",
                y.shape(),
                want.shape()
            )));
        }
        compare(
            &format!("float output {k}"),
            y.iter().map(|&v| f64::from(v)),
            want,
            |w| float_tol(atol, w),
        )?;
    }
    Ok(())
}

/// How much of the integer tolerance a case used, and how large the
/// propagated bound is relative to the outputs (a bound near or above 1 would
/// make the check vacuous).
#[derive(Clone, Copy, Default)]
struct IntStats {
    /// `max |dequantized − y_ref| / (E_out + float tolerance)`.
    used: f64,
    /// `max E_out / max |y_ref|` over the outputs.
    rel_bound: f64,
}

fn check_int(g: &Graph, d: &Data, atol: f64) -> Result<IntStats, Fail> {
    fn refused(stage: &'static str) -> impl Fn(zkml_core::Error) -> Fail {
        move |e| Fail::Refused(format!("{stage}: {e}"))
    }
    let samples = vec![d.inputs.clone()];
    let cal = calibrate(g, &samples).map_err(refused("calibrate"))?;
    let q = quantize(g, &cal, &QuantConfig::default()).map_err(refused("quantize"))?;
    let trace = execute(&q, &d.inputs).map_err(refused("integer executor"))?;
    let float_values = eval_float(g, &d.inputs).map_err(refused("float executor"))?;
    let bounds = error_bounds(g, &q, &float_values);
    let mut stats = IntStats::default();
    for (k, (y, want)) in trace
        .dequantized_outputs(&q)
        .iter()
        .zip(&d.expected)
        .enumerate()
    {
        let id = q.outputs[k];
        let e = bounds[id];
        let peak = want.iter().fold(0f64, |m, &w| m.max(f64::from(w).abs()));
        if peak > 0.0 {
            stats.rel_bound = stats.rel_bound.max(e / peak);
        }
        for (&v, &w) in y.iter().zip(want.iter()) {
            let w = f64::from(w);
            stats.used = stats.used.max((v - w).abs() / (e + float_tol(atol, w)));
        }
        compare(
            &format!(
                "integer output {k} (scale 2^-{}, propagated bound {e:.3e})",
                q.values[id].scale
            ),
            y.iter().copied(),
            want,
            |w| e + float_tol(atol, w),
        )?;
    }
    Ok(stats)
}

fn load(path: &Path) -> Result<Graph, Fail> {
    no_panic("load_model", || {
        zkml_onnx::load_model(path).map_err(|e| Fail::Refused(format!("load_model: {e}")))
    })
}

/// Result of one case.
#[derive(Default)]
struct Outcome {
    float_ok: bool,
    int_ok: bool,
    int_stats: IntStats,
    /// A `consts` case whose as-shipped model.onnx also loads and passes.
    shipped_ok: bool,
    skipped: bool,
    /// The refusal, for skipped cases (printed with `ZKML_CONFORMANCE_VERBOSE=1`).
    note: String,
    failures: Vec<String>,
}

fn run_case(dir: &Path, case: &Case) -> Outcome {
    let mut out = Outcome::default();
    let case_dir = dir.join(&case.name);
    if !case_dir.join("model.onnx").exists() {
        out.failures
            .push("not in the generated cases (regenerate, or fix the manifest)".into());
        return out;
    }
    match &case.mode {
        Mode::Run { consts, atol } => {
            if *consts {
                // The as-shipped model (operands as run-time inputs) may be
                // refused, cleanly; if zkml accepts it, it must be right too.
                let shipped = load(&case_dir.join("model.onnx")).and_then(|g| {
                    let d = no_panic("reading the data", || load_data(&case_dir, &g))?;
                    no_panic("the float run", || check_float(&g, &d, *atol))?;
                    no_panic("the integer run", || check_int(&g, &d, *atol)).map(|_| ())
                });
                match shipped {
                    Ok(()) => out.shipped_ok = true,
                    Err(Fail::Refused(_)) => {}
                    Err(e) => out.failures.push(format!("model.onnx: {e}")),
                }
            }
            let model = if *consts {
                "model_consts.onnx"
            } else {
                "model.onnx"
            };
            let loaded = load(&case_dir.join(model))
                .map_err(|e| format!("{model}: {e}"))
                .and_then(|g| {
                    let d = no_panic("reading the data", || load_data(&case_dir, &g))
                        .map_err(|e| e.to_string())?;
                    Ok((g, d))
                });
            let (g, d) = match loaded {
                Ok(gd) => gd,
                Err(e) => {
                    out.failures.push(e);
                    return out;
                }
            };
            match no_panic("the float run", || check_float(&g, &d, *atol)) {
                Ok(()) => out.float_ok = true,
                Err(e) => out.failures.push(e.to_string()),
            }
            match no_panic("the integer run", || check_int(&g, &d, *atol)) {
                Ok(st) => {
                    out.int_ok = true;
                    out.int_stats = st;
                }
                Err(e) => out.failures.push(e.to_string()),
            }
        }
        Mode::Skip(reason) => {
            // zkml must refuse the case with an error before giving a result.
            let result = load(&case_dir.join("model.onnx")).and_then(|g| {
                let d = no_panic("reading the data", || load_data(&case_dir, &g))?;
                no_panic("the float run", || check_float(&g, &d, FLOAT_ATOL))?;
                no_panic("the integer run", || check_int(&g, &d, FLOAT_ATOL)).map(|_| ())
            });
            match result {
                Err(Fail::Refused(e)) => {
                    out.skipped = true;
                    out.note = e;
                }
                Err(e @ Fail::Mismatch(_)) => out
                    .failures
                    .push(format!("skipped ({reason}), but not refused: {e}")),
                Err(e) => out.failures.push(e.to_string()),
                Ok(()) => out
                    .failures
                    .push(format!("skipped ({reason}), but passes: mark it `run`")),
            }
        }
    }
    out
}

#[test]
fn onnx_node_conformance() {
    let dir = cases_dir();
    if !dir.join(".stamp").exists() {
        let msg = format!(
            "ONNX node cases not found in {}: run scripts/gen-onnx-cases.sh (or scripts/test.sh)",
            dir.display()
        );
        if std::env::var("ZKML_REQUIRE_ONNX_CASES").as_deref() == Ok("1") {
            panic!("{msg} (ZKML_REQUIRE_ONNX_CASES=1)");
        }
        say(format!("SKIPPED onnx_node_conformance: {msg}"));
        return;
    }
    let cases = parse_manifest();
    let mut names: HashSet<&str> = HashSet::new();
    for c in &cases {
        assert!(
            names.insert(c.name.as_str()),
            "{} is listed twice in the manifest",
            c.name
        );
    }

    // Every generated case of a covered op must be in the manifest.
    let covered: HashSet<&str> = cases.iter().map(|c| c.op.as_str()).collect();
    let index = std::fs::read_to_string(dir.join("index.txt")).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; regenerate with scripts/gen-onnx-cases.sh",
            dir.join("index.txt").display()
        )
    });
    let mut unlisted = Vec::new();
    for line in index.lines() {
        if let Some((name, op)) = line.split_once(' ') {
            if covered.contains(op) && !names.contains(name) {
                unlisted.push(format!("{name} ({op})"));
            }
        }
    }

    // Panics are caught and reported per case; keep the default hook quiet.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcomes: Vec<Outcome> = cases.iter().map(|c| run_case(&dir, c)).collect();
    std::panic::set_hook(hook);

    #[derive(Default)]
    struct Row {
        run: usize,
        float_ok: usize,
        int_ok: usize,
        skipped: usize,
        failing: usize,
    }
    let mut per_op: BTreeMap<&str, Row> = BTreeMap::new();
    let mut report = String::new();
    let mut summary = String::new();
    for (c, o) in cases.iter().zip(&outcomes) {
        let row = per_op.entry(&c.op).or_default();
        if matches!(c.mode, Mode::Run { .. }) {
            row.run += 1;
        }
        row.float_ok += usize::from(o.float_ok);
        row.int_ok += usize::from(o.int_ok);
        row.skipped += usize::from(o.skipped);
        if !o.failures.is_empty() {
            row.failing += 1;
            for f in &o.failures {
                let _ = writeln!(report, "  {} [{}]: {f}", c.name, c.op);
            }
        }
    }
    if std::env::var("ZKML_CONFORMANCE_VERBOSE").as_deref() == Ok("1") {
        for (c, o) in cases.iter().zip(&outcomes) {
            if o.skipped {
                let _ = writeln!(summary, "skipped {}: {}", c.name, o.note);
            } else if o.int_ok {
                let st = o.int_stats;
                let _ = writeln!(
                    summary,
                    "int {}: error used {:.0}% of the bound; bound {:.2}% of max|output|",
                    c.name,
                    st.used * 100.0,
                    st.rel_bound * 100.0
                );
            }
        }
    }
    // How tight the integer tolerance is: the case closest to its bound, and
    // the largest bound relative to its outputs.
    let ran = || cases.iter().zip(&outcomes).filter(|(_, o)| o.int_ok);
    let by = |f: fn(&IntStats) -> f64| {
        ran()
            .map(|(c, o)| (f(&o.int_stats), c.name.as_str()))
            .fold((0.0, ""), |a, b| if b.0 > a.0 { b } else { a })
    };
    let (used, used_case) = by(|s| s.used);
    let (rel, rel_case) = by(|s| s.rel_bound);
    let _ = writeln!(
        summary,
        "integer tolerance: closest case used {:.0}% of its bound ({used_case}); largest bound is {:.1}% of max|output| ({rel_case})",
        used * 100.0,
        rel * 100.0
    );
    let total = |f: fn(&Row) -> usize| per_op.values().map(f).sum::<usize>();
    let _ = writeln!(
        summary,
        "{:<20} {:>4} {:>9} {:>7} {:>8} {:>8}",
        "op", "run", "float ok", "int ok", "skipped", "failing"
    );
    for (op, r) in &per_op {
        let _ = writeln!(
            summary,
            "{op:<20} {:>4} {:>9} {:>7} {:>8} {:>8}",
            r.run, r.float_ok, r.int_ok, r.skipped, r.failing
        );
    }
    let failing = total(|r| r.failing);
    let _ = writeln!(
        summary,
        "conformance: {} run ({} float ok), {} run ({} int ok), {} skipped, {} failing",
        total(|r| r.run),
        total(|r| r.float_ok),
        total(|r| r.run),
        total(|r| r.int_ok),
        total(|r| r.skipped),
        failing
    );
    let consts_cases = cases
        .iter()
        .filter(|c| matches!(c.mode, Mode::Run { consts: true, .. }))
        .count();
    let _ = writeln!(
        summary,
        "of the {consts_cases} `consts` cases, {} also pass as shipped (operands as run-time inputs); \
         the rest are refused cleanly",
        outcomes.iter().filter(|o| o.shipped_ok).count()
    );
    say(summary);
    assert!(
        unlisted.is_empty(),
        "cases of covered ops missing from onnx-node-cases.txt (add a run or skip line): {}",
        unlisted.join(", ")
    );
    assert!(
        failing == 0,
        "{failing} ONNX conformance case(s) failed:\n{report}"
    );
}

/// Writes to stderr past the test harness's output capture (which only
/// intercepts `print!`/`eprint!`), so the counts show on success too.
fn say(text: impl AsRef<str>) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_ref().as_bytes());
    if !text.as_ref().ends_with('\n') {
        let _ = err.write_all(b"\n");
    }
}
