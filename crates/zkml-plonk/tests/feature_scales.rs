//! Per-feature input scales (`zkml_core::quant::feature`) are proven as they
//! are executed: a tabular model whose features span 1e-3 … 1e3, its input
//! at one scale per feature folded into the first MatMul's rows. The circuit
//! equals the executor's trace bit for bit, the MockProver accepts it and
//! rejects a changed public input integer or public output, and a real
//! proof verifies (tampering rejected).

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use zkml_core::{backend::Visibility, calibrate, execute, quantize, FTensor, Graph, Op};
use zkml_plonk::plan;

mod common;

fn model() -> (Graph, Vec<Vec<FTensor>>) {
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
    let y = g.add_node("mm", Op::MatMul, vec![x, w], "mm").unwrap();
    let y = g.add_node("bias", Op::Add, vec![y, b], "y").unwrap();
    g.add_output(y);
    let ranges = [1e-3f32, 1e-1, 1e1, 1e3];
    let samples = (0..4)
        .map(|s| {
            let v = (0..4)
                .map(|f| ranges[f] * (((s * 7 + f * 3) % 11) as f32 / 5.0 - 1.0))
                .collect();
            vec![FTensor::from_shape_vec(vec![1, 4], v).unwrap()]
        })
        .collect();
    (g, samples)
}

#[test]
fn per_feature_input_scales_prove_bit_for_bit() {
    let (g, samples) = model();
    let cal = calibrate(&g, &samples).unwrap();
    let q = quantize(&g, &cal, &Default::default()).unwrap();
    assert!(
        q.values[q.inputs[0]].axis_scales.is_some(),
        "the input should get per-feature scales"
    );
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    for s in &samples {
        let t = execute(&q, s).unwrap();
        common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
    }
    let t = execute(&q, &samples[1]).unwrap();
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    assert_eq!(
        MockProver::run(k, &c, vec![inst.clone()]).unwrap().verify(),
        Ok(())
    );
    // The public input integers (first instance cells) and outputs are bound.
    for i in [0, 3, inst.len() - 1] {
        let mut bad = inst.clone();
        bad[i] += Fr::from(1u64);
        assert!(
            MockProver::run(k, &c, vec![bad]).unwrap().verify().is_err(),
            "instance cell {i} changed and accepted"
        );
    }
    common::prove_verify_tamper(&q, &t, &vis, &p, true).unwrap();
}
