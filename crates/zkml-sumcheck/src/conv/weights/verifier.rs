//! The weight sumcheck's verifier (equations in the [module doc](super)).
//! It computes `T̃(κ)` itself ([`ConvGeom::t_eval`]) and never calls prover code.

use super::msg::ConvWeightsProof;
use super::ConvGeom;
use crate::error::{reject, Result};
use crate::field::{Field, Fr};
use crate::transcript::Transcript;
use crate::zk::{Checks, Lc, ZkSubClaim, ZkSumcheckProof};

/// What remains after [`verify`]: `w̃(point) = value` in the per-dimension
/// layout (already checked when the weights are known).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightClaim {
    /// `κ`.
    pub point: Vec<Fr>,
    /// The claimed `w̃(κ)`.
    pub value: Fr,
}

/// Checks `proof` for `claim = Σ_k w̃(k)·T̃_{ρ,r}(k)` (`claim` absorbed by
/// the caller); with `w_known` (row-major weights) also `w̃(κ)` itself.
pub fn verify(
    geom: &ConvGeom,
    (rho, r): (&[Fr], &[Fr]),
    claim: &Fr,
    w_known: Option<&[i64]>,
    proof: &ConvWeightsProof,
    t: &mut Transcript,
) -> Result<WeightClaim> {
    let sub = crate::sumcheck::verify(geom.weight_vars(), 2, claim, &proof.sumcheck, t)?;
    let te = geom.t_eval(rho, r, &sub.point)?;
    if sub.value != proof.w_eval * te {
        return Err(reject(
            "conv weight sumcheck final claim: g_last(κ_last) = w̃(κ)·T̃(κ)",
            "the claimed G̃_ρ(r)",
        ));
    }
    if let Some(w) = w_known {
        if geom.weight_eval(w, &sub.point)? != proof.w_eval {
            return Err(reject(
                "conv weights: w̃(κ)",
                "the claimed weight evaluation",
            ));
        }
    }
    t.absorb_scalar(b"conv/w_eval", &proof.w_eval);
    Ok(WeightClaim {
        point: sub.point,
        value: proof.w_eval,
    })
}

/// The committed version of [`verify`]: `claim` is `Com(G̃_ρ(r))` as the
/// caller holds it (bound by the transcript); with `w_known` the weights are
/// a public factor, else the returned claim's `factor_coms[0]` commits to
/// `w̃(κ)` for the caller to open.
#[allow(clippy::too_many_arguments)]
pub fn verify_zk(
    geom: &ConvGeom,
    (rho, r): (&[Fr], &[Fr]),
    claim: &Lc,
    w_known: Option<&[i64]>,
    proof: &ZkSumcheckProof,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<ZkSubClaim> {
    // `T̃(κ)` (and known weights' `w̃(κ)`) on rayon's threads while the
    // caller goes on (`Checks::push_later`).
    let (g, rho, r) = (geom.clone(), rho.to_vec(), r.to_vec());
    let w = w_known.map(<[i64]>::to_vec);
    crate::zk::verify_sumcheck_later(
        geom.weight_vars(),
        &[(Fr::ONE, vec![0, 1])],
        &[w.is_some(), true],
        (claim, || Ok(Fr::ZERO)),
        proof,
        move |k| {
            let mut v = vec![];
            if let Some(w) = &w {
                v.push(g.weight_eval(w, k)?);
            }
            v.push(g.t_eval(&rho, &r, k)?);
            Ok(v)
        },
        t,
        checks,
    )
}

/// `e` with the node named in a rejection's detail.
pub(crate) fn in_node(e: crate::Error, node: &str) -> crate::Error {
    match e {
        crate::Error::Rejected { check, detail } => crate::Error::Rejected {
            check,
            detail: format!("node `{node}`: {detail}"),
        },
        e => e,
    }
}
