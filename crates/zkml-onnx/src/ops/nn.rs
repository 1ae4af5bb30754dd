//! Conv (1-D and 2-D), MaxPool, AveragePool, GlobalAveragePool,
//! GlobalMaxPool, BatchNormalization.

use ndarray::{ArrayD, IxDyn};
use zkml_core::ops::{Conv, Pool};
use zkml_core::Op;

use super::{NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::tensor::Konst;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("Conv", conv);
    r.insert("MaxPool", |c, n| pool(c, n, true));
    r.insert("AveragePool", |c, n| pool(c, n, false));
    r.insert("GlobalAveragePool", global_average_pool);
    r.insert("GlobalMaxPool", global_max_pool);
    r.insert("BatchNormalization", batch_norm);
}

/// Window geometry shared by Conv and the pools, ONNX defaults applied and
/// `auto_pad` resolved into explicit pads.
struct Window {
    kernel: Vec<usize>,
    strides: Vec<usize>,
    dilations: Vec<usize>,
    /// Begins then ends.
    pads: Vec<usize>,
}

fn window(n: &NodeCtx, spatial: &[usize], kernel: Vec<usize>) -> Result<Window, OnnxError> {
    let d = spatial.len();
    let ones = vec![1; d];
    let strides = n.usizes("strides", d)?.unwrap_or_else(|| ones.clone());
    let dilations = n.usizes("dilations", d)?.unwrap_or(ones);
    for (name, v) in [
        ("kernel_shape", &kernel),
        ("strides", &strides),
        ("dilations", &dilations),
    ] {
        if v.contains(&0) {
            return Err(n.attr_err(name, format!("values must be ≥ 1, got {v:?}")));
        }
    }
    let auto_pad = n.string("auto_pad")?.unwrap_or_else(|| "NOTSET".into());
    let pads = match auto_pad.as_str() {
        "NOTSET" => n.usizes("pads", 2 * d)?.unwrap_or_else(|| vec![0; 2 * d]),
        "VALID" => vec![0; 2 * d],
        "SAME_UPPER" | "SAME_LOWER" => {
            let mut pads = vec![0; 2 * d];
            for i in 0..d {
                let out = spatial[i].div_ceil(strides[i]);
                let span = (kernel[i] - 1) * dilations[i] + 1;
                let total = ((out.max(1) - 1) * strides[i] + span).saturating_sub(spatial[i]);
                let small = total / 2;
                let (begin, end) = if auto_pad == "SAME_UPPER" {
                    (small, total - small)
                } else {
                    (total - small, small)
                };
                pads[i] = begin;
                pads[i + d] = end;
            }
            pads
        }
        other => {
            return Err(n.attr_err(
                "auto_pad",
                format!(
                    "unknown value `{other}` (expected NOTSET, SAME_UPPER, SAME_LOWER or VALID)"
                ),
            ))
        }
    };
    Ok(Window {
        kernel,
        strides,
        dilations,
        pads,
    })
}

fn reshape(
    ctx: &mut Ctx,
    n: &NodeCtx,
    x: Val,
    shape: Vec<usize>,
    tag: &str,
    out: &str,
) -> Result<Val, OnnxError> {
    ctx.emit(n.at(), &n.sub(tag), Op::Reshape { shape }, &[x], out)
}

/// Conv, 2-D natively; 1-D through a height-1 2-D convolution.
fn conv(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let (x, w) = (n.input(0)?.clone(), n.input(1)?.clone());
    let b = n.opt_input(2).cloned();
    let (xs, ws) = (ctx.shape(&x), ctx.shape(&w));
    if !matches!(xs.len(), 3 | 4) || ws.len() != xs.len() {
        return Err(n.err(format!(
            "only 1-D and 2-D convolutions are supported (input and weight of rank 3 or 4), got \
             input {xs:?} and weight {ws:?}"
        )));
    }
    let d = xs.len() - 2;
    let kernel = n
        .usizes("kernel_shape", d)?
        .unwrap_or_else(|| ws[2..].to_vec());
    if kernel != ws[2..] {
        return Err(n.attr_err(
            "kernel_shape",
            format!(
                "{kernel:?} differs from the weight's spatial shape {:?}",
                &ws[2..]
            ),
        ));
    }
    let win = window(n, &xs[2..], kernel)?;
    let group = n.int("group", 1)?;
    let group = usize::try_from(group)
        .ok()
        .filter(|&g| g >= 1)
        .ok_or_else(|| n.attr_err("group", format!("must be ≥ 1, got {group}")))?;
    let lift = |v: &[usize]| if d == 1 { vec![1, v[0]] } else { v.to_vec() };
    let pads = if d == 1 {
        [0, win.pads[0], 0, win.pads[1]]
    } else {
        [win.pads[0], win.pads[1], win.pads[2], win.pads[3]]
    };
    let to2 = |v: Vec<usize>| [v[0], v[1]];
    let op = Op::Conv(Conv {
        kernel: to2(lift(&win.kernel)),
        strides: to2(lift(&win.strides)),
        pads,
        dilations: to2(lift(&win.dilations)),
        group,
    });
    let mut inputs = if d == 1 {
        let x = reshape(
            ctx,
            n,
            x,
            vec![xs[0], xs[1], 1, xs[2]],
            "x2d",
            &n.tmp("x2d"),
        )?;
        let w = reshape(
            ctx,
            n,
            w,
            vec![ws[0], ws[1], 1, ws[2]],
            "w2d",
            &n.tmp("w2d"),
        )?;
        vec![x, w]
    } else {
        vec![x, w]
    };
    inputs.extend(b);
    if d == 2 {
        return Ok(vec![ctx.emit(n.at(), &n.name, op, &inputs, n.out(0))?]);
    }
    let y = ctx.emit(n.at(), &n.name, op, &inputs, &n.tmp("conv2d"))?;
    let ys = ctx.shape(&y);
    Ok(vec![reshape(
        ctx,
        n,
        y,
        vec![ys[0], ys[1], ys[3]],
        "y1d",
        n.out(0),
    )?])
}

/// MaxPool / AveragePool, 2-D natively; 1-D through a height-1 2-D pool.
fn pool(ctx: &mut Ctx, n: &NodeCtx, max: bool) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let xs = ctx.shape(&x);
    if !matches!(xs.len(), 3 | 4) {
        return Err(n.err(format!(
            "only 1-D and 2-D pooling (a 3-D NCL or 4-D NCHW input) is supported, got input \
             shape {xs:?}"
        )));
    }
    if max {
        n.only_outputs(ctx, 1, "Indices")?;
    }
    let d = xs.len() - 2;
    let kernel = n
        .usizes("kernel_shape", d)?
        .ok_or_else(|| n.attr_err("kernel_shape", "is required"))?;
    let win = window(n, &xs[2..], kernel)?;
    let lift = |v: &[usize]| if d == 1 { [1, v[0]] } else { [v[0], v[1]] };
    let pool = Pool {
        kernel: lift(&win.kernel),
        strides: lift(&win.strides),
        pads: if d == 1 {
            [0, win.pads[0], 0, win.pads[1]]
        } else {
            [win.pads[0], win.pads[1], win.pads[2], win.pads[3]]
        },
        dilations: lift(&win.dilations),
        ceil_mode: n.int("ceil_mode", 0)? != 0,
        count_include_pad: n.int("count_include_pad", 0)? != 0,
    };
    let op = if max {
        Op::MaxPool(pool)
    } else {
        Op::AveragePool(pool)
    };
    if d == 2 {
        return Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?]);
    }
    let x = reshape(
        ctx,
        n,
        x,
        vec![xs[0], xs[1], 1, xs[2]],
        "x2d",
        &n.tmp("x2d"),
    )?;
    let y = ctx.emit(n.at(), &n.name, op, &[x], &n.tmp("pool2d"))?;
    let ys = ctx.shape(&y);
    Ok(vec![reshape(
        ctx,
        n,
        y,
        vec![ys[0], ys[1], ys[3]],
        "y1d",
        n.out(0),
    )?])
}

/// GlobalAveragePool → ReduceMean over the spatial axes, keeping them.
fn global_average_pool(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    if rank < 3 {
        return Err(n.err(format!(
            "input must have rank ≥ 3 (N, C, spatial...), got {rank}"
        )));
    }
    let op = Op::ReduceMean {
        axes: (2..rank).collect(),
        keepdims: true,
    };
    Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?])
}

/// GlobalMaxPool → MaxPool with the whole plane as its window.
fn global_max_pool(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let xs = ctx.shape(&x);
    if xs.len() != 4 || xs[2] == 0 || xs[3] == 0 {
        return Err(n.err(format!(
            "only 2-D pooling (a non-empty 4-D NCHW input) is supported, got {xs:?}"
        )));
    }
    let op = Op::MaxPool(Pool {
        kernel: [xs[2], xs[3]],
        strides: [1, 1],
        pads: [0; 4],
        dilations: [1, 1],
        ceil_mode: false,
        count_include_pad: false,
    });
    Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?])
}

/// Inference BatchNormalization: `y = x·a + b` per channel (axis 1) with
/// `a = scale / sqrt(var + ε)`, `b = B − mean·a`, emitted as Mul + Add with
/// constants shaped `[C, 1, …]`; [`crate::fold`] later folds them into a
/// preceding Conv or MatMul.
fn batch_norm(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    if n.int("training_mode", 0)? != 0 {
        return Err(n.attr_err(
            "training_mode",
            "training-mode BatchNormalization is not supported; export the model in eval mode",
        ));
    }
    if n.opset < 9 && n.int("spatial", 1)? == 0 {
        return Err(n.attr_err(
            "spatial",
            "spatial=0 (per-element statistics) is not supported; re-export with spatial=1",
        ));
    }
    n.only_outputs(ctx, 1, "training statistics")?;
    let x = n.input(0)?.clone();
    let xs = ctx.shape(&x);
    if xs.len() < 2 {
        return Err(n.err(format!("input must have rank ≥ 2 (N, C, ...), got {xs:?}")));
    }
    let c = xs[1];
    let eps = f64::from(n.float("epsilon", 1e-5)?);
    let mut params = Vec::new();
    for (i, what) in [(1, "scale"), (2, "B"), (3, "input_mean"), (4, "input_var")] {
        let k = n
            .const_input(i, what)?
            .ok_or_else(|| n.err(format!("input {i} ({what}) is required")))?;
        if k.t.len() != c {
            return Err(n.err(format!(
                "input {i} ({what}) has shape {:?}, expected [{c}] for {c} channels",
                k.shape()
            )));
        }
        params.push(k.t.iter().copied().collect::<Vec<f64>>());
    }
    let (scale, bias, mean, var) = (&params[0], &params[1], &params[2], &params[3]);
    let a: Vec<f64> = (0..c).map(|i| scale[i] / (var[i] + eps).sqrt()).collect();
    let b: Vec<f64> = (0..c).map(|i| bias[i] - mean[i] * a[i]).collect();
    let mut shape = vec![c];
    shape.resize(xs.len() - 1, 1);
    let ka = Konst::float(ArrayD::from_shape_vec(IxDyn(&shape), a).expect("c elements"));
    let kb = Konst::float(ArrayD::from_shape_vec(IxDyn(&shape), b).expect("c elements"));
    let y = ctx.emit(
        n.at(),
        &n.sub("scale"),
        Op::Mul,
        &[x, Val::konst(ka)],
        &n.tmp("scale"),
    )?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("shift"),
        Op::Add,
        &[y, Val::konst(kb)],
        n.out(0),
    )?])
}
