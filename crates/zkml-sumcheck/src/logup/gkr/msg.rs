//! Messages of the zero-knowledge LogUp-GKR lookup: plain data.

use crate::codec::{Encode, Reader, Writer};
use crate::field::G1Affine;
use crate::hyrax::{DotProductProof, HyraxCommitment};
use crate::zk::{ProductProof, ZkSumcheckProof};

/// The prover's messages of one lookup (see the [module doc](super)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkLogUpProof {
    /// Commitment to the multiplicities `m` (table-sized).
    pub m_comm: HyraxCommitment,
    /// `Com(P)`, `Com(Q)`: the witness tree's root.
    pub roots: [G1Affine; 2],
    /// `Com(S)`, `S = Σ_j m_j/(α − T_j)`.
    pub sum_com: G1Affine,
    /// Proof of product `P = S·Q`.
    pub cross: ProductProof,
    /// One committed sumcheck per layer of the witness tree, root first.
    pub witness_layers: Vec<ZkSumcheckProof>,
    /// The table side: `S = Σ_j m(j)·c(j)`, `c_j = 1/(α − T_j)` public.
    pub table_sumcheck: ZkSumcheckProof,
    /// Hyrax opening of `m` at the table sumcheck's point.
    pub m_open: DotProductProof,
    /// `Com(w̃_k(r_{<n_k}))` of every column but the last (the verifier
    /// derives the last from the tree's leaf claim).
    pub column_coms: Vec<G1Affine>,
}

impl Encode for ZkLogUpProof {
    fn encode(&self, w: &mut Writer) {
        self.m_comm.encode(w);
        self.roots.iter().for_each(|p| w.point(p));
        w.point(&self.sum_com);
        self.cross.encode(w);
        w.list(&self.witness_layers);
        self.table_sumcheck.encode(w);
        self.m_open.encode(w);
        w.points(&self.column_coms);
    }
    fn decode(r: &mut Reader<'_>) -> crate::Result<Self> {
        Ok(Self {
            m_comm: HyraxCommitment::decode(r)?,
            roots: [r.point()?, r.point()?],
            sum_com: r.point()?,
            cross: ProductProof::decode(r)?,
            witness_layers: r.list()?,
            table_sumcheck: ZkSumcheckProof::decode(r)?,
            m_open: DotProductProof::decode(r)?,
            column_coms: r.points()?,
        })
    }
}
