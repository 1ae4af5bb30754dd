//! TreeEnsembleClassifier and TreeEnsembleRegressor (ONNX-ML opsets 1–3),
//! expanded into existing IR ops.
//!
//! With `X` `[N, F]`, the `K` branch nodes of every tree and the `L` leaves:
//! ```text
//! C  = Compare(X[:, feature_k], threshold_k)          [N, K]  (0/1; one Gather + Compare per comparison kind)
//! P_d = R_d · C_d,  Q_d = R_d − P_d                   per depth d: the reach of each node's two children
//!                                                     (R_0 = 1, R_d gathered from [P_{d−1} | Q_{d−1}])
//! I  = [P | Q][:, leaf]                               [N, L]  (index map: leaf l is reached)
//! S  = I · W + b                                      [N, T]  (constant leaf-value matrix, base values)
//! ```
//! The branch modes map onto one comparison and a direction: `x ≤ t` (LEQ;
//! GT is its negation), `x < t` (LT; GTE negated), `x = t` (EQ; NEQ
//! negated). AVERAGE divides `W` by the number of trees; MIN and MAX compute
//! each tree's value (`I · W'`, `W'` `[L, trees·T]`) and reduce over trees.
//! Classifiers then apply ONNX Runtime's score rules (the binary cases below)
//! and the post-transform, and take the label from the scores.
//!
//! **Quantization.** The input and each threshold are quantized at the
//! input's scale `2^-s`, so a comparison can flip only when the feature lies
//! within one quantum (`2^-s`) of a threshold; the indicators are exact
//! integers (`super::leaves` has the details and a path-sum form for node
//! graphs that share nodes), and the leaf values are weights (`weight_bits`), whose rounding
//! adds at most `trees · quantum / 2` per score. Features of very different
//! magnitudes share one input scale: a feature much smaller than the largest
//! (breast-cancer's `smoothness` ~0.1 beside `area` ~4000) loses its
//! resolution, so scale the inputs (a Scaler in the pipeline) for such data.
//!
//! **Missing values.** `nodes_missing_value_tracks_true` only acts on NaN
//! inputs, which zkml inputs never hold; it is ignored. `nodes_hitrates` is
//! a hint and ignored.

use std::collections::{HashMap, HashSet};

use zkml_core::ops::Cmp;
use zkml_core::Op;

use super::{as_rows, floats_or_tensor, matrix, refuse_strings, vector, PostTransform};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// A branch test: which comparison, and whether the true branch is taken when
/// it fails.
#[derive(Clone, Debug)]
pub(super) struct Branch {
    pub(super) feature: usize,
    pub(super) threshold: f64,
    pub(super) cmp: Cmp,
    pub(super) negated: bool,
    /// For a set-membership test (TreeEnsemble's BRANCH_MEMBER): the set;
    /// the test is `x ∈ members` (`cmp` is then Equal).
    pub(super) members: Vec<f64>,
}

/// A leaf: its tree, the conditions on its path `(branch, must hold)`, and its
/// weights `(target or class, value)`.
#[derive(Clone, Debug, Default)]
pub(super) struct Leaf {
    pub(super) tree: usize,
    pub(super) path: Vec<(usize, bool)>,
    pub(super) weights: Vec<(usize, f64)>,
}

/// The parsed ensemble.
pub(super) struct Ensemble {
    pub(super) branches: Vec<Branch>,
    pub(super) leaves: Vec<Leaf>,
    pub(super) n_trees: usize,
}

fn ints(n: &NodeCtx, name: &str) -> Result<Vec<i64>, OnnxError> {
    Ok(n.ints(name)?.unwrap_or_default())
}

/// Parses the `nodes_*` attributes and the leaf weights (`prefix` is
/// `class` or `target`).
fn parse(n: &NodeCtx, prefix: &str, n_features: usize) -> Result<Ensemble, OnnxError> {
    let tree_ids = ints(n, "nodes_treeids")?;
    let node_ids = ints(n, "nodes_nodeids")?;
    let features = ints(n, "nodes_featureids")?;
    let modes = n.strings("nodes_modes")?.unwrap_or_default();
    let values = floats_or_tensor(n, "nodes_values")?;
    let trues = ints(n, "nodes_truenodeids")?;
    let falses = ints(n, "nodes_falsenodeids")?;
    let len = tree_ids.len();
    if len == 0 {
        return Err(n.attr_err("nodes_treeids", "the ensemble has no nodes"));
    }
    for (name, l) in [
        ("nodes_nodeids", node_ids.len()),
        ("nodes_featureids", features.len()),
        ("nodes_modes", modes.len()),
        ("nodes_values", values.len()),
        ("nodes_truenodeids", trues.len()),
        ("nodes_falsenodeids", falses.len()),
    ] {
        if l != len {
            return Err(n.attr_err(
                name,
                format!("has {l} entries, nodes_treeids {len}: the node tuples must align"),
            ));
        }
    }
    // (tree id, node id) → node index; trees in order of appearance.
    let mut index: HashMap<(i64, i64), usize> = HashMap::new();
    let mut seen: HashSet<i64> = HashSet::new();
    let mut order = vec![];
    for i in 0..len {
        if index.insert((tree_ids[i], node_ids[i]), i).is_some() {
            return Err(n.attr_err(
                "nodes_nodeids",
                format!(
                    "node {} of tree {} is defined twice",
                    node_ids[i], tree_ids[i]
                ),
            ));
        }
        if seen.insert(tree_ids[i]) {
            order.push(tree_ids[i]);
        }
    }
    let is_leaf: Vec<bool> = modes.iter().map(|m| m == "LEAF").collect();
    let child = |i: usize, ids: &[i64], what: &str| -> Result<usize, OnnxError> {
        index.get(&(tree_ids[i], ids[i])).copied().ok_or_else(|| {
            n.attr_err(
                what,
                format!(
                    "node {} of tree {} points to node {}, which the tree does not define",
                    node_ids[i], tree_ids[i], ids[i]
                ),
            )
        })
    };
    // Branch tests, and which node is whose child.
    let mut branch_of = vec![usize::MAX; len];
    let mut branches = vec![];
    let mut is_child = vec![false; len];
    let mut kids = vec![(0usize, 0usize); len];
    for i in 0..len {
        if is_leaf[i] {
            continue;
        }
        let (cmp, negated) = match modes[i].as_str() {
            "BRANCH_LEQ" => (Cmp::LessOrEqual, false),
            "BRANCH_GT" => (Cmp::LessOrEqual, true),
            "BRANCH_LT" => (Cmp::Less, false),
            "BRANCH_GTE" => (Cmp::Less, true),
            "BRANCH_EQ" => (Cmp::Equal, false),
            "BRANCH_NEQ" => (Cmp::Equal, true),
            other => {
                return Err(n.attr_err(
                    "nodes_modes",
                    format!("unknown node mode `{other}` (BRANCH_LEQ, BRANCH_LT, BRANCH_GTE, BRANCH_GT, BRANCH_EQ, BRANCH_NEQ, LEAF)"),
                ))
            }
        };
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
        branch_of[i] = branches.len();
        branches.push(Branch {
            feature,
            threshold: values[i],
            cmp,
            negated,
            members: vec![],
        });
        let (t, f) = (
            child(i, &trues, "nodes_truenodeids")?,
            child(i, &falses, "nodes_falsenodeids")?,
        );
        is_child[t] = true;
        is_child[f] = true;
        kids[i] = (t, f);
    }
    // Leaf weights by node.
    let w_trees = ints(n, &format!("{prefix}_treeids"))?;
    let w_nodes = ints(n, &format!("{prefix}_nodeids"))?;
    let w_ids = ints(n, &format!("{prefix}_ids"))?;
    let w_vals = floats_or_tensor(n, &format!("{prefix}_weights"))?;
    let wl = w_trees.len();
    if w_nodes.len() != wl || w_ids.len() != wl || w_vals.len() != wl {
        return Err(n.attr_err(
            &format!("{prefix}_weights"),
            format!("the {prefix}_treeids/_nodeids/_ids/_weights tuples must align"),
        ));
    }
    let mut weights: Vec<Vec<(usize, f64)>> = vec![vec![]; len];
    for j in 0..wl {
        let i = *index.get(&(w_trees[j], w_nodes[j])).ok_or_else(|| {
            n.attr_err(
                &format!("{prefix}_nodeids"),
                format!(
                    "weight for node {} of tree {}, which is not defined",
                    w_nodes[j], w_trees[j]
                ),
            )
        })?;
        if !is_leaf[i] {
            return Err(n.attr_err(
                &format!("{prefix}_nodeids"),
                format!(
                    "weight on node {} of tree {}, which is not a LEAF",
                    w_nodes[j], w_trees[j]
                ),
            ));
        }
        let id = usize::try_from(w_ids[j]).map_err(|_| {
            n.attr_err(
                &format!("{prefix}_ids"),
                format!("negative id {}", w_ids[j]),
            )
        })?;
        weights[i].push((id, w_vals[j]));
    }
    // Walk each tree from its root.
    let mut leaves = vec![];
    for (ti, &tid) in order.iter().enumerate() {
        let roots: Vec<usize> = (0..len)
            .filter(|&i| tree_ids[i] == tid && !is_child[i])
            .collect();
        let &[root] = roots.as_slice() else {
            return Err(n.attr_err(
                "nodes_truenodeids",
                format!(
                    "tree {tid} has {} roots (nodes no other node points to); expected one",
                    roots.len()
                ),
            ));
        };
        let mut stack = vec![(root, Vec::<(usize, bool)>::new())];
        let mut visits = 0usize;
        while let Some((i, path)) = stack.pop() {
            visits += 1;
            if visits > len {
                return Err(n.attr_err("nodes_truenodeids", format!("tree {tid} has a cycle")));
            }
            if is_leaf[i] {
                leaves.push(Leaf {
                    tree: ti,
                    path,
                    weights: weights[i].clone(),
                });
                continue;
            }
            let b = branch_of[i];
            let (t, f) = kids[i];
            let mut pf = path.clone();
            pf.push((b, false));
            let mut pt = path;
            pt.push((b, true));
            stack.push((f, pf));
            stack.push((t, pt));
        }
    }
    Ok(Ensemble {
        branches,
        leaves,
        n_trees: order.len(),
    })
}

/// How leaf values combine across trees.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Aggregate {
    Sum,
    Average,
    Min,
    Max,
}

/// The aggregated scores `[N, t]` (before base values).
pub(super) fn scores(
    ctx: &mut Ctx,
    n: &NodeCtx,
    i: Val,
    e: &Ensemble,
    t: usize,
    agg: Aggregate,
    out: &str,
) -> Result<Val, OnnxError> {
    let l = e.leaves.len();
    let rows = ctx.shape(&i)[0];
    match agg {
        Aggregate::Sum | Aggregate::Average => {
            let scale = if agg == Aggregate::Average {
                1.0 / e.n_trees as f64
            } else {
                1.0
            };
            let mut w = vec![0.0; l * t];
            for (li, leaf) in e.leaves.iter().enumerate() {
                for &(id, v) in &leaf.weights {
                    w[li * t + id] += v * scale;
                }
            }
            ctx.emit(
                n.at(),
                &n.sub("values"),
                Op::MatMul,
                &[i, matrix(l, t, w)],
                out,
            )
        }
        Aggregate::Min | Aggregate::Max => {
            let nt = e.n_trees;
            let mut w = vec![0.0; l * nt * t];
            for (li, leaf) in e.leaves.iter().enumerate() {
                for &(id, v) in &leaf.weights {
                    w[li * nt * t + leaf.tree * t + id] += v;
                }
            }
            let per = ctx.emit(
                n.at(),
                &n.sub("tree_values"),
                Op::MatMul,
                &[i, matrix(l, nt * t, w)],
                &n.tmp("tree_values"),
            )?;
            let per = ctx.emit(
                n.at(),
                &n.sub("tree_values_3d"),
                Op::Reshape {
                    shape: vec![rows, nt, t],
                },
                &[per],
                &n.tmp("tree_values_3d"),
            )?;
            let axes = vec![1];
            let op = if agg == Aggregate::Min {
                Op::ReduceMin {
                    axes,
                    keepdims: false,
                }
            } else {
                Op::ReduceMax {
                    axes,
                    keepdims: false,
                }
            };
            ctx.emit(n.at(), &n.sub("values"), op, &[per], out)
        }
    }
}

pub(super) fn add_base(
    ctx: &mut Ctx,
    n: &NodeCtx,
    s: Val,
    base: Vec<f64>,
    out: &str,
) -> Result<Val, OnnxError> {
    if base.iter().all(|&b| b == 0.0) {
        return Ok(s);
    }
    ctx.emit(n.at(), &n.sub("base"), Op::Add, &[s, vector(base)], out)
}

/// TreeEnsembleRegressor: `n_targets`, `aggregate_function` (SUM, AVERAGE,
/// MIN, MAX), `base_values`, `post_transform` (applied for two or more
/// targets, as ONNX Runtime does; ignored for one).
pub fn regressor(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let (x, rows, f) = as_rows(ctx, n, n.input(0)?.clone())?;
    let mut e = parse(n, "target", f)?;
    let x = super::fold_scaler::fold(ctx, &x, f, &mut e).unwrap_or(x);
    let t = usize::try_from(n.int("n_targets", 1)?)
        .ok()
        .filter(|&t| t >= 1)
        .ok_or_else(|| n.attr_err("n_targets", "must be at least 1"))?;
    if let Some(bad) = e.leaves.iter().flat_map(|l| &l.weights).find(|w| w.0 >= t) {
        return Err(n.attr_err("target_ids", format!("target {} ≥ n_targets {t}", bad.0)));
    }
    let agg = match n.string("aggregate_function")?.as_deref().unwrap_or("SUM") {
        "SUM" => Aggregate::Sum,
        "AVERAGE" => Aggregate::Average,
        "MIN" => Aggregate::Min,
        "MAX" => Aggregate::Max,
        other => {
            return Err(n.attr_err(
                "aggregate_function",
                format!("unknown value `{other}` (SUM, AVERAGE, MIN, MAX)"),
            ))
        }
    };
    let pt = PostTransform::read(n)?;
    let base = floats_or_tensor(n, "base_values")?;
    let base = if base.len() == t { base } else { vec![0.0; t] };
    let i = super::leaves::indicators(ctx, n, &x, rows, f, &e)?;
    let pt = if t == 1 { PostTransform::None } else { pt };
    let last = pt == PostTransform::None;
    let base_zero = base.iter().all(|&b| b == 0.0);
    let s_out = if last && base_zero {
        n.out(0).to_string()
    } else {
        n.tmp("scores")
    };
    let s = scores(ctx, n, i, &e, t, agg, &s_out)?;
    let b_out = if last {
        n.out(0).to_string()
    } else {
        n.tmp("raw")
    };
    let s = add_base(ctx, n, s, base, &b_out)?;
    Ok(vec![pt.apply(ctx, n, s, n.out(0), "")?])
}

/// TreeEnsembleClassifier: `classlabels_int64s` (string labels refused),
/// `base_values`, `post_transform`; outputs the label `[N]` and the scores
/// `[N, classes]` with ONNX Runtime's rules for two classes.
pub fn classifier(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    refuse_strings(n, "classlabels_strings")?;
    let (x, rows, f) = as_rows(ctx, n, n.input(0)?.clone())?;
    let labels = n.ints("classlabels_int64s")?.unwrap_or_default();
    let c = labels.len();
    if c == 0 {
        return Err(n.attr_err("classlabels_int64s", "the classifier has no class labels"));
    }
    let mut e = parse(n, "class", f)?;
    let x = super::fold_scaler::fold(ctx, &x, f, &mut e).unwrap_or(x);
    if let Some(bad) = e.leaves.iter().flat_map(|l| &l.weights).find(|w| w.0 >= c) {
        return Err(n.attr_err("class_ids", format!("class {} ≥ {c} class labels", bad.0)));
    }
    let pt = PostTransform::read(n)?;
    let base = floats_or_tensor(n, "base_values")?;
    let i = super::leaves::indicators(ctx, n, &x, rows, f, &e)?;
    let raw = scores(ctx, n, i, &e, c, Aggregate::Sum, &n.tmp("raw"))?;
    let plan = super::tree_binary::Plan::new(
        n,
        &e.leaves
            .iter()
            .flat_map(|l| l.weights.clone())
            .collect::<Vec<_>>(),
        c,
        &base,
    )?;
    plan.finish(ctx, n, raw, rows, &labels, pt)
}
