//! End to end for the exact selections the backend proves: Max and Min of two
//! run-time tensors at different scales (operands aligned) and with a
//! constant, Abs, ReduceMax, ReduceMin. The circuit's outputs equal the
//! executor's trace, the MockProver accepts, and corrupting sampled advice
//! cells or a public output is rejected.

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use zkml_core::{backend::Visibility, exec::execute, FTensor, Graph, Op, QOp};
use zkml_plonk::plan;

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
    let op = if min { Op::Max } else { Op::Min };
    let mc = g.add_node("maxc", op, vec![m1, c], "mc").unwrap();
    let ab = g.add_node("abs", Op::Abs, vec![m2], "ab").unwrap();
    let (axes, keepdims) = (vec![1], min);
    let op = if min {
        Op::ReduceMin { axes, keepdims }
    } else {
        Op::ReduceMax { axes, keepdims }
    };
    let rm = g.add_node("rmax", op, vec![m1], "rm").unwrap();
    for o in [mx, mc, ab, rm] {
        g.add_output(o);
    }
    let samples = (0..2).map(|s| vec![det(&[1, 6], 9 + s, 1.0)]).collect();
    (g, samples)
}

#[test]
fn max_min_abs_reduce_max_min_prove() {
    for min in [false, true] {
        let (g, samples) = graph(min);
        let q = common::quantize_small(&g, &samples);
        let (QOp::Max { align } | QOp::Min { align }) = &q.nodes[2].op else {
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
        // Every public output changed by one is rejected (Min/ReduceMin
        // included: a value above the true minimum is not accepted).
        let n_out: usize = q.outputs.iter().map(|&o| t.values[o].len()).sum();
        for i in inst.len() - n_out..inst.len() {
            let mut bad = inst.clone();
            bad[i] += Fr::from(1u64);
            assert!(
                MockProver::run(k, &c, vec![bad]).unwrap().verify().is_err(),
                "public output {i} (min = {min})"
            );
        }
    }
}
