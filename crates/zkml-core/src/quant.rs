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

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::float::eval_float;
use crate::graph::{Graph, ValueKind};
use crate::ops::{table, Op, QOp};
use crate::rounding::quantize_value;
use crate::tensor::{FTensor, ITensor};

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
}

impl Default for QuantConfig {
    fn default() -> Self {
        Self {
            act_bits: 16,
            max_scale: 8,
            weight_bits: 10,
            margin: 2.0,
            fixed_scale: None,
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
}

/// Runs the float graph on each sample and records every tensor's range.
pub fn calibrate(g: &Graph, samples: &[Vec<FTensor>]) -> Result<Calibration> {
    let mut max_abs = vec![0f64; g.values.len()];
    for s in samples {
        for (m, v) in max_abs.iter_mut().zip(eval_float(g, s)?) {
            *m = v.iter().fold(*m, |m, x| m.max(x.abs() as f64));
        }
    }
    Ok(Calibration {
        max_abs,
        samples: samples.len(),
    })
}

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

fn floor_log2(x: f64) -> i32 {
    x.log2().floor() as i32
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
    let weight_scale = |t: &FTensor| -> i32 {
        if let Some(s) = cfg.fixed_scale {
            return s;
        }
        let m = t.iter().fold(0f64, |m, x| m.max(x.abs() as f64));
        if m <= 0.0 {
            0
        } else {
            floor_log2(((1i64 << (cfg.weight_bits - 1)) - 1) as f64 / m).min(30)
        }
    };
    let quant = |t: &FTensor, s: i32| -> ITensor { t.mapv(|x| quantize_value(x as f64, s)) };
    // The finest scale at which ±1 (the range of Sigmoid, Tanh and Softmax
    // outputs) is within the activation bound: their output scale is at most this.
    let unit_scale = floor_log2(bound);

    let mut scales: Vec<Option<i32>> = vec![None; g.values.len()];
    let mut kinds: Vec<Option<QValueKind>> = vec![None; g.values.len()];
    for &i in &g.inputs {
        scales[i] = Some(act_scale(i));
        kinds[i] = Some(QValueKind::Input);
    }
    let mut nodes = Vec::with_capacity(g.nodes.len());
    for (ni, node) in g.nodes.iter().enumerate() {
        let err = |reason: String| Error::Quantize {
            node: node.name.clone(),
            op: node.op.name(),
            reason,
        };
        // Sets a constant input's scale (if not yet set) and quantizes it.
        let mut fix_const = |id: usize, s: i32, scales: &mut Vec<Option<i32>>| -> Result<i32> {
            if let Some(s) = scales[id] {
                return Ok(s);
            }
            let t = g
                .const_value(id)
                .ok_or_else(|| err(format!("input `{}` has no scale", g.values[id].name)))?;
            scales[id] = Some(s);
            kinds[id] = Some(QValueKind::Const(quant(t, s)));
            Ok(s)
        };
        let is_const = |id: usize| g.const_value(id).is_some();
        let cal_out = act_scale(node.output);
        let x = &node.inputs;
        let in_scale = |scales: &Vec<Option<i32>>, id: usize| scales[id];
        let (op, s_out) = match &node.op {
            Op::Conv(c) => {
                let s_x =
                    in_scale(&scales, x[0]).ok_or_else(|| err("input has no scale".into()))?;
                let s_w = match scales[x[1]] {
                    Some(s) => s,
                    None => fix_const(
                        x[1],
                        weight_scale(g.const_value(x[1]).unwrap()),
                        &mut scales,
                    )?,
                };
                if let Some(&b) = x.get(2) {
                    if !is_const(b) {
                        return Err(err(
                            "a bias computed at run time is not supported; it must be a constant"
                                .into(),
                        ));
                    }
                    fix_const(b, s_x + s_w, &mut scales)?;
                }
                let s_out = cal_out.min(s_x + s_w);
                (
                    QOp::Conv {
                        conv: c.clone(),
                        shift: (s_x + s_w - s_out) as u32,
                    },
                    s_out,
                )
            }
            Op::MatMul | Op::Mul => {
                let mut s = [0; 2];
                for k in 0..2 {
                    s[k] = match scales[x[k]] {
                        Some(v) => v,
                        None => fix_const(
                            x[k],
                            weight_scale(g.const_value(x[k]).unwrap()),
                            &mut scales,
                        )?,
                    };
                }
                let s_out = cal_out.min(s[0] + s[1]);
                let shift = (s[0] + s[1] - s_out) as u32;
                let op = if node.op == Op::MatMul {
                    QOp::MatMul { shift }
                } else {
                    QOp::Mul { shift }
                };
                (op, s_out)
            }
            Op::Add | Op::Sub | Op::Max | Op::Min | Op::Concat { .. } => {
                let finest = x.iter().filter_map(|&i| scales[i]).max();
                let coarsest = x.iter().filter_map(|&i| scales[i]).min();
                let s_out = match (&node.op, finest, coarsest) {
                    (Op::Concat { .. }, _, Some(c)) => c.min(cal_out),
                    (_, Some(f), _) => f.min(cal_out),
                    _ => cal_out,
                };
                for &i in x {
                    fix_const(i, s_out, &mut scales)?;
                }
                let align: Vec<i32> = x.iter().map(|&i| s_out - scales[i].unwrap()).collect();
                let op = match &node.op {
                    Op::Add => QOp::Add {
                        align: [align[0], align[1]],
                    },
                    Op::Sub => QOp::Sub {
                        align: [align[0], align[1]],
                    },
                    Op::Max => QOp::Max {
                        align: [align[0], align[1]],
                    },
                    Op::Min => QOp::Min {
                        align: [align[0], align[1]],
                    },
                    Op::Concat { axis } => QOp::Concat { axis: *axis, align },
                    _ => unreachable!(),
                };
                (op, s_out)
            }
            other => {
                if let Some(&c) = x.iter().find(|&&i| scales[i].is_none()) {
                    return Err(err(format!(
                        "constant input `{}` should have been folded",
                        g.values[c].name
                    )));
                }
                let s_in = scales[x[0]].unwrap();
                let fixed_or = |s: i32| cfg.fixed_scale.unwrap_or(s);
                match other {
                    Op::Relu => (QOp::Relu, s_in),
                    Op::LeakyRelu { alpha } => {
                        let a = fixed_or(weight_scale(&FTensor::from_elem(vec![], *alpha)).max(0))
                            as u32;
                        (
                            QOp::LeakyRelu {
                                alpha: quantize_value(*alpha as f64, a as i32),
                                alpha_shift: a,
                            },
                            s_in,
                        )
                    }
                    Op::Clip { min, max } => {
                        let q = |v: f32, none: i64| {
                            if v.is_finite() {
                                quantize_value(v as f64, s_in)
                            } else {
                                none
                            }
                        };
                        (
                            QOp::Clip {
                                min: q(*min, i64::MIN),
                                max: q(*max, i64::MAX),
                            },
                            s_in,
                        )
                    }
                    Op::Table(func) => {
                        let s =
                            fixed_or(table::out_scale(*func, cal_out, cfg.max_scale, unit_scale));
                        (
                            QOp::Table {
                                func: *func,
                                in_scale: s_in,
                                out_scale: s,
                            },
                            s,
                        )
                    }
                    Op::Softmax { axis } => {
                        let s = fixed_or(cfg.max_scale.min(unit_scale));
                        (
                            QOp::Softmax {
                                axis: *axis,
                                in_scale: s_in,
                                exp_scale: s,
                                out_scale: s,
                            },
                            s,
                        )
                    }
                    Op::MaxPool(p) => (QOp::MaxPool(p.clone()), s_in),
                    Op::AveragePool(p) => (QOp::AveragePool(p.clone()), s_in),
                    Op::Reshape { shape } => (
                        QOp::Reshape {
                            shape: shape.clone(),
                        },
                        s_in,
                    ),
                    Op::Transpose { perm } => (QOp::Transpose { perm: perm.clone() }, s_in),
                    Op::Gather(m) => (QOp::Gather(m.clone()), s_in),
                    Op::Abs => (QOp::Abs, s_in),
                    Op::ReduceMax { axes, keepdims } => (
                        QOp::ReduceMax {
                            axes: axes.clone(),
                            keepdims: *keepdims,
                        },
                        s_in,
                    ),
                    Op::ReduceMin { axes, keepdims } => (
                        QOp::ReduceMin {
                            axes: axes.clone(),
                            keepdims: *keepdims,
                        },
                        s_in,
                    ),
                    Op::Pad { pads, value } => (
                        QOp::Pad {
                            pads: pads.clone(),
                            value: quantize_value(*value as f64, s_in),
                        },
                        s_in,
                    ),
                    Op::ReduceMean { axes, keepdims } => (
                        QOp::ReduceMean {
                            axes: axes.clone(),
                            keepdims: *keepdims,
                        },
                        s_in,
                    ),
                    Op::ReduceSum { axes, keepdims } => {
                        let s_out = cal_out.min(s_in);
                        let shift = (s_in - s_out) as u32;
                        (
                            QOp::ReduceSum {
                                axes: axes.clone(),
                                keepdims: *keepdims,
                                shift,
                            },
                            s_out,
                        )
                    }
                    Op::Conv(_)
                    | Op::MatMul
                    | Op::Mul
                    | Op::Add
                    | Op::Sub
                    | Op::Max
                    | Op::Min
                    | Op::Concat { .. } => {
                        unreachable!()
                    }
                }
            }
        };
        scales[node.output] = Some(s_out);
        kinds[node.output] = Some(QValueKind::Node(ni));
        nodes.push(QNode {
            name: node.name.clone(),
            op,
            inputs: node.inputs.clone(),
            output: node.output,
        });
    }

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

    let values = g
        .values
        .iter()
        .enumerate()
        .map(|(id, v)| QValue {
            name: v.name.clone(),
            shape: v.shape.clone(),
            scale: scales[id].unwrap_or(0),
            kind: kinds[id].clone().unwrap_or(QValueKind::Input),
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
