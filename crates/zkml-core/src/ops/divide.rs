//! Division by a run-time tensor (ONNX Div whose divisor is computed).
//!
//! Integer rule, numerator `a` at scale `s_a`, divisor `b` at scale `s_b`,
//! output at scale `s_out`, numpy broadcasting:
//! ```text
//! k = s_out + s_b − s_a
//! y = rdiv_signed(a · 2^max(k, 0), b · 2^max(−k, 0))       = ⌊a·2^k / b + ½⌋
//! ```
//! exactly, with the project's one rounding rule (half up on the true quotient,
//! [`crate::rounding::rdiv_signed`]); a zero divisor is refused by the
//! executor ([`first_zero`]) with the tensor's name and index, never a wrong
//! value. A backend proves `σ·(2N + D) = 2|D|·y + r`, `0 ≤ r < 2|D|`,
//! `σ = sign(D)`, `|D| ≥ 1`.
//!
//! Quantization ([`shifts`]): the output gets its calibrated scale.
//!
//! Error bound ([`error_bound`]): with `|Δa| ≤ e_a`, `|Δb| ≤ e_b` and
//! `|b| > e_b` everywhere, `|a'/b' − a/b| ≤ (e_a + |a/b|·e_b) / (|b| − e_b)`,
//! plus half an output unit for the rounding; where some `|b| ≤ e_b` the bound
//! is infinite (the quantized divisor may be 0 or change sign).

use super::QOp;
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::ops::elementwise::zip_broadcast;
use crate::ops::table::INVALID;
use crate::quant::QuantCtx;
use crate::rounding::{pow2f, rdiv_signed};
use crate::tensor::{FTensor, ITensor};

/// The numerator and divisor shifts `(max(k, 0), max(−k, 0))`, `k = s_out + s_b − s_a`.
pub fn shifts(s_a: i32, s_b: i32, s_out: i32) -> (u32, u32) {
    let k = s_out as i64 + s_b as i64 - s_a as i64;
    (k.max(0) as u32, (-k).max(0) as u32)
}

/// One quotient: `rdiv_signed(a·2^num_shift, b·2^den_shift)`; [`INVALID`] for a
/// zero divisor or a quotient beyond `i64` (outside every activation range,
/// so the executor refuses it; [`first_zero`] names a zero divisor first).
#[inline]
pub fn div_one(a: i64, b: i64, num_shift: u32, den_shift: u32) -> i64 {
    let n = (a as i128).checked_shl(num_shift.min(126));
    let d = (b as i128).checked_shl(den_shift.min(126));
    match (n, d, num_shift < 64, den_shift < 64) {
        (Some(n), Some(d), true, true) => rdiv_signed(n, d)
            .and_then(|q| i64::try_from(q).ok())
            .unwrap_or(INVALID),
        _ => INVALID,
    }
}

/// Integer Div (see the module doc).
pub fn div_int(a: &ITensor, b: &ITensor, num_shift: u32, den_shift: u32) -> ITensor {
    zip_broadcast(a, b, |x, y| div_one(x, y, num_shift, den_shift))
}

/// Float Div.
pub fn div_f32(a: &FTensor, b: &FTensor) -> FTensor {
    zip_broadcast(a, b, |x, y| x / y)
}

/// The flat (row-major) index of the first zero of a divisor, if any.
pub fn first_zero(b: &ITensor) -> Option<usize> {
    b.iter().position(|&v| v == 0)
}

/// Worst-case `|dequantized − float|` of the quotient (see the module doc):
/// `a`, `b` are the float operands, `e_a`, `e_b` their error bounds.
pub fn error_bound(a: &FTensor, b: &FTensor, e_a: f64, e_b: f64, s_out: i32) -> f64 {
    let per = zip_broadcast(a, b, |x, y| {
        let (x, y) = (x as f64, y as f64);
        let slack = y.abs() - e_b;
        if slack <= 0.0 {
            f64::INFINITY
        } else {
            (e_a + (x / y).abs() * e_b) / slack
        }
    });
    per.iter().fold(0f64, |m, &v| m.max(v)) + pow2f(-(s_out as i64 + 1))
}

/// Quantization: the output at its calibrated scale; a constant numerator
/// (`1/x`) at its weight scale. The divisor is an activation (a constant one
/// is a Mul by its reciprocal in the loaders).
pub fn quantize(c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s_a = c.weight(0)?;
    let s_b = c.scale(1).ok_or_else(|| {
        c.err("the divisor must be computed at run time (a constant one is a Mul)")
    })?;
    let s_out = c.cal_out;
    let (num_shift, den_shift) = shifts(s_a, s_b, s_out);
    if num_shift > 62 || den_shift > 62 {
        return Err(c.err(format!(
            "scales {s_a} (numerator), {s_b} (divisor), {s_out} (output) are more than 62 \
             bits apart"
        )));
    }
    Ok((
        QOp::Div {
            num_shift,
            den_shift,
        },
        s_out,
    ))
}

/// Error bound of a quantized Div node ([`error_bound`]).
pub fn error_bound_node(c: &BoundCtx) -> f64 {
    error_bound(c.x(0), c.x(1), c.e(0), c.e(1), c.s_out())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{arr1, ArrayD};

    #[test]
    fn quotients_round_half_up_for_both_signs() {
        // a at scale 2 (÷4), b at scale 1 (÷2), out at scale 3: k = 3 + 1 − 2 = 2.
        let (ns, ds) = shifts(2, 1, 3);
        assert_eq!((ns, ds), (2, 0));
        let a: ArrayD<i64> = arr1(&[6, -6, 6, 1]).into_dyn(); // 1.5, −1.5, 1.5, 0.25
        let b: ArrayD<i64> = arr1(&[3, 3, -4, 7]).into_dyn(); // 1.5, 1.5, −2, 3.5
        let y = div_int(&a, &b, ns, ds);
        // 1, −1, −0.75, 0.0714… at scale 3: 8, −8, −6, ⌊0.571 + ½⌋ = 1.
        assert_eq!(y.as_slice().unwrap(), &[8, -8, -6, 1]);
        // A coarser output scale shifts the divisor instead.
        assert_eq!(shifts(8, 0, 4), (0, 4));
        assert_eq!(div_one(100, 3, 0, 4), 2); // 100/48 = 2.08
    }

    #[test]
    fn zero_divisor_is_invalid_and_located() {
        let b: ArrayD<i64> = arr1(&[2, 0, 1]).into_dyn();
        assert_eq!(first_zero(&b), Some(1));
        assert_eq!(div_one(5, 0, 0, 0), INVALID);
        assert_eq!(div_one(5, 1, 200, 0), INVALID);
    }

    #[test]
    fn error_bound_covers_quantization() {
        let a = arr1(&[1.3f32, -0.7]).into_dyn();
        let b = arr1(&[0.9f32, 2.1]).into_dyn();
        let (sa, sb, so) = (6, 6, 8);
        let q = |t: &FTensor, s: i32| t.mapv(|x| crate::rounding::quantize_value(x as f64, s));
        let (ns, ds) = shifts(sa, sb, so);
        let y = div_int(&q(&a, sa), &q(&b, sb), ns, ds);
        let bound = error_bound(&a, &b, pow2f(-(sa + 1) as i64), pow2f(-(sb + 1) as i64), so);
        for ((&yq, &x), &d) in y.iter().zip(&a).zip(&b) {
            let err = (yq as f64 / 256.0 - (x / d) as f64).abs();
            assert!(err <= bound, "{err} > {bound}");
        }
        let tiny = arr1(&[0.001f32]).into_dyn();
        let one = arr1(&[1.3f32]).into_dyn();
        assert!(error_bound(&one, &tiny, 0.01, 0.01, 8).is_infinite());
    }
}
