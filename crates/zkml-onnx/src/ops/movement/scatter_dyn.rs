//! ScatterElements (and Scatter) whose indices are known only at run time, or
//! that reduce (`reduction` = `add`, `max`, `min`): a one-hot lowering onto ops
//! the backends already prove, no new constraint.
//!
//! With data `x` of shape `D`, indices `k` and updates `u` of shape `U` (same
//! rank), axis `a`, `T = D[a]` target positions and `S = U[a]` updates per
//! lane, the lowering is:
//!
//! ```text
//! j      = GatherDyn([0, 1, …, T−1], k)            normalised index; refuses any
//!                                                  index outside [−T, T) (the proof
//!                                                  shows it by a lookup)
//! E[…, t, s, …] = (j[…, s, …] = t)                 one-hot, shape U with T inserted before axis a
//! none:  L = E ∧ (Σ_{s' > s} E[…, t, s', …] = 0)   the last update to a position wins
//!        y = Where(Σ_s L ≠ 0, Σ_s L·u, x)
//! add:   y = x + Σ_s E·u
//! max:   y = ReduceMax_s Where(E, u, x)            (x where no update lands: max(x, u…))
//! min:   y = ReduceMin_s Where(E, u, x)
//! ```
//!
//! where the lane sums cover `U`'s extent on the other axes and the result is
//! zero-padded (`add`, `none`) or masked (`max`, `min`) back to `D`.
//!
//! Duplicate indices under `reduction = none` are undefined in ONNX; zkml
//! takes the last update along the axis (as onnxruntime's CPU kernel does and
//! as the constant-index lowering in [`super::scatter`] does). `mul` is
//! refused: a product of a run-time selection of factors is a chain of
//! rescaled products that no existing op proves in one step.
//!
//! Cost: `|U|·T` comparisons (each an Equal row in the plonk circuit) plus a
//! lookup per index; the sumcheck backend refuses Equal/GatherDyn by name.

use ndarray::{ArrayD, IxDyn, Slice};
use zkml_core::ops::{Cmp, DynGather, IndexMap, Logic};
use zkml_core::Op;

use super::{linear_along_axis, norm_index};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// The `reduction` attribute of ScatterElements / ScatterND.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// Each index writes its update (the last one wins on duplicates).
    None,
    /// Updates are added to the data.
    Add,
    /// The data element is multiplied by its updates.
    Mul,
    /// The largest of the data element and its updates.
    Max,
    /// The smallest of the data element and its updates.
    Min,
}

/// Reads `reduction` (default `none`).
pub fn reduction(n: &NodeCtx) -> Result<Reduction, OnnxError> {
    Ok(match n.string("reduction")?.as_deref() {
        None | Some("none") => Reduction::None,
        Some("add") => Reduction::Add,
        Some("mul") => Reduction::Mul,
        Some("max") => Reduction::Max,
        Some("min") => Reduction::Min,
        Some(r) => {
            return Err(n.attr_err(
                "reduction",
                format!("`{r}` is not an ONNX reduction (none, add, mul, max, min)"),
            ))
        }
    })
}

fn konst(n: &NodeCtx, shape: &[usize], v: Vec<f64>) -> Result<Val, OnnxError> {
    Ok(Val::konst(Konst::float(
        ArrayD::from_shape_vec(IxDyn(shape), v).map_err(|e| n.err(e.to_string()))?,
    )))
}

fn op(ctx: &mut Ctx, n: &NodeCtx, tag: &str, op: Op, inputs: &[Val]) -> Result<Val, OnnxError> {
    ctx.emit(n.at(), &n.sub(tag), op, inputs, &n.tmp(tag))
}

/// The one-hot lowering of ScatterElements along `axis` (see the module doc).
pub fn scatter_elements(
    ctx: &mut Ctx,
    n: &NodeCtx,
    axis: usize,
    red: Reduction,
) -> Result<Vec<Val>, OnnxError> {
    let (data, idx, upd) = (
        n.input(0)?.clone(),
        n.input(1)?.clone(),
        n.input(2)?.clone(),
    );
    let (ds, is, us) = (ctx.shape(&data), ctx.shape(&idx), ctx.shape(&upd));
    let rank = ds.len();
    if is != us || us.len() != rank || (0..rank).any(|d| d != axis && us[d] > ds[d]) {
        return Err(n.err(format!(
            "indices {is:?} and updates {us:?} must have one shape, of the data's rank {rank}, \
             no larger than the data {ds:?} off axis {axis}"
        )));
    }
    let (nt, ns) = (ds[axis], us[axis]);
    if nt == 0 || ns == 0 {
        return Err(n.err(format!("empty axis {axis}: data {ds:?}, updates {us:?}")));
    }
    if let Some(k) = idx.as_const() {
        for &i in &k.to_i64() {
            norm_index(n, i, nt, "index")?;
        }
    }
    // j = GatherDyn(0..T, k): the normalised index, range-checked.
    let count: usize = is.iter().product();
    let map = DynGather {
        shape: is.clone(),
        base: vec![0; count],
        pick: (0..count).collect(),
        stride: 1,
        dim: nt,
    };
    let positions = konst(n, &[nt], (0..nt).map(|t| t as f64).collect())?;
    let j = op(ctx, n, "index", Op::GatherDyn(map), &[positions, idx])?;
    // Insert the target axis before `axis`: [.., 1, S, ..] against [.., T, 1, ..].
    let mut ui = us.clone();
    ui.insert(axis, 1);
    let j = op(ctx, n, "index/u", Op::Reshape { shape: ui.clone() }, &[j])?;
    let mut ts = vec![1; rank + 1];
    ts[axis] = nt;
    let targets = konst(n, &ts, (0..nt).map(|t| t as f64).collect())?;
    let e = op(ctx, n, "onehot", Op::Compare(Cmp::Equal), &[j, targets])?;
    let u = op(ctx, n, "updates/u", Op::Reshape { shape: ui }, &[upd])?;
    let s_axis = axis + 1;
    let sum = |ctx: &mut Ctx, tag: &str, v: Val| {
        op(
            ctx,
            n,
            tag,
            Op::ReduceSum {
                axes: vec![s_axis],
                keepdims: false,
            },
            &[v],
        )
    };
    // V: U's extent with T on the axis; padded (or masked) back to D.
    let mut vs = us.clone();
    vs[axis] = nt;
    let pads: Vec<usize> = std::iter::repeat_n(0, rank)
        .chain((0..rank).map(|d| ds[d] - vs[d]))
        .collect();
    let full = vs == ds;
    let pad = |ctx: &mut Ctx, tag: &str, v: Val| {
        if full {
            Ok(v)
        } else {
            op(
                ctx,
                n,
                tag,
                Op::Pad {
                    pads: pads.clone(),
                    value: 0.0,
                },
                &[v],
            )
        }
    };
    let y = match red {
        Reduction::None => {
            let later: Vec<Vec<f64>> = (0..ns)
                .map(|o| (0..ns).map(|i| f64::from(u8::from(i > o))).collect())
                .collect();
            let later = linear_along_axis(
                ctx,
                n,
                e.clone(),
                s_axis,
                &later,
                None,
                "later",
                &n.tmp("later"),
            )?;
            let zero = Val::konst(Konst::scalar(0.0));
            let last = op(ctx, n, "last", Op::Compare(Cmp::Equal), &[later, zero])?;
            let l = op(ctx, n, "write", Op::Logic(Logic::And), &[e, last])?;
            let hit = sum(ctx, "hit", l.clone())?;
            let picked = op(ctx, n, "picked", Op::Mul, &[l, u])?;
            let val = sum(ctx, "value", picked)?;
            let hit = pad(ctx, "hit/pad", hit)?;
            let val = pad(ctx, "value/pad", val)?;
            ctx.emit(n.at(), &n.name, Op::Where, &[hit, val, data], n.out(0))?
        }
        Reduction::Add => {
            let picked = op(ctx, n, "picked", Op::Mul, &[e, u])?;
            let val = sum(ctx, "value", picked)?;
            let val = pad(ctx, "value/pad", val)?;
            ctx.emit(n.at(), &n.name, Op::Add, &[data, val], n.out(0))?
        }
        Reduction::Max | Reduction::Min => {
            let dv = if full {
                data.clone()
            } else {
                let all: usize = ds.iter().product();
                let iota = ArrayD::from_shape_vec(IxDyn(&ds), (0..all).collect::<Vec<usize>>())
                    .map_err(|e| n.err(e.to_string()))?;
                let index = iota
                    .slice_each_axis(|ax| Slice::from(0..vs[ax.axis.index()]))
                    .iter()
                    .copied()
                    .collect();
                let map = IndexMap {
                    shape: vs.clone(),
                    index,
                };
                op(
                    ctx,
                    n,
                    "data/v",
                    Op::Gather(map),
                    std::slice::from_ref(&data),
                )?
            };
            let mut dvs = vs.clone();
            dvs.insert(s_axis, 1);
            let dv = op(ctx, n, "data/u", Op::Reshape { shape: dvs }, &[dv])?;
            let cand = op(ctx, n, "candidates", Op::Where, &[e, u, dv])?;
            let (axes, keepdims) = (vec![s_axis], false);
            let r = if red == Reduction::Max {
                Op::ReduceMax { axes, keepdims }
            } else {
                Op::ReduceMin { axes, keepdims }
            };
            if full {
                ctx.emit(n.at(), &n.name, r, &[cand], n.out(0))?
            } else {
                let r = op(ctx, n, "extreme", r, &[cand])?;
                let r = pad(ctx, "extreme/pad", r)?;
                let inside = konst(n, &vs, vec![1.0; vs.iter().product()])?;
                let inside = pad(ctx, "inside", inside)?;
                ctx.emit(n.at(), &n.name, Op::Where, &[inside, r, data], n.out(0))?
            }
        }
        Reduction::Mul => {
            return Err(n.attr_err(
                "reduction",
                "`mul` is not supported (a product over a run-time selection of updates); \
                 none, add, max and min are",
            ))
        }
    };
    Ok(vec![y])
}
