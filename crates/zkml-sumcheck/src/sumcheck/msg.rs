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
