//! Not (one input), And, Or, Xor (two, numpy broadcasting) on booleans. No
//! attributes. A run-time input need not be 0/1: the IR reads it as `≠ 0`
//! (a boolean graph input is calibrated like any other).

use zkml_core::{ops::Logic, Op};

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::consts::elementwise;
use crate::ops::NodeCtx;

/// A logic op: folded on constants, else `Op::Logic`.
pub fn logic(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let op = Logic::from_name(n.op()).ok_or_else(|| n.err("not a logic op"))?;
    let xs = (0..op.arity())
        .map(|i| n.input(i).cloned())
        .collect::<Result<Vec<_>, _>>()?;
    if xs.iter().all(|v| v.as_const().is_some()) {
        return if op == Logic::Not {
            elementwise::unary(ctx, n)
        } else {
            elementwise::binary(ctx, n)
        };
    }
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Logic(op),
        &xs,
        n.out(0),
    )?])
}
