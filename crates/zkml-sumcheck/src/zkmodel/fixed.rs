//! The fixed weights' commitment: under public weights, the large constants
//! the verifier would otherwise evaluate from their integers (every conv
//! kernel, every constant operand of a MatMul) are packed in **one**
//! multilinear table `W` ([`Layout`], as the witness is packed in `F`,
//! [`super::packed`]) and committed once, by the setup, with zero blinds;
//! the commitment is part of the verifying key and of its digest.
//!
//! **Why.** A conv's weight sumcheck ends in a claim `w̃(κ)` on its kernel
//! and a MatMul's product sumcheck in a claim on its constant operand. The
//! verifier used to compute them from the weights: `O(|w|)` field work per
//! node, 3.5 M weights for MobileNetV2-224 (about a third of its walk). Now
//! the prover sends `Com(w̃(κ))` as for a hidden kernel, and the claim joins
//! the opening phase ([`super::openings`]) as the claim
//! `Com(W̃(κ ‖ b_k))` on `W` (block `k` the key's layout names): one
//! reduction sumcheck and one Hyrax opening, whose `√|W|` row commitments
//! come from the key and whose generators are `F`'s (one base each in the
//! verifier's MSM, [`crate::zk::deferred`]).
//!
//! **Soundness.** The verifying key is trusted (its digest is the
//! statement's first absorbed value); its `W` commitment is the setup's
//! commitment to the model's own constants, and binds them (discrete log).
//! A claim on `W` at `κ ‖ b_k` is a claim on constant `k` at `κ`, exactly
//! as for `F` ([`super::packed`]). A prover whose tables hold other weights
//! than the key's fails the opening of `W` unless the two weight tables
//! agree at the random point (probability `≤ n/p`). The blinds are zero:
//! the weights are public, and every claim on them is still sent as a
//! hiding commitment `Com(w̃(κ))` (a public value, which hides nothing the
//! verifier could not compute).
//!
//! **Which constants.** A constant read by exactly one node, as a Conv's
//! kernel (input 1; committed in the conv's per-dimension layout,
//! [`crate::model::const_table`]) or as an operand of a MatMul. Biases,
//! the Add/Mul constants and a constant read twice keep the verifier's own
//! evaluation (they are small, or their claims lie in another layout).

use crate::error::Result;
use crate::field::Fr;
use crate::hyrax::{self, CommittedPoly, Generators, HyraxCommitment, RowBlinds};
use crate::mle::Mle;
use crate::model::{const_table, const_vars, hidden_weights};
use zkml_core::backend::Visibility;
use zkml_core::quant::QValueKind;
use zkml_core::{QGraph, QOp};

use super::packed::{Layout, Slot};

/// Whether constant `id` belongs in `W` (when the weights are public): read
/// by one node only, as a Conv's kernel or a MatMul operand.
pub(crate) fn eligible(q: &QGraph, id: usize) -> bool {
    if !matches!(q.values[id].kind, QValueKind::Const(_)) {
        return false;
    }
    let mut readers = q.nodes.iter().filter(|n| n.inputs.contains(&id));
    let (Some(n), None) = (readers.next(), readers.next()) else {
        return false;
    };
    match &n.op {
        QOp::Conv { .. } => n.inputs.get(1) == Some(&id) && n.inputs[0] != id,
        QOp::MatMul { .. } => n.inputs[..2].contains(&id),
        _ => false,
    }
}

/// `W`'s layout for `q` (every [`eligible`] constant; the layout is empty
/// when there is none).
pub(crate) fn layout(q: &QGraph) -> Layout {
    Layout::new(
        (0..q.values.len())
            .filter(|&id| eligible(q, id))
            .map(|id| (Slot::Value(id), const_vars(q, id))),
    )
}

/// `W`'s layout under `vis`: empty when the weights are hidden (their
/// constants have commitments of their own).
pub(crate) fn layout_of(q: &QGraph, vis: &Visibility) -> Layout {
    if hidden_weights(vis) {
        Layout::new([])
    } else {
        layout(q)
    }
}

/// `W` for `layout` from `q`'s constants.
fn table(q: &QGraph, layout: &Layout) -> Result<Option<Mle>> {
    let tables = layout
        .blocks
        .iter()
        .map(|&(s, _, _)| match s {
            Slot::Value(id) => const_table(q, id).map(|t| (s, t)),
            Slot::Aux(_) => unreachable!("W holds constants only"),
        })
        .collect::<Result<Vec<_>>>()?;
    layout.pack(|s| tables.iter().find(|(t, _)| *t == s).map(|(_, m)| m))
}

/// The setup's `W` and its commitment (zero blinds), or `None` when `q`
/// has no such constant under `vis`. With `comm` (a key file's) the
/// commitment is taken as given instead of recomputed.
pub(crate) fn commit(
    gens: &Generators,
    q: &QGraph,
    vis: &Visibility,
    comm: Option<HyraxCommitment>,
) -> Result<Option<CommittedPoly>> {
    let layout = layout_of(q, vis);
    let Some(w) = table(q, &layout)? else {
        return Ok(None);
    };
    let rows = 1usize << hyrax::split_for(w.num_vars, gens.g.len()).0;
    let blinds = RowBlinds(vec![Fr::from(0); rows]);
    match comm {
        Some(comm) => Ok(Some(CommittedPoly {
            poly: w,
            comm,
            blinds,
        })),
        None => {
            let _s = crate::profile::span("setup/commit_fixed");
            hyrax::commit_with_blinds(gens, w, blinds).map(Some)
        }
    }
}

/// Whether `comm` is the commitment `W`'s layout asks for under `vis`:
/// present exactly when the layout packs a constant, with `W`'s row count.
/// (`width`: the key's generator count).
pub(crate) fn shape_ok(
    q: &QGraph,
    vis: &Visibility,
    comm: Option<&HyraxCommitment>,
    width: usize,
) -> bool {
    match (layout_of(q, vis).num_vars, comm) {
        (None, None) => true,
        (Some(n), Some(c)) => c.rows.len() == 1 << hyrax::split_for(n, width).0,
        _ => false,
    }
}

/// `pk` re-keyed to the model `q` (tests: a forger's key): `q`'s constants,
/// its `W` and `W`'s commitment, under `pk`'s digest.
#[cfg(test)]
pub(crate) fn rekey(pk: &mut crate::model::ProvingKey, q: &QGraph) {
    pk.key.q = q.clone();
    pk.fixed_poly = commit(&pk.key.gens, q, &pk.key.visibility, None).unwrap();
    pk.key.fixed = pk.fixed_poly.as_ref().map(|c| c.comm.clone());
}
