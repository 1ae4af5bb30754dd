//! An additive attention mask before a Softmax (`Softmax(x + M)`, M holding
//! −10000 / `finfo.min` / −∞ where masked) keeps the scores' precision and
//! its masked entries get exactly 0 probability in the integer executor.

mod common;

use common::*;
use zkml_core::{calibrate, execute, quantize, run_float, Op, QuantConfig, ValueKind};
use zkml_onnx::load_model_bytes;

/// `Softmax(x + M)` on `[2, 4, 4]` scores with a causal mask of value `neg`
/// and a finite relative-position bias on the kept entries.
fn masked_model(neg: f32) -> (Vec<u8>, Vec<f32>) {
    let mut m = vec![0f32; 16];
    for i in 0..4 {
        for j in 0..4 {
            m[i * 4 + j] = if j > i { neg } else { -0.1 * (i - j) as f32 };
        }
    }
    let bytes = model(
        13,
        vec![
            node("Add", &["x", "M"], &["s"], vec![]),
            node("Softmax", &["s"], &["y"], vec![attr_i("axis", -1)]),
        ],
        vec![tensor("M", &[4, 4], &m)],
        vec![value_info("x", &[2, 4, 4])],
        &["y"],
    );
    (bytes, m)
}

#[test]
fn masked_entries_are_exactly_zero_and_scores_keep_their_precision() {
    for neg in [-10000.0, f32::MIN, f32::NEG_INFINITY] {
        let (bytes, m) = masked_model(neg);
        let g = load_model_bytes(&bytes).unwrap();
        // No constant below the mask threshold reaches the graph.
        for v in &g.values {
            if let ValueKind::Const(t) = &v.kind {
                assert!(
                    t.iter().all(|&c| c > -1000.0),
                    "{neg}: constant `{}`",
                    v.name
                );
            }
        }
        assert!(g.nodes.iter().any(|n| matches!(n.op, Op::Softmax { .. })));
        let x: Vec<f32> = rand_vec(32, 5).iter().map(|v| 3.0 * v).collect();
        // Reference: softmax over the kept entries (with their bias).
        let mut want = vec![0f64; 32];
        for r in 0..8 {
            let i = r % 4;
            let row: Vec<f64> = (0..4)
                .map(|j| f64::from(x[r * 4 + j]) + f64::from(m[i * 4 + j]))
                .collect();
            let mx = (0..=i).map(|j| row[j]).fold(f64::MIN, f64::max);
            let s: f64 = (0..=i).map(|j| (row[j] - mx).exp()).sum();
            for j in 0..=i {
                want[r * 4 + j] = (row[j] - mx).exp() / s;
            }
        }
        let fl = run_float(&g, std::slice::from_ref(&x)).unwrap();
        for (a, b) in fl[0].iter().zip(&want) {
            assert!((f64::from(*a) - b).abs() < 1e-6, "{neg}: float {a} vs {b}");
        }
        let xt = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2, 4, 4]), x.clone()).unwrap();
        let cal = calibrate(&g, &[vec![xt.clone()]]).unwrap();
        let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
        let t = execute(&q, &[xt]).unwrap();
        let ints = &t.values[q.outputs[0]];
        let deq = &t.dequantized_outputs(&q)[0];
        for (k, (&qi, &d)) in ints.iter().zip(deq).enumerate() {
            let (i, j) = ((k / 4) % 4, k % 4);
            if j > i {
                assert_eq!(qi, 0, "{neg}: masked entry {k} is {qi}");
            } else {
                assert!(
                    (d - want[k]).abs() < 0.01,
                    "{neg}: entry {k}: {d} vs {}",
                    want[k]
                );
            }
        }
    }
}

/// `Softmax(Where(C, x, F))` (or `Where(!C, F, x)` when `flip`) on
/// `[2, 4, 4]` scores with a causal condition `C` (a constant cast to bool,
/// as Hugging Face exports it) and the fill `neg`.
fn where_model(neg: f32, flip: bool) -> Vec<u8> {
    let c: Vec<f32> = (0..16)
        .map(|k| f32::from(u8::from((k % 4 <= k / 4) != flip)))
        .collect();
    let args: &[&str] = if flip {
        &["C", "F", "x"]
    } else {
        &["C", "x", "F"]
    };
    model(
        13,
        vec![
            node("Cast", &["Cf"], &["C"], vec![attr_i("to", 9)]),
            node("Where", args, &["s"], vec![]),
            node("Softmax", &["s"], &["y"], vec![attr_i("axis", -1)]),
        ],
        vec![tensor("Cf", &[4, 4], &c), tensor("F", &[], &[neg])],
        vec![value_info("x", &[2, 4, 4])],
        &["y"],
    )
}

/// Runs `bytes` on `x` ([2, 4, 4]); checks the float output against the
/// softmax over the kept (causal) entries within `float_tol` and the integer
/// output within 0.01 of it, every masked entry exactly 0.
fn check_causal(bytes: &[u8], x: &[f32], float_tol: f64, what: &str) {
    let g = load_model_bytes(bytes).unwrap();
    for v in &g.values {
        if let ValueKind::Const(t) = &v.kind {
            assert!(
                t.iter().all(|&c| c > -1000.0),
                "{what}: constant `{}`",
                v.name
            );
        }
    }
    let mut want = vec![0f64; 32];
    for r in 0..8 {
        let i = r % 4;
        let mx = (0..=i)
            .map(|j| f64::from(x[r * 4 + j]))
            .fold(f64::MIN, f64::max);
        let s: f64 = (0..=i).map(|j| (f64::from(x[r * 4 + j]) - mx).exp()).sum();
        for j in 0..=i {
            want[r * 4 + j] = (f64::from(x[r * 4 + j]) - mx).exp() / s;
        }
    }
    let fl = run_float(&g, &[x.to_vec()]).unwrap();
    for (a, b) in fl[0].iter().zip(&want) {
        assert!(
            (f64::from(*a) - b).abs() < float_tol,
            "{what}: float {a} vs {b}"
        );
    }
    let xt = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2, 4, 4]), x.to_vec()).unwrap();
    let cal = calibrate(&g, &[vec![xt.clone()]]).unwrap();
    let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
    let t = execute(&q, &[xt]).unwrap();
    let ints = &t.values[q.outputs[0]];
    let deq = &t.dequantized_outputs(&q)[0];
    for (k, (&qi, &d)) in ints.iter().zip(deq).enumerate() {
        let (i, j) = ((k / 4) % 4, k % 4);
        if j > i {
            assert_eq!(qi, 0, "{what}: masked entry {k} is {qi}");
        } else {
            assert!(
                (d - want[k]).abs() < 0.01,
                "{what}: entry {k}: {d} vs {}",
                want[k]
            );
        }
    }
}

#[test]
fn where_masks_are_lowered_like_additive_ones() {
    let x: Vec<f32> = rand_vec(32, 7).iter().map(|v| 3.0 * v).collect();
    for neg in [-10000.0, f32::MIN, f32::NEG_INFINITY] {
        for flip in [false, true] {
            check_causal(
                &where_model(neg, flip),
                &x,
                1e-6,
                &format!("{neg} flip {flip}"),
            );
        }
    }
}

/// Kept logits far below the masked logit (−48) would let masked entries
/// dominate a row; the clamp at −24 keeps them at exactly 0 (the kept
/// entries of such a row become uniform: the documented deviation).
#[test]
fn masked_entries_stay_zero_when_every_kept_logit_is_very_negative() {
    // Row-wise: the first row of each batch is all at −60 (below the masked
    // logit), the others ordinary.
    let mut x: Vec<f32> = rand_vec(32, 9).iter().map(|v| 2.0 * v).collect();
    for b in 0..2 {
        for j in 0..4 {
            x[b * 16 + j] = -60.0;
        }
    }
    check_causal(&where_model(f32::MIN, false), &x, 1e-6, "very negative");
    let (bytes, _) = masked_model(-10000.0);
    let g = load_model_bytes(&bytes).unwrap();
    let xt = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2, 4, 4]), x.clone()).unwrap();
    let cal = calibrate(&g, &[vec![xt.clone()]]).unwrap();
    let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
    let t = execute(&q, &[xt]).unwrap();
    let ints = &t.values[q.outputs[0]];
    for (k, &qi) in ints.iter().enumerate() {
        if k % 4 > (k / 4) % 4 {
            assert_eq!(qi, 0, "additive: masked entry {k} is {qi}");
        }
    }
}

/// Where the rewrite stops being ONNX's Softmax (module doc of
/// `zkml_onnx::ops::activation::masked`): kept logits are clamped at
/// `KEEP_FLOOR` (−24), so in a row whose kept logits all lie below it they
/// become equal, and the row's probabilities uniform, while ONNX's
/// `Softmax(x + M)` is shift-invariant and keeps their differences. Scores
/// near −10 match; scores near −60 with the same spread do not, by far more
/// than a quantization step.
///
/// This pins the known gap (see the review notes): when the rewrite becomes
/// exact for any kept maximum (e.g. by subtracting the row's kept maximum
/// before the clamp), the second assertion fails and should assert a match.
#[test]
fn the_mask_rewrite_is_exact_only_while_a_kept_logit_is_above_the_floor() {
    let (bytes, m) = masked_model(-10000.0);
    let g = load_model_bytes(&bytes).unwrap();
    let onnx = |x: &[f32]| -> Vec<f64> {
        let mut want = vec![0f64; 32];
        for r in 0..8 {
            let row: Vec<f64> = (0..4)
                .map(|j| f64::from(x[r * 4 + j]) + f64::from(m[(r % 4) * 4 + j]))
                .collect();
            let mx = row.iter().copied().fold(f64::MIN, f64::max);
            let s: f64 = row.iter().map(|v| (v - mx).exp()).sum();
            for j in 0..4 {
                want[r * 4 + j] = (row[j] - mx).exp() / s;
            }
        }
        want
    };
    let worst = |shift: f32| -> f64 {
        let x: Vec<f32> = rand_vec(32, 9).iter().map(|v| shift + 4.0 * v).collect();
        let fl = run_float(&g, std::slice::from_ref(&x)).unwrap();
        fl[0]
            .iter()
            .zip(onnx(&x))
            .map(|(&a, b)| (f64::from(a) - b).abs())
            .fold(0.0, f64::max)
    };
    assert!(worst(-10.0) < 1e-6, "scores near −10: {}", worst(-10.0));
    assert!(
        worst(-60.0) > 0.1,
        "scores near −60 now match ONNX ({}): the rewrite became exact, assert it",
        worst(-60.0)
    );
}
