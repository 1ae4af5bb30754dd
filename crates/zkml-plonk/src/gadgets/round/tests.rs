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

/// A remainder shifted by the divisor (quotient one off) is rejected.
#[test]
fn forged_remainder_fails() {
    for (x, d, shift) in [(7i128, 3i128, 1i128), (7, 3, -1), (-7, 3, 1), (7, -3, 1)] {
        let c = GadgetCircuit::new(move |bl| {
            let w = bl.input(Some(x), true);
            let honest = mod_int(x as i64, d as i64, false) as i128;
            let z = honest + shift * d;
            let k = (x - z) / d;
            // Row A and B of `floor_mod` with the forged pair (k, z).
            let kmax = 32768 / d.abs() + 1;
            let kb = bits_for((2 * kmax) as u128);
            let u = d.abs() - 1;
            let ub = bits_for(u as u128);
            let sigma = d.signum();
            let a = bl.next_row();
            bl.copy_in(&w, Adv::X(0), a);
            bl.set(Fix::Wx(0), a, Fr::ONE);
            bl.set(Fix::A1, a, -Fr::ONE);
            let mut next = 0;
            bl.range_limbs(a, Eqn::E1, &mut next, Some(k + kmax), kb, fe(-d));
            bl.seti(Fix::C1, a, d * kmax);
            bl.seti(Fix::A2, a, sigma);
            bl.range_limbs(a, Eqn::E2, &mut next, Some(sigma * z), ub, -Fr::ONE);
            let out = bl.put(Adv::Acc, a, Some(z));
            let b2 = bl.next_row();
            bl.seti(Fix::P2, b2, -sigma);
            bl.seti(Fix::C2, b2, u);
            let mut next = 0;
            bl.range_limbs(b2, Eqn::E2, &mut next, Some(u - sigma * z), ub, -Fr::ONE);
            bl.make_public(&out);
        });
        assert!(c.mock().verify().is_err(), "forged {x} mod {d} accepted");
    }
}
