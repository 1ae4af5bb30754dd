//! ScatterElements (and Scatter) whose indices are known only at run time, or
//! that reduce (`reduction` = `add`, `max`, `min`, `mul`): a one-hot lowering onto ops
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
//! max:   y = Max(x, ReduceMax_s Where(E, u, x))    (x where no update lands: max(x, u…))
//! min:   y = Min(x, ReduceMin_s Where(E, u, x))
//! mul:   y = x · Π_s Where(E, u, 1)                 (a chain of S Muls, S ≤ 64)
//! ```
//!
//! where the lane sums cover `U`'s extent on the other axes and the result is
//! zero-padded (`add`, `none`) or masked (`max`, `min`) back to `D`.
//!
//! Duplicate indices under `reduction = none` are undefined in ONNX; zkml
//! takes the last update along the axis (as onnxruntime's CPU kernel does and
//! as the constant-index lowering in [`super::scatter`] does). `mul` is a
//! chain of rescaled products, one per update of a lane (each adds its
//! rounding to the error bound); more than [`MAX_PRODUCT`] are refused.
//!
//! ScatterND ([`scatter_nd`]) is the same on the data seen as `[T, R]` (`T`
//! cells of the indexed leading axes, `R` elements each), its one-hot the
//! conjunction of one comparison per coordinate.
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

/// Most updates `reduction = mul` multiplies into one element (one rescaled
/// Mul node each).
pub const MAX_PRODUCT: usize = 64;

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
    let mut vs = us.clone();
    vs[axis] = nt;
    let y = apply(ctx, n, data, e, u, axis, ns, &vs, red, &n.name, n.out(0))?;
    Ok(vec![y])
}

/// Applies the one-hot `e` (target axis `axis`, update axis `axis + 1`, `ns`
/// updates; broadcasting) with updates `u` (1 on `axis`) to `data` under
/// `red`: the result is node `node`, value `out`. `vs` is the region the
/// updates reach (`data`'s shape, or smaller off the axis: zero-padded or
/// masked back).
#[allow(clippy::too_many_arguments)]
fn apply(
    ctx: &mut Ctx,
    n: &NodeCtx,
    data: Val,
    e: Val,
    u: Val,
    axis: usize,
    ns: usize,
    vs: &[usize],
    red: Reduction,
    node: &str,
    out: &str,
) -> Result<Val, OnnxError> {
    let ds = ctx.shape(&data);
    let rank = ds.len();
    let vs = vs.to_vec();
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
            ctx.emit(n.at(), node, Op::Where, &[hit, val, data], out)?
        }
        Reduction::Add => {
            let picked = op(ctx, n, "picked", Op::Mul, &[e, u])?;
            let val = sum(ctx, "value", picked)?;
            let val = pad(ctx, "value/pad", val)?;
            ctx.emit(n.at(), node, Op::Add, &[data, val], out)?
        }
        Reduction::Max | Reduction::Min | Reduction::Mul => {
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
            if red == Reduction::Mul {
                // y = x · Π_s Where(E, u, 1): one Mul (and rescale) per update of a lane.
                if ns > MAX_PRODUCT {
                    return Err(n.attr_err(
                        "reduction",
                        format!(
                            "`mul` multiplies up to {ns} updates into one element, one rescaled \
                             product each; zkml chains at most {MAX_PRODUCT}"
                        ),
                    ));
                }
                let one = Val::konst(Konst::scalar(1.0));
                let f = op(ctx, n, "factors", Op::Where, &[e, u, one])?;
                let ws = ctx.shape(&f);
                let all: usize = ws.iter().product();
                let iota = ArrayD::from_shape_vec(IxDyn(&ws), (0..all).collect::<Vec<usize>>())
                    .map_err(|e| n.err(e.to_string()))?;
                let mut prod = dv;
                for k in 0..ns {
                    let index = iota
                        .index_axis(ndarray::Axis(s_axis), k)
                        .iter()
                        .copied()
                        .collect();
                    let map = IndexMap {
                        shape: vs.clone(),
                        index,
                    };
                    let fk = op(
                        ctx,
                        n,
                        &format!("factor{k}"),
                        Op::Gather(map),
                        std::slice::from_ref(&f),
                    )?;
                    let last = k + 1 == ns && full;
                    prod = if last {
                        ctx.emit(n.at(), node, Op::Mul, &[prod, fk], out)?
                    } else {
                        op(ctx, n, &format!("product{k}"), Op::Mul, &[prod, fk])?
                    };
                }
                if full {
                    return Ok(prod);
                }
                let r = pad(ctx, "product/pad", prod)?;
                let inside = konst(n, &vs, vec![1.0; vs.iter().product()])?;
                let inside = pad(ctx, "inside", inside)?;
                return ctx.emit(n.at(), node, Op::Where, &[inside, r, data], out);
            }
            let mut dvs = vs.clone();
            dvs.insert(s_axis, 1);
            let du = op(
                ctx,
                n,
                "data/u",
                Op::Reshape { shape: dvs },
                std::slice::from_ref(&dv),
            )?;
            let cand = op(ctx, n, "candidates", Op::Where, &[e, u, du])?;
            let (axes, keepdims) = (vec![s_axis], false);
            let (r, pair) = if red == Reduction::Max {
                (Op::ReduceMax { axes, keepdims }, Op::Max)
            } else {
                (Op::ReduceMin { axes, keepdims }, Op::Min)
            };
            let r = op(ctx, n, "extreme", r, &[cand])?;
            // With the data itself: every update of a lane may hit one cell.
            if full {
                ctx.emit(n.at(), node, pair, &[r, dv], out)?
            } else {
                let r = op(ctx, n, "extreme/data", pair, &[r, dv])?;
                let r = pad(ctx, "extreme/pad", r)?;
                let inside = konst(n, &vs, vec![1.0; vs.iter().product()])?;
                let inside = pad(ctx, "inside", inside)?;
                ctx.emit(n.at(), node, Op::Where, &[inside, r, data], out)?
            }
        }
    };
    Ok(y)
}

/// The one-hot lowering of ScatterND (indices `[Q…, k]`, one coordinate per
/// leading data axis): with `T = D[0]·…·D[k−1]` target cells and
/// `R = D[k]·…` elements each, the data is `[T, R]`, the updates `[Q, R]`,
/// and the one-hot of tuple `q` and cell `t` is the conjunction over the `k`
/// coordinates of `GatherDyn(0..D[a], k[q, a]) = coord_a(t)`: ScatterElements
/// along axis 0 of `[T, R]` with one index per row.
pub fn scatter_nd(ctx: &mut Ctx, n: &NodeCtx, red: Reduction) -> Result<Vec<Val>, OnnxError> {
    let (data, idx, upd) = (
        n.input(0)?.clone(),
        n.input(1)?.clone(),
        n.input(2)?.clone(),
    );
    let (ds, is, us) = (ctx.shape(&data), ctx.shape(&idx), ctx.shape(&upd));
    let k = is.last().copied().unwrap_or(0);
    let mut want = is[..is.len().saturating_sub(1)].to_vec();
    want.extend_from_slice(ds.get(k..).unwrap_or(&[]));
    if is.is_empty() || k == 0 || k > ds.len() || us != want {
        return Err(n.err(format!(
            "indices {is:?} and updates {us:?} do not fit data {ds:?} (updates should be {want:?})"
        )));
    }
    let nt: usize = ds[..k].iter().product();
    let nr: usize = ds[k..].iter().product();
    let nq: usize = is[..is.len() - 1].iter().product();
    if nt == 0 || nq == 0 {
        return Err(n.err(format!("empty scatter: data {ds:?}, indices {is:?}")));
    }
    if let Some(c) = idx.as_const() {
        for (p, &i) in c.to_i64().iter().enumerate() {
            norm_index(n, i, ds[p % k], "index")?;
        }
    }
    let data2 = op(
        ctx,
        n,
        "data/2d",
        Op::Reshape {
            shape: vec![nt, nr],
        },
        &[data],
    )?;
    let u = op(
        ctx,
        n,
        "updates/u",
        Op::Reshape {
            shape: vec![1, nq, nr],
        },
        &[upd],
    )?;
    let mut e: Option<Val> = None;
    for a in 0..k {
        let dim = ds[a];
        // j_a[q] = GatherDyn(0..D[a], k[q, a]): coordinate a, normalised and range-checked.
        let map = DynGather {
            shape: vec![1, nq, 1],
            base: vec![0; nq],
            pick: (0..nq).map(|q| q * k + a).collect(),
            stride: 1,
            dim,
        };
        let positions = konst(n, &[dim], (0..dim).map(|t| t as f64).collect())?;
        let j = op(
            ctx,
            n,
            &format!("index{a}"),
            Op::GatherDyn(map),
            &[positions, idx.clone()],
        )?;
        let inner: usize = ds[a + 1..k].iter().product();
        let coords = (0..nt).map(|t| ((t / inner) % dim) as f64).collect();
        let coords = konst(n, &[nt, 1, 1], coords)?;
        let eq = op(
            ctx,
            n,
            &format!("onehot{a}"),
            Op::Compare(Cmp::Equal),
            &[j, coords],
        )?;
        e = Some(match e {
            None => eq,
            Some(prev) => op(
                ctx,
                n,
                &format!("onehot{a}/and"),
                Op::Logic(Logic::And),
                &[prev, eq],
            )?,
        });
    }
    let e = e.ok_or_else(|| n.err("indices have no coordinates"))?;
    let y = apply(
        ctx,
        n,
        data2,
        e,
        u,
        0,
        nq,
        &[nt, nr],
        red,
        &n.sub("scatter"),
        &n.tmp("scatter"),
    )?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Reshape { shape: ds },
        &[y],
        n.out(0),
    )?])
}
