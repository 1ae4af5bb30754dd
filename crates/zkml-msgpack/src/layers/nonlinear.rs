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
//! A `params` mask (zkml's masked softmax) is accepted only if it masks nothing.

use zkml_core::Op;

use crate::builder::{Builder, Slot};
use crate::error::MsgpackError;

pub(crate) fn softmax(b: &mut Builder) -> Result<(), MsgpackError> {
    let p = &b.layer.params;
    if !p.is_empty() {
        let n = usize::try_from(p[0]).unwrap_or(usize::MAX);
        let mask = p.get(1 + n.min(p.len())..).unwrap_or(&[]);
        if n >= p.len() || mask.iter().any(|&m| m != 0) {
            return Err(
                b.err("masked softmax (non-zero mask in params) is not supported by zkml-core")
            );
        }
    }
    let x = b.input(0)?;
    let x = b.native(x)?;
    let rank = b.shape(x).len();
    if rank == 0 {
        return Err(b.err("expects at least a 1-D input"));
    }
    let y = b.node(Op::Softmax { axis: rank - 1 }, vec![x], "")?;
    b.define_native(y)
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
