//! Which table ops keep their calibrated domain ([`super::domain`]): the
//! ops of one function and scales share one table, so they get one domain,
//! the hull of theirs; and a domain is kept only where it saves plonk rows.
//!
//! **Cost** ([`table_extent`], the plonk backend's table scan, written once
//! here for the decision; `zkml_plonk::gadgets::table` tests that they
//! agree): a table holds the valid inputs between its saturation points,
//! and each element of an op lays one select row per end where the table is
//! cut short of the activation range (`z = max(x, lo)`, `c = min(z, hi)`).
//! A domain makes both ends saturation points, so it can add up to two
//! rows per element (at an end where `f` is not already flat) and saves the
//! table rows outside it. Per function and scales, with `n` the elements
//! of all its ops (static shapes):
//! ```text
//! keep the domain  ⇔  rows(whole) − rows(domain) > (ends(domain) − ends(whole))·n
//! ```
//! or the whole range's table would exceed the largest plonk table
//! ([`MAX_TABLE_ROWS`]). Sigmoid and Tanh (flat ends either way) always
//! keep it; Gelu, Sqrt, Reciprocal, Exp keep it when their table savings
//! beat the new select rows. The sumcheck backend's table spans the whole
//! range either way, so the choice costs it nothing.

use std::collections::HashMap;

use super::{table_in_shift, table_int, TableDomain, TableFn, INVALID};
use crate::ops::QOp;
use crate::rounding::rshift;

/// The largest plonk table (rows): `zkml_plonk::gadgets::table::MAX_TABLE_ROWS`.
pub const MAX_TABLE_ROWS: u64 = 1 << 22;

/// The plonk table of a table op over `act_bits`-bit activations:
/// `(rows, span, clamp ends)`, the valid inputs between the saturation
/// points, the span `hi − lo + 1` they lie in, and the ends (0–2) where the
/// table stops short of the (rounded) activation range, each one select row
/// per element. The scan of `zkml_plonk::gadgets::table::FnTable::new` over
/// `f∘clamp` ([`super::table_op_int_in`]).
pub fn table_extent(
    func: TableFn,
    in_scale: i32,
    out_scale: i32,
    domain: Option<TableDomain>,
    act_bits: u32,
) -> (u64, u64, u32) {
    let h = table_in_shift(func, in_scale);
    let half = 1i64 << (act_bits - 1);
    let (dmin, dmax) = (rshift(-half, h), rshift(half - 1, h));
    let (cl, ch) = domain.map_or((dmin, dmax), |d| d.read(func, in_scale));
    let f = |x: i64| table_int(func, x.max(cl).min(ch), in_scale - h as i32, out_scale);
    let valid = |x: i64| {
        let y = f(x);
        y != INVALID && y.abs() < half
    };
    let (lo, hi) = saturation_points((dmin, dmax), f, valid);
    let rows = (lo..=hi).filter(|&x| valid(x)).count() as u64;
    let ends = u32::from(lo > dmin) + u32::from(hi < dmax);
    (rows, (hi - lo + 1) as u64, ends)
}

/// The saturation points of `f` on `[dmin, dmax]`: the smallest `hi` with
/// `f(x) = f(dmax)` on `[hi, dmax]` and the largest `lo ≤ hi` with
/// `f(x) = f(dmin)` on `[dmin, lo]`, each only at an end where `f` is
/// `valid` (elsewhere the end stays). The plonk table's scan
/// (`zkml_plonk::gadgets::table::FnTable::new`) and [`table_extent`].
pub fn saturation_points(
    (dmin, dmax): (i64, i64),
    f: impl Fn(i64) -> i64,
    valid: impl Fn(i64) -> bool,
) -> (i64, i64) {
    let (fmin, fmax) = (f(dmin), f(dmax));
    let mut hi = dmax;
    if valid(dmax) {
        while hi > dmin && f(hi - 1) == fmax {
            hi -= 1;
        }
    }
    let mut lo = dmin;
    if valid(dmin) {
        while lo < hi && f(lo + 1) == fmin {
            lo += 1;
        }
    }
    (lo, hi)
}

/// Whether a domain pays for the table ops of one function and scales with
/// `elements` input elements in all ([module doc](self)).
pub fn domain_pays(
    func: TableFn,
    in_scale: i32,
    out_scale: i32,
    domain: TableDomain,
    act_bits: u32,
    elements: u64,
) -> bool {
    // Past the largest table's span the whole range is not scanned (the
    // plonk backend takes at most 24-bit activations): the domain stays.
    let h = table_in_shift(func, in_scale);
    let half = 1i64 << (act_bits.min(62) - 1);
    if (rshift(half - 1, h) - rshift(-half, h)) as u64 >= MAX_TABLE_ROWS {
        return true;
    }
    let (rw, span, ew) = table_extent(func, in_scale, out_scale, None, act_bits);
    let (rd, _, ed) = table_extent(func, in_scale, out_scale, Some(domain), act_bits);
    span > MAX_TABLE_ROWS
        || rw.saturating_sub(rd) > u64::from(ed.saturating_sub(ew)).saturating_mul(elements)
}

/// Gives the table ops of one function and scales one domain, the hull of
/// theirs (`None`, the whole range, if any has none), so that they share
/// one table as they did before domains existed (per-op domains would give
/// each op its own table), then drops it where it does not pay
/// ([`domain_pays`]). `ops` pairs each op with its input's element count.
pub fn choose_domains(ops: &mut [(&mut QOp, u64)], act_bits: u32) {
    let key = |func: &TableFn, s_in: i32, s_out: i32| (func.code(), s_in, s_out);
    let mut hull: HashMap<_, (Option<TableDomain>, u64)> = HashMap::new();
    for (op, n) in ops.iter() {
        if let QOp::Table {
            func,
            in_scale,
            out_scale,
            domain,
        } = &**op
        {
            hull.entry(key(func, *in_scale, *out_scale))
                .and_modify(|(h, m)| {
                    *h = match (*h, *domain) {
                        (Some(a), Some(b)) => Some(TableDomain {
                            lo: a.lo.min(b.lo),
                            hi: a.hi.max(b.hi),
                        }),
                        _ => None,
                    };
                    *m += n;
                })
                .or_insert((*domain, *n));
        }
    }
    let mut keep: HashMap<_, Option<TableDomain>> = HashMap::new();
    for (op, _) in ops.iter_mut() {
        if let QOp::Table {
            func,
            in_scale,
            out_scale,
            domain,
        } = &mut **op
        {
            let k = key(func, *in_scale, *out_scale);
            *domain = *keep.entry(k).or_insert_with(|| {
                let (h, n) = hull[&k];
                h.filter(|&d| domain_pays(*func, *in_scale, *out_scale, d, act_bits, n))
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(func: TableFn, s_in: i32, domain: Option<TableDomain>) -> QOp {
        QOp::Table {
            func,
            in_scale: s_in,
            out_scale: 8,
            domain,
        }
    }

    fn domains(ops: &[QOp]) -> Vec<Option<TableDomain>> {
        ops.iter()
            .map(|o| match o {
                QOp::Table { domain, .. } => *domain,
                _ => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn ops_of_one_function_and_scales_share_the_hull() {
        let d = |lo, hi| Some(TableDomain { lo, hi });
        let mut ops = [
            t(TableFn::Tanh, 8, d(-10, 20)),
            t(TableFn::Tanh, 8, d(-30, 5)),
            t(TableFn::Tanh, 7, d(-1, 1)),
            t(TableFn::Sqrt, 8, d(0, 9)),
            t(TableFn::Sqrt, 8, None),
        ];
        let mut refs: Vec<(&mut QOp, u64)> = ops.iter_mut().map(|o| (o, 4)).collect();
        choose_domains(&mut refs, 16);
        assert_eq!(
            domains(&ops),
            [d(-30, 20), d(-30, 20), d(-1, 1), None, None]
        );
    }

    /// Tanh's whole-range table is already clamped at both ends: a domain
    /// adds no row and saves table rows. Gelu's positive side is not flat:
    /// its domain adds one select row per element, and pays only while the
    /// table rows it saves outnumber the elements.
    #[test]
    fn a_domain_is_kept_where_it_saves_rows() {
        let d = TableDomain { lo: -256, hi: 256 };
        let (rw, _, ew) = table_extent(TableFn::Tanh, 8, 8, None, 16);
        let (rd, _, ed) = table_extent(TableFn::Tanh, 8, 8, Some(d), 16);
        assert_eq!((ew, ed), (2, 2));
        assert!(rd < rw, "{rd} {rw}");
        let (gw, _, gew) = table_extent(TableFn::Gelu, 8, 8, None, 16);
        let (gd, _, ged) = table_extent(TableFn::Gelu, 8, 8, Some(d), 16);
        assert_eq!((gew, ged), (1, 2));
        let saved = gw - gd;
        assert!(saved > 30_000, "{saved}");
        for (n, keeps) in [(4, true), (saved - 1, true), (saved, false)] {
            let mut ops = [t(TableFn::Tanh, 8, Some(d)), t(TableFn::Gelu, 8, Some(d))];
            let mut refs: Vec<(&mut QOp, u64)> = ops.iter_mut().map(|o| (o, n)).collect();
            choose_domains(&mut refs, 16);
            assert_eq!(domains(&ops), [Some(d), keeps.then_some(d)], "n = {n}");
        }
    }
}
