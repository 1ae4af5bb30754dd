//! # zkml-onnx
//!
//! Loads ONNX models (default domain, opsets 7–21; older files load where
//! their ops did not change) into the [`zkml_core::Graph`] IR, and ONNX
//! `TensorProto` files (the node-test `input_0.pb`) into tensors.
//!
//! What loading does:
//! * Graph inputs that are not initializers become [`Graph::add_input`] with
//!   static shapes. A symbolic or unknown dimension (the batch, an image's
//!   height and width) must be bound by [`LoadOptions`]: a shape given per
//!   input by name or by position, or the input's element count (which binds
//!   one symbolic dimension); an unbound one is an [`OnnxError::SymbolicDim`]
//!   naming the input and the dimension. Initializers become constants.
//! * Every attribute gets the ONNX default for the model's opset; attributes
//!   that became inputs (Clip bounds, Reshape shape, Pad pads, Squeeze /
//!   Unsqueeze / ReduceSum / ReduceMean axes) are read from wherever the opset
//!   puts them, and must be constant.
//! * Ops are normalised into the IR op set: Gemm → MatMul (+ Mul, Add),
//!   Div by a constant → Mul by its reciprocal (by a run-time tensor the
//!   exact `Op::Div`), Flatten / Squeeze /
//!   Unsqueeze → Reshape, Identity / Dropout disappear, GlobalAveragePool →
//!   ReduceMean, BatchNormalization → Mul + Add folded into the preceding
//!   Conv or MatMul where that output has no other consumer; LayerNorm
//!   spelled out (ReduceMean, Sub, Pow 2, ReduceMean, Add ε, Sqrt, Div) →
//!   one exact `Op::Standardize` (`fuse_norm`).
//! * Any node whose inputs are all constant is evaluated at load time, and
//!   `Shape` reads static shapes, so exporters' shape subgraphs fold away.
//! * Unsupported op types anywhere in the model are reported together in one
//!   [`OnnxError::Unsupported`]; malformed bytes give [`OnnxError::Decode`],
//!   never a panic.
//!
//! Supported ONNX ops (default domain):
//!
//! | family | ops |
//! | --- | --- |
//! | arithmetic | MatMul, Gemm, Add, Sub, Mul, Div, Neg, Sum, Pow (by a constant), Max, Min, Abs, Floor, Ceil, Round, Sign, Mod (by a constant) |
//! | comparison and logic | Less, Greater, LessOrEqual, GreaterOrEqual, Equal, Not, And, Or, Xor, Where |
//! | activations | Relu, LeakyRelu, PRelu, Clip, Softmax, LogSoftmax, Hardmax, Shrink |
//! | table functions (one IR op, `Op::Table`) | Sigmoid, Tanh, Exp, Log, Sqrt, Reciprocal, Erf, Gelu, Softplus, Softsign, Elu, Selu, Celu, Mish, HardSigmoid, HardSwish, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh |
//! | nn | Conv (1-D, 2-D, 3-D; groups, dilations, `auto_pad`), MaxPool, AveragePool (1-D, 2-D, 3-D), GlobalAveragePool, GlobalMaxPool, BatchNormalization (inference) |
//! | data movement | Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat, Pad (constant mode), Expand, Identity, Dropout (inference); Slice (any steps), Gather (constant indices), Split, Tile as one index-map op (`Op::Gather`) |
//! | reductions and selections | ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSumExp, ArgMax, ArgMin (`select_last_index`), TopK (constant `k`; values and indices as two IR nodes) |
//! | normalization (`Op::Standardize` + Mul + Add; Lp: `Op::Div`) | LayerNormalization, InstanceNormalization, GroupNormalization, MeanVarianceNormalization, LpNormalization, LRN |
//! | recurrent (unrolled into the ops above) | LSTM, GRU, RNN |
//! | ONNX-ML domain (`ai.onnx.ml`, expanded into the ops above) | TreeEnsembleClassifier, TreeEnsembleRegressor, TreeEnsemble, LinearClassifier, LinearRegressor, SVMClassifier, SVMRegressor, Scaler, Normalizer, Binarizer, Imputer, OneHotEncoder, ArrayFeatureExtractor, FeatureVectorizer, ZipMap (the score tensor) |
//! | load-time only | Constant, Shape, Size, Cast and CastLike (to float on run-time values; Cast also to int32/int64 by truncation and to bool), and on constant inputs: Range, ConstantOfShape |
//!
//! Graph inputs are float (float32, float16, bfloat16, double), integer or
//! boolean tensors. Integer and boolean values are carried as their exact
//! values; ops that would compute on them with integer semantics (Div, Mod,
//! ReduceMean, Conv, …) are refused by name rather than computed on reals (see
//! `int_values`).
//!
//! The ONNX messages are hand-written `prost` structs ([`proto`]): no protoc,
//! no build script.

pub mod error;
mod fold;
mod fuse_norm;
mod input_shapes;
mod int_values;
mod loader;
mod ops;
pub mod proto;
mod tensor;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use prost::Message;
use zkml_core::{FTensor, Graph};

pub use error::OnnxError;
pub use input_shapes::LoadOptions;

use loader::{Ctx, Val};
use ops::NodeCtx;
use proto::{data_type as dt, tensor_shape_proto::dimension, type_proto, ModelProto, TensorProto};
use tensor::{checked_shape, konst_from_proto};

/// Loads an ONNX model file whose graph inputs have static shapes (see
/// [`load_model_with`] for symbolic ones). Tensors stored as external data
/// are read relative to the model's folder.
pub fn load_model(path: &Path) -> Result<Graph, OnnxError> {
    load_model_with(path, &LoadOptions::default())
}

/// Loads an ONNX model file, sizing symbolic input dimensions from `opts`.
pub fn load_model_with(path: &Path, opts: &LoadOptions) -> Result<Graph, OnnxError> {
    let bytes = std::fs::read(path).map_err(|source| OnnxError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    load(&bytes, path.parent(), opts)
}

/// Loads an ONNX model from its serialized bytes (static input shapes).
pub fn load_model_bytes(bytes: &[u8]) -> Result<Graph, OnnxError> {
    load(bytes, None, &LoadOptions::default())
}

/// Loads an ONNX model from its serialized bytes, sizing symbolic input
/// dimensions from `opts`.
pub fn load_model_bytes_with(bytes: &[u8], opts: &LoadOptions) -> Result<Graph, OnnxError> {
    load(bytes, None, opts)
}

/// The graph inputs (those that are not initializers) of a serialized model,
/// in order, with their declared shapes as `[batch, 3, ?, ?]`: what a shape
/// for [`LoadOptions`] must match.
pub fn declared_inputs(bytes: &[u8]) -> Result<Vec<(String, String)>, OnnxError> {
    let model = ModelProto::decode(bytes).map_err(|e| decode_err(e.to_string()))?;
    let g = model
        .graph
        .as_ref()
        .ok_or_else(|| decode_err("the model has no graph"))?;
    let inits: HashSet<&str> = g.initializer.iter().map(|t| t.name.as_str()).collect();
    g.input
        .iter()
        .filter(|vi| !inits.contains(vi.name.as_str()))
        .map(|vi| {
            Ok((
                vi.name.clone(),
                input_shapes::fmt_declared(&declared_dims(vi)?),
            ))
        })
        .collect()
}

/// Reads a serialized `TensorProto` file (as the ONNX node tests'
/// `input_0.pb`): its name and its values as `f32` (float, double, float16,
/// bfloat16, bool and integer types are converted).
pub fn load_tensor(path: &Path) -> Result<(String, FTensor), OnnxError> {
    let bytes = std::fs::read(path).map_err(|source| OnnxError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    load_tensor_inner(&bytes, path.parent())
}

/// Reads a serialized `TensorProto` from bytes; see [`load_tensor`].
pub fn load_tensor_bytes(bytes: &[u8]) -> Result<(String, FTensor), OnnxError> {
    load_tensor_inner(bytes, None)
}

fn load_tensor_inner(bytes: &[u8], base: Option<&Path>) -> Result<(String, FTensor), OnnxError> {
    let tp = TensorProto::decode(bytes).map_err(|e| OnnxError::Decode {
        what: "tensor",
        reason: e.to_string(),
    })?;
    if tp.data_type == proto::data_type::UNDEFINED {
        return Err(OnnxError::Decode {
            what: "tensor",
            reason: "no data type (an empty or non-tensor message)".into(),
        });
    }
    let k = konst_from_proto(&tp, base)?;
    Ok((tp.name.clone(), k.to_f32()))
}

fn decode_err(reason: impl Into<String>) -> OnnxError {
    OnnxError::Decode {
        what: "model",
        reason: reason.into(),
    }
}

fn load(bytes: &[u8], base: Option<&Path>, opts: &LoadOptions) -> Result<Graph, OnnxError> {
    let model = ModelProto::decode(bytes).map_err(|e| decode_err(e.to_string()))?;
    let g = model
        .graph
        .as_ref()
        .ok_or_else(|| decode_err("the model has no graph"))?;
    let opset = model
        .opset_import
        .iter()
        .filter(|o| o.domain.is_empty() || o.domain == "ai.onnx")
        .map(|o| o.version)
        .max();

    // 1. Every unsupported op type, reported at once.
    let registry = ops::registry();
    let ml_registry = ops::ml_registry();
    let is_default = |n: &proto::NodeProto| n.domain.is_empty() || n.domain == "ai.onnx";
    let handler_of = |n: &proto::NodeProto| {
        if is_default(n) {
            registry.get(n.op_type.as_str()).copied()
        } else if n.domain == ops::ml::DOMAIN {
            ml_registry.get(n.op_type.as_str()).copied()
        } else {
            None
        }
    };
    let node_name = |i: usize, n: &proto::NodeProto| {
        if n.name.is_empty() {
            format!("{}_{i}", n.op_type)
        } else {
            n.name.clone()
        }
    };
    let unsupported: Vec<(String, String)> = g
        .node
        .iter()
        .enumerate()
        .filter(|(_, n)| handler_of(n).is_none())
        .map(|(i, n)| {
            let op = if is_default(n) {
                n.op_type.clone()
            } else {
                format!("{}::{}", n.domain, n.op_type)
            };
            (node_name(i, n), op)
        })
        .collect();
    if !unsupported.is_empty() {
        return Err(OnnxError::Unsupported { nodes: unsupported });
    }

    // A model of ONNX-ML nodes alone may import no default opset; its
    // version then matters to no node.
    let opset = match opset {
        Some(v) => v,
        None if g.node.iter().all(|n| n.domain == ops::ml::DOMAIN) => 21,
        None => {
            return Err(decode_err(
                "the model imports no version of the default (ai.onnx) opset",
            ))
        }
    };

    // 2. Names and consumer counts.
    let mut names = HashSet::new();
    let mut uses: HashMap<String, usize> = HashMap::new();
    for n in &g.node {
        for i in n.input.iter().filter(|i| !i.is_empty()) {
            *uses.entry(i.clone()).or_default() += 1;
        }
        names.extend(n.output.iter().cloned());
    }
    for o in &g.output {
        *uses.entry(o.name.clone()).or_default() += 1;
    }
    names.extend(g.input.iter().map(|v| v.name.clone()));
    names.extend(g.initializer.iter().map(|t| t.name.clone()));
    let mut ctx = Ctx::new(names, uses);

    // 3. Initializers and inputs.
    let mut vals: HashMap<String, Val> = HashMap::new();
    // ONNX element types of constants by name (initializers, `Constant`
    // outputs), for the ops whose meaning depends on them.
    let mut elem_types: HashMap<String, i32> = HashMap::new();
    for t in &g.initializer {
        elem_types.insert(t.name.clone(), t.data_type);
        let k = konst_from_proto(t, base)?;
        vals.insert(t.name.clone(), Val::named_konst(k, &t.name));
    }
    // An initializer listed as input (IR < 4) is a constant.
    let graph_inputs: Vec<&proto::ValueInfoProto> = g
        .input
        .iter()
        .filter(|vi| !vals.contains_key(&vi.name))
        .collect();
    let declared = graph_inputs
        .iter()
        .map(|vi| {
            Ok(input_shapes::Declared {
                name: &vi.name,
                dims: declared_dims(vi)?,
            })
        })
        .collect::<Result<Vec<_>, OnnxError>>()?;
    let shapes = input_shapes::resolve(&declared, opts)?;
    // Run-time integer or boolean values: name -> ONNX element type (see
    // `int_values`).
    let mut int_vals: HashMap<String, i32> = HashMap::new();
    for (vi, shape) in graph_inputs.into_iter().zip(shapes) {
        if int_values::is_int_type(elem_type(vi)) {
            int_vals.insert(vi.name.clone(), elem_type(vi));
        }
        let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        let shape = checked_shape(&dims, &vi.name)?.0;
        let name = ctx.claim(&vi.name);
        let id = ctx.graph.add_input(name, shape);
        vals.insert(vi.name.clone(), Val::Dyn(id));
    }

    // 4. Nodes, in order. Ops supported only on constants that meet run-time
    // values are collected (their outputs poisoned) and reported together.
    let mut deferred: Vec<(String, String)> = Vec::new();
    let mut poisoned: HashSet<&str> = HashSet::new();
    for (idx, n) in g.node.iter().enumerate() {
        let name = node_name(idx, n);
        if n.input.iter().any(|i| poisoned.contains(i.as_str())) {
            poisoned.extend(n.output.iter().map(String::as_str));
            continue;
        }
        let inputs = n
            .input
            .iter()
            .map(|i| {
                if i.is_empty() {
                    return Ok(None);
                }
                vals.get(i).cloned().map(Some).ok_or_else(|| {
                    OnnxError::Model(format!(
                        "node `{name}` ({}) reads `{i}`, which no input, initializer or earlier \
                         node defines (are the nodes topologically sorted?)",
                        n.op_type
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let types: Vec<Option<i32>> = n.input.iter().map(|i| int_vals.get(i).copied()).collect();
        let mut out_type = int_values::result_type(&n.op_type);
        if types.iter().any(Option::is_some) {
            match int_values::rule(n, &name, &types)? {
                int_values::IntRule::Identity { to } => {
                    if let (Some(o), Some(Some(v))) = (n.output.first(), inputs.first()) {
                        vals.insert(o.clone(), v.clone());
                        int_vals.insert(o.clone(), to);
                    }
                    continue;
                }
                int_values::IntRule::Load { out_type: t } => out_type = out_type.or(t),
            }
        }
        if n.op_type == "Constant" {
            if let (Some(o), Some(t)) = (n.output.first(), constant_type(n)) {
                elem_types.insert(o.clone(), t);
            }
        }
        let nctx = NodeCtx {
            name,
            proto: n,
            inputs,
            opset,
            base,
            elem_types: &elem_types,
            int_types: &int_vals,
        };
        let handler = handler_of(n).expect("checked above");
        match handler(&mut ctx, &nctx) {
            Ok(outs) => {
                for (k, (o, v)) in n.output.iter().zip(outs).enumerate() {
                    if !o.is_empty() {
                        let t = int_values::output_type(n, k).or(out_type);
                        if let (Some(t), Val::Dyn(_)) = (t, &v) {
                            int_vals.insert(o.clone(), t);
                        }
                        vals.insert(o.clone(), v);
                    }
                }
            }
            Err(OnnxError::Unsupported { nodes }) => {
                deferred.extend(nodes);
                poisoned.extend(n.output.iter().map(String::as_str));
            }
            Err(e) => return Err(e),
        }
    }
    if !deferred.is_empty() {
        return Err(OnnxError::Unsupported { nodes: deferred });
    }

    // 5. Outputs.
    for o in &g.output {
        let v = vals.get(&o.name).ok_or_else(|| {
            OnnxError::Model(format!(
                "graph output `{}` is not computed by any node",
                o.name
            ))
        })?;
        let id = ctx.materialize_output(v, &o.name);
        ctx.name_output(id, &o.name);
        ctx.graph.add_output(id);
    }
    let mut graph = ctx.graph;
    fuse_norm::fuse_layer_norm(&mut graph);
    fold::fold_affine(&mut graph);
    graph.prune();
    Ok(graph)
}

/// The ONNX element type of a graph input (`UNDEFINED` when not a tensor).
fn elem_type(vi: &proto::ValueInfoProto) -> i32 {
    match vi.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(type_proto::Value::TensorType(t)) => t.elem_type,
        _ => dt::UNDEFINED,
    }
}

/// The declared dimensions of a graph input, after checking that it is a
/// float, integer or boolean tensor with a shape.
fn declared_dims(vi: &proto::ValueInfoProto) -> Result<Vec<input_shapes::Dim>, OnnxError> {
    use input_shapes::Dim;
    let missing = || {
        OnnxError::Model(format!(
            "graph input `{}` has no tensor shape; export the model with input shapes \
             (e.g. torch.onnx.export(..., input_names=..., dynamic_axes=None))",
            vi.name
        ))
    };
    let Some(type_proto::Value::TensorType(t)) = vi.r#type.as_ref().and_then(|t| t.value.as_ref())
    else {
        return Err(missing());
    };
    if !(matches!(
        t.elem_type,
        dt::UNDEFINED | dt::FLOAT | dt::DOUBLE | dt::FLOAT16 | dt::BFLOAT16
    ) || int_values::is_int_type(t.elem_type))
    {
        return Err(OnnxError::Model(format!(
            "graph input `{}` has element type {}; zkml models take float (float32, float16, \
             bfloat16, double), integer or boolean tensors",
            vi.name,
            tensor::type_name(t.elem_type)
        )));
    }
    let shape = t.shape.as_ref().ok_or_else(missing)?;
    shape
        .dim
        .iter()
        .map(|d| match &d.value {
            Some(dimension::Value::DimValue(v)) if *v >= 0 => {
                usize::try_from(*v).map(Dim::Fixed).map_err(|_| {
                    OnnxError::Model(format!(
                        "graph input `{}`: dimension {v} is too large",
                        vi.name
                    ))
                })
            }
            // A negative value is how some exporters write "unknown".
            Some(dimension::Value::DimValue(_)) | None => Ok(Dim::Symbolic(None)),
            // PaddlePaddle exports write `?` for every unknown dim: not one symbol.
            Some(dimension::Value::DimParam(p)) if p.is_empty() || p == "?" => {
                Ok(Dim::Symbolic(None))
            }
            Some(dimension::Value::DimParam(p)) => Ok(Dim::Symbolic(Some(p.clone()))),
        })
        .collect()
}

/// Every ONNX op type the loader has a handler for (default domain and
/// ONNX-ML domain, whose names do not overlap), sorted. Some are supported
/// only on constant inputs (see the table above).
pub fn supported_ops() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = ops::registry()
        .keys()
        .chain(ops::ml_registry().keys())
        .copied()
        .collect();
    v.sort_unstable();
    v
}

/// The ONNX element type of a `Constant` node's value.
fn constant_type(n: &proto::NodeProto) -> Option<i32> {
    n.attribute.iter().find_map(|a| match a.name.as_str() {
        "value" => a.t.as_ref().map(|t| t.data_type),
        "value_float" | "value_floats" => Some(proto::data_type::FLOAT),
        "value_int" | "value_ints" => Some(proto::data_type::INT64),
        _ => None,
    })
}
