//! Sumcheck messages: plain data.

use crate::field::Fr;

/// One round polynomial `g_j`, by its values at `0, 1, …, d`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundPoly {
    /// `g_j(0), …, g_j(d)`.
    pub evals: Vec<Fr>,
}

/// A sumcheck proof: one round polynomial per variable.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SumcheckProof {
    /// Round `j`'s polynomial.
    pub rounds: Vec<RoundPoly>,
}

impl crate::codec::Encode for SumcheckProof {
    fn encode(&self, w: &mut crate::codec::Writer) {
        w.len(self.rounds.len());
        self.rounds.iter().for_each(|g| w.frs(&g.evals));
    }
    fn decode(r: &mut crate::codec::Reader<'_>) -> crate::Result<Self> {
        let n = r.len(4)?;
        let rounds = (0..n)
            .map(|_| Ok(RoundPoly { evals: r.frs()? }))
            .collect::<crate::Result<_>>()?;
        Ok(Self { rounds })
    }
}
