//! Thaler's matrix-product protocol.
//!
//! Statement: `C = A·B` for `A` of `m × k`, `B` of `k × n` (padded to powers
//! of two with zeros, which keeps the product). With `a = ⌈log m⌉`,
//! `b = ⌈log k⌉`, `c = ⌈log n⌉` and points written column bits first
//! ([`crate::mle`]):
//!
//! ```text
//! C̃(r_col, r_row) = Σ_{y ∈ {0,1}^b} Ã(y, r_row) · B̃(r_col, y)
//! ```
//!
//! holds as polynomials in `(r_col, r_row)` because both sides are
//! multilinear and agree on the hypercube. Given a claim `v = C̃(r_col, r_row)`
//! the prover tables `A'(y) = Σ_i eq(r_row, i)·A[i, y]` and
//! `B'(y) = Σ_j B[y, j]·eq(r_col, j)` (`O(mk + kn)`), runs the degree-2
//! [`crate::sumcheck`] on `A'·B'` and sends `α = Ã(r_y, r_row)` and
//! `β = B̃(r_col, r_y)`. The verifier checks the sumcheck's final claim
//! equals `α·β` and is left with two claims, `Ã(r_y, r_row) = α` and
//! `B̃(r_col, r_y) = β`, which the caller discharges (a commitment opening, a
//! previous layer, or a direct evaluation when the matrix is public).
//! Soundness error ≤ `2b/p` plus, when `(r_col, r_row)` are random,
//! `(a + c)/p` for `C ≠ A·B` (Schwartz–Zippel on `C̃ − (A·B)~`).
//!
//! [`prove_product`] / [`verify_product`] wrap the layer for a fully public
//! `C = A·B` of executor integers (tests, examples): the transcript absorbs
//! the shapes and `C` before drawing `(r_col, r_row)`.

pub mod msg;
pub mod prover;
pub mod verifier;

pub use msg::{MatMulClaims, MatMulProof, ZkMatMulClaims, ZkMatMulOutput};
pub use prover::{prove, prove_product, prove_zk};
pub use verifier::{verify, verify_product, verify_zk};

use crate::error::{Error, Result};
use crate::field::Fr;
use crate::mle::log2_ceil;
use crate::transcript::Transcript;

/// Matrix dimensions `m × k` times `k × n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatMulDims {
    /// Rows of `A` and `C`.
    pub m: usize,
    /// Inner dimension.
    pub k: usize,
    /// Columns of `B` and `C`.
    pub n: usize,
}

impl MatMulDims {
    /// Variables of a row index of `A`/`C` (`⌈log m⌉`).
    pub fn row_vars(&self) -> usize {
        log2_ceil(self.m)
    }
    /// Variables of the inner index (`⌈log k⌉`): the sumcheck's rounds.
    pub fn inner_vars(&self) -> usize {
        log2_ceil(self.k)
    }
    /// Variables of a column index of `B`/`C` (`⌈log n⌉`).
    pub fn col_vars(&self) -> usize {
        log2_ceil(self.n)
    }

    /// The dimensions of a 2-D product of executor tensors (1-D operands as in
    /// numpy). Batched products are not supported yet: an error says so.
    pub fn of(a_shape: &[usize], b_shape: &[usize]) -> Result<Self> {
        let a2 = if a_shape.len() == 1 {
            vec![1, a_shape[0]]
        } else {
            a_shape.to_vec()
        };
        let b2 = if b_shape.len() == 1 {
            vec![b_shape[0], 1]
        } else {
            b_shape.to_vec()
        };
        if a2.len() != 2 || b2.len() != 2 {
            return Err(Error::Invalid(format!(
                "MatMul {a_shape:?} × {b_shape:?}: only 2-D products are supported by the \
                 sumcheck matmul protocol (no batch dimensions yet)"
            )));
        }
        if a2[1] != b2[0] {
            return Err(Error::Invalid(format!(
                "MatMul {a_shape:?} × {b_shape:?}: inner dimensions differ"
            )));
        }
        Ok(Self {
            m: a2[0],
            k: a2[1],
            n: b2[1],
        })
    }

    pub(crate) fn absorb(&self, t: &mut Transcript) {
        t.absorb_u64(b"matmul/m", self.m as u64);
        t.absorb_u64(b"matmul/k", self.k as u64);
        t.absorb_u64(b"matmul/n", self.n as u64);
    }
}

/// Absorbs the dimensions and a public `C` (row-major), then draws the claim
/// point `(r_col, r_row)`. Shared by both ends of [`verify_product`].
pub(crate) fn absorb_public_c(
    dims: MatMulDims,
    c: &[i64],
    t: &mut Transcript,
) -> (Vec<Fr>, Vec<Fr>) {
    dims.absorb(t);
    let bytes: Vec<u8> = c.iter().flat_map(|x| x.to_le_bytes()).collect();
    t.absorb_bytes(b"matmul/public_c", &bytes);
    let r_col = t.challenges(b"matmul/r_col", dims.col_vars());
    let r_row = t.challenges(b"matmul/r_row", dims.row_vars());
    (r_col, r_row)
}

#[cfg(test)]
mod tests;
