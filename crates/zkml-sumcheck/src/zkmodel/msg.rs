//! Messages of a zero-knowledge model proof: plain data.

use crate::field::G1Affine;
use crate::hyrax::{DotProductProof, HyraxCommitment};
use crate::logup::ZkLogUpProof;
use crate::zk::{ZeroProof, ZkSumcheckProof};

/// One node's messages (see the [module doc](super)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZkNodeProof {
    /// `y = rshift(x·W, s)`.
    MatMul {
        /// `Com(ỹ(ρ))`.
        y_com: G1Affine,
        /// `Com(r̃(ρ))` (absent when `s = 0`).
        r_com: Option<G1Affine>,
        /// The committed product sumcheck.
        matmul: ZkSumcheckProof,
        /// `r ∈ [0, 2^s)` (absent when `s = 0`).
        r_range: Option<Box<ZkLogUpProof>>,
        /// `y ∈ [−B, B]` (absent when `y` is known).
        y_range: Option<Box<ZkLogUpProof>>,
    },
    /// `o = 2^{k_0}·a ± 2^{k_1}·b`, or a layout-keeping reshape.
    Linear {
        /// `Com(õ(ρ))`.
        out_com: G1Affine,
        /// `Com` of each non-constant operand at `ρ`.
        operand_coms: Vec<G1Affine>,
        /// `C_o − Σ ±2^k·C_a − c̃(ρ)·U` commits to zero.
        relation: ZeroProof,
    },
    /// `o = max(a, 0)`.
    Relu {
        /// The lookup of `a + γ·o`.
        lookup: Box<ZkLogUpProof>,
        /// `Com(ã)` at the lookup's point.
        a_com: G1Affine,
        /// `Com(õ)` at the lookup's point.
        o_com: G1Affine,
        /// `C_w − C_a − γ·C_o` commits to zero.
        relation: ZeroProof,
    },
    /// The output is a reshape of a known tensor; the verifier computes it.
    Derived,
}

/// A zero-knowledge proof that a trace is the executor's run of the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkModelProof {
    /// Per value: its Hyrax commitment, `None` for known values.
    pub commitments: Vec<Option<HyraxCommitment>>,
    /// Per node: the commitment to its rescale remainder.
    pub remainders: Vec<Option<HyraxCommitment>>,
    /// Per node, in topological order.
    pub nodes: Vec<ZkNodeProof>,
    /// One Hyrax opening per claim on a committed table, in claim order.
    pub openings: Vec<DotProductProof>,
    /// One proof of zero per claim on a known tensor, in claim order.
    pub known: Vec<ZeroProof>,
}
