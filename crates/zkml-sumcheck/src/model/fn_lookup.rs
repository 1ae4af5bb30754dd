//! Elementwise lookup ops (ReLU, Clip and every table function: Sigmoid,
//! Tanh, Exp, Erf, Gelu, …): one mechanism, the function a parameter. The
//! pairs `(a_i, o_i)` are looked up in `{v + γ·f(v)}` over the executor's
//! activation range, `f` the executor's integer rule; when `f(0) ≠ 0` the
//! zero padding is told apart by the block indicator (see the
//! [module doc](super)).

use super::{block_indicator, layout, table_of};
use crate::error::Result;
use crate::field::Fr;
use crate::mle::{log2_ceil, Mle};
use zkml_core::{QGraph, QOp};

/// The integer function of an elementwise lookup op: `max(v, 0)` (ReLU),
/// `clip(v, lo, hi)` (Clip) or a table function's
/// [`zkml_core::ops::table::table_op_int_in`] (Sigmoid, Tanh, Exp, Erf, Gelu, …;
/// above input scale 12 the input rounded to scale 12 first; with a
/// calibrated domain, clamped to it first: `f(clamp(x, lo, hi))`,
/// `zkml_core::ops::table::domain`): the executor's rule, written once in
/// zkml-core. The table below covers the whole activation range, so the
/// rounded and clamped forms are proved exactly with no change.
pub(crate) fn fn_int(op: &QOp, v: i64) -> i64 {
    match op {
        QOp::Clip { min, max } => zkml_core::ops::activation::clip_int(v, *min, *max),
        QOp::Table {
            func,
            in_scale,
            out_scale,
            domain,
        } => zkml_core::ops::table::table_op_int_in(*func, v, *in_scale, *out_scale, *domain),
        _ => v.max(0),
    }
}

/// Whether `op` is proved by one lookup of `(input, output)` pairs
/// ([`relu_table`]): ReLU, Clip and every table function.
pub(crate) fn is_fn_lookup(op: &QOp) -> bool {
    matches!(op, QOp::Relu | QOp::Clip { .. } | QOp::Table { .. })
}

/// Whether the lookup column of `op` carries the block indicator `I` (1 on
/// the tensor's entries, 0 on its padding): when `f(0) ≠ 0`, the padding
/// pair `(0, 0)` is not a pair of `f`, so the column is `a + γ·o + γ²·I` and
/// the table gets the entry `0` for the padding.
pub(crate) fn fn_indicator(op: &QOp) -> bool {
    fn_int(op, 0) != 0
}

/// The table of an elementwise lookup op `op` ([`is_fn_lookup`]) over the
/// executor's activation range: `{v + γ·f(v) (+ γ²) : v, f(v) ∈ [−B − 1, B]}`
/// (the `γ²` when [`fn_indicator`]), where `f` is [`fn_int`]. Inputs whose
/// output the executor refuses (undefined, infinite or out of range) have
/// no entry: their slot holds `0`, which is the pair `(0, f(0) = 0)` or,
/// with the indicator, the padding entry; with the indicator and no such
/// slot, `0` is appended. Both ends compute it from the model and `γ`.
pub(crate) fn relu_table(q: &QGraph, op: &QOp, gamma: Fr) -> Vec<Fr> {
    let ind = fn_indicator(op);
    let extra = if ind { gamma * gamma } else { Fr::from(0) };
    let mut free = false;
    let mut t: Vec<Fr> = q
        .range()
        .map(|v| {
            #[allow(unused_mut)]
            let mut y = fn_int(op, v);
            #[cfg(test)]
            if FORGED_ENTRY.with(|f| f.get()) == Some(v) {
                y += 1;
            }
            if q.range().contains(&y) {
                crate::field::fr_from_i64(v) + gamma * crate::field::fr_from_i64(y) + extra
            } else {
                free = true;
                Fr::from(0)
            }
        })
        .collect();
    if ind && !free {
        t.push(Fr::from(0));
    }
    t
}

#[cfg(test)]
thread_local! {
    /// Tests: the input whose entry [`relu_table`] gives `f(v) + 1` (a
    /// cheating prover's table with one entry changed).
    pub(crate) static FORGED_ENTRY: std::cell::Cell<Option<i64>> =
        const { std::cell::Cell::new(None) };
}

/// Variables of [`relu_table`]'s padded table.
pub(crate) fn fn_table_vars(q: &QGraph, op: &QOp) -> usize {
    let n = q.range().count();
    let free = q.range().any(|v| !q.range().contains(&fn_int(op, v)));
    log2_ceil(n + usize::from(fn_indicator(op) && !free))
}

/// The lookup column of node `op` with input table `a` and output table `o`
/// (shape `shape`): `a + γ·o`, plus `γ²·I` when [`fn_indicator`].
pub(crate) fn fn_column(op: &QOp, shape: &[usize], a: &Mle, o: &Mle, gamma: Fr) -> Result<Vec<Fr>> {
    let mut w: Vec<Fr> = a
        .evals
        .iter()
        .zip(&o.evals)
        .map(|(x, y)| *x + gamma * y)
        .collect();
    if fn_indicator(op) {
        let n: usize = shape.iter().product();
        let ind = table_of(shape, &vec![1; n])?;
        let g2 = gamma * gamma;
        for (wi, ii) in w.iter_mut().zip(&ind.evals) {
            *wi += g2 * ii;
        }
    }
    Ok(w)
}

/// The public part of [`fn_column`] at `point`: `γ²·Ĩ(point)` when
/// [`fn_indicator`] (`Ĩ` the block indicator of `shape`'s layout), else 0.
pub(crate) fn fn_public(op: &QOp, shape: &[usize], gamma: Fr, point: &[Fr]) -> Fr {
    if fn_indicator(op) {
        let (r, c) = layout(shape);
        gamma * gamma * block_indicator(r, c, point)
    } else {
        Fr::from(0)
    }
}
