//! Elementwise `Mul` through both backends: the earlier zkml's MNIST CNN
//! pattern in miniature (Conv → AveragePool → Mul by a per-channel constant
//! → Add of a per-channel constant, as its msgpack model has it), products
//! of two activations (`a·b`, Square); forged products, tampered messages and
//! refused broadcasts.

use crate::field::{Curve, Field, Fr};
use crate::model::{ModelProof, NodeProof, SumcheckBackend};
use crate::test_utils::{conv, dense, det, forgery_is_rejected, opts, pool2};
use crate::test_utils::{proves_in_both_backends, run, samples, square};
use crate::zkmodel::{ZkModelProof, ZkNodeProof, ZkSumcheckBackend};
use zkml_core::backend::{Backend, PublicValues, Vis};
use zkml_core::quant::{calibrate, quantize, QuantConfig};
use zkml_core::{Graph, Op, QGraph, QOp, Trace};

/// `[1,1,8,8]` → Conv(3) → ReLU → AveragePool 2×2 → Mul `[1,3,1,1]` → Add
/// `[1,3,1,1]` → Conv(4) → ReLU → Mul `[1,4,1,1]` → Add → Flatten → dense(5).
pub(crate) fn mnist_pattern(seed: u64) -> (QGraph, Trace) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 1, 8, 8]);
    let scale_shift = |g: &mut Graph, a: usize, c: usize, tag: &str, seed: u64| {
        let s = g.add_const(format!("s{tag}"), det(&[1, c, 1, 1], seed, 1.5));
        let m = g
            .add_node(format!("mul{tag}"), Op::Mul, vec![a, s], format!("m{tag}"))
            .unwrap();
        let b = g.add_const(format!("b{tag}"), det(&[1, c, 1, 1], seed + 1, 0.2));
        g.add_node(format!("add{tag}"), Op::Add, vec![m, b], format!("a{tag}"))
            .unwrap()
    };
    let a = conv(&mut g, x, 1, 3, square(3, 1, 1), "1", seed);
    let a = g.add_node("r1", Op::Relu, vec![a], "r1").unwrap();
    let a = g
        .add_node("p1", Op::AveragePool(pool2()), vec![a], "p1")
        .unwrap();
    let a = scale_shift(&mut g, a, 3, "1", seed + 5);
    let b = conv(&mut g, a, 3, 4, square(3, 1, 1), "2", seed + 10);
    let b = g.add_node("r2", Op::Relu, vec![b], "r2").unwrap();
    let b = scale_shift(&mut g, b, 4, "2", seed + 15);
    let f = g
        .add_node("fl", Op::Reshape { shape: vec![1, 64] }, vec![b], "fl")
        .unwrap();
    let o = dense(&mut g, f, 64, 5, "d", seed + 20);
    g.add_output(o);
    run(&g, &samples(&[1, 1, 8, 8], 400 + seed, true))
}

/// `[1, 2, 3, 4]` → `x·x` (Square) → `(x·x)·relu(x)` → Add `x` → output: two
/// products of activations.
fn square_model(seed: u64) -> (QGraph, Trace) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 2, 3, 4]);
    let sq = g.add_node("sq", Op::Mul, vec![x, x], "sq").unwrap();
    let r = g.add_node("r", Op::Relu, vec![x], "r").unwrap();
    let p = g.add_node("p", Op::Mul, vec![sq, r], "p").unwrap();
    let o = g.add_node("o", Op::Add, vec![p, x], "o").unwrap();
    g.add_output(o);
    run(&g, &samples(&[1, 2, 3, 4], 500 + seed, true))
}

fn muls(q: &QGraph) -> Vec<usize> {
    (0..q.nodes.len())
        .filter(|&i| matches!(q.nodes[i].op, QOp::Mul { .. }))
        .collect()
}

#[test]
fn a_cnn_with_per_channel_scales_proves_and_a_forgery_is_rejected() {
    let (q, t) = mnist_pattern(1);
    let m = muls(&q);
    assert_eq!(m.len(), 2);
    for &i in &m {
        assert!(matches!(q.nodes[i].op, QOp::Mul { shift } if shift > 0));
        assert_eq!(
            q.values[q.nodes[i].inputs[1]].shape,
            [1, q.values[q.nodes[i].output].shape[1], 1, 1]
        );
    }
    proves_in_both_backends(&q, &t);
    for &i in &m {
        forgery_is_rejected(&q, &t, i);
    }
}

#[test]
fn products_of_two_activations_prove_and_forged_ones_are_rejected() {
    let (q, t) = square_model(1);
    let m = muls(&q);
    assert_eq!(m.len(), 2);
    let (a, b) = (q.nodes[m[0]].inputs[0], q.nodes[m[0]].inputs[1]);
    assert_eq!(a, b, "x·x");
    proves_in_both_backends(&q, &t);
    for &i in &m {
        forgery_is_rejected(&q, &t, i);
    }
}

#[test]
fn tampered_product_messages_are_rejected() {
    for (q, t) in [mnist_pattern(2), square_model(2)] {
        let (key, _) = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap();
        let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
        let bad = |p: &ModelProof| SumcheckBackend.verify(&key, &public, p).is_err();
        for i in muls(&q) {
            for case in 0..7 {
                let mut p = proof.clone();
                let NodeProof::MatMul {
                    y_eval,
                    r_eval,
                    matmul,
                    ..
                } = &mut p.nodes[i]
                else {
                    panic!("mul node {i} has a rescale proof")
                };
                match case {
                    0 => *y_eval += Fr::ONE,
                    1 => *r_eval.as_mut().unwrap() += Fr::ONE,
                    // A constant operand's value too (checked by the verifier).
                    2 => matmul.a_eval += Fr::ONE,
                    3 => matmul.b_eval += Fr::ONE,
                    4 => matmul.sumcheck.rounds[0].evals[1] += Fr::ONE,
                    5 => {
                        // A consistent round forgery: g(0) + g(1) kept.
                        let r = &mut matmul.sumcheck.rounds[1].evals;
                        r[0] += Fr::ONE;
                        r[1] -= Fr::ONE;
                    }
                    _ => {
                        // A round of the wrong degree.
                        matmul.sumcheck.rounds[0].evals.pop();
                    }
                }
                assert!(bad(&p), "mul node {i}, case {case}");
            }
        }
        let (key, _) = ZkSumcheckBackend.setup(&q, &opts(Vis::Private)).unwrap();
        let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
        let bad = |p: &ZkModelProof, public: &PublicValues| {
            ZkSumcheckBackend.verify(&key, public, p).is_err()
        };
        let u = key.gens.u;
        for i in muls(&q) {
            for case in 0..6 {
                let mut p = proof.clone();
                let ZkNodeProof::MatMul {
                    y_com,
                    r_com,
                    matmul,
                } = &mut p.nodes[i]
                else {
                    panic!("mul node {i} has a rescale proof")
                };
                match case {
                    0 => *y_com = (*y_com + u).to_affine(),
                    1 => *r_com = Some((r_com.unwrap() + u).to_affine()),
                    2 => matmul.final_ok.s += Fr::ONE,
                    3 => matmul.rounds[0].evals[1] = (matmul.rounds[0].evals[1] + u).to_affine(),
                    4 => matmul.factor_evals[0] = (matmul.factor_evals[0] + u).to_affine(),
                    _ => *r_com = None,
                }
                assert!(bad(&p, &public), "zk mul node {i}, case {case}");
            }
        }
        // Two activations: the product proof of the final check.
        if let Some(i) = muls(&q).into_iter().find(|&i| {
            !q.nodes[i]
                .inputs
                .iter()
                .any(|&a| crate::model::is_const(&q, a))
        }) {
            let mut p = proof.clone();
            let ZkNodeProof::MatMul { matmul, .. } = &mut p.nodes[i] else {
                unreachable!()
            };
            assert_eq!(matmul.products.len(), 1);
            matmul.products[0].1.z[0] += Fr::ONE;
            assert!(bad(&p, &public), "zk product proof of node {i}");
        }
    }
}

#[test]
fn a_broadcast_activation_operand_is_refused() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 3, 4, 4]);
    let s = g.add_input("s", vec![1, 3, 1, 1]);
    let m = g.add_node("m", Op::Mul, vec![x, s], "m").unwrap();
    g.add_output(m);
    let samples = vec![vec![det(&[1, 3, 4, 4], 1, 1.0), det(&[1, 3, 1, 1], 2, 1.0)]];
    let cal = calibrate(&g, &samples).unwrap();
    let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
    for err in [
        SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap_err(),
        ZkSumcheckBackend
            .setup(&q, &opts(Vis::Private))
            .unwrap_err(),
    ] {
        let msg = err.to_string();
        assert!(
            msg.contains("Mul") && msg.contains("output's shape"),
            "{msg}"
        );
    }
}

#[test]
fn constants_of_every_broadcast_and_either_side_prove() {
    // c·x with a scalar, x·c with a full tensor, x·c with a trailing-axis
    // vector: the constant's table is its broadcast in the output's layout.
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 2, 3, 4]);
    let s = g.add_const("s", det(&[], 1, 1.5));
    let full = g.add_const("f", det(&[1, 2, 3, 4], 2, 1.5));
    let row = g.add_const("r", det(&[4], 3, 1.5));
    let a = g.add_node("m0", Op::Mul, vec![s, x], "m0").unwrap();
    let b = g.add_node("m1", Op::Mul, vec![a, full], "m1").unwrap();
    let c = g.add_node("m2", Op::Mul, vec![b, row], "m2").unwrap();
    g.add_output(c);
    let (q, t) = run(&g, &samples(&[1, 2, 3, 4], 600, false));
    assert_eq!(muls(&q).len(), 3);
    assert!(crate::model::is_const(&q, q.nodes[0].inputs[0]));
    proves_in_both_backends(&q, &t);
    forgery_is_rejected(&q, &t, muls(&q)[1]);
}
