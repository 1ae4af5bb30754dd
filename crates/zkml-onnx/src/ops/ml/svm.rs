//! SVMRegressor and SVMClassifier (kernel machines, as scikit-learn's SVR,
//! NuSVR, OneClassSVM and SVC export them), expanded into existing IR ops.
//!
//! Kernel values `K` `[N, V]` against the `V` support vectors (`kernel_params`
//! = `[γ, c0, degree]`):
//! * LINEAR `x·s` and POLY `(γ·x·s + c0)^degree` (an integer degree, as
//!   repeated Mul): a constant MatMul;
//! * RBF `exp(−γ·‖x − s‖²)`: the differences by a broadcast Sub, squared,
//!   summed (ReduceSum), scaled, and the `Exp` table;
//! * SIGMOID `tanh(γ·x·s + c0)`: the `Tanh` table.
//!
//! SVMRegressor: `y = K·coefficients + rho` (`one_class`: `y > 0 ? 1 : −1`);
//! without support vectors the linear model `x·coefficients + rho`.
//! SVMClassifier (one-vs-one, as onnxruntime computes it without
//! `prob_a`/`prob_b`): the decision of the pair `(i, j)` is `K·W_ij + rho_ij`
//! (a constant MatMul picking the coefficients of both classes' vectors); a
//! positive decision votes for `i`, else `j` (`Greater` then a constant
//! MatMul counting votes); the label is the first class with most votes. The
//! scores are the pair decisions (`[N, pairs]`, post-transformed), with two
//! classes `[−d, d]` (or `[1 − d, d]` under a post-transform). Probability
//! calibration (`prob_a`, `prob_b`) and the liblinear mode of the classifier
//! are refused.

use zkml_core::ops::{Cmp, TableFn};
use zkml_core::Op;

use super::{argmax_labels, as_rows, matrix, refuse_strings, vector, PostTransform};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// Largest POLY degree expanded into products.
const MAX_DEGREE: i64 = 8;

fn floats(n: &NodeCtx, name: &str) -> Result<Vec<f64>, OnnxError> {
    Ok(n.floats(name)?
        .unwrap_or_default()
        .into_iter()
        .map(f64::from)
        .collect())
}

/// `K` `[N, V]` for rows `x` `[N, F]` and support vectors `sv` (`V × F`).
fn kernel(
    ctx: &mut Ctx,
    n: &NodeCtx,
    x: Val,
    rows: usize,
    f: usize,
    sv: &[f64],
) -> Result<Val, OnnxError> {
    let v = sv.len() / f;
    let p = floats(n, "kernel_params")?;
    let gamma = p.first().copied().unwrap_or(0.0);
    let c0 = p.get(1).copied().unwrap_or(0.0);
    let degree = p.get(2).copied().unwrap_or(0.0);
    let kind = n.string("kernel_type")?.unwrap_or_else(|| "LINEAR".into());
    let k = |x: f64| Val::konst(Konst::scalar(x));
    // x·sᵀ: [N, V].
    let dot = |ctx: &mut Ctx, x: Val| {
        let svt: Vec<f64> = (0..f)
            .flat_map(|j| (0..v).map(move |i| (i, j)))
            .map(|(i, j)| sv[i * f + j])
            .collect();
        ctx.emit(
            n.at(),
            &n.sub("dot"),
            Op::MatMul,
            &[x, matrix(f, v, svt)],
            &n.tmp("dot"),
        )
    };
    match kind.as_str() {
        "LINEAR" => dot(ctx, x),
        "POLY" | "SIGMOID" => {
            let d = dot(ctx, x)?;
            let g = ctx.emit(
                n.at(),
                &n.sub("gamma"),
                Op::Mul,
                &[d, k(gamma)],
                &n.tmp("gamma"),
            )?;
            let t = if c0 != 0.0 {
                ctx.emit(
                    n.at(),
                    &n.sub("coef0"),
                    Op::Add,
                    &[g, k(c0)],
                    &n.tmp("coef0"),
                )?
            } else {
                g
            };
            if kind == "SIGMOID" {
                return ctx.emit(
                    n.at(),
                    &n.sub("tanh"),
                    Op::Table(TableFn::Tanh),
                    &[t],
                    &n.tmp("tanh"),
                );
            }
            let deg = degree as i64;
            if degree != deg as f64 || !(1..=MAX_DEGREE).contains(&deg) {
                return Err(n.attr_err(
                    "kernel_params",
                    format!(
                        "POLY degree {degree}: only whole degrees 1..={MAX_DEGREE} are supported"
                    ),
                ));
            }
            let mut y = t.clone();
            for i in 1..deg {
                y = ctx.emit(
                    n.at(),
                    &n.sub(&format!("pow{i}")),
                    Op::Mul,
                    &[y, t.clone()],
                    &n.tmp(&format!("pow{i}")),
                )?;
            }
            Ok(y)
        }
        "RBF" => {
            let x3 = ctx.emit(
                n.at(),
                &n.sub("rows3"),
                Op::Reshape {
                    shape: vec![rows, 1, f],
                },
                &[x],
                &n.tmp("rows3"),
            )?;
            let s = Val::konst(Konst::float(
                ndarray::Array2::from_shape_vec((v, f), sv.to_vec())
                    .expect("support vectors")
                    .into_dyn(),
            ));
            let d = ctx.emit(n.at(), &n.sub("diff"), Op::Sub, &[x3, s], &n.tmp("diff"))?;
            let sq = ctx.emit(
                n.at(),
                &n.sub("square"),
                Op::Mul,
                &[d.clone(), d],
                &n.tmp("square"),
            )?;
            let d2 = ctx.emit(
                n.at(),
                &n.sub("dist2"),
                Op::ReduceSum {
                    axes: vec![2],
                    keepdims: false,
                },
                &[sq],
                &n.tmp("dist2"),
            )?;
            let e = ctx.emit(
                n.at(),
                &n.sub("neg_gamma"),
                Op::Mul,
                &[d2, k(-gamma)],
                &n.tmp("neg_gamma"),
            )?;
            ctx.emit(
                n.at(),
                &n.sub("exp"),
                Op::Table(TableFn::Exp),
                &[e],
                &n.tmp("exp"),
            )
        }
        other => Err(n.attr_err(
            "kernel_type",
            format!("unknown kernel `{other}` (LINEAR, POLY, RBF, SIGMOID)"),
        )),
    }
}

/// The support vectors (`V × F`), checked against the input width.
fn support_vectors(n: &NodeCtx, f: usize) -> Result<Vec<f64>, OnnxError> {
    let sv = floats(n, "support_vectors")?;
    if sv.is_empty() || sv.len() % f != 0 {
        return Err(n.attr_err(
            "support_vectors",
            format!("{} values are not whole vectors of {f} features", sv.len()),
        ));
    }
    Ok(sv)
}

/// SVMRegressor: output `[N, 1]`.
pub fn regressor(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let (x, rows, f) = as_rows(ctx, n, n.input(0)?.clone())?;
    PostTransform::read(n)?; // PROBIT refused; others do not apply to one output.
    let coef = floats(n, "coefficients")?;
    let rho = floats(n, "rho")?.first().copied().unwrap_or(0.0);
    let n_sup = n.int("n_supports", 0)?;
    let one_class = n.int("one_class", 0)? != 0;
    let (k, w) = if n_sup > 0 {
        let sv = support_vectors(n, f)?;
        let v = sv.len() / f;
        if coef.len() != v {
            return Err(n.attr_err(
                "coefficients",
                format!("{} for {v} support vectors", coef.len()),
            ));
        }
        (kernel(ctx, n, x, rows, f, &sv)?, coef)
    } else {
        if coef.len() != f {
            return Err(n.attr_err("coefficients", format!("{} for {f} features", coef.len())));
        }
        (x, coef)
    };
    let len = w.len();
    let y = ctx.emit(
        n.at(),
        &n.sub("weights"),
        Op::MatMul,
        &[k, matrix(len, 1, w)],
        &n.tmp("weights"),
    )?;
    let out = if one_class {
        n.tmp("decision")
    } else {
        n.out(0).to_string()
    };
    let y = ctx.emit(
        n.at(),
        &n.sub("rho"),
        Op::Add,
        &[y, Val::konst(Konst::scalar(rho))],
        &out,
    )?;
    if !one_class {
        return Ok(vec![y]);
    }
    // ±1: 2·[y > 0] − 1.
    let pos = ctx.emit(
        n.at(),
        &n.sub("positive"),
        Op::Compare(Cmp::Greater),
        &[y, Val::konst(Konst::scalar(0.0))],
        &n.tmp("positive"),
    )?;
    let two = ctx.emit(
        n.at(),
        &n.sub("twice"),
        Op::Mul,
        &[pos, Val::konst(Konst::scalar(2.0))],
        &n.tmp("twice"),
    )?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("sign"),
        Op::Sub,
        &[two, Val::konst(Konst::scalar(1.0))],
        n.out(0),
    )?])
}

/// SVMClassifier (one-vs-one with support vectors, no probabilities): label
/// `[N]` and the pair decisions.
pub fn classifier(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    refuse_strings(n, "classlabels_strings")?;
    if n.floats("prob_a")?.is_some_and(|v| !v.is_empty()) {
        return Err(n.attr_err(
            "prob_a",
            "probability calibration (SVC(probability=True): Platt scaling and pairwise \
             coupling) is not supported: export with probability=False",
        ));
    }
    let pt = PostTransform::read(n)?;
    let labels = n.ints("classlabels_ints")?.unwrap_or_default();
    let c = labels.len();
    let per_class = n.ints("vectors_per_class")?.unwrap_or_default();
    if per_class.is_empty() {
        return Err(n.attr_err(
            "vectors_per_class",
            "a linear (liblinear-mode) SVMClassifier is not supported: export LinearSVC, \
             which gives a LinearClassifier",
        ));
    }
    if c < 2 || per_class.len() != c {
        return Err(n.attr_err(
            "vectors_per_class",
            format!("{} counts for {c} class labels", per_class.len()),
        ));
    }
    let (x, rows, f) = as_rows(ctx, n, n.input(0)?.clone())?;
    let sv = support_vectors(n, f)?;
    let v = sv.len() / f;
    let counts: Vec<usize> = per_class.iter().map(|&k| k.max(0) as usize).collect();
    if counts.iter().sum::<usize>() != v {
        return Err(n.attr_err(
            "vectors_per_class",
            format!("counts {per_class:?} do not add up to {v} vectors"),
        ));
    }
    let coef = floats(n, "coefficients")?;
    if coef.len() != (c - 1) * v {
        return Err(n.attr_err(
            "coefficients",
            format!("{} for {} × {v}", coef.len(), c - 1),
        ));
    }
    let rho = floats(n, "rho")?;
    let pairs: Vec<(usize, usize)> = (0..c)
        .flat_map(|i| (i + 1..c).map(move |j| (i, j)))
        .collect();
    let np = pairs.len();
    if rho.len() != np {
        return Err(n.attr_err("rho", format!("{} for {np} class pairs", rho.len())));
    }
    let start: Vec<usize> = counts
        .iter()
        .scan(0, |s, &k| {
            let b = *s;
            *s += k;
            Some(b)
        })
        .collect();
    // W [V, pairs]: pair (i, j) weighs class i's vectors by row j−1, class j's by row i.
    let mut w = vec![0.0; v * np];
    for (p, &(i, j)) in pairs.iter().enumerate() {
        for m in 0..counts[i] {
            w[(start[i] + m) * np + p] = coef[(j - 1) * v + start[i] + m];
        }
        for m in 0..counts[j] {
            w[(start[j] + m) * np + p] = coef[i * v + start[j] + m];
        }
    }
    let k = kernel(ctx, n, x, rows, f, &sv)?;
    let d = ctx.emit(
        n.at(),
        &n.sub("pairs"),
        Op::MatMul,
        &[k, matrix(v, np, w)],
        &n.tmp("pairs"),
    )?;
    let d = ctx.emit(
        n.at(),
        &n.sub("rho"),
        Op::Add,
        &[d, vector(rho)],
        &n.tmp("decisions"),
    )?;
    // Votes: [d > 0] votes i, else j.
    let g = ctx.emit(
        n.at(),
        &n.sub("wins"),
        Op::Compare(Cmp::Greater),
        &[d.clone(), Val::konst(Konst::scalar(0.0))],
        &n.tmp("wins"),
    )?;
    let mut a = vec![0.0; np * c];
    let mut base = vec![0.0; c];
    for (p, &(i, j)) in pairs.iter().enumerate() {
        a[p * c + i] += 1.0;
        a[p * c + j] -= 1.0;
        base[j] += 1.0;
    }
    let votes = ctx.emit(
        n.at(),
        &n.sub("votes"),
        Op::MatMul,
        &[g, matrix(np, c, a)],
        &n.tmp("votes"),
    )?;
    let votes = ctx.emit(
        n.at(),
        &n.sub("votes_base"),
        Op::Add,
        &[votes, vector(base)],
        &n.tmp("votes_base"),
    )?;
    let label = argmax_labels(ctx, n, votes, &labels, n.out(0))?;
    let scores = if c > 2 {
        pt.apply(ctx, n, d, n.out(1), "")?
    } else {
        // One decision d: [−d, d], or [1 − d, d] under a post-transform.
        let two = ctx.emit(
            n.at(),
            &n.sub("two_class"),
            Op::MatMul,
            &[d, matrix(1, 2, vec![-1.0, 1.0])],
            &n.tmp("two_class"),
        )?;
        if pt == PostTransform::None {
            two
        } else {
            ctx.emit(
                n.at(),
                &n.sub("complement"),
                Op::Add,
                &[two, vector(vec![1.0, 0.0])],
                n.out(1),
            )?
        }
    };
    Ok(vec![label, scores])
}
