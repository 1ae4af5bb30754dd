//! Σ-protocols and the committed sumcheck: honest runs, false statements,
//! tampered messages, and fresh randomness in every message.

use rand_chacha03::rand_core::SeedableRng;
use rand_chacha03::ChaCha20Rng;

use super::*;
use crate::error::Error;
use crate::field::{Curve, Field, G1Affine};
use crate::hyrax::Generators;
use crate::mle::{eq_eval, eq_table, Mle};
use crate::sumcheck::ProductSum;
use crate::transcript::Transcript;

fn gens() -> Generators {
    Generators::new(b"zk test", 2)
}

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Runs `f` on a fresh [`Checks`] and checks its equations.
fn checked<T>(f: impl FnOnce(&mut Checks) -> crate::Result<T>) -> crate::Result<T> {
    let mut c = Checks::new();
    let out = f(&mut c)?;
    c.finish(&gens())?;
    Ok(out)
}

fn zero_ok(x: &G1Affine, p: &ZeroProof) -> crate::Result<()> {
    checked(|c| {
        verify_zero(&(*x).into(), p, &mut Transcript::new(b"z"), c);
        Ok(())
    })
}

#[test]
fn proof_of_zero_accepts_only_commitments_to_zero() {
    let g = gens();
    let mut r = rng(1);
    let blind = Fr::random(&mut r);
    let zero = g.commit_scalar(&Fr::ZERO, &blind).to_affine();
    let p = prove_zero(&g, &blind, &mut Transcript::new(b"z"), &mut r);
    zero_ok(&zero, &p).unwrap();
    // A commitment to 1 with the same blind: the prover's Schnorr fails.
    let one = g.commit_scalar(&Fr::ONE, &blind).to_affine();
    let p = prove_zero(&g, &blind, &mut Transcript::new(b"z"), &mut r);
    assert!(matches!(zero_ok(&one, &p), Err(Error::Rejected { .. })));
    let mut p = prove_zero(&g, &blind, &mut Transcript::new(b"z"), &mut r);
    p.s += Fr::ONE;
    assert!(zero_ok(&zero, &p).is_err());
}

#[test]
fn proof_of_product_accepts_only_products() {
    let g = gens();
    let mut r = rng(2);
    let x = Opening::random(Fr::from(6), &mut r);
    let y = Opening::random(Fr::from(7), &mut r);
    let z = Opening::random(Fr::from(42), &mut r);
    let coms = |z: &Opening| {
        [
            x.commit(&g).to_affine(),
            y.commit(&g).to_affine(),
            z.commit(&g).to_affine(),
        ]
    };
    let ok = |coms: [G1Affine; 3], p: &ProductProof| {
        checked(|c| {
            let [a, b, d] = coms.map(Lc::from);
            verify_product([&a, &b, &d], p, &mut Transcript::new(b"p"), c);
            Ok(())
        })
    };
    let p = prove_product(&g, &x, &y, &z, &mut Transcript::new(b"p"), &mut r);
    ok(coms(&z), &p).unwrap();
    let bad = Opening::random(Fr::from(43), &mut r);
    let p = prove_product(&g, &x, &y, &bad, &mut Transcript::new(b"p"), &mut r);
    assert!(ok(coms(&bad), &p).is_err());
    for i in 0..5 {
        let mut p = prove_product(&g, &x, &y, &z, &mut Transcript::new(b"p"), &mut r);
        p.z[i] += Fr::ONE;
        assert!(ok(coms(&z), &p).is_err(), "z{i}");
    }
}

/// `2·f0·f1·f2 + 3·eq·f0 + 5·f1 + 7·eq` with `eq = eq(τ, ·)` public.
struct Inst {
    inst: ProductSum,
    tau: Vec<Fr>,
    public: Vec<bool>,
}

fn instance(seed: u64, n: usize) -> Inst {
    let mut r = rng(seed);
    let mut factors: Vec<Mle> = (0..3)
        .map(|_| Mle::new((0..1 << n).map(|_| Fr::random(&mut r)).collect()).unwrap())
        .collect();
    let tau: Vec<Fr> = (0..n).map(|_| Fr::random(&mut r)).collect();
    factors.push(Mle::new(eq_table(&tau)).unwrap());
    let terms = vec![
        (Fr::from(2), vec![0, 1, 2]),
        (Fr::from(3), vec![3, 0]),
        (Fr::from(5), vec![1]),
        (Fr::from(7), vec![3]),
    ];
    Inst {
        inst: ProductSum::new(factors, terms).unwrap(),
        tau,
        public: vec![false, false, false, true],
    }
}

fn run(i: &Inst, claim: &Opening, seed: u64) -> ZkProverOutput {
    let g = gens();
    prove_sumcheck(
        &g,
        i.inst.clone(),
        &i.public,
        claim,
        &mut Transcript::new(b"s"),
        &mut rng(seed),
    )
    .unwrap()
}

fn check(i: &Inst, claim: &G1Affine, p: &ZkSumcheckProof) -> crate::Result<ZkSubClaim> {
    let tau = i.tau.clone();
    checked(|c| {
        verify_sumcheck(
            i.inst.num_vars(),
            &i.inst.terms,
            &i.public,
            &(*claim).into(),
            p,
            move |pt| Ok(vec![eq_eval(&tau, pt).unwrap()]),
            &mut Transcript::new(b"s"),
            c,
        )
    })
}

#[test]
fn committed_sumcheck_verifies_and_binds_the_factor_values() {
    let g = gens();
    for n in [0, 1, 3, 5] {
        let i = instance(n as u64, n);
        let claim = Opening::random(i.inst.sum(), &mut rng(9));
        let out = run(&i, &claim, 10);
        let sub = check(&i, &claim.commit(&g).to_affine(), &out.proof)
            .unwrap_or_else(|e| panic!("n={n}: {e}"));
        assert_eq!(sub.point, out.point);
        for k in 0..3 {
            let o = out.factor_openings[k].unwrap();
            assert_eq!(o.value, i.inst.factors[k].evaluate(&sub.point).unwrap());
            assert_eq!(sub.factor_coms[k], Some(o.commit(&g).to_affine()));
        }
        assert_eq!(sub.factor_coms[3], None);
    }
}

#[test]
fn a_wrong_committed_claim_is_rejected() {
    let g = gens();
    let i = instance(3, 4);
    let claim = Opening::random(i.inst.sum() + Fr::ONE, &mut rng(1));
    let out = run(&i, &claim, 2);
    let err = check(&i, &claim.commit(&g).to_affine(), &out.proof).unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err}");
}

#[test]
fn tampered_messages_and_shapes_are_rejected() {
    let g = gens();
    let i = instance(4, 3);
    let claim = Opening::random(i.inst.sum(), &mut rng(1));
    let c = claim.commit(&g).to_affine();
    let p = run(&i, &claim, 2).proof;
    let bump = |x: &mut G1Affine| *x = (*x + g.u).to_affine();
    let mut cases = vec![];
    for j in 0..3 {
        for e in 0..3 {
            let mut q = p.clone();
            bump(&mut q.rounds[j].evals[e]);
            cases.push(q);
        }
    }
    for k in 0..3 {
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
    for (n, q) in cases.iter().enumerate() {
        assert!(check(&i, &c, q).is_err(), "case {n}");
    }
    let mut q = p.clone();
    q.rounds[0].evals.pop();
    assert!(matches!(check(&i, &c, &q), Err(Error::Malformed { .. })));
    let mut q = p.clone();
    q.products.pop();
    assert!(matches!(check(&i, &c, &q), Err(Error::Malformed { .. })));
}

#[test]
fn two_proofs_of_the_same_statement_share_no_message() {
    // Same witness and claim commitment, fresh prover randomness: every
    // commitment and response differs (nothing is sent in the clear).
    let g = gens();
    let i = instance(5, 3);
    let claim = Opening::random(i.inst.sum(), &mut rng(1));
    let (a, b) = (run(&i, &claim, 2).proof, run(&i, &claim, 3).proof);
    for (ra, rb) in a.rounds.iter().zip(&b.rounds) {
        for (x, y) in ra.evals.iter().zip(&rb.evals) {
            assert_ne!(x, y);
        }
    }
    for (x, y) in a.factor_evals.iter().zip(&b.factor_evals) {
        assert_ne!(x, y);
    }
    assert_ne!(a.final_ok, b.final_ok);
    check(&i, &claim.commit(&g).to_affine(), &b).unwrap();
}
