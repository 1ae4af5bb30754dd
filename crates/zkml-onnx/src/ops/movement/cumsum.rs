//! CumSum (`exclusive`, `reverse`): along its axis each output is a sum of a
//! prefix (or suffix) of the input, a constant 0/1 matrix applied by
//! [`super::linear_along_axis`] (a MatMul with exact weights).

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::{norm_axis, NodeCtx};

use super::linear_along_axis;

/// CumSum; the axis (input 1) must be constant.
pub fn cumsum(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    let raw = match n.const_input(1, "axis")? {
        Some(k) if k.t.len() == 1 => k.to_i64()[0],
        Some(k) => return Err(n.err(format!("axis must be a scalar, got shape {:?}", k.shape()))),
        None => return Err(n.err("input 1 (axis) is required")),
    };
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.err(format!("axis {raw} out of range for rank {rank}")))?;
    let (exclusive, reverse) = (n.int("exclusive", 0)? != 0, n.int("reverse", 0)? != 0);
    let len = ctx.shape(&x)[axis];
    let a: Vec<Vec<f64>> = (0..len)
        .map(|o| {
            (0..len)
                .map(|i| {
                    let inside = match (reverse, exclusive) {
                        (false, false) => i <= o,
                        (false, true) => i < o,
                        (true, false) => i >= o,
                        (true, true) => i > o,
                    };
                    f64::from(u8::from(inside))
                })
                .collect()
        })
        .collect();
    Ok(vec![linear_along_axis(
        ctx,
        n,
        x,
        axis,
        &a,
        None,
        "cumsum",
        n.out(0),
    )?])
}
