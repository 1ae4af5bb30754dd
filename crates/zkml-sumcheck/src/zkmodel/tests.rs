//! The MLP with a private input through [`ZkSumcheckBackend`]: honest,
//! forged, tampered; fresh randomness in every message; refused statements.

use super::*;
use crate::field::{Curve, Field, Fr};
use crate::model::tests::mlp;
use crate::model::ProvingKey;
use zkml_core::backend::{Backend, PublicValues, SetupOptions, Visibility};
use zkml_core::exec::eval_qop;
use zkml_core::{ITensor, QOp};

fn private_input() -> SetupOptions {
    SetupOptions {
        visibility: Visibility {
            input: Vis::Private,
            ..Visibility::default()
        },
        k: None,
    }
}

fn setup(q: &QGraph, opts: &SetupOptions) -> ProvingKey {
    ZkSumcheckBackend.setup(q, opts).unwrap().0
}

#[test]
fn private_input_mlp_proves_and_verifies() {
    let (q, t) = mlp(&[12, 8, 4], 1);
    let key = setup(&q, &private_input());
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    assert!(public.inputs.is_empty());
    let packed = |key: &ProvingKey| packed::Layout::of_key(key).unwrap();
    let input = packed::Slot::Value(q.inputs[0]);
    assert!(
        packed(&key).block(input).is_some(),
        "the input is committed"
    );
    assert!(proof.commitments.iter().all(Option::is_none));
    ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
    // Public input works too (the input is then known, not committed).
    let key = setup(&q, &SetupOptions::default());
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    assert!(packed(&key).block(input).is_none());
    ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
}

#[test]
fn changed_outputs_tampered_messages_and_foreign_keys_are_rejected() {
    let (q, t) = mlp(&[12, 8, 4], 2);
    let key = setup(&q, &private_input());
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    let bad = |p: &ZkModelProof, public: &PublicValues| {
        ZkSumcheckBackend.verify(&key, public, p).is_err()
    };
    let mut p2 = public.clone();
    p2.outputs[0][0] += 1;
    assert!(bad(&proof, &p2));
    let u = key.gens.u;
    for i in 0..proof.nodes.len() {
        let mut p = proof.clone();
        match &mut p.nodes[i] {
            ZkNodeProof::MatMul { y_com, .. } | ZkNodeProof::Conv { y_com, .. } => {
                *y_com = (*y_com + u).to_affine()
            }
            ZkNodeProof::Linear { out_com, .. } => *out_com = (*out_com + u).to_affine(),
            ZkNodeProof::Lookup => continue,
            ZkNodeProof::MaxPool { coms, .. } => coms[0] = (coms[0] + u).to_affine(),
            ZkNodeProof::Softmax { coms, .. } => coms[0] = (coms[0] + u).to_affine(),
            ZkNodeProof::Derived => continue,
        }
        assert!(bad(&p, &public), "node {i}");
    }
    // Every Σ-protocol relation proof of a node.
    for i in 0..proof.nodes.len() {
        let mut p = proof.clone();
        match &mut p.nodes[i] {
            ZkNodeProof::MatMul { matmul, .. } | ZkNodeProof::Conv { matmul, .. } => {
                matmul.final_ok.s += Fr::ONE
            }
            ZkNodeProof::Linear { relation, .. } => relation.s += Fr::ONE,
            ZkNodeProof::MaxPool { selected, .. } => selected.s += Fr::ONE,
            ZkNodeProof::Softmax { relation, .. } => relation.s += Fr::ONE,
            ZkNodeProof::Derived | ZkNodeProof::Lookup => continue,
        }
        assert!(bad(&p, &public), "relation of node {i}");
    }
    // Every batched lookup: its root, a product proof inside a layer, each
    // column commitment and each pair commitment.
    for k in 0..proof.lookups.len() {
        let l = &proof.lookups[k];
        type Tamper = Box<dyn Fn(&mut ZkTableLookup)>;
        let mut cases: Vec<Tamper> = vec![
            Box::new(move |l| l.logup.roots[0] = (l.logup.roots[0] + u).to_affine()),
            Box::new(|l| l.logup.witness_layers[1].products[0].1.z[0] += Fr::ONE),
        ];
        for c in 0..l.logup.column_coms.len() {
            cases.push(Box::new(move |l| {
                l.logup.column_coms[c] = (l.logup.column_coms[c] + u).to_affine()
            }));
        }
        for c in 0..l.pair_coms.len() {
            cases.push(Box::new(move |l| {
                l.pair_coms[c] = (l.pair_coms[c] + u).to_affine()
            }));
        }
        for (j, f) in cases.iter().enumerate() {
            let mut p = proof.clone();
            f(&mut p.lookups[k]);
            assert!(bad(&p, &public), "lookup {k}, case {j}");
        }
    }
    let mut p = proof.clone();
    p.lookups.pop();
    assert!(matches!(
        ZkSumcheckBackend.verify(&key, &public, &p),
        Err(Error::Malformed { .. })
    ));
    for k in 0..proof.openings.len() {
        let mut p = proof.clone();
        p.openings[k].open.z_beta += Fr::ONE;
        assert!(bad(&p, &public), "opening {k}");
        // The reduction of a group's claims: a round value, a reduced
        // factor value, the final check, a round of the wrong degree.
        if p.openings[k].reduce.is_some() {
            for case in 0..4 {
                let mut p = proof.clone();
                let r = p.openings[k].reduce.as_mut().unwrap();
                match case {
                    0 => r.rounds[0].evals[1] = (r.rounds[0].evals[1] + u).to_affine(),
                    1 => r.factor_evals[0] = (r.factor_evals[0] + u).to_affine(),
                    2 => r.final_ok.s += Fr::ONE,
                    _ => r.rounds[1].evals.push(u),
                }
                assert!(bad(&p, &public), "reduction {k}, case {case}");
            }
        }
    }
    let mut p = proof.clone();
    p.openings[0].reduce = p.openings.iter().find_map(|o| o.reduce.clone());
    if proof.openings[0].reduce.is_none() {
        assert!(matches!(
            ZkSumcheckBackend.verify(&key, &public, &p),
            Err(Error::Malformed { .. })
        ));
    }
    for k in 0..proof.known.len() {
        let mut p = proof.clone();
        p.known[k].s += Fr::ONE;
        assert!(bad(&p, &public), "known {k}");
    }
    let mut p = proof.clone();
    p.known.push(p.known[0].clone());
    assert!(matches!(
        ZkSumcheckBackend.verify(&key, &public, &p),
        Err(Error::Malformed { .. })
    ));
    let (q2, _) = mlp(&[12, 8, 4], 3);
    assert!(ZkSumcheckBackend
        .verify(&setup(&q2, &private_input()), &public, &proof)
        .is_err());
}

#[test]
fn a_forged_hidden_layer_is_rejected() {
    let (q, t) = mlp(&[12, 8, 4], 5);
    let key = setup(&q, &private_input());
    let add = q
        .nodes
        .iter()
        .position(|n| matches!(n.op, QOp::Add { .. }))
        .unwrap();
    let pre = q.nodes[add].output;
    let mut forged = t.clone();
    let idx = forged.values[pre].iter().position(|&v| v > 0).unwrap();
    forged.values[pre].as_slice_mut().unwrap()[idx] += 1;
    for node in &q.nodes[add + 1..] {
        let args: Vec<&ITensor> = node.inputs.iter().map(|&i| &forged.values[i]).collect();
        forged.values[node.output] = eval_qop(&node.op, &args);
    }
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &forged).unwrap();
    assert!(matches!(
        ZkSumcheckBackend.verify(&key, &public, &proof),
        Err(Error::Rejected { .. })
    ));
}

#[test]
fn two_proofs_of_one_statement_share_no_commitment() {
    // Nothing hidden is sent in the clear: with fresh prover randomness every
    // commitment of the proof differs.
    let (q, t) = mlp(&[12, 8, 4], 6);
    let key = setup(&q, &private_input());
    let (a, pa) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    let (b, pb) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    assert_eq!(pa, pb);
    let (x, y) = (a.packed.as_ref().unwrap(), b.packed.as_ref().unwrap());
    // Rows past the last packed block are public zeros (the identity, no
    // blind: `packed`); every other row differs.
    let pad = padding_rows(&key);
    let n = x.rows.len() - pad;
    assert!(x.rows[..n].iter().zip(&y.rows).all(|(r, s)| r != s));
    assert_eq!(x.rows[n..], y.rows[n..]);
    for (x, y) in a.nodes.iter().zip(&b.nodes) {
        match (x, y) {
            (
                ZkNodeProof::MatMul {
                    y_com: p,
                    matmul: m,
                    ..
                },
                ZkNodeProof::MatMul {
                    y_com: r,
                    matmul: n,
                    ..
                },
            ) => {
                assert_ne!(p, r);
                for (u, v) in m.rounds.iter().zip(&n.rounds) {
                    assert!(u.evals.iter().zip(&v.evals).all(|(e, f)| e != f));
                }
            }
            (ZkNodeProof::Linear { out_com: p, .. }, ZkNodeProof::Linear { out_com: r, .. }) => {
                assert_ne!(p, r)
            }
            _ => {}
        }
    }
    for (x, y) in a.lookups.iter().zip(&b.lookups) {
        assert_ne!(x.logup.roots, y.logup.roots);
        assert!(x.pair_coms.iter().zip(&y.pair_coms).all(|(p, r)| p != r));
        let cc = x.logup.column_coms.iter().zip(&y.logup.column_coms);
        assert!(cc.clone().all(|(p, r)| p != r));
    }
    ZkSumcheckBackend.verify(&key, &pb, &b).unwrap();
}

#[test]
fn committed_inputs_and_hidden_outputs_are_refused() {
    // (Hidden weights: `weights_tests`.)
    let (q, _) = mlp(&[8, 4], 7);
    for vis in [
        Visibility {
            input: Vis::Committed,
            ..Visibility::default()
        },
        Visibility {
            output: Vis::Private,
            ..Visibility::default()
        },
    ] {
        let opts = SetupOptions {
            visibility: vis,
            k: None,
        };
        assert!(ZkSumcheckBackend.setup(&q, &opts).is_err());
    }
}

/// The benchmark MLP (784 → 128 → 10) with a private input.
/// `cargo test -p zkml-sumcheck -- --ignored --nocapture bench_zk_mlp`
#[test]
#[ignore]
fn bench_zk_mlp() {
    let (q, t) = crate::model::tests::bench_model();
    let key = setup(&q, &private_input());
    let s = std::time::Instant::now();
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    println!("zk prove {:.2?}", s.elapsed());
    let s = std::time::Instant::now();
    ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
    println!(
        "zk verify {:.2?}, proof {} bytes",
        s.elapsed(),
        proof.to_bytes().len()
    );
}

#[test]
fn zk_proof_bytes_round_trip_and_flipped_bytes_are_rejected() {
    let (q, t) = mlp(&[12, 8, 4], 8);
    let key = setup(&q, &private_input());
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    let bytes = proof.to_bytes();
    let back = ZkModelProof::from_bytes(&bytes).unwrap();
    assert_eq!(back, proof);
    for pos in (0..bytes.len()).step_by(bytes.len() / 30 + 1) {
        let mut b = bytes.clone();
        b[pos] ^= 0x21;
        let ok = ZkModelProof::from_bytes(&b)
            .map(|p| ZkSumcheckBackend.verify(&key, &public, &p).is_ok())
            .unwrap_or(false);
        assert!(!ok, "flipped byte {pos} of {}", bytes.len());
    }
    assert!(ZkModelProof::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    let clear = crate::model::ModelProof::from_bytes(&bytes).unwrap_err();
    assert!(clear.to_string().contains("another backend"), "{clear}");
}

#[test]
fn a_flattened_private_input_proves() {
    // The benchmark MLP's shape: [1,1,4,6] → Flatten → dense → ReLU → dense.
    use crate::model::tests::{dense, det};
    use zkml_core::quant::{calibrate, quantize, QuantConfig};
    use zkml_core::{exec::execute, FTensor, Graph, Op};
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 1, 4, 6]);
    let f = g
        .add_node("flatten", Op::Reshape { shape: vec![1, 24] }, vec![x], "f")
        .unwrap();
    let h = dense(&mut g, f, 24, 16, "0", 20);
    let r = g.add_node("relu", Op::Relu, vec![h], "r").unwrap();
    let o = dense(&mut g, r, 16, 10, "1", 30);
    g.add_output(o);
    let s: Vec<FTensor> = vec![det(&[1, 1, 4, 6], 200, 1.0).mapv(f32::abs)];
    let cal = calibrate(&g, std::slice::from_ref(&s)).unwrap();
    let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
    let t = execute(&q, &s).unwrap();
    let key = setup(&q, &private_input());
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
    let mut p = public.clone();
    p.outputs[0][2] -= 1;
    assert!(ZkSumcheckBackend.verify(&key, &p, &proof).is_err());
}

/// Every field element and point of a proof's encoding: (offset, bytes).
/// Rows of the packed commitment past its last block (zeros, committed
/// as the identity).
fn padding_rows(key: &ProvingKey) -> usize {
    let l = packed::Layout::of_key(key).unwrap();
    let n = l.num_vars.unwrap();
    let width = 1usize << crate::hyrax::split_vars(n).1;
    (1usize << (n - crate::hyrax::split_vars(n).1)) - l.used().div_ceil(width)
}

fn messages(p: &ZkModelProof) -> (Vec<u8>, Vec<usize>) {
    let mut w = crate::codec::Writer::default();
    p.write(&mut w);
    (w.0, w.1)
}

#[test]
fn two_witnesses_with_the_same_public_values_differ_in_every_masked_message() {
    // The transcript test of the backend's statement: two different private
    // inputs that give the same public output. Every message of the proof is a
    // Pedersen/Hyrax commitment or a Σ-protocol message (first message or
    // response), all masked by fresh randomness, so none may repeat: a
    // message equal across the two proofs would be one not masked (or a
    // reused blind).
    let (q, t) = mlp(&[12, 8, 4], 9);
    let input = q.inputs[0];
    let mut other = None;
    'search: for i in 0..t.values[input].len() {
        for d in [1i64, -1, 2, -2, 3, -3] {
            let mut u = t.clone();
            let x = &mut u.values[input].as_slice_mut().unwrap()[i];
            *x += d;
            if *x < 0 || *x > 127 {
                continue;
            }
            for node in &q.nodes {
                let args: Vec<&ITensor> = node.inputs.iter().map(|&i| &u.values[i]).collect();
                u.values[node.output] = eval_qop(&node.op, &args);
            }
            if q.outputs.iter().all(|&o| u.values[o] == t.values[o]) {
                other = Some(u);
                break 'search;
            }
        }
    }
    let u = other.expect("a second input with the same output");
    assert_ne!(u.values[input], t.values[input]);
    let key = setup(&q, &private_input());
    let (a, pa) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    let (b, pb) = ZkSumcheckBackend.prove(&key, &q, &u).unwrap();
    assert_eq!(pa, pb, "same public values");
    ZkSumcheckBackend.verify(&key, &pa, &a).unwrap();
    ZkSumcheckBackend.verify(&key, &pb, &b).unwrap();
    let (ba, oa) = messages(&a);
    let (bb, ob) = messages(&b);
    assert_eq!(oa, ob, "the two proofs have the same shape");
    assert_eq!(ba.len(), bb.len());
    assert!(oa.len() > 100, "{} messages", oa.len());
    // The packed commitment's padding rows are the identity in both (public
    // zeros); every other message differs.
    let identity = |b: &[u8]| b[..31].iter().all(|&x| x == 0) && b[31] == 0x80;
    let same: Vec<usize> = oa
        .iter()
        .copied()
        .filter(|&o| identity(&ba[o..o + 32]) && identity(&bb[o..o + 32]))
        .collect();
    assert_eq!(same.len(), padding_rows(&key), "identity messages");
    for &o in oa.iter().filter(|o| !same.contains(o)) {
        assert_ne!(ba[o..o + 32], bb[o..o + 32], "message at byte {o} repeats");
    }
    // Everything else (tags, lengths, magic) is shape only, and equal.
    let mut mask = vec![false; ba.len()];
    oa.iter().for_each(|&o| mask[o..o + 32].fill(true));
    for (k, m) in mask.iter().enumerate() {
        if !m {
            assert_eq!(ba[k], bb[k], "non-message byte {k}");
        }
    }
}

#[test]
fn a_private_input_is_range_checked() {
    let (q, t) = mlp(&[12, 8, 4], 10);
    let key = setup(&q, &private_input());
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    let columns = |p: &ZkModelProof| -> usize {
        p.lookups
            .iter()
            .map(|l| l.logup.column_coms.len() + 1)
            .sum()
    };
    let u = key.gens.u;
    for k in 0..proof.lookups.len() {
        let mut p = proof.clone();
        p.lookups[k].logup.roots[1] = (p.lookups[k].logup.roots[1] + u).to_affine();
        assert!(ZkSumcheckBackend.verify(&key, &public, &p).is_err());
    }
    let mut p = proof.clone();
    p.lookups.clear();
    assert!(matches!(
        ZkSumcheckBackend.verify(&key, &public, &p),
        Err(Error::Malformed { .. })
    ));
    // An input outside the executor's range has no proof.
    let mut f = t.clone();
    let input = q.inputs[0];
    f.values[input].as_slice_mut().unwrap()[0] = *q.range().end() + 1;
    for node in &q.nodes {
        let args: Vec<&ITensor> = node.inputs.iter().map(|&i| &f.values[i]).collect();
        f.values[node.output] = eval_qop(&node.op, &args);
    }
    if let Ok((p, public)) = ZkSumcheckBackend.prove(&key, &q, &f) {
        assert!(ZkSumcheckBackend.verify(&key, &public, &p).is_err());
    }
    // A public input has no range proof (the verifier checks its values).
    let key = setup(&q, &SetupOptions::default());
    let (public_proof, _) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    assert_eq!(columns(&public_proof) + 1, columns(&proof));
}

#[test]
fn the_whole_model_has_one_lookup_with_one_table_side_per_distinct_table() {
    let (q, t) = mlp(&[12, 8, 4], 11);
    let key = setup(&q, &private_input());
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    assert_eq!(proof.lookups.len(), 1);
    // Distinct tables: the activation range (the hidden input), each distinct
    // rescale range, ReLU's pairs.
    let mut shifts: Vec<u32> = q
        .nodes
        .iter()
        .filter_map(|n| match n.op {
            QOp::MatMul { shift } if shift > 0 => Some(shift),
            _ => None,
        })
        .collect();
    shifts.sort();
    shifts.dedup();
    let l = &proof.lookups[0].logup;
    assert_eq!(l.m_comm.len(), shifts.len() + 2, "{shifts:?}");
    assert_eq!(l.m_comm.len(), l.table_sumcheck.len());
    // A forged multiplicity commitment or table sum of one table.
    let u = key.gens.u;
    for k in 0..l.m_comm.len() {
        let mut p = proof.clone();
        let m = &mut p.lookups[0].logup.m_comm[k].rows[0];
        *m = (*m + u).to_affine();
        assert!(
            ZkSumcheckBackend.verify(&key, &public, &p).is_err(),
            "m {k}"
        );
        let mut p = proof.clone();
        let s = &mut p.lookups[0].logup.sum_com[k];
        *s = (*s + u).to_affine();
        assert!(
            ZkSumcheckBackend.verify(&key, &public, &p).is_err(),
            "sum {k}"
        );
    }
    // The multiplicities are opened with the model's other tables: an
    // opening inside the lookup is a malformed proof.
    assert!(l.m_open.is_empty());
    let mut p = proof.clone();
    let extra = p.openings[0].open.clone();
    p.lookups[0].logup.m_open.push(extra);
    assert!(matches!(
        ZkSumcheckBackend.verify(&key, &public, &p),
        Err(Error::Malformed { .. })
    ));
}

#[test]
fn lookups_beyond_one_tree_are_split_and_each_part_is_checked() {
    // A bound of 2^4 entries per tree: the MLP's columns need several.
    super::lookups::TEST_TREE_VARS.with(|c| c.set(Some(4)));
    let (q, t) = mlp(&[12, 8, 4], 12);
    let key = setup(&q, &private_input());
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    assert!(proof.lookups.len() > 1, "{} lookups", proof.lookups.len());
    ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
    let u = key.gens.u;
    for k in 0..proof.lookups.len() {
        let mut p = proof.clone();
        let r = &mut p.lookups[k].logup.roots[1];
        *r = (*r + u).to_affine();
        assert!(
            ZkSumcheckBackend.verify(&key, &public, &p).is_err(),
            "lookup {k}"
        );
    }
    let mut p = proof.clone();
    p.lookups.pop();
    assert!(matches!(
        ZkSumcheckBackend.verify(&key, &public, &p),
        Err(Error::Malformed { .. })
    ));
    // The verifier's bound is the model's, never the proof's: a proof made
    // with one tree is refused by a verifier that splits.
    super::lookups::TEST_TREE_VARS.with(|c| c.set(None));
    let (one, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    assert_eq!(one.lookups.len(), 1);
    super::lookups::TEST_TREE_VARS.with(|c| c.set(Some(4)));
    assert!(ZkSumcheckBackend.verify(&key, &public, &one).is_err());
    super::lookups::TEST_TREE_VARS.with(|c| c.set(None));
}

#[test]
fn every_message_has_one_encoding() {
    // Bit 7 of a message's last byte: for a field element it makes the
    // value ≥ 2^255 (not canonical); for a point it is the infinity flag,
    // which halo2curves' decoder ignores beside a nonzero x (the same point
    // from other bytes). Both are refused when decoding, so no bit of an
    // accepted proof can change without changing what it says.
    let (q, t) = mlp(&[12, 8, 4], 8);
    let key = setup(&q, &private_input());
    let (proof, _) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    let (bytes, offsets) = messages(&proof);
    let mut tried = 0;
    for &at in offsets.iter().step_by(offsets.len() / 200 + 1) {
        let mut b = bytes.clone();
        if b[at + 31] & 0x80 != 0 {
            continue; // the point at infinity: the flag is its encoding
        }
        b[at + 31] |= 0x80;
        assert!(
            ZkModelProof::from_bytes(&b).is_err(),
            "message at byte {at} has a second encoding"
        );
        tried += 1;
    }
    assert!(tried > 100, "{tried}");
}

/// The nodes, the lookups and the opening groups run on transcript branches
/// on rayon's threads: the same randomness gives the same bytes on one
/// thread and on several (no message depends on the schedule).
#[test]
fn the_proof_does_not_depend_on_the_thread_count() {
    use rand_core06::SeedableRng;
    let (q, t) = mlp(&[12, 8, 4], 3);
    let key = setup(&q, &private_input());
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut rng = rand_chacha03::ChaCha20Rng::seed_from_u64(11);
            prover::prove(&key, &t, &mut rng).unwrap()
        })
    };
    let (one, public) = on(1);
    let (three, _) = on(3);
    assert_eq!(one.to_bytes(), three.to_bytes());
    ZkSumcheckBackend.verify(&key, &public, &one).unwrap();
}
