//! Splitting one node across segments: a graph rewrite, exact.
//!
//! A node can be larger than a segment (MobileNetV2-224's 16 → 96 channel
//! expansion at 112×112 needs millions of rows). [`split_nodes`] rewrites the
//! graph so that such a node becomes `P` *pieces*, each computing a slice of
//! its output along one axis, joined by a Concat (wiring only in a circuit):
//!
//! | op | axis of the output | a piece reads |
//! | --- | --- | --- |
//! | Conv, `group = 1` | output channels `[a, b)` | all of `x`, `w[a..b]`, `bias[a..b]` |
//! | Conv, `group = G` | whole groups `[g0, g1)` | channels `[g0·C/G, g1·C/G)` of `x`, `w`/`bias` of the group's filters |
//! | MatMul | output columns `[a, b)` (last axis) | all of `A`, `B[…, a..b]` |
//! | elementwise (Relu, Clip, LeakyRelu, table functions, Abs, Sign, Round, Add, Sub, Mul, Max, Min, Div, Where, comparisons) | the longest axis | each operand's slice (a broadcast axis whole) |
//!
//! A slice of a constant is a new constant; a slice of a computed tensor is
//! a Gather by an index map (wiring only). Each piece has the same op, shift
//! and alignments as the node, over the sliced operands, so each output
//! element is computed by the very same integer rule from the very same
//! integers: the Concat of the pieces equals the node's output bit for bit.
//!
//! **Chains.** The nodes right after a split node that work on each slice
//! alone are carried along, piece by piece, before the Concat: a
//! following node is carried while it is the very next node and one of
//!
//! * an elementwise op of values the chain computed (in the current slicing)
//!   and constants, the output's shape unchanged: a bias Add, a Relu/Clip,
//!   a table function, or a whole elementwise graph such as GELU's
//!   `0.5·x·(1 + tanh(c·(x + 0.044715·x³)))`, which reads `x` three times;
//! * (channel splits) a grouped Conv (`group > 1`, e.g. depthwise) whose
//!   groups' input channels are whole slices, or a MaxPool/AveragePool: its
//!   piece reads the previous piece directly.
//!
//! and the chain is then cut back to its longest prefix whose values, but the
//! last (the one the Concat rebuilds), are read only inside it.
//!
//! So a `Conv → Add(bias) → Clip → depthwise Conv → Clip` chain becomes, per
//! piece, the same five nodes over one range of channels, in that order:
//! a product is still directly followed by the Add (and activation) it is
//! fused with ([`crate::fusion`]), and a segment cut between two pieces has
//! as boundary the chain's input and the pieces done so far.
//!
//! A node that is itself the Add fused into the product before it is split
//! as part of that product's chain (the fusion is part of the integer
//! rule: splitting the Add alone would range check the product).

use std::ops::Range;

use ndarray::{Axis, Slice};

use crate::error::{Error, Result};
use crate::fusion::{fused_add, value_uses};
use crate::ops::{gather::IndexMap, Conv, QOp};
use crate::quant::{QGraph, QNode, QValue, QValueKind};

/// How a node's output is sliced: the axis and the output range of each piece.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pieces {
    /// The output axis the pieces slice.
    pub axis: usize,
    /// The output range of each piece along `axis` (in order, tiling it).
    pub ranges: Vec<Range<usize>>,
}

fn is_unary_elementwise(op: &QOp) -> bool {
    matches!(
        op,
        QOp::Relu
            | QOp::LeakyRelu { .. }
            | QOp::Clip { .. }
            | QOp::Table { .. }
            | QOp::Abs
            | QOp::Sign
            | QOp::Round { .. }
    )
}

fn is_elementwise(op: &QOp) -> bool {
    is_unary_elementwise(op)
        || matches!(
            op,
            QOp::Add { .. }
                | QOp::Sub { .. }
                | QOp::Mul { .. }
                | QOp::Max { .. }
                | QOp::Min { .. }
                | QOp::Div { .. }
                | QOp::Where { .. }
                | QOp::Compare { .. }
        )
}

/// `len` split into `parts` near-equal consecutive ranges (the first
/// `len % parts` one longer); `parts` is clamped to `1..=len`.
pub fn even_ranges(len: usize, parts: usize) -> Vec<Range<usize>> {
    let p = parts.clamp(1, len.max(1));
    (0..p).map(|i| i * len / p..(i + 1) * len / p).collect()
}

/// How node `ni` would be split into (at most) `parts` pieces, or `None` if
/// its op cannot be split (module doc) or `parts < 2`.
pub fn pieces_of(q: &QGraph, ni: usize, parts: usize) -> Option<Pieces> {
    let node = q.nodes.get(ni)?;
    let out = &q.values[node.output].shape;
    if parts < 2 {
        return None;
    }
    let pieces = match &node.op {
        QOp::Conv { conv, .. } => {
            let w = &q.values[*node.inputs.get(1)?].shape;
            let (m, g) = (*w.first()?, conv.group);
            if g == 0 || !m.is_multiple_of(g) {
                return None;
            }
            let mg = m / g;
            let ranges = even_ranges(g, parts)
                .into_iter()
                .map(|r| r.start * mg..r.end * mg)
                .collect::<Vec<_>>();
            // One group alone: split its filters (a group-1 conv over its channels).
            let ranges = if ranges.len() == 1 {
                even_ranges(m, parts)
            } else {
                ranges
            };
            Pieces { axis: 1, ranges }
        }
        QOp::MatMul { .. } => {
            let b = &q.values[*node.inputs.get(1)?].shape;
            if b.len() < 2 || out.len() < 2 {
                return None;
            }
            let n = *out.last()?;
            Pieces {
                axis: out.len() - 1,
                ranges: even_ranges(n, parts),
            }
        }
        op if is_elementwise(op) => {
            // The longest axis (the first on a tie).
            let (axis, &len) = out
                .iter()
                .enumerate()
                .max_by_key(|&(i, &d)| (d, std::cmp::Reverse(i)))?;
            Pieces {
                axis,
                ranges: even_ranges(len, parts),
            }
        }
        _ => return None,
    };
    (pieces.ranges.len() > 1).then_some(pieces)
}

/// The nodes a split of node `ni` carries (module doc, *Chains*), `ni`
/// first, given the way it is split.
pub fn chain_of(q: &QGraph, ni: usize, pieces: &Pieces) -> Vec<usize> {
    let is_const = |id: usize| matches!(q.values[id].kind, QValueKind::Const(_));
    // Readers of each value (a model output reads as `usize::MAX`).
    let mut readers: Vec<Vec<usize>> = vec![vec![]; q.values.len()];
    for (j, n) in q.nodes.iter().enumerate() {
        for &i in &n.inputs {
            readers[i].push(j);
        }
    }
    for &o in &q.outputs {
        readers[o].push(usize::MAX);
    }
    let mut chain = vec![ni];
    // Chain positions from which values have the current slicing (a carried
    // conv starts a new stage: other channels, other shape).
    let mut stage = 0;
    let mut ranges = pieces.ranges.clone();
    let in_stage = |chain: &[usize], stage: usize, v: usize| {
        chain[stage..].iter().any(|&c| q.nodes[c].output == v)
    };
    loop {
        let next = chain.last().unwrap() + 1;
        let Some(nx) = q.nodes.get(next) else { break };
        let cur = q.nodes[*chain.last().unwrap()].output;
        let shape = &q.values[cur].shape;
        let carried = match &nx.op {
            op if is_elementwise(op) => {
                q.values[nx.output].shape == *shape
                    && nx.inputs.iter().any(|&i| in_stage(&chain, stage, i))
                    && nx.inputs.iter().all(|&i| {
                        is_const(i) || (in_stage(&chain, stage, i) && q.values[i].shape == *shape)
                    })
            }
            // Pooling works channel by channel: a channel split passes it.
            QOp::MaxPool(_) | QOp::AveragePool(_)
                if pieces.axis == 1 && nx.inputs == [cur] && q.values[cur].shape.len() == 4 =>
            {
                stage = chain.len();
                true
            }
            QOp::Conv { conv, .. } if pieces.axis == 1 && nx.inputs[0] == cur => {
                match conv_follow(q, next, conv, &ranges) {
                    Some(r) => {
                        ranges = r;
                        stage = chain.len();
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        };
        if !carried {
            break;
        }
        chain.push(next);
    }
    // The longest prefix whose values, but the last, are read only inside it.
    let closed = |m: usize| {
        chain[..m - 1].iter().all(|&c| {
            readers[q.nodes[c].output]
                .iter()
                .all(|r| chain[..m].contains(r))
        })
    };
    let m = (1..=chain.len()).rev().find(|&m| closed(m)).unwrap_or(1);
    chain.truncate(m);
    chain
}

/// The output ranges of a grouped Conv `ni` whose input channels come in
/// `ranges`, if each range is whole groups (else `None`).
fn conv_follow(
    q: &QGraph,
    ni: usize,
    conv: &Conv,
    ranges: &[Range<usize>],
) -> Option<Vec<Range<usize>>> {
    let node = &q.nodes[ni];
    let w = &q.values[*node.inputs.get(1)?].shape;
    let c = *q.values[node.inputs[0]].shape.get(1)?;
    let g = conv.group;
    if g < 2 || !c.is_multiple_of(g) || !w[0].is_multiple_of(g) {
        return None;
    }
    let (cg, mg) = (c / g, w[0] / g);
    ranges
        .iter()
        .map(|r| {
            (r.start.is_multiple_of(cg) && r.end.is_multiple_of(cg))
                .then(|| r.start / cg * mg..r.end / cg * mg)
        })
        .collect()
}

/// The node a request to split node `ni` starts at: the product an Add is
/// fused into (module doc), else `ni`.
fn head_of(q: &QGraph, ni: usize, uses: &[usize]) -> usize {
    if ni > 0 && fused_add(q, ni - 1, uses) == Some(ni) {
        ni - 1
    } else {
        ni
    }
}

/// Per node of a split graph: `Some((j, p))` for a node of piece `p` of the
/// split of node `j` of the original graph, `None` for a node kept whole and
/// for the Concats ([`split_nodes_traced`]).
pub type Origins = Vec<Option<(usize, usize)>>;

/// Builds the rewritten graph value by value.
struct Rewriter<'a> {
    q: &'a QGraph,
    out: QGraph,
    /// New id of each old value (`usize::MAX`: not yet).
    map: Vec<usize>,
    /// Per new node: the split node and the piece it belongs to, if any.
    origin: Origins,
    /// The piece the nodes being pushed belong to.
    piece: Option<(usize, usize)>,
}

impl<'a> Rewriter<'a> {
    fn value(&mut self, old: usize) -> Result<usize> {
        if self.map[old] != usize::MAX {
            return Ok(self.map[old]);
        }
        let v = &self.q.values[old];
        match &v.kind {
            QValueKind::Const(_) => {
                let id = self.push_value(v.clone());
                self.map[old] = id;
                Ok(id)
            }
            _ => Err(Error::Segment(format!(
                "splitting nodes: value `{}` is used before it is defined",
                v.name
            ))),
        }
    }

    fn push_value(&mut self, v: QValue) -> usize {
        self.out.values.push(v);
        self.out.values.len() - 1
    }

    fn push_node(&mut self, name: String, op: QOp, inputs: Vec<usize>, out: QValue) -> usize {
        let id = self.push_value(QValue {
            kind: QValueKind::Node(self.out.nodes.len()),
            ..out
        });
        self.out.nodes.push(QNode {
            name,
            op,
            inputs,
            output: id,
        });
        self.origin.push(self.piece);
        id
    }

    /// Old value `old` (shape `shape`) sliced to `range` along `axis` (new id):
    /// the value itself when the range is all of it, a new constant for a
    /// constant, else a Gather by an index map.
    fn slice(&mut self, old: usize, axis: usize, range: &Range<usize>, tag: &str) -> Result<usize> {
        let v = &self.q.values[old];
        let shape = v.shape.clone();
        if range.start == 0 && range.end == shape[axis] {
            return self.value(old);
        }
        let name = format!("{}[{tag}{}:{}]", v.name, axis, range_str(range));
        let mut sshape = shape.clone();
        sshape[axis] = range.len();
        if let QValueKind::Const(t) = &v.kind {
            let s = t
                .slice_axis(Axis(axis), Slice::from(range.clone()))
                .to_owned();
            return Ok(self.push_value(QValue {
                name,
                shape: sshape,
                scale: v.scale,
                kind: QValueKind::Const(s),
                axis_scales: v.sliced_axis_scales(axis, range),
            }));
        }
        let inner: usize = shape[axis + 1..].iter().product();
        let outer: usize = shape[..axis].iter().product();
        let mut index = Vec::with_capacity(outer * range.len() * inner);
        for o in 0..outer {
            for a in range.clone() {
                let base = (o * shape[axis] + a) * inner;
                index.extend(base..base + inner);
            }
        }
        let input = self.value(old)?;
        let out = QValue {
            name: name.clone(),
            shape: sshape.clone(),
            scale: v.scale,
            kind: QValueKind::Input,
            axis_scales: v.sliced_axis_scales(axis, range),
        };
        Ok(self.push_node(
            name,
            QOp::Gather(IndexMap {
                shape: sshape,
                index,
            }),
            vec![input],
            out,
        ))
    }

    /// Operand `old` of an elementwise node with output shape `out`, sliced
    /// to `range` along the output's `axis` (a broadcast axis stays whole).
    fn operand(
        &mut self,
        old: usize,
        out: &[usize],
        axis: usize,
        range: &Range<usize>,
        tag: &str,
    ) -> Result<usize> {
        let shape = &self.q.values[old].shape;
        let lead = out.len() - shape.len();
        if axis < lead || shape[axis - lead] == 1 {
            return self.value(old);
        }
        self.slice(old, axis - lead, range, tag)
    }

    /// Splits node `head` and its chain (module doc) into `pieces`.
    fn split(&mut self, head: usize, pieces: &Pieces, chain: &[usize]) -> Result<()> {
        let q = self.q;
        let n = pieces.ranges.len();
        let mut finals = Vec::with_capacity(n);
        for (p, r0) in pieces.ranges.iter().enumerate() {
            self.piece = Some((head, p));
            let tag = format!("{p}/{n}:");
            let mut range = r0.clone();
            // This piece's slice of each chain value: old id → new id.
            let mut local: std::collections::HashMap<usize, usize> = Default::default();
            for &ni in chain {
                let node = &q.nodes[ni];
                let oshape = &q.values[node.output].shape;
                let mut op = node.op.clone();
                let mut inputs = Vec::with_capacity(node.inputs.len());
                match &node.op {
                    QOp::Conv { conv, shift } => {
                        let w = node.inputs[1];
                        let wshape = &q.values[w].shape;
                        let (m, g) = (wshape[0], conv.group);
                        let (mg, cg) = (m / g, wshape[1]);
                        let carried = local.get(&node.inputs[0]).copied();
                        let out_r = match carried {
                            None => range.clone(),
                            // A carried grouped conv: input channels `range`.
                            Some(_) => range.start / cg * mg..range.end / cg * mg,
                        };
                        let groups =
                            if out_r.start.is_multiple_of(mg) && out_r.end.is_multiple_of(mg) {
                                out_r.start / mg..out_r.end / mg
                            } else {
                                // Part of one group's filters (the split of a lone group).
                                let gi = out_r.start / mg;
                                gi..gi + 1
                            };
                        let x = match carried {
                            Some(c) => c,
                            None => self.slice(
                                node.inputs[0],
                                1,
                                &(groups.start * cg..groups.end * cg),
                                &tag,
                            )?,
                        };
                        inputs.push(x);
                        inputs.push(self.slice(w, 0, &out_r, &tag)?);
                        if let Some(&b) = node.inputs.get(2) {
                            inputs.push(self.slice(b, 0, &out_r, &tag)?);
                        }
                        op = QOp::Conv {
                            conv: Conv {
                                group: groups.len(),
                                ..conv.clone()
                            },
                            shift: *shift,
                        };
                        range = out_r;
                    }
                    QOp::MatMul { .. } => {
                        let b = node.inputs[1];
                        let bl = q.values[b].shape.len();
                        inputs.push(self.value(node.inputs[0])?);
                        inputs.push(self.slice(b, bl - 1, &range, &tag)?);
                    }
                    _ => {
                        for &i in &node.inputs {
                            inputs.push(match local.get(&i) {
                                Some(&c) => c,
                                None => self.operand(i, oshape, pieces.axis, &range, &tag)?,
                            });
                        }
                    }
                }
                let mut shape = oshape.clone();
                shape[pieces.axis] = range.len();
                let ov = &q.values[node.output];
                let name = format!("{}[{tag}{}]", node.name, range_str(&range));
                let out = QValue {
                    name: format!("{}[{tag}{}]", ov.name, range_str(&range)),
                    shape,
                    scale: ov.scale,
                    kind: QValueKind::Input,
                    axis_scales: None,
                };
                let id = self.push_node(name, op, inputs, out);
                local.insert(node.output, id);
            }
            let last = q.nodes[*chain.last().expect("a chain has a node")].output;
            finals.push(local[&last]);
        }
        self.piece = None;
        let last = &q.nodes[*chain.last().expect("a chain has a node")];
        let ov = q.values[last.output].clone();
        let id = self.push_node(
            format!("{}[concat]", last.name),
            QOp::Concat {
                axis: pieces.axis,
                align: vec![0; n],
            },
            finals,
            ov,
        );
        self.map[last.output] = id;
        Ok(())
    }
}

fn range_str(r: &Range<usize>) -> String {
    format!("{}..{}", r.start, r.end)
}

/// The graph with node `j` split into `parts[j]` pieces (module doc) for
/// every `j` with `parts[j] ≥ 2`; `parts` has one entry per node (a missing
/// entry is 1). A request on an Add fused into the product before it
/// applies to that product; a node a chain carries takes its chain's pieces;
/// a node whose op cannot be split is an error naming it.
///
/// The result computes the same integers: executing it gives, for every
/// value of `q` that is an input, a constant or a chain's last output, the
/// same tensor (the intermediate values of a chain exist only as pieces).
pub fn split_nodes(q: &QGraph, parts: &[usize]) -> Result<QGraph> {
    Ok(split_nodes_traced(q, parts)?.0)
}

/// As [`split_nodes`], with the origin of every node of the result: `Some((j,
/// p))` for a node of piece `p` of the split of node `j` of `q` (`None` for
/// a node kept whole and for the Concats), so a caller can weigh each piece.
pub fn split_nodes_traced(q: &QGraph, parts: &[usize]) -> Result<(QGraph, Origins)> {
    let uses = value_uses(q);
    let n = q.nodes.len();
    let mut want = vec![1usize; n];
    for (j, &p) in parts.iter().enumerate().take(n) {
        let h = head_of(q, j, &uses);
        want[h] = want[h].max(p);
    }
    let mut rw = Rewriter {
        q,
        out: QGraph {
            values: vec![],
            nodes: vec![],
            inputs: vec![],
            outputs: vec![],
            act_bits: q.act_bits,
        },
        map: vec![usize::MAX; q.values.len()],
        origin: vec![],
        piece: None,
    };
    for &i in &q.inputs {
        let id = rw.push_value(q.values[i].clone());
        rw.map[i] = id;
        rw.out.inputs.push(id);
    }
    let mut j = 0;
    while j < n {
        let pieces = if want[j] >= 2 {
            Some(pieces_of(q, j, want[j]).ok_or_else(|| {
                Error::Segment(format!(
                    "node `{}` ({}) cannot be split into {} pieces (Conv, MatMul and \
                     elementwise ops can)",
                    q.nodes[j].name,
                    q.nodes[j].op.name(),
                    want[j]
                ))
            })?)
        } else {
            None
        };
        match pieces {
            Some(p) => {
                let chain = chain_of(q, j, &p);
                rw.split(j, &p, &chain)?;
                j = chain.last().unwrap() + 1;
            }
            None => {
                let node = &q.nodes[j];
                let inputs = node
                    .inputs
                    .iter()
                    .map(|&i| rw.value(i))
                    .collect::<Result<Vec<_>>>()?;
                let id = rw.push_node(
                    node.name.clone(),
                    node.op.clone(),
                    inputs,
                    q.values[node.output].clone(),
                );
                rw.map[node.output] = id;
                j += 1;
            }
        }
    }
    rw.out.outputs = q
        .outputs
        .iter()
        .map(|&o| rw.value(o))
        .collect::<Result<_>>()?;
    Ok((rw.out, rw.origin))
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;
