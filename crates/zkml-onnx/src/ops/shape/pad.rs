//! Pad.

use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::ops::MAX_WINDOW;
use crate::tensor::Konst;
use ndarray::{ArrayD, IxDyn};

use super::by_index_map;

/// Pad: constant mode as one Pad op; reflect, edge and wrap modes (static
/// pads) as an index map ([`by_index_map`]). Pads (and `value`) are pads (and `value`) are attributes before opset
/// attributes before opset 11; pads, constant_value and (from 18) axes are inputs from 11.
pub fn pad(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    let mode = n.string("mode")?.unwrap_or_else(|| "constant".into());
    if !matches!(mode.as_str(), "constant" | "reflect" | "edge" | "wrap") {
        return Err(n.attr_err(
            "mode",
            format!("`{mode}` padding is not supported (constant, reflect, edge, wrap are)"),
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
    if raw.iter().any(|&p| p > MAX_WINDOW as i64) {
        return Err(n.err(format!("pads {raw:?} exceed {}", MAX_WINDOW)));
    }
    let mut pads = vec![0usize; 2 * rank];
    for (j, &a) in axes.iter().enumerate() {
        pads[a] = usize::try_from(raw[j]).unwrap_or(0);
        pads[a + rank] = usize::try_from(raw[j + axes.len()]).unwrap_or(0);
    }
    if mode != "constant" {
        let shape = ctx.shape(&x);
        let src = sources(&shape, &pads, &mode).map_err(|e| n.err(e))?;
        let out: Vec<usize> = (0..rank)
            .map(|a| shape[a] + pads[a] + pads[a + rank])
            .collect();
        let f = |k: &Konst| -> Result<Konst, OnnxError> {
            let flat: Vec<f64> = k.t.iter().copied().collect();
            let t = ArrayD::from_shape_vec(IxDyn(&out), src.iter().map(|&i| flat[i]).collect())
                .map_err(|e| n.err(e.to_string()))?;
            Ok(Konst { t, dtype: k.dtype })
        };
        return Ok(vec![by_index_map(ctx, n, &x, &n.name, n.out(0), f)?]);
    }
    Ok(vec![ctx.emit(
        n.at(),
        &n.name,
        Op::Pad { pads, value },
        &[x],
        n.out(0),
    )?])
}

/// For a non-constant `mode`, the flat input position of every output
/// element (row-major) of `shape` padded by `pads` (`[begins…, ends…]`).
fn sources(shape: &[usize], pads: &[usize], mode: &str) -> Result<Vec<usize>, String> {
    let rank = shape.len();
    let total = (0..rank)
        .try_fold(1usize, |n, a| {
            n.checked_mul(shape[a] + pads[a] + pads[a + rank])
        })
        .filter(|&n| n <= crate::tensor::MAX_ELEMENTS);
    if total.is_none() {
        return Err(format!(
            "padded shape exceeds {} elements",
            crate::tensor::MAX_ELEMENTS
        ));
    }
    // Per axis: the source coordinate of each output coordinate.
    let mut per_axis = Vec::with_capacity(rank);
    for a in 0..rank {
        let (d, b, e) = (shape[a], pads[a], pads[a + rank]);
        if d == 0 && b + e > 0 {
            return Err(format!("cannot {mode}-pad axis {a} of size 0"));
        }
        if mode == "reflect" && (b >= d.max(1) || e >= d.max(1)) && b + e > 0 {
            return Err(format!(
                "reflect pads ({b}, {e}) on axis {a} must be smaller than its size {d}"
            ));
        }
        let coords: Vec<usize> = (0..d + b + e)
            .map(|o| {
                let i = o as i64 - b as i64;
                let n = d as i64;
                let src = match mode {
                    "reflect" if i < 0 => -i,
                    "reflect" if i >= n => 2 * (n - 1) - i,
                    "edge" => i.clamp(0, n - 1),
                    "wrap" => i.rem_euclid(n),
                    _ => i,
                };
                src as usize
            })
            .collect();
        per_axis.push(coords);
    }
    let mut strides = vec![1usize; rank];
    for a in (0..rank.saturating_sub(1)).rev() {
        strides[a] = strides[a + 1] * shape[a + 1];
    }
    let mut out = vec![0usize];
    for (a, coords) in per_axis.iter().enumerate() {
        let stride = strides[a];
        out = out
            .iter()
            .flat_map(|&base| coords.iter().map(move |&c| base + c * stride))
            .collect();
    }
    Ok(out)
}
