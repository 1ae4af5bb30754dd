//! Constant, and the ops exporters use in shape subgraphs. `Shape` reads the
//! static shape of any value; the others are evaluated at load time and are
//! supported only when every input is constant (a node with a run-time input
//! is reported as unsupported, with every other such node).

use ndarray::{ArrayD, Axis, IxDyn, Zip};
use zkml_core::ops::elementwise::{broadcast_shape, zip_broadcast};

use super::{norm_axis, NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::proto::data_type as dt;
use crate::tensor::{checked_shape, DType, Konst, MAX_ELEMENTS};

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("Constant", constant);
    r.insert("Shape", shape);
    r.insert("Size", size);
    r.insert("Gather", gather);
    r.insert("Cast", cast);
    r.insert("Range", range);
    r.insert("ConstantOfShape", constant_of_shape);
    r.insert("Slice", slice);
    r.insert("Where", where_);
    for op in [
        "Sqrt",
        "Reciprocal",
        "Floor",
        "Ceil",
        "Abs",
        "Exp",
        "Log",
        "Not",
    ] {
        r.insert(op, unary);
    }
    for op in [
        "Pow", "Min", "Max", "Equal", "Less", "Greater", "And", "Or", "Mod",
    ] {
        r.insert(op, binary);
    }
}

/// The constant inputs, or an `Unsupported` naming this node when one is a
/// run-time value.
fn consts<'a>(n: &'a NodeCtx) -> Result<Vec<Option<&'a Konst>>, OnnxError> {
    n.inputs
        .iter()
        .map(|v| match v {
            None => Ok(None),
            Some(Val::Const(c)) => Ok(Some(&*c.k)),
            Some(Val::Dyn(_)) => Err(OnnxError::Unsupported {
                nodes: vec![(n.name.clone(), n.op().to_string())],
            }),
        })
        .collect()
}

fn check_numel(n: &NodeCtx, shape: &[usize]) -> Result<(), OnnxError> {
    let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
    checked_shape(&dims, n.out(0)).map(|_| ())
}

fn req<'a>(n: &NodeCtx, ks: &[Option<&'a Konst>], i: usize) -> Result<&'a Konst, OnnxError> {
    ks.get(i)
        .copied()
        .flatten()
        .ok_or_else(|| n.err(format!("input {i} is required but missing")))
}

fn scalar(n: &NodeCtx, k: &Konst, what: &str) -> Result<f64, OnnxError> {
    match k.t.iter().next() {
        Some(&v) if k.t.len() == 1 => Ok(v),
        _ => Err(n.err(format!(
            "{what} must be a scalar, got shape {:?}",
            k.shape()
        ))),
    }
}

fn constant(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let k = if let Some(t) = n.tensor("value")? {
        t
    } else if let Some(v) = n.opt_float("value_float")? {
        Konst::scalar(v.into())
    } else if let Some(v) = n.floats("value_floats")? {
        Konst::float(
            ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.iter().map(|&x| x.into()).collect())
                .expect("length matches"),
        )
    } else if let Some(v) = n.opt_int("value_int")? {
        Konst::int(ArrayD::from_elem(IxDyn(&[]), v as f64))
    } else if let Some(v) = n.ints("value_ints")? {
        Konst::ints(&v)
    } else {
        let which = ["sparse_value", "value_string", "value_strings"]
            .into_iter()
            .find(|a| n.has(a))
            .unwrap_or("value");
        return Err(n.attr_err(
            which,
            "a Constant needs a tensor, float(s) or int(s) value; sparse and string constants \
             are not supported",
        ));
    };
    Ok(vec![Val::named_konst(k, n.out(0))])
}

/// Shape of any value (shapes are static), with opset-15 `start`/`end`.
fn shape(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let s = ctx.shape(n.input(0)?);
    let r = s.len() as i64;
    let clamp = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r) as usize;
    let start = clamp(n.int("start", 0)?);
    let end = clamp(n.int("end", r)?);
    let dims: Vec<i64> = s[start..end.max(start)].iter().map(|&d| d as i64).collect();
    Ok(vec![Val::konst(Konst::ints(&dims))])
}

fn size(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let s = ctx.shape(n.input(0)?);
    let numel: usize = s.iter().product();
    Ok(vec![Val::konst(Konst::int(ArrayD::from_elem(
        IxDyn(&[]),
        numel as f64,
    )))])
}

fn gather(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let ks = consts(n)?;
    let (data, idx) = (req(n, &ks, 0)?, req(n, &ks, 1)?);
    let rank = data.shape().len();
    let raw = n.int("axis", 0)?;
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("{raw} out of range for rank {rank}")))?;
    let dim = data.shape()[axis];
    let indices = idx
        .to_i64()
        .iter()
        .map(|&i| {
            let j = if i < 0 { i + dim as i64 } else { i };
            usize::try_from(j).ok().filter(|&j| j < dim).ok_or_else(|| {
                n.err(format!(
                    "index {i} out of range for axis {axis} of size {dim}"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let picked = data.t.select(Axis(axis), &indices);
    let mut shape = data.shape()[..axis].to_vec();
    shape.extend_from_slice(idx.shape());
    shape.extend_from_slice(&data.shape()[axis + 1..]);
    let flat: Vec<f64> = picked.iter().copied().collect();
    let t = ArrayD::from_shape_vec(IxDyn(&shape), flat).map_err(|e| n.err(e.to_string()))?;
    Ok(vec![Val::konst(Konst {
        t,
        dtype: data.dtype,
    })])
}

/// Cast: folded on constants; on a run-time value only a cast to a float type
/// (the identity here) is supported.
fn cast(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
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

fn range(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let ks = consts(n)?;
    let start = scalar(n, req(n, &ks, 0)?, "start")?;
    let limit = scalar(n, req(n, &ks, 1)?, "limit")?;
    let delta = scalar(n, req(n, &ks, 2)?, "delta")?;
    let count = ((limit - start) / delta).ceil();
    if !count.is_finite() || count > MAX_ELEMENTS as f64 {
        return Err(n.err(format!(
            "Range({start}, {limit}, {delta}) is empty-or-unbounded"
        )));
    }
    let count = count.max(0.0) as usize;
    let v: Vec<f64> = (0..count).map(|i| start + i as f64 * delta).collect();
    Ok(vec![Val::konst(Konst {
        t: ArrayD::from_shape_vec(IxDyn(&[count]), v).expect("count elements"),
        dtype: req(n, &ks, 0)?.dtype,
    })])
}

fn constant_of_shape(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let ks = consts(n)?;
    let dims = req(n, &ks, 0)?.to_i64();
    let (shape, _) = checked_shape(&dims, n.out(0))?;
    let (v, dtype) = match n.tensor("value")? {
        Some(k) => (scalar(n, &k, "attribute `value`")?, k.dtype),
        None => (0.0, DType::Float),
    };
    Ok(vec![Val::konst(Konst {
        t: ArrayD::from_elem(IxDyn(&shape), v),
        dtype,
    })])
}

/// Slice on constants: starts/ends/axes attributes before opset 10, inputs
/// (with steps) from 10.
fn slice(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let ks = consts(n)?;
    let data = req(n, &ks, 0)?;
    let rank = data.shape().len();
    let list = |i: usize, attr: &str| -> Result<Option<Vec<i64>>, OnnxError> {
        if n.opset >= 10 {
            Ok(ks.get(i).copied().flatten().map(Konst::to_i64))
        } else {
            n.ints(attr)
        }
    };
    let starts = list(1, "starts")?.ok_or_else(|| n.err("starts are required"))?;
    let ends = list(2, "ends")?.ok_or_else(|| n.err("ends are required"))?;
    let axes = list(3, "axes")?.unwrap_or_else(|| (0..starts.len() as i64).collect());
    let steps = list(4, "steps")?.unwrap_or_else(|| vec![1; starts.len()]);
    if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
        return Err(n.err("starts, ends, axes and steps must have the same length"));
    }
    let mut t = data.t.clone();
    for j in 0..starts.len() {
        let axis = norm_axis(axes[j], rank)
            .ok_or_else(|| n.err(format!("axis {} out of range for rank {rank}", axes[j])))?;
        let dim = t.shape()[axis] as i64;
        let step = steps[j];
        if step == 0 {
            return Err(n.err("steps must not be 0"));
        }
        let fix = |v: i64| if v < 0 { v.saturating_add(dim) } else { v };
        let (s, e) = (fix(starts[j]), fix(ends[j]));
        let idx: Vec<usize> = if step > 0 {
            let (s, e) = (s.clamp(0, dim), e.clamp(0, dim));
            (s..e).step_by(step as usize).map(|i| i as usize).collect()
        } else {
            let (s, e) = (s.clamp(0, dim - 1), e.clamp(-1, dim - 1));
            let mut v = Vec::new();
            let mut i = s;
            while i > e {
                v.push(i as usize);
                i = i.saturating_add(step);
            }
            v
        };
        t = t.select(Axis(axis), &idx);
    }
    Ok(vec![Val::konst(Konst {
        t,
        dtype: data.dtype,
    })])
}

fn unary(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let ks = consts(n)?;
    let x = req(n, &ks, 0)?;
    let f: fn(f64) -> f64 = match n.op() {
        "Sqrt" => f64::sqrt,
        "Reciprocal" => f64::recip,
        "Floor" => f64::floor,
        "Ceil" => f64::ceil,
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

fn binary(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
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
            "Pow" => (f64::powf, acc.dtype),
            "Min" => (f64::min, acc.dtype),
            "Max" => (f64::max, acc.dtype),
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

fn where_(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
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
