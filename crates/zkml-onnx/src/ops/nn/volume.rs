//! 3-D Conv, MaxPool and AveragePool (an `[N, C, D, H, W]` input), lowered
//! onto the 2-D IR ops, so every backend that proves those proves these.
//!
//! **Conv.** Output depth `od` sums, over the kernel's depth taps `kd`, a 2-D
//! convolution of input depth slice `od·sD + kd·dD − padD_begin` with weight
//! slice `kd`. Stacking the taps as channels makes that one 2-D convolution:
//!
//! ```text
//! xp = x zero-padded along D                        [N, C, Dp, H, W]
//! X'[n·oD + od, c·KD + kd, h, w] = xp[n, c, od·sD + kd·dD, h, w]   (index map)
//! W' = reshape(W, [M, C/g, KD·kH, kW] → [M, (C/g)·KD, kH, kW])      (c·KD + kd)
//! Y' = Conv2d(X', W', B)  (kH, kW strides, pads, dilations; same groups)
//! Y[n, m, od, oh, ow] = Y'[n·oD + od, m, oh, ow]                      (index map)
//! ```
//!
//! Groups stay contiguous (group `g`'s channels `c` map to `c·KD + kd`), so
//! `group` carries over. The multiply-accumulates are exactly the 3-D
//! convolution's; `X'` repeats each input value `≈ KD / sD` times.
//!
//! **Pools.** A box window is a product of per-axis intervals, so both pools
//! separate: pool `(H, W)` on every depth slice (`[N, C·D, H, W]`), then pool
//! depth with a `(kD, 1)` window over `[N, C, D, oH·oW]`. For the max this is
//! exact; for the average the divisor (in-range, or with
//! `count_include_pad` in-pad, positions) is the product of the per-axis
//! counts, so the mean of the slice means is the box mean (the integer
//! executor rounds twice, each within half a unit; both steps' rounding is in
//! the error bound). `ceil_mode` applies per axis as in 2-D.

use zkml_core::ops::{Conv, IndexMap, Pool};
use zkml_core::Op;

use super::window::{reshape, Window};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// 3-D Conv of `x` `[N, C, D, H, W]` by `w` `[M, C/g, KD, KH, KW]`.
pub fn conv3d(
    ctx: &mut Ctx,
    n: &NodeCtx,
    (x, w, b): (Val, Val, Option<Val>),
    win: &Window,
    group: usize,
) -> Result<Vec<Val>, OnnxError> {
    let (xs, ws) = (ctx.shape(&x), ctx.shape(&w));
    let (nb, c, d, h, wd) = (xs[0], xs[1], xs[2], xs[3], xs[4]);
    let (kd, sd, dd) = (win.kernel[0], win.strides[0], win.dilations[0]);
    let (pd0, pd1) = (win.pads[0], win.pads[3]);
    let dp = d + pd0 + pd1;
    let span = (kd - 1) * dd + 1;
    if dp < span {
        return Err(n.err(format!(
            "the kernel's depth span {span} exceeds the padded input depth {dp}"
        )));
    }
    let od = (dp - span) / sd + 1;
    let x = if pd0 + pd1 > 0 {
        let pad = Op::Pad {
            pads: vec![0, 0, pd0, 0, 0, 0, 0, pd1, 0, 0],
            value: 0.0,
        };
        ctx.emit(n.at(), &n.sub("pad_d"), pad, &[x], &n.tmp("pad_d"))?
    } else {
        x
    };
    // X'[n·oD + od, c·KD + k, h, w] = xp[n, c, od·sD + k·dD, h, w].
    let plane = h * wd;
    let mut index = Vec::with_capacity(nb * od * c * kd * plane);
    for ni in 0..nb {
        for o in 0..od {
            for ci in 0..c {
                for k in 0..kd {
                    let z = o * sd + k * dd;
                    let base = ((ni * c + ci) * dp + z) * plane;
                    index.extend(base..base + plane);
                }
            }
        }
    }
    let taps = Op::Gather(IndexMap {
        shape: vec![nb * od, c * kd, h, wd],
        index,
    });
    let x2 = ctx.emit(n.at(), &n.sub("taps"), taps, &[x], &n.tmp("taps"))?;
    let w2 = reshape(
        ctx,
        n,
        w,
        vec![ws[0], ws[1] * kd, ws[3], ws[4]],
        "w_taps",
        &n.tmp("w_taps"),
    )?;
    let op = Op::Conv(Conv {
        kernel: [win.kernel[1], win.kernel[2]],
        strides: [win.strides[1], win.strides[2]],
        pads: [win.pads[1], win.pads[2], win.pads[4], win.pads[5]],
        dilations: [win.dilations[1], win.dilations[2]],
        group,
    });
    let mut inputs = vec![x2, w2];
    inputs.extend(b);
    let y2 = ctx.emit(n.at(), &n.name, op, &inputs, &n.tmp("conv2d"))?;
    let ys = ctx.shape(&y2);
    let (m, oh, ow) = (ys[1], ys[2], ys[3]);
    // Y[n, m, od, ·] = Y'[n·oD + od, m, ·].
    let oplane = oh * ow;
    let mut index = Vec::with_capacity(nb * m * od * oplane);
    for ni in 0..nb {
        for mi in 0..m {
            for o in 0..od {
                let base = ((ni * od + o) * m + mi) * oplane;
                index.extend(base..base + oplane);
            }
        }
    }
    let back = Op::Gather(IndexMap {
        shape: vec![nb, m, od, oh, ow],
        index,
    });
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("y3d"),
        back,
        &[y2],
        n.out(0),
    )?])
}

/// 3-D MaxPool (`max`) or AveragePool of `x` `[N, C, D, H, W]`.
pub fn pool3d(
    ctx: &mut Ctx,
    n: &NodeCtx,
    x: Val,
    win: &Window,
    (max, ceil_mode, count_include_pad): (bool, bool, bool),
) -> Result<Vec<Val>, OnnxError> {
    let xs = ctx.shape(&x);
    let (nb, c, d) = (xs[0], xs[1], xs[2]);
    let make = |p: Pool| {
        if max {
            Op::MaxPool(p)
        } else {
            Op::AveragePool(p)
        }
    };
    let hw = make(Pool {
        kernel: [win.kernel[1], win.kernel[2]],
        strides: [win.strides[1], win.strides[2]],
        pads: [win.pads[1], win.pads[2], win.pads[4], win.pads[5]],
        dilations: [win.dilations[1], win.dilations[2]],
        ceil_mode,
        count_include_pad,
    });
    let depth = make(Pool {
        kernel: [win.kernel[0], 1],
        strides: [win.strides[0], 1],
        pads: [win.pads[0], 0, win.pads[3], 0],
        dilations: [win.dilations[0], 1],
        ceil_mode,
        count_include_pad,
    });
    let x = reshape(
        ctx,
        n,
        x,
        vec![nb, c * d, xs[3], xs[4]],
        "slices",
        &n.tmp("slices"),
    )?;
    let y = ctx.emit(n.at(), &n.sub("pool_hw"), hw, &[x], &n.tmp("pool_hw"))?;
    let ys = ctx.shape(&y);
    let (oh, ow) = (ys[2], ys[3]);
    let y = reshape(ctx, n, y, vec![nb, c, d, oh * ow], "depth", &n.tmp("depth"))?;
    let y = ctx.emit(n.at(), &n.name, depth, &[y], &n.tmp("pool_d"))?;
    let od = ctx.shape(&y)[2];
    Ok(vec![reshape(
        ctx,
        n,
        y,
        vec![nb, c, od, oh, ow],
        "y3d",
        n.out(0),
    )?])
}
