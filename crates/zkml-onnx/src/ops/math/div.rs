//! Div.

use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::{DType, Konst};

/// Division: folded when both sides are constant (truncating for integers);
/// by a constant it becomes a Mul by the reciprocal; by a run-time value the
/// exact run-time division `Op::Div` (one rounding, at the output scale; a
/// zero divisor is refused by the executor with the tensor and index). A
/// run-time integer dividend (`int_values`) by a constant is ONNX integer
/// division, the quotient truncated towards zero, computed exactly:
/// `Div(a − fmod(a, b), b)`, an exact multiple divided (no rounding).
pub fn div(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let (a, b) = (n.input(0)?.clone(), n.input(1)?.clone());
    if n.int_type(0).is_some() {
        let Some(bk) = b.as_const() else {
            return Err(n.err(
                "integer division by a run-time divisor is not supported (only by a constant); \
                 Cast the operands to float in the model first",
            ));
        };
        if bk
            .t
            .iter()
            .any(|&v| v == 0.0 || !v.is_finite() || v.fract() != 0.0)
        {
            return Err(n.err(format!(
                "integer division: the constant divisor `{}` must hold non-zero integers",
                n.proto.input.get(1).map_or("", String::as_str)
            )));
        }
        let rem = ctx.emit(
            n.at(),
            &n.sub("fmod"),
            Op::Mod { fmod: true },
            &[a.clone(), b.clone()],
            &n.tmp("fmod"),
        )?;
        let multiple = ctx.emit(
            n.at(),
            &n.sub("multiple"),
            Op::Sub,
            &[a, rem],
            &n.tmp("multiple"),
        )?;
        return Ok(vec![ctx.emit(
            n.at(),
            &n.name,
            Op::Div,
            &[multiple, b],
            n.out(0),
        )?]);
    }
    let Some(bk) = b.as_const() else {
        return Ok(vec![ctx.emit(
            n.at(),
            &n.name,
            Op::Div,
            &[a, b],
            n.out(0),
        )?]);
    };
    if let Some(ak) = a.as_const() {
        if ak.dtype != DType::Float && bk.dtype != DType::Float {
            if bk.t.iter().any(|&v| v == 0.0) {
                return Err(n.err("integer division by zero in a constant subgraph"));
            }
            let shapes = [ak.shape(), bk.shape()];
            zkml_core::ops::elementwise::broadcast_shape(shapes[0], shapes[1])
                .map_err(|e| n.err(e))?;
            let t =
                zkml_core::ops::elementwise::zip_broadcast(&ak.t, &bk.t, |x, y| (x / y).trunc());
            return Ok(vec![Val::konst(Konst::int(t))]);
        }
    } else if bk.t.iter().any(|&v| v == 0.0) {
        return Err(n.err(format!(
            "the constant divisor `{}` contains zero",
            n.proto.input.get(1).map_or("", String::as_str)
        )));
    }
    let recip = Val::konst(Konst::float(bk.t.mapv(|v| 1.0 / v)));
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Mul,
        &[a, recip],
        n.out(0),
    )?])
}
