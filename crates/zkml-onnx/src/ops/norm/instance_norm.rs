//! InstanceNormalization.

use ndarray::IxDyn;

use super::{affine, epsilon, standardize};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// Per-channel `[C]` constant reshaped to `[C, 1, …]` for a rank-`rank` input.
pub(super) fn per_channel(
    n: &NodeCtx,
    i: usize,
    what: &str,
    c: usize,
    rank: usize,
) -> Result<Val, OnnxError> {
    let k = n
        .const_input(i, what)?
        .ok_or_else(|| n.err(format!("input {i} ({what}) is required")))?;
    if k.t.len() != c {
        return Err(n.err(format!(
            "input {i} ({what}) has shape {:?}, expected [{c}]",
            k.shape()
        )));
    }
    let mut shape = vec![c];
    shape.resize(rank - 1, 1);
    let t =
        k.t.clone()
            .into_shape_with_order(IxDyn(&shape))
            .expect("c elements");
    Ok(Val::konst(Konst::float(t)))
}

/// InstanceNormalization: standardize each (sample, channel) over the
/// spatial axes `2..rank` (ε default 1e-5), then per-channel scale and B.
pub fn instance_norm(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let shape = ctx.shape(&x);
    let rank = shape.len();
    if rank < 3 {
        return Err(n.err(format!(
            "input must have rank ≥ 3 (N, C, D1, …), got {shape:?}"
        )));
    }
    let eps = epsilon(n)?;
    let scale = per_channel(n, 1, "scale", shape[1], rank)?;
    let bias = per_channel(n, 2, "B", shape[1], rank)?;
    let y = standardize(ctx, n, x, (2..rank).collect(), eps, false)?;
    Ok(vec![affine(ctx, n, y, Some(scale), Some(bias))?])
}
