//! LeakyRelu.

use zkml_core::Op;

use super::unary;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// LeakyRelu, `alpha` defaulting to 0.01.
pub fn leaky_relu(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let alpha = n.float("alpha", 0.01)?;
    unary(ctx, n, Op::LeakyRelu { alpha })
}
