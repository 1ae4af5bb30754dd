//! ReduceMean and ReduceSum over a set of axes.
//!
//! Integer rules: ReduceSum sums exactly, then `rshift(sum, s_in − s_out)`;
//! ReduceMean sums exactly, then `rdiv(sum, count)` at the input scale.

use ndarray::{ArrayD, Axis};

use super::Num;
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
