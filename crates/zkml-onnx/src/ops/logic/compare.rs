//! Less, Greater, LessOrEqual, GreaterOrEqual, Equal (opset 7–19): two
//! inputs, numpy broadcasting, boolean output. No attributes.

use zkml_core::{ops::Cmp, Op};

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::consts::elementwise;
use crate::ops::NodeCtx;

/// A comparison: folded on constants, else `Op::Compare`.
pub fn compare(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let (a, b) = (n.input(0)?.clone(), n.input(1)?.clone());
    if a.as_const().is_some() && b.as_const().is_some() {
        return elementwise::binary(ctx, n);
    }
    let cmp = Cmp::from_name(n.op()).ok_or_else(|| n.err("not a comparison"))?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Compare(cmp),
        &[a, b],
        n.out(0),
    )?])
}
