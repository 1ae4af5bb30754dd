//! GlobalAveragePool and GlobalMaxPool.

use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// GlobalAveragePool → ReduceMean over the spatial axes, keeping them.
pub fn global_average_pool(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    if rank < 3 {
        return Err(n.err(format!(
            "input must have rank ≥ 3 (N, C, spatial...), got {rank}"
        )));
    }
    let op = Op::ReduceMean {
        axes: (2..rank).collect(),
        keepdims: true,
    };
    Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?])
}

/// GlobalMaxPool → ReduceMax over the spatial axes, keeping them (any
/// number of spatial axes; the same integers as a MaxPool whose window is the
/// whole plane, and the same max gadget in the proof).
pub fn global_max_pool(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let xs = ctx.shape(&x);
    if xs.len() < 3 || xs[2..].contains(&0) {
        return Err(n.err(format!(
            "input must have rank ≥ 3 (N, C, spatial...) and non-empty spatial axes, got {xs:?}"
        )));
    }
    let op = Op::ReduceMax {
        axes: (2..xs.len()).collect(),
        keepdims: true,
    };
    Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?])
}
