//! A masked attention head, loaded from ONNX, in the circuit: the exact
//! masked softmax (`zkml_onnx::ops::activation::masked`: the row's largest
//! live score subtracted through a Gather + ReduceMax, masked entries at −24
//! below it) is proven like any other node. The circuit equals the executor's
//! trace, the MockProver accepts it, rejects it with sampled advice cells
//! corrupted, and rejects a public output claiming a masked probability
//! other than 0.

mod common;
#[allow(unused_imports)]
#[path = "../../zkml-onnx/tests/common/mod.rs"]
mod onnx;

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use zkml_core::{
    backend::{PublicValues, Visibility},
    exec::execute,
    FTensor, Op, QOp,
};
use zkml_plonk::plan;

use onnx::{attr_i, attr_ints, model, node, tensor, value_info};

const T: usize = 4;

/// x [1, 4, 4] → q, k, v (4×4 weights) → s = q·kᵀ / 2, then two heads:
/// `a1 = Softmax(Where(tril, s, finfo.min))` (new Hugging Face) and
/// `a2 = Softmax(s + M)` with `M` causal at −10000 except row 0, masked
/// entirely at −10000 (a row ONNX gives `softmax(s)`); outputs a1, a2 and
/// `o = a1·v`.
fn masked_head() -> Vec<u8> {
    let w = |name: &str, seed: u64| onnx::rand_tensor(name, &[4, 4], seed);
    let tril: Vec<f32> = (0..T * T)
        .map(|k| f32::from(u8::from(k % T <= k / T)))
        .collect();
    let m: Vec<f32> = (0..T * T)
        .map(|k| {
            if k / T == 0 || k % T > k / T {
                -10000.0
            } else {
                0.0
            }
        })
        .collect();
    model(
        13,
        vec![
            node("MatMul", &["x", "wq"], &["q"], vec![]),
            node("MatMul", &["x", "wk"], &["k"], vec![]),
            node("MatMul", &["x", "wv"], &["v"], vec![]),
            node(
                "Transpose",
                &["k"],
                &["kt"],
                vec![attr_ints("perm", &[0, 2, 1])],
            ),
            node("MatMul", &["q", "kt"], &["qk"], vec![]),
            node("Div", &["qk", "two"], &["s"], vec![]),
            node("Cast", &["trilf"], &["c"], vec![attr_i("to", 9)]),
            node("Where", &["c", "s", "neg"], &["sw"], vec![]),
            node("Softmax", &["sw"], &["a1"], vec![attr_i("axis", -1)]),
            node("Add", &["s", "M"], &["sa"], vec![]),
            node("Softmax", &["sa"], &["a2"], vec![attr_i("axis", -1)]),
            node("MatMul", &["a1", "v"], &["o"], vec![]),
        ],
        vec![
            w("wq", 1),
            w("wk", 2),
            w("wv", 3),
            tensor("two", &[], &[2.0]),
            tensor("trilf", &[4, 4], &tril),
            tensor("neg", &[], &[f32::MIN]),
            tensor("M", &[4, 4], &m),
        ],
        vec![value_info("x", &[1, 4, 4])],
        &["a1", "a2", "o"],
    )
}

#[test]
fn masked_attention_is_proven_and_masked_probabilities_are_zero() {
    let g = zkml_onnx::load_model_bytes(&masked_head()).unwrap();
    // The exact form: each mask is a Gather of the live scores and a ReduceMax.
    let count = |f: fn(&Op) -> bool| g.nodes.iter().filter(|n| f(&n.op)).count();
    assert_eq!(count(|o| matches!(o, Op::ReduceMax { .. })), 2);
    assert_eq!(count(|o| matches!(o, Op::Gather(_))), 2);
    let samples: Vec<Vec<FTensor>> = (0..3)
        .map(|s| vec![common::det(&[1, 4, 4], 40 + s, 2.0)])
        .collect();
    let q = common::quantize_small(&g, &samples);
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    let t = execute(&q, &samples[0]).unwrap();
    common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
    // Masked probabilities are exactly 0; row 0 of a2 (masked entirely by a
    // finite constant) is ONNX's softmax of the scores: no zero there.
    let a1: Vec<i64> = t.values[q.outputs[0]].iter().copied().collect();
    let a2: Vec<i64> = t.values[q.outputs[1]].iter().copied().collect();
    for (k, (&p1, &p2)) in a1.iter().zip(&a2).enumerate() {
        let (i, j) = (k / T, k % T);
        if j > i {
            assert_eq!(p1, 0, "a1 masked entry ({i}, {j})");
            if i > 0 {
                assert_eq!(p2, 0, "a2 masked entry ({i}, {j})");
            }
        } else {
            assert!(p1 > 0, "a1 kept entry ({i}, {j}) is 0");
        }
    }
    assert!(a2[..T].iter().all(|&v| v > 0), "a2 row 0: {:?}", &a2[..T]);
    assert!(q
        .nodes
        .iter()
        .any(|n| matches!(n.op, QOp::ReduceMax { .. })));

    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    let n = common::assert_sampled_tampering_fails(&c, k, &inst, common::every(3, 16));
    eprintln!("masked head: k = {k}, {n} advice cells");

    // A public output claiming probability 1 for a masked entry of a1
    // ((0, 1): its first output's second element) is rejected.
    let public = PublicValues::from_trace(&q, &t, &vis);
    let at = public.inputs.iter().map(Vec::len).sum::<usize>() + 1;
    assert_eq!(public.outputs[0][1], 0);
    let mut bad = inst.clone();
    bad[at] += Fr::from(1u64);
    assert!(MockProver::run(k, &c, vec![bad]).unwrap().verify().is_err());
}
