//! Segmented proofs as a user runs them: `zkml setup --segment-cuts` splits
//! the bundled CNN into 3 segments; `zkml prove` of all of them verifies;
//! `zkml prove --segment I` in separate processes, gathered by `zkml
//! bundle`, verifies; a segment proof of another input breaks the chain
//! (exit 1); a missing segment is refused by `bundle`; a plan over
//! `--max-memory` is refused with the hint to segment; `zkml plan` and
//! `zkml setup` segment alike under a budget; `zkml time --segment-k K
//! --segment I` measures one segment alone.

use serde_json::Value;

mod common;
use common::{text, zkml};

const MODEL: &str = "examples/mnist_cnn/model.onnx";
const CAL: &str = "examples/mnist_cnn/calibration.json";
/// Before conv2 and before flatten: three segments.
const CUTS: &str = "3,6";

#[test]
fn segments_prove_verify_bundle_and_reject() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    let dir = p("seg.zkml");
    let o = zkml(&[
        "setup",
        MODEL,
        "--calibration",
        CAL,
        "--segment-cuts",
        CUTS,
        "-o",
        &dir,
    ]);
    assert!(o.status.success(), "setup: {}", text(&o));
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("seg.zkml/settings.json")).unwrap(),
    )
    .unwrap();
    let n = settings["segments"]["count"].as_u64().unwrap() as usize;
    assert!(n >= 3, "{} segments: {}", n, text(&o));
    assert!(text(&o).contains(&format!("{n} segments")), "{}", text(&o));

    // All segments in one process.
    let input0 = "examples/mnist_cnn/input_0.json";
    let input1 = "examples/mnist_cnn/input_1.json";
    let all = p("all.bundle");
    let o = zkml(&["prove", &dir, input0, "-o", &all, "--jobs", "2"]);
    assert!(o.status.success(), "prove: {}", text(&o));
    let o = zkml(&["verify", &dir, &all]);
    assert!(o.status.success(), "verify: {}", text(&o));
    let out = text(&o);
    assert!(out.contains("VALID") && out.contains("output 0:"), "{out}");

    // One segment per process, sharing the seed of `zkml commit`.
    let opening = p("prover.opening.json");
    let o = zkml(&["commit", &dir, "-o", &opening]);
    assert!(o.status.success(), "commit: {}", text(&o));
    let o = zkml(&["prove", &dir, input0, "--segment", "0", "-o", &p("x.bin")]);
    assert!(
        !o.status.success() && text(&o).contains("seed"),
        "{}",
        text(&o)
    );
    let seg = |input: &str, i: usize, tag: &str| -> String {
        let f = p(&format!("{tag}-{i}.bin"));
        let o = zkml(&[
            "prove",
            &dir,
            input,
            "--opening",
            &opening,
            "--segment",
            &i.to_string(),
            "-o",
            &f,
        ]);
        assert!(o.status.success(), "prove --segment {i}: {}", text(&o));
        f
    };
    let files: Vec<String> = (0..n).map(|i| seg(input0, i, "a")).collect();
    let bundled = p("a.bundle");
    // Any order on the command line.
    let mut args: Vec<&str> = vec!["bundle", &dir];
    args.extend(files.iter().rev().map(String::as_str));
    args.extend(["-o", &bundled]);
    let o = zkml(&args);
    assert!(o.status.success(), "bundle: {}", text(&o));
    let o = zkml(&["verify", &dir, &bundled]);
    assert!(o.status.success(), "verify bundle: {}", text(&o));

    // A missing segment: bundle refuses it by number.
    let missing = p("missing.bundle");
    let mut args: Vec<&str> = vec!["bundle", &dir];
    args.extend(files.iter().skip(1).map(String::as_str));
    args.extend(["-o", &missing]);
    let o = zkml(&args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("segment 0 of"), "{}", text(&o));

    // Segment 1 proven for another input: the chain breaks.
    let other = seg(input1, 1, "b");
    let mut mixed = files.clone();
    mixed[1] = other;
    let mixed_bundle = p("mixed.bundle");
    let mut args: Vec<&str> = vec!["bundle", &dir];
    args.extend(mixed.iter().map(String::as_str));
    args.extend(["-o", &mixed_bundle]);
    assert!(zkml(&args).status.success());
    let o = zkml(&["verify", &dir, &mixed_bundle]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("chain is broken"), "{}", text(&o));

    // A flipped byte in the bundle: rejected.
    let mut bytes = std::fs::read(&bundled).unwrap();
    let at = bytes.len() - 100;
    bytes[at] ^= 1;
    let flipped = p("flipped.bundle");
    std::fs::write(&flipped, bytes).unwrap();
    let o = zkml(&["verify", &dir, &flipped]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // Segments of 2^10 rows cannot hold a piece of conv1 (split by channels
    // with its Relu and pool): named. (At 2^12 the pieces fit: boundaries
    // cost no rows.)
    let o = zkml(&[
        "setup",
        MODEL,
        "--calibration",
        CAL,
        "--segment-k",
        "10",
        "-o",
        &p("small.zkml"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("`conv1"), "{}", text(&o));

    // A memory budget below the one-circuit estimate with a forced k: refused up front.
    let o = zkml(&[
        "setup",
        MODEL,
        "--calibration",
        CAL,
        "--k",
        "14",
        "--max-memory",
        "1M",
        "-o",
        &p("never.zkml"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--segment-k"), "{}", text(&o));
}

/// `zkml plan` and `zkml setup` make one decision under a memory budget
/// (`commands/layout.rs`): over it, both say why in the same words and
/// `setup` writes the segments `plan` printed.
#[test]
fn plan_and_setup_agree_under_a_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let budget = ["--calibration", CAL, "--max-memory", "150M"];
    let mut args = vec!["plan", MODEL];
    args.extend(budget);
    let o = zkml(&args);
    assert!(o.status.success(), "plan: {}", text(&o));
    let why = "the model is split into segments";
    let out = text(&o);
    assert!(out.contains(why), "{out}");
    let cuts = out
        .split("cuts before nodes [")
        .nth(1)
        .and_then(|r| r.split(']').next())
        .unwrap_or_else(|| panic!("no cuts printed: {out}"))
        .to_string();
    let dir = tmp.path().join("b.zkml");
    let mut args = vec!["setup", MODEL, "-o", dir.to_str().unwrap()];
    args.extend(budget);
    let o = zkml(&args);
    assert!(o.status.success(), "setup: {}", text(&o));
    assert!(text(&o).contains(why), "{}", text(&o));
    let settings: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("settings.json")).unwrap()).unwrap();
    let written: Vec<String> = settings["segments"]["cuts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(written.join(", "), cuts);
}

/// `zkml time --segment-k K --segment I` sets up, proves and verifies only
/// segment I of the plan `zkml setup --segment-k K` would make, with one JSON
/// line per segment (times, peak memory, the planner's estimates); an index
/// past the plan is refused naming the count.
#[test]
fn time_measures_one_segment() {
    let input = "examples/mnist_cnn/input_0.json";
    let o = zkml(&[
        "time",
        MODEL,
        input,
        "--segment-k",
        "12",
        "--segment",
        "1",
        "--json",
    ]);
    assert!(o.status.success(), "time: {}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let rows: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(rows.len(), 1, "{out}");
    let r = &rows[0];
    assert_eq!(r["segment"], 1);
    assert_eq!(r["k"], 12);
    for key in [
        "setup_s",
        "prove_s",
        "prove_cpu_s",
        "est_prove_s",
        "est_peak_gib",
    ] {
        assert!(r[key].as_f64().is_some_and(|v| v > 0.0), "{key}: {r}");
    }
    assert!(r["proof_bytes"].as_u64().is_some_and(|b| b > 0), "{r}");
    let o = zkml(&["time", MODEL, input, "--segment-k", "12", "--segment", "9"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("--segment 9: the plan has 2 segments"),
        "{}",
        text(&o)
    );
}
