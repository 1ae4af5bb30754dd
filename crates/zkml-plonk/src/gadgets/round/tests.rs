//! MockProver tests of Floor/Ceil/Round and Mod: honest values match
//! `zkml_core::ops::round`, every advice cell matters, forged quotients fail.

use super::*;
use crate::gadgets::{
    arith::ArithInstructions,
    test_utils::{check_all_tampering, GadgetCircuit},
};
use zkml_core::ops::round::mod_int;

fn round_circuit(q: i128, mode: RoundMode, s: u32) -> GadgetCircuit {
    GadgetCircuit::new(move |bl| {
        let x = bl.input(Some(q), true);
        let z = bl.round_to(&x, mode, s);
        bl.make_public(&z);
    })
}

#[test]
fn rounding_matches_the_executor() {
    let modes = [RoundMode::Floor, RoundMode::Ceil, RoundMode::HalfEven];
    for s in [1u32, 2, 3] {
        for q in [
            -32768i128, -13, -12, -10, -6, -2, -1, 0, 1, 2, 5, 6, 10, 12, 13, 32760,
        ] {
            for mode in modes {
                let c = round_circuit(q, mode, s);
                c.assert_ok();
                let want = mode.apply_int(q as i64, s as i32) as i128;
                assert_eq!(c.publics()[1], fe(want), "{mode:?}({q} / 2^{s})");
            }
        }
    }
    for mode in modes {
        check_all_tampering(&round_circuit(-6, mode, 2));
        check_all_tampering(&round_circuit(13, mode, 3));
    }
}

/// Ceil or Round up to `2^(b−1)` leaves the activation range: the executor
/// refuses it, and the circuit has no proof.
#[test]
fn rounding_past_the_range_has_no_proof() {
    for mode in [RoundMode::Ceil, RoundMode::HalfEven] {
        let c = round_circuit(32767, mode, 2);
        assert!(c.mock().verify().is_err(), "{mode:?}");
    }
    round_circuit(32767, RoundMode::Floor, 2).assert_ok();
}

/// Floor with the quotient one off (the remainder computed from it) fails.
#[test]
fn forged_floor_fails() {
    for (q, delta) in [(5i128, 1i128), (5, -1), (-5, 1), (0, -1)] {
        let c = GadgetCircuit::new(move |bl| {
            let x = bl.input(Some(q), true);
            let k = q.div_euclid(4) + delta;
            let z = bl.clear_row(Some(&x), None, 2, false, Some(k));
            bl.make_public(&z);
        });
        assert!(
            c.mock().verify().is_err(),
            "forged ⌊{q}/4⌋ + {delta} accepted"
        );
    }
    // The honest quotient through the same path passes.
    let c = GadgetCircuit::new(|bl| {
        let x = bl.input(Some(-5), true);
        let z = bl.clear_row(Some(&x), None, 2, false, Some(-2));
        bl.make_public(&z);
    });
    c.assert_ok();
}

fn mod_circuit(x: i128, d: i128, fmod: bool) -> GadgetCircuit {
    GadgetCircuit::new(move |bl| {
        let w = bl.input(Some(x), true);
        let z = bl.modulo(&w, d, fmod);
        bl.make_public(&z);
    })
}

#[test]
fn modulo_matches_the_executor() {
    for d in [1i128, 3, -3, 16, 7000, -7000, 40000, -40000] {
        for x in [-32768i128, -32767, -7, -6, -1, 0, 1, 5, 6, 32767] {
            for fmod in [false, true] {
                let want = mod_int(x as i64, d as i64, fmod) as i128;
                let c = mod_circuit(x, d, fmod);
                if (-32768..=32767).contains(&want) {
                    c.assert_ok();
                    assert_eq!(c.publics()[1], fe(want), "{x} mod {d} fmod={fmod}");
                } else {
                    // The executor refuses an out-of-range remainder; so does the circuit.
                    assert!(c.mock().verify().is_err(), "{x} mod {d} = {want}");
                }
            }
        }
    }
    for (x, d, fmod) in [
        (-7i128, 3i128, false),
        (7, -3, false),
        (-7, 3, true),
        (100, 40000, false),
    ] {
        check_all_tampering(&mod_circuit(x, d, fmod));
    }
}

/// A remainder shifted by the divisor (quotient one off, so `x = D·k + z`
/// still holds) is rejected by the Mod rows themselves; the honest remainder
/// through the same path passes.
#[test]
fn forged_remainder_fails() {
    for (x, d, shift) in [(7i128, 3i128, 1i128), (7, 3, -1), (-7, 3, 1), (7, -3, 1)] {
        let circuit = |shift: i128| {
            GadgetCircuit::new(move |bl| {
                let w = bl.input(Some(x), true);
                let honest = mod_int(x as i64, d as i64, false) as i128;
                let z = bl.floor_mod_with(&w, 32768, d, d.abs() - 1, Some(honest + shift * d));
                bl.make_public(&z);
            })
        };
        circuit(0).assert_ok();
        let c = circuit(shift);
        assert!(c.mock().verify().is_err(), "forged {x} mod {d} accepted");
    }
}
