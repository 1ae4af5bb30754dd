//! LRN (local response normalization across channels, opset 1+):
//!
//! ```text
//! y[n, c, …] = x[n, c, …] · (bias + alpha/size · Σ_{c' ∈ window(c)} x[n, c', …]²)^(−beta)
//! window(c) = [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉] ∩ [0, C)
//! ```
//!
//! Lowered onto existing IR ops: `x·x`; the channel-window mean as a 2-D
//! AveragePool with a `(size, 1)` kernel over `[N, 1, C, Π spatial]`
//! (`count_include_pad`, so the divisor is always `size`); `·alpha + bias`;
//! the table function `t^(−beta)`; a product with `x`. Defaults: `alpha`
//! 1e-4, `beta` 0.75, `bias` 1; `size` is required.

use ndarray::{ArrayD, IxDyn};
use zkml_core::ops::{Pool, TableFn};
use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

fn scalar(v: f32) -> Val {
    Val::konst(Konst::float(ArrayD::from_elem(IxDyn(&[]), f64::from(v))))
}

/// LRN on an `[N, C, …]` input.
pub fn lrn(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let xs = ctx.shape(&x);
    if xs.len() < 3 {
        return Err(n.err(format!(
            "the input must be [N, C, …] with at least one spatial axis, got shape {xs:?}"
        )));
    }
    let size = n
        .opt_int("size")?
        .ok_or_else(|| n.attr_err("size", "is required"))?;
    let size = usize::try_from(size)
        .ok()
        .filter(|&s| s >= 1)
        .ok_or_else(|| n.attr_err("size", format!("must be ≥ 1, got {size}")))?;
    let (alpha, beta, bias) = (
        n.float("alpha", 1e-4)?,
        n.float("beta", 0.75)?,
        n.float("bias", 1.0)?,
    );
    if !(bias > 0.0 && bias.is_finite() && alpha >= 0.0 && alpha.is_finite() && beta.is_finite()) {
        return Err(n.attr_err(
            "bias",
            format!(
                "needs bias > 0 and finite alpha ≥ 0, beta (the base must stay positive); got \
                 bias {bias}, alpha {alpha}, beta {beta}"
            ),
        ));
    }
    let (nb, c) = (xs[0], xs[1]);
    let s: usize = xs[2..].iter().product();
    let sq = ctx.emit(
        n.at(),
        &n.sub("sq"),
        Op::Mul,
        &[x.clone(), x.clone()],
        &n.tmp("sq"),
    )?;
    let lanes = ctx.emit(
        n.at(),
        &n.sub("lanes"),
        Op::Reshape {
            shape: vec![nb, 1, c, s],
        },
        &[sq],
        &n.tmp("lanes"),
    )?;
    let pool = Op::AveragePool(Pool {
        kernel: [size, 1],
        strides: [1, 1],
        pads: [(size - 1) / 2, 0, size / 2, 0],
        dilations: [1, 1],
        ceil_mode: false,
        count_include_pad: true,
    });
    let mean = ctx.emit(n.at(), &n.sub("window"), pool, &[lanes], &n.tmp("window"))?;
    let mean = ctx.emit(
        n.at(),
        &n.sub("unlanes"),
        Op::Reshape { shape: xs.clone() },
        &[mean],
        &n.tmp("unlanes"),
    )?;
    let scaled = ctx.emit(
        n.at(),
        &n.sub("alpha"),
        Op::Mul,
        &[mean, scalar(alpha)],
        &n.tmp("alpha"),
    )?;
    let base = ctx.emit(
        n.at(),
        &n.sub("bias"),
        Op::Add,
        &[scaled, scalar(bias)],
        &n.tmp("base"),
    )?;
    let inv = ctx.emit(
        n.at(),
        &n.sub("pow"),
        Op::Table(TableFn::Pow { exponent: -beta }),
        &[base],
        &n.tmp("pow"),
    )?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Mul,
        &[x, inv],
        n.out(0),
    )?])
}
