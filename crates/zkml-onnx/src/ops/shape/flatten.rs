//! Flatten.

use super::emit_reshape;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// Flatten to 2-D at `axis` (default 1; in `0..=rank`, negative allowed).
pub fn flatten(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let xs = ctx.shape(n.input(0)?);
    let raw = n.int("axis", 1)?;
    let rank = xs.len() as i64;
    let axis = if raw < 0 { raw + rank } else { raw };
    if !(0..=rank).contains(&axis) {
        return Err(n.attr_err("axis", format!("{raw} out of range for rank {rank}")));
    }
    let axis = axis as usize;
    let shape = vec![xs[..axis].iter().product(), xs[axis..].iter().product()];
    emit_reshape(ctx, n, shape)
}
