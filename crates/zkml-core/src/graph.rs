//! The graph IR: values (inputs, constants, node outputs) with static shapes,
//! and nodes in topological order, each with one output.
//!
//! Built through [`Graph::add_input`], [`Graph::add_const`] and
//! [`Graph::add_node`], which checks the op's shape rule, so a built graph is
//! always well-shaped.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ops::Op;
use crate::tensor::FTensor;

/// Index of a value in [`Graph::values`].
pub type ValueId = usize;

/// Where a value comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ValueKind {
    /// A model input, supplied at run time.
    Input,
    /// A constant (weights, biases, folded subgraphs).
    Const(FTensor),
    /// The output of node `nodes[i]`.
    Node(usize),
}

/// A tensor of the graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Value {
    /// Name (from the model file, unique in the graph).
    pub name: String,
    /// Static shape.
    pub shape: Vec<usize>,
    /// Origin.
    pub kind: ValueKind,
}

/// An op application.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Name (from the model file, or generated).
    pub name: String,
    /// The op.
    pub op: Op,
    /// Input values.
    pub inputs: Vec<ValueId>,
    /// Output value.
    pub output: ValueId,
}

/// A model: values, nodes in topological order, inputs and outputs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    /// Every tensor.
    pub values: Vec<Value>,
    /// Nodes, topologically sorted (inputs defined before use).
    pub nodes: Vec<Node>,
    /// Model inputs, in order.
    pub inputs: Vec<ValueId>,
    /// Model outputs, in order.
    pub outputs: Vec<ValueId>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    fn push_value(&mut self, name: String, shape: Vec<usize>, kind: ValueKind) -> ValueId {
        self.values.push(Value { name, shape, kind });
        self.values.len() - 1
    }

    /// Declares a model input.
    pub fn add_input(&mut self, name: impl Into<String>, shape: Vec<usize>) -> ValueId {
        let id = self.push_value(name.into(), shape, ValueKind::Input);
        self.inputs.push(id);
        id
    }

    /// Adds a constant tensor.
    pub fn add_const(&mut self, name: impl Into<String>, value: FTensor) -> ValueId {
        let shape = value.shape().to_vec();
        self.push_value(name.into(), shape, ValueKind::Const(value))
    }

    /// Appends a node; its output value is named `output` and shaped by the op's rule.
    pub fn add_node(
        &mut self,
        name: impl Into<String>,
        op: Op,
        inputs: Vec<ValueId>,
        output: impl Into<String>,
    ) -> Result<ValueId> {
        let name = name.into();
        if let Some(&bad) = inputs.iter().find(|&&i| i >= self.values.len()) {
            return Err(Error::Graph(format!(
                "node `{name}` refers to undefined value #{bad}"
            )));
        }
        let shapes: Vec<&[usize]> = inputs
            .iter()
            .map(|&i| self.values[i].shape.as_slice())
            .collect();
        let shape = op.output_shape(&shapes).map_err(|reason| Error::Shape {
            node: name.clone(),
            op: op.name(),
            reason: format!("{reason} (input shapes {shapes:?})"),
        })?;
        let out = self.push_value(output.into(), shape, ValueKind::Node(self.nodes.len()));
        self.nodes.push(Node {
            name,
            op,
            inputs,
            output: out,
        });
        Ok(out)
    }

    /// Marks a value as a model output.
    pub fn add_output(&mut self, id: ValueId) {
        self.outputs.push(id);
    }

    /// The constant tensor of a value, if it is one.
    pub fn const_value(&self, id: ValueId) -> Option<&FTensor> {
        match &self.values[id].kind {
            ValueKind::Const(t) => Some(t),
            _ => None,
        }
    }

    /// The value named `name`.
    pub fn find(&self, name: &str) -> Option<ValueId> {
        self.values.iter().position(|v| v.name == name)
    }

    /// Removes nodes and constants that no output depends on, renumbering values.
    pub fn prune(&mut self) {
        let mut live = vec![false; self.values.len()];
        for &o in &self.outputs {
            live[o] = true;
        }
        for &i in &self.inputs {
            live[i] = true;
        }
        for node in self.nodes.iter().rev() {
            if live[node.output] {
                for &i in &node.inputs {
                    live[i] = true;
                }
            }
        }
        let mut remap = HashMap::new();
        let mut values = Vec::new();
        for (id, v) in self.values.iter().enumerate() {
            if live[id] {
                remap.insert(id, values.len());
                values.push(v.clone());
            }
        }
        let mut nodes = Vec::new();
        for node in &self.nodes {
            if live[node.output] {
                let out = remap[&node.output];
                values[out].kind = ValueKind::Node(nodes.len());
                nodes.push(Node {
                    name: node.name.clone(),
                    op: node.op.clone(),
                    inputs: node.inputs.iter().map(|i| remap[i]).collect(),
                    output: out,
                });
            }
        }
        self.inputs = self.inputs.iter().map(|i| remap[i]).collect();
        self.outputs = self.outputs.iter().map(|i| remap[i]).collect();
        self.values = values;
        self.nodes = nodes;
    }

    /// Total element count of the model inputs, per input.
    pub fn input_shapes(&self) -> Vec<&[usize]> {
        self.inputs
            .iter()
            .map(|&i| self.values[i].shape.as_slice())
            .collect()
    }
}
