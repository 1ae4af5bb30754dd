//! Zero-knowledge building blocks (Hyrax, Wahby et al. 2018, §4): Σ-protocols
//! over Pedersen-committed scalars and a sumcheck whose messages are
//! commitments, used by [`crate::matmul::prove_zk`], [`crate::logup::prove_zk`]
//! and [`crate::zkmodel`].
//!
//! Scalars are committed as `Com(v; ρ) = v·U + ρ·H` with the generators of
//! [`crate::hyrax::Generators`] (no known discrete-log relation between `U`
//! and `H`, so a commitment binds `v` and hides it perfectly).
//!
//! * **Proof of zero** (Schnorr): `X = ρ·H`, i.e. `X` commits to 0.
//!   `A = k·H`; `c`; `s = k + c·ρ`; check `s·H = A + c·X`. Equalities and
//!   linear relations among committed values reduce to it by homomorphism.
//! * **Proof of product**: `C_x, C_y, C_z` commit to `x, y, z = x·y`.
//!   `α = Com(b_1; b_2)`, `β = Com(b_3; b_4)`, `δ = b_1·C_y + b_5·H`; `c`;
//!   `z_1 = b_1 + c·x`, `z_2 = b_2 + c·ρ_x`, `z_3 = b_3 + c·y`,
//!   `z_4 = b_4 + c·ρ_y`, `z_5 = b_5 + c·(ρ_z − ρ_y·x)`; checks
//!   `α + c·C_x = Com(z_1; z_2)`, `β + c·C_y = Com(z_3; z_4)`,
//!   `δ + c·C_z = z_1·C_y + z_5·H`.
//! * **Committed sumcheck**: round `j` sends `C_{j,i} = Com(g_j(i); ρ_{j,i})`
//!   for `i = 0, 2, …, d`; the verifier forms `C_{j,1} = C_{claim_j} − C_{j,0}`
//!   (so `g_j(0) + g_j(1) = claim_j` by construction: `d` points a round and
//!   no proof of zero) and
//!   `C_{claim_{j+1}} = Σ_i L_i(r_j)·C_{j,i}` (Lagrange basis at `0..d`). At the end the prover commits the committed
//!   factors' values `f̃_k(r)`, proves each product of a term with proofs of
//!   product (each product commitment absorbed before its proof), and a
//!   proof of zero for `C_{claim_n} − Σ_t c_t·Π(public)·C_{term_t}`.
//!   Factors the verifier can evaluate itself (`eq`, a public table) are
//!   scalars in that sum. The factor commitments are the caller's to open
//!   (a Hyrax evaluation proof with a committed value, [`crate::hyrax::verify_eval`]).
//!   *Not* one vector commitment per round with a single proof of dot
//!   product for all rounds at the end (tried, 2026-12-02): the rounds on
//!   disjoint generator slices, `Σ_j R_j` opened once, does not bind a round
//!   before its challenge. A prover knows every generator, so a late round
//!   `R_n` can carry a component on round 1's slice, chosen after seeing every
//!   challenge; the opening of the sum then holds a round-1 polynomial picked
//!   last, and one such component satisfies the final linear relation for
//!   any false claim. Each round's values need their own binding before
//!   `r_j` (here: one scalar commitment each) or a proof per round.
//! * **Batched committed sumcheck** ([`batch`]): several such sumchecks of
//!   different sizes and degrees as one, under random weights: `max n_i`
//!   rounds instead of one run each.
//!
//! **Verification in one MSM** ([`deferred`]): the verifier never forms a
//! derived point (`C_{j,1}`, `C_{claim_j}`, the final difference, a caller's
//! claim `2^s·C_y + C_r − o·U`); it keeps each as an [`Lc`] over proof
//! points, and every check above is an equation added to a [`Checks`],
//! tested with all the others in one MSM under random weights at the end of
//! the verification. So the transcript absorbs the messages the prover
//! sends (round and factor commitments, product commitments, first
//! messages) and never a derived point: the statement (`C_claim`, `X`, the
//! three commitments of a product) is the caller's to bind, by absorbing it
//! when it is sent or by forming it from absorbed messages.
//!
//! Simulation: every message is a perfectly hiding commitment or a Σ-protocol
//! response; given the challenges, a simulator picks the commitments and
//! responses uniformly and solves each check for the first message
//! (`A = s·H − c·X`; `α`, `β`, `δ` likewise), which gives the same
//! distribution as the honest prover's, independently of the witness.

pub mod batch;
pub mod deferred;
pub mod msg;
pub mod prover;
pub mod verifier;

pub use deferred::{Checks, Lc};
pub use msg::{ProductProof, ZeroProof, ZkRound, ZkSumcheckProof};
pub use prover::{prove_product, prove_sumcheck, prove_zero, Opening, ZkProverOutput};
pub use verifier::{
    verify_product, verify_sumcheck, verify_sumcheck_later, verify_zero, ZkSubClaim,
};

use crate::field::Fr;
use crate::transcript::Transcript;

/// Absorbs the committed sumcheck's shape (both ends). The claim
/// commitment is the caller's to bind (a sent point absorbed when sent, or
/// one formed from absorbed messages).
pub(crate) fn absorb_statement(t: &mut Transcript, num_vars: usize, degree: usize) {
    t.absorb_u64(b"zk/sumcheck/num_vars", num_vars as u64);
    t.absorb_u64(b"zk/sumcheck/degree", degree as u64);
}

/// The committed factors of each term, in order (`public[k]` marks the
/// factors the verifier evaluates itself). Shared by both ends so the proofs
/// of product line up.
pub(crate) fn committed_factors(terms: &[(Fr, Vec<usize>)], public: &[bool]) -> Vec<Vec<usize>> {
    terms
        .iter()
        .map(|(_, s)| s.iter().copied().filter(|&k| !public[k]).collect())
        .collect()
}

/// Number of proofs of product the final check needs.
pub(crate) fn product_count(terms: &[(Fr, Vec<usize>)], public: &[bool]) -> usize {
    committed_factors(terms, public)
        .iter()
        .map(|c| c.len().saturating_sub(1))
        .sum()
}

#[cfg(test)]
mod tests;
