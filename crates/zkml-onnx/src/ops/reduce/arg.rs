//! ArgMax, ArgMin and TopK.

use zkml_core::ops::{Arg, TopK};
use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::{norm_axis, NodeCtx};

/// ArgMax / ArgMin: `axis` (default 0), `keepdims` (default 1),
/// `select_last_index` (opset 12, default 0).
pub fn arg(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    let raw = n.int("axis", 0)?;
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("{raw} out of range for rank {rank}")))?;
    let op = Op::Arg(Arg {
        axis,
        keepdims: n.int("keepdims", 1)? != 0,
        largest: n.op() == "ArgMax",
        last: n.int("select_last_index", 0)? != 0,
    });
    Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?])
}

/// TopK: `k` a constant input (opset 10) or attribute (opset 1), `axis`
/// (default −1), `largest` and `sorted` (opset 11, default 1; sorted output
/// is always produced). The IR's nodes have one output, so the node becomes
/// a values node and an indices node over the same input.
pub fn top_k(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let shape = ctx.shape(&x);
    let raw = n.int("axis", -1)?;
    let axis = norm_axis(raw, shape.len()).ok_or_else(|| {
        n.attr_err(
            "axis",
            format!("{raw} out of range for rank {}", shape.len()),
        )
    })?;
    let k = if n.opset >= 10 {
        let kk = n
            .const_input(1, "K")?
            .ok_or_else(|| n.err("input 1 (K) is required"))?
            .to_i64();
        match kk.as_slice() {
            [k] => *k,
            other => return Err(n.err(format!("K must hold one value, got {other:?}"))),
        }
    } else {
        n.opt_int("k")?
            .ok_or_else(|| n.attr_err("k", "required before opset 10"))?
    };
    let k = usize::try_from(k).map_err(|_| n.err(format!("K = {k} is negative")))?;
    let largest = n.int("largest", 1)? != 0;
    let mut outs = Vec::with_capacity(2);
    for (i, indices) in [(0, false), (1, true)] {
        let op = Op::TopK(TopK {
            axis,
            k,
            largest,
            indices,
        });
        let name = if indices {
            n.sub("indices")
        } else {
            n.name.clone()
        };
        let out = match n.out(i) {
            "" => n.tmp(if indices { "indices" } else { "values" }),
            o => o.to_string(),
        };
        outs.push(ctx.emit(n.at(), &name, op, std::slice::from_ref(&x), &out)?);
    }
    Ok(outs)
}
