//! Shrink (opset 9+): `y = x − bias` where `x > lambd`, `x + bias` where
//! `x < −lambd`, else 0 (`bias` default 0, `lambd` default 0.5).
//!
//! Lowered without a new IR op:
//! ```text
//! d = x − Clip(x, −lambd, lambd)          x − lambd | 0 | x + lambd
//! y = d                                   when bias = lambd (soft shrink)
//! y = d + (lambd − bias)·([x > lambd] − [x < −lambd])     otherwise
//! ```
//! Every step is exact in the integer executor except the quantization of
//! `lambd` and `lambd − bias` (half a unit each).

use ndarray::{ArrayD, IxDyn};
use zkml_core::ops::Cmp;
use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

fn scalar(v: f32) -> Val {
    Val::konst(Konst::float(ArrayD::from_elem(IxDyn(&[]), f64::from(v))))
}

/// Shrink on run-time (or constant, folded) input.
pub fn shrink(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let bias = n.float("bias", 0.0)?;
    let lambd = n.float("lambd", 0.5)?;
    if !(lambd >= 0.0 && lambd.is_finite() && bias.is_finite()) {
        return Err(n.attr_err(
            "lambd",
            format!("must be finite and ≥ 0 (and bias finite), got lambd {lambd}, bias {bias}"),
        ));
    }
    let clip = Op::Clip {
        min: -lambd,
        max: lambd,
    };
    let c = ctx.emit(
        n.at(),
        &n.sub("clip"),
        clip,
        std::slice::from_ref(&x),
        &n.tmp("clip"),
    )?;
    if bias == lambd {
        return Ok(vec![ctx.emit(
            n.at(),
            &n.name,
            Op::Sub,
            &[x, c],
            n.out(0),
        )?]);
    }
    let d = ctx.emit(n.at(), &n.sub("d"), Op::Sub, &[x.clone(), c], &n.tmp("d"))?;
    let gt = ctx.emit(
        n.at(),
        &n.sub("gt"),
        Op::Compare(Cmp::Greater),
        &[x.clone(), scalar(lambd)],
        &n.tmp("gt"),
    )?;
    let lt = ctx.emit(
        n.at(),
        &n.sub("lt"),
        Op::Compare(Cmp::Less),
        &[x, scalar(-lambd)],
        &n.tmp("lt"),
    )?;
    let side = ctx.emit(n.at(), &n.sub("side"), Op::Sub, &[gt, lt], &n.tmp("side"))?;
    let step = ctx.emit(
        n.at(),
        &n.sub("step"),
        Op::Mul,
        &[side, scalar(lambd - bias)],
        &n.tmp("step"),
    )?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Add,
        &[d, step],
        n.out(0),
    )?])
}
