//! Dropout.

use ndarray::{ArrayD, IxDyn};

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::{DType, Konst};

/// Dropout at inference: the identity; a used mask output is all ones.
/// Training mode (opset ≥ 12 input 2) is refused unless the ratio is 0.
pub fn dropout(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    if n.opset >= 12 && n.opt_input(2).is_some() {
        let training = n
            .const_input(2, "training_mode")?
            .is_some_and(|k| k.t.iter().any(|&v| v != 0.0));
        let ratio = || -> Result<f64, OnnxError> {
            Ok(match n.const_input(1, "ratio")? {
                Some(k) => k.t.iter().next().copied().unwrap_or(0.5),
                None => 0.5,
            })
        };
        if training && ratio()? != 0.0 {
            return Err(n.err(
                "training-mode Dropout (a random mask) is not supported; export the model in \
                 eval mode",
            ));
        }
    }
    let mut outs = vec![x.clone()];
    if ctx.is_used(n.out(1)) {
        let shape = ctx.shape(&x);
        outs.push(Val::konst(Konst {
            t: ArrayD::ones(IxDyn(&shape)),
            dtype: DType::Bool,
        }));
    }
    Ok(outs)
}
