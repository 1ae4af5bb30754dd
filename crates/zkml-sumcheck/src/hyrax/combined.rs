//! One evaluation proof for a linear combination `Σ_k ν_k·f_k` of committed
//! tables in the same number of variables (so the same row layout): the
//! combination's row commitments are `Σ_k ν_k·C_{k,i}` (Pedersen is
//! additively homomorphic), its blinds `Σ_k ν_k·ρ_{k,i}`. The verifier never
//! forms the combined rows: `C_x = Σ_i Σ_k L_i·ν_k·C_{k,i}` joins the
//! verification's one MSM term by term ([`crate::zk::deferred`]). The
//! statement absorbed before the challenge: every commitment's rows, the
//! `ν_k` and the point; `C_y` is formed by the caller from absorbed messages.

use rand_core06::{CryptoRng, RngCore};

use super::msg::{DotProductProof, HyraxCommitment};
use super::pedersen::Generators;
use super::prover::{combine_rows, prove_dot_product, CommittedPoly};
use super::split_for;
use super::verifier::dot_product_equations;
use crate::error::{expect_len, Error, Result};
use crate::field::Fr;
use crate::mle::eq_table;
use crate::transcript::Transcript;
use crate::zk::{Checks, Lc};

fn absorb_statement(t: &mut Transcript, comms: &[(&HyraxCommitment, Fr)], point: &[Fr]) {
    t.absorb_u64(b"hyrax/combined", comms.len() as u64);
    for (c, nu) in comms {
        t.absorb_points(b"hyrax/rows", &c.rows);
        t.absorb_scalar(b"hyrax/nu", nu);
    }
    t.absorb_scalars(b"hyrax/point", point);
}

/// `(n_r, n_c)` of an opening at `point`, checked against the key's width.
pub(crate) fn shape(gens: &Generators, num_vars: usize, point: &[Fr]) -> Result<(usize, usize)> {
    if point.len() != num_vars {
        return Err(Error::Invalid(format!(
            "opening a {num_vars}-variable table at a {}-coordinate point",
            point.len()
        )));
    }
    let (nr, nc) = split_for(num_vars, gens.g.len());
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
/// `C_y = y·U + y_blind·H`; every table has `point.len()` variables. `C_y`
/// is the caller's to bind (the verifier forms it from absorbed messages).
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
    let comms: Vec<(&HyraxCommitment, Fr)> = polys.iter().map(|(c, nu)| (&c.comm, *nu)).collect();
    absorb_statement(t, &comms, point);
    prove_dot_product(gens, (&x, rho_x), &r, y_blind, t, rng)
}

/// Adds to `checks` that `Σ_k ν_k·f̃_k` (each commitment a
/// `num_vars`-variable table) evaluates at `point` to the value committed in
/// `y_com` (bound by the transcript already). `C_x = Σ_i Σ_k L_i·ν_k·C_{k,i}`
/// is never formed: its terms join the batch's one MSM.
#[allow(clippy::too_many_arguments)]
pub fn verify_eval_combined(
    gens: &Generators,
    comms: &[(&HyraxCommitment, Fr)],
    num_vars: usize,
    point: &[Fr],
    y_com: &Lc,
    proof: &DotProductProof,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<()> {
    let _s = crate::profile::span("v/hyrax_eval_combined");
    let (nr, nc) = shape(gens, num_vars, point)?;
    for (c, _) in comms {
        expect_len("hyrax commitment rows", c.rows.len(), 1 << nr)?;
    }
    expect_len("hyrax dot-product response z", proof.z.len(), 1 << nc)?;
    let (l, r) = (eq_table(&point[nc..]), eq_table(&point[..nc]));
    absorb_statement(t, comms, point);
    let mut c_x = Lc::default();
    c_x.terms.reserve(comms.len() << nr);
    for (c, nu) in comms {
        c_x.terms
            .extend(l.iter().zip(&c.rows).map(|(li, row)| (*li * nu, *row)));
    }
    dot_product_equations(&c_x, &r, y_com, proof, t, checks);
    Ok(())
}
