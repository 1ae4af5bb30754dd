//! Gather with constant indices (on a run-time input an index map); with
//! run-time indices a run-time gather (`ops::movement::gather_dyn`).

use ndarray::{ArrayD, Axis, IxDyn};

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::norm_axis;
use crate::ops::shape::by_index_map;
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// Gather, `axis` defaulting to 0, negative indices allowed; the indices
/// must be constant. Folded on a constant input, else one index-map node.
pub fn gather(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let data = n.input(0)?.clone();
    if let Some(Val::Dyn(_)) = n.opt_input(1) {
        let rank = ctx.shape(&data).len();
        let raw = n.int("axis", 0)?;
        let axis = norm_axis(raw, rank)
            .ok_or_else(|| n.attr_err("axis", format!("{raw} out of range for rank {rank}")))?;
        let idx = n.input(1)?.clone();
        return crate::ops::movement::gather_dyn::gather(ctx, n, data, idx, axis);
    }
    let Some(idx) = n.const_input(1, "indices")? else {
        return Err(n.err("input 1 (indices) is required"));
    };
    let rank = ctx.shape(&data).len();
    let raw = n.int("axis", 0)?;
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("{raw} out of range for rank {rank}")))?;
    let dim = ctx.shape(&data)[axis];
    let indices = idx
        .to_i64()
        .iter()
        .map(|&i| {
            let j = if i < 0 { i + dim as i64 } else { i };
            usize::try_from(j).ok().filter(|&j| j < dim).ok_or_else(|| {
                n.err(format!(
                    "index {i} out of range for axis {axis} of size {dim}"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let apply = |data: &Konst| -> Result<Konst, OnnxError> {
        let picked = data.t.select(Axis(axis), &indices);
        let mut shape = data.shape()[..axis].to_vec();
        shape.extend_from_slice(idx.shape());
        shape.extend_from_slice(&data.shape()[axis + 1..]);
        let flat: Vec<f64> = picked.iter().copied().collect();
        let t = ArrayD::from_shape_vec(IxDyn(&shape), flat).map_err(|e| n.err(e.to_string()))?;
        Ok(Konst {
            t,
            dtype: data.dtype,
        })
    };
    Ok(vec![by_index_map(ctx, n, &data, &n.name, n.out(0), apply)?])
}
