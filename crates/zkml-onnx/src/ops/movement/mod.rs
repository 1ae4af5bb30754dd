//! Data movement lowered onto existing IR ops: Resize and Upsample, ConvTranspose,
//! DepthToSpace, SpaceToDepth, Trilu, GatherElements, GatherND, ScatterElements,
//! ScatterND and CumSum.
//!
//! Two lowerings cover the family (STYLE 12: the ONNX names live here, the
//! proof machinery is the IR's):
//!
//! * **Index map with a fill** ([`select_or_fill`]): an output element either
//!   copies one input element or is a constant fill value (nearest Resize,
//!   DepthToSpace, Trilu, the zero-stuffed input of ConvTranspose, constant-index
//!   gathers and scatters). Without fills it is one [`Op::Gather`] node; with
//!   fills the input is flattened and padded by one fill element in front
//!   (`Reshape` + `Pad`), and the map points fills at that element. Proven by
//!   copy constraints alone.
//! * **Constant linear map along an axis** ([`linear_along_axis`]): each output
//!   lane is `A · x_lane (+ b)` with a constant matrix (linear and cubic Resize,
//!   CumSum): a `MatMul` by the constant `Aᵀ` (with `Transpose`s moving the axis
//!   last), proven like every constant-weight MatMul (exact accumulation, one
//!   rescale).
//!
//! ScatterElements with run-time indices or a reduction is a one-hot
//! comparison of each index against every position ([`scatter_dyn`]).

pub mod conv_transpose;
pub mod cumsum;
pub mod depth_to_space;
pub mod gather_dyn;
pub mod gather_elements;
pub mod resize;
pub mod scatter;
pub mod scatter_dyn;
pub mod trilu;

use ndarray::{ArrayD, IxDyn};
use zkml_core::{ops::IndexMap, Op};

use super::{NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::tensor::Konst;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("Resize", resize::resize);
    r.insert("Upsample", resize::upsample);
    r.insert("ConvTranspose", conv_transpose::conv_transpose);
    r.insert("DepthToSpace", depth_to_space::depth_to_space);
    r.insert("SpaceToDepth", depth_to_space::space_to_depth);
    r.insert("Trilu", trilu::trilu);
    r.insert("CumSum", cumsum::cumsum);
    r.insert("GatherElements", gather_elements::gather_elements);
    r.insert("GatherND", gather_elements::gather_nd);
    r.insert("ScatterElements", scatter::scatter_elements);
    r.insert("Scatter", scatter::scatter_elements);
    r.insert("ScatterND", scatter::scatter_nd);
    r.insert("OneHot", gather_dyn::one_hot);
}

/// Per axis: `None` keeps the axis; `Some(m)` makes output coordinate `j`
/// read input coordinate `m[j]`, or the fill value where `m[j]` is `None`.
pub type AxisMaps = Vec<Option<Vec<Option<usize>>>>;

/// Applies per-axis maps to `t`, one axis at a time (row-major result).
pub fn apply_axis_maps(t: &ArrayD<f64>, maps: &AxisMaps, fill: f64) -> ArrayD<f64> {
    let mut cur = t.as_standard_layout().into_owned();
    for (a, m) in maps.iter().enumerate() {
        let Some(m) = m else { continue };
        let mut shape = cur.shape().to_vec();
        shape[a] = m.len();
        let src = &cur;
        let next = ArrayD::from_shape_fn(IxDyn(&shape), |idx| {
            let mut idx = idx;
            match m[idx[a]] {
                Some(i) => {
                    idx[a] = i;
                    src[&idx]
                }
                None => fill,
            }
        });
        cur = next;
    }
    cur
}

/// Applies a selection `f(source, fill)` (written once, on values) to `data`:
/// directly when `data` is constant; otherwise to the positions `1, 2, …` of
/// its elements with fill `0`, which gives an index map whose `0`s mark fill
/// elements. Emits one [`Op::Gather`] (named `node`, output `out`) when there
/// are no fills; else `Reshape` to one axis, `Pad` one `fill` in front and
/// the [`Op::Gather`] over that.
pub fn select_or_fill(
    ctx: &mut Ctx,
    n: &NodeCtx,
    data: &Val,
    fill: f32,
    out: &str,
    f: impl Fn(&ArrayD<f64>, f64) -> Result<ArrayD<f64>, OnnxError>,
) -> Result<Val, OnnxError> {
    if let Some(k) = data.as_const() {
        return Ok(Val::konst(Konst {
            t: f(&k.t, f64::from(fill))?,
            dtype: k.dtype,
        }));
    }
    let shape = ctx.shape(data);
    let count: usize = shape.iter().product();
    let iota = ArrayD::from_shape_vec(IxDyn(&shape), (1..=count).map(|i| i as f64).collect())
        .map_err(|e| n.err(e.to_string()))?;
    let picked = f(&iota, 0.0)?;
    let out_shape = picked.shape().to_vec();
    let positions: Vec<usize> = picked.iter().map(|&v| v as usize).collect();
    if !positions.contains(&0) {
        let map = IndexMap {
            shape: out_shape,
            index: positions.into_iter().map(|p| p - 1).collect(),
        };
        return ctx.emit(
            n.at(),
            &n.name,
            Op::Gather(map),
            std::slice::from_ref(data),
            out,
        );
    }
    let flat = ctx.emit(
        n.at(),
        &n.sub("flat"),
        Op::Reshape { shape: vec![count] },
        std::slice::from_ref(data),
        &n.tmp("flat"),
    )?;
    let padded = ctx.emit(
        n.at(),
        &n.sub("fill"),
        Op::Pad {
            pads: vec![1, 0],
            value: fill,
        },
        &[flat],
        &n.tmp("fill"),
    )?;
    let map = IndexMap {
        shape: out_shape,
        index: positions,
    };
    ctx.emit(n.at(), &n.name, Op::Gather(map), &[padded], out)
}

/// `y_lane = A · x_lane + b` along `axis` for a constant `a` (`a[o][i]`, one
/// row per output coordinate) and optional constant `b`: `MatMul` by `Aᵀ`
/// (with the axis swapped to the last place and back when it is not there),
/// then `Add b`. Intermediates are named after `tag`; the result is `out`.
#[allow(clippy::too_many_arguments)]
pub fn linear_along_axis(
    ctx: &mut Ctx,
    n: &NodeCtx,
    x: Val,
    axis: usize,
    a: &[Vec<f64>],
    b: Option<&[f64]>,
    tag: &str,
    out: &str,
) -> Result<Val, OnnxError> {
    let shape = ctx.shape(&x);
    let rank = shape.len();
    let (lo, li) = (a.len(), shape[axis]);
    let mut w = Vec::with_capacity(li * lo);
    for i in 0..li {
        for row in a {
            w.push(row[i]);
        }
    }
    let w = Konst::float(
        ArrayD::from_shape_vec(IxDyn(&[li, lo]), w).map_err(|e| n.err(e.to_string()))?,
    );
    let swap = axis + 1 != rank;
    let perm: Vec<usize> = (0..rank)
        .map(|i| {
            if i == axis {
                rank - 1
            } else if i == rank - 1 {
                axis
            } else {
                i
            }
        })
        .collect();
    let mut v = x;
    if swap {
        v = ctx.emit(
            n.at(),
            &n.sub(&format!("{tag}/t")),
            Op::Transpose { perm: perm.clone() },
            &[v],
            &n.tmp(&format!("{tag}/t")),
        )?;
    }
    let last = !swap && b.is_none();
    let name = |s: &str| {
        if last {
            out.to_string()
        } else {
            n.tmp(&format!("{tag}/{s}"))
        }
    };
    v = ctx.emit(
        n.at(),
        &n.sub(&format!("{tag}/mm")),
        Op::MatMul,
        &[v, Val::konst(w)],
        &name("mm"),
    )?;
    if let Some(b) = b {
        let bk = Konst::float(
            ArrayD::from_shape_vec(IxDyn(&[lo]), b.to_vec()).map_err(|e| n.err(e.to_string()))?,
        );
        let nm = if swap {
            n.tmp(&format!("{tag}/add"))
        } else {
            out.to_string()
        };
        v = ctx.emit(
            n.at(),
            &n.sub(&format!("{tag}/add")),
            Op::Add,
            &[v, Val::konst(bk)],
            &nm,
        )?;
    }
    if swap {
        v = ctx.emit(
            n.at(),
            &n.sub(&format!("{tag}/tb")),
            Op::Transpose { perm },
            &[v],
            out,
        )?;
    }
    Ok(v)
}

/// Normalises index `i` (negative counts from the end) into `0..dim`.
pub fn norm_index(n: &NodeCtx, i: i64, dim: usize, what: &str) -> Result<usize, OnnxError> {
    let j = if i < 0 { i + dim as i64 } else { i };
    usize::try_from(j).ok().filter(|&j| j < dim).ok_or_else(|| {
        n.err(format!(
            "{what} {i} out of range for a dimension of size {dim}"
        ))
    })
}
