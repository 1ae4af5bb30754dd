//! MockProver tests of the division and square-root gadgets: honest runs
//! against `zkml_core::rounding`, every advice cell tampered, the forgeries
//! `y + 1, r − 2D` and `r ± 1`, and a zero divisor.

use super::*;
use crate::gadgets::{
    arith::ArithInstructions,
    fe,
    test_utils::{check_all_tampering, GadgetCircuit},
};

/// `rdiv_signed(w·n, d)` on a divisor of unknown sign (`positive = false`)
/// or a known positive one, with the quotient forged by `forge`.
fn div_circuit(n: i128, w: i128, d: i128, bits: u32, positive: bool, forge: i128) -> GadgetCircuit {
    GadgetCircuit::new(move |b| {
        let nw = b.input(Some(n), true);
        let dw = b.input(Some(d), true);
        let dv = b.divisor(&dw, 1, bits, positive);
        let sign = if d < 0 { -1 } else { 1 };
        let y = rdiv_signed(w * n, sign * d.abs()).map(|y| y + forge);
        let out = b.div_rows(&[(nw, w)], &dv, y.or(Some(0)));
        b.make_public(&out);
    })
}

#[test]
fn division_matches_core_for_both_signs() {
    for (n, w, d) in [
        (17i128, 1i128, 9i128),
        (-17, 1, 9),
        (17, 1, -9),
        (-17, 4, -9),
        (5, 1, -2),
        (-6, 1, 4),
        (0, 1, -3),
        (1000, 16, 1),
        (-1, 1, 2),
    ] {
        for positive in [false, true] {
            if positive && d < 0 {
                continue;
            }
            let c = div_circuit(n, w, d, 12, positive, 0);
            c.assert_ok();
            let expect = rdiv_signed(w * n, d).unwrap();
            assert_eq!(*c.publics().last().unwrap(), fe(expect), "{n}·{w}/{d}");
        }
    }
    // Every advice cell matters.
    check_all_tampering(&div_circuit(-17, 3, 9, 12, false, 0));
    check_all_tampering(&div_circuit(-17, 3, -9, 12, false, 0));
    check_all_tampering(&div_circuit(29, 1, 7, 12, true, 0));
}

/// The prover's own values shifted by one divisor: `y' = y + 1`, `r' = r − 2D`
/// satisfies the equation but not `r ≥ 0`; `y − 1` breaks `r < 2D`.
#[test]
fn forged_quotients_fail_the_range_checks() {
    for (n, d, positive) in [(17i128, 9i128, true), (-17, 9, false), (17, -9, false)] {
        for forge in [1, -1, 2] {
            let c = div_circuit(n, 1, d, 12, positive, forge);
            assert!(
                c.mock().verify().is_err(),
                "forged quotient {n}/{d} + {forge} accepted"
            );
        }
    }
}

#[test]
fn zero_divisor_has_no_proof() {
    for positive in [false, true] {
        let c = div_circuit(5, 1, 0, 12, positive, 0);
        assert!(c.mock().verify().is_err(), "positive = {positive}");
    }
    // A divisor over its stated width is refused too.
    let c = div_circuit(5, 1, 1 << 12, 11, true, 0);
    assert!(c.mock().verify().is_err());
}

/// Several numerator terms on a positive divisor, and a wide divisor whose
/// remainder is checked by range chains instead of in-row limbs.
#[test]
fn multi_term_and_wide_divisors() {
    let c = GadgetCircuit::new(|b| {
        let z0 = b.input(Some(300), true);
        let z1 = b.input(Some(-41), true);
        let d = b.input(Some(7), true);
        let dv = b.divisor(&d, 3, 6, true); // D = 21
        let y = b.div_by(&[(z0, 2), (z1, -5)], &dv);
        b.make_public(&y);
    });
    c.assert_ok();
    assert_eq!(
        *c.publics().last().unwrap(),
        fe(rdiv_signed(805, 21).unwrap())
    );
    check_all_tampering(&c);

    let big = (1i128 << 40) + 12345;
    let c = GadgetCircuit::new(move |b| {
        let z = b.input(Some(3), true);
        let v = b.input(Some(big), true);
        let dv = b.sqrt_floor(&v, 1 << 20, 0, 41); // r ≈ 2^30
        let y = b.div_by(&[(z, 1 << 40)], &dv);
        b.make_public(&y);
    });
    c.assert_ok();
    let r = isqrt(big << 20);
    assert_eq!(
        *c.publics().last().unwrap(),
        fe(rdiv_signed(3 << 40, r).unwrap())
    );
}

fn sqrt_circuit(v: i128, a: i128, c: i128, forge: i128) -> GadgetCircuit {
    GadgetCircuit::new(move |b| {
        let vw = b.input(Some(v), true);
        let r = isqrt(a * v + c) + forge;
        let dv = b.sqrt_rows(&vw, a, c, 20, Some(r));
        let one = b.input(Some(1 << 10), true);
        // Use the root as a divisor so it is bound to the output.
        let y = b.div_by(&[(one, 1)], &dv);
        b.make_public(&y);
    })
}

#[test]
fn square_root_is_the_floor() {
    for (v, a, c) in [
        (0i128, 1i128, 1i128),
        (15, 1, 0),
        (16, 1, 0),
        (99, 4, 7),
        (123456, 16, 3),
    ] {
        let circ = sqrt_circuit(v, a, c, 0);
        circ.assert_ok();
        let r = isqrt(a * v + c);
        assert_eq!(
            *circ.publics().last().unwrap(),
            fe(rdiv_signed(1 << 10, r).unwrap())
        );
    }
    check_all_tampering(&sqrt_circuit(99, 4, 7, 0));
    // r ± 1 (with δ recomputed by the prover) leaves [0, 2r].
    for forge in [1, -1] {
        assert!(sqrt_circuit(99, 4, 7, forge).mock().verify().is_err());
        assert!(sqrt_circuit(16, 1, 0, forge).mock().verify().is_err());
    }
    // W = 0 has no positive root.
    assert!(sqrt_circuit(0, 1, 0, 0).mock().verify().is_err());
}

#[test]
fn range_chain_checks_wide_values() {
    for (v, bits, ok) in [
        ((1i128 << 50) - 1, 50u32, true),
        (1i128 << 50, 50, false),
        (-1, 50, false),
        (12345, 30, true),
    ] {
        let c = GadgetCircuit::new(move |b| {
            let w = b.input(Some(v), true);
            b.range_cell(&w, 0, bits);
        });
        assert_eq!(c.mock().verify().is_ok(), ok, "{v} in {bits} bits");
        if ok {
            check_all_tampering(&c);
        }
    }
}
