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

/// Runs a verifier that collects group equations and checks them.
fn checked<T>(
    g: &Generators,
    f: impl FnOnce(&mut crate::zk::Checks) -> crate::Result<T>,
) -> crate::Result<T> {
    let mut c = crate::zk::Checks::new();
    let out = f(&mut c)?;
    c.finish(g)?;
    Ok(out)
}

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
    let c = checked(&g, |c| verify_zk(&g, verify_table, n, &p, &mut t, c))?;
    hyrax::verify_eval(
        &g,
        &w_c.comm,
        n,
        &c.point,
        &c.value_com.eval(&g)?.to_affine(),
        &w_open,
        &mut t,
    )
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
        ("table sum", Box::new(|p| bump(&mut p.sum_com[0]))),
        ("cross response", Box::new(|p| p.cross.z[2] += Fr::ONE)),
        ("m commitment", Box::new(|p| bump(&mut p.m_comm[0].rows[0]))),
        ("m opening", Box::new(|p| p.m_open[0].z[0] += Fr::ONE)),
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
            Box::new(|p| bump(&mut p.table_sumcheck[0].rounds[5].evals[0])),
        ),
        (
            "table factor",
            Box::new(|p| bump(&mut p.table_sumcheck[0].factor_evals[0])),
        ),
        (
            "witness product",
            Box::new(|p| p.witness_layers[3].products[0].1.z[4] += Fr::ONE),
        ),
        ("layer dropped", Box::new(|p| drop(p.witness_layers.pop()))),
        (
            "table round dropped",
            Box::new(|p| drop(p.table_sumcheck[0].rounds.pop())),
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

/// Columns committed one by one (Hyrax); one batched lookup; every column's
/// claim discharged by an opening against its own commitment. `edit_m`
/// forges the multiplicities, `tamper` edits the proof before verifying.
fn batch_roundtrip(
    prove_table: &[Fr],
    verify_table: &[Fr],
    columns: &[Vec<Fr>],
    edit_m: impl FnOnce(&mut [Fr]),
    tamper: impl FnOnce(&mut ZkLogUpProof),
) -> crate::Result<()> {
    let g = gens();
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let coms: Vec<_> = columns
        .iter()
        .map(|c| hyrax::commit(&g, Mle::new(c.clone())?, &mut rng))
        .collect::<crate::Result<_>>()?;
    let mut t = Transcript::new(b"zk logup batch");
    coms.iter()
        .for_each(|c| t.absorb_points(b"w", &c.comm.rows));
    let cols: Vec<&[Fr]> = columns.iter().map(|c| c.as_slice()).collect();
    let (mut p, claims) =
        prover::prove_zk_batch_with(&g, prove_table, &cols, &mut t, &mut rng, edit_m)?;
    let mut opens = vec![];
    for (c, (point, o)) in coms.iter().zip(&claims) {
        opens.push(hyrax::prove_eval(&g, c, point, &o.blind, &mut t, &mut rng)?.2);
    }
    tamper(&mut p);
    let mut t = Transcript::new(b"zk logup batch");
    coms.iter()
        .for_each(|c| t.absorb_points(b"w", &c.comm.rows));
    let nvs: Vec<usize> = columns
        .iter()
        .map(|c| c.len().trailing_zeros() as usize)
        .collect();
    let claims = checked(&g, |c| {
        verify_zk_batch(&g, verify_table, &nvs, &p, &mut t, c)
    })?;
    for ((c, cl), o) in coms.iter().zip(&claims).zip(&opens) {
        hyrax::verify_eval(
            &g,
            &c.comm,
            cl.point.len(),
            &cl.point,
            &cl.value_com.eval(&g)?.to_affine(),
            o,
            &mut t,
        )?;
    }
    Ok(())
}

fn mixed_columns() -> Vec<Vec<Fr>> {
    [(0, 16), (3, 16), (5, 256), (1, 2), (5, 9), (2, 256)]
        .iter()
        .enumerate()
        .map(|(k, &(n, hi))| witness(20 + k as u64, n, hi))
        .collect()
}

fn rejected(r: &crate::Result<()>) -> bool {
    matches!(
        r,
        Err(Error::Rejected { .. }) | Err(Error::Malformed { .. })
    )
}

#[test]
fn batched_columns_of_mixed_sizes_verify() {
    let table = range_table(0, 255);
    let cols = mixed_columns();
    batch_roundtrip(&table, &table, &cols, |_| {}, |_| {}).unwrap();
    // One column, and one one-entry column (padded to two entries).
    batch_roundtrip(&table, &table, &cols[2..3], |_| {}, |_| {}).unwrap();
    batch_roundtrip(&table, &table, &cols[..1], |_| {}, |_| {}).unwrap();
    // Columns that fill the tree exactly (no padding).
    let full = vec![witness(1, 3, 256), witness(2, 3, 256)];
    batch_roundtrip(&table, &table, &full, |_| {}, |_| {}).unwrap();
    assert_eq!(Concat::new(&[3, 3]).unwrap().num_vars, 4);
    assert_eq!(Concat::new(&[0, 5, 3]).unwrap().offsets, vec![40, 0, 32]);
}

#[test]
fn one_column_out_of_the_table_in_a_shared_batch_is_caught() {
    let table = range_table(0, 255);
    let mut cols = mixed_columns();
    cols[4][3] = Fr::from(300);
    // The honest prover names the column and entry.
    match batch_roundtrip(&table, &table, &cols, |_| {}, |_| {}) {
        Err(Error::Invalid(m)) => assert!(m.contains("column 4, entry 3"), "{m}"),
        r => panic!("{r:?}"),
    }
    // A cheating prover who runs the protocol on a table holding the forged
    // value (same size, so every message has the verifier's shape) while
    // the other columns are in the table: rejected.
    let mut swapped = table.clone();
    swapped[255] = Fr::from(300);
    for c in cols.iter_mut() {
        c.iter_mut()
            .filter(|v| **v == Fr::from(255))
            .for_each(|v| *v = Fr::from(254));
    }
    let r = batch_roundtrip(&swapped, &table, &cols, |_| {}, |_| {});
    assert!(matches!(r, Err(Error::Rejected { .. })), "{r:?}");
}

#[test]
fn a_wrong_multiplicity_is_rejected() {
    let table = range_table(0, 255);
    let cols = mixed_columns();
    // One count moved from one entry to another, and one count added.
    let moved = |m: &mut [Fr]| {
        let j = m.iter().position(|v| *v != Fr::ZERO).unwrap();
        m[j] -= Fr::ONE;
        m[j + 1] += Fr::ONE;
    };
    let r = batch_roundtrip(&table, &table, &cols, moved, |_| {});
    assert!(matches!(r, Err(Error::Rejected { .. })), "{r:?}");
    let r = batch_roundtrip(&table, &table, &cols, |m| m[7] += Fr::ONE, |_| {});
    assert!(matches!(r, Err(Error::Rejected { .. })), "{r:?}");
}

#[test]
fn every_tampered_batch_message_is_rejected() {
    let table = range_table(0, 255);
    let cols = mixed_columns();
    type Tamper = Box<dyn Fn(&mut ZkLogUpProof)>;
    let cases: Vec<(&str, Tamper)> = vec![
        (
            "column commitment",
            Box::new(|p| bump(&mut p.column_coms[2])),
        ),
        (
            "column commitment dropped",
            Box::new(|p| {
                p.column_coms.pop();
            }),
        ),
        (
            "column commitment added",
            Box::new(|p| p.column_coms.push(G1Affine::generator())),
        ),
        ("m commitment", Box::new(|p| bump(&mut p.m_comm[0].rows[1]))),
        ("m opening", Box::new(|p| p.m_open[0].z_beta += Fr::ONE)),
        ("root Q_w", Box::new(|p| bump(&mut p.roots[1]))),
        (
            "round of degree 4 (one commitment too many)",
            Box::new(|p| {
                let e = p.witness_layers[3].rounds[0].evals[0];
                p.witness_layers[3].rounds[0].evals.push(e)
            }),
        ),
        (
            "round of degree 2 (one commitment short)",
            Box::new(|p| {
                p.witness_layers[5].rounds[2].evals.pop();
            }),
        ),
        (
            "table round of degree 3",
            Box::new(|p| {
                let e = p.table_sumcheck[0].rounds[1].evals[0];
                p.table_sumcheck[0].rounds[1].evals.push(e)
            }),
        ),
        ("layer dropped", Box::new(|p| drop(p.witness_layers.pop()))),
    ];
    for (what, f) in cases {
        let r = batch_roundtrip(&table, &table, &cols, |_| {}, f);
        assert!(rejected(&r), "{what}: {r:?}");
    }
    // A proof byte: every byte position of a sample flipped, decoded and
    // verified (a decode error or a rejection).
    use crate::codec::{Encode, Reader, Writer};
    let g = gens();
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let c: Vec<&[Fr]> = cols.iter().map(|c| c.as_slice()).collect();
    let mut t = Transcript::new(b"bytes");
    let (p, _) = prove_zk_batch(&g, &table, &c, &mut t, &mut rng).unwrap();
    let mut w = Writer::default();
    p.encode(&mut w);
    let nvs: Vec<usize> = cols
        .iter()
        .map(|c| c.len().trailing_zeros() as usize)
        .collect();
    for i in (0..w.0.len()).step_by(w.0.len() / 23 + 1) {
        let mut b = w.0.clone();
        b[i] ^= 1;
        let mut r = Reader::new(&b);
        if let Ok(q) = ZkLogUpProof::decode(&mut r) {
            let mut t = Transcript::new(b"bytes");
            // Without the openings a change in a column commitment only
            // moves the claims; everything else is rejected here.
            if let Ok(claims) = checked(&g, |c| verify_zk_batch(&g, &table, &nvs, &q, &mut t, c)) {
                let mut t = Transcript::new(b"bytes");
                let honest =
                    checked(&g, |c| verify_zk_batch(&g, &table, &nvs, &p, &mut t, c)).unwrap();
                assert_ne!(claims, honest, "byte {i} flipped and accepted unchanged");
            }
        }
    }
    // The verifier told other column sizes.
    let g = gens();
    let mut t = Transcript::new(b"bytes");
    let mut other = nvs.clone();
    other[1] += 1;
    assert!(checked(&g, |c| verify_zk_batch(&g, &table, &other, &p, &mut t, c)).is_err());
}

/// Columns committed one by one; one multi-table lookup where the prover
/// assigns column `k` to `prove_tags[k]` and the verifier to `verify_tags[k]`.
fn multi_roundtrip(
    tables: &[Vec<Fr>],
    columns: &[Vec<Fr>],
    prove_tags: &[usize],
    verify_tags: &[usize],
) -> crate::Result<()> {
    let g = gens();
    let mut rng = ChaCha20Rng::seed_from_u64(13);
    let coms: Vec<_> = columns
        .iter()
        .map(|c| hyrax::commit(&g, Mle::new(c.clone())?, &mut rng))
        .collect::<crate::Result<_>>()?;
    let tabs: Vec<&[Fr]> = tables.iter().map(|t| t.as_slice()).collect();
    let mut t = Transcript::new(b"zk logup multi");
    coms.iter()
        .for_each(|c| t.absorb_points(b"w", &c.comm.rows));
    let cols: Vec<(&[Fr], usize)> = columns
        .iter()
        .zip(prove_tags)
        .map(|(c, k)| (c.as_slice(), *k))
        .collect();
    let (p, claims) = prove_zk_multi(&g, &tabs, &cols, &mut t, &mut rng)?;
    let mut opens = vec![];
    for (c, (point, o)) in coms.iter().zip(&claims) {
        assert_eq!(o.value, c.poly.evaluate(point)?, "untagged claim");
        opens.push(hyrax::prove_eval(&g, c, point, &o.blind, &mut t, &mut rng)?.2);
    }
    let mut t = Transcript::new(b"zk logup multi");
    coms.iter()
        .for_each(|c| t.absorb_points(b"w", &c.comm.rows));
    let shape: Vec<(usize, usize)> = columns
        .iter()
        .zip(verify_tags)
        .map(|(c, k)| (c.len().trailing_zeros() as usize, *k))
        .collect();
    let claims = checked(&g, |c| verify_zk_multi(&g, &tabs, &shape, &p, &mut t, c))?;
    for ((c, cl), o) in coms.iter().zip(&claims).zip(&opens) {
        hyrax::verify_eval(
            &g,
            &c.comm,
            cl.point.len(),
            &cl.point,
            &cl.value_com.eval(&g)?.to_affine(),
            o,
            &mut t,
        )?;
    }
    Ok(())
}

#[test]
fn one_lookup_over_several_tables_keeps_each_column_in_its_own_table() {
    // Overlapping tables: [0, 16), [−8, 8) and a one-entry table {5}.
    let neg = |v: i64| crate::field::fr_from_i64(v);
    let tables = vec![range_table(0, 15), range_table(-8, 7), range_table(5, 5)];
    let cols = vec![
        witness(1, 4, 16),
        (0..8).map(|i| neg(i - 8)).collect::<Vec<_>>(),
        vec![Fr::from(5); 2],
        witness(2, 0, 16),
    ];
    multi_roundtrip(&tables, &cols, &[0, 1, 2, 0], &[0, 1, 2, 0]).unwrap();
    // A negative column assigned to [0, 16) is an honest error naming it...
    match multi_roundtrip(&tables, &cols, &[0, 0, 2, 0], &[0, 0, 2, 0]) {
        Err(Error::Invalid(m)) => assert!(m.contains("column 1"), "{m}"),
        r => panic!("{r:?}"),
    }
    // ...and a prover who proves it in [−8, 8), a table the verifier did not
    // assign it to, is rejected: the tag `δ·t` differs.
    let r = multi_roundtrip(&tables, &cols, &[0, 1, 2, 0], &[0, 0, 2, 0]);
    assert!(rejected(&r), "{r:?}");
    // Tables counted by the verifier, never taken from the proof.
    let r = multi_roundtrip(&tables, &cols, &[0, 1, 2, 0], &[0, 1, 1, 0]);
    assert!(rejected(&r), "{r:?}");
    let r = multi_roundtrip(&tables[..2], &cols[..2], &[0, 1], &[0, 1]);
    r.unwrap();
}

#[test]
fn a_wrong_multiplicity_in_one_of_several_tables_is_rejected() {
    let g = gens();
    let tables = [range_table(0, 15), range_table(0, 255)];
    let tabs: Vec<&[Fr]> = tables.iter().map(|t| t.as_slice()).collect();
    let (a, b) = (witness(3, 3, 16), witness(4, 5, 256));
    let cols = [(a.as_slice(), 0), (b.as_slice(), 1)];
    for forged in 0..2 {
        let mut rng = ChaCha20Rng::seed_from_u64(17);
        let mut t = Transcript::new(b"m");
        let edit = |k: usize, m: &mut [Fr]| {
            if k == forged {
                m[1] += Fr::ONE;
                m[2] -= Fr::ONE;
            }
        };
        let (p, _, _) =
            prover::prove_zk_multi_with(&g, &tabs, &cols, &mut t, &mut rng, edit, false).unwrap();
        let mut t = Transcript::new(b"m");
        let r = checked(&g, |c| {
            verify_zk_multi(&g, &tabs, &[(3, 0), (5, 1)], &p, &mut t, c)
        });
        assert!(
            matches!(r, Err(Error::Rejected { .. })),
            "table {forged}: {r:?}"
        );
    }
}
