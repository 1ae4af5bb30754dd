use halo2_axiom::halo2curves::ff::PrimeField;

use super::params::permute_opt;
use super::*;
use crate::gadgets::{
    fe,
    test_utils::{check_all_tampering, GadgetCircuit},
};

fn hex(s: &str) -> Fr {
    let s = s.trim_start_matches("0x");
    let mut repr = [0u8; 32];
    for (i, byte) in (0..32).rev().zip(s.as_bytes().chunks(2)) {
        repr[i] = u8::from_str_radix(std::str::from_utf8(byte).unwrap(), 16).unwrap();
    }
    Fr::from_repr(repr).unwrap()
}

/// The reference vector `poseidonperm_x5_254_3` of the Poseidon authors'
/// implementation (hadeshash, `code/test_vectors.txt`,
/// extgit.isec.tugraz.at/krypto/hadeshash), also circomlib's
/// `Poseidon([1, 2]) = perm([0, 1, 2])[0]`.
#[test]
fn permutation_matches_reference_vector() {
    let mut s = [Fr::from(0u64), Fr::from(1u64), Fr::from(2u64)];
    permute(&mut s);
    assert_eq!(
        s,
        [
            hex("0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a"),
            hex("0x0fca49b798923ab0239de1c9e7a4a9a2210312b6a2f616d18b5a87f9b628ae29"),
            hex("0x0e7ae82e40091e63cbd4f16a6d16310b3729d4b6e138fcf54110e2867045a30c"),
        ]
    );
    // circomlib's first constant and MDS entry (poseidon_constants.js, t = 3).
    assert_eq!(
        params().rc[0][0],
        hex("0x0ee9a592ba9a9518d05986d656f40c2114c4993c11bb29938d21d47304cd8e6e")
    );
}

#[test]
fn optimized_constants_same_permutation() {
    for seed in 0..4u64 {
        let s0 = [Fr::from(seed), Fr::from(seed * 7 + 1), -Fr::from(seed + 3)];
        let (mut a, mut b) = (s0, s0);
        permute(&mut a);
        permute_opt(&mut b);
        assert_eq!(a, b);
    }
    for r in 0..R_F + R_P {
        if !is_full(r) {
            assert_eq!(params().rc_opt[r][1..], [Fr::ZERO; 2]);
        }
    }
}

#[test]
fn sponge_separates_lengths() {
    let one = Fr::ONE;
    assert_ne!(poseidon_hash(&[]), poseidon_hash(&[Fr::ZERO]));
    assert_ne!(poseidon_hash(&[one]), poseidon_hash(&[one, Fr::ZERO]));
    assert_ne!(
        poseidon_hash(&[one, one]),
        poseidon_hash(&[one, Fr::from(2u64)])
    );
    // Two inputs: one permutation of (2·2^64, m_1, m_2), digest s_1.
    let mut s = [domain_tag(2), one, Fr::from(2u64)];
    permute(&mut s);
    assert_eq!(poseidon_hash(&[one, Fr::from(2u64)]), s[1]);
}

/// Hashes `vals` (as model integers) in-circuit and pins the digest to
/// `expect` with E1 (`acc − expect = 0`).
fn hash_circuit(vals: &'static [i128], expect: Fr) -> GadgetCircuit {
    GadgetCircuit::with_shape(
        move |b| {
            let ws: Vec<FeWire> = vals
                .iter()
                .map(|&v| FeWire::from(b.input(Some(v), true)))
                .collect();
            let h = b.poseidon(&ws);
            let row = b.next_row();
            b.copy_in_fe(&h, Adv::Acc, row);
            b.set(Fix::A1, row, Fr::ONE);
            b.set(Fix::C1, row, -expect);
        },
        6,
        8,
        16,
    )
    .with_poseidon()
}

fn native(vals: &[i128]) -> Fr {
    poseidon_hash(&vals.iter().map(|&v| fe(v)).collect::<Vec<_>>())
}

#[test]
fn gadget_matches_native() {
    for vals in [
        &[][..],
        &[5][..],
        &[3, -7][..],
        &[1, 2, 3][..],
        &[9, -1, 4, 1000][..],
    ] {
        let c = hash_circuit(vals, native(vals));
        c.assert_ok();
    }
}

#[test]
fn wrong_digest_rejected() {
    let vals = &[3, -7];
    assert!(hash_circuit(vals, native(vals) + Fr::ONE)
        .mock()
        .verify()
        .is_err());
    // A different input gives a different digest.
    assert_ne!(native(&[3, -7]), native(&[3, -6]));
    assert!(hash_circuit(&[3, -6], native(vals))
        .mock()
        .verify()
        .is_err());
}

#[test]
fn rows_per_permutation() {
    let rows = |vals: &'static [i128]| {
        let before = GadgetCircuit::with_shape(
            move |b| {
                for &v in vals {
                    b.input(Some(v), true);
                }
            },
            6,
            8,
            16,
        )
        .rows;
        let after = GadgetCircuit::with_shape(
            move |b| {
                let ws: Vec<FeWire> = vals
                    .iter()
                    .map(|&v| FeWire::from(b.input(Some(v), true)))
                    .collect();
                b.poseidon(&ws);
            },
            6,
            8,
            16,
        )
        .rows;
        after - before
    };
    assert_eq!(rows(&[1, 2]), ROWS_PER_PERMUTATION);
    // A second full block: one absorption row and a permutation.
    assert_eq!(rows(&[1, 2, 3, 4]), 2 * ROWS_PER_PERMUTATION + 1);
    // A padded block adds the constant 0's row, and its absorption needs no row.
    assert_eq!(rows(&[1, 2, 3]), 2 * ROWS_PER_PERMUTATION + 1);
}

#[test]
fn gate_adds_six_fixed_columns_and_keeps_degree() {
    let shape = GadgetCircuit::with_shape(|_| {}, 6, 8, 16).shape;
    let mut plain = ConstraintSystem::<Fr>::default();
    MainConfig::configure(&mut plain, shape.clone());
    let mut with = ConstraintSystem::<Fr>::default();
    let mut cfg = MainConfig::configure(&mut with, shape);
    cfg.configure_poseidon(&mut with);
    assert_eq!(with.num_advice_columns(), plain.num_advice_columns());
    assert_eq!(with.num_fixed_columns(), plain.num_fixed_columns() + 6);
    assert_eq!(with.degree(), plain.degree());
    assert!(with.degree() <= 5, "degree {}", with.degree());
}

/// The first square cell (`y_0` of round 0: cell #5, after the two inputs
/// and the first row's state) fails exactly `full sq_0` and the three
/// `full mix_j` that use it, on the permutation's first row (the one
/// whose `x_0` is the tag `2·2^64`).
#[test]
fn tampered_square_fails_its_constraints() {
    let vals = &[3, -7];
    let mut c = hash_circuit(vals, native(vals));
    c.tamper = Some(5);
    let errs = c.mock().verify().unwrap_err();
    let msgs: Vec<String> = errs.iter().map(|e| format!("{e}")).collect();
    let mut names: Vec<&str> = msgs
        .iter()
        .map(|m| {
            assert!(m.contains("in gate 1 ('poseidon full round')"), "{m}");
            assert!(m.contains("= 0x20000000000000000"), "{m}");
            m.split('\'').nth(1).unwrap()
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["full mix_0", "full mix_1", "full mix_2", "full sq_0"]
    );
}

/// Keygen, SHPLONK prove and verify with the gate (not only MockProver):
/// the honest digest verifies; a circuit pinned to a wrong digest yields a
/// proof that is rejected.
#[test]
fn real_proof_verifies() {
    use halo2_axiom::{
        halo2curves::bn256::{Bn256, G1Affine},
        plonk::{create_proof, keygen_pk, keygen_vk, verify_proof},
        poly::kzg::{
            commitment::{KZGCommitmentScheme, ParamsKZG},
            multiopen::{ProverSHPLONK, VerifierSHPLONK},
            strategy::SingleStrategy,
        },
        transcript::{
            Blake2bRead, Blake2bWrite, Challenge255, TranscriptReadBuffer, TranscriptWriterBuffer,
        },
    };
    use rand_chacha03::ChaCha20Rng;
    use rand_core06::SeedableRng;

    let vals = &[3, -7, 11];
    let prove_verify = |c: &GadgetCircuit, params: &ParamsKZG<Bn256>| -> bool {
        let vk = keygen_vk(params, c).unwrap();
        let pk = keygen_pk(params, vk.clone(), c).unwrap();
        let inst = c.publics();
        let mut tr = Blake2bWrite::<_, G1Affine, Challenge255<_>>::init(vec![]);
        create_proof::<
            KZGCommitmentScheme<Bn256>,
            ProverSHPLONK<'_, Bn256>,
            Challenge255<G1Affine>,
            _,
            Blake2bWrite<Vec<u8>, G1Affine, Challenge255<G1Affine>>,
            GadgetCircuit,
        >(
            params,
            &pk,
            std::slice::from_ref(c),
            &[&[&inst]],
            ChaCha20Rng::seed_from_u64(1),
            &mut tr,
        )
        .unwrap();
        let proof = tr.finalize();
        let mut rd = Blake2bRead::<_, G1Affine, Challenge255<_>>::init(proof.as_slice());
        verify_proof::<
            KZGCommitmentScheme<Bn256>,
            VerifierSHPLONK<'_, Bn256>,
            Challenge255<G1Affine>,
            Blake2bRead<&[u8], G1Affine, Challenge255<G1Affine>>,
            SingleStrategy<'_, Bn256>,
        >(
            params,
            &vk,
            SingleStrategy::new(params),
            &[&[&inst]],
            &mut rd,
        )
        .is_ok()
    };
    let honest = hash_circuit(vals, native(vals));
    let k = (honest.rows.max(honest.shape.table_rows()) + 10)
        .next_power_of_two()
        .trailing_zeros();
    let params = ParamsKZG::<Bn256>::setup(k, ChaCha20Rng::seed_from_u64(0));
    assert!(prove_verify(&honest, &params));
    assert!(!prove_verify(
        &hash_circuit(vals, native(vals) + Fr::ONE),
        &params
    ));
}

#[test]
fn every_cell_is_constrained() {
    for vals in [&[3, -7][..], &[1, 2, 3, 4, 5][..]] {
        check_all_tampering(&hash_circuit(vals, native(vals)));
    }
}
