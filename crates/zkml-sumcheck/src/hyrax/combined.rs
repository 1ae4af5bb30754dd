//! One evaluation proof for a linear combination `Σ_k ν_k·f_k` of committed
//! tables in the same number of variables (so the same row layout): the
//! combination's row commitments are `Σ_k ν_k·C_{k,i}` (Pedersen is
//! additively homomorphic), its blinds `Σ_k ν_k·ρ_{k,i}`. The verifier never
//! forms the combined rows: `C_x = Σ_i Σ_k L_i·ν_k·C_{k,i}` is one MSM over
//! every row of every commitment. The statement absorbed before the
//! challenge: every commitment's rows, the `ν_k`, the point, `C_y`.

use rand_core06::{CryptoRng, RngCore};

use super::msg::{DotProductProof, HyraxCommitment};
use super::pedersen::Generators;
use super::prover::{combine_rows, prove_dot_product, CommittedPoly};
use super::split_vars;
use crate::error::{expect_len, reject, Error, Result};
use crate::field::{msm, Curve, Fr, G1Affine};
use crate::mle::eq_table;
use crate::transcript::Transcript;

fn absorb_statement(
    t: &mut Transcript,
    comms: &[(&HyraxCommitment, Fr)],
    point: &[Fr],
    y_com: &G1Affine,
) {
    t.absorb_u64(b"hyrax/combined", comms.len() as u64);
    for (c, nu) in comms {
        t.absorb_points(b"hyrax/rows", &c.rows);
        t.absorb_scalar(b"hyrax/nu", nu);
    }
    t.absorb_scalars(b"hyrax/point", point);
    t.absorb_points(b"hyrax/y_com", std::slice::from_ref(y_com));
}

fn shape(gens: &Generators, num_vars: usize, point: &[Fr]) -> Result<(usize, usize)> {
    if point.len() != num_vars {
        return Err(Error::Invalid(format!(
            "opening a {num_vars}-variable table at a {}-coordinate point",
            point.len()
        )));
    }
    let (nr, nc) = split_vars(num_vars);
    if gens.g.len() < 1 << nc {
        return Err(Error::Invalid(format!(
            "a {num_vars}-variable table needs {} generators, the key has {}",
            1usize << nc,
            gens.g.len()
        )));
    }
    Ok((nr, nc))
}

/// Proves `(Σ_k ν_k·f̃_k)(point) = y` with `y` committed as
/// `C_y = y·U + y_blind·H`; every table has `point.len()` variables.
pub fn prove_eval_combined(
    gens: &Generators,
    polys: &[(&CommittedPoly, Fr)],
    point: &[Fr],
    y_blind: &Fr,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<DotProductProof> {
    let _s = crate::profile::span("hyrax/prove_eval_combined");
    let n = point.len();
    let (_, nc) = shape(gens, n, point)?;
    let width = 1usize << nc;
    if let Some((c, _)) = polys.iter().find(|(c, _)| c.poly.num_vars != n) {
        return Err(Error::Invalid(format!(
            "a combined opening of {n}-variable tables with a {}-variable one",
            c.poly.num_vars
        )));
    }
    let (l, r) = (eq_table(&point[nc..]), eq_table(&point[..nc]));
    let (x, rho_x) = combine_rows(polys, &l, width);
    let y: Fr = x.iter().zip(&r).map(|(a, b)| *a * b).sum();
    let y_com = gens.commit_scalar(&y, y_blind).to_affine();
    let comms: Vec<(&HyraxCommitment, Fr)> = polys.iter().map(|(c, nu)| (&c.comm, *nu)).collect();
    absorb_statement(t, &comms, point, &y_com);
    prove_dot_product(gens, (&x, rho_x), &r, y_blind, t, rng)
}

/// Checks that `Σ_k ν_k·f̃_k` (each commitment a `num_vars`-variable table)
/// evaluates at `point` to the value committed in `y_com`.
pub fn verify_eval_combined(
    gens: &Generators,
    comms: &[(&HyraxCommitment, Fr)],
    num_vars: usize,
    point: &[Fr],
    y_com: &G1Affine,
    proof: &DotProductProof,
    t: &mut Transcript,
) -> Result<()> {
    let _s = crate::profile::span("v/hyrax_eval_combined");
    let (nr, nc) = shape(gens, num_vars, point)?;
    for (c, _) in comms {
        expect_len("hyrax commitment rows", c.rows.len(), 1 << nr)?;
    }
    expect_len("hyrax dot-product response z", proof.z.len(), 1 << nc)?;
    let (l, r) = (eq_table(&point[nc..]), eq_table(&point[..nc]));
    absorb_statement(t, comms, point, y_com);
    t.absorb_points(b"hyrax/delta_beta", &[proof.delta, proof.beta]);
    let ch = t.challenge(b"hyrax/c");
    t.absorb_scalars(b"hyrax/z", &proof.z);

    let mut scalars = Vec::with_capacity(comms.len() << nr);
    let mut bases = Vec::with_capacity(comms.len() << nr);
    for (c, nu) in comms {
        scalars.extend(l.iter().map(|li| *li * nu * ch));
        bases.extend_from_slice(&c.rows);
    }
    let lhs = msm(&scalars, &bases)? + proof.delta;
    let rhs = gens.commit_vec(&proof.z, &proof.z_delta)?;
    if lhs.to_affine() != rhs.to_affine() {
        return Err(reject(
            "hyrax dot product: c·Σ_k ν_k·C_{k,x} + δ = ⟨z, G⟩ + z_δ·H",
            format!("{} combined {num_vars}-variable tables", comms.len()),
        ));
    }
    let zr: Fr = proof.z.iter().zip(&r).map(|(a, b)| *a * b).sum();
    let lhs = *y_com * ch + proof.beta;
    let rhs = gens.commit_scalar(&zr, &proof.z_beta);
    if lhs.to_affine() != rhs.to_affine() {
        return Err(reject(
            "hyrax dot product: c·C_y + β = ⟨z, R⟩·U + z_β·H",
            format!("{} combined {num_vars}-variable tables", comms.len()),
        ));
    }
    Ok(())
}
