//! The op set.
//!
//! [`Op`] is the float op set of the graph IR, with ONNX semantics; loaders
//! normalise their formats into it (Gemm becomes MatMul + Add, Div by a
//! constant becomes Mul, BatchNormalization is folded or becomes Mul + Add,
//! Flatten/Squeeze/Unsqueeze become Reshape, Identity/Dropout disappear).
//!
//! [`QOp`] is the integer op set: the same ops with every integer parameter
//! (shifts, quantized bounds, table scales) spelled out by the quantizer. Each
//! family's file documents its integer rule next to the code that computes it,
//! and holds the family's quantization rule (`quantize*`, taking a
//! [`crate::quant::QuantCtx`]) and error-bound rule (`error_bound*`, taking a
//! [`crate::error_bound::BoundCtx`]); [`crate::exec`], [`crate::quant::quantize`],
//! [`crate::error_bound::error_bounds`] and the backends dispatch to those
//! functions, so each rule is written once and a new op is one arm per dispatch.
//!
//! Both enums are closed: a new op fails to compile until the executors and
//! every backend handle or refuse it.

pub mod activation;
pub mod arg;
pub mod conv;
pub mod divide;
pub mod elementwise;
pub mod gather;
pub mod gather_dyn;
pub mod hardmax;
pub mod logic;
pub mod matmul;
pub mod normalize;
pub mod pool;
pub mod reduce;
pub mod round;
pub mod select;
pub mod shape;
pub mod softmax;
pub mod table;

use serde::{Deserialize, Serialize};

pub use arg::{Arg, TopK};
pub use conv::Conv;
pub use gather::IndexMap;
pub use gather_dyn::DynGather;
pub use logic::{Cmp, Logic};
pub use pool::Pool;
pub use round::RoundMode;
pub use table::TableFn;

/// A float op (ONNX semantics). Inputs are listed per variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// 2-D convolution, NCHW. Inputs: x `[N,C,H,W]`, w `[M,C/group,kH,kW]`, optional bias `[M]`.
    Conv(Conv),
    /// Matrix product with numpy semantics (batch dims broadcast). Inputs: a, b.
    MatMul,
    /// Elementwise sum, ONNX (numpy) broadcasting. Inputs: a, b.
    Add,
    /// Elementwise difference, broadcasting. Inputs: a, b.
    Sub,
    /// Elementwise product, broadcasting. Inputs: a, b.
    Mul,
    /// `max(x, 0)`.
    Relu,
    /// `x` if `x >= 0` else `alpha·x`.
    LeakyRelu {
        /// Slope for negative inputs.
        alpha: f32,
    },
    /// `min(max(x, min), max)`.
    Clip {
        /// Lower bound (`-inf` for none).
        min: f32,
        /// Upper bound (`+inf` for none).
        max: f32,
    },
    /// An elementwise real function computed by table (Sigmoid, Tanh, Exp,
    /// Erf, Gelu, …; see [`table`]).
    Table(TableFn),
    /// Softmax along one axis.
    Softmax {
        /// Normalised axis (non-negative).
        axis: usize,
    },
    /// 2-D max pooling, NCHW.
    MaxPool(Pool),
    /// 2-D average pooling, NCHW.
    AveragePool(Pool),
    /// Reshape to a static shape (same element count).
    Reshape {
        /// The output shape.
        shape: Vec<usize>,
    },
    /// Permute axes.
    Transpose {
        /// Output axis i is input axis `perm[i]`.
        perm: Vec<usize>,
    },
    /// Concatenate inputs along an axis.
    Concat {
        /// Normalised axis.
        axis: usize,
    },
    /// Constant padding.
    Pad {
        /// `[x1_begin, x2_begin, …, x1_end, x2_end, …]` as in ONNX.
        pads: Vec<usize>,
        /// The fill value.
        value: f32,
    },
    /// Mean over axes.
    ReduceMean {
        /// Normalised, sorted axes.
        axes: Vec<usize>,
        /// Keep reduced axes as size 1.
        keepdims: bool,
    },
    /// Sum over axes.
    ReduceSum {
        /// Normalised, sorted axes.
        axes: Vec<usize>,
        /// Keep reduced axes as size 1.
        keepdims: bool,
    },
    /// Data movement by an index map (Slice, Gather with constant indices,
    /// Split, Tile; see [`gather`]).
    Gather(IndexMap),
    /// Elementwise maximum, broadcasting (ONNX Max, variadic, is a chain). Inputs: a, b.
    Max,
    /// Elementwise minimum, broadcasting. Inputs: a, b.
    Min,
    /// `|x|`.
    Abs,
    /// Largest element over axes.
    ReduceMax {
        /// Normalised, sorted axes.
        axes: Vec<usize>,
        /// Keep reduced axes as size 1.
        keepdims: bool,
    },
    /// Smallest element over axes.
    ReduceMin {
        /// Normalised, sorted axes.
        axes: Vec<usize>,
        /// Keep reduced axes as size 1.
        keepdims: bool,
    },
    /// Gather by run-time indices (see [`gather_dyn`]). Inputs: data, indices.
    GatherDyn(DynGather),
    /// ArgMax / ArgMin along one axis (see [`arg`]); the output holds indices.
    Arg(Arg),
    /// One output of TopK, the values or the indices (see [`arg`]).
    TopK(TopK),
    /// A comparison, 1.0 where it holds, else 0.0 (broadcasting). Inputs: a, b. See [`logic`].
    Compare(Cmp),
    /// Not (one input) or And/Or/Xor (two, broadcasting) on truthy (`≠ 0`) values; 0/1 out.
    Logic(Logic),
    /// `a` where `cond ≠ 0`, else `b` (broadcasting). Inputs: cond, a, b.
    Where,
    /// Floor, Ceil or Round (half to even). See [`round`].
    Round(RoundMode),
    /// −1, 0 or 1.
    Sign,
    /// Remainder by a constant divisor tensor (ONNX Mod, broadcasting).
    /// Inputs: x, divisor (a constant, no zero).
    Mod {
        /// C `fmod` (the dividend's sign) if true, else the divisor's sign.
        fmod: bool,
    },
    /// Elementwise quotient `a / b` by a run-time divisor, broadcasting
    /// (ONNX Div whose divisor is computed; see [`divide`]). Inputs: a, b.
    Div,
    /// `(x − mean) / √(var + ε)` over `axes` (ONNX MeanVarianceNormalization
    /// with ε; LayerNormalization, InstanceNormalization and
    /// GroupNormalization are this plus a Mul and an Add; see [`normalize`]).
    Standardize {
        /// Normalised, sorted axes.
        axes: Vec<usize>,
        /// ε added to the variance.
        epsilon: f32,
    },
    /// One-hot of the first maximum along an axis (ONNX Hardmax; see [`hardmax`]).
    Hardmax {
        /// Normalised axis.
        axis: usize,
    },
}

impl Op {
    /// The op's name, as ONNX spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Conv(_) => "Conv",
            Op::MatMul => "MatMul",
            Op::Add => "Add",
            Op::Sub => "Sub",
            Op::Mul => "Mul",
            Op::Relu => "Relu",
            Op::LeakyRelu { .. } => "LeakyRelu",
            Op::Clip { .. } => "Clip",
            Op::Table(f) => f.name(),
            Op::Softmax { .. } => "Softmax",
            Op::MaxPool(_) => "MaxPool",
            Op::AveragePool(_) => "AveragePool",
            Op::Reshape { .. } => "Reshape",
            Op::Transpose { .. } => "Transpose",
            Op::Concat { .. } => "Concat",
            Op::Pad { .. } => "Pad",
            Op::ReduceMean { .. } => "ReduceMean",
            Op::ReduceSum { .. } => "ReduceSum",
            Op::Gather(_) => "Gather",
            Op::Max => "Max",
            Op::Min => "Min",
            Op::Abs => "Abs",
            Op::ReduceMax { .. } => "ReduceMax",
            Op::ReduceMin { .. } => "ReduceMin",
            Op::GatherDyn(_) => "Gather",
            Op::Arg(a) => a.name(),
            Op::TopK(t) => t.name(),
            Op::Compare(c) => c.name(),
            Op::Logic(l) => l.name(),
            Op::Where => "Where",
            Op::Round(m) => m.name(),
            Op::Sign => "Sign",
            Op::Mod { .. } => "Mod",
            Op::Div => "Div",
            Op::Standardize { .. } => "MeanVarianceNormalization",
            Op::Hardmax { .. } => "Hardmax",
        }
    }

    /// The output shape for the given input shapes, or why they are refused.
    pub fn output_shape(&self, inputs: &[&[usize]]) -> Result<Vec<usize>, String> {
        let arity = |n: std::ops::RangeInclusive<usize>| {
            if n.contains(&inputs.len()) {
                Ok(())
            } else {
                Err(format!("takes {n:?} inputs, got {}", inputs.len()))
            }
        };
        match self {
            Op::Conv(c) => {
                arity(2..=3)?;
                c.output_shape(inputs[0], inputs[1], inputs.get(2).copied())
            }
            Op::MatMul => {
                arity(2..=2)?;
                matmul::output_shape(inputs[0], inputs[1])
            }
            Op::Add | Op::Sub | Op::Mul | Op::Max | Op::Min => {
                arity(2..=2)?;
                elementwise::broadcast_shape(inputs[0], inputs[1])
            }
            Op::Relu | Op::LeakyRelu { .. } | Op::Clip { .. } | Op::Table(_) | Op::Abs => {
                arity(1..=1)?;
                Ok(inputs[0].to_vec())
            }
            Op::Softmax { axis } => {
                arity(1..=1)?;
                if *axis >= inputs[0].len() {
                    return Err(format!(
                        "axis {axis} out of range for rank {}",
                        inputs[0].len()
                    ));
                }
                Ok(inputs[0].to_vec())
            }
            Op::MaxPool(p) | Op::AveragePool(p) => {
                arity(1..=1)?;
                p.output_shape(inputs[0])
            }
            Op::Reshape { shape: s } => {
                arity(1..=1)?;
                shape::reshape_shape(inputs[0], s)
            }
            Op::Transpose { perm } => {
                arity(1..=1)?;
                shape::transpose_shape(inputs[0], perm)
            }
            Op::Concat { axis } => {
                if inputs.is_empty() {
                    return Err("takes at least one input".into());
                }
                shape::concat_shape(inputs, *axis)
            }
            Op::Pad { pads, .. } => {
                arity(1..=1)?;
                shape::pad_shape(inputs[0], pads)
            }
            Op::ReduceMax { axes, keepdims } | Op::ReduceMin { axes, keepdims } => {
                arity(1..=1)?;
                if axes.iter().any(|&a| inputs[0].get(a) == Some(&0)) {
                    return Err("reduces an empty axis".into());
                }
                reduce::output_shape(inputs[0], axes, *keepdims)
            }
            Op::ReduceMean { axes, keepdims } | Op::ReduceSum { axes, keepdims } => {
                arity(1..=1)?;
                reduce::output_shape(inputs[0], axes, *keepdims)
            }
            Op::Gather(m) => {
                arity(1..=1)?;
                m.output_shape(inputs[0])
            }
            Op::GatherDyn(g) => {
                arity(2..=2)?;
                g.output_shape(inputs[0], inputs[1])
            }
            Op::Arg(a) => {
                arity(1..=1)?;
                a.output_shape(inputs[0])
            }
            Op::TopK(t) => {
                arity(1..=1)?;
                t.output_shape(inputs[0])
            }
            Op::Compare(_) => {
                arity(2..=2)?;
                elementwise::broadcast_shape(inputs[0], inputs[1])
            }
            Op::Logic(l) => {
                arity(l.arity()..=l.arity())?;
                logic::broadcast_all(inputs)
            }
            Op::Where => {
                arity(3..=3)?;
                logic::broadcast_all(inputs)
            }
            Op::Round(_) | Op::Sign => {
                arity(1..=1)?;
                Ok(inputs[0].to_vec())
            }
            Op::Mod { .. } => {
                arity(2..=2)?;
                elementwise::broadcast_shape(inputs[0], inputs[1])
            }
            Op::Div => {
                arity(2..=2)?;
                elementwise::broadcast_shape(inputs[0], inputs[1])
            }
            Op::Standardize { axes, .. } => {
                arity(1..=1)?;
                if axes.is_empty()
                    || axes
                        .iter()
                        .any(|&a| inputs[0].get(a).is_none_or(|&d| d == 0))
                {
                    return Err(format!(
                        "axes {axes:?} must be non-empty, within rank {} and not of size 0",
                        inputs[0].len()
                    ));
                }
                Ok(inputs[0].to_vec())
            }
            Op::Hardmax { axis } => {
                arity(1..=1)?;
                if *axis >= inputs[0].len() {
                    return Err(format!(
                        "axis {axis} out of range for rank {}",
                        inputs[0].len()
                    ));
                }
                Ok(inputs[0].to_vec())
            }
        }
    }
}

/// An integer op: the spec. Every parameter a circuit needs is explicit.
///
/// Scales: every tensor `t` has an exponent `s_t` (real ≈ q / 2^s_t), stored in
/// the [`crate::QGraph`]; the parameters below are derived from them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum QOp {
    /// Convolution: exact accumulation (bias at scale `s_x + s_w`), then
    /// `rshift(acc, shift)` to the output scale. See [`conv`].
    Conv {
        /// Geometry.
        conv: Conv,
        /// `s_x + s_w - s_out`.
        shift: u32,
    },
    /// Matrix product: exact accumulation, then `rshift(acc, shift)`. See [`matmul`].
    MatMul {
        /// `s_a + s_b - s_out`.
        shift: u32,
    },
    /// `align(a) + align(b)`. See [`elementwise`].
    Add {
        /// Per input: `s_out - s_in` (left shift if ≥ 0, rounding right shift if < 0).
        align: [i32; 2],
    },
    /// `align(a) - align(b)`.
    Sub {
        /// As for [`QOp::Add`].
        align: [i32; 2],
    },
    /// `rshift(a·b, shift)`.
    Mul {
        /// `s_a + s_b - s_out`.
        shift: u32,
    },
    /// `max(q, 0)`; scale unchanged.
    Relu,
    /// `q` if `q ≥ 0` else `rshift(q·alpha, alpha_shift)`; scale unchanged.
    LeakyRelu {
        /// `round(alpha · 2^alpha_shift)`.
        alpha: i64,
        /// Fraction bits of `alpha`.
        alpha_shift: u32,
    },
    /// `min(max(q, min), max)`; scale unchanged; bounds quantized at the input scale.
    Clip {
        /// Lower bound (`i64::MIN` for none).
        min: i64,
        /// Upper bound (`i64::MAX` for none).
        max: i64,
    },
    /// `quantize(f(q / 2^in_scale), out_scale)`: a lookup table over the input's range. See [`table`].
    Table {
        /// The function.
        func: TableFn,
        /// Input scale exponent.
        in_scale: i32,
        /// Output scale exponent.
        out_scale: i32,
        /// The inputs it accepts ([`table::domain`]); `None`: the whole
        /// activation range (and what a graph serialized before domains
        /// existed loads as).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        domain: Option<table::TableDomain>,
    },
    /// Softmax; see [`softmax`] for the integer rule.
    Softmax {
        /// Axis.
        axis: usize,
        /// Input scale exponent.
        in_scale: i32,
        /// Scale of the exponentials.
        exp_scale: i32,
        /// Output scale exponent.
        out_scale: i32,
    },
    /// Max pooling: exact.
    MaxPool(Pool),
    /// Average pooling: window sum, then `rdiv(sum, count)`.
    AveragePool(Pool),
    /// Reshape: exact.
    Reshape {
        /// Output shape.
        shape: Vec<usize>,
    },
    /// Transpose: exact.
    Transpose {
        /// Permutation.
        perm: Vec<usize>,
    },
    /// Concat after aligning each input to the output scale.
    Concat {
        /// Axis.
        axis: usize,
        /// Per input: `s_out - s_in`.
        align: Vec<i32>,
    },
    /// Constant padding with a quantized fill value.
    Pad {
        /// As in [`Op::Pad`].
        pads: Vec<usize>,
        /// The fill value at the input scale.
        value: i64,
    },
    /// Sum over axes, then `rdiv(sum, count)`; scale unchanged.
    ReduceMean {
        /// Axes.
        axes: Vec<usize>,
        /// Keep dims.
        keepdims: bool,
    },
    /// Sum over axes, then `rshift(sum, shift)`.
    ReduceSum {
        /// Axes.
        axes: Vec<usize>,
        /// Keep dims.
        keepdims: bool,
        /// `s_in - s_out`.
        shift: u32,
    },
    /// Data movement by an index map: exact, scale unchanged. See [`gather`].
    Gather(IndexMap),
    /// `max(align(a), align(b))`. See [`select`].
    Max {
        /// As for [`QOp::Add`].
        align: [i32; 2],
    },
    /// `min(align(a), align(b))`.
    Min {
        /// As for [`QOp::Add`].
        align: [i32; 2],
    },
    /// `|q|`; scale unchanged.
    Abs,
    /// Largest element over axes; scale unchanged.
    ReduceMax {
        /// Axes.
        axes: Vec<usize>,
        /// Keep dims.
        keepdims: bool,
    },
    /// Smallest element over axes; scale unchanged.
    ReduceMin {
        /// Axes.
        axes: Vec<usize>,
        /// Keep dims.
        keepdims: bool,
    },
    /// Gather by run-time indices: exact, output at the data's scale. See [`gather_dyn`].
    GatherDyn {
        /// The fixed part.
        map: DynGather,
        /// Scale exponent of the indices tensor.
        idx_scale: i32,
    },
    /// ArgMax / ArgMin: exact; the output is an index at scale 0. See [`arg`].
    Arg(Arg),
    /// One output of TopK: exact; values keep the scale, indices get scale 0.
    TopK(TopK),
    /// `[align(a) cmp align(b)]` at scale 0, operands left-shifted to their
    /// common (finer) scale. See [`logic`].
    Compare {
        /// The comparison.
        cmp: Cmp,
        /// Per operand: the left shift `s − s_in ≥ 0` to the common scale.
        align: [i32; 2],
    },
    /// Logic on truthy (`≠ 0`) values, 0/1 at scale 0.
    Logic(Logic),
    /// `align(a)` where `cond ≠ 0`, else `align(b)`.
    Where {
        /// Per operand a, b: as for [`QOp::Add`].
        align: [i32; 2],
    },
    /// Floor / Ceil / Round at the input's scale, fraction bits cleared. See [`round`].
    Round {
        /// The rounding.
        mode: RoundMode,
        /// The input (and output) scale.
        scale: i32,
    },
    /// `−1`, `0` or `1` at scale 0.
    Sign,
    /// Remainder by a constant divisor quantized at the input's scale (no
    /// zero); scale unchanged. Inputs: x, divisor.
    Mod {
        /// As in [`Op::Mod`].
        fmod: bool,
    },
    /// `rdiv_signed(a·2^num_shift, b·2^den_shift)`, broadcasting; a zero
    /// divisor is refused by the executor. See [`divide`].
    Div {
        /// `max(s_out + s_b − s_a, 0)`.
        num_shift: u32,
        /// `max(s_a − s_out − s_b, 0)`.
        den_shift: u32,
    },
    /// Standardization over `axes`, exact up to the floor square root and the
    /// last division. See [`normalize`].
    Standardize {
        /// Axes.
        axes: Vec<usize>,
        /// `E = round(ε·n⁴·4^s_in)`.
        eps: i64,
        /// Extra square-root bits `t`.
        extra: u32,
        /// `s_out + t`.
        out_shift: u32,
    },
    /// One-hot of the first maximum along `axis`, at scale 0. See [`hardmax`].
    Hardmax {
        /// Axis.
        axis: usize,
    },
}

impl QOp {
    /// The op's name, as ONNX spells it (`Table` ops report their function).
    pub fn name(&self) -> &'static str {
        match self {
            QOp::Conv { .. } => "Conv",
            QOp::MatMul { .. } => "MatMul",
            QOp::Add { .. } => "Add",
            QOp::Sub { .. } => "Sub",
            QOp::Mul { .. } => "Mul",
            QOp::Relu => "Relu",
            QOp::LeakyRelu { .. } => "LeakyRelu",
            QOp::Clip { .. } => "Clip",
            QOp::Table { func, .. } => func.name(),
            QOp::Softmax { .. } => "Softmax",
            QOp::MaxPool(_) => "MaxPool",
            QOp::AveragePool(_) => "AveragePool",
            QOp::Reshape { .. } => "Reshape",
            QOp::Transpose { .. } => "Transpose",
            QOp::Concat { .. } => "Concat",
            QOp::Pad { .. } => "Pad",
            QOp::ReduceMean { .. } => "ReduceMean",
            QOp::ReduceSum { .. } => "ReduceSum",
            QOp::Gather(_) => "Gather",
            QOp::Max { .. } => "Max",
            QOp::Min { .. } => "Min",
            QOp::Abs => "Abs",
            QOp::ReduceMax { .. } => "ReduceMax",
            QOp::ReduceMin { .. } => "ReduceMin",
            QOp::GatherDyn { .. } => "Gather",
            QOp::Arg(a) => a.name(),
            QOp::TopK(t) => t.name(),
            QOp::Compare { cmp, .. } => cmp.name(),
            QOp::Logic(l) => l.name(),
            QOp::Where { .. } => "Where",
            QOp::Round { mode, .. } => mode.name(),
            QOp::Sign => "Sign",
            QOp::Mod { .. } => "Mod",
            QOp::Div { .. } => "Div",
            QOp::Standardize { .. } => "MeanVarianceNormalization",
            QOp::Hardmax { .. } => "Hardmax",
        }
    }
}

/// The number types the shared op kernels run on (`f32` reference, `i64` spec).
pub trait Num:
    Copy
    + Default
    + PartialOrd
    + std::fmt::Debug
    + std::ops::Add<Output = Self>
    + std::ops::Mul<Output = Self>
{
}
impl Num for f32 {}
impl Num for i64 {}
