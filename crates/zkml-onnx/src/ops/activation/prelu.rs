//! PRelu.

use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// PRelu: one constant slope for every element → LeakyRelu; otherwise
/// (per-channel or run-time slopes) `relu(x) + slope·(x − relu(x))`, which is
/// exact: `x` for `x ≥ 0`, `slope·x` below.
pub fn prelu(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let slope = n.input(1)?.clone();
    if let Some(k) = slope.as_const() {
        let first = k.t.iter().next().copied().unwrap_or(0.0);
        if k.t.iter().all(|&v| v == first) && k.t.ndim() <= ctx.shape(&x).len() {
            let op = Op::LeakyRelu {
                alpha: first as f32,
            };
            return Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?]);
        }
    }
    let xs = ctx.shape(&x);
    let ss = ctx.shape(&slope);
    match zkml_core::ops::elementwise::broadcast_shape(&xs, &ss) {
        Ok(s) if s == xs => {}
        _ => {
            return Err(n.err(format!(
                "slope shape {ss:?} does not broadcast to the input shape {xs:?}"
            )))
        }
    }
    let r = ctx.emit(
        n.at(),
        &n.sub("relu"),
        Op::Relu,
        std::slice::from_ref(&x),
        &n.tmp("relu"),
    )?;
    let neg = ctx.emit(
        n.at(),
        &n.sub("neg"),
        Op::Sub,
        &[x, r.clone()],
        &n.tmp("neg"),
    )?;
    let scaled = ctx.emit(
        n.at(),
        &n.sub("slope"),
        Op::Mul,
        &[neg, slope],
        &n.tmp("slope"),
    )?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Add,
        &[r, scaled],
        n.out(0),
    )?])
}
