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

impl crate::codec::Encode for HyraxCommitment {
    fn encode(&self, w: &mut crate::codec::Writer) {
        w.points(&self.rows);
    }
    fn decode(r: &mut crate::codec::Reader<'_>) -> crate::Result<Self> {
        Ok(Self { rows: r.points()? })
    }
}

impl crate::codec::Encode for DotProductProof {
    fn encode(&self, w: &mut crate::codec::Writer) {
        w.point(&self.delta);
        w.point(&self.beta);
        w.frs(&self.z);
        w.fr(&self.z_delta);
        w.fr(&self.z_beta);
    }
    fn decode(r: &mut crate::codec::Reader<'_>) -> crate::Result<Self> {
        Ok(Self {
            delta: r.point()?,
            beta: r.point()?,
            z: r.frs()?,
            z_delta: r.fr()?,
            z_beta: r.fr()?,
        })
    }
}
