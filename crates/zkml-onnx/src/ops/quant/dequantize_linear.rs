//! DequantizeLinear: `(x − zero_point)·scale`.

use zkml_core::ops::elementwise::zip_broadcast;
use zkml_core::Op;

use super::{along_axis, check_scale};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// DequantizeLinear(x, x_scale, x_zero_point?): folds on a constant `x`,
/// else `Sub` (when some zero point is nonzero) and `Mul` by constants.
pub fn dequantize_linear(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let shape = ctx.shape(&x);
    let scale = n
        .const_input(1, "x_scale")?
        .ok_or_else(|| n.err("input 1 (x_scale) is required but missing"))?;
    let scale = along_axis(n, scale, &shape, "x_scale")?;
    check_scale(n, &scale)?;
    let zero = match n.const_input(2, "x_zero_point")? {
        Some(z) => Some(along_axis(n, z, &shape, "x_zero_point")?),
        None => None,
    };
    if let Some(k) = x.as_const() {
        let shifted = match &zero {
            Some(z) => zip_broadcast(&k.t, z, |a, b| a - b),
            None => k.t.clone(),
        };
        return Ok(vec![Val::konst(Konst::float(zip_broadcast(
            &shifted,
            &scale,
            |a, b| a * b,
        )))]);
    }
    let mut v = x;
    if let Some(z) = zero.filter(|z| z.iter().any(|&v| v != 0.0)) {
        v = ctx.emit(
            n.at(),
            &n.sub("zero_point"),
            Op::Sub,
            &[v, Val::konst(Konst::float(z))],
            &n.tmp("centred"),
        )?;
    }
    let y = ctx.emit(
        n.at(),
        &n.name,
        Op::Mul,
        &[v, Val::konst(Konst::float(scale))],
        n.out(0),
    )?;
    Ok(vec![y])
}
