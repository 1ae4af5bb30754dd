//! Hand-built quantized graphs: exact integer models for forgery tests.

use zkml_core::{
    quant::{QValue, QValueKind},
    ITensor, QGraph, QNode, QOp,
};

/// Builds a [`QGraph`] value by value (every scale 0).
pub struct QBuilder {
    q: QGraph,
}

impl QBuilder {
    /// An empty graph with `act_bits`-bit activations.
    pub fn new(act_bits: u32) -> Self {
        Self {
            q: QGraph {
                values: vec![],
                nodes: vec![],
                inputs: vec![],
                outputs: vec![],
                act_bits,
            },
        }
    }

    fn value(&mut self, name: &str, shape: &[usize], kind: QValueKind) -> usize {
        self.q.values.push(QValue {
            name: name.into(),
            shape: shape.to_vec(),
            scale: 0,
            kind,
            axis_scales: None,
        });
        self.q.values.len() - 1
    }

    /// A model input.
    pub fn input(&mut self, name: &str, shape: &[usize]) -> usize {
        let id = self.value(name, shape, QValueKind::Input);
        self.q.inputs.push(id);
        id
    }

    /// A constant.
    pub fn constant(&mut self, name: &str, shape: &[usize], v: &[i64]) -> usize {
        let t = ITensor::from_shape_vec(shape.to_vec(), v.to_vec()).unwrap();
        self.value(name, shape, QValueKind::Const(t))
    }

    /// A node; its output is named after it.
    pub fn node(&mut self, name: &str, op: QOp, inputs: &[usize], shape: &[usize]) -> usize {
        let out = self.value(name, shape, QValueKind::Node(self.q.nodes.len()));
        self.q.nodes.push(QNode {
            name: name.into(),
            op,
            inputs: inputs.to_vec(),
            output: out,
        });
        out
    }

    /// Marks a model output.
    pub fn output(&mut self, id: usize) {
        self.q.outputs.push(id);
    }

    /// The graph.
    pub fn finish(self) -> QGraph {
        self.q
    }
}
