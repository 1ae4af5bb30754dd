//! Zero-knowledge verifiers (equations in the [module doc](super)). Sizes,
//! degree, terms and which factors are public come from the caller.

use super::msg::{ProductProof, ZeroProof, ZkSumcheckProof};
use super::{committed_factors, product_count};
use crate::error::{expect_len, reject, Result};
use crate::field::{msm, Curve, Fr, G1Affine, Group, G1};
use crate::hyrax::Generators;
use crate::transcript::Transcript;
use crate::univariate::lagrange_coeffs;

/// Checks that `x` commits to zero (`x = ρ·H` for a `ρ` the prover knows).
pub fn verify_zero(
    gens: &Generators,
    x: &G1Affine,
    proof: &ZeroProof,
    t: &mut Transcript,
) -> Result<()> {
    t.absorb_points(b"zk/zero/x", std::slice::from_ref(x));
    t.absorb_points(b"zk/zero/a", &[proof.a]);
    let c = t.challenge(b"zk/zero/c");
    if gens.blind(&proof.s).to_affine() != (*x * c + proof.a).to_affine() {
        return Err(reject("proof of zero: s·H = A + c·X", "committed relation"));
    }
    Ok(())
}

/// Checks that `coms[2]` commits to the product of the values in `coms[0]`, `coms[1]`.
pub fn verify_product(
    gens: &Generators,
    coms: &[G1Affine; 3],
    proof: &ProductProof,
    t: &mut Transcript,
) -> Result<()> {
    t.absorb_points(b"zk/product/coms", coms);
    t.absorb_points(b"zk/product/abd", &[proof.alpha, proof.beta, proof.delta]);
    let c = t.challenge(b"zk/product/c");
    let z = &proof.z;
    let ok = (proof.alpha + coms[0] * c).to_affine()
        == gens.commit_scalar(&z[0], &z[1]).to_affine()
        && (proof.beta + coms[1] * c).to_affine() == gens.commit_scalar(&z[2], &z[3]).to_affine()
        && (proof.delta + coms[2] * c).to_affine()
            == (coms[1] * z[0] + gens.blind(&z[4])).to_affine();
    if !ok {
        return Err(reject("proof of product", "committed product"));
    }
    Ok(())
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
/// the value in `claim`. `public_evals(point)` returns the values of the
/// public factors at the point, in factor order.
#[allow(clippy::too_many_arguments)]
pub fn verify_sumcheck(
    gens: &Generators,
    num_vars: usize,
    terms: &[(Fr, Vec<usize>)],
    public: &[bool],
    claim: &G1Affine,
    proof: &ZkSumcheckProof,
    public_evals: impl FnOnce(&[Fr]) -> Result<Vec<Fr>>,
    t: &mut Transcript,
) -> Result<ZkSubClaim> {
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

    super::absorb_statement(t, num_vars, d, claim);
    // C_{claim_{j+1}} = L_1·C_{claim_j} + (L_0 − L_1)·C_{j,0} + Σ_{i≥2} L_i·C_{j,i}
    // (C_{j,1} = C_{claim_j} − C_{j,0}: g(0) + g(1) = claim by construction),
    // kept as coefficients on the claim and every round point, and formed by
    // one MSM at the end.
    let mut bases: Vec<G1Affine> = vec![*claim];
    let mut coeffs: Vec<Fr> = vec![Fr::from(1)];
    let mut point = Vec::with_capacity(num_vars);
    for round in &proof.rounds {
        t.absorb_points(b"zk/sumcheck/round", &round.evals);
        let r = t.challenge(b"zk/sumcheck/r");
        let l = lagrange_coeffs(d + 1, r);
        coeffs.iter_mut().for_each(|c| *c *= l[1]);
        coeffs.push(l[0] - l[1]);
        coeffs.extend_from_slice(&l[2..]);
        bases.extend_from_slice(&round.evals);
        point.push(r);
    }
    let cur = msm(&coeffs, &bases)?;
    t.absorb_points(b"zk/sumcheck/factors", &proof.factor_evals);
    let pub_vals = public_evals(&point)?;
    expect_len(
        "public factor values",
        pub_vals.len(),
        public.len() - n_committed,
    )?;
    // Per factor: its public value or its commitment.
    let mut vals = vec![Fr::from(0); public.len()];
    let mut coms: Vec<Option<G1Affine>> = vec![None; public.len()];
    let (mut pv, mut cv) = (pub_vals.iter(), proof.factor_evals.iter());
    for k in 0..public.len() {
        if public[k] {
            vals[k] = *pv.next().unwrap_or(&Fr::from(0));
        } else {
            coms[k] = cv.next().copied();
        }
    }
    let mut products = proof.products.iter();
    let mut sum = G1::identity();
    for ((c, s), cf) in terms.iter().zip(committed_factors(terms, public)) {
        let scalar = s
            .iter()
            .filter(|&&k| public[k])
            .fold(*c, |acc, &k| acc * vals[k]);
        let mut term: G1 = gens.u.into();
        for (i, &k) in cf.iter().enumerate() {
            // Present: counted above.
            let f = coms[k].unwrap_or_default();
            if i == 0 {
                term = f.into();
            } else {
                let (prod, pp) = products
                    .next()
                    .ok_or_else(|| reject("zk products", "count"))?;
                verify_product(gens, &[term.to_affine(), f, *prod], pp, t)?;
                term = (*prod).into();
            }
        }
        sum += term * scalar;
    }
    verify_zero(gens, &(cur - sum).to_affine(), &proof.final_ok, t)?;
    Ok(ZkSubClaim {
        point,
        factor_coms: coms,
    })
}
