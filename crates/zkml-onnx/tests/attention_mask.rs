//! Attention masks before a Softmax (`Softmax(x + M)`, M holding −10000 /
//! `finfo.min` / −∞ where masked, and `Softmax(Where(C, x, F))`) keep the
//! scores' precision, equal ONNX's Softmax at any offset of the scores, and
//! their masked entries get exactly 0 probability in the integer executor
//! (the rewrite: `zkml_onnx::ops::activation::masked`).

mod common;

use common::*;
use zkml_core::{calibrate, execute, quantize, run_float, Graph, Op, QuantConfig, ValueKind};
use zkml_onnx::load_model_bytes;
use zkml_onnx::proto::{NodeProto, TensorProto};

/// The scores' shape: batch 2, 4 queries, 4 keys.
const X: [usize; 3] = [2, 4, 4];

/// Mask values a test runs each form with: BERT's −10000, `finfo.min`, −∞.
const NEGS: [f32; 3] = [-10000.0, f32::MIN, f32::NEG_INFINITY];

/// `nodes` computing `s` from the inputs (`x` first), then `Softmax(s)` along
/// the last axis: a serialized model.
fn softmax_model(
    mut nodes: Vec<NodeProto>,
    consts: Vec<TensorProto>,
    inputs: &[(&str, &[i64])],
) -> Vec<u8> {
    nodes.push(node("Softmax", &["s"], &["y"], vec![attr_i("axis", -1)]));
    let inputs = inputs.iter().map(|(n, d)| value_info(n, d)).collect();
    model(13, nodes, consts, inputs, &["y"])
}

/// `Softmax(x + M)` on `[2, 4, 4]` scores with a constant `M` (`[4, 4]`).
fn additive_model(m: &[f32]) -> Vec<u8> {
    softmax_model(
        vec![node("Add", &["x", "M"], &["s"], vec![])],
        vec![tensor("M", &[4, 4], m)],
        &[("x", &[2, 4, 4])],
    )
}

/// A causal mask of value `neg` above the diagonal with a finite
/// relative-position bias (−0.1 per step) on and below it.
fn causal_bias(neg: f32) -> Vec<f32> {
    (0..16)
        .map(|k| {
            let (i, j) = (k / 4, k % 4);
            if j > i {
                neg
            } else {
                -0.1 * (i - j) as f32
            }
        })
        .collect()
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
    softmax_model(
        vec![
            node("Cast", &["Cf"], &["C"], vec![attr_i("to", 9)]),
            node("Where", args, &["s"], vec![]),
        ],
        vec![tensor("Cf", &[4, 4], &c), tensor("F", &[], &[neg])],
        &[("x", &[2, 4, 4])],
    )
}

/// Entry `k` of `[2, 4, 4]` scores is above the diagonal.
fn above_diagonal(k: usize) -> bool {
    k % 4 > (k / 4) % 4
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

/// The softmax of `[2, 4, 4]` scores `x` plus the `[4, 4]` constant `m` over
/// the entries on and below the diagonal.
fn causal_want(x: &[f32], m: Option<&[f32]>) -> Vec<f64> {
    softmax_rows(8, 4, |r, j| {
        let b = m.map_or(0.0, |m| f64::from(m[(r % 4) * 4 + j]));
        (j <= r % 4).then(|| f64::from(x[r * 4 + j]) + b)
    })
}

/// Loads `bytes` and runs it on `inputs` (flat data and shape, the scores
/// first): no constant at or below the mask threshold reaches the graph; the
/// float executor is within `float_tol` of `want`; the integer one (default
/// quantization, calibrated on the inputs) within 0.01, with every entry
/// `masked(k)` exactly 0. Returns the loaded graph.
fn check(
    what: &str,
    bytes: &[u8],
    inputs: &[(&[f32], &[usize])],
    want: &[f64],
    masked: impl Fn(usize) -> bool,
    float_tol: f64,
) -> Graph {
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
    assert!(g.nodes.iter().any(|n| matches!(n.op, Op::Softmax { .. })));
    let flat: Vec<Vec<f32>> = inputs.iter().map(|(v, _)| v.to_vec()).collect();
    let fl = run_float(&g, &flat).unwrap();
    for (k, (a, b)) in fl[0].iter().zip(want).enumerate() {
        assert!(
            (f64::from(*a) - b).abs() < float_tol,
            "{what}: float entry {k}: {a} vs {b}"
        );
    }
    let xs: Vec<_> = inputs
        .iter()
        .map(|(v, s)| ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(s), v.to_vec()).unwrap())
        .collect();
    let cal = calibrate(&g, std::slice::from_ref(&xs)).unwrap();
    let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
    let t = execute(&q, &xs).unwrap();
    let ints = &t.values[q.outputs[0]];
    let deq = &t.dequantized_outputs(&q)[0];
    for (k, (&qi, &d)) in ints.iter().zip(deq).enumerate() {
        if masked(k) {
            assert_eq!(qi, 0, "{what}: masked entry {k} is {qi}");
        }
        assert!(
            (d - want[k]).abs() < 0.01,
            "{what}: int entry {k}: {d} vs {}",
            want[k]
        );
    }
    g
}

/// Every constant causal form (additive with a bias, `Where`, flipped
/// `Where`) at every mask value: masked entries exactly 0, the kept ones the
/// softmax over them.
#[test]
fn constant_causal_masks_are_exact_and_zero() {
    let x: Vec<f32> = rand_vec(32, 5).iter().map(|v| 3.0 * v).collect();
    for neg in NEGS {
        let m = causal_bias(neg);
        let cases = [
            ("additive", additive_model(&m), causal_want(&x, Some(&m))),
            ("where", where_model(neg, false), causal_want(&x, None)),
            ("where flip", where_model(neg, true), causal_want(&x, None)),
        ];
        for (form, bytes, want) in cases {
            let what = format!("{form} {neg}");
            check(&what, &bytes, &[(&x, &X)], &want, above_diagonal, 1e-6);
        }
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
    let want = causal_want(&x, None);
    let bytes = where_model(f32::MIN, false);
    check("where", &bytes, &[(&x, &X)], &want, above_diagonal, 1e-5);
    for neg in NEGS {
        let m = causal_bias(neg);
        let want = causal_want(&x, Some(&m));
        let what = format!("additive {neg}");
        check(
            &what,
            &additive_model(&m),
            &[(&x, &X)],
            &want,
            above_diagonal,
            1e-5,
        );
    }
}

/// The rewrite equals ONNX's `Softmax(x + M)` in float whatever the scores'
/// offset (it was exact only while a kept logit stayed above −24 before the
/// row's kept maximum was subtracted first).
#[test]
fn the_mask_rewrite_matches_onnx_at_any_offset() {
    let m = causal_bias(-10000.0);
    let g = load_model_bytes(&additive_model(&m)).unwrap();
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
    for neg in NEGS {
        let finite = neg > -1e6;
        // Row 0 fully masked, rows 1–3 causal.
        let mut m = vec![0f32; 16];
        for (k, v) in m.iter_mut().enumerate() {
            *v = match (k / 4, k % 4) {
                (0, 1) if finite => neg - 2.0,
                (0, 2) if finite => neg - 30.0,
                (0, _) => neg,
                (i, j) if j > i => neg,
                _ => 0.0,
            };
        }
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
        let masked = |k: usize| match ((k / 4) % 4, k % 4) {
            (0, j) => finite && j == 2,
            (i, j) => j > i,
        };
        let what = format!("fully masked by {neg}");
        check(&what, &additive_model(&m), &[(&x, &X)], &want, masked, 1e-5);
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
    let bytes = softmax_model(
        vec![
            node("Cast", &["Cf"], &["C"], vec![attr_i("to", 9)]),
            node("Where", &["C", "x", "F"], &["s"], vec![]),
        ],
        vec![tensor("Cf", &[4, 4], &c), tensor("F", &[4, 4], &f)],
        &[("x", &[2, 4, 4])],
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
    check(
        "where with constants",
        &bytes,
        &[(&x, &X)],
        &want,
        above_diagonal,
        1e-5,
    );
}

/// Runs a model whose scores `x` ([2, 4, 4]) meet a run-time padding mask
/// `kv` ([2, 1, 4]) through [`check`] at score offsets 0 and −60 (scores
/// from `seed`): entry (row r, column j) is live when `kept(r, j)`; a masked
/// entry of a row with a live entry must be exactly 0 (a fully masked row is
/// uniform), and the mask must have been lowered (a `ReduceMin` in the graph).
fn check_padding(
    what: &str,
    bytes: &[u8],
    kv: &[f32],
    seed: u64,
    kept: impl Fn(usize, usize) -> bool,
) {
    let live_row = |r: usize| (0..4).any(|j| kept(r, j));
    for shift in [0.0f32, -60.0] {
        let x: Vec<f32> = rand_vec(32, seed).iter().map(|v| shift + 3.0 * v).collect();
        let want = softmax_rows(8, 4, |r, j| kept(r, j).then(|| f64::from(x[r * 4 + j])));
        let what = format!("{what} shift {shift}");
        let inputs: [(&[f32], &[usize]); 2] = [(&x, &X), (kv, &[2, 1, 4])];
        let masked = |i: usize| live_row(i / 4) && !kept(i / 4, i % 4);
        let g = check(&what, bytes, &inputs, &want, masked, 1e-5);
        assert!(
            g.nodes.iter().any(|n| matches!(n.op, Op::ReduceMin { .. })),
            "{what}: not lowered"
        );
    }
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
        let mut nodes = vec![node("Sub", &["one", "k"], &["inv"], vec![])];
        nodes.extend(mask);
        nodes.push(node("Add", &["x", "m"], &["s"], vec![]));
        let bytes = softmax_model(
            nodes,
            vec![tensor("one", &[], &[1.0]), tensor("neg", &[], &[neg])],
            &[("x", &[2, 4, 4]), ("k", &[2, 1, 4])],
        );
        let kv: Vec<f32> = vec![1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        let what = format!("{neg} fill {fill}");
        check_padding(&what, &bytes, &kv, 17, |r, j| kv[(r / 4) * 4 + j] == 1.0);
    }
}

/// A padding mask and a causal mask on the same scores, in every form
/// decoder exports combine them (`masked/runtime.rs`): one after the other
/// in either order, or folded into one additive mask; and a boolean mask
/// added as `Where(b, 0, −∞)` (scaled_dot_product_attention). `k` ([2, 1, 4])
/// keeps columns 0, 1, 3 of batch 0 and 0, 2, 3 of batch 1. An entry is
/// kept when both masks keep it: the float rewrite equals that softmax at
/// any offset, the integer one within 0.01 with every masked entry exactly 0.
#[test]
fn a_padding_mask_combined_with_a_causal_mask_is_exact_and_zero() {
    let kv: Vec<f32> = vec![1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
    let tril: Vec<f32> = (0..16)
        .map(|k| f32::from(u8::from(k % 4 <= k / 4)))
        .collect();
    let neg = f32::MIN;
    let causal: Vec<f32> = (0..16)
        .map(|k| if k % 4 > k / 4 { neg } else { 0.0 })
        .collect();
    // PAD = (1 − k)·NEG, or masked_fill's Where(Cast(1 − k, bool), NEG, 1 − k).
    let pad = |fill: bool, out: &str| {
        let mut v = vec![node("Sub", &["one", "k"], &[&format!("{out}_inv")], vec![])];
        let inv = format!("{out}_inv");
        if fill {
            v.push(node(
                "Cast",
                &[&inv],
                &[&format!("{out}_c")],
                vec![attr_i("to", 9)],
            ));
            v.push(node(
                "Where",
                &[&format!("{out}_c"), "neg", &inv],
                &[out],
                vec![],
            ));
        } else {
            v.push(node("Mul", &[&inv, "neg"], &[out], vec![]));
        }
        v
    };
    let cast_c = || node("Cast", &["Cf"], &["C"], vec![attr_i("to", 9)]);
    let forms: Vec<(&str, Vec<NodeProto>)> = vec![
        // HF GPT-2 (eager, before 4.36): the causal Where, then + PAD.
        ("gpt2 where then pad", {
            let mut v = vec![cast_c(), node("Where", &["C", "x", "neg"], &["w"], vec![])];
            v.extend(pad(false, "p"));
            v.push(node("Add", &["w", "p"], &["s"], vec![]));
            v
        }),
        ("additive causal then pad", {
            let mut v = vec![node("Add", &["x", "M"], &["a"], vec![])];
            v.extend(pad(true, "p"));
            v.push(node("Add", &["p", "a"], &["s"], vec![]));
            v
        }),
        ("pad inside the causal where", {
            let mut v = pad(false, "p");
            v.push(node("Add", &["x", "p"], &["a"], vec![]));
            v.extend([cast_c(), node("Where", &["C", "a", "neg"], &["s"], vec![])]);
            v
        }),
        // Llama before transformers 4.36: expanded_attn_mask + causal_mask.
        ("folded add", {
            let mut v = pad(true, "p");
            v.push(node("Add", &["p", "M"], &["m"], vec![]));
            v.push(node("Add", &["x", "m"], &["s"], vec![]));
            v
        }),
        // transformers 4.36: causal.masked_fill(expanded.bool(), min).
        ("folded where", {
            let mut v = pad(true, "p");
            v.push(node("Cast", &["p"], &["pc"], vec![attr_i("to", 9)]));
            v.push(node("Where", &["pc", "neg", "M"], &["m"], vec![]));
            v.push(node("Add", &["x", "m"], &["s"], vec![]));
            v
        }),
        // transformers 4.40+ (Llama's _update_causal_mask, full length):
        // causal.masked_fill((causal + attention_mask) == 0, min).
        (
            "causal plus mask equal to zero",
            vec![
                node("Add", &["M", "k"], &["e"], vec![]),
                node("Equal", &["e", "zero"], &["pc"], vec![]),
                node("Where", &["pc", "neg", "M"], &["m"], vec![]),
                node("Add", &["x", "m"], &["s"], vec![]),
            ],
        ),
        // scaled_dot_product_attention with a boolean attn_mask.
        (
            "sdpa boolean",
            vec![
                cast_c(),
                node("Cast", &["k"], &["kb"], vec![attr_i("to", 9)]),
                node("And", &["C", "kb"], &["b"], vec![]),
                node("Where", &["b", "zero", "ninf"], &["m"], vec![]),
                node("Add", &["x", "m"], &["s"], vec![]),
            ],
        ),
    ];
    for (form, nodes) in forms {
        let bytes = softmax_model(
            nodes,
            vec![
                tensor("one", &[], &[1.0]),
                tensor("zero", &[], &[0.0]),
                tensor("neg", &[], &[neg]),
                tensor("ninf", &[], &[f32::NEG_INFINITY]),
                tensor("M", &[4, 4], &causal),
                tensor("Cf", &[4, 4], &tril),
            ],
            &[("x", &[2, 4, 4]), ("k", &[2, 1, 4])],
        );
        check_padding(form, &bytes, &kv, 19, |r, j| {
            j <= r % 4 && kv[(r / 4) * 4 + j] == 1.0
        });
    }
}

/// A padding mask inside a causal `Where` whose fill is a finite constant
/// (0.5) on the diagonal: the diagonal is live whatever the padding mask
/// says (the `Where` replaces the masked score there), the rest as the two
/// masks say.
#[test]
fn a_finite_where_fill_outside_a_padding_mask_stays_live() {
    let kv: Vec<f32> = vec![1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0];
    let c: Vec<f32> = (0..16)
        .map(|k| f32::from(u8::from(k % 4 < k / 4)))
        .collect();
    let f: Vec<f32> = (0..16)
        .map(|k| if k % 4 == k / 4 { 0.5 } else { f32::MIN })
        .collect();
    let bytes = softmax_model(
        vec![
            node("Sub", &["one", "k"], &["inv"], vec![]),
            node("Mul", &["inv", "neg"], &["p"], vec![]),
            node("Add", &["x", "p"], &["a"], vec![]),
            node("Cast", &["Cf"], &["C"], vec![attr_i("to", 9)]),
            node("Where", &["C", "a", "F"], &["s"], vec![]),
        ],
        vec![
            tensor("one", &[], &[1.0]),
            tensor("neg", &[], &[f32::MIN]),
            tensor("Cf", &[4, 4], &c),
            tensor("F", &[4, 4], &f),
        ],
        &[("x", &[2, 4, 4]), ("k", &[2, 1, 4])],
    );
    let x: Vec<f32> = rand_vec(32, 23).iter().map(|v| 3.0 * v).collect();
    let logit = |r: usize, j: usize| match j.cmp(&(r % 4)) {
        std::cmp::Ordering::Less => (kv[(r / 4) * 4 + j] == 1.0).then(|| f64::from(x[r * 4 + j])),
        std::cmp::Ordering::Equal => Some(0.5),
        std::cmp::Ordering::Greater => None,
    };
    let want = softmax_rows(8, 4, logit);
    let inputs: [(&[f32], &[usize]); 2] = [(&x, &X), (&kv, &[2, 1, 4])];
    check(
        "finite fill",
        &bytes,
        &inputs,
        &want,
        |i| logit(i / 4, i % 4).is_none(),
        1e-5,
    );
}

/// Hugging Face GPT-2 exported with a dynamic sequence axis: the causal
/// condition is `bias[:, :, k-q:k, :k]`, a Slice (axes 2 and 3) of a larger
/// constant `[1, 1, 8, 8]` lower-triangular buffer, folded at load into a
/// constant whose layout is not standard. The Where mask is recognised (it
/// panicked in the loader: "same element count: IncompatibleLayout"), and
/// masked entries are exactly 0.
#[test]
fn where_mask_sliced_from_a_larger_causal_buffer() {
    let buf: Vec<f32> = (0..64)
        .map(|k| f32::from(u8::from(k % 8 <= k / 8)))
        .collect();
    let bytes = softmax_model(
        vec![
            node("Cast", &["B"], &["Bb"], vec![attr_i("to", 9)]),
            node("Slice", &["Bb", "st", "en", "ax"], &["C"], vec![]),
            node("Where", &["C", "x", "F"], &["s"], vec![]),
        ],
        vec![
            tensor("B", &[1, 1, 8, 8], &buf),
            tensor_i64("st", &[2], &[0, 0]),
            tensor_i64("en", &[2], &[4, 4]),
            tensor_i64("ax", &[2], &[2, 3]),
            tensor("F", &[], &[f32::MIN]),
        ],
        &[("x", &[2, 4, 4])],
    );
    let x: Vec<f32> = rand_vec(32, 11).iter().map(|v| 3.0 * v).collect();
    let want = causal_want(&x, None);
    check(
        "sliced where",
        &bytes,
        &[(&x, &X)],
        &want,
        above_diagonal,
        1e-6,
    );
}
