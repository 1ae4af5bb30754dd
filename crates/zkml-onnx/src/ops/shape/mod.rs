//! Data movement: Reshape, Flatten, Squeeze, Unsqueeze (all → Reshape),
//! Transpose, Concat, Pad, Expand, Identity, Dropout.

pub mod concat;
pub mod dropout;
pub mod expand;
pub mod flatten;
pub mod pad;
pub mod reshape;
pub mod squeeze;
pub mod transpose;
pub mod unsqueeze;

use zkml_core::Op;

use super::{NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("Reshape", reshape::reshape);
    r.insert("Flatten", flatten::flatten);
    r.insert("Squeeze", squeeze::squeeze);
    r.insert("Unsqueeze", unsqueeze::unsqueeze);
    r.insert("Transpose", transpose::transpose);
    r.insert("Concat", concat::concat);
    r.insert("Pad", pad::pad);
    r.insert("Expand", expand::expand);
    r.insert("Identity", |_, n| Ok(vec![n.input(0)?.clone()]));
    r.insert("Dropout", dropout::dropout);
}

/// Emits the node's input 0 reshaped to `shape`.
pub fn emit_reshape(ctx: &mut Ctx, n: &NodeCtx, shape: Vec<usize>) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Reshape { shape },
        &[x],
        n.out(0),
    )?])
}
