//! Slice: any steps (negative too); on a run-time input an index map.

use ndarray::Axis;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::norm_axis;
use crate::ops::shape::by_index_map;
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// Slice: starts/ends/axes attributes before opset 10, constant inputs
/// (with steps) from 10. Folded on a constant, else one index-map node.
pub fn slice(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let data = n.input(0)?.clone();
    let mut ks = vec![None];
    for i in 1..n.inputs.len() {
        ks.push(n.const_input(i, "starts, ends, axes or steps")?);
    }
    let rank = ctx.shape(&data).len();
    let list = |i: usize, attr: &str| -> Result<Option<Vec<i64>>, OnnxError> {
        if n.opset >= 10 {
            Ok(ks.get(i).copied().flatten().map(Konst::to_i64))
        } else {
            n.ints(attr)
        }
    };
    let starts = list(1, "starts")?.ok_or_else(|| n.err("starts are required"))?;
    let ends = list(2, "ends")?.ok_or_else(|| n.err("ends are required"))?;
    let axes = list(3, "axes")?.unwrap_or_else(|| (0..starts.len() as i64).collect());
    let steps = list(4, "steps")?.unwrap_or_else(|| vec![1; starts.len()]);
    if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
        return Err(n.err("starts, ends, axes and steps must have the same length"));
    }
    let apply = |data: &Konst| -> Result<Konst, OnnxError> {
        let mut t = data.t.clone();
        for j in 0..starts.len() {
            let axis = norm_axis(axes[j], rank)
                .ok_or_else(|| n.err(format!("axis {} out of range for rank {rank}", axes[j])))?;
            let dim = t.shape()[axis] as i64;
            let step = steps[j];
            if step == 0 {
                return Err(n.err("steps must not be 0"));
            }
            let fix = |v: i64| if v < 0 { v.saturating_add(dim) } else { v };
            let (s, e) = (fix(starts[j]), fix(ends[j]));
            let idx: Vec<usize> = if step > 0 {
                let (s, e) = (s.clamp(0, dim), e.clamp(0, dim));
                (s..e).step_by(step as usize).map(|i| i as usize).collect()
            } else {
                let (s, e) = (s.clamp(0, dim - 1), e.clamp(-1, dim - 1));
                let mut v = Vec::new();
                let mut i = s;
                while i > e {
                    v.push(i as usize);
                    i = i.saturating_add(step);
                }
                v
            };
            t = t.select(Axis(axis), &idx);
        }
        Ok(Konst {
            t,
            dtype: data.dtype,
        })
    };
    Ok(vec![by_index_map(ctx, n, &data, &n.name, n.out(0), apply)?])
}
