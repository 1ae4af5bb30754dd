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
    /// The padding mask's value (its largest `NEG`) when it is added (to the
    /// scores, and to the constant mask's values where that is inside it):
    /// in float a sum of two `finfo.min` overflows to −∞.
    neg: Option<f64>,
}

/// What an additive mask term holds: a run-time keep factor, a constant
/// part (folded masks) and, when the term adds `NEG` where `k` is 0 (rather
/// than selecting between `NEG` and the constant part), `NEG`'s largest entry.
struct Term {
    k: usize,
    konst: Option<ArrayD<f64>>,
    neg: Option<f64>,
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
            neg: t.neg,
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
        neg: t.neg,
    })
}

/// The lowering of a recognised run-time mask (module docs).
pub(super) fn lower(ctx: &mut Ctx, n: &NodeCtx, r: Runtime, axis: usize) -> Result<Val, OnnxError> {
    let k = Val::Dyn(r.k);
    let Some((m, outer)) = r.mask else {
        return runtime_mask(ctx, n, Val::Dyn(r.x), k, None, axis);
    };
    let u = biased(ctx, n, &m)?;
    let live = m.masked.mapv(|v| f64::from(u8::from(!v)));
    let (a, b) = if outer {
        (&live * &m.keep, &live * &m.keep.mapv(|v| 1.0 - v))
    } else {
        (live.clone(), ArrayD::zeros(live.shape()))
    };
    let alone = match r.neg {
        Some(neg) => singly_masked(ctx, n, &m, outer, neg, &k)?,
        None => None,
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
    runtime_mask(ctx, n, u, k, alone, axis)
}

/// The entries a row with no kept entry is uniform over, as float computes
/// it: those not at −∞. Where the padding mask's `NEG` is added to a
/// constant mask value `M` (inner forms) the float sum overflows to −∞ when
/// both are `finfo.min`; `NEG` or `M` may be −∞ themselves. With `inf0` /
/// `inf1` the entries at −∞ when `k` is 0 / 1:
///
/// * inner: `inf1 = masked·[M = −∞]`, `inf0 = masked·[f32(M + NEG) = −∞] +
///   live·[NEG = −∞]`;
/// * outer (`Where(C, x + PAD, F)`): `inf1 = masked·[F = −∞]`, `inf0 =
///   inf1 + keep·[NEG = −∞]`;
///
/// the entries at a finite value are `(1 − inf0) + k·(inf0 − inf1)`. `None`
/// when no entry is ever at −∞: every masked entry then holds the same
/// `finfo.min` and a fully masked row is uniform over the whole row.
fn singly_masked(
    ctx: &mut Ctx,
    n: &NodeCtx,
    m: &Mask,
    outer: bool,
    neg: f64,
    k: &Val,
) -> Result<Option<Val>, OnnxError> {
    let neg_inf = neg == f64::NEG_INFINITY;
    let inf1 = ndarray::Zip::from(&m.masked)
        .and(&m.value)
        .map_collect(|&mk, &v| mk && v == f64::NEG_INFINITY);
    let inf0 = ndarray::Zip::from(&m.masked)
        .and(&m.value)
        .and(&m.keep)
        .map_collect(|&mk, &v, &keep| {
            if outer {
                (mk && v == f64::NEG_INFINITY) || (keep == 1.0 && neg_inf)
            } else {
                // f32 + f32 is exact in f64; rounding it to f32 is float32's sum.
                (mk && ((v + neg) as f32).is_infinite()) || (!mk && neg_inf)
            }
        });
    if !inf0.iter().chain(inf1.iter()).any(|&v| v) {
        return Ok(None);
    }
    let bit = |b: bool| f64::from(u8::from(b));
    let rest = inf0.mapv(|v| 1.0 - bit(v));
    let step = ndarray::Zip::from(&inf0)
        .and(&inf1)
        .map_collect(|&a, &b| bit(a) - bit(b));
    if step.iter().all(|&v| v == 0.0) {
        return Ok(Some(Val::konst(Konst::float(rest))));
    }
    let s = ctx.emit(
        n.at(),
        &n.sub("mask_single_k"),
        Op::Mul,
        &[k.clone(), Val::konst(Konst::float(step))],
        &n.tmp("mask_single_k"),
    )?;
    ctx.emit(
        n.at(),
        &n.sub("mask_single"),
        Op::Add,
        &[s, Val::konst(Konst::float(rest))],
        &n.tmp("mask_single"),
    )
    .map(Some)
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
    if let Some((k, neg)) = inverted_keep(ctx, t) {
        return Some(Term {
            k,
            konst: None,
            neg: Some(neg),
        });
    }
    let node = producer(ctx, t)?;
    let folded = |(k, neg): (usize, Option<f64>), m: usize| {
        let m = konst(ctx, m)?.mapv(f64::from);
        Some(Term {
            k,
            konst: Some(m),
            neg,
        })
    };
    let added = |(k, neg): (usize, f64)| (k, Some(neg));
    match (&node.op, node.inputs.as_slice()) {
        // `PAD + M`: summed in float.
        (Op::Add, &[p, q]) => match (konst(ctx, p).is_some(), konst(ctx, q).is_some()) {
            (false, true) => folded(added(inverted_keep(ctx, p)?), q),
            (true, false) => folded(added(inverted_keep(ctx, q)?), p),
            _ => None,
        },
        // `NEG` selected instead of `M`: no sum.
        (Op::Where, &[c, neg, m]) if is_neg(ctx, neg) && konst(ctx, m).is_some() => {
            let k = cast_to_bool(ctx, c)
                .and_then(|p| inverted_keep(ctx, p).map(|(k, _)| k))
                .or_else(|| padding_is_zero(ctx, c, m))?;
            folded((k, None), m)
        }
        (Op::Where, &[c, zero, neg])
            if konst(ctx, c).is_none() && is_scalar(ctx, zero, 0.0) && is_neg(ctx, neg) =>
        {
            Some(Term {
                k: c,
                konst: None,
                neg: neg_max(ctx, neg),
            })
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
/// constant `NEG` whose every entry is a mask value: `k` and `NEG`'s
/// largest entry.
fn inverted_keep(ctx: &Ctx, t: usize) -> Option<(usize, f64)> {
    let node = producer(ctx, t)?;
    let with = |k: Option<usize>, neg: usize| Some((k?, neg_max(ctx, neg)?));
    match (&node.op, node.inputs.as_slice()) {
        (Op::Mul, &[p, q]) => match (is_neg(ctx, p), is_neg(ctx, q)) {
            (false, true) => with(one_minus(ctx, p), q),
            (true, false) => with(one_minus(ctx, q), p),
            _ => None,
        },
        (Op::Where, &[c, neg, y]) if is_neg(ctx, neg) && cast_to_bool(ctx, c) == Some(y) => {
            with(one_minus(ctx, y), neg)
        }
        _ => None,
    }
}

/// The largest entry of the constant `v` (a mask value `NEG`).
fn neg_max(ctx: &Ctx, v: usize) -> Option<f64> {
    let c = konst(ctx, v)?;
    c.iter().copied().reduce(f32::max).map(f64::from)
}

/// The run-time padding mask's lowering (parent module doc) of scores `x`
/// with the 0/1 keep factor `k`; with `alone` (see [`singly_masked`]), a
/// row with no kept entry is uniform over the entries `alone` marks instead
/// of the whole row: the final factor is `k + (1 − ReduceMax(k))·alone`
/// (`k` itself in a row with a kept entry; `alone` in one without, where
/// `m` is the row's minimum so every clamped `x − m` is 0).
fn runtime_mask(
    ctx: &mut Ctx,
    n: &NodeCtx,
    x: Val,
    k: Val,
    alone: Option<Val>,
    axis: usize,
) -> Result<Val, OnnxError> {
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
    let k = match alone {
        None => k,
        Some(alone) => {
            let top = emit("mask_any_kept", row(true), std::slice::from_ref(&k))?;
            let none = emit(
                "mask_none_kept",
                Op::Sub,
                &[Val::konst(Konst::scalar(1.0)), top],
            )?;
            let lift = emit("mask_alone", Op::Mul, &[none, alone])?;
            emit("mask_keep_alone", Op::Add, &[k, lift])?
        }
    };
    let d = emit("mask_keep", Op::Mul, &[d, k])?;
    emit(
        "masked",
        Op::Add,
        &[d, Val::konst(Konst::scalar(f64::from(MASKED_LOGIT)))],
    )
}
