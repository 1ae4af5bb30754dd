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

/// The zero-knowledge lookup's remaining claim: `Com(w̃(point))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkLookupClaim {
    /// `r_w`.
    pub point: Vec<Fr>,
    /// `Com(w̃(r_w))`, as the verifier holds it: a linear combination of
    /// proof points, never formed ([`crate::zk::deferred`]).
    pub value_com: crate::zk::Lc,
}
