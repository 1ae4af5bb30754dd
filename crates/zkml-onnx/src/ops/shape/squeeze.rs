//! Squeeze.

use super::emit_reshape;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// Squeeze: axes from the attribute before opset 13, input 1 from 13; none
/// means every size-1 dim.
pub fn squeeze(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let xs = ctx.shape(n.input(0)?);
    let axes = match n.axes(13, 1, xs.len())? {
        Some(a) => a,
        None => (0..xs.len()).filter(|&i| xs[i] == 1).collect(),
    };
    if let Some(&a) = axes.iter().find(|&&a| xs[a] != 1) {
        return Err(n.err(format!(
            "cannot squeeze axis {a} of size {} (shape {xs:?})",
            xs[a]
        )));
    }
    let shape = (0..xs.len())
        .filter(|i| !axes.contains(i))
        .map(|i| xs[i])
        .collect();
    emit_reshape(ctx, n, shape)
}
