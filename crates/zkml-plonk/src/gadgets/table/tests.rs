//! Tests of the function tables (moved from `table.rs`).
use super::*;
use crate::gadgets::{
    arith::ArithInstructions,
    fe,
    test_utils::{check_all_tampering, GadgetCircuit},
};

fn sig(in_scale: i32, out_scale: i32) -> FnKind {
    FnKind::Act {
        func: TableFn::Sigmoid,
        in_scale,
        out_scale,
        domain: None,
    }
}

#[test]
fn saturation_points_are_exact() {
    for kind in [
        sig(8, 8),
        sig(6, 6),
        FnKind::Act {
            func: TableFn::Tanh,
            in_scale: 8,
            out_scale: 8,
            domain: None,
        },
        FnKind::Exp {
            in_scale: 8,
            exp_scale: 8,
        },
    ] {
        for bits in [12, 16] {
            let t = FnTable::new(kind, bits).unwrap();
            for x in t.dmin..=t.dmax {
                let c = x.clamp(t.lo, t.hi);
                assert_eq!(kind.eval(x), kind.eval(c), "{kind:?} x = {x}");
            }
            // Minimal: one step inside changes the value.
            if t.hi < t.dmax {
                assert_ne!(kind.eval(t.hi - 1), kind.eval(t.dmax));
            }
            if t.lo > t.dmin {
                assert_ne!(kind.eval(t.lo + 1), kind.eval(t.dmin));
            }
            println!(
                "{kind:?} b={bits}: [{}, {}] ({} rows), y ∈ [{}, {}], V = {}",
                t.lo,
                t.hi,
                t.rows(),
                t.y_lo,
                t.y_hi,
                t.v
            );
        }
    }
}

fn table_circuit(kind: FnKind, xs: &'static [i128]) -> (GadgetCircuit, FnTable) {
    table_circuit_bits(kind, xs, 12)
}

fn table_circuit_bits(kind: FnKind, xs: &'static [i128], bits: u32) -> (GadgetCircuit, FnTable) {
    let t = FnTable::new(kind, bits).unwrap();
    let tc = t.clone();
    let c = GadgetCircuit::with_shape(
        move |b| {
            for &x in xs {
                let w = b.input(Some(x), true);
                let y = b.table_fn(&tc, &w);
                b.make_public(&y);
            }
        },
        4,
        8,
        bits,
    );
    (c, t)
}

#[test]
fn sigmoid_tanh_exact_and_every_cell_matters() {
    let tanh = FnKind::Act {
        func: TableFn::Tanh,
        in_scale: 6,
        out_scale: 7,
        domain: None,
    };
    for kind in [sig(6, 6), tanh] {
        let (c, t) = table_circuit(kind, &[-2048, -900, -3, 0, 1, 17, 700, 2047]);
        // Both saturated sides and the interior are exercised.
        assert!(t.lo > -900 && t.hi < 700, "{t:?}");
        c.assert_ok();
        let p = c.publics();
        for (i, &x) in [-2048i64, -900, -3, 0, 1, 17, 700, 2047].iter().enumerate() {
            assert_eq!(p[2 * i + 1], fe(kind.eval(x) as i128));
        }
        check_all_tampering(&c);
    }
}

#[test]
fn saturation_clamp_identity_over_scales() {
    for func in [TableFn::Sigmoid, TableFn::Tanh] {
        for in_scale in [-2, 0, 3, 6, 9, 12] {
            for out_scale in [0, 4, 8, 10] {
                let kind = FnKind::Act {
                    func,
                    in_scale,
                    out_scale,
                    domain: None,
                };
                let t = FnTable::new(kind, 12).unwrap();
                for x in t.dmin..=t.dmax {
                    assert_eq!(kind.eval(x), kind.eval(x.clamp(t.lo, t.hi)));
                }
            }
        }
    }
    for in_scale in [-2, 0, 3, 6, 9, 12] {
        for exp_scale in [0, 4, 8, 10] {
            let kind = FnKind::Exp {
                in_scale,
                exp_scale,
            };
            let t = FnTable::new(kind, 12).unwrap();
            for x in t.dmin..=t.dmax {
                assert_eq!(kind.eval(x), kind.eval(x.clamp(t.lo, t.hi)));
            }
        }
    }
    assert!(FnTable::new(sig(8, -1), 12).is_err());
}

#[test]
fn unsaturated_table_needs_no_clamp_rows() {
    // 8-bit activations, x^1 at scales (6, 6): the identity, strictly
    // monotone, no saturation; −128 is out of range (bound 127), so the
    // left end is bounded by the table, not a clamp.
    let kind = FnKind::Act {
        func: TableFn::Pow { exponent: 1.0 },
        in_scale: 6,
        out_scale: 6,
        domain: None,
    };
    let (c, t) = table_circuit_bits(kind, &[-127, -1, 0, 5, 127], 8);
    assert_eq!(t.rows(), 255);
    assert_eq!((t.lo, t.hi), (t.dmin, t.dmax));
    assert_eq!(c.rows, 1 + 5 + 5);
    c.assert_ok();
    check_all_tampering(&c);
}

#[test]
fn consistent_forged_output_fails_the_lookup() {
    // y' = f(c) ± 1 with lk_0 and the limbs recomputed: E1 and E2 hold, the lookup does not.
    let t = FnTable::new(sig(6, 6), 12).unwrap();
    for forge in [-1i128, 1] {
        for x in [-100i128, 0, 5] {
            let tc = t.clone();
            let c = GadgetCircuit::with_shape(
                move |b| {
                    let w = b.input(Some(x), true);
                    let y = lookup_row(b, &tc, &w, forge);
                    b.make_public(&y);
                },
                4,
                8,
                12,
            );
            let err = c.mock().verify().unwrap_err();
            assert!(
                err.iter().all(|e| format!("{e:?}").contains("Lookup")),
                "{err:?}"
            );
        }
    }
}

#[test]
fn wrong_output_or_out_of_table_input_fails() {
    // An input past the table (no clamp rows): the lookup fails.
    let t = FnTable::new(sig(6, 6), 12).unwrap();
    let hi = t.hi as i128;
    let tc = t.clone();
    let c = GadgetCircuit::with_shape(
        move |b| {
            let w = b.input(Some(hi + 1), true);
            let y = b.table_lookup(&tc, &w);
            b.make_public(&y);
        },
        4,
        8,
        12,
    );
    assert!(c.mock().verify().is_err());
}

fn act(func: TableFn, in_scale: i32, out_scale: i32) -> FnKind {
    FnKind::Act {
        func,
        in_scale,
        out_scale,
        domain: None,
    }
}

/// Every table function at 10-bit activations: the table holds exactly
/// the inputs whose output is defined and in range, clamping reproduces
/// the function wherever the executor accepts the input, and codes round-trip.
#[test]
fn every_function_tabulates_its_valid_inputs() {
    let bits = 10;
    for func in TableFn::all() {
        for (si, so) in [(6, 6), (4, 5), (8, 3)] {
            let kind = act(func, si, so);
            let (id, a, b, p) = kind.to_code();
            assert_eq!(FnKind::from_code(id, a, b, p, None), Some(kind));
            let t = match FnTable::new(kind, bits) {
                Ok(t) => t,
                Err(e) => panic!("{func:?} ({si}, {so}): {e}"),
            };
            let bound = (1i64 << (bits - 1)) - 1;
            let tabled: std::collections::HashSet<i64> = t.inputs().collect();
            assert_eq!(tabled.len(), t.rows());
            for x in t.dmin..=t.dmax {
                let y = kind.eval(x);
                let ok = y != INVALID && y.abs() <= bound;
                let c = x.clamp(t.lo, t.hi);
                if ok {
                    assert!(tabled.contains(&c), "{func:?} x = {x}");
                    assert_eq!(kind.eval(c), y, "{func:?} x = {x}");
                } else {
                    // A refused input never reaches a tabled entry unclamped.
                    assert!(!tabled.contains(&x), "{func:?} x = {x}");
                }
            }
        }
    }
}

/// Tags separate functions, parameters and scales.
#[test]
fn tags_are_distinct() {
    let mut tags = std::collections::HashSet::new();
    let mut kinds = vec![];
    for func in TableFn::all() {
        kinds.push(act(func, 6, 6));
        kinds.push(act(func, 6, 7));
    }
    kinds.push(act(TableFn::Elu { alpha: 0.5 }, 6, 6));
    kinds.push(act(TableFn::Pow { exponent: 0.5 }, 6, 6));
    kinds.push(FnKind::Exp {
        in_scale: 6,
        exp_scale: 6,
    });
    for k in &kinds {
        assert!(k.tag() >= 1 << 20);
        assert!(tags.insert(k.tag()), "{k:?}");
    }
    // Sigmoid/Tanh/exp keep the tags of earlier keys.
    assert_eq!(sig(6, 6).tag(), (1 << 20) | (1 << 16) | (6 << 8) | 6);
}

/// MockProver per kind of table: saturating on both ends (Gelu: left
/// saturates at 0, right grows until out of range), an undefined left part
/// (Log, Sqrt), a hole in the middle (Reciprocal), no saturation at all
/// (Sin), a parameter (Elu); every witness cell matters.
#[test]
fn generic_functions_exact_and_every_cell_matters() {
    let cases: [(TableFn, &'static [i128]); 6] = [
        (TableFn::Gelu, &[-512, -200, -3, 0, 17, 300]),
        (TableFn::Log, &[1, 5, 64, 400, 511]),
        (TableFn::Sqrt, &[0, 3, 64, 511]),
        (TableFn::Reciprocal, &[-512, -40, 40, 511]),
        (TableFn::Sin, &[-512, -100, 0, 201, 511]),
        (TableFn::Elu { alpha: 0.7 }, &[-512, -60, -1, 0, 90, 300]),
    ];
    for (func, xs) in cases {
        let kind = act(func, 6, 6);
        let (c, t) = table_circuit_bits(kind, xs, 10);
        c.assert_ok();
        let p = c.publics();
        for (i, &x) in xs.iter().enumerate() {
            assert_eq!(
                p[2 * i + 1],
                fe(kind.eval(x as i64) as i128),
                "{func:?} {x}"
            );
        }
        assert!(t.rows() <= 1 << 10);
        check_all_tampering(&c);
    }
}

/// Inputs the executor refuses (undefined or out-of-range outputs) have
/// no table entry: the lookup fails, even with the clamp rows.
#[test]
fn refused_inputs_fail_the_lookup() {
    for (func, x) in [
        (TableFn::Acosh, 0i128),
        (TableFn::Log, -5),
        (TableFn::Sqrt, -1),
        (TableFn::Reciprocal, 0),
        (TableFn::Exp, 511),
    ] {
        let kind = act(func, 6, 6);
        assert!(kind.eval(x as i64) == INVALID || kind.eval(x as i64).abs() > 511);
        let t = FnTable::new(kind, 10).unwrap();
        let tc = t.clone();
        let c = GadgetCircuit::with_shape(
            move |b| {
                let w = b.input(Some(x), true);
                let y = b.table_fn(&tc, &w);
                b.make_public(&y);
            },
            4,
            8,
            10,
        );
        assert!(c.mock().verify().is_err(), "{func:?} at {x} accepted");
    }
}

/// A different parameter is a different table: Elu(α = 0.5) entries do
/// not satisfy a lookup under Elu(α = 1)'s tag.
#[test]
fn parameters_separate_tables() {
    let (a, b) = (
        act(TableFn::Elu { alpha: 1.0 }, 6, 6),
        act(TableFn::Elu { alpha: 0.5 }, 6, 6),
    );
    assert_ne!(a.tag(), b.tag());
    assert_ne!(a.eval(-64), b.eval(-64));
    assert_ne!(FnTable::new(a, 10).unwrap(), FnTable::new(b, 10).unwrap());
}

/// Inputs at scale 16 exercising the rounding (half up at ±8 = 2^(h−1)),
/// both ends of the 16-bit range and the saturated parts.
const FINE: &[i128] = &[-32768, -20000, -9, -8, -1, 0, 7, 8, 24, 4100, 32767];

/// Above scale 12 the table reads the input rounded to scale 12 (one
/// rounding row, then clamp and lookup): exact against the executor's
/// `table_op_int`, every cell constrained, and the table covers the rounded
/// domain only.
#[test]
fn fine_input_scale_is_rounded_before_the_table() {
    use zkml_core::ops::table::table_op_int;
    for (func, s_in, s_out) in [
        (TableFn::Tanh, 16, 10),
        (
            TableFn::HardSigmoid {
                alpha: 0.2,
                beta: 0.5,
            },
            16,
            12,
        ),
        (TableFn::Sigmoid, 14, 8),
        (TableFn::Exp, 13, 6),
    ] {
        let kind = act(func, s_in, s_out);
        let h = kind.shift();
        assert_eq!(h, (s_in - 12) as u32);
        let (c, t) = table_circuit_bits(kind, FINE, 16);
        assert_eq!((t.dmin, t.dmax), (-(1 << (15 - h)), 1 << (15 - h)));
        assert!(
            t.rows() <= (1 << (16 - h)) + 1,
            "{func:?}: {} rows",
            t.rows()
        );
        c.assert_ok();
        let p = c.publics();
        for (i, &x) in FINE.iter().enumerate() {
            let want = table_op_int(func, x as i64, s_in, s_out);
            if want.abs() > (1 << 15) - 1 {
                continue; // refused by the executor (Exp past the range)
            }
            assert_eq!(p[2 * i + 1], fe(want as i128), "{func:?} at {x}");
        }
        check_all_tampering(&c);
    }
}

/// Functions without a cap (Log: rounding could reach its singularity) keep
/// their input scale: no rounding row.
#[test]
fn uncapped_functions_read_their_own_scale() {
    let kind = act(TableFn::Log, 14, 8);
    assert_eq!(kind.shift(), 0);
    let (c, _) = table_circuit_bits(kind, &[1, 5000, 16000], 16);
    c.assert_ok();
    assert_eq!(c.rows, 1 + 3 * 2 + 3);
}

/// A forger's rounding `d ± k` with `r ∓ k·2^h` satisfies E1 and E2 (its limbs
/// sum to the forged remainder) and would read a different table entry; the
/// remainder is then outside `[0, 2^h)` and only the range lookup rejects it.
#[test]
fn forged_rounding_remainder_is_rejected() {
    let kind = act(TableFn::Tanh, 16, 14);
    let t = FnTable::new(kind, 16).unwrap();
    for forge in [-3i128, -1, 1, 2] {
        for x in [-100i128, 0, 7, 4100] {
            let tc = t.clone();
            let c = GadgetCircuit::with_shape(
                move |b| {
                    let w = b.input(Some(x), true);
                    let d = round_row(b, &w, 4, forge);
                    let y = clamp_lookup(b, &tc, &d);
                    b.make_public(&y);
                },
                4,
                8,
                16,
            );
            // The forged d gives a different output (so the forgery matters).
            let d = zkml_core::rounding::rshift(x as i64, 4) as i128 + forge;
            assert_ne!(kind.eval(d as i64), kind.eval(d as i64 - forge as i64));
            let err = c.mock().verify().unwrap_err();
            assert!(
                err.iter().all(|e| format!("{e:?}").contains("Lookup")),
                "forge {forge} at {x}: {err:?}"
            );
        }
    }
}
