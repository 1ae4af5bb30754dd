//! GroupNormalization.

use ndarray::{ArrayD, IxDyn};
use zkml_core::Op;

use super::{affine, epsilon, standardize};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// GroupNormalization: `[N, C, …]` reshaped to `[N, G, C/G·…]`, standardized
/// over the last axis (ε default 1e-5), reshaped back, then per-channel scale
/// and bias. Opset 21 gives them per channel (`[C]`); opset 18 per group
/// (`[G]`, each repeated over its `C/G` channels).
pub fn group_norm(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let shape = ctx.shape(&x);
    let rank = shape.len();
    if rank < 2 {
        return Err(n.err(format!("input must have rank ≥ 2 (N, C, …), got {shape:?}")));
    }
    let c = shape[1];
    let g = n
        .opt_int("num_groups")?
        .ok_or_else(|| n.attr_err("num_groups", "is required"))?;
    let g = usize::try_from(g)
        .ok()
        .filter(|&g| g >= 1 && c.is_multiple_of(g))
        .ok_or_else(|| n.attr_err("num_groups", format!("{g} must divide the {c} channels")))?;
    let eps = epsilon(n)?;
    let rest: usize = shape[2..].iter().product();
    let grouped = ctx.emit(
        n.at(),
        &n.sub("group"),
        Op::Reshape {
            shape: vec![shape[0], g, c / g * rest],
        },
        &[x],
        &n.tmp("group"),
    )?;
    let y = standardize(ctx, n, grouped, vec![2], eps, false)?;
    let y = ctx.emit(
        n.at(),
        &n.sub("ungroup"),
        Op::Reshape {
            shape: shape.clone(),
        },
        &[y],
        &n.tmp("ungroup"),
    )?;
    let mut params = vec![];
    for (i, what) in [(1, "scale"), (2, "bias")] {
        let k = n
            .const_input(i, what)?
            .ok_or_else(|| n.err(format!("input {i} ({what}) is required")))?;
        let vals: Vec<f64> = match k.t.len() {
            l if l == c => k.t.iter().copied().collect(),
            l if l == g && n.opset < 21 => {
                k.t.iter()
                    .flat_map(|&v| std::iter::repeat_n(v, c / g))
                    .collect()
            }
            _ => {
                return Err(n.err(format!(
                    "input {i} ({what}) has shape {:?}, expected [{c}] (or [{g}] before opset 21)",
                    k.shape()
                )))
            }
        };
        let mut ps = vec![c];
        ps.resize(rank - 1, 1);
        let t = ArrayD::from_shape_vec(IxDyn(&ps), vals).expect("c elements");
        params.push(Val::konst(Konst::float(t)));
    }
    let bias = params.pop();
    let scale = params.pop();
    Ok(vec![affine(ctx, n, y, scale, bias)?])
}
