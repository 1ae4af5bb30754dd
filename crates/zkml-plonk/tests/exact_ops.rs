//! End to end for the exact comparison, logic and rounding ops: every
//! comparison of two run-time tensors at different scales and against a
//! constant, Not/And/Or/Xor on comparison outputs and on a non-boolean value,
//! Where with cell and constant operands and a non-boolean condition,
//! Floor/Ceil/Round, Sign, Mod (fmod 0 and 1). The circuit's cells equal the
//! executor's trace, the MockProver accepts, and corrupting sampled advice
//! cells or a public output is rejected.

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use zkml_core::{
    backend::Visibility,
    exec::execute,
    ops::{Cmp, Logic, RoundMode},
    FTensor, Graph, Op,
};
use zkml_plonk::plan;

mod common;
use common::det;

fn graph() -> (Graph, Vec<Vec<FTensor>>) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 6]);
    let w1 = g.add_const("w1", det(&[6, 6], 3, 1.0));
    let w2 = g.add_const("w2", det(&[6, 6], 4, 40.0));
    let m1 = g.add_node("mm1", Op::MatMul, vec![x, w1], "m1").unwrap();
    let m2 = g.add_node("mm2", Op::MatMul, vec![x, w2], "m2").unwrap();
    let c = g.add_const("c", FTensor::from_elem(vec![1], 0.25));
    let dv = vec![0.75, 1.5, -2.0, 3.0, -0.5, 8.0];
    let d = g.add_const("d", FTensor::from_shape_vec(vec![6], dv.clone()).unwrap());
    let d1 = g.add_const("d1", FTensor::from_shape_vec(vec![6], dv).unwrap());
    let mut outs = vec![];
    let mut node = |g: &mut Graph, name: &str, op: Op, ins: Vec<usize>| {
        let v = g.add_node(name, op, ins, name).unwrap();
        outs.push(v);
        v
    };
    let lt = node(&mut g, "lt", Op::Compare(Cmp::Less), vec![m1, m2]);
    let gt = node(&mut g, "gt", Op::Compare(Cmp::Greater), vec![m1, c]);
    node(&mut g, "le", Op::Compare(Cmp::LessOrEqual), vec![m2, m1]);
    node(&mut g, "ge", Op::Compare(Cmp::GreaterOrEqual), vec![c, m2]);
    let fl = node(&mut g, "floor", Op::Round(RoundMode::Floor), vec![m1]);
    node(&mut g, "ceil", Op::Round(RoundMode::Ceil), vec![m1]);
    let rd = node(&mut g, "round", Op::Round(RoundMode::HalfEven), vec![m1]);
    node(&mut g, "eq", Op::Compare(Cmp::Equal), vec![fl, rd]);
    node(&mut g, "not", Op::Logic(Logic::Not), vec![lt]);
    node(&mut g, "and", Op::Logic(Logic::And), vec![lt, gt]);
    node(&mut g, "or", Op::Logic(Logic::Or), vec![lt, gt]);
    let r = g.add_node("relu", Op::Relu, vec![x], "r").unwrap();
    node(&mut g, "xor", Op::Logic(Logic::Xor), vec![r, gt]);
    node(&mut g, "where", Op::Where, vec![lt, m1, m2]);
    node(&mut g, "wherec", Op::Where, vec![gt, c, m1]);
    node(&mut g, "wherer", Op::Where, vec![r, m2, c]);
    node(&mut g, "sign", Op::Sign, vec![m1]);
    node(&mut g, "mod0", Op::Mod { fmod: false }, vec![m2, d]);
    node(&mut g, "mod1", Op::Mod { fmod: true }, vec![m1, d1]);
    for o in outs {
        g.add_output(o);
    }
    let samples = (0..2).map(|s| vec![det(&[1, 6], 9 + s, 1.0)]).collect();
    (g, samples)
}

#[test]
fn exact_ops_prove_bit_for_bit() {
    let (g, samples) = graph();
    let q = common::quantize_small(&g, &samples);
    assert!(
        q.nodes
            .iter()
            .any(|n| matches!(n.op, zkml_core::QOp::Compare { align, .. } if align != [0, 0])),
        "a comparison should align operands of different scales"
    );
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    for s in &samples {
        let t = execute(&q, s).unwrap();
        common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
    }
    let t = execute(&q, &samples[0]).unwrap();
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    common::assert_sampled_tampering_fails(&c, k, &inst, common::every(7, 12));
    let mut bad = inst.clone();
    *bad.last_mut().unwrap() += Fr::from(1u64);
    assert!(MockProver::run(k, &c, vec![bad]).unwrap().verify().is_err());
}
