//! LayerNormalization.

use zkml_core::{ops::TableFn, Op};

use super::{affine, epsilon, standardize};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::{norm_axis, NodeCtx};
use crate::tensor::Konst;

/// LayerNormalization (opset 17): standardize over axes `axis..rank`
/// (`axis` default −1, ε default 1e-5), then `· Scale + B` (numpy
/// broadcasting; B optional). The optional Mean and InvStdDev outputs,
/// when used, are computed beside it (ReduceMean; the Rsqrt table of the
/// mean square deviation plus ε).
pub fn layer_norm(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    let raw = n.int("axis", -1)?;
    let axis = norm_axis(raw, rank)
        .ok_or_else(|| n.attr_err("axis", format!("axis {raw} out of range for rank {rank}")))?;
    let eps = epsilon(n)?;
    let scale = n.input(1)?.clone();
    let bias = n.opt_input(2).cloned();
    let axes: Vec<usize> = (axis..rank).collect();
    let y = standardize(ctx, n, x.clone(), axes.clone(), eps, false)?;
    let mut outs = vec![affine(ctx, n, y, Some(scale), bias)?];
    let (want_mean, want_inv) = (ctx.is_used(n.out(1)), ctx.is_used(n.out(2)));
    if want_mean || want_inv {
        let mean = Op::ReduceMean {
            axes: axes.clone(),
            keepdims: true,
        };
        let m_name = if want_mean {
            n.out(1).to_string()
        } else {
            n.tmp("mean")
        };
        let m = ctx.emit(
            n.at(),
            &n.sub("mean"),
            mean.clone(),
            std::slice::from_ref(&x),
            &m_name,
        )?;
        outs.push(m.clone());
        if want_inv {
            let d = ctx.emit(n.at(), &n.sub("centre"), Op::Sub, &[x, m], &n.tmp("centre"))?;
            let sq = ctx.emit(
                n.at(),
                &n.sub("square"),
                Op::Mul,
                &[d.clone(), d],
                &n.tmp("square"),
            )?;
            let v = ctx.emit(n.at(), &n.sub("var"), mean, &[sq], &n.tmp("var"))?;
            let e = Val::konst(Konst::float(ndarray::ArrayD::from_elem(
                ndarray::IxDyn(&[]),
                f64::from(eps),
            )));
            let a = ctx.emit(n.at(), &n.sub("eps"), Op::Add, &[v, e], &n.tmp("var_eps"))?;
            outs.push(ctx.emit(
                n.at(),
                &n.sub("inv_std"),
                Op::Table(TableFn::Rsqrt),
                &[a],
                n.out(2),
            )?);
        }
    }
    Ok(outs)
}
