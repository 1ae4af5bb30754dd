//! Per-op layout: [`Walker::node`] dispatches one node to its family's file,
//! which lays it out on the gadgets (one `lay_*` method per op). A new op is
//! one arm here and one method in its family's file (or a refusal with
//! [`super::unsupported`] naming the op and the reason).

use ndarray::ArrayD;
use zkml_core::{ops::shape as shape_ops, QOp};

use super::Walker;
use crate::error::Result;
use crate::gadgets::Wire;

mod activation;
mod conv_count;

pub(super) use conv_count::conv_tap_patterns;
mod elementwise;
mod exact;
mod gather_dyn;
mod hardmax;
mod linear;
mod normalize;
mod pool;
mod reduce;
mod select;
mod shape;
mod table;

impl Walker<'_, '_> {
    /// Lays out node `ni` and returns its output cells (row-major).
    pub(super) fn node(&mut self, ni: usize) -> Result<ArrayD<Wire>> {
        let q = self.q;
        match &q.nodes[ni].op {
            QOp::Conv { conv, shift } if self.private_w => self.lay_conv_private(ni, conv, shift),
            QOp::Conv { conv, shift } => self.lay_conv(ni, conv, shift),
            QOp::MatMul { shift } => self.lay_matmul(ni, shift),
            QOp::Add { align } => self.lay_add(ni, align, 1),
            QOp::Sub { align } => self.lay_add(ni, align, -1),
            QOp::Mul { shift } => self.lay_mul(ni, shift),
            QOp::Relu => self.lay_relu(ni),
            QOp::Clip { min, max } => self.lay_clip(ni, min, max),
            QOp::MaxPool(p) => self.lay_max_pool(ni, p),
            QOp::AveragePool(p) => self.lay_average_pool(ni, p),
            QOp::Reshape { shape } => self.lay_reshape(ni, shape),
            QOp::Transpose { perm } => self.lay_transpose(ni, perm),
            QOp::Gather(m) => self.lay_gather(ni, m),
            QOp::Abs => self.lay_abs(ni),
            QOp::ReduceMax { axes, .. } => self.lay_reduce_extreme(ni, axes, true),
            QOp::Max { align } => self.lay_max_min(ni, align, true),
            QOp::Min { align } => self.lay_max_min(ni, align, false),
            QOp::ReduceMin { axes, .. } => self.lay_reduce_extreme(ni, axes, false),
            QOp::Pad { pads, value } => self.lay_pad(ni, pads, value),
            QOp::Concat { axis, align } => self.lay_concat(ni, axis, align),
            QOp::LeakyRelu { alpha, alpha_shift } => self.lay_leaky_relu(ni, alpha, alpha_shift),
            QOp::ReduceSum { axes, shift, .. } => self.lay_reduce_sum(ni, axes, shift),
            QOp::ReduceMean { axes, .. } => self.lay_reduce_mean(ni, axes),
            QOp::Table {
                func,
                in_scale,
                out_scale,
                domain,
            } => self.lay_table(ni, func, in_scale, out_scale, domain),
            QOp::Softmax {
                axis,
                in_scale,
                exp_scale,
                out_scale,
            } => self.lay_softmax(ni, axis, in_scale, exp_scale, out_scale),
            QOp::GatherDyn { map, idx_scale } => self.lay_gather_dyn(ni, map, idx_scale),
            QOp::Arg(a) => self.lay_arg(ni, a),
            QOp::TopK(t) => self.lay_top_k(ni, t),
            QOp::Compare { cmp, align } => self.lay_compare(ni, *cmp, *align),
            QOp::Logic(op) => self.lay_logic(ni, *op),
            QOp::Where { align } => self.lay_where(ni, *align),
            QOp::Round { mode, scale } => self.lay_round(ni, *mode, *scale),
            QOp::Sign => self.lay_sign(ni),
            QOp::Mod { fmod } => self.lay_mod(ni, *fmod),
            QOp::Div {
                num_shift,
                den_shift,
            } => self.lay_div(ni, num_shift, den_shift),
            QOp::Standardize {
                axes,
                eps,
                extra,
                out_shift,
            } => self.lay_standardize(ni, axes, eps, extra, out_shift),
            QOp::Hardmax { axis } => self.lay_hardmax(ni, axis),
        }
    }
}

/// The reduced groups of `x` over `axes`, one per output element, in output order.
fn reduce_rows(x: &ArrayD<Wire>, axes: &[usize]) -> Vec<Vec<Wire>> {
    let keep: Vec<usize> = (0..x.ndim()).filter(|a| !axes.contains(a)).collect();
    let perm: Vec<usize> = keep.iter().chain(axes.iter()).copied().collect();
    let t = shape_ops::transpose(x, &perm);
    let inner: usize = axes.iter().map(|&a| x.shape()[a]).product();
    let flat: Vec<Wire> = t.iter().copied().collect();
    if inner == 0 {
        return vec![vec![]; keep.iter().map(|&a| x.shape()[a]).product()];
    }
    flat.chunks(inner).map(|c| c.to_vec()).collect()
}
