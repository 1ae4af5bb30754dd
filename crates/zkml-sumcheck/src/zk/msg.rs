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

/// One committed round: `Com(g_j(i))` for `i = 0, 2, 3, …, d`. `g_j(1)` is
/// not sent: the verifier forms `C_{j,1} = C_{claim_j} − C_{j,0}`, so
/// `g_j(0) + g_j(1) = claim_j` holds by construction (the committed form of
/// the clear sumcheck's "the verifier infers one evaluation").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkRound {
    /// `C_{j,0}, C_{j,2}, …, C_{j,d}` (`d` points).
    pub evals: Vec<G1Affine>,
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
        w.points(&self.evals);
    }
    fn decode(r: &mut crate::codec::Reader<'_>) -> crate::Result<Self> {
        Ok(Self { evals: r.points()? })
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
        self.final_ok.encode(w);
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
            final_ok: ZeroProof::decode(r)?,
        })
    }
}
