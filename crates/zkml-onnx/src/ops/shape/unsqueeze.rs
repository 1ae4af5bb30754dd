//! Unsqueeze.

use super::emit_reshape;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// Unsqueeze: axes (attribute before opset 13, input from 13) index the output.
pub fn unsqueeze(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let xs = ctx.shape(n.input(0)?);
    let count = if n.opset >= 13 {
        n.const_input(1, "axes")?.map(|k| k.t.len())
    } else {
        n.ints("axes")?.map(|a| a.len())
    }
    .ok_or_else(|| n.err("axes are required"))?;
    let axes = n
        .axes(13, 1, xs.len() + count)?
        .ok_or_else(|| n.err("axes are required"))?;
    let mut dims = xs.iter();
    let shape = (0..xs.len() + count)
        .map(|i| {
            if axes.contains(&i) {
                1
            } else {
                dims.next().copied().unwrap_or(1)
            }
        })
        .collect();
    emit_reshape(ctx, n, shape)
}
