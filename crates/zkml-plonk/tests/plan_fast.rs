//! The fast planner (gadgets that only count rows, segments planned in
//! parallel, a lower bound instead of a full plan) chooses exactly the plans
//! of the reference planner (every cell walked, segments one by one): on
//! convolutions with strides, pads, dilations, groups and zero weights, a
//! MobileNet-style block (depthwise and pointwise convs, Clip, a residual
//! Add), an MLP, and under private and committed weights; for one circuit
//! at the planner's own `k` and a forced larger one, and for segmented plans
//! (with nodes split into pieces). A planner bug here is a wrong row count,
//! so a setup that fails in halo2's keygen.
//!
//! Each comparison runs twice: at the default sweep threshold and with every
//! model taking the bisection of MAC widths that large models take (which
//! the fast planner prunes at a forced `k`: `plan/pass.rs`, `sweep`).
//!
//! Also: a segmented plan under a memory budget keeps every segment within
//! it (an extra cut where a merge would widen the MAC row), an impossible
//! budget is refused with the estimate, and the memory lower bound is below
//! every real plan.

mod common;

use std::sync::{Mutex, MutexGuard};

use common::{det, quantize_small};
use zkml_core::{
    backend::{Vis, Visibility},
    ops::Conv,
    FTensor, Graph, Op, QGraph,
};
use zkml_plonk::{
    plan::{
        memory_lower_bound, plan_boundary_in, set_sweep_all_rows, BoundaryElems, Mode,
        SWEEP_ALL_ROWS,
    },
    segment::plan_segments_with,
    PlonkError,
};

fn conv(k: [usize; 2], strides: [usize; 2], pads: [usize; 4], dil: [usize; 2], group: usize) -> Op {
    Op::Conv(Conv {
        kernel: k,
        strides,
        pads,
        dilations: dil,
        group,
    })
}

fn finish(g: &Graph, shape: &[usize]) -> QGraph {
    let samples: Vec<Vec<FTensor>> = (0..2).map(|s| vec![det(shape, 50 + s, 1.0)]).collect();
    quantize_small(g, &samples)
}

/// Convolutions with odd layouts: asymmetric pads, strides 2 and (1, 2),
/// dilation 2, groups, a 5×2 kernel, zero weights; each followed by its own
/// fusable tail (bias, Relu, Clip).
fn odd_convs() -> QGraph {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 4, 9, 7]);
    // Every fourth weight zero: the MAC rows skip them.
    let w1 = g.add_const(
        "w1",
        det(&[6, 4, 3, 3], 1, 0.4).mapv(|v| if (v * 1000.0) as i64 % 4 == 0 { 0.0 } else { v }),
    );
    let b1 = g.add_const("b1", det(&[1, 6, 1, 1], 2, 0.5));
    let c1 = g
        .add_node(
            "c1",
            conv([3, 3], [2, 1], [1, 0, 2, 1], [1, 1], 1),
            vec![x, w1],
            "c1",
        )
        .unwrap();
    let a1 = g.add_node("b1", Op::Add, vec![c1, b1], "a1").unwrap();
    let r1 = g.add_node("r1", Op::Relu, vec![a1], "r1").unwrap();
    let w2 = g.add_const("w2", det(&[6, 2, 3, 3], 3, 0.4));
    let c2 = g
        .add_node(
            "c2",
            conv([3, 3], [1, 2], [2, 2, 2, 2], [2, 1], 3),
            vec![r1, w2],
            "c2",
        )
        .unwrap();
    let k2 = g
        .add_node("k2", Op::Clip { min: 0.0, max: 6.0 }, vec![c2], "k2")
        .unwrap();
    let w3 = g.add_const("w3", det(&[8, 6, 5, 2], 4, 0.2));
    let c3 = g
        .add_node(
            "c3",
            conv([5, 2], [1, 1], [2, 0, 2, 1], [1, 1], 1),
            vec![k2, w3],
            "c3",
        )
        .unwrap();
    g.add_output(c3);
    finish(&g, &[1, 4, 9, 7])
}

/// A MobileNetV2 inverted residual block: 1×1 expand + Clip(0, 6), 3×3
/// depthwise + Clip, 1×1 project, a residual Add.
fn mobile_block() -> QGraph {
    let (c, e, hw) = (4, 12, 8);
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, c, hw, hw]);
    let clip = Op::Clip { min: 0.0, max: 6.0 };
    let we = g.add_const("we", det(&[e, c, 1, 1], 1, 0.5));
    let ex = g
        .add_node(
            "expand",
            conv([1, 1], [1, 1], [0; 4], [1, 1], 1),
            vec![x, we],
            "ex",
        )
        .unwrap();
    let ex = g.add_node("clip1", clip.clone(), vec![ex], "exr").unwrap();
    let wd = g.add_const("wd", det(&[e, 1, 3, 3], 2, 0.5));
    let dw = g
        .add_node(
            "dw",
            conv([3, 3], [1, 1], [1; 4], [1, 1], e),
            vec![ex, wd],
            "dw",
        )
        .unwrap();
    let dw = g.add_node("clip2", clip, vec![dw], "dwr").unwrap();
    let wp = g.add_const("wp", det(&[c, e, 1, 1], 3, 0.5));
    let pr = g
        .add_node(
            "project",
            conv([1, 1], [1, 1], [0; 4], [1, 1], 1),
            vec![dw, wp],
            "pr",
        )
        .unwrap();
    let o = g.add_node("res", Op::Add, vec![pr, x], "o").unwrap();
    g.add_output(o);
    finish(&g, &[1, c, hw, hw])
}

/// Two MatMuls with a bias and a Relu, over 3 rows (a matrix check can win).
fn mlp() -> QGraph {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![3, 10]);
    let w1 = g.add_const("w1", det(&[10, 16], 1, 0.4));
    let b1 = g.add_const("b1", det(&[16], 2, 0.4));
    let w2 = g.add_const("w2", det(&[16, 5], 3, 0.4));
    let m = g.add_node("mm1", Op::MatMul, vec![x, w1], "m").unwrap();
    let a = g.add_node("bias", Op::Add, vec![m, b1], "a").unwrap();
    let r = g.add_node("relu", Op::Relu, vec![a], "r").unwrap();
    let o = g.add_node("mm2", Op::MatMul, vec![r, w2], "o").unwrap();
    g.add_output(o);
    finish(&g, &[3, 10])
}

fn visibilities() -> Vec<Visibility> {
    let mut out = vec![Visibility::default()];
    for w in [Vis::Private, Vis::Committed] {
        out.push(Visibility {
            weights: w,
            ..Visibility::default()
        });
    }
    out.push(Visibility {
        input: Vis::Public,
        output: Vis::Public,
        ..Visibility::default()
    });
    out
}

/// One circuit: the same plan in both modes, at the planner's `k` and one
/// above, with and without the matrix check, and the lower bound below it.
/// Serializes the tests here: [`set_sweep_all_rows`] is process-wide.
static SWEEP: Mutex<()> = Mutex::new(());

/// The thresholds the tests run under: the default (a small model is
/// planned at every width) and 0 (the bisection large models take, which
/// the fast planner prunes at a forced `k` and the reference does not).
const SWEEP_ROWS: [usize; 2] = [SWEEP_ALL_ROWS, 0];

/// Holds [`SWEEP`] with the sweep threshold at `rows`.
fn sweep_all_rows(rows: usize) -> MutexGuard<'static, ()> {
    let g = SWEEP.lock().unwrap_or_else(|e| e.into_inner());
    set_sweep_all_rows(rows);
    g
}

#[test]
fn fast_plans_equal_reference_plans() {
    for rows in SWEEP_ROWS {
        let _g = sweep_all_rows(rows);
        fast_plans_equal_reference_plans_at(rows);
    }
}

fn fast_plans_equal_reference_plans_at(rows: usize) {
    for (name, q) in [
        ("odd_convs", odd_convs()),
        ("mobile_block", mobile_block()),
        ("mlp", mlp()),
    ] {
        for vis in visibilities() {
            for check in [true, false] {
                let bnd = BoundaryElems::default();
                let plan = |k, mode| plan_boundary_in(&q, &vis, k, check, bnd, mode).unwrap();
                let fast = plan(None, Mode::Fast);
                let reference = plan(None, Mode::Reference);
                assert_eq!(fast, reference, "{name} {vis:?} check {check} sweep {rows}");
                for k in [fast.k, fast.k + 1] {
                    assert_eq!(
                        plan(Some(k), Mode::Fast),
                        plan(Some(k), Mode::Reference),
                        "{name} {vis:?} k {k} sweep {rows}"
                    );
                }
                let bound = memory_lower_bound(&q, &vis, check).unwrap();
                assert!(
                    bound.k <= fast.k,
                    "{name}: bound k {} > {}",
                    bound.k,
                    fast.k
                );
                assert!(
                    bound.bytes <= fast.est_peak_bytes,
                    "{name}: bound {} > {}",
                    bound.bytes,
                    fast.est_peak_bytes
                );
            }
        }
    }
}

/// A deeper MobileNet-style chain (several blocks, a stride-2 conv).
fn mobile_chain() -> QGraph {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 3, 16, 16]);
    let clip = Op::Clip { min: 0.0, max: 6.0 };
    let w0 = g.add_const("w0", det(&[8, 3, 3, 3], 9, 0.4));
    let mut h = g
        .add_node(
            "stem",
            conv([3, 3], [2, 2], [1; 4], [1, 1], 1),
            vec![x, w0],
            "stem",
        )
        .unwrap();
    h = g
        .add_node("stem_clip", clip.clone(), vec![h], "stem_r")
        .unwrap();
    for b in 0..3 {
        let s = 10 * (b as u64 + 1);
        let we = g.add_const(format!("we{b}"), det(&[24, 8, 1, 1], s, 0.4));
        let e = g
            .add_node(
                format!("ex{b}"),
                conv([1, 1], [1, 1], [0; 4], [1, 1], 1),
                vec![h, we],
                format!("e{b}"),
            )
            .unwrap();
        let e = g
            .add_node(format!("exc{b}"), clip.clone(), vec![e], format!("ec{b}"))
            .unwrap();
        let wd = g.add_const(format!("wd{b}"), det(&[24, 1, 3, 3], s + 1, 0.4));
        let d = g
            .add_node(
                format!("dw{b}"),
                conv([3, 3], [1, 1], [1; 4], [1, 1], 24),
                vec![e, wd],
                format!("d{b}"),
            )
            .unwrap();
        let d = g
            .add_node(format!("dwc{b}"), clip.clone(), vec![d], format!("dc{b}"))
            .unwrap();
        let wp = g.add_const(format!("wp{b}"), det(&[8, 24, 1, 1], s + 2, 0.4));
        let p = g
            .add_node(
                format!("pr{b}"),
                conv([1, 1], [1, 1], [0; 4], [1, 1], 1),
                vec![d, wp],
                format!("p{b}"),
            )
            .unwrap();
        h = g
            .add_node(format!("res{b}"), Op::Add, vec![p, h], format!("h{b}"))
            .unwrap();
    }
    g.add_output(h);
    finish(&g, &[1, 3, 16, 16])
}

/// Segmented plans: the same cuts, split graph and plans in both modes, at
/// segment sizes that need a few segments and one that splits nodes.
#[test]
fn fast_segment_plans_equal_reference() {
    for rows in SWEEP_ROWS {
        let _g = sweep_all_rows(rows);
        fast_segment_plans_equal_reference_at(rows == SWEEP_ALL_ROWS);
    }
}

/// `must_split`: some segment size splits a node (at the default threshold).
fn fast_segment_plans_equal_reference_at(must_split: bool) {
    let q = mobile_chain();
    let vis = Visibility::default();
    let whole = zkml_plonk::plan(&q, &vis, None).unwrap();
    let mut seen_split = false;
    for k in (whole.k.saturating_sub(5).max(10)..whole.k).rev() {
        let fast = plan_segments_with(&q, &vis, k, u64::MAX, Mode::Fast);
        let reference = plan_segments_with(&q, &vis, k, u64::MAX, Mode::Reference);
        match (fast, reference) {
            (Ok(f), Ok(r)) => {
                assert_eq!(f.cuts, r.cuts, "k {k}");
                assert_eq!(f.graph, r.graph, "k {k}");
                assert_eq!(f.plans, r.plans, "k {k}");
                assert!(f.segments.len() >= 2, "k {k}: {:?}", f.cuts);
                seen_split |= f.graph.nodes.len() > q.nodes.len();
            }
            (Err(f), Err(r)) => assert_eq!(f.to_string(), r.to_string(), "k {k}"),
            (f, r) => panic!(
                "k {k}: fast {:?} vs reference {:?}",
                f.map(|s| s.cuts),
                r.map(|s| s.cuts)
            ),
        }
    }
    assert!(seen_split || !must_split, "no segment size split a node");
}

/// Under a memory budget every segment's estimate is within it (a segment
/// over it gets more cuts, so a narrower MAC row); an impossible budget is
/// refused up front with the estimate.
#[test]
fn segments_keep_within_the_memory_budget() {
    let _g = sweep_all_rows(SWEEP_ALL_ROWS);
    let q = mobile_chain();
    let vis = Visibility::default();
    let whole = zkml_plonk::plan(&q, &vis, None).unwrap();
    let k = whole.k - 1;
    let free = plan_segments_with(&q, &vis, k, u64::MAX, Mode::Fast).unwrap();
    let widest = free.plans.iter().map(|p| p.est_peak_bytes).max().unwrap();
    let narrowest = free.plans.iter().map(|p| p.est_peak_bytes).min().unwrap();
    assert!(widest > narrowest, "{widest} {narrowest}");
    {
        let budget = widest - 1;
        let sp = plan_segments_with(&q, &vis, k, budget, Mode::Fast).unwrap();
        assert!(
            sp.plans.iter().all(|p| p.est_peak_bytes <= budget),
            "{:?}",
            sp.plans
                .iter()
                .map(|p| p.est_peak_bytes)
                .collect::<Vec<_>>()
        );
    }
    let e = plan_segments_with(&q, &vis, k, 1 << 20, Mode::Fast).unwrap_err();
    assert!(matches!(e, PlonkError::OverMemory { .. }), "{e}");
    assert!(e.to_string().contains("GiB"), "{e}");
}
