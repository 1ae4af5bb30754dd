//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod failures;
pub mod qgraph;

use std::sync::Arc;

use halo2_axiom::{dev::MockProver, halo2curves::bn256::Fr};
use ndarray::{ArrayD, IxDyn};
use zkml_core::{
    backend::{PublicValues, Visibility},
    quant::{calibrate, quantize, QuantConfig},
    FTensor, Graph, QGraph, Trace,
};
use zkml_plonk::{
    circuit::{lay_out, ZkmlCircuit},
    gadgets::{fe, Builder, CountSink},
    Plan, PlonkBackend,
};

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
        matrix_check: true,
    }
}

/// The keys of `q` under `vis`, at the planned `k`.
pub fn keys(
    be: &PlonkBackend,
    q: &QGraph,
    vis: &Visibility,
) -> (zkml_plonk::PlonkProvingKey, zkml_plonk::PlonkVerifyingKey) {
    use zkml_core::backend::{Backend, SetupOptions};
    let opts = SetupOptions {
        visibility: vis.clone(),
        k: None,
    };
    be.setup(q, &opts).unwrap()
}

/// A real proof of `q` on `t` under `vis` with the plan `p`: setup, prove and
/// verify; then a public output plus one (when there is a public output;
/// `need_output`: there must be) and a flipped proof byte must be rejected.
/// Returns the failed step.
pub fn prove_verify_tamper(
    q: &QGraph,
    t: &Trace,
    vis: &Visibility,
    p: &Plan,
    need_output: bool,
) -> Result<(), String> {
    use zkml_core::backend::Backend;
    let backend = backend();
    let (pk, vk) = backend
        .setup_with_plan(q, vis.clone(), p.clone())
        .map_err(|e| format!("setup: {e}"))?;
    let (proof, public) = backend
        .prove(&pk, q, t)
        .map_err(|e| format!("prove: {e}"))?;
    backend
        .verify(&vk, &public, &proof)
        .map_err(|e| format!("verify: {e}"))?;
    let mut bad = public.clone();
    match bad.outputs.iter_mut().find_map(|o| o.first_mut()) {
        Some(v) => {
            *v += 1;
            if backend.verify(&vk, &bad, &proof).is_ok() {
                return Err("verify accepted a changed public output".into());
            }
        }
        None if need_output => return Err("no public output".into()),
        None => {}
    }
    let mut forged = proof.clone();
    let mid = forged.bytes.len() / 2;
    forged.bytes[mid] ^= 1;
    if backend.verify(&vk, &public, &forged).is_ok() {
        return Err("verify accepted a changed proof byte".into());
    }
    Ok(())
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
    assert_no_unassigned_reads(q, t, vis, &plan.shape);
    let c = ZkmlCircuit {
        q: Arc::new(q.clone()),
        trace: Some(Arc::new(t.clone())),
        vis: vis.clone(),
        shape: plan.shape.clone(),
        tamper: None,
        witness_only: false,
        blinds: Default::default(),
    };
    (c, plan.k, inst)
}

/// Asserts the MockProver accepts `c` and rejects it with any one of the
/// advice cells `pick(n)` corrupted (`n` = advice cells assigned). Returns `n`.
pub fn assert_sampled_tampering_fails(
    c: &ZkmlCircuit,
    k: u32,
    inst: &[Fr],
    pick: impl Fn(usize) -> Vec<usize>,
) -> usize {
    MockProver::run(k, c, vec![inst.to_vec()])
        .unwrap()
        .assert_satisfied();
    let mut count = CountSink::default();
    let mut b = Builder::new(&mut count, c.shape.clone(), false);
    lay_out(&mut b, &c.q, c.trace.as_deref(), &c.vis).unwrap();
    let n = count.count;
    for i in pick(n) {
        let mut bad = c.clone();
        bad.tamper = Some(i);
        let r = MockProver::run(k, &bad, vec![inst.to_vec()])
            .unwrap()
            .verify();
        assert!(
            r.is_err(),
            "corrupting advice cell {i} of {n} went unnoticed"
        );
    }
    n
}

/// Every `step`-th cell and the last `tail` (the outputs).
pub fn every(step: usize, tail: usize) -> impl Fn(usize) -> Vec<usize> {
    move |n| {
        (0..n)
            .step_by(step)
            .chain(n.saturating_sub(tail)..n)
            .collect()
    }
}

/// `g` calibrated on `samples` and quantized small (12-bit activations,
/// scales ≤ 6, 8-bit weights), which keeps test circuits at small `k`.
pub fn quantize_small(g: &Graph, samples: &[Vec<FTensor>]) -> QGraph {
    let cal = calibrate(g, samples).unwrap();
    let cfg = QuantConfig {
        act_bits: 12,
        max_scale: 6,
        weight_bits: 8,
        ..QuantConfig::default()
    };
    quantize(g, &cal, &cfg).unwrap()
}

/// Lays out `q` with the trace `t` on `shape` and asserts every output cell is
/// the trace's integer; returns the layers laid out by the matrix check and
/// the rows used.
pub fn assert_circuit_equals_trace(
    q: &QGraph,
    t: &Trace,
    vis: &Visibility,
    shape: &zkml_plonk::gadgets::Shape,
) -> (usize, usize) {
    let mut sink = zkml_plonk::gadgets::NullSink;
    let mut b = Builder::new(&mut sink, shape.clone(), false);
    let laid = lay_out(&mut b, q, Some(t), vis).unwrap();
    for (o, id) in laid.outputs.iter().zip(&q.outputs) {
        let got: Vec<i64> = o.iter().map(|w| w.val.unwrap() as i64).collect();
        let want: Vec<i64> = t.values[*id].iter().copied().collect();
        assert_eq!(got, want, "output `{}`", q.values[*id].name);
    }
    (b.freivalds_layers, b.row)
}

/// Asserts no constraint of `q`'s layout on `shape` reads, with a non-zero
/// weight, an advice cell that nothing assigns ([`zkml_plonk::gadgets::audit`]).
/// Run by [`mock_circuit`], so by every test that builds a model circuit.
pub fn assert_no_unassigned_reads(
    q: &QGraph,
    t: &Trace,
    vis: &Visibility,
    shape: &zkml_plonk::gadgets::Shape,
) {
    use zkml_plonk::gadgets::audit::{unassigned_reads, RecordSink};
    let mut rec = RecordSink::default();
    let mut b = Builder::new(&mut rec, shape.clone(), false);
    lay_out(&mut b, q, Some(t), vis).unwrap();
    let bad = unassigned_reads(shape, &rec);
    assert!(
        bad.is_empty(),
        "{} reads of unassigned cells, first: {:?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
}
