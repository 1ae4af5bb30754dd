//! `Mean` → [`Op::ReduceMean`] (+ `Reshape` to the declared output shape).
//!
//! zkml's Mean keeps exactly one non-batch axis (those not in `params`),
//! averages over every other axis (batch must be 1) with `rdiv(sum, count)`,
//! and reshapes to `out_shapes[0]`: zkml-core's ReduceMean rule.

use zkml_core::Op;

use crate::builder::Builder;
use crate::error::MsgpackError;

pub(crate) fn mean(b: &mut Builder) -> Result<(), MsgpackError> {
    let x = b.input(0)?;
    let x = b.native(x)?;
    let xs = b.shape(x).to_vec();
    if xs.len() < 2 || xs[0] != 1 {
        return Err(b.err(format!(
            "expects an input of rank ≥ 2 with batch 1, got {xs:?}"
        )));
    }
    let mut keep: Vec<usize> = (1..xs.len()).collect();
    for &a in &b.layer.params {
        keep.retain(|&k| k as i64 != a);
    }
    if keep.len() != 1 {
        return Err(b.err(format!(
            "averaging over axes {:?} of {xs:?} keeps {} non-batch axes; zkml keeps exactly one",
            b.layer.params,
            keep.len()
        )));
    }
    let axes: Vec<usize> = (0..xs.len()).filter(|&a| a != keep[0]).collect();
    let target = b.out_shape(0)?;
    let suffix = if target == [xs[keep[0]]] { "" } else { ".mean" };
    let y = b.node(
        Op::ReduceMean {
            axes,
            keepdims: false,
        },
        vec![x],
        suffix,
    )?;
    let y = b.reshape(y, &target, "")?;
    b.define_native(y)
}
