//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::Arc;

use halo2_axiom::halo2curves::bn256::Fr;
use ndarray::{ArrayD, IxDyn};
use zkml_core::{
    backend::{PublicValues, Visibility},
    FTensor, QGraph, Trace,
};
use zkml_plonk::{circuit::ZkmlCircuit, gadgets::fe, Plan, PlonkBackend};

/// Deterministic values in `[-amp, amp)` (an LCG; no `rand` needed).
pub fn det(shape: &[usize], seed: u64, amp: f32) -> FTensor {
    let n: usize = shape.iter().product();
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let v = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            amp * ((s >> 33) as f64 / (1u64 << 31) as f64 * 2.0 - 1.0) as f32
        })
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

/// A backend whose SRS cache is a temp directory shared by the tests.
pub fn backend() -> PlonkBackend {
    PlonkBackend {
        srs_dir: std::env::temp_dir().join("zkml-plonk-test-srs"),
        srs_file: None,
    }
}

/// The circuit of `q` on `t` under `plan`, its `k`, and its instance column.
pub fn mock_circuit(
    q: &QGraph,
    t: &Trace,
    vis: &Visibility,
    plan: &Plan,
) -> (ZkmlCircuit, u32, Vec<Fr>) {
    let public = PublicValues::from_trace(q, t, vis);
    let inst: Vec<Fr> = public
        .inputs
        .iter()
        .chain(&public.outputs)
        .flatten()
        .chain(&public.revealed)
        .map(|&v| fe(v as i128))
        .collect();
    let c = ZkmlCircuit {
        q: Arc::new(q.clone()),
        trace: Some(Arc::new(t.clone())),
        vis: vis.clone(),
        shape: plan.shape.clone(),
        tamper: None,
        witness_only: false,
    };
    (c, plan.k, inst)
}
