//! Exact selections: elementwise Max and Min (broadcasting), Abs, and
//! ReduceMax / ReduceMin over axes.
//!
//! Integer rules (exact; 1-Lipschitz, so the error bound is the inputs'):
//! * Max/Min: `max(align(a), align(b))` / `min(…)`, operands aligned to the
//!   output scale as for Add (`crate::ops::elementwise::align`), so a
//!   right-aligned operand adds half an output unit of rounding.
//! * Abs: `|q|`; ReduceMax/ReduceMin: the lane's largest / smallest integer;
//!   scale unchanged.

use ndarray::{ArrayD, Axis};

use super::elementwise::{align, zip_broadcast};
use super::QOp;
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::quant::QuantCtx;
use crate::tensor::ITensor;

/// Largest (`max = true`) or smallest element over `axes`, any ordered type.
pub fn reduce_extreme<T: Copy + PartialOrd>(
    x: &ArrayD<T>,
    axes: &[usize],
    keepdims: bool,
    max: bool,
) -> ArrayD<T> {
    let mut out = x.clone();
    let mut sorted = axes.to_vec();
    sorted.sort_unstable();
    for &a in sorted.iter().rev() {
        out = out.map_axis(Axis(a), |lane| {
            let mut it = lane.iter().copied();
            let first = it.next().expect("reduced axes are non-empty");
            it.fold(first, |m, v| {
                if (max && v > m) || (!max && v < m) {
                    v
                } else {
                    m
                }
            })
        });
        if keepdims {
            out = out.insert_axis(Axis(a));
        }
    }
    out
}

/// Integer Max (`max = true`) or Min of two aligned operands.
pub fn max_min_int(a: &ITensor, b: &ITensor, aligns: [i32; 2], max: bool) -> ITensor {
    zip_broadcast(a, b, |u, v| {
        let (u, v) = (align(u, aligns[0]), align(v, aligns[1]));
        if max {
            u.max(v)
        } else {
            u.min(v)
        }
    })
}

/// Quantization of Max (`max = true`) and Min: inputs aligned as for Add
/// ([`QuantCtx::aligned`]).
pub fn quantize_max_min(c: &mut QuantCtx, max: bool) -> Result<(QOp, i32)> {
    let (s_out, a) = c.aligned(false)?;
    let align = [a[0], a[1]];
    Ok((
        if max {
            QOp::Max { align }
        } else {
            QOp::Min { align }
        },
        s_out,
    ))
}

/// Quantization of Abs: scale unchanged.
pub fn quantize_abs(c: &mut QuantCtx) -> Result<(QOp, i32)> {
    Ok((QOp::Abs, c.s_in()?))
}

/// Quantization of ReduceMax (`max = true`) and ReduceMin: scale unchanged.
pub fn quantize_reduce(
    axes: &[usize],
    keepdims: bool,
    max: bool,
    c: &mut QuantCtx,
) -> Result<(QOp, i32)> {
    let axes = axes.to_vec();
    let s_in = c.s_in()?;
    Ok((
        if max {
            QOp::ReduceMax { axes, keepdims }
        } else {
            QOp::ReduceMin { axes, keepdims }
        },
        s_in,
    ))
}

/// Error bound of Max and Min: 1-Lipschitz in each operand, so the worse
/// operand's error plus its alignment's rounding.
pub fn error_bound_max_min(align: [i32; 2], c: &BoundCtx) -> f64 {
    (c.e(0) + c.align(align[0])).max(c.e(1) + c.align(align[1]))
}

/// Error bound of Abs, ReduceMax and ReduceMin: 1-Lipschitz, the input's.
pub fn error_bound(c: &BoundCtx) -> f64 {
    c.e(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::IxDyn;

    #[test]
    fn extremes_and_aligned_max() {
        let x = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![3i64, -1, 7, 0, 9, -4]).unwrap();
        let mx = reduce_extreme(&x, &[1], false, true);
        assert_eq!(mx.iter().copied().collect::<Vec<_>>(), [7, 9]);
        let mn = reduce_extreme(&x, &[0, 1], true, false);
        assert_eq!(mn.shape(), &[1, 1]);
        assert_eq!(mn[[0, 0]], -4);
        let a = ArrayD::from_shape_vec(IxDyn(&[2]), vec![1i64, 8]).unwrap();
        let b = ArrayD::from_shape_vec(IxDyn(&[1]), vec![3i64]).unwrap();
        // b aligned up by one bit: 6.
        let m = max_min_int(&a, &b, [0, 1], true);
        assert_eq!(m.iter().copied().collect::<Vec<_>>(), [6, 8]);
        let m = max_min_int(&a, &b, [0, 1], false);
        assert_eq!(m.iter().copied().collect::<Vec<_>>(), [1, 6]);
    }
}
