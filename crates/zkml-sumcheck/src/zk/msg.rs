//! Zero-knowledge messages: plain data.

use crate::field::{Fr, G1Affine};

/// Schnorr proof that a point is `ρ·H` (commits to zero).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZeroProof {
    /// `A = k·H`.
    pub a: G1Affine,
    /// `s = k + c·ρ`.
    pub s: Fr,
}

/// Hyrax's proof that `C_z` commits to the product of the values in `C_x`, `C_y`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductProof {
    /// `α = Com(b_1; b_2)`.
    pub alpha: G1Affine,
    /// `β = Com(b_3; b_4)`.
    pub beta: G1Affine,
    /// `δ = b_1·C_y + b_5·H`.
    pub delta: G1Affine,
    /// `z_1, …, z_5`.
    pub z: [Fr; 5],
}

/// One committed round: `Com(g_j(i))` for `i = 0..=d` and the proof that
/// `g_j(0) + g_j(1)` equals the committed claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkRound {
    /// `C_{j,i}`.
    pub evals: Vec<G1Affine>,
    /// Proof of zero for `C_{j,0} + C_{j,1} − C_{claim_j}`.
    pub sum_ok: ZeroProof,
}

/// A committed sumcheck proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkSumcheckProof {
    /// One per variable.
    pub rounds: Vec<ZkRound>,
    /// Commitments to `f̃_k(r)` for the committed (non-public) factors, in factor order.
    pub factor_evals: Vec<G1Affine>,
    /// Partial products of each term's committed factors, with their proofs.
    pub products: Vec<(G1Affine, ProductProof)>,
    /// Proof of zero for `C_{claim_n} − Σ_t c_t·Π(public)·C_{term_t}`.
    pub final_ok: ZeroProof,
}
