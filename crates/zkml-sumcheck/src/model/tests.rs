//! The MLP (MatMul + bias + ReLU) end to end through the `Backend` trait,
//! then forged traces, tampered proofs, changed public values, foreign keys
//! and refused models.

use super::*;
use crate::field::Field;
use zkml_core::backend::{Backend, Openings, SetupOptions};
use zkml_core::exec::eval_qop;
use zkml_core::{Graph, ITensor, Op};

pub(crate) use crate::test_utils::{dense, det};
use crate::test_utils::{run, samples};

/// `sizes[0] → sizes[1] → … ` with ReLU between layers.
pub(crate) fn mlp(sizes: &[usize], seed: u64) -> (QGraph, Trace) {
    let mut g = Graph::new();
    let mut x = g.add_input("x", vec![1, sizes[0]]);
    for (l, w) in sizes.windows(2).enumerate() {
        x = dense(&mut g, x, w[0], w[1], &l.to_string(), seed + 10 * l as u64);
        if l + 2 < sizes.len() {
            x = g
                .add_node(format!("relu{l}"), Op::Relu, vec![x], format!("r{l}"))
                .unwrap();
        }
    }
    g.add_output(x);
    run(&g, &samples(&[1, sizes[0]], 100, true))
}

/// The benchmark MLP's graph: `[1,1,28,28]` → Flatten → 784-128 → ReLU → 10.
pub(crate) fn bench_model() -> (QGraph, Trace) {
    let mut g = Graph::new();
    let x = g.add_input("input", vec![1, 1, 28, 28]);
    let f = g
        .add_node(
            "flatten",
            Op::Reshape {
                shape: vec![1, 784],
            },
            vec![x],
            "x",
        )
        .unwrap();
    let h = dense(&mut g, f, 784, 128, "1", 11);
    let r = g.add_node("relu", Op::Relu, vec![h], "hr").unwrap();
    let o = dense(&mut g, r, 128, 10, "2", 21);
    g.add_output(o);
    run(&g, &samples(&[1, 1, 28, 28], 100, true))
}

fn setup(q: &QGraph) -> ProvingKey {
    SumcheckBackend
        .setup(q, &SetupOptions::default())
        .unwrap()
        .0
}

#[test]
fn small_mlp_proves_and_verifies() {
    let (q, t) = mlp(&[24, 16, 10], 1);
    assert!(q
        .nodes
        .iter()
        .any(|n| matches!(n.op, QOp::MatMul { shift } if shift > 0)));
    let key = setup(&q);
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    assert_eq!(
        public.outputs[0],
        t.values[q.outputs[0]].iter().copied().collect::<Vec<_>>()
    );
    SumcheckBackend.verify(&key, &public, &proof).unwrap();
    // The hidden layer's range check is implied by the ReLU lookup.
    let ranged = |n: &NodeProof| {
        matches!(
            n,
            NodeProof::MatMul {
                y_range: Some(_),
                ..
            }
        )
    };
    assert!(!proof.nodes.iter().any(ranged));
}

#[test]
fn changed_public_values_and_foreign_keys_are_rejected() {
    let (q, t) = mlp(&[12, 8, 4], 2);
    let key = setup(&q);
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    let mut p = public.clone();
    p.outputs[0][1] += 1;
    assert!(SumcheckBackend.verify(&key, &p, &proof).is_err());
    let mut p = public.clone();
    p.inputs[0][3] += 1;
    assert!(SumcheckBackend.verify(&key, &p, &proof).is_err());
    let mut p = public.clone();
    p.outputs[0][0] = i64::MIN; // out of range: rejected by name, no overflow
    let err = SumcheckBackend.verify(&key, &p, &proof).unwrap_err();
    assert!(err.to_string().contains("activation range"), "{err}");
    let mut p = public.clone();
    p.outputs[0].pop();
    assert!(matches!(
        SumcheckBackend.verify(&key, &p, &proof),
        Err(Error::Malformed { .. })
    ));
    // Same architecture, other weights.
    let (q2, _) = mlp(&[12, 8, 4], 3);
    assert!(SumcheckBackend
        .verify(&setup(&q2), &public, &proof)
        .is_err());
    assert!(SumcheckBackend.prove(&setup(&q2), &q, &t).is_err());
}

#[test]
fn tampered_proof_messages_are_rejected() {
    let (q, t) = mlp(&[12, 8, 4], 4);
    let key = setup(&q);
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    let bad = |p: &ModelProof| SumcheckBackend.verify(&key, &public, p).is_err();
    let mut cases = 0;
    for i in 0..proof.nodes.len() {
        let mut p = proof.clone();
        match &mut p.nodes[i] {
            NodeProof::MatMul { y_eval, .. } | NodeProof::Conv { y_eval, .. } => *y_eval += Fr::ONE,
            NodeProof::Linear { out_eval, .. } => *out_eval += Fr::ONE,
            NodeProof::Relu { a_eval, .. } => *a_eval += Fr::ONE,
            NodeProof::MaxPool { y_eval, .. } => *y_eval += Fr::ONE,
            NodeProof::Softmax { evals, .. } => evals[0] += Fr::ONE,
            NodeProof::Derived => continue,
        }
        assert!(bad(&p), "node {i}");
        cases += 1;
    }
    for k in 0..proof.openings.len() {
        let mut p = proof.clone();
        p.openings[k].z[0] += Fr::ONE;
        assert!(bad(&p), "opening {k}");
    }
    let id = proof.commitments.iter().position(Option::is_some).unwrap();
    let mut p = proof.clone();
    let rows = &mut p.commitments[id].as_mut().unwrap().rows;
    rows[0] = (rows[0] + crate::field::G1::generator()).into();
    assert!(bad(&p));
    let mut p = proof.clone();
    p.nodes.swap(0, 1);
    assert!(bad(&p));
    let mut p = proof.clone();
    p.openings.pop();
    assert!(bad(&p));
    assert!(cases >= 5);
}

#[test]
fn a_forged_hidden_layer_is_rejected() {
    // Change one positive pre-activation and its ReLU output by +1 and re-run
    // every later node: all relations hold except the bias Add's.
    let (q, t) = mlp(&[12, 8, 4], 5);
    let key = setup(&q);
    let add = q
        .nodes
        .iter()
        .position(|n| matches!(n.op, QOp::Add { .. }))
        .unwrap();
    let pre = q.nodes[add].output;
    let mut forged = t.clone();
    let idx = forged.values[pre].iter().position(|&v| v > 0).unwrap();
    forged.values[pre].as_slice_mut().unwrap()[idx] += 1;
    for node in &q.nodes[add + 1..] {
        let args: Vec<&ITensor> = node.inputs.iter().map(|&i| &forged.values[i]).collect();
        let out = eval_qop(&node.op, &args);
        forged.values[node.output] = out;
    }
    let (proof, public) = SumcheckBackend.prove(&key, &q, &forged).unwrap();
    let err = SumcheckBackend.verify(&key, &public, &proof).unwrap_err();
    assert!(
        matches!(err, Error::Rejected { check, .. } if check.starts_with("linear")),
        "{err}"
    );
}

#[test]
fn a_wrong_matmul_output_is_refused_by_the_prover_and_rejected_by_the_verifier() {
    let (q, t) = mlp(&[12, 8, 4], 6);
    let key = setup(&q);
    let mut forged = t.clone();
    let first_mm = q
        .nodes
        .iter()
        .find(|n| matches!(n.op, QOp::MatMul { .. }))
        .unwrap();
    forged.values[first_mm.output].as_slice_mut().unwrap()[0] += 1;
    // The honest prover refuses the trace (its remainder leaves [0, 2^s)) …
    match SumcheckBackend.prove(&key, &q, &forged) {
        Err(Error::Invalid(msg)) => assert!(msg.contains("rescaled"), "{msg}"),
        other => panic!("the prover accepted a wrong rescaled output: {other:?}"),
    }
    // … and a cheating prover, committing in-range remainders reduced mod
    // 2^s, gets a proof the verifier rejects.
    let (proof, public) =
        crate::model::prover::prove_inner(&key, &forged, &mut rand_core06::OsRng, true).unwrap();
    assert!(SumcheckBackend.verify(&key, &public, &proof).is_err());
}

#[test]
fn unsupported_ops_and_hidden_groups_are_refused_at_setup() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 4]);
    let s = g
        .add_node("sm", Op::Softmax { axis: 0 }, vec![x], "s")
        .unwrap();
    g.add_output(s);
    let (q, _) = run(&g, &[vec![det(&[1, 4], 1, 1.0)]]);
    let err = SumcheckBackend
        .setup(&q, &SetupOptions::default())
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported { op, .. } if op == "Softmax"),
        "{err}"
    );
    let err = crate::zkmodel::ZkSumcheckBackend
        .setup(&q, &crate::test_utils::opts(Vis::Private))
        .unwrap_err();
    assert!(err.to_string().contains("Softmax"), "{err}");

    let (q, t) = mlp(&[8, 4], 7);
    let mut opts = SetupOptions::default();
    opts.visibility.input = Vis::Private;
    let err = SumcheckBackend.setup(&q, &opts).unwrap_err();
    assert!(err.to_string().contains("not zero-knowledge"), "{err}");
    let key = setup(&q);
    assert!(SumcheckBackend
        .prove_with(&key, &q, &t, &Openings::default())
        .is_ok());
}

/// The benchmark MLP (784 → 128 → 10): prove and verify time, proof size.
/// `cargo test -p zkml-sumcheck --release -- --ignored --nocapture bench_mlp`
#[test]
#[ignore]
fn bench_mlp() {
    let (q, t) = bench_model();
    let s = std::time::Instant::now();
    let key = setup(&q);
    println!("setup {:.2?}", s.elapsed());
    let s = std::time::Instant::now();
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    println!("prove {:.2?}", s.elapsed());
    let s = std::time::Instant::now();
    SumcheckBackend.verify(&key, &public, &proof).unwrap();
    println!(
        "verify {:.2?} ({} openings), proof {} bytes",
        s.elapsed(),
        proof.openings.len(),
        proof.to_bytes().len()
    );
}

#[test]
fn proof_bytes_round_trip_and_flipped_or_cut_bytes_are_rejected() {
    let (q, t) = mlp(&[12, 8, 4], 8);
    let key = setup(&q);
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    let bytes = proof.to_bytes();
    let back = ModelProof::from_bytes(&bytes).unwrap();
    assert_eq!(back, proof);
    SumcheckBackend.verify(&key, &public, &back).unwrap();
    // Every flipped byte (sampled) fails to decode or to verify; none panics.
    for pos in (0..bytes.len()).step_by(bytes.len() / 40 + 1) {
        let mut b = bytes.clone();
        b[pos] ^= 0x5a;
        let ok = ModelProof::from_bytes(&b)
            .map(|p| SumcheckBackend.verify(&key, &public, &p).is_ok())
            .unwrap_or(false);
        assert!(!ok, "flipped byte {pos} of {}", bytes.len());
    }
    for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            ModelProof::from_bytes(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(ModelProof::from_bytes(&long).is_err());
    let err = ModelProof::from_bytes(b"a plonk proof, not ours").unwrap_err();
    assert!(err.to_string().contains("another backend"), "{err}");
    let mut v2 = bytes.clone();
    v2[msg::PROOF_MAGIC.len()] = msg::PROOF_VERSION as u8 + 1;
    assert!(ModelProof::from_bytes(&v2)
        .unwrap_err()
        .to_string()
        .contains("version"));
}

#[test]
fn flatten_of_the_input_and_a_layout_keeping_reshape_prove() {
    // [1,1,4,6] → Flatten → 24-16 dense → ReLU → [16] → 16-10 dense.
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 1, 4, 6]);
    let f = g
        .add_node("flatten", Op::Reshape { shape: vec![1, 24] }, vec![x], "f")
        .unwrap();
    let h = dense(&mut g, f, 24, 16, "0", 20);
    let r = g.add_node("relu", Op::Relu, vec![h], "r").unwrap();
    let v = g
        .add_node("vec", Op::Reshape { shape: vec![16] }, vec![r], "v")
        .unwrap();
    let o = dense(&mut g, v, 16, 10, "1", 30);
    g.add_output(o);
    let (q, t) = run(&g, &samples(&[1, 1, 4, 6], 200, true)[..2]);
    let key = setup(&q);
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    assert!(proof.nodes.iter().any(|n| matches!(n, NodeProof::Derived)));
    SumcheckBackend.verify(&key, &public, &proof).unwrap();
    // Tamper the hidden reshape's claimed value.
    let i = q.nodes.iter().position(|n| n.name == "vec").unwrap();
    let mut p = proof.clone();
    if let NodeProof::Linear { out_eval, .. } = &mut p.nodes[i] {
        *out_eval += Fr::ONE;
    }
    assert!(SumcheckBackend.verify(&key, &public, &p).is_err());
    // A public output that reshapes a hidden tensor (same layout) is proved,
    // not derived: a wrong hidden tensor is still caught.
    let mut g3 = Graph::new();
    let x = g3.add_input("x", vec![1, 8]);
    let h = dense(&mut g3, x, 8, 6, "0", 50);
    let o = g3
        .add_node("vec", Op::Reshape { shape: vec![6] }, vec![h], "o")
        .unwrap();
    g3.add_output(o);
    let (q3, t3) = run(&g3, &[vec![det(&[1, 8], 3, 1.0)]]);
    let key3 = setup(&q3);
    let (p3, pub3) = SumcheckBackend.prove(&key3, &q3, &t3).unwrap();
    assert!(matches!(p3.nodes.last(), Some(NodeProof::Linear { .. })));
    SumcheckBackend.verify(&key3, &pub3, &p3).unwrap();
    let mut bad = pub3.clone();
    bad.outputs[0][0] += 1;
    assert!(SumcheckBackend.verify(&key3, &bad, &p3).is_err());
    // A reshape that changes the layout of a hidden tensor is a gather by its
    // index map (crate::conv::gather_dual), proved by one sumcheck.
    let mut g2 = Graph::new();
    let x = g2.add_input("x", vec![1, 8]);
    let h = dense(&mut g2, x, 8, 8, "0", 40);
    let r = g2
        .add_node("sq", Op::Reshape { shape: vec![2, 4] }, vec![h], "s")
        .unwrap();
    g2.add_output(r);
    let (q2, t2) = run(&g2, &[vec![det(&[1, 8], 1, 1.0)]]);
    let key2 = setup(&q2);
    let (p2, pub2) = SumcheckBackend.prove(&key2, &q2, &t2).unwrap();
    assert!(matches!(p2.nodes.last(), Some(NodeProof::MatMul { .. })));
    SumcheckBackend.verify(&key2, &pub2, &p2).unwrap();
    let mut bad = pub2.clone();
    bad.outputs[0][5] += 1;
    assert!(SumcheckBackend.verify(&key2, &bad, &p2).is_err());
    // The layout-keeping message is not accepted for a gathering reshape.
    let mut p = p2.clone();
    *p.nodes.last_mut().unwrap() = NodeProof::Linear {
        out_eval: Fr::ZERO,
        operand_evals: vec![Fr::ZERO],
    };
    assert!(SumcheckBackend.verify(&key2, &pub2, &p).is_err());
}

#[test]
fn keys_round_trip_through_bytes() {
    let (q, t) = mlp(&[12, 8, 4], 9);
    let key = setup(&q);
    let bytes = key.to_bytes().unwrap();
    let back = ProvingKey::from_bytes(&bytes).unwrap();
    assert_eq!(back.digest, key.digest);
    assert_eq!(back.gens, key.gens);
    let vk_bytes = key.verifying_key().to_bytes().unwrap();
    let vk = Key::from_bytes(&vk_bytes).unwrap();
    assert_eq!(vk.digest, key.digest);
    let (proof, public) = SumcheckBackend.prove(&back, &q, &t).unwrap();
    SumcheckBackend.verify(&vk, &public, &proof).unwrap();
    assert!(ProvingKey::from_bytes(&bytes[..bytes.len() - 3]).is_err());
    // A proving key is not a verifying key, and the other way round.
    assert!(Key::from_bytes(&bytes)
        .unwrap_err()
        .to_string()
        .contains("proving key"));
    assert!(ProvingKey::from_bytes(&vk_bytes).is_err());
    assert!(Key::from_bytes(b"plonk key")
        .unwrap_err()
        .to_string()
        .contains("another backend"));
}

/// A model output that is one of the model's constants is bound by the key:
/// a prover whose trace changes it (public values to match, every node's
/// relation intact) is rejected by both verifiers; no node reads it, so only
/// the comparison with the key's constant can catch it.
#[test]
fn a_changed_constant_output_is_rejected() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 4]);
    let y = dense(&mut g, x, 4, 3, "0", 7);
    let c = g.add_const("c", det(&[1, 5], 9, 1.0));
    g.add_output(y);
    g.add_output(c);
    let (q, t) = run(&g, &samples(&[1, 4], 100, true));
    let out = q.outputs[1];
    assert!(matches!(q.values[out].kind, QValueKind::Const(_)));
    let mut f = t.clone();
    f.values[out].as_slice_mut().unwrap()[2] += 1;
    let mut rng = rand_core06::OsRng;

    let (key, _) = SumcheckBackend
        .setup(&q, &crate::test_utils::opts(Vis::Public))
        .unwrap();
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    SumcheckBackend.verify(&key, &public, &proof).unwrap();
    let (proof, public) = prover::prove_inner(&key, &f, &mut rng, true).unwrap();
    assert_eq!(
        public.outputs[1][2],
        t.values[out].as_slice().unwrap()[2] + 1
    );
    let err = SumcheckBackend.verify(&key, &public, &proof).unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err}");

    let zk = crate::zkmodel::ZkSumcheckBackend;
    for input in [Vis::Private, Vis::Public] {
        let (key, _) = zk.setup(&q, &crate::test_utils::opts(input)).unwrap();
        let (proof, public) = zk.prove(&key, &q, &t).unwrap();
        zk.verify(&key, &public, &proof).unwrap();
        let (proof, public) =
            crate::zkmodel::prover::prove_inner(&key, &f, &mut rng, true).unwrap();
        let err = zk.verify(&key, &public, &proof).unwrap_err();
        assert!(matches!(err, Error::Rejected { .. }), "zk: {err}");
    }
}
