//! LayerNormalization.

use super::{affine, epsilon, standardize};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::{norm_axis, NodeCtx};

/// LayerNormalization (opset 17): standardize over axes `axis..rank`
/// (`axis` default −1, ε default 1e-5), then `· Scale + B` (numpy
/// broadcasting; B optional). The Mean and InvStdDev outputs are refused
/// when used.
pub fn layer_norm(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    n.only_outputs(ctx, 1, "Mean / InvStdDev")?;
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    let raw = n.int("axis", -1)?;
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("axis {raw} out of range for rank {rank}")))?;
    let eps = epsilon(n)?;
    let scale = n.input(1)?.clone();
    let bias = n.opt_input(2).cloned();
    let y = standardize(ctx, n, x, (axis..rank).collect(), eps, false)?;
    Ok(vec![affine(ctx, n, y, Some(scale), bias)?])
}
