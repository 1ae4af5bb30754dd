//! # zkml-msgpack
//!
//! Loads the earlier zkml project's msgpack models and inputs
//! (github.com/ddkang/zkml, `examples/*/model.msgpack`, `inp.msgpack`) into
//! zkml's float graph IR, so that quantizing with one fixed scale reproduces
//! zkml's integers.
//!
//! ```no_run
//! use zkml_core::{calibrate, quantize, exec::execute, float::shape_inputs};
//! let model = zkml_msgpack::load_model("examples/mnist/model.msgpack")?;
//! let input = zkml_msgpack::load_input("examples/mnist/inp.msgpack", &model)?;
//! let x = shape_inputs(&model.graph, &input)?;
//! let cal = calibrate(&model.graph, &[x.clone()])?;
//! let q = quantize(&model.graph, &cal, &model.quant_config())?;
//! let trace = execute(&q, &x)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Values
//! zkml stores every tensor as integers `q` at one scale factor
//! `global_sf = 2^s` (real = q / 2^s). The graph holds reals: every constant
//! is `q / global_sf` in f32, exact because `|q| ≤ 2^24` (larger values are
//! refused). [`MsgpackModel::quant_config`] fixes every tensor's scale to
//! `s`, so `zkml_core::quantize` turns each constant back into exactly `q`.
//!
//! ## Layout
//! Msgpack tensors are NHWC, conv weights OHWI; zkml-core's Conv and pools
//! are NCHW/OIHW. Weights are permuted at load time; activations are
//! transposed to NCHW before the first Conv/pool and back before any layer
//! that depends on the layout (see `builder.rs`). Model inputs and outputs
//! keep the msgpack layout and shapes.
//!
//! Value names: msgpack tensor `idx` is the graph value `t{idx}` (msgpack
//! layout) or `t{idx}.nchw` (stored NCHW, see [`NCHW_SUFFIX`]); nodes are
//! named `L{layer index}.{layer type}`.
//!
//! ## Integer agreement with zkml
//! | layer | zkml | zkml-core | same integers |
//! | --- | --- | --- | --- |
//! | Conv2D, FullyConnected | `rdiv(Σx·w, sf) + b`, then ReLU/ReLU6 | `rshift(Σx·w + b·sf, s)`, Relu/Clip | yes |
//! | Mul, Square, SquaredDifference | `rdiv(a·b, sf)` | `rshift(a·b, s)` | yes |
//! | Add, Sub | exact | exact (align 0) | yes |
//! | AveragePool2D, Mean | `rdiv(Σ, count)` | `rdiv(Σ, count)` | yes |
//! | MaxPool2D, shape layers | exact | exact | yes |
//! | Logistic, Tanh | `round(f(q/sf)·sf)` | `⌊f(q/2^s)·2^s + ½⌋` | yes |
//! | Softmax | `rdiv(e_i, rdiv(Σe, sf))`, `e` at scale `2s` | `rdiv(e_i·2^s, Σe)`, `e` at scale `s` | no (≈1/sf) |
//!
//! `rdiv(a, b) = ⌊(2a + b) / 2b⌋` is `zkml_core::rounding::rdiv`, the rule of
//! zkml's `VarDivRound` and `BiasDivRoundRelu6` gadgets.
//!
//! Only layers whose outputs reach a model output are converted;
//! shape-computing side graphs (TFLite `Shape`→`Pack`→`Reshape` operands)
//! are skipped because Reshape/Transpose/Mean/Pad read their shapes from
//! `out_shapes`/`params`, as zkml does.

mod builder;
pub mod error;
pub mod format;
mod layers;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use zkml_core::{Graph, QuantConfig};

pub use builder::NCHW_SUFFIX;
use builder::{to_real, to_shape, Builder};
pub use error::MsgpackError;
use format::{LayerFile, ModelFile, TensorFile};
pub use layers::{is_supported, SUPPORTED_LAYERS};

/// A loaded msgpack model.
#[derive(Clone, Debug, PartialEq)]
pub struct MsgpackModel {
    /// The float graph (inputs and outputs in msgpack layout).
    pub graph: Graph,
    /// `log2(global_sf)`: the scale exponent of every tensor.
    pub global_scale: i32,
    /// The msgpack tensor index of each graph input, in order.
    pub input_idxes: Vec<i64>,
    /// The msgpack tensor index of each graph output, in order.
    pub output_idxes: Vec<i64>,
}

impl MsgpackModel {
    /// The quantizer settings that reproduce zkml's integers: every tensor at
    /// scale `global_scale`.
    pub fn quant_config(&self) -> QuantConfig {
        QuantConfig {
            fixed_scale: Some(self.global_scale),
            ..Default::default()
        }
    }

    /// zkml's `global_sf` (= 2^`global_scale`).
    pub fn global_sf(&self) -> i64 {
        1i64 << self.global_scale
    }
}

fn read(path: &Path) -> Result<Vec<u8>, MsgpackError> {
    std::fs::read(path).map_err(|source| MsgpackError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Loads a model file (`model.msgpack`).
pub fn load_model(path: impl AsRef<Path>) -> Result<MsgpackModel, MsgpackError> {
    load_model_bytes(&read(path.as_ref())?)
}

/// Loads a model from msgpack bytes.
pub fn load_model_bytes(bytes: &[u8]) -> Result<MsgpackModel, MsgpackError> {
    let file = format::decode_model(bytes).map_err(|source| MsgpackError::Decode {
        what: "model",
        source,
    })?;
    convert_model(&file)
}

/// Layers whose outputs reach a model output (indices into `layers`).
fn live_layers(file: &ModelFile) -> Vec<usize> {
    let mut live: HashSet<i64> = file.out_idxes.iter().copied().collect();
    let mut out = Vec::new();
    for (i, l) in file.layers.iter().enumerate().rev() {
        if l.out_idxes.iter().any(|o| live.contains(o)) {
            out.push(i);
            live.extend(layers::data_inputs(l));
        }
    }
    out.reverse();
    out
}

/// Tensor indices the `live` layers read that no layer writes, no constant
/// holds and no model input names, in first-read order: where a model file's
/// input really is when its `inp_idxes` names a tensor nothing reads.
fn undefined_reads(file: &ModelFile, live: &[usize]) -> Vec<i64> {
    let consts: HashSet<i64> = file.tensors.iter().map(|t| t.idx).collect();
    let mut defined: HashSet<i64> = file.inp_idxes.iter().copied().collect();
    let mut out = vec![];
    for &i in live {
        let l = &file.layers[i];
        for r in layers::data_inputs(l) {
            if !defined.contains(&r) && !consts.contains(&r) && !out.contains(&r) {
                out.push(r);
            }
        }
        defined.extend(l.out_idxes.iter().copied());
    }
    out
}

/// The declared shape of tensor `idx`, from the first layer that reads it.
fn declared_shape<'a>(
    mut layers: impl Iterator<Item = &'a LayerFile>,
    idx: i64,
) -> Option<&'a [i64]> {
    layers.find_map(|l| {
        l.inp_idxes
            .iter()
            .position(|&i| i == idx)
            .and_then(|p| l.inp_shapes.get(p))
            .map(|s| s.as_slice())
    })
}

/// Converts a decoded model file into a [`MsgpackModel`].
pub fn convert_model(file: &ModelFile) -> Result<MsgpackModel, MsgpackError> {
    let sf = file.global_sf;
    if sf <= 0 || sf.count_ones() != 1 || sf > 1 << 30 {
        return Err(MsgpackError::Model(format!(
            "global_sf must be a power of two in [1, 2^30], got {sf}"
        )));
    }
    let global_scale = sf.trailing_zeros() as i32;
    if file.out_idxes.is_empty() {
        return Err(MsgpackError::Model("out_idxes is empty".into()));
    }
    let mut consts: HashMap<i64, &TensorFile> = HashMap::new();
    for t in &file.tensors {
        if consts.insert(t.idx, t).is_some() {
            return Err(MsgpackError::Tensor {
                idx: t.idx,
                reason: "defined twice in `tensors`".into(),
            });
        }
    }

    let live = live_layers(file);
    let unsupported: Vec<(usize, String)> = live
        .iter()
        .map(|&i| (i, &file.layers[i].layer_type))
        .filter(|(_, t)| !is_supported(t))
        .map(|(i, t)| (i, t.clone()))
        .collect();
    if !unsupported.is_empty() {
        return Err(MsgpackError::Unsupported {
            layers: unsupported,
        });
    }

    let default_layer = LayerFile::default();
    let mut b = Builder::new(sf, consts, file.layers.first().unwrap_or(&default_layer));
    for &idx in &file.inp_idxes {
        let shape = declared_shape(live.iter().map(|&i| &file.layers[i]), idx)
            .or_else(|| declared_shape(file.layers.iter(), idx))
            .ok_or_else(|| {
                let orphans = undefined_reads(file, &live);
                let hint = if orphans.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; the layers read tensor(s) {orphans:?}, which no layer, constant or \
                         input defines: if the input is one of those, fix the model's `inp_idxes`"
                    )
                };
                MsgpackError::Model(format!(
                    "no layer reads model input {idx}, so its shape is unknown{hint}"
                ))
            })?;
        let shape = to_shape(shape).map_err(|reason| MsgpackError::Tensor { idx, reason })?;
        b.add_input(idx, shape)?;
    }
    for &i in &live {
        b.begin(i, &file.layers[i]);
        layers::convert(&mut b)?;
    }
    for &idx in &file.out_idxes {
        let slot = match b.defined(idx) {
            Some(s) => s,
            None if b.has_const(idx) => b.value(idx)?,
            None => {
                return Err(MsgpackError::Model(format!(
                    "model output {idx} is produced by no layer"
                )))
            }
        };
        let id = b.native(slot)?;
        b.g.add_output(id);
    }
    let mut graph = b.g;
    graph.prune();
    Ok(MsgpackModel {
        graph,
        global_scale,
        input_idxes: file.inp_idxes.clone(),
        output_idxes: file.out_idxes.clone(),
    })
}

/// Loads an input file (`inp.msgpack`: a list of `{idx, shape, data}`) for
/// `model`: one flattened, row-major list of **real** values (`q / global_sf`)
/// per model input, matched by tensor index, in the model's input order.
/// Tensors the model does not read are ignored.
pub fn load_input(
    path: impl AsRef<Path>,
    model: &MsgpackModel,
) -> Result<Vec<Vec<f32>>, MsgpackError> {
    load_input_bytes(&read(path.as_ref())?, model)
}

/// [`load_input`] from msgpack bytes.
pub fn load_input_bytes(bytes: &[u8], model: &MsgpackModel) -> Result<Vec<Vec<f32>>, MsgpackError> {
    let tensors = format::decode_input(bytes).map_err(|source| MsgpackError::Decode {
        what: "input",
        source,
    })?;
    let sf = model.global_sf();
    model
        .input_idxes
        .iter()
        .enumerate()
        .map(|(position, &idx)| {
            let t = tensors.iter().find(|t| t.idx == idx).ok_or_else(|| {
                MsgpackError::MissingInput {
                    idx,
                    position,
                    available: tensors.iter().map(|t| t.idx).collect(),
                }
            })?;
            let err = |reason: String| MsgpackError::Tensor { idx, reason };
            let want = &model.graph.values[model.graph.inputs[position]].shape;
            let got = to_shape(&t.shape).map_err(err)?;
            if &got != want || t.data.len() != want.iter().product::<usize>() {
                return Err(err(format!(
                    "input has shape {:?} with {} values; the model expects shape {want:?}",
                    t.shape,
                    t.data.len()
                )));
            }
            t.data
                .iter()
                .map(|&q| {
                    to_real(q, sf).ok_or_else(|| {
                        err(format!(
                            "value {q} exceeds ±2^24 and cannot be represented exactly in f32"
                        ))
                    })
                })
                .collect()
        })
        .collect()
}
