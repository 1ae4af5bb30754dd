//! Matmul messages and the claims the protocol reduces to: plain data.

use crate::field::Fr;
use crate::sumcheck::SumcheckProof;

/// The prover's messages for one product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatMulProof {
    /// The degree-2 sumcheck over the inner index.
    pub sumcheck: SumcheckProof,
    /// `α = Ã(r_y, r_row)`.
    pub a_eval: Fr,
    /// `β = B̃(r_col, r_y)`.
    pub b_eval: Fr,
}

/// What remains to check after the protocol: one evaluation claim per operand
/// (points column bits first, as everywhere in the crate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatMulClaims {
    /// `(r_y ‖ r_row)`: the point of `Ã`.
    pub a_point: Vec<Fr>,
    /// `Ã(a_point)`.
    pub a_value: Fr,
    /// `(r_col ‖ r_y)`: the point of `B̃`.
    pub b_point: Vec<Fr>,
    /// `B̃(b_point)`.
    pub b_value: Fr,
}

impl crate::codec::Encode for MatMulProof {
    fn encode(&self, w: &mut crate::codec::Writer) {
        self.sumcheck.encode(w);
        w.fr(&self.a_eval);
        w.fr(&self.b_eval);
    }
    fn decode(r: &mut crate::codec::Reader<'_>) -> crate::Result<Self> {
        Ok(Self {
            sumcheck: SumcheckProof::decode(r)?,
            a_eval: r.fr()?,
            b_eval: r.fr()?,
        })
    }
}

/// The zero-knowledge prover's output: the proof and the operand claims as
/// openings of committed values.
#[derive(Clone, Debug)]
pub struct ZkMatMulOutput {
    /// The committed sumcheck.
    pub proof: crate::zk::ZkSumcheckProof,
    /// `(r_y ‖ r_row)`.
    pub a_point: Vec<Fr>,
    /// `(r_col ‖ r_y)`.
    pub b_point: Vec<Fr>,
    /// Opening of `Com(Ã(a_point))` (`None` if `A` is public).
    pub a: Option<crate::zk::Opening>,
    /// Opening of `Com(B̃(b_point))` (`None` if `B` is public).
    pub b: Option<crate::zk::Opening>,
}

/// What the zero-knowledge verifier leaves to its caller: the operand points
/// and commitments to the operand values there (`None` for public operands,
/// which the verifier evaluated itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkMatMulClaims {
    /// `(r_y ‖ r_row)`.
    pub a_point: Vec<Fr>,
    /// `Com(Ã(a_point))`.
    pub a_com: Option<crate::field::G1Affine>,
    /// `(r_col ‖ r_y)`.
    pub b_point: Vec<Fr>,
    /// `Com(B̃(b_point))`.
    pub b_com: Option<crate::field::G1Affine>,
}
