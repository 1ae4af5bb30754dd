//! Run-time attention masks (the parent module's doc gives the lowering):
//! a padding mask `k` from an `attention_mask` input, alone or combined with
//! a constant (causal) mask on the same scores, in the forms exporters
//! write them:
//!
//! * one after the other, in either order: `Add(Where(C, x, F), PAD)` (old
//!   Hugging Face GPT-2: the causal `Where` in the attention, the padding
//!   mask added after it), `Add(Add(x, M), PAD)`, `Where(C, Add(x, PAD), F)`;
//! * folded into one additive mask: `Add(x, Add(PAD, M))` (Llama before
//!   transformers 4.36: `expanded_attn_mask + causal_mask`) or
//!   `Add(x, Where(Cast(PAD, bool), NEG, M))` (transformers 4.36's
//!   `causal_4d_mask.masked_fill(expanded_attn_mask.bool(), min)`), or
//!   `Add(x, Where(Equal(Add(M, k), 0), NEG, M))` (transformers 4.40+'s
//!   `_update_causal_mask` over the full length: `causal.masked_fill(
//!   (causal + attention_mask) == 0, min)`);
//!
//! where `PAD` is `Mul(Sub(1, k), NEG)` or `Where(Cast(Sub(1, k), bool),
//! NEG, Sub(1, k))`, and `M`, `C`, `F` are constants. A boolean run-time
//! mask added as `Where(k, 0, NEG)` (`scaled_dot_product_attention`'s
//! export of a boolean `attn_mask`) is a padding mask `k` too.
//!
//! With a constant mask `(keep, b, c, live)` (parent module) the scores
//! become `u = (x + b)·keep + c` and the run-time factor
//! `K = k·A + B`, one where an entry is live under both masks:
//!
//! * constant mask inside the run-time one (or folded with it): `A = live`,
//!   `B = 0` (a masked constant stays masked; a kept entry is masked by `k`);
//! * constant mask outside (`Where(C, Add(x, PAD), F)`): an entry the
//!   `Where` takes from the scores is masked by `k`, one it fills with a
//!   finite constant is live whatever `k` is: `A = live·keep`,
//!   `B = live·(1 − keep)`.
//!
//! `u` and `K` then go through the run-time lowering.

use ndarray::ArrayD;
use zkml_core::ops::Cmp;
use zkml_core::{Op, ValueKind};

use super::{additive, biased, find_mask, producer, Mask, MASKED_LOGIT, MASK_BELOW};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// A run-time mask on the scores `x`: its 0/1 factor `k` and the constant
/// mask on the same scores, if any.
pub(super) struct Runtime {
    /// The scores (before any mask).
    x: usize,
    /// The run-time 0/1 keep factor.
    k: usize,
    /// The constant mask and whether it is applied after (outside) the
    /// run-time one.
    mask: Option<(Mask, bool)>,
}

/// What an additive mask term holds: a run-time keep factor and a constant
/// part (folded masks).
struct Term {
    k: usize,
    konst: Option<ArrayD<f64>>,
}

/// Recognises a run-time mask on the Softmax input `x` (module doc), for a
/// Softmax along `axis` of its rank-`rank` output.
pub(super) fn find(ctx: &Ctx, x: &Val, axis: usize, rank: usize) -> Option<Runtime> {
    let Val::Dyn(id) = x else { return None };
    if let Some((y, t)) = added_term(ctx, *id) {
        // The run-time term is added last: any constant mask is folded into
        // it or applied to `y` before.
        let mask = match t.konst {
            Some(m) => Some(additive(y, m, axis, rank)?),
            None => find_mask(ctx, &Val::Dyn(y), axis, rank),
        };
        return Some(Runtime {
            x: mask.as_ref().map_or(y, |m| m.x),
            k: t.k,
            mask: mask.map(|m| (m, false)),
        });
    }
    // A constant mask applied last, over scores with a run-time term.
    let mut m = find_mask(ctx, x, axis, rank)?;
    let (y, t) = added_term(ctx, m.x)?;
    if t.konst.is_some() {
        return None;
    }
    m.x = y;
    Some(Runtime {
        x: y,
        k: t.k,
        mask: Some((m, true)),
    })
}

/// The lowering of a recognised run-time mask (module docs).
pub(super) fn lower(ctx: &mut Ctx, n: &NodeCtx, r: Runtime, axis: usize) -> Result<Val, OnnxError> {
    let k = Val::Dyn(r.k);
    let Some((m, outer)) = r.mask else {
        return runtime_mask(ctx, n, Val::Dyn(r.x), k, axis);
    };
    let u = biased(ctx, n, &m)?;
    let live = m.masked.mapv(|v| f64::from(u8::from(!v)));
    let (a, b) = if outer {
        (&live * &m.keep, &live * &m.keep.mapv(|v| 1.0 - v))
    } else {
        (live.clone(), ArrayD::zeros(live.shape()))
    };
    let mut k = k;
    if a.iter().any(|&v| v != 1.0) {
        k = ctx.emit(
            n.at(),
            &n.sub("mask_live_keep"),
            Op::Mul,
            &[k, Val::konst(Konst::float(a))],
            &n.tmp("mask_live_keep"),
        )?;
    }
    if b.iter().any(|&v| v != 0.0) {
        k = ctx.emit(
            n.at(),
            &n.sub("mask_const_keep"),
            Op::Add,
            &[k, Val::konst(Konst::float(b))],
            &n.tmp("mask_const_keep"),
        )?;
    }
    runtime_mask(ctx, n, u, k, axis)
}

/// The constant behind graph value `v`, if it is one.
fn konst(ctx: &Ctx, v: usize) -> Option<&ArrayD<f32>> {
    match &ctx.graph.values[v].kind {
        ValueKind::Const(t) => Some(t),
        _ => None,
    }
}

/// Every entry of `v` is a constant mask value.
fn is_neg(ctx: &Ctx, v: usize) -> bool {
    konst(ctx, v).is_some_and(|c| c.iter().all(|&c| c <= MASK_BELOW))
}

/// Every entry of `v` is the constant `want`.
fn is_scalar(ctx: &Ctx, v: usize, want: f32) -> bool {
    konst(ctx, v).is_some_and(|c| c.iter().all(|&c| c == want))
}

/// `Add(y, T)` / `Add(T, y)` with a run-time `y` and an additive mask term
/// `T` holding a run-time keep factor: `(y, T)`.
fn added_term(ctx: &Ctx, v: usize) -> Option<(usize, Term)> {
    let add = producer(ctx, v)?;
    let (Op::Add, &[a, b]) = (&add.op, add.inputs.as_slice()) else {
        return None;
    };
    [(a, b), (b, a)].into_iter().find_map(|(y, t)| {
        konst(ctx, y)
            .is_none()
            .then(|| term(ctx, t))
            .flatten()
            .map(|t| (y, t))
    })
}

/// An additive mask term with a run-time keep factor (module doc): a
/// padding mask `PAD`, `Where(k, 0, NEG)`, or `PAD` folded with a constant
/// `M` (`Add(PAD, M)`, `Where(Cast(PAD, bool), NEG, M)`).
fn term(ctx: &Ctx, t: usize) -> Option<Term> {
    if let Some(k) = inverted_keep(ctx, t) {
        return Some(Term { k, konst: None });
    }
    let node = producer(ctx, t)?;
    let folded = |k: usize, m: usize| {
        let m = konst(ctx, m)?.mapv(f64::from);
        Some(Term { k, konst: Some(m) })
    };
    match (&node.op, node.inputs.as_slice()) {
        (Op::Add, &[p, q]) => match (konst(ctx, p).is_some(), konst(ctx, q).is_some()) {
            (false, true) => folded(inverted_keep(ctx, p)?, q),
            (true, false) => folded(inverted_keep(ctx, q)?, p),
            _ => None,
        },
        (Op::Where, &[c, neg, m]) if is_neg(ctx, neg) && konst(ctx, m).is_some() => {
            let k = cast_to_bool(ctx, c)
                .and_then(|p| inverted_keep(ctx, p))
                .or_else(|| padding_is_zero(ctx, c, m))?;
            folded(k, m)
        }
        (Op::Where, &[c, zero, neg])
            if konst(ctx, c).is_none() && is_scalar(ctx, zero, 0.0) && is_neg(ctx, neg) =>
        {
            Some(Term { k: c, konst: None })
        }
        _ => None,
    }
}

/// `c = Sub(1, Equal(y, 0))` (the loader's Cast of a run-time `y` to bool): `y`.
fn cast_to_bool(ctx: &Ctx, c: usize) -> Option<usize> {
    let cast = producer(ctx, c)?;
    let (Op::Sub, &[one, e]) = (&cast.op, cast.inputs.as_slice()) else {
        return None;
    };
    let eq = producer(ctx, e)?;
    match (&eq.op, eq.inputs.as_slice()) {
        (Op::Compare(Cmp::Equal), &[y, zero])
            if is_scalar(ctx, one, 1.0) && is_scalar(ctx, zero, 0.0) =>
        {
            Some(y)
        }
        _ => None,
    }
}

/// `c = Equal(Add(M, k), 0)` (either order in the Add) with the same
/// constant `M` the `Where` keeps, every entry of it 0 or a mask value, and a
/// run-time `k`: transformers 4.40+'s `padding_mask = (causal_mask +
/// attention_mask) == 0` (Llama's `_update_causal_mask`), true exactly where
/// `M` keeps an entry and `k` is 0: `k`.
fn padding_is_zero(ctx: &Ctx, c: usize, m: usize) -> Option<usize> {
    let eq = producer(ctx, c)?;
    let (Op::Compare(Cmp::Equal), &[e, zero]) = (&eq.op, eq.inputs.as_slice()) else {
        return None;
    };
    let add = producer(ctx, e)?;
    let (Op::Add, &[p, q]) = (&add.op, add.inputs.as_slice()) else {
        return None;
    };
    let (mc, k) = match (konst(ctx, p), konst(ctx, q)) {
        (Some(mc), None) => (mc, q),
        (None, Some(mc)) => (mc, p),
        _ => return None,
    };
    let same = konst(ctx, m).is_some_and(|mm| mm == mc);
    let zero_or_mask = mc.iter().all(|&v| v == 0.0 || v <= MASK_BELOW);
    (is_scalar(ctx, zero, 0.0) && same && zero_or_mask).then_some(k)
}

/// `v = Sub(1, k)` with a run-time `k`: `k`.
fn one_minus(ctx: &Ctx, v: usize) -> Option<usize> {
    let sub = producer(ctx, v)?;
    let (Op::Sub, &[one, k]) = (&sub.op, sub.inputs.as_slice()) else {
        return None;
    };
    (is_scalar(ctx, one, 1.0) && konst(ctx, k).is_none()).then_some(k)
}

/// A padding mask `t`: `Mul(Sub(1, k), NEG)` (either order) or
/// `Where(Cast(y, bool), NEG, y)` with `y = Sub(1, k)` (transformers'
/// `inverted.masked_fill(inverted.bool(), min)`), for a run-time `k` and a
/// constant `NEG` whose every entry is a mask value: `k`.
fn inverted_keep(ctx: &Ctx, t: usize) -> Option<usize> {
    let node = producer(ctx, t)?;
    match (&node.op, node.inputs.as_slice()) {
        (Op::Mul, &[p, q]) => match (is_neg(ctx, p), is_neg(ctx, q)) {
            (false, true) => one_minus(ctx, p),
            (true, false) => one_minus(ctx, q),
            _ => None,
        },
        (Op::Where, &[c, neg, y]) if is_neg(ctx, neg) && cast_to_bool(ctx, c) == Some(y) => {
            one_minus(ctx, y)
        }
        _ => None,
    }
}

/// The run-time padding mask's lowering (parent module doc) of scores `x`
/// with the 0/1 keep factor `k`.
fn runtime_mask(ctx: &mut Ctx, n: &NodeCtx, x: Val, k: Val, axis: usize) -> Result<Val, OnnxError> {
    let row = |max: bool| {
        let (axes, keepdims) = (vec![axis], true);
        if max {
            Op::ReduceMax { axes, keepdims }
        } else {
            Op::ReduceMin { axes, keepdims }
        }
    };
    let mut emit = |name: &str, op: Op, inputs: &[Val]| {
        ctx.emit(n.at(), &n.sub(name), op, inputs, &n.tmp(name))
    };
    let lo = emit("mask_low", row(false), std::slice::from_ref(&x))?;
    let up = emit("mask_up", Op::Sub, &[x.clone(), lo.clone()])?;
    let up = emit("mask_up_kept", Op::Mul, &[up, k.clone()])?;
    let v = emit("mask_kept", Op::Add, &[up, lo])?;
    let m = emit("mask_max", row(true), &[v])?;
    let d = emit("mask_shift", Op::Sub, &[x, m])?;
    let d = emit(
        "mask_floor",
        Op::Clip {
            min: MASKED_LOGIT,
            max: 0.0,
        },
        &[d],
    )?;
    let d = emit(
        "mask_lift",
        Op::Add,
        &[d, Val::konst(Konst::scalar(-f64::from(MASKED_LOGIT)))],
    )?;
    let d = emit("mask_keep", Op::Mul, &[d, k])?;
    emit(
        "masked",
        Op::Add,
        &[d, Val::konst(Konst::scalar(f64::from(MASKED_LOGIT)))],
    )
}
