//! Reshape, Transpose, Concat and constant Pad. All exact on integers; Concat
//! first aligns each input to the output scale (see [`super::elementwise::align`]),
//! Pad fills with its value quantized at the input scale. Every function here
//! returns a standard (row-major) layout array.

use ndarray::{ArrayD, Axis, IxDyn, Slice};

use super::QOp;
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::quant::QuantCtx;
use crate::rounding::quantize_value;
use crate::tensor::numel;

/// Output shape of Reshape.
pub fn reshape_shape(x: &[usize], shape: &[usize]) -> Result<Vec<usize>, String> {
    if numel(x) != numel(shape) {
        return Err(format!(
            "cannot reshape {x:?} ({} elements) to {shape:?}",
            numel(x)
        ));
    }
    Ok(shape.to_vec())
}

/// Output shape of Transpose.
pub fn transpose_shape(x: &[usize], perm: &[usize]) -> Result<Vec<usize>, String> {
    let mut seen = vec![false; x.len()];
    if perm.len() != x.len()
        || perm
            .iter()
            .any(|&p| p >= x.len() || std::mem::replace(&mut seen[p], true))
    {
        return Err(format!(
            "perm {perm:?} is not a permutation of rank {}",
            x.len()
        ));
    }
    Ok(perm.iter().map(|&p| x[p]).collect())
}

/// Output shape of Concat.
pub fn concat_shape(inputs: &[&[usize]], axis: usize) -> Result<Vec<usize>, String> {
    let first = inputs[0];
    if axis >= first.len() {
        return Err(format!("axis {axis} out of range for rank {}", first.len()));
    }
    let mut out = first.to_vec();
    for s in &inputs[1..] {
        if s.len() != first.len()
            || s.iter()
                .zip(first)
                .enumerate()
                .any(|(i, (a, b))| i != axis && a != b)
        {
            return Err(format!(
                "inputs {inputs:?} differ off the concat axis {axis}"
            ));
        }
        out[axis] += s[axis];
    }
    Ok(out)
}

/// Output shape of Pad.
pub fn pad_shape(x: &[usize], pads: &[usize]) -> Result<Vec<usize>, String> {
    if pads.len() != 2 * x.len() {
        return Err(format!(
            "pads {pads:?} should have {} entries for rank {}",
            2 * x.len(),
            x.len()
        ));
    }
    Ok(x.iter()
        .enumerate()
        .map(|(i, &d)| d + pads[i] + pads[i + x.len()])
        .collect())
}

/// Reshape (row-major).
pub fn reshape<T: Clone>(x: &ArrayD<T>, shape: &[usize]) -> ArrayD<T> {
    let data: Vec<T> = x.iter().cloned().collect();
    ArrayD::from_shape_vec(IxDyn(shape), data).expect("shape checked when the node was added")
}

/// Transpose.
pub fn transpose<T: Clone>(x: &ArrayD<T>, perm: &[usize]) -> ArrayD<T> {
    x.view()
        .permuted_axes(IxDyn(perm))
        .as_standard_layout()
        .into_owned()
}

/// Concat, in standard (row-major) layout: `ndarray::concatenate` along a
/// non-leading axis returns a column-major array, and every op's output must
/// be standard (memory order = row-major order, which circuits rely on).
pub fn concat<T: Clone>(inputs: &[ArrayD<T>], axis: usize) -> ArrayD<T> {
    let views: Vec<_> = inputs.iter().map(|a| a.view()).collect();
    let out =
        ndarray::concatenate(Axis(axis), &views).expect("shapes checked when the node was added");
    if out.is_standard_layout() {
        out
    } else {
        out.as_standard_layout().into_owned()
    }
}

/// Constant pad.
pub fn pad<T: Clone>(x: &ArrayD<T>, pads: &[usize], value: T) -> ArrayD<T> {
    let shape = pad_shape(x.shape(), pads).expect("shape checked when the node was added");
    let mut out = ArrayD::from_elem(IxDyn(&shape), value);
    let mut view = out.view_mut();
    for (d, (&p, &n)) in pads.iter().zip(x.shape()).enumerate() {
        view.slice_axis_inplace(Axis(d), Slice::from(p..p + n));
    }
    view.assign(x);
    out
}

/// Quantization of Reshape: scale unchanged.
pub fn quantize_reshape(shape: &[usize], c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let shape = shape.to_vec();
    Ok((QOp::Reshape { shape }, c.s_in()?))
}

/// Quantization of Transpose: scale unchanged.
pub fn quantize_transpose(perm: &[usize], c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let perm = perm.to_vec();
    Ok((QOp::Transpose { perm }, c.s_in()?))
}

/// Quantization of Concat: inputs aligned to the coarsest input scale,
/// capped by calibration ([`QuantCtx::aligned`]).
pub fn quantize_concat(axis: usize, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let (s_out, align) = c.aligned(true)?;
    Ok((QOp::Concat { axis, align }, s_out))
}

/// Quantization of Pad: the fill value at the input scale, scale unchanged.
pub fn quantize_pad(pads: &[usize], value: f32, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s_in = c.s_in()?;
    Ok((
        QOp::Pad {
            pads: pads.to_vec(),
            value: quantize_value(value as f64, s_in),
        },
        s_in,
    ))
}

/// Error bound of Reshape and Transpose: exact, the input's.
pub fn error_bound_move(c: &BoundCtx) -> f64 {
    c.e(0)
}

/// Error bound of Concat: the worst input's error plus its alignment's rounding.
pub fn error_bound_concat(align: &[i32], c: &BoundCtx) -> f64 {
    (0..c.node.inputs.len())
        .zip(align)
        .map(|(k, &a)| c.e(k) + c.align(a))
        .fold(0.0, f64::max)
}

/// Error bound of Pad: the input's, or the fill value's rounding.
pub fn error_bound_pad(c: &BoundCtx) -> f64 {
    c.e(0) + c.u_out()
}
