//! End to end for the exact selections the backend proves: Max of two
//! run-time tensors at different scales (operands aligned) and with a
//! constant, Abs, ReduceMax. The circuit's outputs equal the executor's trace,
//! the MockProver accepts, and corrupting sampled advice cells or a public
//! output is rejected; Min is refused at setup naming the op.

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use zkml_core::{backend::Visibility, exec::execute, FTensor, Graph, Op, QOp};
use zkml_plonk::{plan, PlonkError};

mod common;
use common::det;

fn graph(min: bool) -> (Graph, Vec<Vec<FTensor>>) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 6]);
    let w1 = g.add_const("w1", det(&[6, 6], 3, 1.0));
    let w2 = g.add_const("w2", det(&[6, 6], 4, 40.0));
    let m1 = g.add_node("mm1", Op::MatMul, vec![x, w1], "m1").unwrap();
    let m2 = g.add_node("mm2", Op::MatMul, vec![x, w2], "m2").unwrap();
    let c = g.add_const("c", FTensor::from_elem(vec![1], 0.25));
    let op = if min { Op::Min } else { Op::Max };
    let mx = g.add_node("max", op, vec![m1, m2], "mx").unwrap();
    let mc = g.add_node("maxc", Op::Max, vec![m1, c], "mc").unwrap();
    let ab = g.add_node("abs", Op::Abs, vec![m2], "ab").unwrap();
    let rm = g
        .add_node(
            "rmax",
            Op::ReduceMax {
                axes: vec![1],
                keepdims: false,
            },
            vec![m1],
            "rm",
        )
        .unwrap();
    for o in [mx, mc, ab, rm] {
        g.add_output(o);
    }
    let samples = (0..2).map(|s| vec![det(&[1, 6], 9 + s, 1.0)]).collect();
    (g, samples)
}

#[test]
fn max_abs_reduce_max_prove_and_min_is_refused() {
    let (g, samples) = graph(false);
    let q = common::quantize_small(&g, &samples);
    let QOp::Max { align } = &q.nodes[2].op else {
        panic!("{:?}", q.nodes[2].op)
    };
    assert_ne!(align, &[0, 0], "the two MatMuls should differ in scale");
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    for s in &samples {
        let t = execute(&q, s).unwrap();
        common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
    }
    let t = execute(&q, &samples[0]).unwrap();
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    common::assert_sampled_tampering_fails(&c, k, &inst, common::every(5, 8));
    let mut bad = inst.clone();
    *bad.last_mut().unwrap() += Fr::from(1u64);
    assert!(MockProver::run(k, &c, vec![bad]).unwrap().verify().is_err());

    let (g, samples) = graph(true);
    let q = common::quantize_small(&g, &samples);
    match plan(&q, &vis, None) {
        Err(PlonkError::Unsupported { op, .. }) => assert_eq!(op, "Min"),
        other => panic!("expected Min refused, got {:?}", other.map(|p| p.k)),
    }
}
