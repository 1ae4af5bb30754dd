//! An additive attention mask before a Softmax (`Softmax(x + M)`, M holding
//! −10000 / `finfo.min` / −∞ where masked) keeps the scores' precision and
//! its masked entries get exactly 0 probability in the integer executor.

mod common;

use common::*;
use zkml_core::{calibrate, execute, quantize, run_float, Op, QuantConfig, ValueKind};
use zkml_onnx::load_model_bytes;

/// `Softmax(x + M)` on `[2, 4, 4]` scores with a causal mask of value `neg`
/// and a finite relative-position bias on the kept entries.
fn masked_model(neg: f32) -> (Vec<u8>, Vec<f32>) {
    let mut m = vec![0f32; 16];
    for i in 0..4 {
        for j in 0..4 {
            m[i * 4 + j] = if j > i { neg } else { -0.1 * (i - j) as f32 };
        }
    }
    let bytes = model(
        13,
        vec![
            node("Add", &["x", "M"], &["s"], vec![]),
            node("Softmax", &["s"], &["y"], vec![attr_i("axis", -1)]),
        ],
        vec![tensor("M", &[4, 4], &m)],
        vec![value_info("x", &[2, 4, 4])],
        &["y"],
    );
    (bytes, m)
}

#[test]
fn masked_entries_are_exactly_zero_and_scores_keep_their_precision() {
    for neg in [-10000.0, f32::MIN, f32::NEG_INFINITY] {
        let (bytes, m) = masked_model(neg);
        let g = load_model_bytes(&bytes).unwrap();
        // No constant below the mask threshold reaches the graph.
        for v in &g.values {
            if let ValueKind::Const(t) = &v.kind {
                assert!(
                    t.iter().all(|&c| c > -1000.0),
                    "{neg}: constant `{}`",
                    v.name
                );
            }
        }
        assert!(g.nodes.iter().any(|n| matches!(n.op, Op::Softmax { .. })));
        let x: Vec<f32> = rand_vec(32, 5).iter().map(|v| 3.0 * v).collect();
        // Reference: softmax over the kept entries (with their bias).
        let mut want = vec![0f64; 32];
        for r in 0..8 {
            let i = r % 4;
            let row: Vec<f64> = (0..4)
                .map(|j| f64::from(x[r * 4 + j]) + f64::from(m[i * 4 + j]))
                .collect();
            let mx = (0..=i).map(|j| row[j]).fold(f64::MIN, f64::max);
            let s: f64 = (0..=i).map(|j| (row[j] - mx).exp()).sum();
            for j in 0..=i {
                want[r * 4 + j] = (row[j] - mx).exp() / s;
            }
        }
        let fl = run_float(&g, std::slice::from_ref(&x)).unwrap();
        for (a, b) in fl[0].iter().zip(&want) {
            assert!((f64::from(*a) - b).abs() < 1e-6, "{neg}: float {a} vs {b}");
        }
        let xt = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2, 4, 4]), x.clone()).unwrap();
        let cal = calibrate(&g, &[vec![xt.clone()]]).unwrap();
        let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
        let t = execute(&q, &[xt]).unwrap();
        let ints = &t.values[q.outputs[0]];
        let deq = &t.dequantized_outputs(&q)[0];
        for (k, (&qi, &d)) in ints.iter().zip(deq).enumerate() {
            let (i, j) = ((k / 4) % 4, k % 4);
            if j > i {
                assert_eq!(qi, 0, "{neg}: masked entry {k} is {qi}");
            } else {
                assert!(
                    (d - want[k]).abs() < 0.01,
                    "{neg}: entry {k}: {d} vs {}",
                    want[k]
                );
            }
        }
    }
}
