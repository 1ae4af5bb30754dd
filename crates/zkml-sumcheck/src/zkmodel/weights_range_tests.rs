//! The hidden weights' range check ([`super::weights`], "Width"): the width
//! is the key's and its digest's; a prover who commits a constant with one
//! entry out of range (a MatMul weight, a conv kernel, a conv bias, an Add
//! bias; just past the range or far out of it) and proves everything else
//! honestly is rejected, while the same tables prove under a key that
//! declares a width holding them (so the range check is what rejects);
//! tampered multiplicity commitments and rounds of the range lookup are
//! rejected; constants wider than one range table prove in two limbs, whose
//! ranges and recomposition are checked; wider than two, refused at setup.

use super::lookups::TEST_FORGED_RANGE;
use super::weights_tests::{b, batched, conv_consts, first_const, opts, small_cnn};
use super::*;
use crate::field::{fr_from_i64, Fr};
use crate::model::key::const_table;
use crate::model::{Key, ProvingKey};
use zkml_core::backend::{Backend, PublicValues};
use zkml_core::quant::QValueKind;
use zkml_core::{ITensor, QGraph, Trace};

/// A forger's keys and trace: constant `id` with entry `k` set to `v`,
/// committed under the setup's blinds in place of the setup's table (the
/// verifying key names the forged commitment, as if the forger had run the
/// setup on it), and the model's run on `inputs`.
struct Forged {
    pk: ProvingKey,
    vk: Key,
    t: Trace,
}

fn forge(q: &QGraph, inputs: Vec<ITensor>, id: usize, k: usize, v: i64) -> Forged {
    let (pk, vk) = ZkSumcheckBackend
        .setup(q, &opts(Vis::Private, Vis::Private))
        .unwrap();
    let mut q2 = q.clone();
    if let QValueKind::Const(c) = &mut q2.values[id].kind {
        c.as_slice_mut().unwrap()[k] = v;
    }
    let t = zkml_core::exec::execute_int(&q2, inputs).unwrap();
    let mut bad = pk.clone();
    let c = pk.consts[id].clone().unwrap();
    let tab = const_table(&q2, id).unwrap();
    let c2 = crate::hyrax::commit_with_blinds(&pk.gens, tab, c.blinds.clone()).unwrap();
    bad.key.weights[id] = Some(c2.comm.clone());
    bad.consts[id] = Some(c2);
    bad.key.q = q2;
    let mut vk = vk.clone();
    vk.weights[id] = bad.key.weights[id].clone();
    Forged { pk: bad, vk, t }
}

/// The forger's proof with both ends at width `bits`; `forged` puts that
/// value in the prover's range table in place of its last entry (same
/// size, so the out-of-range entry has a multiplicity).
fn prove_as(f: &Forged, bits: u32, forged: Option<Fr>) -> Result<(ZkModelProof, PublicValues)> {
    let h = (1i64 << (bits - 1)) - 1;
    prove_hooked(f, bits, forged.map(|v| (h, v)))
}

/// [`prove_as`] with the forged table's `(h, v)` given
/// ([`TEST_FORGED_RANGE`]).
fn prove_hooked(
    f: &Forged,
    bits: u32,
    forged: Option<(i64, Fr)>,
) -> Result<(ZkModelProof, PublicValues)> {
    let mut pk = f.pk.clone();
    pk.key.weight_bits = bits;
    TEST_FORGED_RANGE.with(|c| c.set(forged));
    let r = prover::prove(&pk, &f.t, &mut rand_core06::OsRng);
    TEST_FORGED_RANGE.with(|c| c.set(None));
    r
}

fn verifies(f: &Forged, bits: u32, (proof, public): &(ZkModelProof, PublicValues)) -> bool {
    let mut vk = f.vk.clone();
    vk.weight_bits = bits;
    ZkSumcheckBackend.verify(&vk, public, proof).is_ok()
}

/// Constant `id`'s entry `k` at `v` (out of the key's range `bits`): the
/// honest prover refuses, the forged proofs are rejected; for a value a
/// wider key holds, the same tables prove and verify at that width.
fn assert_forgery_rejected(q: &QGraph, inputs: Vec<ITensor>, id: usize, k: usize, v: i64) {
    let f = forge(q, inputs, id, k, v);
    let bits = f.vk.weight_bits;
    assert!((10..16).contains(&bits), "{bits}");
    let what = format!("const `{}`[{k}] = {v}", q.values[id].name);
    let err = prove_as(&f, bits, None).unwrap_err().to_string();
    assert!(err.contains("not in its table"), "{what}: {err}");
    // Same-size table with v in it: the verifier's table lacks it.
    let forged = prove_as(&f, bits, Some(fr_from_i64(v))).unwrap();
    assert!(!verifies(&f, bits, &forged), "{what}: forged table");
    // A wider table on the prover's side (multiplicities for v exist).
    if v.unsigned_abs() < 1 << 15 {
        let wide = prove_as(&f, bits + 1, None).unwrap();
        assert!(!verifies(&f, bits, &wide), "{what}: wider table");
        // Control: a key that declares the wider width accepts the same
        // tables, so the range check alone rejected them above.
        assert!(verifies(&f, bits + 1, &wide), "{what}: control");
    }
}

/// An edit of a proof.
type Edit = Box<dyn Fn(&mut ZkModelProof)>;

/// Each of `edits`, applied alone to `proof`, makes it fail under `vk`.
fn assert_edits_rejected(
    vk: &Key,
    public: &PublicValues,
    proof: &ZkModelProof,
    edits: &[Edit],
    what: &str,
) {
    for (j, e) in edits.iter().enumerate() {
        let mut bad = proof.clone();
        e(&mut bad);
        assert!(
            ZkSumcheckBackend.verify(vk, public, &bad).is_err(),
            "{what} edit {j}"
        );
    }
}

/// `t`'s inputs with column 0 of the first input set to zero (every row).
fn inputs_with_zero(q: &QGraph, t: &Trace) -> Vec<ITensor> {
    let mut xs: Vec<ITensor> = q.inputs.iter().map(|&i| t.values[i].clone()).collect();
    let cols = *xs[0].shape().last().unwrap();
    for (i, x) in xs[0].as_slice_mut().unwrap().iter_mut().enumerate() {
        if i % cols == 0 {
            *x = 0;
        }
    }
    xs
}

#[test]
fn an_out_of_range_matmul_weight_or_add_bias_is_rejected() {
    let (q, t) = batched();
    let (w, _) = first_const(&q);
    let bias = q
        .nodes
        .iter()
        .find(|n| matches!(n.op, zkml_core::QOp::Add { .. }))
        .map(|n| n.inputs[1])
        .unwrap();
    let bits = ZkSumcheckBackend
        .setup(&q, &opts(Vis::Private, Vis::Private))
        .unwrap()
        .1
        .weight_bits;
    let half = 1i64 << (bits - 1);
    // Row 0 of W meets only the zeroed input column 0: the outputs cannot
    // see it, so nothing but the range check catches the entry (even a
    // huge one).
    let zero = inputs_with_zero(&q, &t);
    for v in [half, -half - 1, 1 << 40, -(1 << 40)] {
        assert_forgery_rejected(&q, zero.clone(), w, 3, v);
    }
    let xs: Vec<ITensor> = q.inputs.iter().map(|&i| t.values[i].clone()).collect();
    assert_forgery_rejected(&q, xs, bias, 2, half);
}

#[test]
fn an_out_of_range_conv_kernel_or_bias_is_rejected() {
    let (q, t) = small_cnn();
    let (wk, bs) = conv_consts(&q);
    let xs: Vec<ITensor> = q.inputs.iter().map(|&i| t.values[i].clone()).collect();
    let bits = ZkSumcheckBackend
        .setup(&q, &opts(Vis::Private, Vis::Private))
        .unwrap()
        .1
        .weight_bits;
    let half = 1i64 << (bits - 1);
    assert_forgery_rejected(&q, xs.clone(), wk, 4, half);
    assert_forgery_rejected(&q, xs.clone(), wk, 0, -half - 1);
    assert_forgery_rejected(&q, xs, bs, 1, half);
}

#[test]
fn a_tampered_weight_range_lookup_is_rejected() {
    let (q, t) = crate::model::tests::mlp(&[12, 8, 4], 3);
    for weights in [Vis::Private, Vis::Committed] {
        let be = ZkSumcheckBackend;
        let (pk, vk) = be.setup(&q, &opts(Vis::Public, weights)).unwrap();
        let pk = if weights == Vis::Committed {
            pk.open_weights(&b(5)).unwrap()
        } else {
            pk
        };
        let (proof, public) = prover::prove(&pk, &t, &mut rand_core06::OsRng).unwrap();
        be.verify(&vk, &public, &proof).unwrap();
        // The weights' range is registered last: the last table's
        // multiplicities, table sumcheck and opening are its own.
        fn last(p: &mut ZkModelProof) -> &mut crate::logup::ZkLogUpProof {
            &mut p.lookups.last_mut().unwrap().logup
        }
        let h = vk.gens.h;
        let edits: [Edit; 5] = [
            Box::new(move |p| {
                let r = &mut last(p).m_comm.last_mut().unwrap().rows[0];
                *r = (*r + h).into();
            }),
            Box::new(|p| {
                last(p).m_comm.pop();
            }),
            Box::new(move |p| {
                let e = &mut last(p).table_sumcheck.last_mut().unwrap().rounds[0].evals[0];
                *e = (*e + h).into();
            }),
            Box::new(move |p| {
                let e = &mut last(p).table_sumcheck.last_mut().unwrap().rounds[1].evals[1];
                *e = (*e + h).into();
            }),
            Box::new(move |p| {
                let s = last(p).sum_com.last_mut().unwrap();
                *s = (*s + h).into();
            }),
        ];
        // The constants' commitments (private: the key's) stay; a
        // committed weight's commitment tampered in the proof is rejected
        // by the digest already, so only the lookup is edited here.
        assert_edits_rejected(&vk, &public, &proof, &edits, &format!("{weights:?}"));
        // The number of range tables: one more than without hidden weights.
        let (pk_f, _) = be.setup(&q, &opts(Vis::Public, Vis::Fixed)).unwrap();
        let (pf, _) = prover::prove(&pk_f, &t, &mut rand_core06::OsRng).unwrap();
        let tables =
            |p: &ZkModelProof| -> usize { p.lookups.iter().map(|l| l.logup.m_comm.len()).sum() };
        assert_eq!(tables(&proof), tables(&pf) + 1);
    }
}

#[test]
fn the_width_is_in_the_key_and_wide_constants_are_refused() {
    let (q, t) = crate::model::tests::mlp(&[12, 8, 4], 3);
    let be = ZkSumcheckBackend;
    let (pk, vk) = be.setup(&q, &opts(Vis::Public, Vis::Private)).unwrap();
    assert_eq!(vk.weight_bits, weights::weight_bits(&q, &vk.visibility));
    assert!(vk.weight_bits >= weights::MIN_WEIGHT_BITS);
    let (_, vk_fixed) = be.setup(&q, &opts(Vis::Public, Vis::Fixed)).unwrap();
    assert_eq!(vk_fixed.weight_bits, 0);
    let (proof, public) = be.prove(&pk, &q, &t).unwrap();
    // Through bytes; the width byte is the file's last but one (then the
    // fixed weights' commitment tag: none under hidden weights).
    let bytes = be.verifying_key_to_bytes(&vk).unwrap();
    let back = be.verifying_key_from_bytes(&bytes).unwrap();
    assert_eq!(back.weight_bits, vk.weight_bits);
    be.verify(&back, &public, &proof).unwrap();
    let n = bytes.len();
    assert_eq!(bytes[n - 1], 0, "no fixed weights' commitment");
    for (w, ok) in [(vk.weight_bits + 1, true), (9, false), (33, false)] {
        let mut b2 = bytes.clone();
        b2[n - 2] = w as u8;
        match Key::from_bytes(&b2) {
            // Another width, another digest: the proof is not for it.
            Ok(k) => {
                assert!(ok, "width {w} read");
                assert_ne!(k.digest, vk.digest);
                assert!(be.verify(&k, &public, &proof).is_err());
            }
            Err(e) => assert!(!ok && e.to_string().contains("width"), "{e}"),
        }
    }
    // A constant wider than two limbs: refused at setup, by name.
    let mut q2 = q.clone();
    let (w, _) = first_const(&q2);
    if let QValueKind::Const(c) = &mut q2.values[w].kind {
        c.as_slice_mut().unwrap()[0] = 1 << 32;
    }
    let err = be
        .setup(&q2, &opts(Vis::Public, Vis::Private))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("34 bits") && err.contains(&q2.values[w].name) && err.contains("32"),
        "{err}"
    );
    // Fixed weights of any width still prove.
    be.setup(&q2, &opts(Vis::Public, Vis::Fixed)).unwrap();
}

#[test]
fn wide_hidden_weights_prove_in_two_limbs_and_out_of_range_ones_are_rejected() {
    use super::weight_limbs::TEST_CLAMP_HI;
    let (q, t) = batched();
    let (w, _) = first_const(&q);
    let zero = inputs_with_zero(&q, &t);
    // An honest model with a 18-bit weight (row 0 meets the zeroed column).
    let f = forge(&q, zero.clone(), w, 3, 1 << 16);
    let be = ZkSumcheckBackend;
    for weights in [Vis::Private, Vis::Committed] {
        let (pk, vk) = be.setup(&f.pk.q, &opts(Vis::Private, weights)).unwrap();
        assert_eq!(vk.weight_bits, 18);
        let pk = if weights == Vis::Committed {
            pk.open_weights(&b(2)).unwrap()
        } else {
            pk
        };
        let (proof, public) = prover::prove(&pk, &f.t, &mut rand_core06::OsRng).unwrap();
        assert_eq!(proof.limbs.len(), 4, "one pair of limbs per constant");
        be.verify(&vk, &public, &proof).unwrap();
        let proof = ZkModelProof::from_bytes(&proof.to_bytes()).unwrap();
        be.verify(&vk, &public, &proof).unwrap();
        // Tampered limbs.
        let h = vk.gens.h;
        let edits: [Edit; 5] = [
            Box::new(move |p| p.limbs[0].c_com = (p.limbs[0].c_com + h).into()),
            Box::new(move |p| p.limbs[1].hi_com = (p.limbs[1].hi_com + h).into()),
            Box::new(move |p| p.limbs[0].lo.rows[0] = (p.limbs[0].lo.rows[0] + h).into()),
            Box::new(move |p| p.limbs[2].hi.rows[0] = (p.limbs[2].hi.rows[0] + h).into()),
            Box::new(|p| {
                p.limbs.pop();
            }),
        ];
        assert_edits_rejected(&vk, &public, &proof, &edits, &format!("{weights:?}"));
    }
    // Out of a declared 18-bit range: 2^17 has the high limb 2, out of
    // [−2, 2). The honest prover refuses; a forger whose high-limb table
    // holds 2 in place of 1 is rejected; a key declaring 19 bits accepts
    // the same tables (so the limbs' range check rejected them).
    let f = forge(&q, zero.clone(), w, 3, 1 << 17);
    assert!(prove_hooked(&f, 18, None).is_err());
    let forged = prove_hooked(&f, 18, Some((1, fr_from_i64(2)))).unwrap();
    assert!(!verifies(&f, 18, &forged));
    let wide = prove_hooked(&f, 19, None).unwrap();
    assert!(!verifies(&f, 18, &wide));
    assert!(verifies(&f, 19, &wide), "control");
    // Limbs in range that do not add up to the constant (the high limb
    // clamped): the relation at τ rejects them.
    TEST_CLAMP_HI.with(|c| c.set(true));
    let split = prove_hooked(&f, 18, None);
    TEST_CLAMP_HI.with(|c| c.set(false));
    assert!(!verifies(&f, 18, &split.unwrap()));
}
