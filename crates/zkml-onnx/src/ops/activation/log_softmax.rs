//! LogSoftmax.

use zkml_core::{ops::TableFn, Op};

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::{norm_axis, NodeCtx};

/// LogSoftmax along one axis: `d = x − max x`, `y = d − Log(Σ Exp d)`
/// (ReduceMax, Sub, the Exp and Log tables, ReduceSum; the sum is at least 1,
/// so the Log table sees a bounded range). Before opset 13 the input is
/// coerced to 2-D at `axis` (default 1), as for Softmax.
pub fn log_softmax(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let shape = ctx.shape(&x);
    let rank = shape.len();
    let legacy = n.opset < 13;
    let raw = n.int("axis", if legacy { 1 } else { -1 })?;
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("axis {raw} out of range for rank {rank}")))?;
    let coerce = legacy && axis + 1 != rank;
    let (x, axis) = if coerce {
        let outer: usize = shape[..axis].iter().product();
        let inner: usize = shape[axis..].iter().product();
        let flat = ctx.emit(
            n.at(),
            &n.sub("to2d"),
            Op::Reshape {
                shape: vec![outer, inner],
            },
            &[x],
            &n.tmp("to2d"),
        )?;
        (flat, 1)
    } else {
        (x, axis)
    };
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
    let out = if coerce {
        n.tmp("logsoftmax")
    } else {
        n.out(0).to_string()
    };
    let y = ctx.emit(n.at(), &n.name, Op::Sub, &[d, l], &out)?;
    if !coerce {
        return Ok(vec![y]);
    }
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("back"),
        Op::Reshape { shape },
        &[y],
        n.out(0),
    )?])
}
