//! Table functions (`QOp::Table`: Sigmoid, Tanh, Exp, Erf, Gelu, …) through
//! both sumcheck backends: every function the executor supports proves and
//! verifies; a changed output, flipped proof bytes and a prover who uses a
//! table with one entry changed are rejected.

use super::*;
use crate::test_utils::{det, opts, rerun_after, run, run_with};
use crate::zkmodel::{ZkModelProof, ZkSumcheckBackend};
use zkml_core::backend::{Backend, PublicValues, SetupOptions};
use zkml_core::ops::TableFn;
use zkml_core::quant::QuantConfig;
use zkml_core::{FTensor, Graph, Op};

/// `x: [1, 3, 5]` (padded to `4 × 8`) → `f` → ReLU → output, at 12-bit
/// activations, with inputs inside `f`'s domain (the executor refuses the
/// others). `Op::Table(f)` is the node `f`; returns the graph's run.
fn table_model(f: TableFn, seed: u64) -> (QGraph, Trace) {
    let shape = [1, 3, 5];
    let mut g = Graph::new();
    let x = g.add_input("x", shape.to_vec());
    let y = g.add_node("f", Op::Table(f), vec![x], "y").unwrap();
    let r = g.add_node("relu", Op::Relu, vec![y], "r").unwrap();
    g.add_output(r);
    let domain = |t: FTensor| match f {
        TableFn::Acosh => t.mapv(|v| 1.1 + v.abs()),
        TableFn::Log | TableFn::Sqrt | TableFn::Rsqrt | TableFn::Reciprocal => {
            t.mapv(|v| 0.25 + 0.75 * v.abs())
        }
        TableFn::Asin | TableFn::Acos | TableFn::Atanh | TableFn::Tan => t.mapv(|v| 0.8 * v),
        _ => t.mapv(|v| 2.0 * v),
    };
    let samples: Vec<Vec<FTensor>> = (0..3)
        .map(|s| vec![domain(det(&shape, seed + s, 1.0))])
        .collect();
    let cfg = QuantConfig {
        act_bits: 12,
        max_scale: 6,
        ..QuantConfig::default()
    };
    run_with(&g, &samples, &cfg)
}

/// The trace with output entry `k` of node 0 (`f`) set to `f(x_k) + 1`,
/// the nodes after it re-run.
fn forged(q: &QGraph, t: &Trace, k: usize) -> Trace {
    let mut forged = t.clone();
    forged.values[q.nodes[0].output].as_slice_mut().unwrap()[k] += 1;
    rerun_after(q, forged, 0)
}

#[test]
fn every_table_function_proves_and_verifies_in_both_backends() {
    let all = TableFn::all();
    assert_eq!(all.len(), 31);
    let mut with_indicator = 0;
    for (i, f) in all.into_iter().enumerate() {
        let (q, t) = table_model(f, 10 + i as u64);
        assert!(matches!(q.nodes[0].op, QOp::Table { func, .. } if func == f));
        with_indicator += usize::from(fn_indicator(&q.nodes[0].op));
        let key = ZkSumcheckBackend.setup(&q, &opts(Vis::Private)).unwrap().0;
        let (proof, public) = ZkSumcheckBackend
            .prove(&key, &q, &t)
            .unwrap_or_else(|e| panic!("{f:?}: {e}"));
        assert_eq!(
            public.outputs[0],
            t.values[q.outputs[0]].iter().copied().collect::<Vec<_>>()
        );
        ZkSumcheckBackend
            .verify(&key, &public, &proof)
            .unwrap_or_else(|e| panic!("{f:?}: {e}"));
        let key = SumcheckBackend
            .setup(&q, &SetupOptions::default())
            .unwrap()
            .0;
        let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
        SumcheckBackend
            .verify(&key, &public, &proof)
            .unwrap_or_else(|e| panic!("{f:?} (clear): {e}"));
    }
    // Both lookup columns are exercised: `f(0) ≠ 0` (Sigmoid, Exp, Cos, …)
    // carries the padding indicator, `f(0) = 0` (Tanh, Erf, Gelu, …) not.
    assert!((5..25).contains(&with_indicator), "{with_indicator}");
}

/// Tampered outputs, flipped bytes, a forged table entry, for `f`.
fn tampering_is_rejected(f: TableFn) {
    let (q, t) = table_model(f, 3);
    let key = ZkSumcheckBackend.setup(&q, &opts(Vis::Private)).unwrap().0;
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
    let bad = |p: &ZkModelProof, public: &PublicValues| {
        ZkSumcheckBackend.verify(&key, public, p).is_err()
    };
    for k in [0, public.outputs[0].len() - 1] {
        let mut p2 = public.clone();
        p2.outputs[0][k] += 1;
        assert!(bad(&proof, &p2), "{f:?}: output {k} changed");
    }
    let bytes = proof.to_bytes();
    for pos in (0..bytes.len()).step_by(bytes.len() / 40 + 1) {
        let mut b = bytes.clone();
        b[pos] ^= 0x10;
        let ok = ZkModelProof::from_bytes(&b)
            .map(|p| !bad(&p, &public))
            .unwrap_or(false);
        assert!(!ok, "{f:?}: flipped byte {pos} of {}", bytes.len());
    }

    // A wrong output whose pair is in no honest table: the honest prover
    // cannot even build the lookup.
    let x = &t.values[q.inputs[0]];
    let k = (0..x.len())
        .find(|&k| {
            let y = t.values[q.nodes[0].output].as_slice().unwrap()[k];
            y > 0 && y < q.bound()
        })
        .expect("an entry with f(x) + 1 in range and ReLU passing it");
    let wrong = forged(&q, &t, k);
    assert!(ZkSumcheckBackend.prove(&key, &q, &wrong).is_err());

    // A cheating prover's table: the entry of x_k changed to f(x_k) + 1, so
    // its own lookup goes through; the verifier's table rejects it.
    let v = x.as_slice().unwrap()[k];
    FORGED_ENTRY.with(|e| e.set(Some(v)));
    let zk = ZkSumcheckBackend.prove(&key, &q, &wrong);
    let clear_key = SumcheckBackend
        .setup(&q, &SetupOptions::default())
        .unwrap()
        .0;
    let clear = SumcheckBackend.prove(&clear_key, &q, &wrong);
    FORGED_ENTRY.with(|e| e.set(None));
    let (proof, public) = zk.expect("the forged table holds the forged pair");
    assert!(matches!(
        ZkSumcheckBackend.verify(&key, &public, &proof),
        Err(Error::Rejected { .. })
    ));
    let (proof, public) = clear.expect("the forged table holds the forged pair");
    assert!(matches!(
        SumcheckBackend.verify(&clear_key, &public, &proof),
        Err(Error::Rejected { .. })
    ));
}

#[test]
fn tampered_outputs_bytes_and_a_forged_table_entry_are_rejected() {
    // With the padding indicator (Sigmoid(0) ≠ 0) and without (Tanh(0) = 0).
    assert!(fn_indicator(
        &table_model(TableFn::Sigmoid, 3).0.nodes[0].op
    ));
    assert!(!fn_indicator(&table_model(TableFn::Tanh, 3).0.nodes[0].op));
    tampering_is_rejected(TableFn::Sigmoid);
    tampering_is_rejected(TableFn::Tanh);
}

#[test]
fn table_entries_are_the_executors_and_refused_inputs_have_none() {
    // Without a calibrated domain (with one, Log clamps v ≤ 0 to its low end).
    let (mut q, _) = table_model(TableFn::Log, 1);
    if let QOp::Table { domain, .. } = &mut q.nodes[0].op {
        *domain = None;
    }
    let op = &q.nodes[0].op;
    let gamma = Fr::from(1u64 << 20);
    let table = relu_table(&q, op, gamma);
    assert!(fn_indicator(op), "Log(0) ≠ 0, so (0, 0) is padding");
    // Log of v < 0 is refused: those slots hold the padding entry 0, and no
    // pair (v, ·) with v < 0 is in the table; v = 0 reads half a quantum
    // (zkml_core::ops::table::reads_at), a finite entry.
    for (j, v) in q.range().enumerate() {
        let y = fn_int(op, v);
        if q.range().contains(&y) {
            let want =
                crate::field::fr_from_i64(v) + gamma * crate::field::fr_from_i64(y) + gamma * gamma;
            assert_eq!(table[j], want, "v = {v}");
        } else {
            assert_eq!(table[j], Fr::from(0), "v = {v}");
        }
    }
    assert!(q.range().filter(|&v| v < 0).all(|v| {
        let y = fn_int(op, v);
        !q.range().contains(&y)
    }));
    assert!(q.range().contains(&fn_int(op, 0)) && fn_int(op, 0) < fn_int(op, 1));
    assert_eq!(table.len(), q.range().count());
}

#[test]
fn a_clip_whose_range_excludes_zero_proves_with_the_padding_indicator() {
    // clip(0, 0.5, 6) = 0.5 ≠ 0: the zero padding of the [1, 3, 5] tensors
    // is no pair of the function (before the indicator, no proof existed).
    let shape = [1, 3, 5];
    let mut g = Graph::new();
    let x = g.add_input("x", shape.to_vec());
    let y = g
        .add_node("c", Op::Clip { min: 0.5, max: 6.0 }, vec![x], "y")
        .unwrap();
    let r = g.add_node("relu", Op::Relu, vec![y], "r").unwrap();
    g.add_output(r);
    let (q, t) = run(&g, &[vec![det(&shape, 4, 3.0)]]);
    assert!(fn_indicator(&q.nodes[0].op));
    let key = ZkSumcheckBackend.setup(&q, &opts(Vis::Private)).unwrap().0;
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
    let mut p2 = public.clone();
    p2.outputs[0][1] -= 1;
    assert!(ZkSumcheckBackend.verify(&key, &p2, &proof).is_err());
}

/// A table function above input scale 12 (Tanh at a fixed scale 14): the
/// executor rounds the input to scale 12 before the table
/// (`zkml_core::ops::table::cap`); the function lookup's table covers the
/// whole activation range with that rounded rule, so both backends prove
/// the executor's outputs exactly, and the honest outputs differ from the
/// unrounded table's somewhere.
#[test]
fn table_above_scale_12_proves_the_rounded_rule() {
    use zkml_core::ops::table::{table_int, table_op_int};
    let shape = [1, 3, 5];
    let mut g = Graph::new();
    let x = g.add_input("x", shape.to_vec());
    let y = g
        .add_node("f", Op::Table(TableFn::Tanh), vec![x], "y")
        .unwrap();
    g.add_output(y);
    let samples: Vec<Vec<FTensor>> = (0..2).map(|s| vec![det(&shape, 70 + s, 1.5)]).collect();
    let cfg = QuantConfig {
        act_bits: 16,
        fixed_scale: Some(14),
        ..QuantConfig::default()
    };
    let (q, t) = run_with(&g, &samples, &cfg);
    assert!(matches!(
        q.nodes[0].op,
        QOp::Table {
            in_scale: 14,
            out_scale: 14,
            ..
        }
    ));
    let xs = &t.values[q.inputs[0]];
    let ys = &t.values[q.outputs[0]];
    assert!(xs
        .iter()
        .zip(ys)
        .all(|(&x, &y)| y == table_op_int(TableFn::Tanh, x, 14, 14)));
    assert!(xs
        .iter()
        .zip(ys)
        .any(|(&x, &y)| y != table_int(TableFn::Tanh, x, 14, 14)));
    let key = ZkSumcheckBackend.setup(&q, &opts(Vis::Private)).unwrap().0;
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
    let mut bad = public.clone();
    bad.outputs[0][0] += 1;
    assert!(ZkSumcheckBackend.verify(&key, &bad, &proof).is_err());
    let key = SumcheckBackend
        .setup(&q, &SetupOptions::default())
        .unwrap()
        .0;
    let (proof, public) = SumcheckBackend.prove(&key, &q, &t).unwrap();
    SumcheckBackend.verify(&key, &public, &proof).unwrap();
}

/// A table function with a calibrated domain (`zkml_core::ops::table::domain`)
/// proves, in both backends, an input the domain clamps: the table spans
/// the whole activation range with the executor's `f(clamp(v, lo, hi))`;
/// the unclamped `f(x)` has no pair in it.
#[test]
fn an_input_past_the_calibrated_domain_proves_clamped() {
    let (q, t) = table_model(TableFn::Sqrt, 3);
    let op = &q.nodes[0].op;
    let QOp::Table {
        func,
        in_scale,
        out_scale,
        domain: Some(d),
    } = *op
    else {
        panic!("a table op with a domain: {op:?}")
    };
    let (_, hi) = d.inputs(func, in_scale);
    let top = *q.range().end();
    assert!(hi + 100 < top, "{hi}");
    let mut x = t.values[q.inputs[0]].clone();
    x.as_slice_mut().unwrap()[0] = hi + 100;
    let t = zkml_core::exec::execute_int(&q, vec![x]).unwrap();
    let y = t.values[q.nodes[0].output].as_slice().unwrap()[0];
    let at = |v| zkml_core::ops::table::table_op_int(func, v, in_scale, out_scale);
    assert_eq!(y, at(hi));
    assert_ne!(y, at(hi + 100));
    assert_eq!(zkml_core::exec::table_clamps(&q, &t).len(), 1);
    // The table: the executor's rule over the whole range.
    let gamma = Fr::from(1u64 << 20);
    let table = relu_table(&q, op, gamma);
    // (One more slot, the padding pair, when f(0) ≠ 0.)
    assert!(table.len() >= q.range().count());
    let j = (hi + 100 - *q.range().start()) as usize;
    let pair = |v: i64, y: i64| {
        let e = crate::field::fr_from_i64(v) + gamma * crate::field::fr_from_i64(y);
        if fn_indicator(op) {
            e + gamma * gamma
        } else {
            e
        }
    };
    assert_eq!(table[j], pair(hi + 100, at(hi)));
    assert!(!table.contains(&pair(hi + 100, at(hi + 100))));
    // Both backends prove and verify it.
    let key = ZkSumcheckBackend.setup(&q, &opts(Vis::Private)).unwrap().0;
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
    let clear_key = SumcheckBackend
        .setup(&q, &SetupOptions::default())
        .unwrap()
        .0;
    let (proof, public) = SumcheckBackend.prove(&clear_key, &q, &t).unwrap();
    SumcheckBackend.verify(&clear_key, &public, &proof).unwrap();
    // The unclamped output: no pair for it, the honest prover cannot build
    // the lookup.
    let mut wrong = t.clone();
    wrong.values[q.nodes[0].output].as_slice_mut().unwrap()[0] = at(hi + 100);
    let wrong = rerun_after(&q, wrong, 0);
    assert!(ZkSumcheckBackend.prove(&key, &q, &wrong).is_err());
    assert!(SumcheckBackend.prove(&clear_key, &q, &wrong).is_err());
}
