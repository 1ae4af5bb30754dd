//! ReduceL1, ReduceL2, ReduceSumSquare and ReduceLogSumExp, lowered to
//! existing IR ops (Abs, Mul, ReduceSum, ReduceMax, the Exp/Log/Sqrt table
//! functions).

use zkml_core::{ops::TableFn, Op};

use super::reduce_axes;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::activation::log_softmax::log_sum_exp;
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
            // ReduceLogSumExp: max + Log(Σ Exp(x − max)), the max squeezed
            // like the sum when the reduced dims are dropped.
            let lse = log_sum_exp(ctx, n, x, &axes, keepdims)?;
            let m = if keepdims {
                lse.max
            } else {
                let shape = ctx.shape(&lse.log);
                ctx.emit(
                    n.at(),
                    &n.sub("squeeze"),
                    Op::Reshape { shape },
                    &[lse.max],
                    &n.tmp("max2"),
                )?
            };
            ctx.emit(n.at(), &n.name, Op::Add, &[lse.log, m], &out)?
        }
    };
    Ok(vec![y])
}
