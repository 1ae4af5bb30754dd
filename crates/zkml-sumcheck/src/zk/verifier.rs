//! Zero-knowledge verifiers (equations in the [module doc](super)). Sizes,
//! degree, terms and which factors are public come from the caller. Each
//! verifier adds its group equations to a [`Checks`] (one MSM for the whole
//! verification, [`super::deferred`]); statements are [`Lc`]s, never formed.

use super::deferred::{Checks, Lc};
use super::msg::{ProductProof, ZeroProof, ZkSumcheckProof};
use super::{committed_factors, product_count};
use crate::error::{expect_len, reject, Result};
use crate::field::{Field, Fr, G1Affine};
use crate::transcript::Transcript;
use crate::univariate::lagrange_coeffs;

/// Adds to `checks` that `x` commits to zero (`x = ρ·H` for a `ρ` the
/// prover knows): `s·H − A − c·X = 0`. `x` must be bound by the transcript
/// already (absorbed, or formed from absorbed messages).
pub fn verify_zero(x: &Lc, proof: &ZeroProof, t: &mut Transcript, checks: &mut Checks) {
    let c = zero_challenge(proof, t);
    checks.push(ZERO, zero_equation(x, proof, c));
}

const ZERO: &str = "proof of zero: s·H = A + c·X";

/// [`verify_zero`]'s transcript step: absorbs `A`, returns `c` (the
/// equation needs `X` only, not the transcript).
fn zero_challenge(proof: &ZeroProof, t: &mut Transcript) -> Fr {
    t.absorb_points(b"zk/zero/a", &[proof.a]);
    t.challenge(b"zk/zero/c")
}

/// [`verify_zero`]'s equation `s·H − A − c·X` under the challenge `c`.
fn zero_equation(x: &Lc, proof: &ZeroProof, c: Fr) -> Lc {
    let mut e = x.scaled(-c);
    e.add_point(-Fr::ONE, proof.a);
    e.h += proof.s;
    e
}

/// Adds to `checks` that `coms[2]` commits to the product of the values in
/// `coms[0]`, `coms[1]` (three equations, [module doc](super)). The
/// commitments must be bound by the transcript already.
pub fn verify_product(
    coms: [&Lc; 3],
    proof: &ProductProof,
    t: &mut Transcript,
    checks: &mut Checks,
) {
    t.absorb_points(b"zk/product/abd", &[proof.alpha, proof.beta, proof.delta]);
    let c = t.challenge(b"zk/product/c");
    let z = &proof.z;
    // α + c·C_x − z_1·U − z_2·H = 0
    let mut e = coms[0].scaled(c);
    e.add_point(Fr::ONE, proof.alpha);
    e.u -= z[0];
    e.h -= z[1];
    checks.push("proof of product: α + c·C_x = Com(z_1; z_2)", e);
    // β + c·C_y − z_3·U − z_4·H = 0
    let mut e = coms[1].scaled(c);
    e.add_point(Fr::ONE, proof.beta);
    e.u -= z[2];
    e.h -= z[3];
    checks.push("proof of product: β + c·C_y = Com(z_3; z_4)", e);
    // δ + c·C_z − z_1·C_y − z_5·H = 0
    let mut e = coms[2].scaled(c);
    e.add_scaled(coms[1], -z[0]);
    e.add_point(Fr::ONE, proof.delta);
    e.h -= z[4];
    checks.push("proof of product: δ + c·C_z = z_1·C_y + z_5·H", e);
}

/// What a committed sumcheck leaves to its caller: the point and the
/// commitments to the committed factors' values there (`None` for public
/// factors), to be opened against the factors' commitments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkSubClaim {
    /// The challenge point.
    pub point: Vec<Fr>,
    /// `Com(f̃_k(point))` per committed factor, `None` for public ones.
    pub factor_coms: Vec<Option<G1Affine>>,
}

/// Checks a committed sumcheck for `Σ_x Σ_t c_t Π_{k∈S_t} f_k(x)` equal to
/// the value in `claim` (bound by the transcript already), its group
/// equations added to `checks`. `public_evals(point)` returns the values of
/// the public factors at the point, in factor order.
#[allow(clippy::too_many_arguments)]
pub fn verify_sumcheck(
    num_vars: usize,
    terms: &[(Fr, Vec<usize>)],
    public: &[bool],
    claim: &Lc,
    proof: &ZkSumcheckProof,
    public_evals: impl FnOnce(&[Fr]) -> Result<Vec<Fr>>,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<ZkSubClaim> {
    let (sub, last) = verify_rounds(num_vars, terms, public, claim, proof, t, checks)?;
    let s = crate::profile::span("v/zk_sumcheck/public_evals");
    let vals = public_evals(&sub.point)?;
    drop(s);
    checks.push(ZERO, last(vals, Fr::ZERO)?);
    Ok(sub)
}

/// [`verify_sumcheck`] with the public factors' values computed later, on
/// rayon's threads, while the caller goes on ([`Checks::push_later`]): they
/// enter only the final equation, never the transcript. So does
/// `claim_offset()`, a public amount subtracted from the claim (its `U`
/// coefficient; a conv's bias and rounding share). Their error, if any, is
/// returned by [`Checks::finish`].
#[allow(clippy::too_many_arguments)]
pub fn verify_sumcheck_later(
    num_vars: usize,
    terms: &[(Fr, Vec<usize>)],
    public: &[bool],
    (claim, claim_offset): (&Lc, impl FnOnce() -> Result<Fr> + Send + 'static),
    proof: &ZkSumcheckProof,
    public_evals: impl FnOnce(&[Fr]) -> Result<Vec<Fr>> + Send + 'static,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<ZkSubClaim> {
    let (sub, last) = verify_rounds(num_vars, terms, public, claim, proof, t, checks)?;
    let point = sub.point.clone();
    checks.push_later(ZERO, move || {
        let s = crate::profile::span("v/zk_sumcheck/public_evals_later");
        let vals = public_evals(&point)?;
        let offset = claim_offset()?;
        drop(s);
        last(vals, offset)
    });
    Ok(sub)
}

/// The final equation of a committed sumcheck from the public factors'
/// values and an amount subtracted from the claim's `U` coefficient
/// (everything else fixed by the transcript).
type LastEquation = Box<dyn FnOnce(Vec<Fr>, Fr) -> Result<Lc> + Send>;

/// Everything of [`verify_sumcheck`] but the public factors' values: the
/// rounds, the factors' commitments and the products (transcript and
/// equations), and the final equation as a function of those values.
#[allow(clippy::too_many_arguments)]
fn verify_rounds(
    num_vars: usize,
    terms: &[(Fr, Vec<usize>)],
    public: &[bool],
    claim: &Lc,
    proof: &ZkSumcheckProof,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<(ZkSubClaim, LastEquation)> {
    let _s = crate::profile::span("v/zk_sumcheck");
    let d = terms.iter().map(|t| t.1.len()).max().unwrap_or(0).max(1);
    if let Some(k) = terms
        .iter()
        .flat_map(|t| &t.1)
        .find(|&&k| k >= public.len())
    {
        return Err(crate::Error::Invalid(format!(
            "term names factor {k} of {}",
            public.len()
        )));
    }
    expect_len("zk sumcheck round count", proof.rounds.len(), num_vars)?;
    for r in &proof.rounds {
        expect_len("zk sumcheck round commitments", r.evals.len(), d)?;
    }
    let n_committed = public.iter().filter(|p| !**p).count();
    expect_len(
        "zk sumcheck factor commitments",
        proof.factor_evals.len(),
        n_committed,
    )?;
    expect_len(
        "zk sumcheck products",
        proof.products.len(),
        product_count(terms, public),
    )?;

    super::absorb_statement(t, num_vars, d);
    // C_{claim_{j+1}} = L_1·C_{claim_j} + (L_0 − L_1)·C_{j,0} + Σ_{i≥2} L_i·C_{j,i}
    // (C_{j,1} = C_{claim_j} − C_{j,0}: g(0) + g(1) = claim by construction),
    // kept as coefficients on the claim and every round point: never formed.
    let mut cur = claim.clone();
    // The claim's coefficient in `cur` (Π L_1): an amount subtracted from
    // the claim later is this times it in the final equation.
    let mut claim_scale = Fr::ONE;
    let mut point = Vec::with_capacity(num_vars);
    for round in &proof.rounds {
        let (r, l1) = fold_round(&mut cur, round, d, t);
        claim_scale *= l1;
        point.push(r);
    }
    t.absorb_points(b"zk/sumcheck/factors", &proof.factor_evals);
    // Per factor: its commitment (public factors' values come last).
    let mut coms: Vec<Option<G1Affine>> = vec![None; public.len()];
    let mut cv = proof.factor_evals.iter();
    for k in 0..public.len() {
        if !public[k] {
            coms[k] = cv.next().copied();
        }
    }
    let parts = verify_terms(
        (terms, public),
        &coms,
        &mut proof.products.iter(),
        t,
        checks,
    )?;
    let c = zero_challenge(&proof.final_ok, t);
    let final_ok = proof.final_ok.clone();
    let public = public.to_vec();
    let n_public = public.len() - n_committed;
    // cur − Σ_t (c_t·Π_{public k} v_k)·term_t commits to zero.
    let last: LastEquation = Box::new(move |pub_vals: Vec<Fr>, offset: Fr| {
        expect_len("public factor values", pub_vals.len(), n_public)?;
        let mut cur = cur;
        cur.u -= offset * claim_scale;
        let sum = terms_sum(&parts, &public, &pub_vals);
        Ok(zero_equation(&(cur - &sum), &final_ok, c))
    });
    Ok((
        ZkSubClaim {
            point,
            factor_coms: coms,
        },
        last,
    ))
}

/// One term of a sumcheck's final check: its coefficient, its factors and
/// its committed part (`U` for a term without committed factors).
pub(super) type TermPart = (Fr, Vec<usize>, Lc);

/// One sumcheck's terms for the final check: each term's committed factors
/// multiplied by the proofs of product in `products` (their equations added
/// to `checks`), in the prover's order.
pub(super) fn verify_terms<'p>(
    (terms, public): (&[(Fr, Vec<usize>)], &[bool]),
    coms: &[Option<G1Affine>],
    products: &mut impl Iterator<Item = &'p (G1Affine, ProductProof)>,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<Vec<TermPart>> {
    let mut parts = Vec::with_capacity(terms.len());
    for ((c, s), cf) in terms.iter().zip(committed_factors(terms, public)) {
        // A term without committed factors is `scalar·1`, i.e. `scalar·U`.
        let mut term = Lc::public(Fr::ONE);
        for (i, &k) in cf.iter().enumerate() {
            // Present: counted by the caller.
            let f = Lc::from(coms[k].unwrap_or_default());
            if i == 0 {
                term = f;
            } else {
                let (prod, pp) = products
                    .next()
                    .ok_or_else(|| reject("zk products", "count"))?;
                t.absorb_points(b"zk/sumcheck/product", &[*prod]);
                let prod = Lc::from(*prod);
                verify_product([&term, &f, &prod], pp, t, checks);
                term = prod;
            }
        }
        parts.push((*c, s.clone(), term));
    }
    Ok(parts)
}

/// `Σ_t (c_t·Π_{public k} v_k)·term_t` with the public factors' values
/// `pub_vals` (factor order, public ones only; missing ones read as 0, the
/// caller checks the count).
pub(super) fn terms_sum(parts: &[TermPart], public: &[bool], pub_vals: &[Fr]) -> Lc {
    let mut vals = vec![Fr::from(0); public.len()];
    let mut pv = pub_vals.iter();
    for (k, v) in vals.iter_mut().enumerate() {
        if public[k] {
            *v = *pv.next().unwrap_or(&Fr::from(0));
        }
    }
    let mut sum = Lc::default();
    for (c, s, term) in parts {
        let scalar = s
            .iter()
            .filter(|&&k| public[k])
            .fold(*c, |acc, &k| acc * vals[k]);
        sum.add_scaled(term, scalar);
    }
    sum
}

/// One committed round at the verifier: absorbs it, draws `r` and moves the
/// running claim `cur` (a combination, never formed) to `g(r)`:
/// `L_1·cur + (L_0 − L_1)·C_{j,0} + Σ_{i≥2} L_i·C_{j,i}`. Returns `r` and
/// `L_1(r)` (the old claim's factor). Shared with the batch ([`super::batch`]).
pub(super) fn fold_round(
    cur: &mut Lc,
    round: &crate::zk::ZkRound,
    d: usize,
    t: &mut Transcript,
) -> (Fr, Fr) {
    t.absorb_points(b"zk/sumcheck/round", &round.evals);
    let r = t.challenge(b"zk/sumcheck/r");
    let l = lagrange_coeffs(d + 1, r);
    cur.scale(l[1]);
    cur.add_point(l[0] - l[1], round.evals[0]);
    for (li, c) in l[2..].iter().zip(&round.evals[1..]) {
        cur.add_point(*li, *c);
    }
    (r, l[1])
}
