//! The tabular model of the per-feature input-scale tests (zkml-core's
//! `feature_scales.rs` and zkml-plonk's): four features spanning 1e-3 … 1e3
//! into a MatMul + bias. Included with `#[path]`.
#![allow(dead_code)]

use zkml_core::{FTensor, Graph, Op};

/// Feature ranges 1e-3, 1e-1, 1e1, 1e3; weights ~ 1 / range, so that every
/// feature moves the outputs by O(1).
pub const RANGES: [f32; 4] = [1e-3, 1e-1, 1e1, 1e3];

pub fn model(first: Op) -> Graph {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 4]);
    let w = FTensor::from_shape_vec(
        vec![4, 2],
        vec![900.0, -650.0, 7.0, 4.5, -0.06, 0.09, 0.0008, -0.0005],
    )
    .unwrap();
    let w = g.add_const("w", w);
    let b = g.add_const(
        "b",
        FTensor::from_shape_vec(vec![2], vec![0.3, -0.2]).unwrap(),
    );
    let x = match first {
        Op::MatMul => x,
        op => g.add_node("first", op, vec![x], "first").unwrap(),
    };
    let y = g.add_node("mm", Op::MatMul, vec![x, w], "mm").unwrap();
    let y = g.add_node("bias", Op::Add, vec![y, b], "y").unwrap();
    g.add_output(y);
    g
}

/// `n` deterministic samples: feature `f` in `±RANGES[f]`.
pub fn samples(n: usize) -> Vec<Vec<FTensor>> {
    (0..n)
        .map(|s| {
            let v = (0..4)
                .map(|f| {
                    let t = ((s * 7 + f * 3) % 11) as f32 / 5.0 - 1.0;
                    RANGES[f] * t
                })
                .collect();
            vec![FTensor::from_shape_vec(vec![1, 4], v).unwrap()]
        })
        .collect()
}
