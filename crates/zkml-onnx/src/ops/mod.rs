//! ONNX operators → graph IR ops: one registry, one `register` per family.
//!
//! Each handler reads its node's attributes with the ONNX defaults for the
//! model's opset, checks what the IR cannot express, and emits IR ops through
//! [`Ctx::emit`] (which folds them when every input is constant).
//!
//! Layout: a folder per op family with a file per op (`ops/<family>/<op>.rs`)
//! and one `register` per family. Families: [`math`] (MatMul, Gemm,
//! Add/Sub/Mul/Div, Neg, Sum, Floor/Ceil/Round, Sign, Mod), [`logic`]
//! (comparisons, Not/And/Or/Xor, Where), [`activation`] (Relu, Sigmoid, Tanh,
//! LeakyRelu, PRelu, Clip, Softmax),
//! [`nn`] (Conv, pooling, BatchNormalization), [`norm`]
//! (LayerNormalization, InstanceNormalization, GroupNormalization,
//! MeanVarianceNormalization, LpNormalization), [`shape`] (Reshape and other
//! data movement), [`reduce`] (and ArgMax, ArgMin, TopK), [`consts`] (Constant and the shape-subgraph
//! ops that are only folded), [`rnn`] (LSTM, GRU, RNN unrolled into the
//! ops above), and the ONNX-ML domain's [`ml`] (tree ensembles, linear
//! models, preprocessing; its own registry, [`ml_registry`]).

pub mod activation;
pub mod consts;
pub mod logic;
pub mod math;
pub mod ml;
pub mod movement;
pub mod nn;
pub mod norm;
pub mod quant;
pub mod reduce;
pub mod rnn;
pub mod shape;

use std::collections::HashMap;
use std::path::Path;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::proto::{attribute_type as at, AttributeProto, NodeProto};
use crate::tensor::{konst_from_proto, Konst};

/// A node's loaded inputs, attributes and names, as handlers see them.
pub struct NodeCtx<'a> {
    /// Node name (the model's, or `<op>_<index>` when it has none).
    pub name: String,
    /// The model's node.
    pub proto: &'a NodeProto,
    /// Loaded inputs; `None` for omitted optional inputs (empty names).
    pub inputs: Vec<Option<Val>>,
    /// The default-domain opset version.
    pub opset: i64,
    /// The model's folder (for external tensor data).
    pub base: Option<&'a Path>,
    /// The ONNX element type of each constant value by name (initializers
    /// and `Constant` outputs), for ops whose meaning depends on it.
    pub elem_types: &'a HashMap<String, i32>,
    /// The ONNX element type of each run-time integer or boolean value by
    /// name (see `int_values`).
    pub int_types: &'a HashMap<String, i32>,
}

/// An op handler: returns the node's outputs in order (trailing optional
/// outputs may be left out).
pub type Handler = fn(&mut Ctx, &NodeCtx) -> Result<Vec<Val>, OnnxError>;

/// Op type → handler.
pub type Registry = HashMap<&'static str, Handler>;

/// Every supported op type of the default ONNX domain.
pub fn registry() -> Registry {
    let mut r = Registry::new();
    math::register(&mut r);
    activation::register(&mut r);
    nn::register(&mut r);
    norm::register(&mut r);
    shape::register(&mut r);
    reduce::register(&mut r);
    consts::register(&mut r);
    movement::register(&mut r);
    rnn::register(&mut r);
    quant::register(&mut r);
    logic::register(&mut r);
    r
}

/// Every supported op type of the ONNX-ML domain (`ai.onnx.ml`; see [`ml`]).
pub fn ml_registry() -> Registry {
    let mut r = Registry::new();
    ml::register(&mut r);
    r
}

/// The largest kernel size, stride, dilation or pad the loader accepts (a
/// guard against absurd values in malformed files).
pub const MAX_WINDOW: usize = 1 << 24;

/// Normalises a possibly negative axis for a tensor of rank `rank`.
pub fn norm_axis(axis: i64, rank: usize) -> Option<usize> {
    let r = i64::try_from(rank).ok()?;
    let a = if axis < 0 { axis + r } else { axis };
    (0..r).contains(&a).then_some(a as usize)
}

impl NodeCtx<'_> {
    /// The integer or boolean element type of input `i` when it is a
    /// run-time value of such a type (`None`: real, constant or absent).
    pub fn int_type(&self, i: usize) -> Option<i32> {
        let name = self.proto.input.get(i)?;
        self.int_types.get(name).copied()
    }

    /// The op type.
    pub fn op(&self) -> &str {
        &self.proto.op_type
    }

    /// `(node, op)` for [`Ctx::emit`].
    pub fn at(&self) -> (&str, &str) {
        (&self.name, &self.proto.op_type)
    }

    /// A node-level error.
    pub fn err(&self, reason: impl Into<String>) -> OnnxError {
        OnnxError::Node {
            node: self.name.clone(),
            op: self.proto.op_type.clone(),
            reason: reason.into(),
        }
    }

    /// An attribute error.
    pub fn attr_err(&self, attribute: &str, reason: impl Into<String>) -> OnnxError {
        OnnxError::Attribute {
            node: self.name.clone(),
            op: self.proto.op_type.clone(),
            attribute: attribute.to_string(),
            reason: reason.into(),
        }
    }

    /// Name of output `i` (empty if absent).
    pub fn out(&self, i: usize) -> &str {
        self.proto.output.get(i).map_or("", String::as_str)
    }

    /// A graph node name for the `suffix` part of this node's lowering.
    pub fn sub(&self, suffix: &str) -> String {
        format!("{}/{suffix}", self.name)
    }

    /// A value name for an intermediate of this node's lowering.
    pub fn tmp(&self, suffix: &str) -> String {
        format!("{}/{suffix}", self.out(0))
    }

    /// Input `i`, which the op requires.
    pub fn input(&self, i: usize) -> Result<&Val, OnnxError> {
        self.inputs
            .get(i)
            .and_then(Option::as_ref)
            .ok_or_else(|| self.err(format!("input {i} is required but missing")))
    }

    /// The ONNX element type of input `i` when it is an initializer or a
    /// `Constant` output.
    pub fn elem_type(&self, i: usize) -> Option<i32> {
        self.proto
            .input
            .get(i)
            .and_then(|name| self.elem_types.get(name))
            .copied()
    }

    /// Input `i` if given.
    pub fn opt_input(&self, i: usize) -> Option<&Val> {
        self.inputs.get(i).and_then(Option::as_ref)
    }

    /// Input `i` (`what` describes it) if given, which must be constant.
    pub fn const_input(&self, i: usize, what: &str) -> Result<Option<&Konst>, OnnxError> {
        match self.opt_input(i) {
            None => Ok(None),
            Some(Val::Const(c)) => Ok(Some(&c.k)),
            Some(Val::Dyn(_)) => Err(self.err(format!(
                "input {i} ({what}, `{}`) must be a constant (an initializer, or computed from \
                 constants and static shapes), but it depends on the model's run-time inputs; \
                 export the model with it as a constant",
                self.proto.input.get(i).map_or("", String::as_str)
            ))),
        }
    }

    /// Checks that only the first `n` outputs are used.
    pub fn only_outputs(&self, ctx: &Ctx, n: usize, what: &str) -> Result<(), OnnxError> {
        match self.proto.output.iter().skip(n).find(|o| ctx.is_used(o)) {
            Some(o) => Err(self.err(format!(
                "output `{o}` ({what}) is used, but the loader only computes the first {n} \
                 output(s); remove its consumers"
            ))),
            None => Ok(()),
        }
    }

    fn attr(&self, name: &str) -> Option<&AttributeProto> {
        self.proto.attribute.iter().find(|a| a.name == name)
    }

    fn attr_kind(a: &AttributeProto) -> i32 {
        if a.r#type != 0 {
            return a.r#type;
        }
        // Very old files leave `type` unset: infer it from the field present.
        if a.f.is_some() {
            at::FLOAT
        } else if a.i.is_some() {
            at::INT
        } else if a.s.is_some() {
            at::STRING
        } else if a.t.is_some() {
            at::TENSOR
        } else if a.g.is_some() {
            at::GRAPH
        } else if !a.floats.is_empty() {
            at::FLOATS
        } else if !a.ints.is_empty() {
            at::INTS
        } else if !a.strings.is_empty() {
            at::STRINGS
        } else {
            at::TENSORS
        }
    }

    fn wrong_type(&self, a: &AttributeProto, want: &str) -> OnnxError {
        self.attr_err(
            &a.name,
            format!(
                "expected {want}, found attribute type {} (re-export the model with a valid \
                 attribute)",
                a.r#type
            ),
        )
    }

    /// Whether the attribute is present.
    pub fn has(&self, name: &str) -> bool {
        self.attr(name).is_some()
    }

    /// An integer attribute.
    pub fn opt_int(&self, name: &str) -> Result<Option<i64>, OnnxError> {
        match self.attr(name) {
            None => Ok(None),
            Some(a) if Self::attr_kind(a) == at::INT => Ok(Some(a.i.unwrap_or(0))),
            Some(a) => Err(self.wrong_type(a, "an int")),
        }
    }

    /// An integer attribute with its default.
    pub fn int(&self, name: &str, default: i64) -> Result<i64, OnnxError> {
        Ok(self.opt_int(name)?.unwrap_or(default))
    }

    /// A float attribute.
    pub fn opt_float(&self, name: &str) -> Result<Option<f32>, OnnxError> {
        match self.attr(name) {
            None => Ok(None),
            Some(a) if Self::attr_kind(a) == at::FLOAT => Ok(Some(a.f.unwrap_or(0.0))),
            // Some exporters write integral floats as ints.
            Some(a) if Self::attr_kind(a) == at::INT => Ok(Some(a.i.unwrap_or(0) as f32)),
            Some(a) => Err(self.wrong_type(a, "a float")),
        }
    }

    /// A float attribute with its default.
    pub fn float(&self, name: &str, default: f32) -> Result<f32, OnnxError> {
        Ok(self.opt_float(name)?.unwrap_or(default))
    }

    /// An integer-list attribute.
    pub fn ints(&self, name: &str) -> Result<Option<Vec<i64>>, OnnxError> {
        match self.attr(name) {
            None => Ok(None),
            Some(a) if Self::attr_kind(a) == at::INTS => Ok(Some(a.ints.clone())),
            Some(a) if Self::attr_kind(a) == at::INT => Ok(Some(vec![a.i.unwrap_or(0)])),
            Some(a) => Err(self.wrong_type(a, "a list of ints")),
        }
    }

    /// A float-list attribute.
    pub fn floats(&self, name: &str) -> Result<Option<Vec<f32>>, OnnxError> {
        match self.attr(name) {
            None => Ok(None),
            Some(a) if Self::attr_kind(a) == at::FLOATS => Ok(Some(a.floats.clone())),
            Some(a) => Err(self.wrong_type(a, "a list of floats")),
        }
    }

    /// A string attribute.
    pub fn string(&self, name: &str) -> Result<Option<String>, OnnxError> {
        match self.attr(name) {
            None => Ok(None),
            Some(a) if Self::attr_kind(a) == at::STRING => Ok(Some(
                String::from_utf8_lossy(a.s.as_deref().unwrap_or_default()).into_owned(),
            )),
            Some(a) => Err(self.wrong_type(a, "a string")),
        }
    }

    /// A string-list attribute.
    pub fn strings(&self, name: &str) -> Result<Option<Vec<String>>, OnnxError> {
        match self.attr(name) {
            None => Ok(None),
            Some(a) if Self::attr_kind(a) == at::STRINGS => Ok(Some(
                a.strings
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect(),
            )),
            Some(a) => Err(self.wrong_type(a, "a list of strings")),
        }
    }

    /// A tensor attribute.
    pub fn tensor(&self, name: &str) -> Result<Option<Konst>, OnnxError> {
        match self.attr(name) {
            None => Ok(None),
            Some(a) if Self::attr_kind(a) == at::TENSOR => match &a.t {
                Some(t) => konst_from_proto(t, self.base).map(Some),
                None => Err(self.attr_err(name, "tensor attribute holds no tensor")),
            },
            Some(a) => Err(self.wrong_type(a, "a tensor")),
        }
    }

    /// A list of non-negative integers (`pads`, `strides`, ...), `n` long if given.
    pub fn usizes(&self, name: &str, n: usize) -> Result<Option<Vec<usize>>, OnnxError> {
        let Some(v) = self.ints(name)? else {
            return Ok(None);
        };
        if v.len() != n {
            return Err(self.attr_err(name, format!("expected {n} values, got {v:?}")));
        }
        v.iter()
            .map(|&x| usize::try_from(x).ok().filter(|&x| x <= MAX_WINDOW))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| {
                self.attr_err(
                    name,
                    format!("values {v:?} must lie in 0..={MAX_WINDOW} (negative values are not supported)"),
                )
            })
    }

    /// Axes (normalised) from the attribute before `input_from` opset, from
    /// input `i` after; `None` when absent.
    pub fn axes(
        &self,
        input_from: i64,
        i: usize,
        rank: usize,
    ) -> Result<Option<Vec<usize>>, OnnxError> {
        let raw = if self.opset >= input_from {
            match self.const_input(i, "axes")? {
                Some(k) => Some(k.to_i64()),
                None => self.ints("axes")?,
            }
        } else {
            self.ints("axes")?
        };
        let Some(raw) = raw else { return Ok(None) };
        let mut axes = raw
            .iter()
            .map(|&a| norm_axis(a, rank))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                self.attr_err("axes", format!("axes {raw:?} out of range for rank {rank}"))
            })?;
        axes.sort_unstable();
        if axes.windows(2).any(|w| w[0] == w[1]) {
            return Err(self.attr_err("axes", format!("axes {raw:?} repeat an axis")));
        }
        Ok(Some(axes))
    }
}
