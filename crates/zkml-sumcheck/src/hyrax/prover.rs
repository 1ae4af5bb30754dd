//! The Hyrax committer and evaluation prover (equations in the [module doc](super)).

use rand_core06::{CryptoRng, RngCore};
use rayon::prelude::*;

use super::msg::{DotProductProof, HyraxCommitment};
use super::pedersen::Generators;
use super::split_for;
use crate::error::{Error, Result};
use crate::field::{msm_signed, Curve, Field, Fr, G1Affine, G1};
use crate::mle::{eq_table, Mle};
use crate::transcript::Transcript;

/// The secret row blinds `ρ_i` of a commitment (the opening, with the table).
#[derive(Clone, PartialEq, Eq)]
pub struct RowBlinds(pub Vec<Fr>);

impl std::fmt::Debug for RowBlinds {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RowBlinds(<{} secrets>)", self.0.len())
    }
}

/// A committed table with everything its prover needs to open it.
#[derive(Clone, Debug)]
pub struct CommittedPoly {
    /// The table.
    pub poly: Mle,
    /// The public commitment.
    pub comm: HyraxCommitment,
    /// The secret row blinds.
    pub blinds: RowBlinds,
}

fn check_width(gens: &Generators, num_vars: usize) -> Result<usize> {
    let width = 1usize << split_for(num_vars, gens.g.len()).1;
    if gens.g.len() < width {
        return Err(Error::Invalid(format!(
            "a {num_vars}-variable table needs {width} generators, the key has {}",
            gens.g.len()
        )));
    }
    Ok(width)
}

/// Commits to `poly` row by row with fresh blinds from `rng`.
pub fn commit(
    gens: &Generators,
    poly: Mle,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<CommittedPoly> {
    let width = check_width(gens, poly.num_vars)?;
    let blinds: Vec<Fr> = (0..poly.evals.len() / width)
        .map(|_| Fr::random(&mut *rng))
        .collect();
    commit_with_blinds(gens, poly, RowBlinds(blinds))
}

/// Commits to `poly` row by row with the given blinds (one per row of its
/// matrix; [`split_for`]): what a commitment made at setup from a secret
/// seed uses, so that it can be recomputed.
pub fn commit_with_blinds(
    gens: &Generators,
    poly: Mle,
    RowBlinds(blinds): RowBlinds,
) -> Result<CommittedPoly> {
    let _s = crate::profile::span("hyrax/commit");
    let width = check_width(gens, poly.num_vars)?;
    if blinds.len() != poly.evals.len() / width {
        return Err(Error::Invalid(format!(
            "{} row blinds for a table of {} rows",
            blinds.len(),
            poly.evals.len() / width
        )));
    }
    let proj: Vec<G1> = poly
        .evals
        .par_chunks(width)
        .zip(&blinds)
        // Zero entries add nothing (lookup multiplicities, activations after
        // ReLU); small signed integers take the short MSM (`msm_signed`).
        .map(|(row, b)| Ok(msm_signed(row, &gens.g[..row.len()])? + gens.blind(b)))
        .collect::<Result<_>>()?;
    let mut rows = vec![G1Affine::default(); proj.len()];
    G1::batch_normalize(&proj, &mut rows);
    Ok(CommittedPoly {
        poly,
        comm: HyraxCommitment { rows },
        blinds: RowBlinds(blinds),
    })
}

/// `x = Σ_k ν_k·Lᵀ·M_k` and `ρ_x = Σ_k ν_k·Σ_i L_i·ρ_{k,i}`: the row
/// combination an evaluation proof opens (one table is `ν = 1`). Every table
/// has `width`-entry rows and at least `l.len()` of them.
pub(crate) fn combine_rows(
    polys: &[(&CommittedPoly, Fr)],
    l: &[Fr],
    width: usize,
) -> (Vec<Fr>, Fr) {
    let mut x = vec![Fr::ZERO; width];
    let mut rho_x = Fr::ZERO;
    for (c, nu) in polys {
        for (li, row) in l.iter().zip(c.poly.evals.chunks(width)) {
            let w = *li * nu;
            for (xj, m) in x.iter_mut().zip(row) {
                *xj += w * m;
            }
        }
        rho_x += *nu * l.iter().zip(&c.blinds.0).map(|(a, b)| *a * b).sum::<Fr>();
    }
    (x, rho_x)
}

/// Hyrax's proof of dot product after the statement is absorbed: `C_x`
/// commits to `x` with blind `rho_x`, `C_y` to `⟨x, R⟩` with `y_blind`
/// (equations in the [module doc](super)).
pub(crate) fn prove_dot_product(
    gens: &Generators,
    (x, rho_x): (&[Fr], Fr),
    r: &[Fr],
    y_blind: &Fr,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<DotProductProof> {
    let d: Vec<Fr> = (0..x.len()).map(|_| Fr::random(&mut *rng)).collect();
    let (r_delta, r_beta) = (Fr::random(&mut *rng), Fr::random(&mut *rng));
    let delta = gens.commit_vec(&d, &r_delta)?.to_affine();
    let rd: Fr = r.iter().zip(&d).map(|(a, b)| *a * b).sum();
    let beta = gens.commit_scalar(&rd, &r_beta).to_affine();
    t.absorb_points(b"hyrax/delta_beta", &[delta, beta]);
    let ch = t.challenge(b"hyrax/c");
    let z = x.iter().zip(&d).map(|(xi, di)| ch * xi + di).collect();
    let proof = DotProductProof {
        delta,
        beta,
        z,
        z_delta: ch * rho_x + r_delta,
        z_beta: ch * y_blind + r_beta,
    };
    t.absorb_scalars(b"hyrax/z", &proof.z);
    Ok(proof)
}

/// Proves `f̃(point) = y` for the committed table, with `y` committed as
/// `C_y = y·U + y_blind·H` (`y_blind = 0` for a public `y`). Returns
/// `(y, C_y, proof)`.
pub fn prove_eval(
    gens: &Generators,
    c: &CommittedPoly,
    point: &[Fr],
    y_blind: &Fr,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Fr, G1Affine, DotProductProof)> {
    let _s = crate::profile::span("hyrax/prove_eval");
    let n = c.poly.num_vars;
    if point.len() != n {
        return Err(Error::Invalid(format!(
            "opening a {n}-variable table at a {}-coordinate point",
            point.len()
        )));
    }
    let width = check_width(gens, n)?;
    let (_, nc) = split_for(n, gens.g.len());
    let (l, r) = (eq_table(&point[nc..]), eq_table(&point[..nc]));
    let (x, rho_x) = combine_rows(&[(c, Fr::ONE)], &l, width);
    let y: Fr = x.iter().zip(&r).map(|(a, b)| *a * b).sum();
    let y_com = gens.commit_scalar(&y, y_blind).to_affine();
    super::absorb_statement(t, &c.comm, point, &y_com);
    let proof = prove_dot_product(gens, (&x, rho_x), &r, y_blind, t, rng)?;
    Ok((y, y_com, proof))
}
