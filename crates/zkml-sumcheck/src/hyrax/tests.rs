//! Commit, open, verify; then wrong evaluations, tampered proofs and commitments.

use rand_chacha03::rand_core::SeedableRng;
use rand_chacha03::ChaCha20Rng;

use super::*;
use crate::error::Error;
use crate::field::{Curve, Field, PrimeField, G1};
use crate::mle::Mle;
use halo2_axiom::halo2curves::CurveAffine;

fn setup(n: usize, seed: u64) -> (Generators, CommittedPoly, Vec<Fr>, ChaCha20Rng) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let gens = Generators::new(b"test seed", 1 << split_vars(n).1);
    let poly = Mle::new((0..1 << n).map(|_| Fr::random(&mut rng)).collect()).unwrap();
    let c = commit(&gens, poly, &mut rng).unwrap();
    let point = (0..n).map(|_| Fr::random(&mut rng)).collect();
    (gens, c, point, rng)
}

fn open_public(n: usize, seed: u64) -> (Generators, CommittedPoly, Vec<Fr>, Fr, DotProductProof) {
    let (gens, c, point, mut rng) = setup(n, seed);
    let mut t = Transcript::new(b"hyrax");
    let (y, _, proof) = prove_eval(&gens, &c, &point, &Fr::ZERO, &mut t, &mut rng).unwrap();
    (gens, c, point, y, proof)
}

fn check(
    gens: &Generators,
    c: &HyraxCommitment,
    n: usize,
    point: &[Fr],
    y: &Fr,
    p: &DotProductProof,
) -> crate::Result<()> {
    verify_public_eval(gens, c, n, point, y, p, &mut Transcript::new(b"hyrax"))
}

#[test]
fn openings_verify_and_give_the_true_value() {
    for n in 0..9 {
        let (gens, c, point, y, proof) = open_public(n, n as u64);
        assert_eq!(y, c.poly.evaluate(&point).unwrap());
        check(&gens, &c.comm, n, &point, &y, &proof).unwrap_or_else(|e| panic!("n={n}: {e}"));
        assert_eq!(c.comm.rows.len(), 1 << (n / 2));
        assert_eq!(proof.z.len(), 1 << (n - n / 2));
    }
}

#[test]
fn committed_evaluation_verifies_and_binds_the_value() {
    let (gens, c, point, mut rng) = setup(6, 40);
    let blind = Fr::random(&mut rng);
    let mut t = Transcript::new(b"hyrax");
    let (y, y_com, proof) = prove_eval(&gens, &c, &point, &blind, &mut t, &mut rng).unwrap();
    assert_eq!(y_com, gens.commit_scalar(&y, &blind).to_affine());
    let v = |y_com: &G1Affine| {
        verify_eval(
            &gens,
            &c.comm,
            6,
            &point,
            y_com,
            &proof,
            &mut Transcript::new(b"hyrax"),
        )
    };
    v(&y_com).unwrap();
    let other = gens.commit_scalar(&(y + Fr::ONE), &blind).to_affine();
    assert!(matches!(v(&other), Err(Error::Rejected { .. })));
}

#[test]
fn wrong_evaluation_is_rejected() {
    let (gens, c, point, y, proof) = open_public(7, 1);
    let err = check(&gens, &c.comm, 7, &point, &(y + Fr::ONE), &proof).unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err}");
    // …and the honest prover cannot produce a proof for another value: the
    // proof it would send for the same point is for y, nothing else.
    let mut other = point.clone();
    other[3] += Fr::ONE;
    assert!(check(&gens, &c.comm, 7, &other, &y, &proof).is_err());
}

#[test]
fn every_tampered_proof_field_is_rejected() {
    let (gens, c, point, y, proof) = open_public(6, 2);
    let g = G1::generator();
    let mut tampered = vec![];
    for i in 0..proof.z.len() {
        let mut p = proof.clone();
        p.z[i] += Fr::ONE;
        tampered.push(p);
    }
    let mut p = proof.clone();
    p.z_delta += Fr::ONE;
    tampered.push(p);
    let mut p = proof.clone();
    p.z_beta += Fr::ONE;
    tampered.push(p);
    let mut p = proof.clone();
    p.delta = (p.delta + g).to_affine();
    tampered.push(p);
    let mut p = proof.clone();
    p.beta = (p.beta + g).to_affine();
    tampered.push(p);
    for (i, p) in tampered.iter().enumerate() {
        assert!(
            matches!(
                check(&gens, &c.comm, 6, &point, &y, p),
                Err(Error::Rejected { .. })
            ),
            "tamper {i}"
        );
    }
}

#[test]
fn tampered_commitment_or_wrong_shapes_are_rejected() {
    let (gens, c, point, y, proof) = open_public(6, 3);
    let mut comm = c.comm.clone();
    comm.rows[1] = (comm.rows[1] + G1::generator()).to_affine();
    assert!(check(&gens, &comm, 6, &point, &y, &proof).is_err());
    let mut comm = c.comm.clone();
    comm.rows.pop();
    assert!(matches!(
        check(&gens, &comm, 6, &point, &y, &proof),
        Err(Error::Malformed { .. })
    ));
    let mut p = proof.clone();
    p.z.push(Fr::ZERO);
    assert!(matches!(
        check(&gens, &c.comm, 6, &point, &y, &p),
        Err(Error::Malformed { .. })
    ));
    // The verifier's num_vars, not the proof's shape, fixes the layout.
    assert!(check(&gens, &c.comm, 5, &point[..5], &y, &proof).is_err());
    // Too few generators is an error, not a panic.
    let small = Generators::new(b"test seed", 2);
    assert!(check(&small, &c.comm, 6, &point, &y, &proof).is_err());
}

#[test]
fn another_polynomials_opening_does_not_verify_against_this_commitment() {
    let (gens, c, point, _, _) = open_public(6, 4);
    let (_, c2, _, mut rng) = setup(6, 5);
    let mut t = Transcript::new(b"hyrax");
    let (y2, _, p2) = prove_eval(&gens, &c2, &point, &Fr::ZERO, &mut t, &mut rng).unwrap();
    assert!(check(&gens, &c.comm, 6, &point, &y2, &p2).is_err());
}

#[test]
fn commitments_hide_and_generators_are_deterministic() {
    let (gens, c, _, mut rng) = setup(4, 6);
    let again = commit(&gens, c.poly.clone(), &mut rng).unwrap();
    assert_ne!(again.comm, c.comm, "fresh blinds give a fresh commitment");
    assert_eq!(
        Generators::new(b"test seed", 4),
        Generators::new(b"test seed", 4)
    );
    assert_ne!(
        Generators::new(b"test seed", 4).g,
        Generators::new(b"other", 4).g
    );
    let gens = Generators::new(b"s", 64);
    assert!(gens.g.iter().all(|p| bool::from(p.is_on_curve())));
    assert_ne!(gens.u, gens.h);
    // Distinct, not the identity, and a function of (seed, tag, index).
    let mut all: Vec<_> = gens.g.iter().chain([&gens.u, &gens.h]).copied().collect();
    assert!(all.iter().all(|p| p.x != Default::default()));
    all.sort_by_key(|p| p.x.to_repr().as_ref().to_vec());
    all.dedup();
    assert_eq!(all.len(), 66);
    assert_eq!(gens.g[7], pedersen::hash_point(b"s", b"g", 7));
    assert_ne!(
        pedersen::hash_point(b"s", b"g", 7),
        pedersen::hash_point(b"s", b"u", 7)
    );
}

#[test]
fn fixed_base_multiplication_matches_double_and_add() {
    let gens = Generators::new(b"fb", 2);
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    for s in [Fr::ZERO, Fr::ONE, -Fr::ONE, Fr::random(&mut rng)] {
        assert_eq!(gens.blind(&s), gens.h * s);
        assert_eq!(gens.commit_scalar(&s, &Fr::ZERO), gens.u * s);
    }
}

#[test]
fn a_combined_opening_verifies_and_binds_every_table() {
    let mut rng = ChaCha20Rng::seed_from_u64(77);
    let n = 5;
    let gens = Generators::new(b"test seed", 1 << split_vars(n).1);
    let polys: Vec<CommittedPoly> = (0..3)
        .map(|_| {
            let f = Mle::new((0..1 << n).map(|_| Fr::random(&mut rng)).collect()).unwrap();
            commit(&gens, f, &mut rng).unwrap()
        })
        .collect();
    let point: Vec<Fr> = (0..n).map(|_| Fr::random(&mut rng)).collect();
    let nus: Vec<Fr> = (0..3).map(|_| Fr::random(&mut rng)).collect();
    let y: Fr = polys
        .iter()
        .zip(&nus)
        .map(|(c, nu)| c.poly.evaluate(&point).unwrap() * nu)
        .sum();
    let blind = Fr::random(&mut rng);
    let with: Vec<(&CommittedPoly, Fr)> = polys.iter().zip(nus.iter().copied()).collect();
    let mut t = Transcript::new(b"combined");
    let proof = prove_eval_combined(&gens, &with, &point, &blind, &mut t, &mut rng).unwrap();
    let check = |nus: &[Fr], y: Fr, p: &DotProductProof| {
        let comms: Vec<(&HyraxCommitment, Fr)> = polys
            .iter()
            .map(|c| &c.comm)
            .zip(nus.iter().copied())
            .collect();
        let y_com = gens.commit_scalar(&y, &blind).to_affine();
        let mut t = Transcript::new(b"combined");
        let mut checks = crate::zk::Checks::new();
        verify_eval_combined(
            &gens,
            &comms,
            n,
            &point,
            &y_com.into(),
            p,
            &mut t,
            &mut checks,
        )?;
        checks.finish(&gens)
    };
    check(&nus, y, &proof).unwrap();
    // A wrong combined value, another coefficient, a tampered response.
    assert!(matches!(
        check(&nus, y + Fr::ONE, &proof),
        Err(Error::Rejected { .. })
    ));
    let mut other = nus.clone();
    other[1] += Fr::ONE;
    assert!(matches!(
        check(&other, y, &proof),
        Err(Error::Rejected { .. })
    ));
    let mut p = proof.clone();
    p.z[3] += Fr::ONE;
    assert!(matches!(check(&nus, y, &p), Err(Error::Rejected { .. })));
    p.z.pop();
    assert!(matches!(check(&nus, y, &p), Err(Error::Malformed { .. })));
}

#[test]
fn row_combination_is_linear_in_the_tables_and_their_blinds() {
    // combine_rows (shared by prove_eval and prove_eval_combined): one table
    // with ν = 1 is Lᵀ·M and Σ L_i·ρ_i; two tables combine linearly.
    let n = 5;
    let (gens, a, point, mut rng) = setup(n, 90);
    let b = {
        let f = Mle::new((0..1 << n).map(|_| Fr::random(&mut rng)).collect()).unwrap();
        commit(&gens, f, &mut rng).unwrap()
    };
    let (_, nc) = split_vars(n);
    let width = 1 << nc;
    let l = crate::mle::eq_table(&point[nc..]);
    let direct = |c: &CommittedPoly| {
        let x: Vec<Fr> = (0..width)
            .map(|j| {
                (0..l.len())
                    .map(|i| l[i] * c.poly.evals[i * width + j])
                    .sum()
            })
            .collect();
        let rho: Fr = l.iter().zip(&c.blinds.0).map(|(a, b)| *a * b).sum();
        (x, rho)
    };
    assert_eq!(
        prover::combine_rows(&[(&a, Fr::ONE)], &l, width),
        direct(&a)
    );
    let (nu_a, nu_b) = (Fr::from(3), Fr::from(11));
    let (x, rho) = prover::combine_rows(&[(&a, nu_a), (&b, nu_b)], &l, width);
    let ((xa, ra), (xb, rb)) = (direct(&a), direct(&b));
    let want: Vec<Fr> = xa
        .iter()
        .zip(&xb)
        .map(|(p, q)| nu_a * p + nu_b * q)
        .collect();
    assert_eq!((x, rho), (want, nu_a * ra + nu_b * rb));
}

#[test]
fn large_tables_split_column_heavy_up_to_the_generators() {
    // Balanced below 2^16 entries; from there as many columns as the
    // generators allow (never fewer than balanced, never more than the
    // table has).
    assert_eq!(split_for(15, 1 << 13), (7, 8));
    assert_eq!(split_for(16, 1 << 8), (8, 8));
    assert_eq!(split_for(16, 1 << 13), (3, 13));
    assert_eq!(split_for(22, 1 << 13), (9, 13));
    assert_eq!(split_for(25, 1 << 13), (12, 13));
    assert_eq!(split_for(16, 1 << 20), (0, 16));
    assert_eq!(split_for(17, 300), (8, 9));
}

#[test]
fn a_column_heavy_table_opens_and_binds() {
    // 2^16 entries under 2^10 generators: 64 rows of 1,024.
    let mut rng = ChaCha20Rng::seed_from_u64(21);
    let n = 16;
    let gens = Generators::new(b"wide", 1 << 10);
    let poly = Mle::new((0..1 << n).map(|_| Fr::random(&mut rng)).collect()).unwrap();
    let want = poly.clone();
    let c = commit(&gens, poly, &mut rng).unwrap();
    assert_eq!(c.comm.rows.len(), 64);
    let point: Vec<Fr> = (0..n).map(|_| Fr::random(&mut rng)).collect();
    let mut t = Transcript::new(b"hyrax");
    let (y, _, proof) = prove_eval(&gens, &c, &point, &Fr::ZERO, &mut t, &mut rng).unwrap();
    assert_eq!(y, want.evaluate(&point).unwrap());
    assert_eq!(proof.z.len(), 1 << 10);
    check(&gens, &c.comm, n, &point, &y, &proof).unwrap();
    assert!(check(&gens, &c.comm, n, &point, &(y + Fr::ONE), &proof).is_err());
    let mut bad = c.comm.clone();
    bad.rows[5] = (bad.rows[5] + gens.u).to_affine();
    assert!(check(&gens, &bad, n, &point, &y, &proof).is_err());
    // A balanced commitment (256 rows) is the wrong shape for this key.
    let mut short = c.comm.clone();
    short.rows.truncate(32);
    assert!(check(&gens, &short, n, &point, &y, &proof).is_err());
}
