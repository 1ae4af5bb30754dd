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
    /// `Com(P_w)`, `Com(Q_w)`, `Com(P_t)`, `Com(Q_t)`: the trees' roots.
    pub roots: [G1Affine; 4],
    /// `Com(X)`, `X = P_w·Q_t = P_t·Q_w`.
    pub cross_com: G1Affine,
    /// Proofs of product `X = P_w·Q_t` and `X = P_t·Q_w`.
    pub cross: [ProductProof; 2],
    /// One committed sumcheck per layer of the witness tree, root first.
    pub witness_layers: Vec<ZkSumcheckProof>,
    /// One committed sumcheck per layer of the table tree, root first.
    pub table_layers: Vec<ZkSumcheckProof>,
    /// Hyrax opening of `m` at the table tree's leaf point.
    pub m_open: DotProductProof,
}

impl Encode for ZkLogUpProof {
    fn encode(&self, w: &mut Writer) {
        self.m_comm.encode(w);
        self.roots.iter().for_each(|p| w.point(p));
        w.point(&self.cross_com);
        self.cross.iter().for_each(|p| p.encode(w));
        w.list(&self.witness_layers);
        w.list(&self.table_layers);
        self.m_open.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> crate::Result<Self> {
        Ok(Self {
            m_comm: HyraxCommitment::decode(r)?,
            roots: [r.point()?, r.point()?, r.point()?, r.point()?],
            cross_com: r.point()?,
            cross: [ProductProof::decode(r)?, ProductProof::decode(r)?],
            witness_layers: r.list()?,
            table_layers: r.list()?,
            m_open: DotProductProof::decode(r)?,
        })
    }
}
