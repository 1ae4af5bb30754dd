//! Hyrax messages: plain data.

use crate::field::{Fr, G1Affine};

/// A commitment to a multilinear table: one Pedersen commitment per matrix row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HyraxCommitment {
    /// `C_i = Σ_j M[i, j]·G_j + ρ_i·H`, `2^{n_r}` of them.
    pub rows: Vec<G1Affine>,
}

/// Hyrax's proof of dot product: `C_x` and `C_y` commit to `x` and `⟨x, R⟩`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotProductProof {
    /// `δ = ⟨d, G⟩ + r_δ·H`.
    pub delta: G1Affine,
    /// `β = ⟨R, d⟩·U + r_β·H`.
    pub beta: G1Affine,
    /// `z = c·x + d`, one entry per column.
    pub z: Vec<Fr>,
    /// `z_δ = c·ρ_x + r_δ`.
    pub z_delta: Fr,
    /// `z_β = c·ρ_y + r_β`.
    pub z_beta: Fr,
}
