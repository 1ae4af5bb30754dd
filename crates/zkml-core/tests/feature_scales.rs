//! Per-feature input scales (`zkml_core::quant::feature`): a tabular model
//! whose four features span 1e-3 … 1e3 runs within the real-model tolerance
//! (max abs error ≤ max(0.02, 2% of the largest |output|)) with them and
//! misses it without; the input integers read back per feature; an input
//! that anything but a product by a constant matrix reads keeps one scale.

use zkml_core::float::eval_float;
use zkml_core::{calibrate, execute, quantize, FTensor, Graph, Op, QuantConfig};

#[path = "common/feature_model.rs"]
mod feature_model;
use feature_model::model;

/// The samples every test here uses.
fn samples() -> Vec<Vec<FTensor>> {
    feature_model::samples(6)
}

fn cfg(per_feature_inputs: bool) -> QuantConfig {
    QuantConfig {
        per_feature_inputs,
        ..QuantConfig::default()
    }
}

/// The largest `|integer run − float run|` over the samples, and the
/// tolerance max(0.02, 2% of the largest |output|).
fn error(g: &Graph, per_feature: bool) -> (f64, f64) {
    let samples = samples();
    let cal = calibrate(g, &samples).unwrap();
    let q = quantize(g, &cal, &cfg(per_feature)).unwrap();
    let (mut err, mut top) = (0f64, 0f64);
    for s in &samples {
        let want = eval_float(g, s).unwrap()[g.outputs[0]].clone();
        let got = &execute(&q, s).unwrap().dequantized_outputs(&q)[0];
        for (a, b) in got.iter().zip(want.iter()) {
            err = err.max((a - f64::from(*b)).abs());
            top = top.max(f64::from(b.abs()));
        }
    }
    (err, (0.02 * top).max(0.02))
}

#[test]
fn features_spanning_six_decades_run_within_tolerance_only_with_their_own_scales() {
    let g = model(Op::MatMul);
    let (with, tol) = error(&g, true);
    let (without, _) = error(&g, false);
    eprintln!("max abs error: {with:.5} per feature, {without:.5} with one input scale (tolerance {tol:.4})");
    assert!(
        with <= tol,
        "per-feature scales: error {with} > tolerance {tol}"
    );
    assert!(
        without > tol,
        "one input scale: error {without} within tolerance {tol} (the test lost its point)"
    );
}

#[test]
fn input_integers_carry_a_scale_per_feature_and_read_back() {
    let g = model(Op::MatMul);
    let samples = samples();
    let cal = calibrate(&g, &samples).unwrap();
    let q = quantize(&g, &cal, &cfg(true)).unwrap();
    let x = &q.values[q.inputs[0]];
    let a = x.axis_scales.as_ref().expect("per-feature scales");
    assert_eq!(a.axis, 1);
    // Finer scales for smaller features; the coarsest is the one-scale choice.
    assert!(a.scales.windows(2).all(|w| w[0] > w[1]), "{:?}", a.scales);
    let one = quantize(&g, &cal, &cfg(false)).unwrap();
    assert_eq!(x.scale, one.values[one.inputs[0]].scale);
    assert_eq!(x.scale, *a.scales.iter().min().unwrap());
    // Public integers: q_f = round(x_f · 2^s_f), within the activation range,
    // and q_f / 2^s_f is x_f to half a quantum.
    let t = execute(&q, &samples[1]).unwrap();
    let ints = &t.values[q.inputs[0]];
    assert!(ints.iter().all(|v| q.range().contains(v)));
    let back = x.dequantize_flat(ints.iter().copied());
    for (f, (b, v)) in back.iter().zip(samples[1][0].iter()).enumerate() {
        let half = 0.5 / 2f64.powi(a.scales[f]);
        assert!((b - f64::from(*v)).abs() <= half, "feature {f}: {b} vs {v}");
    }
    // The weight rows are stored at P − s_f: one integer sum at scale P.
    let w = q.nodes[0].inputs[1];
    let wa = q.values[w].axis_scales.as_ref().expect("row scales");
    assert_eq!(wa.axis, 0);
    let p: Vec<i32> = a
        .scales
        .iter()
        .zip(&wa.scales)
        .map(|(s, t)| s + t)
        .collect();
    assert!(p.windows(2).all(|w| w[0] == w[1]), "{p:?}");
}

#[test]
fn an_input_read_by_other_ops_keeps_one_scale() {
    let g = model(Op::Relu);
    let cal = calibrate(&g, &samples()).unwrap();
    let q = quantize(&g, &cal, &cfg(true)).unwrap();
    assert!(q.values.iter().all(|v| v.axis_scales.is_none()));
}
