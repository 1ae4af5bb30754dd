//! Expand.

use ndarray::{ArrayD, IxDyn};
use zkml_core::ops::elementwise::broadcast_shape;
use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::{checked_shape, DType, Konst};

/// Expand: broadcast to a constant shape, as `x + zeros(shape)`.
pub fn expand(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let target = n
        .const_input(1, "shape")?
        .ok_or_else(|| n.err("input 1 (shape) is required"))?
        .to_i64();
    let (target, _) = checked_shape(&target, n.out(0))?;
    let xs = ctx.shape(&x);
    let out = broadcast_shape(&xs, &target).map_err(|e| n.err(e))?;
    checked_shape(&out.iter().map(|&d| d as i64).collect::<Vec<_>>(), n.out(0))?;
    let dtype = x.as_const().map_or(DType::Float, |k| k.dtype);
    let zeros = Val::konst(Konst {
        t: ArrayD::zeros(IxDyn(&out)),
        dtype,
    });
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Add,
        &[x, zeros],
        n.out(0),
    )?])
}
