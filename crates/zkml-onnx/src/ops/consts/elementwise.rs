//! Unary and binary elementwise ops, and Where, on constants only.

use ndarray::{IxDyn, Zip};
use zkml_core::ops::elementwise::{broadcast_shape, zip_broadcast};

use super::{check_numel, consts, req};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::{DType, Konst};

/// Sqrt, Reciprocal, Floor, Ceil, Round, Sign, Abs, Exp, Log, Not on a constant.
pub fn unary(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let ks = consts(n)?;
    let x = req(n, &ks, 0)?;
    let f: fn(f64) -> f64 = match n.op() {
        "Sqrt" => f64::sqrt,
        "Reciprocal" => f64::recip,
        "Floor" => f64::floor,
        "Ceil" => f64::ceil,
        "Round" => f64::round_ties_even,
        "Sign" => |v| {
            if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                0.0
            }
        },
        "Abs" => f64::abs,
        "Exp" => f64::exp,
        "Log" => f64::ln,
        _ => |v| (v == 0.0) as u8 as f64, // Not
    };
    let dtype = if n.op() == "Not" {
        DType::Bool
    } else {
        x.dtype
    };
    Ok(vec![Val::konst(Konst {
        t: x.t.mapv(f),
        dtype,
    })])
}

/// Min, Max, Mod, Equal, Less, Greater, LessOrEqual, GreaterOrEqual, And,
/// Or, Xor on constants (Min/Max variadic).
pub fn binary(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let ks = consts(n)?;
    let xs: Vec<&Konst> = ks.iter().flatten().copied().collect();
    let first = xs
        .first()
        .ok_or_else(|| n.err("needs at least one input"))?;
    let mut acc = (*first).clone();
    for k in &xs[1..] {
        let s = broadcast_shape(acc.shape(), k.shape()).map_err(|e| n.err(e))?;
        check_numel(n, &s)?;
        let (f, dtype): (fn(f64, f64) -> f64, DType) = match n.op() {
            "Min" => (f64::min, acc.dtype),
            "Max" => (f64::max, acc.dtype),
            "Mod" if n.int("fmod", 0)? == 1 => {
                (|a, b| if b == 0.0 { 0.0 } else { a % b }, acc.dtype)
            }
            "Mod" => (
                |a, b| {
                    if b == 0.0 {
                        0.0
                    } else {
                        a - b * (a / b).floor()
                    }
                },
                acc.dtype,
            ),
            "Equal" => (|x, y| (x == y) as u8 as f64, DType::Bool),
            "Less" => (|x, y| (x < y) as u8 as f64, DType::Bool),
            "Greater" => (|x, y| (x > y) as u8 as f64, DType::Bool),
            "LessOrEqual" => (|x, y| (x <= y) as u8 as f64, DType::Bool),
            "GreaterOrEqual" => (|x, y| (x >= y) as u8 as f64, DType::Bool),
            "Xor" => (|x, y| ((x != 0.0) != (y != 0.0)) as u8 as f64, DType::Bool),
            "And" => (|x, y| ((x != 0.0) && (y != 0.0)) as u8 as f64, DType::Bool),
            _ => (|x, y| ((x != 0.0) || (y != 0.0)) as u8 as f64, DType::Bool), // Or
        };
        acc = Konst {
            t: zip_broadcast(&acc.t, &k.t, f),
            dtype,
        };
    }
    Ok(vec![Val::konst(acc)])
}

/// Where on constants.
pub fn where_(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let ks = consts(n)?;
    let (c, x, y) = (req(n, &ks, 0)?, req(n, &ks, 1)?, req(n, &ks, 2)?);
    let s = broadcast_shape(c.shape(), x.shape())
        .and_then(|s| broadcast_shape(&s, y.shape()))
        .map_err(|e| n.err(e))?;
    check_numel(n, &s)?;
    let sh = IxDyn(&s);
    let err = || n.err("inputs do not broadcast");
    let (cv, xv, yv) = (
        c.t.broadcast(sh.clone()).ok_or_else(err)?,
        x.t.broadcast(sh.clone()).ok_or_else(err)?,
        y.t.broadcast(sh).ok_or_else(err)?,
    );
    let t = Zip::from(&cv)
        .and(&xv)
        .and(&yv)
        .map_collect(|&c, &a, &b| if c != 0.0 { a } else { b });
    Ok(vec![Val::konst(Konst { t, dtype: x.dtype })])
}
