//! Relu, LeakyRelu, Clip (the table functions are in [`super::table`]).
//!
//! Integer rules (output scale = input scale unless stated):
//! * Relu: `max(q, 0)`.
//! * LeakyRelu: `q` if `q ≥ 0`, else `rshift(q·α_q, a)` with `α_q = round(α·2^a)`.
//! * Clip: `min(max(q, lo), hi)` with bounds quantized at the input scale
//!   (so `hi` wins when `lo > hi`, as in ONNX and numpy).

use super::Op;
use super::QOp;
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::quant::{weight_scale, QuantCtx};
use crate::rounding::quantize_value;
use crate::rounding::rshift;
use crate::tensor::FTensor;

/// Integer LeakyRelu of one value.
#[inline]
pub fn leaky_relu_int(q: i64, alpha: i64, alpha_shift: u32) -> i64 {
    if q >= 0 {
        q
    } else {
        rshift(q * alpha, alpha_shift)
    }
}

/// Integer Clip of one value: `min(max(q, lo), hi)`. Unlike `i64::clamp`,
/// which panics when `lo > hi`, this returns `hi` then (ONNX semantics; a
/// model may carry such bounds).
#[inline]
pub fn clip_int(q: i64, lo: i64, hi: i64) -> i64 {
    q.max(lo).min(hi)
}

/// Float LeakyRelu.
#[inline]
pub fn leaky_relu(x: f32, alpha: f32) -> f32 {
    if x >= 0.0 {
        x
    } else {
        alpha * x
    }
}

/// Quantization of Relu: scale unchanged.
pub fn quantize_relu(c: &mut QuantCtx) -> Result<(QOp, i32)> {
    Ok((QOp::Relu, c.s_in()?))
}

/// Quantization of LeakyRelu: the slope at its weight scale (at least 0
/// fraction bits), scale unchanged.
pub fn quantize_leaky_relu(alpha: f32, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s_in = c.s_in()?;
    let a = c.fixed_or(weight_scale(c.cfg, &FTensor::from_elem(vec![], alpha)).max(0)) as u32;
    Ok((
        QOp::LeakyRelu {
            alpha: quantize_value(alpha as f64, a as i32),
            alpha_shift: a,
        },
        s_in,
    ))
}

/// Quantization of Clip: bounds at the input scale (an infinite one becomes
/// `i64::MIN` / `i64::MAX`), scale unchanged.
pub fn quantize_clip(min: f32, max: f32, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s_in = c.s_in()?;
    let q = |v: f32, none: i64| {
        if v.is_finite() {
            quantize_value(v as f64, s_in)
        } else {
            none
        }
    };
    Ok((
        QOp::Clip {
            min: q(min, i64::MIN),
            max: q(max, i64::MAX),
        },
        s_in,
    ))
}

/// Error bound of Relu: 1-Lipschitz.
pub fn error_bound_relu(c: &BoundCtx) -> f64 {
    c.e(0)
}

/// Error bound of Clip: 1-Lipschitz, plus the bounds' rounding.
pub fn error_bound_clip(c: &BoundCtx) -> f64 {
    c.e(0) + c.u_out()
}

/// Error bound of LeakyRelu: `max(|α|, 1)·e_in`, plus the slope's rounding
/// times `max|x|`, plus the product's rounding.
pub fn error_bound_leaky_relu(alpha: i64, alpha_shift: u32, c: &BoundCtx) -> f64 {
    let a_q = alpha as f64 / 2f64.powi(alpha_shift as i32);
    let a_real = match c.float_op() {
        Some(Op::LeakyRelu { alpha }) => *alpha as f64,
        _ => a_q,
    };
    a_real.abs().max(1.0) * c.e(0) + c.m(0) * (a_real - a_q).abs() + c.u_out()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_with_min_above_max_gives_max() {
        // ONNX test_clip_min_greater_than_max: min = 2, max = 1 → every output is 1.
        for q in [-5, 0, 1, 2, 7] {
            assert_eq!(clip_int(q, 2, 1), 1);
        }
        assert_eq!(clip_int(-3, -1, 4), -1);
        assert_eq!(clip_int(9, -1, 4), 4);
        assert_eq!(clip_int(2, i64::MIN, i64::MAX), 2);
    }
}
