//! `Softmax` → [`Op::Softmax`] on the last axis; `Logistic` → `Sigmoid`,
//! `Tanh` → `Tanh` (tables).
//!
//! Logistic/Tanh: zkml's tables give `round(f(q/sf)·sf)`, zkml-core's
//! `⌊f(q/2^s)·2^s + ½⌋`: the same integer (they differ only on exact ties,
//! which `f` never produces at a nonzero rational input).
//!
//! Softmax is **not** bit-exact with zkml: zkml computes
//! `e_i = round(exp((q_i − max)/sf)·sf²)`, `y_i = rdiv(e_i, rdiv(Σe, sf))`;
//! zkml-core computes `e_i` at scale `s` and `y_i = rdiv(e_i·2^s, Σe)`, which
//! keeps the sum's low bits. Outputs agree to within a few units of `1/sf`.
//! A `params` mask (zkml's masked softmax) is lowered as [`super::masked`]
//! says: masked entries' outputs are exactly 0.
//!
//! `Sqrt`, `Rsqrt` and `Pow` are table functions (`Sqrt`, `Rsqrt`, `x^p`),
//! zkml's `round(f(q/sf)·sf)` tables. zkml's `Pow` always cubes (its table
//! hard-codes the power 3, and GPT-2's GELU is its only user); here the
//! exponent is `params[0]` when present, else the constant second input.

use zkml_core::ops::TableFn;
use zkml_core::Op;

use super::masked;

use crate::builder::{Builder, Slot};
use crate::error::MsgpackError;

pub(crate) fn softmax(b: &mut Builder) -> Result<(), MsgpackError> {
    let x = b.input(0)?;
    let x = b.native(x)?;
    let shape = b.shape(x).to_vec();
    if shape.is_empty() {
        return Err(b.err("expects at least a 1-D input"));
    }
    let y = match masked::keep_mask(b, &shape)? {
        Some(keep) => masked::masked_softmax(b, x, &keep)?,
        None => b.node(
            Op::Softmax {
                axis: shape.len() - 1,
            },
            vec![x],
            "",
        )?,
    };
    b.define_native(y)
}

/// `Pow` by a constant exponent: `params[0]`, else the second input (a constant scalar).
pub(crate) fn pow(b: &mut Builder) -> Result<(), MsgpackError> {
    let exponent = match b.layer.params.first() {
        Some(&p) => p as f32,
        None => {
            let e = b.input(1)?;
            match b.g.const_value(e.id) {
                Some(t) if t.len() == 1 => t.iter().next().copied().unwrap_or(0.0),
                _ => {
                    return Err(
                        b.err("the exponent must be params[0] or a constant scalar second input")
                    )
                }
            }
        }
    };
    unary(b, Op::Table(TableFn::Pow { exponent }))
}

/// A layout-preserving unary op.
pub(crate) fn unary(b: &mut Builder, op: Op) -> Result<(), MsgpackError> {
    let x = b.input(0)?;
    let id = b.node(op, vec![x.id], "")?;
    b.define(
        0,
        Slot {
            id,
            layout: x.layout,
        },
    )
}
