//! Automatic precision ([`zkml_core::precision`]): a model that meets the
//! tolerance at the defaults is quantized exactly as without it; one that
//! misses is raised up the ladder until it meets it; one that misses even at
//! the top gets an error that says what each rung measured and what to try.

use ndarray::{ArrayD, IxDyn};
use zkml_core::precision::{
    choose, next_step_flags, Outcome, PrecisionError, Rung, Tolerance, LADDER,
};
use zkml_core::{calibrate, execute, quantize, run_float, FTensor, Graph, Op, QuantConfig};

/// `y = x · c` for an input `x[1, n]`, and `z = x + 1` (a second output that
/// is exact at any setting).
fn scaled(n: usize, c: f32) -> Graph {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, n]);
    let k = g.add_const("c", ArrayD::from_elem(IxDyn(&[1]), c));
    let one = g.add_const("one", ArrayD::from_elem(IxDyn(&[1]), 1.0));
    let y = g.add_node("scale", Op::Mul, vec![x, k], "y").unwrap();
    let z = g.add_node("shift", Op::Add, vec![x, one], "z").unwrap();
    g.add_output(y);
    g.add_output(z);
    g
}

/// `n` values spread over `[0, top]`, none on a grid of powers of two.
fn ramp(n: usize, top: f32) -> FTensor {
    let v = (0..n)
        .map(|i| top * (0.137 + 0.863 * i as f32 / (n - 1) as f32))
        .collect();
    ArrayD::from_shape_vec(IxDyn(&[1, n]), v).unwrap()
}

/// The largest `|int − float|` over both outputs, at the chosen setting.
fn max_error(g: &Graph, q: &zkml_core::QGraph, x: &FTensor) -> Vec<(f64, f64)> {
    let int_out = execute(q, std::slice::from_ref(x))
        .unwrap()
        .dequantized_outputs(q);
    let xs: Vec<Vec<f32>> = vec![x.iter().copied().collect()];
    let float_out = run_float(g, &xs).unwrap();
    int_out
        .iter()
        .zip(&float_out)
        .map(|(a, b)| {
            let err = a
                .iter()
                .zip(b.iter())
                .fold(0f64, |m, (&a, &b)| m.max((a - f64::from(b)).abs()));
            let top = b.iter().fold(0f64, |m, &b| m.max(f64::from(b).abs()));
            (err, top)
        })
        .collect()
}

#[test]
fn the_first_rung_is_the_defaults() {
    assert_eq!(LADDER[0], Rung::of(&QuantConfig::default()));
    // Each rung is at least as fine as the one before.
    for w in LADDER.windows(2) {
        assert!(w[1].weight_bits >= w[0].weight_bits, "{w:?}");
        assert!(w[1].act_bits >= w[0].act_bits, "{w:?}");
        assert!(w[1].max_scale >= w[0].max_scale, "{w:?}");
        assert_ne!(w[0], w[1]);
    }
}

/// Values in [0, 5] times 2: within 1% at the defaults, so the quantized model
/// is exactly `quantize` at the default config.
#[test]
fn a_model_within_tolerance_at_the_defaults_is_unchanged() {
    let g = scaled(16, 2.0);
    let x = ramp(16, 5.0);
    let cal = calibrate(&g, &[vec![x.clone()]]).unwrap();
    let cfg = QuantConfig::default();
    let c = choose(&g, &cal, &[vec![x]], &cfg, Tolerance::AUTO).unwrap();
    assert!(c.is_default(), "{}", c.summary());
    assert_eq!(c.config, cfg);
    assert_eq!(c.qgraph, quantize(&g, &cal, &cfg).unwrap());
    assert!(
        c.summary().starts_with("precision: defaults, "),
        "{}",
        c.summary()
    );
}

/// Values in [0, 0.01] times 1000: the input's 8 fraction bits at the
/// defaults lose up to 0.002 · 1000 = 2 of an output up to 10 (≈ 20%); the
/// ladder climbs until the activations have enough fraction bits, and the
/// model then meets the tolerance.
#[test]
fn a_model_that_misses_at_the_defaults_is_raised_until_it_meets_the_tolerance() {
    let g = scaled(16, 1000.0);
    let x = ramp(16, 0.01);
    let cal = calibrate(&g, &[vec![x.clone()]]).unwrap();
    let base = QuantConfig::default();

    let at_defaults = quantize(&g, &cal, &base).unwrap();
    let (err, top) = max_error(&g, &at_defaults, &x)[0];
    assert!(err > Tolerance::AUTO.allowed(top), "{err} of {top}");

    let c = choose(&g, &cal, &[vec![x.clone()]], &base, Tolerance::AUTO).unwrap();
    assert!(!c.is_default());
    // Every rung but the last missed, the last met.
    let (last, before) = c.tried.split_last().unwrap();
    for a in before {
        match &a.outcome {
            Outcome::Measured(m) => assert!(!m.meets(), "{a:?}"),
            Outcome::OutOfRange(e) => panic!("{e}"),
        }
    }
    let Outcome::Measured(m) = &last.outcome else {
        panic!("{last:?}")
    };
    assert!(m.meets(), "{m:?}");
    assert_eq!(c.config, last.rung.apply(&base));
    // It is the rung with 14 fraction bits: 12 still lose over 1%.
    assert_eq!(last.rung, LADDER[3], "{}", c.summary());
    // The chosen model is what `quantize` gives at that config, and it is
    // within the tolerance when checked independently.
    assert_eq!(c.qgraph, quantize(&g, &cal, &c.config).unwrap());
    for (err, top) in max_error(&g, &c.qgraph, &x) {
        assert!(err <= Tolerance::AUTO.allowed(top), "{err} of {top}");
    }
    let s = c.summary();
    assert!(
        s.starts_with("precision: defaults gave ")
            && s.contains("using --weight-bits 16 --act-bits 22 --max-scale 14: "),
        "{s}"
    );
}

/// Values in [0, 1e-5] times 1e6: even 16 fraction bits round the input to
/// 0 or 1 unit, so no rung meets the tolerance, and the error says so.
#[test]
fn a_model_that_misses_at_the_top_gets_an_error_naming_what_to_try() {
    let g = scaled(16, 1e6);
    let x = ramp(16, 1e-5);
    let cal = calibrate(&g, &[vec![x.clone()]]).unwrap();
    let e = choose(
        &g,
        &cal,
        &[vec![x]],
        &QuantConfig::default(),
        Tolerance::AUTO,
    )
    .unwrap_err();
    let PrecisionError::Exhausted { tried, best, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(tried.len(), LADDER.len());
    assert!(best.is_some());
    let msg = e.to_string();
    for want in [
        "automatic precision: no setting up to --weight-bits 16 --act-bits 24 --max-scale 16 \
         meets the tolerance (1% of the largest |output|, at least 0.01)",
        "--weight-bits 10 --act-bits 16 --max-scale 8: ",
        "% max error (output 0: ",
        "the most accurate was --weight-bits ",
        "Try --weight-bits 16 --act-bits 28 --max-scale 20 (finer activations)",
        "--calibration",
    ] {
        assert!(msg.contains(want), "missing `{want}` in: {msg}");
    }
    assert_eq!(
        next_step_flags(),
        "--weight-bits 16 --act-bits 28 --max-scale 20"
    );
}

/// A fixed-scale config (msgpack models) is quantized as it is.
#[test]
fn a_fixed_scale_is_kept() {
    let g = scaled(16, 1000.0);
    let x = ramp(16, 0.01);
    let cal = calibrate(&g, &[vec![x.clone()]]).unwrap();
    let cfg = QuantConfig {
        fixed_scale: Some(6),
        ..QuantConfig::default()
    };
    let c = choose(&g, &cal, &[vec![x]], &cfg, Tolerance::AUTO).unwrap();
    assert_eq!(c.config, cfg);
    assert_eq!(c.qgraph, quantize(&g, &cal, &cfg).unwrap());
}
