//! Hidden weights ([`super::weights`], [`crate::model::key`]): private and
//! committed weights prove and verify; proofs with other weights than the
//! committed ones, tampered proofs, commitments and keys, changed public
//! values are rejected; the verifying key holds no hidden value; ops that
//! cannot open a hidden constant are refused at setup.

use super::*;
use crate::model::key::{weights_commitment, KEY_MAGIC};
use crate::model::tests::mlp;
use crate::model::{Key, ProvingKey, SumcheckBackend};
use crate::test_utils::{dense, run, samples};
use zkml_core::backend::{Backend, Blinding, FieldBytes, Openings, SetupOptions, Visibility};
use zkml_core::exec::execute;
use zkml_core::quant::QValueKind;
use zkml_core::{Graph, ITensor, Op, QGraph, Trace};

pub(super) fn opts(input: Vis, weights: Vis) -> SetupOptions {
    SetupOptions {
        visibility: Visibility {
            input,
            weights,
            ..Visibility::default()
        },
        k: None,
    }
}

/// A batch of 3 rows through 12 → 6 → ReLU → 5: biases broadcast over rows.
pub(super) fn batched() -> (QGraph, Trace) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![3, 12]);
    let h = dense(&mut g, x, 12, 6, "0", 5);
    let r = g.add_node("relu", Op::Relu, vec![h], "r").unwrap();
    let y = dense(&mut g, r, 6, 5, "1", 7);
    g.add_output(y);
    run(&g, &samples(&[3, 12], 40, true))
}

/// The first constant's values.
pub(super) fn first_const(q: &QGraph) -> (usize, ITensor) {
    q.values
        .iter()
        .enumerate()
        .find_map(|(id, v)| match &v.kind {
            QValueKind::Const(c) => Some((id, c.clone())),
            _ => None,
        })
        .unwrap()
}

/// `q` with weight entry `k` of constant `id` changed by `d`, and its run on
/// `t`'s input.
pub(super) fn other_weights(q: &QGraph, t: &Trace, id: usize, k: usize, d: i64) -> (QGraph, Trace) {
    let mut q2 = q.clone();
    if let QValueKind::Const(c) = &mut q2.values[id].kind {
        c.as_slice_mut().unwrap()[k] += d;
    }
    let inputs: Vec<ITensor> = q.inputs.iter().map(|&i| t.values[i].clone()).collect();
    let t2 = zkml_core::exec::execute_int(&q2, inputs).unwrap();
    (q2, t2)
}

pub(super) fn b(x: u8) -> Blinding {
    Blinding(FieldBytes([x; 32].map(|v| v & 0x0f)))
}

#[test]
fn private_weights_prove_and_verify_and_the_verifying_key_hides_them() {
    for (q, t) in [mlp(&[12, 8, 4], 3), batched()] {
        for input in [Vis::Public, Vis::Private] {
            let (pk, vk) = ZkSumcheckBackend
                .setup(&q, &opts(input, Vis::Private))
                .unwrap();
            let (proof, public) = ZkSumcheckBackend.prove(&pk, &q, &t).unwrap();
            assert!(!proof.padding.is_empty(), "12 and 5 are padded");
            // Through bytes, as the CLI reads them.
            let vk_bytes = ZkSumcheckBackend.verifying_key_to_bytes(&vk).unwrap();
            let vk = ZkSumcheckBackend
                .verifying_key_from_bytes(&vk_bytes)
                .unwrap();
            let proof = ZkModelProof::from_bytes(&proof.to_bytes()).unwrap();
            ZkSumcheckBackend.verify(&vk, &public, &proof).unwrap();
            // No hidden value in the verifying key: zeros in the model, and
            // not one run of the weights' packed integers (any width) in its
            // bytes.
            for v in &vk.q.values {
                if let QValueKind::Const(c) = &v.kind {
                    assert!(c.iter().all(|&x| x == 0), "`{}` is in the vk", v.name);
                }
            }
            let (_, w) = first_const(&q);
            let runs: Vec<Vec<u8>> = [1, 2, 4, 8]
                .iter()
                .map(|&n| {
                    w.iter()
                        .take(6)
                        .flat_map(|x| x.to_le_bytes()[..n].to_vec())
                        .collect()
                })
                .collect();
            let pk_bytes = ZkSumcheckBackend.proving_key_to_bytes(&pk).unwrap();
            let has = |b: &[u8]| runs.iter().any(|r| b.windows(r.len()).any(|x| x == &r[..]));
            assert!(has(&pk_bytes), "the proving key holds the weights");
            assert!(!has(&vk_bytes), "the verifying key holds the weights");
            // The proving key reads back and proves against the same vk.
            let pk2 = ProvingKey::from_bytes(&pk_bytes).unwrap();
            let (p2, pub2) = ZkSumcheckBackend.prove(&pk2, &q, &t).unwrap();
            ZkSumcheckBackend.verify(&vk, &pub2, &p2).unwrap();
        }
    }
}

#[test]
fn a_proof_with_other_weights_than_committed_is_rejected() {
    let (q, t) = mlp(&[12, 8, 4], 3);
    let (pk, vk) = ZkSumcheckBackend
        .setup(&q, &opts(Vis::Private, Vis::Private))
        .unwrap();
    let (w, _) = first_const(&q);
    for (k, d) in [(0, 1), (5, -3)] {
        // The forger runs the model with other weights and proves with the
        // setup's commitments (a consistent trace of another model).
        let (_, t2) = other_weights(&q, &t, w, k, d);
        let (proof, public) = prover::prove(&pk, &t2, &mut rand_core06::OsRng).unwrap();
        assert!(ZkSumcheckBackend.verify(&vk, &public, &proof).is_err());
    }
    // Committed weights: the same, under the published commitment.
    let (pk, vk) = ZkSumcheckBackend
        .setup(&q, &opts(Vis::Private, Vis::Committed))
        .unwrap();
    let opened = pk.open_weights(&b(7)).unwrap();
    let (_, t2) = other_weights(&q, &t, w, 0, 1);
    let (proof, public) = prover::prove(&opened, &t2, &mut rand_core06::OsRng).unwrap();
    assert_eq!(
        public.commitments.weights,
        Some(weights_commitment(&q, &b(7)).unwrap().0)
    );
    assert!(ZkSumcheckBackend.verify(&vk, &public, &proof).is_err());
}

#[test]
fn nonzero_padding_in_a_committed_weight_is_rejected() {
    // A prover who commits `W` with a nonzero padding entry (12 rows of 16)
    // and a consistent trace cannot pass the padding check.
    let (q, t) = mlp(&[12, 8, 4], 3);
    let (pk, vk) = ZkSumcheckBackend
        .setup(&q, &opts(Vis::Private, Vis::Private))
        .unwrap();
    let (w, _) = first_const(&q);
    let mut bad = pk.clone();
    let c = bad.consts[w].clone().unwrap();
    let mut poly = c.poly.clone();
    let last = poly.evals.len() - 1;
    poly.evals[last] = crate::field::Fr::from(5u64);
    bad.consts[w] =
        Some(crate::hyrax::commit_with_blinds(&pk.gens, poly, c.blinds.clone()).unwrap());
    bad.key.weights[w] = bad.consts[w].as_ref().map(|c| c.comm.clone());
    // The verifier's key names the bad commitment too (its own digest).
    let mut vk_bad = vk.clone();
    vk_bad.weights[w] = bad.key.weights[w].clone();
    let (proof, public) = prover::prove(&bad, &t, &mut rand_core06::OsRng).unwrap();
    assert!(ZkSumcheckBackend.verify(&vk_bad, &public, &proof).is_err());
    // The padding check alone: honest passes, the bad table fails.
    for (k, fails) in [(&pk, false), (&bad, true)] {
        let mut t = crate::transcript::Transcript::new(b"test");
        let (proofs, _) = weights::prove_padding(k, &mut t, &mut rand_core06::OsRng).unwrap();
        let mut t = crate::transcript::Transcript::new(b"test");
        let mut checks = crate::zk::Checks::new();
        weights::verify_padding(&vk.q, &vk.visibility, &proofs, &mut t, &mut checks).unwrap();
        assert_eq!(checks.finish(&vk.gens).is_err(), fails);
    }
}

#[test]
fn committed_weights_bind_the_proof_to_the_published_commitment() {
    let (q, t) = mlp(&[12, 8, 4], 3);
    let be = ZkSumcheckBackend;
    let (pk, vk) = be.setup(&q, &opts(Vis::Public, Vis::Committed)).unwrap();
    let published = be.commit_weights(&q, &b(9)).unwrap();
    assert_ne!(
        published.commitment,
        be.commit_weights(&q, &b(8)).unwrap().commitment
    );
    assert!(be.prove(&pk, &q, &t).is_err(), "no opening, no proof");
    let openings = Openings {
        weights: Some(b(9)),
        ..Openings::default()
    };
    let (proof, public) = be.prove_with(&pk, &q, &t, &openings).unwrap();
    assert_eq!(public.commitments.weights, Some(published.commitment));
    be.verify(&vk, &public, &proof).unwrap();
    // Another commitment in the public values, or none.
    let mut other = public.clone();
    other.commitments.weights = Some(be.commit_weights(&q, &b(8)).unwrap().commitment);
    assert!(be.verify(&vk, &other, &proof).is_err());
    other.commitments.weights = None;
    assert!(be.verify(&vk, &other, &proof).is_err());
    // A tampered commitment in the proof.
    let mut bad = proof.clone();
    let (w, _) = first_const(&q);
    let row = &mut bad.commitments[w].as_mut().unwrap().rows[0];
    *row = (*row + vk.gens.h).into();
    assert!(be.verify(&vk, &public, &bad).is_err());
    // A changed public input.
    let mut changed = public.clone();
    changed.inputs[0][0] += 1;
    assert!(be.verify(&vk, &changed, &proof).is_err());
}

#[test]
fn tampered_proofs_foreign_keys_and_changed_values_are_rejected() {
    let (q, t) = mlp(&[12, 8, 4], 3);
    let be = ZkSumcheckBackend;
    let o = opts(Vis::Private, Vis::Private);
    let (pk, vk) = be.setup(&q, &o).unwrap();
    let (proof, public) = be.prove(&pk, &q, &t).unwrap();
    be.verify(&vk, &public, &proof).unwrap();
    // Another setup of the same model: other blinds, other commitments.
    let (_, vk2) = be.setup(&q, &o).unwrap();
    assert_ne!(vk2.digest, vk.digest);
    assert!(be.verify(&vk2, &public, &proof).is_err());
    // A changed output.
    let mut changed = public.clone();
    changed.outputs[0][0] += 1;
    assert!(be.verify(&vk, &changed, &proof).is_err());
    // A weights commitment where the weights are private.
    let mut with = public.clone();
    with.commitments.weights = Some(FieldBytes([1; 32]));
    assert!(be.verify(&vk, &with, &proof).is_err());
    // Flipped bytes all over the proof (each rejected or undecodable).
    let bytes = proof.to_bytes();
    for i in (30..bytes.len()).step_by(bytes.len() / 23) {
        let mut b2 = bytes.clone();
        b2[i] ^= 0x04;
        if let Ok(p) = ZkModelProof::from_bytes(&b2) {
            assert!(be.verify(&vk, &public, &p).is_err(), "byte {i}");
        }
    }
    // A tampered commitment byte in the verifying key: refused or rejected.
    let vk_bytes = be.verifying_key_to_bytes(&vk).unwrap();
    let mut b2 = vk_bytes.clone();
    let n = b2.len();
    b2[n - 40] ^= 0x01;
    if let Ok(k) = Key::from_bytes(&b2) {
        assert!(be.verify(&k, &public, &proof).is_err());
    }
    // The private commitment moved into the proof is refused.
    let (w, _) = first_const(&q);
    let mut moved = proof.clone();
    moved.commitments[w] = vk.weights[w].clone();
    assert!(be.verify(&vk, &public, &moved).is_err());
}

#[test]
fn proofs_with_other_hidden_weights_and_the_same_public_values_differ() {
    let (q, t) = mlp(&[12, 8, 4], 3);
    let (w, c) = first_const(&q);
    // A weight change the outputs do not see (found by trying).
    let (q2, t2) = (0..c.len())
        .flat_map(|k| [(k, 1), (k, -1)])
        .map(|(k, d)| other_weights(&q, &t, w, k, d))
        .find(|(q2, t2)| q2.outputs.iter().all(|&o| t2.values[o] == t.values[o]))
        .expect("some weight change keeps the outputs");
    let o = opts(Vis::Public, Vis::Private);
    let (pk, vk) = ZkSumcheckBackend.setup(&q, &o).unwrap();
    let (pk2, vk2) = ZkSumcheckBackend.setup(&q2, &o).unwrap();
    let (p1, pub1) = ZkSumcheckBackend.prove(&pk, &q, &t).unwrap();
    let (p2, pub2) = ZkSumcheckBackend.prove(&pk2, &q2, &t2).unwrap();
    assert_eq!(pub1, pub2);
    ZkSumcheckBackend.verify(&vk, &pub1, &p1).unwrap();
    ZkSumcheckBackend.verify(&vk2, &pub2, &p2).unwrap();
    // The stripped models are the same: only the commitments tell them apart.
    assert_eq!(vk.q, vk2.q);
    assert_ne!(vk.weights[w], vk2.weights[w]);
    for (a, b) in p1.nodes.iter().zip(&p2.nodes) {
        if let (ZkNodeProof::MatMul { y_com: a, .. }, ZkNodeProof::MatMul { y_com: b, .. }) = (a, b)
        {
            assert_ne!(a, b);
        }
    }
    assert_ne!(p1.openings, p2.openings);
    assert_ne!(p1.padding, p2.padding);
    // Neither verifies under the other's key.
    assert!(ZkSumcheckBackend.verify(&vk2, &pub1, &p1).is_err());
}

#[test]
fn ops_that_cannot_open_a_hidden_constant_are_refused_and_old_keys_named() {
    // A constant model output: no relation ties it to its commitment.
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 8]);
    let r = g.add_node("relu", Op::Relu, vec![x], "r").unwrap();
    let c = g.add_const("c", crate::test_utils::det(&[1, 4], 3, 1.0));
    g.add_output(r);
    g.add_output(c);
    let (q, _) = run(&g, &samples(&[1, 8], 3, false));
    let err = ZkSumcheckBackend
        .setup(&q, &opts(Vis::Public, Vis::Private))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("constant") && err.contains("--weights fixed"),
        "{err}"
    );
    // The clear backend refuses hidden weights.
    let (q, _) = mlp(&[12, 8, 4], 3);
    let err = SumcheckBackend
        .setup(&q, &opts(Vis::Public, Vis::Private))
        .unwrap_err()
        .to_string();
    assert!(err.contains("weights"), "{err}");
    assert!(SumcheckBackend.commit_weights(&q, &b(1)).is_err());
    // A version-1 key is refused by name.
    let mut old = KEY_MAGIC.to_vec();
    old.extend_from_slice(&1u32.to_le_bytes());
    old.extend_from_slice(b"{}");
    let err = Key::from_bytes(&old).unwrap_err().to_string();
    assert!(
        err.contains("version 1") && err.contains("zkml setup"),
        "{err}"
    );
    let _ = execute;
}

/// A conv with a bias, a ReLU, a pool and a dense layer (odd sizes).
pub(super) fn small_cnn() -> (QGraph, Trace) {
    use crate::test_utils::{conv, geom, pool2};
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 2, 7, 7]);
    let c = conv(
        &mut g,
        x,
        2,
        3,
        geom([3, 3], [1, 1], [1; 4], [1, 1], 1),
        "1",
        9,
    );
    let r = g.add_node("r", Op::Relu, vec![c], "r").unwrap();
    let p = g
        .add_node("p", Op::AveragePool(pool2()), vec![r], "p")
        .unwrap();
    let f = g
        .add_node("f", Op::Reshape { shape: vec![1, 27] }, vec![p], "f")
        .unwrap();
    let y = dense(&mut g, f, 27, 5, "d", 4);
    g.add_output(y);
    run(&g, &samples(&[1, 2, 7, 7], 60, false))
}

/// The conv node's kernel and bias ids.
pub(super) fn conv_consts(q: &QGraph) -> (usize, usize) {
    let n = q
        .nodes
        .iter()
        .find(|n| matches!(n.op, zkml_core::QOp::Conv { .. }))
        .unwrap();
    (n.inputs[1], n.inputs[2])
}

#[test]
fn hidden_conv_kernels_and_biases_prove_and_other_ones_are_rejected() {
    let (q, t) = small_cnn();
    let (wk, bs) = conv_consts(&q);
    for (input, weights) in [(Vis::Private, Vis::Private), (Vis::Public, Vis::Committed)] {
        let be = ZkSumcheckBackend;
        let (pk, vk) = be.setup(&q, &opts(input, weights)).unwrap();
        let pk = if weights == Vis::Committed {
            pk.open_weights(&b(3)).unwrap()
        } else {
            pk
        };
        let (proof, public) = prover::prove(&pk, &t, &mut rand_core06::OsRng).unwrap();
        assert_eq!(proof.conv_bias.len(), 1);
        be.verify(&vk, &public, &proof).unwrap();
        // Other kernel or bias entries, proved with the setup's commitments.
        for (id, k, d) in [(wk, 0, 1), (wk, 7, -2), (bs, 1, 5)] {
            let (_, t2) = other_weights(&q, &t, id, k, d);
            let (p2, pub2) = prover::prove(&pk, &t2, &mut rand_core06::OsRng).unwrap();
            assert!(be.verify(&vk, &pub2, &p2).is_err(), "const {id}[{k}] + {d}");
        }
        // A tampered bias message.
        let mut bad = proof.clone();
        bad.conv_bias[0].com = (bad.conv_bias[0].com + vk.gens.h).into();
        assert!(be.verify(&vk, &public, &bad).is_err());
        let mut bad = proof.clone();
        bad.conv_bias.clear();
        assert!(be.verify(&vk, &public, &bad).is_err());
    }
}

#[test]
fn hidden_mul_constants_of_any_broadcast_prove_and_other_ones_are_rejected() {
    // A per-channel scale [2, 1, 1] over [1, 2, 3, 5] and a same-shape factor.
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 2, 3, 5]);
    let s = g.add_const("s", crate::test_utils::det(&[2, 1, 1], 5, 1.0));
    let y = g.add_node("mul", Op::Mul, vec![x, s], "y").unwrap();
    let f = g.add_const("f", crate::test_utils::det(&[1, 2, 3, 5], 6, 1.0));
    let z = g.add_node("mul2", Op::Mul, vec![f, y], "z").unwrap();
    g.add_output(z);
    let (q, t) = run(&g, &samples(&[1, 2, 3, 5], 8, false));
    let consts: Vec<usize> = (0..q.values.len())
        .filter(|&id| matches!(q.values[id].kind, QValueKind::Const(_)))
        .collect();
    assert_eq!(consts.len(), 2);
    let be = ZkSumcheckBackend;
    let (pk, vk) = be.setup(&q, &opts(Vis::Private, Vis::Private)).unwrap();
    let (proof, public) = be.prove(&pk, &q, &t).unwrap();
    assert_eq!(proof.mul_consts.len(), 2);
    be.verify(&vk, &public, &proof).unwrap();
    for &id in &consts {
        let (_, t2) = other_weights(&q, &t, id, 1, 1);
        let (p2, pub2) = prover::prove(&pk, &t2, &mut rand_core06::OsRng).unwrap();
        assert!(be.verify(&vk, &pub2, &p2).is_err(), "const {id}");
    }
    let mut bad = proof.clone();
    bad.mul_consts.pop();
    assert!(be.verify(&vk, &public, &bad).is_err());
}
