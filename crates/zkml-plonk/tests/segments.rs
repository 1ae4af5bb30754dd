//! Segmented proofs end to end: a small residual model split into four
//! segments proves and verifies as a chain; a swapped segment proof, a
//! segment proof from another input, a broken commitment chain (another
//! seed), a missing segment, reordered segments, a consuming segment proven
//! on other boundary values and a proof carrying its neighbour's boundary
//! commitment are each rejected; the boundary columns are one polynomial in
//! both neighbours (equal commitments, the native one).

use std::sync::OnceLock;

use ndarray::{ArrayD, IxDyn};
use zkml_core::{
    backend::{Backend, Openings, Visibility},
    exec::execute,
    quant::{calibrate, quantize, QuantConfig},
    FTensor, Graph, Op, QGraph, Segment, Trace,
};
use zkml_plonk::{
    segment::{
        boundary::{column_commitment, point_bytes},
        boundary_commitments, boundary_key, bundle_to_bytes, plan_segments, plan_segments_at_cuts,
        prove_segment, run_digest, segment_keys, segment_openings, segment_visibility,
        verify_segments, SegmentProof, SegmentSeed, SegmentedPlan,
    },
    PlonkBackend, PlonkError, PlonkProvingKey, PlonkVerifyingKey,
};

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

/// mm1 + bias → relu (r) → mm2 → r + · (residual) → relu → concat(r, ·) → mm3.
fn model() -> (QGraph, Vec<Vec<FTensor>>) {
    let d = 6;
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, d]);
    let w1 = g.add_const("w1", det(&[d, d], 1));
    let b1 = g.add_const("b1", det(&[d], 2));
    let w2 = g.add_const("w2", det(&[d, d], 3));
    let w3 = g.add_const("w3", det(&[2 * d, 3], 4));
    let m = g.add_node("mm1", Op::MatMul, vec![x, w1], "m").unwrap();
    let a = g.add_node("bias", Op::Add, vec![m, b1], "a").unwrap();
    let r = g.add_node("relu", Op::Relu, vec![a], "r").unwrap();
    let h = g.add_node("mm2", Op::MatMul, vec![r, w2], "h").unwrap();
    let s = g.add_node("res", Op::Add, vec![h, r], "s").unwrap();
    let t = g.add_node("relu2", Op::Relu, vec![s], "t").unwrap();
    let c = g
        .add_node("cat", Op::Concat { axis: 1 }, vec![r, t], "c")
        .unwrap();
    let o = g.add_node("mm3", Op::MatMul, vec![c, w3], "o").unwrap();
    g.add_output(o);
    let samples: Vec<Vec<FTensor>> = (0..3).map(|s| vec![det(&[1, d], 10 + s)]).collect();
    let cal = calibrate(&g, &samples).unwrap();
    let cfg = QuantConfig {
        act_bits: 12,
        max_scale: 5,
        ..QuantConfig::default()
    };
    (quantize(&g, &cal, &cfg).unwrap(), samples)
}

/// `blocks` × (MatMul d×d → Relu), a residual Add around every second block.
fn deep(d: usize, blocks: usize) -> (QGraph, Vec<Vec<FTensor>>) {
    let mut g = Graph::new();
    let mut x = g.add_input("x", vec![1, d]);
    let mut skip = x;
    for b in 0..blocks {
        let w = g.add_const(
            format!("w{b}"),
            det(&[d, d], 100 + b as u64).mapv(|v| v * 0.3),
        );
        let m = g
            .add_node(format!("mm{b}"), Op::MatMul, vec![x, w], format!("m{b}"))
            .unwrap();
        x = g
            .add_node(format!("relu{b}"), Op::Relu, vec![m], format!("r{b}"))
            .unwrap();
        if b % 2 == 1 {
            x = g
                .add_node(format!("res{b}"), Op::Add, vec![x, skip], format!("s{b}"))
                .unwrap();
            skip = x;
        }
    }
    g.add_output(x);
    let samples: Vec<Vec<FTensor>> = (0..2).map(|s| vec![det(&[1, d], 10 + s)]).collect();
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

struct Fixture {
    q: QGraph,
    segs: Vec<Segment>,
    keys: Vec<(PlonkProvingKey, PlonkVerifyingKey)>,
    traces: Vec<Trace>,
}

/// Cuts before mm2, res and cat: four segments; `r` crosses three cuts
/// (an input and output of the segment `mm2` alone, read by `res` and `cat`).
const CUTS: [usize; 3] = [3, 4, 6];
const SEED: SegmentSeed = [5u8; 32];

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (q, samples) = model();
        let vis = Visibility::default();
        // One k for the whole chain (a boundary column is one polynomial in both neighbours).
        let sp = plan_segments_at_cuts(&q, &vis, &CUTS, None, true).unwrap();
        let n = sp.segments.len();
        let keys = sp
            .segments
            .iter()
            .zip(&sp.plans)
            .enumerate()
            .map(|(i, (s, p))| {
                backend()
                    .setup_with_plan(&s.graph, segment_visibility(&vis, i, n), p.clone())
                    .unwrap()
            })
            .collect();
        let traces = samples.iter().map(|x| execute(&q, x).unwrap()).collect();
        Fixture {
            q,
            segs: sp.segments,
            keys,
            traces,
        }
    })
}

fn prove_all(f: &Fixture, trace: &Trace, seed: &SegmentSeed) -> Vec<SegmentProof> {
    (0..f.segs.len())
        .map(|i| {
            prove_segment(
                &backend(),
                &f.keys[i].0,
                &f.segs,
                i,
                trace,
                &Openings::default(),
                seed,
            )
            .unwrap()
        })
        .collect()
}

fn verify(
    f: &Fixture,
    proofs: &[SegmentProof],
) -> Result<zkml_plonk::segment::ChainPublic, PlonkError> {
    let vks: Vec<PlonkVerifyingKey> = f
        .keys
        .iter()
        .map(|(_, vk)| PlonkVerifyingKey::from_bytes(&vk.to_bytes(), &backend()).unwrap())
        .collect();
    verify_segments(&backend(), &Visibility::default(), &vks, proofs)
}

fn rejected(r: Result<zkml_plonk::segment::ChainPublic, PlonkError>, needle: &str) {
    match r {
        Err(PlonkError::Rejected(m)) => assert!(m.contains(needle), "{m}"),
        other => panic!("expected a rejection containing `{needle}`, got {other:?}"),
    }
}

/// Keys of every segment of `sp` and its proofs of `trace` (seed [`SEED`]).
fn prove_plan(
    sp: &SegmentedPlan,
    vis: &Visibility,
    trace: &Trace,
) -> (Vec<PlonkVerifyingKey>, Vec<SegmentProof>) {
    let n = sp.segments.len();
    let mut keys = vec![];
    let mut proofs = vec![];
    for (i, (s, p)) in sp.segments.iter().zip(&sp.plans).enumerate() {
        let (pk, vk) = backend()
            .setup_with_plan(&s.graph, segment_visibility(vis, i, n), p.clone())
            .unwrap();
        let openings = Openings::default();
        proofs.push(
            prove_segment(&backend(), &pk, &sp.segments, i, trace, &openings, &SEED).unwrap(),
        );
        keys.push(vk);
    }
    (keys, proofs)
}

#[test]
fn segmented_chain_proves_verifies_and_rejects_tampering() {
    let f = fixture();
    assert_eq!(f.segs.len(), 4);
    let good = prove_all(f, &f.traces[0], &SEED);
    let out = verify(f, &good).unwrap();
    // The seed and the boundary keys stay with the prover: no byte of a
    // segment proof or the bundle spells them (raw or hex). Each boundary has
    // its own key.
    let bundle = bundle_to_bytes(&good);
    let run = run_digest(&f.segs, &f.traces[0]);
    let keys: Vec<[u8; 32]> = (0..3).map(|j| boundary_key(&SEED, &run, j)).collect();
    // Another input of the same seed keys every boundary differently.
    let run1 = run_digest(&f.segs, &f.traces[1]);
    assert_ne!(run, run1);
    for (j, b) in keys.iter().enumerate() {
        assert_ne!(&boundary_key(&SEED, &run1, j), b);
    }
    for (i, b) in keys.iter().enumerate() {
        assert!(
            keys[..i].iter().all(|a| a != b),
            "boundary {i} reuses a key"
        );
    }
    let hex = |b: &[u8]| -> Vec<u8> {
        b.iter()
            .flat_map(|x| format!("{x:02x}").into_bytes())
            .collect()
    };
    let holds = |hay: &[u8], s: &[u8]| hay.windows(s.len()).any(|w| w == s);
    for secret in std::iter::once(SEED).chain(keys) {
        assert!(!holds(&bundle, &secret) && !holds(&bundle, &hex(&secret)));
    }
    let flat = |t: &Trace, ids: &[usize]| -> Vec<Vec<i64>> {
        ids.iter()
            .map(|&i| t.values[i].iter().copied().collect())
            .collect()
    };
    assert_eq!(out.public.inputs, flat(&f.traces[0], &f.q.inputs));
    assert_eq!(out.public.outputs, flat(&f.traces[0], &f.q.outputs));
    // Middle segments show no public value: their boundaries are in the proof.
    assert_eq!(good[1].public, zkml_core::backend::PublicValues::default());

    // Swapped: segment 2's proof relabelled as segment 1 (and back).
    let mut swapped = good.clone();
    swapped.swap(1, 2);
    swapped[1].index = 1;
    swapped[2].index = 2;
    rejected(
        verify(f, &swapped),
        "chain is broken between segments 0 and 1",
    );
    // Even with the chain mended by hand (each position's own boundary
    // commitments written back), segment 2's proof is not one of segment 1.
    let vk1 = &f.keys[1].1;
    let b1 = 32 * (vk1.shape.bnd_in + vk1.shape.bnd_out);
    assert_eq!(
        f.keys[2].1.shape.bnd_in + f.keys[2].1.shape.bnd_out,
        b1 / 32
    );
    swapped[1].proof.bytes[..b1].copy_from_slice(&good[1].proof.bytes[..b1]);
    swapped[2].proof.bytes[..b1].copy_from_slice(&good[2].proof.bytes[..b1]);
    rejected(verify(f, &swapped), "segment 1 of 4");

    // Reordered, labels kept.
    let mut reordered = good.clone();
    reordered.swap(2, 3);
    rejected(verify(f, &reordered), "out of order");

    // Missing segment (middle and last).
    let mut missing = good.clone();
    missing.remove(2);
    rejected(verify(f, &missing), "segment 2 of 4 is missing");
    rejected(verify(f, &good[..3]), "segment 3 of 4 is missing");

    // A segment proof from another input (same seed): valid alone, the chain breaks.
    let other = prove_segment(
        &backend(),
        &f.keys[2].0,
        &f.segs,
        2,
        &f.traces[1],
        &Openings::default(),
        &SEED,
    )
    .unwrap();
    let vks: Vec<&PlonkVerifyingKey> = f.keys.iter().map(|(_, vk)| vk).collect();
    assert_ne!(
        boundary_commitments(vks[2], &other).unwrap(),
        boundary_commitments(vks[2], &good[2]).unwrap()
    );
    let mut mixed = good.clone();
    mixed[2] = other;
    rejected(
        verify(f, &mixed),
        "chain is broken between segments 1 and 2",
    );

    // The same values under another seed: every proof valid, the chain broken.
    let mut reseeded = good.clone();
    reseeded[1] = prove_segment(
        &backend(),
        &f.keys[1].0,
        &f.segs,
        1,
        &f.traces[0],
        &Openings::default(),
        &[6u8; 32],
    )
    .unwrap();
    rejected(
        verify(f, &reseeded),
        "chain is broken between segments 0 and 1",
    );

    // A forged link: segment 1 proven on another input's values, blinded
    // with this run's boundary keys (its own consistent blinding): valid
    // alone, its input boundary is another polynomial, the chain breaks.
    let (proof, public) = backend()
        .prove_boundary(
            &f.keys[1].0,
            &f.segs[1].graph,
            &f.traces[1].restrict(&f.segs[1]),
            &segment_openings(&Openings::default(), 1, 4),
            &segment_keys(&SEED, &run, 1, 4),
        )
        .unwrap();
    let mut forged = good.clone();
    forged[1] = SegmentProof {
        index: 1,
        count: 4,
        public,
        proof,
    };
    backend()
        .verify(&f.keys[1].1, &forged[1].public, &forged[1].proof)
        .unwrap();
    rejected(
        verify(f, &forged),
        "chain is broken between segments 0 and 1",
    );
    // The same proof with the honest boundary commitments written over its
    // own (segment 0's output, segment 2's input): the chain check passes,
    // the proof does not verify.
    forged[1].proof.bytes[..b1].copy_from_slice(&good[1].proof.bytes[..b1]);
    rejected(verify(f, &forged), "segment 1 of 4");

    // A flipped proof byte in the last segment.
    let mut flipped = good.clone();
    let b = flipped[3].proof.bytes.len() / 2;
    flipped[3].proof.bytes[b] ^= 1;
    rejected(verify(f, &flipped), "segment 3 of 4");
}

/// The rng schedule: a boundary column is the same polynomial in the
/// producing and the consuming proof (equal commitments, both equal to the
/// natively computed one) only under the same seed; other randomness of the
/// proofs is fresh (two proofs of one segment differ).
#[test]
fn segment_boundary_columns_are_one_polynomial() {
    let f = fixture();
    let vks: Vec<&PlonkVerifyingKey> = f.keys.iter().map(|(_, vk)| vk).collect();
    let trace = &f.traces[0];
    let prove = |i: usize, seed: &SegmentSeed| {
        prove_segment(
            &backend(),
            &f.keys[i].0,
            &f.segs,
            i,
            trace,
            &Openings::default(),
            seed,
        )
        .unwrap()
    };
    let (p0, p1) = (prove(0, &SEED), prove(1, &SEED));
    let out0 = boundary_commitments(vks[0], &p0).unwrap().1;
    let in1 = boundary_commitments(vks[1], &p1).unwrap().0;
    assert!(!out0.is_empty());
    assert_eq!(out0, in1);
    // The native commitment of boundary 0: segment 0's outputs under its key.
    let run = run_digest(&f.segs, trace);
    let vals: Vec<i128> = f.segs[0]
        .graph
        .outputs
        .iter()
        .flat_map(|&v| trace.values[f.segs[0].values[v]].iter().map(|&x| x as i128))
        .collect();
    let params = backend().params(vks[0].k).unwrap();
    let domain = halo2_axiom::poly::EvaluationDomain::new(3, vks[0].k);
    for (c, got) in out0.iter().enumerate() {
        let want = column_commitment(
            &params,
            &domain,
            &vals,
            out0.len(),
            c,
            &boundary_key(&SEED, &run, 0),
        );
        assert_eq!(point_bytes(&want), *got, "column {c}");
    }
    // Another seed: another zone, another commitment.
    let q1 = prove(1, &[9u8; 32]);
    assert_ne!(boundary_commitments(vks[1], &q1).unwrap().0, out0);
    // The same seed again: the same boundary commitment, a fresh proof.
    let again = prove(1, &SEED);
    assert_eq!(boundary_commitments(vks[1], &again).unwrap().0, out0);
    assert_ne!(again.proof.bytes, p1.proof.bytes);
}

/// `plan_segments` splits the model so that every segment fits the asked
/// `k`, and its segments prove and verify as a chain.
#[test]
fn planned_segments_fit_k() {
    let (q, samples) = deep(96, 8);
    let vis = Visibility::default();
    // The smallest k one circuit fits, minus one.
    let mut k = zkml_plonk::plan(&q, &vis, None).unwrap().k;
    while zkml_plonk::plan_with(&q, &vis, Some(k - 1), true).is_ok() {
        k -= 1;
    }
    let k = k - 1;
    let sp = plan_segments(&q, &vis, k).unwrap();
    assert!(sp.segments.len() >= 2, "{:?}", sp.cuts);
    for p in &sp.plans {
        assert_eq!(p.k, k);
        p.check_fits().unwrap();
    }
    let trace = execute(&sp.graph, &samples[0]).unwrap();
    let (keys, proofs) = prove_plan(&sp, &vis, &trace);
    let out = verify_segments(&backend(), &vis, &keys, &proofs).unwrap();
    let whole = execute(&q, &samples[0]).unwrap();
    assert_eq!(
        out.public.outputs[0],
        whole.values[q.outputs[0]]
            .iter()
            .copied()
            .collect::<Vec<_>>()
    );
}

/// conv 1 → 16 (3×3) + bias → Relu → depthwise 3×3 stride 4 → Relu → conv 16 → 2 (1×1),
/// on 16×16: the expand conv's rows are large beside its input and the
/// depthwise conv's output (the boundaries a split carries).
fn convs() -> (QGraph, Vec<Vec<FTensor>>) {
    let conv = |k: usize, group: usize, stride: usize| {
        Op::Conv(zkml_core::ops::Conv {
            kernel: [k, k],
            strides: [stride, stride],
            pads: [k / 2; 4],
            dilations: [1, 1],
            group,
        })
    };
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 1, 16, 16]);
    let w1 = g.add_const("w1", det(&[16, 1, 3, 3], 1).mapv(|v| v * 0.3));
    let b1 = g.add_const("b1", det(&[1, 16, 1, 1], 2));
    let w2 = g.add_const("w2", det(&[16, 1, 3, 3], 3).mapv(|v| v * 0.3));
    let w3 = g.add_const("w3", det(&[2, 16, 1, 1], 4));
    let c = g
        .add_node("expand", conv(3, 1, 1), vec![x, w1], "c")
        .unwrap();
    let a = g.add_node("bias", Op::Add, vec![c, b1], "a").unwrap();
    let r = g.add_node("relu", Op::Relu, vec![a], "r").unwrap();
    let d = g.add_node("dw", conv(3, 16, 4), vec![r, w2], "d").unwrap();
    let r2 = g.add_node("relu2", Op::Relu, vec![d], "r2").unwrap();
    let o = g
        .add_node("project", conv(1, 1, 1), vec![r2, w3], "o")
        .unwrap();
    g.add_output(o);
    let samples: Vec<Vec<FTensor>> = (0..2).map(|s| vec![det(&[1, 1, 16, 16], 10 + s)]).collect();
    let cal = calibrate(&g, &samples).unwrap();
    let cfg = QuantConfig {
        act_bits: 12,
        max_scale: 5,
        ..QuantConfig::default()
    };
    (quantize(&g, &cal, &cfg).unwrap(), samples)
}

/// A segment size below the expand conv's rows: the planner splits the conv
/// (and the bias, Relu, depthwise conv and Relu it carries) into pieces by
/// output channels, the split graph computes the model's integers, and its
/// segments prove and verify as a chain; a swapped segment proof and a
/// flipped byte are rejected.
#[test]
fn split_node_segments_prove_and_verify() {
    let (q, samples) = convs();
    let vis = Visibility::default();
    // The largest segment k at which the planner splits the expand conv.
    let sp = (8..16)
        .rev()
        .filter_map(|k| plan_segments(&q, &vis, k).ok())
        .find(|sp| sp.graph.nodes.len() > q.nodes.len())
        .expect("some segment size splits the expand conv");
    assert!(
        sp.graph.nodes.len() > q.nodes.len(),
        "not split: {:?}",
        sp.cuts
    );
    assert!(sp.graph.nodes.iter().any(|n| n.name.starts_with("dw[")));
    assert!(sp.segments.len() >= 2, "{:?}", sp.cuts);
    // A cut between two pieces: the boundary holds a finished piece.
    let seg1 = &sp.segments[1].graph;
    assert!(
        seg1.inputs
            .iter()
            .any(|&i| seg1.values[i].name.starts_with("r2[")),
        "{:?}",
        sp.cuts
    );
    let trace = execute(&sp.graph, &samples[0]).unwrap();
    assert_eq!(
        trace.outputs(&sp.graph),
        execute(&q, &samples[0]).unwrap().outputs(&q)
    );
    let (keys, proofs) = prove_plan(&sp, &vis, &trace);
    let out = verify_segments(&backend(), &vis, &keys, &proofs).unwrap();
    let flat: Vec<i64> = trace.outputs(&sp.graph)[0].iter().copied().collect();
    assert_eq!(out.public.outputs[0], flat);
    let mut swapped = proofs.clone();
    swapped.swap(0, 1);
    swapped[0].index = 0;
    swapped[1].index = 1;
    // (Each proof's first columns are the boundary both read: the chain
    // check passes, the keys refuse the proofs.)
    rejected(
        verify_segments(&backend(), &vis, &keys, &swapped),
        "segment 0 of",
    );
    let mut flipped = proofs.clone();
    let b = flipped[1].proof.bytes.len() / 3;
    flipped[1].proof.bytes[b] ^= 1;
    rejected(
        verify_segments(&backend(), &vis, &keys, &flipped),
        "segment 1 of",
    );
}

/// The memory estimate grows with k; a budget below it is refused up front
/// with the estimate and the hint to segment; segments for a budget fit it.
#[test]
fn memory_budget_refuses_and_segments() {
    let (q, _) = deep(96, 8);
    let vis = Visibility::default();
    let whole = zkml_plonk::plan(&q, &vis, None).unwrap();
    let bigger = zkml_plonk::plan(&q, &vis, Some(whole.k + 2)).unwrap();
    assert!(bigger.est_peak_bytes > whole.est_peak_bytes);
    whole.check_memory(whole.est_peak_bytes).unwrap();
    let e = whole.check_memory(whole.est_peak_bytes - 1).unwrap_err();
    assert!(matches!(e, PlonkError::OverMemory { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("--segment-k") && msg.contains("GiB"), "{msg}");
    // Below the smallest single circuit's estimate, the model is split.
    let mut kmin = whole.k;
    while zkml_plonk::plan_with(&q, &vis, Some(kmin - 1), true).is_ok() {
        kmin -= 1;
    }
    let smallest = zkml_plonk::plan_with(&q, &vis, Some(kmin), true).unwrap();
    let budget = smallest.est_peak_bytes - 1;
    let sp = zkml_plonk::segment::plan_segments_within(&q, &vis, kmin + 1, budget).unwrap();
    assert!(sp.segments.len() >= 2, "{:?}", sp.cuts);
    assert!(sp.plans.iter().all(|p| p.est_peak_bytes <= budget));
}
