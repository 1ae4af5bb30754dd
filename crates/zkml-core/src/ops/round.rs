//! Floor, Ceil, Round (half to even, as ONNX), Sign and Mod by a constant:
//! exact integer rules.
//!
//! Integer rules (`q` at scale `s`, real `x = q/2^s`):
//! * Floor, Ceil, Round keep the scale and clear the fraction bits:
//!   `q = 2^s·k + r` with `0 ≤ r < 2^s` (`k = ⌊q/2^s⌋`), and the output is
//!   `2^s·k` (Floor), `2^s·(k + [r ≠ 0])` (Ceil) or `2^s·(k + u)` with
//!   `u = [r > 2^(s−1)] + [r = 2^(s−1)]·(k mod 2)` (Round, ties to the even
//!   integer). For `s ≤ 0` every value is already an integer: identity.
//!   The circuit proves Round as `⌊(q + 2^(s−1) − 1 + P)/2^s⌋` with `P = k mod 2`
//!   (bit `s` of `q`), the same integer: below a tie it rounds down, above it
//!   up, and at a tie to `k + P`, the even one of `k`, `k + 1`.
//! * Sign: `−1`, `0` or `1` at scale 0.
//! * Mod by a constant divisor tensor `d` (broadcasting): the divisor is
//!   quantized at the input's scale, `D = round(d·2^s)` (refused when an
//!   element rounds to 0), the output keeps the scale:
//!   `fmod = 0` (integer Mod, the result takes the divisor's sign):
//!   `q − D·⌊q/D⌋`; `fmod = 1` (C `fmod`, the dividend's sign): `q − D·trunc(q/D)`.
//!
//! Error bounds: each of these is piecewise constant (or, for Mod, piecewise
//! a translation), so where the interval `[x − e, x + e]` around the float
//! value contains no jump the output error is 0 (Floor/Ceil/Round/Sign) or
//! `e` plus the divisor's quantization (Mod); across a jump it is at most the
//! jump plus `e` (see each `*_error_bound`).

use serde::{Deserialize, Serialize};

use super::elementwise::zip_broadcast;
use super::QOp;
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::quant::{QValueKind, QuantCtx};
use crate::rounding::quantize_value;
use crate::tensor::{FTensor, ITensor};

/// How Floor, Ceil and Round pick an integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RoundMode {
    /// Towards −∞ (ONNX Floor).
    Floor,
    /// Towards +∞ (ONNX Ceil).
    Ceil,
    /// To the nearest, ties to even (ONNX Round).
    HalfEven,
}

impl RoundMode {
    /// The ONNX op name.
    pub fn name(self) -> &'static str {
        match self {
            RoundMode::Floor => "Floor",
            RoundMode::Ceil => "Ceil",
            RoundMode::HalfEven => "Round",
        }
    }

    /// The mode of the ONNX op `name`.
    pub fn from_name(name: &str) -> Option<RoundMode> {
        [RoundMode::Floor, RoundMode::Ceil, RoundMode::HalfEven]
            .into_iter()
            .find(|m| m.name() == name)
    }

    /// The float rule.
    pub fn apply_f32(self, x: f32) -> f32 {
        match self {
            RoundMode::Floor => x.floor(),
            RoundMode::Ceil => x.ceil(),
            RoundMode::HalfEven => x.round_ties_even(),
        }
    }

    /// The integer rule: `q` at scale `s` rounded to an integer, still at scale `s`.
    pub fn apply_int(self, q: i64, s: i32) -> i64 {
        if s <= 0 {
            return q;
        }
        let s = s.min(62) as u32;
        let unit = 1i64 << s;
        let k = q.div_euclid(unit);
        let r = q.rem_euclid(unit);
        let up = match self {
            RoundMode::Floor => 0,
            RoundMode::Ceil => (r != 0) as i64,
            RoundMode::HalfEven => {
                let half = unit >> 1;
                (r > half || (r == half && k.rem_euclid(2) == 1)) as i64
            }
        };
        (k + up) * unit
    }
}

/// Float Sign: −1, 0 or 1 (0 for NaN).
pub fn sign_f32(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// Float Mod by `d` (ONNX semantics; `d ≠ 0`).
pub fn mod_f32(x: f32, d: f32, fmod: bool) -> f32 {
    let r = x % d;
    if !fmod && r != 0.0 && (r < 0.0) != (d < 0.0) {
        r + d
    } else {
        r
    }
}

/// Integer Mod by `d ≠ 0` (both at the same scale).
pub fn mod_int(q: i64, d: i64, fmod: bool) -> i64 {
    if d == 0 {
        return 0;
    }
    if fmod {
        q % d
    } else {
        let r = q.rem_euclid(d);
        if d < 0 && r != 0 {
            r + d
        } else {
            r
        }
    }
}

/// Integer Round over a tensor.
pub fn round_int(x: &ITensor, mode: RoundMode, s: i32) -> ITensor {
    x.mapv(|q| mode.apply_int(q, s))
}

/// Error bound of Floor/Ceil/Round: per element, 0 when the rounding is
/// constant on `[x − e, x + e]` (it is monotone), else `e + 1` (one jump).
pub fn round_error_bound(x: &FTensor, e: f64, mode: RoundMode) -> f64 {
    let jumps = x.iter().any(|&v| {
        let (lo, hi) = ((v as f64 - e) as f32, (v as f64 + e) as f32);
        mode.apply_f32(lo) != mode.apply_f32(hi)
    });
    if jumps {
        e + 1.0
    } else {
        0.0
    }
}

/// Error bound of Sign: per element, 0 when `|x| > e` (or `x` is exact at
/// scale `s`), else 1 for `x = 0` and 2 otherwise.
pub fn sign_error_bound(x: &FTensor, e: f64, s: i32) -> f64 {
    x.iter().fold(0f64, |m, &v| {
        if (v as f64).abs() > e || super::logic::exact_at(v, e, s) {
            m
        } else if v == 0.0 {
            m.max(1.0)
        } else {
            m.max(2.0)
        }
    })
}

/// Error bound of Mod by the divisor tensor `d` (float; quantized `dq` at
/// scale `s`), broadcasting: per element, without a jump of the quotient over
/// `[x − e, x + e]`, `e` plus the divisor's error times the quotient; across
/// one, also `|d|`.
pub fn mod_error_bound(x: &FTensor, e: f64, d: &FTensor, dq: &ITensor, s: i32, fmod: bool) -> f64 {
    let unit = crate::rounding::pow2f(-(s as i64));
    let pairs = zip_broadcast(d, dq, |d, q| (d as f64, q as f64 * unit));
    let per = zip_broadcast(x, &pairs, |v, (d, dq)| {
        mod_error_one(v as f64, e, d, dq, fmod)
    });
    per.iter().fold(0f64, |m, &b| m.max(b))
}

fn mod_error_one(v: f64, e: f64, d: f64, dq: f64, fmod: bool) -> f64 {
    let quotient = |v: f64, div: f64| {
        let t = v / div;
        if fmod {
            t.trunc()
        } else {
            t.floor()
        }
    };
    let k = quotient(v, d).abs().max(quotient(v, dq).abs()) + 1.0;
    let mut b = e + k * (dq - d).abs();
    if quotient(v - e, d) != quotient(v + e, d) || quotient(v - e, dq) != quotient(v + e, dq) {
        b += d.abs().max(dq.abs());
    }
    b
}

/// Quantization of Floor/Ceil/Round: the input's scale.
pub fn quantize_round(mode: RoundMode, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s = c.s_in()?;
    Ok((QOp::Round { mode, scale: s }, s))
}

/// Quantization of Sign: output at scale 0.
pub fn quantize_sign(c: &mut QuantCtx) -> Result<(QOp, i32)> {
    c.s_in()?;
    Ok((QOp::Sign, 0))
}

/// Quantization of Mod: the constant divisor at the dividend's scale (no
/// element may round to 0); the output keeps that scale.
pub fn quantize_mod(fmod: bool, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s = c
        .scale(0)
        .ok_or_else(|| c.err("the dividend must be a run-time value"))?;
    let d = c.g.const_value(c.node.inputs[1]).ok_or_else(|| {
        c.err("the divisor must be a constant; a run-time divisor is not supported")
    })?;
    if let Some(v) = d.iter().find(|&&v| quantize_value(v as f64, s) == 0) {
        return Err(c.err(format!(
            "divisor {v} rounds to 0 at the dividend's scale 2^-{s}"
        )));
    }
    if c.scale(1).is_some_and(|t| t != s) {
        return Err(
            c.err("the divisor constant is shared with an op that quantized it at another scale")
        );
    }
    c.fix_const(1, s)?;
    Ok((QOp::Mod { fmod }, s))
}

/// Error bound of Floor/Ceil/Round ([`round_error_bound`]).
pub fn error_bound_round(mode: RoundMode, c: &BoundCtx) -> f64 {
    round_error_bound(c.x(0), c.e(0), mode)
}

/// Error bound of Sign ([`sign_error_bound`]).
pub fn error_bound_sign(c: &BoundCtx) -> f64 {
    sign_error_bound(c.x(0), c.e(0), c.q.values[c.node.inputs[0]].scale)
}

/// Error bound of Mod ([`mod_error_bound`]).
pub fn error_bound_mod(fmod: bool, c: &BoundCtx) -> f64 {
    let d = &c.q.values[c.node.inputs[1]];
    let QValueKind::Const(dq) = &d.kind else {
        unreachable!("the quantizer requires a constant divisor")
    };
    mod_error_bound(c.x(0), c.e(0), c.x(1), dq, d.scale, fmod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};

    /// The integer rules agree with the float rules on every value at scale 2
    /// in a range (where quantization is exact).
    #[test]
    fn integer_rounding_matches_float() {
        for mode in [RoundMode::Floor, RoundMode::Ceil, RoundMode::HalfEven] {
            for q in -40i64..=40 {
                let x = q as f32 / 4.0;
                let want = mode.apply_f32(x) * 4.0;
                assert_eq!(mode.apply_int(q, 2) as f32, want, "{mode:?} {x}");
                assert_eq!(mode.apply_int(q, 0), q);
                assert_eq!(mode.apply_int(q, -3), q);
            }
        }
        // Ties to even: 0.5 → 0, 1.5 → 2, 2.5 → 2, −0.5 → 0, −1.5 → −2.
        for (q, want) in [(2i64, 0i64), (6, 8), (10, 8), (-2, 0), (-6, -8)] {
            assert_eq!(RoundMode::HalfEven.apply_int(q, 2), want, "{q}");
        }
    }

    /// The circuit's form of Round is the rule.
    #[test]
    fn half_even_by_parity_bit() {
        for s in 1..5 {
            let unit = 1i64 << s;
            for q in -100i64..100 {
                let p = q.div_euclid(unit).rem_euclid(2);
                let alt = (q + unit / 2 - 1 + p).div_euclid(unit) * unit;
                assert_eq!(alt, RoundMode::HalfEven.apply_int(q, s), "q={q} s={s}");
            }
        }
    }

    #[test]
    fn sign_and_mod() {
        assert_eq!(sign_f32(-0.0), 0.0);
        assert_eq!(sign_f32(-3.0), -1.0);
        for (x, d) in [
            (5i64, 3i64),
            (-5, 3),
            (5, -3),
            (-5, -3),
            (6, 3),
            (-6, -3),
            (0, 7),
        ] {
            for fmod in [false, true] {
                let want = mod_f32(x as f32, d as f32, fmod);
                assert_eq!(mod_int(x, d, fmod) as f32, want, "{x} mod {d} fmod={fmod}");
            }
        }
        assert_eq!(mod_int(-5, 3, false), 1);
        assert_eq!(mod_int(5, -3, false), -1);
        assert_eq!(mod_int(-5, 3, true), -2);
    }

    #[test]
    fn error_bounds() {
        let x = ArrayD::from_shape_vec(IxDyn(&[2]), vec![1.25f32, -2.75]).unwrap();
        assert_eq!(round_error_bound(&x, 0.01, RoundMode::Floor), 0.0);
        assert_eq!(round_error_bound(&x, 0.3, RoundMode::Floor), 1.3);
        assert_eq!(round_error_bound(&x, 0.3, RoundMode::HalfEven), 1.3);
        assert_eq!(sign_error_bound(&x, 0.01, 2), 0.0);
        assert_eq!(sign_error_bound(&x, 2.0, 0), 2.0);
        let d = ArrayD::from_shape_vec(IxDyn(&[1]), vec![4.0f32]).unwrap();
        let dq = ArrayD::from_shape_vec(IxDyn(&[1]), vec![16i64]).unwrap();
        assert_eq!(mod_error_bound(&x, 0.01, &d, &dq, 2, false), 0.01);
        let d = ArrayD::from_shape_vec(IxDyn(&[1]), vec![1.0f32]).unwrap();
        let dq = ArrayD::from_shape_vec(IxDyn(&[1]), vec![4i64]).unwrap();
        assert!(mod_error_bound(&x, 0.3, &d, &dq, 2, false) > 1.0);
    }
}
