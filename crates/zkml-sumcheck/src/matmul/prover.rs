//! The matmul prover (equations in the [module doc](super)).

use rayon::prelude::*;

use super::msg::{MatMulClaims, MatMulProof};
use super::MatMulDims;
use crate::error::{Error, Result};
use crate::field::{fr_from_i64, Field, Fr};
use crate::mle::{eq_table, Mle};
use crate::sumcheck::{self, ProductSum};
use crate::transcript::Transcript;

/// Proves `v = C̃(r_col, r_row) = Σ_y Ã(y, r_row)·B̃(r_col, y)` for row-major
/// `a` (`m × k`) and `b` (`k × n`) and returns the proof and the operand claims.
/// The caller has absorbed the claim `v` (or what determines it).
pub fn prove(
    dims: MatMulDims,
    a: &[Fr],
    b: &[Fr],
    r_row: &[Fr],
    r_col: &[Fr],
    t: &mut Transcript,
) -> Result<(MatMulProof, MatMulClaims)> {
    let MatMulDims { m, k, n } = dims;
    if a.len() != m * k || b.len() != k * n {
        return Err(Error::Invalid(format!(
            "matmul {m}×{k} · {k}×{n} given {} and {} values",
            a.len(),
            b.len()
        )));
    }
    if r_row.len() != dims.row_vars() || r_col.len() != dims.col_vars() {
        return Err(Error::Invalid(format!(
            "matmul claim point has {}+{} coordinates, expected {}+{}",
            r_col.len(),
            r_row.len(),
            dims.col_vars(),
            dims.row_vars()
        )));
    }
    let kv = dims.inner_vars();
    let (eq_row, eq_col) = (eq_table(r_row), eq_table(r_col));
    // A'(y) = Σ_i eq(r_row, i)·A[i, y]
    let a_fold: Vec<Fr> = (0..k)
        .into_par_iter()
        .map(|y| (0..m).map(|i| eq_row[i] * a[i * k + y]).sum())
        .collect();
    // B'(y) = Σ_j B[y, j]·eq(r_col, j)
    let b_fold: Vec<Fr> = (0..k)
        .into_par_iter()
        .map(|y| (0..n).map(|j| b[y * n + j] * eq_col[j]).sum())
        .collect();
    let inst = ProductSum::new(
        vec![Mle::padded(a_fold, kv)?, Mle::padded(b_fold, kv)?],
        vec![(Fr::ONE, vec![0, 1])],
    )?;
    let claim = inst.sum();
    let out = sumcheck::prove(inst, &claim, t);
    let (a_eval, b_eval) = (out.factor_evals[0], out.factor_evals[1]);
    t.absorb_scalar(b"matmul/a_eval", &a_eval);
    t.absorb_scalar(b"matmul/b_eval", &b_eval);
    let claims = MatMulClaims {
        a_point: [&out.point[..], r_row].concat(),
        a_value: a_eval,
        b_point: [r_col, &out.point[..]].concat(),
        b_value: b_eval,
    };
    Ok((
        MatMulProof {
            sumcheck: out.proof,
            a_eval,
            b_eval,
        },
        claims,
    ))
}

/// Proves the public statement `C = A·B` for executor integers (see the
/// module doc): absorbs the shapes and `C`, draws `(r_col, r_row)`, and runs
/// [`prove`]. Errors on shapes that do not multiply or give `c`'s shape.
pub fn prove_product(
    a: &zkml_core::ITensor,
    b: &zkml_core::ITensor,
    c: &zkml_core::ITensor,
    t: &mut Transcript,
) -> Result<(MatMulProof, MatMulClaims)> {
    let dims = MatMulDims::of(a.shape(), b.shape())?;
    if c.len() != dims.m * dims.n {
        return Err(Error::Invalid(format!(
            "C has {} entries, A·B has {}×{}",
            c.len(),
            dims.m,
            dims.n
        )));
    }
    let c: Vec<i64> = c.iter().copied().collect();
    let (r_col, r_row) = super::absorb_public_c(dims, &c, t);
    let a: Vec<Fr> = a.iter().map(|&x| fr_from_i64(x)).collect();
    let b: Vec<Fr> = b.iter().map(|&x| fr_from_i64(x)).collect();
    prove(dims, &a, &b, &r_row, &r_col, t)
}

/// Zero-knowledge variant of [`prove`]: the claim `C̃(r_col, r_row)` is held
/// by the verifier only as a commitment `Com(claim)`, the sumcheck is
/// [`crate::zk::prove_sumcheck`], and the operand values come back as
/// openings of committed values (`None` for an operand flagged public, whose
/// table the verifier evaluates itself). Returns the proof, the points of `Ã`
/// and `B̃`, and the operand openings.
#[allow(clippy::too_many_arguments)]
pub fn prove_zk(
    gens: &crate::hyrax::Generators,
    dims: MatMulDims,
    a: &[Fr],
    b: &[Fr],
    point: (&[Fr], &[Fr]),
    public: [bool; 2],
    claim: &crate::zk::Opening,
    t: &mut Transcript,
    rng: &mut (impl rand_core06::RngCore + rand_core06::CryptoRng),
) -> Result<super::msg::ZkMatMulOutput> {
    let (r_row, r_col) = point;
    let MatMulDims { m, k, n } = dims;
    if a.len() != m * k || b.len() != k * n {
        return Err(Error::Invalid(format!(
            "matmul {m}×{k} · {k}×{n} given {} and {} values",
            a.len(),
            b.len()
        )));
    }
    if r_row.len() != dims.row_vars() || r_col.len() != dims.col_vars() {
        return Err(Error::Invalid(
            "matmul claim point has the wrong size".into(),
        ));
    }
    let kv = dims.inner_vars();
    let (eq_row, eq_col) = (eq_table(r_row), eq_table(r_col));
    let a_fold: Vec<Fr> = (0..k)
        .into_par_iter()
        .map(|y| (0..m).map(|i| eq_row[i] * a[i * k + y]).sum())
        .collect();
    let b_fold: Vec<Fr> = (0..k)
        .into_par_iter()
        .map(|y| (0..n).map(|j| b[y * n + j] * eq_col[j]).sum())
        .collect();
    let inst = ProductSum::new(
        vec![Mle::padded(a_fold, kv)?, Mle::padded(b_fold, kv)?],
        vec![(Fr::ONE, vec![0, 1])],
    )?;
    let out = crate::zk::prove_sumcheck(gens, inst, &public, claim, t, rng)?;
    Ok(super::msg::ZkMatMulOutput {
        a_point: [&out.point[..], r_row].concat(),
        b_point: [r_col, &out.point[..]].concat(),
        a: out.factor_openings[0],
        b: out.factor_openings[1],
        proof: out.proof,
    })
}
