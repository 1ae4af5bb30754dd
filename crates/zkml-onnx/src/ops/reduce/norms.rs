//! ReduceL1, ReduceL2, ReduceSumSquare and ReduceLogSumExp, lowered to
//! existing IR ops (Abs, Mul, ReduceSum, ReduceMax, the Exp/Log/Sqrt table
//! functions).

use zkml_core::{ops::TableFn, Op};

use super::reduce_axes;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// The four reductions (axes an input from opset 18, `keepdims` default 1):
///
/// * ReduceL1 = ReduceSum(Abs x);
/// * ReduceSumSquare = ReduceSum(x·x);
/// * ReduceL2 = Sqrt(ReduceSumSquare x) (the square root a table over the
///   sum's calibrated range);
/// * ReduceLogSumExp = m + Log(ReduceSum(Exp(x − m))), `m = ReduceMax x`
///   (kept dims while broadcasting), so Exp never overflows.
pub fn reduce_norm(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let shape = ctx.shape(&x);
    let Some(axes) = reduce_axes(n, shape.len(), 18)? else {
        return Ok(vec![match n.op() {
            // noop_with_empty_axes: the elementwise part alone.
            "ReduceL1" => ctx.emit(n.at(), &n.name, Op::Abs, &[x], n.out(0))?,
            "ReduceL2" => ctx.emit(n.at(), &n.name, Op::Abs, &[x], n.out(0))?,
            "ReduceSumSquare" => ctx.emit(n.at(), &n.name, Op::Mul, &[x.clone(), x], n.out(0))?,
            _ => x,
        }]);
    };
    let keepdims = n.int("keepdims", 1)? != 0;
    let sum = |ctx: &mut Ctx, v: Val, keepdims: bool, out: &str| {
        ctx.emit(
            n.at(),
            &n.sub("sum"),
            Op::ReduceSum {
                axes: axes.clone(),
                keepdims,
            },
            &[v],
            out,
        )
    };
    let out = n.out(0).to_string();
    let y = match n.op() {
        "ReduceL1" => {
            let a = ctx.emit(n.at(), &n.sub("abs"), Op::Abs, &[x], &n.tmp("abs"))?;
            sum(ctx, a, keepdims, &out)?
        }
        "ReduceSumSquare" | "ReduceL2" => {
            let sq = ctx.emit(
                n.at(),
                &n.sub("square"),
                Op::Mul,
                &[x.clone(), x],
                &n.tmp("square"),
            )?;
            if n.op() == "ReduceSumSquare" {
                sum(ctx, sq, keepdims, &out)?
            } else {
                let s = sum(ctx, sq, keepdims, &n.tmp("sumsq"))?;
                ctx.emit(n.at(), &n.name, Op::Table(TableFn::Sqrt), &[s], &out)?
            }
        }
        _ => {
            // ReduceLogSumExp.
            let m = ctx.emit(
                n.at(),
                &n.sub("max"),
                Op::ReduceMax {
                    axes: axes.clone(),
                    keepdims: true,
                },
                std::slice::from_ref(&x),
                &n.tmp("max"),
            )?;
            let d = ctx.emit(
                n.at(),
                &n.sub("centre"),
                Op::Sub,
                &[x, m.clone()],
                &n.tmp("centre"),
            )?;
            let e = ctx.emit(
                n.at(),
                &n.sub("exp"),
                Op::Table(TableFn::Exp),
                &[d],
                &n.tmp("exp"),
            )?;
            let s = sum(ctx, e, keepdims, &n.tmp("sumexp"))?;
            let l = ctx.emit(
                n.at(),
                &n.sub("log"),
                Op::Table(TableFn::Log),
                &[s],
                &n.tmp("log"),
            )?;
            let m = if keepdims {
                m
            } else {
                let shape = ctx.shape(&l);
                ctx.emit(
                    n.at(),
                    &n.sub("squeeze"),
                    Op::Reshape { shape },
                    &[m],
                    &n.tmp("max2"),
                )?
            };
            ctx.emit(n.at(), &n.name, Op::Add, &[l, m], &out)?
        }
    };
    Ok(vec![y])
}
