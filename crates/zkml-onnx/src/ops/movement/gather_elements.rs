//! GatherElements and GatherND with constant indices: index maps.
//!
//! GatherElements with run-time indices, and GatherND with run-time indices
//! whose tuples have one element, are run-time gathers
//! ([`super::gather_dyn`]); GatherND with longer run-time tuples is refused.

use ndarray::{ArrayD, Dimension, IxDyn};

use super::{norm_index, select_or_fill};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::{norm_axis, NodeCtx};
use crate::tensor::Konst;

fn indices<'a>(n: &'a NodeCtx) -> Result<&'a Konst, OnnxError> {
    n.const_input(1, "indices")?
        .ok_or_else(|| n.err("input 1 (indices) is required"))
}

/// GatherElements: `y[ix] = data[ix with ix[axis] = indices[ix]]`.
pub fn gather_elements(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let data = n.input(0)?.clone();
    let ds = ctx.shape(&data);
    let rank = ds.len();
    let raw = n.int("axis", 0)?;
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("{raw} out of range for rank {rank}")))?;
    if let Some(Val::Dyn(_)) = n.opt_input(1) {
        let idx = n.input(1)?.clone();
        return super::gather_dyn::gather_elements(ctx, n, data, idx, axis);
    }
    let idx = indices(n)?;
    let is = idx.shape().to_vec();
    if is.len() != rank || (0..rank).any(|a| a != axis && is[a] > ds[a]) {
        return Err(n.err(format!(
            "indices of shape {is:?} do not fit data of shape {ds:?} on axis {axis}"
        )));
    }
    let iv: Vec<usize> = idx
        .to_i64()
        .iter()
        .map(|&i| norm_index(n, i, ds[axis], "index"))
        .collect::<Result<_, _>>()?;
    let f = |t: &ArrayD<f64>, _: f64| -> Result<ArrayD<f64>, OnnxError> {
        let mut out = Vec::with_capacity(iv.len());
        for (k, ix) in ndarray::indices(IxDyn(&is)).into_iter().enumerate() {
            let mut src = ix.clone();
            src[axis] = iv[k];
            out.push(t[&src]);
        }
        ArrayD::from_shape_vec(IxDyn(&is), out).map_err(|e| n.err(e.to_string()))
    };
    Ok(vec![select_or_fill(ctx, n, &data, 0.0, n.out(0), f)?])
}

/// GatherND (`batch_dims`): each index tuple of the last axis of `indices`
/// selects a slice of `data`.
pub fn gather_nd(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let data = n.input(0)?.clone();
    let ds = ctx.shape(&data);
    if let Some(Val::Dyn(_)) = n.opt_input(1) {
        let idx = n.input(1)?.clone();
        let b = usize::try_from(n.int("batch_dims", 0)?)
            .map_err(|_| n.attr_err("batch_dims", "must be ≥ 0"))?;
        return super::gather_dyn::gather_nd(ctx, n, data, idx, b);
    }
    let idx = indices(n)?;
    let is = idx.shape().to_vec();
    let b = usize::try_from(n.int("batch_dims", 0)?)
        .map_err(|_| n.attr_err("batch_dims", "must be ≥ 0"))?;
    let q = is.len();
    let m = *is
        .last()
        .ok_or_else(|| n.err("indices must have rank ≥ 1"))?;
    if b >= q || b + m > ds.len() || m == 0 || (0..b).any(|a| is[a] != ds[a]) {
        return Err(n.err(format!(
            "indices of shape {is:?} (batch_dims {b}) do not fit data of shape {ds:?}"
        )));
    }
    let raw = idx.to_i64();
    let tuples: Vec<Vec<usize>> = raw
        .chunks(m)
        .map(|c| {
            c.iter()
                .enumerate()
                .map(|(j, &i)| norm_index(n, i, ds[b + j], "index"))
                .collect()
        })
        .collect::<Result<_, _>>()?;
    let mut out_shape = is[..q - 1].to_vec();
    out_shape.extend_from_slice(&ds[b + m..]);
    let rest: usize = ds[b + m..].iter().product();
    let f = |t: &ArrayD<f64>, _: f64| -> Result<ArrayD<f64>, OnnxError> {
        let mut out = Vec::with_capacity(tuples.len() * rest);
        for (p, ix) in ndarray::indices(IxDyn(&is[..q - 1]))
            .into_iter()
            .enumerate()
        {
            let mut src: Vec<usize> = (0..b).map(|a| ix[a]).collect();
            src.extend_from_slice(&tuples[p]);
            for r in ndarray::indices(IxDyn(&ds[b + m..])) {
                let mut full = src.clone();
                full.extend(r.as_array_view().iter());
                out.push(t[IxDyn(&full)]);
            }
        }
        ArrayD::from_shape_vec(IxDyn(&out_shape), out).map_err(|e| n.err(e.to_string()))
    };
    Ok(vec![select_or_fill(ctx, n, &data, 0.0, n.out(0), f)?])
}
