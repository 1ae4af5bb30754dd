//! Messages of the zero-knowledge LogUp-GKR lookup: plain data.

use crate::codec::{Encode, Reader, Writer};
use crate::field::G1Affine;
use crate::hyrax::{DotProductProof, HyraxCommitment};
use crate::zk::{ProductProof, ZkSumcheckProof};

/// The prover's messages of one lookup (see the [module doc](super)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkLogUpProof {
    /// Per table: commitment to its multiplicities `m_t` (table-sized).
    pub m_comm: Vec<HyraxCommitment>,
    /// `Com(P)`, `Com(Q)`: the witness tree's root.
    pub roots: [G1Affine; 2],
    /// Per table: `Com(S_t)`, `S_t = Σ_j m_{t,j}/(α − T_{t,j})`.
    pub sum_com: Vec<G1Affine>,
    /// Proof of product `P = (Σ_t S_t)·Q`.
    pub cross: ProductProof,
    /// One committed sumcheck per layer of the witness tree, root first.
    pub witness_layers: Vec<ZkSumcheckProof>,
    /// Per table: `S_t = Σ_j m_t(j)·c_t(j)`, `c_{t,j} = 1/(α − T_{t,j})` public.
    pub table_sumcheck: Vec<ZkSumcheckProof>,
    /// Per table: Hyrax opening of `m_t` at its table sumcheck's point.
    pub m_open: Vec<DotProductProof>,
    /// `Com(w̃_k(r_{<n_k}))` of every column but the last (the verifier
    /// derives the last from the tree's leaf claim).
    pub column_coms: Vec<G1Affine>,
}

impl Encode for ZkLogUpProof {
    fn encode(&self, w: &mut Writer) {
        w.list(&self.m_comm);
        self.roots.iter().for_each(|p| w.point(p));
        w.points(&self.sum_com);
        self.cross.encode(w);
        w.list(&self.witness_layers);
        w.list(&self.table_sumcheck);
        w.list(&self.m_open);
        w.points(&self.column_coms);
    }
    fn decode(r: &mut Reader<'_>) -> crate::Result<Self> {
        Ok(Self {
            m_comm: r.list()?,
            roots: [r.point()?, r.point()?],
            sum_com: r.points()?,
            cross: ProductProof::decode(r)?,
            witness_layers: r.list()?,
            table_sumcheck: r.list()?,
            m_open: r.list()?,
            column_coms: r.points()?,
        })
    }
}
