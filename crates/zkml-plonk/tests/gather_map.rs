//! End to end for the index-map op (`Op::Gather`: Slice, Gather with constant
//! indices, Split, Tile): copy constraints only. The circuit's outputs equal
//! the executor's trace, the MockProver accepts, and corrupting sampled advice
//! cells or a public output is rejected.

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use zkml_core::{backend::Visibility, exec::execute, ops::IndexMap, Graph, Op};
use zkml_plonk::plan;

mod common;
use common::det;

#[test]
fn index_maps_prove_by_copies() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 6]);
    let w = g.add_const("w", det(&[6, 6], 3, 1.0));
    let m = g.add_node("mm", Op::MatMul, vec![x, w], "m").unwrap();
    // A reversed slice with step 2, a gather with repeats, a tile.
    let maps = [
        IndexMap {
            shape: vec![1, 3],
            index: vec![5, 3, 1],
        },
        IndexMap {
            shape: vec![2, 2],
            index: vec![0, 0, 4, 2],
        },
        IndexMap {
            shape: vec![2, 6],
            index: (0..12).map(|i| i % 6).collect(),
        },
    ];
    for (i, map) in maps.into_iter().enumerate() {
        let o = g
            .add_node(format!("g{i}"), Op::Gather(map), vec![m], format!("o{i}"))
            .unwrap();
        g.add_output(o);
    }
    let samples = vec![vec![det(&[1, 6], 7, 1.0)]];
    let q = common::quantize_small(&g, &samples);
    let t = execute(&q, &samples[0]).unwrap();
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
    assert_eq!(
        t.values[q.outputs[0]].iter().copied().collect::<Vec<_>>(),
        {
            let mv: Vec<i64> = t.values[m].iter().copied().collect();
            vec![mv[5], mv[3], mv[1]]
        }
    );
    let (c, k, inst) = common::mock_circuit(&q, &t, &vis, &p);
    common::assert_sampled_tampering_fails(&c, k, &inst, common::every(3, 6));
    let mut bad = inst.clone();
    *bad.last_mut().unwrap() += Fr::from(1u64);
    assert!(MockProver::run(k, &c, vec![bad]).unwrap().verify().is_err());
}
