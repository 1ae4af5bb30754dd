//! Clip.

use zkml_core::Op;

use super::unary;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// Clip: bounds are attributes before opset 11, optional constant inputs from
/// 11. `Clip(0, ∞)` is emitted as Relu.
pub fn clip(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let (min, max) = if n.opset < 11 {
        (
            n.float("min", f32::NEG_INFINITY)?,
            n.float("max", f32::INFINITY)?,
        )
    } else {
        let bound = |i: usize, what: &str, default: f32| -> Result<f32, OnnxError> {
            match n.const_input(i, what)? {
                None => Ok(default),
                Some(k) if k.t.len() == 1 => Ok(k.t.iter().next().copied().unwrap_or(0.0) as f32),
                Some(k) => Err(n.err(format!(
                    "input {i} ({what}) must be a scalar, got shape {:?}",
                    k.shape()
                ))),
            }
        };
        (
            bound(1, "min", f32::NEG_INFINITY)?,
            bound(2, "max", f32::INFINITY)?,
        )
    };
    if min.is_nan() || max.is_nan() {
        return Err(n.err("Clip bounds must not be NaN"));
    }
    if min == 0.0 && max == f32::INFINITY {
        return unary(ctx, n, Op::Relu);
    }
    unary(ctx, n, Op::Clip { min, max })
}
