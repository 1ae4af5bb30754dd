//! Attention masks before a Softmax: `Softmax(x + M)` where the constant `M`
//! holds "minus infinity" entries (−10000, `finfo.min`, −∞, as exporters
//! write masks) would make the quantized sum `x + M` span ±10⁴ or more, and
//! its scale would leave no fraction bits for `x`. The Softmax handler lowers
//! it instead as
//!
//! ```text
//! Softmax(x·keep + fill)     keep = 1 where M > MASK_BELOW, else 0
//!                            fill = 0 where kept (M's finite part is added to x), MASKED_LOGIT where masked
//! ```
//!
//! (a Mul and an Add by constants, exact in the integer executor), so the
//! masked logits sit at `MASKED_LOGIT` and the scores keep their precision.
//! A masked entry then contributes `exp(MASKED_LOGIT − m)` for the row's
//! largest score `m`, which the integer exponential table rounds to exactly
//! 0 whenever `m > MASKED_LOGIT + (s_e + 1)·ln 2` (≈ −36 for the 15-bit
//! exponential scale): the proof shows the table lookup, not a huge negative.
//! The float result differs from ONNX's by at most `e^(MASKED_LOGIT − m)`
//! per masked entry.

use zkml_core::{Op, ValueKind};

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// Additive constants at or below this are masks.
pub const MASK_BELOW: f32 = -1000.0;

/// The logit a masked entry gets.
pub const MASKED_LOGIT: f32 = -48.0;

/// When `x` is the output of `Add(a, M)` with a constant `M` holding mask
/// entries, the masked logits `a·keep + fill` (see the module doc);
/// otherwise `None`. The original Add is left to dead-code pruning.
pub fn unmask(ctx: &mut Ctx, n: &NodeCtx, x: &Val) -> Result<Option<Val>, OnnxError> {
    let Val::Dyn(id) = x else { return Ok(None) };
    let ValueKind::Node(i) = ctx.graph.values[*id].kind else {
        return Ok(None);
    };
    let node = &ctx.graph.nodes[i];
    if node.op != Op::Add || node.inputs.len() != 2 {
        return Ok(None);
    }
    let konst = |v: usize| match &ctx.graph.values[v].kind {
        ValueKind::Const(t) => Some(t.clone()),
        _ => None,
    };
    let (a, m) = match (konst(node.inputs[0]), konst(node.inputs[1])) {
        (None, Some(m)) => (node.inputs[0], m),
        (Some(m), None) => (node.inputs[1], m),
        _ => return Ok(None),
    };
    if !m.iter().any(|&v| v <= MASK_BELOW) {
        return Ok(None);
    }
    let keep = m.mapv(|v| if v <= MASK_BELOW { 0.0 } else { 1.0 });
    let bias = m.mapv(|v| if v <= MASK_BELOW { 0.0 } else { f64::from(v) });
    let fill = m.mapv(|v| {
        if v <= MASK_BELOW {
            f64::from(MASKED_LOGIT)
        } else {
            0.0
        }
    });
    let mut z = Val::Dyn(a);
    if bias.iter().any(|&v| v != 0.0) {
        let b = Val::konst(Konst::float(bias));
        z = ctx.emit(
            n.at(),
            &n.sub("mask_bias"),
            Op::Add,
            &[z, b],
            &n.tmp("mask_bias"),
        )?;
    }
    let keep = Val::konst(Konst::float(keep.mapv(f64::from)));
    z = ctx.emit(
        n.at(),
        &n.sub("mask_keep"),
        Op::Mul,
        &[z, keep],
        &n.tmp("mask_keep"),
    )?;
    let fill = Val::konst(Konst::float(fill));
    z = ctx.emit(
        n.at(),
        &n.sub("mask_fill"),
        Op::Add,
        &[z, fill],
        &n.tmp("masked"),
    )?;
    Ok(Some(z))
}
