//! The batched committed sumcheck's verifier (see the [module doc](super)).

use crate::error::{expect_len, Result};
use crate::field::{Fr, G1Affine};
use crate::transcript::Transcript;
use crate::zk::deferred::{Checks, Lc};
use crate::zk::msg::ZkSumcheckProof;
use crate::zk::verifier::{fold_round, terms_sum, verify_terms, verify_zero, TermPart};
use crate::zk::{product_count, ZkSubClaim};

/// One instance's shape, from the caller (never from the proof).
#[derive(Clone, Copy, Debug)]
pub struct BatchShape<'a> {
    /// Its variables `n_i`.
    pub num_vars: usize,
    /// Its terms `(c_t, S_t)` over its factors.
    pub terms: &'a [(Fr, Vec<usize>)],
    /// Per factor: whether the verifier evaluates it itself.
    pub public: &'a [bool],
}

impl BatchShape<'_> {
    fn degree(&self) -> usize {
        self.terms
            .iter()
            .map(|t| t.1.len())
            .max()
            .unwrap_or(0)
            .max(1)
    }
}

/// Checks a batch of committed sumchecks (the [module doc](super)) whose
/// claims `claims[i]` are bound by the transcript already; its group
/// equations go to `checks`. `public_evals(points)` returns, per instance,
/// the values of its public factors at its point. Returns every instance's
/// point and factor commitments.
pub fn verify_sumcheck_batch(
    shapes: &[BatchShape<'_>],
    claims: &[Lc],
    proof: &ZkSumcheckProof,
    public_evals: impl FnOnce(&[Vec<Fr>]) -> Result<Vec<Vec<Fr>>>,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<Vec<ZkSubClaim>> {
    let _s = crate::profile::span("v/zk_sumcheck_batch");
    expect_len("batched sumcheck claims", claims.len(), shapes.len())?;
    if shapes.is_empty() {
        return Err(crate::Error::Invalid("a batch without instances".into()));
    }
    for s in shapes {
        if let Some(k) = s
            .terms
            .iter()
            .flat_map(|t| &t.1)
            .find(|&&k| k >= s.public.len())
        {
            return Err(crate::Error::Invalid(format!(
                "term names factor {k} of {}",
                s.public.len()
            )));
        }
    }
    let n = shapes.iter().map(|s| s.num_vars).max().unwrap_or(0);
    let d = shapes.iter().map(BatchShape::degree).max().unwrap_or(1);
    expect_len("zk sumcheck round count", proof.rounds.len(), n)?;
    for r in &proof.rounds {
        expect_len("zk sumcheck round commitments", r.evals.len(), d)?;
    }
    let committed = |s: &BatchShape| s.public.iter().filter(|p| !**p).count();
    expect_len(
        "zk sumcheck factor commitments",
        proof.factor_evals.len(),
        shapes.iter().map(committed).sum(),
    )?;
    expect_len(
        "zk sumcheck products",
        proof.products.len(),
        shapes
            .iter()
            .map(|s| product_count(s.terms, s.public))
            .sum(),
    )?;
    let dims: Vec<(usize, usize)> = shapes.iter().map(|s| (s.num_vars, s.degree())).collect();
    let lambda = super::absorb_batch(t, &dims);
    let mut cur = Lc::default();
    for ((s, c), l) in shapes.iter().zip(claims).zip(&lambda) {
        cur.add_scaled(c, *l * super::pow2(n - s.num_vars));
    }
    crate::zk::absorb_statement(t, n, d);
    // As the single sumcheck: C_{claim_{j+1}} from the round's points.
    let mut point = Vec::with_capacity(n);
    for round in &proof.rounds {
        point.push(fold_round(&mut cur, round, d, t).0);
    }
    t.absorb_points(b"zk/sumcheck/factors", &proof.factor_evals);
    let mut fe = proof.factor_evals.iter();
    let mut products = proof.products.iter();
    let mut subs = Vec::with_capacity(shapes.len());
    let mut parts: Vec<Vec<TermPart>> = Vec::with_capacity(shapes.len());
    for s in shapes {
        let coms: Vec<Option<G1Affine>> = s
            .public
            .iter()
            .map(|&p| if p { None } else { fe.next().copied() })
            .collect();
        parts.push(verify_terms(
            (s.terms, s.public),
            &coms,
            &mut products,
            t,
            checks,
        )?);
        subs.push(ZkSubClaim {
            point: point[n - s.num_vars..].to_vec(),
            factor_coms: coms,
        });
    }
    let points: Vec<Vec<Fr>> = subs.iter().map(|s| s.point.clone()).collect();
    let vals = public_evals(&points)?;
    expect_len("public factor value lists", vals.len(), shapes.len())?;
    let mut sum = Lc::default();
    for (((s, p), v), l) in shapes.iter().zip(&parts).zip(&vals).zip(&lambda) {
        expect_len(
            "public factor values",
            v.len(),
            s.public.len() - committed(s),
        )?;
        sum.add_scaled(&terms_sum(p, s.public, v), *l);
    }
    verify_zero(&(cur - &sum), &proof.final_ok, t, checks);
    Ok(subs)
}
