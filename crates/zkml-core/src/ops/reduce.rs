//! ReduceMean and ReduceSum over a set of axes.
//!
//! Integer rules: ReduceSum sums exactly, then `rshift(sum, s_in − s_out)`;
//! ReduceMean sums exactly, then `rdiv(sum, count)` at the input scale.

use ndarray::{ArrayD, Axis};

use super::Num;
use super::QOp;
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::quant::QuantCtx;
use crate::rounding::{rdiv, rshift};
use crate::tensor::ITensor;

/// Output shape of a reduction.
pub fn output_shape(x: &[usize], axes: &[usize], keepdims: bool) -> Result<Vec<usize>, String> {
    if let Some(a) = axes.iter().find(|&&a| a >= x.len()) {
        return Err(format!("axis {a} out of range for rank {}", x.len()));
    }
    Ok(x.iter()
        .enumerate()
        .filter_map(|(i, &d)| match (axes.contains(&i), keepdims) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect())
}

/// The exact sum over `axes`, and how many elements each output summed.
pub fn sum<T: Num>(x: &ArrayD<T>, axes: &[usize], keepdims: bool) -> (ArrayD<T>, usize) {
    let mut out = x.clone();
    let mut sorted = axes.to_vec();
    sorted.sort_unstable();
    let mut count = 1;
    for &a in sorted.iter().rev() {
        count *= x.shape()[a];
        out = out.map_axis(Axis(a), |lane| {
            lane.iter().fold(T::default(), |s, &v| s + v)
        });
        if keepdims {
            out = out.insert_axis(Axis(a));
        }
    }
    (out, count)
}

/// Integer ReduceSum.
pub fn sum_int(x: &ITensor, axes: &[usize], keepdims: bool, shift: u32) -> ITensor {
    sum(x, axes, keepdims).0.mapv(|s| rshift(s, shift))
}

/// Integer ReduceMean.
pub fn mean_int(x: &ITensor, axes: &[usize], keepdims: bool) -> ITensor {
    let (s, n) = sum(x, axes, keepdims);
    s.mapv(|v| rdiv(v, n.max(1) as i64))
}

/// Quantization of ReduceMean: scale unchanged.
pub fn quantize_mean(axes: &[usize], keepdims: bool, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let axes = axes.to_vec();
    Ok((QOp::ReduceMean { axes, keepdims }, c.s_in()?))
}

/// Quantization of ReduceSum: output at `min(calibrated, s_in)`.
pub fn quantize_sum(axes: &[usize], keepdims: bool, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s_in = c.s_in()?;
    let s_out = c.cal_out.min(s_in);
    Ok((
        QOp::ReduceSum {
            axes: axes.to_vec(),
            keepdims,
            shift: (s_in - s_out) as u32,
        },
        s_out,
    ))
}

/// Error bound of ReduceMean: the input's error plus the division's rounding.
pub fn error_bound_mean(c: &BoundCtx) -> f64 {
    c.e(0) + c.u_out()
}

/// Error bound of ReduceSum: `K` times the input's error plus the rescale's rounding.
pub fn error_bound_sum(axes: &[usize], shift: u32, c: &BoundCtx) -> f64 {
    let k: usize = axes.iter().map(|&a| c.shape(0)[a]).product();
    k as f64 * c.e(0) + c.rescale(shift)
}
