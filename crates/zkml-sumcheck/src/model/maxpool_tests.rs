//! MaxPool (and Clip, which shares ReLU's lookup) through both backends:
//! honest proofs (public and private input), a forged pool output whose
//! differences and selectors are the true ones (every other relation holds),
//! tampered messages, an output that is no window entry.

use crate::conv::model_tests::cnn_pool_op;
use crate::error::Error;
use crate::field::{Curve, Field, Fr};
use crate::model::{NodeProof, SumcheckBackend};
use crate::test_utils::{forged, opts};
use crate::zkmodel::{ZkNodeProof, ZkSumcheckBackend};
use zkml_core::backend::{Backend, Vis};
use zkml_core::{QGraph, QOp};

fn pool(q: &QGraph) -> usize {
    (0..q.nodes.len())
        .find(|&i| matches!(q.nodes[i].op, QOp::MaxPool(_)))
        .expect("a MaxPool node")
}

#[test]
fn max_pool_proves_and_a_forged_or_tampered_pool_is_rejected() {
    let (q, t) = cnn_pool_op(7, true);
    let i = pool(&q);
    // Clear backend: honest, tampered messages, forged output.
    let (key, _) = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap();
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    SumcheckBackend.verify(&key, &public, &proof).unwrap();
    for case in 0..5 {
        let mut p = proof.clone();
        let NodeProof::MaxPool {
            y_eval,
            d_eval,
            s_eval,
            gather,
            lookup_evals,
            ..
        } = &mut p.nodes[i]
        else {
            panic!("node {i} has a MaxPool proof")
        };
        match case {
            0 => *y_eval += Fr::ONE,
            1 => *d_eval += Fr::ONE,
            2 => *s_eval += Fr::ONE,
            3 => gather.a_eval += Fr::ONE,
            _ => lookup_evals[1] += Fr::ONE,
        }
        let err = SumcheckBackend.verify(&key, &public, &p).unwrap_err();
        assert!(matches!(err, Error::Rejected { .. }), "case {case}: {err}");
    }
    let f = forged(&q, &t, i);
    assert!(
        SumcheckBackend.prove(&key, &q, &f).is_err(),
        "honest prover refuses"
    );
    let (proof, public) =
        crate::model::prover::prove_inner(&key, &f, &mut rand_core06::OsRng, true).unwrap();
    let err = SumcheckBackend.verify(&key, &public, &proof).unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err}");

    // Zero-knowledge backend, public and private input.
    for input in [Vis::Private, Vis::Public] {
        let (key, _) = ZkSumcheckBackend.setup(&q, &opts(input)).unwrap();
        let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
        ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
        let u = key.gens.u;
        for case in 0..3 {
            let mut p = proof.clone();
            if case == 2 {
                // The pair commitments of the batched lookups (MaxPool's
                // `(d, s)` column among them).
                for l in p.lookups.iter_mut() {
                    for c in l.pair_coms.iter_mut() {
                        *c = (*c + u).to_affine();
                    }
                }
            } else {
                let ZkNodeProof::MaxPool { coms, .. } = &mut p.nodes[i] else {
                    panic!("node {i} has a MaxPool proof")
                };
                let c = &mut coms[1 + case];
                *c = (*c + u).to_affine();
            }
            let err = ZkSumcheckBackend.verify(&key, &public, &p).unwrap_err();
            assert!(
                matches!(err, Error::Rejected { .. }),
                "zk case {case}: {err}"
            );
        }
        let (proof, public) =
            crate::zkmodel::prover::prove_inner(&key, &f, &mut rand_core06::OsRng, true).unwrap();
        let err = ZkSumcheckBackend.verify(&key, &public, &proof).unwrap_err();
        assert!(matches!(err, Error::Rejected { .. }), "zk: {err}");
        // The proof's bytes round-trip.
        let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
        let back = crate::zkmodel::ZkModelProof::from_bytes(&proof.to_bytes()).unwrap();
        ZkSumcheckBackend.verify(&key, &public, &back).unwrap();
    }
}

#[test]
fn a_max_pool_output_that_is_no_window_entry_has_no_proof() {
    let (q, t) = cnn_pool_op(8, true);
    let i = pool(&q);
    let (key, _) = ZkSumcheckBackend.setup(&q, &opts(Vis::Private)).unwrap();
    // y one above its window's maximum: no slot has difference 0.
    let mut f = t.clone();
    let y = q.nodes[i].output;
    f.values[y].as_slice_mut().unwrap()[0] += 1;
    let err = crate::model::maxpool::aux_table(&q, i, &f, false).unwrap_err();
    assert!(
        err.to_string().contains("not an entry of its window"),
        "{err}"
    );
    assert!(ZkSumcheckBackend.prove(&key, &q, &f).is_err());
}

#[test]
fn clip_proves_by_its_table_and_a_forged_clip_is_rejected() {
    // x → dense(8) → Clip(0, 0.5) → dense(4), the clip bound hit by some entries.
    use crate::test_utils::{dense, det, rerun_after, run};
    use zkml_core::{Graph, Op};
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 6]);
    let h = dense(&mut g, x, 6, 8, "0", 61);
    let h = g
        .add_node("clip", Op::Clip { min: 0.0, max: 0.5 }, vec![h], "c")
        .unwrap();
    let o = dense(&mut g, h, 8, 4, "1", 71);
    g.add_output(o);
    let (q, t) = run(&g, &[vec![det(&[1, 6], 3, 2.0)]]);
    let i = q
        .nodes
        .iter()
        .position(|n| matches!(n.op, QOp::Clip { .. }))
        .unwrap();
    // A forged clip output (an entry moved by one, later nodes recomputed).
    let mut f = t.clone();
    let y = q.nodes[i].output;
    f.values[y].as_slice_mut().unwrap()[1] += 1;
    let f = rerun_after(&q, f, i);
    let (key, _) = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap();
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    SumcheckBackend.verify(&key, &public, &proof).unwrap();
    // Its pair is in no table: the honest prover has no proof.
    assert!(SumcheckBackend.prove(&key, &q, &f).is_err());
    for input in [Vis::Private, Vis::Public] {
        let (key, _) = ZkSumcheckBackend.setup(&q, &opts(input)).unwrap();
        let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
        ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
        assert!(ZkSumcheckBackend.prove(&key, &q, &f).is_err());
    }
}
