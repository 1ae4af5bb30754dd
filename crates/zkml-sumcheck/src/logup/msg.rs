//! LogUp messages and the claim it reduces to: plain data.

use crate::field::Fr;
use crate::hyrax::{DotProductProof, HyraxCommitment};
use crate::sumcheck::SumcheckProof;

/// The prover's messages of one lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogUpProof {
    /// Commitment to the multiplicities `m` (table-sized).
    pub m_comm: HyraxCommitment,
    /// Commitment to `h_i = 1/(α − w_i)`.
    pub h_comm: HyraxCommitment,
    /// Commitment to `g_j = m_j/(α − T_j)`.
    pub g_comm: HyraxCommitment,
    /// `S = Σ_i h_i = Σ_j g_j`.
    pub sum: Fr,
    /// The witness-side sumcheck.
    pub witness_sumcheck: SumcheckProof,
    /// The table-side sumcheck.
    pub table_sumcheck: SumcheckProof,
    /// `h̃(r_w)`, `w̃(r_w)`, `g̃(r_T)`, `m̃(r_T)`.
    pub evals: [Fr; 4],
    /// Hyrax openings of `h` at `r_w`, `g` and `m` at `r_T` (public values).
    pub openings: [DotProductProof; 3],
}

/// What the lookup leaves to its caller: `w̃(point) = value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupClaim {
    /// `r_w`.
    pub point: Vec<Fr>,
    /// `w̃(r_w)`.
    pub value: Fr,
}

impl crate::codec::Encode for LogUpProof {
    fn encode(&self, w: &mut crate::codec::Writer) {
        self.m_comm.encode(w);
        self.h_comm.encode(w);
        self.g_comm.encode(w);
        w.fr(&self.sum);
        self.witness_sumcheck.encode(w);
        self.table_sumcheck.encode(w);
        self.evals.iter().for_each(|e| w.fr(e));
        self.openings.iter().for_each(|o| o.encode(w));
    }
    fn decode(r: &mut crate::codec::Reader<'_>) -> crate::Result<Self> {
        Ok(Self {
            m_comm: HyraxCommitment::decode(r)?,
            h_comm: HyraxCommitment::decode(r)?,
            g_comm: HyraxCommitment::decode(r)?,
            sum: r.fr()?,
            witness_sumcheck: SumcheckProof::decode(r)?,
            table_sumcheck: SumcheckProof::decode(r)?,
            evals: [r.fr()?, r.fr()?, r.fr()?, r.fr()?],
            openings: [
                DotProductProof::decode(r)?,
                DotProductProof::decode(r)?,
                DotProductProof::decode(r)?,
            ],
        })
    }
}

/// The zero-knowledge variant of [`LogUpProof`]: the sum and every claimed
/// value are commitments, the sumchecks are committed sumchecks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkLogUpProof {
    /// Commitment to the multiplicities `m`.
    pub m_comm: HyraxCommitment,
    /// Commitment to `h_i = 1/(α − w_i)`.
    pub h_comm: HyraxCommitment,
    /// Commitment to `g_j = m_j/(α − T_j)`.
    pub g_comm: HyraxCommitment,
    /// `Com(S)`, `S = Σ_i h_i = Σ_j g_j`.
    pub sum_com: crate::field::G1Affine,
    /// The witness-side committed sumcheck.
    pub witness_sumcheck: crate::zk::ZkSumcheckProof,
    /// The table-side committed sumcheck.
    pub table_sumcheck: crate::zk::ZkSumcheckProof,
    /// Hyrax openings of `h` at `r_w`, `g` and `m` at `r_T`, against the
    /// committed values of the sumchecks.
    pub openings: [DotProductProof; 3],
}

/// The zero-knowledge lookup's remaining claim: `Com(w̃(point))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkLookupClaim {
    /// `r_w`.
    pub point: Vec<Fr>,
    /// `Com(w̃(r_w))`.
    pub value_com: crate::field::G1Affine,
}

impl crate::codec::Encode for ZkLogUpProof {
    fn encode(&self, w: &mut crate::codec::Writer) {
        self.m_comm.encode(w);
        self.h_comm.encode(w);
        self.g_comm.encode(w);
        w.point(&self.sum_com);
        self.witness_sumcheck.encode(w);
        self.table_sumcheck.encode(w);
        self.openings.iter().for_each(|o| o.encode(w));
    }
    fn decode(r: &mut crate::codec::Reader<'_>) -> crate::Result<Self> {
        Ok(Self {
            m_comm: HyraxCommitment::decode(r)?,
            h_comm: HyraxCommitment::decode(r)?,
            g_comm: HyraxCommitment::decode(r)?,
            sum_com: r.point()?,
            witness_sumcheck: crate::zk::ZkSumcheckProof::decode(r)?,
            table_sumcheck: crate::zk::ZkSumcheckProof::decode(r)?,
            openings: [
                DotProductProof::decode(r)?,
                DotProductProof::decode(r)?,
                DotProductProof::decode(r)?,
            ],
        })
    }
}
