//! LogSoftmax, and the centred log-sum-exp chain it shares with
//! ReduceLogSumExp.

use zkml_core::{ops::TableFn, Op};

use super::SoftmaxAxis;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// The values of the centred log-sum-exp chain over some axes:
/// `m = ReduceMax x` (kept dims), `d = x − m` and `l = Log(ReduceSum Exp d)`.
/// The sum is at least 1 (the largest entry's exponential is 1), so the Log
/// table sees a bounded range, and Exp never overflows.
pub(crate) struct LogSumExp {
    /// `ReduceMax x`, reduced axes kept as size 1.
    pub max: Val,
    /// `x − max`.
    pub centred: Val,
    /// `Log(ReduceSum(Exp centred))`, with the reduced axes kept or dropped.
    pub log: Val,
}

/// Emits [`LogSumExp`]'s chain for node `n` over `axes`; `keepdims` applies
/// to the sum (and so to `log`), the max always keeps its dims so that it
/// broadcasts against `x`.
pub(crate) fn log_sum_exp(
    ctx: &mut Ctx,
    n: &NodeCtx,
    x: Val,
    axes: &[usize],
    keepdims: bool,
) -> Result<LogSumExp, OnnxError> {
    let max = ctx.emit(
        n.at(),
        &n.sub("max"),
        Op::ReduceMax {
            axes: axes.to_vec(),
            keepdims: true,
        },
        std::slice::from_ref(&x),
        &n.tmp("max"),
    )?;
    let centred = ctx.emit(
        n.at(),
        &n.sub("centre"),
        Op::Sub,
        &[x, max.clone()],
        &n.tmp("centre"),
    )?;
    let e = ctx.emit(
        n.at(),
        &n.sub("exp"),
        Op::Table(TableFn::Exp),
        std::slice::from_ref(&centred),
        &n.tmp("exp"),
    )?;
    let s = ctx.emit(
        n.at(),
        &n.sub("sum"),
        Op::ReduceSum {
            axes: axes.to_vec(),
            keepdims,
        },
        &[e],
        &n.tmp("sum"),
    )?;
    let log = ctx.emit(
        n.at(),
        &n.sub("log"),
        Op::Table(TableFn::Log),
        &[s],
        &n.tmp("log"),
    )?;
    Ok(LogSumExp { max, centred, log })
}

/// LogSoftmax along one axis: `y = d − Log(Σ Exp d)` with `d = x − max x`
/// ([`log_sum_exp`]). Before opset 13 the input is coerced to 2-D at `axis`
/// (default 1), as for Softmax ([`SoftmaxAxis`]).
pub fn log_softmax(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let a = SoftmaxAxis::read(ctx, n)?;
    let lse = log_sum_exp(ctx, n, a.x.clone(), &[a.axis], true)?;
    let out = a.out_name(n, "logsoftmax");
    let y = ctx.emit(n.at(), &n.name, Op::Sub, &[lse.centred, lse.log], &out)?;
    a.finish(ctx, n, y)
}
