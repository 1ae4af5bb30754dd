//! ScatterElements (and the deprecated Scatter) and ScatterND with constant
//! indices and `reduction = none`: the output copies `data` except where an
//! index writes an element of `updates` (the last write wins), one index map
//! over `data` and `updates` flattened and concatenated. ScatterElements with
//! run-time indices or a reduction: [`super::scatter_dyn`].

use ndarray::{ArrayD, Dimension, IxDyn};
use zkml_core::Op;

use super::scatter_dyn::{self, Reduction};
use super::{norm_index, select_or_fill};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::{norm_axis, NodeCtx};

/// `data` and `updates` flattened and concatenated (positions `0..|data|`
/// then `|data|..`), and `|data|`.
fn joined(ctx: &mut Ctx, n: &NodeCtx) -> Result<(Val, usize), OnnxError> {
    let (data, upd) = (n.input(0)?.clone(), n.input(2)?.clone());
    let (nd, nu): (usize, usize) = (
        ctx.shape(&data).iter().product(),
        ctx.shape(&upd).iter().product(),
    );
    let fd = ctx.emit(
        n.at(),
        &n.sub("data"),
        Op::Reshape { shape: vec![nd] },
        &[data],
        &n.tmp("data"),
    )?;
    let fu = ctx.emit(
        n.at(),
        &n.sub("updates"),
        Op::Reshape { shape: vec![nu] },
        &[upd],
        &n.tmp("updates"),
    )?;
    let j = ctx.emit(
        n.at(),
        &n.sub("join"),
        Op::Concat { axis: 0 },
        &[fd, fu],
        &n.tmp("join"),
    )?;
    Ok((j, nd))
}

/// ScatterElements: `y[ix with ix[axis] = indices[ix]] = updates[ix]`. With
/// constant indices and no reduction, one index map; with run-time indices or
/// a reduction, the one-hot lowering of [`super::scatter_dyn`].
pub fn scatter_elements(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let red = scatter_dyn::reduction(n)?;
    let ds = ctx.shape(n.input(0)?);
    let us = ctx.shape(n.input(2)?);
    let rank = ds.len();
    let raw = n.int("axis", 0)?;
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("{raw} out of range for rank {rank}")))?;
    let idx = match n.input(1)?.as_const() {
        Some(k) if red == Reduction::None => k,
        _ => return scatter_dyn::scatter_elements(ctx, n, axis, red),
    };
    if idx.shape() != us.as_slice() || us.len() != rank {
        return Err(n.err(format!(
            "indices {:?} and updates {us:?} must have one shape, of the data's rank {rank}",
            idx.shape()
        )));
    }
    let iv: Vec<usize> = idx
        .to_i64()
        .iter()
        .map(|&i| norm_index(n, i, ds[axis], "index"))
        .collect::<Result<_, _>>()?;
    let (j, nd) = joined(ctx, n)?;
    let mut pos: ArrayD<usize> =
        ArrayD::from_shape_vec(IxDyn(&ds), (0..nd).collect()).map_err(|e| n.err(e.to_string()))?;
    for (k, ix) in ndarray::indices(IxDyn(&us)).into_iter().enumerate() {
        let mut dst = ix.clone();
        dst[axis] = iv[k];
        if (0..rank).any(|a| dst[a] >= ds[a]) {
            return Err(n.err(format!("update {ix:?} lands outside data {ds:?}")));
        }
        pos[&dst] = nd + k;
    }
    let f =
        |t: &ArrayD<f64>, _: f64| -> Result<ArrayD<f64>, OnnxError> { Ok(pos.mapv(|p| t[[p]])) };
    Ok(vec![select_or_fill(ctx, n, &j, 0.0, n.out(0), f)?])
}

/// ScatterND: `y[indices[p]…] = updates[p…]` for each index tuple `p`.
pub fn scatter_nd(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let red = scatter_dyn::reduction(n)?;
    let ds = ctx.shape(n.input(0)?);
    let us = ctx.shape(n.input(2)?);
    let idx = match n.input(1)?.as_const() {
        Some(k) if red == Reduction::None => k,
        _ => return scatter_dyn::scatter_nd(ctx, n, red),
    };
    let is = idx.shape().to_vec();
    let q = is.len();
    let k = *is
        .last()
        .ok_or_else(|| n.err("indices must have rank ≥ 1"))?;
    let mut want = is[..q - 1].to_vec();
    want.extend_from_slice(ds.get(k..).unwrap_or(&[]));
    if k == 0 || k > ds.len() || us != want {
        return Err(n.err(format!(
            "indices {is:?} and updates {us:?} do not fit data {ds:?} (updates should be {want:?})"
        )));
    }
    let raw = idx.to_i64();
    let (j, nd) = joined(ctx, n)?;
    let mut pos: ArrayD<usize> =
        ArrayD::from_shape_vec(IxDyn(&ds), (0..nd).collect()).map_err(|e| n.err(e.to_string()))?;
    let rest: usize = ds[k..].iter().product();
    for (p, tuple) in raw.chunks(k).enumerate() {
        let head: Vec<usize> = tuple
            .iter()
            .enumerate()
            .map(|(a, &i)| norm_index(n, i, ds[a], "index"))
            .collect::<Result<_, _>>()?;
        for (r, tail) in ndarray::indices(IxDyn(&ds[k..])).into_iter().enumerate() {
            let mut dst = head.clone();
            dst.extend(tail.as_array_view().iter());
            pos[IxDyn(&dst)] = nd + p * rest + r;
        }
    }
    let f =
        |t: &ArrayD<f64>, _: f64| -> Result<ArrayD<f64>, OnnxError> { Ok(pos.mapv(|p| t[[p]])) };
    Ok(vec![select_or_fill(ctx, n, &j, 0.0, n.out(0), f)?])
}
