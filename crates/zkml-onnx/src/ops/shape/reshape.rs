//! Reshape.

use super::emit_reshape;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// Reshape: the target comes from input 1 (opset ≥ 5, must be constant) or
/// the `shape` attribute; `0` copies the input dim (unless `allowzero`), `-1`
/// is inferred.
pub fn reshape(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let xs = ctx.shape(n.input(0)?);
    let target = match n.const_input(1, "shape")? {
        Some(k) => k.to_i64(),
        None => n
            .ints("shape")?
            .ok_or_else(|| n.err("input 1 (shape) is required"))?,
    };
    let allowzero = n.int("allowzero", 0)? != 0;
    let total: usize = xs.iter().product();
    let mut out = Vec::with_capacity(target.len());
    let mut infer = None;
    for (i, &s) in target.iter().enumerate() {
        let d = match s {
            -1 if infer.is_none() => {
                infer = Some(i);
                1
            }
            -1 => return Err(n.err(format!("shape {target:?} has more than one -1"))),
            0 if !allowzero => *xs.get(i).ok_or_else(|| {
                n.err(format!(
                    "shape {target:?} copies dim {i} (0) but the input {xs:?} has no such dim"
                ))
            })?,
            s => usize::try_from(s)
                .map_err(|_| n.err(format!("shape {target:?} has invalid entry {s}")))?,
        };
        out.push(d);
    }
    let known = out
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| n.err(format!("shape {target:?} overflows")))?;
    if let Some(i) = infer {
        if known == 0 || total / known * known != total {
            return Err(n.err(format!(
                "cannot infer the -1 in shape {target:?} for an input of shape {xs:?}"
            )));
        }
        out[i] = total / known;
    }
    emit_reshape(ctx, n, out)
}
