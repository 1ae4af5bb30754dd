//! Resize (opsets 10–19) and Upsample (7–9).
//!
//! Resize is separable: per resized axis, output coordinate `y` maps to a
//! source coordinate `x(y)` by the `coordinate_transformation_mode`
//! (`half_pixel`, `half_pixel_symmetric`, `pytorch_half_pixel`,
//! `align_corners`, `asymmetric`, `tf_crop_and_resize`), computed in `f64`
//! as ONNX's reference does.
//!
//! * `nearest`: `x` rounds to one input coordinate by `nearest_mode`
//!   (`round_prefer_floor`, `round_prefer_ceil`, `floor`, `ceil`), clamped
//!   into the axis; the whole op is one index map (with the
//!   `extrapolation_value` as fill where `tf_crop_and_resize` leaves the
//!   input). Exact.
//! * `linear`, `cubic` (with `antialias`, `exclude_outside`,
//!   `cubic_coeff_a`): each output is a constant combination of its
//!   neighbours (edge-clamped), one constant matrix per axis: a `MatMul` by
//!   the constant (see [`super::linear_along_axis`]); the weights are
//!   quantized like any constant weight, so rational scales whose weights are
//!   dyadic (×2, ×4, ½, …) are exact before the one rescale.
//!
//! Scales or sizes come from constant inputs (`keep_aspect_ratio_policy` and
//! `axes` from opset 18). Opset 10 Resize and Upsample use `asymmetric`
//! coordinates and onnxruntime's rounding for them (floor when upsampling,
//! ceil when downsampling).

use super::{apply_axis_maps, linear_along_axis, select_or_fill, AxisMaps};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::{norm_axis, NodeCtx};

/// How a source coordinate becomes weights on input coordinates.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    /// One coordinate, chosen by the rounding.
    Nearest(Rounding),
    /// Linear interpolation.
    Linear,
    /// Cubic convolution with coefficient `a`.
    Cubic(f64),
}

/// `nearest_mode`, plus onnxruntime's rule for opset < 11.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Rounding {
    PreferFloor,
    PreferCeil,
    Floor,
    Ceil,
    /// Opset < 11: floor when upsampling, ceil when downsampling.
    Legacy,
}

/// Everything about one Resize once its attributes and inputs are read.
struct Spec {
    mode: Mode,
    coord: String,
    antialias: bool,
    exclude_outside: bool,
    extrapolation: f64,
    /// Per axis: (scale, output size, roi start, roi end).
    axes: Vec<(f64, usize, f64, f64)>,
}

/// Resize.
pub fn resize(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let shape = ctx.shape(&x);
    let rank = shape.len();
    let opset = n.opset;
    let mode = n.string("mode")?.unwrap_or_else(|| "nearest".into());
    let (coord, rounding) = if opset < 11 {
        ("asymmetric".to_string(), Rounding::Legacy)
    } else {
        let coord = n
            .string("coordinate_transformation_mode")?
            .unwrap_or_else(|| "half_pixel".into());
        let r = match n
            .string("nearest_mode")?
            .unwrap_or_else(|| "round_prefer_floor".into())
            .as_str()
        {
            "round_prefer_floor" => Rounding::PreferFloor,
            "round_prefer_ceil" => Rounding::PreferCeil,
            "floor" => Rounding::Floor,
            "ceil" => Rounding::Ceil,
            other => {
                return Err(n.attr_err("nearest_mode", format!("unknown mode `{other}`")));
            }
        };
        (coord, r)
    };
    let mode = parse_mode(n, &mode, rounding, n.float("cubic_coeff_a", -0.75)?)?;
    let nonempty = |i: usize, what: &str| -> Result<Option<Vec<f64>>, OnnxError> {
        Ok(n.const_input(i, what)?
            .filter(|k| !k.t.is_empty())
            .map(|k| k.t.iter().copied().collect()))
    };
    let (roi, scales, sizes) = if opset < 11 {
        (None, nonempty(1, "scales")?, None)
    } else {
        (
            nonempty(1, "roi")?,
            nonempty(2, "scales")?,
            nonempty(3, "sizes")?,
        )
    };
    let axes: Vec<usize> = match n.ints("axes")? {
        Some(raw) if opset >= 18 => raw
            .iter()
            .map(|&a| norm_axis(a, rank))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| n.attr_err("axes", format!("{raw:?} out of range for rank {rank}")))?,
        _ => (0..rank).collect(),
    };
    let policy = n
        .string("keep_aspect_ratio_policy")?
        .unwrap_or_else(|| "stretch".into());
    let spec = Spec {
        mode,
        antialias: n.int("antialias", 0)? != 0,
        exclude_outside: n.int("exclude_outside", 0)? != 0,
        extrapolation: f64::from(n.float("extrapolation_value", 0.0)?),
        axes: geometry(n, &shape, &axes, roi, scales, sizes, &policy)?,
        coord,
    };
    Ok(vec![lower(ctx, n, x, &spec)?])
}

/// Upsample (deprecated): scales as an attribute (opset 7) or input (9).
pub fn upsample(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let shape = ctx.shape(&x);
    let scales: Vec<f64> = if n.opset >= 9 {
        n.const_input(1, "scales")?
            .map(|k| k.t.iter().copied().collect())
            .ok_or_else(|| n.err("input 1 (scales) is required"))?
    } else {
        n.floats("scales")?
            .ok_or_else(|| n.attr_err("scales", "is required"))?
            .into_iter()
            .map(f64::from)
            .collect()
    };
    let mode = n.string("mode")?.unwrap_or_else(|| "nearest".into());
    let mode = parse_mode(n, &mode, Rounding::Legacy, -0.75)?;
    let axes: Vec<usize> = (0..shape.len()).collect();
    let spec = Spec {
        mode,
        coord: "asymmetric".into(),
        antialias: false,
        exclude_outside: false,
        extrapolation: 0.0,
        axes: geometry(n, &shape, &axes, None, Some(scales), None, "stretch")?,
    };
    Ok(vec![lower(ctx, n, x, &spec)?])
}

fn parse_mode(n: &NodeCtx, mode: &str, r: Rounding, a: f32) -> Result<Mode, OnnxError> {
    Ok(match mode {
        "nearest" => Mode::Nearest(r),
        "linear" | "bilinear" | "trilinear" => Mode::Linear,
        "cubic" => Mode::Cubic(f64::from(a)),
        other => return Err(n.attr_err("mode", format!("unknown mode `{other}`"))),
    })
}

/// Per axis of the input: (scale, output size, roi start, roi end).
fn geometry(
    n: &NodeCtx,
    shape: &[usize],
    axes: &[usize],
    roi: Option<Vec<f64>>,
    scales: Option<Vec<f64>>,
    sizes: Option<Vec<f64>>,
    policy: &str,
) -> Result<Vec<(f64, usize, f64, f64)>, OnnxError> {
    let rank = shape.len();
    let k = axes.len();
    let mut out: Vec<(f64, usize, f64, f64)> = shape.iter().map(|&d| (1.0, d, 0.0, 1.0)).collect();
    if let Some(roi) = &roi {
        // The roi covers every axis before opset 18's `axes`, or the listed ones.
        let m = if roi.len() == 2 * k { k } else { rank };
        if roi.len() != 2 * m {
            return Err(n.err(format!("roi has {} values, expected {}", roi.len(), 2 * k)));
        }
        for j in 0..m {
            let a = if m == k { axes[j] } else { j };
            out[a].2 = roi[j];
            out[a].3 = roi[j + m];
        }
    }
    match (scales, sizes) {
        (Some(s), None) => {
            if s.len() != k {
                return Err(n.err(format!("{} scales for {k} axes", s.len())));
            }
            for (j, &a) in axes.iter().enumerate() {
                // `scales` are float32; the output size floors in f64 as the reference does.
                let sc = f64::from(s[j] as f32);
                if !(sc.is_finite() && sc > 0.0) {
                    return Err(n.err(format!("scale {} must be positive", s[j])));
                }
                let len = (sc * shape[a] as f64).floor();
                if len > (1u64 << 24) as f64 {
                    return Err(n.err(format!("output size {len} along axis {a} is too large")));
                }
                out[a].0 = sc;
                out[a].1 = len as usize;
            }
        }
        (None, Some(z)) => {
            if z.len() != k {
                return Err(n.err(format!("{} sizes for {k} axes", z.len())));
            }
            let sz: Vec<usize> = z
                .iter()
                .map(|&v| usize::try_from(v as i64).ok().filter(|&v| v <= 1 << 24))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| n.err(format!("sizes {z:?} must be non-negative")))?;
            let ratio: Vec<f64> = axes
                .iter()
                .zip(&sz)
                .map(|(&a, &s)| s as f64 / shape[a] as f64)
                .collect();
            let keep = match policy {
                "stretch" => None,
                "not_larger" => Some(ratio.iter().copied().fold(f64::INFINITY, f64::min)),
                "not_smaller" => Some(ratio.iter().copied().fold(0.0, f64::max)),
                other => {
                    return Err(n.attr_err(
                        "keep_aspect_ratio_policy",
                        format!("unknown policy `{other}`"),
                    ))
                }
            };
            for (j, &a) in axes.iter().enumerate() {
                let (sc, len) = match keep {
                    None => (ratio[j], sz[j]),
                    Some(s) => (s, (s * shape[a] as f64 + 0.5) as usize),
                };
                out[a].0 = sc;
                out[a].1 = len;
            }
        }
        (Some(_), Some(_)) => return Err(n.err("only one of scales and sizes may be given")),
        (None, None) => return Err(n.err("one of scales and sizes is required")),
    }
    Ok(out)
}

/// The source coordinate of output coordinate `y`.
fn source(coord: &str, y: f64, scale: f64, len_in: usize, len_out: usize, roi: (f64, f64)) -> f64 {
    let lin = len_in as f64;
    let out_w = scale * lin;
    match coord {
        "align_corners" if out_w == 1.0 => 0.0,
        "align_corners" => y * (lin - 1.0) / (out_w - 1.0),
        "asymmetric" => y / scale,
        "tf_crop_and_resize" => {
            let base = if out_w == 1.0 {
                (roi.1 - roi.0) * (lin - 1.0) / 2.0
            } else {
                y * (roi.1 - roi.0) * (lin - 1.0) / (out_w - 1.0)
            };
            base + roi.0 * (lin - 1.0)
        }
        "pytorch_half_pixel" if out_w == 1.0 => -0.5,
        "half_pixel_symmetric" => {
            let adjustment = len_out as f64 / out_w;
            let offset = lin / 2.0 * (1.0 - adjustment);
            offset + (y + 0.5) / scale - 0.5
        }
        // half_pixel, pytorch_half_pixel
        _ => (y + 0.5) / scale - 0.5,
    }
}

/// The interpolation coefficients for fractional part `r` ∈ (0, 1].
fn coeffs(mode: Mode, r: f64, scale: f64, antialias: bool) -> Vec<f64> {
    match (mode, antialias) {
        (Mode::Linear, false) => vec![1.0 - r, r],
        (Mode::Linear, true) => {
            let s = scale.min(1.0);
            let start = (-1.0 / s).floor() as i64 + 1;
            let footprint = 2 - 2 * start;
            let c: Vec<f64> = (start..start + footprint)
                .map(|i| (1.0 - ((i as f64 - r) * s).abs()).clamp(0.0, 1.0))
                .collect();
            let sum: f64 = c.iter().sum();
            c.into_iter().map(|v| v / sum).collect()
        }
        (Mode::Cubic(a), false) => {
            let q = 1.0 - r;
            vec![
                ((a * (r + 1.0) - 5.0 * a) * (r + 1.0) + 8.0 * a) * (r + 1.0) - 4.0 * a,
                ((a + 2.0) * r - (a + 3.0)) * r * r + 1.0,
                ((a + 2.0) * q - (a + 3.0)) * q * q + 1.0,
                ((a * (q + 1.0) - 5.0 * a) * (q + 1.0) + 8.0 * a) * (q + 1.0) - 4.0 * a,
            ]
        }
        (Mode::Cubic(a), true) => {
            let s = scale.min(1.0);
            let f = |x: f64| {
                let x = x.abs();
                let (x2, x3) = (x * x, x * x * x);
                if x <= 1.0 {
                    (a + 2.0) * x3 - (a + 3.0) * x2 + 1.0
                } else if x < 2.0 {
                    a * x3 - 5.0 * a * x2 + 8.0 * a * x - 4.0 * a
                } else {
                    0.0
                }
            };
            let start = (-2.0 / s).floor() as i64 + 1;
            let end = 2 - start;
            let c: Vec<f64> = (start..end).map(|i| f(s * (i as f64 - r))).collect();
            let sum: f64 = c.iter().sum();
            c.into_iter().map(|v| v / sum).collect()
        }
        (Mode::Nearest(_), _) => unreachable!("nearest has no coefficients"),
    }
}

/// Output coordinate → input coordinate (or the fill), for nearest.
fn nearest_axis(
    spec: &Spec,
    r: Rounding,
    len_in: usize,
    ax: (f64, usize, f64, f64),
) -> Vec<Option<usize>> {
    let (scale, len_out, r0, r1) = ax;
    (0..len_out)
        .map(|y| {
            let x = source(&spec.coord, y as f64, scale, len_in, len_out, (r0, r1));
            if spec.coord == "tf_crop_and_resize" && (x < 0.0 || x > len_in as f64 - 1.0) {
                return None;
            }
            let fl = x.floor();
            let frac = x - fl;
            let up = if frac == 0.0 {
                false
            } else {
                match r {
                    Rounding::PreferFloor => frac > 0.5,
                    Rounding::PreferCeil => frac >= 0.5,
                    Rounding::Floor => false,
                    Rounding::Ceil => true,
                    Rounding::Legacy => scale < 1.0,
                }
            };
            let i = fl as i64 + i64::from(up);
            Some(i.clamp(0, len_in as i64 - 1) as usize)
        })
        .collect()
}

/// One axis's weights (`a[o][i]`) and extrapolated outputs' constants.
fn weights_axis(
    spec: &Spec,
    len_in: usize,
    ax: (f64, usize, f64, f64),
) -> (Vec<Vec<f64>>, Vec<Option<f64>>) {
    let (scale, len_out, r0, r1) = ax;
    let mut a = vec![vec![0.0; len_in]; len_out];
    let mut extra = vec![None; len_out];
    for y in 0..len_out {
        let x = source(&spec.coord, y as f64, scale, len_in, len_out, (r0, r1));
        if spec.coord == "tf_crop_and_resize" && (x < 0.0 || x > len_in as f64 - 1.0) {
            extra[y] = Some(spec.extrapolation);
            continue;
        }
        let fl = x.floor();
        let integral = x == fl;
        let r = if integral { 1.0 } else { x - fl };
        let mut c = coeffs(spec.mode, r, scale, spec.antialias);
        let m = c.len() as i64;
        let start = fl as i64 + if integral { -(m / 2) } else { -(m / 2) + 1 };
        if spec.exclude_outside {
            for (t, v) in c.iter_mut().enumerate() {
                let i = start + t as i64;
                if i < 0 || i >= len_in as i64 {
                    *v = 0.0;
                }
            }
            let sum: f64 = c.iter().sum();
            if sum != 0.0 {
                c.iter_mut().for_each(|v| *v /= sum);
            }
        }
        for (t, v) in c.into_iter().enumerate() {
            let i = (start + t as i64).clamp(0, len_in as i64 - 1) as usize;
            a[y][i] += v;
        }
    }
    (a, extra)
}

fn lower(ctx: &mut Ctx, n: &NodeCtx, x: Val, spec: &Spec) -> Result<Val, OnnxError> {
    let shape = ctx.shape(&x);
    if let Some(a) = shape.iter().position(|&d| d == 0) {
        return Err(n.err(format!("input axis {a} is empty")));
    }
    let changed: Vec<usize> = (0..shape.len())
        .filter(|&a| {
            let (s, len, r0, r1) = spec.axes[a];
            !(s == 1.0 && len == shape[a] && r0 == 0.0 && r1 == 1.0)
        })
        .collect();
    if let Some(&a) = changed.iter().find(|&&a| spec.axes[a].1 == 0) {
        return Err(n.err(format!("output axis {a} would be empty")));
    }
    match spec.mode {
        Mode::Nearest(r) => {
            if spec.antialias {
                return Err(n.attr_err("antialias", "is not defined for mode `nearest`"));
            }
            let mut maps: AxisMaps = vec![None; shape.len()];
            for &a in &changed {
                maps[a] = Some(nearest_axis(spec, r, shape[a], spec.axes[a]));
            }
            select_or_fill(
                ctx,
                n,
                &x,
                spec.extrapolation as f32,
                n.out(0),
                |t, fill| Ok(apply_axis_maps(t, &maps, fill)),
            )
        }
        _ => {
            if changed.is_empty() {
                return select_or_fill(ctx, n, &x, 0.0, n.out(0), |t, _| Ok(t.clone()));
            }
            let mut v = x;
            for (j, &a) in changed.iter().enumerate() {
                let (w, extra) = weights_axis(spec, shape[a], spec.axes[a]);
                let bias: Option<Vec<f64>> = extra
                    .iter()
                    .any(Option::is_some)
                    .then(|| extra.iter().map(|e| e.unwrap_or(0.0)).collect());
                let out = if j + 1 == changed.len() {
                    n.out(0).to_string()
                } else {
                    n.tmp(&format!("axis{a}"))
                };
                v = linear_along_axis(
                    ctx,
                    n,
                    v,
                    a,
                    &w,
                    bias.as_deref(),
                    &format!("axis{a}"),
                    &out,
                )?;
            }
            Ok(v)
        }
    }
}
