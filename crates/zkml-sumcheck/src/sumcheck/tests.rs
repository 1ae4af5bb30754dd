//! Both ends on random instances, then tampered messages.

use rand_chacha03::rand_core::SeedableRng;
use rand_chacha03::ChaCha20Rng;

use super::*;
use crate::error::Error;
use crate::field::Field;
use crate::mle::Mle;

fn random_instance(seed: u64, n: usize, k: usize, terms: Vec<(u64, Vec<usize>)>) -> ProductSum {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let factors = (0..k)
        .map(|_| Mle::new((0..1 << n).map(|_| Fr::random(&mut rng)).collect()).unwrap())
        .collect();
    let terms = terms.into_iter().map(|(c, s)| (Fr::from(c), s)).collect();
    ProductSum::new(factors, terms).unwrap()
}

/// eq-style instance: 2·f0·f1·f2 − f3·f1 + 5·f3 (degree 3).
fn cubic(seed: u64, n: usize) -> ProductSum {
    random_instance(
        seed,
        n,
        4,
        vec![(2, vec![0, 1, 2]), (0, vec![]), (5, vec![3])],
    )
}

fn run(inst: &ProductSum) -> (Fr, ProverOutput) {
    let claim = inst.sum();
    let mut t = Transcript::new(b"test");
    (claim, prove(inst.clone(), &claim, &mut t))
}

fn check(inst: &ProductSum, claim: &Fr, proof: &SumcheckProof, evals: &[Fr]) -> crate::Result<()> {
    let mut t = Transcript::new(b"test");
    let sub = verify(inst.num_vars(), inst.degree(), claim, proof, &mut t)?;
    // The caller's oracle check: the prover's factor values must be the
    // polynomials' values at the point, and must combine to the final claim.
    for (f, e) in inst.factors.iter().zip(evals) {
        if f.evaluate(&sub.point)? != *e {
            return Err(crate::error::reject("oracle", "factor value"));
        }
    }
    if combine_terms(&inst.terms, evals) != Some(sub.value) {
        return Err(crate::error::reject("final claim", "summand at r"));
    }
    Ok(())
}

#[test]
fn honest_proofs_verify_for_degrees_1_to_3_and_sizes_0_to_7() {
    for n in 0..8 {
        let lin = random_instance(n as u64, n, 1, vec![(3, vec![0])]);
        let quad = random_instance(n as u64 + 50, n, 2, vec![(1, vec![0, 1]), (7, vec![1])]);
        for inst in [lin, quad, cubic(n as u64 + 100, n)] {
            let (claim, out) = run(&inst);
            check(&inst, &claim, &out.proof, &out.factor_evals).unwrap();
            assert_eq!(out.point.len(), n);
            assert!(combine_terms(&inst.terms, &out.factor_evals).is_some());
        }
    }
}

#[test]
fn wrong_claim_is_rejected_in_round_0() {
    let inst = cubic(1, 5);
    let (claim, out) = run(&inst);
    let err = check(&inst, &(claim + Fr::ONE), &out.proof, &out.factor_evals).unwrap_err();
    assert!(
        matches!(err, Error::Rejected { check, ref detail }
        if check.contains("g(0) + g(1)") && detail.contains("round 0")),
        "{err}"
    );
}

#[test]
fn every_tampered_round_value_is_rejected() {
    let inst = cubic(2, 4);
    let (claim, out) = run(&inst);
    for j in 0..4 {
        for i in 0..=3 {
            let mut p = out.proof.clone();
            p.rounds[j].evals[i] += Fr::ONE;
            assert!(
                check(&inst, &claim, &p, &out.factor_evals).is_err(),
                "round {j} eval {i}"
            );
        }
    }
}

#[test]
fn consistent_forgery_of_a_round_fails_the_final_check() {
    // Shift g_j(0) up and g_j(1) down: round j's sum check passes, but g_j is a
    // different polynomial, so the next round (or the final claim) fails.
    let inst = cubic(3, 4);
    let (claim, out) = run(&inst);
    for j in 0..4 {
        let mut p = out.proof.clone();
        p.rounds[j].evals[0] += Fr::from(9);
        p.rounds[j].evals[1] -= Fr::from(9);
        assert!(matches!(
            check(&inst, &claim, &p, &out.factor_evals),
            Err(Error::Rejected { .. })
        ));
    }
}

#[test]
fn wrong_final_factor_value_is_rejected() {
    let inst = cubic(4, 3);
    let (claim, out) = run(&inst);
    for k in 0..4 {
        let mut e = out.factor_evals.clone();
        e[k] += Fr::ONE;
        assert!(check(&inst, &claim, &out.proof, &e).is_err(), "factor {k}");
    }
}

#[test]
fn wrong_degree_or_round_count_is_malformed() {
    let inst = cubic(5, 3);
    let (claim, out) = run(&inst);
    let malformed = |p: &SumcheckProof| {
        matches!(
            check(&inst, &claim, p, &out.factor_evals),
            Err(Error::Malformed { .. })
        )
    };
    let mut p = out.proof.clone();
    p.rounds[1].evals.push(Fr::ZERO); // degree 4 message
    assert!(malformed(&p));
    let mut p = out.proof.clone();
    p.rounds[2].evals.pop(); // degree 2 message
    assert!(malformed(&p));
    let mut p = out.proof.clone();
    p.rounds.pop();
    assert!(malformed(&p));
    let mut p = out.proof.clone();
    p.rounds.push(p.rounds[0].clone());
    assert!(malformed(&p));
    let mut p = out.proof.clone();
    p.rounds[0].evals.clear();
    assert!(malformed(&p));
}

#[test]
fn a_different_transcript_prefix_breaks_the_proof() {
    // Challenges differ, so g_1(0) + g_1(1) = g_0(r_0) fails from round 1 on.
    let inst = cubic(6, 3);
    let (claim, out) = run(&inst);
    let mut t = Transcript::new(b"other");
    assert!(matches!(
        verify(3, 3, &claim, &out.proof, &mut t),
        Err(Error::Rejected { .. })
    ));
}

#[test]
fn bad_instances_are_errors_not_panics() {
    let f = Mle::new(vec![Fr::ONE; 4]).unwrap();
    let g = Mle::new(vec![Fr::ONE; 8]).unwrap();
    assert!(ProductSum::new(vec![f.clone(), g], vec![]).is_err());
    assert!(ProductSum::new(vec![f], vec![(Fr::ONE, vec![1])]).is_err());
}
