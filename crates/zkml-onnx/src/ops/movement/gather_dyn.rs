//! Gather, GatherElements and OneHot whose indices are known only at run
//! time: one [`Op::GatherDyn`] node (see [`zkml_core::ops::gather_dyn`]),
//! whose fixed part (per output element the data position of index 0 and the
//! index it reads) is computed here from the axis and the shapes.

use ndarray::{ArrayD, IxDyn};
use zkml_core::ops::DynGather;
use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::{norm_axis, NodeCtx};
use crate::tensor::Konst;

fn emit(
    ctx: &mut Ctx,
    n: &NodeCtx,
    map: DynGather,
    data: Val,
    idx: Val,
) -> Result<Vec<Val>, OnnxError> {
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::GatherDyn(map),
        &[data, idx],
        n.out(0),
    )?])
}

/// Gather along `axis` by run-time `idx`: `y[pre, i…, post] = x[pre, idx[i…], post]`.
pub fn gather(
    ctx: &mut Ctx,
    n: &NodeCtx,
    data: Val,
    idx: Val,
    axis: usize,
) -> Result<Vec<Val>, OnnxError> {
    let ds = ctx.shape(&data);
    let is = ctx.shape(&idx);
    let dim = ds[axis];
    let pre: usize = ds[..axis].iter().product();
    let post: usize = ds[axis + 1..].iter().product();
    let ni: usize = is.iter().product();
    let mut shape = ds[..axis].to_vec();
    shape.extend_from_slice(&is);
    shape.extend_from_slice(&ds[axis + 1..]);
    let total = pre * ni * post;
    let (mut base, mut pick) = (Vec::with_capacity(total), Vec::with_capacity(total));
    for p in 0..pre {
        for i in 0..ni {
            for r in 0..post {
                base.push(p * dim * post + r);
                pick.push(i);
            }
        }
    }
    let map = DynGather {
        shape,
        base,
        pick,
        stride: post,
        dim,
    };
    emit(ctx, n, map, data, idx)
}

/// GatherElements along `axis` by run-time `idx` (same rank as the data).
pub fn gather_elements(
    ctx: &mut Ctx,
    n: &NodeCtx,
    data: Val,
    idx: Val,
    axis: usize,
) -> Result<Vec<Val>, OnnxError> {
    let ds = ctx.shape(&data);
    let is = ctx.shape(&idx);
    if is.len() != ds.len() || (0..ds.len()).any(|a| a != axis && is[a] > ds[a]) {
        return Err(n.err(format!(
            "indices of shape {is:?} do not fit data of shape {ds:?} on axis {axis}"
        )));
    }
    let strides: Vec<usize> = (0..ds.len())
        .map(|a| ds[a + 1..].iter().product())
        .collect();
    let mut base = Vec::new();
    for ix in ndarray::indices(IxDyn(&is)) {
        let b: usize = (0..ds.len())
            .filter(|&a| a != axis)
            .map(|a| ix[a] * strides[a])
            .sum();
        base.push(b);
    }
    let pick = (0..base.len()).collect();
    let map = DynGather {
        shape: is,
        base,
        pick,
        stride: strides[axis],
        dim: ds[axis],
    };
    emit(ctx, n, map, data, idx)
}

/// GatherND with `batch_dims = b` by run-time `idx` whose last axis has
/// length 1 (one coordinate per tuple): `y[k…, r…] = x[k[..b], idx[k…, 0],
/// r…]`, a gather along axis `b` within each batch. Longer tuples are refused.
pub fn gather_nd(
    ctx: &mut Ctx,
    n: &NodeCtx,
    data: Val,
    idx: Val,
    b: usize,
) -> Result<Vec<Val>, OnnxError> {
    let ds = ctx.shape(&data);
    let is = ctx.shape(&idx);
    let q = is.len();
    let m = is.last().copied().unwrap_or(0);
    if b >= q || b + m > ds.len() || m == 0 || (0..b).any(|a| is[a] != ds[a]) {
        return Err(n.err(format!(
            "indices of shape {is:?} (batch_dims {b}) do not fit data of shape {ds:?}"
        )));
    }
    if m != 1 {
        return Err(n.err(format!(
            "run-time indices whose tuples have {m} elements (the last axis of shape {is:?}) \
             are not supported; only one coordinate per tuple (last axis 1) or constant indices"
        )));
    }
    let strides: Vec<usize> = (0..ds.len())
        .map(|a| ds[a + 1..].iter().product())
        .collect();
    let post: usize = ds[b + 1..].iter().product();
    let outer = &is[..q - 1];
    let mut shape = outer.to_vec();
    shape.extend_from_slice(&ds[b + 1..]);
    let (mut base, mut pick) = (Vec::new(), Vec::new());
    for (k, ix) in ndarray::indices(IxDyn(outer)).into_iter().enumerate() {
        let batch: usize = (0..b).map(|a| ix[a] * strides[a]).sum();
        for r in 0..post {
            base.push(batch + r);
            pick.push(k);
        }
    }
    let map = DynGather {
        shape,
        base,
        pick,
        stride: post,
        dim: ds[b],
    };
    emit(ctx, n, map, data, idx)
}

/// OneHot(indices, depth, values = [off, on]), `axis` default −1: a run-time
/// gather from the constant `depth × depth` table with `on` on the diagonal.
/// Indices must lie in `[−depth, depth)` (ONNX's all-`off` rows for indices
/// outside are refused by the executors).
pub fn one_hot(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let idx = n.input(0)?.clone();
    let depth = n
        .const_input(1, "depth")?
        .ok_or_else(|| n.err("input 1 (depth) is required"))?;
    let depth = match depth.t.iter().next() {
        Some(&d) if depth.t.len() == 1 && d >= 1.0 && d <= (1 << 16) as f64 => d as usize,
        _ => {
            return Err(n.err(format!(
                "depth must be one value in 1..=65536, got {:?}",
                depth.t
            )))
        }
    };
    let values = n
        .const_input(2, "values")?
        .ok_or_else(|| n.err("input 2 (values) is required"))?;
    let [off, on] = values.t.iter().copied().collect::<Vec<_>>()[..] else {
        return Err(n.err(format!(
            "values must hold [off, on], got shape {:?}",
            values.shape()
        )));
    };
    let is = ctx.shape(&idx);
    let rank = is.len() + 1;
    let raw = n.int("axis", -1)?;
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("{raw} out of range for rank {rank}")))?;
    let table = ArrayD::from_shape_fn(IxDyn(&[depth, depth]), |ix| {
        if ix[0] == ix[1] {
            on
        } else {
            off
        }
    });
    let mut shape = is.clone();
    shape.insert(axis, depth);
    let mut base = Vec::new();
    let mut pick = Vec::new();
    let istr: Vec<usize> = (0..is.len())
        .map(|a| is[a + 1..].iter().product())
        .collect();
    for ix in ndarray::indices(IxDyn(&shape)) {
        base.push(ix[axis]);
        let p: usize = (0..rank)
            .filter(|&a| a != axis)
            .enumerate()
            .map(|(k, a)| ix[a] * istr[k])
            .sum();
        pick.push(p);
    }
    let map = DynGather {
        shape,
        base,
        pick,
        stride: depth,
        dim: depth,
    };
    let data = Val::konst(Konst {
        t: table,
        dtype: values.dtype,
    });
    emit(ctx, n, map, data, idx)
}
