//! Floor, Ceil (opset 6–13) and Round (opset 11–22, half to even): one input,
//! no attributes; the IR's `Op::Round` with the mode a parameter.

use zkml_core::{ops::RoundMode, Op};

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::consts::elementwise;
use crate::ops::NodeCtx;

/// Floor / Ceil / Round: folded on constants (keeping the element type), else `Op::Round`.
pub fn round(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    if x.as_const().is_some() {
        return elementwise::unary(ctx, n);
    }
    let mode = RoundMode::from_name(n.op()).ok_or_else(|| n.err("not a rounding op"))?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Round(mode),
        &[x],
        n.out(0),
    )?])
}

/// Sign (opset 9–13): folded on constants, else `Op::Sign`.
pub fn sign(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    if x.as_const().is_some() {
        return elementwise::unary(ctx, n);
    }
    Ok(vec![ctx.emit(n.at(), &n.name, Op::Sign, &[x], n.out(0))?])
}
