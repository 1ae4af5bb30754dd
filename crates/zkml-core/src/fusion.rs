//! The one fusion the specification knows about.
//!
//! A product (Conv, MatMul, or a Mul that is not of two constants) whose
//! output's only use is the very next node, an Add/Sub of a constant of the
//! same shape at alignment 0 (`y + B`, `y − B`), is computed by a backend as
//! one rounding shift: `rshift(S, d) + B = rshift(S + B·2^d, d)`. The
//! intermediate `rshift(S, d)` then never exists as a value of the proof, so
//! the executor does not range check it either: only the sum is checked, in
//! the executor and in the circuit alike. Written once here; the executor
//! ([`crate::exec`]) and the plonk backend's layout both call [`fused_add`].
//!
//! A backend that does not fuse (the plonk backend with private or committed
//! weights, whose constants are witness cells; the sumcheck backend) checks
//! the intermediate as well: it is then stricter than the executor (an
//! execution where only the intermediate leaves the range is refused by the
//! prover), never looser.

use crate::ops::QOp;
use crate::quant::{QGraph, QValueKind};

/// How many times each value is read: once per node input, once more per
/// model output.
pub fn value_uses(q: &QGraph) -> Vec<usize> {
    let mut uses = vec![0usize; q.values.len()];
    for n in &q.nodes {
        for &i in &n.inputs {
            uses[i] += 1;
        }
    }
    for &o in &q.outputs {
        uses[o] += 1;
    }
    uses
}

/// The node index of the Add/Sub fused into node `ni` (see the module doc),
/// if any. `uses` is [`value_uses`] of `q`.
pub fn fused_add(q: &QGraph, ni: usize, uses: &[usize]) -> Option<usize> {
    let is_const = |id: usize| matches!(q.values[id].kind, QValueKind::Const(_));
    let node = q.nodes.get(ni)?;
    let producer = match node.op {
        QOp::Conv { .. } | QOp::MatMul { .. } => true,
        QOp::Mul { .. } => !(is_const(node.inputs[0]) && is_const(node.inputs[1])),
        _ => false,
    };
    let cur = node.output;
    let next = ni + 1;
    if !producer || uses[cur] != 1 || next >= q.nodes.len() {
        return None;
    }
    let nx = &q.nodes[next];
    let (QOp::Add { align } | QOp::Sub { align }) = &nx.op else {
        return None;
    };
    let sub = matches!(nx.op, QOp::Sub { .. });
    let pos = nx.inputs.iter().position(|&i| i == cur)?;
    let other = *nx.inputs.get(1 - pos)?;
    let fuses = other != cur
        && is_const(other)
        && align[pos] == 0
        && !(sub && pos == 1)
        && q.values[nx.output].shape == q.values[cur].shape;
    fuses.then_some(next)
}
