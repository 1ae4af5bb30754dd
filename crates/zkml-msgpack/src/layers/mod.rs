//! One converter per msgpack layer family; [`convert`] dispatches on
//! `layer_type`, [`SUPPORTED_LAYERS`] lists what it accepts.
//!
//! Each converter reads its parameters as the earlier zkml does
//! (`src/layers/*.rs` there), refuses values zkml would panic on, and checks
//! the output shape it computes against the file's `out_shapes`.

mod arith;
mod conv;
mod fully_connected;
mod masked;
mod nonlinear;
mod pool;
mod reduce;
mod shape;

use crate::builder::Builder;
use crate::error::MsgpackError;
use crate::format::LayerFile;

/// Layer types this crate converts (the earlier zkml's names, plus TFLite's `Squeeze`).
pub const SUPPORTED_LAYERS: &[&str] = &[
    "Add",
    "AveragePool2D",
    "BatchMatMul",
    "Concatenation",
    "Conv2D",
    "DivVar",
    "FullyConnected",
    "Logistic",
    "MaskNegInf",
    "MaxPool2D",
    "Mean",
    "Mul",
    "Noop",
    "Pack",
    "Pad",
    "Pow",
    "Reshape",
    "Rsqrt",
    "Slice",
    "Softmax",
    "Split",
    "Sqrt",
    "Square",
    "SquaredDifference",
    "Squeeze",
    "Sub",
    "Tanh",
    "Transpose",
];

/// Whether `layer_type` is converted.
pub fn is_supported(layer_type: &str) -> bool {
    SUPPORTED_LAYERS.contains(&layer_type)
}

/// The inputs whose values a layer reads. Shape/axis/permutation operands
/// (`Reshape`'s second input, …) are excluded: the converters read those from
/// `params`/`out_shapes`, as zkml does, so a subgraph that only computes
/// shapes is never converted.
pub(crate) fn data_inputs(layer: &LayerFile) -> Vec<i64> {
    let first = || layer.inp_idxes.iter().take(1).copied().collect();
    match layer.layer_type.as_str() {
        "Reshape" | "Squeeze" | "Transpose" | "Mean" | "Pad" | "Softmax" | "Logistic" | "Tanh"
        | "AveragePool2D" | "MaxPool2D" | "Square" | "Sqrt" | "Rsqrt" | "Pow" | "Slice"
        | "MaskNegInf" => first(),
        // Split's first input is the axis operand (read from params).
        "Split" => layer.inp_idxes.iter().skip(1).take(1).copied().collect(),
        "Noop" => match layer
            .params
            .first()
            .and_then(|&k| usize::try_from(k).ok())
            .and_then(|k| layer.inp_idxes.get(k))
        {
            Some(&i) => vec![i],
            None => layer.inp_idxes.clone(),
        },
        _ => layer.inp_idxes.clone(),
    }
}

/// Converts the builder's current layer.
pub(crate) fn convert(b: &mut Builder) -> Result<(), MsgpackError> {
    match b.layer.layer_type.as_str() {
        "Conv2D" => conv::conv2d(b),
        "AveragePool2D" => pool::pool(b, false),
        "MaxPool2D" => pool::pool(b, true),
        "Add" => arith::add(b),
        "Sub" => arith::sub(b),
        "Mul" => arith::mul(b),
        "Square" => arith::square(b),
        "SquaredDifference" => arith::squared_difference(b),
        "FullyConnected" => fully_connected::fully_connected(b),
        "Reshape" | "Squeeze" => shape::reshape(b),
        "Transpose" => shape::transpose(b),
        "Pad" => shape::pad(b),
        "Concatenation" => shape::concatenation(b),
        "Pack" => shape::pack(b),
        "Noop" => shape::noop(b),
        "Mean" => reduce::mean(b),
        "Softmax" => nonlinear::softmax(b),
        "Logistic" => nonlinear::unary(b, zkml_core::Op::Table(zkml_core::ops::TableFn::Sigmoid)),
        "Tanh" => nonlinear::unary(b, zkml_core::Op::Table(zkml_core::ops::TableFn::Tanh)),
        "Sqrt" => nonlinear::unary(b, zkml_core::Op::Table(zkml_core::ops::TableFn::Sqrt)),
        "Rsqrt" => nonlinear::unary(b, zkml_core::Op::Table(zkml_core::ops::TableFn::Rsqrt)),
        "Pow" => nonlinear::pow(b),
        "DivVar" => arith::div_var(b),
        "BatchMatMul" => arith::batch_mat_mul(b),
        "Slice" => shape::slice(b),
        "Split" => shape::split(b),
        "MaskNegInf" => masked::mask_neg_inf(b),
        other => Err(b.err(format!("unsupported layer type `{other}`"))),
    }
}
