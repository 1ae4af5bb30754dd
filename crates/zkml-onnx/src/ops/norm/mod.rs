//! Normalizations on the exact standardization op (`Op::Standardize`) and
//! the run-time division (`Op::Div`): LayerNormalization,
//! InstanceNormalization, GroupNormalization, MeanVarianceNormalization,
//! LpNormalization; LRN (a channel-window AveragePool and a Pow table).

mod group_norm;
mod instance_norm;
mod layer_norm;
mod lp_norm;
mod lrn;
mod mvn;

use zkml_core::Op;

use super::{NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("LayerNormalization", layer_norm::layer_norm);
    r.insert("InstanceNormalization", instance_norm::instance_norm);
    r.insert("GroupNormalization", group_norm::group_norm);
    r.insert("MeanVarianceNormalization", mvn::mvn);
    r.insert("LpNormalization", lp_norm::lp_norm);
    r.insert("LRN", lrn::lrn);
}

/// ε from the `epsilon` attribute (default `1e-5`), refused when negative or
/// not finite.
fn epsilon(n: &NodeCtx) -> Result<f32, OnnxError> {
    let e = n.float("epsilon", 1e-5)?;
    if !e.is_finite() || e < 0.0 {
        return Err(n.attr_err("epsilon", format!("{e} must be finite and ≥ 0")));
    }
    Ok(e)
}

/// `y·scale + bias` (either optional), named so that the last op writes
/// output 0; `y` itself when both are absent.
fn affine(
    ctx: &mut Ctx,
    n: &NodeCtx,
    y: Val,
    scale: Option<Val>,
    bias: Option<Val>,
) -> Result<Val, OnnxError> {
    let mut y = y;
    if let Some(s) = scale {
        let out = if bias.is_some() {
            n.tmp("scaled")
        } else {
            n.out(0).to_string()
        };
        y = ctx.emit(n.at(), &n.sub("scale"), Op::Mul, &[y, s], &out)?;
    }
    if let Some(b) = bias {
        y = ctx.emit(n.at(), &n.sub("bias"), Op::Add, &[y, b], n.out(0))?;
    }
    Ok(y)
}

/// `x` standardized over `axes`, named as output 0 when `last`.
fn standardize(
    ctx: &mut Ctx,
    n: &NodeCtx,
    x: Val,
    axes: Vec<usize>,
    epsilon: f32,
    last: bool,
) -> Result<Val, OnnxError> {
    let out = if last {
        n.out(0).to_string()
    } else {
        n.tmp("standardized")
    };
    ctx.emit(
        n.at(),
        &n.name,
        Op::Standardize { axes, epsilon },
        &[x],
        &out,
    )
}
