//! Per-feature input scales.
//!
//! Tabular models read features of very different ranges in one input
//! tensor (breast-cancer's `area` up to ~4,000 beside `concave points` at
//! ~0.01). One input scale must hold the largest feature within the
//! activation bound, so it is coarse, and the small features round to a few
//! quanta or to 0: the error is in the input itself, before any op.
//!
//! # The rule
//!
//! Input `x` (last axis: `F` features) gets one scale `s_f` per feature when
//!
//! * its one scale is limited by its range, not by `max_scale` (the common
//!   scale `s = ⌊log2(bound / (margin · max|x|))⌋ < max_scale`), and
//! * every node that reads `x` is a `MatMul(x, B)` with `x` on the left, `B`
//!   a constant of rank ≥ 2 that nothing else reads, whose rows (axis
//!   `rank − 2`) are `x`'s features, and `x` is not a model output.
//!
//! Feature `f` gets `s_f = max(s, min(⌊log2(bound / (margin · max|x_f|))⌋,
//! cap_f, 30))`: the finest scale that keeps its calibrated range within the
//! bound, capped where a finer input no longer changes the product
//! (`cap_f = s_out + ⌈log2(F · max_j |B_fj|)⌉ + 2`: the input's rounding,
//! `2^-(s_f+1) · |B_fj|` per term, is then below a quarter of the output's
//! own rounding over `F` terms). Every `|q_f| = |round(x_f · 2^s_f)|` stays
//! within the activation bound, so the range checks are unchanged.
//!
//! # Folding into the product (exact)
//!
//! `y_j = Σ_f x_f B_fj ≈ Σ_f (q_f / 2^s_f)(W_fj / 2^t_f)` is one integer sum
//! at one scale `P` when `s_f + t_f = P` for every `f`: row `f` of `B` is
//! stored at scale `t_f = P − s_f` ([`quantize_matmul`]), as
//! `W_fj = round(B_fj · 2^r_f) · 2^(t_f − r_f)` with `r_f` the row's own
//! weight scale (`weight_bits` significant bits, [`super::weight_scale`]),
//! capped at `t_f`. The integer op is the ordinary `MatMul` with shift
//! `P − s_out`: the executor, the plonk circuit and the sumcheck argument
//! are unchanged and attest exactly these integers. The costs are those of
//! per-channel weights: stored weights wider by the spread
//! `P − min_f(s_f + r_f)` and a rescale shift wider by as much.
//!
//! # What a verifier sees
//!
//! The public input integers are `q_f = round(x_f · 2^s_f)` along the last
//! axis; the input's [`AxisScales`] (in the compiled model and in `zkml`'s
//! `settings.json`) give `s_f`, so element `i` reads back as
//! `q_i / 2^s_(i mod F)` ([`super::QValue::dequantize_flat`]).

use super::{floor_log2, weight_scale, AxisScales, Calibration, QValueKind, QuantConfig, QuantCtx};
use crate::error::Result;
use crate::graph::Graph;
use crate::ops::{Op, QOp};
use crate::rounding::quantize_value;

/// Per value of `g`, the per-feature scales of the model inputs that get
/// them (see the module doc); `None` elsewhere.
pub(super) fn input_scales(
    g: &Graph,
    cal: &Calibration,
    cfg: &QuantConfig,
    act_scale: &dyn Fn(usize) -> i32,
) -> Vec<Option<AxisScales>> {
    let mut out = vec![None; g.values.len()];
    if !cfg.per_feature_inputs || cfg.fixed_scale.is_some() {
        return out;
    }
    let bound = ((1i64 << (cfg.act_bits - 1)) - 1) as f64;
    for (p, &x) in g.inputs.iter().enumerate() {
        let Some(maxes) = cal.input_feature_max.get(p) else {
            continue;
        };
        let shape = &g.values[x].shape;
        let f = shape.last().copied().unwrap_or(0);
        let common = act_scale(x);
        if f < 2 || maxes.len() != f || common >= cfg.max_scale || g.outputs.contains(&x) {
            continue;
        }
        let Some(weights) = folding_weights(g, x, f) else {
            continue;
        };
        let scales: Vec<i32> = (0..f)
            .map(|j| {
                let m = maxes[j] * cfg.margin;
                let base = if m > 0.0 {
                    floor_log2(bound / m)
                } else {
                    common
                };
                let cap = weights
                    .iter()
                    .map(|(out, w)| {
                        let wmax = w
                            .index_axis(ndarray::Axis(w.ndim() - 2), j)
                            .iter()
                            .fold(0f64, |a, v| a.max(v.abs() as f64));
                        if wmax > 0.0 {
                            act_scale(*out) + (f as f64 * wmax).log2().ceil() as i32 + 2
                        } else {
                            common
                        }
                    })
                    .min()
                    .unwrap_or(common);
                common.max(base.min(cap).min(30))
            })
            .collect();
        if scales.iter().any(|&s| s != common) {
            out[x] = Some(AxisScales {
                axis: shape.len() - 1,
                scales,
            });
        }
    }
    out
}

/// `(product output, B)` for every node reading `x`, if each is a
/// `MatMul(x, B)` by a constant `B` of rank ≥ 2 with `f` rows that only this
/// node reads.
fn folding_weights(g: &Graph, x: usize, f: usize) -> Option<Vec<(usize, &crate::FTensor)>> {
    let readers: Vec<_> = g.nodes.iter().filter(|n| n.inputs.contains(&x)).collect();
    if readers.is_empty() {
        return None;
    }
    readers
        .iter()
        .map(|n| {
            let (Op::MatMul, [a, b]) = (&n.op, n.inputs.as_slice()) else {
                return None;
            };
            let w = g.const_value(*b)?;
            let reads_b = g
                .nodes
                .iter()
                .flat_map(|m| &m.inputs)
                .filter(|&&i| i == *b)
                .count();
            (*a == x && w.ndim() >= 2 && w.shape()[w.ndim() - 2] == f && reads_b == 1)
                .then_some((n.output, w))
        })
        .collect()
}

/// `MatMul(x, B)` with per-feature scales on `x` (input 0): `B`'s rows are
/// stored at `t_f = P − s_f` (module doc) so the product is one integer sum
/// at scale `P`. `None` when input 0 has no per-feature scales.
pub(crate) fn quantize_matmul(c: &mut QuantCtx) -> Result<Option<(QOp, i32)>> {
    let (x, b) = (c.node.inputs[0], c.node.inputs[1]);
    let Some(a) = c.axis_scales[x].clone() else {
        return Ok(None);
    };
    let g = c.g;
    let w = g
        .const_value(b)
        .filter(|w| w.ndim() >= 2 && c.scales[b].is_none())
        .ok_or_else(|| {
            c.err("an input with per-feature scales must be multiplied by a constant matrix")
        })?;
    let (s, f) = (&a.scales, a.scales.len());
    let row_axis = ndarray::Axis(w.ndim() - 2);
    let rows: Vec<Option<i32>> = (0..f)
        .map(|j| {
            let r = w.index_axis(row_axis, j).to_owned();
            let m = r.iter().fold(0f64, |a, v| a.max(v.abs() as f64));
            (m > 0.0).then(|| weight_scale(c.cfg, &r))
        })
        .collect();
    let sums: Vec<i32> = s
        .iter()
        .zip(&rows)
        .filter_map(|(&sf, r)| r.map(|r| sf + r))
        .collect();
    let (Some(&hi), Some(&lo)) = (sums.iter().max(), sums.iter().min()) else {
        // An all-zero matrix: any common scale is exact.
        let p = s.iter().copied().max().unwrap_or(0);
        return finish(c, b, w.mapv(|_| 0), p, s, row_axis.index());
    };
    let (act, wb) = (c.cfg.act_bits as i32, c.cfg.weight_bits as i32);
    let log_f = (f as f64).log2().ceil() as i32;
    // Past it, finer weights no longer change the output (each feature's
    // represented range times 2^s_f is 2^(act_bits − 1)).
    let useful = c.cal_out + (act - 1) + log_f + 2;
    // Exact i64 accumulation: act_bits·(weight_bits + spread)·F below 2^60.
    let acc = lo + 60 - (act - 1) - (wb - 1) - log_f;
    let p = hi
        .min(useful)
        .min(acc)
        .max(s.iter().copied().max().unwrap_or(0));
    let mut q = w.mapv(|_| 0i64);
    for (j, ((mut qr, wr), &sf)) in q
        .axis_iter_mut(row_axis)
        .zip(w.axis_iter(row_axis))
        .zip(s)
        .enumerate()
    {
        let t = p - sf;
        let r = rows[j].unwrap_or(t).min(t);
        let up = 1i64 << (t - r).clamp(0, 62);
        qr.zip_mut_with(&wr, |q, &v| *q = quantize_value(v as f64, r) * up);
    }
    finish(c, b, q, p, s, row_axis.index())
}

/// Stores `B` (scale `P − s_f` per row) and returns the MatMul at scale `P`.
fn finish(
    c: &mut QuantCtx,
    b: usize,
    q: crate::ITensor,
    p: i32,
    s: &[i32],
    row_axis: usize,
) -> Result<Option<(QOp, i32)>> {
    let t: Vec<i32> = s.iter().map(|&sf| p - sf).collect();
    c.scales[b] = Some(t.iter().copied().min().unwrap_or(p));
    c.kinds[b] = Some(QValueKind::Const(q));
    c.axis_scales[b] = Some(AxisScales {
        axis: row_axis,
        scales: t,
    });
    let s_out = c.cal_out.min(p);
    Ok(Some((
        QOp::MatMul {
            shift: (p - s_out) as u32,
        },
        s_out,
    )))
}
