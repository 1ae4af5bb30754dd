//! The batched committed sumcheck: honest batches of mixed sizes and
//! degrees, a wrong claim in one instance, tampered messages, and a shape
//! the verifier does not expect.

use rand_chacha03::rand_core::SeedableRng;
use rand_chacha03::ChaCha20Rng;

use super::*;
use crate::error::Error;
use crate::field::{Curve, Field, G1Affine};
use crate::hyrax::Generators;
use crate::mle::{eq_eval, eq_table, Mle};
use crate::sumcheck::ProductSum;
use crate::zk::{Checks, Lc, Opening};

fn gens() -> Generators {
    Generators::new(b"zk batch test", 2)
}

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// An instance: `n` variables, `k` random committed factors, the public
/// `eq(τ, ·)` last; `terms` over them.
struct Inst {
    sum: ProductSum,
    tau: Vec<Fr>,
    public: Vec<bool>,
}

fn inst(seed: u64, n: usize, k: usize, terms: Vec<(Fr, Vec<usize>)>) -> Inst {
    let mut r = rng(seed);
    let mut factors: Vec<Mle> = (0..k)
        .map(|_| Mle::new((0..1 << n).map(|_| Fr::random(&mut r)).collect()).unwrap())
        .collect();
    let tau: Vec<Fr> = (0..n).map(|_| Fr::random(&mut r)).collect();
    factors.push(Mle::new(eq_table(&tau)).unwrap());
    let mut public = vec![false; k];
    public.push(true);
    Inst {
        sum: ProductSum::new(factors, terms).unwrap(),
        tau,
        public,
    }
}

/// Three instances: degree 3 on 4 variables, degree 2 on 2, degree 1 on 5.
fn batch() -> Vec<Inst> {
    vec![
        inst(
            1,
            4,
            3,
            vec![(Fr::from(2), vec![0, 1, 2]), (Fr::from(3), vec![3, 0])],
        ),
        inst(2, 2, 2, vec![(Fr::ONE, vec![0, 1]), (Fr::from(7), vec![2])]),
        inst(3, 5, 1, vec![(Fr::from(5), vec![0])]),
    ]
}

fn claims(insts: &[Inst], wrong: Option<usize>) -> Vec<Opening> {
    let mut r = rng(40);
    insts
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let bump = if wrong == Some(i) { Fr::ONE } else { Fr::ZERO };
            Opening::random(b.sum.sum() + bump, &mut r)
        })
        .collect()
}

fn prove(insts: &[Inst], claims: &[Opening]) -> BatchOutput {
    let b = insts
        .iter()
        .zip(claims)
        .map(|(i, c)| BatchInstance {
            inst: i.sum.clone(),
            public: i.public.clone(),
            claim: *c,
        })
        .collect();
    prove_sumcheck_batch(&gens(), b, &mut Transcript::new(b"b"), &mut rng(7)).unwrap()
}

fn verify(
    insts: &[Inst],
    claims: &[G1Affine],
    proof: &ZkSumcheckProof,
    num_vars: impl Fn(usize) -> usize,
) -> crate::Result<Vec<crate::zk::ZkSubClaim>> {
    let shapes: Vec<BatchShape> = insts
        .iter()
        .enumerate()
        .map(|(i, b)| BatchShape {
            num_vars: num_vars(i),
            terms: &b.sum.terms,
            public: &b.public,
        })
        .collect();
    let lcs: Vec<Lc> = claims.iter().map(|c| (*c).into()).collect();
    let taus: Vec<Vec<Fr>> = insts.iter().map(|b| b.tau.clone()).collect();
    let mut checks = Checks::new();
    let subs = verify_sumcheck_batch(
        &shapes,
        &lcs,
        proof,
        |pts| {
            pts.iter()
                .zip(&taus)
                .map(|(p, tau)| {
                    let e = eq_eval(tau, p).ok_or_else(|| Error::Invalid("point length".into()))?;
                    Ok(vec![e])
                })
                .collect()
        },
        &mut Transcript::new(b"b"),
        &mut checks,
    )?;
    checks.finish(&gens())?;
    Ok(subs)
}

use crate::zk::msg::ZkSumcheckProof;

fn coms(c: &[Opening]) -> Vec<G1Affine> {
    c.iter().map(|o| o.commit(&gens()).to_affine()).collect()
}

#[test]
fn a_batch_of_mixed_sizes_verifies_in_max_n_rounds_and_binds_each_instance() {
    let insts = batch();
    let cl = claims(&insts, None);
    let out = prove(&insts, &cl);
    // One round per variable of the largest instance, D = 3 points each.
    assert_eq!(out.proof.rounds.len(), 5);
    assert!(out.proof.rounds.iter().all(|r| r.evals.len() == 3));
    let subs = verify(&insts, &coms(&cl), &out.proof, |i| insts[i].sum.num_vars()).unwrap();
    let g = gens();
    for (i, (b, sub)) in insts.iter().zip(&subs).enumerate() {
        assert_eq!(sub.point, out.points[i]);
        assert_eq!(sub.point.len(), b.sum.num_vars());
        for (k, f) in b.sum.factors.iter().enumerate() {
            match out.factor_openings[i][k] {
                Some(o) => {
                    assert_eq!(
                        o.value,
                        f.evaluate(&sub.point).unwrap(),
                        "instance {i} factor {k}"
                    );
                    assert_eq!(sub.factor_coms[k], Some(o.commit(&g).to_affine()));
                }
                None => assert!(b.public[k] && sub.factor_coms[k].is_none()),
            }
        }
    }
    // One instance alone is a batch too.
    let one = &insts[1..2];
    let cl1 = claims(one, None);
    let out = prove(one, &cl1);
    assert_eq!(out.proof.rounds.len(), 2);
    verify(one, &coms(&cl1), &out.proof, |_| 2).unwrap();
}

#[test]
fn a_wrong_claim_in_any_one_instance_is_rejected() {
    let insts = batch();
    for wrong in 0..insts.len() {
        let cl = claims(&insts, Some(wrong));
        let out = prove(&insts, &cl);
        let err = verify(&insts, &coms(&cl), &out.proof, |i| insts[i].sum.num_vars()).unwrap_err();
        assert!(
            matches!(err, Error::Rejected { .. }),
            "instance {wrong}: {err}"
        );
    }
    // An honest proof against another instance's claim commitment.
    let cl = claims(&insts, None);
    let out = prove(&insts, &cl);
    let mut swapped = coms(&cl);
    swapped.swap(0, 2);
    assert!(verify(&insts, &swapped, &out.proof, |i| insts[i].sum.num_vars()).is_err());
}

#[test]
fn tampered_messages_and_unexpected_shapes_are_rejected() {
    let insts = batch();
    let cl = claims(&insts, None);
    let c = coms(&cl);
    let p = prove(&insts, &cl).proof;
    let g = gens();
    let bump = |x: &mut G1Affine| *x = (*x + g.u).to_affine();
    let mut cases = vec![];
    for j in 0..p.rounds.len() {
        for e in 0..3 {
            let mut q = p.clone();
            bump(&mut q.rounds[j].evals[e]);
            cases.push(q);
        }
    }
    for k in 0..p.factor_evals.len() {
        let mut q = p.clone();
        bump(&mut q.factor_evals[k]);
        cases.push(q);
    }
    for k in 0..p.products.len() {
        let mut q = p.clone();
        bump(&mut q.products[k].0);
        cases.push(q);
    }
    let mut q = p.clone();
    q.final_ok.s += Fr::ONE;
    cases.push(q);
    assert!(cases.len() > 20);
    for (n, q) in cases.iter().enumerate() {
        let r = verify(&insts, &c, q, |i| insts[i].sum.num_vars());
        assert!(matches!(r, Err(Error::Rejected { .. })), "case {n}");
    }
    // The verifier's shapes, not the proof's: another size for the small
    // instance (same round count) is rejected, and one round too few is a
    // malformed proof.
    assert!(verify(&insts, &c, &p, |i| if i == 1 {
        3
    } else {
        insts[i].sum.num_vars()
    })
    .is_err());
    let mut short = p.clone();
    short.rounds.pop();
    assert!(verify(&insts, &c, &short, |i| insts[i].sum.num_vars()).is_err());
}

#[test]
fn a_batch_has_fewer_round_points_than_its_instances_alone() {
    let insts = batch();
    let alone: usize = insts
        .iter()
        .map(|b| b.sum.num_vars() * b.sum.degree())
        .sum();
    let cl = claims(&insts, None);
    let batched: usize = prove(&insts, &cl)
        .proof
        .rounds
        .iter()
        .map(|r| r.evals.len())
        .sum();
    assert_eq!((alone, batched), (4 * 3 + 2 * 2 + 5, 5 * 3));
}
