//! ConstantOfShape (constant shape).

use ndarray::{ArrayD, IxDyn};

use super::{consts, req, scalar};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::{checked_shape, DType, Konst};

/// ConstantOfShape: a constant shape filled with `value` (default float 0).
pub fn constant_of_shape(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let ks = consts(n)?;
    let dims = req(n, &ks, 0)?.to_i64();
    let (shape, _) = checked_shape(&dims, n.out(0))?;
    let (v, dtype) = match n.tensor("value")? {
        Some(k) => (scalar(n, &k, "attribute `value`")?, k.dtype),
        None => (0.0, DType::Float),
    };
    Ok(vec![Val::konst(Konst {
        t: ArrayD::from_elem(IxDyn(&shape), v),
        dtype,
    })])
}
