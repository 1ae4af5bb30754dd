//! Attention masks before a Softmax, in the two forms exporters write:
//!
//! * additive: `Softmax(x + M)` with a constant `M` holding "minus infinity"
//!   entries (−10000, `finfo.min`, −∞; BERT, older Hugging Face, EZKL demos);
//! * selected: `Softmax(Where(C, x, F))` (or `Where(C, F, x)`) with a
//!   constant condition `C` (a causal `Trilu`) and a constant fill `F`
//!   (`finfo(float32).min`, new Hugging Face GPT-2).
//!
//! Quantizing either as written would make the masked tensor span ±10⁴ (or
//! ±3.4·10³⁸: a scale of 2⁻¹¹⁵) and leave no fraction bits for `x`. The
//! Softmax handler lowers both instead as
//!
//! ```text
//! Softmax(max(x + b, KEEP_FLOOR)·keep + fill)
//!     keep = 1 where x is kept, 0 where masked
//!     b    = M's finite part (additive form; 0 where masked), else 0
//!     fill = MASKED_LOGIT where masked, the finite constant of `Where` where
//!            the constant branch is taken but is not a mask value, else 0
//! ```
//!
//! (an Add, a Clip, a Mul and an Add by constants, each exact in the integer
//! executor and proven by the backends like any other node).
//!
//! **A masked entry contributes exactly 0, proven.** After the clamp every
//! kept logit is at least `KEEP_FLOOR`, so in a row with a kept entry the
//! row maximum is `m ≥ KEEP_FLOOR` and a masked entry's difference is
//! `MASKED_LOGIT − m ≤ MASKED_LOGIT − KEEP_FLOOR = −24`. Softmax's integer
//! exponential ([`zkml_core::ops::softmax`]) rounds `e^−24·2^s_e` to 0 for
//! every exponential scale `s_e ≤ 33` (the default is 8; 30 is the most
//! 32-bit activations allow), so the exponential the proof's table lookup
//! shows for a masked entry is 0 — not a small number from a huge negative
//! that overflows the range. A row whose every entry is masked stays uniform
//! (as `finfo.min` makes it in float).
//!
//! **Where the result differs from ONNX's** (pinned by
//! `tests/attention_mask.rs`):
//!
//! * a row whose kept logits lie below `KEEP_FLOOR`: they are clamped to it,
//!   so their differences are lost, and a row whose every kept logit is below
//!   it turns uniform (an error above 0.1 for scores near −60). Scaled
//!   attention scores rarely come near −24; the exact form would subtract the
//!   row's largest kept logit before the clamp (a ReduceMax and a Sub per
//!   row), not built yet;
//! * a row masked entirely by a finite additive constant (−10000): ONNX gives
//!   `softmax(x)` there, the rewrite a uniform row (as `finfo.min` gives).

use ndarray::ArrayD;
use zkml_core::{Op, ValueKind};

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// Additive constants (or `Where` fills) at or below this are masks.
pub const MASK_BELOW: f32 = -1000.0;

/// The logit a masked entry gets.
pub const MASKED_LOGIT: f32 = -48.0;

/// Kept logits are clamped from below to this (see the module doc).
pub const KEEP_FLOOR: f32 = -24.0;

/// What a mask node contributes: the kept operand, and per element (broadcast
/// against it) whether it is kept, the finite additive bias and the fill.
struct Mask {
    x: usize,
    keep: ArrayD<f64>,
    bias: ArrayD<f64>,
    fill: ArrayD<f64>,
}

/// When `x` is the output of an additive or a `Where` mask (see the module
/// doc), the masked logits; otherwise `None`. The original node is left to
/// dead-code pruning.
pub fn unmask(ctx: &mut Ctx, n: &NodeCtx, x: &Val) -> Result<Option<Val>, OnnxError> {
    let Some(m) = find_mask(ctx, x) else {
        return Ok(None);
    };
    let mut z = Val::Dyn(m.x);
    if m.bias.iter().any(|&v| v != 0.0) {
        let b = Val::konst(Konst::float(m.bias));
        z = ctx.emit(
            n.at(),
            &n.sub("mask_bias"),
            Op::Add,
            &[z, b],
            &n.tmp("mask_bias"),
        )?;
    }
    z = ctx.emit(
        n.at(),
        &n.sub("mask_floor"),
        Op::Clip {
            min: KEEP_FLOOR,
            max: f32::INFINITY,
        },
        &[z],
        &n.tmp("mask_floor"),
    )?;
    let keep = Val::konst(Konst::float(m.keep));
    z = ctx.emit(
        n.at(),
        &n.sub("mask_keep"),
        Op::Mul,
        &[z, keep],
        &n.tmp("mask_keep"),
    )?;
    let fill = Val::konst(Konst::float(m.fill));
    z = ctx.emit(
        n.at(),
        &n.sub("mask_fill"),
        Op::Add,
        &[z, fill],
        &n.tmp("masked"),
    )?;
    Ok(Some(z))
}

/// Recognises `Add(x, M)` / `Add(M, x)` and `Where(C, x, F)` / `Where(C, F, x)`
/// with constant `M`, `C`, `F` holding at least one mask value.
fn find_mask(ctx: &Ctx, x: &Val) -> Option<Mask> {
    let Val::Dyn(id) = x else { return None };
    let ValueKind::Node(i) = ctx.graph.values[*id].kind else {
        return None;
    };
    let node = &ctx.graph.nodes[i];
    let konst = |v: usize| match &ctx.graph.values[v].kind {
        ValueKind::Const(t) => Some(t.mapv(f64::from)),
        _ => None,
    };
    let is_mask = |v: f64| v <= f64::from(MASK_BELOW);
    match (&node.op, node.inputs.as_slice()) {
        (Op::Add, &[a, b]) => {
            let (x, m) = match (konst(a), konst(b)) {
                (None, Some(m)) => (a, m),
                (Some(m), None) => (b, m),
                _ => return None,
            };
            if !m.iter().any(|&v| is_mask(v)) {
                return None;
            }
            Some(Mask {
                x,
                keep: m.mapv(|v| if is_mask(v) { 0.0 } else { 1.0 }),
                bias: m.mapv(|v| if is_mask(v) { 0.0 } else { v }),
                fill: m.mapv(|v| {
                    if is_mask(v) {
                        f64::from(MASKED_LOGIT)
                    } else {
                        0.0
                    }
                }),
            })
        }
        (Op::Where, &[c, a, b]) => {
            let c = konst(c)?;
            // `taken` is 1 where the run-time operand is selected.
            let (x, f, taken) = match (konst(a), konst(b)) {
                (None, Some(f)) => (a, f, c.mapv(|v| f64::from(u8::from(v != 0.0)))),
                (Some(f), None) => (b, f, c.mapv(|v| f64::from(u8::from(v == 0.0)))),
                _ => return None,
            };
            // Shapes that do not broadcast are the Where node's error to report.
            let Ok(shape) = zkml_core::ops::logic::broadcast_all(&[taken.shape(), f.shape()])
            else {
                return None;
            };
            let (Some(taken), Some(f)) = (taken.broadcast(shape.clone()), f.broadcast(shape))
            else {
                return None;
            };
            let masked = |t: f64, v: f64| t == 0.0 && is_mask(v);
            if !ndarray::Zip::from(&taken)
                .and(&f)
                .any(|&t, &v| masked(t, v))
            {
                return None;
            }
            let fill = ndarray::Zip::from(&taken).and(&f).map_collect(|&t, &v| {
                if t != 0.0 {
                    0.0
                } else if is_mask(v) {
                    f64::from(MASKED_LOGIT)
                } else {
                    v
                }
            });
            Some(Mask {
                x,
                keep: taken.to_owned(),
                bias: ArrayD::zeros(fill.shape()),
                fill,
            })
        }
        _ => None,
    }
}
