//! Relu, LeakyRelu, Clip, and the table functions Sigmoid and Tanh.
//!
//! Integer rules (output scale = input scale unless stated):
//! * Relu: `max(q, 0)`.
//! * LeakyRelu: `q` if `q ≥ 0`, else `rshift(q·α_q, a)` with `α_q = round(α·2^a)`.
//! * Clip: `min(max(q, lo), hi)` with bounds quantized at the input scale.
//! * Sigmoid/Tanh: `quantize(f(q / 2^s_in), s_out)`: one table entry per input
//!   integer, over the input tensor's calibrated range.

use super::TableFn;
use crate::rounding::{dequantize_value, quantize_value, rshift};

/// Integer LeakyRelu of one value.
#[inline]
pub fn leaky_relu_int(q: i64, alpha: i64, alpha_shift: u32) -> i64 {
    if q >= 0 {
        q
    } else {
        rshift(q * alpha, alpha_shift)
    }
}

/// Integer table function of one value.
#[inline]
pub fn table_int(func: TableFn, q: i64, in_scale: i32, out_scale: i32) -> i64 {
    quantize_value(func.eval(dequantize_value(q, in_scale)), out_scale)
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
