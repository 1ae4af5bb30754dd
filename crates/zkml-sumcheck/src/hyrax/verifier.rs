//! The Hyrax evaluation verifier (equations in the [module doc](super)). Its
//! parameters (`num_vars`, generators) come from the caller, never from the proof.

use super::msg::{DotProductProof, HyraxCommitment};
use super::pedersen::Generators;
use super::split_vars;
use crate::error::{expect_len, reject, Error, Result};
use crate::field::{msm, Curve, Fr, G1Affine};
use crate::mle::eq_table;
use crate::transcript::Transcript;

/// Checks that `comm` (a table in `num_vars` variables) evaluates at `point`
/// to the value committed in `y_com = y·U + ρ_y·H`.
pub fn verify_eval(
    gens: &Generators,
    comm: &HyraxCommitment,
    num_vars: usize,
    point: &[Fr],
    y_com: &G1Affine,
    proof: &DotProductProof,
    t: &mut Transcript,
) -> Result<()> {
    let _s = crate::profile::span("v/hyrax_eval");
    let (nr, nc) = split_vars(num_vars);
    let width = 1usize << nc;
    if point.len() != num_vars {
        return Err(Error::Invalid(format!(
            "opening a {num_vars}-variable table at a {}-coordinate point",
            point.len()
        )));
    }
    if gens.g.len() < width {
        return Err(Error::Invalid(format!(
            "a {num_vars}-variable table needs {width} generators, the key has {}",
            gens.g.len()
        )));
    }
    expect_len("hyrax commitment rows", comm.rows.len(), 1 << nr)?;
    expect_len("hyrax dot-product response z", proof.z.len(), width)?;
    let (l, r) = (eq_table(&point[nc..]), eq_table(&point[..nc]));
    super::absorb_statement(t, comm, point, y_com);
    t.absorb_points(b"hyrax/delta_beta", &[proof.delta, proof.beta]);
    let ch = t.challenge(b"hyrax/c");
    t.absorb_scalars(b"hyrax/z", &proof.z);

    let c_x = msm(&l, &comm.rows)?;
    let lhs = c_x * ch + proof.delta;
    let rhs = gens.commit_vec(&proof.z, &proof.z_delta)?;
    if lhs.to_affine() != rhs.to_affine() {
        return Err(reject(
            "hyrax dot product: c·C_x + δ = ⟨z, G⟩ + z_δ·H",
            format!("{num_vars}-variable table"),
        ));
    }
    let zr: Fr = proof.z.iter().zip(&r).map(|(a, b)| *a * b).sum();
    let lhs = *y_com * ch + proof.beta;
    let rhs = gens.commit_scalar(&zr, &proof.z_beta);
    if lhs.to_affine() != rhs.to_affine() {
        return Err(reject(
            "hyrax dot product: c·C_y + β = ⟨z, R⟩·U + z_β·H",
            format!("{num_vars}-variable table"),
        ));
    }
    Ok(())
}

/// [`verify_eval`] for a public value `y` (`C_y = y·U`, the prover's `y_blind = 0`).
pub fn verify_public_eval(
    gens: &Generators,
    comm: &HyraxCommitment,
    num_vars: usize,
    point: &[Fr],
    y: &Fr,
    proof: &DotProductProof,
    t: &mut Transcript,
) -> Result<()> {
    let y_com = gens.commit_scalar(y, &Fr::from(0)).to_affine();
    verify_eval(gens, comm, num_vars, point, &y_com, proof, t)
}
