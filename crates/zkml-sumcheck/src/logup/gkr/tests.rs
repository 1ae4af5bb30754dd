//! LogUp-GKR: honest lookups of every size, out-of-table forgeries, and
//! every tampered message rejected.

use rand_chacha03::rand_core::{RngCore, SeedableRng};
use rand_chacha03::ChaCha20Rng;

use super::*;
use crate::error::Error;
use crate::field::{Curve, Field, G1Affine};
use crate::hyrax::{self, Generators};
use crate::logup::range_table;
use crate::mle::Mle;
use crate::transcript::Transcript;

fn gens() -> Generators {
    Generators::new(b"logup-gkr test", 1 << 5)
}

fn witness(seed: u64, n: usize, hi: u32) -> Vec<Fr> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..1 << n)
        .map(|_| Fr::from((rng.next_u32() % hi) as u64))
        .collect()
}

/// `w` committed (Hyrax); the lookup's claim on `w` discharged by an opening
/// against the committed value. `tamper` edits the proof before verifying.
fn roundtrip(
    prove_table: &[Fr],
    verify_table: &[Fr],
    w: &[Fr],
    tamper: impl FnOnce(&mut ZkLogUpProof),
) -> crate::Result<()> {
    let g = gens();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let w_c = hyrax::commit(&g, Mle::new(w.to_vec())?, &mut rng)?;
    let mut t = Transcript::new(b"zk logup");
    t.absorb_points(b"w", &w_c.comm.rows);
    let (mut p, point, wv) = prove_zk(&g, prove_table, w, &mut t, &mut rng)?;
    let (_, _, w_open) = hyrax::prove_eval(&g, &w_c, &point, &wv.blind, &mut t, &mut rng)?;
    tamper(&mut p);
    let mut t = Transcript::new(b"zk logup");
    t.absorb_points(b"w", &w_c.comm.rows);
    let n = w.len().trailing_zeros() as usize;
    let c = verify_zk(&g, verify_table, n, &p, &mut t)?;
    hyrax::verify_eval(&g, &w_c.comm, n, &c.point, &c.value_com, &w_open, &mut t)
}

fn bump(p: &mut G1Affine) {
    *p = (*p + G1Affine::generator()).to_affine();
}

#[test]
fn lookups_of_every_size_verify() {
    for (n, hi) in [(0, 1), (0, 7), (1, 3), (3, 5), (5, 256), (7, 17)] {
        let w = witness(n as u64 + 1, n, hi);
        for table in [range_table(0, hi as i64 - 1), range_table(0, 255)] {
            roundtrip(&table, &table, &w, |_| {}).unwrap_or_else(|e| panic!("n={n}: {e}"));
        }
    }
}

#[test]
fn a_value_outside_the_table_is_an_error_and_its_forgery_is_rejected() {
    let table = range_table(0, 255);
    let mut bad = witness(11, 5, 256);
    bad[4] = Fr::from(300);
    assert!(matches!(
        roundtrip(&table, &table, &bad, |_| {}),
        Err(Error::Invalid(_))
    ));
    // A prover who proves against a wider table (so multiplicities exist):
    // its shapes do not fit the verifier's table.
    let wide = range_table(0, 511);
    assert!(matches!(
        roundtrip(&wide, &table, &bad, |_| {}),
        Err(Error::Rejected { .. }) | Err(Error::Malformed { .. })
    ));
    // Same size, one entry swapped for the forged value: rejected by the
    // protocol itself.
    let mut swapped = table.clone();
    swapped[255] = Fr::from(300);
    let mut w = bad.clone();
    w.iter_mut()
        .filter(|v| **v == Fr::from(255))
        .for_each(|v| *v = Fr::from(254));
    assert!(matches!(
        roundtrip(&swapped, &table, &w, |_| {}),
        Err(Error::Rejected { .. })
    ));
    // A one-entry table and a witness that misses it.
    let one = range_table(5, 5);
    assert!(matches!(
        roundtrip(
            &range_table(4, 5),
            &one,
            &[Fr::from(4), Fr::from(5)],
            |_| {}
        ),
        Err(Error::Rejected { .. })
    ));
}

#[test]
fn every_tampered_message_is_rejected() {
    let table = range_table(0, 255);
    let w = witness(3, 5, 256);
    type Tamper = Box<dyn Fn(&mut ZkLogUpProof)>;
    let cases: Vec<(&str, Tamper)> = vec![
        ("root P_w", Box::new(|p| bump(&mut p.roots[0]))),
        ("root Q_w", Box::new(|p| bump(&mut p.roots[1]))),
        ("table sum", Box::new(|p| bump(&mut p.sum_com))),
        ("cross response", Box::new(|p| p.cross.z[2] += Fr::ONE)),
        ("m commitment", Box::new(|p| bump(&mut p.m_comm.rows[0]))),
        ("m opening", Box::new(|p| p.m_open.z[0] += Fr::ONE)),
        (
            "witness round",
            Box::new(|p| bump(&mut p.witness_layers[2].rounds[1].evals[2])),
        ),
        (
            "witness factor",
            Box::new(|p| bump(&mut p.witness_layers[4].factor_evals[0])),
        ),
        (
            "table round",
            Box::new(|p| bump(&mut p.table_sumcheck.rounds[5].evals[0])),
        ),
        (
            "table factor",
            Box::new(|p| bump(&mut p.table_sumcheck.factor_evals[0])),
        ),
        (
            "witness product",
            Box::new(|p| p.witness_layers[3].products[0].1.z[4] += Fr::ONE),
        ),
        ("layer dropped", Box::new(|p| drop(p.witness_layers.pop()))),
        (
            "table round dropped",
            Box::new(|p| drop(p.table_sumcheck.rounds.pop())),
        ),
    ];
    for (what, f) in cases {
        let r = roundtrip(&table, &table, &w, f);
        assert!(
            matches!(
                r,
                Err(Error::Rejected { .. }) | Err(Error::Malformed { .. })
            ),
            "{what}: {r:?}"
        );
    }
}

#[test]
fn the_proof_roundtrips_through_bytes() {
    use crate::codec::{Encode, Reader, Writer};
    let g = gens();
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let mut t = Transcript::new(b"zk logup");
    let (p, _, _) = prove_zk(
        &g,
        &range_table(0, 15),
        &witness(1, 3, 16),
        &mut t,
        &mut rng,
    )
    .unwrap();
    let mut w = Writer::default();
    p.encode(&mut w);
    let mut r = Reader::new(&w.0);
    assert_eq!(ZkLogUpProof::decode(&mut r).unwrap(), p);
    assert_eq!(r.remaining(), 0);
}
