//! End to end for the run-time gather (`Op::GatherDyn`: Gather/GatherElements
//! with computed indices, OneHot): the circuit's outputs equal the executor's
//! trace, the MockProver accepts, and corrupting sampled advice cells or a
//! public output is rejected; an index the executor refuses has no circuit
//! either (the gadget's own tests forge outputs from wrong indices).

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use zkml_core::{backend::Visibility, exec::execute, ops::DynGather, FTensor, Graph, Op};
use zkml_plonk::plan;

mod common;
use common::det;

#[test]
fn runtime_gather_proves_by_lookup() {
    // Rows of a computed [3, 2] matrix picked by two run-time indices.
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 6]);
    let k = g.add_input("k", vec![2]);
    let w = g.add_const("w", det(&[6, 6], 3, 1.0));
    let m = g.add_node("mm", Op::MatMul, vec![x, w], "m").unwrap();
    let d = g
        .add_node("r", Op::Reshape { shape: vec![3, 2] }, vec![m], "d")
        .unwrap();
    let map = DynGather {
        shape: vec![2, 2],
        base: vec![0, 1, 0, 1],
        pick: vec![0, 0, 1, 1],
        stride: 2,
        dim: 3,
    };
    let y = g
        .add_node("gather", Op::GatherDyn(map), vec![d, k], "y")
        .unwrap();
    g.add_output(y);
    let idx = FTensor::from_shape_vec(vec![2], vec![2.0, -3.0]).unwrap();
    let samples = vec![vec![det(&[1, 6], 7, 1.0), idx]];
    let q = common::quantize_small(&g, &samples);
    let t = execute(&q, &samples[0]).unwrap();
    let dv: Vec<i64> = t.values[d].iter().copied().collect();
    assert_eq!(
        t.values[y].iter().copied().collect::<Vec<_>>(),
        vec![dv[4], dv[5], dv[0], dv[1]]
    );
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    assert!(p.shape.dyn_lookup, "the plan configures the lookup");
    common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
    let (c, kk, inst) = common::mock_circuit(&q, &t, &vis, &p);
    common::assert_sampled_tampering_fails(&c, kk, &inst, common::every(3, 6));
    let mut bad = inst.clone();
    *bad.last_mut().unwrap() += Fr::from(1u64);
    assert!(MockProver::run(kk, &c, vec![bad])
        .unwrap()
        .verify()
        .is_err());
    // An index outside [−3, 3) is refused by the executor: no trace, no proof.
    let out_of_range = FTensor::from_shape_vec(vec![2], vec![3.0, 0.0]).unwrap();
    assert!(execute(&q, &[samples[0][0].clone(), out_of_range]).is_err());
}
