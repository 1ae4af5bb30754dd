//! The matmul verifier (equations in the [module doc](super)).

use super::msg::{MatMulClaims, MatMulProof};
use super::MatMulDims;
use crate::error::{reject, Error, Result};
use crate::field::{fr_vec, Fr};
use crate::int_eval::PublicTable;
use crate::mle::Mle;
use crate::sumcheck;
use crate::transcript::Transcript;

/// Checks `proof` for the claim `c_value = C̃(r_col, r_row)`; on success
/// returns the claims on `Ã` and `B̃` the caller must discharge.
pub fn verify(
    dims: MatMulDims,
    r_row: &[Fr],
    r_col: &[Fr],
    c_value: &Fr,
    proof: &MatMulProof,
    t: &mut Transcript,
) -> Result<MatMulClaims> {
    if r_row.len() != dims.row_vars() || r_col.len() != dims.col_vars() {
        return Err(Error::Invalid(format!(
            "matmul claim point has {}+{} coordinates, expected {}+{}",
            r_col.len(),
            r_row.len(),
            dims.col_vars(),
            dims.row_vars()
        )));
    }
    let sub = sumcheck::verify(dims.inner_vars(), 2, c_value, &proof.sumcheck, t)?;
    if sub.value != proof.a_eval * proof.b_eval {
        return Err(reject(
            "matmul final claim: g_last(r_last) = α·β",
            format!("{}×{}·{}×{}", dims.m, dims.k, dims.k, dims.n),
        ));
    }
    t.absorb_scalar(b"matmul/a_eval", &proof.a_eval);
    t.absorb_scalar(b"matmul/b_eval", &proof.b_eval);
    Ok(MatMulClaims {
        a_point: [&sub.point[..], r_row].concat(),
        a_value: proof.a_eval,
        b_point: [r_col, &sub.point[..]].concat(),
        b_value: proof.b_eval,
    })
}

/// Verifies the public statement `C = A·B` (all three matrices known to the
/// verifier): evaluates `C̃` at the drawn point, runs [`verify`], and checks
/// both operand claims by evaluating `Ã` and `B̃` directly.
pub fn verify_product(
    a: &zkml_core::ITensor,
    b: &zkml_core::ITensor,
    c: &zkml_core::ITensor,
    proof: &MatMulProof,
    t: &mut Transcript,
) -> Result<()> {
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
    let flat = |x: &zkml_core::ITensor| fr_vec(&x.iter().copied().collect::<Vec<_>>());
    let c_mle = Mle::from_matrix(&fr_vec(&c), dims.m, dims.n)?;
    let c_value = c_mle.evaluate(&[&r_col[..], &r_row[..]].concat())?;
    let claims = verify(dims, &r_row, &r_col, &c_value, proof, t)?;
    let a_mle = Mle::from_matrix(&flat(a), dims.m, dims.k)?;
    if a_mle.evaluate(&claims.a_point)? != claims.a_value {
        return Err(reject("matmul operand claim: Ã(r_y, r_row) = α", "A"));
    }
    let b_mle = Mle::from_matrix(&flat(b), dims.k, dims.n)?;
    if b_mle.evaluate(&claims.b_point)? != claims.b_value {
        return Err(reject("matmul operand claim: B̃(r_col, r_y) = β", "B"));
    }
    Ok(())
}

/// Zero-knowledge variant of [`verify`]: the claim is `claim_com`; a public
/// operand is given as its table (`a_public`, `b_public`: the verifier
/// evaluates it at the sumcheck's point; a fixed weight matrix as its
/// integers, [`crate::int_eval::IntMatrix`]), a hidden one comes back as a
/// commitment for the caller to open. `claim_com` is bound by the
/// transcript already; the group equations go to `checks`.
#[allow(clippy::too_many_arguments)]
pub fn verify_zk(
    dims: MatMulDims,
    point: (&[Fr], &[Fr]),
    a_public: Option<&dyn PublicTable>,
    b_public: Option<&dyn PublicTable>,
    claim_com: &crate::zk::Lc,
    proof: &crate::zk::ZkSumcheckProof,
    t: &mut Transcript,
    checks: &mut crate::zk::Checks,
) -> Result<super::msg::ZkMatMulClaims> {
    let (r_row, r_col) = point;
    if r_row.len() != dims.row_vars() || r_col.len() != dims.col_vars() {
        return Err(Error::Invalid(
            "matmul claim point has the wrong size".into(),
        ));
    }
    let public = [a_public.is_some(), b_public.is_some()];
    let terms = vec![(Fr::from(1), vec![0, 1])];
    let evals = |ry: &[Fr]| -> Result<Vec<Fr>> {
        let mut v = vec![];
        if let Some(a) = a_public {
            v.push(a.evaluate_at(&[ry, r_row].concat())?);
        }
        if let Some(b) = b_public {
            v.push(b.evaluate_at(&[r_col, ry].concat())?);
        }
        Ok(v)
    };
    let sub = crate::zk::verify_sumcheck(
        dims.inner_vars(),
        &terms,
        &public,
        claim_com,
        proof,
        evals,
        t,
        checks,
    )?;
    Ok(super::msg::ZkMatMulClaims {
        a_point: [&sub.point[..], r_row].concat(),
        a_com: sub.factor_coms[0],
        b_point: [r_col, &sub.point[..]].concat(),
        b_com: sub.factor_coms[1],
    })
}
