//! Run-time Div and Standardize through quantize → execute: bit-exact with
//! the kernels, within the stated error bound, and a zero divisor or a
//! zero-variance lane refused with the tensor named.

use zkml_core::{
    calibrate, error_bound::error_bounds, execute, float::eval_float, quantize, Error, FTensor,
    Graph, Op, QuantConfig,
};

fn div_graph() -> Graph {
    let mut g = Graph::new();
    let a = g.add_input("a", vec![2, 3]);
    let b = g.add_input("b", vec![1, 3]);
    let y = g.add_node("div", Op::Div, vec![a, b], "y").unwrap();
    g.add_output(y);
    g
}

fn t(shape: &[usize], v: &[f32]) -> FTensor {
    FTensor::from_shape_vec(shape.to_vec(), v.to_vec()).unwrap()
}

#[test]
fn div_runs_within_its_bound_and_refuses_zero() {
    let g = div_graph();
    let xs = vec![
        t(&[2, 3], &[1.5, -2.25, 3.0, 0.1, 7.0, -0.5]),
        t(&[1, 3], &[0.75, -1.5, 2.5]),
    ];
    let cal = calibrate(&g, std::slice::from_ref(&xs)).unwrap();
    let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
    let trace = execute(&q, &xs).unwrap();
    let fl = eval_float(&g, &xs).unwrap();
    let bounds = error_bounds(&g, &q, &fl);
    let o = g.outputs[0];
    let s = q.values[o].scale;
    for (&yi, &fi) in trace.values[o].iter().zip(fl[o].iter()) {
        let err = (yi as f64 / 2f64.powi(s) - fi as f64).abs();
        assert!(err <= bounds[o], "{err} > {}", bounds[o]);
    }
    let zero = vec![xs[0].clone(), t(&[1, 3], &[0.75, 0.0, 2.5])];
    match execute(&q, &zero) {
        Err(e @ Error::NoValue { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("`b` is 0 at flat index 1"), "{msg}");
            assert!(msg.contains("node `div` (Div)"), "{msg}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn standardize_refuses_a_constant_lane_without_epsilon() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![2, 4]);
    let op = Op::Standardize {
        axes: vec![1],
        epsilon: 0.0,
    };
    let y = g.add_node("ln", op, vec![x], "y").unwrap();
    g.add_output(y);
    let xs = vec![t(&[2, 4], &[1.0, 2.0, -3.0, 0.5, 4.0, 4.5, 3.0, 5.0])];
    let cal = calibrate(&g, std::slice::from_ref(&xs)).unwrap();
    let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
    let fl = eval_float(&g, &xs).unwrap();
    let trace = execute(&q, &xs).unwrap();
    let bounds = error_bounds(&g, &q, &fl);
    let s = q.values[y].scale;
    for (&yi, &fi) in trace.values[y].iter().zip(fl[y].iter()) {
        let err = (yi as f64 / 2f64.powi(s) - fi as f64).abs();
        assert!(err <= bounds[y], "{err} > {}", bounds[y]);
    }
    let flat = vec![t(&[2, 4], &[1.0, 2.0, -3.0, 0.5, 2.0, 2.0, 2.0, 2.0])];
    let e = execute(&q, &flat).unwrap_err().to_string();
    assert!(
        e.contains("starting at flat index 4 is constant and ε = 0"),
        "{e}"
    );
}
