//! `Committed` visibility end to end: the circuit hashes the hidden tensors
//! into public commitments; proofs that reuse the weights' blinding show the
//! same weights commitment; other weights, a tampered commitment or a flipped
//! proof byte are rejected.

use std::sync::Arc;

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use ndarray::{ArrayD, IxDyn};
use zkml_core::{
    backend::{
        Backend, Commitments, Openings, PublicValues, Reveal, SetupOptions, Vis, Visibility,
    },
    exec::execute,
    quant::{calibrate, quantize, QValueKind, QuantConfig},
    FTensor, Graph, Op, QGraph, Trace,
};
use zkml_plonk::{
    circuit::{lay_out_with, ZkmlCircuit},
    commit::{commitments, fresh_blinding, to_fr, weight_bits, weights_commitment},
    gadgets::{fe, Builder, CountSink},
    plan, PlonkBackend, PlonkError, PlonkProof, PlonkVerifyingKey,
};

mod common;

fn det(shape: &[usize], seed: u64) -> FTensor {
    let n: usize = shape.iter().product();
    let mut s = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    let v = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32
        })
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

/// MatMul (6→5) + bias → Relu → MatMul (5→3).
fn quantized() -> (QGraph, Vec<Vec<FTensor>>) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 6]);
    let w1 = g.add_const("w1", det(&[6, 5], 1));
    let b1 = g.add_const("b1", det(&[5], 2));
    let w2 = g.add_const("w2", det(&[5, 3], 3));
    let m = g.add_node("mm1", Op::MatMul, vec![x, w1], "m").unwrap();
    let a = g.add_node("add", Op::Add, vec![m, b1], "a").unwrap();
    let r = g.add_node("relu", Op::Relu, vec![a], "r").unwrap();
    let o = g.add_node("mm2", Op::MatMul, vec![r, w2], "o").unwrap();
    g.add_output(o);
    let samples: Vec<Vec<FTensor>> = (0..3).map(|s| vec![det(&[1, 6], 10 + s)]).collect();
    let cal = calibrate(&g, &samples).unwrap();
    let cfg = QuantConfig {
        act_bits: 12,
        max_scale: 5,
        ..QuantConfig::default()
    };
    (quantize(&g, &cal, &cfg).unwrap(), samples)
}

fn backend() -> PlonkBackend {
    PlonkBackend {
        srs_dir: std::env::temp_dir().join("zkml-plonk-test-srs"),
        srs_file: None,
        matrix_check: true,
    }
}

const ALL: Visibility = Visibility {
    input: Vis::Committed,
    weights: Vis::Committed,
    output: Vis::Committed,
    reveal: Reveal::None,
};

fn openings() -> Openings {
    Openings {
        input: Some(fresh_blinding()),
        weights: Some(fresh_blinding()),
        output: Some(fresh_blinding()),
    }
}

/// The commitments as the instance column (no public inputs or outputs).
fn instance(c: &Commitments) -> Vec<Fr> {
    [c.input, c.weights, c.output]
        .iter()
        .flatten()
        .map(|b| to_fr(b, "c").unwrap())
        .collect()
}

fn mock(q: &QGraph, t: &Trace, vis: Visibility, o: &Openings) -> (ZkmlCircuit, u32, Vec<Fr>) {
    let p = plan(q, &vis, None).unwrap();
    assert!(p.shape.poseidon && p.shape.n >= 5, "{p}");
    let (c, blinds) = commitments(q, t, &vis, o).unwrap();
    let circuit = ZkmlCircuit {
        q: Arc::new(q.clone()),
        trace: Some(Arc::new(t.clone())),
        vis,
        shape: p.shape.clone(),
        tamper: None,
        witness_only: false,
        blinds,
    };
    (circuit, p.k, instance(&c))
}

/// Every group committed: MockProver accepts; corrupting sampled advice
/// cells (every 5th, and the last ones: the hashes) is rejected; a wrong
/// commitment in the instance is rejected.
#[test]
fn mock_prover_all_committed() {
    let (q, samples) = quantized();
    let t = execute(&q, &samples[0]).unwrap();
    let o = openings();
    let (c, k, inst) = mock(&q, &t, ALL, &o);
    assert_eq!(inst.len(), 3);
    MockProver::run(k, &c, vec![inst.clone()])
        .unwrap()
        .assert_satisfied();
    let mut count = CountSink::default();
    let mut b = Builder::new(&mut count, c.shape.clone(), false);
    lay_out_with(&mut b, &q, Some(&t), &ALL, &c.blinds).unwrap();
    let n = count.count;
    let cells: Vec<usize> = (0..n).step_by(5).chain(n.saturating_sub(8)..n).collect();
    for i in cells {
        let mut bad = c.clone();
        bad.tamper = Some(i);
        let r = MockProver::run(k, &bad, vec![inst.clone()])
            .unwrap()
            .verify();
        assert!(
            r.is_err(),
            "corrupting advice cell {i} of {n} went unnoticed"
        );
    }
    for j in 0..3 {
        let mut bad = inst.clone();
        bad[j] += Fr::one();
        assert!(MockProver::run(k, &c, vec![bad]).unwrap().verify().is_err());
    }

    // Committed outputs whose argmax class is revealed: the class precedes
    // the commitments in the instance; a wrong class is rejected.
    let vis = Visibility {
        reveal: Reveal::Argmax,
        ..ALL
    };
    let (c, k, commits) = mock(&q, &t, vis.clone(), &o);
    let class = zkml_core::reveal::revealed_values(&q, &t, &vis.reveal);
    assert_eq!(class.len(), 1);
    let mut inst: Vec<Fr> = class.iter().map(|&v| fe(v as i128)).collect();
    inst.extend(commits);
    MockProver::run(k, &c, vec![inst.clone()])
        .unwrap()
        .assert_satisfied();
    inst[0] += Fr::one();
    assert!(MockProver::run(k, &c, vec![inst])
        .unwrap()
        .verify()
        .is_err());
}

/// The weights commitment depends on every weight and on the blinding.
#[test]
fn weights_commitment_binds_and_hides() {
    let (q, _) = quantized();
    let r = fresh_blinding();
    let c = weights_commitment(&q, &r).unwrap();
    assert_eq!(c, weights_commitment(&q, &r).unwrap());
    assert_ne!(c, weights_commitment(&q, &fresh_blinding()).unwrap());
    let consts: Vec<usize> = (0..q.values.len())
        .filter(|&i| matches!(q.values[i].kind, QValueKind::Const(_)))
        .collect();
    assert_eq!(consts.len(), 3);
    for id in consts {
        let mut q2 = q.clone();
        let QValueKind::Const(t) = &mut q2.values[id].kind else {
            unreachable!()
        };
        t.as_slice_mut().unwrap()[0] += 1;
        assert_ne!(weights_commitment(&q2, &r).unwrap(), c, "value {id}");
    }
}

fn with_commitments(p: &PublicValues, c: Commitments) -> PublicValues {
    PublicValues {
        commitments: c,
        ..p.clone()
    }
}

/// Real keys and proofs with every group committed.
#[test]
fn prove_verify_bind_and_reject() {
    let (q, samples) = quantized();
    let be = backend();
    let opts = SetupOptions {
        visibility: ALL,
        k: None,
    };
    let (pk, vk) = be.setup(&q, &opts).unwrap();
    let o = openings();
    let published = weights_commitment(&q, &o.weights.unwrap()).unwrap();

    // Two inputs, one weights blinding: the same weights commitment; both verify.
    let t0 = execute(&q, &samples[0]).unwrap();
    let t1 = execute(&q, &samples[1]).unwrap();
    let (p0, pub0) = be.prove_with(&pk, &q, &t0, &o).unwrap();
    let (p1, pub1) = be.prove_with(&pk, &q, &t1, &o).unwrap();
    assert!(pub0.inputs.is_empty() && pub0.outputs.is_empty());
    assert_eq!(pub0.commitments.weights, Some(published));
    assert_eq!(pub1.commitments.weights, Some(published));
    assert_ne!(pub0.commitments.input, pub1.commitments.input);
    be.verify(&vk, &pub0, &p0).unwrap();
    let vk2 = PlonkVerifyingKey::from_bytes(&vk.to_bytes(), &be).unwrap();
    be.verify(
        &vk2,
        &pub1,
        &PlonkProof::from_bytes(&p1.to_bytes()).unwrap(),
    )
    .unwrap();

    // A proof for another input against these public values.
    assert!(be.verify(&vk, &pub0, &p1).is_err());
    // Any commitment changed: rejected.
    for g in 0..3 {
        let mut c = pub0.commitments;
        let slot = [&mut c.input, &mut c.weights, &mut c.output][g]
            .as_mut()
            .unwrap();
        slot.0[0] ^= 1;
        assert!(matches!(
            be.verify(&vk, &with_commitments(&pub0, c), &p0),
            Err(PlonkError::Rejected(_))
        ));
    }
    // A missing commitment: refused before verifying.
    let mut c = pub0.commitments;
    c.weights = None;
    assert!(matches!(
        be.verify(&vk, &with_commitments(&pub0, c), &p0),
        Err(PlonkError::PublicValues(_))
    ));
    // A flipped proof byte.
    for pos in [0, p0.bytes.len() / 2, p0.bytes.len() - 1] {
        let mut bad = p0.clone();
        bad.bytes[pos] ^= 1;
        assert!(be.verify(&vk, &pub0, &bad).is_err(), "byte {pos}");
    }
    // No opening: a clear error, no proof.
    assert!(matches!(
        be.prove(&pk, &q, &t0),
        Err(PlonkError::Opening(_))
    ));

    // Other weights (one changed), the same key shape and the same blinding:
    // the proof is valid for *its* commitment, which is not the published one,
    // and it does not verify against the published one.
    let mut q2 = q.clone();
    let id = zkml_plonk::commit::committed_constants(&q)[0];
    let QValueKind::Const(w) = &mut q2.values[id].kind else {
        unreachable!()
    };
    let v = &mut w.as_slice_mut().unwrap()[0];
    *v = if *v > 0 { *v - 1 } else { *v + 1 };
    assert_eq!(weight_bits(&q2), weight_bits(&q));
    let (pk2, vk_other) = be.setup(&q2, &opts).unwrap();
    assert_eq!(
        vk_other.to_bytes(),
        vk.to_bytes(),
        "one key for any weights"
    );
    let t2 = execute(&q2, &samples[0]).unwrap();
    let (p2, pub2) = be.prove_with(&pk2, &q2, &t2, &o).unwrap();
    be.verify(&vk, &pub2, &p2).unwrap();
    assert_ne!(pub2.commitments.weights, Some(published));
    let mut c = pub2.commitments;
    c.weights = Some(published);
    assert!(matches!(
        be.verify(&vk, &with_commitments(&pub2, c), &p2),
        Err(PlonkError::Rejected(_))
    ));
}

/// Committed weights with public input and output: the statement a model
/// owner publishes most often. The instance is the public values then the
/// weights commitment.
#[test]
fn committed_weights_public_io() {
    let (q, samples) = quantized();
    let vis = Visibility {
        input: Vis::Public,
        weights: Vis::Committed,
        output: Vis::Public,
        reveal: Reveal::None,
    };
    let t = execute(&q, &samples[2]).unwrap();
    let o = Openings {
        weights: Some(fresh_blinding()),
        ..Openings::default()
    };
    let (c, k, _) = mock(&q, &t, vis.clone(), &o);
    let public = PublicValues::from_trace(&q, &t, &vis);
    let mut inst: Vec<Fr> = public
        .inputs
        .iter()
        .chain(&public.outputs)
        .flatten()
        .map(|&v| fe(v as i128))
        .collect();
    inst.push(to_fr(&weights_commitment(&q, &o.weights.unwrap()).unwrap(), "c").unwrap());
    MockProver::run(k, &c, vec![inst.clone()])
        .unwrap()
        .assert_satisfied();
    // A committed input or output group given a commitment it does not have.
    let (pk, vk) = common::keys(&backend(), &q, &vis);
    let (proof, public) = backend().prove_with(&pk, &q, &t, &o).unwrap();
    backend().verify(&vk, &public, &proof).unwrap();
    let mut extra = public.commitments;
    extra.output = extra.weights;
    assert!(matches!(
        backend().verify(&vk, &with_commitments(&public, extra), &proof),
        Err(PlonkError::PublicValues(_))
    ));
    let mut bad = public.clone();
    bad.outputs[0][0] += 1;
    assert!(backend().verify(&vk, &bad, &proof).is_err());
}

/// Conv 3×3 (4→8 ch) → Relu → Conv 3×3 (8→6): fixed weights proved by the
/// randomized matrix check (two phases), input and output committed.
fn conv_model() -> (QGraph, Vec<Vec<FTensor>>) {
    use zkml_core::ops::Conv;
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 4, 6, 6]);
    let conv = Conv {
        kernel: [3, 3],
        strides: [1, 1],
        pads: [1, 1, 1, 1],
        dilations: [1, 1],
        group: 1,
    };
    let w1 = g.add_const("w1", det(&[8, 4, 3, 3], 1));
    let c1 = g
        .add_node("conv1", Op::Conv(conv.clone()), vec![x, w1], "c1")
        .unwrap();
    let r = g.add_node("relu", Op::Relu, vec![c1], "r").unwrap();
    let w2 = g.add_const("w2", det(&[6, 8, 3, 3], 2));
    let o = g
        .add_node("conv2", Op::Conv(conv), vec![r, w2], "o")
        .unwrap();
    g.add_output(o);
    let samples: Vec<Vec<FTensor>> = (0..2).map(|s| vec![det(&[1, 4, 6, 6], 20 + s)]).collect();
    (common::quantize_small(&g, &samples), samples)
}

#[test]
fn committed_io_with_matrix_checks() {
    let (q, samples) = conv_model();
    let vis = Visibility {
        input: Vis::Committed,
        weights: Vis::Fixed,
        output: Vis::Committed,
        reveal: Reveal::None,
    };
    let o = Openings {
        input: Some(fresh_blinding()),
        output: Some(fresh_blinding()),
        ..Openings::default()
    };
    let t = execute(&q, &samples[0]).unwrap();
    let (c, k, inst) = mock(&q, &t, vis.clone(), &o);
    assert!(
        c.shape.freivalds,
        "the convolutions should use the matrix check"
    );
    MockProver::run(k, &c, vec![inst.clone()])
        .unwrap()
        .assert_satisfied();
    let be = backend();
    let (pk, vk) = common::keys(&be, &q, &vis);
    let (proof, public) = be.prove_with(&pk, &q, &t, &o).unwrap();
    be.verify(&vk, &public, &proof).unwrap();
    let mut c = public.commitments;
    c.output.as_mut().unwrap().0[1] ^= 4;
    assert!(matches!(
        be.verify(&vk, &with_commitments(&public, c), &proof),
        Err(PlonkError::Rejected(_))
    ));
    // Another input with the same blindings: other commitments, and its
    // proof does not verify against the first one's.
    let t1 = execute(&q, &samples[1]).unwrap();
    let (proof1, public1) = be.prove_with(&pk, &q, &t1, &o).unwrap();
    assert_ne!(public1.commitments.input, public.commitments.input);
    assert!(be.verify(&vk, &public, &proof1).is_err());
}

/// Regression: a constant that is itself a model output is bound by the
/// weights commitment. It used to be a free cell outside the commitment (and
/// the key does not bind constants), so a prover could show any value for it
/// with the same key and the same published commitment.
#[test]
fn committed_weights_bind_constant_outputs() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 4]);
    let r = g.add_node("relu", Op::Relu, vec![x], "r").unwrap();
    g.add_output(r);
    let c = g.add_const(
        "c",
        ArrayD::from_shape_vec(IxDyn(&[2]), vec![0.5f32, -0.5]).unwrap(),
    );
    g.add_output(c);
    let samples: Vec<Vec<FTensor>> = (0..2).map(|s| vec![det(&[1, 4], 20 + s)]).collect();
    let cal = calibrate(&g, &samples).unwrap();
    let cfg = QuantConfig {
        act_bits: 12,
        max_scale: 7,
        ..QuantConfig::default()
    };
    let q = quantize(&g, &cal, &cfg).unwrap();
    let cid = q.outputs[1];
    assert!(zkml_plonk::commit::committed_constants(&q).contains(&cid));
    let vis = Visibility {
        input: Vis::Public,
        weights: Vis::Committed,
        output: Vis::Public,
        reveal: Reveal::None,
    };
    let o = Openings {
        weights: Some(fresh_blinding()),
        ..Openings::default()
    };
    let t = execute(&q, &samples[0]).unwrap();
    let honest: Vec<i64> = t.values[cid].iter().copied().collect();

    // The forger's model: the same key (constants are not in the model hash),
    // the constant output negated; same weight width.
    let mut q2 = q.clone();
    let QValueKind::Const(w) = &mut q2.values[cid].kind else {
        unreachable!()
    };
    w.mapv_inplace(|v| -v);
    assert_eq!(weight_bits(&q2), weight_bits(&q));
    let t2 = execute(&q2, &samples[0]).unwrap();
    let forged: Vec<i64> = t2.values[cid].iter().copied().collect();
    assert_ne!(forged, honest);

    // MockProver: the forged circuit against the published commitment fails.
    let (c, _) = commitments(&q, &t, &vis, &o).unwrap();
    let published = c.weights.unwrap();
    let p = plan(&q2, &vis, None).unwrap();
    let (_, blinds) = commitments(&q2, &t2, &vis, &o).unwrap();
    let forged_circuit = ZkmlCircuit {
        q: Arc::new(q2.clone()),
        trace: Some(Arc::new(t2.clone())),
        vis: vis.clone(),
        shape: p.shape.clone(),
        tamper: None,
        witness_only: false,
        blinds,
    };
    let mut inst: Vec<Fr> = t2.values[q.inputs[0]]
        .iter()
        .chain(t2.values[q.outputs[0]].iter())
        .chain(&forged)
        .map(|&v| fe(v as i128))
        .collect();
    inst.push(to_fr(&published, "c").unwrap());
    assert!(MockProver::run(p.k, &forged_circuit, vec![inst])
        .unwrap()
        .verify()
        .is_err());

    // Real proofs: honest verifies; the forged proof shows another commitment
    // and is rejected under the published one.
    let be = backend();
    let (pk, vk) = common::keys(&be, &q, &vis);
    let (p0, pub0) = be.prove_with(&pk, &q, &t, &o).unwrap();
    be.verify(&vk, &pub0, &p0).unwrap();
    assert_eq!(pub0.commitments.weights, Some(published));
    assert_eq!(pub0.outputs[1], honest);
    let (p2, pub2) = be.prove_with(&pk, &q2, &t2, &o).unwrap();
    assert_eq!(pub2.outputs[1], forged);
    assert_ne!(pub2.commitments.weights, Some(published));
    let mut c = pub2.commitments;
    c.weights = Some(published);
    assert!(matches!(
        be.verify(&vk, &with_commitments(&pub2, c), &p2),
        Err(PlonkError::Rejected(_))
    ));
}
