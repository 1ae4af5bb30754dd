//! MobileNetV2's pattern in miniature through both backends: 1×1 expand,
//! depthwise 3×3 (groups = channels), 1×1 project, residual Add, Clip(0, 6),
//! a global average pool (`ReduceMean` over H, W) and a dense head; a forged
//! mean is rejected, reductions the backend cannot prove are refused.

use crate::model::SumcheckBackend;
use crate::test_utils::{conv, dense, det, forgery_is_rejected, opts, proves_in_both_backends};
use crate::test_utils::{run, samples, square};
use zkml_core::backend::{Backend, Vis};
use zkml_core::{Graph, Op, QGraph, QOp, Trace};

/// `[1,4,6,6]` → inverted residual block (expand ×3, depthwise, project,
/// Add) → Conv 1×1 → Clip(0, 6) → ReduceMean(H, W, keepdims) → Flatten →
/// dense(5).
pub(crate) fn mobile_block(seed: u64) -> (QGraph, Trace) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 4, 6, 6]);
    let clip = |g: &mut Graph, a: usize, tag: &str| {
        g.add_node(
            format!("clip{tag}"),
            Op::Clip { min: 0.0, max: 6.0 },
            vec![a],
            format!("k{tag}"),
        )
        .unwrap()
    };
    let e = conv(&mut g, x, 4, 12, square(1, 1, 1), "e", seed);
    let e = clip(&mut g, e, "e");
    let d = conv(&mut g, e, 12, 12, square(3, 1, 12), "d", seed + 10);
    let d = clip(&mut g, d, "d");
    let p = conv(&mut g, d, 12, 4, square(1, 1, 1), "p", seed + 20);
    let r = g.add_node("res", Op::Add, vec![x, p], "res").unwrap();
    let h = conv(&mut g, r, 4, 8, square(1, 1, 1), "h", seed + 30);
    let h = clip(&mut g, h, "h");
    let m = g
        .add_node(
            "gap",
            Op::ReduceMean {
                axes: vec![2, 3],
                keepdims: true,
            },
            vec![h],
            "gap",
        )
        .unwrap();
    let f = g
        .add_node("fl", Op::Reshape { shape: vec![1, 8] }, vec![m], "fl")
        .unwrap();
    let o = dense(&mut g, f, 8, 5, "o", seed + 40);
    g.add_output(o);
    run(&g, &samples(&[1, 4, 6, 6], 300, false))
}

#[test]
fn a_mobilenet_block_with_a_global_mean_proves_and_a_forged_mean_is_rejected() {
    let (q, t) = mobile_block(1);
    let i = (0..q.nodes.len())
        .find(|&i| matches!(q.nodes[i].op, QOp::ReduceMean { .. }))
        .expect("a ReduceMean node");
    assert_eq!(crate::model::divisor(&q, i), Some(72), "rdiv by 36");
    assert!(q
        .nodes
        .iter()
        .any(|n| matches!(&n.op, QOp::Conv { conv, .. } if conv.group == 12)));
    proves_in_both_backends(&q, &t);
    forgery_is_rejected(&q, &t, i);
}

#[test]
fn reduce_mean_windows_are_the_executors() {
    // Over axes {1} of [2, 3, 4] without keepdims: output (a, c) averages
    // input (a, 0..3, c).
    let mut g = Graph::new();
    let x = g.add_input("x", vec![2, 3, 4]);
    let m = g
        .add_node(
            "m",
            Op::ReduceMean {
                axes: vec![1],
                keepdims: false,
            },
            vec![x],
            "m",
        )
        .unwrap();
    g.add_output(m);
    let (q, t) = run(&g, &[vec![det(&[2, 3, 4], 1, 1.0)]]);
    let (wins, c) = crate::model::mean_windows(&q, 0).unwrap();
    assert_eq!(c, 3);
    assert_eq!(wins.len(), 8);
    assert_eq!(wins[5], vec![13, 17, 21]); // (1, ·, 1)
    let (key, _) = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap();
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    SumcheckBackend.verify(&key, &public, &proof).unwrap();
}
