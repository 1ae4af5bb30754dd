//! Messages of a model proof: plain data.

use crate::field::Fr;
use crate::hyrax::{DotProductProof, HyraxCommitment};
use crate::logup::LogUpProof;
use crate::matmul::MatMulProof;

/// One node's messages (see the [module doc](super) for each relation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeProof {
    /// `y = rshift(x·W, s)`.
    MatMul {
        /// `ỹ(ρ)`.
        y_eval: Fr,
        /// `r̃(ρ)` (absent when `s = 0`).
        r_eval: Option<Fr>,
        /// The product sumcheck for `(x·W)~(ρ)`.
        matmul: MatMulProof,
        /// `r ∈ [0, 2^s)` (absent when `s = 0`).
        r_range: Option<Box<LogUpProof>>,
        /// `y ∈ [−B, B]` (absent when `y` is known to the verifier: a
        /// public output is an integer in range by the verifier's own check).
        y_range: Option<Box<LogUpProof>>,
    },
    /// `o = 2^{k_0}·a ± 2^{k_1}·b`.
    Linear {
        /// `õ(ρ)`.
        out_eval: Fr,
        /// Each non-constant operand's value at `ρ`, in input order.
        operand_evals: Vec<Fr>,
    },
    /// `o = max(a, 0)`.
    Relu {
        /// The lookup of `a + γ·o` in the ReLU table.
        lookup: Box<LogUpProof>,
        /// `ã` at the lookup's point.
        a_eval: Fr,
        /// `õ` at the lookup's point.
        o_eval: Fr,
    },
}

/// A proof that a trace is the executor's run of the key's model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelProof {
    /// Per value of the model: its commitment, `None` for known values.
    pub commitments: Vec<Option<HyraxCommitment>>,
    /// Per node: the commitment to its rescale remainder (`MatMul` with `s > 0`).
    pub remainders: Vec<Option<HyraxCommitment>>,
    /// Per node, in topological order.
    pub nodes: Vec<NodeProof>,
    /// One Hyrax opening per claim on a committed table, in claim order.
    pub openings: Vec<DotProductProof>,
}
