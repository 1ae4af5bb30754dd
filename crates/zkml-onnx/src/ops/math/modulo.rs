//! Mod (opset 10–13): `fmod` (default 0: the result takes the divisor's sign,
//! integer semantics; 1: C `fmod`, the dividend's sign); numpy broadcasting.
//! The divisor must be a constant without zeros; a run-time divisor is
//! refused.

use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::consts::elementwise;
use crate::ops::NodeCtx;

/// Mod: folded on constants, else `Op::Mod` by the constant divisor.
pub fn modulo(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let fmod = match n.int("fmod", 0)? {
        0 => false,
        1 => true,
        v => return Err(n.attr_err("fmod", format!("must be 0 or 1, got {v}"))),
    };
    let x = n.input(0)?.clone();
    let d = n.input(1)?.clone();
    if x.as_const().is_some() && d.as_const().is_some() {
        return elementwise::binary(ctx, n);
    }
    let k = n
        .const_input(1, "divisor")?
        .ok_or_else(|| n.err("input 1 (divisor) is required"))?;
    if let Some(v) = k.t.iter().find(|v| **v == 0.0 || !v.is_finite()) {
        return Err(n.err(format!(
            "the divisor holds {v}; every divisor must be finite and non-zero"
        )));
    }
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Mod { fmod },
        &[x, d],
        n.out(0),
    )?])
}
