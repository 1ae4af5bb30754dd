//! Errors of the core crate. Every variant names what went wrong and where,
//! so the CLI can print it as-is and the user can act on it.

use thiserror::Error;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong building, quantizing or executing a graph.
#[derive(Debug, Error)]
pub enum Error {
    /// An op was given inputs whose shapes it cannot accept.
    #[error("node `{node}` ({op}): {reason}")]
    Shape {
        /// Node name.
        node: String,
        /// Op name.
        op: &'static str,
        /// What is wrong, with the shapes involved.
        reason: String,
    },
    /// A model input has the wrong number of elements.
    #[error("input `{name}` expects {expected} values (shape {shape:?}) but {got} were given")]
    InputLength {
        /// Input name.
        name: String,
        /// Expected element count.
        expected: usize,
        /// Expected shape.
        shape: Vec<usize>,
        /// Given element count.
        got: usize,
    },
    /// The number of input tensors does not match the model's inputs.
    #[error("the model takes {expected} input tensor(s) but {got} were given")]
    InputCount {
        /// Model input count.
        expected: usize,
        /// Given count.
        got: usize,
    },
    /// An input value is NaN or infinite.
    #[error("input `{name}` holds a non-finite value ({value}) at flat index {index}")]
    NonFinite {
        /// Input name.
        name: String,
        /// Flat index of the bad value.
        index: usize,
        /// The value.
        value: f32,
    },
    /// An integer value left the range the backends will check.
    #[error(
        "tensor `{tensor}` (output of node `{node}`, {op}) reached {value} (≈{real:.4}), outside the \
         calibrated range [−{bound}−1, {bound}] at scale 2^-{scale}; calibrate with inputs that cover this one \
         (`--calibration FILE`) or lower the scale"
    )]
    OutOfRange {
        /// Tensor name.
        tensor: String,
        /// Producing node (or `input`).
        node: String,
        /// Producing op.
        op: &'static str,
        /// The offending integer.
        value: i64,
        /// Its real value.
        real: f64,
        /// The range is `[−bound − 1, bound]` ([`crate::QGraph::range`]).
        bound: i64,
        /// The tensor's scale exponent.
        scale: i32,
    },
    /// A graph is malformed (dangling reference, cycle, missing constant...).
    #[error("invalid graph: {0}")]
    Graph(String),
    /// Quantization cannot represent the model.
    #[error("cannot quantize node `{node}` ({op}): {reason}")]
    Quantize {
        /// Node name.
        node: String,
        /// Op name.
        op: &'static str,
        /// Why.
        reason: String,
    },
    /// A reveal index past the end of the outputs.
    #[error(
        "cannot reveal output index {index}: the outputs have {count} values (flat indices \
         0..={last}, all outputs concatenated in order, each row-major)",
        last = count.saturating_sub(1)
    )]
    RevealIndex {
        /// The index asked for.
        index: usize,
        /// Output values in all.
        count: usize,
    },
    /// A selective reveal that does not fit the model or the visibility.
    #[error("cannot reveal outputs: {0}")]
    Reveal(String),
    /// Cuts that do not split the graph into valid segments ([`crate::segment`]).
    #[error("cannot segment the model: {0}")]
    Segment(String),
    /// An integer op with no value on this input (a zero divisor, a
    /// zero-variance lane without ε).
    #[error("node `{node}` ({op}): {reason}")]
    NoValue {
        /// The node.
        node: String,
        /// The op.
        op: &'static str,
        /// What has no value, where, and the fix.
        reason: String,
    },
}
