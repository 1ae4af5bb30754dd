//! Hardmax.

use zkml_core::Op;

use super::unary;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::{norm_axis, NodeCtx};

/// Hardmax: 1 at the first largest element along `axis`, 0 elsewhere. Before
/// opset 13 the input is coerced to 2-D at `axis` (default 1), as for Softmax;
/// from 13 a plain axis (default −1).
pub fn hardmax(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let shape = ctx.shape(&x);
    let rank = shape.len();
    let legacy = n.opset < 13;
    let raw = n.int("axis", if legacy { 1 } else { -1 })?;
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("axis {raw} out of range for rank {rank}")))?;
    if !legacy || axis + 1 == rank {
        return unary(ctx, n, Op::Hardmax { axis });
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
    let h = ctx.emit(
        n.at(),
        &n.name,
        Op::Hardmax { axis: 1 },
        &[flat],
        &n.tmp("hardmax"),
    )?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("back"),
        Op::Reshape { shape },
        &[h],
        n.out(0),
    )?])
}
