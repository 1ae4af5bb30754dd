//! MaxPool and AveragePool.

use zkml_core::ops::Pool;
use zkml_core::Op;

use super::volume;
use super::window::{reshape, window};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// MaxPool / AveragePool, 2-D natively; 1-D through a height-1 2-D pool; 3-D
/// as a 2-D pool of each depth slice, then a pool along depth ([`volume`]).
pub fn pool(ctx: &mut Ctx, n: &NodeCtx, max: bool) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let xs = ctx.shape(&x);
    if !matches!(xs.len(), 3..=5) {
        return Err(n.err(format!(
            "only 1-D, 2-D and 3-D pooling (a 3-D NCL, 4-D NCHW or 5-D NCDHW input) is \
             supported, got input shape {xs:?}"
        )));
    }
    if max {
        n.only_outputs(ctx, 1, "Indices")?;
    }
    let d = xs.len() - 2;
    let kernel = n
        .usizes("kernel_shape", d)?
        .ok_or_else(|| n.attr_err("kernel_shape", "is required"))?;
    let win = window(n, &xs[2..], kernel)?;
    let (ceil_mode, count_include_pad) = (
        n.int("ceil_mode", 0)? != 0,
        n.int("count_include_pad", 0)? != 0,
    );
    if d == 3 {
        return volume::pool3d(ctx, n, x, &win, (max, ceil_mode, count_include_pad));
    }
    let lift = |v: &[usize]| if d == 1 { [1, v[0]] } else { [v[0], v[1]] };
    let pool = Pool {
        kernel: lift(&win.kernel),
        strides: lift(&win.strides),
        pads: if d == 1 {
            [0, win.pads[0], 0, win.pads[1]]
        } else {
            [win.pads[0], win.pads[1], win.pads[2], win.pads[3]]
        },
        dilations: lift(&win.dilations),
        ceil_mode,
        count_include_pad,
    };
    let op = if max {
        Op::MaxPool(pool)
    } else {
        Op::AveragePool(pool)
    };
    if d == 2 {
        return Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?]);
    }
    let x = reshape(
        ctx,
        n,
        x,
        vec![xs[0], xs[1], 1, xs[2]],
        "x2d",
        &n.tmp("x2d"),
    )?;
    let y = ctx.emit(n.at(), &n.name, op, &[x], &n.tmp("pool2d"))?;
    let ys = ctx.shape(&y);
    Ok(vec![reshape(
        ctx,
        n,
        y,
        vec![ys[0], ys[1], ys[3]],
        "y1d",
        n.out(0),
    )?])
}
