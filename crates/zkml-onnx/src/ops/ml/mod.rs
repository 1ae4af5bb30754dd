//! The ONNX-ML domain (`ai.onnx.ml`): the ops scikit-learn (skl2onnx),
//! XGBoost and LightGBM (onnxmltools) exports use, each expanded into
//! existing IR ops (no op of its own in the IR or the backends).
//!
//! * [`tree`]: TreeEnsembleClassifier, TreeEnsembleRegressor (opsets 1–3),
//!   and [`tree_v5`]: TreeEnsemble (opset 5, with set membership):
//!   branch tests as `Compare` against constant thresholds, leaf indicators
//!   by an index map + `ReduceSum` + `Equal`, leaf values by a constant
//!   `MatMul`.
//! * [`linear`]: LinearClassifier, LinearRegressor (a constant `MatMul` +
//!   `Add` and the post-transform).
//! * [`svm`]: SVMRegressor, SVMClassifier (linear, polynomial, RBF and
//!   sigmoid kernels; one-vs-one votes).
//! * [`prep`]: Scaler, Normalizer, Binarizer, Imputer, ArrayFeatureExtractor,
//!   FeatureVectorizer, OneHotEncoder, ZipMap.
//!
//! Conventions shared by the family:
//! * **Scores.** A classifier's second output (the class scores) is
//!   `[N, classes]` in class order. ZipMap, which turns it into a sequence of
//!   maps `{label: score}`, is the identity here: zkml outputs the score
//!   tensor, the map keys being the class labels in order.
//! * **Labels.** A classifier's first output (the predicted label) is the
//!   `int64` label as a number; string labels (`classlabels_strings`) are
//!   refused naming the op and the attribute.
//! * **Post-transforms.** NONE, LOGISTIC (the `Sigmoid` table), SOFTMAX,
//!   SOFTMAX_ZERO (softmax over the non-zero scores, zeros kept); PROBIT is
//!   refused.
//! * **Missing values.** zkml inputs hold no NaN, so NaN-driven behaviour
//!   (`nodes_missing_value_tracks_true`, Imputer's NaN replacement) never
//!   applies; an Imputer replacing a non-NaN value is refused.

pub mod fold_scaler;
pub mod leaves;
pub mod linear;
pub mod prep;
pub mod svm;
pub mod tree;
pub mod tree_binary;
pub mod tree_v5;

use zkml_core::ops::{Cmp, TableFn};
use zkml_core::Op;

use super::{NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::tensor::Konst;

/// The ONNX-ML domain name.
pub const DOMAIN: &str = "ai.onnx.ml";

/// Registers the family (ONNX-ML domain only).
pub fn register(r: &mut Registry) {
    r.insert("TreeEnsembleClassifier", tree::classifier);
    r.insert("TreeEnsembleRegressor", tree::regressor);
    r.insert("TreeEnsemble", tree_v5::tree_ensemble);
    r.insert("LinearClassifier", linear::classifier);
    r.insert("LinearRegressor", linear::regressor);
    r.insert("Scaler", prep::scaler);
    r.insert("Normalizer", prep::normalizer);
    r.insert("Binarizer", prep::binarizer);
    r.insert("Imputer", prep::imputer);
    r.insert("ArrayFeatureExtractor", prep::array_feature_extractor);
    r.insert("FeatureVectorizer", prep::feature_vectorizer);
    r.insert("ZipMap", prep::zip_map);
    r.insert("OneHotEncoder", prep::one_hot_encoder);
    r.insert("SVMRegressor", svm::regressor);
    r.insert("SVMClassifier", svm::classifier);
}

/// A score post-transform (`post_transform` attribute).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostTransform {
    /// Scores as computed.
    None,
    /// `1 / (1 + e^-s)` per score.
    Logistic,
    /// Softmax over the classes.
    Softmax,
    /// Softmax over the non-zero scores; zero scores stay zero.
    SoftmaxZero,
}

impl PostTransform {
    /// Reads `post_transform` (default NONE); PROBIT is refused.
    pub fn read(n: &NodeCtx) -> Result<Self, OnnxError> {
        let s = n.string("post_transform")?;
        match s.as_deref().unwrap_or("NONE") {
            "NONE" => Ok(Self::None),
            "LOGISTIC" => Ok(Self::Logistic),
            "SOFTMAX" => Ok(Self::Softmax),
            "SOFTMAX_ZERO" => Ok(Self::SoftmaxZero),
            "PROBIT" => Err(n.attr_err(
                "post_transform",
                "PROBIT (the inverse normal CDF) is not supported: export the model with \
                 post_transform NONE and apply it outside the proof",
            )),
            other => Err(n.attr_err(
                "post_transform",
                format!("unknown value `{other}` (NONE, LOGISTIC, SOFTMAX, SOFTMAX_ZERO)"),
            )),
        }
    }

    /// Applies the transform to scores `s` (`[N, C]`, classes on axis 1).
    pub fn apply(
        self,
        ctx: &mut Ctx,
        n: &NodeCtx,
        s: Val,
        out: &str,
        tag: &str,
    ) -> Result<Val, OnnxError> {
        let sub = |w: &str| format!("{tag}{w}");
        match self {
            Self::None => Ok(s),
            Self::Logistic => ctx.emit(
                n.at(),
                &n.sub(&sub("logistic")),
                Op::Table(TableFn::Sigmoid),
                &[s],
                out,
            ),
            Self::Softmax => ctx.emit(
                n.at(),
                &n.sub(&sub("softmax")),
                Op::Softmax { axis: 1 },
                &[s],
                out,
            ),
            Self::SoftmaxZero => {
                // e^(s − max)·[s ≠ 0] / Σ, the max over every score.
                let mx = ctx.emit(
                    n.at(),
                    &n.sub(&sub("szmax")),
                    Op::ReduceMax {
                        axes: vec![1],
                        keepdims: true,
                    },
                    std::slice::from_ref(&s),
                    &n.tmp(&sub("szmax")),
                )?;
                let d = ctx.emit(
                    n.at(),
                    &n.sub(&sub("szsub")),
                    Op::Sub,
                    &[s.clone(), mx],
                    &n.tmp(&sub("szsub")),
                )?;
                let e = ctx.emit(
                    n.at(),
                    &n.sub(&sub("szexp")),
                    Op::Table(TableFn::Exp),
                    &[d],
                    &n.tmp(&sub("szexp")),
                )?;
                let zero = Val::konst(Konst::scalar(0.0));
                let is0 = ctx.emit(
                    n.at(),
                    &n.sub(&sub("szeq")),
                    Op::Compare(Cmp::Equal),
                    &[s, zero],
                    &n.tmp(&sub("szeq")),
                )?;
                let one = Val::konst(Konst::scalar(1.0));
                let keep = ctx.emit(
                    n.at(),
                    &n.sub(&sub("szkeep")),
                    Op::Sub,
                    &[one, is0],
                    &n.tmp(&sub("szkeep")),
                )?;
                let m = ctx.emit(
                    n.at(),
                    &n.sub(&sub("szmask")),
                    Op::Mul,
                    &[e, keep],
                    &n.tmp(&sub("szmask")),
                )?;
                let sum = ctx.emit(
                    n.at(),
                    &n.sub(&sub("szsum")),
                    Op::ReduceSum {
                        axes: vec![1],
                        keepdims: true,
                    },
                    std::slice::from_ref(&m),
                    &n.tmp(&sub("szsum")),
                )?;
                ctx.emit(n.at(), &n.sub(&sub("szdiv")), Op::Div, &[m, sum], out)
            }
        }
    }
}

/// Refuses string class labels (`attr`, e.g. `classlabels_strings`).
pub fn refuse_strings(n: &NodeCtx, attr: &str) -> Result<(), OnnxError> {
    if n.strings(attr)?.is_some_and(|v| !v.is_empty()) {
        return Err(n.attr_err(
            attr,
            "string labels are not supported (zkml computes on numbers): train the model on \
             integer labels (0, 1, …) so that the exporter writes classlabels_int64s",
        ));
    }
    Ok(())
}

/// A float-list attribute `name`, or its double `name_as_tensor` form (ONNX-ML
/// opset 3), as `f64`; empty when neither is present.
pub fn floats_or_tensor(n: &NodeCtx, name: &str) -> Result<Vec<f64>, OnnxError> {
    if let Some(t) = n.tensor(&format!("{name}_as_tensor"))? {
        return Ok(t.t.iter().copied().collect());
    }
    Ok(n.floats(name)?
        .unwrap_or_default()
        .into_iter()
        .map(f64::from)
        .collect())
}

/// The input as a 2-D `[N, F]` value (a 1-D input `[F]` is one row).
pub fn as_rows(ctx: &mut Ctx, n: &NodeCtx, x: Val) -> Result<(Val, usize, usize), OnnxError> {
    let s = ctx.shape(&x);
    match s.as_slice() {
        [f] => {
            let f = *f;
            let y = ctx.emit(
                n.at(),
                &n.sub("rows"),
                Op::Reshape { shape: vec![1, f] },
                &[x],
                &n.tmp("rows"),
            )?;
            Ok((y, 1, f))
        }
        [r, f] => Ok((x, *r, *f)),
        _ => Err(n.err(format!(
            "input X must be [N, features] or [features], got shape {s:?}"
        ))),
    }
}

/// The label of each row of `scores` (`[N, C]`): the index of the first
/// largest score mapped to `labels` (ArgMax when they are `0..C`, else
/// Hardmax · labels).
pub fn argmax_labels(
    ctx: &mut Ctx,
    n: &NodeCtx,
    scores: Val,
    labels: &[i64],
    out: &str,
) -> Result<Val, OnnxError> {
    let arange = labels.iter().enumerate().all(|(i, &l)| l == i as i64);
    if arange {
        return ctx.emit(
            n.at(),
            &n.sub("label"),
            Op::Arg(zkml_core::ops::Arg {
                axis: 1,
                keepdims: false,
                largest: true,
                last: false,
            }),
            &[scores],
            out,
        );
    }
    let rows = ctx.shape(&scores)[0];
    let hm = ctx.emit(
        n.at(),
        &n.sub("label_onehot"),
        Op::Hardmax { axis: 1 },
        &[scores],
        &n.tmp("label_onehot"),
    )?;
    let col = Konst::float(
        ndarray::Array2::from_shape_fn((labels.len(), 1), |(i, _)| labels[i] as f64).into_dyn(),
    );
    let l = ctx.emit(
        n.at(),
        &n.sub("label_mm"),
        Op::MatMul,
        &[hm, Val::konst(col)],
        &n.tmp("label_mm"),
    )?;
    ctx.emit(
        n.at(),
        &n.sub("label"),
        Op::Reshape { shape: vec![rows] },
        &[l],
        out,
    )
}

/// The label of each entry of `score` (`[N]`): `l1` where `score >
/// threshold`, else `l0` (the comparison's 0/1 itself when `(l0, l1) = (0,
/// 1)`, else `bit·(l1 − l0) + l0`).
pub fn threshold_label(
    ctx: &mut Ctx,
    n: &NodeCtx,
    score: Val,
    threshold: f64,
    (l0, l1): (i64, i64),
) -> Result<Val, OnnxError> {
    let plain = l0 == 0 && l1 == 1;
    let bit_out = if plain {
        n.out(0).to_string()
    } else {
        n.tmp("label_bit")
    };
    let bit = ctx.emit(
        n.at(),
        &n.sub("label_bit"),
        Op::Compare(Cmp::Greater),
        &[score, Val::konst(Konst::scalar(threshold))],
        &bit_out,
    )?;
    if plain {
        return Ok(bit);
    }
    let k = Val::konst(Konst::scalar((l1 - l0) as f64));
    let scaled = ctx.emit(
        n.at(),
        &n.sub("label_scale"),
        Op::Mul,
        &[bit, k],
        &n.tmp("label_scale"),
    )?;
    let k0 = Val::konst(Konst::scalar(l0 as f64));
    ctx.emit(n.at(), &n.sub("label"), Op::Add, &[scaled, k0], n.out(0))
}

/// `k` as a constant `[rows, cols]` matrix.
pub fn matrix(rows: usize, cols: usize, v: Vec<f64>) -> Val {
    Val::konst(Konst::float(
        ndarray::Array2::from_shape_vec((rows, cols), v)
            .expect("matrix size")
            .into_dyn(),
    ))
}

/// A constant vector.
pub fn vector(v: Vec<f64>) -> Val {
    Val::konst(Konst::float(ndarray::Array1::from(v).into_dyn()))
}
