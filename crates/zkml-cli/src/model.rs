//! Loading a model file of any supported format.

use std::path::Path;

use anyhow::{bail, Context, Result};
use zkml_core::{Graph, QuantConfig};

use crate::cli::QuantArgs;

/// The model formats zkml reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// ONNX protobuf.
    Onnx,
    /// The earlier zkml project's msgpack.
    Msgpack,
}

/// A loaded model and the quantization settings its format implies.
pub struct LoadedModel {
    /// The float graph.
    pub graph: Graph,
    /// Format it came from.
    pub format: Format,
    /// For msgpack models, their fixed global scale (the earlier zkml's `global_sf`).
    pub msgpack: Option<zkml_msgpack::MsgpackModel>,
}

impl LoadedModel {
    /// The format's quantization defaults (msgpack: one fixed scale).
    pub fn quant_config(&self) -> QuantConfig {
        match &self.msgpack {
            Some(m) => m.quant_config(),
            None => QuantConfig::default(),
        }
    }
}

impl Format {
    /// Human name of the format.
    pub fn name(self) -> &'static str {
        match self {
            Format::Onnx => "ONNX",
            Format::Msgpack => "zkml msgpack",
        }
    }
}

fn detect(path: &Path) -> Result<Format> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("onnx") => Ok(Format::Onnx),
        Some("msgpack") => Ok(Format::Msgpack),
        _ => bail!(
            "cannot tell the format of `{}`: name it *.onnx (ONNX) or *.msgpack (earlier zkml model)",
            path.display()
        ),
    }
}

/// Loads `path`, choosing the loader by extension. Symbolic input dimensions
/// of an ONNX model are sized by `--input-shape`, else by `data` (an input,
/// calibration or data-set file: its `"input_shapes"` and data lengths).
pub fn load(path: &Path, flags: &QuantArgs, data: Option<&Path>) -> Result<LoadedModel> {
    match detect(path)? {
        Format::Onnx => {
            let mut opts = match data {
                Some(d) => crate::inputs::shape_hints(d)?,
                None => zkml_onnx::LoadOptions::default(),
            };
            opts.named_shapes = flags
                .input_shape
                .iter()
                .map(|s| (s.name.clone(), s.dims.clone()))
                .collect();
            let graph = zkml_onnx::load_model_with(path, &opts)
                .with_context(|| format!("loading ONNX model `{}`", path.display()))?;
            Ok(LoadedModel {
                graph,
                format: Format::Onnx,
                msgpack: None,
            })
        }
        Format::Msgpack => {
            if !flags.input_shape.is_empty() {
                bail!("--input-shape applies to ONNX models; a zkml msgpack model's input shapes are fixed");
            }
            let m = zkml_msgpack::load_model(path)
                .with_context(|| format!("loading zkml msgpack model `{}`", path.display()))?;
            Ok(LoadedModel {
                graph: m.graph.clone(),
                format: Format::Msgpack,
                msgpack: Some(m),
            })
        }
    }
}
