//! Zero-knowledge provers (equations in the [module doc](super)).

use rand_core06::{CryptoRng, RngCore};

use super::committed_factors;
use super::msg::{ProductProof, ZeroProof, ZkRound, ZkSumcheckProof};
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
    let mut cur = *claim;
    super::absorb_statement(t, n, d);
    let mut rounds = Vec::with_capacity(n);
    let mut point = Vec::with_capacity(n);
    for _ in 0..n {
        let s = crate::profile::span("zk-sumcheck/round_poly");
        let evals = inst.round_poly(d);
        drop(s);
        let _s = crate::profile::span("zk-sumcheck/commit+fold");
        let (round, r) = commit_round(gens, &evals, &mut cur, t, rng);
        inst.fix_first_variable(r);
        rounds.push(round);
        point.push(r);
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

    // Final check: C_claim − Σ_t c_t·Π(public)·C_term commits to zero.
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
    let final_ok = prove_zero(gens, &(cur.blind - sum.blind), t, rng);
    Ok(ZkProverOutput {
        proof: ZkSumcheckProof {
            rounds,
            factor_evals,
            products,
            final_ok,
        },
        point,
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

/// One committed round: commits `g(0), g(2), …, g(d)` (`evals` at `0..=d`;
/// `g(1)`'s commitment is `C_claim − C_{g(0)}`, so its opening is the
/// claim's minus `g(0)`'s), absorbs them, draws `r` and moves the running
/// claim's opening `cur` to `g(r)`. Shared by [`prove_sumcheck`] and the
/// batch ([`super::batch`]).
pub(super) fn commit_round(
    gens: &Generators,
    evals: &[Fr],
    cur: &mut Opening,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> (ZkRound, Fr) {
    let mut opens: Vec<Opening> = evals.iter().map(|v| Opening::random(*v, rng)).collect();
    opens[1] = Opening {
        value: cur.value - opens[0].value,
        blind: cur.blind - opens[0].blind,
    };
    let proj: Vec<G1> = opens
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, o)| o.commit(gens))
        .collect();
    let mut coms = vec![G1Affine::default(); proj.len()];
    G1::batch_normalize(&proj, &mut coms);
    t.absorb_points(b"zk/sumcheck/round", &coms);
    let r = t.challenge(b"zk/sumcheck/r");
    let l = lagrange_coeffs(evals.len(), r);
    *cur = Opening {
        value: l.iter().zip(&opens).map(|(a, o)| *a * o.value).sum(),
        blind: l.iter().zip(&opens).map(|(a, o)| *a * o.blind).sum(),
    };
    (ZkRound { evals: coms }, r)
}
