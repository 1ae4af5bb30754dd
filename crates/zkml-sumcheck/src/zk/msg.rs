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

/// One committed round: `R_j = Σ_i x_{j,i}·G_{jd+i} + ρ_j·H`, one vector
/// commitment to `x_j = (g_j(0), g_j(2), …, g_j(d))` on the round's own
/// generators (`g_j(1)` is implied; Hyrax §4: the rounds' relations are
/// proved together at the end, [`ChainProof`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkRound {
    /// `R_j`.
    pub com: G1Affine,
}

/// Hyrax's proof of a dot product for the concatenated round vector `x`,
/// committed by `Σ_j R_j`: it shows `⟨a, x⟩ = F − s·claim` for the public
/// `a`, `s` and the final value `F` of the [module doc](super).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainProof {
    /// `δ = Σ_k d_k·G_k + r_δ·H`.
    pub delta: G1Affine,
    /// `β = ⟨a, d⟩·U + r_β·H`.
    pub beta: G1Affine,
    /// `z = c·x + d`.
    pub z: Vec<Fr>,
    /// `z_δ = c·ρ_x + r_δ`.
    pub z_delta: Fr,
    /// `z_β = c·ρ_y + r_β`.
    pub z_beta: Fr,
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
    /// The rounds' relations, the claim and the final value
    /// `Σ_t c_t·Π(public)·C_{term_t}` in one proof.
    pub chain: ChainProof,
}

impl crate::codec::Encode for ZeroProof {
    fn encode(&self, w: &mut crate::codec::Writer) {
        w.point(&self.a);
        w.fr(&self.s);
    }
    fn decode(r: &mut crate::codec::Reader<'_>) -> crate::Result<Self> {
        Ok(Self {
            a: r.point()?,
            s: r.fr()?,
        })
    }
}

impl crate::codec::Encode for ProductProof {
    fn encode(&self, w: &mut crate::codec::Writer) {
        w.point(&self.alpha);
        w.point(&self.beta);
        w.point(&self.delta);
        self.z.iter().for_each(|z| w.fr(z));
    }
    fn decode(r: &mut crate::codec::Reader<'_>) -> crate::Result<Self> {
        Ok(Self {
            alpha: r.point()?,
            beta: r.point()?,
            delta: r.point()?,
            z: [r.fr()?, r.fr()?, r.fr()?, r.fr()?, r.fr()?],
        })
    }
}

impl crate::codec::Encode for ZkRound {
    fn encode(&self, w: &mut crate::codec::Writer) {
        w.point(&self.com);
    }
    fn decode(r: &mut crate::codec::Reader<'_>) -> crate::Result<Self> {
        Ok(Self { com: r.point()? })
    }
}

impl crate::codec::Encode for ChainProof {
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

impl crate::codec::Encode for ZkSumcheckProof {
    fn encode(&self, w: &mut crate::codec::Writer) {
        w.list(&self.rounds);
        w.points(&self.factor_evals);
        w.len(self.products.len());
        for (p, pp) in &self.products {
            w.point(p);
            pp.encode(w);
        }
        self.chain.encode(w);
    }
    fn decode(r: &mut crate::codec::Reader<'_>) -> crate::Result<Self> {
        let rounds = r.list()?;
        let factor_evals = r.points()?;
        let n = r.len(32 * 9)?;
        let products = (0..n)
            .map(|_| Ok((r.point()?, ProductProof::decode(r)?)))
            .collect::<crate::Result<_>>()?;
        Ok(Self {
            rounds,
            factor_evals,
            products,
            chain: ChainProof::decode(r)?,
        })
    }
}
