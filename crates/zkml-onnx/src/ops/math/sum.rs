//! Sum, Max, Min (variadic), Neg and Abs.

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

/// Variadic Max / Min → a chain of binary Max / Min (folded in `f64`,
/// keeping the element type, when every input is constant).
pub fn max_min(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let xs: Vec<Val> = n.inputs.iter().flatten().cloned().collect();
    if xs.iter().all(|v| v.as_const().is_some()) {
        return crate::ops::consts::elementwise::binary(ctx, n);
    }
    let op = if n.op() == "Max" { Op::Max } else { Op::Min };
    let mut acc = xs[0].clone();
    for (i, x) in xs.iter().enumerate().skip(1) {
        let last = i + 1 == xs.len();
        let out = if last {
            n.out(0).to_string()
        } else {
            n.tmp(&i.to_string())
        };
        acc = ctx.emit(
            n.at(),
            &n.sub(&i.to_string()),
            op.clone(),
            &[acc, x.clone()],
            &out,
        )?;
    }
    Ok(vec![acc])
}

/// Abs: folded on constants (keeping the element type), else the IR's Abs.
pub fn abs(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    if let Some(k) = x.as_const() {
        return Ok(vec![Val::konst(Konst {
            t: k.t.mapv(f64::abs),
            dtype: k.dtype,
        })]);
    }
    Ok(vec![ctx.emit(n.at(), &n.name, Op::Abs, &[x], n.out(0))?])
}
