//! The planner counts rows exactly: for many small models (shape ops alone,
//! every op family, several visibilities) the rows, public values and `k` the
//! planner reports are those the layouter actually uses, the MockProver is
//! satisfied at the planned `k`, and one `k` less does not fit.
//!
//! Regression: models made mostly of shape ops (a lone Reshape with 12 public
//! values got `k = 4`) panicked in halo2's keygen with `NotEnoughRowsAvailable`
//! because the planner ignored the instance column and the table's padding row.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use zkml_core::{
    backend::{Backend, Openings, PublicValues, Reveal, SetupOptions, Vis, Visibility},
    exec::execute,
    ops::{Conv, Pool},
    FTensor, Graph, Op, QGraph, Trace,
};
use zkml_plonk::{
    circuit::{lay_out_with, ZkmlCircuit},
    commit::{commitments, fresh_blinding},
    gadgets::{Adv, Builder, Fix, Sink},
    plan, Plan, PlonkError, PublicLayout,
};

mod common;

/// Records the rows and public values a layout touches.
#[derive(Default)]
struct RowSink {
    /// One past the last row holding an assigned cell, a copy or a fixed value.
    rows: usize,
    /// One past the last public value bound.
    public: usize,
}

impl RowSink {
    fn touch(&mut self, row: usize) {
        self.rows = self.rows.max(row + 1);
    }
}

impl Sink for RowSink {
    fn advice(&mut self, _: Adv, row: usize, _: Option<i128>) {
        self.touch(row);
    }
    fn advice_fe(&mut self, _: Adv, row: usize, _: Option<Fr>) {
        self.touch(row);
    }
    fn fixed(&mut self, _: Fix, row: usize, _: Fr) {
        self.touch(row);
    }
    fn copy(&mut self, a: (Adv, usize), b: (Adv, usize)) {
        self.touch(a.1);
        self.touch(b.1);
    }
    fn public(&mut self, a: (Adv, usize), idx: usize) {
        self.touch(a.1);
        self.public = self.public.max(idx + 1);
    }
}

fn pool(kernel: usize, stride: usize) -> Pool {
    Pool {
        kernel: [kernel; 2],
        strides: [stride; 2],
        pads: [0; 4],
        dilations: [1, 1],
        ceil_mode: false,
        count_include_pad: false,
    }
}

/// A one-node model `op(x, consts…)` with input shape `shape`.
fn single(name: &str, op: Op, shape: &[usize], consts: &[Vec<usize>]) -> (String, Graph) {
    let mut g = Graph::new();
    let x = g.add_input("x", shape.to_vec());
    let mut ins = vec![x];
    for (i, c) in consts.iter().enumerate() {
        ins.push(g.add_const(format!("c{i}"), common::det(c, 100 + i as u64, 1.0)));
    }
    let y = g.add_node(name, op, ins, "y").unwrap();
    g.add_output(y);
    (name.to_string(), g)
}

/// Small models: shape ops alone (the panicking kind), each op family, chains.
fn models() -> Vec<(String, Graph)> {
    let conv = Conv {
        kernel: [3, 3],
        strides: [1, 1],
        pads: [1, 1, 1, 1],
        dilations: [1, 1],
        group: 1,
    };
    let mut v = vec![
        single(
            "reshape12",
            Op::Reshape { shape: vec![3, 4] },
            &[1, 12],
            &[],
        ),
        single("reshape2", Op::Reshape { shape: vec![2, 1] }, &[1, 2], &[]),
        single(
            "reshape300",
            Op::Reshape { shape: vec![300] },
            &[3, 100],
            &[],
        ),
        single(
            "flatten",
            Op::Reshape { shape: vec![1, 48] },
            &[1, 3, 4, 4],
            &[],
        ),
        single(
            "transpose",
            Op::Transpose { perm: vec![1, 0] },
            &[5, 7],
            &[],
        ),
        single(
            "pad",
            Op::Pad {
                pads: vec![0, 0, 1, 2, 0, 0, 2, 1],
                value: 0.5,
            },
            &[1, 1, 3, 3],
            &[],
        ),
        single(
            "concat_const",
            Op::Concat { axis: 1 },
            &[2, 3],
            &[vec![2, 2]],
        ),
        single("relu", Op::Relu, &[1, 10], &[]),
        single("leaky", Op::LeakyRelu { alpha: 0.125 }, &[1, 10], &[]),
        single(
            "clip",
            Op::Clip {
                min: -0.25,
                max: 0.5,
            },
            &[1, 10],
            &[],
        ),
        single(
            "sigmoid",
            Op::Table(zkml_core::ops::TableFn::Sigmoid),
            &[1, 6],
            &[],
        ),
        single(
            "tanh",
            Op::Table(zkml_core::ops::TableFn::Tanh),
            &[1, 6],
            &[],
        ),
        single("softmax", Op::Softmax { axis: 1 }, &[2, 5], &[]),
        single("add", Op::Add, &[1, 8], &[vec![8]]),
        single("sub", Op::Sub, &[1, 8], &[vec![1, 8]]),
        single("mul", Op::Mul, &[1, 8], &[vec![8]]),
        single("matmul", Op::MatMul, &[2, 7], &[vec![7, 3]]),
        single(
            "conv",
            Op::Conv(conv.clone()),
            &[1, 1, 5, 5],
            &[vec![2, 1, 3, 3], vec![2]],
        ),
        single("maxpool", Op::MaxPool(pool(2, 2)), &[1, 2, 4, 4], &[]),
        single("avgpool", Op::AveragePool(pool(2, 1)), &[1, 1, 4, 4], &[]),
        single(
            "reducemean",
            Op::ReduceMean {
                axes: vec![1],
                keepdims: false,
            },
            &[3, 5],
            &[],
        ),
        single(
            "reducesum",
            Op::ReduceSum {
                axes: vec![0, 1],
                keepdims: true,
            },
            &[3, 5],
            &[],
        ),
    ];
    // Two run-time inputs, concatenated and added.
    let mut g = Graph::new();
    let a = g.add_input("a", vec![2, 2]);
    let b = g.add_input("b", vec![2, 1]);
    let c = g
        .add_node("cat", Op::Concat { axis: 1 }, vec![a, b], "c")
        .unwrap();
    let w = g.add_const("w", common::det(&[3], 9, 1.0));
    let y = g.add_node("add", Op::Add, vec![c, w], "y").unwrap();
    g.add_output(y);
    v.push(("concat_add".into(), g));
    // Conv → Relu → MaxPool → Reshape → MatMul → Softmax.
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 1, 6, 6]);
    let w = g.add_const("w", common::det(&[2, 1, 3, 3], 1, 1.0));
    let c = g.add_node("conv", Op::Conv(conv), vec![x, w], "c").unwrap();
    let r = g.add_node("relu", Op::Relu, vec![c], "r").unwrap();
    let p = g
        .add_node("pool", Op::MaxPool(pool(2, 2)), vec![r], "p")
        .unwrap();
    let f = g
        .add_node("flat", Op::Reshape { shape: vec![1, 18] }, vec![p], "f")
        .unwrap();
    let wm = g.add_const("wm", common::det(&[18, 4], 2, 1.0));
    let m = g.add_node("mm", Op::MatMul, vec![f, wm], "m").unwrap();
    let s = g
        .add_node("softmax", Op::Softmax { axis: 1 }, vec![m], "s")
        .unwrap();
    g.add_output(s);
    v.push(("cnn".into(), g));
    v
}

fn visibilities(has_weights: bool) -> Vec<Visibility> {
    let vis = |input, weights, output, reveal| Visibility {
        input,
        weights,
        output,
        reveal,
    };
    let mut v = vec![
        Visibility::default(),
        vis(Vis::Private, Vis::Fixed, Vis::Public, Reveal::None),
        vis(Vis::Public, Vis::Fixed, Vis::Private, Reveal::Argmax),
        vis(Vis::Committed, Vis::Fixed, Vis::Committed, Reveal::None),
    ];
    if has_weights {
        v.push(vis(Vis::Public, Vis::Private, Vis::Public, Reveal::None));
        v.push(vis(Vis::Public, Vis::Committed, Vis::Public, Reveal::None));
    }
    v
}

/// The quantized model and one execution of it.
fn quantized(g: &Graph, seed: u64) -> (QGraph, Trace) {
    let inputs = |s: u64| -> Vec<FTensor> {
        g.inputs
            .iter()
            .enumerate()
            .map(|(i, &id)| common::det(&g.values[id].shape, s * 10 + i as u64, 1.0))
            .collect()
    };
    let samples: Vec<_> = (0..3).map(|s| inputs(seed + s)).collect();
    let q = common::quantize_small(g, &samples);
    let t = execute(&q, &samples[0]).unwrap();
    (q, t)
}

fn openings(vis: &Visibility) -> Openings {
    let b = |v: Vis| (v == Vis::Committed).then(fresh_blinding);
    Openings {
        input: b(vis.input),
        weights: b(vis.weights),
        output: b(vis.output),
    }
}

/// The circuit of `q` on `t` under `plan` and its instance column.
fn circuit(q: &QGraph, t: &Trace, vis: &Visibility, plan: &Plan) -> (ZkmlCircuit, Vec<Fr>) {
    let (commits, blinds) = commitments(q, t, vis, &openings(vis)).unwrap();
    let mut public = PublicValues::from_trace(q, t, vis);
    public.commitments = commits;
    let inst = PublicLayout::of(q, vis.clone()).instance(&public).unwrap();
    let c = ZkmlCircuit {
        q: Arc::new(q.clone()),
        trace: Some(Arc::new(t.clone())),
        vis: vis.clone(),
        shape: plan.shape.clone(),
        tamper: None,
        witness_only: false,
        blinds,
    };
    (c, inst)
}

/// `true` if the MockProver is satisfied at `k` (a halo2 panic is a no).
fn mock_ok(c: &ZkmlCircuit, k: u32, inst: &[Fr]) -> bool {
    catch_unwind(AssertUnwindSafe(|| {
        MockProver::run(k, c, vec![inst.to_vec()]).is_ok_and(|m| m.verify().is_ok())
    }))
    .unwrap_or(false)
}

#[test]
fn planned_rows_are_the_rows_laid_out() {
    let mut checked = 0;
    for (name, g) in models() {
        let has_weights = g
            .values
            .iter()
            .any(|v| matches!(v.kind, zkml_core::ValueKind::Const(_)));
        let (q, t) = quantized(&g, 1);
        for vis in visibilities(has_weights) {
            let what = format!("{name} under {vis:?}");
            let p = plan(&q, &vis, None).unwrap_or_else(|e| panic!("{what}: plan: {e}"));
            let (c, inst) = circuit(&q, &t, &vis, &p);
            let mut sink = RowSink::default();
            let mut b = Builder::new(&mut sink, p.shape.clone(), false);
            lay_out_with(&mut b, &q, Some(&t), &vis, &c.blinds).unwrap();
            let next_row = b.row;
            drop(b);
            assert_eq!(p.rows, next_row, "{what}: planned rows vs the builder's");
            assert!(sink.rows <= p.rows, "{what}: a cell below the planned rows");
            assert_eq!(p.num_public, sink.public, "{what}: public values");
            assert_eq!(p.num_public, inst.len(), "{what}: instance length");
            p.check_fits().unwrap();
            assert!(
                mock_ok(&c, p.k, &inst),
                "{what}: MockProver at the planned k = {}",
                p.k
            );
            if p.k > 4 {
                assert!(
                    !mock_ok(&c, p.k - 1, &inst),
                    "{what}: k = {} also fits: the planner overcounts",
                    p.k - 1
                );
                // Another shape may fit one `k` less (the planner weighs
                // speed and proof size, not `k` alone): then it must work.
                match plan(&q, &vis, Some(p.k - 1)) {
                    Ok(p2) => {
                        let (c2, inst2) = circuit(&q, &t, &vis, &p2);
                        assert_eq!(p2.k, p.k - 1);
                        assert!(mock_ok(&c2, p2.k, &inst2), "{what}: forced k = {}", p2.k);
                    }
                    Err(PlonkError::KTooSmall { needed, .. }) => assert_eq!(needed, p.k),
                    Err(e) => panic!("{what}: forced k = {}: {e}", p.k - 1),
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 100, "{checked} model/visibility pairs checked");
}

/// Shape-only models set up, prove and verify for real (they panicked in keygen).
#[test]
fn shape_only_models_prove() {
    let backend = common::backend();
    for (name, g) in models().into_iter().filter(|(n, _)| {
        ["reshape12", "reshape300", "flatten", "pad", "concat_const"].contains(&n.as_str())
    }) {
        let (q, t) = quantized(&g, 2);
        let (pk, vk) = backend
            .setup(&q, &SetupOptions::default())
            .unwrap_or_else(|e| panic!("{name}: setup: {e}"));
        let (proof, public) = backend
            .prove(&pk, &q, &t)
            .unwrap_or_else(|e| panic!("{name}: prove: {e}"));
        backend
            .verify(&vk, &public, &proof)
            .unwrap_or_else(|e| panic!("{name}: verify: {e}"));
    }
}
