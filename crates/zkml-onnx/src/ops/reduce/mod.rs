//! ReduceMean, ReduceSum, ReduceMax, ReduceMin; ArgMax, ArgMin and TopK ([`arg`]);
//! ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSumExp ([`norms`]).

pub mod arg;
mod norms;

use zkml_core::Op;

use super::{NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("ReduceMean", |c, n| reduce(c, n, true));
    r.insert("ReduceSum", |c, n| reduce(c, n, false));
    r.insert("ReduceMax", reduce_extreme);
    r.insert("ReduceMin", reduce_extreme);
    r.insert("ArgMax", arg::arg);
    r.insert("ArgMin", arg::arg);
    r.insert("TopK", arg::top_k);
    for op in ["ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp"] {
        r.insert(op, norms::reduce_norm);
    }
}

/// The axes of a reduction whose axes became an input at `input_from`, or
/// `None` when the node is the identity (`noop_with_empty_axes`).
fn reduce_axes(n: &NodeCtx, rank: usize, input_from: i64) -> Result<Option<Vec<usize>>, OnnxError> {
    let axes = n.axes(input_from, 1, rank)?.unwrap_or_default();
    if axes.is_empty() {
        if n.opset >= input_from && n.int("noop_with_empty_axes", 0)? != 0 {
            return Ok(None);
        }
        return Ok(Some((0..rank).collect()));
    }
    Ok(Some(axes))
}

/// ReduceMax / ReduceMin (axes an input from opset 18), `keepdims` default 1.
fn reduce_extreme(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    let Some(axes) = reduce_axes(n, rank, 18)? else {
        return Ok(vec![x]);
    };
    let keepdims = n.int("keepdims", 1)? != 0;
    let op = if n.op() == "ReduceMax" {
        Op::ReduceMax { axes, keepdims }
    } else {
        Op::ReduceMin { axes, keepdims }
    };
    Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?])
}

/// Axes are an attribute until ReduceSum-13 / ReduceMean-18 and an optional
/// input after; absent (or empty) axes mean all axes, unless
/// `noop_with_empty_axes` makes the node the identity. `keepdims` defaults to 1.
fn reduce(ctx: &mut Ctx, n: &NodeCtx, mean: bool) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    let input_from = if mean { 18 } else { 13 };
    let Some(axes) = reduce_axes(n, rank, input_from)? else {
        return Ok(vec![x]);
    };
    let keepdims = n.int("keepdims", 1)? != 0;
    let op = if mean {
        Op::ReduceMean { axes, keepdims }
    } else {
        Op::ReduceSum { axes, keepdims }
    };
    Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?])
}
