//! Data movement: Reshape, Flatten, Squeeze, Unsqueeze (all → Reshape),
//! Transpose, Concat, Pad, Expand, Identity, Dropout, and the selections
//! that become one index-map op ([`zkml_core::ops::gather`]): Slice, Gather
//! (constant indices), Split, Tile.

pub mod concat;
pub mod dropout;
pub mod expand;
pub mod flatten;
pub mod pad;
pub mod reshape;
pub mod split;
pub mod squeeze;
pub mod tile;
pub mod transpose;
pub mod unsqueeze;

use zkml_core::{ops::IndexMap, Op};

use super::{NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::tensor::Konst;

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
    r.insert("Split", split::split);
    r.insert("Tile", tile::tile);
}

/// Applies a selection `f` (written once, on constants) to `data`: directly
/// when it is constant, otherwise to the flat positions `0, 1, …` of its
/// elements, which gives the index map of one [`Op::Gather`] node named `out`.
pub fn by_index_map(
    ctx: &mut Ctx,
    n: &NodeCtx,
    data: &Val,
    node: &str,
    out: &str,
    f: impl Fn(&Konst) -> Result<Konst, OnnxError>,
) -> Result<Val, OnnxError> {
    if let Some(k) = data.as_const() {
        return Ok(Val::konst(f(k)?));
    }
    let shape = ctx.shape(data);
    let count: usize = shape.iter().product();
    let iota = Konst::int(
        ndarray::ArrayD::from_shape_vec(
            ndarray::IxDyn(&shape),
            (0..count).map(|i| i as f64).collect(),
        )
        .map_err(|e| n.err(e.to_string()))?,
    );
    let picked = f(&iota)?;
    let map = IndexMap {
        shape: picked.shape().to_vec(),
        index: picked.t.iter().map(|&v| v as usize).collect(),
    };
    ctx.emit(
        n.at(),
        node,
        Op::Gather(map),
        std::slice::from_ref(data),
        out,
    )
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
