//! The quantized graph: values with their scales and provenance, nodes,
//! and the graph with its activation range. Made by [`super::quantize`].

use serde::{Deserialize, Serialize};

use crate::ops::QOp;
use crate::rounding::quantize_value;
use crate::tensor::ITensor;

/// Where a quantized value comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum QValueKind {
    /// Model input.
    Input,
    /// Quantized constant.
    Const(ITensor),
    /// Output of `nodes[i]`.
    Node(usize),
}

/// A quantized tensor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QValue {
    /// Name.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Scale exponent: real ≈ q / 2^scale.
    pub scale: i32,
    /// Origin.
    pub kind: QValueKind,
    /// A scale per index along one axis, where they differ (a model input
    /// with per-feature scales, and the weight matrix they are folded into:
    /// [`feature`]); `scale` is then the coarsest of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axis_scales: Option<AxisScales>,
}

/// One scale exponent per index along `axis`: element `i` is real ≈
/// `q / 2^scales[i[axis]]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AxisScales {
    /// The axis the scales run along.
    pub axis: usize,
    /// The scale exponent of each index along `axis`.
    pub scales: Vec<i32>,
}

impl QValue {
    /// The scale of the element at flat (row-major) index `flat`.
    pub fn scale_at(&self, flat: usize) -> i32 {
        match &self.axis_scales {
            Some(a) if a.axis < self.shape.len() => {
                let inner: usize = self.shape[a.axis + 1..].iter().product();
                let n = self.shape[a.axis].max(1);
                a.scales
                    .get(flat / inner.max(1) % n)
                    .copied()
                    .unwrap_or(self.scale)
            }
            _ => self.scale,
        }
    }

    /// The axis scales of this value sliced to `range` along `axis` (a
    /// slice along another axis keeps them all).
    pub fn sliced_axis_scales(
        &self,
        axis: usize,
        range: &std::ops::Range<usize>,
    ) -> Option<AxisScales> {
        self.axis_scales.as_ref().map(|a| AxisScales {
            axis: a.axis,
            scales: match a.axis == axis {
                true => a.scales.get(range.clone()).unwrap_or_default().to_vec(),
                false => a.scales.clone(),
            },
        })
    }

    /// Quantizes the row-major floats `data` at this value's scale(s).
    pub fn quantize_flat(&self, data: impl IntoIterator<Item = f64>) -> Vec<i64> {
        data.into_iter()
            .enumerate()
            .map(|(i, x)| quantize_value(x, self.scale_at(i)))
            .collect()
    }

    /// The real values of the row-major integers `data` (`q / 2^scale` per
    /// element): how a verifier reads this value's public integers.
    pub fn dequantize_flat(&self, data: impl IntoIterator<Item = i64>) -> Vec<f64> {
        data.into_iter()
            .enumerate()
            .map(|(i, q)| crate::rounding::dequantize_value(q, self.scale_at(i)))
            .collect()
    }
}

/// A quantized node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QNode {
    /// Name.
    pub name: String,
    /// The integer op.
    pub op: QOp,
    /// Inputs.
    pub inputs: Vec<usize>,
    /// Output.
    pub output: usize,
}

/// A quantized model: the object backends prove.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QGraph {
    /// Every tensor.
    pub values: Vec<QValue>,
    /// Nodes in topological order.
    pub nodes: Vec<QNode>,
    /// Model inputs.
    pub inputs: Vec<usize>,
    /// Model outputs.
    pub outputs: Vec<usize>,
    /// Activations (inputs and node outputs) are `act_bits`-bit two's
    /// complement integers ([`QGraph::range`]).
    pub act_bits: u32,
}

impl QGraph {
    /// The largest activation magnitude quantization aims for, `2^(b−1) − 1`
    /// (scales keep the calibrated values within `±bound`).
    pub fn bound(&self) -> i64 {
        (1i64 << (self.act_bits - 1)) - 1
    }

    /// The activations the executor admits, `[−2^(b−1), 2^(b−1) − 1]`
    /// (`b = act_bits`): exactly what the circuits' range checks admit (a
    /// `b`-bit limb decomposition of `v + 2^(b−1)`), so an execution the
    /// executor refuses has no proof, and vice versa.
    pub fn range(&self) -> std::ops::RangeInclusive<i64> {
        -(1i64 << (self.act_bits - 1))..=self.bound()
    }
}
