//! GlobalAveragePool and GlobalMaxPool.

use zkml_core::ops::Pool;
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

/// GlobalMaxPool → MaxPool with the whole plane as its window.
pub fn global_max_pool(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let xs = ctx.shape(&x);
    if xs.len() != 4 || xs[2] == 0 || xs[3] == 0 {
        return Err(n.err(format!(
            "only 2-D pooling (a non-empty 4-D NCHW input) is supported, got {xs:?}"
        )));
    }
    let op = Op::MaxPool(Pool {
        kernel: [xs[2], xs[3]],
        strides: [1, 1],
        pads: [0; 4],
        dilations: [1, 1],
        ceil_mode: false,
        count_include_pad: false,
    });
    Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?])
}
