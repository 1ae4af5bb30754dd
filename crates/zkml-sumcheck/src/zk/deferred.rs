//! The verifier's group equations, collected and checked in **one**
//! multi-scalar multiplication.
//!
//! Every equation a verifier of this crate checks in G1 has the form
//!
//! ```text
//! E = Σ_i a_i·P_i + Σ_j g_j·G_j + u·U + h·H = 0
//! ```
//!
//! with `P_i` points of the proof or of the key (row commitments, round
//! commitments, Σ-protocol first messages), `G_j, U, H` the generators, and
//! scalars the verifier computes (challenges, responses, Lagrange and `eq`
//! weights). A point the verifier derives homomorphically (a committed claim
//! `2^s·C_y + C_r − o·U`, a round's next claim `Σ_i L_i(r)·C_{j,i}`, a
//! lookup column's `γ^{-1}·(C_w − C_a − e·U)`) is never formed: it stays an
//! [`Lc`], a linear combination of proof and key points, and enters the
//! equations that use it term by term.
//!
//! [`Checks`] collects the equations; [`Checks::finish`] draws a fresh
//! weight `w_e` per equation from the operating system's randomness (after
//! the whole proof is read: the prover cannot see or influence them) and
//! checks `Σ_e w_e·E_e = 0` with one MSM over every base (the generators'
//! scalars summed first). **Soundness:** G1 has prime order `p`; write
//! `E_e = x_e·G` for a fixed generator `G`. If some `x_e ≠ 0`, then
//! `Σ_e w_e·x_e` is a nonzero linear form in uniform `w`, zero with
//! probability exactly `1/p`: a batch with any false equation passes with
//! probability `1/p`, whatever the others hold. On failure the equations are
//! checked one by one to name the first false one (only on rejection).
//!
//! **Transcript.** Because derived points are not formed, the transcript
//! absorbs only what the prover sends (and the statement and challenges
//! before them); a derived point is a fixed function of those, so absorbing
//! it would bind nothing more (Fiat–Shamir needs every prover message and the
//! statement hashed before the challenge that depends on them). Both ends
//! absorb the same messages in the same order.

use std::collections::hash_map::{Entry, HashMap};
use std::fmt;

use rand_core06::{OsRng, RngCore};

use crate::error::{reject, Error, Result};
use crate::field::{
    msm, Field, Fr, FromUniformBytes, G1Affine, Group, GroupEncoding, PrimeCurveAffine, G1,
};
use crate::hyrax::Generators;

/// A point as `Σ_i a_i·P_i + u·U + h·H` over points of the proof or the key
/// (never formed by the verifier; see the [module doc](self)).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Lc {
    /// `(a_i, P_i)`.
    pub terms: Vec<(Fr, G1Affine)>,
    /// The coefficient of `U`.
    pub u: Fr,
    /// The coefficient of `H`.
    pub h: Fr,
}

impl fmt::Debug for Lc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lc(<{} points, U, H>)", self.terms.len())
    }
}

impl From<G1Affine> for Lc {
    fn from(p: G1Affine) -> Self {
        Self {
            terms: vec![(Fr::ONE, p)],
            ..Self::default()
        }
    }
}

impl Lc {
    /// `v·U` (a public value as a commitment with blind 0).
    pub fn public(v: Fr) -> Self {
        Self {
            u: v,
            ..Self::default()
        }
    }

    /// `self += a·p`.
    pub fn add_point(&mut self, a: Fr, p: G1Affine) {
        self.terms.push((a, p));
    }

    /// `self += a·other`.
    pub fn add_scaled(&mut self, other: &Lc, a: Fr) {
        self.terms
            .extend(other.terms.iter().map(|(c, p)| (*c * a, *p)));
        self.u += other.u * a;
        self.h += other.h * a;
    }

    /// `self *= a`.
    pub fn scale(&mut self, a: Fr) {
        self.terms.iter_mut().for_each(|(c, _)| *c *= a);
        self.u *= a;
        self.h *= a;
    }

    /// `a·self`.
    pub fn scaled(&self, a: Fr) -> Lc {
        let mut out = self.clone();
        out.scale(a);
        out
    }

    /// The point itself (one MSM; for tests, callers outside a batch, and
    /// naming a failed equation).
    pub fn eval(&self, gens: &Generators) -> Result<G1> {
        let (s, b): (Vec<Fr>, Vec<G1Affine>) = self.terms.iter().copied().unzip();
        Ok(msm(&s, &b)? + gens.commit_scalar(&self.u, &self.h))
    }
}

impl std::ops::Add<&Lc> for Lc {
    type Output = Lc;
    fn add(mut self, rhs: &Lc) -> Lc {
        self.add_scaled(rhs, Fr::ONE);
        self
    }
}

impl std::ops::Sub<&Lc> for Lc {
    type Output = Lc;
    fn sub(mut self, rhs: &Lc) -> Lc {
        self.add_scaled(rhs, -Fr::ONE);
        self
    }
}

/// One collected equation `lc + Σ_j g_j·G_j = 0`; with `later`, `lc` is
/// still being computed on rayon's threads ([`Checks::push_later`]).
struct Equation {
    what: &'static str,
    context: usize,
    lc: Lc,
    g: Vec<Fr>,
    later: Option<std::sync::mpsc::Receiver<Result<Lc>>>,
}

/// The group equations a verification has collected (see the [module
/// doc](self)); [`Checks::finish`] tests them all at once.
#[derive(Default)]
pub struct Checks {
    eqs: Vec<Equation>,
    contexts: Vec<String>,
}

impl fmt::Debug for Checks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checks(<{} equations>)", self.eqs.len())
    }
}

impl Checks {
    /// No equations yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names where the following equations come from (a node, the lookup,
    /// an opening group), for the error message of a rejected batch.
    pub fn context(&mut self, c: impl Into<String>) {
        self.contexts.push(c.into());
    }

    /// Number of equations collected.
    pub fn len(&self) -> usize {
        self.eqs.len()
    }

    /// Whether no equation was collected.
    pub fn is_empty(&self) -> bool {
        self.eqs.is_empty()
    }

    /// Moves `other`'s equations (and their contexts) after this one's, as if
    /// they had been pushed here (a sub-protocol checked on another thread).
    pub fn append(&mut self, other: Checks) {
        let offset = self.contexts.len();
        self.contexts.extend(other.contexts);
        self.eqs.extend(other.eqs.into_iter().map(|mut e| {
            if e.context > 0 {
                e.context += offset;
            }
            e
        }));
    }

    /// Adds the equation `lc = 0`; `what` names it (protocol and equation).
    pub fn push(&mut self, what: &'static str, lc: Lc) {
        self.push_with_g(what, lc, vec![]);
    }

    /// Adds `lc + Σ_j g_j·G_j = 0` (`g` at most the key's width).
    pub fn push_with_g(&mut self, what: &'static str, lc: Lc, g: Vec<Fr>) {
        self.eqs.push(Equation {
            what,
            context: self.contexts.len(),
            lc,
            g,
            later: None,
        });
    }

    /// Adds the equation `lc = 0` whose `lc` the task `f` computes, on
    /// rayon's threads from now on, while the verifier goes on (a sumcheck's
    /// final equation needs the public factors' values, which enter no
    /// transcript). The equation keeps its place and context; its error, if
    /// any, is [`Checks::finish`]'s.
    pub fn push_later(
        &mut self,
        what: &'static str,
        f: impl FnOnce() -> Result<Lc> + Send + 'static,
    ) {
        let (tx, rx) = std::sync::mpsc::channel();
        rayon::spawn(move || {
            // The receiver is gone only when the verification already failed.
            let _ = tx.send(f());
        });
        self.eqs.push(Equation {
            what,
            context: self.contexts.len(),
            lc: Lc::default(),
            g: vec![],
            later: Some(rx),
        });
    }

    /// Waits for every [`Checks::push_later`] equation. On one of rayon's
    /// threads it runs queued tasks while it waits (a verifier called from a
    /// parallel iterator must not block the threads its tasks need).
    fn resolve(&mut self) -> Result<()> {
        use std::sync::mpsc::TryRecvError;
        for e in &mut self.eqs {
            let Some(rx) = e.later.take() else { continue };
            let stopped = || Error::Invalid(format!("{}: its task stopped", e.what));
            e.lc = loop {
                match rx.try_recv() {
                    Ok(r) => break r?,
                    Err(TryRecvError::Disconnected) => return Err(stopped()),
                    Err(TryRecvError::Empty) => match rayon::yield_now() {
                        // Not one of rayon's threads: block.
                        None => break rx.recv().map_err(|_| stopped())??,
                        Some(rayon::Yield::Executed) => {}
                        Some(rayon::Yield::Idle) => std::thread::yield_now(),
                    },
                }
            };
        }
        Ok(())
    }

    /// Checks every collected equation with one MSM under fresh random
    /// weights from the operating system; on failure names the first false
    /// equation.
    pub fn finish(self, gens: &Generators) -> Result<()> {
        let mut seed = [0u8; 32];
        OsRng.fill_bytes(&mut seed);
        self.finish_with_seed(gens, &seed)
    }

    /// [`Checks::finish`] with the weights derived from `seed` (BLAKE2b in
    /// counter mode); the seed must be unpredictable to the prover (tests
    /// use fixed ones).
    pub(crate) fn finish_with_seed(mut self, gens: &Generators, seed: &[u8; 32]) -> Result<()> {
        {
            let _s = crate::profile::span("v/deferred_wait");
            self.resolve()?;
        }
        let _s = crate::profile::span("v/deferred_msm");
        if self.eqs.is_empty() {
            return Ok(());
        }
        let width = gens.g.len();
        if let Some(e) = self.eqs.iter().find(|e| e.g.len() > width) {
            return Err(Error::Invalid(format!(
                "an equation over {} generators, the key has {width}",
                e.g.len()
            )));
        }
        let n_terms: usize = self.eqs.iter().map(|e| e.lc.terms.len()).sum();
        let mut scalars = Vec::with_capacity(n_terms + width + 2);
        let mut bases = Vec::with_capacity(n_terms + width + 2);
        // A point in several equations (a claim's commitment, a factor's)
        // is one base with its scalars summed.
        let mut index: HashMap<[u8; 32], usize> = HashMap::with_capacity(n_terms);
        let mut g = vec![Fr::ZERO; width];
        let (mut u, mut h) = (Fr::ZERO, Fr::ZERO);
        for (i, e) in self.eqs.iter().enumerate() {
            let w = weight(seed, i as u64);
            for (a, p) in &e.lc.terms {
                // The identity adds nothing (a zero row's commitment): left
                // out here, so the padding below sees the real base count.
                if bool::from(p.is_identity()) {
                    continue;
                }
                let mut key = [0u8; 32];
                key.copy_from_slice(p.to_bytes().as_ref());
                match index.entry(key) {
                    Entry::Occupied(o) => scalars[*o.get()] += *a * w,
                    Entry::Vacant(v) => {
                        v.insert(scalars.len());
                        scalars.push(*a * w);
                        bases.push(*p);
                    }
                }
            }
            u += e.lc.u * w;
            h += e.lc.h * w;
            for (gj, c) in g.iter_mut().zip(&e.g) {
                *gj += *c * w;
            }
        }
        scalars.extend_from_slice(&g);
        bases.extend_from_slice(&gens.g);
        scalars.extend([u, h]);
        bases.extend([gens.u, gens.h]);
        if crate::profile::enabled() {
            eprintln!(
                "zkml-sumcheck deferred MSM: {} equations, {} terms, {} points",
                self.eqs.len(),
                n_terms,
                bases.len()
            );
        }
        // halo2curves' `msm_best` takes its faster path (batch-affine bucket
        // additions, windows on rayon's threads) from BATCH_AFFINE_FROM
        // points; below that it splits the points between the threads with
        // projective additions. Zero scalars add nothing (a zero digit is
        // skipped), so padding a mid-sized batch up to the threshold is the
        // same sum for about a quarter less work (4,000 points: 41 → 32 CPU
        // ms).
        if (PAD_FROM..BATCH_AFFINE_FROM).contains(&bases.len()) {
            scalars.resize(BATCH_AFFINE_FROM, Fr::ZERO);
            bases.resize(BATCH_AFFINE_FROM, gens.h);
        }
        if bool::from(msm(&scalars, &bases)?.is_identity()) {
            return Ok(());
        }
        Err(self.first_false(gens))
    }

    /// The rejection naming the first false equation (each evaluated alone).
    fn first_false(&self, gens: &Generators) -> Error {
        for e in &self.eqs {
            let ok =
                e.lc.eval(gens)
                    .and_then(|p| Ok(p + msm(&e.g, &gens.g[..e.g.len()])?));
            if !matches!(ok, Ok(p) if bool::from(p.is_identity())) {
                let at = match e.context {
                    0 => "the proof".to_string(),
                    c => self.contexts[c - 1].clone(),
                };
                return reject(e.what, at);
            }
        }
        // Every equation holds alone: the weights hit the 1/p event.
        reject(
            "batched group equations",
            "random combination (probability 1/p)",
        )
    }
}

/// The size from which `msm_best` uses batch-affine buckets
/// (`⌈ln n⌉ ≥ 10`).
const BATCH_AFFINE_FROM: usize = 8_104;

/// Batches from this size are padded to [`BATCH_AFFINE_FROM`] (smaller ones
/// gain nothing).
const PAD_FROM: usize = 2_048;

/// The `i`-th weight: `BLAKE2b-512(seed ‖ u64le(i))` reduced mod p.
fn weight(seed: &[u8; 32], i: u64) -> Fr {
    let h = blake2b_simd::Params::new()
        .hash_length(64)
        .personal(b"zkml-defer-msm")
        .to_state()
        .update(seed)
        .update(&i.to_le_bytes())
        .finalize();
    let mut wide = [0u8; 64];
    wide.copy_from_slice(h.as_bytes());
    Fr::from_uniform_bytes(&wide)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{Curve, Field};
    use rand_chacha03::rand_core::SeedableRng;
    use rand_chacha03::ChaCha20Rng;

    fn gens() -> Generators {
        Generators::new(b"deferred test", 4)
    }

    /// `n` true equations over random points, each `a·P + b·Q − (a·P + b·Q) = 0`
    /// with the right side as a point of its own, plus generator terms.
    fn true_equations(gens: &Generators, n: usize, seed: u64) -> Vec<(Lc, Vec<Fr>)> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let (a, b, v, r) = (
                    Fr::random(&mut rng),
                    Fr::random(&mut rng),
                    Fr::random(&mut rng),
                    Fr::random(&mut rng),
                );
                let g: Vec<Fr> = (0..gens.g.len()).map(|_| Fr::random(&mut rng)).collect();
                let p = (G1::generator() * Fr::random(&mut rng)).to_affine();
                let q = (G1::generator() * Fr::random(&mut rng)).to_affine();
                // a·P + b·Q + Σ g_j·G_j + v·U + r·H − S = 0 with S formed here.
                let s = (p * a + q * b + msm(&g, &gens.g).unwrap() + gens.commit_scalar(&v, &r))
                    .to_affine();
                let mut lc = Lc::default();
                lc.add_point(a, p);
                lc.add_point(b, q);
                lc.add_point(-Fr::ONE, s);
                lc.u = v;
                lc.h = r;
                (lc, g)
            })
            .collect()
    }

    fn batch(eqs: &[(Lc, Vec<Fr>)]) -> Checks {
        let mut c = Checks::new();
        for (k, (lc, g)) in eqs.iter().enumerate() {
            c.context(format!("equation {k}"));
            c.push_with_g("test equation", lc.clone(), g.clone());
        }
        c
    }

    /// Equations computed later on rayon's threads keep their place: a
    /// true batch passes, a false one computed later is rejected and named,
    /// and a task's error is the batch's error.
    #[test]
    fn equations_computed_later_are_checked_in_their_place() {
        let g = gens();
        // a·P − Q = 0 with Q = a·P (no generator terms).
        let eqs: Vec<(Lc, ())> = (1..=6u64)
            .map(|k| {
                let p = (G1::generator() * Fr::from(k + 10)).to_affine();
                let a = Fr::from(3 * k + 1);
                let mut lc = Lc::from((p * a).to_affine());
                lc.scale(-Fr::ONE);
                lc.add_point(a, p);
                (lc, ())
            })
            .collect();
        let later = |bad: Option<usize>, fails: bool| {
            let mut c = Checks::new();
            for (k, (lc, _)) in eqs.iter().enumerate() {
                c.context(format!("equation {k}"));
                let mut lc = lc.clone();
                if bad == Some(k) {
                    lc.u += Fr::ONE;
                }
                if k % 2 == 1 {
                    c.push_later("test equation", move || {
                        if fails {
                            Err(Error::Invalid("a public evaluation failed".into()))
                        } else {
                            Ok(lc)
                        }
                    });
                } else {
                    c.push("test equation", lc);
                }
            }
            c.finish(&g)
        };
        later(None, false).unwrap();
        for k in [1, 4] {
            assert_eq!(
                later(Some(k), false).unwrap_err(),
                Error::Rejected {
                    check: "test equation",
                    detail: format!("equation {k}")
                }
            );
        }
        assert!(matches!(later(None, true), Err(Error::Invalid(_))));
        // Verifications inside a parallel iterator (every one of rayon's
        // threads waiting on its tasks) finish.
        use rayon::prelude::*;
        let n = 4 * rayon::current_num_threads();
        let ok = (0..n)
            .into_par_iter()
            .filter(|_| later(None, false).is_ok())
            .count();
        assert_eq!(ok, n);
    }

    #[test]
    fn appended_checks_keep_their_equations_and_contexts() {
        // Two batches checked as one: every equation counts, and a false one
        // in the appended batch is named by its own context.
        let g = gens();
        let eqs = true_equations(&g, 6, 5);
        let mut a = batch(&eqs[..3]);
        a.append(batch(&eqs[3..]));
        assert_eq!(a.len(), 6);
        a.finish(&g).unwrap();
        let mut bad = eqs.clone();
        bad[4].0.h += Fr::ONE;
        let mut a = batch(&bad[..3]);
        let mut b = Checks::new();
        for (k, (lc, gk)) in bad[3..].iter().enumerate() {
            b.context(format!("late {k}"));
            b.push_with_g("test equation", lc.clone(), gk.clone());
        }
        a.append(b);
        let err = a.finish(&g).unwrap_err();
        // The appended batch's second context, not the first batch's.
        assert!(
            matches!(err, Error::Rejected { ref detail, .. } if detail == "late 1"),
            "{err}"
        );
        // With a context-free equation first in the appended batch.
        let mut a = batch(&eqs[..2]);
        let mut b = Checks::new();
        b.push_with_g("test equation", bad[4].0.clone(), bad[4].1.clone());
        a.append(b);
        let err = a.finish(&g).unwrap_err();
        assert!(
            matches!(err, Error::Rejected { ref detail, .. } if detail == "the proof"),
            "{err}"
        );
    }

    #[test]
    fn true_equations_pass_in_one_msm() {
        let g = gens();
        let eqs = true_equations(&g, 20, 1);
        batch(&eqs).finish(&g).unwrap();
        Checks::new().finish(&g).unwrap();
    }

    #[test]
    fn a_batch_padded_for_the_faster_msm_still_rejects_one_false_equation() {
        // 700 equations of 3 points each: past PAD_FROM, so the MSM is
        // padded with zero scalars up to BATCH_AFFINE_FROM points.
        let g = gens();
        let eqs = true_equations(&g, 700, 4);
        let n: usize = eqs.iter().map(|(lc, _)| lc.terms.len()).sum();
        assert!((PAD_FROM..BATCH_AFFINE_FROM).contains(&n), "{n}");
        batch(&eqs).finish(&g).unwrap();
        for k in [0, 350, 699] {
            let mut bad = eqs.clone();
            bad[k].0.h += Fr::ONE;
            let err = batch(&bad).finish(&g).unwrap_err();
            assert!(
                matches!(err, Error::Rejected { ref detail, .. } if *detail == format!("equation {k}")),
                "{err}"
            );
        }
    }

    #[test]
    fn exactly_one_false_equation_is_rejected_and_named() {
        // Each equation in turn made false (its U coefficient off by one)
        // while the other 19 hold: the batch rejects, naming that one.
        let g = gens();
        let eqs = true_equations(&g, 20, 2);
        for k in [0, 7, 19] {
            let mut bad = eqs.clone();
            bad[k].0.u += Fr::ONE;
            let err = batch(&bad).finish(&g).unwrap_err();
            assert_eq!(
                err,
                Error::Rejected {
                    check: "test equation",
                    detail: format!("equation {k}")
                }
            );
            // …also under several fixed seeds (the weights are random).
            for seed in 0..4u8 {
                assert!(batch(&bad).finish_with_seed(&g, &[seed; 32]).is_err());
            }
        }
        // A false generator coefficient alone.
        let mut bad = eqs.clone();
        bad[3].1[2] += Fr::ONE;
        assert!(batch(&bad).finish(&g).is_err());
    }

    #[test]
    fn two_false_equations_that_cancel_in_a_plain_sum_are_rejected() {
        // E_1 = +D and E_2 = −D: a sum with equal weights would accept;
        // independent random weights do not.
        let g = gens();
        let mut eqs = true_equations(&g, 4, 3);
        let d = (G1::generator() * Fr::from(5)).to_affine();
        eqs[1].0.add_point(Fr::ONE, d);
        eqs[2].0.add_point(-Fr::ONE, d);
        for seed in 0..4u8 {
            assert!(batch(&eqs).finish_with_seed(&g, &[seed; 32]).is_err());
        }
        assert!(batch(&eqs).finish(&g).is_err());
    }

    #[test]
    fn linear_combinations_evaluate_like_the_points_they_stand_for() {
        let g = gens();
        let (p, q) = (
            (G1::generator() * Fr::from(3)).to_affine(),
            (G1::generator() * Fr::from(7)).to_affine(),
        );
        let mut a = Lc::from(p);
        a.u = Fr::from(2);
        let b = Lc::from(q).scaled(Fr::from(4));
        let c = (a.clone() - &b).scaled(Fr::from(5)) + &Lc::public(Fr::from(9));
        let want = (G1::from(p) - G1::from(q) * Fr::from(4) + G1::from(g.u) * Fr::from(2))
            * Fr::from(5)
            + G1::from(g.u) * Fr::from(9);
        assert_eq!(c.eval(&g).unwrap().to_affine(), want.to_affine());
        // Too many generator coefficients is an error, not a silent cut.
        let mut k = Checks::new();
        k.push_with_g("wide", Lc::default(), vec![Fr::ZERO; 5]);
        assert!(matches!(k.finish(&g), Err(Error::Invalid(_))));
    }

    #[test]
    fn a_point_shared_by_equations_is_one_base_and_each_equation_still_counts() {
        // E_k: a_k·P − S_k = 0 with one P in all; merged into one base.
        let g = gens();
        let p = (G1::generator() * Fr::from(11)).to_affine();
        let eq = |a: u64, off: u64| {
            let s = (p * Fr::from(a) + G1::from(g.u) * Fr::from(off)).to_affine();
            let mut lc = Lc::default();
            lc.add_point(Fr::from(a), p);
            lc.add_point(-Fr::ONE, s);
            (lc, vec![])
        };
        let good: Vec<(Lc, Vec<Fr>)> = (1..6).map(|a| eq(a, 0)).collect();
        batch(&good).finish(&g).unwrap();
        let mut bad = good.clone();
        // S_2 off by one U: only equation 2 is false.
        bad[2] = eq(3, 1);
        bad[2].0.u = Fr::ZERO;
        let err = batch(&bad).finish(&g).unwrap_err();
        assert!(
            matches!(err, Error::Rejected { ref detail, .. } if detail == "equation 2"),
            "{err}"
        );
    }
}
