//! Standardization over a set of axes: `(x − mean) / √(var + ε)`, the core of
//! LayerNormalization, InstanceNormalization, GroupNormalization and
//! MeanVarianceNormalization (loaders add the scale and bias as a Mul and an
//! Add, and reshape for groups).
//!
//! Integer rule, per lane of `n` elements `q_i` at scale `s` (the lane is the
//! set of elements that share every non-reduced index), output at scale `s_o`:
//! ```text
//! S   = Σ q_i                                  exact
//! c_i = n·q_i − S                              exact, = n·2^s·(x_i − mean)
//! V   = Σ c_i²                                 exact, = n³·4^s·var
//! W   = 4^t·(n·V + E),  E = round(ε·n⁴·4^s)    ≈ 4^t·n⁴·4^s·(var + ε)
//! r   = isqrt(W)                               r² ≤ W < (r+1)²
//! y_i = rdiv_signed(n·c_i·2^(s_o+t), r)        ≈ 2^s_o·(x_i − mean)/√(var + ε)
//! ```
//! Nothing is rounded before the square root (no quantized mean or
//! variance): the only roundings are the floor of `√W`, relative error below
//! `1/r`, and the last division. `t` extra bits keep `r ≥ 2^t·n²·2^s·√ε`
//! large. `r = 0` (a constant lane with `ε = 0`) is refused by the executor
//! ([`zero_lane`]).
//!
//! Error bound ([`error_bound`]): an input error `|δ_i| ≤ e` moves the centred
//! value by at most `2e` and `σ = √(var + ε)` by at most `e` (its gradient has
//! ℓ2 norm ≤ `1/√n`), so `|Δy_i| ≤ (2 + |y_i|)·e / σ'` with
//! `σ' = max(σ − e, √ε)`; plus `|y_i|·2/r_min` for the square root's floor
//! and half an output unit.

use ndarray::{ArrayD, IxDyn};

use super::{Op, QOp};
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::ops::shape::transpose;
use crate::ops::table::INVALID;
use crate::quant::QuantCtx;
use crate::rounding::{isqrt, pow2f, rdiv_signed};
use crate::tensor::{FTensor, ITensor};

/// Extra square-root bits `t` the quantizer uses (see the module doc).
pub const SQRT_EXTRA_BITS: u32 = 8;

/// `(lanes, n)`: the elements of `x` grouped by lane (each lane's elements in
/// row-major order of the reduced axes), and the permutation that puts the
/// reduced axes last.
fn lanes<T: Clone>(x: &ArrayD<T>, axes: &[usize]) -> (Vec<Vec<T>>, Vec<usize>) {
    let keep: Vec<usize> = (0..x.ndim()).filter(|a| !axes.contains(a)).collect();
    let perm: Vec<usize> = keep.iter().chain(axes.iter()).copied().collect();
    let t = transpose(x, &perm);
    let n: usize = axes.iter().map(|&a| x.shape()[a]).product();
    let flat: Vec<T> = t.iter().cloned().collect();
    if n == 0 {
        return (vec![], perm);
    }
    (flat.chunks(n).map(|c| c.to_vec()).collect(), perm)
}

/// Puts per-lane results back in `x`'s shape (inverse of [`lanes`]).
fn unlanes<T: Clone>(shape: &[usize], perm: &[usize], vals: Vec<T>) -> ArrayD<T> {
    let pshape: Vec<usize> = perm.iter().map(|&a| shape[a]).collect();
    let t = ArrayD::from_shape_vec(IxDyn(&pshape), vals).expect("one value per element");
    let mut inv = vec![0; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inv[p] = i;
    }
    transpose(&t, &inv).as_standard_layout().into_owned()
}

/// The lanes of `x` over `axes` (public for backends: the same grouping).
pub fn lane_indices(shape: &[usize], axes: &[usize]) -> Vec<Vec<usize>> {
    let idx = ArrayD::from_shape_vec(IxDyn(shape), (0..shape.iter().product()).collect())
        .expect("index tensor");
    lanes(&idx, axes).0
}

/// Float standardization (computed in `f64`).
pub fn standardize_f32(x: &FTensor, axes: &[usize], epsilon: f32) -> FTensor {
    let (ls, perm) = lanes(x, axes);
    let mut out = Vec::with_capacity(x.len());
    for l in ls {
        let n = l.len() as f64;
        let mean = l.iter().map(|&v| v as f64).sum::<f64>() / n;
        let var = l.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
        let sd = (var + epsilon as f64).sqrt();
        out.extend(l.iter().map(|&v| ((v as f64 - mean) / sd) as f32));
    }
    unlanes(x.shape(), &perm, out)
}

/// `E = round(ε·n⁴·4^s)`, or `None` when it leaves `i64` (the quantizer
/// refuses the node).
pub fn eps_int(epsilon: f32, n: usize, s_in: i32) -> Option<i64> {
    let e = (epsilon as f64) * (n as f64).powi(4) * pow2f(2 * s_in as i64);
    (e.is_finite() && e < 9.0e18).then(|| (e + 0.5).floor() as i64)
}

/// One lane's intermediates: `(c, r)` with `c_i = n·q_i − S`, `r = isqrt(W)`.
pub fn lane_int(q: &[i64], eps: i64, t: u32) -> (Vec<i128>, i128) {
    let n = q.len() as i128;
    let s: i128 = q.iter().map(|&v| v as i128).sum();
    let c: Vec<i128> = q.iter().map(|&v| n * v as i128 - s).collect();
    let v: i128 = c.iter().map(|&c| c * c).sum();
    let w = (n * v + eps as i128) << (2 * t);
    (c, isqrt(w))
}

/// Integer standardization (see the module doc); a lane with `r = 0` gives
/// [`INVALID`] (the executor names it first, [`zero_lane`]).
pub fn standardize_int(x: &ITensor, axes: &[usize], eps: i64, t: u32, out_shift: u32) -> ITensor {
    let (ls, perm) = lanes(x, axes);
    let mut out = Vec::with_capacity(x.len());
    for l in ls {
        let n = l.len() as i128;
        let (c, r) = lane_int(&l, eps, t);
        out.extend(c.iter().map(|&c| {
            rdiv_signed((n * c) << out_shift, r)
                .and_then(|y| i64::try_from(y).ok())
                .unwrap_or(INVALID)
        }));
    }
    unlanes(x.shape(), &perm, out)
}

/// The first lane (by index of its first element) whose square root is 0.
pub fn zero_lane(x: &ITensor, axes: &[usize], eps: i64, t: u32) -> Option<usize> {
    let (ls, _) = lanes(x, axes);
    let idx = lane_indices(x.shape(), axes);
    ls.iter()
        .zip(idx)
        .find(|(l, _)| lane_int(l, eps, t).1 == 0)
        .map(|(_, i)| i[0])
}

/// Worst-case `|dequantized − float|` of the output (see the module doc):
/// `x` is the float input, `e_in` its bound, `s_in`/`s_out` the scales.
pub fn error_bound(
    x: &FTensor,
    axes: &[usize],
    epsilon: f32,
    e_in: f64,
    s_in: i32,
    t: u32,
    s_out: i32,
) -> f64 {
    let (ls, _) = lanes(x, axes);
    let mut worst = 0f64;
    for l in ls {
        let n = l.len() as f64;
        let mean = l.iter().map(|&v| v as f64).sum::<f64>() / n;
        let var = l.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
        let sd = (var + epsilon as f64).sqrt();
        let sd_low = (sd - e_in).max((epsilon as f64).sqrt());
        if sd_low <= 0.0 {
            return f64::INFINITY;
        }
        let y_max = l
            .iter()
            .map(|&v| ((v as f64 - mean) / sd).abs())
            .fold(0f64, f64::max);
        let moved = (2.0 + y_max) * e_in / sd_low;
        // r ≥ 2^t·n²·2^s·σ' − 1.
        let r_min = pow2f(t as i64 + s_in as i64) * n * n * sd_low - 1.0;
        let floor = if r_min > 1.0 {
            2.0 * (y_max + moved) / r_min
        } else {
            f64::INFINITY
        };
        worst = worst.max(moved + floor);
    }
    worst * 1.05 + pow2f(-(s_out as i64 + 1))
}

/// Quantization: the output at its calibrated scale (standardized values
/// rarely exceed a few units), `t` = [`SQRT_EXTRA_BITS`], `E` from ε.
pub fn quantize(axes: &[usize], epsilon: f32, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s_in = c.s_in()?;
    let shape = &c.g.values[c.node.inputs[0]].shape;
    let n: usize = axes.iter().map(|&a| shape[a]).product();
    let s_out = c.cal_out;
    let t = SQRT_EXTRA_BITS;
    let out_shift = u32::try_from(s_out as i64 + t as i64)
        .map_err(|_| c.err(format!("output scale {s_out} is below −{t}")))?;
    let eps = eps_int(epsilon, n, s_in).ok_or_else(|| {
        c.err(format!(
            "ε = {epsilon} over {n} elements at input scale {s_in} does not fit 63 bits"
        ))
    })?;
    Ok((
        QOp::Standardize {
            axes: axes.to_vec(),
            eps,
            extra: t,
            out_shift,
        },
        s_out,
    ))
}

/// Error bound of a quantized Standardize node ([`error_bound`]); ε from the
/// float op.
pub fn error_bound_node(axes: &[usize], extra: u32, c: &BoundCtx) -> f64 {
    let epsilon = match c.float_op() {
        Some(Op::Standardize { epsilon, .. }) => *epsilon,
        _ => 0.0,
    };
    let s_in = c.q.values[c.node.inputs[0]].scale;
    error_bound(c.x(0), axes, epsilon, c.e(0), s_in, extra, c.s_out())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rounding::quantize_value;

    fn sample() -> FTensor {
        let v: Vec<f32> = (0..24)
            .map(|i| ((i * 7 % 11) as f32 - 5.0) * 0.37)
            .collect();
        FTensor::from_shape_vec(IxDyn(&[2, 3, 4]), v).unwrap()
    }

    #[test]
    fn float_lanes_have_zero_mean_unit_variance() {
        let y = standardize_f32(&sample(), &[1, 2], 0.0);
        for b in 0..2 {
            let lane: Vec<f64> = y
                .index_axis(ndarray::Axis(0), b)
                .iter()
                .map(|&v| v as f64)
                .collect();
            let m = lane.iter().sum::<f64>() / 12.0;
            let v = lane.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 12.0;
            assert!(m.abs() < 1e-6 && (v - 1.0).abs() < 1e-5, "{m} {v}");
        }
        // A middle axis: the lanes interleave in memory.
        let y = standardize_f32(&sample(), &[1], 1e-5);
        let col: Vec<f32> = (0..3).map(|c| y[[1, c, 2]]).collect();
        assert!(col.iter().sum::<f32>().abs() < 1e-5);
    }

    #[test]
    fn integer_matches_float_within_bound() {
        let x = sample();
        let (s_in, s_out, t) = (6, 10, SQRT_EXTRA_BITS);
        for (axes, eps) in [(vec![2], 1e-5f32), (vec![1, 2], 0.0), (vec![0, 1], 0.1)] {
            let q = x.mapv(|v| quantize_value(v as f64, s_in));
            let n: usize = axes.iter().map(|&a| x.shape()[a]).product();
            let e = eps_int(eps, n, s_in).unwrap();
            let y = standardize_int(&q, &axes, e, t, (s_out as u32) + t);
            let f = standardize_f32(&x, &axes, eps);
            let bound = error_bound(&x, &axes, eps, pow2f(-(s_in as i64) - 1), s_in, t, s_out);
            assert!(bound < 0.05, "{bound}");
            for (&yi, &fi) in y.iter().zip(&f) {
                let err = (yi as f64 / 1024.0 - fi as f64).abs();
                assert!(err <= bound, "axes {axes:?}: {err} > {bound}");
            }
        }
    }

    #[test]
    fn constant_lane_without_epsilon_is_refused() {
        let x = ITensor::from_shape_vec(IxDyn(&[2, 3]), vec![1, 2, 3, 5, 5, 5]).unwrap();
        assert_eq!(zero_lane(&x, &[1], 0, 8), Some(3));
        assert_eq!(standardize_int(&x, &[1], 0, 8, 8)[[1, 0]], INVALID);
        assert_eq!(zero_lane(&x, &[1], 1, 0), None);
    }

    #[test]
    fn lane_indices_group_reduced_axes() {
        assert_eq!(
            lane_indices(&[2, 3], &[0]),
            vec![vec![0, 3], vec![1, 4], vec![2, 5]]
        );
    }
}
