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
//! * **Committed sumcheck** (Hyrax §4): round `j` sends one vector
//!   commitment `R_j = Σ_i x_{j,i}·G_{jd+i} + ρ_j·H` to
//!   `x_j = (g_j(0), g_j(2), …, g_j(d))`, each round on its own generators
//!   ([`ROUND_GENERATORS`]); `r_j` is drawn after it. `g_j(1)` is never
//!   sent: it is the running claim minus `g_j(0)`, so
//!   `g_j(0) + g_j(1) = claim_j` holds by construction (the committed form
//!   of the clear sumcheck's "the verifier infers one evaluation"), and the
//!   next claim `g_j(r_j) = L_1(r_j)·claim_j + (L_0 − L_1)(r_j)·g_j(0) +
//!   Σ_{i≥2} L_i(r_j)·g_j(i)` (`L` the Lagrange basis at `0..=d`) is linear in
//!   the claim and the sent values. Unrolled, the last claim is
//!   `s·claim + ⟨a, x⟩` with `s = Π_j L_1(r_j)` and block `j` of `a` equal to
//!   `Π_{k>j} L_1(r_k)·(L_0 − L_1, L_2, …, L_d)(r_j)`. At the end the prover
//!   commits the committed factors' values `f̃_k(r)` and proves each product
//!   of a term with proofs of product (each product commitment absorbed
//!   before its proof), which gives the final value
//!   `F = Σ_t c_t·Π(public)·term_t` as a combination `C_F`. Factors the
//!   verifier can evaluate itself (`eq`, a public table) are scalars in that
//!   sum; the factor commitments are the caller's to open (a Hyrax
//!   evaluation proof with a committed value,
//!   [`crate::hyrax::verify_eval`]). **The chain**: one proof of dot product
//!   that `⟨a, x⟩ = F − s·claim =: y` for `x` committed by `Σ_j R_j` (the
//!   rounds lie on disjoint generators, so that is a commitment to the
//!   concatenation) and `y` committed by `C_y = C_F − s·C_claim`:
//!   `δ = Com(d; r_δ)`, `β = Com(⟨a, d⟩; r_β)`; `c`; `z = c·x + d`,
//!   `z_δ = c·Σ_j ρ_j + r_δ`, `z_β = c·ρ_y + r_β`; checks
//!   `c·Σ_j R_j + δ = Σ_k z_k·G_k + z_δ·H` and
//!   `c·C_y + β = ⟨z, a⟩·U + z_β·H`. This is the equation the proof of zero
//!   on `C_{claim_n} − C_F` checked when each value had its own commitment;
//!   the Σ-protocol is special sound, so an accepting prover knows `x` with
//!   `⟨a, x⟩ = y`, and the sumcheck's `n·d/p` follows as before. One point a
//!   round instead of `d`, and two for the chain, is what the verifier's MSM
//!   gains; the prover commits a round from per-generator window tables
//!   ([`crate::hyrax::Generators::commit_short_at`]).
//! * **Batched committed sumcheck** ([`batch`]): several such sumchecks of
//!   different sizes and degrees as one, under random weights: `max n_i`
//!   rounds instead of one run each.
//!
//! **Verification in one MSM** ([`deferred`]): the verifier never forms a
//! derived point (`Σ_j R_j`, `C_y`, the final value's `C_F`, a caller's
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
//! (`A = s·H − c·X`; `α`, `β`, `δ` likewise; the chain's `δ`, `β` from `z`,
//! `z_δ`, `z_β`), which gives the same distribution as the honest prover's,
//! independently of the witness. The rounds' `R_j` are perfectly hiding
//! vector commitments (one fresh blind each), so the round polynomials are
//! as hidden as before, when each value had its own commitment.

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

/// The fewest generators a key has: a committed sumcheck of `n` variables
/// and degree `d` puts round `j` on generators `jd..(j+1)d`, so `n·d` of
/// them (the widest here: LogUp trees of at most 2^24 leaves,
/// degree 3, and node sumchecks of fewer variables; a wider one is refused
/// by name at proving and at verification).
pub const ROUND_GENERATORS: usize = 256;

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
