//! The packed witness commitment ([`super::packed`]) end to end: a prover
//! who places two tables in each other's blocks, a tampered row of `F`, a
//! tampered round of the reduction, and a model with nothing to pack.

use super::packed::{tests::SWAP, Layout, Slot};
use super::*;
use crate::field::{Curve, PrimeCurveAffine};
use crate::model::tests::mlp;
use crate::model::ProvingKey;
use crate::test_utils::{opts, run, samples};
use zkml_core::backend::{Backend, PublicValues};
use zkml_core::{Graph, Op, QGraph, Trace};

fn proved(q: &QGraph, t: &Trace, input: Vis) -> (ProvingKey, ZkModelProof, PublicValues) {
    let key = ZkSumcheckBackend.setup(q, &opts(input)).unwrap().0;
    let (proof, public) = ZkSumcheckBackend.prove(&key, q, t).unwrap();
    ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
    (key, proof, public)
}

fn rejected(key: &ProvingKey, public: &PublicValues, p: &ZkModelProof) -> bool {
    matches!(
        ZkSumcheckBackend.verify(key, public, p),
        Err(crate::Error::Rejected { .. })
    )
}

/// A prover who swaps two equal-size tables' blocks commits an `F` whose
/// blocks hold the right tables at the wrong places, and opens every claim
/// where it put the table: the verifier places the claims by the model's
/// layout, and rejects.
#[test]
fn a_prover_who_swaps_two_tables_blocks_is_rejected() {
    let (q, t) = mlp(&[12, 8, 8, 4], 3);
    let key = ZkSumcheckBackend.setup(&q, &opts(Vis::Private)).unwrap().0;
    let layout = Layout::of_key(&key).unwrap();
    let b = &layout.blocks;
    let mut pairs = vec![];
    for a in 0..b.len() {
        if let Some(c) = (a + 1..b.len()).find(|&c| b[c].1 == b[a].1) {
            pairs.push((a, c));
        }
    }
    assert!(!pairs.is_empty(), "two tables of one size: {b:?}");
    for (a, c) in pairs {
        SWAP.with(|s| s.set(Some((a, c))));
        let proved = ZkSumcheckBackend.prove(&key, &q, &t);
        SWAP.with(|s| s.set(None));
        let (proof, public) = proved.unwrap();
        assert!(
            rejected(&key, &public, &proof),
            "blocks {a} and {c} swapped"
        );
    }
}

/// Every row of `F`'s commitment is bound, and so is every round of the
/// openings' reductions (`F`'s among them).
#[test]
fn a_tampered_packed_row_or_reduction_round_is_rejected() {
    let (q, t) = mlp(&[12, 8, 4], 5);
    let (key, proof, public) = proved(&q, &t, Vis::Private);
    let u = key.gens.u;
    let rows = proof.packed.as_ref().unwrap().rows.len();
    assert!(rows > 1);
    for r in 0..rows {
        let mut p = proof.clone();
        let row = &mut p.packed.as_mut().unwrap().rows[r];
        *row = (*row + u).to_affine();
        assert!(rejected(&key, &public, &p), "row {r}");
        // The identity (no affine coordinates) in place of a row that is
        // not the identity is rejected, never a panic of the verifier's MSM.
        let mut p = proof.clone();
        let row = &mut p.packed.as_mut().unwrap().rows[r];
        if !bool::from(row.is_identity()) {
            *row = crate::field::G1Affine::identity();
            assert!(rejected(&key, &public, &p), "row {r} the identity");
        }
    }
    let layout = Layout::of_key(&key).unwrap();
    let n = layout.num_vars.unwrap();
    // Rows past the last block are zeros with zero blinds: the identity
    // (the MSM skips them); every row before it is hidden by its blind.
    let width = 1usize << crate::hyrax::split_vars(n).1;
    for (r, row) in proof.packed.as_ref().unwrap().rows.iter().enumerate() {
        let past = r * width >= layout.used();
        assert_eq!(bool::from(row.is_identity()), past, "row {r}");
    }
    let mut reduced = 0;
    for (g, b) in proof.openings.iter().enumerate() {
        let Some(red) = &b.reduce else { continue };
        reduced += 1;
        for k in 0..red.rounds.len() {
            let mut p = proof.clone();
            let round = &mut p.openings[g].reduce.as_mut().unwrap().rounds[k];
            round.evals[0] = (round.evals[0] + u).to_affine();
            assert!(rejected(&key, &public, &p), "group {g} round {k}");
        }
    }
    assert!(reduced > 0, "F's claims are reduced (n = {n})");
}

/// A model with nothing to pack (a public input through a ReLU to the
/// public output): no packed commitment; one in the proof is refused.
#[test]
fn a_model_with_no_committed_table_has_no_packed_commitment() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 6]);
    let r = g.add_node("relu", Op::Relu, vec![x], "r").unwrap();
    g.add_output(r);
    let (q, t) = run(&g, &samples(&[1, 6], 7, false));
    let (key, proof, public) = proved(&q, &t, Vis::Public);
    assert_eq!(Layout::of_key(&key).unwrap().num_vars, None);
    assert!(proof.packed.is_none());
    let mut p = proof.clone();
    p.packed = Some(crate::hyrax::HyraxCommitment {
        rows: vec![key.gens.u],
    });
    assert!(ZkSumcheckBackend.verify(&key, &public, &p).is_err());
    // The same model with a private input packs exactly the input.
    let (key, proof, _) = proved(&q, &t, Vis::Private);
    let layout = Layout::of_key(&key).unwrap();
    assert_eq!(layout.blocks.len(), 1);
    assert_eq!(layout.blocks[0].0, Slot::Value(q.inputs[0]));
    assert!(proof.packed.is_some());
}
