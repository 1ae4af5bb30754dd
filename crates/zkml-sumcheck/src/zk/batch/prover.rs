//! The batched committed sumcheck's prover (see the [module doc](super)).

use rand_core06::{CryptoRng, RngCore};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::field::{Curve, Field, Fr, G1Affine};
use crate::hyrax::Generators;
use crate::sumcheck::prover::RoundProver;
use crate::sumcheck::ProductSum;
use crate::transcript::Transcript;
use crate::zk::msg::ZkSumcheckProof;
use crate::zk::prover::{commit_round, prove_terms, prove_zero, Opening};

/// One instance of a batch: its round prover, which factors the verifier
/// evaluates itself, and the opening of its committed claim.
pub struct BatchInstance<P> {
    /// The instance's round prover.
    pub inst: P,
    /// Per factor: whether it is public.
    pub public: Vec<bool>,
    /// The claim `Σ_x f(x)` and its blind.
    pub claim: Opening,
}

/// What the batch prover ends with.
#[derive(Clone, Debug)]
pub struct BatchOutput {
    /// The proof (rounds of the combination; factors and products of every
    /// instance, in instance order; one final proof of zero).
    pub proof: ZkSumcheckProof,
    /// Per instance: its point (the last `n_i` challenges).
    pub points: Vec<Vec<Fr>>,
    /// Per instance: the openings of its committed factors' values.
    pub factor_openings: Vec<Vec<Option<Opening>>>,
}

/// Proves every instance's claim in one committed sumcheck (the
/// [module doc](super)); the claims' commitments are bound by the caller.
pub fn prove_sumcheck_batch(
    gens: &Generators,
    insts: Vec<BatchInstance<ProductSum>>,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<BatchOutput> {
    prove_batch_with(gens, insts, t, rng)
}

/// [`prove_sumcheck_batch`] for any [`RoundProver`].
pub(crate) fn prove_batch_with<P: RoundProver + Send + Sync>(
    gens: &Generators,
    mut insts: Vec<BatchInstance<P>>,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<BatchOutput> {
    if insts.is_empty() {
        return Err(Error::Invalid("a batch without instances".into()));
    }
    // (The factor count: the length of the factors' values.)
    let factors = |b: &BatchInstance<P>| b.inst.final_values().len();
    if let Some(b) = insts.iter().find(|b| b.public.len() != factors(b)) {
        return Err(Error::Invalid(format!(
            "{} public flags for {} factors",
            b.public.len(),
            factors(b)
        )));
    }
    let shapes: Vec<(usize, usize)> = insts
        .iter()
        .map(|b| (b.inst.num_vars(), b.inst.degree()))
        .collect();
    let n = shapes.iter().map(|s| s.0).max().unwrap_or(0);
    let d = shapes.iter().map(|s| s.1).max().unwrap_or(1).max(1);
    let lambda = super::absorb_batch(t, &shapes);
    // e_i = 2^{N−n_i}·c_i (values only: the blinds live in `cur`).
    let mut scaled: Vec<Fr> = insts
        .iter()
        .zip(&shapes)
        .map(|(b, s)| super::pow2(n - s.0) * b.claim.value)
        .collect();
    let mut cur = insts.iter().zip(&shapes).zip(&lambda).fold(
        Opening {
            value: Fr::ZERO,
            blind: Fr::ZERO,
        },
        |a, ((b, s), l)| {
            let k = *l * super::pow2(n - s.0);
            Opening {
                value: a.value + k * b.claim.value,
                blind: a.blind + k * b.claim.blind,
            }
        },
    );
    crate::zk::absorb_statement(t, n, d);
    let half = Fr::from(2).invert().unwrap_or(Fr::ZERO);
    let (mut rounds, mut point) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for j in 0..n {
        // Each instance's g_i(0..=D): constant e_i/2 before its variables.
        let per: Vec<Vec<Fr>> = insts
            .par_iter()
            .zip(&shapes)
            .zip(&scaled)
            .map(|((b, s), e)| {
                if j < n - s.0 {
                    vec![*e * half; d + 1]
                } else {
                    b.inst.round_poly(d)
                }
            })
            .collect();
        let mut evals = vec![Fr::ZERO; d + 1];
        for (g, l) in per.iter().zip(&lambda) {
            for (a, v) in evals.iter_mut().zip(g) {
                *a += *l * v;
            }
        }
        let (round, r) = commit_round(gens, &evals, &mut cur, t, rng);
        insts
            .par_iter_mut()
            .zip(&shapes)
            .zip(&mut scaled)
            .for_each(|((b, s), e)| {
                if j < n - s.0 {
                    *e *= half;
                } else {
                    b.inst.fix_first_variable(r);
                }
            });
        rounds.push(round);
        point.push(r);
    }
    // Every instance's committed factors at its point, then its products.
    let values: Vec<Vec<Fr>> = insts.iter().map(|b| b.inst.final_values()).collect();
    let factor_openings: Vec<Vec<Option<Opening>>> = values
        .iter()
        .zip(&insts)
        .map(|(v, b)| {
            v.iter()
                .zip(&b.public)
                .map(|(v, &p)| (!p).then(|| Opening::random(*v, rng)))
                .collect()
        })
        .collect();
    let factor_evals: Vec<G1Affine> = factor_openings
        .iter()
        .flatten()
        .flatten()
        .map(|o| o.commit(gens).to_affine())
        .collect();
    t.absorb_points(b"zk/sumcheck/factors", &factor_evals);
    let mut products = vec![];
    let mut sum = Opening {
        value: Fr::ZERO,
        blind: Fr::ZERO,
    };
    for (((b, v), fo), l) in insts.iter().zip(&values).zip(&factor_openings).zip(&lambda) {
        let s = prove_terms(
            gens,
            (b.inst.terms(), &b.public),
            (v, fo),
            &mut products,
            t,
            rng,
        )?;
        sum.value += *l * s.value;
        sum.blind += *l * s.blind;
    }
    let final_ok = prove_zero(gens, &(cur.blind - sum.blind), t, rng);
    let points = shapes.iter().map(|s| point[n - s.0..].to_vec()).collect();
    Ok(BatchOutput {
        proof: ZkSumcheckProof {
            rounds,
            factor_evals,
            products,
            final_ok,
        },
        points,
        factor_openings,
    })
}
