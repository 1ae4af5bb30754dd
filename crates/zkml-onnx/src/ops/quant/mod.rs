//! QuantizeLinear and DequantizeLinear: the QDQ form in which quantization
//! tools (onnxruntime's `quantize_static`, TensorRT, PyTorch's exporter)
//! write int8 models.
//!
//! zkml quantizes every model itself, so a QDQ model is loaded as the real
//! computation it describes:
//!
//! * `DequantizeLinear(x, s, zp) = (x − zp)·s`: on a constant (the usual
//!   int8 weights) it folds to a float constant, per tensor or per axis; on a
//!   run-time tensor it becomes `Sub` and `Mul` by constants.
//! * `QuantizeLinear(x, s, zp) = clamp(round_half_even(x/s) + zp, qmin, qmax)`
//!   folds on a constant (per tensor or per axis); on a run-time tensor it is
//!   the table function [`TableFn::QuantizeLinear`] (per-tensor scale and zero
//!   point, as quantization tools write for activations), whose output is the
//!   integer code; the `DequantizeLinear` after it maps the code back.
//!
//! Code types: uint8, int8, uint16 and int16 (the zero point's type, else
//! the `output_dtype` attribute, else uint8). Blocked quantization
//! (`block_size`), 4-bit, 2-bit and float8 types are refused, naming the
//! node.
//!
//! [`TableFn::QuantizeLinear`]: zkml_core::ops::TableFn::QuantizeLinear

pub mod dequantize_linear;
pub mod quantize_linear;

use ndarray::{ArrayD, IxDyn};

use super::{norm_axis, NodeCtx, Registry};
use crate::error::OnnxError;
use crate::tensor::Konst;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("QuantizeLinear", quantize_linear::quantize_linear);
    r.insert("DequantizeLinear", dequantize_linear::dequantize_linear);
}

/// A scale or zero point reshaped to broadcast against an input of rank
/// `rank`: a scalar stays one element, a 1-D tensor of `shape[axis]` values
/// lies along `axis` (per-axis quantization). `what` names it for errors.
pub fn along_axis(
    n: &NodeCtx,
    k: &Konst,
    shape: &[usize],
    what: &str,
) -> Result<ArrayD<f64>, OnnxError> {
    if n.int("block_size", 0)? != 0 {
        return Err(n.attr_err(
            "block_size",
            "blocked quantization is not supported; re-export with per-tensor or per-axis \
             quantization",
        ));
    }
    if k.t.len() == 1 {
        return Ok(ArrayD::from_elem(
            IxDyn(&[]),
            k.t.iter().copied().next().unwrap_or(0.0),
        ));
    }
    let axis = norm_axis(n.int("axis", 1)?, shape.len())
        .ok_or_else(|| n.attr_err("axis", format!("out of range for rank {}", shape.len())))?;
    if k.shape().len() != 1 || k.t.len() != shape[axis] {
        return Err(n.err(format!(
            "{what} has shape {:?}; it must be a scalar or hold one value per element of axis \
             {axis} (size {}) of the input {shape:?}",
            k.shape(),
            shape[axis]
        )));
    }
    let mut dims = vec![1; shape.len()];
    dims[axis] = shape[axis];
    Ok(k.t
        .clone()
        .into_shape_with_order(IxDyn(&dims))
        .expect("same element count"))
}

/// Checks that every scale is positive and finite.
pub fn check_scale(n: &NodeCtx, s: &ArrayD<f64>) -> Result<(), OnnxError> {
    match s.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
        Some(v) => Err(n.err(format!(
            "scale {v} is not a positive finite number; the model is malformed"
        ))),
        None => Ok(()),
    }
}
