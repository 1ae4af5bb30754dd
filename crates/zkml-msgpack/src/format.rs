//! The msgpack schema of the earlier zkml project (`src/utils/loader.rs` there).
//!
//! A model file is a map; a field not listed here (`commit`, `use_selectors`,
//! `commit_before`, …) is ignored. An input file is a list of [`TensorFile`]s.
//! Every number is an integer: tensor data are fixed-point values at the
//! model's single scale `global_sf` (real = q / global_sf).
//!
//! The types derive `Serialize` too, so tests and tools can write models
//! (`rmp_serde::to_vec_named`).

use serde::{Deserialize, Serialize};

/// A model (`model.msgpack`) or a layer description (`config.msgpack`, no tensors).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// The scale factor of every tensor: real = q / `global_sf`; a power of two.
    pub global_sf: i64,
    /// log2 of the circuit's row count in the earlier project (informational).
    #[serde(default)]
    pub k: Option<i64>,
    /// Advice columns in the earlier project (informational).
    #[serde(default)]
    pub num_cols: Option<i64>,
    /// Tensor indices of the model inputs, in order.
    pub inp_idxes: Vec<i64>,
    /// Tensor indices of the model outputs, in order.
    pub out_idxes: Vec<i64>,
    /// Constant tensors (weights, biases, shape operands).
    #[serde(default)]
    pub tensors: Vec<TensorFile>,
    /// Layers in execution order.
    pub layers: Vec<LayerFile>,
}

/// A tensor: its index, NHWC (row-major) shape and fixed-point data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TensorFile {
    /// Index, unique in the model.
    pub idx: i64,
    /// Shape.
    pub shape: Vec<i64>,
    /// Row-major values at scale `global_sf`.
    pub data: Vec<i64>,
}

/// A layer: type name (TFLite's), integer parameters, inputs and outputs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LayerFile {
    /// E.g. `Conv2D`, `AveragePool2D`, `Add`.
    pub layer_type: String,
    /// Type-specific parameters (see the layer converters).
    #[serde(default)]
    pub params: Vec<i64>,
    /// Input tensor indices.
    pub inp_idxes: Vec<i64>,
    /// Input shapes.
    #[serde(default)]
    pub inp_shapes: Vec<Vec<i64>>,
    /// Output tensor indices.
    pub out_idxes: Vec<i64>,
    /// Output shapes.
    #[serde(default)]
    pub out_shapes: Vec<Vec<i64>>,
    /// Unused by the layers this crate converts.
    #[serde(default)]
    pub mask: Vec<i64>,
}

/// Decodes a model file.
pub fn decode_model(bytes: &[u8]) -> Result<ModelFile, rmp_serde::decode::Error> {
    rmp_serde::from_slice(bytes)
}

/// Decodes an input file.
pub fn decode_input(bytes: &[u8]) -> Result<Vec<TensorFile>, rmp_serde::decode::Error> {
    rmp_serde::from_slice(bytes)
}
