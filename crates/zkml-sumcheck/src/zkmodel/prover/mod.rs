//! The zero-knowledge model prover (see the [module doc](super)).

use rand_core06::{CryptoRng, RngCore};
use rayon::prelude::*;

use super::lookups::LookupPlan;
use super::msg::ZkModelProof;
use super::packed::Layout;
use crate::error::Result;
use crate::field::Fr;
use crate::hyrax::CommittedPoly;
use crate::model::{absorb_statement, hidden_const, ProvingKey};
use crate::transcript::Transcript;
use crate::zk::Opening;
use zkml_core::backend::{PublicValues, Vis};
use zkml_core::Trace;

mod closing;
mod nodes;
use closing::{prove_lookups, prove_openings};

/// A claim: which table (a value, or a node's remainder), where, and the opening.
pub(super) type Claim = (Result<usize, usize>, Vec<Fr>, Opening);

/// Proves, in zero knowledge, that `trace` is the executor's run of `key.q`.
pub fn prove(
    key: &ProvingKey,
    trace: &Trace,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ZkModelProof, PublicValues)> {
    prove_inner(key, trace, rng, false)
}

/// [`prove`]; `forge` (tests) commits remainders reduced mod `2^s`, as a
/// cheating prover would for a wrong rescaled output.
pub(crate) fn prove_inner(
    key: &ProvingKey,
    trace: &Trace,
    rng: &mut (impl RngCore + CryptoRng),
    forge: bool,
) -> Result<(ZkModelProof, PublicValues)> {
    let q = &key.q;
    let gens = &key.gens;
    let vis = &key.visibility;
    let hidden = |id: usize| hidden_const(q, vis, id);
    // The fixed weights in `W` are opened, not evaluated (`super::fixed`).
    let fixed_layout = super::fixed::layout_of(q, vis);
    let s = crate::profile::span("prove/tables");
    // (MaxPool: differences and selectors, `crate::model::maxpool`.)
    let (tables, rem_tables) = crate::model::walk::witness(q, trace, forge)?;
    drop(s);
    let mut public = PublicValues::from_trace(q, trace, vis);
    if vis.weights == Vis::Committed {
        public.commitments.weights = Some(crate::model::key::weights_digest(
            key.consts().iter().flatten().map(|c| &c.comm),
        ));
    }
    let mut t = Transcript::new(b"zkml-sumcheck/zkmodel");
    absorb_statement(&mut t, key, &public);
    let s = crate::profile::span("prove/commit_phase");
    // Every unknown value's table and every auxiliary table, packed in one
    // commitment (`super::packed`); hidden constants keep theirs.
    let layout = Layout::of_key(key)?;
    let (committed, packed) = super::packed::commit_phase(
        gens,
        &layout,
        (&tables, &rem_tables),
        (key.consts(), hidden),
        &mut t,
        rng,
    )?;
    drop(s);
    let mut claims: Vec<Claim> = vec![];
    // Hidden weights: their padding is zero (`super::weights`).
    let (padding, pad_claims) = super::weights::prove_padding(key, &mut t, rng)?;
    claims.extend(pad_claims.into_iter().map(|(id, p, o)| (Ok(id), p, o)));
    let plan = LookupPlan::of(key)?;
    // Hidden weights wider than one range table: their limbs (auxiliary
    // tables `nodes + 2j`, `nodes + 2j + 1`, `super::weight_limbs`).
    let mut aux_all: Vec<Option<CommittedPoly>> = vec![None; q.nodes.len()];
    let mut limbs = vec![];
    if super::weight_limbs::limbed(key) {
        let (msgs, polys, c_claims, limb_claims) = super::weight_limbs::prove(key, &mut t, rng)?;
        limbs = msgs;
        aux_all.extend(polys.into_iter().map(Some));
        claims.extend(c_claims.into_iter().map(|(id, p, o)| (Ok(id), p, o)));
        let n = q.nodes.len();
        claims.extend(
            limb_claims
                .into_iter()
                .map(|(j, hi, p, o)| (Err(n + 2 * j + usize::from(hi)), p, o)),
        );
    }
    // Every node, and the batched lookup, on its own transcript branch
    // (`Transcript::fork`), with its own randomness: on rayon's threads.
    let walk = nodes::Walk {
        key,
        trace,
        tables: &tables,
        rem_tables: &rem_tables,
        fixed_layout: &fixed_layout,
    };
    let mut lookup_rng = crate::branch::rng_for(rng);
    let branch_rngs: Vec<_> = (0..q.nodes.len())
        .map(|_| crate::branch::rng_for(rng))
        .collect();
    let mut lookup_t = t.fork(b"model/lookups", 0);
    let hooks = crate::branch::Hooks::capture();
    let (walked, looked) = rayon::join(
        || {
            branch_rngs
                .into_par_iter()
                .enumerate()
                .map(|(i, mut r)| {
                    let _h = hooks.install();
                    let mut tb = t.fork(b"model/node", i as u64);
                    nodes::prove_node(&walk, i, &mut tb, &mut r).map(|o| (o, tb))
                })
                .collect::<Result<Vec<_>>>()
        },
        || {
            let _h = hooks.install();
            let mut lookup_claims = vec![];
            prove_lookups(
                key,
                &plan,
                (&tables, &rem_tables, &aux_all[q.nodes.len()..]),
                &mut lookup_claims,
                &mut lookup_t,
                &mut lookup_rng,
            )
            .map(|(l, m)| (l, m, lookup_claims))
        },
    );
    let (walked, (lookups, m_claims, lookup_claims)) = (walked?, looked?);
    let (mut nodes, mut conv_bias, mut mul_consts, mut branches) = (vec![], vec![], vec![], vec![]);
    for (o, tb) in walked {
        nodes.push(o.proof);
        claims.extend(o.claims);
        conv_bias.extend(o.conv_bias);
        mul_consts.extend(o.mul_consts);
        branches.push(tb);
    }
    claims.extend(lookup_claims);
    branches.push(lookup_t);
    t.join(b"model/branches", branches);
    let _s = crate::profile::span("prove/openings");
    let (openings, known_proofs) = prove_openings(
        gens,
        &claims,
        &m_claims,
        (&committed, &aux_all),
        [
            (packed.as_ref(), &layout),
            (key.fixed_poly.as_ref(), &fixed_layout),
        ],
        &mut t,
        rng,
    )?;
    let proof = ZkModelProof {
        // Private weights' commitments are the verifying key's.
        commitments: committed
            .into_iter()
            .enumerate()
            .map(|(id, c)| c.filter(|_| !(hidden(id) && vis.weights == Vis::Private)))
            .map(|c| c.map(|c| c.comm))
            .collect(),
        packed: packed.map(|c| c.comm),
        nodes,
        lookups,
        openings,
        known: known_proofs,
        padding,
        conv_bias,
        mul_consts,
        limbs,
    };
    if crate::profile::enabled() {
        eprintln!("zkml-sumcheck proof bytes:");
        for (part, b) in proof.size_breakdown() {
            eprintln!("  {part:<60} {b:>9}");
        }
    }
    Ok((proof, public))
}
