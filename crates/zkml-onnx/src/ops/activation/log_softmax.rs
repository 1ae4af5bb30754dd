//! LogSoftmax.

use zkml_core::{ops::TableFn, Op};

use super::SoftmaxAxis;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// LogSoftmax along one axis: `d = x − max x`, `y = d − Log(Σ Exp d)`
/// (ReduceMax, Sub, the Exp and Log tables, ReduceSum; the sum is at least 1,
/// so the Log table sees a bounded range). Before opset 13 the input is
/// coerced to 2-D at `axis` (default 1), as for Softmax ([`SoftmaxAxis`]).
pub fn log_softmax(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let a = SoftmaxAxis::read(ctx, n)?;
    let (x, axis) = (a.x.clone(), a.axis);
    let axes = vec![axis];
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
    let d = ctx.emit(n.at(), &n.sub("centre"), Op::Sub, &[x, m], &n.tmp("centre"))?;
    let e = ctx.emit(
        n.at(),
        &n.sub("exp"),
        Op::Table(TableFn::Exp),
        std::slice::from_ref(&d),
        &n.tmp("exp"),
    )?;
    let s = ctx.emit(
        n.at(),
        &n.sub("sum"),
        Op::ReduceSum {
            axes,
            keepdims: true,
        },
        &[e],
        &n.tmp("sum"),
    )?;
    let l = ctx.emit(
        n.at(),
        &n.sub("log"),
        Op::Table(TableFn::Log),
        &[s],
        &n.tmp("log"),
    )?;
    let out = a.out_name(n, "logsoftmax");
    let y = ctx.emit(n.at(), &n.name, Op::Sub, &[d, l], &out)?;
    a.finish(ctx, n, y)
}
