//! MeanVarianceNormalization.

use super::standardize;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// The ε of ONNX's MeanVarianceNormalization function body (added to the
/// standard deviation there, to the variance here: the same to within 1e-9).
const MVN_EPSILON: f32 = 1e-9;

/// MeanVarianceNormalization: standardize over `axes` (default `[0, 2, 3]`).
pub fn mvn(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    let axes = match n.axes(i64::MAX, 1, rank)? {
        Some(a) if !a.is_empty() => a,
        _ if rank >= 4 => vec![0, 2, 3],
        _ => {
            return Err(n.attr_err(
                "axes",
                format!("the default axes [0, 2, 3] need rank ≥ 4, got rank {rank}"),
            ))
        }
    };
    Ok(vec![standardize(ctx, n, x, axes, MVN_EPSILON, true)?])
}
