//! ScatterElements and ScatterND with run-time indices (and with `reduction`
//! add/max/min/mul), loaded from ONNX: the one-hot lowering (`zkml_onnx::ops::movement::
//! scatter_dyn`) gives ONNX's result in the float and the integer executor
//! (duplicates under `none`: the last update wins), the circuit equals the
//! integer trace, the MockProver accepts it and rejects sampled corrupted
//! advice cells and a changed public output, and an index outside `[−T, T)`
//! is refused by the executor (the circuit's lookup has no row for it).

mod common;
#[allow(unused_imports)]
#[path = "../../zkml-onnx/tests/common/mod.rs"]
mod onnx;

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use zkml_core::{backend::Visibility, exec::execute, run_float, FTensor, Op};
use zkml_plonk::plan;

use onnx::{attr_i, attr_s, model, node, value_info, value_info_i64};

/// data [R, 4] (float), indices and updates [2, 3] (int64, float) as graph
/// inputs; ScatterElements along axis 1 with `reduction`.
fn scatter(rows: i64, reduction: &str) -> Vec<u8> {
    let k = value_info_i64("k", &[2, 3]);
    model(
        18,
        vec![node(
            "ScatterElements",
            &["x", "k", "u"],
            &["y"],
            vec![attr_i("axis", 1), attr_s("reduction", reduction)],
        )],
        vec![],
        vec![value_info("x", &[rows, 4]), k, value_info("u", &[2, 3])],
        &["y"],
    )
}

/// ONNX's ScatterElements on axis 1 (duplicates under `none`: the last wins).
fn reference(x: &[f32], rows: usize, k: &[i64], u: &[f32], reduction: &str) -> Vec<f32> {
    let mut y = x.to_vec();
    for r in 0..2 {
        for s in 0..3 {
            let t = k[r * 3 + s].rem_euclid(4) as usize;
            let (v, w) = (&mut y[r * 4 + t], u[r * 3 + s]);
            *v = match reduction {
                "none" => w,
                "add" => *v + w,
                "max" => v.max(w),
                "mul" => *v * w,
                _ => v.min(w),
            };
        }
    }
    assert_eq!(y.len(), rows * 4);
    y
}

#[test]
fn runtime_scatter_elements_runs_and_proves() {
    // Row 0 writes position 1 twice (-3 = 1) and position 3; row 1 writes
    // position 2 three times (every update of the lane on one cell).
    let k = [1i64, -3, 3, 2, 2, -2];
    let kf: Vec<f32> = k.iter().map(|&v| v as f32).collect();
    for (rows, reduction) in [
        (2, "none"),
        (3, "none"),
        (2, "add"),
        (3, "max"),
        (2, "min"),
        (3, "mul"),
    ] {
        let g = zkml_onnx::load_model_bytes(&scatter(rows, reduction)).unwrap();
        assert!(
            g.nodes.iter().any(|n| matches!(n.op, Op::GatherDyn(_))),
            "{reduction}: indices are range-checked by a run-time gather"
        );
        let x = common::det(&[rows as usize, 4], 5, 1.0);
        let u = common::det(&[2, 3], 9, 1.0);
        let xs: Vec<f32> = x.iter().copied().collect();
        let us: Vec<f32> = u.iter().copied().collect();
        let want = reference(&xs, rows as usize, &k, &us, reduction);
        let got = run_float(&g, &[xs.clone(), kf.clone(), us.clone()]).unwrap();
        let got: Vec<f32> = got[0].iter().copied().collect();
        assert!(
            onnx::max_diff(&got, &want) < 1e-6,
            "{rows}x4 {reduction}: {got:?} vs {want:?}"
        );

        let kt = FTensor::from_shape_vec(vec![2, 3], kf.clone()).unwrap();
        let samples = vec![vec![x, kt, u]];
        prove_and_tamper(&g, &samples, &want, reduction);
        // An index outside [-4, 4) is refused, never dropped or clamped.
        let q = common::quantize_small(&g, &samples);
        for wrong in [4.0, -5.0] {
            let mut kb = kf.clone();
            kb[2] = wrong;
            let kb = FTensor::from_shape_vec(vec![2, 3], kb).unwrap();
            let r = execute(&q, &[samples[0][0].clone(), kb, samples[0][2].clone()]);
            assert!(r.is_err(), "{reduction}: index {wrong} accepted");
        }
    }
}

/// The integer model of `g` on `samples[0]` matches `want`, its circuit the
/// trace; the MockProver accepts it and rejects tampering.
fn prove_and_tamper(g: &zkml_core::Graph, samples: &[Vec<FTensor>], want: &[f32], reduction: &str) {
    let q = common::quantize_small(g, samples);
    let t = execute(&q, &samples[0]).unwrap();
    let deq = &t.dequantized_outputs(&q)[0];
    for (i, (a, b)) in deq.iter().zip(want).enumerate() {
        assert!(
            (a - f64::from(*b)).abs() < 0.05,
            "{reduction} element {i}: {a} vs {b}"
        );
    }
    let vis = Visibility::default();
    let p = plan(&q, &vis, None).unwrap();
    common::assert_circuit_equals_trace(&q, &t, &vis, &p.shape);
    let (c, kk, inst) = common::mock_circuit(&q, &t, &vis, &p);
    common::assert_sampled_tampering_fails(&c, kk, &inst, common::every(7, 8));
    let mut bad = inst.clone();
    *bad.last_mut().unwrap() += Fr::from(1u64);
    assert!(MockProver::run(kk, &c, vec![bad])
        .unwrap()
        .verify()
        .is_err());
}

/// data [3, 2], indices [2, 1] (int64) and updates [2, 2] as graph inputs.
fn scatter_nd(reduction: &str) -> Vec<u8> {
    let k = value_info_i64("k", &[2, 1]);
    model(
        18,
        vec![node(
            "ScatterND",
            &["x", "k", "u"],
            &["y"],
            vec![attr_s("reduction", reduction)],
        )],
        vec![],
        vec![value_info("x", &[3, 2]), k, value_info("u", &[2, 2])],
        &["y"],
    )
}

#[test]
fn runtime_scatter_nd_runs_and_proves() {
    // Both index tuples name row 2 (-1 = 2): duplicates on one cell.
    let kf = vec![2.0f32, -1.0];
    for reduction in ["none", "add", "max", "min", "mul"] {
        let g = zkml_onnx::load_model_bytes(&scatter_nd(reduction)).unwrap();
        let x = common::det(&[3, 2], 5, 1.0);
        let u = common::det(&[2, 2], 9, 1.0);
        let xs: Vec<f32> = x.iter().copied().collect();
        let us: Vec<f32> = u.iter().copied().collect();
        let mut want = xs.clone();
        for q in 0..2 {
            for r in 0..2 {
                let (v, w) = (&mut want[4 + r], us[q * 2 + r]);
                *v = match reduction {
                    "none" => w,
                    "add" => *v + w,
                    "max" => v.max(w),
                    "mul" => *v * w,
                    _ => v.min(w),
                };
            }
        }
        let got = run_float(&g, &[xs, kf.clone(), us]).unwrap();
        let got: Vec<f32> = got[0].iter().copied().collect();
        assert!(
            onnx::max_diff(&got, &want) < 1e-6,
            "{reduction}: {got:?} vs {want:?}"
        );
        let kt = FTensor::from_shape_vec(vec![2, 1], kf.clone()).unwrap();
        let samples = vec![vec![x, kt, u]];
        prove_and_tamper(&g, &samples, &want, reduction);
        let q = common::quantize_small(&g, &samples);
        let kb = FTensor::from_shape_vec(vec![2, 1], vec![3.0, 0.0]).unwrap();
        let r = execute(&q, &[samples[0][0].clone(), kb, samples[0][2].clone()]);
        assert!(r.is_err(), "{reduction}: index 3 of 3 rows accepted");
    }
}

#[test]
fn long_mul_chains_are_refused_by_name() {
    // 65 updates of one lane multiplied into one element: over MAX_PRODUCT.
    let k = value_info_i64("k", &[1, 65]);
    let m = model(
        18,
        vec![node(
            "ScatterElements",
            &["x", "k", "u"],
            &["y"],
            vec![attr_i("axis", 1), attr_s("reduction", "mul")],
        )],
        vec![],
        vec![value_info("x", &[1, 4]), k, value_info("u", &[1, 65])],
        &["y"],
    );
    let e = zkml_onnx::load_model_bytes(&m).unwrap_err().to_string();
    assert!(
        e.contains("ScatterElements") && e.contains("`mul`") && e.contains("at most 64"),
        "{e}"
    );
}
