//! End to end for the generic table op: one model with a branch per kind of
//! table function (Gelu: one saturated end; Exp: grows out of range; Sin: no
//! saturation; Elu with a parameter; Sqrt after Relu: undefined below 0;
//! Pow by 3; QuantizeLinear to int8 codes: a staircase saturating at both
//! ends), quantized small (12-bit activations). The circuit's outputs
//! equal the executor's trace bit for bit, the MockProver accepts, and
//! corrupting sampled advice cells or a public output is rejected.

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use zkml_core::{backend::Visibility, exec::execute, ops::TableFn, FTensor, Graph, Op, QGraph};
use zkml_plonk::plan;

mod common;
use common::det;

fn graph() -> (QGraph, Vec<Vec<FTensor>>) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 6]);
    // One branch per function below.
    let funcs = [
        TableFn::Gelu,
        TableFn::Exp,
        TableFn::Sin,
        TableFn::Elu { alpha: 0.5 },
        TableFn::Sqrt,
        TableFn::Pow { exponent: 3.0 },
        TableFn::QuantizeLinear {
            scale: 0.05,
            zero_point: 10,
            qmin: -128,
            qmax: 127,
        },
    ];
    for (i, f) in funcs.into_iter().enumerate() {
        let w = g.add_const(format!("w{i}"), det(&[6, 6], 1 + i as u64, 1.0));
        let mut m = g
            .add_node(format!("mm{i}"), Op::MatMul, vec![x, w], format!("m{i}"))
            .unwrap();
        if f == TableFn::Sqrt {
            m = g
                .add_node(format!("relu{i}"), Op::Relu, vec![m], format!("r{i}"))
                .unwrap();
        }
        let o = g
            .add_node(format!("f{i}"), Op::Table(f), vec![m], format!("o{i}"))
            .unwrap();
        g.add_output(o);
    }
    let samples: Vec<Vec<FTensor>> = (0..3).map(|s| vec![det(&[1, 6], 10 + s, 1.0)]).collect();
    (common::quantize_small(&g, &samples), samples)
}

#[test]
fn circuit_equals_trace_and_tampering_fails() {
    let (q, samples) = graph();
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    println!("{p}");
    assert_eq!(p.shape.tables.len(), 7);
    for s in &samples {
        let t = execute(&q, s).unwrap();
        common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
    }
    let t = execute(&q, &samples[0]).unwrap();
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    common::assert_sampled_tampering_fails(&c, k, &inst, common::every(11, 6));
    let mut bad = inst.clone();
    *bad.last_mut().unwrap() += Fr::from(1u64);
    assert!(MockProver::run(k, &c, vec![bad]).unwrap().verify().is_err());
}

/// A model whose table functions sit at input scale 16 (fixed scale, 20-bit
/// activations): Tanh and HardSigmoid round their input to scale 12 first
/// (`zkml_core::ops::table::cap`), so each table has under 2^16 rows (at
/// scale 16, Tanh's would have ~820 k); the circuit equals the executor's
/// trace and MockProver accepts.
#[test]
fn tables_at_scale_16_read_scale_12_tables() {
    use zkml_core::quant::{calibrate, quantize, QuantConfig};
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 6]);
    let funcs = [
        TableFn::Tanh,
        TableFn::HardSigmoid {
            alpha: 0.2,
            beta: 0.5,
        },
    ];
    for (i, f) in funcs.into_iter().enumerate() {
        let w = g.add_const(format!("w{i}"), det(&[6, 6], 21 + i as u64, 2.0));
        let m = g
            .add_node(format!("mm{i}"), Op::MatMul, vec![x, w], format!("m{i}"))
            .unwrap();
        let o = g
            .add_node(format!("f{i}"), Op::Table(f), vec![m], format!("o{i}"))
            .unwrap();
        g.add_output(o);
    }
    let samples: Vec<Vec<FTensor>> = (0..2).map(|s| vec![det(&[1, 6], 40 + s, 1.5)]).collect();
    let cal = calibrate(&g, &samples).unwrap();
    let cfg = QuantConfig {
        act_bits: 20,
        fixed_scale: Some(16),
        ..QuantConfig::default()
    };
    let q = quantize(&g, &cal, &cfg).unwrap();
    let tables: Vec<_> = q
        .nodes
        .iter()
        .filter(|n| matches!(n.op, zkml_core::QOp::Table { in_scale: 16, .. }))
        .collect();
    assert_eq!(tables.len(), 2);
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    println!("{p}");
    assert_eq!(p.shape.tables.len(), 2);
    for t in &p.shape.tables {
        assert_eq!(t.kind.shift(), 4);
        assert!(t.rows() < 1 << 16, "{:?}: {} rows", t.kind, t.rows());
    }
    for s in &samples {
        let t = execute(&q, s).unwrap();
        common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
        let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
        assert!(k <= 17, "k = {k}");
        MockProver::run(k, &c, vec![inst])
            .unwrap()
            .verify()
            .unwrap();
    }
}
