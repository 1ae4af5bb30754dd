//! `Add`, `Sub`, `Mul`, `Square`, `SquaredDifference` (numpy broadcasting).
//!
//! zkml: Add/Sub exact (Add params `[activation]`, 0 none / 1 ReLU); Mul,
//! Square and SquaredDifference take the product and `rdiv` it by `sf`. With
//! one scale for every tensor zkml-core's rules are the same integers: Add/Sub
//! align by 0 bits, Mul is `rshift(a·b, s)`.
//!
//! When one operand is stored NCHW (after a Conv or pool), a constant operand
//! is reshaped to 4-D and permuted at load time, so no Transpose is needed.

use zkml_core::{Op, ValueId};

use crate::builder::{Builder, Layout, Slot, TO_NCHW};
use crate::error::MsgpackError;

/// An operand as NCHW, if it can be without changing broadcasting.
fn as_nchw(b: &mut Builder, s: Slot) -> Result<Option<ValueId>, MsgpackError> {
    if s.layout == Layout::Nchw {
        return Ok(Some(s.id));
    }
    let shape = b.shape(s.id).to_vec();
    if shape.len() == 4 {
        return Ok(Some(b.nchw(s)?));
    }
    if b.is_const(s.id) && shape.len() < 4 {
        let mut s4 = vec![1; 4 - shape.len()];
        s4.extend(&shape);
        let r = b.reshape(s.id, &s4, ".4d")?;
        return Ok(Some(b.permute(r, &TO_NCHW, ".nchw")?));
    }
    Ok(None)
}

/// Both inputs in a common layout.
fn operands(b: &mut Builder) -> Result<(ValueId, ValueId, Layout), MsgpackError> {
    if b.num_inputs() != 2 {
        return Err(b.err(format!("expects 2 inputs, has {}", b.num_inputs())));
    }
    let (x, y) = (b.input(0)?, b.input(1)?);
    if x.layout == Layout::Nchw || y.layout == Layout::Nchw {
        if let (Some(a), Some(c)) = (as_nchw(b, x)?, as_nchw(b, y)?) {
            return Ok((a, c, Layout::Nchw));
        }
    }
    Ok((b.native(x)?, b.native(y)?, Layout::Native))
}

fn finish(b: &mut Builder, id: ValueId, layout: Layout) -> Result<(), MsgpackError> {
    b.define(0, Slot { id, layout })
}

pub(crate) fn add(b: &mut Builder) -> Result<(), MsgpackError> {
    let relu = match b.layer.params.first().copied().unwrap_or(0) {
        0 => false,
        1 => true,
        p => {
            return Err(b.err(format!(
                "activation (param 0) must be 0 (none) or 1 (ReLU), got {p}"
            )))
        }
    };
    let (x, y, layout) = operands(b)?;
    let mut z = b.node(Op::Add, vec![x, y], if relu { ".add" } else { "" })?;
    if relu {
        z = b.node(Op::Relu, vec![z], "")?;
    }
    finish(b, z, layout)
}

pub(crate) fn sub(b: &mut Builder) -> Result<(), MsgpackError> {
    let (x, y, layout) = operands(b)?;
    let z = b.node(Op::Sub, vec![x, y], "")?;
    finish(b, z, layout)
}

pub(crate) fn mul(b: &mut Builder) -> Result<(), MsgpackError> {
    let (x, y, layout) = operands(b)?;
    let z = b.node(Op::Mul, vec![x, y], "")?;
    finish(b, z, layout)
}

pub(crate) fn square(b: &mut Builder) -> Result<(), MsgpackError> {
    let x = b.input(0)?;
    let z = b.node(Op::Mul, vec![x.id, x.id], "")?;
    finish(b, z, x.layout)
}

pub(crate) fn squared_difference(b: &mut Builder) -> Result<(), MsgpackError> {
    let (x, y, layout) = operands(b)?;
    let d = b.node(Op::Sub, vec![x, y], ".diff")?;
    let z = b.node(Op::Mul, vec![d, d], "")?;
    finish(b, z, layout)
}

/// `DivVar`: `x / d` for a run-time divisor (zkml: `rdiv(x·sf, d)`, a `[1]`
/// divisor). zkml-core's run-time Div at one scale is `rdiv(x·2^s, d)`, the
/// same integers for a positive divisor (zkml's gadget needs `d > 0`; a zero
/// divisor is refused by the executor, naming the tensor). Any divisor
/// broadcasting against `x` is accepted.
pub(crate) fn div_var(b: &mut Builder) -> Result<(), MsgpackError> {
    let (x, d, layout) = operands(b)?;
    if b.is_const(d) {
        return Err(b.err("divides by a constant: zkml writes that as DivFixed or Mul, not DivVar"));
    }
    let z = b.node(Op::Div, vec![x, d], "")?;
    finish(b, z, layout)
}

/// `BatchMatMul` `[B, M, K] × [B, K, N]` (params `[adj_x, adj_y]`; with
/// `adj_y = 1` the second operand is `[B, N, K]` and is transposed first), as
/// zkml computes it: per batch a FullyConnected without activation, i.e.
/// `rdiv(a·b, sf)`, which is zkml-core's MatMul at one scale. `adj_x` must
/// be 0 (zkml ignores it).
pub(crate) fn batch_mat_mul(b: &mut Builder) -> Result<(), MsgpackError> {
    if b.num_inputs() != 2 {
        return Err(b.err(format!("expects 2 inputs, has {}", b.num_inputs())));
    }
    let adj_x = b.layer.params.first().copied().unwrap_or(0);
    let adj_y = b.layer.params.get(1).copied().unwrap_or(0);
    if adj_x != 0 || !(adj_y == 0 || adj_y == 1) {
        return Err(b.err(format!(
            "params [adj_x, adj_y] must be [0, 0] or [0, 1], got {:?}",
            b.layer.params
        )));
    }
    let (x, y) = (b.input(0)?, b.input(1)?);
    let (x, mut y) = (b.native(x)?, b.native(y)?);
    let (xs, ys) = (b.shape(x).to_vec(), b.shape(y).to_vec());
    if xs.len() != 3 || ys.len() != 3 || xs[0] != ys[0] {
        return Err(b.err(format!(
            "expects [B, M, K] and [B, K, N] (or [B, N, K] with adj_y) inputs, got {xs:?} and {ys:?}"
        )));
    }
    if adj_y == 1 {
        y = b.permute(y, &[0, 2, 1], ".t")?;
    }
    let z = b.node(Op::MatMul, vec![x, y], "")?;
    b.define_native(z)
}
