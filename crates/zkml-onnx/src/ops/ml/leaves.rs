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
//! Every exported tree (each node with one parent) takes the cheaper
//! level-wise form instead ([`Levels`]): per level `P = R·C`, `Q = R − P`
//! (the reach of the two children), `R` of the next level gathered from
//! `[P | Q]`; two rows per branch node instead of the path sums' four per
//! leaf. The path form remains for node graphs that share nodes.

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
        let tag = cmp.name();
        let features: Vec<usize> = group.iter().map(|&b| e.branches[b].feature).collect();
        let xs = feature_columns(ctx, n, x, (rows, f), &features, tag)?;
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
    let ones = ones_column(rows);
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
        if let Some(levels) = Levels::new(e) {
            return levels.emit(ctx, n, c, rows, &col, e);
        }
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

/// The columns `X[:, features[j]]` of rows `x` `[N, F]` as one `[N, J]`
/// Gather (`dims = (N, F)`), named `features_{tag}`.
fn feature_columns(
    ctx: &mut Ctx,
    n: &NodeCtx,
    x: &Val,
    (rows, f): (usize, usize),
    features: &[usize],
    tag: &str,
) -> Result<Val, OnnxError> {
    let index = (0..rows)
        .flat_map(|r| features.iter().map(move |&k| r * f + k))
        .collect();
    ctx.emit(
        n.at(),
        &n.sub(&format!("features_{tag}")),
        Op::Gather(IndexMap {
            shape: vec![rows, features.len()],
            index,
        }),
        std::slice::from_ref(x),
        &n.tmp(&format!("features_{tag}")),
    )
}

/// A constant `[rows, 1]` column of ones (the always-true literal).
fn ones_column(rows: usize) -> Val {
    Val::konst(Konst::float(ndarray::ArrayD::from_elem(
        ndarray::IxDyn(&[rows, 1]),
        1.0,
    )))
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
    let features: Vec<usize> = pairs
        .iter()
        .map(|&(_, b, _)| e.branches[b].feature)
        .collect();
    let xs = feature_columns(ctx, n, x, (rows, f), &features, "member")?;
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

/// The level-wise form of the indicators, for ensembles whose branch nodes
/// each have one parent (every exported tree): with `R(b)` the 0/1 reach of
/// branch `b` (1 at a root), `P_b = R(b)·C_b` (Mul) reaches the child taken
/// when the comparison holds and `Q_b = R(b) − P_b` (Sub) the other; a level
/// gathers its `R` from the previous level's `[P | Q]`. Two rows per branch
/// node instead of the path sums' four per leaf; the leaf indicators are
/// gathered from the levels' `[P | Q]` (a leaf that is a whole tree reads a
/// constant 1).
struct Levels {
    /// Branches per depth.
    by_depth: Vec<Vec<usize>>,
    /// Per branch: its parent's `(branch, child taken when the test holds)`.
    parent: Vec<Option<(usize, bool)>>,
}

impl Levels {
    fn new(e: &Ensemble) -> Option<Levels> {
        let k = e.branches.len();
        let mut parent: Vec<Option<Option<(usize, bool)>>> = vec![None; k];
        let mut depth = vec![0usize; k];
        for leaf in &e.leaves {
            for (d, &(b, _)) in leaf.path.iter().enumerate() {
                // The branch's parent and the direction taken there.
                let p = if d == 0 {
                    None
                } else {
                    let (pb, pt) = leaf.path[d - 1];
                    Some((pb, pt != e.branches[pb].negated))
                };
                match parent[b] {
                    None => parent[b] = Some(p),
                    Some(q) if q == p => {}
                    Some(_) => return None, // shared node: not a tree
                }
                depth[b] = d;
            }
        }
        let parent: Vec<Option<(usize, bool)>> = parent.into_iter().map(Option::flatten).collect();
        let levels = depth.iter().max().map_or(0, |&d| d + 1);
        let mut by_depth = vec![vec![]; levels];
        for (b, &d) in depth.iter().enumerate() {
            by_depth[d].push(b);
        }
        Some(Levels { by_depth, parent })
    }

    fn emit(
        &self,
        ctx: &mut Ctx,
        n: &NodeCtx,
        c: Val,
        rows: usize,
        col: &[usize],
        e: &Ensemble,
    ) -> Result<Val, OnnxError> {
        let k = e.branches.len();
        // Where each branch's P column lives: (level, position in level).
        let mut at = vec![(0usize, 0usize); k];
        let mut pq: Vec<Val> = vec![];
        let width = k;
        for (d, level) in self.by_depth.iter().enumerate() {
            let m = level.len();
            let cd = ctx.emit(
                n.at(),
                &n.sub(&format!("tests_level{d}")),
                Op::Gather(IndexMap {
                    shape: vec![rows, m],
                    index: (0..rows)
                        .flat_map(|r| level.iter().map(move |&b| r * width + col[b]))
                        .collect(),
                }),
                std::slice::from_ref(&c),
                &n.tmp(&format!("tests_level{d}")),
            )?;
            let (p, q) = if d == 0 {
                let one = Val::konst(Konst::scalar(1.0));
                let q = ctx.emit(
                    n.at(),
                    &n.sub("level0_other"),
                    Op::Sub,
                    &[one, cd.clone()],
                    &n.tmp("level0_other"),
                )?;
                (cd, q)
            } else {
                let prev = &pq[d - 1];
                let pm = self.by_depth[d - 1].len();
                let index = (0..rows)
                    .flat_map(|r| level.iter().map(move |&b| (r, b)))
                    .map(|(r, b)| {
                        let (pb, holds) = self.parent[b].expect("a non-root has a parent");
                        let (_, pos) = at[pb];
                        // P (the held side) is first in [P | Q].
                        let side = if holds { 0 } else { pm };
                        r * 2 * pm + side + pos
                    })
                    .collect();
                let reach = ctx.emit(
                    n.at(),
                    &n.sub(&format!("reach_level{d}")),
                    Op::Gather(IndexMap {
                        shape: vec![rows, m],
                        index,
                    }),
                    std::slice::from_ref(prev),
                    &n.tmp(&format!("reach_level{d}")),
                )?;
                let p = ctx.emit(
                    n.at(),
                    &n.sub(&format!("held_level{d}")),
                    Op::Mul,
                    &[reach.clone(), cd],
                    &n.tmp(&format!("held_level{d}")),
                )?;
                let q = ctx.emit(
                    n.at(),
                    &n.sub(&format!("other_level{d}")),
                    Op::Sub,
                    &[reach, p.clone()],
                    &n.tmp(&format!("other_level{d}")),
                )?;
                (p, q)
            };
            for (pos, &b) in level.iter().enumerate() {
                at[b] = (d, pos);
            }
            pq.push(ctx.emit(
                n.at(),
                &n.sub(&format!("level{d}")),
                Op::Concat { axis: 1 },
                &[p, q],
                &n.tmp(&format!("level{d}")),
            )?);
        }
        // All levels side by side, then a constant 1 column; leaves gathered.
        let offsets: Vec<usize> = self
            .by_depth
            .iter()
            .scan(0, |o, l| {
                let b = *o;
                *o += 2 * l.len();
                Some(b)
            })
            .collect();
        let total =
            offsets.last().copied().unwrap_or(0) + 2 * self.by_depth.last().map_or(0, Vec::len);
        let ones = ones_column(rows);
        let mut all = pq;
        all.push(ones);
        let cols = total + 1;
        let flat = ctx.emit(
            n.at(),
            &n.sub("levels"),
            Op::Concat { axis: 1 },
            &all,
            &n.tmp("levels"),
        )?;
        let leaf_col: Vec<usize> = e
            .leaves
            .iter()
            .map(|leaf| match leaf.path.last() {
                None => total,
                Some(&(b, t)) => {
                    let (d, pos) = at[b];
                    let held = t != e.branches[b].negated;
                    offsets[d] + if held { 0 } else { self.by_depth[d].len() } + pos
                }
            })
            .collect();
        let l = e.leaves.len();
        ctx.emit(
            n.at(),
            &n.sub("reached"),
            Op::Gather(IndexMap {
                shape: vec![rows, l],
                index: (0..rows)
                    .flat_map(|r| leaf_col.iter().map(move |&c| r * cols + c))
                    .collect(),
            }),
            &[flat],
            &n.tmp("reached"),
        )
    }
}
