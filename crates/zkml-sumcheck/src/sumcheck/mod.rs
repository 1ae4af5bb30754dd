//! The sumcheck protocol for sums of products of multilinear polynomials.
//!
//! Statement: for multilinear `f_1, …, f_K` in `n` variables and terms
//! `(c_t, S_t)` (a coefficient and a list of factor indices),
//!
//! ```text
//! H = Σ_{x ∈ {0,1}^n} Σ_t c_t · Π_{k ∈ S_t} f_k(x),      degree d = max_t |S_t|.
//! ```
//!
//! Round `j = 0..n` (variable `j`, bit order of [`crate::mle`]): the prover
//! sends `g_j` as its values `g_j(0), …, g_j(d)` where
//! `g_j(X) = Σ_{x_{j+1..}} Σ_t c_t Π_k f_k(r_0, …, r_{j−1}, X, x_{j+1}, …)`.
//! The verifier checks the length is exactly `d + 1` and
//! `g_j(0) + g_j(1) = claim_j` (`claim_0 = H`), absorbs `g_j`, draws `r_j`,
//! and sets `claim_{j+1} = g_j(r_j)`. At the end it holds the point `r` and
//! `claim_n`, which must equal `Σ_t c_t Π_k f̃_k(r)`: the caller checks that
//! against evaluations it gets elsewhere (a commitment opening, the next GKR
//! layer). Soundness error ≤ `n·d/p` (Schwartz–Zippel per round).
//!
//! The transcript absorbs `n`, `d` and `H` before the first round, so a proof
//! is bound to its claim (Jolt #981's class of bugs).

pub mod msg;
pub mod prover;
pub mod verifier;

pub use msg::{RoundPoly, SumcheckProof};
pub use prover::{prove, ProductSum, ProverOutput};
pub use verifier::{verify, SubClaim};

use crate::field::Fr;
use crate::transcript::Transcript;

/// Absorbs the statement's public parameters (shared by both ends).
pub(crate) fn absorb_statement(t: &mut Transcript, num_vars: usize, degree: usize, claim: &Fr) {
    t.absorb_u64(b"sumcheck/num_vars", num_vars as u64);
    t.absorb_u64(b"sumcheck/degree", degree as u64);
    t.absorb_scalar(b"sumcheck/claim", claim);
}

/// `Σ_t c_t Π_{k ∈ S_t} values[k]`: the terms at one point. `None` if a term
/// names a factor index past `values`.
pub fn combine_terms(terms: &[(Fr, Vec<usize>)], values: &[Fr]) -> Option<Fr> {
    let mut acc = Fr::from(0);
    for (c, s) in terms {
        let mut p = *c;
        for &k in s {
            p *= values.get(k)?;
        }
        acc += p;
    }
    Some(acc)
}

#[cfg(test)]
mod tests;
