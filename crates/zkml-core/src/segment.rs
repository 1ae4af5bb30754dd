//! Segments: a quantized graph split at tensor boundaries into sub-graphs
//! that are proven separately and chained by their boundary tensors.
//!
//! A *cut* `c` is a node index `0 < c < nodes.len()`: nodes `..c` go to one
//! segment, `c..` to the next. The *boundary* at `c` is every non-constant
//! value defined before node `c` (a model input, or the output of a node
//! `< c`) that is read by a node `≥ c` or is a model output, in value order.
//! So a residual connection that crosses several cuts is a boundary tensor
//! at each of them, passed through the segments in between (an input and an
//! output of the same segment).
//!
//! Segment `i` of `n` (nodes `a..b`) is a [`QGraph`] whose
//!
//! * inputs are the model inputs for `i = 0`, else the boundary at `a`;
//! * outputs are the model outputs for `i = n − 1`, else the boundary at `b`;
//! * values are its inputs, the constants its nodes read (or that are model
//!   outputs, last segment only) and its nodes' outputs, in the whole graph's
//!   value order ([`Segment::values`] maps them back).
//!
//! So segment `i`'s outputs are segment `i + 1`'s inputs, tensor by tensor,
//! in the same order: a backend commits to both lists the same way, and
//! equal commitments chain the proofs. Executing the segments in order, each
//! on the previous one's outputs, gives exactly the whole graph's trace
//! restricted to each segment ([`Trace::restrict`]): every op is local, and a
//! cut never separates a product from the Add it is fused with
//! ([`crate::fusion`]), so every boundary tensor is range checked in the
//! whole graph as it is in the segments.
//!
//! [`choose_cuts`] picks cuts that keep each segment's rows under a budget;
//! a node larger than a segment is first split into pieces ([`split`]).

pub mod split;

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::exec::Trace;
use crate::ops::QOp;
use crate::quant::{QGraph, QNode, QValue, QValueKind};

/// One segment of a [`QGraph`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// The segment's own graph.
    pub graph: QGraph,
    /// The nodes of the whole graph it holds.
    pub nodes: Range<usize>,
    /// For each value of [`Self::graph`], its id in the whole graph.
    pub values: Vec<usize>,
}

/// Where each value of a graph is defined and last read.
struct Liveness {
    /// `None`: a constant; `Some(0)`: a model input (or undefined); `Some(j + 1)`: node `j`'s output.
    def: Vec<Option<usize>>,
    /// One past the last node reading it (`nodes.len() + 1` for a model output), 0 if unread.
    end: Vec<usize>,
}

impl Liveness {
    fn of(q: &QGraph) -> Self {
        let n = q.nodes.len();
        let def = q
            .values
            .iter()
            .map(|v| match v.kind {
                QValueKind::Const(_) => None,
                QValueKind::Input => Some(0),
                QValueKind::Node(j) => Some(j + 1),
            })
            .collect();
        let mut end = vec![0usize; q.values.len()];
        for (j, node) in q.nodes.iter().enumerate() {
            for &i in &node.inputs {
                end[i] = end[i].max(j + 1);
            }
        }
        for &o in &q.outputs {
            end[o] = n + 1;
        }
        Self { def, end }
    }

    /// Whether value `v` crosses cut `c` (defined before node `c`, needed at or after it).
    fn crosses(&self, v: usize, c: usize) -> bool {
        matches!(self.def[v], Some(d) if d <= c) && self.end[v] > c
    }
}

/// The boundary at cut `c`: the non-constant values defined before node `c`
/// and read by a node `≥ c` or output by the model, in value order.
pub fn boundary(q: &QGraph, c: usize) -> Vec<usize> {
    let live = Liveness::of(q);
    (0..q.values.len())
        .filter(|&v| live.crosses(v, c))
        .collect()
}

/// Element count of the boundary at every position `c` in `0..=nodes.len()`
/// (the tensors a backend commits to twice if it cuts there).
pub fn boundary_sizes(q: &QGraph) -> Vec<usize> {
    let n = q.nodes.len();
    let live = Liveness::of(q);
    // Value v crosses every cut in def..end (within 1..n): a difference array.
    let mut diff = vec![0isize; n + 2];
    for v in 0..q.values.len() {
        let Some(d) = live.def[v] else { continue };
        if live.end[v] == 0 {
            continue;
        }
        let (lo, hi) = (d.max(1), (live.end[v] - 1).min(n));
        if lo <= hi {
            let numel: usize = q.values[v].shape.iter().product();
            diff[lo] += numel as isize;
            diff[hi + 1] -= numel as isize;
        }
    }
    let mut out = Vec::with_capacity(n + 1);
    let mut acc = 0isize;
    for (c, d) in diff.iter().take(n + 1).enumerate() {
        acc += d;
        out.push(if c == 0 { 0 } else { acc as usize });
    }
    out
}

/// Whether the graph may be cut before node `c` (`0 < c < nodes.len()`): not
/// between a product and the Add/Sub fused with it ([`crate::fusion`]).
pub fn can_cut(q: &QGraph, c: usize) -> bool {
    if c == 0 || c >= q.nodes.len() {
        return false;
    }
    let uses = crate::fusion::value_uses(q);
    crate::fusion::fused_add(q, c - 1, &uses).is_none()
}

impl QGraph {
    /// Splits the graph before each node index in `cuts` (strictly
    /// increasing, each in `1..nodes.len()`, none inside a fused pair: see
    /// [`can_cut`]) into `cuts.len() + 1` segments (module doc). Empty
    /// `cuts` give one segment, the whole graph.
    pub fn segment(&self, cuts: &[usize]) -> Result<Vec<Segment>> {
        let n = self.nodes.len();
        let bad = |why: String| Err(Error::Segment(why));
        for w in cuts.windows(2) {
            if w[0] >= w[1] {
                return bad(format!(
                    "cuts must be strictly increasing node indices, got {cuts:?}"
                ));
            }
        }
        let uses = crate::fusion::value_uses(self);
        for &c in cuts {
            if c == 0 || c >= n {
                return bad(format!(
                    "cut {c} is outside 1..{n} (a cut is the index of the first node of a \
                     segment; the model has {n} nodes)"
                ));
            }
            if crate::fusion::fused_add(self, c - 1, &uses).is_some() {
                return bad(format!(
                    "cut {c} separates node `{}` from the Add/Sub `{}` fused with it; cut \
                     before or after the pair",
                    self.nodes[c - 1].name,
                    self.nodes[c].name
                ));
            }
        }
        let live = Liveness::of(self);
        let bounds: Vec<usize> = std::iter::once(0)
            .chain(cuts.iter().copied())
            .chain(std::iter::once(n))
            .collect();
        let last = bounds.len() - 2;
        let mut segs = Vec::with_capacity(bounds.len() - 1);
        for (i, w) in bounds.windows(2).enumerate() {
            let (a, b) = (w[0], w[1]);
            let inputs: Vec<usize> = if i == 0 {
                self.inputs.clone()
            } else {
                (0..self.values.len())
                    .filter(|&v| live.crosses(v, a))
                    .collect()
            };
            let outputs: Vec<usize> = if i == last {
                self.outputs.clone()
            } else {
                (0..self.values.len())
                    .filter(|&v| live.crosses(v, b))
                    .collect()
            };
            if i > 0 && inputs.is_empty() {
                return bad(format!(
                    "no tensor crosses cut {a} (before node `{}`): the segments would not be \
                     connected",
                    self.nodes[a].name
                ));
            }
            segs.push(self.sub_graph(a..b, &inputs, &outputs)?);
        }
        Ok(segs)
    }

    /// The segment of nodes `range` with the given inputs and outputs (ids
    /// of this graph).
    fn sub_graph(
        &self,
        range: Range<usize>,
        inputs: &[usize],
        outputs: &[usize],
    ) -> Result<Segment> {
        let mut keep = vec![false; self.values.len()];
        for &i in inputs {
            keep[i] = true;
        }
        for node in &self.nodes[range.clone()] {
            keep[node.output] = true;
            for &i in &node.inputs {
                if matches!(self.values[i].kind, QValueKind::Const(_)) {
                    keep[i] = true;
                }
            }
        }
        for &o in outputs {
            if matches!(self.values[o].kind, QValueKind::Const(_)) {
                keep[o] = true;
            }
        }
        let values: Vec<usize> = (0..self.values.len()).filter(|&v| keep[v]).collect();
        let mut local = vec![usize::MAX; self.values.len()];
        for (l, &g) in values.iter().enumerate() {
            local[g] = l;
        }
        let map = |g: usize, what: &str| -> Result<usize> {
            match local[g] {
                usize::MAX => Err(Error::Segment(format!(
                    "{what} `{}` is not available in the segment of nodes {}..{}",
                    self.values[g].name, range.start, range.end
                ))),
                l => Ok(l),
            }
        };
        let is_input = |g: usize| inputs.contains(&g);
        let mut qvalues: Vec<QValue> = values
            .iter()
            .map(|&g| {
                let v = &self.values[g];
                QValue {
                    name: v.name.clone(),
                    shape: v.shape.clone(),
                    scale: v.scale,
                    kind: match &v.kind {
                        QValueKind::Const(t) => QValueKind::Const(t.clone()),
                        _ if is_input(g) => QValueKind::Input,
                        k => k.clone(),
                    },
                    axis_scales: v.axis_scales.clone(),
                }
            })
            .collect();
        let mut nodes = Vec::with_capacity(range.len());
        for (j, node) in self.nodes[range.clone()].iter().enumerate() {
            let out = map(node.output, "node output")?;
            qvalues[out].kind = QValueKind::Node(j);
            nodes.push(QNode {
                name: node.name.clone(),
                op: node.op.clone(),
                inputs: node
                    .inputs
                    .iter()
                    .map(|&i| map(i, &format!("input of node `{}`", node.name)))
                    .collect::<Result<_>>()?,
                output: out,
            });
        }
        let graph = QGraph {
            values: qvalues,
            nodes,
            inputs: inputs
                .iter()
                .map(|&i| map(i, "input"))
                .collect::<Result<_>>()?,
            outputs: outputs
                .iter()
                .map(|&o| map(o, "output"))
                .collect::<Result<_>>()?,
            act_bits: self.act_bits,
        };
        Ok(Segment {
            graph,
            nodes: range,
            values,
        })
    }
}

impl Trace {
    /// This whole-graph trace's values of segment `seg` (a trace of
    /// `seg.graph`).
    pub fn restrict(&self, seg: &Segment) -> Trace {
        Trace {
            values: seg.values.iter().map(|&g| self.values[g].clone()).collect(),
        }
    }
}

/// Whether node `c` is laid out together with node `c − 1`: the values and
/// the indices node of one TopK with `k > 1` (same input, axis, `k` and
/// direction) share one gadget, whose rows a layout plan charges to the
/// first of the two (the second has 0 rows). A cut between them is legal —
/// each segment then lays its own gadget — but costs the rows twice, so
/// [`choose_cuts`] does not place one there.
pub fn shares_layout_with_previous(q: &QGraph, c: usize) -> bool {
    let (Some(a), Some(b)) = (
        c.checked_sub(1).and_then(|p| q.nodes.get(p)),
        q.nodes.get(c),
    ) else {
        return false;
    };
    match (&a.op, &b.op) {
        (QOp::TopK(s), QOp::TopK(t)) => {
            t.k > 1
                && a.inputs.first() == b.inputs.first()
                && (s.axis, s.k, s.largest) == (t.axis, t.k, t.largest)
                && s.indices != t.indices
        }
        _ => false,
    }
}

/// Cuts that keep every segment within `max_rows`, given the rows of each
/// node (`node_rows[j]`, e.g. a layout plan's rows per node, a fused node's
/// rows on its first node) and the rows a boundary costs per element
/// (`boundary_rows_per_elem`, charged on both sides of a cut: the tensors a
/// segment commits to as inputs and as outputs).
///
/// Greedy: each segment grows until the next node would overflow it; then
/// the cut is placed, among the allowed positions ([`can_cut`], and not
/// inside a TopK pair: [`shares_layout_with_previous`]) that keep the
/// segment at least half full, where the boundary is smallest (the latest
/// such on a tie). A single node over the budget is an error naming it.
pub fn choose_cuts(
    q: &QGraph,
    node_rows: &[usize],
    max_rows: usize,
    boundary_rows_per_elem: f64,
) -> Result<Vec<usize>> {
    let n = q.nodes.len();
    if node_rows.len() != n {
        return Err(Error::Segment(format!(
            "{} node row counts for a graph of {n} nodes",
            node_rows.len()
        )));
    }
    let sizes = boundary_sizes(q);
    let bcost = |c: usize| -> usize {
        if c == 0 || c == n {
            0
        } else {
            (sizes[c] as f64 * boundary_rows_per_elem).ceil() as usize
        }
    };
    let uses = crate::fusion::value_uses(q);
    let allowed: Vec<bool> = (0..=n)
        .map(|c| {
            c > 0
                && c < n
                && crate::fusion::fused_add(q, c - 1, &uses).is_none()
                && !shares_layout_with_previous(q, c)
        })
        .collect();
    // Prefix sums of node rows.
    let mut pre = vec![0usize; n + 1];
    for j in 0..n {
        pre[j + 1] = pre[j] + node_rows[j];
    }
    let seg_rows = |a: usize, b: usize| bcost(a) + (pre[b] - pre[a]) + bcost(b);
    let mut cuts = vec![];
    let mut a = 0;
    while seg_rows(a, n) > max_rows {
        // The furthest end b such that a..b fits (with b a legal cut).
        let fits: Vec<usize> = (a + 1..n)
            .filter(|&b| allowed[b] && seg_rows(a, b) <= max_rows)
            .collect();
        let Some(&far) = fits.last() else {
            // Not even one (fused) node fits: name the first node of a..
            let j = a;
            return Err(Error::Segment(format!(
                "node `{}` ({}) alone needs about {} rows with its boundary tensors, more than \
                 the {max_rows} a segment may have; choose a larger segment size",
                q.nodes[j].name,
                q.nodes[j].op.name(),
                seg_rows(a, (a + 1..=n).find(|&b| b == n || allowed[b]).unwrap_or(n))
            )));
        };
        let half = seg_rows(a, far) / 2;
        let best = fits
            .iter()
            .copied()
            .filter(|&b| seg_rows(a, b) >= half)
            .min_by_key(|&b| (sizes[b], std::cmp::Reverse(b)))
            .unwrap_or(far);
        cuts.push(best);
        a = best;
    }
    Ok(cuts)
}

#[cfg(test)]
mod tests;
