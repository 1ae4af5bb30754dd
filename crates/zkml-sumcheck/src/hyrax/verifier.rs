//! The Hyrax evaluation verifier (equations in the [module doc](super)). Its
//! parameters (`num_vars`, generators) come from the caller, never from the proof.

use super::msg::{DotProductProof, HyraxCommitment};
use super::pedersen::Generators;
use crate::error::{expect_len, Result};
use crate::field::{Curve, Field, Fr, G1Affine};
use crate::mle::eq_table;
use crate::transcript::Transcript;
use crate::zk::{Checks, Lc};

/// Hyrax's proof of dot product after the statement is absorbed: adds to
/// `checks` the two equations `c·C_x + δ = ⟨z, G⟩ + z_δ·H` and
/// `c·C_y + β = ⟨z, R⟩·U + z_β·H` (`C_x`, `C_y` never formed). The shapes
/// (`z` as long as `R`, within the key's width) are the caller's checks.
pub(crate) fn dot_product_equations(
    c_x: &Lc,
    r: &[Fr],
    y_com: &Lc,
    proof: &DotProductProof,
    t: &mut Transcript,
    checks: &mut Checks,
) {
    t.absorb_points(b"hyrax/delta_beta", &[proof.delta, proof.beta]);
    let ch = t.challenge(b"hyrax/c");
    t.absorb_scalars(b"hyrax/z", &proof.z);
    let mut e = c_x.scaled(ch);
    e.add_point(Fr::ONE, proof.delta);
    e.h -= proof.z_delta;
    let g = proof.z.iter().map(|z| -*z).collect();
    checks.push_with_g("hyrax dot product: c·C_x + δ = ⟨z, G⟩ + z_δ·H", e, g);
    let zr: Fr = proof.z.iter().zip(r).map(|(a, b)| *a * b).sum();
    let mut e = y_com.scaled(ch);
    e.add_point(Fr::ONE, proof.beta);
    e.u -= zr;
    e.h -= proof.z_beta;
    checks.push("hyrax dot product: c·C_y + β = ⟨z, R⟩·U + z_β·H", e);
}

/// Checks that `comm` (a table in `num_vars` variables) evaluates at `point`
/// to the value committed in `y_com = y·U + ρ_y·H` (a standalone opening:
/// the statement, `y_com` included, is absorbed here, and the equations
/// are checked before returning).
pub fn verify_eval(
    gens: &Generators,
    comm: &HyraxCommitment,
    num_vars: usize,
    point: &[Fr],
    y_com: &G1Affine,
    proof: &DotProductProof,
    t: &mut Transcript,
) -> Result<()> {
    let mut checks = Checks::new();
    verify_eval_into(gens, comm, num_vars, point, y_com, proof, t, &mut checks)?;
    checks.finish(gens)
}

/// [`verify_eval`] with its equations added to `checks` (checked with the
/// caller's others).
#[allow(clippy::too_many_arguments)]
pub fn verify_eval_into(
    gens: &Generators,
    comm: &HyraxCommitment,
    num_vars: usize,
    point: &[Fr],
    y_com: &G1Affine,
    proof: &DotProductProof,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<()> {
    let _s = crate::profile::span("v/hyrax_eval");
    let (nr, nc) = super::combined::shape(gens, num_vars, point)?;
    expect_len("hyrax commitment rows", comm.rows.len(), 1 << nr)?;
    expect_len("hyrax dot-product response z", proof.z.len(), 1 << nc)?;
    let (l, r) = (eq_table(&point[nc..]), eq_table(&point[..nc]));
    super::absorb_statement(t, comm, point, y_com);
    let c_x = Lc {
        terms: l.into_iter().zip(comm.rows.iter().copied()).collect(),
        ..Lc::default()
    };
    checks.context(format!("opening of a {num_vars}-variable table"));
    dot_product_equations(&c_x, &r, &Lc::from(*y_com), proof, t, checks);
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
