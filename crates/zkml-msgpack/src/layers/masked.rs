//! zkml's attention masks: `MaskNegInf` and `Softmax` with a mask in its
//! params (GPT-2 and CLIP's causal masks).
//!
//! Both carry the mask in `params = [ndim, shape…, values…]` (`1` = masked),
//! broadcast against the input. zkml writes its most negative lookup value
//! into masked entries (`MaskNegInf`) and skips them in Softmax (a masked
//! entry's output is 0). Here, as the ONNX loader lowers attention masks (see
//! `zkml-onnx`'s `ops/activation/masked.rs`, whose constants these are):
//!
//! ```text
//! MaskNegInf(x)     = x·keep + MASKED_LOGIT·(1 − keep)
//! Softmax_mask(x)   = Softmax(max(x, KEEP_FLOOR)·keep + MASKED_LOGIT·(1 − keep))
//! ```
//!
//! (a Max, a Mul and an Add by constants, then Softmax on the last axis).
//! In a row with a kept entry the row maximum is at least `KEEP_FLOOR`, so a
//! masked entry's difference to it is at most `MASKED_LOGIT − KEEP_FLOOR =
//! −24`, whose integer exponential is 0 at every exponential scale up to 33:
//! a masked entry contributes exactly 0 and its output is exactly 0, as in
//! zkml. Unlike zkml, kept logits below `KEEP_FLOOR` are clamped to it (scaled
//! attention scores do not come near −24), and "minus infinity" is the finite
//! `MASKED_LOGIT`, so it stays inside the activation range (which must hold
//! 48 at the model's scale: `--act-bits` at least `scale + 7`).

use ndarray::{ArrayD, IxDyn};
use zkml_core::{FTensor, Op, ValueId};

use crate::builder::{to_shape, Builder};
use crate::error::MsgpackError;

/// The logit a masked entry gets.
pub(crate) const MASKED_LOGIT: f32 = -48.0;

/// Kept logits are clamped from below to this (see the module doc).
pub(crate) const KEEP_FLOOR: f32 = -24.0;

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
    let floor = b.unique(format!("{}.floor", b.g.values[x].name));
    let floor =
        b.g.add_const(floor, ArrayD::from_elem(IxDyn(&[]), KEEP_FLOOR));
    let clamped = b.node(Op::Max, vec![x, floor], ".floor")?;
    let z = select_kept(b, clamped, keep)?;
    let rank = b.shape(z).len();
    b.node(Op::Softmax { axis: rank - 1 }, vec![z], "")
}
