//! The closing phases of the zero-knowledge model verifier: which
//! commitment each value's claims are opened against, the batched lookup
//! argument over every registered lookup, and the openings of every pending
//! claim (see the [module doc](super::super)).

use super::{malformed, Pending, Tabs};
use crate::error::{expect_len, reject, Result};
use crate::field::{Field, Fr};
use crate::hyrax::{self, HyraxCommitment};
use crate::logup;
use crate::mle::Mle;
use crate::model::num_vars;
use crate::model::{fn_public, hidden_const, layout_shape, softmax, Key};
use crate::transcript::Transcript;
use crate::zk::{verify_zero, Checks, Lc};
use crate::zkmodel::lookups::{chunks, Column, LookupPlan};
use crate::zkmodel::msg::ZkModelProof;
use crate::zkmodel::openings::{groups, reduce_terms};
use zkml_core::backend::{PublicValues, Vis};
/// Per value, the commitment its claims are opened against: the proof's,
/// or for a hidden constant under private weights the verifying key's
/// (the proof must have none there). Under committed weights the proof's
/// commitments to the constants must hash to the weights commitment the
/// public values show ([`crate::model::key::weights_digest`]).
pub(super) fn value_commitments(
    key: &Key,
    public: &PublicValues,
    proof: &ZkModelProof,
) -> Result<Vec<Option<HyraxCommitment>>> {
    let (q, vis) = (&key.q, &key.visibility);
    expect_len("value commitments", proof.commitments.len(), q.values.len())?;
    let hidden = |id: usize| hidden_const(q, vis, id);
    let mut coms = proof.commitments.clone();
    match vis.weights {
        Vis::Private => {
            for (id, c) in coms.iter_mut().enumerate().filter(|(id, _)| hidden(*id)) {
                if c.is_some() {
                    return Err(malformed("a private constant's commitment in the proof"));
                }
                *c = key.weights[id].clone();
            }
        }
        Vis::Committed => {
            let mine = crate::model::key::weights_digest(
                (0..q.values.len())
                    .filter(|&id| hidden(id))
                    .filter_map(|id| proof.commitments[id].as_ref()),
            );
            if public.commitments.weights != Some(mine) {
                return Err(reject(
                    "the proof's weight commitments hash to the weights commitment of the \
                     public values",
                    format!(
                        "they hash to {mine}, the public values show {:?}",
                        public.commitments.weights
                    ),
                ));
            }
        }
        _ => {}
    }
    if vis.weights != Vis::Committed && public.commitments.weights.is_some() {
        return Err(reject(
            "no weights commitment unless the weights are committed",
            "the public values show one",
        ));
    }
    Ok(coms)
}

/// Limb `hi` of hidden constant `j`'s commitment in the proof.
fn limb_com(proof: &ZkModelProof, j: usize, hi: bool) -> Result<&HyraxCommitment> {
    let l = proof
        .limbs
        .get(j)
        .ok_or_else(|| malformed("weight limbs"))?;
    Ok(if hi { &l.hi } else { &l.lo })
}

/// The hidden weights' limbs (`crate::zkmodel::weight_limbs`), after the
/// walk and before the lookups: their claims, and the constants', go to
/// `pending`.
pub(super) fn verify_limbs<'a>(
    key: &Key,
    (proof, coms): (&'a ZkModelProof, &'a [Option<HyraxCommitment>]),
    pending: &mut Vec<Pending<'a>>,
    t: &mut Transcript,
) -> Result<()> {
    let (c_claims, limb_claims) = crate::zkmodel::weight_limbs::verify(key, &proof.limbs, t)?;
    for (id, point, com) in c_claims {
        let c = coms[id]
            .as_ref()
            .ok_or_else(|| malformed("hidden constant commitment"))?;
        pending.push(Pending::Committed(c, point.len(), point, com));
    }
    for (j, hi, point, com) in limb_claims {
        pending.push(Pending::Committed(
            limb_com(proof, j, hi)?,
            point.len(),
            point,
            com,
        ));
    }
    Ok(())
}

/// The lookup phase (both ends: [`super::lookups`]): `γ`, then one batched
/// lookup over every table of `plan`; every column's claims go to
/// `pending`.
pub(super) fn verify_lookups<'a>(
    key: &Key,
    plan: &LookupPlan,
    (proof, tabs): (&'a ZkModelProof, &Tabs<'a>),
    pending: &mut Vec<Pending<'a>>,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<()> {
    let (q, gens) = (&key.q, &key.gens);
    let coms = tabs.consts;
    let nv = |id: usize| num_vars(&layout_shape(q, id));
    let value = |id: usize, point: Vec<Fr>, com: Lc| tabs.value(id, nv(id), point, com);
    if plan.tables.is_empty() {
        return expect_len("lookup proofs", proof.lookups.len(), 0);
    }
    let chunks = chunks(q, plan)?;
    expect_len("lookup proofs", proof.lookups.len(), chunks.len())?;
    let gamma = t.challenge(b"model/lookups/gamma");
    let gamma_inv = Option::<Fr>::from(gamma.invert()).ok_or_else(|| reject("lookups", "γ = 0"))?;
    let public_tables: Vec<Vec<Fr>> = {
        use rayon::prelude::*;
        let _s = crate::profile::span("v/lookup_tables");
        plan.tables
            .par_iter()
            .map(|(tk, _)| tk.table(q, gamma))
            .collect()
    };
    let mut all_m = vec![];
    for (chunk, lp) in chunks.iter().zip(&proof.lookups) {
        let shape: Vec<(usize, usize)> = chunk.columns.iter().map(|(_, n, k)| (*n, *k)).collect();
        let n_pairs = chunk
            .columns
            .iter()
            .filter(|(c, _, _)| {
                !matches!(
                    c,
                    Column::Plain(_) | Column::AuxSlot(..) | Column::Const(_) | Column::Limb(..)
                )
            })
            .count();
        expect_len("lookup pair commitments", lp.pair_coms.len(), n_pairs)?;
        let sides: Vec<&[Fr]> = chunk
            .tables
            .iter()
            .map(|&k| public_tables[k].as_slice())
            .collect();
        let (claims, m_claims) =
            logup::verify_zk_multi_deferred(gens, &sides, &shape, &lp.logup, t, checks)?;
        all_m.extend(m_claims.into_iter().map(|m| (&lp.logup, m)));
        let mut pairs = lp.pair_coms.iter();
        // w = a + γ·o + e with a public e: C_a sent,
        // C_o = γ^{-1}·(C_w − C_a − e·U).
        let mut pair = |w: &Lc, e: Fr| -> Result<(Lc, Lc)> {
            let a = *pairs
                .next()
                .ok_or_else(|| malformed("lookup pair commitment"))?;
            let mut o = w.scaled(gamma_inv);
            o.add_point(-gamma_inv, a);
            o.u -= e * gamma_inv;
            Ok((a.into(), o))
        };
        for ((c, _, _), cl) in chunk.columns.iter().zip(claims) {
            match *c {
                Column::Plain(Ok(id)) => pending.push(value(id, cl.point, cl.value_com)?),
                Column::Plain(Err(i)) => pending.push(tabs.aux(i, cl.point, cl.value_com)?),
                Column::Fn(i) => {
                    let (a, o) = (q.nodes[i].inputs[0], q.nodes[i].output);
                    let e = fn_public(&q.nodes[i].op, &q.values[o].shape, gamma, &cl.point);
                    let (ca, co) = pair(&cl.value_com, e)?;
                    pending.push(value(a, cl.point.clone(), ca)?);
                    pending.push(value(o, cl.point, co)?);
                }
                Column::MaxPool(i) => {
                    use crate::model::maxpool::lift;
                    let (cd, cs) = pair(&cl.value_com, Fr::ZERO)?;
                    pending.push(tabs.aux(i, lift(&cl.point, Fr::ZERO), cd)?);
                    pending.push(tabs.aux(i, lift(&cl.point, Fr::ONE), cs)?);
                }
                Column::AuxSlot(i, k) => {
                    pending.push(tabs.aux(i, softmax::slot_point(&cl.point, k), cl.value_com)?)
                }
                Column::AuxPair(i, a, o) => {
                    let shape = &q.values[q.nodes[i].output].shape;
                    let e = softmax::pair_public(shape, gamma, &cl.point);
                    let (ca, co) = pair(&cl.value_com, e)?;
                    let (pa, po) = (
                        softmax::slot_point(&cl.point, a),
                        softmax::slot_point(&cl.point, o),
                    );
                    pending.push(tabs.aux(i, pa, ca)?);
                    pending.push(tabs.aux(i, po, co)?);
                }
                // A hidden constant's range check: a claim on its
                // committed table (the key's or the proof's).
                Column::Const(id) => pending.push(Pending::Committed(
                    coms[id]
                        .as_ref()
                        .ok_or_else(|| malformed("hidden constant commitment"))?,
                    crate::model::const_vars(q, id),
                    cl.point,
                    cl.value_com,
                )),
                Column::Limb(id, j, hi) => pending.push(Pending::Committed(
                    limb_com(proof, j, hi)?,
                    crate::model::const_vars(q, id),
                    cl.point,
                    cl.value_com,
                )),
            }
        }
        t.absorb_points(b"model/lookups/pair_coms", &lp.pair_coms);
    }
    // The multiplicities' claims, opened with the model's other tables.
    for (lp, (k, nv, point, com)) in all_m {
        pending.push(Pending::Committed(&lp.m_comm[k], nv, point, com.into()));
    }
    Ok(())
}

/// The opening phase ([`super::openings`]), in the prover's order: the
/// known-value proofs, then one reduction and one combined opening per group
/// of committed tables with the same variables.
pub(super) fn verify_openings(
    gens: &crate::hyrax::Generators,
    pending: &[Pending<'_>],
    proof: &ZkModelProof,
    table: &mut impl FnMut(usize) -> Result<Mle>,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<()> {
    let _s = crate::profile::span("v/openings");
    checks.context("the openings");
    let mut open = vec![];
    let mut kp = proof.known.iter();
    let n_known = pending
        .iter()
        .filter(|p| matches!(p, Pending::Known(..)))
        .count();
    expect_len("known-value proofs", proof.known.len(), n_known)?;
    for p in pending {
        match p {
            Pending::Committed(c, nv, point, com) => open.push((*c, *nv, point, com)),
            Pending::Known(id, point, com) => {
                let v = table(*id)?.evaluate(point)?;
                let mut x = com.clone();
                x.u -= v;
                let z = kp.next().ok_or_else(|| malformed("known-value proof"))?;
                verify_zero(&x, z, t, checks);
            }
        }
    }
    // A table is its commitment (one per committed value or node).
    let gs = groups(open.len(), |j| {
        (open[j].0 as *const HyraxCommitment as usize, open[j].1)
    });
    expect_len("opening batches", proof.openings.len(), gs.len())?;
    // One branch per group (`Transcript::fork`), as the prover's.
    let mut branches = Vec::with_capacity(gs.len());
    for (g, ((n, tabs), b)) in gs.into_iter().zip(&proof.openings).enumerate() {
        let mut tg = t.fork(b"model/open", g as u64);
        let t = &mut tg;
        t.absorb_u64(b"model/open/group", n as u64);
        let total: usize = tabs.iter().map(|(_, v)| v.len()).sum();
        if total == 1 {
            let (c, nv, point, com) = open[tabs[0].1[0]];
            if b.reduce.is_some() {
                return Err(malformed("reduction of a single claim"));
            }
            hyrax::verify_eval_combined(gens, &[(c, Fr::ONE)], nv, point, com, &b.open, t, checks)?;
            branches.push(tg);
            continue;
        }
        let reduce = b
            .reduce
            .as_ref()
            .ok_or_else(|| malformed("opening reduction"))?;
        let mus = t.challenges(b"model/open/mu", total);
        let mut coms = Vec::with_capacity(total);
        let mut points = vec![];
        for (_, idx) in &tabs {
            points.push(idx.iter().map(|&j| open[j].2).collect::<Vec<_>>());
            coms.extend(idx.iter().map(|&j| open[j].3));
        }
        let mut claim = Lc::default();
        for (mu, c) in mus.iter().zip(&coms) {
            claim.add_scaled(c, *mu);
        }
        let (terms, public) = reduce_terms(tabs.len());
        let sub = crate::zk::verify_sumcheck(
            n,
            &terms,
            &public,
            &claim,
            reduce,
            |r| {
                let mut mu = mus.iter();
                Ok(points
                    .iter()
                    .map(|ps| {
                        ps.iter()
                            .map(|p| {
                                *mu.next().unwrap_or(&Fr::ZERO)
                                    * crate::mle::eq_eval(p, r).unwrap_or_default()
                            })
                            .sum()
                    })
                    .collect())
            },
            t,
            checks,
        )?;
        let nus = t.challenges(b"model/open/nu", tabs.len());
        let mut y = Lc::default();
        let mut comms = vec![];
        for (k, (_, idx)) in tabs.iter().enumerate() {
            let f = sub.factor_coms[2 * k].ok_or_else(|| malformed("reduction factor"))?;
            y.add_point(nus[k], f);
            comms.push((open[idx[0]].0, nus[k]));
        }
        hyrax::verify_eval_combined(gens, &comms, n, &sub.point, &y, &b.open, t, checks)?;
        branches.push(tg);
    }
    t.join(b"model/open/groups", branches);
    Ok(())
}
