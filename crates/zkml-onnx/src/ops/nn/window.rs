//! Window geometry shared by Conv and the pools.

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use zkml_core::Op;

/// Window geometry shared by Conv and the pools, ONNX defaults applied and
/// `auto_pad` resolved into explicit pads.
pub struct Window {
    /// Kernel size per spatial axis.
    pub kernel: Vec<usize>,
    /// Strides per spatial axis.
    pub strides: Vec<usize>,
    /// Dilations per spatial axis.
    pub dilations: Vec<usize>,
    /// Begins then ends.
    pub pads: Vec<usize>,
}

/// Reads `strides`, `dilations`, `auto_pad` and `pads` (defaults 1, 1,
/// NOTSET, 0) and resolves `auto_pad` into pads for input sizes `spatial`.
pub fn window(n: &NodeCtx, spatial: &[usize], kernel: Vec<usize>) -> Result<Window, OnnxError> {
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

/// A Reshape step of a lowering (tagged `tag` in node names).
pub fn reshape(
    ctx: &mut Ctx,
    n: &NodeCtx,
    x: Val,
    shape: Vec<usize>,
    tag: &str,
    out: &str,
) -> Result<Val, OnnxError> {
    ctx.emit(n.at(), &n.sub(tag), Op::Reshape { shape }, &[x], out)
}
