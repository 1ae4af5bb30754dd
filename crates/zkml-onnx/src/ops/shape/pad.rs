//! Pad.

use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::ops::MAX_WINDOW;

/// Pad, constant mode only: pads (and `value`) are attributes before opset
/// 11; pads, constant_value and (from 18) axes are inputs from 11.
pub fn pad(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
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
    if raw.iter().any(|&p| p > MAX_WINDOW as i64) {
        return Err(n.err(format!("pads {raw:?} exceed {}", MAX_WINDOW)));
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
