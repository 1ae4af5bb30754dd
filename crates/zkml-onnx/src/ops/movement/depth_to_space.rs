//! DepthToSpace and SpaceToDepth (modes DCR and CRD): a reshape to rank 6, a
//! transpose and a reshape back, computed once on positions into one index map.

use ndarray::ArrayD;
use zkml_core::ops::shape::{reshape, transpose};

use super::select_or_fill;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

fn geometry(ctx: &Ctx, n: &NodeCtx) -> Result<(Val, [usize; 4], usize, bool), OnnxError> {
    let x = n.input(0)?.clone();
    let s = ctx.shape(&x);
    let [a, b, c, d] = s[..] else {
        return Err(n.err(format!(
            "the input must have rank 4 (NCHW), got shape {s:?}"
        )));
    };
    let bs = usize::try_from(n.int("blocksize", 0)?)
        .ok()
        .filter(|&v| v >= 1)
        .ok_or_else(|| n.attr_err("blocksize", "is required and must be ≥ 1"))?;
    let mode = n.string("mode")?.unwrap_or_else(|| "DCR".into());
    let crd = match mode.as_str() {
        "DCR" => false,
        "CRD" => true,
        other => return Err(n.attr_err("mode", format!("unknown mode `{other}` (DCR or CRD)"))),
    };
    Ok((x, [a, b, c, d], bs, crd))
}

/// DepthToSpace: `[N, C, H, W]` → `[N, C/b², H·b, W·b]`.
pub fn depth_to_space(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let (x, [nn, c, h, w], b, crd) = geometry(ctx, n)?;
    if c % (b * b) != 0 {
        return Err(n.err(format!(
            "{c} channels are not divisible by blocksize² = {}",
            b * b
        )));
    }
    let c2 = c / (b * b);
    let f = move |t: &ArrayD<f64>, _: f64| -> Result<ArrayD<f64>, OnnxError> {
        let (six, perm) = if crd {
            (vec![nn, c2, b, b, h, w], [0, 1, 4, 2, 5, 3])
        } else {
            (vec![nn, b, b, c2, h, w], [0, 3, 4, 1, 5, 2])
        };
        let r = transpose(&reshape(t, &six), &perm);
        Ok(reshape(&r, &[nn, c2, h * b, w * b]))
    };
    Ok(vec![select_or_fill(ctx, n, &x, 0.0, n.out(0), f)?])
}

/// SpaceToDepth: `[N, C, H, W]` → `[N, C·b², H/b, W/b]`.
pub fn space_to_depth(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let (x, [nn, c, h, w], b, crd) = geometry(ctx, n)?;
    if h % b != 0 || w % b != 0 {
        return Err(n.err(format!(
            "spatial size {h}×{w} is not divisible by blocksize {b}"
        )));
    }
    let f = move |t: &ArrayD<f64>, _: f64| -> Result<ArrayD<f64>, OnnxError> {
        let six = vec![nn, c, h / b, b, w / b, b];
        let perm = if crd {
            [0, 1, 3, 5, 2, 4]
        } else {
            [0, 3, 5, 1, 2, 4]
        };
        let r = transpose(&reshape(t, &six), &perm);
        Ok(reshape(&r, &[nn, c * b * b, h / b, w / b]))
    };
    Ok(vec![select_or_fill(ctx, n, &x, 0.0, n.out(0), f)?])
}
