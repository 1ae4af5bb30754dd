//! End to end for the table ops: MatMul → Sigmoid, MatMul → Tanh and MatMul →
//! Softmax (a lane of 6) at the default quantization (16-bit activations,
//! scale 8), with inputs large enough to reach both saturated ends of every
//! table. The circuit's outputs equal the executor's trace, MockProver accepts,
//! a real proof verifies and a changed public output is rejected.

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use zkml_core::{
    backend::{Backend, SetupOptions, Visibility},
    exec::execute,
    ops::TableFn,
    quant::{calibrate, quantize, QuantConfig},
    FTensor, Graph, Op, QGraph, QOp,
};
use zkml_plonk::{plan, PlonkBackend, PlonkError};

mod common;
use common::det;

/// x[1,6] → three MatMuls (6→6) → Sigmoid, Tanh, Softmax(axis 1).
fn graph() -> (QGraph, Vec<Vec<FTensor>>) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 6]);
    let mut outs = vec![];
    for (i, op) in [
        Op::Table(TableFn::Sigmoid),
        Op::Table(TableFn::Tanh),
        Op::Softmax { axis: 1 },
    ]
    .into_iter()
    .enumerate()
    {
        // Sigmoid saturates (at scale 8) beyond |x| ≈ 6.2, tanh beyond ≈ 3.5.
        let amp = if i == 0 { 8.0 } else { 4.0 };
        let w = g.add_const(format!("w{i}"), det(&[6, 6], 1 + i as u64, amp));
        let m = g
            .add_node(format!("mm{i}"), Op::MatMul, vec![x, w], format!("m{i}"))
            .unwrap();
        let o = g
            .add_node(format!("f{i}"), op, vec![m], format!("o{i}"))
            .unwrap();
        outs.push(o);
    }
    for o in outs {
        g.add_output(o);
    }
    let samples: Vec<Vec<FTensor>> = (0..4).map(|s| vec![det(&[1, 6], 10 + s, 1.5)]).collect();
    let cal = calibrate(&g, &samples).unwrap();
    let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
    (q, samples)
}

#[test]
fn circuit_equals_trace_and_saturates() {
    let (q, samples) = graph();
    for n in &q.nodes {
        if matches!(n.op, QOp::Table { .. } | QOp::Softmax { .. }) {
            println!("{}: {:?}", n.name, n.op);
        }
    }
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    println!("{p}");
    // Saturated tables are small: three function tables at 16-bit activations
    // fit far below the 2^16 rows a full-domain table would need each.
    assert_eq!(q.act_bits, 16);
    assert_eq!(p.shape.tables.len(), 3);
    let fn_rows: usize = p.shape.tables.iter().map(|t| t.rows()).sum();
    assert!(fn_rows < 1 << 13, "{fn_rows} function-table rows");
    assert!(p.k < 17, "k = {}", p.k);
    let mut saturated = [false; 3];
    for s in &samples {
        let t = execute(&q, s).unwrap();
        common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
        // Saturated ends reached: sigmoid 0 and 2^8, tanh ±2^8, softmax 0.
        let o = |i: usize| t.values[q.outputs[i]].iter().copied().collect::<Vec<i64>>();
        saturated[0] |= o(0).contains(&0) && o(0).contains(&256);
        saturated[1] |= o(1).contains(&-256) && o(1).contains(&256);
        saturated[2] |= o(2).contains(&0);
    }
    assert_eq!(
        saturated, [true; 3],
        "test inputs must reach the saturated ends"
    );
}

#[test]
fn mock_prover_accepts_and_sampled_tampering_fails() {
    let (q, samples) = graph();
    let t = execute(&q, &samples[0]).unwrap();
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    let (c, _, inst) = common::mock_circuit(&q, &t, &vis, &p);
    common::assert_sampled_tampering_fails(&c, p.k, &inst, common::every(13, 8));
    // A wrong public output.
    let mut bad_inst = inst.clone();
    *bad_inst.last_mut().unwrap() += Fr::from(1u64);
    assert!(MockProver::run(p.k, &c, vec![bad_inst])
        .unwrap()
        .verify()
        .is_err());
}

#[test]
fn prove_verify_and_reject_changed_output() {
    let (q, samples) = graph();
    let be = PlonkBackend {
        srs_dir: std::env::temp_dir().join("zkml-plonk-test-srs"),
        srs_file: None,
        matrix_check: true,
    };
    let start = std::time::Instant::now();
    let (pk, vk) = be.setup(&q, &SetupOptions::default()).unwrap();
    println!("{}setup {:.2?}", pk.plan, start.elapsed());
    let t = execute(&q, &samples[1]).unwrap();
    let start = std::time::Instant::now();
    let (proof, public) = be.prove(&pk, &q, &t).unwrap();
    println!(
        "prove {:.2?}, proof {} bytes",
        start.elapsed(),
        proof.to_bytes().len()
    );
    for (i, id) in q.outputs.iter().enumerate() {
        assert_eq!(
            public.outputs[i],
            t.values[*id].iter().copied().collect::<Vec<_>>()
        );
    }
    be.verify(&vk, &public, &proof).unwrap();
    for i in 0..3 {
        let mut bad = public.clone();
        bad.outputs[i][2] += 1;
        assert!(matches!(
            be.verify(&vk, &bad, &proof),
            Err(PlonkError::Rejected(_))
        ));
    }
}

/// Softmax over either axis of a 2×5 tensor (lanes of 2 and of 5), and a Tanh
/// feeding a MatMul: circuit == trace, MockProver accepts.
#[test]
fn softmax_axes_and_table_into_matmul() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 6]);
    let w = g.add_const("w", det(&[6, 10], 7, 4.0));
    let m = g.add_node("mm", Op::MatMul, vec![x, w], "m").unwrap();
    let r = g
        .add_node("rs", Op::Reshape { shape: vec![2, 5] }, vec![m], "r")
        .unwrap();
    let s0 = g
        .add_node("sm0", Op::Softmax { axis: 0 }, vec![r], "s0")
        .unwrap();
    let s1 = g
        .add_node("sm1", Op::Softmax { axis: 1 }, vec![r], "s1")
        .unwrap();
    let th = g
        .add_node("th", Op::Table(TableFn::Tanh), vec![m], "th")
        .unwrap();
    let w2 = g.add_const("w2", det(&[10, 3], 8, 1.0));
    let o = g.add_node("mm2", Op::MatMul, vec![th, w2], "o").unwrap();
    for v in [s0, s1, o] {
        g.add_output(v);
    }
    let samples: Vec<Vec<FTensor>> = (0..3).map(|s| vec![det(&[1, 6], 20 + s, 1.5)]).collect();
    let cal = calibrate(&g, &samples).unwrap();
    let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    println!("{p}");
    for s in &samples {
        let t = execute(&q, s).unwrap();
        common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
    }
    let t = execute(&q, &samples[0]).unwrap();
    let (c, _, inst) = common::mock_circuit(&q, &t, &vis, &p);
    MockProver::run(p.k, &c, vec![inst])
        .unwrap()
        .assert_satisfied();
}

/// A Softmax at a fine input scale (the earlier zkml's 2^-17, a fixed-scale
/// model): its differences are rounded to scale 12 before the exponential's
/// table, so the table stays small (at scale 17 it would be ~1.6 M rows);
/// the circuit equals the executor's trace and MockProver accepts.
#[test]
fn softmax_at_scale_17_reads_a_scale_12_table() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![2, 7]);
    let o = g
        .add_node("sm", Op::Softmax { axis: 1 }, vec![x], "o")
        .unwrap();
    g.add_output(o);
    let samples: Vec<Vec<FTensor>> = (0..2).map(|s| vec![det(&[2, 7], 30 + s, 6.0)]).collect();
    let cal = calibrate(&g, &samples).unwrap();
    let cfg = QuantConfig {
        fixed_scale: Some(17),
        ..QuantConfig::default()
    };
    let q = quantize(&g, &cal, &cfg).unwrap();
    assert!(matches!(q.nodes[0].op, QOp::Softmax { in_scale: 17, .. }));
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    let fn_rows: usize = p.shape.tables.iter().map(|t| t.rows()).sum();
    assert!(fn_rows < 1 << 16, "{fn_rows} exponential-table rows");
    for s in &samples {
        let t = execute(&q, s).unwrap();
        common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
        let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
        MockProver::run(k, &c, vec![inst])
            .unwrap()
            .verify()
            .unwrap();
    }
}
