//! LinearClassifier and LinearRegressor: `S = X · coefficientsᵀ + intercepts`
//! (a constant `MatMul` and an `Add`), then ONNX Runtime's rules:
//!
//! * LinearRegressor: the post-transform applies with two or more targets
//!   (one target: the scores as computed).
//! * LinearClassifier with several score columns: label = the first largest
//!   score mapped to `classlabels_ints`, scores = post-transform(S).
//! * LinearClassifier with one score column `s` and two labels: label =
//!   `classlabels_ints[s > 0]`, scores = `[1 − s, s]` (no post-transform, as
//!   ONNX Runtime computes it); with one column and no two labels: label =
//!   `s > 0` as 1 or 0, scores = `s`.

use zkml_core::ops::IndexMap;
use zkml_core::Op;

use super::{
    argmax_labels, as_rows, matrix, refuse_strings, threshold_label, vector, PostTransform,
};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// `X · Wᵀ + b` for `t` targets; the coefficient matrix `[t, F]`.
fn affine(
    ctx: &mut Ctx,
    n: &NodeCtx,
    t_attr: Option<usize>,
    out: &str,
) -> Result<(Val, usize, usize), OnnxError> {
    let (x, rows, f) = as_rows(ctx, n, n.input(0)?.clone())?;
    let coef = n
        .floats("coefficients")?
        .ok_or_else(|| n.attr_err("coefficients", "required"))?;
    let intercepts = n.floats("intercepts")?.unwrap_or_default();
    let t = match t_attr {
        Some(t) => t,
        None => intercepts.len(),
    };
    if t == 0 || coef.len() != t * f {
        return Err(n.attr_err(
            "coefficients",
            format!(
                "{} coefficients for {t} target(s) × {f} features (the input's width)",
                coef.len()
            ),
        ));
    }
    if !intercepts.is_empty() && intercepts.len() != t {
        return Err(n.attr_err(
            "intercepts",
            format!("{} intercepts for {t} target(s)", intercepts.len()),
        ));
    }
    // Wᵀ: [F, t].
    let wt: Vec<f64> = (0..f)
        .flat_map(|j| (0..t).map(move |i| (i, j)))
        .map(|(i, j)| f64::from(coef[i * f + j]))
        .collect();
    let has_b = intercepts.iter().any(|&v| v != 0.0);
    let mm_out = if has_b {
        n.tmp("matmul")
    } else {
        out.to_string()
    };
    let mut s = ctx.emit(
        n.at(),
        &n.sub("matmul"),
        Op::MatMul,
        &[x, matrix(f, t, wt)],
        &mm_out,
    )?;
    if has_b {
        let b = vector(intercepts.iter().map(|&v| f64::from(v)).collect());
        s = ctx.emit(n.at(), &n.sub("intercepts"), Op::Add, &[s, b], out)?;
    }
    Ok((s, rows, t))
}

/// LinearRegressor: `targets` (default 1), `coefficients`, `intercepts`,
/// `post_transform`.
pub fn regressor(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let t = usize::try_from(n.int("targets", 1)?)
        .ok()
        .filter(|&t| t >= 1)
        .ok_or_else(|| n.attr_err("targets", "must be at least 1"))?;
    let pt = PostTransform::read(n)?;
    let pt = if t == 1 { PostTransform::None } else { pt };
    let out = if pt == PostTransform::None {
        n.out(0).to_string()
    } else {
        n.tmp("raw")
    };
    let (s, _, _) = affine(ctx, n, Some(t), &out)?;
    Ok(vec![pt.apply(ctx, n, s, n.out(0), "")?])
}

/// LinearClassifier: `coefficients`, `intercepts`, `classlabels_ints`
/// (string labels refused), `post_transform`; outputs label and scores.
pub fn classifier(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    refuse_strings(n, "classlabels_strings")?;
    let labels = n.ints("classlabels_ints")?.unwrap_or_default();
    let pt = PostTransform::read(n)?;
    let (s, rows, t) = affine(ctx, n, None, &n.tmp("raw"))?;
    if t > 1 {
        if labels.len() != t {
            return Err(n.attr_err(
                "classlabels_ints",
                format!("{} labels for {t} score columns", labels.len()),
            ));
        }
        let label = argmax_labels(ctx, n, s.clone(), &labels, n.out(0))?;
        let scores = pt.apply(ctx, n, s, n.out(1), "")?;
        return Ok(vec![label, scores]);
    }
    // One score column.
    let (l0, l1) = if labels.len() == 2 {
        (labels[0], labels[1])
    } else {
        (0, 1)
    };
    let col = ctx.emit(
        n.at(),
        &n.sub("score"),
        Op::Gather(IndexMap {
            shape: vec![rows],
            index: (0..rows).collect(),
        }),
        std::slice::from_ref(&s),
        &n.tmp("score"),
    )?;
    let label = threshold_label(ctx, n, col, 0.0, (l0, l1))?;
    if labels.len() != 2 {
        return Ok(vec![label, s]);
    }
    // [1 − s, s] = s·[−1, 1] + [1, 0].
    let two = ctx.emit(
        n.at(),
        &n.sub("two_class"),
        Op::MatMul,
        &[s, matrix(1, 2, vec![-1.0, 1.0])],
        &n.tmp("two_class"),
    )?;
    let scores = ctx.emit(
        n.at(),
        &n.sub("complement"),
        Op::Add,
        &[two, vector(vec![1.0, 0.0])],
        n.out(1),
    )?;
    Ok(vec![label, scores])
}
