//! ReduceMean and ReduceSum.

use zkml_core::Op;

use super::{NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("ReduceMean", |c, n| reduce(c, n, true));
    r.insert("ReduceSum", |c, n| reduce(c, n, false));
}

/// Axes are an attribute until ReduceSum-13 / ReduceMean-18 and an optional
/// input after; absent (or empty) axes mean all axes, unless
/// `noop_with_empty_axes` makes the node the identity. `keepdims` defaults to 1.
fn reduce(ctx: &mut Ctx, n: &NodeCtx, mean: bool) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    let input_from = if mean { 18 } else { 13 };
    let axes = n.axes(input_from, 1, rank)?.unwrap_or_default();
    let keepdims = n.int("keepdims", 1)? != 0;
    let axes = if axes.is_empty() {
        if n.opset >= input_from && n.int("noop_with_empty_axes", 0)? != 0 {
            return Ok(vec![x]);
        }
        (0..rank).collect()
    } else {
        axes
    };
    let op = if mean {
        Op::ReduceMean { axes, keepdims }
    } else {
        Op::ReduceSum { axes, keepdims }
    };
    Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?])
}
