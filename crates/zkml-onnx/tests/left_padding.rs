//! Left padding with a causal mask (a decoder batch padded on the left:
//! Hugging Face GPT-2 or Llama given an `attention_mask`): the rows of padded
//! query positions keep no entry, and float32 decides what they hold. A
//! padding `finfo.min` added to a causal `finfo.min` overflows to −∞ (weight
//! 0) while an entry masked once stays at `finfo.min` (`x + finfo.min` is
//! `finfo.min`), so such a row is uniform over the entries masked once; in
//! the `masked_fill` forms nothing is summed and the row is uniform over the
//! whole row; a padding mask of −∞ leaves only the causally masked entries.
//!
//! The lowering (`zkml_onnx::ops::activation::masked`) must give the rows
//! onnxruntime gives: the reference below evaluates each form's ops in f32
//! as written, then ONNX's Softmax (`exp(s − max)`, normalised), which is
//! what onnxruntime 1.32 computes for these models (checked when the test was
//! written: equal within 1e-7). The float rewrite must be within 1e-6 of it,
//! the integer executor within 0.01 with every entry of probability 0
//! exactly 0, whether calibrated on the padded inputs or only on unpadded
//! ones.

mod common;

use common::*;
use ndarray::{ArrayD, IxDyn};
use zkml_core::{calibrate, execute, quantize, run_float, Op, QuantConfig, ValueKind};
use zkml_onnx::load_model_bytes;
use zkml_onnx::proto::NodeProto;

/// Batch 0 pads two positions, batch 1 one: rows 0 and 1 of batch 0 and row
/// 0 of batch 1 keep no entry under the causal mask.
const KV: [f32; 8] = [0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0];

/// How a form computes its Softmax input in f32 from a score `x`, whether
/// the causal mask masks the entry, and the padding keep factor `k`.
type Score = fn(f32, bool, f32) -> f32;

/// The padding mask `(1 − k)·NEG` (`Mul`), or transformers'
/// `masked_fill(inverted.bool(), NEG)` (`Where`), into `out`.
fn pad(fill: bool, neg: &str, out: &str) -> Vec<NodeProto> {
    let inv = format!("{out}_inv");
    let mut v = vec![node("Sub", &["one", "k"], &[&inv], vec![])];
    if fill {
        let c = format!("{out}_c");
        v.push(node("Cast", &[&inv], &[&c], vec![attr_i("to", 9)]));
        v.push(node("Where", &[&c, neg, &inv], &[out], vec![]));
    } else {
        v.push(node("Mul", &[&inv, neg], &[out], vec![]));
    }
    v
}

/// `NEG` where the padding mask masks, 0 elsewhere (both padding forms).
fn pad_f32(k: f32, neg: f32) -> f32 {
    if k == 0.0 {
        neg
    } else {
        0.0
    }
}

/// The additive causal mask's value.
fn causal_f32(c: bool) -> f32 {
    if c {
        f32::MIN
    } else {
        0.0
    }
}

/// Every form decoders combine the two masks in, with its f32 evaluation.
fn forms() -> Vec<(&'static str, Vec<NodeProto>, Score)> {
    let cast_c = || node("Cast", &["Cf"], &["C"], vec![attr_i("to", 9)]);
    vec![
        // HF GPT-2 before 4.36: the causal Where, then + PAD (overflows).
        (
            "gpt2 where then pad",
            [
                vec![cast_c(), node("Where", &["C", "x", "neg"], &["w"], vec![])],
                pad(false, "neg", "p"),
                vec![node("Add", &["w", "p"], &["s"], vec![])],
            ]
            .concat(),
            |x, c, k| (if c { f32::MIN } else { x }) + pad_f32(k, f32::MIN),
        ),
        // Llama before 4.36: expanded_attn_mask + causal_mask (overflows).
        (
            "folded add",
            [
                pad(true, "neg", "p"),
                vec![
                    node("Add", &["p", "M"], &["m"], vec![]),
                    node("Add", &["x", "m"], &["s"], vec![]),
                ],
            ]
            .concat(),
            |x, c, k| x + (pad_f32(k, f32::MIN) + causal_f32(c)),
        ),
        (
            "additive causal then pad",
            [
                vec![node("Add", &["x", "M"], &["a"], vec![])],
                pad(false, "neg", "p"),
                vec![node("Add", &["p", "a"], &["s"], vec![])],
            ]
            .concat(),
            |x, c, k| pad_f32(k, f32::MIN) + (x + causal_f32(c)),
        ),
        // A −∞ padding mask on a finfo.min causal one.
        (
            "minus infinity padding",
            [
                vec![node("Add", &["x", "M"], &["a"], vec![])],
                pad(true, "ninf", "p"),
                vec![node("Add", &["a", "p"], &["s"], vec![])],
            ]
            .concat(),
            |x, c, k| (x + causal_f32(c)) + pad_f32(k, f32::NEG_INFINITY),
        ),
        // transformers 4.36: causal.masked_fill(expanded.bool(), min).
        (
            "folded where",
            [
                pad(true, "neg", "p"),
                vec![
                    node("Cast", &["p"], &["pc"], vec![attr_i("to", 9)]),
                    node("Where", &["pc", "neg", "M"], &["m"], vec![]),
                    node("Add", &["x", "m"], &["s"], vec![]),
                ],
            ]
            .concat(),
            |x, c, k| x + if k == 0.0 { f32::MIN } else { causal_f32(c) },
        ),
        // transformers 4.40+: causal.masked_fill((causal + mask) == 0, min).
        (
            "causal plus mask equal to zero",
            vec![
                node("Add", &["M", "k"], &["e"], vec![]),
                node("Equal", &["e", "zero"], &["pc"], vec![]),
                node("Where", &["pc", "neg", "M"], &["m"], vec![]),
                node("Add", &["x", "m"], &["s"], vec![]),
            ],
            |x, c, k| {
                x + if causal_f32(c) + k == 0.0 {
                    f32::MIN
                } else {
                    causal_f32(c)
                }
            },
        ),
        // The padding mask inside the causal Where.
        (
            "pad inside the causal where",
            [
                pad(false, "neg", "p"),
                vec![
                    node("Add", &["x", "p"], &["a"], vec![]),
                    cast_c(),
                    node("Where", &["C", "a", "neg"], &["s"], vec![]),
                ],
            ]
            .concat(),
            |x, c, k| {
                if c {
                    f32::MIN
                } else {
                    x + pad_f32(k, f32::MIN)
                }
            },
        ),
    ]
}

/// ONNX's Softmax of each row of `s` (`cols` wide) as onnxruntime computes
/// it: `exp(s − max)` normalised, −∞ entries 0.
fn onnx_softmax(s: &[f32], cols: usize) -> Vec<f64> {
    s.chunks(cols)
        .flat_map(|row| {
            let mx = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            assert!(mx.is_finite(), "a row all −∞ is NaN in onnxruntime");
            let e: Vec<f64> = row
                .iter()
                .map(|&v| (f64::from(v) - f64::from(mx)).exp())
                .collect();
            let sum: f64 = e.iter().sum();
            e.into_iter().map(move |v| v / sum)
        })
        .collect()
}

/// Runs `bytes` on scores `x` ([2, 4, 4]) and padding `kv` ([2, 1, 4]) in
/// the float and the integer executor (calibrated on `cal`): within 1e-6 /
/// 0.01 of `want`, probability-0 entries exactly 0 in the integer one.
fn check(what: &str, bytes: &[u8], x: &[f32], kv: &[f32], want: &[f64], cal: &[Vec<f32>]) {
    let g = load_model_bytes(bytes).unwrap();
    for v in &g.values {
        if let ValueKind::Const(t) = &v.kind {
            assert!(t.iter().all(|&c| c > -1000.0), "{what}: `{}`", v.name);
        }
    }
    assert!(
        g.nodes.iter().any(|n| matches!(n.op, Op::ReduceMin { .. })),
        "{what}: not lowered"
    );
    let fl = run_float(&g, &[x.to_vec(), kv.to_vec()]).unwrap();
    for (i, (a, b)) in fl[0].iter().zip(want).enumerate() {
        assert!(
            (f64::from(*a) - b).abs() < 1e-6,
            "{what}: float {i}: {a} vs {b}"
        );
    }
    let arr = |v: &[f32], s: &[usize]| ArrayD::from_shape_vec(IxDyn(s), v.to_vec()).unwrap();
    let xs = vec![arr(x, &[2, 4, 4]), arr(kv, &[2, 1, 4])];
    let samples: Vec<Vec<ArrayD<f32>>> = cal
        .iter()
        .map(|k| vec![xs[0].clone(), arr(k, &[2, 1, 4])])
        .collect();
    let q = quantize(
        &g,
        &calibrate(&g, &samples).unwrap(),
        &QuantConfig::default(),
    )
    .unwrap();
    let t = execute(&q, &xs).unwrap();
    let deq = &t.dequantized_outputs(&q)[0];
    for (i, (&qi, &d)) in t.values[q.outputs[0]].iter().zip(deq).enumerate() {
        if want[i] == 0.0 {
            assert_eq!(qi, 0, "{what}: entry {i} of probability 0 is {qi}");
        }
        assert!(
            (d - want[i]).abs() < 0.01,
            "{what}: int {i}: {d} vs {}",
            want[i]
        );
    }
}

/// Every combined form, left-padded: the rows of padded query positions as
/// float32 (onnxruntime) computes them, the rest as before, at score offsets
/// 0 and −60; calibrated on the padded input and on an unpadded one only.
/// The lowering adds its factor for rows with no kept entry only in the
/// forms where some entry can be −∞ in float (the first four).
#[test]
fn fully_masked_rows_of_left_padding_follow_float32() {
    let tril: Vec<f32> = (0..16)
        .map(|i| f32::from(u8::from(i % 4 <= i / 4)))
        .collect();
    let causal: Vec<f32> = (0..16).map(|i| causal_f32(i % 4 > i / 4)).collect();
    for (i, (form, nodes, score)) in forms().into_iter().enumerate() {
        let mut nodes = nodes;
        nodes.push(node("Softmax", &["s"], &["y"], vec![attr_i("axis", -1)]));
        let bytes = model(
            13,
            nodes,
            vec![
                tensor("one", &[], &[1.0]),
                tensor("zero", &[], &[0.0]),
                tensor("neg", &[], &[f32::MIN]),
                tensor("ninf", &[], &[f32::NEG_INFINITY]),
                tensor("M", &[4, 4], &causal),
                tensor("Cf", &[4, 4], &tril),
            ],
            vec![value_info("x", &[2, 4, 4]), value_info("k", &[2, 1, 4])],
            &["y"],
        );
        let g = load_model_bytes(&bytes).unwrap();
        let lifted = g.nodes.iter().any(|n| n.name.ends_with("/mask_keep_alone"));
        assert_eq!(lifted, i < 4, "{form}: factor for rows with no kept entry");
        for shift in [0.0f32, -60.0] {
            let x: Vec<f32> = rand_vec(32, 29).iter().map(|v| shift + 3.0 * v).collect();
            let s: Vec<f32> = (0..32)
                .map(|i| score(x[i], i % 4 > (i / 4) % 4, KV[(i / 16) * 4 + i % 4]))
                .collect();
            let want = onnx_softmax(&s, 4);
            let what = format!("{form} shift {shift}");
            check(&what, &bytes, &x, &KV, &want, &[KV.to_vec()]);
            check(&what, &bytes, &x, &KV, &want, &[vec![1.0; 8]]);
        }
    }
}

/// The reference itself: in the overflowing forms a padded query row is
/// uniform over the entries masked once (not the whole row), so the test
/// above distinguishes the two semantics.
#[test]
fn the_reference_rows_differ_by_form() {
    let f = forms();
    let row = |score: Score| {
        let s: Vec<f32> = (0..4).map(|j| score(0.5, j > 0, KV[j])).collect();
        onnx_softmax(&s, 4)
    };
    // Batch 0, row 0: column 0 masked by padding only, 1 by both, 2 and 3
    // by the causal mask only (kept by padding).
    let third = 1.0 / 3.0;
    assert_eq!(row(f[0].2), vec![third, 0.0, third, third]);
    assert_eq!(row(f[3].2), vec![0.0, 0.0, 0.5, 0.5]);
    assert_eq!(row(f[4].2), vec![0.25; 4]);
}
