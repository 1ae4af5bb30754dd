//! ConvTranspose (1-D, 2-D and 3-D; groups, strides, pads, output_padding,
//! output_shape, dilations, auto_pad) as a Conv over a zero-stuffed input.
//!
//! Along each spatial axis, `y[o] = Σ_i Σ_t x[i]·w[t]` over `o = i·s + t·d − p_b`.
//! With `z` the input stuffed with `s − 1` zeros between elements and framed by
//! `P_b = (k−1)·d − p_b` zeros in front (negative: cropped), so that
//! `z[j] = x[(j − P_b)/s]` where that is a whole index in range and 0 elsewhere,
//! `y[o] = Σ_t z[o + t·d]·w[k−1−t]`: a stride-1 Conv with dilation `d` of `z`
//! with the flipped kernel, input and output channels of each group swapped
//! (`W'[g·M_g + m, c] = W[g·C_g + c, m]`). `z` is one index map with zero fills
//! ([`super::select_or_fill`]); the Conv is proven by the Conv machinery (3-D:
//! through [`crate::ops::nn::volume::conv3d`]).

use ndarray::{ArrayD, IxDyn};
use zkml_core::ops::Conv;
use zkml_core::Op;

use super::{select_or_fill, AxisMaps};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::nn::window::Window;
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// ConvTranspose; the weight must be constant.
pub fn conv_transpose(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let wk = n
        .const_input(1, "W")?
        .ok_or_else(|| n.err("input 1 (W) is required"))?
        .clone();
    let b = n.opt_input(2).cloned();
    let xs = ctx.shape(&x);
    let ws = wk.shape().to_vec();
    if !matches!(xs.len(), 3..=5) || ws.len() != xs.len() {
        return Err(n.err(format!(
            "only 1-D, 2-D and 3-D transposed convolutions are supported (input and weight of \
             rank 3, 4 or 5), got input {xs:?} and weight {ws:?}"
        )));
    }
    let d = xs.len() - 2;
    let group = usize::try_from(n.int("group", 1)?)
        .ok()
        .filter(|&g| g >= 1 && xs[1].is_multiple_of(g))
        .ok_or_else(|| {
            n.attr_err(
                "group",
                format!("must be ≥ 1 and divide {} channels", xs[1]),
            )
        })?;
    if ws[0] != xs[1] {
        return Err(n.err(format!(
            "weight {ws:?} has {} input channels, the input {xs:?} has {}",
            ws[0], xs[1]
        )));
    }
    let kernel = ws[2..].to_vec();
    if let Some(k) = n.usizes("kernel_shape", d)? {
        if k != kernel {
            return Err(n.attr_err(
                "kernel_shape",
                format!("{k:?} differs from the weight's spatial shape {kernel:?}"),
            ));
        }
    }
    let ones = vec![1; d];
    let strides = n.usizes("strides", d)?.unwrap_or_else(|| ones.clone());
    let dil = n.usizes("dilations", d)?.unwrap_or(ones);
    let out_pad = n.usizes("output_padding", d)?.unwrap_or_else(|| vec![0; d]);
    if strides.contains(&0) || dil.contains(&0) || kernel.contains(&0) {
        return Err(n.err("strides, dilations and kernel sizes must be ≥ 1"));
    }
    let full: Vec<i64> = (0..d)
        .map(|i| (strides[i] * (xs[2 + i] - 1) + out_pad[i] + (kernel[i] - 1) * dil[i] + 1) as i64)
        .collect();
    let auto_pad = n.string("auto_pad")?.unwrap_or_else(|| "NOTSET".into());
    let split = |total: i64, upper: bool| {
        let half = total.div_euclid(2);
        if upper {
            (half, total - half)
        } else {
            (total - half, half)
        }
    };
    let output_shape = n
        .ints("output_shape")?
        .map(|v| v[v.len().saturating_sub(d)..].to_vec());
    let pads: Vec<(i64, i64)> = if let Some(os) = output_shape {
        if os.len() != d {
            return Err(n.attr_err("output_shape", format!("expected {d} values, got {os:?}")));
        }
        (0..d)
            .map(|i| split(full[i] - os[i], auto_pad == "SAME_UPPER"))
            .collect()
    } else {
        match auto_pad.as_str() {
            "SAME_UPPER" | "SAME_LOWER" => (0..d)
                .map(|i| {
                    split(
                        full[i] - (xs[2 + i] * strides[i]) as i64,
                        auto_pad == "SAME_UPPER",
                    )
                })
                .collect(),
            "VALID" => vec![(0, 0); d],
            "NOTSET" => {
                let p = n.usizes("pads", 2 * d)?.unwrap_or_else(|| vec![0; 2 * d]);
                (0..d).map(|i| (p[i] as i64, p[i + d] as i64)).collect()
            }
            other => {
                return Err(n.attr_err("auto_pad", format!("unknown value `{other}`")));
            }
        }
    };
    // Lift 1-D to 2-D (height 1).
    let lift = |v: &[usize], one: usize| {
        if d == 1 {
            vec![one, v[0]]
        } else {
            v.to_vec()
        }
    };
    let (kernel2, strides2, dil2) = (lift(&kernel, 1), lift(&strides, 1), lift(&dil, 1));
    let op2 = lift(&out_pad, 0);
    let pads2: Vec<(i64, i64)> = if d == 1 { vec![(0, 0), pads[0]] } else { pads };
    let in_sp = lift(&xs[2..], 1);
    let mut maps: AxisMaps = vec![None, None];
    for i in 0..kernel2.len() {
        let (pb, pe) = pads2[i];
        let out_len = (strides2[i] * (in_sp[i] - 1) + (kernel2[i] - 1) * dil2[i] + 1) as i64
            + op2[i] as i64
            - pb
            - pe;
        if out_len < 1 {
            return Err(n.err(format!(
                "pads {pads2:?} leave no output along spatial axis {i}"
            )));
        }
        let span = ((kernel2[i] - 1) * dil2[i]) as i64;
        let lead = span - pb;
        let s = strides2[i] as i64;
        let map: Vec<Option<usize>> = (0..out_len + span)
            .map(|j| {
                let t = j - lead;
                (t >= 0 && t % s == 0 && t / s < in_sp[i] as i64).then_some((t / s) as usize)
            })
            .collect();
        maps.push(Some(map));
    }
    let x4 = if d == 1 {
        ctx.emit(
            n.at(),
            &n.sub("x2d"),
            Op::Reshape {
                shape: vec![xs[0], xs[1], 1, xs[2]],
            },
            &[x],
            &n.tmp("x2d"),
        )?
    } else {
        x
    };
    let z = select_or_fill(ctx, n, &x4, 0.0, &n.tmp("stuffed"), |t, fill| {
        Ok(super::apply_axis_maps(t, &maps, fill))
    })?;
    // W [C, M_g, k…] → flipped W' [M, C_g, k…].
    let (c, mg) = (ws[0], ws[1]);
    let cg = c / group;
    let w4 = wk.t.as_standard_layout().into_owned();
    let wd = w4.as_slice().expect("standard layout");
    let mut wshape = vec![mg * group, cg];
    wshape.extend(&kernel2);
    let wt = ArrayD::from_shape_fn(IxDyn(&wshape), |ix| {
        let (o, ci) = (ix[0], ix[1]);
        let (g, m) = (o / mg, o % mg);
        let src_c = g * cg + ci;
        let mut flat = src_c * mg + m;
        for (a, &k) in kernel2.iter().enumerate() {
            flat = flat * k + (k - 1 - ix[2 + a]);
        }
        wd[flat]
    });
    if d == 3 {
        let win = Window {
            kernel: kernel2.clone(),
            strides: vec![1; 3],
            dilations: dil2.clone(),
            pads: vec![0; 6],
        };
        let w = Val::konst(Konst::float(wt));
        return crate::ops::nn::volume::conv3d(ctx, n, (z, w, b), &win, group);
    }
    let (kh, kw) = (kernel2[0], kernel2[1]);
    let conv = Op::Conv(Conv {
        kernel: [kh, kw],
        strides: [1, 1],
        pads: [0, 0, 0, 0],
        dilations: [dil2[0], dil2[1]],
        group,
    });
    let mut inputs = vec![z, Val::konst(Konst::float(wt))];
    inputs.extend(b);
    if d == 2 {
        return Ok(vec![ctx.emit(
            n.at(),
            &n.sub("conv"),
            conv,
            &inputs,
            n.out(0),
        )?]);
    }
    let y = ctx.emit(n.at(), &n.sub("conv"), conv, &inputs, &n.tmp("conv2d"))?;
    let ys = ctx.shape(&y);
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("y1d"),
        Op::Reshape {
            shape: vec![ys[0], ys[1], ys[3]],
        },
        &[y],
        n.out(0),
    )?])
}
