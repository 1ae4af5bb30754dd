//! The sumcheck verifier (see the [module doc](super)). It takes `n`, `d` and
//! the claim from its caller, never from the proof.

use super::msg::SumcheckProof;
use crate::error::{expect_len, reject, Result};
use crate::field::Fr;
use crate::transcript::Transcript;
use crate::univariate::interpolate_at;

/// What a successful run reduces the claim to: `Σ_t c_t Π_k f̃_k(point) = value`
/// remains for the caller to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubClaim {
    /// The challenge point `r`.
    pub point: Vec<Fr>,
    /// The expected value of the summand at `r`.
    pub value: Fr,
}

/// Checks `proof` for `Σ_x (degree-d summand)(x) = claim` over `num_vars`
/// variables. Rejects a wrong round count or length ([`crate::Error::Malformed`])
/// and any round with `g(0) + g(1) ≠ claim` ([`crate::Error::Rejected`]).
pub fn verify(
    num_vars: usize,
    degree: usize,
    claim: &Fr,
    proof: &SumcheckProof,
    t: &mut Transcript,
) -> Result<SubClaim> {
    let degree = degree.max(1);
    expect_len("sumcheck round count", proof.rounds.len(), num_vars)?;
    for g in &proof.rounds {
        expect_len("sumcheck round polynomial", g.evals.len(), degree + 1)?;
    }
    super::absorb_statement(t, num_vars, degree, claim);
    let mut claim = *claim;
    let mut point = Vec::with_capacity(num_vars);
    for (j, g) in proof.rounds.iter().enumerate() {
        if g.evals[0] + g.evals[1] != claim {
            return Err(reject(
                "sumcheck round: g(0) + g(1) = claim",
                format!("round {j} of {num_vars}"),
            ));
        }
        t.absorb_scalars(b"sumcheck/round", &g.evals);
        let r = t.challenge(b"sumcheck/r");
        claim = interpolate_at(&g.evals, r);
        point.push(r);
    }
    Ok(SubClaim {
        point,
        value: claim,
    })
}
