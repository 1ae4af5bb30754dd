//! Pow.

use zkml_core::{ops::TableFn, Op};

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// Pow with a constant exponent (every element equal): `x^1` is `x`, `x^2`
/// a product `x·x`, any other exponent the table function `x^p`. Folded when
/// both sides are constant. A run-time exponent needs a constant positive
/// base `b` (every element equal): `b^y = exp(y·ln b)`, a product and the
/// Exp table; any other run-time exponent is refused.
pub fn pow(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let (x, y) = (n.input(0)?.clone(), n.input(1)?.clone());
    let Some(yk) = y.as_const() else {
        let base = x.as_const().and_then(|xk| {
            let b = *xk.t.iter().next()?;
            (xk.t.iter().all(|&v| v == b) && b > 0.0 && b.is_finite())
                .then_some((b, xk.shape().to_vec()))
        });
        let Some((b, b_shape)) = base else {
            return Err(n.err(
                "a run-time exponent is supported only with a constant positive base (every \
                 element equal, b^y = exp(y·ln b)); export the model with a constant exponent",
            ));
        };
        // ln b in the base's shape, so the product broadcasts as Pow does.
        let ln_b = Val::konst(crate::tensor::Konst::float(ndarray::ArrayD::from_elem(
            ndarray::IxDyn(&b_shape),
            b.ln(),
        )));
        let scaled = ctx.emit(
            n.at(),
            &n.sub("y_ln_base"),
            Op::Mul,
            &[y, ln_b],
            &n.tmp("y_ln_base"),
        )?;
        return Ok(vec![ctx.emit(
            n.at(),
            &n.name,
            Op::Table(TableFn::Exp),
            &[scaled],
            n.out(0),
        )?]);
    };
    if let Some(xk) = x.as_const() {
        let t = zkml_core::ops::elementwise::zip_broadcast(&xk.t, &yk.t, f64::powf);
        return Ok(vec![Val::konst(crate::tensor::Konst {
            t,
            dtype: xk.dtype,
        })]);
    }
    let p = match yk.t.iter().next() {
        Some(&p) if yk.t.iter().all(|&v| v == p) && p.is_finite() => p as f32,
        _ => {
            return Err(n.err(format!(
                "the exponent must be one finite value (every element equal); got {:?}",
                yk.t.iter().take(4).collect::<Vec<_>>()
            )))
        }
    };
    // The exponent's shape may broadcast x to a larger shape.
    let out_shape = zkml_core::ops::elementwise::broadcast_shape(&ctx.shape(&x), yk.shape())
        .map_err(|e| n.err(e))?;
    let broadcast = ctx.shape(&x) != out_shape;
    let name = if broadcast {
        n.tmp("pow")
    } else {
        n.out(0).to_string()
    };
    let v = if p == 1.0 {
        x.clone()
    } else if p == 2.0 {
        ctx.emit(n.at(), &n.name, Op::Mul, &[x.clone(), x.clone()], &name)?
    } else {
        let op = Op::Table(TableFn::Pow { exponent: p });
        ctx.emit(n.at(), &n.name, op, std::slice::from_ref(&x), &name)?
    };
    if !broadcast {
        return Ok(vec![v]);
    }
    let zeros = Val::konst(crate::tensor::Konst::float(ndarray::ArrayD::zeros(
        ndarray::IxDyn(&out_shape),
    )));
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("broadcast"),
        Op::Add,
        &[v, zeros],
        n.out(0),
    )?])
}
