//! TreeEnsemble (ONNX-ML opset 5): the same ensemble as
//! TreeEnsembleRegressor in another encoding (leaves in their own arrays,
//! enums as integers, `nodes_splits`/`leaf_weights` as tensors) plus
//! BRANCH_MEMBER (`x ∈ set`, the sets in `membership_values`, separated by
//! NaN); expanded exactly as [`super::tree`] does (membership tests in
//! [`super::leaves`]).
//!
//! Enums: `nodes_modes` 0 LEQ, 1 LT, 2 GTE, 3 GT, 4 EQ, 5 NEQ, 6 MEMBER;
//! `aggregate_function` 0 AVERAGE, 1 SUM (default), 2 MIN, 3 MAX;
//! `post_transform` 0 NONE, 1 LOGISTIC, 2 SOFTMAX, 3 SOFTMAX_ZERO, 4 PROBIT
//! (refused) — onnxruntime's numbering (checked by the generated
//! `synth_tree_v5_*` models); the operator text lists SOFTMAX as 1. As for TreeEnsembleRegressor, the post-transform applies with
//! two or more targets.

use zkml_core::ops::Cmp;

use super::tree::{add_base, scores, Aggregate, Branch, Ensemble, Leaf};
use super::{as_rows, PostTransform};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

fn ints(n: &NodeCtx, name: &str) -> Result<Vec<i64>, OnnxError> {
    Ok(n.ints(name)?.unwrap_or_default())
}

fn tensor(n: &NodeCtx, name: &str) -> Result<Vec<f64>, OnnxError> {
    Ok(n.tensor(name)?
        .map(|k| k.t.iter().copied().collect())
        .unwrap_or_default())
}

/// A child: `(is a leaf, index)`.
fn child(
    n: &NodeCtx,
    ids: &[i64],
    leafs: &[i64],
    i: usize,
    k: usize,
    l: usize,
) -> Result<(bool, usize), OnnxError> {
    let leaf = leafs.get(i).copied().unwrap_or(0) != 0;
    let bound = if leaf { l } else { k };
    let id = usize::try_from(ids[i])
        .ok()
        .filter(|&v| v < bound)
        .ok_or_else(|| {
            n.attr_err(
                "nodes_truenodeids",
                format!(
                    "node {i} points to {} {}, out of range ({bound})",
                    if leaf { "leaf" } else { "node" },
                    ids[i]
                ),
            )
        })?;
    Ok((leaf, id))
}

fn parse(n: &NodeCtx, n_features: usize) -> Result<(Ensemble, usize), OnnxError> {
    let features = ints(n, "nodes_featureids")?;
    let modes = tensor(n, "nodes_modes")?;
    let splits = tensor(n, "nodes_splits")?;
    let (t_ids, t_leafs) = (ints(n, "nodes_truenodeids")?, ints(n, "nodes_trueleafs")?);
    let (f_ids, f_leafs) = (ints(n, "nodes_falsenodeids")?, ints(n, "nodes_falseleafs")?);
    let roots = ints(n, "tree_roots")?;
    let targets = ints(n, "leaf_targetids")?;
    let weights = tensor(n, "leaf_weights")?;
    let members = tensor(n, "membership_values")?;
    let k = features.len();
    let l = targets.len();
    for (name, len) in [
        ("nodes_modes", modes.len()),
        ("nodes_splits", splits.len()),
        ("nodes_truenodeids", t_ids.len()),
        ("nodes_falsenodeids", f_ids.len()),
    ] {
        if len != k {
            return Err(n.attr_err(name, format!("{len} entries for {k} nodes")));
        }
    }
    if weights.len() != l {
        return Err(n.attr_err(
            "leaf_weights",
            format!("{} weights for {l} leaves", weights.len()),
        ));
    }
    let t = usize::try_from(n.int("n_targets", 1)?)
        .ok()
        .filter(|&t| t >= 1)
        .ok_or_else(|| n.attr_err("n_targets", "must be at least 1"))?;
    let mut sets = members.split(|v| v.is_nan()).map(<[f64]>::to_vec);
    let mut branches = Vec::with_capacity(k);
    for i in 0..k {
        let feature = usize::try_from(features[i])
            .ok()
            .filter(|&f| f < n_features)
            .ok_or_else(|| {
                n.attr_err(
                    "nodes_featureids",
                    format!(
                        "feature {} out of range for {n_features} input features",
                        features[i]
                    ),
                )
            })?;
        let (cmp, negated) = match modes[i] as i64 {
            0 => (Cmp::LessOrEqual, false),
            1 => (Cmp::Less, false),
            2 => (Cmp::Less, true),
            3 => (Cmp::LessOrEqual, true),
            4 | 6 => (Cmp::Equal, false),
            5 => (Cmp::Equal, true),
            m => return Err(n.attr_err("nodes_modes", format!("unknown mode {m} (0..=6)"))),
        };
        let set = if modes[i] as i64 == 6 {
            let s = sets.next().unwrap_or_default();
            if s.is_empty() {
                return Err(n.attr_err(
                    "membership_values",
                    format!("no set for BRANCH_MEMBER node {i}"),
                ));
            }
            s
        } else {
            vec![]
        };
        branches.push(Branch {
            feature,
            threshold: splits[i],
            cmp,
            negated,
            members: set,
        });
    }
    let mut leaves = vec![];
    for (tree, &root) in roots.iter().enumerate() {
        let root = usize::try_from(root)
            .ok()
            .filter(|&r| r < k)
            .ok_or_else(|| {
                n.attr_err(
                    "tree_roots",
                    format!("root {root} out of range ({k} nodes)"),
                )
            })?;
        let mut stack = vec![(false, root, Vec::<(usize, bool)>::new())];
        while let Some((is_leaf, i, path)) = stack.pop() {
            if path.len() > k {
                return Err(n.attr_err("nodes_truenodeids", format!("tree {tree} has a cycle")));
            }
            if is_leaf {
                let id = usize::try_from(targets[i])
                    .ok()
                    .filter(|&v| v < t)
                    .ok_or_else(|| {
                        n.attr_err(
                            "leaf_targetids",
                            format!("target {} ≥ n_targets {t}", targets[i]),
                        )
                    })?;
                leaves.push(Leaf {
                    tree,
                    path,
                    weights: vec![(id, weights[i])],
                });
                continue;
            }
            let (tl, ti) = child(n, &t_ids, &t_leafs, i, k, l)?;
            let (fl, fi) = child(n, &f_ids, &f_leafs, i, k, l)?;
            let mut pf = path.clone();
            pf.push((i, false));
            let mut pt = path;
            pt.push((i, true));
            stack.push((fl, fi, pf));
            stack.push((tl, ti, pt));
        }
    }
    Ok((
        Ensemble {
            branches,
            leaves,
            n_trees: roots.len(),
        },
        t,
    ))
}

/// TreeEnsemble (opset 5): output `Y` `[N, n_targets]`.
pub fn tree_ensemble(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let (x, rows, f) = as_rows(ctx, n, n.input(0)?.clone())?;
    let (mut e, t) = parse(n, f)?;
    let x = super::fold_scaler::fold(ctx, &x, f, &mut e).unwrap_or(x);
    if e.n_trees == 0 {
        return Err(n.attr_err("tree_roots", "the ensemble has no trees"));
    }
    let agg = match n.int("aggregate_function", 1)? {
        0 => Aggregate::Average,
        1 => Aggregate::Sum,
        2 => Aggregate::Min,
        3 => Aggregate::Max,
        a => return Err(n.attr_err("aggregate_function", format!("unknown value {a} (0..=3)"))),
    };
    let pt = match n.int("post_transform", 0)? {
        0 => PostTransform::None,
        // onnxruntime's numbering (its POST_EVAL_TRANSFORM enum), which the
        // reference outputs follow; the ONNX text lists SOFTMAX first.
        1 => PostTransform::Logistic,
        2 => PostTransform::Softmax,
        3 => PostTransform::SoftmaxZero,
        4 => {
            return Err(n.attr_err(
                "post_transform",
                "PROBIT (the inverse normal CDF) is not supported: export the model with \
                 post_transform NONE and apply it outside the proof",
            ))
        }
        p => return Err(n.attr_err("post_transform", format!("unknown value {p} (0..=4)"))),
    };
    let pt = if t == 1 { PostTransform::None } else { pt };
    let i = super::leaves::indicators(ctx, n, &x, rows, f, &e)?;
    let last = pt == PostTransform::None;
    let s_out = if last {
        n.out(0).to_string()
    } else {
        n.tmp("scores")
    };
    let s = scores(ctx, n, i, &e, t, agg, &s_out)?;
    let s = add_base(ctx, n, s, vec![0.0; t], &s_out)?;
    Ok(vec![pt.apply(ctx, n, s, n.out(0), "")?])
}
