//! End to end: a tiny Conv → Relu → AveragePool → Gemm (MatMul + Add) graph,
//! quantized, executed, laid out, proved and verified; verification must
//! reject corrupted proofs and public values.

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use zkml_core::{
    backend::{Backend, SetupOptions, Vis, Visibility},
    exec::execute,
    ops::{Conv, Pool, TableFn},
    quant::{calibrate, quantize, QuantConfig},
    FTensor, Graph, Op, QGraph, Trace,
};
use zkml_plonk::{
    circuit::{lay_out, ZkmlCircuit},
    commit::weight_bits,
    gadgets::{Builder, CountSink},
    plan, PlonkBackend, PlonkError, PlonkProof, PlonkProvingKey, PlonkVerifyingKey,
};

mod common;

fn det(shape: &[usize], seed: u64) -> FTensor {
    common::det(shape, seed, 1.0)
}

/// Conv 3×3 (1→2 ch, pad 1) → Relu → AvgPool 2×2 → Reshape → MatMul (8→3) + bias → Clip.
fn tiny() -> (Graph, Vec<Vec<FTensor>>) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 1, 4, 4]);
    let w = g.add_const("w", det(&[2, 1, 3, 3], 1));
    let b = g.add_const("b", det(&[2], 2));
    let conv = Conv {
        kernel: [3, 3],
        strides: [1, 1],
        pads: [1, 1, 1, 1],
        dilations: [1, 1],
        group: 1,
    };
    let c = g
        .add_node("conv", Op::Conv(conv), vec![x, w, b], "c")
        .unwrap();
    let r = g.add_node("relu", Op::Relu, vec![c], "r").unwrap();
    let pool = Pool {
        kernel: [2, 2],
        strides: [2, 2],
        pads: [0; 4],
        dilations: [1, 1],
        ceil_mode: false,
        count_include_pad: false,
    };
    let p = g
        .add_node("pool", Op::AveragePool(pool), vec![r], "p")
        .unwrap();
    let f = g
        .add_node("flat", Op::Reshape { shape: vec![1, 8] }, vec![p], "f")
        .unwrap();
    let wm = g.add_const("wm", det(&[8, 3], 3));
    let bm = g.add_const("bm", det(&[3], 4));
    let m = g.add_node("gemm_mm", Op::MatMul, vec![f, wm], "m").unwrap();
    let a = g.add_node("gemm_add", Op::Add, vec![m, bm], "a").unwrap();
    let o = g
        .add_node(
            "clip",
            Op::Clip {
                min: -0.5,
                max: 0.5,
            },
            vec![a],
            "o",
        )
        .unwrap();
    g.add_output(o);
    let samples = (0..4).map(|s| vec![det(&[1, 1, 4, 4], 10 + s)]).collect();
    (g, samples)
}

fn quantized() -> (QGraph, Vec<Vec<FTensor>>) {
    let (g, samples) = tiny();
    (common::quantize_small(&g, &samples), samples)
}

use common::backend;

#[test]
fn circuit_computes_exactly_the_trace() {
    let (q, samples) = quantized();
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    println!("{p}");
    for s in &samples {
        let t = execute(&q, s).unwrap();
        common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
    }
}

fn mock_circuit(q: &QGraph, t: &Trace, vis: &Visibility) -> (ZkmlCircuit, u32, Vec<Fr>) {
    let p = plan(q, vis, None).unwrap();
    common::mock_circuit(q, t, vis, &p)
}

#[test]
fn mock_prover_accepts_and_sampled_tampering_fails() {
    let (q, samples) = quantized();
    let t = execute(&q, &samples[0]).unwrap();
    for vis in [
        Visibility::default(),
        Visibility {
            input: Vis::Private,
            weights: Vis::Fixed,
            output: Vis::Public,
            ..Visibility::default()
        },
    ] {
        let (c, k, inst) = mock_circuit(&q, &t, &vis);
        // Every 7th cell plus the last ones (the outputs); the per-gadget
        // tests corrupt every cell of each gadget.
        common::assert_sampled_tampering_fails(&c, k, &inst, common::every(7, 5));
    }
}

#[test]
fn prove_verify_and_reject() {
    let (q, samples) = quantized();
    let be = backend();
    let (pk, vk) = be.setup(&q, &SetupOptions::default()).unwrap();
    println!("{}", pk.plan);
    let t0 = execute(&q, &samples[0]).unwrap();
    let t1 = execute(&q, &samples[1]).unwrap();
    let start = std::time::Instant::now();
    let (proof, public) = be.prove(&pk, &q, &t0).unwrap();
    println!(
        "prove {:.2?}, proof {} bytes",
        start.elapsed(),
        proof.to_bytes().len()
    );
    assert_eq!(
        public.outputs[0],
        t0.values[q.outputs[0]].iter().copied().collect::<Vec<_>>()
    );
    assert_eq!(
        proof.bytes.len(),
        pk.plan.proof_bytes,
        "the planner's proof size is exact"
    );
    let start = std::time::Instant::now();
    be.verify(&vk, &public, &proof).unwrap();
    println!("verify {:.2?}", start.elapsed());

    // Round trips (keys re-read from bytes prove and verify).
    let proof2 = PlonkProof::from_bytes(&proof.to_bytes()).unwrap();
    let vk2 = PlonkVerifyingKey::from_bytes(&vk.to_bytes(), &be).unwrap();
    be.verify(&vk2, &public, &proof2).unwrap();
    let pk2 = PlonkProvingKey::from_bytes(&pk.to_bytes(), &q, &be).unwrap();
    assert_eq!(pk2.plan, pk.plan);
    let (proof3, public3) = be.prove(&pk2, &q, &t0).unwrap();
    assert_eq!(public3, public);
    be.verify(&vk2, &public, &proof3).unwrap();

    // A flipped proof byte.
    for pos in [0, proof.bytes.len() / 2, proof.bytes.len() - 1] {
        let mut bad = proof.clone();
        bad.bytes[pos] ^= 1;
        assert!(
            be.verify(&vk, &public, &bad).is_err(),
            "flipped byte {pos} accepted"
        );
    }
    // A changed public output.
    let mut bad_pub = public.clone();
    bad_pub.outputs[0][0] += 1;
    assert!(matches!(
        be.verify(&vk, &bad_pub, &proof),
        Err(PlonkError::Rejected(_))
    ));
    // A changed public input.
    let mut bad_pub = public.clone();
    bad_pub.inputs[0][3] -= 1;
    assert!(be.verify(&vk, &bad_pub, &proof).is_err());
    // A proof for another input against these public values.
    let (proof1, public1) = be.prove(&pk, &q, &t1).unwrap();
    assert_ne!(public1, public);
    be.verify(&vk, &public1, &proof1).unwrap();
    assert!(be.verify(&vk, &public, &proof1).is_err());
    // A trace of another input with this one's public values cannot be forged: prove
    // refuses a trace that is not an execution.
    let mut forged = t0.clone();
    forged.values[q.outputs[0]].as_slice_mut().unwrap()[0] += 1;
    assert!(matches!(
        be.prove(&pk, &q, &forged),
        Err(PlonkError::TraceMismatch { .. })
    ));
}

/// Verifying needs only the verifying key: it carries the verifier's SRS
/// points, so an empty SRS directory suffices (and nothing is written there).
/// An SRS that is present must be the key's.
#[test]
fn verify_needs_no_srs_file() {
    let (q, samples) = quantized();
    let be = backend();
    let (pk, vk) = be.setup(&q, &SetupOptions::default()).unwrap();
    let t = execute(&q, &samples[0]).unwrap();
    let (proof, public) = be.prove(&pk, &q, &t).unwrap();
    let vk_bytes = vk.to_bytes();
    let proof_bytes = proof.to_bytes();

    let empty = tempfile::tempdir().unwrap();
    let remote = PlonkBackend {
        srs_dir: empty.path().to_path_buf(),
        srs_file: None,
        matrix_check: true,
    };
    let vk2 = PlonkVerifyingKey::from_bytes(&vk_bytes, &remote).unwrap();
    let proof2 = PlonkProof::from_bytes(&proof_bytes).unwrap();
    remote.verify(&vk2, &public, &proof2).unwrap();
    let mut bad = public.clone();
    bad.outputs[0][0] += 1;
    assert!(matches!(
        remote.verify(&vk2, &bad, &proof2),
        Err(PlonkError::Rejected(_))
    ));
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
    // A missing directory is fine too.
    let gone = PlonkBackend {
        srs_dir: empty.path().join("does-not-exist"),
        srs_file: None,
        matrix_check: true,
    };
    PlonkVerifyingKey::from_bytes(&vk_bytes, &gone).unwrap();

    // The SRS the key was made with, given as a file: accepted.
    let cached = zkml_plonk::srs::cached_file(&be.srs_dir, vk.k).unwrap();
    let with_file = PlonkBackend {
        srs_dir: empty.path().to_path_buf(),
        srs_file: Some(cached),
        matrix_check: true,
    };
    let vk3 = PlonkVerifyingKey::from_bytes(&vk_bytes, &with_file).unwrap();
    with_file.verify(&vk3, &public, &proof2).unwrap();
    // Another SRS (a different local one, cached or given as a file): refused.
    let other = tempfile::tempdir().unwrap();
    zkml_plonk::srs::generate_or_load(other.path(), vk.k).unwrap();
    let other_dir = PlonkBackend {
        srs_dir: other.path().to_path_buf(),
        srs_file: None,
        matrix_check: true,
    };
    assert!(matches!(
        PlonkVerifyingKey::from_bytes(&vk_bytes, &other_dir),
        Err(PlonkError::Srs(_))
    ));
    let other_file = PlonkBackend {
        srs_dir: empty.path().to_path_buf(),
        srs_file: Some(zkml_plonk::srs::cache_path(other.path(), vk.k)),
        matrix_check: true,
    };
    assert!(matches!(
        PlonkVerifyingKey::from_bytes(&vk_bytes, &other_file),
        Err(PlonkError::Srs(_))
    ));
    // A corrupted SRS point in the key: refused or rejected, never accepted.
    assert_eq!(vk2.to_bytes(), vk_bytes);
    let srs_at = {
        let mut enc = vec![];
        vk.srs.write(&mut enc);
        vk_bytes
            .windows(enc.len())
            .position(|w| w == enc.as_slice())
            .unwrap()
    };
    for off in [0, 40, 100] {
        let mut bad_vk = vk_bytes.clone();
        bad_vk[srs_at + off] ^= 1;
        match PlonkVerifyingKey::from_bytes(&bad_vk, &remote) {
            Err(_) => {}
            Ok(k) => assert!(remote.verify(&k, &public, &proof2).is_err()),
        }
    }
    // Trailing bytes after the key.
    let mut long = vk_bytes.clone();
    long.push(0);
    assert!(PlonkVerifyingKey::from_bytes(&long, &remote).is_err());
}

/// Bytes appended to the transcript are refused, even though the transcript
/// prefix verifies; so is a proof file whose length field includes them.
#[test]
fn trailing_transcript_bytes_are_rejected() {
    let (q, samples) = quantized();
    let be = backend();
    let (pk, vk) = be.setup(&q, &SetupOptions::default()).unwrap();
    let t = execute(&q, &samples[0]).unwrap();
    let (proof, public) = be.prove(&pk, &q, &t).unwrap();
    be.verify(&vk, &public, &proof).unwrap();
    for extra in [vec![0u8], vec![0xff; 32]] {
        let mut long = proof.clone();
        long.bytes.extend_from_slice(&extra);
        let e = be.verify(&vk, &public, &long).unwrap_err();
        assert!(
            matches!(&e, PlonkError::Rejected(m) if m.contains("after the proof transcript")),
            "{e}"
        );
        // Through the file format (the length field counts the extra bytes).
        let reread = PlonkProof::from_bytes(&long.to_bytes()).unwrap();
        assert!(matches!(
            be.verify(&vk, &public, &reread),
            Err(PlonkError::Rejected(_))
        ));
    }
    // A truncated transcript is rejected too.
    let mut short = proof.clone();
    short.bytes.pop();
    assert!(be.verify(&vk, &public, &short).is_err());
}

#[test]
fn another_models_key_or_proof_is_refused() {
    let (q, samples) = quantized();
    let mut q2 = q.clone();
    // Same shapes, one weight changed.
    for v in q2.values.iter_mut() {
        if let zkml_core::quant::QValueKind::Const(t) = &mut v.kind {
            if t.len() == 24 {
                t.as_slice_mut().unwrap()[0] += 1;
            }
        }
    }
    let be = backend();
    let (pk, _vk) = be.setup(&q, &SetupOptions::default()).unwrap();
    let (_pk2, vk2) = be.setup(&q2, &SetupOptions::default()).unwrap();
    let t = execute(&q, &samples[0]).unwrap();
    let (proof, public) = be.prove(&pk, &q, &t).unwrap();
    assert!(matches!(
        be.verify(&vk2, &public, &proof),
        Err(PlonkError::WrongModel { .. })
    ));
    // Even with the hash patched, the other model's key rejects the proof.
    let mut patched = proof.clone();
    patched.model_hash = vk2.model_hash;
    assert!(matches!(
        be.verify(&vk2, &public, &patched),
        Err(PlonkError::Rejected(_))
    ));
    // The proving key refuses another model.
    assert!(matches!(
        be.prove(&pk, &q2, &t),
        Err(PlonkError::WrongModel { .. })
    ));
}

#[test]
fn unsupported_ops_are_refused_at_setup() {
    // A Conv whose weight is a run-time tensor (TopK with k > 1, refused
    // before, is proven now: tests/arg_ops.rs).
    let mut g = common::qgraph::QBuilder::new(12);
    let x = g.input("x", &[1, 1, 3, 3]);
    let w = g.input("w", &[1, 1, 1, 1]);
    let conv = Conv {
        kernel: [1, 1],
        strides: [1, 1],
        pads: [0; 4],
        dilations: [1, 1],
        group: 1,
    };
    let op = zkml_core::QOp::Conv { conv, shift: 0 };
    let c = g.node("sm", op, &[x, w], &[1, 1, 3, 3]);
    g.output(c);
    let q = g.finish();
    let err = backend().setup(&q, &SetupOptions::default()).err().unwrap();
    assert!(
        matches!(&err, PlonkError::Unsupported { node, op: "Conv", .. } if node == "sm"),
        "{err}"
    );
    let (q, _) = quantized();
    let opts = SetupOptions {
        visibility: Visibility {
            weights: Vis::Public,
            ..Visibility::default()
        },
        k: None,
    };
    assert!(matches!(
        backend().setup(&q, &opts),
        Err(PlonkError::Visibility(_))
    ));
}

/// LeakyRelu, MaxPool, Pad, Sub, Mul of activations, ReduceMean, ReduceSum,
/// Transpose, Concat, MatMul of activations: circuit == trace, MockProver passes.
#[test]
fn more_ops_match_the_trace_and_satisfy_the_circuit() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 2, 4, 4]);
    let a = g
        .add_node("leaky", Op::LeakyRelu { alpha: 0.1 }, vec![x], "a")
        .unwrap();
    let pool = Pool {
        kernel: [2, 2],
        strides: [2, 2],
        pads: [0; 4],
        dilations: [1, 1],
        ceil_mode: false,
        count_include_pad: false,
    };
    let m = g
        .add_node("maxpool", Op::MaxPool(pool), vec![a], "m")
        .unwrap();
    let p = g
        .add_node(
            "pad",
            Op::Pad {
                pads: vec![0, 0, 1, 1, 0, 0, 1, 1],
                value: 0.25,
            },
            vec![m],
            "p",
        )
        .unwrap();
    let s = g.add_node("sub", Op::Sub, vec![x, p], "s").unwrap();
    let mm = g.add_node("mul", Op::Mul, vec![s, x], "mm").unwrap();
    let r = g
        .add_node(
            "mean",
            Op::ReduceMean {
                axes: vec![2, 3],
                keepdims: false,
            },
            vec![mm],
            "r",
        )
        .unwrap();
    let rs = g
        .add_node(
            "sum",
            Op::ReduceSum {
                axes: vec![1],
                keepdims: true,
            },
            vec![s],
            "rs",
        )
        .unwrap();
    let t = g
        .add_node(
            "tr",
            Op::Transpose {
                perm: vec![0, 1, 3, 2],
            },
            vec![rs],
            "t",
        )
        .unwrap();
    let c = g
        .add_node("cat", Op::Concat { axis: 1 }, vec![t, x], "c")
        .unwrap();
    let r2 = g
        .add_node("r2", Op::Reshape { shape: vec![2, 1] }, vec![r], "r2")
        .unwrap();
    let dot = g.add_node("dot", Op::MatMul, vec![r, r2], "dot").unwrap();
    g.add_output(c);
    g.add_output(dot);
    let samples: Vec<Vec<FTensor>> = (0..3).map(|s| vec![det(&[1, 2, 4, 4], 40 + s)]).collect();
    let cal = calibrate(&g, &samples).unwrap();
    let q = quantize(
        &g,
        &cal,
        &QuantConfig {
            act_bits: 14,
            max_scale: 6,
            ..QuantConfig::default()
        },
    )
    .unwrap();
    let vis = Visibility::default();
    for s in &samples {
        let t = execute(&q, s).unwrap();
        let (c, k, inst) = mock_circuit(&q, &t, &vis);
        MockProver::run(k, &c, vec![inst])
            .unwrap()
            .assert_satisfied();
    }
    // Private outputs too.
    let t = execute(&q, &samples[0]).unwrap();
    let vis = Visibility {
        input: Vis::Public,
        weights: Vis::Fixed,
        output: Vis::Private,
        ..Visibility::default()
    };
    let (c, k, inst) = mock_circuit(&q, &t, &vis);
    MockProver::run(k, &c, vec![inst])
        .unwrap()
        .assert_satisfied();
}

/// The tiny model's layout, pinned: a change here is a deliberate layout change.
#[test]
fn tiny_plan_is_pinned() {
    let (q, _) = quantized();
    let p = plan(&q, &Visibility::default(), None).unwrap();
    let got = (
        p.k,
        p.rows,
        p.shape.n,
        p.shape.l,
        p.shape.t,
        p.advice_columns,
        p.lookups,
    );
    println!("{got:?}");
    assert_eq!(got, PINNED_TINY);
}

/// 85 rows: the Clip (min −0.5) is no longer fused into the Gemm's rows (a
/// fused max with a nonzero lower bound did not range check its input), +3.
const PINNED_TINY: (u32, usize, usize, usize, u32, usize, usize) = (9, 85, 4, 4, 8, 9, 4);

/// Private weights: MockProver (with sampled tampering), and one verifying key
/// for any weights of the same shapes and width.
#[test]
fn private_weights() {
    let (q, samples) = quantized();
    let vis = Visibility {
        input: Vis::Public,
        weights: Vis::Private,
        output: Vis::Public,
        ..Visibility::default()
    };
    let t = execute(&q, &samples[0]).unwrap();
    let (c, k, inst) = mock_circuit(&q, &t, &vis);
    MockProver::run(k, &c, vec![inst.clone()])
        .unwrap()
        .assert_satisfied();
    let mut count = CountSink::default();
    let mut b = Builder::new(&mut count, c.shape.clone(), false);
    lay_out(&mut b, &q, Some(&t), &vis).unwrap();
    let n = count.count;
    for i in (0..n).step_by(11) {
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

    // Other weights, same shapes and width (private weights are range checked
    // to it): same verifying key; the proof verifies with the first model's key.
    let mut q2 = q.clone();
    for v in q2.values.iter_mut() {
        if let zkml_core::quant::QValueKind::Const(t) = &mut v.kind {
            t.mapv_inplace(|w| w ^ 1);
        }
    }
    assert_eq!(weight_bits(&q2), weight_bits(&q));
    let be = backend();
    let opts = SetupOptions {
        visibility: vis,
        k: None,
    };
    let (_pk, vk) = be.setup(&q, &opts).unwrap();
    let (pk2, vk2) = be.setup(&q2, &opts).unwrap();
    assert_eq!(vk.to_bytes(), vk2.to_bytes());
    let t2 = execute(&q2, &samples[0]).unwrap();
    let (proof, public) = be.prove(&pk2, &q2, &t2).unwrap();
    be.verify(&vk, &public, &proof).unwrap();
    let mut bad = public.clone();
    bad.outputs[0][0] += 1;
    assert!(be.verify(&vk, &bad, &proof).is_err());
}

/// Sigmoid and Tanh through function tables (10-bit activations keep the
/// tables small): trace equality, prove, verify, key round trip.
#[test]
fn sigmoid_tanh_tables() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 6]);
    let w = g.add_const("w", det(&[6, 4], 21));
    let m = g.add_node("mm", Op::MatMul, vec![x, w], "m").unwrap();
    let s = g
        .add_node("sig", Op::Table(TableFn::Sigmoid), vec![m], "s")
        .unwrap();
    let t = g
        .add_node("tanh", Op::Table(TableFn::Tanh), vec![m], "t")
        .unwrap();
    let o = g.add_node("add", Op::Add, vec![s, t], "o").unwrap();
    g.add_output(o);
    let samples: Vec<Vec<FTensor>> = (0..3).map(|s| vec![det(&[1, 6], 60 + s)]).collect();
    let cal = calibrate(&g, &samples).unwrap();
    let q = quantize(
        &g,
        &cal,
        &QuantConfig {
            act_bits: 10,
            max_scale: 5,
            weight_bits: 8,
            ..QuantConfig::default()
        },
    )
    .unwrap();
    let be = backend();
    let (pk, vk) = be.setup(&q, &SetupOptions::default()).unwrap();
    assert_eq!(pk.plan.shape.tables.len(), 2);
    for s in &samples {
        let t = execute(&q, s).unwrap();
        let (proof, public) = be.prove(&pk, &q, &t).unwrap();
        assert_eq!(
            public.outputs[0],
            t.values[q.outputs[0]].iter().copied().collect::<Vec<_>>()
        );
        be.verify(&vk, &public, &proof).unwrap();
        let mut bad = public.clone();
        bad.outputs[0][1] += 1;
        assert!(be.verify(&vk, &bad, &proof).is_err());
    }
    let vk2 = PlonkVerifyingKey::from_bytes(&vk.to_bytes(), &be).unwrap();
    assert_eq!(vk2.shape, vk.shape);
}
