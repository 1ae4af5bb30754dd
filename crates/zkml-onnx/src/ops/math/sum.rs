//! Sum (variadic) and Neg.

use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// Neg: folded on constants, otherwise a Mul by −1.
pub fn neg(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    if let Some(k) = x.as_const() {
        return Ok(vec![Val::konst(Konst {
            t: k.t.mapv(|v| -v),
            dtype: k.dtype,
        })]);
    }
    let m = Val::konst(Konst::scalar(-1.0));
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Mul,
        &[x, m],
        n.out(0),
    )?])
}

/// Variadic Sum → a chain of Adds.
pub fn sum(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let xs: Vec<Val> = n.inputs.iter().flatten().cloned().collect();
    let mut it = xs.into_iter();
    let mut acc = it
        .next()
        .ok_or_else(|| n.err("Sum needs at least one input"))?;
    let rest: Vec<Val> = it.collect();
    for (i, x) in rest.iter().enumerate() {
        let out = if i + 1 == rest.len() {
            n.out(0).to_string()
        } else {
            n.tmp(&format!("sum{i}"))
        };
        acc = ctx.emit(
            n.at(),
            &n.sub(&format!("sum{i}")),
            Op::Add,
            &[acc, x.clone()],
            &out,
        )?;
    }
    Ok(vec![acc])
}
