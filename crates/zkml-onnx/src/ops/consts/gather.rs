//! Gather (constant inputs).

use ndarray::{ArrayD, Axis, IxDyn};

use super::{consts, req};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::norm_axis;
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// Gather on constants, `axis` defaulting to 0, negative indices allowed.
pub fn gather(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let ks = consts(n)?;
    let (data, idx) = (req(n, &ks, 0)?, req(n, &ks, 1)?);
    let rank = data.shape().len();
    let raw = n.int("axis", 0)?;
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("{raw} out of range for rank {rank}")))?;
    let dim = data.shape()[axis];
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
    let picked = data.t.select(Axis(axis), &indices);
    let mut shape = data.shape()[..axis].to_vec();
    shape.extend_from_slice(idx.shape());
    shape.extend_from_slice(&data.shape()[axis + 1..]);
    let flat: Vec<f64> = picked.iter().copied().collect();
    let t = ArrayD::from_shape_vec(IxDyn(&shape), flat).map_err(|e| n.err(e.to_string()))?;
    Ok(vec![Val::konst(Konst {
        t,
        dtype: data.dtype,
    })])
}
