//! Zero-knowledge provers (equations in the [module doc](super)).

use rand_core06::{CryptoRng, RngCore};

use super::committed_factors;
use super::msg::{ChainProof, ProductProof, ZeroProof, ZkRound, ZkSumcheckProof};
use crate::error::{Error, Result};
use crate::field::{Curve, Field, Fr, G1Affine, G1};
use crate::hyrax::Generators;
use crate::sumcheck::prover::RoundProver;
use crate::sumcheck::ProductSum;
use crate::transcript::Transcript;
use crate::univariate::lagrange_coeffs;

/// A committed scalar's opening: its value and blind (prover-side secret).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    /// The value `v`.
    pub value: Fr,
    /// The blind `ρ`.
    pub blind: Fr,
}

impl std::fmt::Debug for Opening {
    /// Never prints the secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Opening(<secret>)")
    }
}

impl Opening {
    /// `v` with a fresh random blind.
    pub fn random(value: Fr, rng: &mut (impl RngCore + CryptoRng)) -> Self {
        Self {
            value,
            blind: Fr::random(rng),
        }
    }

    /// `Com(v; ρ) = v·U + ρ·H`.
    pub fn commit(&self, gens: &Generators) -> G1 {
        gens.commit_scalar(&self.value, &self.blind)
    }
}

/// Proves that `X = blind·H` (a commitment to zero); `X` is bound by the
/// transcript already (the verifier never forms it).
pub fn prove_zero(
    gens: &Generators,
    blind: &Fr,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> ZeroProof {
    let k = Fr::random(&mut *rng);
    let a = gens.blind(&k).to_affine();
    t.absorb_points(b"zk/zero/a", &[a]);
    let c = t.challenge(b"zk/zero/c");
    ZeroProof {
        a,
        s: k + c * blind,
    }
}

/// Proves that `Com(z)` commits to `x·y` (`z.value` must be `x.value·y.value`);
/// the three commitments are bound by the transcript already.
pub fn prove_product(
    gens: &Generators,
    x: &Opening,
    y: &Opening,
    z: &Opening,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> ProductProof {
    let cy = y.commit(gens);
    let b: Vec<Fr> = (0..5).map(|_| Fr::random(&mut *rng)).collect();
    let alpha = gens.commit_scalar(&b[0], &b[1]).to_affine();
    let beta = gens.commit_scalar(&b[2], &b[3]).to_affine();
    let delta = (cy * b[0] + gens.blind(&b[4])).to_affine();
    t.absorb_points(b"zk/product/abd", &[alpha, beta, delta]);
    let c = t.challenge(b"zk/product/c");
    ProductProof {
        alpha,
        beta,
        delta,
        z: [
            b[0] + c * x.value,
            b[1] + c * x.blind,
            b[2] + c * y.value,
            b[3] + c * y.blind,
            b[4] + c * (z.blind - y.blind * x.value),
        ],
    }
}

/// What the committed-sumcheck prover ends with.
#[derive(Clone, Debug)]
pub struct ZkProverOutput {
    /// The proof.
    pub proof: ZkSumcheckProof,
    /// The challenge point.
    pub point: Vec<Fr>,
    /// Openings of the committed factors' values at the point (`None` for public factors).
    pub factor_openings: Vec<Option<Opening>>,
}

/// Proves `Σ_x summand(x) = claim.value` where the verifier holds only
/// `Com(claim)`; `public[k]` marks the factors the verifier evaluates itself.
pub fn prove_sumcheck(
    gens: &Generators,
    inst: ProductSum,
    public: &[bool],
    claim: &Opening,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<ZkProverOutput> {
    if public.len() != inst.factors.len() {
        return Err(Error::Invalid(format!(
            "{} public flags for {} factors",
            public.len(),
            inst.factors.len()
        )));
    }
    prove_sumcheck_with(gens, inst, public, claim, t, rng)
}

/// [`prove_sumcheck`] for any [`RoundProver`] (same messages for the same
/// factors and terms); `public` has one flag per factor.
pub(crate) fn prove_sumcheck_with(
    gens: &Generators,
    mut inst: impl RoundProver,
    public: &[bool],
    claim: &Opening,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<ZkProverOutput> {
    let (n, d) = (inst.num_vars(), inst.degree());
    super::absorb_statement(t, n, d);
    let mut log = RoundLog::new(n, d);
    let mut rounds = Vec::with_capacity(n);
    for _ in 0..n {
        let s = crate::profile::span("zk-sumcheck/round_poly");
        let evals = inst.round_poly(d);
        drop(s);
        let _s = crate::profile::span("zk-sumcheck/commit+fold");
        let (round, r) = commit_round(gens, &evals, &mut log, t, rng)?;
        inst.fix_first_variable(r);
        rounds.push(round);
    }
    let values: Vec<Fr> = inst.final_values();
    if values.len() != public.len() {
        return Err(Error::Invalid(format!(
            "{} public flags for {} factors",
            public.len(),
            values.len()
        )));
    }
    let factor_openings: Vec<Option<Opening>> = values
        .iter()
        .zip(public)
        .map(|(v, &p)| (!p).then(|| Opening::random(*v, rng)))
        .collect();
    let factor_evals: Vec<G1Affine> = factor_openings
        .iter()
        .flatten()
        .map(|o| o.commit(gens).to_affine())
        .collect();
    t.absorb_points(b"zk/sumcheck/factors", &factor_evals);

    // Final value Σ_t c_t·Π(public)·term_t, then the chain of rounds.
    let mut products = vec![];
    let terms = inst.terms();
    let sum = prove_terms(
        gens,
        (terms, public),
        (&values, &factor_openings),
        &mut products,
        t,
        rng,
    )?;
    let chain = prove_chain(gens, &log, claim, &sum, t, rng)?;
    Ok(ZkProverOutput {
        proof: ZkSumcheckProof {
            rounds,
            factor_evals,
            products,
            chain,
        },
        point: log.point,
        factor_openings,
    })
}

/// One sumcheck's share of the final check: `Σ_t c_t·Π(public)·term_t`,
/// each term's committed factors multiplied with proofs of product (pushed
/// to `products`, each commitment absorbed before its proof). Returns the
/// opening of that sum.
pub(super) fn prove_terms(
    gens: &Generators,
    (terms, public): (&[(Fr, Vec<usize>)], &[bool]),
    (values, factor_openings): (&[Fr], &[Option<Opening>]),
    products: &mut Vec<(G1Affine, ProductProof)>,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Opening> {
    let mut sum = Opening {
        value: Fr::ZERO,
        blind: Fr::ZERO,
    };
    for ((c, s), cf) in terms.iter().zip(committed_factors(terms, public)) {
        let scalar = s
            .iter()
            .filter(|&&k| public[k])
            .fold(*c, |acc, &k| acc * values[k]);
        let mut term = Opening {
            value: Fr::ONE,
            blind: Fr::ZERO,
        };
        for (i, &k) in cf.iter().enumerate() {
            let f = factor_openings[k].ok_or_else(|| Error::Invalid("factor opening".into()))?;
            if i == 0 {
                term = f;
            } else {
                let prod = Opening::random(term.value * f.value, rng);
                let prod_com = prod.commit(gens).to_affine();
                t.absorb_points(b"zk/sumcheck/product", &[prod_com]);
                let proof = prove_product(gens, &term, &f, &prod, t, rng);
                products.push((prod_com, proof));
                term = prod;
            }
        }
        sum.value += scalar * term.value;
        sum.blind += scalar * term.blind;
    }
    Ok(sum)
}

/// The prover's record of a committed sumcheck's rounds, for the final
/// [`ChainProof`]: the concatenated round vectors, their blinds' sum and
/// the challenges.
pub(super) struct RoundLog {
    d: usize,
    x: Vec<Fr>,
    blind: Fr,
    /// The challenges so far.
    pub(super) point: Vec<Fr>,
}

impl RoundLog {
    /// Room for `n` rounds of degree `d`.
    pub(super) fn new(n: usize, d: usize) -> Self {
        Self {
            d,
            x: Vec::with_capacity(n * d),
            blind: Fr::ZERO,
            point: Vec::with_capacity(n),
        }
    }
}

/// One committed round: `R_j`, the vector commitment to `g(0), g(2), …,
/// g(d)` (`evals` at `0..=d`; `g(1)` is the running claim minus `g(0)`, never
/// sent) on generators `jd..(j+1)d`; absorbs it, draws `r`. Shared by
/// [`prove_sumcheck`] and the batch ([`super::batch`]).
pub(super) fn commit_round(
    gens: &Generators,
    evals: &[Fr],
    log: &mut RoundLog,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ZkRound, Fr)> {
    let d = log.d;
    if evals.len() != d + 1 {
        return Err(Error::Invalid(format!(
            "a round of {} values for degree {d}",
            evals.len()
        )));
    }
    let sent: Vec<Fr> = std::iter::once(evals[0])
        .chain(evals[2..].iter().copied())
        .collect();
    #[allow(unused_mut)]
    let (mut sent, mut offset) = (sent, log.point.len() * d);
    #[cfg(test)]
    match FORGE_ROUNDS.with(|f| f.get()) {
        Some(RoundForgery::FirstRound(delta)) if log.point.is_empty() => sent[0] += delta,
        Some(RoundForgery::OneSlice) => offset = 0,
        _ => {}
    }
    let blind = Fr::random(&mut *rng);
    let com = gens.commit_short_at(offset, &sent, &blind)?.to_affine();
    t.absorb_points(b"zk/sumcheck/round", &[com]);
    let r = t.challenge(b"zk/sumcheck/r");
    log.x.extend_from_slice(&sent);
    log.blind += blind;
    log.point.push(r);
    Ok((ZkRound { com }, r))
}

/// Tests: how a forging prover commits its rounds.
#[cfg(test)]
#[derive(Clone, Copy, Debug)]
pub(super) enum RoundForgery {
    /// The first round's sent `g(0)` moved by this amount.
    FirstRound(Fr),
    /// Every round on generators `0..d`.
    OneSlice,
}

#[cfg(test)]
thread_local! {
    /// Tests: the forgery [`commit_round`] applies (`None`: honest).
    pub(super) static FORGE_ROUNDS: std::cell::Cell<Option<RoundForgery>> =
        const { std::cell::Cell::new(None) };
}

/// The chain's public vector `a` and the claim's scale `s = Π_j L_1(r_j)`
/// (`L` the Lagrange basis at `0..=d`): with `g_j(1)` the running claim
/// minus `g_j(0)`, the last round's value is `g_n(r_n) = s·claim + ⟨a, x⟩`,
/// block `j` of `a` being `Π_{k>j} L_1(r_k)·(L_0 − L_1, L_2, …, L_d)(r_j)`
/// over round `j`'s sent values (the [module doc](super)). Both ends.
pub(super) fn chain_vector(d: usize, point: &[Fr]) -> (Vec<Fr>, Fr) {
    let mut a = vec![Fr::ZERO; point.len() * d];
    let mut scale = Fr::ONE;
    for (j, r) in point.iter().enumerate().rev() {
        let l = lagrange_coeffs(d + 1, *r);
        let block = &mut a[j * d..(j + 1) * d];
        block[0] = scale * (l[0] - l[1]);
        for (b, li) in block[1..].iter_mut().zip(&l[2..]) {
            *b = scale * li;
        }
        scale *= l[1];
    }
    (a, scale)
}

/// Proves the chain of a committed sumcheck (the [module doc](super)): a
/// proof of the dot product `⟨a, x⟩ = final − s·claim` for the rounds'
/// vector `x`, committed by `Σ_j R_j`. The caller absorbed the final value's
/// commitments before.
pub(super) fn prove_chain(
    gens: &Generators,
    log: &RoundLog,
    claim: &Opening,
    fin: &Opening,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<ChainProof> {
    let (a, scale) = chain_vector(log.d, &log.point);
    let y_blind = fin.blind - scale * claim.blind;
    let dv: Vec<Fr> = (0..a.len()).map(|_| Fr::random(&mut *rng)).collect();
    let (r_delta, r_beta) = (Fr::random(&mut *rng), Fr::random(&mut *rng));
    let delta = gens.commit_short_at(0, &dv, &r_delta)?.to_affine();
    let ad: Fr = a.iter().zip(&dv).map(|(x, y)| *x * y).sum();
    let beta = gens.commit_scalar(&ad, &r_beta).to_affine();
    t.absorb_points(b"zk/sumcheck/chain", &[delta, beta]);
    let c = t.challenge(b"zk/sumcheck/chain/c");
    Ok(ChainProof {
        delta,
        beta,
        z: log.x.iter().zip(&dv).map(|(x, d)| c * x + d).collect(),
        z_delta: c * log.blind + r_delta,
        z_beta: c * y_blind + r_beta,
    })
}
