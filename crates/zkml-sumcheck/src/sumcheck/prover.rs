//! The sumcheck prover (see the [module doc](super) for the equations).
//!
//! Each round costs `O(2^{n−j}·(K + Σ_t |S_t|)·d)` field operations: for every
//! pair `(f[2i], f[2i+1])` the prover extends each factor to `X = 0..d` by
//! adding its slope, multiplies along each term, and sums; then it folds every
//! factor at `r_j` ([`Mle::fix_first_variable`]). Rounds over large tables run
//! on rayon.

use rayon::prelude::*;

use super::msg::{RoundPoly, SumcheckProof};
use crate::error::{Error, Result};
use crate::field::{Field, Fr};
use crate::mle::Mle;
use crate::transcript::Transcript;

/// The prover's statement: factors and terms (see the module doc).
#[derive(Clone, Debug)]
pub struct ProductSum {
    /// The multilinear factors `f_k`, all in the same number of variables.
    pub factors: Vec<Mle>,
    /// Terms `(c_t, S_t)`: coefficient and factor indices.
    pub terms: Vec<(Fr, Vec<usize>)>,
}

/// What the prover ends with.
#[derive(Clone, Debug)]
pub struct ProverOutput {
    /// The proof (round messages).
    pub proof: SumcheckProof,
    /// The challenge point `r` (one coordinate per variable).
    pub point: Vec<Fr>,
    /// `f̃_k(r)` for every factor, in order.
    pub factor_evals: Vec<Fr>,
}

impl ProductSum {
    /// Checks that all factors have the same number of variables and every
    /// term names existing factors.
    pub fn new(factors: Vec<Mle>, terms: Vec<(Fr, Vec<usize>)>) -> Result<Self> {
        let n = factors.first().map_or(0, |f| f.num_vars);
        if let Some(f) = factors.iter().find(|f| f.num_vars != n) {
            return Err(Error::Invalid(format!(
                "sumcheck factors in {n} and {} variables",
                f.num_vars
            )));
        }
        if let Some(k) = terms
            .iter()
            .flat_map(|t| &t.1)
            .find(|&&k| k >= factors.len())
        {
            return Err(Error::Invalid(format!(
                "sumcheck term names factor {k} of {}",
                factors.len()
            )));
        }
        Ok(Self { factors, terms })
    }

    /// Number of variables `n`.
    pub fn num_vars(&self) -> usize {
        self.factors.first().map_or(0, |f| f.num_vars)
    }

    /// Degree `d = max_t |S_t|` (at least 1, so a round message is never empty).
    pub fn degree(&self) -> usize {
        degree_of(&self.terms)
    }

    /// The sum `H` over the hypercube (the honest claim).
    pub fn sum(&self) -> Fr {
        let len = self.factors.first().map_or(0, |f| f.evals.len());
        let at = |i: usize| {
            self.terms
                .iter()
                .map(|(c, s)| s.iter().fold(*c, |p, &k| p * self.factors[k].evals[i]))
                .sum::<Fr>()
        };
        if len < 2 * PAR_MIN {
            return (0..len).map(at).sum();
        }
        (0..len).into_par_iter().map(at).sum()
    }

    /// `g_j(0..=d)` for the current (partially folded) tables. Tables under
    /// [`PAR_MIN`] pairs run on the calling thread (a rayon hand-off costs
    /// more than the work there, and most rounds are small).
    pub(crate) fn round_poly(&self, d: usize) -> Vec<Fr> {
        let half = self.factors[0].evals.len() / 2;
        let kf = self.factors.len();
        // Terms whose coefficient is 1 skip its multiplication.
        let unit: Vec<bool> = self.terms.iter().map(|(c, _)| *c == Fr::ONE).collect();
        let init = || (vec![Fr::ZERO; d + 1], vec![Fr::ZERO; kf * (d + 1)]);
        let body = |(mut acc, mut ext): (Vec<Fr>, Vec<Fr>), i: usize| {
            // Sparse tables (lookup multiplicities and helpers): a term with a
            // factor zero at both 2i and 2i+1 vanishes for every X; skip the
            // pair when every term does. (`==` on the limbs, not the
            // constant-time `is_zero`: this is per pair and per factor, and
            // the prover's running time is not secret-independent anyway.)
            let dead = |k: usize| {
                let f = &self.factors[k].evals;
                f[2 * i] == Fr::ZERO && f[2 * i + 1] == Fr::ZERO
            };
            if self.terms.iter().all(|(_, s)| s.iter().any(|&k| dead(k))) {
                return (acc, ext);
            }
            for (k, f) in self.factors.iter().enumerate() {
                let lo = f.evals[2 * i];
                let slope = f.evals[2 * i + 1] - lo;
                let row = &mut ext[k * (d + 1)..(k + 1) * (d + 1)];
                row[0] = lo;
                for t in 1..=d {
                    row[t] = row[t - 1] + slope;
                }
            }
            for ((c, s), &unit) in self.terms.iter().zip(&unit) {
                let Some((&first, rest)) = s.split_first() else {
                    // An empty product: the constant c at every X.
                    acc.iter_mut().for_each(|a| *a += c);
                    continue;
                };
                for (t, a) in acc.iter_mut().enumerate() {
                    let mut p = ext[first * (d + 1) + t];
                    for &k in rest {
                        p *= ext[k * (d + 1) + t];
                    }
                    if !unit {
                        p *= c;
                    }
                    *a += p;
                }
            }
            (acc, ext)
        };
        if half < PAR_MIN {
            return (0..half).fold(init(), body).0;
        }
        let chunk = 1024.max(half / (4 * rayon::current_num_threads().max(1)));
        (0..half)
            .into_par_iter()
            .with_min_len(chunk)
            .fold(init, body)
            .map(|(acc, _)| acc)
            .reduce(
                || vec![Fr::ZERO; d + 1],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        *x += y;
                    }
                    a
                },
            )
    }

    /// Fixes the first variable of every factor to `r` (in parallel over
    /// factors for large tables).
    pub(crate) fn fix_first_variable(&mut self, r: Fr) {
        if self.factors[0].evals.len() < 2 * PAR_MIN {
            self.factors
                .iter_mut()
                .for_each(|f| f.fix_first_variable(r));
        } else {
            self.factors
                .par_iter_mut()
                .for_each(|f| f.fix_first_variable(r));
        }
    }
}

/// What a sumcheck prover needs of its instance, so that an instance with
/// structure (an `eq` factor handled by splitting, constant factors) can
/// compute the same round polynomials faster than the generic
/// [`ProductSum`]. Every implementation sends exactly the polynomials
/// [`ProductSum`] would for the same factors and terms (its tests compare
/// them), so the verifier is the same.
pub(crate) trait RoundProver {
    /// Number of variables still to bind at the start.
    fn num_vars(&self) -> usize;
    /// The degree `d` of every round polynomial.
    fn degree(&self) -> usize;
    /// The terms `(c_t, S_t)` over the (conceptual) factors.
    fn terms(&self) -> &[(Fr, Vec<usize>)];
    /// `g_j(0..=d)` for the current round.
    fn round_poly(&self, d: usize) -> Vec<Fr>;
    /// Binds the current variable to `r`.
    fn fix_first_variable(&mut self, r: Fr);
    /// Every factor's value at the point, after the last round.
    fn final_values(&self) -> Vec<Fr>;
}

impl RoundProver for ProductSum {
    fn num_vars(&self) -> usize {
        ProductSum::num_vars(self)
    }
    fn degree(&self) -> usize {
        ProductSum::degree(self)
    }
    fn terms(&self) -> &[(Fr, Vec<usize>)] {
        &self.terms
    }
    fn round_poly(&self, d: usize) -> Vec<Fr> {
        ProductSum::round_poly(self, d)
    }
    fn fix_first_variable(&mut self, r: Fr) {
        ProductSum::fix_first_variable(self, r)
    }
    fn final_values(&self) -> Vec<Fr> {
        self.factors.iter().map(|f| f.evals[0]).collect()
    }
}

/// `max_t |S_t|`, at least 1: the degree of a sumcheck over `terms`.
pub(crate) fn degree_of(terms: &[(Fr, Vec<usize>)]) -> usize {
    terms.iter().map(|t| t.1.len()).max().unwrap_or(0).max(1)
}

/// Pairs below which a round runs on the calling thread.
pub(crate) const PAR_MIN: usize = 1 << 12;

/// Runs the prover for `claim = inst.sum()` over `t`. The caller has absorbed
/// everything the claim depends on; this absorbs `n`, `d`, the claim, and
/// each round message before its challenge.
pub fn prove(mut inst: ProductSum, claim: &Fr, t: &mut Transcript) -> ProverOutput {
    let (n, d) = (inst.num_vars(), inst.degree());
    super::absorb_statement(t, n, d, claim);
    let mut rounds = Vec::with_capacity(n);
    let mut point = Vec::with_capacity(n);
    for _ in 0..n {
        let evals = inst.round_poly(d);
        t.absorb_scalars(b"sumcheck/round", &evals);
        let r = t.challenge(b"sumcheck/r");
        inst.fix_first_variable(r);
        rounds.push(RoundPoly { evals });
        point.push(r);
    }
    let factor_evals = inst.factors.iter().map(|f| f.evals[0]).collect();
    ProverOutput {
        proof: SumcheckProof { rounds },
        point,
        factor_evals,
    }
}
