//! Where(condition, X, Y) (opset 9–16): `X` where the condition holds, else
//! `Y`, all three broadcast (numpy). No attributes.

use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::consts::elementwise;
use crate::ops::NodeCtx;

/// Where: folded on constants, else `Op::Where`.
pub fn where_(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let xs = (0..3)
        .map(|i| n.input(i).cloned())
        .collect::<Result<Vec<_>, _>>()?;
    if xs.iter().all(|v| v.as_const().is_some()) {
        return elementwise::where_(ctx, n);
    }
    Ok(vec![ctx.emit(n.at(), &n.name, Op::Where, &xs, n.out(0))?])
}
