//! Automatic precision as a new user meets it: without width flags, `zkml
//! run`/`setup` raise the quantization widths of a model that misses the
//! tolerance at the defaults (and say so on one line), keep those of a model
//! that meets it, and turn it off for explicit flags or `--precision fixed`.

mod common;

use common::{read_json, repo, s, text, zkml};

const FINE: &str = "crates/zkml-cli/tests/fixtures/fine_input.onnx";
const FINE_IN: &str = "crates/zkml-cli/tests/fixtures/fine_input.json";
const MLP: &str = "crates/zkml-cli/tests/fixtures/tiny_mlp.onnx";
const MLP_IN: &str = "crates/zkml-cli/tests/fixtures/tiny_mlp_input.json";

fn path(p: &str) -> String {
    s(&repo().join(p))
}

fn run_json(args: &[&str]) -> (serde_json::Value, String) {
    let o = zkml(args);
    assert!(o.status.success(), "{}", text(&o));
    let v = serde_json::from_slice(&o.stdout).expect("one JSON object on stdout");
    (v, String::from_utf8_lossy(&o.stderr).into_owned())
}

/// y = 1000·x on x in [0, 0.01]: ~20% error at the defaults; auto raises the
/// widths, prints why, and the run meets 1%.
#[test]
fn a_model_that_misses_at_the_defaults_is_raised() {
    let (model, input) = (path(FINE), path(FINE_IN));
    let (v, err) = run_json(&["run", &model, &input, "--json"]);
    let line = err
        .lines()
        .find(|l| l.starts_with("precision: "))
        .unwrap_or_else(|| panic!("no precision line in: {err}"));
    assert!(
        line.starts_with("precision: defaults gave ")
            && line.contains("; using --weight-bits 16 --act-bits 22 --max-scale 14: ")
            && line.contains("`--precision fixed` keeps the defaults"),
        "{line}"
    );
    assert_eq!(v["act_bits"], 22);
    let rel = v["relative_error"].as_f64().unwrap();
    assert!(rel <= 0.01, "{v}");

    // --precision fixed: the defaults, and their error.
    let (fixed, err) = run_json(&["run", &model, &input, "--json", "--precision", "fixed"]);
    assert!(!err.contains("precision: "), "{err}");
    assert_eq!(fixed["act_bits"], 16);
    assert!(fixed["relative_error"].as_f64().unwrap() > 0.05, "{fixed}");

    // An explicit width is fixed precision too.
    let (w, err) = run_json(&["run", &model, &input, "--json", "--act-bits", "18"]);
    assert!(!err.contains("precision: "), "{err}");
    assert_eq!(w["act_bits"], 18);
}

/// The tiny MLP meets the tolerance at the defaults: auto keeps them, says
/// nothing, and the integer outputs are exactly those of `--precision fixed`.
#[test]
fn a_model_within_tolerance_is_unchanged() {
    let (model, input) = (path(MLP), path(MLP_IN));
    let (auto, err) = run_json(&["run", &model, &input, "--json"]);
    assert!(!err.contains("precision: "), "{err}");
    let (fixed, _) = run_json(&["run", &model, &input, "--json", "--precision", "fixed"]);
    assert_eq!(auto["integer_output"], fixed["integer_output"]);
    assert_eq!(auto["output_scales"], fixed["output_scales"]);
    assert_eq!(auto["act_bits"], 16);
}

#[test]
fn auto_with_a_width_flag_is_refused() {
    let (model, input) = (path(FINE), path(FINE_IN));
    let o = zkml(&[
        "run",
        &model,
        &input,
        "--precision",
        "auto",
        "--weight-bits",
        "12",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("--precision auto chooses --weight-bits/--act-bits/--max-scale itself"),
        "{}",
        text(&o)
    );
}

/// `zkml setup` stores the chosen widths (settings.json's act_bits, the
/// compiled model), so prove and verify use them without flags.
#[test]
fn setup_stores_the_chosen_precision_and_the_proof_verifies() {
    let (model, input) = (path(FINE), path(FINE_IN));
    let tmp = tempfile::tempdir().unwrap();
    let keys = s(&tmp.path().join("keys"));
    let proof = s(&tmp.path().join("proof.json"));
    let o = zkml(&["setup", &model, "--calibration", &input, "-o", &keys]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("using --weight-bits 16 --act-bits 22 --max-scale 14"),
        "{}",
        text(&o)
    );
    assert_eq!(
        read_json(&tmp.path().join("keys/settings.json"))["act_bits"],
        22
    );
    let o = zkml(&["prove", &keys, &input, "-o", &proof]);
    assert!(o.status.success(), "{}", text(&o));
    let o = zkml(&["verify", &keys, &proof]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}
