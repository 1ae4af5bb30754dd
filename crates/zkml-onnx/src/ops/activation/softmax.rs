//! Softmax.

use zkml_core::Op;

use super::SoftmaxAxis;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// Softmax: before opset 13 the input is coerced to 2-D at `axis` (default
/// 1), i.e. Reshape → Softmax(axis 1) → Reshape; from 13 a plain axis
/// (default −1) ([`SoftmaxAxis`]). An additive constant mask before an
/// uncoerced Softmax is lowered by [`super::masked`].
pub fn softmax(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let a = SoftmaxAxis::read(ctx, n)?;
    let masked = if a.coerced() {
        None
    } else {
        super::masked::unmask(ctx, n, &a.x, a.axis)?
    };
    let z = masked.unwrap_or_else(|| a.x.clone());
    let out = a.out_name(n, "softmax");
    let s = ctx.emit(n.at(), &n.name, Op::Softmax { axis: a.axis }, &[z], &out)?;
    a.finish(ctx, n, s)
}
