//! Cast.

use zkml_core::ops::{Cmp, RoundMode};
use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::proto::data_type as dt;
use crate::tensor::{DType, Konst};

/// Cast: folded on constants; on a run-time value a cast to a float type is
/// the identity, to int32/int64 a truncation towards zero (`Where(x < 0,
/// Ceil x, Floor x)`, exact ops), to bool `x ≠ 0` (`1 − [x = 0]`); a run-time
/// integer cast to a narrower integer type wraps around as two's complement
/// does, `((x − lo) mod 2^bits) + lo` (exact ops; the loader makes widening
/// integer casts the identity before this). The loader then carries the
/// result as an integer value (`int_values`).
pub fn cast(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let to = n
        .opt_int("to")?
        .ok_or_else(|| n.attr_err("to", "is required"))?;
    let to = i32::try_from(to).unwrap_or(-1);
    let dtype = DType::from_onnx(to)
        .ok_or_else(|| n.attr_err("to", format!("unsupported target type {to}")))?;
    let x = n.input(0)?;
    let Some(k) = x.as_const() else {
        // Run-time values are float32 here: casting to float32 or double is
        // exact; narrower floats and integers would round, which the IR has
        // no op for.
        if matches!(to, dt::FLOAT | dt::DOUBLE) {
            return Ok(vec![x.clone()]);
        }
        if matches!(to, dt::INT32 | dt::INT64) {
            return Ok(vec![truncate(ctx, n, x.clone())?]);
        }
        if let (Some(_), Some((lo, hi))) = (n.int_type(0), crate::int_values::int_range(to)) {
            if to != dt::BOOL {
                return Ok(vec![wrap(ctx, n, x.clone(), lo, hi)?]);
            }
        }
        if to == dt::BOOL {
            let zero = Val::konst(Konst::scalar(0.0));
            let is0 = ctx.emit(
                n.at(),
                &n.sub("is_zero"),
                Op::Compare(Cmp::Equal),
                &[x.clone(), zero],
                &n.tmp("is_zero"),
            )?;
            let one = Val::konst(Konst::scalar(1.0));
            return Ok(vec![ctx.emit(
                n.at(),
                &n.sub("nonzero"),
                Op::Sub,
                &[one, is0],
                n.out(0),
            )?]);
        }
        return Err(OnnxError::Unsupported {
            nodes: vec![(n.name.clone(), n.op().to_string())],
        });
    };
    let t = match (dtype, to) {
        (DType::Int, _) => k.t.mapv(|v| if v.is_nan() { 0.0 } else { v.trunc() }),
        (DType::Bool, _) => k.t.mapv(|v| (v != 0.0) as u8 as f64),
        (DType::Float, dt::FLOAT) => k.t.mapv(|v| v as f32 as f64),
        (DType::Float, _) => k.t.clone(),
    };
    Ok(vec![Val::konst(Konst { t, dtype })])
}

/// Integer `x` wrapped into `[lo, hi]` (two's complement / unsigned
/// wrap-around): `((x − lo) mod (hi − lo + 1)) + lo`, Mod with the divisor's
/// sign (a result in `[0, hi − lo]`).
fn wrap(ctx: &mut Ctx, n: &NodeCtx, x: Val, lo: i128, hi: i128) -> Result<Val, OnnxError> {
    let span = (hi - lo + 1) as f64;
    let shifted = if lo == 0 {
        x
    } else {
        ctx.emit(
            n.at(),
            &n.sub("offset"),
            Op::Add,
            &[x, Val::konst(Konst::scalar(-(lo as f64)))],
            &n.tmp("offset"),
        )?
    };
    let last = if lo == 0 {
        n.out(0).to_string()
    } else {
        n.tmp("wrapped")
    };
    let wrapped = ctx.emit(
        n.at(),
        &n.sub("wrap"),
        Op::Mod { fmod: false },
        &[shifted, Val::konst(Konst::scalar(span))],
        &last,
    )?;
    if lo == 0 {
        return Ok(wrapped);
    }
    ctx.emit(
        n.at(),
        &n.sub("unoffset"),
        Op::Add,
        &[wrapped, Val::konst(Konst::scalar(lo as f64))],
        n.out(0),
    )
}

/// `x` truncated towards zero: `Where(x < 0, Ceil x, Floor x)`.
fn truncate(ctx: &mut Ctx, n: &NodeCtx, x: Val) -> Result<Val, OnnxError> {
    let zero = Val::konst(Konst::scalar(0.0));
    let neg = ctx.emit(
        n.at(),
        &n.sub("negative"),
        Op::Compare(Cmp::Less),
        &[x.clone(), zero],
        &n.tmp("negative"),
    )?;
    let up = ctx.emit(
        n.at(),
        &n.sub("ceil"),
        Op::Round(RoundMode::Ceil),
        std::slice::from_ref(&x),
        &n.tmp("ceil"),
    )?;
    let down = ctx.emit(
        n.at(),
        &n.sub("floor"),
        Op::Round(RoundMode::Floor),
        &[x],
        &n.tmp("floor"),
    )?;
    ctx.emit(
        n.at(),
        &n.sub("trunc"),
        Op::Where,
        &[neg, up, down],
        n.out(0),
    )
}

/// CastLike: Cast to the element type of input 1 (float for a run-time value).
pub fn cast_like(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let dtype = match n.input(1)? {
        Val::Const(c) => c.k.dtype,
        Val::Dyn(_) => DType::Float,
    };
    let x = n.input(0)?;
    let Some(k) = x.as_const() else {
        if dtype == DType::Float {
            return Ok(vec![x.clone()]);
        }
        return Err(OnnxError::Unsupported {
            nodes: vec![(n.name.clone(), n.op().to_string())],
        });
    };
    let t = match dtype {
        DType::Int => k.t.mapv(|v| if v.is_nan() { 0.0 } else { v.trunc() }),
        DType::Bool => k.t.mapv(|v| (v != 0.0) as u8 as f64),
        DType::Float => k.t.clone(),
    };
    Ok(vec![Val::konst(Konst { t, dtype })])
}
