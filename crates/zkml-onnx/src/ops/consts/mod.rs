//! Constant, and the ops exporters use in shape subgraphs. `Shape` reads the
//! static shape of any value; the others are evaluated at load time and are
//! supported only when every input is constant (a node with a run-time input
//! is reported as unsupported, with every other such node).

pub mod cast;
pub mod constant;
pub mod constant_of_shape;
pub mod elementwise;
pub mod gather;
pub mod range;
pub mod shape;
pub mod slice;

use super::{NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::Val;
use crate::tensor::{checked_shape, Konst};

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("Constant", constant::constant);
    r.insert("Shape", shape::shape);
    r.insert("Size", shape::size);
    r.insert("Gather", gather::gather);
    r.insert("Cast", cast::cast);
    r.insert("CastLike", cast::cast_like);
    r.insert("Range", range::range);
    r.insert("ConstantOfShape", constant_of_shape::constant_of_shape);
    r.insert("Slice", slice::slice);
    // Sqrt, Reciprocal, Exp, Log and Pow are table functions
    // (`activation::table`, `math::pow`); Floor, Ceil, Round, Sign, Mod
    // (`math`), comparisons, logic and Where (`logic`) are IR ops: they fold
    // constants through `elementwise`, keeping the element type.
}

/// The constant inputs, or an `Unsupported` naming this node when one is a
/// run-time value.
pub fn consts<'a>(n: &'a NodeCtx) -> Result<Vec<Option<&'a Konst>>, OnnxError> {
    n.inputs
        .iter()
        .map(|v| match v {
            None => Ok(None),
            Some(Val::Const(c)) => Ok(Some(&*c.k)),
            Some(Val::Dyn(_)) => Err(OnnxError::Unsupported {
                nodes: vec![(n.name.clone(), n.op().to_string())],
            }),
        })
        .collect()
}

/// Checks that a folded result of `shape` stays under the element limit.
pub fn check_numel(n: &NodeCtx, shape: &[usize]) -> Result<(), OnnxError> {
    let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
    checked_shape(&dims, n.out(0)).map(|_| ())
}

/// Required constant input `i`.
pub fn req<'a>(n: &NodeCtx, ks: &[Option<&'a Konst>], i: usize) -> Result<&'a Konst, OnnxError> {
    ks.get(i)
        .copied()
        .flatten()
        .ok_or_else(|| n.err(format!("input {i} is required but missing")))
}

/// The single value of a one-element constant.
pub fn scalar(n: &NodeCtx, k: &Konst, what: &str) -> Result<f64, OnnxError> {
    match k.t.iter().next() {
        Some(&v) if k.t.len() == 1 => Ok(v),
        _ => Err(n.err(format!(
            "{what} must be a scalar, got shape {:?}",
            k.shape()
        ))),
    }
}
