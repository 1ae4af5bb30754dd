//! `AveragePool2D` / `MaxPool2D` → [`Op::AveragePool`] / [`Op::MaxPool`].
//!
//! Params `[filter_h, filter_w, stride_h, stride_w]`; zkml pools VALID
//! windows only (no padding), output `(in − f)/s + 1`. AveragePool sums the
//! window and divides by `f_h·f_w` with `rdiv` (zkml's `VarDivRound`), which
//! is zkml-core's AveragePool rule; MaxPool is exact in both.

use zkml_core::ops::Pool;
use zkml_core::Op;

use crate::builder::Builder;
use crate::error::MsgpackError;

pub(crate) fn pool(b: &mut Builder, max: bool) -> Result<(), MsgpackError> {
    let fh = b.param_usize(0, "filter_h", 1)?;
    let fw = b.param_usize(1, "filter_w", 1)?;
    let sh = b.param_usize(2, "stride_h", 1)?;
    let sw = b.param_usize(3, "stride_w", 1)?;
    let x = b.input(0)?;
    let x = b.nchw(x)?;
    let p = Pool {
        kernel: [fh, fw],
        strides: [sh, sw],
        pads: [0; 4],
        dilations: [1, 1],
        ceil_mode: false,
        count_include_pad: true,
    };
    let op = if max {
        Op::MaxPool(p)
    } else {
        Op::AveragePool(p)
    };
    let y = b.node(op, vec![x], "")?;
    b.define_nchw(y)
}
