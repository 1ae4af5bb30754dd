//! Table functions at a pole (`zkml_core::ops::table::reads_at`): a positive
//! input that rounds to 0 (`1/√x`, `x^−0.5`, `ln x` on `x` in `(0, 1)`) is
//! read at half a quantum, the table's saturated end, instead of being
//! refused as "no finite value". Loaded from ONNX as a user's model would
//! be: `Reciprocal(Sqrt(x))` (how jax and TensorFlow export `rsqrt`) is one
//! `Rsqrt` table, `Pow(x, −0.5)` one Pow table, `Log` one table. The integer
//! run meets issue 9's tolerance against the float model with an input
//! below half a quantum, the circuit equals the trace bit for bit, the
//! MockProver accepts it and rejects sampled corrupted advice cells and a
//! changed public output; automatic precision on the `rsqrt` model of
//! EZKL's examples climbs its ladder instead of failing at the defaults.

mod common;
#[allow(unused_imports)]
#[path = "../../zkml-onnx/tests/common/mod.rs"]
mod onnx;

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use zkml_core::{
    backend::Visibility,
    exec::execute,
    ops::TableFn,
    precision::{choose, Tolerance},
    quant::{calibrate, quantize, QuantConfig},
    run_float, FTensor, Graph, Op, QOp,
};
use zkml_plonk::plan;

use onnx::{model, node, tensor, value_info};

/// Inputs in (0, 1); 0.00193 is below half a quantum at scale 8
/// (2^−9 = 0.00195), so it rounds to 0; the others are multiples of 2^−8
/// (no input rounding: what is measured is the pole).
const X: [f32; 8] = [0.00193, 0.25, 0.0625, 0.75, 0.9375, 0.125, 0.375, 0.5];

/// `x [1, 8]` → `Reciprocal(Sqrt(x))`, `Pow(x, −0.5)`, `Log(x)`.
fn pole_model() -> Graph {
    let m = model(
        13,
        vec![
            node("Sqrt", &["x"], &["s"], vec![]),
            node("Reciprocal", &["s"], &["r"], vec![]),
            node("Pow", &["x", "p"], &["w"], vec![]),
            node("Log", &["x"], &["l"], vec![]),
        ],
        vec![tensor("p", &[], &[-0.5])],
        vec![value_info("x", &[1, 8])],
        &["r", "w", "l"],
    );
    zkml_onnx::load_model_bytes(&m).unwrap()
}

#[test]
fn inputs_rounding_to_zero_at_a_pole_run_and_prove() {
    let g = pole_model();
    let funcs: Vec<TableFn> = g
        .nodes
        .iter()
        .filter_map(|n| match n.op {
            Op::Table(f) => Some(f),
            _ => None,
        })
        .collect();
    assert_eq!(
        funcs,
        [
            TableFn::Rsqrt,
            TableFn::Pow { exponent: -0.5 },
            TableFn::Log
        ],
        "Reciprocal(Sqrt) is one Rsqrt table; no Sqrt node is left"
    );
    let x = FTensor::from_shape_vec(vec![1, 8], X.to_vec()).unwrap();
    let samples = vec![vec![x.clone()]];
    let cal = calibrate(&g, &samples).unwrap();
    // Small enough for the MockProver: 12-bit activations, scale 8.
    let cfg = QuantConfig {
        act_bits: 12,
        max_scale: 8,
        weight_bits: 8,
        ..QuantConfig::default()
    };
    let q = quantize(&g, &cal, &cfg).unwrap();
    for n in &q.nodes {
        assert!(matches!(n.op, QOp::Table { in_scale: 8, .. }), "{:?}", n.op);
    }
    let t = execute(&q, &samples[0]).expect("no input is refused at the pole");
    assert_eq!(t.values[q.inputs[0]][[0, 0]], 0, "x[0] rounds to 0");
    let float = run_float(&g, &[X.to_vec()]).unwrap();
    for (i, (qi, f)) in t.dequantized_outputs(&q).iter().zip(&float).enumerate() {
        let max = f.iter().fold(0f64, |m, &v| m.max(f64::from(v).abs()));
        let allowed = (0.02 * max).max(0.02);
        for (j, (&a, &b)) in qi.iter().zip(f.iter()).enumerate() {
            assert!(
                (a - f64::from(b)).abs() <= allowed,
                "output {i} element {j}: {a} vs float {b} (allowed {allowed})"
            );
        }
    }
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    println!("{p}");
    assert_eq!(p.shape.tables.len(), 3);
    common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    common::assert_sampled_tampering_fails(&c, k, &inst, common::every(5, 8));
    // The output at the pole (the first element of the first output) changed.
    let first_out = inst.len() - 24;
    for i in [first_out, first_out + 16, inst.len() - 1] {
        let mut bad = inst.clone();
        bad[i] += Fr::from(1u64);
        assert!(
            MockProver::run(k, &c, vec![bad]).unwrap().verify().is_err(),
            "public value {i} changed went unnoticed"
        );
    }
}

/// EZKL's `rsqrt` example (`1/√x` on `x` in (0, 1), one input 0.0018 that
/// rounds to 0 at the default scale 8): automatic precision used to stop at
/// the defaults with "no finite value"; now it climbs to a rung that meets
/// its tolerance.
#[test]
fn automatic_precision_climbs_past_a_pole() {
    let m = model(
        13,
        vec![
            node("Sqrt", &["x"], &["s"], vec![]),
            node("Reciprocal", &["s"], &["y"], vec![]),
        ],
        vec![],
        vec![value_info("x", &[1, 8])],
        &["y"],
    );
    let g = zkml_onnx::load_model_bytes(&m).unwrap();
    let x = [
        0.4435, 0.0018287, 0.3207, 0.8049, 0.9306, 0.5494, 0.8010, 0.1804,
    ];
    let samples = vec![vec![
        FTensor::from_shape_vec(vec![1, 8], x.to_vec()).unwrap()
    ]];
    let cal = calibrate(&g, &samples).unwrap();
    let choice = choose(&g, &cal, &samples, &QuantConfig::default(), Tolerance::AUTO)
        .expect("a rung meets the tolerance");
    assert!(
        choice.tried.len() > 1,
        "the defaults miss: x[1] rounds to 0"
    );
    let t = execute(&choice.qgraph, &samples[0]).unwrap();
    let got = &t.dequantized_outputs(&choice.qgraph)[0];
    let want = 1.0 / 0.0018287f64.sqrt();
    assert!((got[1] - want).abs() < 0.01 * want, "{} vs {want}", got[1]);
}
