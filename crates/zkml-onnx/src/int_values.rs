//! Integer and boolean tensors known only at run time (graph inputs such as
//! token ids, bytes or masks, and what is computed from them).
//!
//! The IR computes on reals, so an integer tensor is carried as its exact
//! values (booleans as 0 and 1). That is faithful only for ops whose ONNX
//! meaning on integers equals their meaning on reals over the same values:
//! data movement, comparisons and logic, `Where`, selection (`Max`, `Min`,
//! `Clip`, `Relu`, `MaxPool`, `ReduceMax`, …), `Floor`/`Ceil`/`Round` (the
//! identity on integers), `Mod` by a constant, and on 32- and 64-bit integers
//! the arithmetic that does not overflow for the values real inputs carry
//! (token ids, bytes, masks: `Add`, `Sub`, `Mul`, `Neg`, `Abs`, `Sum`,
//! `ReduceSum`, `MatMul`); narrower and unsigned types wrap around at small
//! values, so there arithmetic is refused. `Div` by a constant is the exact
//! quotient truncated towards zero (ONNX integer division). `Cast` to a float
//! type is the identity; `Cast` to `int32`/`int64` or to any type that holds
//! every value of the source type (bool to any integer, int8 to int16, …) is
//! the identity too; `Cast` to bool is `x ≠ 0`; a narrowing `Cast` between
//! integer types wraps around exactly as two's complement does (`((x − lo) mod
//! 2^bits) + lo`). Every other op reading an integer tensor (a run-time
//! integer divisor, `ReduceMean`, `Conv`, …) is refused with
//! [`OnnxError::Node`] naming the node, the op and the integer input, rather
//! than computed on reals and silently wrong.
//!
//! Quantization keeps integers exact while the calibrated scale has no
//! negative exponent: with the default 16-bit activations and margin 2, values
//! up to 16,383 in magnitude (bytes, masks, small vocabularies); larger ones
//! (a 50k-token vocabulary) need `act_bits` raised, else they are rounded and
//! the run misses its tolerance.
//!
//! This module decides, per node, what the loader does; `lib.rs` keeps the
//! element type of every integer value by name.

use crate::error::OnnxError;
use crate::proto::{data_type as dt, NodeProto};

/// What the loader does with a node that reads an integer run-time value.
#[derive(Debug, PartialEq, Eq)]
pub enum IntRule {
    /// Load the node as usual; its outputs have this integer element type
    /// (`None`: they are real).
    Load {
        /// The ONNX element type of the outputs, if integer or boolean.
        out_type: Option<i32>,
    },
    /// The node is the identity on its first input, whose values now have
    /// the integer element type `to`.
    Identity {
        /// The ONNX element type after the node.
        to: i32,
    },
}

/// Ops that move values around without computing on them: their outputs have
/// their data input's (input 0) type.
const DATA_MOVEMENT: &[&str] = &[
    "Reshape",
    "Flatten",
    "Squeeze",
    "Unsqueeze",
    "Transpose",
    "Expand",
    "Identity",
    "Concat",
    "Slice",
    "Gather",
    "GatherElements",
    "GatherND",
    "Split",
    "Tile",
    "Pad",
    "Dropout",
    "ScatterElements",
    "ScatterND",
    "Scatter",
    "Trilu",
    "DepthToSpace",
    "SpaceToDepth",
];

/// ONNX-ML ops that read numbers as numbers (their ONNX Runtime kernels cast
/// integer inputs to float): the outputs are real.
const ML_NUMERIC: &[&str] = &[
    "TreeEnsembleClassifier",
    "TreeEnsembleRegressor",
    "LinearClassifier",
    "LinearRegressor",
    "Scaler",
    "Normalizer",
    "Binarizer",
    "Imputer",
    "OneHotEncoder",
    "FeatureVectorizer",
    "ZipMap",
    "SVMRegressor",
    "SVMClassifier",
];

/// Ops that select among their inputs' values: exact for every integer type.
const SELECT: &[&str] = &[
    "Max",
    "Min",
    "ReduceMax",
    "ReduceMin",
    "Sign",
    "Clip",
    "Relu",
    "MaxPool",
    "GlobalMaxPool",
    "TopK",
];

/// Ops whose integer meaning equals their meaning on the same values as
/// reals, with no overflow: rounding (the identity on integers) and Mod by a
/// constant (the integer remainder, the divisor's sign with `fmod = 0`).
const EXACT: &[&str] = &["Floor", "Ceil", "Round", "Mod"];

/// Ops that are exact on 32- and 64-bit integers carried as reals (run-time
/// values stay far inside both ranges), but wrap around in narrower or
/// unsigned types, which the IR does not reproduce.
const WIDE_ARITH: &[&str] = &[
    "Add",
    "Sub",
    "Mul",
    "Neg",
    "Abs",
    "Sum",
    "ReduceSum",
    "CumSum",
    "MatMul",
];

/// The value range `[lo, hi]` of an integer or boolean ONNX element type.
pub fn int_range(code: i32) -> Option<(i128, i128)> {
    Some(match code {
        dt::BOOL => (0, 1),
        dt::UINT8 => (0, u8::MAX as i128),
        dt::INT8 => (i8::MIN as i128, i8::MAX as i128),
        dt::UINT16 => (0, u16::MAX as i128),
        dt::INT16 => (i16::MIN as i128, i16::MAX as i128),
        dt::INT32 => (i32::MIN as i128, i32::MAX as i128),
        dt::UINT32 => (0, u32::MAX as i128),
        dt::INT64 => (i64::MIN as i128, i64::MAX as i128),
        dt::UINT64 => (0, u64::MAX as i128),
        _ => return None,
    })
}

/// Whether every value of integer type `from` is a value of integer type
/// `to` (a Cast between them is the identity).
pub fn widens(from: i32, to: i32) -> bool {
    match (int_range(from), int_range(to)) {
        (Some((a, b)), Some((c, d))) => c <= a && b <= d,
        _ => false,
    }
}

/// Whether an ONNX element type is integer or boolean.
pub fn is_int_type(code: i32) -> bool {
    matches!(
        code,
        dt::BOOL
            | dt::UINT8
            | dt::INT8
            | dt::UINT16
            | dt::INT16
            | dt::INT32
            | dt::INT64
            | dt::UINT32
            | dt::UINT64
    )
}

/// The element type of the outputs of `op` when it always yields integer or
/// boolean tensors (comparisons, logic, ArgMax/ArgMin), whatever its inputs.
pub fn result_type(op: &str) -> Option<i32> {
    match op {
        "Equal" | "Less" | "Greater" | "LessOrEqual" | "GreaterOrEqual" | "Not" | "And" | "Or"
        | "Xor" => Some(dt::BOOL),
        "ArgMax" | "ArgMin" => Some(dt::INT64),
        // The code type is the zero point's (uint8 unless given); the rules
        // below treat every narrow integer type alike.
        "QuantizeLinear" => Some(dt::UINT8),
        _ => None,
    }
}

/// The element type of output `k` of node `n` (reading real values) when it
/// is integer: the predicted label (output 0) of the ONNX-ML classifiers, and
/// a Cast of a real tensor to int32/int64/bool (truncated by the loader).
pub fn output_type(n: &NodeProto, k: usize) -> Option<i32> {
    match (n.op_type.as_str(), k) {
        ("TreeEnsembleClassifier" | "LinearClassifier" | "SVMClassifier", 0) => Some(dt::INT64),
        ("Cast", 0) => {
            let to = n.attribute.iter().find(|a| a.name == "to")?.i?;
            let to = i32::try_from(to).ok()?;
            matches!(to, dt::INT32 | dt::INT64 | dt::BOOL).then_some(to)
        }
        _ => None,
    }
}

/// The rule for node `n` (called `name`), whose inputs have the integer
/// element types `types` (`None`: real or constant); at least one is `Some`.
pub fn rule(n: &NodeProto, name: &str, types: &[Option<i32>]) -> Result<IntRule, OnnxError> {
    let op = n.op_type.as_str();
    let (int_input, int_type) = n
        .input
        .iter()
        .zip(types)
        .find_map(|(i, t)| t.map(|t| (i.as_str(), t)))
        .unwrap_or(("", dt::INT64));
    let type_name = crate::tensor::type_name(int_type).to_lowercase();
    let refuse = |why: String| OnnxError::Node {
        node: name.to_string(),
        op: op.to_string(),
        reason: format!(
            "reads `{int_input}`, an integer tensor ({type_name}) known only at run time; {why}"
        ),
    };
    let first = types.first().copied().flatten();
    if DATA_MOVEMENT.contains(&op) || SELECT.contains(&op) || EXACT.contains(&op) {
        return Ok(IntRule::Load { out_type: first });
    }
    if WIDE_ARITH.contains(&op) {
        if matches!(int_type, dt::INT32 | dt::INT64) {
            return Ok(IntRule::Load { out_type: first });
        }
        return Err(refuse(format!(
            "{op} on {type_name} wraps around on overflow, which zkml does not reproduce: cast \
             to int32, int64 or float first"
        )));
    }
    if let Some(t) = result_type(op) {
        return Ok(IntRule::Load { out_type: Some(t) });
    }
    if ML_NUMERIC.contains(&op) {
        return Ok(IntRule::Load { out_type: None });
    }
    if op == "ArrayFeatureExtractor" {
        // Data movement; with constant data (the class labels a classifier's
        // ArgMax selects from) the result takes the indices' type.
        return Ok(IntRule::Load {
            out_type: types.iter().flatten().next().copied(),
        });
    }
    match op {
        // Static shapes only.
        "Shape" | "Size" => Ok(IntRule::Load { out_type: None }),
        // (x − zero_point)·scale: real arithmetic on the code's exact values.
        "DequantizeLinear" => Ok(IntRule::Load { out_type: None }),
        // OneHot(indices, depth, values): the result has the values' type.
        "OneHot" => Ok(IntRule::Load {
            out_type: types.get(2).copied().flatten(),
        }),
        // Where(cond, x, y): the result has x's (and y's) type.
        "Where" => Ok(IntRule::Load {
            out_type: types.get(1).copied().flatten(),
        }),
        // Integer division by a constant: the loader's Div computes the
        // truncated quotient exactly; a run-time divisor is refused there.
        "Div" if types.get(1).copied().flatten().is_none() => Ok(IntRule::Load { out_type: first }),
        "Cast" => {
            let to = n
                .attribute
                .iter()
                .find(|a| a.name == "to")
                .and_then(|a| a.i)
                .unwrap_or(0);
            match i32::try_from(to).unwrap_or(-1) {
                dt::FLOAT | dt::DOUBLE => Ok(IntRule::Load { out_type: None }),
                to @ (dt::INT32 | dt::INT64) => Ok(IntRule::Identity { to }),
                to if widens(int_type, to) => Ok(IntRule::Identity { to }),
                // `x ≠ 0`, or a wrap-around into the narrower type (cast.rs).
                to if int_range(to).is_some() => Ok(IntRule::Load { out_type: Some(to) }),
                other => Err(refuse(format!(
                    "a Cast of it to {} (half precision or another non-integer type) is not \
                     supported; cast to an integer type, float or double",
                    crate::tensor::type_name(other)
                ))),
            }
        }
        _ => Err(refuse(format!(
            "zkml carries integers as exact values and supports on them only data movement, \
             comparisons and logic, Where, Cast, {}, {} and (on int32/int64) {}; {op} on integers \
             (its rounding or overflow rules) is not supported: Cast the tensor to float in the \
             model first",
            SELECT.join(", "),
            EXACT.join(", "),
            WIDE_ARITH.join(", ")
        ))),
    }
}
