//! What the crate's tests share (written once, used by every op's tests):
//! deterministic tensors, graph builders (dense, conv, geometries),
//! quantize-and-run, setup options, forged traces, and the end-to-end
//! checks run on both backends.

use ndarray::{ArrayD, IxDyn};

use crate::error::Error;
use crate::model::{ModelProof, SumcheckBackend};
use crate::zkmodel::{ZkModelProof, ZkSumcheckBackend};
use zkml_core::backend::{Backend, SetupOptions, Vis, Visibility};
use zkml_core::exec::{eval_qop, execute};
use zkml_core::ops::conv::Conv;
use zkml_core::ops::pool::Pool;
use zkml_core::quant::{calibrate, quantize, QuantConfig};
use zkml_core::{FTensor, Graph, ITensor, Op, QGraph, Trace};

/// Deterministic pseudo-random floats in `[−scale, scale)`.
pub(crate) fn det(shape: &[usize], seed: u64, scale: f32) -> FTensor {
    let n: usize = shape.iter().product();
    let mut s = seed.wrapping_mul(6364136223846793005) ^ 0x9e3779b97f4a7c15;
    let v = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) as f64 / (1u64 << 31) as f64 * 2.0 - 1.0) as f32 * scale
        })
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

/// Three samples of one input of `shape` (seeds `seed…seed + 2`), their
/// absolute values when `abs`.
pub(crate) fn samples(shape: &[usize], seed: u64, abs: bool) -> Vec<Vec<FTensor>> {
    (0..3)
        .map(|s| {
            let x = det(shape, seed + s, 1.0);
            vec![if abs { x.mapv(f32::abs) } else { x }]
        })
        .collect()
}

/// Calibrates `g` on `samples`, quantizes it with `cfg` and runs the first
/// sample.
pub(crate) fn run_with(g: &Graph, samples: &[Vec<FTensor>], cfg: &QuantConfig) -> (QGraph, Trace) {
    let cal = calibrate(g, samples).unwrap();
    let q = quantize(g, &cal, cfg).unwrap();
    let t = execute(&q, &samples[0]).unwrap();
    (q, t)
}

/// [`run_with`] at the default quantization.
pub(crate) fn run(g: &Graph, samples: &[Vec<FTensor>]) -> (QGraph, Trace) {
    run_with(g, samples, &QuantConfig::default())
}

/// `x·W + b` (`W: [i, o]`, He-scaled), nodes `mm{tag}` and `add{tag}`.
pub(crate) fn dense(g: &mut Graph, x: usize, i: usize, o: usize, tag: &str, seed: u64) -> usize {
    let w = g.add_const(
        format!("w{tag}"),
        det(&[i, o], seed, (2.0 / i as f32).sqrt()),
    );
    let b = g.add_const(format!("b{tag}"), det(&[o], seed + 1, 0.1));
    let m = g
        .add_node(
            format!("mm{tag}"),
            Op::MatMul,
            vec![x, w],
            format!("m{tag}"),
        )
        .unwrap();
    g.add_node(format!("add{tag}"), Op::Add, vec![m, b], format!("a{tag}"))
        .unwrap()
}

/// A Conv of geometry `c` from `cin` to `cout` channels with a bias, node
/// `conv{tag}`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn conv(
    g: &mut Graph,
    x: usize,
    cin: usize,
    cout: usize,
    c: Conv,
    tag: &str,
    seed: u64,
) -> usize {
    let [kh, kw] = c.kernel;
    let w = g.add_const(
        format!("cw{tag}"),
        det(
            &[cout, cin / c.group, kh, kw],
            seed,
            (2.0 / (cin * kh * kw) as f32).sqrt(),
        ),
    );
    let b = g.add_const(format!("cb{tag}"), det(&[cout], seed + 1, 0.05));
    g.add_node(
        format!("conv{tag}"),
        Op::Conv(c),
        vec![x, w, b],
        format!("c{tag}"),
    )
    .unwrap()
}

/// A conv geometry: kernel, strides, pads `[top, left, bottom, right]`,
/// dilations, groups.
pub(crate) fn geom(
    kernel: [usize; 2],
    strides: [usize; 2],
    pads: [usize; 4],
    dilations: [usize; 2],
    group: usize,
) -> Conv {
    Conv {
        kernel,
        strides,
        pads,
        dilations,
        group,
    }
}

/// Conv geometries with input and weight shapes on odd layouts: batch 2, 1×1, depthwise, strided, dilated, asymmetric pads
/// and kernels, groups, non-power-of-two dims everywhere.
pub(crate) fn odd_conv_layouts() -> Vec<(Conv, [usize; 4], [usize; 4])> {
    vec![
        (
            geom([1, 1], [1, 1], [0; 4], [1, 1], 1),
            [2, 3, 5, 6],
            [5, 3, 1, 1],
        ),
        (
            geom([3, 3], [2, 2], [1; 4], [1, 1], 4),
            [1, 4, 7, 7],
            [4, 1, 3, 3],
        ),
        (
            geom([3, 2], [2, 1], [1, 0, 2, 1], [1, 2], 2),
            [2, 4, 5, 6],
            [6, 2, 3, 2],
        ),
        (
            geom([2, 3], [1, 3], [0, 2, 1, 0], [2, 1], 1),
            [1, 2, 6, 9],
            [3, 2, 2, 3],
        ),
        (
            geom([3, 3], [1, 1], [1; 4], [1, 1], 1),
            [1, 1, 3, 3],
            [2, 1, 3, 3],
        ),
        (
            geom([3, 3], [1, 1], [1; 4], [1, 1], 3),
            [2, 3, 5, 3],
            [6, 1, 3, 3],
        ),
        (
            geom([1, 3], [3, 2], [0, 1, 0, 2], [1, 2], 1),
            [1, 3, 7, 10],
            [7, 3, 1, 3],
        ),
        // 1×1 with rows longer than the weights' span (value buckets).
        (
            geom([1, 1], [1, 1], [0; 4], [1, 1], 1),
            [1, 40, 3, 2],
            [3, 40, 1, 1],
        ),
    ]
}

/// A square `k × k` conv geometry with stride `s`, "same" padding `k / 2`.
pub(crate) fn square(k: usize, s: usize, group: usize) -> Conv {
    geom([k, k], [s, s], [k / 2; 4], [1, 1], group)
}

/// A 2×2 pool of stride 2 without padding.
pub(crate) fn pool2() -> Pool {
    Pool {
        kernel: [2, 2],
        strides: [2, 2],
        pads: [0; 4],
        dilations: [1, 1],
        ceil_mode: false,
        count_include_pad: false,
    }
}

/// Setup options with input visibility `input` (everything else default).
pub(crate) fn opts(input: Vis) -> SetupOptions {
    SetupOptions {
        visibility: Visibility {
            input,
            ..Visibility::default()
        },
        k: None,
    }
}

/// `t` with every node after node `i` recomputed from its inputs.
pub(crate) fn rerun_after(q: &QGraph, mut t: Trace, i: usize) -> Trace {
    for node in &q.nodes[i + 1..] {
        let args: Vec<&ITensor> = node.inputs.iter().map(|&k| &t.values[k]).collect();
        t.values[node.output] = eval_qop(&node.op, &args);
    }
    t
}

/// The trace with node `i`'s output entry `idx` (its first positive entry,
/// else its first) moved by one and every later node recomputed: all
/// relations but node `i`'s hold.
pub(crate) fn forged(q: &QGraph, t: &Trace, i: usize) -> Trace {
    let mut f = t.clone();
    let y = q.nodes[i].output;
    let idx = f.values[y].iter().position(|&v| v > 0).unwrap_or(0);
    f.values[y].as_slice_mut().unwrap()[idx] += 1;
    rerun_after(q, f, i)
}

/// Both backends prove and verify `t` (the ZK one with a private and a
/// public input), and their proofs survive a byte round trip.
pub(crate) fn proves_in_both_backends(q: &QGraph, t: &Trace) {
    let (key, _) = SumcheckBackend.setup(q, &opts(Vis::Public)).unwrap();
    let (proof, public) = SumcheckBackend.prove(&key, q, t).unwrap();
    SumcheckBackend.verify(&key, &public, &proof).unwrap();
    let back = ModelProof::from_bytes(&proof.to_bytes()).unwrap();
    SumcheckBackend.verify(&key, &public, &back).unwrap();
    for input in [Vis::Private, Vis::Public] {
        let (key, _) = ZkSumcheckBackend.setup(q, &opts(input)).unwrap();
        let (proof, public) = ZkSumcheckBackend.prove(&key, q, t).unwrap();
        ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
        let back = ZkModelProof::from_bytes(&proof.to_bytes()).unwrap();
        ZkSumcheckBackend.verify(&key, &public, &back).unwrap();
        let mut p = public.clone();
        p.outputs[0][0] += 1;
        assert!(ZkSumcheckBackend.verify(&key, &p, &proof).is_err());
    }
}

/// [`forged`] at node `i` (a node with a rounding remainder): the honest
/// prover refuses the trace, and a cheating prover (in-range remainders for
/// the wrong output, every later relation consistent) is rejected by both
/// verifiers.
pub(crate) fn forgery_is_rejected(q: &QGraph, t: &Trace, i: usize) {
    let f = forged(q, t, i);
    let (key, _) = SumcheckBackend.setup(q, &opts(Vis::Public)).unwrap();
    assert!(SumcheckBackend.prove(&key, q, &f).is_err(), "node {i}");
    let (proof, public) =
        crate::model::prover::prove_inner(&key, &f, &mut rand_core06::OsRng, true).unwrap();
    let err = SumcheckBackend.verify(&key, &public, &proof).unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "node {i}: {err}");
    let (key, _) = ZkSumcheckBackend.setup(q, &opts(Vis::Private)).unwrap();
    let (proof, public) =
        crate::zkmodel::prover::prove_inner(&key, &f, &mut rand_core06::OsRng, true).unwrap();
    let err = ZkSumcheckBackend.verify(&key, &public, &proof).unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "zk, node {i}: {err}");
}

/// A forged trace `f` whose wrong node has no remainder (an index map:
/// every output entry is an input entry): the honest provers of both
/// backends prove it, and both verifiers (ZK: input private and public)
/// reject the proof.
pub(crate) fn proof_of_forgery_is_rejected(q: &QGraph, f: &Trace) {
    let (key, _) = SumcheckBackend.setup(q, &opts(Vis::Public)).unwrap();
    let (proof, public) = SumcheckBackend.prove(&key, q, f).unwrap();
    let err = SumcheckBackend.verify(&key, &public, &proof).unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err}");
    for input in [Vis::Private, Vis::Public] {
        let (key, _) = ZkSumcheckBackend.setup(q, &opts(input)).unwrap();
        let (proof, public) = ZkSumcheckBackend.prove(&key, q, f).unwrap();
        let err = ZkSumcheckBackend.verify(&key, &public, &proof).unwrap_err();
        assert!(matches!(err, Error::Rejected { .. }), "zk: {err}");
    }
}
