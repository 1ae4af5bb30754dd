//! Attention masks before a Softmax, in the two forms exporters write:
//!
//! * additive: `Softmax(x + M)` with a constant `M` holding "minus infinity"
//!   entries (−10000, `finfo.min`, −∞; BERT, older Hugging Face, EZKL demos);
//! * selected: `Softmax(Where(C, x, F))` (or `Where(C, F, x)`) with a
//!   constant condition `C` (a causal `Trilu`) and a constant fill `F`
//!   (`finfo(float32).min`, new Hugging Face GPT-2).
//!
//! Quantizing either as written would make the masked tensor span ±10⁴ (or
//! ±3.4·10³⁸: a scale of 2⁻¹¹⁵) and leave no fraction bits for `x`. Each
//! entry of the Softmax's input is instead classed, from the constants alone,
//! as *kept* (`x + b`, `b` the finite part of `M`), *constant* (a `Where`
//! fill that is not a mask value, `c`) or *masked*; kept and constant entries
//! are *live*. The Softmax handler lowers it as
//!
//! ```text
//! u = (x + b)·keep + c          (the Mul/Add only when some c ≠ 0)
//! m = ReduceMax(Gather(u))      the row's largest live entry: a constant
//!                               index map picks each row's live positions
//!                               (a short row repeats one), so no mask value
//!                               ever enters the graph
//! Softmax(max(u − m, MASKED_LOGIT)·live + fill)
//!     live = 1 where kept or constant, 0 where masked
//!     fill = MASKED_LOGIT where masked, else 0
//! ```
//!
//! (Add, Gather, ReduceMax, Sub, Clip, Mul and Add: each exact in the integer
//! executor and proven by the backends like any other node).
//!
//! **Equal to ONNX's Softmax within quantization error, for any input.**
//! Softmax is invariant to a shift of its row, and `m` is a live entry, so
//! the live entries' differences are kept whatever their magnitude (kept
//! logits at −60 or −10⁴ keep their spread). The clamp only moves live
//! entries more than `|MASKED_LOGIT|` = 24 below the row's maximum, whose
//! probability `e^−24 < 4·10⁻¹¹` is below one step of any probability scale
//! (≤ 2³⁰); it bounds the Softmax input to `[−24, 0]`, so its scale does not
//! depend on the scores' spread.
//!
//! **A masked entry contributes exactly 0, proven.** In a row with a live
//! entry the row maximum is exactly 0 (the integer `u − m` of the live
//! maximum) and a masked entry is exactly `MASKED_LOGIT` = −24. Softmax's
//! integer exponential ([`zkml_core::ops::softmax`]) rounds `e^−24·2^s_e` to
//! 0 for every exponential scale `s_e ≤ 33` (the default is 8; 30 is the most
//! 32-bit activations allow), so the exponential the proof's table lookup
//! shows for a masked entry is 0.
//!
//! **Rows with no kept entry** (pinned by `tests/attention_mask.rs`):
//!
//! * masked entirely by a finite additive constant (`x + M` with every `M` of
//!   the row at −10000, say): ONNX gives the softmax of `x + M` over the row,
//!   i.e. of `x` plus the differences of `M`. Its entries within 24 of the
//!   row's largest constant `M*` are kept with bias `M − M*` (the rest are
//!   masked), which is that softmax within `e^−24`, as long as `M* ≥
//!   −FINITE_ROW` (−10⁶; below it float32's `x + M` itself has lost `x` to
//!   rounding);
//! * every other fully masked row (`finfo.min`, −∞, or a `Where` fill):
//!   uniform, as `finfo.min` and a constant fill make it in float (−∞ makes
//!   ONNX's row NaN).
//!
//! **A run-time padding mask** (`x + (1 − k)·NEG`, the Hugging Face / BERT
//! encoder form: an `attention_mask` input `k` of 0s and 1s, Unsqueezed or
//! Expanded, Cast, `Sub(1, ·)`, `Mul` by −10000 or `finfo.min`, or newer
//! transformers' `masked_fill(inverted.bool(), finfo.min)`, a `Where`) has no
//! constant to class entries by. It is lowered, with `k` as a run-time
//! factor, as
//!
//! ```text
//! lo = ReduceMin(x)                   the row's smallest score
//! m  = ReduceMax((x − lo)·k + lo)     masked entries moved down to lo:
//!                                     the row's largest kept score
//! Softmax((min(max(x − m, −24), 0) + 24)·k − 24)
//! ```
//!
//! so again the row's kept maximum is 0 (up to the rounding of `m`), a
//! masked entry exactly −24 (exponential 0, proven) and the result ONNX's
//! Softmax within quantization error. `k` must hold 0s and 1s (other values
//! are outside what the mask means); a row with no kept entry is uniform (as
//! `finfo.min` makes it; ONNX's `−10000` form gives `softmax(x)` there).
//!
//! **A padding mask and a constant (causal) mask on the same scores**, one
//! after the other or folded into one additive mask (decoder exports with an
//! `attention_mask`: Hugging Face GPT-2, Llama), are lowered the same way on
//! `u = (x + b)·keep + c` with the factor `k·live` (an entry is kept when
//! both masks keep it): masked entries exactly −24 again, whichever mask
//! masks them. `masked/runtime.rs` lists the forms recognised.
//!
//! **Rows with no kept entry under both masks** (left padding: the rows of
//! padded query positions) are what float32 makes them. Where the padding
//! mask's `finfo.min` is *added* to a causal `finfo.min` (old Hugging Face
//! GPT-2, Llama before transformers 4.36) the sum overflows to −∞ (weight 0)
//! while an entry masked once stays at `finfo.min`, so onnxruntime's row is
//! uniform over the entries masked once; a −∞ mask leaves its entries at
//! −∞. The lowering marks, from the constants and `k`, the entries float
//! leaves finite (`alone`, a 0/1 factor affine in `k`) and uses the factor
//! `K + (1 − ReduceMax(K))·alone` in the last step: `K` itself in a row
//! with a kept entry, `alone` in one without (where `m` is the row's
//! minimum, every clamped `x − m` is 0 and the row becomes 0 on `alone`,
//! −24 elsewhere: uniform over `alone`, the rest exactly 0). Where nothing
//! overflows (the `masked_fill` forms select `finfo.min` instead of adding
//! it) every masked entry is `finfo.min` and the row is uniform over the
//! whole row. Pinned by `tests/left_padding.rs` against float32 semantics.
//! Not modelled: a finite mask (−10000) on such a row, where float keeps the
//! scores' differences.

mod runtime;

use ndarray::{ArrayD, Axis, IxDyn, Zip};
use zkml_core::ops::IndexMap;
use zkml_core::{Op, ValueKind};

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// Additive constants (or `Where` fills) at or below this are masks.
pub const MASK_BELOW: f32 = -1000.0;

/// The logit a masked entry gets, relative to its row's largest live entry
/// (0); live entries further below are clamped to it.
pub const MASKED_LOGIT: f32 = -24.0;

/// A row masked entirely by finite additive constants is the softmax of
/// `x + M` (see the module doc) while its largest constant is at least
/// `−FINITE_ROW`; below that, uniform.
pub const FINITE_ROW: f32 = 1.0e6;

/// What a mask node contributes, per element of its output (every array has
/// the output's rank and broadcasts against it): the run-time operand `x`,
/// and whether `x` is kept, its finite additive bias, the constant taken
/// instead of `x` (live, not masked), whether the entry is masked, and the
/// mask value a masked entry holds in float (`M` or the fill `F`; 0 where
/// live).
struct Mask {
    x: usize,
    keep: ArrayD<f64>,
    bias: ArrayD<f64>,
    konst: ArrayD<f64>,
    masked: ArrayD<bool>,
    value: ArrayD<f64>,
}

/// When `x` is the output of an additive or a `Where` mask, a run-time
/// padding mask, or both (see the module doc), the masked logits for a
/// Softmax along `axis`; otherwise `None`. The original nodes are left to
/// dead-code pruning.
pub fn unmask(ctx: &mut Ctx, n: &NodeCtx, x: &Val, axis: usize) -> Result<Option<Val>, OnnxError> {
    let out_shape = ctx.shape(x);
    if let Some(r) = runtime::find(ctx, x, axis, out_shape.len()) {
        return runtime::lower(ctx, n, r, axis).map(Some);
    }
    let Some(m) = find_mask(ctx, x, axis, out_shape.len()) else {
        return Ok(None);
    };
    let u = biased(ctx, n, &m)?;
    if !m.masked.iter().any(|&v| v) {
        // Every entry live and no constant (a finite mask over whole rows):
        // the shift-invariant Softmax of `x + b`.
        return Ok(Some(u));
    }
    let live = m.masked.mapv(|v| !v);
    let map = live_map(&ctx.shape(&u), &out_shape, &live, axis);
    let picked = ctx.emit(
        n.at(),
        &n.sub("mask_live"),
        Op::Gather(map),
        std::slice::from_ref(&u),
        &n.tmp("mask_live"),
    )?;
    let top = ctx.emit(
        n.at(),
        &n.sub("mask_max"),
        Op::ReduceMax {
            axes: vec![axis],
            keepdims: true,
        },
        &[picked],
        &n.tmp("mask_max"),
    )?;
    let mut z = ctx.emit(
        n.at(),
        &n.sub("mask_shift"),
        Op::Sub,
        &[u, top],
        &n.tmp("mask_shift"),
    )?;
    z = ctx.emit(
        n.at(),
        &n.sub("mask_floor"),
        Op::Clip {
            min: MASKED_LOGIT,
            max: f32::INFINITY,
        },
        &[z],
        &n.tmp("mask_floor"),
    )?;
    let fill = m
        .masked
        .mapv(|v| if v { f64::from(MASKED_LOGIT) } else { 0.0 });
    let live = Val::konst(Konst::float(live.mapv(|v| f64::from(u8::from(v)))));
    z = ctx.emit(
        n.at(),
        &n.sub("mask_keep"),
        Op::Mul,
        &[z, live],
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

/// `u = (x + b)·keep + c` of a constant mask `m` (the Add only when some
/// `b ≠ 0`, the Mul and Add only when some `c ≠ 0`).
fn biased(ctx: &mut Ctx, n: &NodeCtx, m: &Mask) -> Result<Val, OnnxError> {
    let mut u = Val::Dyn(m.x);
    if m.bias.iter().any(|&v| v != 0.0) {
        let b = Val::konst(Konst::float(m.bias.clone()));
        u = ctx.emit(
            n.at(),
            &n.sub("mask_bias"),
            Op::Add,
            &[u, b],
            &n.tmp("mask_bias"),
        )?;
    }
    if m.konst.iter().any(|&v| v != 0.0) {
        let keep = Val::konst(Konst::float(m.keep.clone()));
        u = ctx.emit(
            n.at(),
            &n.sub("mask_select"),
            Op::Mul,
            &[u, keep],
            &n.tmp("mask_select"),
        )?;
        let c = Val::konst(Konst::float(m.konst.clone()));
        u = ctx.emit(
            n.at(),
            &n.sub("mask_const"),
            Op::Add,
            &[u, c],
            &n.tmp("mask_const"),
        )?;
    }
    Ok(u)
}

/// The index map from `u` (shape `u_shape`, broadcast to `out`) to each
/// row's live entries along `axis`: `K` (the most live entries of a row)
/// positions per row, a row with fewer repeating its first live position (a
/// row with none, its first position: it is all fill).
fn live_map(u_shape: &[usize], out: &[usize], live: &ArrayD<bool>, axis: usize) -> IndexMap {
    let numel: usize = u_shape.iter().product();
    let flat = ArrayD::from_shape_vec(IxDyn(u_shape), (0..numel).collect::<Vec<usize>>())
        .expect("the shape's element count");
    let pos = flat
        .broadcast(IxDyn(out))
        .expect("u broadcasts to the output");
    let live = live
        .broadcast(IxDyn(out))
        .expect("the mask broadcasts to the output");
    let k = live
        .lanes(Axis(axis))
        .into_iter()
        .map(|l| l.iter().filter(|&&v| v).count())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut shape = out.to_vec();
    shape[axis] = k;
    let mut index = ArrayD::<usize>::zeros(IxDyn(&shape));
    for ((mut dst, p), l) in index
        .lanes_mut(Axis(axis))
        .into_iter()
        .zip(pos.lanes(Axis(axis)))
        .zip(live.lanes(Axis(axis)))
    {
        let picked: Vec<usize> = p
            .iter()
            .zip(&l)
            .filter(|(_, &v)| v)
            .map(|(&i, _)| i)
            .collect();
        let pad = picked.first().copied().unwrap_or(p[0]);
        for (j, d) in dst.iter_mut().enumerate() {
            *d = picked.get(j).copied().unwrap_or(pad);
        }
    }
    IndexMap {
        shape,
        index: index.iter().copied().collect(),
    }
}

/// `a` with leading axes of size 1 up to `rank` (broadcasting unchanged), in
/// standard layout: a constant folded from a Slice of a larger mask, or one
/// made by `Zip`, may be in another layout, which `into_shape_with_order`
/// refuses.
fn to_rank<T: Clone>(a: ArrayD<T>, rank: usize) -> ArrayD<T> {
    let mut shape = vec![1; rank.saturating_sub(a.ndim())];
    shape.extend_from_slice(a.shape());
    let data: Vec<T> = a.iter().cloned().collect();
    ArrayD::from_shape_vec(IxDyn(&shape), data).expect("same element count, standard layout")
}

/// Recognises `Add(x, M)` / `Add(M, x)` and `Where(C, x, F)` / `Where(C, F, x)`
/// with constant `M`, `C`, `F` holding at least one mask value, for a Softmax
/// along `axis` of its rank-`rank` output.
fn find_mask(ctx: &Ctx, x: &Val, axis: usize, rank: usize) -> Option<Mask> {
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
            additive(x, m, axis, rank)
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
            let shape = zkml_core::ops::logic::broadcast_all(&[taken.shape(), f.shape()]).ok()?;
            let (taken, f) = (taken.broadcast(shape.clone())?, f.broadcast(shape.clone())?);
            let masked = Zip::from(&taken)
                .and(&f)
                .map_collect(|&t, &v| t == 0.0 && is_mask(v));
            if !masked.iter().any(|&v| v) || shape.len() > rank {
                return None;
            }
            let konst = Zip::from(&taken).and(&f).map_collect(|&t, &v| {
                if t == 0.0 && !is_mask(v) {
                    v
                } else {
                    0.0
                }
            });
            let value = Zip::from(&masked)
                .and(&f)
                .map_collect(|&m, &v| if m { v } else { 0.0 });
            Some(Mask {
                x,
                keep: to_rank(taken.to_owned(), rank),
                bias: ArrayD::zeros(IxDyn(&vec![1; rank])),
                konst: to_rank(konst, rank),
                masked: to_rank(masked, rank),
                value: to_rank(value, rank),
            })
        }
        _ => None,
    }
}

/// The constant mask of `Softmax(x + M)` along `axis` of a rank-`rank`
/// output (entries at or below [`MASK_BELOW`] masked; a row with no kept
/// entry as the module doc says); `None` when `M` has a higher rank.
fn additive(x: usize, m: ArrayD<f64>, axis: usize, rank: usize) -> Option<Mask> {
    if m.ndim() > rank {
        return None;
    }
    let is_mask = |v: f64| v <= f64::from(MASK_BELOW);
    let m = to_rank(m, rank);
    let mut keep = m.mapv(|v| f64::from(u8::from(!is_mask(v))));
    let mut bias = m.mapv(|v| if is_mask(v) { 0.0 } else { v });
    // A row with no kept entry: softmax of `x + M` (module doc).
    for ((mut k, mut b), row) in keep
        .lanes_mut(Axis(axis))
        .into_iter()
        .zip(bias.lanes_mut(Axis(axis)))
        .zip(m.lanes(Axis(axis)))
    {
        let top = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !is_mask(top) || !top.is_finite() || top < -f64::from(FINITE_ROW) {
            continue;
        }
        for ((k, b), &v) in k.iter_mut().zip(b.iter_mut()).zip(&row) {
            if v - top > f64::from(MASKED_LOGIT) {
                *k = 1.0;
                *b = v - top;
            }
        }
    }
    let masked = keep.mapv(|v| v == 0.0);
    let value = Zip::from(&masked)
        .and(&m)
        .map_collect(|&k, &v| if k { v } else { 0.0 });
    Some(Mask {
        x,
        masked,
        value,
        konst: ArrayD::zeros(keep.shape()),
        keep,
        bias,
    })
}

/// The node producing value `v`, if any.
fn producer(ctx: &Ctx, v: usize) -> Option<&zkml_core::Node> {
    match ctx.graph.values[v].kind {
        ValueKind::Node(i) => Some(&ctx.graph.nodes[i]),
        _ => None,
    }
}
