//! Concat.

use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::norm_axis;
use crate::ops::NodeCtx;

/// Concat: `axis` required (from opset 4), negative values normalised.
pub fn concat(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let xs: Vec<Val> = n.inputs.iter().flatten().cloned().collect();
    let first = xs
        .first()
        .ok_or_else(|| n.err("Concat needs at least one input"))?;
    let rank = ctx.shape(first).len();
    // Concat-1 defaulted the axis to 1; from opset 4 it is required.
    let raw = match n.opt_int("axis")? {
        Some(a) => a,
        None if n.opset < 4 => 1,
        None => return Err(n.attr_err("axis", "is required")),
    };
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("{raw} out of range for rank {rank}")))?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Concat { axis },
        &xs,
        n.out(0),
    )?])
}
