//! Calibrated input domains of table functions.
//!
//! A table function's plonk table covers every input it may see. Without a
//! domain that is the whole activation range (`2^b` inputs, less the
//! saturated ends): a function that does not saturate (Gelu's positive side,
//! Sqrt, Reciprocal, Exp) fills 32–65 k table rows at 16-bit activations
//! whatever the model's values are. So [`quantize`](super::quantize) may
//! give a table op a [`TableDomain`] `[lo, hi]` (integers at the op's input
//! scale) from the calibration data, and the op **clamps** its input to it.
//!
//! **Integer rule** (the rule every backend proves): with
//! `h = table_in_shift(f, s)` ([`super::cap`]), `d = rshift(q, h)` and the
//! domain read at the table's scale, `[d_lo, d_hi] = [rshift(lo, h), rshift(hi, h)]`
//! ([`TableDomain::read`]),
//! ```text
//! y = table_int(f, clamp(d, d_lo, d_hi), s − h, out_scale)
//! ```
//! ([`table_op_int_in`]; without a domain `clamp` is the identity, today's
//! rule). The domains [`calibrated_domain`] makes are unions of whole
//! rounding buckets ([`TableDomain::inputs`]), so this is
//! `table_op_int(f, clamp(q, lo, hi))`. Every input runs and proves: an
//! input outside the domain is computed at the nearest domain end, and the
//! executor's caller is told how many elements of which node were clamped
//! (`exec::table_clamps`, a warning of `zkml run` / `prove`: recalibrate with
//! samples that cover those inputs). The error bound
//! ([`super::error_bound`]) holds for inputs within the domain.
//!
//! The plonk backend proves the clamp with the rows it already lays at a
//! saturated end (`f∘clamp` is constant beyond each domain end, so its
//! saturation scan finds the domain's ends: `z = max(x, lo)`, `c = min(z, hi)`
//! before the lookup); the sumcheck backend's function table spans the whole
//! activation range, so `f∘clamp` costs it nothing.
//!
//! **The domain** ([`calibrated_domain`]): the calibrated float inputs lie
//! in `[m, M]`; the domain is `[m − w/4, M + w/4]` with `w = M − m` (a 25 %
//! margin on each side: the integer input differs from the float one by the
//! accumulated quantization error, a few quanta, and other inputs than the
//! calibration samples spread further), widened by the rounding (the
//! integers are `⌊·⌋`/`⌈·⌉`, plus two quanta and the input rounding `2^h`),
//! then snapped outwards to whole rounding buckets and cut to the activation
//! range. Where `f` is constant (saturated, in the integer rule) from a
//! domain end to the activation range's end (Sigmoid, Tanh, Erf beyond
//! `|x| ≈ 6`, Gelu's negative side), that end becomes the activation end
//! (clamping there changes nothing). The widest domain is `None`, the whole
//! range (and what an older serialized graph, which has no domain, loads
//! as). Ops of one function and scales get the hull of their domains, and
//! a domain is kept only where it saves plonk rows ([`super::domain_cost`]).

use serde::{Deserialize, Serialize};

use super::{table_in_shift, table_int, table_op_int, TableFn, INVALID};
use crate::rounding::rshift;

/// The margin on each side of the calibrated range, a fraction of its width
/// ([module doc](self)).
pub const DOMAIN_MARGIN: f64 = 0.25;

/// The most inputs [`calibrated_domain`] scans for saturation (`2^22`,
/// the largest plonk table).
const MAX_SCAN: u64 = 1 << 22;

/// The inputs a table op accepts: `[lo, hi]` at its input scale
/// ([module doc](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TableDomain {
    /// Smallest input.
    pub lo: i64,
    /// Largest input.
    pub hi: i64,
}

impl TableDomain {
    /// The domain at the table's read scale: `[rshift(lo, h), rshift(hi, h)]`,
    /// `h = table_in_shift(func, in_scale)`.
    pub fn read(self, func: TableFn, in_scale: i32) -> (i64, i64) {
        let h = table_in_shift(func, in_scale);
        (rshift(self.lo, h), rshift(self.hi, h))
    }

    /// The inputs `q` the op accepts: those with `rshift(q, h)` in
    /// [`Self::read`], the interval `[d_lo·2^h − 2^(h−1), d_hi·2^h + 2^(h−1) − 1]`
    /// (`[lo, hi]` itself when `h = 0`), saturated to `i64`.
    pub fn inputs(self, func: TableFn, in_scale: i32) -> (i64, i64) {
        let h = table_in_shift(func, in_scale);
        if h == 0 {
            return (self.lo, self.hi);
        }
        let (dl, dh) = self.read(func, in_scale);
        let half = 1i128 << (h - 1);
        let sat = |v: i128| v.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
        (
            sat(((dl as i128) << h) - half),
            sat(((dh as i128) << h) + half - 1),
        )
    }

    /// Whether the op clamps input `q` (it lies outside [`Self::inputs`]).
    pub fn clamps(self, func: TableFn, in_scale: i32, q: i64) -> bool {
        let (lo, hi) = self.inputs(func, in_scale);
        !(lo..=hi).contains(&q)
    }
}

/// The op's integer rule with its domain ([module doc](self)):
/// `table_int(f, clamp(rshift(q, h), d_lo, d_hi), s − h, out_scale)`,
/// [`table_op_int`] without a domain.
#[inline]
pub fn table_op_int_in(
    func: TableFn,
    q: i64,
    in_scale: i32,
    out_scale: i32,
    domain: Option<TableDomain>,
) -> i64 {
    match domain {
        None => table_op_int(func, q, in_scale, out_scale),
        Some(d) => {
            let h = table_in_shift(func, in_scale);
            let (lo, hi) = d.read(func, in_scale);
            // (max then min: never panics on an empty domain from a file.)
            let c = rshift(q, h).max(lo).min(hi);
            table_int(func, c, in_scale - h as i32, out_scale)
        }
    }
}

/// The domain of a table op from the calibrated float range `[m, M]` of its
/// input ([module doc](self)), for activations in `[amin, amax]`; `None`
/// when it is the whole range or the range is unknown (not finite, or
/// `m > M`: no calibration data).
pub fn calibrated_domain(
    func: TableFn,
    in_scale: i32,
    out_scale: i32,
    (m, big_m): (f64, f64),
    (amin, amax): (i64, i64),
) -> Option<TableDomain> {
    if !(m.is_finite() && big_m.is_finite() && m <= big_m) {
        return None;
    }
    let h = table_in_shift(func, in_scale);
    let pad = DOMAIN_MARGIN * (big_m - m);
    let unit = 2f64.powi(in_scale);
    let slack = 2.0 + (1i64 << h) as f64;
    let lo = ((m - pad) * unit).floor() - slack;
    let hi = ((big_m + pad) * unit).ceil() + slack;
    let lo = lo.clamp(amin as f64, amax as f64) as i64;
    let hi = hi.clamp(amin as f64, amax as f64) as i64;
    // At the table's read scale, then out to the activation end where f is
    // saturated from the domain's end on.
    let (rmin, rmax) = (rshift(amin, h), rshift(amax, h));
    let g = |d: i64| table_int(func, d, in_scale - h as i32, out_scale);
    // (Scanned at most `MAX_SCAN` inputs: past that the end stays, which
    // only clamps more.)
    let saturated = |from: i64, to: i64| {
        let y = g(from);
        y != INVALID && from.abs_diff(to) <= MAX_SCAN && {
            let step = if to >= from { 1 } else { -1 };
            let mut d = from;
            while d != to && g(d + step) == y {
                d += step;
            }
            d == to
        }
    };
    let (mut dl, mut dh) = (rshift(lo, h), rshift(hi, h));
    if saturated(dl, rmin) {
        dl = rmin;
    }
    if saturated(dh, rmax) {
        dh = rmax;
    }
    if dl <= rmin && dh >= rmax {
        return None;
    }
    // Whole rounding buckets, within the activation range.
    let (lo, hi) = if h == 0 {
        (dl, dh)
    } else {
        let half = 1i64 << (h - 1);
        (dl * (1 << h) - half, dh * (1 << h) + half - 1)
    };
    Some(TableDomain {
        lo: lo.max(amin),
        hi: hi.min(amax),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACT: (i64, i64) = (-32768, 32767);

    #[test]
    fn domain_covers_the_calibrated_range_with_the_margin() {
        // Gelu on [-1, 3] at scale 8: width 4, margin 1: [-2, 4] plus slack;
        // Gelu's negative side is not saturated at -2 (Gelu(-2) = -0.045).
        let d = calibrated_domain(TableFn::Gelu, 8, 8, (-1.0, 3.0), ACT).unwrap();
        assert_eq!((d.lo, d.hi), (-2 * 256 - 3, 4 * 256 + 3));
        // Gelu on [-8, 3]: saturated (0 at scale 8) below -8 - 2.75: the
        // negative end is the activation end.
        let d = calibrated_domain(TableFn::Gelu, 8, 8, (-8.0, 3.0), ACT).unwrap();
        assert_eq!(d.lo, ACT.0);
        assert!(d.hi < ACT.1);
        // Sigmoid over a range reaching saturation on both sides: whole range.
        assert_eq!(
            calibrated_domain(TableFn::Sigmoid, 8, 14, (-20.0, 20.0), ACT),
            None
        );
        // No calibration data.
        assert_eq!(
            calibrated_domain(TableFn::Sqrt, 8, 8, (f64::INFINITY, f64::NEG_INFINITY), ACT),
            None
        );
    }

    #[test]
    fn rounded_domains_are_whole_buckets() {
        // Tanh at input scale 16 reads at scale 12 (h = 4); 20-bit
        // activations (±8).
        let act20 = (-(1 << 19), (1 << 19) - 1);
        let d = calibrated_domain(TableFn::Tanh, 16, 14, (-0.3, 0.5), act20).unwrap();
        let (dl, dh) = d.read(TableFn::Tanh, 16);
        assert_eq!(d.inputs(TableFn::Tanh, 16), (d.lo, d.hi));
        assert_eq!(rshift(d.lo, 4), dl);
        assert_eq!(rshift(d.lo - 1, 4), dl - 1);
        assert_eq!(rshift(d.hi, 4), dh);
        assert_eq!(rshift(d.hi + 1, 4), dh + 1);
    }

    /// In the domain the rule is today's; outside it the op computes the
    /// nearest domain end.
    #[test]
    fn in_domain_unchanged_outside_clamped() {
        let f = TableFn::Sqrt;
        let d = calibrated_domain(f, 8, 8, (0.0, 4.0), ACT).unwrap();
        for q in d.lo..=d.hi {
            assert_eq!(
                table_op_int_in(f, q, 8, 8, Some(d)),
                table_op_int(f, q, 8, 8)
            );
        }
        let top = table_op_int(f, d.hi, 8, 8);
        assert_ne!(top, table_op_int(f, d.hi + 100, 8, 8));
        for q in [d.hi + 1, d.hi + 100, ACT.1] {
            assert_eq!(table_op_int_in(f, q, 8, 8, Some(d)), top);
            assert!(d.clamps(f, 8, q));
        }
        assert!(!d.clamps(f, 8, d.hi) && !d.clamps(f, 8, d.lo));
        // Below: the low end (Sqrt of a negative end: no value, refused
        // as before by the executor's `no_value`).
        assert_eq!(
            table_op_int_in(f, ACT.0, 8, 8, Some(d)),
            table_op_int(f, d.lo, 8, 8)
        );
        assert_eq!(
            table_op_int_in(f, ACT.1, 8, 8, None),
            table_op_int(f, ACT.1, 8, 8)
        );
    }
}
