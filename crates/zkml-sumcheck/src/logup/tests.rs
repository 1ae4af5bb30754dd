//! Range checks and a two-column (ReLU) lookup: honest, forged and tampered.

use rand_chacha03::rand_core::{RngCore, SeedableRng};
use rand_chacha03::ChaCha20Rng;

use super::*;
use crate::error::Error;
use crate::field::{fr_from_i64, Field};
use crate::hyrax::Generators;
use crate::mle::Mle;
use crate::transcript::Transcript;

fn gens() -> Generators {
    Generators::new(b"logup test", 1 << 5)
}

fn witness(seed: u64, n: usize, hi: u32) -> Vec<Fr> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..1 << n)
        .map(|_| Fr::from((rng.next_u32() % hi) as u64))
        .collect()
}

fn prove_with(table: &[Fr], w: &[Fr]) -> Result<(LogUpProof, LookupClaim)> {
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let mut t = Transcript::new(b"logup");
    t.absorb_scalars(b"w", w);
    prove(&gens(), table, w, &mut t, &mut rng)
}

/// The verifier with a public `w` (discharges the claim by evaluating it).
fn check(table: &[Fr], w: &[Fr], p: &LogUpProof) -> Result<()> {
    let mut t = Transcript::new(b"logup");
    t.absorb_scalars(b"w", w);
    let n = w.len().trailing_zeros() as usize;
    let claim = verify(&gens(), table, n, p, &mut t)?;
    if Mle::new(w.to_vec())?.evaluate(&claim.point)? != claim.value {
        return Err(crate::error::reject("caller: w̃(r_w)", "public w"));
    }
    Ok(())
}

#[test]
fn range_checks_verify() {
    let table = range_table(0, 255);
    for n in [0, 1, 4, 7] {
        let w = witness(n as u64, n, 256);
        let (p, _) = prove_with(&table, &w).unwrap();
        check(&table, &w, &p).unwrap_or_else(|e| panic!("n={n}: {e}"));
    }
    // A table whose length is not a power of two (padded by its first entry).
    let table = range_table(-5, 94);
    let w: Vec<Fr> = (0..32).map(|i| fr_from_i64(i * 3 - 5)).collect();
    let (p, _) = prove_with(&table, &w).unwrap();
    check(&table, &w, &p).unwrap();
}

#[test]
fn out_of_range_value_is_an_honest_error_and_a_forgery_is_rejected() {
    let table = range_table(0, 255);
    let mut w = witness(1, 5, 256);
    w[17] = Fr::from(256);
    assert!(matches!(prove_with(&table, &w), Err(Error::Invalid(_))));
    // Forgery: prove against a table that contains the bad value, then
    // present the proof for the real table.
    let wide = range_table(0, 511);
    let (p, _) = prove_with(&wide, &w).unwrap();
    assert!(matches!(check(&table, &w, &p), Err(Error::Rejected { .. })));
    // A negative value wraps to p − 1: far outside the table.
    let mut w = witness(2, 5, 256);
    w[0] = -Fr::ONE;
    assert!(prove_with(&table, &w).is_err());
}

#[test]
fn relu_pairs_as_one_column() {
    // (x, max(x, 0)) over x ∈ [−8, 7], combined with γ.
    let gamma = Fr::from(1_000_003);
    let xs: Vec<i64> = (-8..8).collect();
    let table: Vec<Fr> = xs
        .iter()
        .map(|&x| fr_from_i64(x) + gamma * fr_from_i64(x.max(0)))
        .collect();
    let pair = |x: i64, y: i64| fr_from_i64(x) + gamma * fr_from_i64(y);
    let w: Vec<Fr> = (0..16)
        .map(|i| pair(i % 13 - 6, (i % 13 - 6).max(0)))
        .collect();
    let (p, _) = prove_with(&table, &w).unwrap();
    check(&table, &w, &p).unwrap();
    let mut bad = w.clone();
    bad[3] = pair(-3, 3); // |x| is not ReLU
    assert!(prove_with(&table, &bad).is_err());
}

#[test]
fn tampered_messages_are_rejected() {
    let table = range_table(0, 63);
    let w = witness(3, 6, 64);
    let (p, _) = prove_with(&table, &w).unwrap();
    let mut cases: Vec<LogUpProof> = vec![];
    let mut q = p.clone();
    q.sum += Fr::ONE;
    cases.push(q);
    for i in 0..4 {
        let mut q = p.clone();
        q.evals[i] += Fr::ONE;
        cases.push(q);
    }
    let mut q = p.clone();
    q.witness_sumcheck.rounds[2].evals[1] += Fr::ONE;
    cases.push(q);
    let mut q = p.clone();
    q.table_sumcheck.rounds[0].evals[3] += Fr::ONE;
    cases.push(q);
    for k in 0..3 {
        let mut q = p.clone();
        q.openings[k].z_delta += Fr::ONE;
        cases.push(q);
    }
    let mut q = p.clone();
    q.m_comm = q.h_comm.clone();
    cases.push(q);
    for (i, q) in cases.iter().enumerate() {
        assert!(check(&table, &w, q).is_err(), "case {i}");
    }
    // Wrong-degree round message.
    let mut q = p.clone();
    q.witness_sumcheck.rounds[0].evals.push(Fr::ZERO);
    assert!(matches!(
        check(&table, &w, &q),
        Err(Error::Malformed { .. })
    ));
    // The proof is for this w only.
    let mut other = w.clone();
    other[5] = Fr::from(1);
    other[6] = Fr::from(2);
    assert!(check(&table, &other, &p).is_err());
}

#[test]
#[ignore]
/// Timing of one 2^16-entry lookup and a 2^16 commitment and opening (prints; no assertions).
fn time_parts() {
    use std::time::Instant;
    let gens = Generators::new(b"x", 256);
    let table = range_table(-32767, 32767);
    let w: Vec<Fr> = (0..128).map(|i| Fr::from(i as u64)).collect();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let s = Instant::now();
    let _ = padded_table(&table).unwrap();
    println!("pad {:?}", s.elapsed());
    let s = Instant::now();
    let mut t = Transcript::new(b"x");
    let (p, _) = prove(&gens, &table, &w, &mut t, &mut rng).unwrap();
    println!("logup prove {:?}", s.elapsed());
    let s = Instant::now();
    let m = Mle::new(vec![Fr::from(3); 1 << 16]).unwrap();
    let c = crate::hyrax::commit(&gens, m, &mut rng).unwrap();
    println!("commit 2^16 dense small {:?}", s.elapsed());
    let s = Instant::now();
    let mut t = Transcript::new(b"x");
    let pt: Vec<Fr> = (0..16).map(|i| Fr::from(i as u64 + 7)).collect();
    crate::hyrax::prove_eval(&gens, &c, &pt, &Fr::ZERO, &mut t, &mut rng).unwrap();
    println!("open 2^16 {:?}", s.elapsed());
    let s = Instant::now();
    let mut t = Transcript::new(b"x");
    verify(&gens, &table, 7, &p, &mut t).unwrap();
    println!("logup verify {:?}", s.elapsed());
}
