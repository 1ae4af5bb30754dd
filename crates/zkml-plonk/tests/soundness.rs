//! Regression tests for confirmed forgeries (issue "Soundness first"): each
//! reproduces the forged statement and shows that the circuit now refuses it,
//! with the MockProver (pinned failure) and with a real proof that
//! [`Backend::verify`] rejects.

mod common;

use std::sync::Arc;

use halo2_axiom::dev::MockProver;
use zkml_core::{
    backend::{Backend, PublicValues, SetupOptions, Vis, Visibility},
    exec::execute_int,
    ITensor, QGraph, QOp,
};
use zkml_plonk::{
    circuit::{lay_out, ZkmlCircuit},
    gadgets::{fe, Builder, NullSink},
    plan::plan,
    PlonkError,
};

use common::qgraph::QBuilder;

/// The issue's model: `y = cat(x1[2×2], x2[2×1], axis 1) · 1 + [0, 10, 20]`,
/// Mul and Add fused into one row per element.
fn concat_mul_add() -> QGraph {
    let mut g = QBuilder::new(12);
    let x1 = g.input("x1", &[2, 2]);
    let x2 = g.input("x2", &[2, 1]);
    let cat = g.node(
        "cat",
        QOp::Concat {
            axis: 1,
            align: vec![0, 0],
        },
        &[x1, x2],
        &[2, 3],
    );
    let one = g.constant("one", &[1], &[1]);
    let m = g.node("mul", QOp::Mul { shift: 0 }, &[cat, one], &[2, 3]);
    let b = g.constant("b", &[3], &[0, 10, 20]);
    let y = g.node("add", QOp::Add { align: [0, 0] }, &[m, b], &[2, 3]);
    g.output(y);
    g.finish()
}

fn inputs_1_to_6() -> Vec<ITensor> {
    vec![
        ITensor::from_shape_vec(vec![2, 2], vec![1, 2, 3, 4]).unwrap(),
        ITensor::from_shape_vec(vec![2, 1], vec![5, 6]).unwrap(),
    ]
}

/// Item 1: fused Add constants followed a counter in memory order, so after a
/// column-major Concat the key baked in `[1, 22, 15, 13, 4, 26]`.
#[test]
fn fused_add_after_concat_binds_each_constant_to_its_element() {
    let q = concat_mul_add();
    let t = execute_int(&q, inputs_1_to_6()).unwrap();
    let y = q.outputs[0];
    assert_eq!(
        t.values[y].iter().copied().collect::<Vec<_>>(),
        [1, 12, 25, 3, 14, 26]
    );
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();

    // The Add is fused into the Mul's rows (the path that had the bug).
    let mut sink = NullSink;
    let mut b = Builder::new(&mut sink, p.shape.clone(), false);
    let laid = lay_out(&mut b, &q, Some(&t), &vis).unwrap();
    assert_eq!(laid.node_rows[2], 0, "the Add is fused into the Mul");
    let got: Vec<i128> = laid.outputs[0].iter().map(|w| w.val.unwrap()).collect();
    assert_eq!(got, [1, 12, 25, 3, 14, 26]);

    // The honest prover passes the MockProver.
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    MockProver::run(k, &c, vec![inst.clone()])
        .unwrap()
        .assert_satisfied();

    // The old circuit's statement, claimed by a prover who feeds the circuit's
    // values as the trace: refused before proving, and with the honest
    // witness under the forged public outputs the instance copies fail.
    let forged_out = [1i64, 22, 15, 13, 4, 26];
    let mut forged = t.clone();
    forged.values[y]
        .iter_mut()
        .zip(forged_out)
        .for_each(|(v, f)| *v = f);
    let n_in = 6;
    let mut bad_inst = inst.clone();
    for (i, &f) in forged_out.iter().enumerate() {
        bad_inst[n_in + i] = fe(f as i128);
    }
    let failures = MockProver::run(k, &c, vec![bad_inst.clone()])
        .unwrap()
        .verify()
        .unwrap_err();
    common::failures::assert_only_instance_copy_failures(&failures);

    let be = common::backend();
    let (pk, vk) = common::keys(&be, &q, &vis);
    let (proof, public) = be.prove(&pk, &q, &t).unwrap();
    be.verify(&vk, &public, &proof).unwrap();
    assert_eq!(public.outputs[0], [1, 12, 25, 3, 14, 26]);
    match be.prove(&pk, &q, &forged) {
        Err(PlonkError::TraceMismatch {
            node,
            index,
            circuit,
            trace,
            ..
        }) => {
            assert_eq!((node.as_str(), index, circuit, trace), ("add", 1, 12, 22));
        }
        other => panic!("a forged trace was not refused: {:?}", other.map(|_| ())),
    }
    let forged_public = PublicValues::from_trace(&q, &forged, &vis);
    let proof = be
        .prove_unchecked(&pk, &honest_circuit(&q, &t, &vis, &p.shape), &bad_inst)
        .unwrap();
    assert!(matches!(
        be.verify(&vk, &forged_public, &proof),
        Err(PlonkError::Rejected(_))
    ));
}

/// The circuit of `q` with the honest witness `t` (what `prove` lays out).
fn honest_circuit(
    q: &QGraph,
    t: &zkml_core::Trace,
    vis: &Visibility,
    shape: &zkml_plonk::gadgets::Shape,
) -> ZkmlCircuit {
    ZkmlCircuit {
        q: Arc::new(q.clone()),
        trace: Some(Arc::new(t.clone())),
        vis: vis.clone(),
        shape: shape.clone(),
        tamper: None,
        witness_only: true,
        blinds: Default::default(),
    }
}

/// `lo, lo+1, …` shaped `shape`.
fn ramp(shape: &[usize], lo: i64) -> Vec<i64> {
    let n: usize = shape.iter().product();
    (lo..lo + n as i64).collect()
}

/// A source of a `[1, 2, 3, 4]` tensor by an op that can produce a
/// non-standard layout (Concat on each axis, Transpose, Pad, broadcasting);
/// returns the value.
fn source(g: &mut QBuilder, kind: usize) -> usize {
    let out = [1, 2, 3, 4];
    let cat = |g: &mut QBuilder, axis: usize| {
        let mut a = out.to_vec();
        a[axis] = 1;
        let mut b = out.to_vec();
        b[axis] = out[axis] - 1;
        let xa = g.input("xa", &a);
        let xb = g.input("xb", &b);
        let op = QOp::Concat {
            axis,
            align: vec![0, 1],
        };
        g.node("src", op, &[xa, xb], &out)
    };
    match kind {
        0..=2 => cat(g, kind + 1),
        3 => {
            let x = g.input("x", &[1, 4, 3, 2]);
            let op = QOp::Transpose {
                perm: vec![0, 3, 2, 1],
            };
            g.node("src", op, &[x], &out)
        }
        4 => {
            let x = g.input("x", &[1, 2, 2, 3]);
            let op = QOp::Pad {
                pads: vec![0, 0, 1, 0, 0, 0, 0, 1],
                value: -3,
            };
            g.node("src", op, &[x], &out)
        }
        _ => {
            let x = g.input("x", &[1, 2, 1, 4]);
            let c = g.constant("c", &[3, 1], &[-2, 0, 3]);
            g.node("src", QOp::Add { align: [0, 0] }, &[x, c], &out)
        }
    }
}

/// Every layout-changing source feeding every fusing producer (Mul by a
/// constant, Mul of two activations, MatMul, Conv), each followed by a fused
/// Add of per-element constants and a fused Relu or Clip (lower bound 0, the
/// one fused; its upper bound is a select row): the circuit computes
/// the trace exactly (on multiply-accumulate rows and by the matrix check) and
/// the MockProver is satisfied.
#[test]
fn every_layout_source_feeds_every_fusion_exactly() {
    for src in 0..6 {
        for consumer in 0..4 {
            let mut g = QBuilder::new(16);
            let s = source(&mut g, src);
            let (y, shape) = match consumer {
                0 => {
                    let c = g.constant("k", &[4], &[3, -2, 5, 1]);
                    (
                        g.node("p", QOp::Mul { shift: 1 }, &[s, c], &[1, 2, 3, 4]),
                        vec![1, 2, 3, 4],
                    )
                }
                1 => (
                    g.node("p", QOp::Mul { shift: 2 }, &[s, s], &[1, 2, 3, 4]),
                    vec![1, 2, 3, 4],
                ),
                2 => {
                    let w = g.constant("w", &[4, 5], &ramp(&[4, 5], -9));
                    (
                        g.node("p", QOp::MatMul { shift: 1 }, &[s, w], &[1, 2, 3, 5]),
                        vec![1, 2, 3, 5],
                    )
                }
                _ => {
                    let w = g.constant("w", &[3, 2, 2, 2], &ramp(&[3, 2, 2, 2], -11));
                    let conv = zkml_core::ops::Conv {
                        kernel: [2, 2],
                        strides: [1, 1],
                        pads: [0; 4],
                        dilations: [1, 1],
                        group: 1,
                    };
                    (
                        g.node("p", QOp::Conv { conv, shift: 1 }, &[s, w], &[1, 3, 2, 3]),
                        vec![1, 3, 2, 3],
                    )
                }
            };
            // Distinct per-element constants: a misplaced one changes the result.
            let b = g.constant("b", &shape, &ramp(&shape, -7));
            let z = g.node("add", QOp::Add { align: [0, 0] }, &[y, b], &shape);
            let act = if consumer % 2 == 0 {
                QOp::Relu
            } else {
                QOp::Clip { min: 0, max: 40 }
            };
            let out = g.node("act", act, &[z], &shape);
            g.output(out);
            let q = g.finish();
            let inputs: Vec<ITensor> = q
                .inputs
                .iter()
                .enumerate()
                .map(|(i, &id)| {
                    let sh = q.values[id].shape.clone();
                    let v = ramp(&sh, -6 + 3 * i as i64);
                    ITensor::from_shape_vec(sh, v).unwrap()
                })
                .collect();
            let t = execute_int(&q, inputs).unwrap();
            let vis = Visibility::default();
            for matrix_check in [false, true] {
                let p = zkml_plonk::plan::plan_with(&q, &vis, None, matrix_check).unwrap();
                let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
                common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
                // Fused: the Add and the activation take no rows of their own.
                let mut sink = NullSink;
                let mut b = Builder::new(&mut sink, p.shape.clone(), false);
                let laid = lay_out(&mut b, &q, Some(&t), &vis).unwrap();
                let n = q.nodes.len();
                assert_eq!(
                    laid.node_rows[n - 2],
                    0,
                    "source {src}, consumer {consumer}: Add not fused"
                );
                assert_eq!(
                    laid.node_rows[n - 1],
                    0,
                    "source {src}, consumer {consumer}: activation not fused"
                );
                MockProver::run(k, &c, vec![inst])
                    .unwrap()
                    .assert_satisfied();
            }
        }
    }
}

/// A small CNN with the bench models' ops: Conv + bias → Relu → AveragePool →
/// Reshape → MatMul → Add → Sigmoid, and a Softmax head.
fn small_cnn() -> (zkml_core::Graph, Vec<Vec<zkml_core::FTensor>>) {
    use zkml_core::{ops::Pool, Graph, Op};
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 1, 5, 5]);
    let w = g.add_const("w", common::det(&[3, 1, 2, 2], 1, 0.8));
    let b = g.add_const("b", common::det(&[3], 2, 0.3));
    let conv = zkml_core::ops::Conv {
        kernel: [2, 2],
        strides: [1, 1],
        pads: [0; 4],
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
        .add_node("flat", Op::Reshape { shape: vec![1, 12] }, vec![p], "f")
        .unwrap();
    let w2 = g.add_const("w2", common::det(&[12, 4], 3, 0.6));
    let b2 = g.add_const("b2", common::det(&[4], 4, 0.2));
    let m = g.add_node("fc", Op::MatMul, vec![f, w2], "m").unwrap();
    let a = g.add_node("bias", Op::Add, vec![m, b2], "a").unwrap();
    let s = g
        .add_node(
            "sig",
            Op::Table(zkml_core::ops::TableFn::Sigmoid),
            vec![a],
            "s",
        )
        .unwrap();
    let sm = g
        .add_node("softmax", Op::Softmax { axis: 1 }, vec![a], "sm")
        .unwrap();
    g.add_output(s);
    g.add_output(sm);
    let samples = (0..3)
        .map(|i| vec![common::det(&[1, 1, 5, 5], 10 + i, 1.0)])
        .collect();
    (g, samples)
}

/// Item 8 of the soundness issue: no constraint of a model's layout reads an
/// unassigned cell, for fixed, private and committed weights, with and
/// without matrix checks, public, private and committed inputs and outputs.
#[test]
fn no_model_layout_reads_an_unassigned_cell() {
    let (g, samples) = small_cnn();
    let q = common::quantize_small(&g, &samples);
    let t = zkml_core::exec::execute(&q, &samples[0]).unwrap();
    let mut checked = 0;
    for weights in [Vis::Fixed, Vis::Private, Vis::Committed] {
        for (input, output) in [
            (Vis::Public, Vis::Public),
            (Vis::Private, Vis::Committed),
            (Vis::Committed, Vis::Private),
        ] {
            let vis = Visibility {
                input,
                weights,
                output,
                ..Visibility::default()
            };
            for matrix_check in [false, true] {
                let p = zkml_plonk::plan::plan_with(&q, &vis, None, matrix_check).unwrap();
                checked += usize::from(p.shape.freivalds);
                common::assert_no_unassigned_reads(&q, &t, &vis, &p.shape);
            }
        }
    }
    assert!(checked > 0, "no plan used the matrix check");
}

/// Item 3: linear rows with shift 0 had no range check, so `a + b` with
/// `a = b = 2000` and 12-bit activations (range `[−2048, 2047]`) verified with
/// output 4000, which the executor refuses. A prover feeding the circuit's own
/// values (the executor cannot produce this trace) now fails the output's
/// range lookup, and its real proof is rejected.
#[test]
fn linear_outputs_are_range_checked_like_the_executor() {
    let mut g = QBuilder::new(12);
    let a = g.input("a", &[1]);
    let b = g.input("b", &[1]);
    let y = g.node("add", QOp::Add { align: [0, 0] }, &[a, b], &[1]);
    g.output(y);
    let q = g.finish();
    let x = |v: i64| ITensor::from_shape_vec(vec![1], vec![v]).unwrap();
    assert!(matches!(
        execute_int(&q, vec![x(2000), x(2000)]),
        Err(zkml_core::Error::OutOfRange { value: 4000, .. })
    ));
    // The edges of the range: the executor and the circuit agree.
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    for (u, v) in [(2000, 47), (-2000, -48)] {
        let t = execute_int(&q, vec![x(u), x(v)]).unwrap();
        let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
        MockProver::run(k, &c, vec![inst])
            .unwrap()
            .assert_satisfied();
    }
    for (u, v) in [(2000, 48), (-2000, -49)] {
        assert!(execute_int(&q, vec![x(u), x(v)]).is_err());
    }

    let mut forged = execute_int(&q, vec![x(0), x(0)]).unwrap();
    forged.values[a] = x(2000);
    forged.values[b] = x(2000);
    forged.values[y] = x(4000);
    let (c, k, inst) = common::mock_circuit(&q, &forged, &vis, &p);
    let failures = MockProver::run(k, &c, vec![inst])
        .unwrap()
        .verify()
        .unwrap_err();
    // The witness generator splits 4000 + 2048 into in-range limbs that do
    // not sum to it: E2 (the range equation, constraint 1 of the main gate)
    // fails on the Add's row. Limbs that did sum to it would fail the lookup.
    let kinds: Vec<String> = failures.iter().map(common::failures::kind).collect();
    assert_eq!(kinds, ["Constraint 1 in gate 0 ('main')"]);

    let be = common::backend();
    let (pk, vk) = be.setup(&q, &SetupOptions::default()).unwrap();
    let (proof, public) = be.prove(&pk, &q, &forged).unwrap();
    assert_eq!(public.outputs[0], [4000]);
    assert!(matches!(
        be.verify(&vk, &public, &proof),
        Err(PlonkError::Rejected(_))
    ));
}

/// Item 3: a fused max with a nonzero lower bound admitted a pre-activation
/// `y` in `[lo − 2^b, lo + 2^b)`; Clip with a nonzero minimum is no longer
/// fused (its own select row, on a range-checked input).
#[test]
fn clip_with_a_nonzero_minimum_is_not_fused() {
    let mut g = QBuilder::new(12);
    let x = g.input("x", &[1, 3]);
    let w = g.constant("w", &[3, 2], &[3, -1, 2, 5, -4, 1]);
    let m = g.node("mm", QOp::MatMul { shift: 1 }, &[x, w], &[1, 2]);
    let c = g.node("clip", QOp::Clip { min: -9, max: 30 }, &[m], &[1, 2]);
    g.output(c);
    let q = g.finish();
    let t = execute_int(
        &q,
        vec![ITensor::from_shape_vec(vec![1, 3], vec![7, -3, 11]).unwrap()],
    )
    .unwrap();
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    let mut sink = NullSink;
    let mut b = Builder::new(&mut sink, p.shape.clone(), false);
    let laid = lay_out(&mut b, &q, Some(&t), &vis).unwrap();
    assert!(laid.node_rows[1] > 0, "the Clip has rows of its own");
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    MockProver::run(k, &c, vec![inst])
        .unwrap()
        .assert_satisfied();
}

/// `x·W + b` with private weights: a bias is a free summand of its output.
fn private_bias_model(b: [i64; 2]) -> QGraph {
    let mut g = QBuilder::new(12);
    let x = g.input("x", &[1, 3]);
    let w = g.constant("w", &[3, 2], &[3, -1, 2, 5, -4, 1]);
    let m = g.node("mm", QOp::MatMul { shift: 1 }, &[x, w], &[1, 2]);
    let bias = g.constant("b", &[2], &b);
    let y = g.node("add", QOp::Add { align: [0, 0] }, &[m, bias], &[1, 2]);
    g.output(y);
    g.finish()
}

/// Item 7: private weights were free field elements, so any bias reached any
/// output. They are now range checked to the weight width (10 bits here, the
/// minimum: `[−512, 511]`), which the key binds: a bias of 1500 moves the
/// output by 1500 but cannot be proven under the honest model's key.
#[test]
fn private_weights_are_range_checked_to_their_width() {
    let vis = Visibility {
        weights: Vis::Private,
        ..Visibility::default()
    };
    let x = vec![ITensor::from_shape_vec(vec![1, 3], vec![7, -3, 11]).unwrap()];
    let q = private_bias_model([4, -6]);
    assert_eq!(zkml_plonk::commit::weight_bits(&q), 10);
    let t = execute_int(&q, x.clone()).unwrap();
    let p = plan(&q, &vis, None).unwrap();
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    MockProver::run(k, &c, vec![inst.clone()])
        .unwrap()
        .assert_satisfied();

    let be = common::backend();
    let (pk, vk) = common::keys(&be, &q, &vis);
    let (proof, public) = be.prove(&pk, &q, &t).unwrap();
    be.verify(&vk, &public, &proof).unwrap();

    // The forger's model: the same shapes, a bias outside the width.
    let forged_q = private_bias_model([1500, -1500]);
    let forged_t = execute_int(&forged_q, x).unwrap();
    assert_ne!(forged_t.values[forged_q.outputs[0]], t.values[q.outputs[0]]);
    assert!(matches!(
        be.prove(&pk, &forged_q, &forged_t),
        Err(PlonkError::WrongModel { .. })
    ));
    let forged_public = PublicValues::from_trace(&forged_q, &forged_t, &vis);
    let forged_inst: Vec<_> = forged_public
        .inputs
        .iter()
        .chain(&forged_public.outputs)
        .flatten()
        .map(|&v| fe(v as i128))
        .collect();
    let proof = be
        .prove_unchecked(
            &pk,
            &honest_circuit(&forged_q, &forged_t, &vis, &p.shape),
            &forged_inst,
        )
        .unwrap();
    assert!(matches!(
        be.verify(&vk, &forged_public, &proof),
        Err(PlonkError::Rejected(_))
    ));
}

/// `x·W + B` with a 12-bit range (`[−2048, 2047]`): `x = 1000`, `W = 3` gives
/// the intermediate 3000, out of range, and `B = −2000` brings the sum back.
fn fused_intermediate_model(uses_twice: bool) -> QGraph {
    let mut g = QBuilder::new(12);
    let x = g.input("x", &[1, 1]);
    let w = g.constant("w", &[1, 1], &[3]);
    let m = g.node("mm", QOp::MatMul { shift: 0 }, &[x, w], &[1, 1]);
    let bias = g.constant("b", &[1], &[-2000]);
    let y = g.node("add", QOp::Add { align: [0, 0] }, &[m, bias], &[1, 1]);
    g.output(y);
    if uses_twice {
        g.output(m);
    }
    g.finish()
}

/// Item 3, the fused Add: the circuit never holds the product feeding a fused
/// Add (only the sum is a cell), so the specification does not range check
/// it either (`zkml_core::fusion`, one rule for both): with fixed weights the
/// executor and the circuit accept exactly the same executions. An
/// intermediate with another use is a value of its own and is checked by
/// both; with private weights nothing fuses and the prover is stricter than
/// the executor (it refuses), never looser.
#[test]
fn fused_add_intermediate_is_checked_alike_by_executor_and_circuit() {
    let x = vec![ITensor::from_shape_vec(vec![1, 1], vec![1000]).unwrap()];
    let q = fused_intermediate_model(false);
    let t = execute_int(&q, x.clone()).expect("only the sum is range checked");
    assert_eq!(t.outputs(&q)[0].iter().copied().collect::<Vec<_>>(), [1000]);
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    MockProver::run(k, &c, vec![inst])
        .unwrap()
        .assert_satisfied();
    let be = common::backend();
    let (pk, vk) = be.setup(&q, &SetupOptions::default()).unwrap();
    let (proof, public) = be.prove(&pk, &q, &t).unwrap();
    be.verify(&vk, &public, &proof).unwrap();

    // The sum itself out of range: refused by the executor, and a prover
    // feeding the circuit its own values fails.
    let x_big = vec![ITensor::from_shape_vec(vec![1, 1], vec![2000]).unwrap()];
    assert!(matches!(
        execute_int(&q, x_big),
        Err(zkml_core::Error::OutOfRange { value: 4000, .. })
    ));

    // The intermediate is also a model output: no fusion, checked by both.
    let q2 = fused_intermediate_model(true);
    assert!(matches!(
        execute_int(&q2, x.clone()),
        Err(zkml_core::Error::OutOfRange { value: 3000, .. })
    ));

    // Private weights: the Add is its own row and the product a checked cell.
    let vis_p = Visibility {
        weights: Vis::Private,
        ..Visibility::default()
    };
    let p = plan(&q, &vis_p, None).unwrap();
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis_p, &p);
    assert!(MockProver::run(k, &c, vec![inst])
        .unwrap()
        .verify()
        .is_err());
    // … and proves the same model when the intermediate is in range.
    let small = vec![ITensor::from_shape_vec(vec![1, 1], vec![500]).unwrap()];
    let t = execute_int(&q, small).unwrap();
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis_p, &p);
    MockProver::run(k, &c, vec![inst])
        .unwrap()
        .assert_satisfied();
}
