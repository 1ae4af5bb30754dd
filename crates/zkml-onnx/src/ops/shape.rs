//! Data movement: Reshape, Flatten, Squeeze, Unsqueeze (all → Reshape),
//! Transpose, Concat, Pad, Expand, Identity, Dropout.

use ndarray::{ArrayD, IxDyn};
use zkml_core::ops::elementwise::broadcast_shape;
use zkml_core::Op;

use super::{norm_axis, NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::tensor::{checked_shape, DType, Konst};

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("Reshape", reshape);
    r.insert("Flatten", flatten);
    r.insert("Squeeze", squeeze);
    r.insert("Unsqueeze", unsqueeze);
    r.insert("Transpose", transpose);
    r.insert("Concat", concat);
    r.insert("Pad", pad);
    r.insert("Expand", expand);
    r.insert("Identity", |_, n| Ok(vec![n.input(0)?.clone()]));
    r.insert("Dropout", dropout);
}

fn emit_reshape(ctx: &mut Ctx, n: &NodeCtx, shape: Vec<usize>) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Reshape { shape },
        &[x],
        n.out(0),
    )?])
}

/// Reshape: the target comes from input 1 (opset ≥ 5, must be constant) or
/// the `shape` attribute; `0` copies the input dim (unless `allowzero`), `-1`
/// is inferred.
fn reshape(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
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

fn flatten(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let xs = ctx.shape(n.input(0)?);
    let raw = n.int("axis", 1)?;
    let rank = xs.len() as i64;
    let axis = if raw < 0 { raw + rank } else { raw };
    if !(0..=rank).contains(&axis) {
        return Err(n.attr_err("axis", format!("{raw} out of range for rank {rank}")));
    }
    let axis = axis as usize;
    let shape = vec![xs[..axis].iter().product(), xs[axis..].iter().product()];
    emit_reshape(ctx, n, shape)
}

/// Squeeze: axes from the attribute before opset 13, input 1 from 13; none
/// means every size-1 dim.
fn squeeze(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let xs = ctx.shape(n.input(0)?);
    let axes = match n.axes(13, 1, xs.len())? {
        Some(a) => a,
        None => (0..xs.len()).filter(|&i| xs[i] == 1).collect(),
    };
    if let Some(&a) = axes.iter().find(|&&a| xs[a] != 1) {
        return Err(n.err(format!(
            "cannot squeeze axis {a} of size {} (shape {xs:?})",
            xs[a]
        )));
    }
    let shape = (0..xs.len())
        .filter(|i| !axes.contains(i))
        .map(|i| xs[i])
        .collect();
    emit_reshape(ctx, n, shape)
}

/// Unsqueeze: axes (attribute before opset 13, input from 13) index the output.
fn unsqueeze(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let xs = ctx.shape(n.input(0)?);
    let count = if n.opset >= 13 {
        n.const_input(1, "axes")?.map(|k| k.t.len())
    } else {
        n.ints("axes")?.map(|a| a.len())
    }
    .ok_or_else(|| n.err("axes are required"))?;
    let axes = n
        .axes(13, 1, xs.len() + count)?
        .ok_or_else(|| n.err("axes are required"))?;
    let mut dims = xs.iter();
    let shape = (0..xs.len() + count)
        .map(|i| {
            if axes.contains(&i) {
                1
            } else {
                dims.next().copied().unwrap_or(1)
            }
        })
        .collect();
    emit_reshape(ctx, n, shape)
}

fn transpose(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    let perm = match n.ints("perm")? {
        Some(p) => p
            .iter()
            .map(|&a| norm_axis(a, rank))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| n.attr_err("perm", format!("{p:?} out of range for rank {rank}")))?,
        None => (0..rank).rev().collect(),
    };
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Transpose { perm },
        &[x],
        n.out(0),
    )?])
}

fn concat(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let xs: Vec<Val> = n.inputs.iter().flatten().cloned().collect();
    let first = xs
        .first()
        .ok_or_else(|| n.err("Concat needs at least one input"))?;
    let rank = ctx.shape(first).len();
    // Concat-1 defaulted the axis to 1; from opset 4 it is required.
    let raw = match n.opt_int("axis")? {
        Some(a) => a,
        None if n.opset < 4 => 1,
        None => return Err(n.attr_err("axis", "is required")),
    };
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("{raw} out of range for rank {rank}")))?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Concat { axis },
        &xs,
        n.out(0),
    )?])
}

/// Pad, constant mode only: pads (and `value`) are attributes before opset
/// 11; pads, constant_value and (from 18) axes are inputs from 11.
fn pad(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    let mode = n.string("mode")?.unwrap_or_else(|| "constant".into());
    if mode != "constant" {
        return Err(n.attr_err(
            "mode",
            format!("`{mode}` padding is not supported, only `constant`"),
        ));
    }
    let (raw, value, axes) = if n.opset < 11 {
        let pads = match n.ints("pads")? {
            Some(p) => p,
            None => n
                .ints("paddings")?
                .ok_or_else(|| n.attr_err("pads", "is required"))?,
        };
        (pads, n.float("value", 0.0)?, None)
    } else {
        let pads = n
            .const_input(1, "pads")?
            .ok_or_else(|| n.err("input 1 (pads) is required"))?
            .to_i64();
        let value = match n.const_input(2, "constant_value")? {
            Some(k) if k.t.len() == 1 => k.t.iter().next().copied().unwrap_or(0.0) as f32,
            Some(k) => {
                return Err(n.err(format!(
                    "input 2 (constant_value) must be a scalar, got shape {:?}",
                    k.shape()
                )))
            }
            None => 0.0,
        };
        let axes = if n.opset >= 18 {
            n.axes(18, 3, rank)?
        } else {
            None
        };
        (pads, value, axes)
    };
    let axes = axes.unwrap_or_else(|| (0..rank).collect());
    if raw.len() != 2 * axes.len() {
        return Err(n.err(format!(
            "pads {raw:?} should have {} entries (begin and end for each of {} axes)",
            2 * axes.len(),
            axes.len()
        )));
    }
    if raw.iter().any(|&p| p < 0) {
        return Err(n.err(format!(
            "negative pads {raw:?} (cropping) are not supported"
        )));
    }
    if raw.iter().any(|&p| p > super::MAX_WINDOW as i64) {
        return Err(n.err(format!("pads {raw:?} exceed {}", super::MAX_WINDOW)));
    }
    let mut pads = vec![0usize; 2 * rank];
    for (j, &a) in axes.iter().enumerate() {
        pads[a] = usize::try_from(raw[j]).unwrap_or(0);
        pads[a + rank] = usize::try_from(raw[j + axes.len()]).unwrap_or(0);
    }
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Pad { pads, value },
        &[x],
        n.out(0),
    )?])
}

/// Expand: broadcast to a constant shape, as `x + zeros(shape)`.
fn expand(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let target = n
        .const_input(1, "shape")?
        .ok_or_else(|| n.err("input 1 (shape) is required"))?
        .to_i64();
    let (target, _) = checked_shape(&target, n.out(0))?;
    let xs = ctx.shape(&x);
    let out = broadcast_shape(&xs, &target).map_err(|e| n.err(e))?;
    checked_shape(&out.iter().map(|&d| d as i64).collect::<Vec<_>>(), n.out(0))?;
    let dtype = x.as_const().map_or(DType::Float, |k| k.dtype);
    let zeros = Val::konst(Konst {
        t: ArrayD::zeros(IxDyn(&out)),
        dtype,
    });
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Add,
        &[x, zeros],
        n.out(0),
    )?])
}

/// Dropout at inference: the identity; a used mask output is all ones.
/// Training mode (opset ≥ 12 input 2) is refused unless the ratio is 0.
fn dropout(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
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
