//! Function tables over a calibrated input domain
//! (`zkml_core::ops::table::domain`): the table is the domain, no clamp row
//! at a domain end, and a witness outside the domain fails the lookup.
use super::*;
use crate::gadgets::{
    arith::ArithInstructions,
    fe,
    test_utils::{check_all_tampering, GadgetCircuit},
};
use zkml_core::ops::table::{calibrated_domain, table_op_int_in};

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

/// The table holds exactly the domain's valid inputs (not the 1 k of the
/// activation range), lays no clamp row, and computes the executor's rule.
#[test]
fn the_table_is_the_domain() {
    let kind = gelu();
    let t = FnTable::new(kind, 10).unwrap();
    let full = FnTable::new(whole(kind), 10).unwrap();
    assert_eq!((t.dmin, t.dmax, t.lo, t.hi), (-115, 179, -115, 179));
    assert_eq!(t.rows(), 295);
    assert!(full.rows() > 500, "{}", full.rows());
    const XS: &[i128] = &[-115, -64, 0, 3, 179];
    let c = circuit(&t, XS);
    // One input row and one lookup row per element: no clamp rows.
    assert_eq!(c.rows, 1 + 5 + 5);
    c.assert_ok();
    let p = c.publics();
    for (i, &x) in XS.iter().enumerate() {
        let want = table_op_int_in(TableFn::Gelu, x as i64, 6, 6, kind.domain_code());
        assert_eq!(p[2 * i + 1], fe(want as i128), "x = {x}");
    }
    check_all_tampering(&c);
    let (id, a, b, pp) = kind.to_code();
    assert_eq!(
        FnKind::from_code(id, a, b, pp, kind.domain_code()),
        Some(kind)
    );
}

/// A prover that feeds an input outside the domain with its true value
/// `f(x)` (a consistent witness: lk_0 and the limbs recomputed) is rejected
/// by the lookup; the same witness against the whole-range table passes
/// (so the domain, not another check, rejects it).
#[test]
fn a_witness_outside_the_domain_fails_the_lookup() {
    let kind = gelu();
    let t = FnTable::new(kind, 10).unwrap();
    let FnKind::Act {
        func,
        in_scale,
        out_scale,
        ..
    } = kind
    else {
        unreachable!()
    };
    let full = FnTable::new(whole(kind), 10).unwrap();
    for x in [-116i128, -150, 180, 200] {
        assert_eq!(kind.eval(x as i64), INVALID);
        let truth = table_int(func, x as i64, in_scale, out_scale) as i128;
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
        // Whole range: the honest row (forge 0) holds f(x) and passes.
        let ok = run(&full, 0);
        ok.assert_ok();
        assert_eq!(ok.publics()[1], fe(truth));
        // Domain table: the row made to hold f(x) fails the lookup.
        let c = run(&t, truth - INVALID as i128);
        let err = c.mock().verify().unwrap_err();
        assert!(
            err.iter().all(|e| format!("{e:?}").contains("Lookup")),
            "x = {x}: {err:?}"
        );
    }
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
}
