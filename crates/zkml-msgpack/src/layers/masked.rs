//! zkml's attention masks: `MaskNegInf` and `Softmax` with a mask in its
//! params (GPT-2 and CLIP's causal masks).
//!
//! Both carry the mask in `params = [ndim, shape…, values…]` (`1` = masked),
//! broadcast against the input. zkml writes its most negative lookup value
//! into masked entries (`MaskNegInf`) and skips them in Softmax (a masked
//! entry's output is 0). Here, in the exact form the ONNX loader lowers
//! attention masks to (`zkml-onnx`'s `ops/activation/masked.rs`):
//!
//! ```text
//! MaskNegInf(x)   = x·live + MASKED_LOGIT·(1 − live)
//! Softmax_mask(x) = Softmax(max(x − m, MASKED_LOGIT)·live + MASKED_LOGIT·(1 − live))
//!     m = ReduceMax(Gather(x)): the row's largest live entry (a constant
//!         index map picks each row's live positions, a short row repeating
//!         one), so no mask value enters the maximum
//! ```
//!
//! Softmax is invariant to a shift of its row and `m` is a live entry, so the
//! live entries keep their differences whatever their magnitude; the clamp
//! moves only live entries more than 24 below the row's maximum (probability
//! `e^−24 < 4·10⁻¹¹`). In a row with a live entry the maximum is exactly 0
//! and a masked entry is exactly −24, whose integer exponential is 0 at
//! every exponential scale up to 33: a masked entry contributes exactly 0 and
//! its output is exactly 0, as in zkml. A row with no live entry becomes
//! uniform (zkml's is all 0). `MaskNegInf`'s "−∞" is the finite
//! `MASKED_LOGIT`, inside the activation range (the masked Softmax does not
//! read it: it gathers live entries only).

use ndarray::{ArrayD, IxDyn};
use zkml_core::{FTensor, Op, ValueId};

use crate::builder::{to_shape, Builder};
use crate::error::MsgpackError;

/// The logit a masked entry gets, relative to its row's largest live entry
/// (0); live entries further below are clamped to it (the ONNX loader's).
pub(crate) const MASKED_LOGIT: f32 = -24.0;

/// The mask in `params`, as `keep` (1 kept, 0 masked) broadcast to `shape`;
/// `None` when params hold no mask or it masks nothing.
pub(crate) fn keep_mask(b: &Builder, shape: &[usize]) -> Result<Option<FTensor>, MsgpackError> {
    let p = &b.layer.params;
    if p.is_empty() {
        return Ok(None);
    }
    let n = usize::try_from(p[0])
        .ok()
        .filter(|&n| n < p.len())
        .ok_or_else(|| b.err(format!("mask rank (param 0) = {} is out of range", p[0])))?;
    let mshape = to_shape(&p[1..1 + n]).map_err(|r| b.err(format!("mask shape: {r}")))?;
    let values = &p[1 + n..];
    let len: usize = mshape.iter().product();
    if values.len() != len {
        return Err(b.err(format!(
            "mask of shape {mshape:?} needs {len} values, params hold {}",
            values.len()
        )));
    }
    if let Some(v) = values.iter().find(|&&v| v != 0 && v != 1) {
        return Err(b.err(format!("mask values must be 0 or 1, found {v}")));
    }
    if values.iter().all(|&v| v == 0) {
        return Ok(None);
    }
    let keep = ArrayD::from_shape_vec(
        IxDyn(&mshape),
        values.iter().map(|&v| (1 - v) as f32).collect(),
    )
    .map_err(|e| b.err(format!("mask: {e}")))?;
    let keep = keep
        .broadcast(IxDyn(shape))
        .ok_or_else(|| {
            b.err(format!(
                "mask of shape {mshape:?} does not broadcast to the input's {shape:?}"
            ))
        })?
        .to_owned();
    Ok(Some(keep))
}

/// `z·keep + MASKED_LOGIT·(1 − keep)`.
fn select_kept(b: &mut Builder, z: ValueId, keep: &FTensor) -> Result<ValueId, MsgpackError> {
    let fill = keep.mapv(|k| MASKED_LOGIT * (1.0 - k));
    let name = b.unique(format!("{}.keep", b.g.values[z].name));
    let k = b.g.add_const(name, keep.clone());
    let kept = b.node(Op::Mul, vec![z, k], ".kept")?;
    let name = b.unique(format!("{}.fill", b.g.values[z].name));
    let f = b.g.add_const(name, fill);
    b.node(Op::Add, vec![kept, f], ".masked")
}

/// `MaskNegInf`: masked entries become `MASKED_LOGIT` (see the module doc).
pub(crate) fn mask_neg_inf(b: &mut Builder) -> Result<(), MsgpackError> {
    let x = b.input(0)?;
    let x = b.native(x)?;
    let shape = b.shape(x).to_vec();
    let y = match keep_mask(b, &shape)? {
        Some(keep) => select_kept(b, x, &keep)?,
        None => x,
    };
    b.define_native(y)
}

/// Softmax on the last axis with the params' mask (see the module doc).
pub(crate) fn masked_softmax(
    b: &mut Builder,
    x: ValueId,
    keep: &FTensor,
) -> Result<ValueId, MsgpackError> {
    let shape = b.shape(x).to_vec();
    let n = *shape.last().expect("rank checked");
    let rows = shape.iter().product::<usize>() / n.max(1);
    let flat: Vec<f32> = keep.iter().copied().collect();
    let live: Vec<Vec<usize>> = (0..rows)
        .map(|r| (0..n).filter(|&c| flat[r * n + c] != 0.0).collect())
        .collect();
    let width = live.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let index = live
        .iter()
        .enumerate()
        .flat_map(|(r, cols)| {
            let first = cols.first().copied().unwrap_or(0);
            (0..width).map(move |k| r * n + cols.get(k).copied().unwrap_or(first))
        })
        .collect();
    let mut gshape = shape.clone();
    *gshape.last_mut().expect("rank checked") = width;
    let g = b.node(
        Op::Gather(zkml_core::ops::IndexMap {
            shape: gshape,
            index,
        }),
        vec![x],
        ".live",
    )?;
    let m = b.node(
        Op::ReduceMax {
            axes: vec![shape.len() - 1],
            keepdims: true,
        },
        vec![g],
        ".max",
    )?;
    let d = b.node(Op::Sub, vec![x, m], ".centre")?;
    let floor = b.unique(format!("{}.floor", b.g.values[x].name));
    let floor =
        b.g.add_const(floor, ArrayD::from_elem(IxDyn(&[]), MASKED_LOGIT));
    let clamped = b.node(Op::Max, vec![d, floor], ".floor")?;
    let z = select_kept(b, clamped, keep)?;
    b.node(
        Op::Softmax {
            axis: shape.len() - 1,
        },
        vec![z],
        "",
    )
}
