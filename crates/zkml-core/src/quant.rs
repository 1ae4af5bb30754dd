//! Calibration and power-of-two quantization.
//!
//! Every tensor `t` gets a scale exponent `s_t` (real ≈ q / 2^s_t) and every
//! activation must satisfy `|q| ≤ bound = 2^(act_bits−1) − 1`, the range the
//! proving backends check.
//!
//! * Activations: `s_t = min(max_scale, ⌊log2(bound / (margin · max|x_t|))⌋)`
//!   from calibration, then capped by the op's exact precision (a product
//!   cannot carry more fraction bits than its factors together, an Add no more
//!   than its finest input). Exact ops (Relu, Clip, MaxPool, shape ops,
//!   averages) keep their input's scale.
//! * Constants multiplied into an op (weights, Mul factors):
//!   `s_w = ⌊log2((2^(weight_bits−1) − 1) / max|w|)⌋`; biases at `s_x + s_w`;
//!   constants added or concatenated at the output scale.
//! * Sigmoid, Tanh and Softmax outputs (within ±1) get `max_scale`, capped so
//!   that 1 fits the activation bound: `min(max_scale, ⌊log2 bound⌋)`.
//! * With [`QuantConfig::fixed_scale`] every tensor uses one scale (the earlier
//!   zkml's `global_sf`), and `act_bits` grows to hold the calibrated range.
//!
//! Each op family's rule lives next to its integer rule in [`crate::ops`]
//! (`quantize*`, given a [`QuantCtx`]); [`quantize`] only dispatches.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::float::eval_float;
use crate::graph::{Graph, Node, ValueKind};
use crate::ops::{
    activation, arg, conv, divide, elementwise, gather, gather_dyn, hardmax, logic, matmul,
    normalize, pool, reduce, round, select, shape, softmax, table, Op, QOp,
};
use crate::rounding::quantize_value;
use crate::tensor::{FTensor, ITensor};

pub mod feature;
mod graph;

pub use graph::{AxisScales, QGraph, QNode, QValue, QValueKind};

/// Quantization settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuantConfig {
    /// Activations lie in `±(2^(act_bits−1) − 1)`.
    pub act_bits: u32,
    /// Most fraction bits an activation gets.
    pub max_scale: i32,
    /// Weights are quantized to `weight_bits`-bit signed integers.
    pub weight_bits: u32,
    /// Headroom over the largest calibrated magnitude.
    pub margin: f64,
    /// One scale for every tensor (msgpack models), or `None` to calibrate.
    pub fixed_scale: Option<i32>,
    /// Conv and constant-weight MatMul weights get one scale per output
    /// channel, aligned into one tensor ([`QuantCtx::weight_per_channel`]);
    /// `false`: one scale per weight tensor.
    #[serde(default = "per_channel_default")]
    pub per_channel: bool,
    /// A model input whose features (last axis) have very different ranges
    /// and that only products by constant matrices read gets one scale per
    /// feature ([`feature`]); `false`: one scale per input.
    #[serde(default = "per_channel_default")]
    pub per_feature_inputs: bool,
}

fn per_channel_default() -> bool {
    true
}

impl Default for QuantConfig {
    fn default() -> Self {
        Self {
            act_bits: 16,
            max_scale: 8,
            weight_bits: 10,
            margin: 2.0,
            fixed_scale: None,
            per_channel: true,
            per_feature_inputs: true,
        }
    }
}

/// Per-value largest magnitude seen over the calibration samples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// `max |x|` per value of the graph.
    pub max_abs: Vec<f64>,
    /// Number of samples.
    pub samples: usize,
    /// Per model input (in `Graph::inputs` order), `max |x|` per index of its
    /// last axis (empty for a scalar input).
    #[serde(default)]
    pub input_feature_max: Vec<Vec<f64>>,
    /// `min x` per value of the graph (empty in calibrations saved before
    /// it existed: the range is then unknown).
    #[serde(default)]
    pub min: Vec<f64>,
    /// `max x` per value of the graph (empty likewise).
    #[serde(default)]
    pub max: Vec<f64>,
}

/// Runs the float graph on each sample and records every tensor's range.
pub fn calibrate(g: &Graph, samples: &[Vec<FTensor>]) -> Result<Calibration> {
    let mut max_abs = vec![0f64; g.values.len()];
    let mut input_feature_max: Vec<Vec<f64>> = g
        .inputs
        .iter()
        .map(|&i| vec![0.0; g.values[i].shape.last().copied().unwrap_or(0)])
        .collect();
    let mut min = vec![f64::INFINITY; g.values.len()];
    let mut max = vec![f64::NEG_INFINITY; g.values.len()];
    for s in samples {
        for (id, v) in eval_float(g, s)?.iter().enumerate() {
            for &x in v.iter() {
                let x = x as f64;
                max_abs[id] = max_abs[id].max(x.abs());
                min[id] = min[id].min(x);
                max[id] = max[id].max(x);
            }
        }
        for (fm, x) in input_feature_max.iter_mut().zip(s) {
            let n = fm.len();
            if n > 0 && x.len() % n == 0 {
                for (j, v) in x.iter().enumerate() {
                    fm[j % n] = fm[j % n].max(v.abs() as f64);
                }
            }
        }
    }
    Ok(Calibration {
        max_abs,
        samples: samples.len(),
        input_feature_max,
        min,
        max,
    })
}

fn floor_log2(x: f64) -> i32 {
    x.log2().floor() as i32
}

/// The scale of a constant multiplied into an op (weights, Mul factors):
/// `⌊log2((2^(weight_bits−1) − 1) / max|w|)⌋` (at most 30; 0 for an all-zero
/// tensor), or the fixed scale.
pub fn weight_scale(cfg: &QuantConfig, t: &FTensor) -> i32 {
    if let Some(s) = cfg.fixed_scale {
        return s;
    }
    let m = t.iter().fold(0f64, |m, x| m.max(x.abs() as f64));
    if m <= 0.0 {
        0
    } else {
        floor_log2(((1i64 << (cfg.weight_bits - 1)) - 1) as f64 / m).min(30)
    }
}

/// What one node's quantization rule sees: the float node, the settings, the
/// calibrated output scale, and the scales chosen so far. Each op family's
/// rule (`quantize_*` in [`crate::ops`]) takes it and returns the integer op
/// and the output's scale; constant inputs get their scale (and integers)
/// through [`QuantCtx::fix_const`] / [`QuantCtx::weight`].
pub struct QuantCtx<'a> {
    /// The float graph.
    pub g: &'a Graph,
    /// The node being quantized.
    pub node: &'a Node,
    /// The settings.
    pub cfg: &'a QuantConfig,
    /// The output's scale from calibration (the fixed scale when set).
    pub cal_out: i32,
    /// The finest scale at which ±1 (the range of Sigmoid, Tanh and Softmax
    /// outputs) is within the activation bound.
    pub unit_scale: i32,
    /// The graph's activation bits (`QGraph::act_bits`: the setting, or
    /// grown to hold the calibrated range at a fixed scale).
    pub act_bits: u32,
    cal: &'a Calibration,
    scales: &'a mut [Option<i32>],
    kinds: &'a mut [Option<QValueKind>],
    axis_scales: &'a mut [Option<AxisScales>],
}

impl QuantCtx<'_> {
    /// A quantization error for this node.
    pub fn err(&self, reason: impl Into<String>) -> Error {
        Error::Quantize {
            node: self.node.name.clone(),
            op: self.node.op.name(),
            reason: reason.into(),
        }
    }

    /// The scale of input `k`, if already set (activations always are;
    /// constants once a consumer fixed it).
    pub fn scale(&self, k: usize) -> Option<i32> {
        self.scales[self.node.inputs[k]]
    }

    /// Sets constant input `k`'s scale to `s` (if not yet set) and quantizes
    /// it; returns its scale.
    pub fn fix_const(&mut self, k: usize, s: i32) -> Result<i32> {
        let id = self.node.inputs[k];
        if let Some(s) = self.scales[id] {
            return Ok(s);
        }
        let t = self
            .g
            .const_value(id)
            .ok_or_else(|| self.err(format!("input `{}` has no scale", self.g.values[id].name)))?;
        self.scales[id] = Some(s);
        self.kinds[id] = Some(QValueKind::Const(t.mapv(|x| quantize_value(x as f64, s))));
        Ok(s)
    }

    /// The scale of input `k`; a constant not yet scaled gets its weight
    /// scale ([`weight_scale`]).
    pub fn weight(&mut self, k: usize) -> Result<i32> {
        if let Some(s) = self.scale(k) {
            return Ok(s);
        }
        let id = self.node.inputs[k];
        let s = self
            .g
            .const_value(id)
            .map(|t| weight_scale(self.cfg, t))
            .ok_or_else(|| self.err(format!("input `{}` has no scale", self.g.values[id].name)))?;
        self.fix_const(k, s)
    }

    /// The scale of constant input `k` quantized per channel along `axis`
    /// (Conv's output channels, a weight matrix's columns), aligned into one
    /// tensor; falls back to [`QuantCtx::weight`] when the input already has
    /// a scale, is not a constant, or per-channel scales are off.
    ///
    /// # Design: aligned per-channel scales
    ///
    /// Channel `c` gets its own weight scale `s_c` (the [`weight_scale`] of
    /// its weights alone), so every channel keeps `weight_bits` significant
    /// bits however small its weights (folded BatchNorm factors of a
    /// depthwise conv span orders of magnitude across channels). The tensor
    /// is stored at the finest useful scale `s_max = min(max_c s_c, cap)`
    /// as `q_c = round(w_c·2^s_c) · 2^(s_max − s_c)` with every `s_c` capped
    /// at `s_max`: the integers a per-channel rescale shift
    /// `s_x + s_c − s_out` would produce, brought to one shift
    /// `s_x + s_max − s_out`. So the executor, the plonk and the sumcheck
    /// backends stay unchanged, and the proof is of the same op. Its costs:
    /// stored weights exceed `weight_bits` by the spread `s_max − min_c s_c`
    /// (committed or private weights are range checked to the widest stored
    /// weight, which the plonk model hash binds), and the one rescale shift
    /// grows by the spread (a wider remainder range check in the same row).
    /// The alternative, a rescale shift per output channel, gives the same
    /// integers but needs a per-channel shift in the executor, the plonk
    /// rescale rows and the sumcheck rescale argument.
    ///
    /// [`QuantCtx::channel_cap`] bounds `s_max` (`x` is the activation
    /// input, `taps` the number of products per output): the scale past
    /// which finer weights no longer change the output, or the accumulator
    /// could leave `i64`. A channel whose weights are all zero takes
    /// no part in `s_max`. When `s_max` equals the per-tensor scale the
    /// integers are exactly the per-tensor ones.
    pub fn weight_per_channel(
        &mut self,
        k: usize,
        axis: usize,
        x: usize,
        taps: usize,
    ) -> Result<i32> {
        if self.scale(k).is_some() || !self.cfg.per_channel || self.cfg.fixed_scale.is_some() {
            return self.weight(k);
        }
        let id = self.node.inputs[k];
        let Some(t) = self.g.const_value(id) else {
            return self.weight(k);
        };
        if axis >= t.ndim() {
            return self.weight(k);
        }
        let s_t = weight_scale(self.cfg, t);
        let Some(s_x) = self.scale(x) else {
            return self.weight(k);
        };
        let cap = self.channel_cap(x, s_x, s_t, taps);
        let scales: Vec<Option<i32>> = t
            .axis_iter(ndarray::Axis(axis))
            .map(|ch| {
                let m = ch.iter().fold(0f64, |m, x| m.max(x.abs() as f64));
                (m > 0.0).then(|| weight_scale(self.cfg, &ch.to_owned()))
            })
            .collect();
        let s_max = scales
            .iter()
            .flatten()
            .copied()
            .max()
            .unwrap_or(s_t)
            .min(cap);
        if s_max <= s_t {
            return self.fix_const(k, s_t);
        }
        let mut q = t.mapv(|_| 0i64);
        for ((mut qc, wc), s_c) in q
            .axis_iter_mut(ndarray::Axis(axis))
            .zip(t.axis_iter(ndarray::Axis(axis)))
            .zip(&scales)
        {
            let s_c = s_c.unwrap_or(s_max).clamp(s_t, s_max);
            let up = 1i64 << (s_max - s_c);
            qc.zip_mut_with(&wc, |q, &w| *q = quantize_value(w as f64, s_c) * up);
        }
        self.scales[id] = Some(s_max);
        self.kinds[id] = Some(QValueKind::Const(q));
        Ok(s_max)
    }

    /// The calibrated `max |x|` of input `k` (0 without calibration data).
    pub fn cal_max(&self, k: usize) -> f64 {
        self.cal
            .max_abs
            .get(self.node.inputs[k])
            .copied()
            .unwrap_or(0.0)
    }

    /// The calibrated range `(min x, max x)` of input `k`, or `(∞, −∞)`
    /// without calibration data.
    pub fn cal_range(&self, k: usize) -> (f64, f64) {
        let id = self.node.inputs[k];
        match (self.cal.min.get(id), self.cal.max.get(id)) {
            (Some(&lo), Some(&hi)) => (lo, hi),
            _ => (f64::INFINITY, f64::NEG_INFINITY),
        }
    }

    /// The finest per-channel weight scale worth storing for a product of
    /// activation input `x` (scale `s_x`) by constant input `w` (per-tensor
    /// weight scale `s_t`) with `taps` terms per output: the least of
    ///
    /// * `cal_out + ⌈log2(taps · max|x|)⌉ + 2`: past it a channel's weight
    ///   rounding (at most `taps · max|x| · 2^-(s_c+1)` on an output) is below
    ///   a quarter of the output's own rounding `2^-(s_out+1)`, `s_out ≤ cal_out`
    ///   (`max|x|` is the calibrated range with the margin, or the whole
    ///   activation range without calibration data);
    /// * `s_t + 60 − (act_bits − 1) − (weight_bits − 1) − ⌈log2 taps⌉`: the
    ///   exact `i64` accumulation of `taps` products of activations and
    ///   weights widened by `s_max − s_t` bits stays below `2^60`;
    /// * 30, the per-tensor cap.
    pub fn channel_cap(&self, x: usize, s_x: i32, s_t: i32, taps: usize) -> i32 {
        let represented = crate::rounding::pow2f(i64::from(self.cfg.act_bits as i32 - 1 - s_x));
        let m = (self.cal_max(x) * self.cfg.margin).min(represented);
        let m = if m > 0.0 { m } else { represented };
        let taps = taps.max(1) as f64;
        let useful = self.cal_out + (taps * m).log2().ceil() as i32 + 2;
        let acc = s_t + 60
            - (self.cfg.act_bits as i32 - 1)
            - (self.cfg.weight_bits as i32 - 1)
            - taps.log2().ceil() as i32;
        useful.min(acc).min(30)
    }

    /// Whether input `k` is a constant.
    pub fn is_const(&self, k: usize) -> bool {
        self.g.const_value(self.node.inputs[k]).is_some()
    }

    /// For ops on activations only: checks every input has a scale (a
    /// constant input should have been folded) and returns input 0's.
    pub fn s_in(&self) -> Result<i32> {
        if let Some(&c) = self.node.inputs.iter().find(|&&i| self.scales[i].is_none()) {
            return Err(self.err(format!(
                "constant input `{}` should have been folded",
                self.g.values[c].name
            )));
        }
        Ok(self.scales[self.node.inputs[0]].expect("checked above"))
    }

    /// `s` unless every tensor has the fixed scale.
    pub fn fixed_or(&self, s: i32) -> i32 {
        self.cfg.fixed_scale.unwrap_or(s)
    }

    /// A product of inputs 0 and 1 (constants at their weight scale):
    /// `(shift, s_out)` with `s_out = min(cal_out, s_0 + s_1)` (a product
    /// carries at most its factors' fraction bits) and `shift = s_0 + s_1 − s_out`.
    pub fn product(&mut self) -> Result<(u32, i32)> {
        let (s0, s1) = (self.weight(0)?, self.weight(1)?);
        let s_out = self.cal_out.min(s0 + s1);
        Ok(((s0 + s1 - s_out) as u32, s_out))
    }

    /// Inputs aligned to one output scale (Add, Sub, Max, Min, Concat): the
    /// finest input's scale (the coarsest's with `coarsest`), capped by
    /// calibration; constants are quantized at the output scale. Returns
    /// `s_out` and per input `s_out − s_in`.
    pub fn aligned(&mut self, coarsest: bool) -> Result<(i32, Vec<i32>)> {
        let x = &self.node.inputs;
        let finest = x.iter().filter_map(|&i| self.scales[i]).max();
        let coarse = x.iter().filter_map(|&i| self.scales[i]).min();
        let s_out = match (coarsest, finest, coarse) {
            (true, _, Some(c)) => c.min(self.cal_out),
            (false, Some(f), _) => f.min(self.cal_out),
            _ => self.cal_out,
        };
        for k in 0..x.len() {
            self.fix_const(k, s_out)?;
        }
        let align = x
            .iter()
            .map(|&i| s_out - self.scales[i].expect("fixed above"))
            .collect();
        Ok((s_out, align))
    }
}

/// Quantizes a float graph with a calibration.
pub fn quantize(g: &Graph, cal: &Calibration, cfg: &QuantConfig) -> Result<QGraph> {
    let bound = ((1i64 << (cfg.act_bits - 1)) - 1) as f64;
    let act_scale = |id: usize| -> i32 {
        if let Some(s) = cfg.fixed_scale {
            return s;
        }
        let m = cal.max_abs[id] * cfg.margin;
        if m <= 0.0 {
            cfg.max_scale
        } else {
            floor_log2(bound / m).min(cfg.max_scale)
        }
    };
    let weight_scale = |t: &FTensor| weight_scale(cfg, t);
    let quant = |t: &FTensor, s: i32| -> ITensor { t.mapv(|x| quantize_value(x as f64, s)) };
    let unit_scale = floor_log2(bound);

    let act_bits = match cfg.fixed_scale {
        None => cfg.act_bits,
        Some(s) => {
            // Grow the range to hold every calibrated activation with the margin.
            let mut bits = cfg.act_bits;
            for (id, v) in g.values.iter().enumerate() {
                if !matches!(v.kind, ValueKind::Const(_)) {
                    let m = cal.max_abs[id] * cfg.margin * 2f64.powi(s);
                    while ((1i64 << (bits - 1)) - 1) as f64 <= m && bits < 62 {
                        bits += 1;
                    }
                }
            }
            bits
        }
    };

    let mut scales: Vec<Option<i32>> = vec![None; g.values.len()];
    let mut kinds: Vec<Option<QValueKind>> = vec![None; g.values.len()];
    for &i in &g.inputs {
        scales[i] = Some(act_scale(i));
        kinds[i] = Some(QValueKind::Input);
    }
    let mut axis_scales = feature::input_scales(g, cal, cfg, &act_scale);
    let mut nodes = Vec::with_capacity(g.nodes.len());
    for (ni, node) in g.nodes.iter().enumerate() {
        let mut ctx = QuantCtx {
            g,
            node,
            cfg,
            cal_out: act_scale(node.output),
            unit_scale,
            act_bits,
            cal,
            scales: &mut scales,
            kinds: &mut kinds,
            axis_scales: &mut axis_scales,
        };
        let (op, s_out) = quantize_node(&node.op, &mut ctx)?;
        scales[node.output] = Some(s_out);
        kinds[node.output] = Some(QValueKind::Node(ni));
        nodes.push(QNode {
            name: node.name.clone(),
            op,
            inputs: node.inputs.clone(),
            output: node.output,
        });
    }

    // Table ops of one function and scales share one table: one domain,
    // kept where it saves rows (`ops::table::domain_cost`).
    table::domain_cost::choose_domains(
        &mut nodes
            .iter_mut()
            .map(|n| {
                let elems = n
                    .inputs
                    .first()
                    .map_or(0, |&i| g.values[i].shape.iter().product::<usize>() as u64);
                (&mut n.op, elems)
            })
            .collect::<Vec<_>>(),
        act_bits,
    );

    // Constants nobody consumed (e.g. a constant model output) still get a scale.
    for (id, v) in g.values.iter().enumerate() {
        if scales[id].is_none() {
            if let ValueKind::Const(t) = &v.kind {
                let s = weight_scale(t);
                scales[id] = Some(s);
                kinds[id] = Some(QValueKind::Const(quant(t, s)));
            }
        }
    }

    let values = g
        .values
        .iter()
        .enumerate()
        .map(|(id, v)| QValue {
            name: v.name.clone(),
            shape: v.shape.clone(),
            scale: scales[id].unwrap_or(0),
            kind: kinds[id].clone().unwrap_or(QValueKind::Input),
            axis_scales: axis_scales[id].clone(),
        })
        .collect();
    Ok(QGraph {
        values,
        nodes,
        inputs: g.inputs.clone(),
        outputs: g.outputs.clone(),
        act_bits,
    })
}

/// One node's integer op and output scale: a dispatch to its family's rule.
fn quantize_node(op: &Op, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    match op {
        Op::Conv(conv) => conv::quantize(conv, c),
        Op::MatMul => matmul::quantize(c),
        Op::Add => elementwise::quantize_add(c, false),
        Op::Sub => elementwise::quantize_add(c, true),
        Op::Mul => elementwise::quantize_mul(c),
        Op::Relu => activation::quantize_relu(c),
        Op::LeakyRelu { alpha } => activation::quantize_leaky_relu(*alpha, c),
        Op::Clip { min, max } => activation::quantize_clip(*min, *max, c),
        Op::Table(func) => table::quantize(*func, c),
        Op::Softmax { axis } => softmax::quantize(*axis, c),
        Op::MaxPool(p) => pool::quantize(p, true, c),
        Op::AveragePool(p) => pool::quantize(p, false, c),
        Op::Reshape { shape } => shape::quantize_reshape(shape, c),
        Op::Transpose { perm } => shape::quantize_transpose(perm, c),
        Op::Concat { axis } => shape::quantize_concat(*axis, c),
        Op::Pad { pads, value } => shape::quantize_pad(pads, *value, c),
        Op::ReduceMean { axes, keepdims } => reduce::quantize_mean(axes, *keepdims, c),
        Op::ReduceSum { axes, keepdims } => reduce::quantize_sum(axes, *keepdims, c),
        Op::Gather(m) => gather::quantize(m, c),
        Op::Max => select::quantize_max_min(c, true),
        Op::Min => select::quantize_max_min(c, false),
        Op::Abs => select::quantize_abs(c),
        Op::ReduceMax { axes, keepdims } => select::quantize_reduce(axes, *keepdims, true, c),
        Op::ReduceMin { axes, keepdims } => select::quantize_reduce(axes, *keepdims, false, c),
        Op::GatherDyn(m) => gather_dyn::quantize(m, c),
        Op::Arg(a) => arg::quantize_arg(a, c),
        Op::TopK(t) => arg::quantize_top_k(t, c),
        Op::Compare(cmp) => logic::quantize_compare(*cmp, c),
        Op::Logic(op) => logic::quantize_logic(*op, c),
        Op::Where => logic::quantize_where(c),
        Op::Round(mode) => round::quantize_round(*mode, c),
        Op::Sign => round::quantize_sign(c),
        Op::Mod { fmod } => round::quantize_mod(*fmod, c),
        Op::Div => divide::quantize(c),
        Op::Standardize { axes, epsilon } => normalize::quantize(axes, *epsilon, c),
        Op::Hardmax { axis } => hardmax::quantize(*axis, c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::execute;

    /// With a narrow activation range (`act_bits = 8`, bound 127) the table
    /// and softmax outputs must still fit: at `max_scale = 8`, 1.0 would be
    /// 256. Their scale is capped at ⌊log2 127⌋ = 6.
    #[test]
    fn unit_range_outputs_fit_narrow_activations() {
        let mut g = Graph::new();
        let x = g.add_input("x", vec![1, 4]);
        let sig = g
            .add_node("sig", Op::Table(table::TableFn::Sigmoid), vec![x], "sig")
            .unwrap();
        let tanh = g
            .add_node("tanh", Op::Table(table::TableFn::Tanh), vec![x], "tanh")
            .unwrap();
        let sm = g
            .add_node("sm", Op::Softmax { axis: 1 }, vec![x], "sm")
            .unwrap();
        for o in [sig, tanh, sm] {
            g.add_output(o);
        }
        let input = FTensor::from_shape_vec(vec![1, 4], vec![-6.0, -0.5, 0.5, 6.0]).unwrap();
        let cal = calibrate(&g, &[vec![input.clone()]]).unwrap();
        let cfg = QuantConfig {
            act_bits: 8,
            ..QuantConfig::default()
        };
        let q = quantize(&g, &cal, &cfg).unwrap();
        for o in [sig, tanh, sm] {
            assert_eq!(q.values[o].scale, 6, "{}", q.values[o].name);
        }
        let trace = execute(&q, &[input]).expect("outputs within ±127");
        // sigmoid(6) ≈ 0.9975 → 64 at scale 2^-6; tanh(-6) ≈ −1 → −64.
        assert_eq!(trace.values[sig][[0, 3]], 64);
        assert_eq!(trace.values[tanh][[0, 0]], -64);
        // The default config keeps max_scale (8 ≤ ⌊log2 32767⌋ = 14).
        let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
        assert_eq!(q.values[sm].scale, 8);
    }
}
