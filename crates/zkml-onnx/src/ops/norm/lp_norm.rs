//! LpNormalization.

use zkml_core::{ops::TableFn, Op};

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::{norm_axis, NodeCtx};
use crate::tensor::Konst;

/// LpNormalization along `axis` (default −1): `x / ‖x‖_p`, `p ∈ {1, 2}`
/// (default 2), as ReduceSum of Abs (p = 1) or the square root of a sum of
/// squares (p = 2), then the exact run-time Div. A zero vector has no value
/// (the integer executor refuses it; the float reference gives 0, as ONNX's).
pub fn lp_norm(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    let raw = n.int("axis", -1)?;
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("axis {raw} out of range for rank {rank}")))?;
    let p = n.int("p", 2)?;
    let axes = vec![axis];
    let norm = match p {
        1 => {
            let a = ctx.emit(
                n.at(),
                &n.sub("abs"),
                Op::Abs,
                std::slice::from_ref(&x),
                &n.tmp("abs"),
            )?;
            ctx.emit(
                n.at(),
                &n.sub("l1"),
                Op::ReduceSum {
                    axes,
                    keepdims: true,
                },
                &[a],
                &n.tmp("l1"),
            )?
        }
        2 => {
            let sq = ctx.emit(
                n.at(),
                &n.sub("square"),
                Op::Mul,
                &[x.clone(), x.clone()],
                &n.tmp("square"),
            )?;
            let s = ctx.emit(
                n.at(),
                &n.sub("sumsq"),
                Op::ReduceSum {
                    axes,
                    keepdims: true,
                },
                &[sq],
                &n.tmp("sumsq"),
            )?;
            ctx.emit(
                n.at(),
                &n.sub("l2"),
                Op::Table(TableFn::Sqrt),
                &[s],
                &n.tmp("l2"),
            )?
        }
        _ => return Err(n.attr_err("p", format!("p = {p}; only 1 and 2 are defined"))),
    };
    // ONNX's reference maps a zero vector to 0 (x / max(‖x‖, tiny)); the
    // integer executor refuses it (the tiny floor quantizes to 0, so the
    // divisor stays 0: a division with no value).
    let tiny = Val::konst(Konst::float(ndarray::ArrayD::from_elem(
        ndarray::IxDyn(&[]),
        f64::from(f32::MIN_POSITIVE),
    )));
    let norm = ctx.emit(
        n.at(),
        &n.sub("floor"),
        Op::Max,
        &[norm, tiny],
        &n.tmp("norm"),
    )?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Div,
        &[x, norm],
        n.out(0),
    )?])
}
