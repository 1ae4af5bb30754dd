//! Attention masks before a Softmax (`Softmax(x + M)`, M holding −10000 /
//! `finfo.min` / −∞ where masked, and `Softmax(Where(C, x, F))`) keep the
//! scores' precision, equal ONNX's Softmax at any offset of the scores, and
//! their masked entries get exactly 0 probability in the integer executor
//! (the rewrite: `zkml_onnx::ops::activation::masked`).

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

/// Softmax over a row where `None` is a masked entry (probability 0), `Some`
/// a live logit; a row with no live entry is uniform.
fn softmax_rows(rows: usize, cols: usize, v: impl Fn(usize, usize) -> Option<f64>) -> Vec<f64> {
    let mut out = vec![0f64; rows * cols];
    for r in 0..rows {
        let row: Vec<Option<f64>> = (0..cols).map(|j| v(r, j)).collect();
        let mx = row
            .iter()
            .flatten()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        if mx == f64::NEG_INFINITY {
            out[r * cols..(r + 1) * cols].fill(1.0 / cols as f64);
            continue;
        }
        let s: f64 = row.iter().flatten().map(|x| (x - mx).exp()).sum();
        for (j, x) in row.iter().enumerate() {
            out[r * cols + j] = x.map_or(0.0, |x| (x - mx).exp() / s);
        }
    }
    out
}

/// `bytes` on `x` ([2, 4, 4]): the float executor within `1e-5` of `want`
/// (float32 rounding of scores near −500),
/// the integer one within 0.01, and exactly 0 wherever `want` is 0 by a mask
/// (`masked(row, col)`).
fn check_rows(
    bytes: &[u8],
    x: &[f32],
    want: &[f64],
    masked: impl Fn(usize, usize) -> bool,
    what: &str,
) {
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
    let fl = run_float(&g, &[x.to_vec()]).unwrap();
    for (k, (a, b)) in fl[0].iter().zip(want).enumerate() {
        assert!(
            (f64::from(*a) - b).abs() < 1e-5,
            "{what}: float entry {k}: {a} vs {b}"
        );
    }
    let xt = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2, 4, 4]), x.to_vec()).unwrap();
    let cal = calibrate(&g, &[vec![xt.clone()]]).unwrap();
    let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
    let t = execute(&q, &[xt]).unwrap();
    let ints = &t.values[q.outputs[0]];
    let deq = &t.dequantized_outputs(&q)[0];
    for (k, (&qi, &d)) in ints.iter().zip(deq).enumerate() {
        if masked((k / 4) % 4, k % 4) {
            assert_eq!(qi, 0, "{what}: masked entry {k} is {qi}");
        }
        assert!(
            (d - want[k]).abs() < 0.01,
            "{what}: int entry {k}: {d} vs {}",
            want[k]
        );
    }
}

/// Kept logits far below the others (and below the masked logit, −24): the
/// row's largest kept logit is subtracted first, so their differences are
/// kept, as ONNX's shift-invariant Softmax keeps them, and masked entries
/// stay exactly 0.
#[test]
fn rows_of_very_negative_kept_logits_match_onnx() {
    // The first row of each batch near −60, the second near −500.
    let mut x: Vec<f32> = rand_vec(32, 9).iter().map(|v| 2.0 * v).collect();
    for b in 0..2 {
        for j in 0..4 {
            x[b * 16 + j] -= 60.0;
            x[b * 16 + 4 + j] -= 500.0;
        }
    }
    check_causal(&where_model(f32::MIN, false), &x, 1e-6, "very negative");
    for neg in [-10000.0, f32::MIN, f32::NEG_INFINITY] {
        let (bytes, m) = masked_model(neg);
        let want = softmax_rows(8, 4, |r, j| {
            (j <= r % 4).then(|| f64::from(x[r * 4 + j]) + f64::from(m[(r % 4) * 4 + j]))
        });
        check_rows(&bytes, &x, &want, |i, j| j > i, &format!("additive {neg}"));
    }
}

/// The rewrite equals ONNX's `Softmax(x + M)` in float whatever the scores'
/// offset (it was exact only while a kept logit stayed above −24 before the
/// row's kept maximum was subtracted first).
#[test]
fn the_mask_rewrite_matches_onnx_at_any_offset() {
    let (bytes, m) = masked_model(-10000.0);
    let g = load_model_bytes(&bytes).unwrap();
    for shift in [-10.0f32, -60.0, -500.0, 40.0] {
        let x: Vec<f32> = rand_vec(32, 9).iter().map(|v| shift + 4.0 * v).collect();
        // ONNX: the plain softmax of x + M (e^−10000 is 0 in float).
        let want = softmax_rows(8, 4, |r, j| {
            Some(f64::from(x[r * 4 + j]) + f64::from(m[(r % 4) * 4 + j]))
        });
        let fl = run_float(&g, std::slice::from_ref(&x)).unwrap();
        let worst = fl[0]
            .iter()
            .zip(&want)
            .map(|(&a, b)| (f64::from(a) - b).abs())
            .fold(0.0, f64::max);
        // float32 rounds scores near −500 to 3·10⁻⁵.
        assert!(worst < 1e-5, "scores near {shift}: {worst}");
    }
}

/// Rows with no kept entry. Masked entirely by a finite additive constant
/// (−10000, with −10002 and −10030 beside it), ONNX's row is the softmax of
/// `x + M` (the constants' differences kept, −30 vanishing); by `finfo.min`
/// it is uniform (float32 loses `x` in `x + finfo.min`), and so is the
/// rewrite's row for −∞ (ONNX's is NaN there).
#[test]
fn fully_masked_rows_follow_onnx() {
    let x: Vec<f32> = rand_vec(32, 11).iter().map(|v| 3.0 * v).collect();
    for neg in [-10000.0f32, f32::MIN, f32::NEG_INFINITY] {
        // Row 0 fully masked, rows 1–3 causal.
        let mut m = vec![0f32; 16];
        for i in 0..4 {
            for j in 0..4 {
                m[i * 4 + j] = match (i, j) {
                    (0, 1) if neg.is_finite() && neg > -1e6 => neg - 2.0,
                    (0, 2) if neg.is_finite() && neg > -1e6 => neg - 30.0,
                    (0, _) => neg,
                    _ if j > i => neg,
                    _ => 0.0,
                };
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
        let finite = neg > -1e6;
        let want = softmax_rows(8, 4, |r, j| {
            let (i, v) = (
                r % 4,
                f64::from(x[r * 4 + j]) + f64::from(m[(r % 4) * 4 + j]),
            );
            match i {
                0 if finite => Some(v),
                0 => None,
                _ => (j <= i).then_some(v),
            }
        });
        let masked = |i: usize, j: usize| if i == 0 { finite && j == 2 } else { j > i };
        check_rows(&bytes, &x, &want, masked, &format!("fully masked by {neg}"));
    }
}

/// `Where(C, x, F)` whose fill is a mask above the diagonal and a finite
/// constant (0.5) on it, the run-time scores below it: the constant entries
/// are live (shifted with the row, so row 0, which holds only the constant,
/// is [1, 0, 0, 0]) and the masked ones exactly 0.
#[test]
fn a_where_fill_with_finite_constants_is_live() {
    let c: Vec<f32> = (0..16)
        .map(|k| f32::from(u8::from(k % 4 < k / 4)))
        .collect();
    let f: Vec<f32> = (0..16)
        .map(|k| if k % 4 == k / 4 { 0.5 } else { f32::MIN })
        .collect();
    let bytes = model(
        13,
        vec![
            node("Cast", &["Cf"], &["C"], vec![attr_i("to", 9)]),
            node("Where", &["C", "x", "F"], &["s"], vec![]),
            node("Softmax", &["s"], &["y"], vec![attr_i("axis", -1)]),
        ],
        vec![tensor("Cf", &[4, 4], &c), tensor("F", &[4, 4], &f)],
        vec![value_info("x", &[2, 4, 4])],
        &["y"],
    );
    let x: Vec<f32> = rand_vec(32, 13).iter().map(|v| 3.0 * v - 20.0).collect();
    let want = softmax_rows(8, 4, |r, j| {
        let i = r % 4;
        match j.cmp(&i) {
            std::cmp::Ordering::Less => Some(f64::from(x[r * 4 + j])),
            std::cmp::Ordering::Equal => Some(0.5),
            std::cmp::Ordering::Greater => None,
        }
    });
    check_rows(&bytes, &x, &want, |i, j| j > i, "where with constants");
}

/// A run-time padding mask, `Softmax(x + (1 − k)·NEG)` (or its `Where`
/// form) with `k` an input of
/// 0s and 1s ([2, 1, 4]: batch 0 keeps columns 0, 1, 3, batch 1 none): the
/// float rewrite equals ONNX's masked softmax at any offset of the scores
/// (a fully masked row uniform), the integer one within 0.01 with every
/// masked entry exactly 0.
#[test]
fn a_run_time_padding_mask_is_exact_and_zero() {
    // `Mul` by NEG, and transformers' `masked_fill(inverted.bool(), NEG)`.
    for (neg, fill) in [(f32::MIN, false), (-10000.0, false), (f32::MIN, true)] {
        let mask = if fill {
            vec![
                node("Cast", &["inv"], &["c"], vec![attr_i("to", 9)]),
                node("Where", &["c", "neg", "inv"], &["m"], vec![]),
            ]
        } else {
            vec![node("Mul", &["inv", "neg"], &["m"], vec![])]
        };
        let neg = if fill { f32::MIN } else { neg };
        let mut nodes = vec![node("Sub", &["one", "k"], &["inv"], vec![])];
        nodes.extend(mask);
        nodes.push(node("Add", &["x", "m"], &["s"], vec![]));
        nodes.push(node("Softmax", &["s"], &["y"], vec![attr_i("axis", -1)]));
        let bytes = model(
            13,
            nodes,
            vec![tensor("one", &[], &[1.0]), tensor("neg", &[], &[neg])],
            vec![value_info("x", &[2, 4, 4]), value_info("k", &[2, 1, 4])],
            &["y"],
        );
        let g = load_model_bytes(&bytes).unwrap();
        assert!(
            g.nodes.iter().any(|n| matches!(n.op, Op::ReduceMin { .. })),
            "{neg}: not lowered"
        );
        let kv: Vec<f32> = vec![1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        for shift in [0.0f32, -60.0] {
            let x: Vec<f32> = rand_vec(32, 17).iter().map(|v| shift + 3.0 * v).collect();
            let want = softmax_rows(8, 4, |r, j| {
                (kv[(r / 4) * 4 + j] == 1.0).then(|| f64::from(x[r * 4 + j]))
            });
            let fl = run_float(&g, &[x.clone(), kv.clone()]).unwrap();
            for (i, (a, b)) in fl[0].iter().zip(&want).enumerate() {
                assert!(
                    (f64::from(*a) - b).abs() < 1e-5,
                    "{neg} {shift}: float {i}: {a} vs {b}"
                );
            }
            let arr = |v: &[f32], s: &[usize]| {
                ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(s), v.to_vec()).unwrap()
            };
            let xs = vec![arr(&x, &[2, 4, 4]), arr(&kv, &[2, 1, 4])];
            let cal = calibrate(&g, std::slice::from_ref(&xs)).unwrap();
            let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
            let t = execute(&q, &xs).unwrap();
            let ints = &t.values[q.outputs[0]];
            let deq = &t.dequantized_outputs(&q)[0];
            for (i, (&qi, &d)) in ints.iter().zip(deq).enumerate() {
                if i < 16 && kv[i % 4] == 0.0 {
                    assert_eq!(qi, 0, "{neg} {shift}: masked entry {i} is {qi}");
                }
                assert!(
                    (d - want[i]).abs() < 0.01,
                    "{neg} {shift}: int {i}: {d} vs {}",
                    want[i]
                );
            }
        }
    }
}
