//! End to end for the position-reporting selections and LeakyRelu/PRelu
//! slopes outside [0, 1]: ArgMax and ArgMin (both tie rules, keepdims),
//! TopK with k = 1 (values and indices), LeakyRelu with a negative slope and
//! one above 1. The circuit's outputs equal the executor's trace (ties
//! included), the MockProver accepts, corrupting sampled advice cells is
//! rejected, every other index claimed as a public output is rejected, and a
//! real proof for a forged index (a prover who proves the honest witness
//! under a wrong public output) fails verification. TopK with k > 1 (values
//! and indices, both directions, any axis, k = n) proves the same way.

mod common;

use std::sync::Arc;

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use zkml_core::{
    backend::{Backend, PublicValues, Visibility},
    exec::execute_int,
    ops::{Arg, TopK},
    ITensor, QGraph, QOp,
};
use zkml_plonk::{circuit::ZkmlCircuit, gadgets::fe, plan, PlonkError};

use common::qgraph::QBuilder;

/// Rows with ties at the maximum and at the minimum, the activation range's
/// ends, and a single-element lane along axis 0.
fn input() -> ITensor {
    ITensor::from_shape_vec(
        vec![3, 5],
        vec![
            4, 9, -2, 9, -2, //
            -2048, 2047, 2047, -2048, 0, //
            7, 7, 7, 7, 7,
        ],
    )
    .unwrap()
}

fn arg(largest: bool, last: bool, axis: usize, keepdims: bool) -> QOp {
    QOp::Arg(Arg {
        axis,
        keepdims,
        largest,
        last,
    })
}

/// Every ArgMax/ArgMin variant, and TopK k = 1 values and indices, of one input.
fn arg_model() -> QGraph {
    let mut g = QBuilder::new(12);
    let x = g.input("x", &[3, 5]);
    let mut outs = vec![];
    for (i, (largest, last)) in [(true, false), (true, true), (false, false), (false, true)]
        .into_iter()
        .enumerate()
    {
        outs.push(g.node(&format!("arg{i}"), arg(largest, last, 1, false), &[x], &[3]));
    }
    outs.push(g.node("arg_k", arg(true, false, 0, true), &[x], &[1, 5]));
    for (i, (largest, indices)) in [(true, false), (true, true), (false, false), (false, true)]
        .into_iter()
        .enumerate()
    {
        let op = QOp::TopK(TopK {
            axis: 1,
            k: 1,
            largest,
            indices,
        });
        outs.push(g.node(&format!("top{i}"), op, &[x], &[3, 1]));
    }
    for o in outs {
        g.output(o);
    }
    g.finish()
}

fn flat(t: &ITensor) -> Vec<i64> {
    t.iter().copied().collect()
}

#[test]
fn arg_and_top1_prove_with_both_tie_rules() {
    let q = arg_model();
    let t = execute_int(&q, vec![input()]).unwrap();
    let o = |i: usize| flat(&t.values[q.outputs[i]]);
    // The executor's rules (the spec the circuit must match).
    assert_eq!(o(0), [1, 1, 0], "ArgMax, first");
    assert_eq!(o(1), [3, 2, 4], "ArgMax, last");
    assert_eq!(o(2), [2, 0, 0], "ArgMin, first");
    assert_eq!(o(3), [4, 3, 4], "ArgMin, last");
    assert_eq!(o(4), [2, 1, 1, 0, 2], "ArgMax along axis 0");
    assert_eq!(o(5), [9, 2047, 7]);
    assert_eq!(o(6), [1, 1, 0]);
    assert_eq!(o(7), [-2, -2048, 7]);
    assert_eq!(o(8), [2, 0, 0]);

    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    common::assert_sampled_tampering_fails(&c, k, &inst, common::every(7, 30));

    // Every other index in [0, 5) claimed for any index output is rejected.
    let n_out: usize = q.outputs.iter().map(|&o| t.values[o].len()).sum();
    let base = inst.len() - n_out;
    let mut at = base;
    for (i, &o) in q.outputs.iter().enumerate() {
        let index_output = !matches!(q.nodes[i].op, QOp::TopK(TopK { indices: false, .. }));
        for &v in t.values[o].iter() {
            if index_output {
                for wrong in (0..5).filter(|&w| w != v) {
                    let mut bad = inst.clone();
                    bad[at] = Fr::from(wrong as u64);
                    let r = MockProver::run(k, &c, vec![bad]).unwrap().verify();
                    assert!(r.is_err(), "output {i}: index {wrong} accepted for {v}");
                }
            }
            at += 1;
        }
    }
}

/// A real proof: the honest one verifies; a prover who proves the honest
/// witness under a forged public index (`prove_unchecked`, bypassing the
/// trace check) is rejected by `verify`, and `prove` refuses the forged trace.
#[test]
fn forged_index_proof_is_rejected() {
    let mut g = QBuilder::new(12);
    let x = g.input("x", &[3, 5]);
    let a = g.node("argmin_last", arg(false, true, 1, false), &[x], &[3]);
    g.output(a);
    let q = g.finish();
    let t = execute_int(&q, vec![input()]).unwrap();
    let vis = Visibility::default();
    let be = common::backend();
    let (pk, vk) = common::keys(&be, &q, &vis);
    let (proof, public) = be.prove(&pk, &q, &t).unwrap();
    be.verify(&vk, &public, &proof).unwrap();
    assert_eq!(public.outputs[0], [4, 3, 4]);

    // The first minimum instead of the last: a plausible wrong answer.
    let mut forged = t.clone();
    forged.values[a] = ITensor::from_shape_vec(vec![3], vec![2, 0, 0]).unwrap();
    assert!(matches!(
        be.prove(&pk, &q, &forged),
        Err(PlonkError::TraceMismatch { .. })
    ));
    let forged_public = PublicValues::from_trace(&q, &forged, &vis);
    let bad_inst: Vec<Fr> = forged_public
        .inputs
        .iter()
        .chain(&forged_public.outputs)
        .flatten()
        .map(|&v| fe(v as i128))
        .collect();
    let p = plan(&q, &vis, None).unwrap();
    let honest = ZkmlCircuit {
        q: Arc::new(q.clone()),
        trace: Some(Arc::new(t.clone())),
        vis: vis.clone(),
        shape: p.shape.clone(),
        tamper: None,
        witness_only: false,
        blinds: Default::default(),
    };
    let proof = be.prove_unchecked(&pk, &honest, &bad_inst).unwrap();
    assert!(matches!(
        be.verify(&vk, &forged_public, &proof),
        Err(PlonkError::Rejected(_))
    ));
}

/// TopK with `k > 1`: values and indices, largest and smallest, along the
/// last axis and along axis 0, and `k = n`, as an ONNX TopK loads (a values
/// node then an indices node over one input).
fn top_k_model() -> QGraph {
    let mut g = QBuilder::new(12);
    let x = g.input("x", &[3, 5]);
    let mut outs = vec![];
    for (axis, k, shape) in [(1, 3, [3, 3]), (0, 2, [2, 5]), (1, 5, [3, 5])] {
        for largest in [true, false] {
            for indices in [false, true] {
                let op = QOp::TopK(TopK {
                    axis,
                    k,
                    largest,
                    indices,
                });
                let name = format!("top{axis}{k}{largest}{indices}");
                outs.push(g.node(&name, op, &[x], &shape));
            }
        }
    }
    for o in outs {
        g.output(o);
    }
    g.finish()
}

/// The circuit's TopK (k > 1) equals the executor's (ties to the lower
/// index, the range's ends), the MockProver accepts, sampled corrupted cells
/// are rejected, and a public output claiming another index of the lane or
/// another element's value is rejected. Each values/indices pair is laid
/// out once (the indices node takes no rows of its own).
#[test]
fn top_k_above_one_proves() {
    let q = top_k_model();
    let t = execute_int(&q, vec![input()]).unwrap();
    let o = |i: usize| flat(&t.values[q.outputs[i]]);
    // The executor's rule (the spec): rows [4, 9, −2, 9, −2],
    // [−2048, 2047, 2047, −2048, 0], [7, 7, 7, 7, 7].
    assert_eq!(o(0), [9, 9, 4, 2047, 2047, 0, 7, 7, 7], "largest 3");
    assert_eq!(o(1), [1, 3, 0, 1, 2, 4, 0, 1, 2]);
    assert_eq!(o(2), [-2, -2, 4, -2048, -2048, 0, 7, 7, 7], "smallest 3");
    assert_eq!(o(3), [2, 4, 0, 0, 3, 4, 0, 1, 2]);
    assert_eq!(
        o(4),
        [7, 2047, 2047, 9, 7, 4, 9, 7, 7, 0],
        "largest 2 along axis 0"
    );
    assert_eq!(o(5), [2, 1, 1, 0, 2, 0, 0, 2, 2, 1]);
    assert_eq!(
        o(11),
        [2, 4, 0, 1, 3, 0, 3, 4, 1, 2, 0, 1, 2, 3, 4],
        "k = n, smallest"
    );

    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    assert!(p.shape.dyn_lookup, "TopK k > 1 needs the run-time lookup");
    let rows = zkml_plonk::plan::node_rows(&q, &vis).unwrap();
    for pair in rows.chunks(2) {
        assert!(pair[0] > 0 && pair[1] == 0, "values/indices rows {pair:?}");
    }
    common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    common::assert_sampled_tampering_fails(&c, k, &inst, common::every(11, 0));

    // Public outputs: every output's cells in order. For a sample of output
    // cells claim another index (index outputs) or another element of the
    // input (value outputs).
    let n_out: usize = q.outputs.iter().map(|&o| t.values[o].len()).sum();
    let mut at = inst.len() - n_out;
    let mut tried = 0;
    for (i, &o) in q.outputs.iter().enumerate() {
        let indices = matches!(q.nodes[i].op, QOp::TopK(TopK { indices: true, .. }));
        for (j, &v) in t.values[o].iter().enumerate() {
            if j % 4 == 0 {
                let wrong = if indices {
                    (v + 1) % 3
                } else {
                    if v == 9 {
                        7
                    } else {
                        9
                    }
                };
                let mut bad = inst.clone();
                bad[at] = fe(wrong as i128);
                let r = MockProver::run(k, &c, vec![bad]).unwrap().verify();
                assert!(r.is_err(), "output {i}[{j}]: {wrong} accepted for {v}");
                tried += 1;
            }
            at += 1;
        }
    }
    assert!(tried > 20);
}

/// LeakyRelu `alpha/2^shift` with slopes outside [0, 1] on inputs of both
/// signs (odd products, so the rounding matters, and the range's top): the
/// circuit matches the executor, tampering is rejected.
#[test]
fn leaky_relu_negative_and_steep_slopes_prove() {
    // α = −0.3 (≈ −77/256), α = 1.75, α = −2 (a shift of 0).
    for (alpha, alpha_shift) in [(-77i64, 8u32), (7, 2), (-2, 0)] {
        let mut g = QBuilder::new(12);
        let x = g.input("x", &[1, 8]);
        let y = g.node(
            "leaky",
            QOp::LeakyRelu { alpha, alpha_shift },
            &[x],
            &[1, 8],
        );
        g.output(y);
        let q = g.finish();
        // Negative inputs whose products stay within the 12-bit range.
        let vals = vec![-1000i64, -999, -5, -1, 0, 1, 3, 2047];
        let input = ITensor::from_shape_vec(vec![1, 8], vals.clone()).unwrap();
        let t = execute_int(&q, vec![input]).unwrap();
        let want: Vec<i64> = vals
            .iter()
            .map(|&v| zkml_core::ops::activation::leaky_relu_int(v, alpha, alpha_shift))
            .collect();
        assert_eq!(flat(&t.values[y]), want);
        let vis = Visibility::default();
        let p = plan(&q, &vis, None).unwrap();
        common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
        let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
        common::assert_sampled_tampering_fails(&c, k, &inst, common::every(3, 8));
        let mut bad = inst.clone();
        *bad.last_mut().unwrap() += Fr::from(1u64);
        assert!(MockProver::run(k, &c, vec![bad]).unwrap().verify().is_err());
    }
}
