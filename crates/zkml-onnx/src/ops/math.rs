//! MatMul, Gemm, Add/Sub/Mul/Div, Neg, Sum, activations, Clip, Softmax.

use zkml_core::Op;

use super::{norm_axis, NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::tensor::{DType, Konst};

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("MatMul", matmul);
    r.insert("Gemm", gemm);
    r.insert("Add", |c, n| binary(c, n, Op::Add));
    r.insert("Sub", |c, n| binary(c, n, Op::Sub));
    r.insert("Mul", |c, n| binary(c, n, Op::Mul));
    r.insert("Div", div);
    r.insert("Neg", neg);
    r.insert("Sum", sum);
    r.insert("Relu", |c, n| unary(c, n, Op::Relu));
    r.insert("Sigmoid", |c, n| unary(c, n, Op::Sigmoid));
    r.insert("Tanh", |c, n| unary(c, n, Op::Tanh));
    r.insert("LeakyRelu", leaky_relu);
    r.insert("PRelu", prelu);
    r.insert("Clip", clip);
    r.insert("Softmax", softmax);
}

fn unary(ctx: &mut Ctx, n: &NodeCtx, op: Op) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?])
}

fn binary(ctx: &mut Ctx, n: &NodeCtx, op: Op) -> Result<Vec<Val>, OnnxError> {
    let (a, b) = (n.input(0)?.clone(), n.input(1)?.clone());
    Ok(vec![ctx.emit(n.at(), &n.name, op, &[a, b], n.out(0))?])
}

fn matmul(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    binary(ctx, n, Op::MatMul)
}

/// `Y = alpha·A'·B' + beta·C` with `A' = transA ? Aᵀ : A` (likewise B).
/// Transposes and `alpha` fold into whichever operand is constant.
fn gemm(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let alpha = n.float("alpha", 1.0)?;
    let beta = n.float("beta", 1.0)?;
    let trans_a = n.int("transA", 0)? != 0;
    let trans_b = n.int("transB", 0)? != 0;
    let (mut a, mut b) = (n.input(0)?.clone(), n.input(1)?.clone());
    for (v, which) in [(&a, "A"), (&b, "B")] {
        let s = ctx.shape(v);
        if s.len() != 2 {
            return Err(n.err(format!(
                "input {which} must be 2-D, got shape {s:?}; use MatMul for batched products"
            )));
        }
    }
    let c = if beta != 0.0 {
        n.opt_input(2).cloned()
    } else {
        None
    };
    let t = Op::Transpose { perm: vec![1, 0] };
    if trans_a {
        a = ctx.emit(n.at(), &n.sub("transA"), t.clone(), &[a], &n.tmp("transA"))?;
    }
    if trans_b {
        b = ctx.emit(n.at(), &n.sub("transB"), t, &[b], &n.tmp("transB"))?;
    }
    let mut alpha_node = alpha != 1.0;
    if alpha_node {
        let k = Val::konst(Konst::scalar(alpha.into()));
        if b.as_const().is_some() {
            b = ctx.emit(n.at(), &n.sub("alpha"), Op::Mul, &[b, k], &n.tmp("alpha"))?;
            alpha_node = false;
        } else if a.as_const().is_some() {
            a = ctx.emit(n.at(), &n.sub("alpha"), Op::Mul, &[a, k], &n.tmp("alpha"))?;
            alpha_node = false;
        }
    }
    let last_is_mm = !alpha_node && c.is_none();
    let mm_out = if last_is_mm {
        n.out(0).to_string()
    } else {
        n.tmp("matmul")
    };
    let mut y = ctx.emit(n.at(), &n.sub("matmul"), Op::MatMul, &[a, b], &mm_out)?;
    if alpha_node {
        let k = Val::konst(Konst::scalar(alpha.into()));
        let out = if c.is_none() {
            n.out(0).to_string()
        } else {
            n.tmp("alpha")
        };
        y = ctx.emit(n.at(), &n.sub("alpha"), Op::Mul, &[y, k], &out)?;
    }
    if let Some(mut c) = c {
        if beta != 1.0 {
            let k = Val::konst(Konst::scalar(beta.into()));
            c = ctx.emit(n.at(), &n.sub("beta"), Op::Mul, &[c, k], &n.tmp("beta"))?;
        }
        y = ctx.emit(n.at(), &n.sub("bias"), Op::Add, &[y, c], n.out(0))?;
    }
    Ok(vec![y])
}

/// Division: folded when both sides are constant (truncating for integers);
/// by a constant it becomes a Mul by the reciprocal; otherwise unsupported.
fn div(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let (a, b) = (n.input(0)?.clone(), n.input(1)?.clone());
    let Some(bk) = b.as_const() else {
        return Err(n.err(
            "division by a run-time value is not supported (only division by a constant, which \
             becomes a multiplication by its reciprocal); rewrite the model so the divisor is a \
             constant",
        ));
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

fn neg(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    if let Some(k) = x.as_const() {
        return Ok(vec![Val::konst(Konst {
            t: k.t.mapv(|v| -v),
            dtype: k.dtype,
        })]);
    }
    let m = Val::konst(Konst::scalar(-1.0));
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Mul,
        &[x, m],
        n.out(0),
    )?])
}

/// Variadic Sum → a chain of Adds.
fn sum(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let xs: Vec<Val> = n.inputs.iter().flatten().cloned().collect();
    let mut it = xs.into_iter();
    let mut acc = it
        .next()
        .ok_or_else(|| n.err("Sum needs at least one input"))?;
    let rest: Vec<Val> = it.collect();
    for (i, x) in rest.iter().enumerate() {
        let out = if i + 1 == rest.len() {
            n.out(0).to_string()
        } else {
            n.tmp(&format!("sum{i}"))
        };
        acc = ctx.emit(
            n.at(),
            &n.sub(&format!("sum{i}")),
            Op::Add,
            &[acc, x.clone()],
            &out,
        )?;
    }
    Ok(vec![acc])
}

fn leaky_relu(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let alpha = n.float("alpha", 0.01)?;
    unary(ctx, n, Op::LeakyRelu { alpha })
}

/// PRelu: one constant slope for every element → LeakyRelu; otherwise
/// (per-channel or run-time slopes) `relu(x) + slope·(x − relu(x))`, which is
/// exact: `x` for `x ≥ 0`, `slope·x` below.
fn prelu(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let slope = n.input(1)?.clone();
    if let Some(k) = slope.as_const() {
        let first = k.t.iter().next().copied().unwrap_or(0.0);
        if k.t.iter().all(|&v| v == first) && k.t.ndim() <= ctx.shape(&x).len() {
            let op = Op::LeakyRelu {
                alpha: first as f32,
            };
            return Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?]);
        }
    }
    let xs = ctx.shape(&x);
    let ss = ctx.shape(&slope);
    match zkml_core::ops::elementwise::broadcast_shape(&xs, &ss) {
        Ok(s) if s == xs => {}
        _ => {
            return Err(n.err(format!(
                "slope shape {ss:?} does not broadcast to the input shape {xs:?}"
            )))
        }
    }
    let r = ctx.emit(
        n.at(),
        &n.sub("relu"),
        Op::Relu,
        std::slice::from_ref(&x),
        &n.tmp("relu"),
    )?;
    let neg = ctx.emit(
        n.at(),
        &n.sub("neg"),
        Op::Sub,
        &[x, r.clone()],
        &n.tmp("neg"),
    )?;
    let scaled = ctx.emit(
        n.at(),
        &n.sub("slope"),
        Op::Mul,
        &[neg, slope],
        &n.tmp("slope"),
    )?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Add,
        &[r, scaled],
        n.out(0),
    )?])
}

/// Clip: bounds are attributes before opset 11, optional constant inputs from
/// 11. `Clip(0, ∞)` is emitted as Relu.
fn clip(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let (min, max) = if n.opset < 11 {
        (
            n.float("min", f32::NEG_INFINITY)?,
            n.float("max", f32::INFINITY)?,
        )
    } else {
        let bound = |i: usize, what: &str, default: f32| -> Result<f32, OnnxError> {
            match n.const_input(i, what)? {
                None => Ok(default),
                Some(k) if k.t.len() == 1 => Ok(k.t.iter().next().copied().unwrap_or(0.0) as f32),
                Some(k) => Err(n.err(format!(
                    "input {i} ({what}) must be a scalar, got shape {:?}",
                    k.shape()
                ))),
            }
        };
        (
            bound(1, "min", f32::NEG_INFINITY)?,
            bound(2, "max", f32::INFINITY)?,
        )
    };
    if min.is_nan() || max.is_nan() {
        return Err(n.err("Clip bounds must not be NaN"));
    }
    if min == 0.0 && max == f32::INFINITY {
        return unary(ctx, n, Op::Relu);
    }
    unary(ctx, n, Op::Clip { min, max })
}

/// Softmax: before opset 13 the input is coerced to 2-D at `axis` (default
/// 1), i.e. Reshape → Softmax(axis 1) → Reshape; from 13 a plain axis
/// (default −1).
fn softmax(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let shape = ctx.shape(&x);
    let rank = shape.len();
    let legacy = n.opset < 13;
    let raw = n.int("axis", if legacy { 1 } else { -1 })?;
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("axis {raw} out of range for rank {rank}")))?;
    if !legacy || axis + 1 == rank {
        return unary(ctx, n, Op::Softmax { axis });
    }
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis..].iter().product();
    let flat = ctx.emit(
        n.at(),
        &n.sub("to2d"),
        Op::Reshape {
            shape: vec![outer, inner],
        },
        &[x],
        &n.tmp("to2d"),
    )?;
    let s = ctx.emit(
        n.at(),
        &n.name,
        Op::Softmax { axis: 1 },
        &[flat],
        &n.tmp("softmax"),
    )?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("back"),
        Op::Reshape { shape },
        &[s],
        n.out(0),
    )?])
}
