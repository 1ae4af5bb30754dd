//! The closing phases of the zero-knowledge model prover, the mirror of the
//! verifier's `closing`: the batched lookup over every registered lookup,
//! and the openings of every claim on a committed table (see the
//! [module doc](crate::zkmodel)).

use rand_core06::{CryptoRng, RngCore};
use rayon::prelude::*;

use super::Claim;
use crate::error::{Error, Result};
use crate::field::{Curve, Field, Fr};
use crate::hyrax::{self, CommittedPoly};
use crate::logup;
use crate::mle::Mle;
use crate::model::{softmax, ProvingKey};
use crate::sumcheck::ProductSum;
use crate::transcript::Transcript;
use crate::zk::{prove_zero, Opening, ZeroProof};
use crate::zkmodel::lookups::{chunks, Column, LookupPlan, ZkTableLookup};
use crate::zkmodel::openings::{groups, reduce_terms, OpeningBatch};
use crate::zkmodel::packed::{Layout, Slot};

/// The lookup phase: `γ`, then one batched lookup over every table of
/// `plan` (see [`crate::zkmodel::lookups`]); every column's claims go to `claims`.
pub(super) fn prove_lookups(
    key: &ProvingKey,
    plan: &LookupPlan,
    (tables, aux, limbs): (&[Mle], &[Option<Mle>], &[Option<CommittedPoly>]),
    claims: &mut Vec<Claim>,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Vec<ZkTableLookup>, Vec<logup::gkr::MClaim>)> {
    let (q, gens) = (&key.q, &key.gens);
    let aux_of = |i: usize| {
        aux[i]
            .as_ref()
            .ok_or_else(|| Error::Invalid(format!("node {i} has no auxiliary table")))
    };
    if plan.tables.is_empty() {
        return Ok((vec![], vec![]));
    }
    let gamma = t.challenge(b"model/lookups/gamma");
    let gamma_inv = Option::<Fr>::from(gamma.invert())
        .ok_or_else(|| Error::Invalid("γ = 0 (probability 2^-254); retry".into()))?;
    let public_tables: Vec<Vec<Fr>> = plan
        .tables
        .iter()
        .map(|(tk, _)| tk.table(q, gamma))
        .collect();
    let (mut out, mut all_m) = (vec![], vec![]);
    for chunk in chunks(q, plan)? {
        // Plain columns are borrowed from their tables; pairs are computed.
        let columns: Vec<std::borrow::Cow<[Fr]>> = chunk
            .columns
            .iter()
            .map(|(c, _, _)| match *c {
                Column::Plain(Ok(id)) => Ok(tables[id].evals.as_slice().into()),
                Column::Plain(Err(i)) => Ok(aux_of(i)?.evals.as_slice().into()),
                Column::Fn(i) => {
                    let n = &q.nodes[i];
                    let (a, o) = (&tables[n.inputs[0]], &tables[n.output]);
                    crate::model::fn_column(&n.op, &q.values[n.output].shape, a, o, gamma)
                        .map(Into::into)
                }
                Column::MaxPool(i) => {
                    Ok(crate::model::maxpool::lookup_column(aux_of(i)?, gamma).into())
                }
                Column::AuxSlot(i, k) => Ok(softmax::slot(aux_of(i)?, k)?.evals.into()),
                Column::AuxPair(i, a, o) => {
                    let shape = &q.values[q.nodes[i].output].shape;
                    softmax::pair_column(aux_of(i)?, (a, o), shape, gamma).map(Into::into)
                }
                // The committed table itself (a conv kernel's layout too).
                Column::Const(id) => key
                    .consts()
                    .get(id)
                    .and_then(Option::as_ref)
                    .map(|c| c.poly.evals.as_slice().into())
                    .ok_or_else(|| {
                        Error::Invalid(format!("hidden constant {id} is not committed"))
                    }),
                Column::Limb(_, j, hi) => limbs
                    .get(2 * j + usize::from(hi))
                    .and_then(Option::as_ref)
                    .map(|c| c.poly.evals.as_slice().into())
                    .ok_or_else(|| Error::Invalid(format!("weight limb {j} is not committed"))),
            })
            .collect::<Result<_>>()?;
        let refs: Vec<(&[Fr], usize)> = columns
            .iter()
            .zip(&chunk.columns)
            .map(|(c, (_, _, k))| (c.as_ref(), *k))
            .collect();
        let tabs: Vec<&[Fr]> = chunk
            .tables
            .iter()
            .map(|&k| public_tables[k].as_slice())
            .collect();
        let (logup, col_claims, m_claims) =
            logup::prove_zk_multi_deferred(gens, &tabs, &refs, t, rng)?;
        drop(columns);
        all_m.extend(m_claims);
        let mut pair_coms = vec![];
        // w = a + γ·o + e (e public) at the point: a committed,
        // o = (w − a − e)/γ derived.
        let mut pair = |a_tab: &Mle, pa: Vec<Fr>, w: &Opening, e: Fr, rng: &mut _| -> Result<_> {
            let a_o = Opening::random(a_tab.evaluate(&pa)?, rng);
            pair_coms.push(a_o.commit(gens).to_affine());
            let o_o = Opening {
                value: (w.value - a_o.value - e) * gamma_inv,
                blind: (w.blind - a_o.blind) * gamma_inv,
            };
            Ok((a_o, o_o))
        };
        for ((c, _, _), (pt, w)) in chunk.columns.iter().zip(col_claims) {
            match *c {
                Column::Plain(tg) => claims.push((tg, pt, w)),
                Column::Fn(i) => {
                    let (a, o) = (q.nodes[i].inputs[0], q.nodes[i].output);
                    let e = crate::model::fn_public(&q.nodes[i].op, &q.values[o].shape, gamma, &pt);
                    let (a_o, o_o) = pair(&tables[a], pt.clone(), &w, e, rng)?;
                    claims.push((Ok(a), pt.clone(), a_o));
                    claims.push((Ok(o), pt, o_o));
                }
                Column::MaxPool(i) => {
                    use crate::model::maxpool::lift;
                    let (p0, p1) = (lift(&pt, Fr::ZERO), lift(&pt, Fr::ONE));
                    let (d_o, s_o) = pair(aux_of(i)?, p0.clone(), &w, Fr::ZERO, rng)?;
                    claims.push((Err(i), p0, d_o));
                    claims.push((Err(i), p1, s_o));
                }
                Column::AuxSlot(i, k) => claims.push((Err(i), softmax::slot_point(&pt, k), w)),
                Column::Const(id) => claims.push((Ok(id), pt, w)),
                Column::Limb(_, j, hi) => {
                    claims.push((Err(q.nodes.len() + 2 * j + usize::from(hi)), pt, w))
                }
                Column::AuxPair(i, a, o) => {
                    let shape = &q.values[q.nodes[i].output].shape;
                    let e = softmax::pair_public(shape, gamma, &pt);
                    let (pa, po) = (softmax::slot_point(&pt, a), softmax::slot_point(&pt, o));
                    let (a_o, o_o) = pair(aux_of(i)?, pa.clone(), &w, e, rng)?;
                    claims.push((Err(i), pa, a_o));
                    claims.push((Err(i), po, o_o));
                }
            }
        }
        t.absorb_points(b"model/lookups/pair_coms", &pair_coms);
        out.push(ZkTableLookup { logup, pair_coms });
    }
    Ok((out, all_m))
}

/// The opening phase ([`crate::zkmodel::openings`]): a proof of zero per claim on a
/// known tensor (claim order), then per group of committed tables with the
/// same variables one reduction sumcheck and one combined Hyrax opening. A
/// claim on a packed table is a claim on `F` at `p ‖ b_k`
/// ([`crate::zkmodel::packed`]), a claim on a fixed weight one on `W`
/// ([`crate::zkmodel::fixed`]); its part of the reduction's `E` is built on
/// its block only.
pub(super) fn prove_openings(
    gens: &crate::hyrax::Generators,
    claims: &[Claim],
    m_claims: &[logup::gkr::MClaim],
    (values, aux): (&[Option<CommittedPoly>], &[Option<CommittedPoly>]),
    [(packed, layout), (fixed, fixed_layout)]: [(Option<&CommittedPoly>, &Layout); 2],
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Vec<OpeningBatch>, Vec<ZeroProof>)> {
    let mut known = vec![];
    let mut open: Vec<Open> = vec![];
    for (tg, point, o) in claims {
        let (own, slot, key) = match tg {
            Ok(id) => (values[*id].as_ref(), Slot::Value(*id), (0u8, *id)),
            Err(i) => (aux[*i].as_ref(), Slot::Aux(*i), (1, *i)),
        };
        match (own, packed, layout.block(slot)) {
            (Some(c), _, _) => open.push((key, c, point.clone(), o, None)),
            (None, Some(f), Some((_, off))) => {
                let p = layout.point(slot, point)?;
                open.push(((3, 0), f, p, o, Some((off, point.as_slice()))));
            }
            _ => match (fixed, fixed_layout.block(slot)) {
                (Some(w), Some((_, off))) => {
                    let p = fixed_layout.point(slot, point)?;
                    open.push(((4, 0), w, p, o, Some((off, point.as_slice()))));
                }
                // Known tensor: C − v·U = ρ·H.
                _ => known.push(prove_zero(gens, &o.blind, t, rng)),
            },
        }
    }
    for (k, (c, point, o)) in m_claims.iter().enumerate() {
        open.push(((2, k), c, point.clone(), o, None));
    }
    // One branch per group (`Transcript::fork`), on rayon's threads.
    let gs = groups(open.len(), |j| (open[j].0, open[j].1.poly.num_vars));
    let rngs: Vec<_> = gs.iter().map(|_| crate::branch::rng_for(rng)).collect();
    let hooks = crate::branch::Hooks::capture();
    let done = gs
        .into_par_iter()
        .zip(rngs)
        .enumerate()
        .map(|(g, ((n, tabs), mut rng))| {
            let _h = hooks.install();
            let mut tg = t.fork(b"model/open", g as u64);
            open_group(gens, &open, n, &tabs, &mut tg, &mut rng).map(|b| (b, tg))
        })
        .collect::<Result<Vec<_>>>()?;
    let (batches, branches): (Vec<_>, Vec<_>) = done.into_iter().unzip();
    t.join(b"model/open/groups", branches);
    Ok((batches, known))
}

/// A claim to open: the table's key, its commitment, the point on it, the
/// opening, and for a packed table its offset and own point.
type Open<'a> = (
    (u8, usize),
    &'a CommittedPoly,
    Vec<Fr>,
    &'a Opening,
    Option<(usize, &'a [Fr])>,
);

/// One group of [`prove_openings`] (`n` variables; `tabs`: its tables and
/// their claims, indices into `open`), on its branch `t`: the reduction
/// sumcheck when it has several claims, then one combined Hyrax opening.
fn open_group(
    gens: &crate::hyrax::Generators,
    open: &[Open<'_>],
    n: usize,
    tabs: &[((u8, usize), Vec<usize>)],
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<OpeningBatch> {
    t.absorb_u64(b"model/open/group", n as u64);
    let total: usize = tabs.iter().map(|(_, v)| v.len()).sum();
    if total == 1 {
        // One claim: opened as is (a combination of one table, ν = 1).
        let (_, c, point, o, _) = &open[tabs[0].1[0]];
        let proof = hyrax::prove_eval_combined(gens, &[(*c, Fr::ONE)], point, &o.blind, t, rng)?;
        return Ok(OpeningBatch {
            reduce: None,
            open: proof,
        });
    }
    let mus = t.challenges(b"model/open/mu", total);
    let mut mu = mus.iter();
    let mut claim = Opening {
        value: Fr::ZERO,
        blind: Fr::ZERO,
    };
    let mut factors = Vec::with_capacity(2 * tabs.len());
    for (_, idx) in tabs {
        let mut e = vec![Fr::ZERO; 1 << n];
        for &j in idx {
            let (_, _, point, o, block) = &open[j];
            let m = *mu.next().unwrap_or(&Fr::ZERO);
            claim.value += m * o.value;
            claim.blind += m * o.blind;
            // eq(p ‖ b_k, ·) is zero off block k.
            let (off, p) = block.unwrap_or((0, point.as_slice()));
            for (ei, q) in e[off..].iter_mut().zip(crate::mle::eq_table_scaled(p, m)) {
                *ei += q;
            }
        }
        factors.push(open[idx[0]].1.poly.clone());
        factors.push(Mle::new(e)?);
    }
    let (terms, public) = reduce_terms(tabs.len());
    let out = crate::zk::prove_sumcheck(
        gens,
        ProductSum::new(factors, terms)?,
        &public,
        &claim,
        t,
        rng,
    )?;
    let nus = t.challenges(b"model/open/nu", tabs.len());
    let mut y_blind = Fr::ZERO;
    let mut polys = vec![];
    for (k, (_, idx)) in tabs.iter().enumerate() {
        let f = out.factor_openings[2 * k]
            .ok_or_else(|| Error::Invalid("reduction factor opening".into()))?;
        y_blind += nus[k] * f.blind;
        polys.push((open[idx[0]].1, nus[k]));
    }
    let proof = hyrax::prove_eval_combined(gens, &polys, &out.point, &y_blind, t, rng)?;
    Ok(OpeningBatch {
        reduce: Some(out.proof),
        open: proof,
    })
}
