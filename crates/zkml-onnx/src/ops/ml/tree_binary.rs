//! TreeEnsembleClassifier's scores and label from the summed leaf weights
//! `S` `[N, classes]`, following ONNX Runtime (the reference every exporter
//! is tested against), whose two-class rules depend on which classes carry
//! weights, on the number of base values and on the weights' signs:
//!
//! * more than two classes: `P = S + base`, scores = post-transform(P),
//!   label = the first largest `P`;
//! * two classes, weights on both: `P = S + [b0, 0]` (one base value), or
//!   `P = [−(S0 + b1), S0 + b1]` (two), scores = post-transform(P), label =
//!   `P1 > 0` as 1 or 0;
//! * two classes, weights on class 1 only: `P = [0, S1]` (a single base
//!   value is not added, as onnxruntime 1.32 computes it; with two base
//!   values `P = [−b1, b1]`), scores = post-transform(P);
//! * two classes, weights on class 0 only: with two base values
//!   `P = [S0 + b0, b1]`, scores = post-transform(P); else one score
//!   `s = S0 + b0` becomes `[1 − s, s]` when every weight is ≥ 0 (no
//!   transform), `[σ(−s), σ(s)]` with LOGISTIC, else `[−s, s]`;
//! * in the last two cases the label is class 1 when the score of class 1
//!   (or the single score `s`) exceeds 0.5 (every weight ≥ 0) or 0 (mixed
//!   signs), else class 0.
//!
//! Everything is one constant `MatMul` + `Add` on `S`, then the
//! post-transform (or a constant `Add`), and a comparison or ArgMax for the
//! label. The generated `synth_binary_*` models check each rule against
//! onnxruntime.

use std::collections::BTreeSet;

use zkml_core::ops::IndexMap;
use zkml_core::Op;

use super::{argmax_labels, matrix, threshold_label, vector, PostTransform};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// How the final scores come from `P`.
#[derive(Clone, Debug, PartialEq)]
enum Finish {
    /// The post-transform.
    Transform,
    /// `P + v` (no transform).
    Add(Vec<f64>),
    /// `P` itself (no transform).
    Plain,
}

/// How the label comes from `P`.
#[derive(Clone, Debug, PartialEq)]
enum Label {
    /// The first largest `P`, mapped to the class labels.
    ArgMax,
    /// `P[col] > threshold`: class labels 1 or 0 (`map`), or the raw 1/0.
    Above {
        col: usize,
        threshold: f64,
        map: bool,
    },
}

/// The plan: `P = S·A + b` (`A` `[classes, m]`, `None` = identity), then
/// [`Finish`] and [`Label`].
pub struct Plan {
    a: Option<Vec<f64>>,
    m: usize,
    b: Vec<f64>,
    finish: Finish,
    label: Label,
}

impl Plan {
    /// The plan for `c` classes whose leaves carry `weights` `(class, value)`
    /// and the base values `base`.
    pub fn new(
        n: &NodeCtx,
        weights: &[(usize, f64)],
        c: usize,
        base: &[f64],
    ) -> Result<Plan, OnnxError> {
        let used: BTreeSet<usize> = weights.iter().map(|w| w.0).collect();
        let positive = weights.iter().all(|w| w.1 >= 0.0);
        let thr = if positive { 0.5 } else { 0.0 };
        let pt_logistic = PostTransform::read(n)? == PostTransform::Logistic;
        if c > 2 {
            let mut b = vec![0.0; c];
            for (k, &v) in base.iter().enumerate().take(c) {
                b[k] = v;
            }
            return Ok(Plan {
                a: None,
                m: c,
                b,
                finish: Finish::Transform,
                label: Label::ArgMax,
            });
        }
        if c != 2 {
            return Err(n.attr_err(
                "classlabels_int64s",
                "a classifier needs at least two classes",
            ));
        }
        let above = |col| Label::Above {
            col,
            threshold: thr,
            map: true,
        };
        let plan = |a: Option<Vec<f64>>, b: Vec<f64>, finish, label| Plan {
            a,
            m: 2,
            b,
            finish,
            label,
        };
        Ok(if used.len() == 2 || used.is_empty() {
            let raw1 = Label::Above {
                col: 1,
                threshold: 0.0,
                map: false,
            };
            match base.len() {
                2 => plan(
                    Some(vec![-1.0, 1.0, 0.0, 0.0]),
                    vec![-base[1], base[1]],
                    Finish::Transform,
                    raw1,
                ),
                1 => plan(None, vec![base[0], 0.0], Finish::Transform, raw1),
                _ => plan(None, vec![0.0, 0.0], Finish::Transform, raw1),
            }
        } else if used.contains(&1) {
            match base.len() {
                2 => plan(
                    Some(vec![0.0; 4]),
                    vec![-base[1], base[1]],
                    Finish::Transform,
                    above(1),
                ),
                _ => plan(
                    Some(vec![0.0, 0.0, 0.0, 1.0]),
                    vec![0.0, 0.0],
                    Finish::Transform,
                    above(1),
                ),
            }
        } else if base.len() == 2 {
            plan(
                Some(vec![1.0, 0.0, 0.0, 0.0]),
                vec![base[0], base[1]],
                Finish::Transform,
                above(0),
            )
        } else {
            let b0 = base.first().copied().unwrap_or(0.0);
            // P = [−s, s], s = S0 + b0.
            let finish = if positive {
                Finish::Add(vec![1.0, 0.0])
            } else if pt_logistic {
                Finish::Transform
            } else {
                Finish::Plain
            };
            plan(
                Some(vec![-1.0, 1.0, 0.0, 0.0]),
                vec![-b0, b0],
                finish,
                above(1),
            )
        })
    }

    /// Emits the label `[N]` and the scores `[N, m]` from `raw` (`S`).
    pub fn finish(
        &self,
        ctx: &mut Ctx,
        n: &NodeCtx,
        raw: Val,
        rows: usize,
        labels: &[i64],
        pt: PostTransform,
    ) -> Result<Vec<Val>, OnnxError> {
        let c = labels.len();
        let mut p = raw;
        if let Some(a) = &self.a {
            p = ctx.emit(
                n.at(),
                &n.sub("binary"),
                Op::MatMul,
                &[p, matrix(c, self.m, a.clone())],
                &n.tmp("binary"),
            )?;
        }
        if self.b.iter().any(|&v| v != 0.0) {
            p = ctx.emit(
                n.at(),
                &n.sub("base"),
                Op::Add,
                &[p, vector(self.b.clone())],
                &n.tmp("base"),
            )?;
        }
        let label = match &self.label {
            Label::ArgMax => argmax_labels(ctx, n, p.clone(), labels, n.out(0))?,
            Label::Above {
                col,
                threshold,
                map,
            } => {
                let s = ctx.emit(
                    n.at(),
                    &n.sub("label_score"),
                    Op::Gather(IndexMap {
                        shape: vec![rows],
                        index: (0..rows).map(|r| r * self.m + col).collect(),
                    }),
                    std::slice::from_ref(&p),
                    &n.tmp("label_score"),
                )?;
                let (l0, l1) = if *map { (labels[0], labels[1]) } else { (0, 1) };
                threshold_label(ctx, n, s, *threshold, (l0, l1))?
            }
        };
        let scores = match &self.finish {
            Finish::Transform => pt.apply(ctx, n, p, n.out(1), "")?,
            Finish::Add(v) => ctx.emit(
                n.at(),
                &n.sub("complement"),
                Op::Add,
                &[p, vector(v.clone())],
                n.out(1),
            )?,
            Finish::Plain => p,
        };
        Ok(vec![label, scores])
    }
}
