//! Leaf indicators of a tree ensemble: which leaf each row reaches, as 0/1
//! (see [`super::tree`] for the whole expansion).
//!
//! ```text
//! C  = Compare(X[:, feature_k], threshold_k)          [N, K]  (one Gather + Compare per comparison kind)
//! C_m = Equal(X[:, feature], member values) · S       set membership: a constant 0/1 MatMul sums each node's hits
//! Λ  = Concat(C, 1 − C, 1)                            [N, 2K+1]
//! P  = Λ[:, path(l, d)]                               [N, L, D]  (index map, padded with the 1 column)
//! I  = [ΣP over d = D]                                [N, L]
//! ```

use zkml_core::ops::{Cmp, IndexMap};
use zkml_core::Op;

use super::tree::Ensemble;
use super::{matrix, vector};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// Most leaves × depth the loader expands per sample (a guard).
const MAX_PATH_CELLS: usize = 1 << 22;

/// Emits the leaf indicators `I` `[N, L]` (0/1) for rows `x` `[N, F]`.
pub(super) fn indicators(
    ctx: &mut Ctx,
    n: &NodeCtx,
    x: &Val,
    rows: usize,
    f: usize,
    e: &Ensemble,
) -> Result<Val, OnnxError> {
    let k = e.branches.len();
    // One Gather + Compare per comparison kind; `col[b]` is branch b's column in C.
    let mut col = vec![0usize; k];
    let mut parts = vec![];
    let mut next = 0;
    for cmp in [Cmp::LessOrEqual, Cmp::Less, Cmp::Equal] {
        let group: Vec<usize> = (0..k)
            .filter(|&b| e.branches[b].cmp == cmp && e.branches[b].members.is_empty())
            .collect();
        if group.is_empty() {
            continue;
        }
        let g = group.len();
        let index = (0..rows)
            .flat_map(|r| group.iter().map(move |&b| (r, b)))
            .map(|(r, b)| r * f + e.branches[b].feature)
            .collect();
        let tag = cmp.name();
        let xs = ctx.emit(
            n.at(),
            &n.sub(&format!("features_{tag}")),
            Op::Gather(IndexMap {
                shape: vec![rows, g],
                index,
            }),
            std::slice::from_ref(x),
            &n.tmp(&format!("features_{tag}")),
        )?;
        let t = vector(group.iter().map(|&b| e.branches[b].threshold).collect());
        let c = ctx.emit(
            n.at(),
            &n.sub(&format!("test_{tag}")),
            Op::Compare(cmp),
            &[xs, t],
            &n.tmp(&format!("test_{tag}")),
        )?;
        for &b in &group {
            col[b] = next;
            next += 1;
        }
        parts.push(c);
    }
    let member: Vec<usize> = (0..k)
        .filter(|&b| !e.branches[b].members.is_empty())
        .collect();
    if !member.is_empty() {
        parts.push(membership(ctx, n, x, rows, f, e, &member)?);
        for &b in &member {
            col[b] = next;
            next += 1;
        }
    }
    let ones = Val::konst(Konst::float(ndarray::ArrayD::from_elem(
        ndarray::IxDyn(&[rows, 1]),
        1.0,
    )));
    let lits = if parts.is_empty() {
        ones
    } else {
        let c = if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            ctx.emit(
                n.at(),
                &n.sub("tests"),
                Op::Concat { axis: 1 },
                &parts,
                &n.tmp("tests"),
            )?
        };
        let one = Val::konst(Konst::scalar(1.0));
        let nc = ctx.emit(
            n.at(),
            &n.sub("not_tests"),
            Op::Sub,
            &[one, c.clone()],
            &n.tmp("not_tests"),
        )?;
        ctx.emit(
            n.at(),
            &n.sub("literals"),
            Op::Concat { axis: 1 },
            &[c, nc, ones],
            &n.tmp("literals"),
        )?
    };
    let width = 2 * k + 1;
    let depth = e
        .leaves
        .iter()
        .map(|l| l.path.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let l = e.leaves.len();
    if l * depth > MAX_PATH_CELLS {
        return Err(n.err(format!(
            "{l} leaves of depth up to {depth}: more than {MAX_PATH_CELLS} path cells; use \
             fewer or shallower trees"
        )));
    }
    let mut index = Vec::with_capacity(rows * l * depth);
    for r in 0..rows {
        for leaf in &e.leaves {
            for d in 0..depth {
                let lit = match leaf.path.get(d) {
                    None => 2 * k,
                    Some(&(b, holds)) => {
                        // The literal is C when the comparison must hold.
                        if holds != e.branches[b].negated {
                            col[b]
                        } else {
                            k + col[b]
                        }
                    }
                };
                index.push(r * width + lit);
            }
        }
    }
    let paths = ctx.emit(
        n.at(),
        &n.sub("paths"),
        Op::Gather(IndexMap {
            shape: vec![rows, l, depth],
            index,
        }),
        &[lits],
        &n.tmp("paths"),
    )?;
    let met = ctx.emit(
        n.at(),
        &n.sub("met"),
        Op::ReduceSum {
            axes: vec![2],
            keepdims: false,
        },
        &[paths],
        &n.tmp("met"),
    )?;
    let d = Val::konst(Konst::scalar(depth as f64));
    ctx.emit(
        n.at(),
        &n.sub("reached"),
        Op::Compare(Cmp::Equal),
        &[met, d],
        &n.tmp("reached"),
    )
}

/// The set-membership tests of branches `member` `[N, |member|]`: one Equal
/// per (branch, set value), summed per branch by a constant 0/1 MatMul (the
/// values of a set are distinct, so the sum is 0 or 1).
fn membership(
    ctx: &mut Ctx,
    n: &NodeCtx,
    x: &Val,
    rows: usize,
    f: usize,
    e: &Ensemble,
    member: &[usize],
) -> Result<Val, OnnxError> {
    let pairs: Vec<(usize, usize, f64)> = member
        .iter()
        .enumerate()
        .flat_map(|(j, &b)| e.branches[b].members.iter().map(move |&v| (j, b, v)))
        .collect();
    let m = pairs.len();
    let index = (0..rows)
        .flat_map(|r| pairs.iter().map(move |&(_, b, _)| (r, b)))
        .map(|(r, b)| r * f + e.branches[b].feature)
        .collect();
    let xs = ctx.emit(
        n.at(),
        &n.sub("features_member"),
        Op::Gather(IndexMap {
            shape: vec![rows, m],
            index,
        }),
        std::slice::from_ref(x),
        &n.tmp("features_member"),
    )?;
    let hits = ctx.emit(
        n.at(),
        &n.sub("test_member"),
        Op::Compare(Cmp::Equal),
        &[xs, vector(pairs.iter().map(|p| p.2).collect())],
        &n.tmp("test_member"),
    )?;
    let mut s = vec![0.0; m * member.len()];
    for (i, &(j, _, _)) in pairs.iter().enumerate() {
        s[i * member.len() + j] = 1.0;
    }
    ctx.emit(
        n.at(),
        &n.sub("member"),
        Op::MatMul,
        &[hits, matrix(m, member.len(), s)],
        &n.tmp("member"),
    )
}
