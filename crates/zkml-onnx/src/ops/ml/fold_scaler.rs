//! Folds a per-feature affine map in front of a tree ensemble (a Scaler,
//! StandardScaler's export: `y = (x − o)·s`, lowered to Sub and Mul by
//! constants) into the ensemble's thresholds: `y cmp t` is `x cmp t/s + o`
//! for `s > 0`, and the mirrored test for `s < 0`. The trees then compare the
//! raw input against thresholds quantized at the input's own scale, instead of
//! features scaled by per-feature factors that share one weight scale (which
//! rounds the factors of large-valued features away). The Sub and Mul are
//! left to the graph's pruning when nothing else reads them.

use zkml_core::ops::Cmp;
use zkml_core::{Op, ValueId, ValueKind};

use super::tree::Ensemble;
use crate::loader::{Ctx, Val};

/// The constant input of node input `id`, as one value per feature (`f`),
/// if it is a constant scalar or `[f]` vector.
fn per_feature(ctx: &Ctx, id: ValueId, f: usize) -> Option<Vec<f64>> {
    let ValueKind::Const(t) = &ctx.graph.values[id].kind else {
        return None;
    };
    let v: Vec<f64> = t.iter().map(|&x| f64::from(x)).collect();
    match (t.shape(), v.len()) {
        ([] | [1], 1) => Some(vec![v[0]; f]),
        ([n], _) if *n == f => Some(v),
        _ => None,
    }
}

/// The node computing `id`, with its op and inputs.
fn producer(ctx: &Ctx, id: ValueId) -> Option<(&Op, &[ValueId])> {
    let ValueKind::Node(i) = ctx.graph.values[id].kind else {
        return None;
    };
    let n = &ctx.graph.nodes[i];
    Some((&n.op, &n.inputs))
}

/// `(x, offset, scale)` when `y` is `(x − o)·s`, `x·s` or `x − o` with
/// per-feature constants, `x` of the same shape `[N, f]`.
fn affine(ctx: &Ctx, y: ValueId, f: usize) -> Option<(ValueId, Vec<f64>, Vec<f64>)> {
    let shape = &ctx.graph.values[y].shape;
    let (mut x, mut o, mut s) = (y, vec![0.0; f], vec![1.0; f]);
    if let Some((Op::Mul, [a, c])) = producer(ctx, x) {
        s = per_feature(ctx, *c, f)?;
        x = *a;
    }
    if let Some((Op::Sub, [a, c])) = producer(ctx, x) {
        if let Some(v) = per_feature(ctx, *c, f) {
            o = v;
            x = *a;
        }
    }
    (x != y && &ctx.graph.values[x].shape == shape).then_some((x, o, s))
}

/// Rewrites `e`'s tests on `x` (`[N, f]`) as tests on the Scaler's input
/// when `x` is a Scaler's output with non-zero factors on every tested
/// feature; returns the value the trees should read.
pub(super) fn fold(ctx: &Ctx, x: &Val, f: usize, e: &mut Ensemble) -> Option<Val> {
    let Val::Dyn(y) = x else { return None };
    let (src, o, s) = affine(ctx, *y, f)?;
    if e.branches.iter().any(|b| s[b.feature] == 0.0) {
        return None;
    }
    for b in &mut e.branches {
        let (sf, of) = (s[b.feature], o[b.feature]);
        b.threshold = b.threshold / sf + of;
        for m in &mut b.members {
            *m = *m / sf + of;
        }
        if sf < 0.0 {
            // y ≤ t ⟺ x ≥ t' = ¬(x < t'); y < t ⟺ ¬(x ≤ t'); equality stays.
            b.cmp = match b.cmp {
                Cmp::LessOrEqual => {
                    b.negated = !b.negated;
                    Cmp::Less
                }
                Cmp::Less => {
                    b.negated = !b.negated;
                    Cmp::LessOrEqual
                }
                c => c,
            };
        }
    }
    Some(Val::Dyn(src))
}
