//! Per-channel weight scales (aligned into one tensor,
//! `zkml_core::QuantConfig::per_channel`) through the plonk backend: a conv and
//! a MatMul whose channels' weights span orders of magnitude are laid out
//! bit-exactly, the MockProver accepts them with fixed and with private
//! weights (range checked to the widened weights) and rejects tampered cells;
//! a real proof verifies and a changed output is rejected.

mod common;

use common::{assert_circuit_equals_trace, assert_sampled_tampering_fails, backend, det, every};
use zkml_core::backend::{Backend, SetupOptions, Vis, Visibility};
use zkml_core::ops::Conv;
use zkml_core::quant::{calibrate, quantize, QValueKind, QuantConfig};
use zkml_core::{execute, FTensor, Graph, Op, QGraph};
use zkml_plonk::plan;

/// Channel factors.
const F: [f32; 3] = [0.01, 0.3, 4.0];

/// x[1,3,4,4] → depthwise 3×3 conv (channel c's weights times F[c]) + bias →
/// Relu → reshape [3·4, 4] → MatMul by a [4, 3] matrix with columns times F.
fn model() -> (Graph, Vec<Vec<FTensor>>) {
    let mut g = Graph::new();
    let c = F.len();
    let x = g.add_input("x", vec![1, c, 4, 4]);
    let mut w = det(&[c, 1, 3, 3], 1, 1.0);
    let mut m = det(&[4, c], 2, 1.0);
    for (i, f) in F.iter().enumerate() {
        w.index_axis_mut(ndarray::Axis(0), i)
            .mapv_inplace(|v| v * f);
        m.index_axis_mut(ndarray::Axis(1), i)
            .mapv_inplace(|v| v * f);
    }
    let w = g.add_const("w", w);
    let b = g.add_const("b", det(&[c], 3, 0.05));
    let m = g.add_const("m", m);
    let conv = Conv {
        kernel: [3, 3],
        strides: [1, 1],
        pads: [1; 4],
        dilations: [1, 1],
        group: c,
    };
    let y = g
        .add_node("dw", Op::Conv(conv), vec![x, w, b], "y")
        .unwrap();
    let r = g.add_node("relu", Op::Relu, vec![y], "r").unwrap();
    let f = g
        .add_node(
            "flat",
            Op::Reshape {
                shape: vec![c * 4, 4],
            },
            vec![r],
            "f",
        )
        .unwrap();
    let o = g.add_node("mm", Op::MatMul, vec![f, m], "o").unwrap();
    g.add_output(o);
    let samples = (0..2)
        .map(|s| vec![det(&[1, c, 4, 4], 10 + s, 1.0)])
        .collect();
    (g, samples)
}

/// Quantized small (12-bit activations, 8-bit weights) with per-channel
/// scales; asserts they widened the stored weights.
fn quantized() -> (QGraph, Vec<Vec<FTensor>>) {
    let (g, samples) = model();
    let cal = calibrate(&g, &samples).unwrap();
    let cfg = |per_channel| QuantConfig {
        act_bits: 12,
        max_scale: 6,
        weight_bits: 8,
        per_channel,
        ..QuantConfig::default()
    };
    let q = quantize(&g, &cal, &cfg(true)).unwrap();
    let qt = quantize(&g, &cal, &cfg(false)).unwrap();
    for name in ["w", "m"] {
        let id = q.values.iter().position(|v| v.name == name).unwrap();
        assert!(
            q.values[id].scale > qt.values[id].scale,
            "`{name}` should get a finer aligned scale per channel"
        );
        let QValueKind::Const(t) = &q.values[id].kind else {
            panic!("`{name}` is a constant")
        };
        assert!(
            t.iter().any(|v| v.abs() > 127),
            "`{name}`: aligned weights exceed 8 bits"
        );
    }
    (q, samples)
}

#[test]
fn per_channel_weights_are_laid_out_exactly_and_tampering_fails() {
    let (q, samples) = quantized();
    let t = execute(&q, &samples[0]).unwrap();
    for weights in [Vis::Fixed, Vis::Private] {
        let vis = Visibility {
            input: Vis::Public,
            weights,
            output: Vis::Public,
            ..Visibility::default()
        };
        let p = plan(&q, &vis, None).unwrap();
        assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
        let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
        assert_sampled_tampering_fails(&c, k, &inst, every(5, 12));
    }
    // Private weights are range checked to the widest stored weight, which
    // the aligned scales widen past `weight_bits`.
    assert!(zkml_plonk::commit::weight_bits(&q) > 8);
}

#[test]
fn per_channel_model_proves_and_a_changed_output_is_rejected() {
    let (q, samples) = quantized();
    let be = backend();
    let (pk, vk) = be.setup(&q, &SetupOptions::default()).unwrap();
    let t = execute(&q, &samples[1]).unwrap();
    let (proof, public) = be.prove(&pk, &q, &t).unwrap();
    be.verify(&vk, &public, &proof).unwrap();
    let mut bad = public.clone();
    bad.outputs[0][0] += 1;
    assert!(be.verify(&vk, &bad, &proof).is_err());
    // Another weight integer is another model: its key differs.
    let mut q2 = q.clone();
    let id = q2.values.iter().position(|v| v.name == "w").unwrap();
    if let QValueKind::Const(w) = &mut q2.values[id].kind {
        w.as_slice_mut().unwrap()[0] += 1;
    }
    let (_, vk2) = be.setup(&q2, &SetupOptions::default()).unwrap();
    assert_ne!(vk.to_bytes(), vk2.to_bytes());
    assert!(be.verify(&vk2, &public, &proof).is_err());
}
