//! The loader's error type. Every variant names what is wrong and where (node,
//! op type, attribute, input) and, where there is one, what to do about it.

use std::path::PathBuf;

use thiserror::Error;

/// What can go wrong loading an ONNX model or tensor.
#[derive(Debug, Error)]
pub enum OnnxError {
    /// The file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a (complete) ONNX protobuf message.
    #[error(
        "cannot decode the {what}: {reason}; check that the file is a complete ONNX {what} \
         (not truncated, not another format)"
    )]
    Decode {
        /// `model` or `tensor`.
        what: &'static str,
        /// The decoder's complaint.
        reason: String,
    },
    /// Op types (or uses of them) the loader cannot map, listed all at once.
    #[error(
        "the model uses {} node(s) the loader does not support: {}; replace them (e.g. re-export \
         with a supported op set) or remove them from the model (shape-computation ops such as \
         Range, ConstantOfShape, Cast to an integer are supported only on constant inputs)",
        nodes.len(),
        fmt_nodes(nodes)
    )]
    Unsupported {
        /// `(node name, op type)` of every unsupported node.
        nodes: Vec<(String, String)>,
    },
    /// An attribute is missing, has the wrong type, or an unsupported value.
    #[error("node `{node}` ({op}): attribute `{attribute}`: {reason}")]
    Attribute {
        /// Node name.
        node: String,
        /// Op type.
        op: String,
        /// Attribute name.
        attribute: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// A node cannot be loaded as used (a runtime value where a constant is
    /// required, an unsupported mode, a used optional output, a bad shape).
    #[error("node `{node}` ({op}): {reason}")]
    Node {
        /// Node name.
        node: String,
        /// Op type.
        op: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// A tensor (initializer, constant, test data) cannot be converted.
    #[error("tensor `{name}`: {reason}")]
    Tensor {
        /// Tensor name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A graph input has a symbolic dimension that no given shape binds.
    #[error(
        "graph input `{input}` has symbolic dimension {dim} (`{symbol}`) in its declared shape \
         {declared} and no size is given for it; give the input's full shape, e.g. \
         `--input-shape {input}={example}` on the zkml command line (N: the size you want), or \
         \"input_shapes\": [[...]] (one shape per input) in the input file"
    )]
    SymbolicDim {
        /// The graph input.
        input: String,
        /// Index of the unbound dimension.
        dim: usize,
        /// Its symbol (`dim_param`), or `?` when unnamed.
        symbol: String,
        /// The declared shape, e.g. `[batch, 3, ?, ?]`.
        declared: String,
        /// A `--input-shape` value with the unbound dimensions as `N`.
        example: String,
    },
    /// A shape given for a graph input does not fit the model.
    #[error("input shape for `{input}`: {reason}")]
    InputShape {
        /// The graph input (or the name given for it).
        input: String,
        /// What is wrong.
        reason: String,
    },
    /// The graph structure is invalid (undefined value, missing input shape...).
    #[error("invalid model: {0}")]
    Model(String),
    /// The graph IR refused a node.
    #[error(transparent)]
    Graph(#[from] zkml_core::Error),
}

/// Every node when there are few; else a count per op type (in order of
/// first appearance) and the first few nodes, so that a model with hundreds
/// of unsupported nodes gets a readable error.
fn fmt_nodes(nodes: &[(String, String)]) -> String {
    const LIST: usize = 12;
    let list = |ns: &[(String, String)]| {
        ns.iter()
            .map(|(n, op)| format!("`{n}` ({op})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if nodes.len() <= LIST {
        return list(nodes);
    }
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for (_, op) in nodes {
        match counts.iter_mut().find(|(o, _)| *o == op) {
            Some((_, c)) => *c += 1,
            None => counts.push((op, 1)),
        }
    }
    let by_op = counts
        .iter()
        .map(|(op, c)| format!("{op} ×{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{by_op} (the first {LIST}: {}, and {} more)",
        list(&nodes[..LIST]),
        nodes.len() - LIST
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_unsupported_nodes_are_counted_per_op() {
        let nodes: Vec<(String, String)> = (0..30)
            .map(|i| {
                (
                    format!("n{i}"),
                    if i % 3 == 0 { "Foo" } else { "Bar" }.to_string(),
                )
            })
            .collect();
        let msg = OnnxError::Unsupported { nodes }.to_string();
        assert!(msg.contains("30 node(s)"), "{msg}");
        assert!(msg.contains("Foo ×10, Bar ×20"), "{msg}");
        assert!(
            msg.contains("`n11` (Bar)") && !msg.contains("`n12`"),
            "{msg}"
        );
        assert!(msg.contains("and 18 more"), "{msg}");
        let few = OnnxError::Unsupported {
            nodes: vec![("a".into(), "Foo".into()), ("b".into(), "Bar".into())],
        }
        .to_string();
        assert!(few.contains("`a` (Foo), `b` (Bar);"), "{few}");
    }
}
