//! `FullyConnected` → `MatMul(x, wᵀ)` (+ `Add(bias)`) (+ `Relu`).
//!
//! Params `[activation]` (0 none, 1 ReLU); inputs `[x [N, in] (or [1, N, in]),
//! w [out, in], bias [out]?]`, output `[N, out]`. zkml computes
//! `rdiv(x·wᵀ, sf) + b`, then the ReLU: zkml-core's MatMul is
//! `rshift(acc, s)` and the Add is exact, the same integers.

use zkml_core::Op;

use crate::builder::Builder;
use crate::error::MsgpackError;

pub(crate) fn fully_connected(b: &mut Builder) -> Result<(), MsgpackError> {
    let relu = match b.layer.params.first().copied().unwrap_or(0) {
        0 => false,
        1 => true,
        p => {
            return Err(b.err(format!(
                "activation (param 0) must be 0 (none) or 1 (ReLU), got {p}"
            )))
        }
    };
    let x = b.input(0)?;
    let mut x = b.native(x)?;
    let xs = b.shape(x).to_vec();
    match xs.len() {
        2 => {}
        // zkml drops the leading axis of a 3-D input (it must be 1).
        3 if xs[0] == 1 => x = b.reshape(x, &xs[1..], ".2d")?,
        _ => return Err(b.err(format!("expects a [N, in] or [1, N, in] input, got {xs:?}"))),
    }
    let w = b.input(1)?;
    let w = b.native(w)?;
    if b.shape(w).len() != 2 {
        return Err(b.err(format!("expects [out, in] weights, got {:?}", b.shape(w))));
    }
    let wt = b.permute(w, &[1, 0], ".t")?;
    let has_bias = b.num_inputs() >= 3;
    let last = !has_bias && !relu;
    let mut y = b.node(Op::MatMul, vec![x, wt], if last { "" } else { ".mm" })?;
    if has_bias {
        let bias = b.input(2)?;
        let bias = b.native(bias)?;
        y = b.node(Op::Add, vec![y, bias], if relu { ".bias" } else { "" })?;
    }
    if relu {
        y = b.node(Op::Relu, vec![y], "")?;
    }
    b.define_native(y)
}
