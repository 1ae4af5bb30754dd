//! The fraction tree's layer sumcheck, prover side, with the `eq` factor
//! split off (Gruen's trick; Dao–Thaler, ePrint 2024/1210, §3).
//!
//! The instance is [`super::layer_terms`] over `[eq(r, ·), p0, p1, q0, q1]`:
//!
//! ```text
//! Σ_x eq(r, x)·F(x),      F = p0·q1 + p1·q0 + λ·q0·q1.
//! ```
//!
//! After binding `s_0, …, s_{j−1}`, `eq(r, (s, X, x')) = c_j·eq(r_j, X)·E_j(x')`
//! with `c_j = Π_{i<j} eq(r_i, s_i)` and `E_j = eq(r_{j+1..}, ·)`, so the round
//! polynomial is
//!
//! ```text
//! g_j(X) = c_j·eq(r_j, X)·h_j(X),      h_j(X) = Σ_{x'} E_j(x')·F(s, X, x'),
//! ```
//!
//! and `h_j` has degree 2: the prover sums `F` at `X = 0`, `X = 1` and its
//! leading coefficient (products of slopes) against `E_j`, instead of four
//! evaluations of three degree-3 products, and never folds an `eq` table
//! (`E_{j+1}[i] = E_j[2i] + E_j[2i+1]`, additions only). At the leaves
//! `p ≡ 1` and `F = q0 + q1 + λ·q0·q1`. The polynomials sent are exactly
//! those of the generic [`crate::sumcheck::ProductSum`] over the same
//! factors (the tests compare them), so the verifier is unchanged.

use rayon::prelude::*;

use crate::field::{Field, Fr};
use crate::mle::eq_table;
use crate::sumcheck::prover::{RoundProver, PAR_MIN};

/// One layer's instance (see the [module doc](self)).
pub(crate) struct LayerSum {
    terms: Vec<(Fr, Vec<usize>)>,
    lambda: Fr,
    /// The claim point `r` (the `eq` factor's).
    r: Vec<Fr>,
    /// Rounds bound so far (`j`).
    j: usize,
    /// `c_j`.
    scale: Fr,
    /// `E_j`, `2^{m−1}` entries while `m ≥ 1` variables remain.
    e: Vec<Fr>,
    /// `[p0, p1]`, or `None` when `p ≡ 1` (the leaves).
    p: Option<[Vec<Fr>; 2]>,
    /// `[q0, q1]`.
    q: [Vec<Fr>; 2],
}

impl LayerSum {
    /// The layer with claim point `r` over `p = (p0, p1)`, `q = (q0, q1)`
    /// (each `2^{|r|}` entries) and challenge `λ`.
    pub(crate) fn new(r: &[Fr], p: [&[Fr]; 2], q: [&[Fr]; 2], lambda: Fr) -> Self {
        let ones = p.iter().all(|t| t.iter().all(|v| *v == Fr::ONE));
        Self {
            terms: super::layer_terms(lambda),
            lambda,
            r: r.to_vec(),
            j: 0,
            scale: Fr::ONE,
            e: if r.is_empty() {
                vec![]
            } else {
                eq_table(&r[1..])
            },
            p: (!ones).then(|| p.map(<[Fr]>::to_vec)),
            q: q.map(<[Fr]>::to_vec),
        }
    }

    /// `[Σ E·F(0), Σ E·F(1), Σ E·lead(F)]` over the pairs `range`.
    fn partial(&self, range: std::ops::Range<usize>) -> [Fr; 3] {
        let (q0, q1, e, lambda) = (&self.q[0], &self.q[1], &self.e, self.lambda);
        let mut acc = [Fr::ZERO; 3];
        match &self.p {
            Some([p0, p1]) => {
                for i in range {
                    let (a, b) = (2 * i, 2 * i + 1);
                    // F = p0·q1 + q0·(p1 + λ·q1) at 0, at 1, and its X² coefficient.
                    let f0 = p0[a] * q1[a] + q0[a] * (p1[a] + lambda * q1[a]);
                    let f1 = p0[b] * q1[b] + q0[b] * (p1[b] + lambda * q1[b]);
                    let (dp0, dp1) = (p0[b] - p0[a], p1[b] - p1[a]);
                    let (dq0, dq1) = (q0[b] - q0[a], q1[b] - q1[a]);
                    let lead = dp0 * dq1 + dq0 * (dp1 + lambda * dq1);
                    acc[0] += e[i] * f0;
                    acc[1] += e[i] * f1;
                    acc[2] += e[i] * lead;
                }
            }
            None => {
                for i in range {
                    let (a, b) = (2 * i, 2 * i + 1);
                    // F = q0 + q1 + λ·q0·q1.
                    let f0 = q0[a] + q1[a] + lambda * q0[a] * q1[a];
                    let f1 = q0[b] + q1[b] + lambda * q0[b] * q1[b];
                    let lead = lambda * (q0[b] - q0[a]) * (q1[b] - q1[a]);
                    acc[0] += e[i] * f0;
                    acc[1] += e[i] * f1;
                    acc[2] += e[i] * lead;
                }
            }
        }
        acc
    }
}

/// `t[i] ← t[2i] + r·(t[2i+1] − t[2i])`, halving `t`.
fn fold(t: &mut Vec<Fr>, r: Fr) {
    let half = t.len() / 2;
    for i in 0..half {
        let (lo, hi) = (t[2 * i], t[2 * i + 1]);
        t[i] = lo + r * (hi - lo);
    }
    t.truncate(half);
}

impl RoundProver for LayerSum {
    fn num_vars(&self) -> usize {
        self.r.len()
    }

    fn degree(&self) -> usize {
        3
    }

    fn terms(&self) -> &[(Fr, Vec<usize>)] {
        &self.terms
    }

    fn round_poly(&self, d: usize) -> Vec<Fr> {
        let half = self.e.len();
        let [h0, h1, a] = if half < PAR_MIN {
            self.partial(0..half)
        } else {
            let chunk = 1024.max(half / (4 * rayon::current_num_threads().max(1)));
            (0..half.div_ceil(chunk))
                .into_par_iter()
                .map(|c| self.partial(c * chunk..((c + 1) * chunk).min(half)))
                .reduce(
                    || [Fr::ZERO; 3],
                    |x, y| [x[0] + y[0], x[1] + y[1], x[2] + y[2]],
                )
        };
        // h(X) = h0 + b·X + a·X², g(X) = c·((1 − r_j) + (2r_j − 1)·X)·h(X).
        let b = h1 - h0 - a;
        let rj = self.r[self.j];
        let (e0, de) = (Fr::ONE - rj, rj.double() - Fr::ONE);
        (0..=d as u64)
            .map(|x| {
                let x = Fr::from(x);
                self.scale * (e0 + de * x) * (h0 + x * (b + a * x))
            })
            .collect()
    }

    fn fix_first_variable(&mut self, s: Fr) {
        let rj = self.r[self.j];
        self.scale *= (Fr::ONE - rj) * (Fr::ONE - s) + rj * s;
        self.j += 1;
        let next: Vec<Fr> = self.e.chunks(2).map(|c| c.iter().sum()).collect();
        self.e = if self.j < self.r.len() { next } else { vec![] };
        let mut tables: Vec<&mut Vec<Fr>> = self.q.iter_mut().collect();
        if let Some(p) = &mut self.p {
            tables.extend(p.iter_mut());
        }
        if tables[0].len() < 2 * PAR_MIN {
            tables.into_iter().for_each(|t| fold(t, s));
        } else {
            tables.into_par_iter().for_each(|t| fold(t, s));
        }
    }

    fn final_values(&self) -> Vec<Fr> {
        let (p0, p1) = match &self.p {
            Some([p0, p1]) => (p0[0], p1[0]),
            None => (Fr::ONE, Fr::ONE),
        };
        vec![self.scale, p0, p1, self.q[0][0], self.q[1][0]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mle::Mle;
    use crate::sumcheck::ProductSum;
    use rand_chacha03::rand_core::SeedableRng;
    use rand_chacha03::ChaCha20Rng;

    fn rand_vec(rng: &mut ChaCha20Rng, n: usize) -> Vec<Fr> {
        (0..n).map(|_| Fr::random(&mut *rng)).collect()
    }

    /// Same round polynomials and final values as the generic prover, for
    /// inner layers and for leaves with `p ≡ 1`, at every size including
    /// the parallel path.
    #[test]
    fn layer_sum_sends_the_generic_provers_polynomials() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        for (k, ones) in [
            (0, false),
            (1, false),
            (1, true),
            (4, false),
            (4, true),
            (14, false),
            (14, true),
        ] {
            let n = 1usize << k;
            let r = rand_vec(&mut rng, k);
            let (p0, p1) = if ones {
                (vec![Fr::ONE; n], vec![Fr::ONE; n])
            } else {
                (rand_vec(&mut rng, n), rand_vec(&mut rng, n))
            };
            let (q0, q1) = (rand_vec(&mut rng, n), rand_vec(&mut rng, n));
            let lambda = Fr::random(&mut rng);
            let mut fast = LayerSum::new(&r, [&p0, &p1], [&q0, &q1], lambda);
            assert_eq!(fast.p.is_none(), ones);
            let mut slow = ProductSum::new(
                [eq_table(&r), p0, p1, q0, q1]
                    .into_iter()
                    .map(|t| Mle::new(t).unwrap())
                    .collect(),
                super::super::layer_terms(lambda),
            )
            .unwrap();
            assert_eq!(RoundProver::num_vars(&fast), slow.num_vars());
            assert_eq!(RoundProver::degree(&fast), slow.degree());
            for _ in 0..k {
                assert_eq!(
                    RoundProver::round_poly(&fast, 3),
                    slow.round_poly(3),
                    "k = {k}"
                );
                let s = Fr::random(&mut rng);
                RoundProver::fix_first_variable(&mut fast, s);
                slow.fix_first_variable(s);
            }
            assert_eq!(
                fast.final_values(),
                RoundProver::final_values(&slow),
                "k = {k}"
            );
        }
    }
}
