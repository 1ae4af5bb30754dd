//! Softmax.

use zkml_core::Op;

use super::unary;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::norm_axis;
use crate::ops::NodeCtx;

/// Softmax: before opset 13 the input is coerced to 2-D at `axis` (default
/// 1), i.e. Reshape → Softmax(axis 1) → Reshape; from 13 a plain axis
/// (default −1). An additive constant mask before it is lowered by
/// [`super::masked`].
pub fn softmax(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let shape = ctx.shape(&x);
    let rank = shape.len();
    let legacy = n.opset < 13;
    let raw = n.int("axis", if legacy { 1 } else { -1 })?;
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("axis {raw} out of range for rank {rank}")))?;
    if !legacy || axis + 1 == rank {
        // An additive attention mask feeding the Softmax (see `masked`).
        if let Some(z) = super::masked::unmask(ctx, n, &x)? {
            return Ok(vec![ctx.emit(
                n.at(),
                &n.name,
                Op::Softmax { axis },
                &[z],
                n.out(0),
            )?]);
        }
        return unary(ctx, n, Op::Softmax { axis });
    }
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis..].iter().product();
    let flat = ctx.emit(
        n.at(),
        &n.sub("to2d"),
        Op::Reshape {
            shape: vec![outer, inner],
        },
        &[x],
        &n.tmp("to2d"),
    )?;
    let s = ctx.emit(
        n.at(),
        &n.name,
        Op::Softmax { axis: 1 },
        &[flat],
        &n.tmp("softmax"),
    )?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("back"),
        Op::Reshape { shape },
        &[s],
        n.out(0),
    )?])
}
