//! Both ends on executor products, then tampered statements and messages.

use ndarray::{ArrayD, IxDyn};
use rand_chacha03::rand_core::{RngCore, SeedableRng};
use rand_chacha03::ChaCha20Rng;

use super::*;
use crate::error::Error;
use crate::field::Fr;
use zkml_core::ITensor;

fn random_matrix(rng: &mut ChaCha20Rng, rows: usize, cols: usize) -> ITensor {
    let v = (0..rows * cols)
        .map(|_| (rng.next_u32() % 255) as i64 - 127)
        .collect();
    ArrayD::from_shape_vec(IxDyn(&[rows, cols]), v).unwrap()
}

/// `(A, B, C)` with `C` the integer executor's exact product.
fn instance(seed: u64, m: usize, k: usize, n: usize) -> (ITensor, ITensor, ITensor) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let a = random_matrix(&mut rng, m, k);
    let b = random_matrix(&mut rng, k, n);
    let c = zkml_core::ops::matmul::eval_int(&a, &b, 0);
    (a, b, c)
}

fn prove_ok(a: &ITensor, b: &ITensor, c: &ITensor) -> MatMulProof {
    let mut t = Transcript::new(b"mm");
    prove_product(a, b, c, &mut t).unwrap().0
}

fn check(a: &ITensor, b: &ITensor, c: &ITensor, p: &MatMulProof) -> Result<()> {
    verify_product(a, b, c, p, &mut Transcript::new(b"mm"))
}

#[test]
fn executor_products_verify_for_odd_and_power_of_two_shapes() {
    for (s, (m, k, n)) in [
        (1, 1, 1),
        (2, 3, 5),
        (4, 8, 2),
        (7, 13, 10),
        (1, 784, 32),
        (16, 16, 16),
    ]
    .into_iter()
    .enumerate()
    {
        let (a, b, c) = instance(s as u64, m, k, n);
        let p = prove_ok(&a, &b, &c);
        check(&a, &b, &c, &p).unwrap_or_else(|e| panic!("{m}×{k}×{n}: {e}"));
        assert_eq!(p.sumcheck.rounds.len(), crate::mle::log2_ceil(k));
    }
}

#[test]
fn vector_operands_follow_numpy() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let a = random_matrix(&mut rng, 1, 6)
        .into_shape_with_order(IxDyn(&[6]))
        .unwrap();
    let b = random_matrix(&mut rng, 6, 3);
    let c = zkml_core::ops::matmul::eval_int(&a, &b, 0);
    assert_eq!(c.shape(), &[3]);
    let p = prove_ok(&a, &b, &c);
    check(&a, &b, &c, &p).unwrap();
}

#[test]
fn every_wrong_c_entry_is_rejected() {
    let (a, b, c) = instance(10, 3, 5, 4);
    for idx in 0..c.len() {
        let mut bad = c.clone();
        bad.as_slice_mut().unwrap()[idx] += 1;
        // An honest prover for the wrong C cannot finish: the prover's own sum
        // is A·B's, not the claimed C̃ value, so round 0 fails.
        let p = prove_ok(&a, &b, &bad);
        assert!(
            matches!(check(&a, &b, &bad, &p), Err(Error::Rejected { .. })),
            "entry {idx}"
        );
        // The proof for the true C does not verify against the wrong C.
        let good = prove_ok(&a, &b, &c);
        assert!(check(&a, &b, &bad, &good).is_err(), "entry {idx}");
    }
}

#[test]
fn tampered_operand_values_and_rounds_are_rejected() {
    let (a, b, c) = instance(11, 4, 8, 4);
    let p = prove_ok(&a, &b, &c);
    let mut q = p.clone();
    q.a_eval += Fr::from(1);
    assert!(
        matches!(check(&a, &b, &c, &q), Err(Error::Rejected { check, .. }) if check.contains("α·β"))
    );
    // Scale α up and β down: α·β is kept, the operand claims fail.
    let two = Fr::from(2);
    let mut q = p.clone();
    q.a_eval *= two;
    q.b_eval *= two.invert().unwrap();
    assert!(
        matches!(check(&a, &b, &c, &q), Err(Error::Rejected { check, .. }) if check.contains("Ã"))
    );
    let mut q = p.clone();
    q.sumcheck.rounds[1].evals[2] += Fr::from(1);
    assert!(check(&a, &b, &c, &q).is_err());
    let mut q = p;
    q.sumcheck.rounds[0].evals.push(Fr::from(0));
    assert!(matches!(
        check(&a, &b, &c, &q),
        Err(Error::Malformed { .. })
    ));
}

#[test]
fn a_proof_for_other_operands_is_rejected() {
    let (a, b, c) = instance(12, 3, 4, 3);
    let p = prove_ok(&a, &b, &c);
    let mut b2 = b.clone();
    b2.as_slice_mut().unwrap()[5] += 1;
    assert!(check(&a, &b2, &c, &p).is_err());
}

#[test]
fn bad_shapes_are_errors() {
    let (a, b, c) = instance(13, 3, 4, 3);
    let mut t = Transcript::new(b"mm");
    assert!(prove_product(&a, &a, &c, &mut t).is_err());
    assert!(prove_product(&a, &b, &a, &mut t).is_err());
    let batched: ITensor = ArrayD::zeros(IxDyn(&[2, 3, 4]));
    assert!(MatMulDims::of(batched.shape(), b.shape()).is_err());
}

/// Zero knowledge: `A` hidden behind a Hyrax commitment, `B` public, the
/// claim on `C` committed; the operand claim is discharged by a Hyrax
/// opening with a committed value.
fn zk_run(c_shift: i64) -> Result<()> {
    use crate::field::{fr_vec, Curve};
    use crate::hyrax::{self, Generators};
    use crate::mle::Mle;
    use crate::zk::Opening;
    let (a, b, c) = instance(20, 5, 12, 3);
    let dims = MatMulDims::of(a.shape(), b.shape())?;
    let flat = |x: &ITensor| fr_vec(&x.iter().copied().collect::<Vec<_>>());
    let a_mle = Mle::from_matrix(&flat(&a), 5, 12)?;
    let b_mle = Mle::from_matrix(&flat(&b), 12, 3)?;
    let c_mle = Mle::from_matrix(&flat(&c), 5, 3)?;
    let gens = Generators::new(b"zk mm", 16);
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let a_com = hyrax::commit(&gens, a_mle.clone(), &mut rng)?;
    let r_col = vec![Fr::from(3), Fr::from(5)];
    let r_row = vec![Fr::from(7), Fr::from(11), Fr::from(13)];
    let v = c_mle.evaluate(&[&r_col[..], &r_row[..]].concat())? + Fr::from(c_shift as u64);
    let claim = Opening::random(v, &mut rng);
    let claim_com = claim.commit(&gens).to_affine();

    let mut t = Transcript::new(b"zkmm");
    t.absorb_points(b"A", &a_com.comm.rows);
    let out = prove_zk(
        &gens,
        dims,
        &flat(&a),
        &flat(&b),
        (&r_row, &r_col),
        [false, true],
        &claim,
        &mut t,
        &mut rng,
    )?;
    let ao = out.a.expect("A is hidden");
    let (_, _, open) = hyrax::prove_eval(&gens, &a_com, &out.a_point, &ao.blind, &mut t, &mut rng)?;

    let mut t = Transcript::new(b"zkmm");
    t.absorb_points(b"A", &a_com.comm.rows);
    let mut checks = crate::zk::Checks::new();
    let claims = verify_zk(
        dims,
        (&r_row, &r_col),
        None,
        Some(&b_mle as &dyn crate::int_eval::PublicTable),
        &claim_com.into(),
        &out.proof,
        &mut t,
        &mut checks,
    )?;
    assert!(claims.b_com.is_none());
    let a_c = claims.a_com.expect("A is hidden");
    hyrax::verify_eval_into(
        &gens,
        &a_com.comm,
        a_mle.num_vars,
        &claims.a_point,
        &a_c,
        &open,
        &mut t,
        &mut checks,
    )?;
    checks.finish(&gens)
}

#[test]
fn zero_knowledge_matmul_verifies_and_rejects_a_wrong_claim() {
    zk_run(0).unwrap();
    assert!(matches!(zk_run(1), Err(Error::Rejected { .. })));
}
