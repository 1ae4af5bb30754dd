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

#[path = "../../zkml-core/tests/common/feature_model.rs"]
mod feature_model;

fn model() -> (Graph, Vec<Vec<FTensor>>) {
    (feature_model::model(Op::MatMul), feature_model::samples(4))
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
