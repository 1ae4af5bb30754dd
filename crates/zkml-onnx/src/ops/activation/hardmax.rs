//! Hardmax.

use zkml_core::Op;

use super::SoftmaxAxis;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// Hardmax: 1 at the first largest element along `axis`, 0 elsewhere. Before
/// opset 13 the input is coerced to 2-D at `axis` (default 1), as for Softmax;
/// from 13 a plain axis (default −1) ([`SoftmaxAxis`]).
pub fn hardmax(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let a = SoftmaxAxis::read(ctx, n)?;
    let out = a.out_name(n, "hardmax");
    let h = ctx.emit(
        n.at(),
        &n.name,
        Op::Hardmax { axis: a.axis },
        std::slice::from_ref(&a.x),
        &out,
    )?;
    a.finish(ctx, n, h)
}
