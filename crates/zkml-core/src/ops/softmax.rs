//! Softmax along one axis.
//!
//! Integer rule, per lane along the axis, inputs `q` at scale `s_in`:
//! ```text
//! m   = max q                        (exact)
//! e_i = quantize(exp((q_i − m) / 2^s_in), s_e)   a table on q_i − m ≤ 0; e_max = 2^s_e
//! S   = Σ e_i                        (exact, S ≥ 2^s_e > 0)
//! y_i = rdiv(e_i · 2^s_out, S)
//! ```
//! The earlier zkml normalises by `rdiv(S, 2^s)` instead, which loses
//! precision when the sum is small; zkml's rule is the one above.
//!
//! At an input scale finer than [`EXP_TABLE_MAX_SCALE`] the difference is
//! first rounded to that scale, `d_i = rshift(q_i − m, s_in − 12)`, and the
//! table reads `d_i` at scale 12: a table over `d ≤ 0` has about
//! `(s_e + 1)·ln 2·2^s` entries before `exp` rounds to 0, 1.6 M at the
//! earlier zkml's scale 17 (a circuit of `2^21` rows for the table alone),
//! 48 k at 12. The rounding moves `d` by at most `2^-13`, so `e_i` by a
//! relative `2^-13` (≈ 1.2·10⁻⁴), counted in [`error_bound`]. At the default
//! scales (≤ 12) nothing changes.

use ndarray::{ArrayD, Axis};

use super::QOp;
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::quant::QuantCtx;
use crate::rounding::{dequantize_value, quantize_value, rdiv, rshift};
use crate::tensor::{FTensor, ITensor};

/// The finest scale Softmax's exponential table reads (module doc).
pub const EXP_TABLE_MAX_SCALE: i32 = 12;

/// How many bits the difference `q − max` at input scale `in_scale` is
/// rounded off before the table: `max(in_scale − 12, 0)`. The table then
/// reads at scale `in_scale − shift`.
pub fn exp_table_shift(in_scale: i32) -> u32 {
    (in_scale - EXP_TABLE_MAX_SCALE).max(0) as u32
}

/// The exponential table entry for `d = q − max ≤ 0`.
#[inline]
pub fn exp_int(d: i64, in_scale: i32, exp_scale: i32) -> i64 {
    quantize_value(dequantize_value(d, in_scale).exp(), exp_scale)
}

/// Float softmax.
pub fn softmax_f32(x: &FTensor, axis: usize) -> FTensor {
    let mut out = x.clone();
    for mut lane in out.lanes_mut(Axis(axis)) {
        let m = lane.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        lane.mapv_inplace(|v| (v - m).exp());
        let s: f32 = lane.sum();
        lane.mapv_inplace(|v| v / s);
    }
    out
}

/// Integer softmax (see the module doc).
pub fn softmax_int(
    x: &ITensor,
    axis: usize,
    in_scale: i32,
    exp_scale: i32,
    out_scale: i32,
) -> ITensor {
    let mut out: ArrayD<i64> = x.clone();
    for mut lane in out.lanes_mut(Axis(axis)) {
        let m = lane.iter().copied().max().unwrap_or(0);
        let sh = exp_table_shift(in_scale);
        lane.mapv_inplace(|q| exp_int(rshift(q - m, sh), in_scale - sh as i32, exp_scale));
        let s: i64 = lane.sum();
        lane.mapv_inplace(|e| rdiv(e << out_scale, s));
    }
    out
}

/// Quantization: exponentials and output at `min(max_scale, unit_scale)` (1
/// fits the activation bound), or the fixed scale.
pub fn quantize(axis: usize, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s_in = c.s_in()?;
    let s = c.fixed_or(c.cfg.max_scale.min(c.unit_scale));
    Ok((
        QOp::Softmax {
            axis,
            in_scale: s_in,
            exp_scale: s,
            out_scale: s,
        },
        s,
    ))
}

/// Error bound: `e_in / 2` (the Jacobian's rows sum to at most ½ in absolute
/// value) plus the exponential table's rounding amplified by `1 + n` for a
/// lane of `n`, plus the output's rounding. Above [`EXP_TABLE_MAX_SCALE`]
/// the difference's rounding adds `u(12)` to the input's error.
pub fn error_bound(axis: usize, in_scale: i32, exp_scale: i32, c: &BoundCtx) -> f64 {
    let n = c.shape(0)[axis] as f64;
    let table_in = if exp_table_shift(in_scale) > 0 {
        crate::error_bound::u(EXP_TABLE_MAX_SCALE)
    } else {
        0.0
    };
    0.5 * (c.e(0) + table_in) + (1.0 + n) * crate::error_bound::u(exp_scale) + c.u_out()
}
