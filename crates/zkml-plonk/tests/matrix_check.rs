//! Convolutions proved by the randomized matrix check (a challenge drawn after
//! the first-phase columns are committed): the circuit computes exactly the
//! trace, every sampled cell matters, real proofs verify and tampering fails,
//! and the planner uses the check only where it saves rows.

use zkml_core::{
    backend::{Backend, SetupOptions, Visibility},
    exec::execute,
    ops::Conv,
    quant::{calibrate, quantize, QuantConfig},
    FTensor, Graph, Op, QGraph,
};
use zkml_plonk::{plan, plan_with, PlonkError};

mod common;
use common::{
    assert_circuit_equals_trace, assert_sampled_tampering_fails, backend, det, every, mock_circuit,
};

/// Conv 3×3 (4→8 ch, pad 1, bias) → Relu → Conv 3×3 stride 2 (8→6, no bias) → Add const.
fn graph() -> (QGraph, Vec<Vec<FTensor>>) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 4, 6, 6]);
    let conv = |stride| Conv {
        kernel: [3, 3],
        strides: [stride, stride],
        pads: [1, 1, 1, 1],
        dilations: [1, 1],
        group: 1,
    };
    let w1 = g.add_const("w1", det(&[8, 4, 3, 3], 1, 0.5));
    let b1 = g.add_const("b1", det(&[8], 2, 0.5));
    let c1 = g
        .add_node("conv1", Op::Conv(conv(1)), vec![x, w1, b1], "c1")
        .unwrap();
    let r = g.add_node("relu", Op::Relu, vec![c1], "r").unwrap();
    let w2 = g.add_const("w2", det(&[6, 8, 3, 3], 3, 0.5));
    let c2 = g
        .add_node("conv2", Op::Conv(conv(2)), vec![r, w2], "c2")
        .unwrap();
    let k = g.add_const("k", det(&[1, 6, 1, 1], 4, 0.5));
    let o = g.add_node("add", Op::Add, vec![c2, k], "o").unwrap();
    g.add_output(o);
    let samples: Vec<Vec<FTensor>> = (0..3)
        .map(|s| vec![det(&[1, 4, 6, 6], 10 + s, 1.0)])
        .collect();
    (common::quantize_small(&g, &samples), samples)
}

#[test]
fn planner_uses_the_check_where_it_saves_rows() {
    let (q, _) = graph();
    let vis = Visibility::default();
    let with = plan(&q, &vis, None).unwrap();
    let without = plan_with(&q, &vis, None, false).unwrap();
    println!("{with}\n{without}");
    assert!(with.shape.freivalds, "both convolutions should be checked");
    assert!(!without.shape.freivalds);
    assert!(
        with.rows < without.rows,
        "{} vs {}",
        with.rows,
        without.rows
    );
}

#[test]
fn checked_convolutions_compute_exactly_the_trace() {
    let (q, samples) = graph();
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    for s in &samples {
        let t = execute(&q, s).unwrap();
        assert_eq!(assert_circuit_equals_trace(&q, &t, &vis, &p.shape).0, 2);
    }
}

#[test]
fn mock_prover_accepts_and_sampled_tampering_fails() {
    let (q, samples) = graph();
    let t = execute(&q, &samples[0]).unwrap();
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    let (c, k, inst) = mock_circuit(&q, &t, &vis, &p);
    assert_sampled_tampering_fails(&c, k, &inst, every(11, 5));
}

#[test]
fn two_phase_proofs_verify_and_reject_tampering() {
    let (q, samples) = graph();
    let be = backend();
    let (pk, vk) = be.setup(&q, &SetupOptions::default()).unwrap();
    assert!(pk.plan.shape.freivalds);
    let t0 = execute(&q, &samples[0]).unwrap();
    let t1 = execute(&q, &samples[1]).unwrap();
    let (proof, public) = be.prove(&pk, &q, &t0).unwrap();
    be.verify(&vk, &public, &proof).unwrap();
    // The planner's proof size is exact (two phases included).
    assert_eq!(proof.bytes.len(), pk.plan.proof_bytes);
    for pos in [0, 40, proof.bytes.len() / 2, proof.bytes.len() - 1] {
        let mut bad = proof.clone();
        bad.bytes[pos] ^= 1;
        assert!(
            be.verify(&vk, &public, &bad).is_err(),
            "flipped byte {pos} accepted"
        );
    }
    let mut bad_pub = public.clone();
    bad_pub.outputs[0][3] += 1;
    assert!(matches!(
        be.verify(&vk, &bad_pub, &proof),
        Err(PlonkError::Rejected(_))
    ));
    let (proof1, public1) = be.prove(&pk, &q, &t1).unwrap();
    be.verify(&vk, &public1, &proof1).unwrap();
    assert!(be.verify(&vk, &public, &proof1).is_err());
}

/// x[8, 32] · W[32, 24] + b (an Add of a constant, fused into the rescale) → Relu.
fn matmul_graph() -> (QGraph, Vec<Vec<FTensor>>) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![8, 32]);
    let w = g.add_const("w", det(&[32, 24], 5, 0.5));
    let b = g.add_const("b", det(&[24], 6, 0.5));
    let m = g.add_node("mm", Op::MatMul, vec![x, w], "m").unwrap();
    let a = g.add_node("bias", Op::Add, vec![m, b], "a").unwrap();
    let r = g.add_node("relu", Op::Relu, vec![a], "r").unwrap();
    g.add_output(r);
    let samples: Vec<Vec<FTensor>> = (0..2).map(|s| vec![det(&[8, 32], 20 + s, 1.0)]).collect();
    let cal = calibrate(&g, &samples).unwrap();
    (
        quantize(&g, &cal, &QuantConfig::default()).unwrap(),
        samples,
    )
}

#[test]
fn matmul_by_a_constant_matrix_is_checked() {
    let (q, samples) = matmul_graph();
    let vis = Visibility::default();
    // At MAC width 8 the check saves rows (8·24 outputs of 32 terms).
    let mut shape = plan(&q, &vis, None).unwrap().shape;
    shape.n = 8;
    shape.freivalds = true;
    let t = execute(&q, &samples[0]).unwrap();
    let (checked, rows) = assert_circuit_equals_trace(&q, &t, &vis, &shape);
    assert_eq!(checked, 1);
    let k = (rows.max(shape.table_rows()) + 16)
        .next_power_of_two()
        .trailing_zeros();
    let p = zkml_plonk::plan::plan_for_shape(&q, &vis, &shape, k).unwrap();
    let (c, k, inst) = mock_circuit(&q, &t, &vis, &p);
    assert_sampled_tampering_fails(&c, k, &inst, |n| (3..n).step_by(37).collect());
}

/// Private weights: `v_k` and `B` are pair rows of copies of the weight cells
/// (committed before `α`) with `α` powers.
#[test]
fn private_weight_convolutions_are_checked() {
    let (q, samples) = graph();
    let vis = Visibility {
        weights: zkml_core::backend::Vis::Private,
        ..Visibility::default()
    };
    let p = plan(&q, &vis, None).unwrap();
    let mac = plan_with(&q, &vis, None, false).unwrap();
    assert!(p.layers.iter().filter(|l| l.checked).count() == 2, "{p}");
    assert!(p.rows < mac.rows, "{} vs {}", p.rows, mac.rows);
    let t = execute(&q, &samples[0]).unwrap();
    assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
    let (c, k, inst) = mock_circuit(&q, &t, &vis, &p);
    assert_sampled_tampering_fails(&c, k, &inst, every(13, 5));
    let be = backend();
    let (pk, vk) = common::keys(&be, &q, &vis);
    let (proof, public) = be.prove(&pk, &q, &t).unwrap();
    be.verify(&vk, &public, &proof).unwrap();
    let mut bad = public.clone();
    bad.outputs[0][0] += 1;
    assert!(be.verify(&vk, &bad, &proof).is_err());
}
