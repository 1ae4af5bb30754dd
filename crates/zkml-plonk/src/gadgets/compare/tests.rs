//! MockProver tests of the comparison, logic and Where gadgets: honest values
//! match `zkml_core`'s rules, every advice cell matters, and forged bits fail.

use super::*;
use crate::gadgets::{
    arith::ArithInstructions,
    fe,
    test_utils::{check_all_tampering, GadgetCircuit},
};
use zkml_core::ops::{logic, Cmp};

/// `cmp` of `a·2^ka` and `b` the way the layout proves it.
fn cmp_circuit(a: i128, b: i128, ka: u32, cmp: Cmp) -> GadgetCircuit {
    GadgetCircuit::new(move |bl| {
        let x = bl.input(Some(a), true);
        let y = bl.input(Some(b), true);
        let (l, r) = match cmp {
            Cmp::Less | Cmp::GreaterOrEqual | Cmp::Equal => ((x, 1i128 << ka), (y, -1)),
            _ => ((y, 1), (x, -(1i128 << ka))),
        };
        let terms = [l, r];
        let k = form_bits(&[1 << ka, 1], 0, bl.shape.act_bits);
        let z = match cmp {
            Cmp::Equal => bl.sign_pair(&terms, 0, k, Pair::IsZero),
            Cmp::Less | Cmp::Greater => bl.lt_zero(&terms, 0, k, false),
            _ => bl.lt_zero(&terms, 0, k, true),
        };
        bl.make_public(&z);
    })
}

#[test]
fn comparisons_match_the_executor_and_every_cell_matters() {
    let cases = [
        (3i128, 7i128, 0u32),
        (7, 3, 0),
        (5, 5, 0),
        (-32768, 32767, 0),
        (3, 6, 1),
        (-4, -7, 2),
    ];
    for (a, b, ka) in cases {
        for cmp in Cmp::ALL {
            let c = cmp_circuit(a, b, ka, cmp);
            c.assert_ok();
            let want = cmp.holds(a << ka, b) as i128;
            assert_eq!(
                *c.publics().last().unwrap(),
                fe(want),
                "{a}·2^{ka} {cmp:?} {b}"
            );
            let core = logic::compare_int(
                &ndarray::arr1(&[a as i64]).into_dyn(),
                &ndarray::arr1(&[b as i64]).into_dyn(),
                cmp,
                [ka as i32, 0],
            );
            assert_eq!(core[[0]] as i128, want);
        }
    }
    for cmp in [Cmp::Less, Cmp::GreaterOrEqual, Cmp::Equal] {
        check_all_tampering(&cmp_circuit(3, 7, 1, cmp));
    }
}

/// A constant operand enters E1's constant.
#[test]
fn comparison_with_a_constant() {
    for (a, c, want) in [(100i128, 256i128, 1i128), (300, 256, 0), (256, 256, 0)] {
        let circ = GadgetCircuit::new(move |bl| {
            let x = bl.input(Some(a), true);
            let k = form_bits(&[1], c, bl.shape.act_bits);
            let z = bl.lt_zero(&[(x, 1)], -c, k, false);
            bl.make_public(&z);
        });
        circ.assert_ok();
        assert_eq!(circ.publics()[1], fe(want));
        check_all_tampering(&circ);
    }
}

#[test]
fn sign_pairs() {
    for v in [-32768i128, -5, 0, 7, 32767] {
        for (out, want) in [
            (Pair::IsZero, (v == 0) as i128),
            (Pair::Sign, v.signum()),
            (Pair::NonZero, (v != 0) as i128),
        ] {
            let c = GadgetCircuit::new(move |bl| {
                let x = bl.input(Some(v), true);
                let k = form_bits(&[1], 0, bl.shape.act_bits);
                let z = bl.sign_pair(&[(x, 1)], 0, k, out);
                bl.make_public(&z);
            });
            c.assert_ok();
            assert_eq!(c.publics()[1], fe(want), "{out:?} of {v}");
            if v == -5 || v == 0 {
                check_all_tampering(&c);
            }
        }
    }
}

/// A prover claiming `a < b` (β = 1) when `a ≥ b`, or `a ≥ b` when `a < b`,
/// with every other cell computed from that claim, is rejected.
#[test]
fn forged_sign_bits_fail() {
    for (a, b) in [(9i128, 4i128), (4, 4), (-3, 4)] {
        let honest = (a < b) as i128;
        let c = GadgetCircuit::new(move |bl| {
            let x = bl.input(Some(a), true);
            let y = bl.input(Some(b), true);
            let z = bl.sign_row(
                &[(x, 1), (y, -1)],
                0,
                17,
                Some(1 - honest),
                (-1, 0, 0),
                Some(0),
            );
            bl.make_public(&z);
        });
        assert!(
            c.mock().verify().is_err(),
            "forged [{a} < {b}] = {} accepted",
            1 - honest
        );
    }
    // Equal claiming 1 for 4 vs 9: both bits 0 on the second row.
    let c = GadgetCircuit::new(|bl| {
        let x = bl.input(Some(4), true);
        let y = bl.input(Some(9), true);
        let t = [(x, 1), (y, -1)];
        bl.sign_row(&t, 0, 17, Some(1), (-1, 0, 0), Some(0));
        let neg = [(x, -1), (y, 1)];
        let z = bl.sign_row(&neg, 0, 17, Some(0), (1, 1, -1), Some(0));
        bl.make_public(&z);
    });
    assert_eq!(c.publics()[2], fe(1));
    assert!(
        c.mock().verify().is_err(),
        "forged Equal(4, 9) = 1 accepted"
    );
}

#[test]
fn logic_on_booleans() {
    for op in Logic::ALL {
        for (a, b) in [(0i128, 0i128), (0, 1), (1, 0), (1, 1)] {
            let c = GadgetCircuit::new(move |bl| {
                let x = bl.input(Some(a), true);
                let y = bl.input(Some(b), true);
                let z = bl.logic(op, &x, &y);
                bl.make_public(&z);
            });
            c.assert_ok();
            assert_eq!(
                c.publics()[2],
                fe(op.apply(a == 1, b == 1) as i128),
                "{op:?}"
            );
            if a != b {
                check_all_tampering(&c);
            }
        }
    }
}

#[test]
fn where_selects_aligned_operands() {
    let ops = |bl: &mut Builder<'_>, kind: u8| {
        let a = bl.input(Some(300), true);
        let b = bl.input(Some(-7), true);
        match kind {
            0 => (Operand::Cell(a, 2), Operand::Cell(b, 1)),
            1 => (Operand::Cell(a, 2), Operand::Const(-5)),
            2 => (Operand::Const(11), Operand::Cell(b, 4)),
            _ => (Operand::Const(11), Operand::Const(-5)),
        }
    };
    let want = |kind: u8, c: i128| match (kind, c) {
        (0 | 1, 1) => 600,
        (2 | 3, 1) => 11,
        (0, _) => -7,
        (2, _) => -28,
        _ => -5,
    };
    for kind in 0..4u8 {
        for cond in [0i128, 1] {
            let c = GadgetCircuit::new(move |bl| {
                let cw = bl.input(Some(cond), true);
                let (a, b) = ops(bl, kind);
                let z = bl.select_by(&cw, a, b);
                bl.make_public(&z);
            });
            c.assert_ok();
            assert_eq!(
                *c.publics().last().unwrap(),
                fe(want(kind, cond)),
                "kind {kind} c {cond}"
            );
            check_all_tampering(&c);
        }
    }
    // An aligned operand outside the activation range has no proof (the executor refuses it).
    let c = GadgetCircuit::new(|bl| {
        let cw = bl.input(Some(1), true);
        let a = bl.input(Some(20000), true);
        let z = bl.select_by(&cw, Operand::Cell(a, 2), Operand::Const(0));
        bl.make_public(&z);
    });
    assert!(c.mock().verify().is_err());
}
