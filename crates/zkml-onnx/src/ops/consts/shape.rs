//! Shape and Size (static shapes).

use ndarray::{ArrayD, IxDyn};

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// Shape of any value (shapes are static), with opset-15 `start`/`end`.
pub fn shape(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let s = ctx.shape(n.input(0)?);
    let r = s.len() as i64;
    let clamp = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r) as usize;
    let start = clamp(n.int("start", 0)?);
    let end = clamp(n.int("end", r)?);
    let dims: Vec<i64> = s[start..end.max(start)].iter().map(|&d| d as i64).collect();
    Ok(vec![Val::konst(Konst::ints(&dims))])
}

/// Size: the element count of any value (shapes are static).
pub fn size(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let s = ctx.shape(n.input(0)?);
    let numel: usize = s.iter().product();
    Ok(vec![Val::konst(Konst::int(ArrayD::from_elem(
        IxDyn(&[]),
        numel as f64,
    )))])
}
