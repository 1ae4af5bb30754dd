//! A worst-case bound on how far the integer executor's (dequantized) values
//! can be from the float reference, tensor by tensor.
//!
//! This is the *stated, justified tolerance* of the float-vs-integer tests:
//! rather than one magic constant, each tensor's bound is propagated through
//! the graph from the rounding each quantization step introduces:
//!
//! * rounding a real to scale `2^-s` (inputs, constants, every rescale, table
//!   output) errs by at most `u(s) = 2^-(s+1)`;
//! * a product `a·w` with errors `e_a`, `e_w` errs by at most
//!   `|w|·e_a + |a|·e_w + e_a·e_w`; a `K`-term sum by `K` times the worst term;
//! * Relu, Clip, MaxPool and the shape ops are 1-Lipschitz; averages keep the
//!   input's error; a table function moves by its largest change over the
//!   input's error interval ([`crate::ops::table::error_bound`]); softmax moves at
//!   most `e_in / 2` (its Jacobian rows sum to `2y(1−y) ≤ ½` in absolute value)
//!   plus the exponential table's rounding, amplified by at most `1 + n` for a
//!   lane of `n` (the sum of exponentials is at least 1).
//! * a linear layer amplifies its input's error by the largest ℓ1 norm of a
//!   weight row (computed from the weights), its weights' error by `K·max|x|`.
//!
//! Magnitudes (`|a|`, `|w|`) are taken from the float run itself (plus their
//! own error), so the bound holds for that input.

use crate::graph::Graph;
use crate::ops::{table, QOp};
use crate::quant::{QGraph, QValueKind};
use crate::tensor::FTensor;

fn u(s: i32) -> f64 {
    crate::rounding::pow2f(-(s as i64 + 1))
}

fn max_abs(t: &FTensor) -> f64 {
    t.iter().fold(0f64, |m, &x| m.max(x.abs() as f64))
}

/// Per-value bound on `|dequantized integer − float|` for one execution,
/// given the float run's values (`crate::float::eval_float`).
pub fn error_bounds(g: &Graph, q: &QGraph, float_values: &[FTensor]) -> Vec<f64> {
    let mut e = vec![0f64; q.values.len()];
    for (id, v) in q.values.iter().enumerate() {
        match v.kind {
            QValueKind::Input => e[id] = u(v.scale),
            QValueKind::Const(_) => e[id] = u(v.scale),
            QValueKind::Node(_) => {}
        }
    }
    for node in &q.nodes {
        let x = &node.inputs;
        let s_out = q.values[node.output].scale;
        let m = |i: usize| max_abs(&float_values[i]) + e[i];
        let ein = e[x[0]];
        let bound = match &node.op {
            QOp::Conv { conv, shift } => {
                let k = (q.values[x[1]].shape[1] * conv.kernel[0] * conv.kernel[1]) as f64;
                let w_l1 = row_l1(&float_values[x[1]], 1);
                let prod = (w_l1 + k * e[x[1]]) * ein + k * m(x[0]) * e[x[1]];
                let bias = x.get(2).map_or(0.0, |&b| e[b]);
                prod + bias + if *shift > 0 { u(s_out) } else { 0.0 }
            }
            QOp::MatMul { shift } => {
                let (a, b) = (&float_values[x[0]], &float_values[x[1]]);
                let k = *a.shape().last().unwrap_or(&1) as f64;
                // Column sums of |b| bound b's amplification of a's error, row sums of |a| the converse.
                let b_l1 = col_l1(b);
                let a_l1 = row_l1(a, a.ndim().saturating_sub(1));
                (b_l1 + k * e[x[1]]) * ein
                    + a_l1 * e[x[1]]
                    + if *shift > 0 { u(s_out) } else { 0.0 }
            }
            QOp::Mul { shift } => {
                m(x[1]) * ein
                    + m(x[0]) * e[x[1]]
                    + ein * e[x[1]]
                    + if *shift > 0 { u(s_out) } else { 0.0 }
            }
            QOp::Max { align } | QOp::Min { align } => {
                let r = |k: i32| if k < 0 { u(s_out) } else { 0.0 };
                (ein + r(align[0])).max(e[x[1]] + r(align[1]))
            }
            QOp::Add { align } | QOp::Sub { align } => {
                let r = |k: i32| if k < 0 { u(s_out) } else { 0.0 };
                ein + e[x[1]] + r(align[0]) + r(align[1])
            }
            QOp::Concat { align, .. } => x
                .iter()
                .zip(align)
                .map(|(&i, &k)| e[i] + if k < 0 { u(s_out) } else { 0.0 })
                .fold(0.0, f64::max),
            QOp::Relu
            | QOp::Clip { .. }
            | QOp::MaxPool(_)
            | QOp::Reshape { .. }
            | QOp::Transpose { .. }
            | QOp::Gather(_)
            | QOp::Abs
            | QOp::ReduceMax { .. }
            | QOp::ReduceMin { .. }
            | QOp::Pad { .. } => {
                ein + if matches!(node.op, QOp::Pad { .. } | QOp::Clip { .. }) {
                    u(s_out)
                } else {
                    0.0
                }
            }
            QOp::LeakyRelu { alpha, alpha_shift } => {
                let a_real = g_leaky_alpha(g, node.output)
                    .unwrap_or(*alpha as f64 / 2f64.powi(*alpha_shift as i32));
                let a_q = *alpha as f64 / 2f64.powi(*alpha_shift as i32);
                a_real.abs().max(1.0) * ein + m(x[0]) * (a_real - a_q).abs() + u(s_out)
            }
            QOp::AveragePool(_) | QOp::ReduceMean { .. } => ein + u(s_out),
            QOp::ReduceSum { axes, shift, .. } => {
                let k: usize = axes.iter().map(|&a| q.values[x[0]].shape[a]).product();
                k as f64 * ein + if *shift > 0 { u(s_out) } else { 0.0 }
            }
            QOp::Table { func, .. } => table::error_bound(*func, &float_values[x[0]], ein, s_out),
            QOp::Softmax {
                axis, exp_scale, ..
            } => {
                let n = q.values[x[0]].shape[*axis] as f64;
                0.5 * ein + (1.0 + n) * u(*exp_scale) + u(s_out)
            }
        };
        e[node.output] = bound;
    }
    e
}

/// The float graph's LeakyRelu slope for the node producing `output`, if any.
fn g_leaky_alpha(g: &Graph, output: usize) -> Option<f64> {
    g.nodes
        .iter()
        .find(|n| n.output == output)
        .and_then(|n| match n.op {
            crate::ops::Op::LeakyRelu { alpha } => Some(alpha as f64),
            _ => None,
        })
}

/// Largest ℓ1 norm over the sub-tensors that start at axis `from` (e.g. a
/// conv filter `w[oc, …]` with `from = 1`, a matrix row with `from = ndim − 1`).
fn row_l1(t: &FTensor, from: usize) -> f64 {
    let inner: usize = t.shape()[from.min(t.ndim())..].iter().product();
    if inner == 0 {
        return 0.0;
    }
    let flat: Vec<f32> = t.iter().copied().collect();
    flat.chunks(inner)
        .map(|c| c.iter().map(|v| v.abs() as f64).sum::<f64>())
        .fold(0.0, f64::max)
}

/// Largest ℓ1 norm of a column of the last two axes (`Σ_k |b[…, k, j]|`).
fn col_l1(b: &FTensor) -> f64 {
    if b.ndim() < 2 {
        return b.iter().map(|v| v.abs() as f64).sum();
    }
    let (k, n) = (b.shape()[b.ndim() - 2], b.shape()[b.ndim() - 1]);
    let flat: Vec<f32> = b.iter().copied().collect();
    flat.chunks(k * n)
        .flat_map(|m| (0..n).map(move |j| (0..k).map(|i| m[i * n + j].abs() as f64).sum::<f64>()))
        .fold(0.0, f64::max)
}
