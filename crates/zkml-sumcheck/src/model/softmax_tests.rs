//! Softmax through both backends: the lane witness against the executor
//! (odd lane lengths, input scales above 12), honest proofs (public and
//! private input, a final Softmax and one followed by a layer), forged
//! witnesses (a wrong max, exponential, lane sum, quotient, remainder,
//! rounding) proved by a cheating prover and rejected, tampered messages,
//! and the refusal of another axis.

use super::softmax::{self as sm, Forge, FORGE};
use crate::error::Error;
use crate::field::{Curve, Field, Fr};
use crate::model::{ModelProof, NodeProof, SumcheckBackend};
use crate::test_utils::{dense, det, opts, proves_in_both_backends, rerun_after, run_with};
use crate::zkmodel::{ZkModelProof, ZkNodeProof, ZkSumcheckBackend};
use zkml_core::backend::{Backend, Vis};
use zkml_core::ops::softmax::softmax_int;
use zkml_core::quant::QuantConfig;
use zkml_core::{Graph, Op, QGraph, QOp, Trace};

/// `x: [rows, 6]` → dense → Softmax over `n` (→ dense when `tail`), with
/// 10-bit activations (small tables: fast tests).
fn model(rows: usize, n: usize, tail: bool, seed: u64) -> (QGraph, Trace) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![rows, 6]);
    let h = dense(&mut g, x, 6, n, "1", seed);
    let mut s = g
        .add_node("softmax", Op::Softmax { axis: 1 }, vec![h], "s")
        .unwrap();
    if tail {
        s = dense(&mut g, s, n, 3, "2", seed + 7);
    }
    g.add_output(s);
    let cfg = QuantConfig {
        act_bits: 10,
        ..QuantConfig::default()
    };
    let samples: Vec<_> = (0..3)
        .map(|k| vec![det(&[rows, 6], seed + k, 2.0)])
        .collect();
    run_with(&g, &samples, &cfg)
}

fn softmax_node(q: &QGraph) -> usize {
    (0..q.nodes.len())
        .find(|&i| matches!(q.nodes[i].op, QOp::Softmax { .. }))
        .expect("a Softmax node")
}

/// Sets the Softmax node's input scale to `s` and reruns it and what follows.
fn with_in_scale(mut q: QGraph, t: Trace, s: i32) -> (QGraph, Trace) {
    let i = softmax_node(&q);
    if let QOp::Softmax { in_scale, .. } = &mut q.nodes[i].op {
        *in_scale = s;
    }
    let t = rerun_after(&q, t, i - 1);
    (q, t)
}

#[test]
fn two_softmax_nodes_share_their_tables_and_prove() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![2, 6]);
    let h = dense(&mut g, x, 6, 5, "1", 21);
    let s = g
        .add_node("sm1", Op::Softmax { axis: 1 }, vec![h], "s1")
        .unwrap();
    let h = dense(&mut g, s, 5, 4, "2", 22);
    let s = g
        .add_node("sm2", Op::Softmax { axis: 1 }, vec![h], "s2")
        .unwrap();
    g.add_output(s);
    let cfg = QuantConfig {
        act_bits: 10,
        ..QuantConfig::default()
    };
    let samples: Vec<_> = (0..3).map(|k| vec![det(&[2, 6], 40 + k, 2.0)]).collect();
    let (q, t) = run_with(&g, &samples, &cfg);
    proves_in_both_backends(&q, &t);
    // One max table for both nodes (it depends only on the activation bits).
    use crate::zkmodel::lookups::{LookupPlan, TableKey};
    let (key, _) = ZkSumcheckBackend.setup(&q, &opts(Vis::Private)).unwrap();
    let mut plan = LookupPlan::default();
    for i in (0..q.nodes.len()).filter(|&i| matches!(q.nodes[i].op, QOp::Softmax { .. })) {
        crate::zkmodel::softmax::register(&key, i, &mut plan).unwrap();
    }
    let max_tables = plan.tables.iter();
    let max_tables = max_tables.filter(|(k, _)| matches!(k, TableKey::Softmax(_, sm::Table::Max)));
    assert_eq!(max_tables.count(), 1);
}

#[test]
fn lane_witness_is_the_executors_softmax_at_every_scale_and_length() {
    for n in [1usize, 2, 3, 7, 10, 16] {
        for in_scale in [4, 8, 12, 13, 14, 17] {
            let x = det(&[2, n], n as u64 * 31 + in_scale as u64, 1.0)
                .mapv(|v| (v * 2000.0).round() as i64);
            let want = softmax_int(&x, 1, in_scale, 7, 7);
            let p = sm::Params {
                n,
                rows: 2,
                in_scale,
                exp_scale: 7,
                out_scale: 7,
                sh: zkml_core::ops::softmax::exp_table_shift(in_scale),
                dd_min: 0,
                s_max: 0,
            };
            for row in 0..2 {
                let qs: Vec<i64> = x.iter().skip(row * n).take(n).copied().collect();
                let l = sm::lane(&p, &qs, false);
                let w: Vec<i64> = want.iter().skip(row * n).take(n).copied().collect();
                assert_eq!(l.y, w, "n {n}, in_scale {in_scale}");
                assert!(l.r.iter().all(|&r| 0 <= r && r < 2 * l.s));
                assert!(l.r2.iter().all(|&r| 0 <= r && r < 1 << p.sh));
            }
        }
    }
}

#[test]
fn softmax_proves_on_odd_lanes_and_above_scale_12() {
    for (rows, n) in [(1, 1), (2, 3), (1, 10), (3, 5)] {
        let (q, t) = model(rows, n, false, 3 + n as u64);
        proves_in_both_backends(&q, &t);
    }
    let (q, t) = model(2, 7, true, 5);
    proves_in_both_backends(&q, &t);
    // A Softmax of the model's input: its lanes are known to the verifier
    // when the input is public, committed when private.
    let mut g = Graph::new();
    let x = g.add_input("x", vec![3, 6]);
    let s = g
        .add_node("softmax", Op::Softmax { axis: 1 }, vec![x], "s")
        .unwrap();
    g.add_output(s);
    let cfg = QuantConfig {
        act_bits: 10,
        ..QuantConfig::default()
    };
    let samples: Vec<_> = (0..3).map(|k| vec![det(&[3, 6], 60 + k, 2.0)]).collect();
    let (q, t) = run_with(&g, &samples, &cfg);
    proves_in_both_backends(&q, &t);
    // The rounding path: q − m rounded to scale 12 before the table.
    let (q, t) = model(2, 5, false, 9);
    for s in [13, 15] {
        let (q, t) = with_in_scale(q.clone(), t.clone(), s);
        proves_in_both_backends(&q, &t);
    }
}

/// A cheating prover's forged witness: its output, later nodes
/// recomputed, proved with values missing from the tables left out of the
/// multiplicities; both verifiers must reject.
fn forged_proof_is_rejected(q: &QGraph, t: &Trace, forge: Forge) {
    let i = softmax_node(q);
    FORGE.with(|f| f.set(Some(forge)));
    crate::logup::prover::LENIENT.with(|l| l.set(true));
    let mut f = t.clone();
    f.values[q.nodes[i].output] = sm::forged_output(q, i, t);
    let f = rerun_after(q, f, i);
    let (key, _) = SumcheckBackend.setup(q, &opts(Vis::Public)).unwrap();
    let clear = SumcheckBackend
        .prove(&key, q, &f)
        .map(|(p, public)| SumcheckBackend.verify(&key, &public, &p));
    let (key, _) = ZkSumcheckBackend.setup(q, &opts(Vis::Private)).unwrap();
    let zk = ZkSumcheckBackend
        .prove(&key, q, &f)
        .map(|(p, public)| ZkSumcheckBackend.verify(&key, &public, &p));
    FORGE.with(|f| f.set(None));
    crate::logup::prover::LENIENT.with(|l| l.set(false));
    let clear = clear.unwrap().unwrap_err();
    assert!(
        matches!(clear, Error::Rejected { .. }),
        "{forge:?}: {clear}"
    );
    let zk = zk.unwrap().unwrap_err();
    assert!(matches!(zk, Error::Rejected { .. }), "zk {forge:?}: {zk}");
}

#[test]
fn forged_max_exponential_sum_quotient_and_remainders_are_rejected() {
    let (q, t) = model(2, 5, true, 11);
    for forge in [
        Forge::MaxAbove,
        Forge::MaxUnselected,
        Forge::MaxBelow,
        Forge::ExpPair,
        Forge::Sum,
        Forge::QuotientUp,
        Forge::QuotientDown,
        Forge::Shift,
    ] {
        forged_proof_is_rejected(&q, &t, forge);
    }
    // The rounding path's remainder.
    let (q, t) = with_in_scale(q, t, 14);
    forged_proof_is_rejected(&q, &t, Forge::Shift);
    forged_proof_is_rejected(&q, &t, Forge::QuotientUp);
}

#[test]
fn an_output_that_is_not_the_softmax_has_no_honest_proof() {
    let (q, t) = model(2, 3, false, 13);
    let i = softmax_node(&q);
    let mut f = t.clone();
    f.values[q.nodes[i].output].as_slice_mut().unwrap()[0] += 1;
    let (key, _) = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap();
    let err = SumcheckBackend.prove(&key, &q, &f).unwrap_err();
    assert!(err.to_string().contains("Softmax"), "{err}");
}

#[test]
fn tampered_softmax_messages_are_rejected() {
    let (q, t) = model(2, 3, true, 17);
    let i = softmax_node(&q);
    let (key, _) = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap();
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    let bad = |p: &ModelProof| {
        let err = SumcheckBackend.verify(&key, &public, p).unwrap_err();
        assert!(
            matches!(err, Error::Rejected { .. } | Error::Malformed { .. }),
            "{err}"
        );
    };
    let n_values = sm::VALUES.len();
    for case in 0..n_values + 5 {
        let mut p = proof.clone();
        let NodeProof::Softmax {
            evals,
            product,
            lookups,
            pair_evals,
        } = &mut p.nodes[i]
        else {
            panic!("node {i} has a Softmax proof")
        };
        match case {
            c if c < n_values => evals[c] += Fr::ONE,
            c if c == n_values => product.a_eval += Fr::ONE,
            c if c == n_values + 1 => product.b_eval += Fr::ONE,
            c if c == n_values + 2 => pair_evals[1] += Fr::ONE,
            c if c == n_values + 3 => lookups[1].sum += Fr::ONE,
            _ => product.sumcheck.rounds[0].evals[0] += Fr::ONE,
        }
        bad(&p);
    }
    let back = ModelProof::from_bytes(&proof.to_bytes()).unwrap();
    assert_eq!(back, proof);

    for input in [Vis::Private, Vis::Public] {
        let (key, _) = ZkSumcheckBackend.setup(&q, &opts(input)).unwrap();
        let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
        ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
        let u = key.gens.u;
        for case in 0..n_values + 4 {
            let mut p = proof.clone();
            let ZkNodeProof::Softmax {
                coms,
                relation,
                product,
            } = &mut p.nodes[i]
            else {
                panic!("node {i} has a Softmax proof")
            };
            match case {
                c if c < n_values => coms[c] = (coms[c] + u).to_affine(),
                c if c == n_values => relation.s += Fr::ONE,
                c if c == n_values + 1 => relation.a = (relation.a + u).to_affine(),
                c if c == n_values + 2 => {
                    product.rounds[0].evals[0] = (product.rounds[0].evals[0] + u).to_affine()
                }
                _ => {
                    // The row of F holding the node's auxiliary table.
                    let layout = crate::zkmodel::packed::Layout::of_key(&key).unwrap();
                    let (_, off) = layout.block(crate::zkmodel::packed::Slot::Aux(i)).unwrap();
                    let nc = crate::hyrax::split_vars(layout.num_vars.unwrap()).1;
                    let c = &mut p.packed.as_mut().unwrap().rows[off >> nc];
                    *c = (*c + u).to_affine();
                }
            }
            let err = ZkSumcheckBackend.verify(&key, &public, &p).unwrap_err();
            assert!(
                matches!(err, Error::Rejected { .. }),
                "zk case {case}: {err}"
            );
        }
        let back = ZkModelProof::from_bytes(&proof.to_bytes()).unwrap();
        ZkSumcheckBackend.verify(&key, &public, &back).unwrap();
    }
}

#[test]
fn softmax_over_another_axis_is_refused_by_name() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![3, 4]);
    let s = g
        .add_node("sm", Op::Softmax { axis: 0 }, vec![x], "s")
        .unwrap();
    g.add_output(s);
    let (q, _) = run_with(&g, &[vec![det(&[3, 4], 1, 1.0)]], &QuantConfig::default());
    let err = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported { op, why, .. } if op == "Softmax" && why.contains("last axis")),
        "{err}"
    );
    let err = ZkSumcheckBackend
        .setup(&q, &opts(Vis::Private))
        .unwrap_err();
    assert!(err.to_string().contains("last axis"), "{err}");
}
