//! Errors of the msgpack loader. Each names the file, layer (index and type)
//! or tensor index at fault, so the user can find it in the model.

use std::path::PathBuf;

use thiserror::Error;

/// What can go wrong loading a msgpack model or input.
#[derive(Debug, Error)]
pub enum MsgpackError {
    /// The file cannot be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The bytes are not a msgpack document of the expected schema
    /// (truncated, corrupted, or another kind of file).
    #[error("not a valid zkml msgpack {what} file: {source}")]
    Decode {
        /// `model` or `input`.
        what: &'static str,
        /// The decoder's message.
        source: rmp_serde::decode::Error,
    },
    /// A model-level field is invalid.
    #[error("invalid model: {0}")]
    Model(String),
    /// A tensor is malformed or cannot be represented exactly.
    #[error("tensor {idx}: {reason}")]
    Tensor {
        /// The tensor index.
        idx: i64,
        /// What is wrong.
        reason: String,
    },
    /// A layer's parameters, inputs or shapes are invalid.
    #[error("layer {index} ({layer_type}): {reason}")]
    Layer {
        /// Position in `layers`.
        index: usize,
        /// The layer's type.
        layer_type: String,
        /// What is wrong.
        reason: String,
    },
    /// Layers whose type this loader does not convert (all of them, at once).
    #[error(
        "{} layer(s) of unsupported type: {}; supported types are {}",
        .layers.len(),
        .layers.iter().map(|(i, t)| format!("#{i} {t}")).collect::<Vec<_>>().join(", "),
        crate::SUPPORTED_LAYERS.join(", ")
    )]
    Unsupported {
        /// `(layer index, layer type)` of each unsupported layer.
        layers: Vec<(usize, String)>,
    },
    /// The input file lacks a tensor the model reads.
    #[error("input file has no tensor with idx {idx} (model input #{position}); it holds idx {available:?}")]
    MissingInput {
        /// The model input's tensor index.
        idx: i64,
        /// Its position among the model inputs.
        position: usize,
        /// The indices the file holds.
        available: Vec<i64>,
    },
}

impl MsgpackError {
    pub(crate) fn layer(index: usize, layer_type: &str, reason: impl Into<String>) -> Self {
        MsgpackError::Layer {
            index,
            layer_type: layer_type.to_string(),
            reason: reason.into(),
        }
    }
}
