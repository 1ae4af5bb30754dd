//! A small CNN (two convolutions: padding, strides, dilations, groups, bias;
//! ReLU; Flatten; dense) through both backends: honest, forged hidden conv
//! output, tampered conv messages, refused shapes.

use crate::error::Error;
use crate::field::{Curve, Field, Fr};
use crate::model::{ModelProof, NodeProof, SumcheckBackend};
use crate::test_utils::{conv, dense, det, forged, forgery_is_rejected, geom, opts, pool2};
use crate::test_utils::{proof_of_forgery_is_rejected, proves_in_both_backends, rerun_after};
use crate::test_utils::{run, samples, square};
use crate::zkmodel::{ZkModelProof, ZkNodeProof, ZkSumcheckBackend};
use zkml_core::backend::{Backend, PublicValues, Vis};
use zkml_core::quant::{calibrate, quantize, QValueKind, QuantConfig};
use zkml_core::{Graph, Op, QGraph, QOp, Trace};

/// `[1,2,9,9]` → Conv(4, 3×3, pad 1) → ReLU → Conv(4, 3×2, stride (2,1),
/// pads (1,0,0,1), dilation (1,2), 2 groups) → ReLU → Flatten → dense(6).
pub(crate) fn cnn(seed: u64) -> (QGraph, Trace) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 2, 9, 9]);
    let c1 = square(3, 1, 1);
    let a = conv(&mut g, x, 2, 4, c1, "1", seed);
    let a = g.add_node("r1", Op::Relu, vec![a], "r1").unwrap();
    let c2 = geom([3, 2], [2, 1], [1, 0, 0, 1], [1, 2], 2);
    let b = conv(&mut g, a, 4, 4, c2, "2", seed + 10);
    let b = g.add_node("r2", Op::Relu, vec![b], "r2").unwrap();
    let n: usize = g.values[b].shape.iter().product();
    let f = g
        .add_node("fl", Op::Reshape { shape: vec![1, n] }, vec![b], "fl")
        .unwrap();
    let o = dense(&mut g, f, n, 6, "d", seed + 20);
    g.add_output(o);
    run(&g, &samples(&[1, 2, 9, 9], 100, true))
}

/// `[1,1,8,8]` → Conv(3, 3×3, pad 1) → ReLU → AveragePool(2×2, stride 2)
/// → Flatten → dense(5): LeNet's pattern.
pub(crate) fn cnn_pool(seed: u64) -> (QGraph, Trace) {
    cnn_pool_op(seed, false)
}

/// [`cnn_pool`] with a MaxPool (`max`) or an AveragePool.
pub(crate) fn cnn_pool_op(seed: u64, max: bool) -> (QGraph, Trace) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 1, 8, 8]);
    let c1 = square(3, 1, 1);
    let a = conv(&mut g, x, 1, 3, c1, "1", seed);
    let a = g.add_node("r1", Op::Relu, vec![a], "r1").unwrap();
    let pool = pool2();
    let op = if max {
        Op::MaxPool(pool)
    } else {
        Op::AveragePool(pool)
    };
    let p = g.add_node("p1", op, vec![a], "p1").unwrap();
    let f = g
        .add_node("fl", Op::Reshape { shape: vec![1, 48] }, vec![p], "fl")
        .unwrap();
    let o = dense(&mut g, f, 48, 5, "d", seed + 20);
    g.add_output(o);
    run(&g, &samples(&[1, 1, 8, 8], 200, true))
}

fn pools(q: &QGraph) -> Vec<usize> {
    (0..q.nodes.len())
        .filter(|&i| matches!(q.nodes[i].op, QOp::AveragePool(_)))
        .collect()
}

#[test]
fn average_pool_proves_and_a_forged_or_tampered_pool_is_rejected() {
    let (q, t) = cnn_pool(5);
    let i = pools(&q)[0];
    assert_eq!(crate::model::divisor(&q, i), Some(8));
    let (key, _) = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap();
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    SumcheckBackend.verify(&key, &public, &proof).unwrap();
    for case in 0..3 {
        let mut p = proof.clone();
        let NodeProof::MatMul {
            y_eval,
            r_eval,
            matmul,
            ..
        } = &mut p.nodes[i]
        else {
            panic!("pool node {i} has a rescale proof")
        };
        match case {
            0 => *y_eval += Fr::ONE,
            1 => *r_eval.as_mut().unwrap() += Fr::ONE,
            _ => matmul.a_eval += Fr::ONE,
        }
        assert!(
            SumcheckBackend.verify(&key, &public, &p).is_err(),
            "case {case}"
        );
    }
    let f = forged(&q, &t, i);
    assert!(SumcheckBackend.prove(&key, &q, &f).is_err());
    let (proof, public) =
        crate::model::prover::prove_inner(&key, &f, &mut rand_core06::OsRng, true).unwrap();
    let err = SumcheckBackend.verify(&key, &public, &proof).unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err}");
    for input in [Vis::Private, Vis::Public] {
        let (key, _) = ZkSumcheckBackend.setup(&q, &opts(input)).unwrap();
        let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
        ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
        let u = key.gens.u;
        let mut p = proof.clone();
        if let ZkNodeProof::MatMul { r_com, .. } = &mut p.nodes[i] {
            *r_com = Some((r_com.unwrap() + u).to_affine());
        }
        assert!(ZkSumcheckBackend.verify(&key, &public, &p).is_err());
        let (proof, public) =
            crate::zkmodel::prover::prove_inner(&key, &f, &mut rand_core06::OsRng, true).unwrap();
        let err = ZkSumcheckBackend.verify(&key, &public, &proof).unwrap_err();
        assert!(matches!(err, Error::Rejected { .. }), "zk: {err}");
    }
}

#[test]
fn pools_with_uneven_windows_are_refused() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 1, 5, 5]);
    let pool = zkml_core::ops::pool::Pool {
        kernel: [2, 2],
        strides: [2, 2],
        pads: [0, 0, 1, 1],
        dilations: [1, 1],
        ceil_mode: false,
        count_include_pad: false,
    };
    let p = g
        .add_node("p", Op::AveragePool(pool), vec![x], "p")
        .unwrap();
    g.add_output(p);
    let s = vec![det(&[1, 1, 5, 5], 1, 1.0)];
    let cal = calibrate(&g, std::slice::from_ref(&s)).unwrap();
    let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
    let err = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap_err();
    assert!(err.to_string().contains("windows"), "{err}");
}

fn convs(q: &QGraph) -> Vec<usize> {
    (0..q.nodes.len())
        .filter(|&i| matches!(q.nodes[i].op, QOp::Conv { .. }))
        .collect()
}

#[test]
fn cnn_proves_and_verifies_in_both_backends() {
    let (q, t) = cnn(1);
    assert_eq!(convs(&q).len(), 2);
    assert!(convs(&q)
        .iter()
        .all(|&i| matches!(q.nodes[i].op, QOp::Conv { shift, .. } if shift > 0)));
    proves_in_both_backends(&q, &t);
}

#[test]
fn a_forged_conv_output_is_rejected_by_both_backends() {
    let (q, t) = cnn(2);
    for i in convs(&q) {
        forgery_is_rejected(&q, &t, i);
    }
}

#[test]
fn tampered_conv_messages_are_rejected() {
    let (q, t) = cnn(3);
    let (key, _) = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap();
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    let bad = |p: &ModelProof| SumcheckBackend.verify(&key, &public, p).is_err();
    for i in convs(&q) {
        for case in 0..10 {
            let mut p = proof.clone();
            let NodeProof::Conv {
                y_eval,
                r_eval,
                matmul,
                weights,
                ..
            } = &mut p.nodes[i]
            else {
                panic!("conv node {i} has a conv proof")
            };
            match case {
                0 => *y_eval += Fr::ONE,
                1 => *r_eval.as_mut().unwrap() += Fr::ONE,
                2 => matmul.a_eval += Fr::ONE,
                // A wrong G̃_ρ(r) claim.
                3 => matmul.b_eval += Fr::ONE,
                4 => matmul.sumcheck.rounds[0].evals[1] += Fr::ONE,
                5 => {
                    // A consistent round forgery: g(0) + g(1) kept.
                    let r = &mut matmul.sumcheck.rounds[1].evals;
                    r[0] += Fr::ONE;
                    r[1] -= Fr::ONE;
                }
                // The weight sumcheck: a round, a consistent round, the weight claim.
                6 => weights.sumcheck.rounds[0].evals[2] += Fr::ONE,
                7 => {
                    let r = &mut weights.sumcheck.rounds[1].evals;
                    r[0] += Fr::ONE;
                    r[1] -= Fr::ONE;
                }
                8 => weights.w_eval += Fr::ONE,
                _ => weights.sumcheck.rounds.pop().map(drop).unwrap(),
            }
            assert!(bad(&p), "conv node {i}, case {case}");
        }
        // A wrong G̃_ρ(r) that keeps the product sumcheck's final check:
        // b' = b + 1, a' = a·b/b'.
        let mut p = proof.clone();
        if let NodeProof::Conv { matmul, .. } = &mut p.nodes[i] {
            let b2 = matmul.b_eval + Fr::ONE;
            matmul.a_eval = matmul.a_eval * matmul.b_eval * b2.invert().unwrap();
            matmul.b_eval = b2;
        }
        assert!(bad(&p), "conv node {i}: consistent wrong G claim");
        // A conv node's message as a MatMul (no weight sumcheck): refused.
        let mut p = proof.clone();
        if let NodeProof::Conv {
            y_eval,
            r_eval,
            matmul,
            r_range,
            y_range,
            ..
        } = p.nodes[i].clone()
        {
            p.nodes[i] = NodeProof::MatMul {
                y_eval,
                r_eval,
                matmul,
                r_range,
                y_range,
            };
        }
        assert!(bad(&p), "conv node {i} without its weight sumcheck");
    }
    let back = ModelProof::from_bytes(&proof.to_bytes()).unwrap();
    assert_eq!(back, proof);
    let (key, _) = ZkSumcheckBackend.setup(&q, &opts(Vis::Private)).unwrap();
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    let bad = |p: &ZkModelProof, public: &PublicValues| {
        ZkSumcheckBackend.verify(&key, public, p).is_err()
    };
    let u = key.gens.u;
    for i in convs(&q) {
        for case in 0..9 {
            let mut p = proof.clone();
            let ZkNodeProof::Conv {
                y_com,
                r_com,
                matmul,
                weights,
            } = &mut p.nodes[i]
            else {
                panic!("conv node {i} has a conv proof")
            };
            match case {
                0 => *y_com = (*y_com + u).to_affine(),
                1 => *r_com = Some((r_com.unwrap() + u).to_affine()),
                2 => matmul.final_ok.s += Fr::ONE,
                3 => matmul.rounds[0].evals[1] = (matmul.rounds[0].evals[1] + u).to_affine(),
                // A wrong Com(G̃_ρ(r)).
                4 => matmul.factor_evals[1] = (matmul.factor_evals[1] + u).to_affine(),
                // The product x̃(r)·G̃_ρ(r).
                5 => matmul.products[0].1.z[0] += Fr::ONE,
                6 => weights.rounds[0].evals[0] = (weights.rounds[0].evals[0] + u).to_affine(),
                7 => weights.final_ok.s += Fr::ONE,
                _ => {
                    // The batched range check of the remainders.
                    let l = &mut p.lookups[0].logup;
                    l.sum_com[0] = (l.sum_com[0] + u).to_affine()
                }
            }
            assert!(bad(&p, &public), "zk conv node {i}, case {case}");
        }
    }
}

/// `q` with conv node `i`'s first weight (`k = 1`) or bias (`k = 2`)
/// moved by one, and its trace.
fn other_weights(q: &QGraph, t: &Trace, (i, k): (usize, usize)) -> (QGraph, Trace) {
    let mut q2 = q.clone();
    let w = q2.nodes[i].inputs[k];
    let QValueKind::Const(c) = &mut q2.values[w].kind else {
        panic!("constant weights")
    };
    c.as_slice_mut().unwrap()[0] += 1;
    let mut t2 = t.clone();
    t2.values[w] = c.clone();
    for node in &q2.nodes {
        let args: Vec<&zkml_core::ITensor> = node.inputs.iter().map(|&k| &t2.values[k]).collect();
        t2.values[node.output] = zkml_core::exec::eval_qop(&node.op, &args);
    }
    (q2, t2)
}

#[test]
fn a_prover_with_other_conv_weights_is_rejected() {
    // The honest prover's machinery on a model whose conv uses other
    // weights, under the true model's digest (the transcript is the
    // honest one but for the weights): both verifiers reject.
    let (q, t) = cnn(5);
    // The kernel and the bias (the bias enters the verifier's offset,
    // computed with the sumcheck's final equation).
    for (i, k) in convs(&q).into_iter().flat_map(|i| [(i, 1), (i, 2)]) {
        let (q2, t2) = other_weights(&q, &t, (i, k));
        let (key, _) = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap();
        let mut key2 = key.clone();
        key2.key.q = q2.clone();
        let (proof, public) =
            crate::model::prover::prove(&key2, &t2, &mut rand_core06::OsRng).unwrap();
        crate::model::verifier::verify(&key2, &public, &proof).unwrap();
        let err = SumcheckBackend.verify(&key, &public, &proof).unwrap_err();
        assert!(matches!(err, Error::Rejected { .. }), "node {i}: {err}");
        for input in [Vis::Private, Vis::Public] {
            let (key, _) = ZkSumcheckBackend.setup(&q, &opts(input)).unwrap();
            let mut key2 = key.clone();
            // The forger's fixed weights' commitment too (`zkmodel::fixed`).
            crate::zkmodel::fixed::rekey(&mut key2, &q2);
            let (proof, public) =
                crate::zkmodel::prover::prove(&key2, &t2, &mut rand_core06::OsRng).unwrap();
            crate::zkmodel::verifier::verify(&key2, &public, &proof).unwrap();
            let err = ZkSumcheckBackend.verify(&key, &public, &proof).unwrap_err();
            assert!(matches!(err, Error::Rejected { .. }), "zk node {i}: {err}");
        }
    }
}

#[test]
fn convs_with_hidden_weights_are_refused() {
    let (mut q, _) = cnn(4);
    let i = convs(&q)[0];
    let w = q.nodes[i].inputs[1];
    q.values[w].kind = QValueKind::Input;
    let err = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap_err();
    assert!(err.to_string().contains("constants"), "{err}");
    assert!(ZkSumcheckBackend.setup(&q, &opts(Vis::Private)).is_err());
}

/// The benchmark LeNet (as `zkml-plonk/tests/bench_models.rs` builds it):
/// conv5×5(6) → ReLU → avgpool2 → conv5×5(16) → ReLU → avgpool2 → Flatten →
/// 256-120 → ReLU → 84 → ReLU → 10.
pub(crate) fn lenet() -> (QGraph, Trace) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 1, 28, 28]);
    let pool = pool2();
    let c = geom([5, 5], [1, 1], [0; 4], [1, 1], 1);
    let c1 = conv(&mut g, x, 1, 6, c.clone(), "1", 9);
    let r1 = g.add_node("r1", Op::Relu, vec![c1], "r1").unwrap();
    let p1 = g
        .add_node("p1", Op::AveragePool(pool.clone()), vec![r1], "p1")
        .unwrap();
    let c2 = conv(&mut g, p1, 6, 16, c, "2", 21);
    let r2 = g.add_node("r2", Op::Relu, vec![c2], "r2").unwrap();
    let p2 = g
        .add_node("p2", Op::AveragePool(pool), vec![r2], "p2")
        .unwrap();
    let f = g
        .add_node(
            "fl",
            Op::Reshape {
                shape: vec![1, 256],
            },
            vec![p2],
            "fl",
        )
        .unwrap();
    let d1 = dense(&mut g, f, 256, 120, "1", 31);
    let d1 = g.add_node("dr1", Op::Relu, vec![d1], "dr1").unwrap();
    let d2 = dense(&mut g, d1, 120, 84, "2", 41);
    let d2 = g.add_node("dr2", Op::Relu, vec![d2], "dr2").unwrap();
    let d3 = dense(&mut g, d2, 84, 10, "3", 51);
    g.add_output(d3);
    run(&g, &samples(&[1, 1, 28, 28], 100, true))
}

#[test]
fn lenet_is_accepted_at_setup_by_both_backends() {
    let (q, _) = lenet();
    SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap();
    ZkSumcheckBackend.setup(&q, &opts(Vis::Private)).unwrap();
}

/// LeNet with a private input through the ZK backend.
/// `cargo test -p zkml-sumcheck --lib -- --ignored --nocapture bench_zk_lenet`
#[test]
#[ignore]
fn bench_zk_lenet() {
    let (q, t) = lenet();
    let (key, _) = ZkSumcheckBackend.setup(&q, &opts(Vis::Private)).unwrap();
    let s = std::time::Instant::now();
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    println!("lenet zk prove {:.2?}", s.elapsed());
    let s = std::time::Instant::now();
    ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
    println!(
        "lenet zk verify {:.2?}, proof {} bytes",
        s.elapsed(),
        proof.to_bytes().len()
    );
    let (key, _) = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap();
    let s = std::time::Instant::now();
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    println!("lenet clear prove {:.2?}", s.elapsed());
    SumcheckBackend.verify(&key, &public, &proof).unwrap();
}

#[test]
fn a_gather_by_index_map_proves_and_a_forged_gather_is_rejected() {
    // x → dense(8) → ReLU → Gather([1,6], duplicates and reordering) → dense(4).
    use zkml_core::ops::gather::IndexMap;
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 6]);
    let h = dense(&mut g, x, 6, 8, "0", 60);
    let h = g.add_node("r", Op::Relu, vec![h], "r").unwrap();
    let map = IndexMap {
        shape: vec![1, 6],
        index: vec![7, 0, 3, 3, 5, 1],
    };
    let s = g.add_node("sel", Op::Gather(map), vec![h], "sel").unwrap();
    let o = dense(&mut g, s, 6, 4, "1", 70);
    g.add_output(o);
    let (q, t) = run(&g, &[vec![det(&[1, 6], 7, 1.0).mapv(f32::abs)]]);
    let i = q
        .nodes
        .iter()
        .position(|n| matches!(n.op, QOp::Gather(_)))
        .unwrap();
    let (key, _) = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap();
    let (proof, _) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    assert!(matches!(proof.nodes[i], NodeProof::MatMul { .. }));
    proves_in_both_backends(&q, &t);
    let mut f = t.clone();
    let y = q.nodes[i].output;
    f.values[y].as_slice_mut().unwrap()[2] += 1;
    proof_of_forgery_is_rejected(&q, &rerun_after(&q, f, i));
}

#[test]
fn a_transpose_proves_as_an_index_map_and_a_forged_one_is_rejected() {
    // x [1, 2, 3, 4] → Transpose(0, 2, 3, 1) → Flatten → dense(4): the
    // earlier zkml's MNIST model starts the same way (NHWC → NCHW).
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 2, 3, 4]);
    let tr = g
        .add_node(
            "tr",
            Op::Transpose {
                perm: vec![0, 2, 3, 1],
            },
            vec![x],
            "tr",
        )
        .unwrap();
    let f = g
        .add_node("fl", Op::Reshape { shape: vec![1, 24] }, vec![tr], "fl")
        .unwrap();
    let o = dense(&mut g, f, 24, 4, "d", 90);
    g.add_output(o);
    let (q, t) = run(&g, &[vec![det(&[1, 2, 3, 4], 9, 1.0)]]);
    let i = q
        .nodes
        .iter()
        .position(|n| matches!(n.op, QOp::Transpose { .. }))
        .unwrap();
    proves_in_both_backends(&q, &t);
    let mut f = t.clone();
    let y = q.nodes[i].output;
    f.values[y].as_slice_mut().unwrap()[5] += 1;
    proof_of_forgery_is_rejected(&q, &rerun_after(&q, f, i));
}
