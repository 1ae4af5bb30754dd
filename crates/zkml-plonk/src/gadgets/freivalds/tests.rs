use halo2_axiom::dev::VerifyFailure;

use super::*;
use crate::gadgets::{
    linear::LinearInstructions,
    test_utils::{check_all_tampering, GadgetCircuit},
    MainConfig,
};

/// `Y = X·W + b` for `X` 3×4 (private inputs), `W` 4×3, through the check;
/// `cheat` is added to `Y[1][2]`. The `Y` cells are made public.
fn product(cheat: i128) -> GadgetCircuit {
    GadgetCircuit::with_shape(
        move |bl| {
            let xv = [[3i128, -1, 4, 1], [-5, 9, 2, -6], [5, 3, -5, 8]];
            let w = [[2i128, 0, -1], [1, 3, 0], [0, -2, 5], [-4, 1, 1]];
            let bias = [7i128, -3, 0];
            let x: Vec<Vec<Wire>> = xv
                .iter()
                .map(|r| r.iter().map(|&v| bl.input(Some(v), false)).collect())
                .collect();
            let pows = bl.alpha_powers(3);
            let neg_v: Vec<FeWire> = (0..4)
                .map(|k| bl.horner_fixed(&[-w[k][0], -w[k][1], -w[k][2]]))
                .collect();
            let one = bl.constant(1);
            let neg_b = bl.horner_fixed(&bias.map(|b| -b));
            for m in 0..3 {
                let mut pairs = vec![];
                for n in 0..3 {
                    let mut s: i128 = (0..4).map(|k| xv[m][k] * w[k][n]).sum::<i128>() + bias[n];
                    if (m, n) == (1, 2) {
                        s += cheat;
                    }
                    pairs.push((Left::Fresh(Some(s)), pows[2 - n]));
                }
                for k in 0..4 {
                    pairs.push((Left::Cell(x[m][k]), neg_v[k]));
                }
                pairs.push((Left::Cell(one), neg_b));
                for y in bl.zero_pairs(&pairs) {
                    bl.make_public(&y);
                }
            }
        },
        4,
        8,
        16,
    )
    .with_freivalds()
}

#[test]
fn honest_product_passes_and_every_cell_is_bound() {
    let c = product(0);
    c.assert_ok();
    assert_eq!(c.publics().len(), 9);
    check_all_tampering(&c);
}

#[test]
fn wrong_accumulator_is_rejected() {
    for cheat in [1, -1, 1 << 20] {
        assert!(product(cheat).mock().verify().is_err(), "cheat {cheat}");
    }
}

#[test]
fn checked_cells_are_committed_before_the_challenge() {
    let c = product(0);
    let mut cs = halo2_axiom::plonk::ConstraintSystem::<Fr>::default();
    let config = MainConfig::configure(&mut cs, c.shape.clone());
    // Y and X sit in even x columns, α-dependent values in odd x columns and acc.
    for i in 0..config.x.len() {
        assert_eq!(config.is_second_phase(Adv::X(i)), i % 2 == 1);
    }
    assert!(config.is_second_phase(Adv::Acc));
    let phases: Vec<u8> = cs.advice_column_phase();
    for (i, col) in config.x.iter().enumerate() {
        assert_eq!(phases[col.index()], (i % 2) as u8);
    }
    assert_eq!(cs.challenge_phase(), vec![0]);
}

/// Before unused pair slots got a zero left factor, a prover could put any
/// product there and shift a private-weight sum at will.
#[test]
fn unused_pair_slots_cannot_carry_a_product() {
    let honest = |bl: &mut Builder<'_>| {
        let a = bl.input(Some(6), false);
        let w = bl.input(Some(-7), false);
        bl.linear_pairs(&[(a, w)], 0, 0, None)
    };
    let c = GadgetCircuit::with_shape(
        move |bl| {
            let y = honest(bl);
            bl.make_public(&y);
        },
        4,
        8,
        16,
    );
    c.assert_ok();
    // The forgery: 6·(−7) + 5·8 in the row, claimed as the output.
    let forged = GadgetCircuit::with_shape(
        move |bl| {
            let y = honest(bl);
            bl.put(Adv::X(2), y.row, Some(5));
            bl.put(Adv::X(3), y.row, Some(8));
            let y = bl.put(Adv::Acc, y.row, Some(-42 + 40));
            // The output's range limbs, for −2 + 2^15 = 0x7ffe.
            bl.put(Adv::Lk(0), y.row, Some(0xfe));
            bl.put(Adv::Lk(1), y.row, Some(0x7f));
            bl.make_public(&y);
        },
        4,
        8,
        16,
    );
    let errs = forged
        .mock()
        .verify()
        .expect_err("forged pair slot accepted");
    // Only the copy of the zero constant catches it: every gate holds.
    assert!(
        errs.iter()
            .all(|e| matches!(e, VerifyFailure::Permutation { .. })),
        "{errs:#?}"
    );
}

/// The same product with the weights and bias as witness cells: `v_k` and `B`
/// by pair rows, `Y` against `−α` powers.
fn product_cells(cheat: i128) -> GadgetCircuit {
    GadgetCircuit::with_shape(
        move |bl| {
            let xv = [[3i128, -1, 4], [-5, 9, 2]];
            let wv = [[2i128, 0], [1, 3], [-4, 1]];
            let bv = [7i128, -3];
            let x: Vec<Vec<Wire>> = xv
                .iter()
                .map(|r| r.iter().map(|&v| bl.input(Some(v), false)).collect())
                .collect();
            let w: Vec<Vec<Wire>> = wv
                .iter()
                .map(|r| r.iter().map(|&v| bl.input(Some(v), false)).collect())
                .collect();
            let b: Vec<Wire> = bv.iter().map(|&v| bl.input(Some(v), false)).collect();
            let pows = bl.alpha_powers(2);
            let neg = bl.neg_alpha_powers(2);
            let v: Vec<FeWire> = (0..3)
                .map(|k| bl.dot_pairs(&[(w[k][0], pows[1]), (w[k][1], pows[0])]))
                .collect();
            let one = bl.constant(1);
            let bb = bl.dot_pairs(&[(b[0], pows[1]), (b[1], pows[0])]);
            for m in 0..2 {
                let mut pairs = vec![];
                for n in 0..2 {
                    let mut s: i128 = (0..3).map(|k| xv[m][k] * wv[k][n]).sum::<i128>() + bv[n];
                    if (m, n) == (1, 0) {
                        s += cheat;
                    }
                    pairs.push((Left::Fresh(Some(s)), neg[1 - n]));
                }
                for k in 0..3 {
                    pairs.push((Left::Cell(x[m][k]), v[k]));
                }
                pairs.push((Left::Cell(one), bb));
                for y in bl.zero_pairs(&pairs) {
                    bl.make_public(&y);
                }
            }
        },
        4,
        8,
        16,
    )
    .with_freivalds()
}

#[test]
fn weight_cells_product_passes_and_every_cell_is_bound() {
    let c = product_cells(0);
    c.assert_ok();
    check_all_tampering(&c);
    for cheat in [1, -1] {
        assert!(
            product_cells(cheat).mock().verify().is_err(),
            "cheat {cheat}"
        );
    }
}
