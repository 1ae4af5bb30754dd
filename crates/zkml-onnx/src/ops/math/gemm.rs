//! Gemm: `Y = alpha·A'·B' + beta·C`.

use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// `Y = alpha·A'·B' + beta·C` with `A' = transA ? Aᵀ : A` (likewise B).
/// Transposes and `alpha` fold into whichever operand is constant.
pub fn gemm(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
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
