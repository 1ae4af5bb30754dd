//! Tile: an index map.

use ndarray::{ArrayD, IxDyn};

use super::by_index_map;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::{checked_shape, Konst};

/// Tile by the constant `repeats` (input 1, one per axis).
pub fn tile(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let shape = ctx.shape(&x);
    let reps = n
        .const_input(1, "repeats")?
        .ok_or_else(|| n.err("input 1 (repeats) is required"))?
        .to_i64();
    if reps.len() != shape.len() || reps.iter().any(|&r| r < 0) {
        return Err(n.err(format!(
            "repeats {reps:?} must be {} non-negative values",
            shape.len()
        )));
    }
    let out: Vec<i64> = shape
        .iter()
        .zip(&reps)
        .map(|(&d, &r)| (d as i64).saturating_mul(r))
        .collect();
    let (out, _) = checked_shape(&out, n.out(0))?;
    let apply = |k: &Konst| -> Result<Konst, OnnxError> {
        let src = k.t.as_standard_layout();
        let t = ArrayD::from_shape_fn(IxDyn(&out), |ix| {
            let at: Vec<usize> = (0..shape.len()).map(|d| ix[d] % shape[d]).collect();
            src[IxDyn(&at)]
        });
        Ok(Konst { t, dtype: k.dtype })
    };
    Ok(vec![by_index_map(ctx, n, &x, &n.name, n.out(0), apply)?])
}
