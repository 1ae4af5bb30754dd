//! Hyrax's transparent, hiding multilinear polynomial commitment
//! (Wahby et al., S&P 2018, §6) on BN254 G1.
//!
//! **Generators.** `G_0, …, G_{W−1}, U, H ∈ G1` are hashed to the curve
//! (try-and-increment over BLAKE2b, [`pedersen::hash_point`]) from a public
//! seed: no trusted setup; nobody knows a discrete-log relation among them
//! ([`pedersen::Generators`]).
//!
//! **Commitment.** A table of `n` variables is a `2^{n_r} × 2^{n_c}` matrix
//! `M` with `n_c = ⌈n/2⌉`, `n_r = ⌊n/2⌋` and `M[i, j] = f[i·2^{n_c} + j]`
//! (so the first `n_c` variables, the low index bits, are the columns; the
//! crate's bit order). Row `i` is committed with a fresh blind `ρ_i`:
//! `C_i = Σ_j M[i, j]·G_j + ρ_i·H`. The commitment is `(C_i)_i`: `√N` points,
//! perfectly hiding, binding under discrete log in G1.
//!
//! **Evaluation.** With `r = (r_c ‖ r_r)`, `L = eq(r_r, ·)` and
//! `R = eq(r_c, ·)`: `f̃(r) = Lᵀ·M·R`. Both ends compute
//! `C_x = Σ_i L_i·C_i`, a commitment to `x = Lᵀ·M` with blind
//! `ρ_x = Σ_i L_i·ρ_i`. The claimed value `y` is itself committed,
//! `C_y = y·U + ρ_y·H` (a public `y` is the case `ρ_y = 0`, which the verifier
//! forms itself). The prover then shows `⟨x, R⟩ = y` by Hyrax's
//! proof of dot product, a Σ-protocol made non-interactive over the
//! transcript:
//!
//! ```text
//! P: d ← F^W, r_δ, r_β ← F;   δ = ⟨d, G⟩ + r_δ·H,   β = ⟨R, d⟩·U + r_β·H
//! c = H(transcript ‖ rows ‖ r ‖ C_y ‖ δ ‖ β)
//! P: z = c·x + d,   z_δ = c·ρ_x + r_δ,   z_β = c·ρ_y + r_β
//! V: c·C_x + δ = ⟨z, G⟩ + z_δ·H   and   c·C_y + β = ⟨z, R⟩·U + z_β·H
//! ```
//!
//! Completeness is by linearity. Special soundness: two accepting transcripts
//! with `c ≠ c'` give `x = (z − z')/(c − c')` and blinds with
//! `C_x = ⟨x, G⟩ + ρ_x·H` and `C_y = ⟨x, R⟩·U + ρ_y·H`, so (DL binding) `C_y`
//! commits to `f̃(r)`. Honest-verifier zero knowledge: given `c`, pick
//! `z, z_δ, z_β` uniformly and solve for `δ, β`: the same distribution, so a
//! proof reveals nothing of `M` beyond `y` (nothing at all when `y` is
//! committed). Proof size `W + 2` scalars and 2 points (`W = 2^{n_c} ≈ √N`).
//!
//! The transcript absorbs the row commitments, the point and `C_y` before `c`,
//! so the challenge binds the statement (the "weak Fiat–Shamir" pitfall).
//! In a combined opening ([`combined`]) `C_y` is formed by the caller from
//! messages absorbed earlier, so it is bound without being absorbed again
//! (the verifier never forms it). The verifier's two equations go to a
//! [`crate::zk::Checks`] ([`verify_eval`] checks them before returning).

pub mod combined;
pub mod msg;
pub mod pedersen;
pub mod prover;
pub mod verifier;

pub use combined::{prove_eval_combined, verify_eval_combined};
pub use msg::{DotProductProof, HyraxCommitment};
pub use pedersen::Generators;
pub use prover::{commit, commit_with_blinds, prove_eval, CommittedPoly, RowBlinds};
pub use verifier::{verify_eval, verify_eval_into, verify_public_eval};

use crate::field::{Fr, G1Affine};
use crate::transcript::Transcript;

/// The balanced matrix shape of an `n`-variable table: `(n_r, n_c)` =
/// (row, column) variables. It sizes a key's generators
/// (`2^{n_c}` of its widest table).
pub fn split_vars(num_vars: usize) -> (usize, usize) {
    (num_vars / 2, num_vars - num_vars / 2)
}

/// Tables of at least `2^16` entries are split column-heavy
/// ([`split_for`]).
pub const COLUMN_HEAVY_FROM: usize = 16;

/// The matrix shape of an `n`-variable table under `width` generators: the
/// balanced [`split_vars`], except that a table of at least
/// 2^[`COLUMN_HEAVY_FROM`] entries takes as many columns as the generators
/// allow. Every row commitment is a base of the verifier's one MSM while
/// the generators are bases anyway, so fewer, wider rows make the verifier
/// cheaper (MobileNetV2-224's fixed weights: 2,048 rows -> 512) at the cost
/// of a longer opening response (`2^{n_c}` scalars). Both ends, and the
/// setup for the key's commitments.
pub fn split_for(num_vars: usize, width: usize) -> (usize, usize) {
    let (_, nc) = split_vars(num_vars);
    let w = width.max(1).ilog2() as usize;
    let nc = if num_vars >= COLUMN_HEAVY_FROM {
        nc.max(w.min(num_vars))
    } else {
        nc
    };
    (num_vars - nc, nc)
}

/// Absorbs the statement of an evaluation proof (both ends).
pub(crate) fn absorb_statement(
    t: &mut Transcript,
    comm: &HyraxCommitment,
    point: &[Fr],
    y_com: &G1Affine,
) {
    t.absorb_points(b"hyrax/rows", &comm.rows);
    t.absorb_scalars(b"hyrax/point", point);
    t.absorb_points(b"hyrax/y_com", std::slice::from_ref(y_com));
}

#[cfg(test)]
mod tests;
