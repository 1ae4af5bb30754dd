//! The weight sumcheck's messages: plain data.

use crate::field::Fr;
use crate::sumcheck::SumcheckProof;

/// The clear prover's messages for `G̃_ρ(r) = Σ_k w̃(k)·T̃(k)` (the zero-knowledge
/// prover sends a [`crate::zk::ZkSumcheckProof`] instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvWeightsProof {
    /// The degree-2 sumcheck over the weight table's variables.
    pub sumcheck: SumcheckProof,
    /// `w̃(κ)` at the sumcheck's point, in the per-dimension layout.
    pub w_eval: Fr,
}

impl crate::codec::Encode for ConvWeightsProof {
    fn encode(&self, w: &mut crate::codec::Writer) {
        self.sumcheck.encode(w);
        w.fr(&self.w_eval);
    }
    fn decode(r: &mut crate::codec::Reader<'_>) -> crate::Result<Self> {
        Ok(Self {
            sumcheck: SumcheckProof::decode(r)?,
            w_eval: r.fr()?,
        })
    }
}
