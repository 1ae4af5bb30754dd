//! Conv.

use zkml_core::ops::Conv;
use zkml_core::Op;

use super::volume;
use super::window::{reshape, window};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// Conv, 2-D natively; 1-D through a height-1 2-D convolution; 3-D through
/// one 2-D convolution over the depth taps stacked as channels ([`volume`]).
pub fn conv(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let (x, w) = (n.input(0)?.clone(), n.input(1)?.clone());
    let b = n.opt_input(2).cloned();
    let (xs, ws) = (ctx.shape(&x), ctx.shape(&w));
    if !matches!(xs.len(), 3..=5) || ws.len() != xs.len() {
        return Err(n.err(format!(
            "only 1-D, 2-D and 3-D convolutions are supported (input and weight of rank 3, 4 or \
             5), got input {xs:?} and weight {ws:?}"
        )));
    }
    let d = xs.len() - 2;
    let kernel = n
        .usizes("kernel_shape", d)?
        .unwrap_or_else(|| ws[2..].to_vec());
    if kernel != ws[2..] {
        return Err(n.attr_err(
            "kernel_shape",
            format!(
                "{kernel:?} differs from the weight's spatial shape {:?}",
                &ws[2..]
            ),
        ));
    }
    let win = window(n, &xs[2..], kernel)?;
    let group = n.int("group", 1)?;
    let group = usize::try_from(group)
        .ok()
        .filter(|&g| g >= 1)
        .ok_or_else(|| n.attr_err("group", format!("must be ≥ 1, got {group}")))?;
    if d == 3 {
        return volume::conv3d(ctx, n, (x, w, b), &win, group);
    }
    let lift = |v: &[usize]| if d == 1 { vec![1, v[0]] } else { v.to_vec() };
    let pads = if d == 1 {
        [0, win.pads[0], 0, win.pads[1]]
    } else {
        [win.pads[0], win.pads[1], win.pads[2], win.pads[3]]
    };
    let to2 = |v: Vec<usize>| [v[0], v[1]];
    let op = Op::Conv(Conv {
        kernel: to2(lift(&win.kernel)),
        strides: to2(lift(&win.strides)),
        pads,
        dilations: to2(lift(&win.dilations)),
        group,
    });
    let mut inputs = if d == 1 {
        let x = reshape(
            ctx,
            n,
            x,
            vec![xs[0], xs[1], 1, xs[2]],
            "x2d",
            &n.tmp("x2d"),
        )?;
        let w = reshape(
            ctx,
            n,
            w,
            vec![ws[0], ws[1], 1, ws[2]],
            "w2d",
            &n.tmp("w2d"),
        )?;
        vec![x, w]
    } else {
        vec![x, w]
    };
    inputs.extend(b);
    if d == 2 {
        return Ok(vec![ctx.emit(n.at(), &n.name, op, &inputs, n.out(0))?]);
    }
    let y = ctx.emit(n.at(), &n.name, op, &inputs, &n.tmp("conv2d"))?;
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
