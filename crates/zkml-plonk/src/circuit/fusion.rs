//! Fusion: the nodes that fold into a producer's rows ([`plan_chain`]) and the
//! constants they contribute.

use ndarray::IxDyn;
use zkml_core::{ops::elementwise, quant::QValueKind, QGraph, QOp};

/// How a node's result continues into the following nodes, fused into its rows.
#[derive(Clone, Debug, Default)]
pub(super) struct Chain {
    /// An Add/Sub of a constant folded in: its node index.
    pub(super) add: Option<usize>,
    /// A Relu/Clip folded in: its node index.
    pub(super) act: Option<usize>,
}

/// Which following nodes fold into node `ni`'s rows: an Add/Sub of a constant
/// (`rshift(S, d) + B = rshift(S + B·2^d, d)`, exact) and then a Relu or a
/// Clip's lower bound (`max(y, lo)` fused into the rescale row). Only when each
/// intermediate result has that single consumer, the very next node.
pub(super) fn plan_chain(q: &QGraph, ni: usize, uses: &[usize], private_w: bool) -> Chain {
    let mut chain = Chain::default();
    let node = &q.nodes[ni];
    // With private weights no value is a constant of the circuit.
    let is_const = |id: usize| !private_w && matches!(q.values[id].kind, QValueKind::Const(_));
    let producer = match node.op {
        QOp::Conv { .. } => true,
        QOp::MatMul { .. } => true,
        QOp::Mul { .. } => !(is_const(node.inputs[0]) && is_const(node.inputs[1])),
        _ => false,
    };
    if !producer {
        return chain;
    }
    let mut cur = node.output;
    let mut next = ni + 1;
    // The Add/Sub the specification fuses (`zkml_core::fusion`: the executor
    // does not range check the intermediate either); with private weights the
    // constant is a witness cell, nothing fuses and the intermediate is a
    // range-checked cell (stricter than the executor, never looser).
    if !private_w {
        if let Some(a) = zkml_core::fusion::fused_add(q, ni, uses) {
            chain.add = Some(a);
            cur = q.nodes[a].output;
            next = a + 1;
        }
    }
    if uses[cur] == 1 && next < q.nodes.len() && q.nodes[next].inputs == [cur] {
        match q.nodes[next].op {
            QOp::Relu => chain.act = Some(next),
            // Only a lower bound of 0: the fused row then range checks the
            // pre-activation value to exactly the activation range
            // ([`crate::gadgets::linear`]); another bound stays a select row.
            QOp::Clip { min: 0, .. } => chain.act = Some(next),
            _ => {}
        }
    }
    chain
}

/// The per-element constant an Add/Sub node `a` adds to node `ni`'s output.
pub(super) fn fused_constant(q: &QGraph, ni: usize, a: usize) -> Vec<i128> {
    let nx = &q.nodes[a];
    let cur = q.nodes[ni].output;
    let pos = nx.inputs.iter().position(|&i| i == cur).unwrap();
    let other = nx.inputs[1 - pos];
    let (align, sign) = match &nx.op {
        QOp::Add { align } => (align[1 - pos], 1i128),
        QOp::Sub { align } => (align[1 - pos], -1i128),
        _ => unreachable!(),
    };
    let QValueKind::Const(t) = &q.values[other].kind else {
        unreachable!()
    };
    let shape = &q.values[cur].shape;
    t.broadcast(IxDyn(shape))
        .expect("Add shapes checked when the node was added")
        .iter()
        .map(|&v| sign * elementwise::align(v, align) as i128)
        .collect()
}
