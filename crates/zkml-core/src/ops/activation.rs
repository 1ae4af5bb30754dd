//! Relu, LeakyRelu, Clip (the table functions are in [`super::table`]).
//!
//! Integer rules (output scale = input scale unless stated):
//! * Relu: `max(q, 0)`.
//! * LeakyRelu: `q` if `q ≥ 0`, else `rshift(q·α_q, a)` with `α_q = round(α·2^a)`.
//! * Clip: `min(max(q, lo), hi)` with bounds quantized at the input scale
//!   (so `hi` wins when `lo > hi`, as in ONNX and numpy).

use crate::rounding::rshift;

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
