//! The float reference executor: ONNX semantics in `f32`. Used to calibrate
//! scales and to report the accuracy cost of quantization.

use crate::error::{Error, Result};
use crate::graph::{Graph, ValueKind};
use crate::ops::{
    activation, divide, elementwise, hardmax, logic, matmul, normalize, reduce, round, select,
    shape, softmax, Op,
};
use crate::tensor::{numel, FTensor};

/// Checks flat, row-major inputs against the model inputs' `(name, shape)`:
/// count, element count and finiteness. Shared by the float and integer paths.
pub(crate) fn check_flat_inputs(specs: &[(&str, &[usize])], inputs: &[Vec<f32>]) -> Result<()> {
    if inputs.len() != specs.len() {
        return Err(Error::InputCount {
            expected: specs.len(),
            got: inputs.len(),
        });
    }
    for (&(name, shape), data) in specs.iter().zip(inputs) {
        if data.len() != numel(shape) {
            return Err(Error::InputLength {
                name: name.to_string(),
                expected: numel(shape),
                shape: shape.to_vec(),
                got: data.len(),
            });
        }
        if let Some((index, &value)) = data.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(Error::NonFinite {
                name: name.to_string(),
                index,
                value,
            });
        }
    }
    Ok(())
}

/// Checks and shapes flat, row-major model inputs (one list per model input).
pub fn shape_inputs(g: &Graph, inputs: &[Vec<f32>]) -> Result<Vec<FTensor>> {
    let specs: Vec<(&str, &[usize])> = g
        .inputs
        .iter()
        .map(|&i| (g.values[i].name.as_str(), g.values[i].shape.as_slice()))
        .collect();
    check_flat_inputs(&specs, inputs)?;
    Ok(specs
        .iter()
        .zip(inputs)
        .map(|(&(_, shape), data)| {
            FTensor::from_shape_vec(shape.to_vec(), data.clone()).expect("length checked")
        })
        .collect())
}

/// Evaluates one float op.
pub fn eval_op(op: &Op, x: &[&FTensor]) -> FTensor {
    match op {
        Op::Conv(c) => c.accumulate(x[0], x[1], x.get(2).copied()),
        Op::MatMul => matmul::accumulate(x[0], x[1]),
        Op::Add => elementwise::zip_broadcast(x[0], x[1], |a, b| a + b),
        Op::Sub => elementwise::zip_broadcast(x[0], x[1], |a, b| a - b),
        Op::Mul => elementwise::zip_broadcast(x[0], x[1], |a, b| a * b),
        Op::Relu => x[0].mapv(|v| v.max(0.0)),
        Op::LeakyRelu { alpha } => x[0].mapv(|v| activation::leaky_relu(v, *alpha)),
        Op::Clip { min, max } => x[0].mapv(|v| v.max(*min).min(*max)),
        Op::Table(f) => x[0].mapv(|v| f.eval(v as f64) as f32),
        Op::Softmax { axis } => softmax::softmax_f32(x[0], *axis),
        Op::MaxPool(p) => p.max_f32(x[0]),
        Op::AveragePool(p) => p.avg_f32(x[0]),
        Op::Reshape { shape: s } => shape::reshape(x[0], s),
        Op::Transpose { perm } => shape::transpose(x[0], perm),
        Op::Concat { axis } => {
            let owned: Vec<FTensor> = x.iter().map(|t| (*t).clone()).collect();
            shape::concat(&owned, *axis)
        }
        Op::Pad { pads, value } => shape::pad(x[0], pads, *value),
        Op::ReduceSum { axes, keepdims } => reduce::sum(x[0], axes, *keepdims).0,
        Op::Gather(m) => m.apply(x[0]),
        Op::GatherDyn(g) => g.apply(x[0], x[1], f64::from),
        Op::Max => elementwise::zip_broadcast(x[0], x[1], f32::max),
        Op::Min => elementwise::zip_broadcast(x[0], x[1], f32::min),
        Op::Abs => x[0].mapv(f32::abs),
        Op::ReduceMax { axes, keepdims } => select::reduce_extreme(x[0], axes, *keepdims, true),
        Op::ReduceMin { axes, keepdims } => select::reduce_extreme(x[0], axes, *keepdims, false),
        Op::ReduceMean { axes, keepdims } => {
            let (s, n) = reduce::sum(x[0], axes, *keepdims);
            s.mapv(|v| v / n.max(1) as f32)
        }
        Op::Arg(a) => a.eval(x[0]).mapv(|i| i as f32),
        Op::TopK(t) => t.eval(x[0], |i| i as f32),
        Op::Compare(c) => logic::compare_f32(x[0], x[1], *c),
        Op::Logic(l) => logic::logic(*l, x).mapv(|v| v as f32),
        Op::Where => logic::where_f32(x[0], x[1], x[2]),
        Op::Round(m) => x[0].mapv(|v| m.apply_f32(v)),
        Op::Sign => x[0].mapv(round::sign_f32),
        Op::Mod { fmod } => {
            elementwise::zip_broadcast(x[0], x[1], |v, d| round::mod_f32(v, d, *fmod))
        }
        Op::Div => divide::div_f32(x[0], x[1]),
        Op::Standardize { axes, epsilon } => normalize::standardize_f32(x[0], axes, *epsilon),
        Op::Hardmax { axis } => hardmax::hardmax(x[0], *axis),
    }
}

/// Runs the graph in float and returns every value (inputs, constants, node outputs).
pub fn eval_float(g: &Graph, inputs: &[FTensor]) -> Result<Vec<FTensor>> {
    if inputs.len() != g.inputs.len() {
        return Err(Error::InputCount {
            expected: g.inputs.len(),
            got: inputs.len(),
        });
    }
    let mut vals: Vec<Option<FTensor>> = g
        .values
        .iter()
        .map(|v| match &v.kind {
            ValueKind::Const(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    for (&id, t) in g.inputs.iter().zip(inputs) {
        vals[id] = Some(t.clone());
    }
    for node in &g.nodes {
        let args: Vec<&FTensor> = node
            .inputs
            .iter()
            .map(|&i| {
                vals[i]
                    .as_ref()
                    .ok_or_else(|| Error::Graph(format!("value #{i} used before it is defined")))
            })
            .collect::<Result<_>>()?;
        if let Op::GatherDyn(m) = &node.op {
            m.check(args[1].iter().map(|&v| f64::from(v)))
                .map_err(|reason| Error::Shape {
                    node: node.name.clone(),
                    op: node.op.name(),
                    reason,
                })?;
        }
        let out = eval_op(&node.op, &args);
        vals[node.output] = Some(out);
    }
    vals.into_iter()
        .enumerate()
        .map(|(i, v)| {
            v.ok_or_else(|| Error::Graph(format!("value `{}` is never computed", g.values[i].name)))
        })
        .collect()
}

/// Runs the graph in float on flat inputs; returns the model outputs.
pub fn run_float(g: &Graph, inputs: &[Vec<f32>]) -> Result<Vec<FTensor>> {
    let x = shape_inputs(g, inputs)?;
    let all = eval_float(g, &x)?;
    Ok(g.outputs.iter().map(|&o| all[o].clone()).collect())
}
