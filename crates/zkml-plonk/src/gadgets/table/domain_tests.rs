//! Function tables over a calibrated input domain
//! (`zkml_core::ops::table::domain`): the table holds only the domain, the
//! clamp rows prove `f(clamp(x, lo, hi))` for an input past it, and a
//! witness that skips the clamp fails.
use super::*;
use crate::gadgets::{
    arith::ArithInstructions,
    fe,
    test_utils::{check_all_tampering, GadgetCircuit},
};
use zkml_core::ops::table::{calibrated_domain, domain_cost::table_extent, table_op_int_in};

/// Gelu at scales (6, 6), 10-bit activations, calibrated on `[-1, 2]`:
/// domain `[-1.75, 2.75]` plus slack, i.e. `[-115, 179]`.
fn gelu() -> FnKind {
    let domain = calibrated_domain(TableFn::Gelu, 6, 6, (-1.0, 2.0), (-512, 511));
    assert_eq!(domain, Some(TableDomain { lo: -115, hi: 179 }));
    FnKind::Act {
        func: TableFn::Gelu,
        in_scale: 6,
        out_scale: 6,
        domain,
    }
}

/// `kind` over the whole activation range.
fn whole(kind: FnKind) -> FnKind {
    match kind {
        FnKind::Act {
            func,
            in_scale,
            out_scale,
            ..
        } => FnKind::Act {
            func,
            in_scale,
            out_scale,
            domain: None,
        },
        e => e,
    }
}

fn circuit(t: &FnTable, xs: &'static [i128]) -> GadgetCircuit {
    let tc = t.clone();
    GadgetCircuit::with_shape(
        move |b| {
            for &x in xs {
                let w = b.input(Some(x), true);
                let y = b.table_fn(&tc, &w);
                b.make_public(&y);
            }
        },
        4,
        8,
        10,
    )
}

/// The table holds the domain's inputs (not the 1 k of the activation
/// range): its saturation points are the domain's ends, so every element
/// gets both clamp rows, and inputs past the domain prove the executor's
/// clamped rule.
#[test]
fn the_table_is_the_domain_and_inputs_past_it_are_clamped() {
    let kind = gelu();
    let t = FnTable::new(kind, 10).unwrap();
    let full = FnTable::new(whole(kind), 10).unwrap();
    assert_eq!((t.dmin, t.dmax), (-512, 511));
    assert!(t.lo >= -115 && t.hi <= 179, "{} {}", t.lo, t.hi);
    assert!(t.rows() <= 295, "{}", t.rows());
    assert!(full.rows() > 500, "{}", full.rows());
    const XS: &[i128] = &[-512, -300, -116, -115, -64, 0, 3, 179, 180, 400, 511];
    let c = circuit(&t, XS);
    // One input row, two clamp rows and one lookup row per element.
    assert_eq!(c.rows, 1 + 4 * XS.len());
    c.assert_ok();
    let p = c.publics();
    for (i, &x) in XS.iter().enumerate() {
        let want = table_op_int_in(TableFn::Gelu, x as i64, 6, 6, kind.domain_code());
        assert_eq!(p[2 * i + 1], fe(want as i128), "x = {x}");
    }
    assert_eq!(p[1], p[2 * 3 + 1], "-512 computes at the low end -115");
    assert_eq!(
        p[2 * 10 + 1],
        p[2 * 7 + 1],
        "511 computes at the top end 179"
    );
    check_all_tampering(&c);
    let (id, a, b, pp) = kind.to_code();
    assert_eq!(
        FnKind::from_code(id, a, b, pp, kind.domain_code()),
        Some(kind)
    );
}

/// The forgery: an input past the domain with the unclamped `f(x)` (a
/// consistent witness: the lookup row's `lk_0` and limbs recomputed for
/// `f(x)`), laid without the clamp rows, is rejected by the lookup (the
/// table holds no entry for `x`). With the clamp rows disabled, a prover
/// is free to look up any tabulated `c` instead of `clamp(x)`: that witness
/// passes, so the select rows (`check_all_tampering` above covers each
/// of their cells) are what binds `c` to `x`.
#[test]
fn a_witness_that_skips_the_clamp_fails() {
    let kind = gelu();
    let t = FnTable::new(kind, 10).unwrap();
    let full = FnTable::new(whole(kind), 10).unwrap();
    let FnKind::Act {
        func,
        in_scale,
        out_scale,
        ..
    } = kind
    else {
        unreachable!()
    };
    for x in [-150i128, 180, 400] {
        let truth = table_int(func, x as i64, in_scale, out_scale) as i128;
        let clamped = kind.eval(x as i64) as i128;
        assert_ne!(truth, clamped, "x = {x}");
        let run = |tb: &FnTable, forge: i128| {
            let tc = tb.clone();
            GadgetCircuit::with_shape(
                move |b| {
                    let w = b.input(Some(x), true);
                    let y = lookup_row(b, &tc, &w, forge);
                    b.make_public(&y);
                },
                4,
                8,
                10,
            )
        };
        // Whole range: the honest row holds the unclamped f(x) and passes.
        let ok = run(&full, 0);
        ok.assert_ok();
        assert_eq!(ok.publics()[1], fe(truth));
        // Domain table, no clamp rows, the row made to hold f(x): rejected
        // by the lookup (at 400, f(x) also exceeds the table's output bits).
        let c = run(&t, truth - clamped);
        let err = c.mock().verify().unwrap_err();
        assert!(
            err.iter().any(|e| format!("{e:?}").contains("Lookup")),
            "x = {x}: {err:?}"
        );
    }
    // Clamp rows disabled: a free `c` (here the wrong end) looked up for x =
    // 400 passes; the gadget's clamp rows make it `min(max(400, lo), hi)`.
    let tc = t.clone();
    let free = GadgetCircuit::with_shape(
        move |b| {
            let _x = b.input(Some(400), true);
            let c = b.input(Some(tc.lo as i128), false);
            let y = lookup_row(b, &tc, &c, 0);
            b.make_public(&y);
        },
        4,
        8,
        10,
    );
    free.assert_ok();
    assert_ne!(free.publics()[1], fe(kind.eval(400) as i128));
}

/// Tables of one function and scales with different domains get different
/// tags (their entries never satisfy each other's lookups); without a
/// domain the tag is the earlier keys' tag.
#[test]
fn domains_separate_tags() {
    let kind = gelu();
    let FnKind::Act {
        func,
        in_scale,
        out_scale,
        ..
    } = kind
    else {
        unreachable!()
    };
    let other = FnKind::Act {
        func,
        in_scale,
        out_scale,
        domain: Some(TableDomain { lo: -115, hi: 180 }),
    };
    let none = whole(kind);
    let [a, b, c] = [kind, other, none].map(|k| FnTable::new(k, 10).unwrap());
    assert_ne!(a.tag_fe(), b.tag_fe());
    assert_ne!(a.tag_fe(), c.tag_fe());
    assert_eq!(c.tag_fe(), Fr::from_u128(none.tag()));
    // A domain outside the activation range is refused by name.
    let out = FnKind::Act {
        func,
        in_scale,
        out_scale,
        domain: Some(TableDomain { lo: -115, hi: 600 }),
    };
    assert!(FnTable::new(out, 10)
        .unwrap_err()
        .contains("calibrated domain"));
}

/// zkml-core's cost model of the domain choice
/// (`zkml_core::ops::table::domain_cost::table_extent`) is this scan: the
/// same rows and the same clamp ends, with and without a domain.
#[test]
fn the_core_cost_model_is_this_scan() {
    let d = |lo, hi| Some(TableDomain { lo, hi });
    for (func, si, so, dom, bits) in [
        (TableFn::Gelu, 6, 6, d(-115, 179), 10),
        (TableFn::Gelu, 8, 8, None, 16),
        (TableFn::Sigmoid, 8, 14, d(-700, 900), 16),
        (TableFn::Tanh, 16, 14, d(-(3 << 15), 1 << 16), 20),
        (TableFn::Sqrt, 8, 8, d(-259, 1283), 16),
        (TableFn::Sqrt, 8, 8, None, 16),
        (TableFn::Reciprocal, 8, 8, d(20, 700), 16),
        (TableFn::Exp, 8, 8, d(-2000, 300), 16),
    ] {
        let kind = FnKind::Act {
            func,
            in_scale: si,
            out_scale: so,
            domain: dom,
        };
        let t = FnTable::new(kind, bits).unwrap();
        let ends = u32::from(t.lo > t.dmin) + u32::from(t.hi < t.dmax);
        assert_eq!(
            table_extent(func, si, so, dom, bits),
            (t.rows() as u64, (t.hi - t.lo + 1) as u64, ends),
            "{func:?} {dom:?}"
        );
    }
}
