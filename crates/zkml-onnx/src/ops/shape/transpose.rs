//! Transpose.

use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::norm_axis;
use crate::ops::NodeCtx;

/// Transpose: `perm` defaults to the reversed axes.
pub fn transpose(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    let perm = match n.ints("perm")? {
        Some(p) => p
            .iter()
            .map(|&a| norm_axis(a, rank))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| n.attr_err("perm", format!("{p:?} out of range for rank {rank}")))?,
        None => (0..rank).rev().collect(),
    };
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Transpose { perm },
        &[x],
        n.out(0),
    )?])
}
