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
//!
//! Each op family's rule lives next to its integer rule in [`crate::ops`]
//! (`error_bound*`, given a [`BoundCtx`]); [`error_bounds`] only dispatches.

use ndarray::Axis;

use crate::graph::Graph;
use crate::ops::{
    activation, arg, conv, divide, elementwise, gather, gather_dyn, hardmax, logic, matmul,
    normalize, pool, reduce, round, select, shape, softmax, table, Op, QOp,
};
use crate::quant::{QGraph, QNode, QValue, QValueKind};
use crate::tensor::FTensor;

/// Half a unit at scale `2^-s`: the most rounding to that scale errs.
pub fn u(s: i32) -> f64 {
    crate::rounding::pow2f(-(s as i64 + 1))
}

/// `max |x|` of a float tensor.
pub fn max_abs(t: &FTensor) -> f64 {
    t.iter().fold(0f64, |m, &x| m.max(x.abs() as f64))
}

/// What one node's error-bound rule sees: the node, the float run, and the
/// bounds of every value computed so far. Each op family's rule
/// (`error_bound*` in [`crate::ops`]) takes it and returns the bound on the
/// node's output.
pub struct BoundCtx<'a> {
    /// The float graph (for parameters the integer op rounded, e.g. a slope).
    pub g: &'a Graph,
    /// The quantized graph.
    pub q: &'a QGraph,
    /// The node.
    pub node: &'a QNode,
    /// The float run's values.
    pub float_values: &'a [FTensor],
    e: &'a [f64],
}

impl BoundCtx<'_> {
    /// The bound on input `k`.
    pub fn e(&self, k: usize) -> f64 {
        self.e[self.node.inputs[k]]
    }

    /// Per channel `c` along `axis` of input `k`, a bound on its rounding
    /// error: for a constant, the largest `|q·2^-s − w|` over the channel's
    /// elements (at least half a unit, as [`error_bounds`] takes for the
    /// whole tensor), which is what per-channel weights
    /// ([`crate::quant::QuantCtx::weight_per_channel`]) make differ by
    /// channel; otherwise the input's bound for every channel.
    pub fn channel_errors(&self, k: usize, axis: usize) -> Vec<f64> {
        let id = self.node.inputs[k];
        let v = &self.q.values[id];
        let f = self.x(k);
        let n = f.shape().get(axis).copied().unwrap_or(1);
        match &v.kind {
            QValueKind::Const(t)
                if t.shape() == f.shape() && axis < t.ndim() && v.axis_scales.is_some() =>
            {
                axis_rounding_errors(v, t, f)
                    .axis_iter(Axis(axis))
                    .map(|c| c.iter().copied().fold(u(v.scale), f64::max))
                    .collect()
            }
            QValueKind::Const(t) if t.shape() == f.shape() && axis < t.ndim() => t
                .axis_iter(Axis(axis))
                .zip(f.axis_iter(Axis(axis)))
                .map(|(tc, fc)| rounding_error(&tc.to_owned(), v.scale, fc.iter()).max(u(v.scale)))
                .collect(),
            _ => vec![self.e(k); n],
        }
    }

    /// The float value of input `k`.
    pub fn x(&self, k: usize) -> &FTensor {
        &self.float_values[self.node.inputs[k]]
    }

    /// The largest magnitude input `k` can have: `max|x_k| + e_k`.
    pub fn m(&self, k: usize) -> f64 {
        max_abs(self.x(k)) + self.e(k)
    }

    /// Input `k`'s shape.
    pub fn shape(&self, k: usize) -> &[usize] {
        &self.q.values[self.node.inputs[k]].shape
    }

    /// The output's scale.
    pub fn s_out(&self) -> i32 {
        self.q.values[self.node.output].scale
    }

    /// Half an output unit: one rounding to the output scale.
    pub fn u_out(&self) -> f64 {
        u(self.s_out())
    }

    /// The rounding a rescale by `shift` bits adds (none for 0).
    pub fn rescale(&self, shift: u32) -> f64 {
        if shift > 0 {
            self.u_out()
        } else {
            0.0
        }
    }

    /// The rounding an alignment by `k` bits adds (a right shift rounds).
    pub fn align(&self, k: i32) -> f64 {
        if k < 0 {
            self.u_out()
        } else {
            0.0
        }
    }

    /// The float graph's op for this node (the node with the same output).
    pub fn float_op(&self) -> Option<&Op> {
        self.g
            .nodes
            .iter()
            .find(|n| n.output == self.node.output)
            .map(|n| &n.op)
    }
}

/// Per-value bound on `|dequantized integer − float|` for one execution,
/// given the float run's values (`crate::float::eval_float`).
pub fn error_bounds(g: &Graph, q: &QGraph, float_values: &[FTensor]) -> Vec<f64> {
    let mut e = vec![0f64; q.values.len()];
    for (id, v) in q.values.iter().enumerate() {
        match v.kind {
            QValueKind::Input => e[id] = u(v.scale),
            QValueKind::Const(ref t) => {
                e[id] = float_values
                    .get(id)
                    .filter(|f| f.shape() == t.shape())
                    .map(|f| match v.axis_scales {
                        Some(_) => axis_rounding_errors(v, t, f).fold(0f64, |m, &x| m.max(x)),
                        None => rounding_error(t, v.scale, f.iter()),
                    })
                    .unwrap_or(0.0)
                    .max(u(v.scale))
            }
            QValueKind::Node(_) => {}
        }
    }
    for node in &q.nodes {
        let c = BoundCtx {
            g,
            q,
            node,
            float_values,
            e: &e,
        };
        e[node.output] = node_bound(&node.op, &c);
    }
    e
}

/// One node's bound: a dispatch to its family's rule.
fn node_bound(op: &QOp, c: &BoundCtx) -> f64 {
    match op {
        QOp::Conv { conv, shift } => conv::error_bound(conv, *shift, c),
        QOp::MatMul { shift } => matmul::error_bound(*shift, c),
        QOp::Add { align } | QOp::Sub { align } => elementwise::error_bound_add(*align, c),
        QOp::Mul { shift } => elementwise::error_bound_mul(*shift, c),
        QOp::Relu => activation::error_bound_relu(c),
        QOp::LeakyRelu { alpha, alpha_shift } => {
            activation::error_bound_leaky_relu(*alpha, *alpha_shift, c)
        }
        QOp::Clip { .. } => activation::error_bound_clip(c),
        QOp::Table { func, in_scale, .. } => {
            table::error_bound(*func, *in_scale, c.x(0), c.e(0), c.s_out())
        }
        QOp::Softmax {
            axis,
            in_scale,
            exp_scale,
            ..
        } => softmax::error_bound(*axis, *in_scale, *exp_scale, c),
        QOp::MaxPool(_) => pool::error_bound(true, c),
        QOp::AveragePool(_) => pool::error_bound(false, c),
        QOp::Reshape { .. } | QOp::Transpose { .. } => shape::error_bound_move(c),
        QOp::Concat { align, .. } => shape::error_bound_concat(align, c),
        QOp::Pad { .. } => shape::error_bound_pad(c),
        QOp::ReduceMean { .. } => reduce::error_bound_mean(c),
        QOp::ReduceSum { axes, shift, .. } => reduce::error_bound_sum(axes, *shift, c),
        QOp::Gather(_) => gather::error_bound(c),
        QOp::Max { align } | QOp::Min { align } => select::error_bound_max_min(*align, c),
        QOp::Abs | QOp::ReduceMax { .. } | QOp::ReduceMin { .. } => select::error_bound(c),
        QOp::GatherDyn { .. } => gather_dyn::error_bound(c),
        QOp::Arg(a) => arg::error_bound_arg(a, c),
        QOp::TopK(t) => arg::error_bound_top_k(t, c),
        QOp::Compare { .. } => logic::error_bound_compare(c),
        QOp::Logic(_) => logic::error_bound_logic(c),
        QOp::Where { align } => logic::error_bound_where(*align, c),
        QOp::Round { mode, .. } => round::error_bound_round(*mode, c),
        QOp::Sign => round::error_bound_sign(c),
        QOp::Mod { fmod } => round::error_bound_mod(*fmod, c),
        QOp::Div { .. } => divide::error_bound_node(c),
        QOp::Standardize { axes, extra, .. } => normalize::error_bound_node(axes, *extra, c),
        QOp::Hardmax { axis } => hardmax::error_bound(*axis, c),
    }
}

/// Per element of a constant with a scale per index along an axis
/// ([`crate::quant::AxisScales`]), `|q·2^-s_i − f|` at the element's scale.
fn axis_rounding_errors(v: &QValue, q: &ndarray::ArrayD<i64>, f: &FTensor) -> ndarray::ArrayD<f64> {
    let a = v.axis_scales.as_ref().expect("called with axis scales");
    ndarray::ArrayD::from_shape_fn(q.raw_dim(), |i| {
        let s = a.scales.get(i[a.axis]).copied().unwrap_or(v.scale);
        (q[&i] as f64 * crate::rounding::pow2f(-i64::from(s)) - f64::from(f[&i])).abs()
    })
}

/// The largest `|q·2^-s − f|` over a quantized tensor and its float values.
fn rounding_error<'a>(q: &ndarray::ArrayD<i64>, s: i32, f: impl Iterator<Item = &'a f32>) -> f64 {
    let unit = crate::rounding::pow2f(-i64::from(s));
    q.iter()
        .zip(f)
        .map(|(&q, &f)| (q as f64 * unit - f as f64).abs())
        .fold(0.0, f64::max)
}

/// Per index along `axis`, the sum of `|t|` over the other axes: a conv
/// filter's ℓ1 norm (`axis = 0`), a weight matrix column's (`axis = ndim − 1`;
/// summed over batch dims too, an upper bound of each batch's).
pub fn channel_l1(t: &FTensor, axis: usize) -> Vec<f64> {
    if axis >= t.ndim() {
        return vec![t.iter().map(|v| v.abs() as f64).sum()];
    }
    t.axis_iter(Axis(axis))
        .map(|c| c.iter().map(|v| v.abs() as f64).sum())
        .collect()
}

/// Largest ℓ1 norm over the sub-tensors that start at axis `from` (e.g. a
/// conv filter `w[oc, …]` with `from = 1`, a matrix row with `from = ndim − 1`).
pub fn row_l1(t: &FTensor, from: usize) -> f64 {
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
pub fn col_l1(b: &FTensor) -> f64 {
    if b.ndim() < 2 {
        return b.iter().map(|v| v.abs() as f64).sum();
    }
    let (k, n) = (b.shape()[b.ndim() - 2], b.shape()[b.ndim() - 1]);
    let flat: Vec<f32> = b.iter().copied().collect();
    flat.chunks(k * n)
        .flat_map(|m| (0..n).map(move |j| (0..k).map(|i| m[i * n + j].abs() as f64).sum::<f64>()))
        .fold(0.0, f64::max)
}
