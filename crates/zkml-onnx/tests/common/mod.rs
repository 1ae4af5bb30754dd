//! Builds small ONNX models in Rust with the crate's prost messages.

#![allow(dead_code)]

use prost::Message;
use zkml_core::ops::Conv;
use zkml_core::{run_float, Graph, Op};
use zkml_onnx::proto::{
    attribute_type as at, data_type as dt, tensor_shape_proto::dimension,
    tensor_shape_proto::Dimension, type_proto, AttributeProto, GraphProto, ModelProto, NodeProto,
    OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};

pub fn tensor(name: &str, dims: &[i64], data: &[f32]) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: dt::FLOAT,
        float_data: data.to_vec(),
        ..Default::default()
    }
}

pub fn tensor_i64(name: &str, dims: &[i64], data: &[i64]) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: dt::INT64,
        int64_data: data.to_vec(),
        ..Default::default()
    }
}

/// A deterministic pseudo-random float tensor in [-1, 1).
pub fn rand_tensor(name: &str, dims: &[i64], seed: u64) -> TensorProto {
    let n: i64 = dims.iter().product();
    tensor(name, dims, &rand_vec(n as usize, seed))
}

pub fn rand_vec(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

pub fn value_info(name: &str, dims: &[i64]) -> ValueInfoProto {
    value_info_dims(
        name,
        dims.iter()
            .map(|&d| Dimension {
                value: Some(dimension::Value::DimValue(d)),
            })
            .collect(),
    )
}

/// [`value_info`] of an int64 tensor (indices, token ids).
pub fn value_info_i64(name: &str, dims: &[i64]) -> ValueInfoProto {
    let mut v = value_info(name, dims);
    if let Some(TypeProto {
        value: Some(type_proto::Value::TensorType(t)),
    }) = v.r#type.as_mut()
    {
        t.elem_type = dt::INT64;
    }
    v
}

pub fn value_info_dims(name: &str, dim: Vec<Dimension>) -> ValueInfoProto {
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: dt::FLOAT,
                shape: Some(TensorShapeProto { dim }),
            })),
        }),
    }
}

pub fn node(op: &str, inputs: &[&str], outputs: &[&str], attrs: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        name: format!("{op}:{}", outputs.first().copied().unwrap_or("")),
        op_type: op.into(),
        attribute: attrs,
        domain: String::new(),
    }
}

pub fn attr_i(name: &str, v: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        i: Some(v),
        r#type: at::INT,
        ..Default::default()
    }
}

pub fn attr_f(name: &str, v: f32) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        f: Some(v),
        r#type: at::FLOAT,
        ..Default::default()
    }
}

pub fn attr_ints(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        ints: v.to_vec(),
        r#type: at::INTS,
        ..Default::default()
    }
}

pub fn attr_s(name: &str, v: &str) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        s: Some(v.as_bytes().to_vec()),
        r#type: at::STRING,
        ..Default::default()
    }
}

pub fn attr_t(name: &str, t: TensorProto) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        t: Some(t),
        r#type: at::TENSOR,
        ..Default::default()
    }
}

/// A serialized model.
pub fn model(
    opset: i64,
    nodes: Vec<NodeProto>,
    inits: Vec<TensorProto>,
    inputs: Vec<ValueInfoProto>,
    outputs: &[&str],
) -> Vec<u8> {
    ModelProto {
        ir_version: 8,
        producer_name: "zkml-onnx tests".into(),
        graph: Some(GraphProto {
            node: nodes,
            name: "test".into(),
            initializer: inits,
            input: inputs,
            output: outputs.iter().map(|o| value_info(o, &[])).collect(),
            value_info: vec![],
        }),
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: opset,
        }],
    }
    .encode_to_vec()
}

/// Max absolute difference.
pub fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// The op names of the loaded graph, in order.
pub fn ops(g: &Graph) -> Vec<&'static str> {
    g.nodes.iter().map(|n| n.op.name()).collect()
}

/// The shape of the first output.
pub fn out_shape(g: &Graph) -> Vec<usize> {
    g.values[g.outputs[0]].shape.clone()
}

/// Runs the graph in floating point on one input; the first output.
pub fn run(g: &Graph, x: &[f32]) -> Vec<f32> {
    run_float(g, &[x.to_vec()]).unwrap()[0]
        .iter()
        .copied()
        .collect()
}

/// A one-node Conv model with random weights of shape `w`.
pub fn conv_model(attrs: Vec<AttributeProto>, x: &[i64], w: &[i64]) -> Vec<u8> {
    model(
        13,
        vec![node("Conv", &["x", "w"], &["y"], attrs)],
        vec![rand_tensor("w", w, 1)],
        vec![value_info("x", x)],
        &["y"],
    )
}

/// The first node, which must be a Conv.
pub fn the_conv(g: &Graph) -> Conv {
    match &g.nodes[0].op {
        Op::Conv(c) => c.clone(),
        op => panic!("expected Conv, got {op:?}"),
    }
}
