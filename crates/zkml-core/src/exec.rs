//! The integer executor: **the specification**. A proof attests exactly the
//! integers computed here. Each op's rule lives in its `ops` module; this file
//! only wires them and enforces the activation range.

use crate::error::{Error, Result};
use crate::ops::{
    activation, divide, elementwise, hardmax, logic, matmul, normalize, reduce, round, select,
    shape, softmax, table, QOp,
};
use crate::quant::{QGraph, QValueKind};
use crate::rounding::dequantize_value;
use crate::tensor::{FTensor, ITensor};

/// Every tensor's integers for one execution.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// Indexed like [`QGraph::values`].
    pub values: Vec<ITensor>,
}

impl Trace {
    /// The model outputs' integers.
    pub fn outputs(&self, q: &QGraph) -> Vec<ITensor> {
        q.outputs.iter().map(|&o| self.values[o].clone()).collect()
    }

    /// The model outputs as reals, each flattened row-major.
    pub fn dequantized_outputs(&self, q: &QGraph) -> Vec<Vec<f64>> {
        q.outputs
            .iter()
            .map(|&o| {
                self.values[o]
                    .iter()
                    .map(|&v| dequantize_value(v, q.values[o].scale))
                    .collect()
            })
            .collect()
    }
}

/// Evaluates one integer op. The result is in standard (row-major) layout
/// whatever the inputs' layouts: backends lay cells out in memory order.
pub fn eval_qop(op: &QOp, x: &[&ITensor]) -> ITensor {
    let out = eval_qop_any_layout(op, x);
    if out.is_standard_layout() {
        out
    } else {
        standard(&out)
    }
}

fn eval_qop_any_layout(op: &QOp, x: &[&ITensor]) -> ITensor {
    match op {
        QOp::Conv { conv, shift } => conv.eval_int(x[0], x[1], x.get(2).copied(), *shift),
        QOp::MatMul { shift } => matmul::eval_int(x[0], x[1], *shift),
        QOp::Add { align } => elementwise::add_int(x[0], x[1], *align, 1),
        QOp::Sub { align } => elementwise::add_int(x[0], x[1], *align, -1),
        QOp::Mul { shift } => elementwise::mul_int(x[0], x[1], *shift),
        QOp::Relu => x[0].mapv(|v| v.max(0)),
        QOp::LeakyRelu { alpha, alpha_shift } => {
            x[0].mapv(|v| activation::leaky_relu_int(v, *alpha, *alpha_shift))
        }
        QOp::Clip { min, max } => x[0].mapv(|v| activation::clip_int(v, *min, *max)),
        QOp::Table {
            func,
            in_scale,
            out_scale,
            domain,
        } => x[0].mapv(|v| table::table_op_int_in(*func, v, *in_scale, *out_scale, *domain)),
        QOp::Softmax {
            axis,
            in_scale,
            exp_scale,
            out_scale,
        } => softmax::softmax_int(x[0], *axis, *in_scale, *exp_scale, *out_scale),
        QOp::MaxPool(p) => p.max_int(x[0]),
        QOp::AveragePool(p) => p.avg_int(x[0]),
        QOp::Reshape { shape: s } => shape::reshape(x[0], s),
        QOp::Transpose { perm } => shape::transpose(x[0], perm),
        QOp::Concat { axis, align } => {
            let aligned: Vec<ITensor> = x
                .iter()
                .zip(align)
                .map(|(t, &k)| t.mapv(|v| elementwise::align(v, k)))
                .collect();
            shape::concat(&aligned, *axis)
        }
        QOp::Pad { pads, value } => shape::pad(x[0], pads, *value),
        QOp::ReduceMean { axes, keepdims } => reduce::mean_int(x[0], axes, *keepdims),
        QOp::ReduceSum {
            axes,
            keepdims,
            shift,
        } => reduce::sum_int(x[0], axes, *keepdims, *shift),
        QOp::Gather(m) => m.apply(x[0]),
        QOp::GatherDyn { map, idx_scale } => {
            let s = *idx_scale;
            map.apply(x[0], x[1], |q| crate::ops::gather_dyn::int_index(q, s))
        }
        QOp::Max { align } => select::max_min_int(x[0], x[1], *align, true),
        QOp::Min { align } => select::max_min_int(x[0], x[1], *align, false),
        QOp::Abs => x[0].mapv(i64::abs),
        QOp::ReduceMax { axes, keepdims } => select::reduce_extreme(x[0], axes, *keepdims, true),
        QOp::ReduceMin { axes, keepdims } => select::reduce_extreme(x[0], axes, *keepdims, false),
        QOp::Arg(a) => a.eval(x[0]).mapv(|i| i as i64),
        QOp::TopK(t) => t.eval(x[0], |i| i as i64),
        QOp::Compare { cmp, align } => logic::compare_int(x[0], x[1], *cmp, *align),
        QOp::Logic(l) => logic::logic(*l, x),
        QOp::Where { align } => logic::where_int(x[0], x[1], x[2], *align),
        QOp::Round { mode, scale } => round::round_int(x[0], *mode, *scale),
        QOp::Sign => x[0].mapv(i64::signum),
        QOp::Mod { fmod } => {
            elementwise::zip_broadcast(x[0], x[1], |q, d| round::mod_int(q, d, *fmod))
        }
        QOp::Div {
            num_shift,
            den_shift,
        } => divide::div_int(x[0], x[1], *num_shift, *den_shift),
        QOp::Standardize {
            axes,
            eps,
            extra,
            out_shift,
        } => normalize::standardize_int(x[0], axes, *eps, *extra, *out_shift),
        QOp::Hardmax { axis } => hardmax::hardmax(x[0], *axis),
    }
}

fn check_range(q: &QGraph, id: usize, t: &ITensor, node: &str, op: &'static str) -> Result<()> {
    let bound = q.bound();
    // The two's complement range (`QGraph::range`): what the circuit checks.
    let range = q.range();
    if let Some((i, &value)) = t.iter().enumerate().find(|(_, v)| !range.contains(v)) {
        let v = &q.values[id];
        if value == crate::ops::table::INVALID {
            // A table function's marker, not a magnitude: say why.
            return Err(Error::NoValue {
                node: node.to_string(),
                op,
                reason: format!(
                    "element {i} of `{}`: the function has no finite value at that input \
                     (undefined or infinite there, e.g. Sqrt of a negative number or Log(0))",
                    v.name
                ),
            });
        }
        return Err(Error::OutOfRange {
            tensor: v.name.clone(),
            node: node.to_string(),
            op,
            value,
            real: dequantize_value(value, v.scale_at(i)),
            bound,
            scale: v.scale_at(i),
        });
    }
    Ok(())
}

/// Refuses the inputs on which an op has no value (a zero divisor, a
/// zero-variance lane with ε = 0), naming the tensor and the element.
fn no_value(q: &QGraph, ni: usize, args: &[&ITensor]) -> Result<()> {
    let node = &q.nodes[ni];
    let name = |k: usize| q.values[node.inputs[k]].name.clone();
    let reason = match &node.op {
        QOp::Div { .. } => divide::first_zero(args[1]).map(|i| {
            format!(
                "the divisor `{}` is 0 at flat index {i}: the quotient has no value (make the \
                 divisor nonzero, e.g. add a small constant before the Div)",
                name(1)
            )
        }),
        QOp::Standardize {
            axes, eps, extra, ..
        } => normalize::zero_lane(args[0], axes, *eps, *extra).map(|i| {
            format!(
                "the lane of `{}` starting at flat index {i} is constant and ε = 0: its \
                 standard deviation is 0 (give the normalization a positive epsilon)",
                name(0)
            )
        }),
        _ => None,
    };
    match reason {
        Some(reason) => Err(Error::NoValue {
            node: node.name.clone(),
            op: node.op.name(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Quantizes float inputs at the model's input scales.
pub fn quantize_inputs(q: &QGraph, inputs: &[FTensor]) -> Vec<ITensor> {
    q.inputs
        .iter()
        .zip(inputs)
        .map(|(&id, t)| {
            let t = t.as_standard_layout();
            let ints = q.values[id].quantize_flat(t.iter().map(|&x| f64::from(x)));
            ITensor::from_shape_vec(t.shape().to_vec(), ints).expect("same length")
        })
        .collect()
}

/// Checks flat, row-major float inputs against the model (count, length,
/// finiteness) and quantizes them at the input scales. What `zkml prove`
/// uses: it has the quantized model, not the float graph.
pub fn quantize_flat_inputs(q: &QGraph, inputs: &[Vec<f32>]) -> Result<Vec<ITensor>> {
    let specs: Vec<(&str, &[usize])> = q
        .inputs
        .iter()
        .map(|&i| (q.values[i].name.as_str(), q.values[i].shape.as_slice()))
        .collect();
    crate::float::check_flat_inputs(&specs, inputs)?;
    Ok(q.inputs
        .iter()
        .zip(inputs)
        .map(|(&id, data)| {
            let v = &q.values[id];
            let ints = v.quantize_flat(data.iter().map(|&x| f64::from(x)));
            ITensor::from_shape_vec(v.shape.clone(), ints).expect("length checked")
        })
        .collect())
}

/// `t` in standard (row-major) layout.
fn standard(t: &ITensor) -> ITensor {
    t.as_standard_layout().into_owned()
}

/// Runs the integer model on already-quantized inputs.
pub fn execute_int(q: &QGraph, inputs: Vec<ITensor>) -> Result<Trace> {
    if inputs.len() != q.inputs.len() {
        return Err(Error::InputCount {
            expected: q.inputs.len(),
            got: inputs.len(),
        });
    }
    let mut vals: Vec<Option<ITensor>> = q
        .values
        .iter()
        .map(|v| match &v.kind {
            QValueKind::Const(t) => Some(standard(t)),
            _ => None,
        })
        .collect();
    for (&id, t) in q.inputs.iter().zip(inputs) {
        if t.shape() != q.values[id].shape.as_slice() {
            return Err(Error::InputLength {
                name: q.values[id].name.clone(),
                expected: q.values[id].shape.iter().product(),
                shape: q.values[id].shape.clone(),
                got: t.len(),
            });
        }
        check_range(q, id, &t, "input", "Input")?;
        vals[id] = Some(standard(&t));
    }
    let uses = crate::fusion::value_uses(q);
    for (ni, node) in q.nodes.iter().enumerate() {
        let args: Vec<&ITensor> = node
            .inputs
            .iter()
            .map(|&i| {
                vals[i]
                    .as_ref()
                    .ok_or_else(|| Error::Graph(format!("value #{i} used before it is defined")))
            })
            .collect::<Result<_>>()?;
        if let QOp::GatherDyn { map, idx_scale } = &node.op {
            let s = *idx_scale;
            map.check(
                args[1]
                    .iter()
                    .map(|&q| crate::ops::gather_dyn::int_index(q, s)),
            )
            .map_err(|reason| Error::Shape {
                node: node.name.clone(),
                op: node.op.name(),
                reason,
            })?;
        }
        no_value(q, ni, &args)?;
        let out = eval_qop(&node.op, &args);
        // Every op returns row-major layout (memory order = logical order):
        // backends lay cells out in memory order, so a column-major result
        // (as `ndarray::concatenate` returns) would pair elements with the
        // wrong per-element constants.
        debug_assert!(
            out.is_standard_layout(),
            "{} (`{}`) returned a non-standard layout",
            node.op.name(),
            node.name
        );
        // A product fused with the Add/Sub after it is checked only as the
        // sum (`crate::fusion`): backends never see the intermediate.
        if crate::fusion::fused_add(q, ni, &uses).is_none() {
            check_range(q, node.output, &out, &node.name, node.op.name())?;
        }
        vals[node.output] = Some(out);
    }
    let values = vals
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            v.ok_or_else(|| Error::Graph(format!("value `{}` is never computed", q.values[i].name)))
        })
        .collect::<Result<_>>()?;
    Ok(Trace { values })
}

/// Elements of one table op's input that its calibrated domain clamped
/// ([`table::domain`]): the run is valid and proves, but those outputs are
/// computed at the domain's end, outside the error bound.
#[derive(Clone, Debug, PartialEq)]
pub struct TableClamp {
    /// The node's name.
    pub node: String,
    /// The function's name.
    pub op: &'static str,
    /// Elements clamped.
    pub count: usize,
    /// Elements of the input.
    pub total: usize,
    /// The domain as reals `[lo, hi]` at the input's scale.
    pub domain: (f64, f64),
    /// The clamped inputs' extremes as reals (`min`, `max`).
    pub seen: (f64, f64),
}

impl std::fmt::Display for TableClamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} of {} inputs of {} `{}` lie outside its calibrated input domain [{}, {}] \
             (seen {} to {}) and were clamped to it: those outputs are the function at the \
             domain's end; recalibrate with more samples (--calibration) that cover these inputs",
            self.count,
            self.total,
            self.op,
            self.node,
            self.domain.0,
            self.domain.1,
            self.seen.0,
            self.seen.1
        )
    }
}

/// The table ops of `q` whose calibrated domain clamped some input element
/// in `trace` (none clamped: empty): what `zkml` warns about.
pub fn table_clamps(q: &QGraph, trace: &Trace) -> Vec<TableClamp> {
    let mut out = Vec::new();
    for node in &q.nodes {
        let QOp::Table {
            func,
            in_scale,
            domain: Some(d),
            ..
        } = &node.op
        else {
            continue;
        };
        let x = &trace.values[node.inputs[0]];
        let s = q.values[node.inputs[0]].scale;
        let clamped: Vec<i64> = x
            .iter()
            .copied()
            .filter(|&v| d.clamps(*func, *in_scale, v))
            .collect();
        if let (Some(&lo), Some(&hi)) = (clamped.iter().min(), clamped.iter().max()) {
            let (dl, dh) = d.inputs(*func, *in_scale);
            out.push(TableClamp {
                node: node.name.clone(),
                op: node.op.name(),
                count: clamped.len(),
                total: x.len(),
                domain: (dequantize_value(dl, s), dequantize_value(dh, s)),
                seen: (dequantize_value(lo, s), dequantize_value(hi, s)),
            });
        }
    }
    out
}

/// Quantizes float inputs and runs the integer model.
pub fn execute(q: &QGraph, inputs: &[FTensor]) -> Result<Trace> {
    execute_int(q, quantize_inputs(q, inputs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::TableFn;
    use crate::{calibrate, quantize, Graph, Op, QuantConfig};

    /// An input where a table function has no value (Sqrt of a negative
    /// number) is refused as such, naming the node and the element, not as
    /// a huge out-of-range integer.
    #[test]
    fn a_table_function_without_a_value_is_refused_by_name() {
        let mut g = Graph::new();
        let x = g.add_input("x", vec![3]);
        let y = g
            .add_node("root", Op::Table(TableFn::Sqrt), vec![x], "y")
            .unwrap();
        g.add_output(y);
        let ok = vec![FTensor::from_shape_vec(vec![3], vec![0.25, 1.0, 4.0]).unwrap()];
        let q = quantize(
            &g,
            &calibrate(&g, std::slice::from_ref(&ok)).unwrap(),
            &QuantConfig::default(),
        )
        .unwrap();
        assert!(execute(&q, &ok).is_ok());
        // (The calibrated domain reaches below 0: −1 clamps to its low
        // end, where Sqrt has no value either.)
        assert!(matches!(q.nodes[0].op, QOp::Table { domain: Some(d), .. } if d.lo < 0));
        let bad = vec![FTensor::from_shape_vec(vec![3], vec![0.25, -1.0, 4.0]).unwrap()];
        let e = execute(&q, &bad).unwrap_err();
        assert!(
            matches!(&e, Error::NoValue { node, op: "Sqrt", reason }
                if node == "root" && reason.contains("element 1 of `y`")),
            "{e}"
        );
    }

    fn gelu_graph() -> Graph {
        let mut g = Graph::new();
        let x = g.add_input("x", vec![4]);
        let y = g
            .add_node("gelu", Op::Table(TableFn::Gelu), vec![x], "y")
            .unwrap();
        g.add_output(y);
        g
    }

    /// Inside the calibrated domain the op computes what it computed over
    /// the whole range; outside it the op clamps to the domain (no error),
    /// and [`table_clamps`] names the node, the count and the domain.
    #[test]
    fn a_table_input_outside_its_domain_is_clamped_and_reported() {
        let g = gelu_graph();
        let t = |v: Vec<f32>| vec![FTensor::from_shape_vec(vec![4], v).unwrap()];
        let cal = t(vec![-1.0, 0.0, 0.5, 3.0]);
        let q = quantize(&g, &calibrate(&g, &[cal]).unwrap(), &QuantConfig::default()).unwrap();
        let QOp::Table {
            func,
            in_scale,
            out_scale,
            domain: Some(d),
        } = q.nodes[0].op
        else {
            panic!("a table op with a domain: {:?}", q.nodes[0].op)
        };
        // [-1, 3] widened by a quarter of its width on each side.
        assert_eq!((d.lo, d.hi), (-2 * 256 - 3, 4 * 256 + 3));
        let mut full = q.clone();
        if let QOp::Table { domain, .. } = &mut full.nodes[0].op {
            *domain = None;
        }
        // In the domain (its ends included): today's outputs, no warning.
        let inside = t(vec![-2.0, -0.7, 1.9, 4.0]);
        let (a, b) = (
            execute(&q, &inside).unwrap(),
            execute(&full, &inside).unwrap(),
        );
        assert_eq!(a.values, b.values);
        assert!(table_clamps(&q, &a).is_empty());
        let ys = &a.values[q.outputs[0]];
        for (&y, x) in ys.iter().zip([-2.0f64, -0.7, 1.9, 4.0]) {
            let q_in = crate::rounding::quantize_value(x, in_scale);
            assert_eq!(y, table::table_op_int(func, q_in, in_scale, out_scale));
        }
        // Outside: computed at the domain's ends, and reported.
        let outside = t(vec![-6.0, 0.0, 4.5, 9.0]);
        let tr = execute(&q, &outside).unwrap();
        let ys = &tr.values[q.outputs[0]];
        let at = |v: i64| table::table_op_int(func, v, in_scale, out_scale);
        assert_eq!(ys[0], at(d.lo));
        assert_eq!(ys[2], at(d.hi));
        assert_eq!(ys[3], at(d.hi));
        assert_ne!(
            ys[3],
            execute(&full, &outside).unwrap().values[q.outputs[0]][3]
        );
        let w = table_clamps(&q, &tr);
        assert_eq!(w.len(), 1);
        assert_eq!((w[0].node.as_str(), w[0].count, w[0].total), ("gelu", 3, 4));
        assert_eq!(w[0].seen, (-6.0, 9.0));
        let msg = w[0].to_string();
        assert!(
            msg.contains("3 of 4 inputs of Gelu `gelu`") && msg.contains("recalibrate"),
            "{msg}"
        );
    }

    /// A graph serialized before table domains existed (no `domain` key)
    /// loads as the whole range; one with a domain round-trips.
    #[test]
    fn graphs_without_a_domain_load_as_the_whole_range() {
        let g = gelu_graph();
        let cal = vec![FTensor::from_shape_vec(vec![4], vec![-1.0, 0.0, 0.5, 3.0]).unwrap()];
        let q = quantize(&g, &calibrate(&g, &[cal]).unwrap(), &QuantConfig::default()).unwrap();
        let json = serde_json::to_string(&q).unwrap();
        let back: QGraph = serde_json::from_str(&json).unwrap();
        assert_eq!(back.nodes[0].op, q.nodes[0].op);
        assert!(json.contains("\"domain\""));
        let old = json.replace(
            &format!(
                ",\"domain\":{}",
                serde_json::to_string(&match q.nodes[0].op {
                    QOp::Table { domain, .. } => domain.unwrap(),
                    _ => unreachable!(),
                })
                .unwrap()
            ),
            "",
        );
        assert!(!old.contains("\"domain\""));
        let back: QGraph = serde_json::from_str(&old).unwrap();
        assert!(matches!(back.nodes[0].op, QOp::Table { domain: None, .. }));
    }
}
