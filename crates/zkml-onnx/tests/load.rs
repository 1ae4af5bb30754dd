//! Loader tests on models built in Rust and encoded with the crate's messages.

mod common;

use common::*;
use zkml_core::ops::{Conv, Pool};
use zkml_core::{run_float, Graph, Op};
use zkml_onnx::proto::tensor_shape_proto::{dimension, Dimension};
use zkml_onnx::{load_model_bytes, load_tensor_bytes, OnnxError};

fn ops(g: &Graph) -> Vec<&'static str> {
    g.nodes.iter().map(|n| n.op.name()).collect()
}

fn out_shape(g: &Graph) -> Vec<usize> {
    g.values[g.outputs[0]].shape.clone()
}

fn run(g: &Graph, x: &[f32]) -> Vec<f32> {
    run_float(g, &[x.to_vec()]).unwrap()[0]
        .iter()
        .copied()
        .collect()
}

fn conv_model(attrs: Vec<zkml_onnx::proto::AttributeProto>, x: &[i64], w: &[i64]) -> Vec<u8> {
    model(
        13,
        vec![node("Conv", &["x", "w"], &["y"], attrs)],
        vec![rand_tensor("w", w, 1)],
        vec![value_info("x", x)],
        &["y"],
    )
}

fn the_conv(g: &Graph) -> Conv {
    match &g.nodes[0].op {
        Op::Conv(c) => c.clone(),
        op => panic!("expected Conv, got {op:?}"),
    }
}

#[test]
fn conv_without_attributes_gets_onnx_defaults() {
    let g = load_model_bytes(&conv_model(vec![], &[1, 2, 5, 5], &[4, 2, 3, 3])).unwrap();
    assert_eq!(
        the_conv(&g),
        Conv {
            kernel: [3, 3],
            strides: [1, 1],
            pads: [0; 4],
            dilations: [1, 1],
            group: 1
        }
    );
    assert_eq!(out_shape(&g), [1, 4, 3, 3]);
    assert_eq!(g.input_shapes(), [&[1, 2, 5, 5][..]]);
}

#[test]
fn conv_auto_pad_same_upper_and_lower() {
    // Even kernel, stride 1: one pad in total, at the end for SAME_UPPER.
    let g = load_model_bytes(&conv_model(
        vec![attr_s("auto_pad", "SAME_UPPER")],
        &[1, 1, 5, 5],
        &[1, 1, 2, 2],
    ))
    .unwrap();
    assert_eq!(the_conv(&g).pads, [0, 0, 1, 1]);
    assert_eq!(out_shape(&g), [1, 1, 5, 5]);
    let g = load_model_bytes(&conv_model(
        vec![attr_s("auto_pad", "SAME_LOWER")],
        &[1, 1, 5, 5],
        &[1, 1, 2, 2],
    ))
    .unwrap();
    assert_eq!(the_conv(&g).pads, [1, 1, 0, 0]);
    // Stride 2, kernel 3 on 6: output 3, total pad (3-1)*2+3-6 = 1.
    let g = load_model_bytes(&conv_model(
        vec![
            attr_s("auto_pad", "SAME_UPPER"),
            attr_ints("strides", &[2, 2]),
        ],
        &[1, 1, 6, 6],
        &[1, 1, 3, 3],
    ))
    .unwrap();
    assert_eq!(the_conv(&g).pads, [0, 0, 1, 1]);
    assert_eq!(out_shape(&g), [1, 1, 3, 3]);
    let g = load_model_bytes(&conv_model(
        vec![
            attr_s("auto_pad", "VALID"),
            attr_ints("pads", &[1, 1, 1, 1]),
        ],
        &[1, 1, 6, 6],
        &[1, 1, 3, 3],
    ))
    .unwrap();
    assert_eq!(the_conv(&g).pads, [0; 4]);
    let err = load_model_bytes(&conv_model(
        vec![attr_s("auto_pad", "SAME")],
        &[1, 1, 6, 6],
        &[1, 1, 3, 3],
    ))
    .unwrap_err();
    assert!(
        matches!(&err, OnnxError::Attribute { attribute, node, .. } if attribute == "auto_pad" && node == "Conv:y"),
        "{err}"
    );
}

#[test]
fn depthwise_and_1d_convolutions() {
    let g = load_model_bytes(&conv_model(
        vec![
            attr_i("group", 3),
            attr_ints("dilations", &[2, 2]),
            attr_ints("pads", &[1, 2, 1, 2]),
        ],
        &[1, 3, 7, 7],
        &[3, 1, 3, 3],
    ))
    .unwrap();
    let c = the_conv(&g);
    assert_eq!((c.group, c.dilations, c.pads), (3, [2, 2], [1, 2, 1, 2]));
    assert_eq!(out_shape(&g), [1, 3, 5, 7]);
    // 1-D: [N, C, L] through a height-1 2-D convolution.
    let g = load_model_bytes(&conv_model(
        vec![attr_ints("pads", &[1, 1])],
        &[1, 2, 8],
        &[3, 2, 3],
    ))
    .unwrap();
    assert_eq!(ops(&g), ["Reshape", "Conv", "Reshape"]);
    assert_eq!(out_shape(&g), [1, 3, 8]);
}

fn gemm_reference(a: &[f32], b: &[f32], c: &[f32], alpha: f32, beta: f32) -> Vec<f32> {
    // A [2,3], B stored as [4,3] (transB), C [4].
    let mut y = vec![0.0; 8];
    for i in 0..2 {
        for j in 0..4 {
            let dot: f32 = (0..3).map(|k| a[i * 3 + k] * b[j * 3 + k]).sum();
            y[i * 4 + j] = alpha * dot + beta * c[j];
        }
    }
    y
}

#[test]
fn gemm_trans_b_alpha_beta_fold_into_constants() {
    let b = rand_vec(12, 2);
    let c = rand_vec(4, 3);
    let bytes = model(
        13,
        vec![node(
            "Gemm",
            &["a", "b", "c"],
            &["y"],
            vec![
                attr_f("alpha", 0.5),
                attr_f("beta", 2.0),
                attr_i("transB", 1),
            ],
        )],
        vec![tensor("b", &[4, 3], &b), tensor("c", &[4], &c)],
        vec![value_info("a", &[2, 3])],
        &["y"],
    );
    let g = load_model_bytes(&bytes).unwrap();
    assert_eq!(ops(&g), ["MatMul", "Add"]);
    assert_eq!(out_shape(&g), [2, 4]);
    let a = rand_vec(6, 4);
    let want = gemm_reference(&a, &b, &c, 0.5, 2.0);
    assert!(max_diff(&run(&g, &a), &want) < 1e-5);
    assert_eq!(g.values[g.outputs[0]].name, "y");
}

#[test]
fn gemm_with_runtime_operands_uses_transpose_and_mul() {
    let bytes = model(
        13,
        vec![node(
            "Gemm",
            &["a", "a"],
            &["y"],
            vec![attr_f("alpha", 3.0), attr_i("transA", 1)],
        )],
        vec![],
        vec![value_info("a", &[2, 2])],
        &["y"],
    );
    let g = load_model_bytes(&bytes).unwrap();
    assert_eq!(ops(&g), ["Transpose", "MatMul", "Mul"]);
    let a = [1.0, 2.0, 3.0, 4.0];
    // 3·Aᵀ·A
    let want = [30.0, 42.0, 42.0, 60.0];
    assert_eq!(run(&g, &a), want);
}

struct Bn {
    scale: Vec<f32>,
    bias: Vec<f32>,
    mean: Vec<f32>,
    var: Vec<f32>,
}

fn bn_params(c: usize) -> (Bn, Vec<zkml_onnx::proto::TensorProto>) {
    let d = [c as i64];
    let bn = Bn {
        scale: rand_vec(c, 10),
        bias: rand_vec(c, 11),
        mean: rand_vec(c, 12),
        var: rand_vec(c, 13).iter().map(|v| v.abs() + 0.1).collect(),
    };
    let t = vec![
        tensor("scale", &d, &bn.scale),
        tensor("bias", &d, &bn.bias),
        tensor("mean", &d, &bn.mean),
        tensor("var", &d, &bn.var),
    ];
    (bn, t)
}

/// The unfolded reference: Conv, then (x − mean)/sqrt(var + ε)·scale + B as
/// separate nodes.
fn bn_reference(conv: Conv, w: &[f32], b: &[f32], bn: &Bn, eps: f32) -> Graph {
    let c = bn.scale.len();
    let col = |v: Vec<f32>| zkml_core::FTensor::from_shape_vec(vec![c, 1, 1], v).unwrap();
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 2, 6, 6]);
    let w = g.add_const(
        "w",
        zkml_core::FTensor::from_shape_vec(vec![c, 2, 3, 3], w.to_vec()).unwrap(),
    );
    let b = g.add_const(
        "b",
        zkml_core::FTensor::from_shape_vec(vec![c], b.to_vec()).unwrap(),
    );
    let mean = g.add_const("mean", col(bn.mean.clone()));
    let inv = g.add_const(
        "inv",
        col(bn.var.iter().map(|v| 1.0 / (v + eps).sqrt()).collect()),
    );
    let scale = g.add_const("scale", col(bn.scale.clone()));
    let bias = g.add_const("bias", col(bn.bias.clone()));
    let y = g
        .add_node("conv", Op::Conv(conv), vec![x, w, b], "y")
        .unwrap();
    let y = g.add_node("sub", Op::Sub, vec![y, mean], "y1").unwrap();
    let y = g.add_node("inv", Op::Mul, vec![y, inv], "y2").unwrap();
    let y = g.add_node("scale", Op::Mul, vec![y, scale], "y3").unwrap();
    let y = g.add_node("bias", Op::Add, vec![y, bias], "y4").unwrap();
    g.add_output(y);
    g
}

#[test]
fn batchnorm_folds_into_conv() {
    let w = rand_vec(3 * 2 * 9, 20);
    let b = rand_vec(3, 21);
    let (bn, mut inits) = bn_params(3);
    inits.push(tensor("w", &[3, 2, 3, 3], &w));
    inits.push(tensor("b", &[3], &b));
    let eps = 1e-3;
    let bytes = model(
        13,
        vec![
            node(
                "Conv",
                &["x", "w", "b"],
                &["c"],
                vec![attr_ints("pads", &[1, 1, 1, 1])],
            ),
            node(
                "BatchNormalization",
                &["c", "scale", "bias", "mean", "var"],
                &["y"],
                vec![attr_f("epsilon", eps)],
            ),
        ],
        inits,
        vec![value_info("x", &[1, 2, 6, 6])],
        &["y"],
    );
    let g = load_model_bytes(&bytes).unwrap();
    assert_eq!(
        ops(&g),
        ["Conv"],
        "BatchNormalization should fold into the Conv"
    );
    assert_eq!(g.values[g.outputs[0]].name, "y");
    let reference = bn_reference(the_conv(&g), &w, &b, &bn, eps);
    let x = rand_vec(72, 22);
    let (got, want) = (run(&g, &x), run(&reference, &x));
    assert!(max_diff(&got, &want) < 1e-5, "{got:?} vs {want:?}");
}

#[test]
fn batchnorm_is_not_folded_into_a_shared_conv_output() {
    let (_, mut inits) = bn_params(3);
    inits.push(rand_tensor("w", &[3, 2, 3, 3], 30));
    let bytes = model(
        13,
        vec![
            node("Conv", &["x", "w"], &["c"], vec![]),
            node(
                "BatchNormalization",
                &["c", "scale", "bias", "mean", "var"],
                &["y"],
                vec![],
            ),
        ],
        inits,
        vec![value_info("x", &[1, 2, 6, 6])],
        &["y", "c"],
    );
    let g = load_model_bytes(&bytes).unwrap();
    assert_eq!(ops(&g), ["Conv", "Mul", "Add"]);
}

#[test]
fn batchnorm_folds_into_gemm() {
    let (bn, mut inits) = bn_params(4);
    let w = rand_vec(12, 40);
    let c = rand_vec(4, 41);
    inits.push(tensor("w", &[3, 4], &w));
    inits.push(tensor("c0", &[4], &c));
    let bytes = model(
        13,
        vec![
            node("Gemm", &["x", "w", "c0"], &["g"], vec![]),
            node(
                "BatchNormalization",
                &["g", "scale", "bias", "mean", "var"],
                &["y"],
                vec![],
            ),
        ],
        inits,
        vec![value_info("x", &[2, 3])],
        &["y"],
    );
    let g = load_model_bytes(&bytes).unwrap();
    assert_eq!(ops(&g), ["MatMul", "Add"]);
    let x = rand_vec(6, 42);
    let mut want = vec![0.0; 8];
    for i in 0..2 {
        for j in 0..4 {
            let z: f32 = (0..3).map(|k| x[i * 3 + k] * w[k * 4 + j]).sum::<f32>() + c[j];
            want[i * 4 + j] =
                (z - bn.mean[j]) / (bn.var[j] + 1e-5).sqrt() * bn.scale[j] + bn.bias[j];
        }
    }
    assert!(max_diff(&run(&g, &x), &want) < 1e-5);
}

#[test]
fn every_unsupported_node_is_listed_at_once() {
    let mut custom = node("MyOp", &["x"], &["c"], vec![]);
    custom.domain = "com.example".into();
    let bytes = model(
        13,
        vec![
            node("Erf", &["x"], &["a"], vec![]),
            node("Relu", &["a"], &["b"], vec![]),
            custom,
            node("LSTM", &["b"], &["y"], vec![]),
        ],
        vec![],
        vec![value_info("x", &[1, 4])],
        &["y"],
    );
    let err = load_model_bytes(&bytes).unwrap_err();
    let OnnxError::Unsupported { nodes } = &err else {
        panic!("expected Unsupported, got {err}");
    };
    assert_eq!(
        nodes,
        &[
            ("Erf:a".to_string(), "Erf".to_string()),
            ("MyOp:c".to_string(), "com.example::MyOp".to_string()),
            ("LSTM:y".to_string(), "LSTM".to_string()),
        ]
    );
    let msg = err.to_string();
    for part in ["Erf:a", "LSTM:y", "com.example::MyOp"] {
        assert!(msg.contains(part), "{msg}");
    }
}

#[test]
fn constant_only_ops_on_runtime_values_are_listed_together() {
    let bytes = model(
        13,
        vec![
            node("Gather", &["x", "i"], &["a"], vec![]),
            node("Cast", &["x"], &["b"], vec![attr_i("to", 7)]),
            node("Add", &["a", "b"], &["y"], vec![]),
        ],
        vec![tensor_i64("i", &[], &[0])],
        vec![value_info("x", &[3, 4])],
        &["y"],
    );
    let err = load_model_bytes(&bytes).unwrap_err();
    let OnnxError::Unsupported { nodes } = &err else {
        panic!("expected Unsupported, got {err}");
    };
    let names: Vec<&str> = nodes.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Gather:a", "Cast:b"]);
}

#[test]
fn truncated_and_garbage_bytes_are_errors_not_panics() {
    let bytes = conv_model(
        vec![attr_ints("strides", &[1, 1])],
        &[1, 2, 5, 5],
        &[4, 2, 3, 3],
    );
    assert!(load_model_bytes(&bytes).is_ok());
    for len in 0..bytes.len() {
        let r = load_model_bytes(&bytes[..len]);
        assert!(r.is_err(), "prefix of {len} bytes loaded");
    }
    for len in [1, bytes.len() / 2, bytes.len() - 1] {
        let err = load_model_bytes(&bytes[..len]).unwrap_err();
        assert!(matches!(err, OnnxError::Decode { .. }), "{len}: {err}");
    }
    let mut garbage = vec![0u8; 4096];
    for seed in 0..300u64 {
        let r = rand_vec(garbage.len(), seed);
        for (g, v) in garbage.iter_mut().zip(r) {
            *g = ((v + 1.0) * 127.9) as u8;
        }
        let n = 1 + (seed as usize * 37) % garbage.len();
        let _ = load_model_bytes(&garbage[..n]);
        let _ = load_tensor_bytes(&garbage[..n]);
        // Flip bytes of a valid model too.
        let mut m = bytes.clone();
        let i = (seed as usize * 131) % m.len();
        m[i] ^= garbage[0] | 1;
        let _ = load_model_bytes(&m);
    }
    assert!(matches!(
        load_model_bytes(b"\xff\xff\xff\xff garbage").unwrap_err(),
        OnnxError::Decode { .. }
    ));
    assert!(matches!(
        load_tensor_bytes(&[]).unwrap_err(),
        OnnxError::Decode { .. }
    ));
}

fn reshape_model(x: &[i64], shape: &[i64], allowzero: bool) -> Vec<u8> {
    let attrs = if allowzero {
        vec![attr_i("allowzero", 1)]
    } else {
        vec![]
    };
    model(
        14,
        vec![node("Reshape", &["x", "s"], &["y"], attrs)],
        vec![tensor_i64("s", &[shape.len() as i64], shape)],
        vec![value_info("x", x)],
        &["y"],
    )
}

#[test]
fn reshape_infers_minus_one_and_copies_zero() {
    let g = load_model_bytes(&reshape_model(&[2, 3, 4], &[0, -1], false)).unwrap();
    assert_eq!(out_shape(&g), [2, 12]);
    let g = load_model_bytes(&reshape_model(&[2, 3, 4], &[-1, 0, 2], false)).unwrap();
    assert_eq!(out_shape(&g), [4, 3, 2]);
    let g = load_model_bytes(&reshape_model(&[2, 3, 4], &[24], false)).unwrap();
    assert_eq!(out_shape(&g), [24]);
    // allowzero: 0 is a real zero, which 24 elements cannot fill.
    assert!(load_model_bytes(&reshape_model(&[2, 3, 4], &[0, -1], true)).is_err());
    for bad in [&[-1, -1][..], &[5, -1], &[-2, 12]] {
        let err = load_model_bytes(&reshape_model(&[2, 3, 4], bad, false)).unwrap_err();
        assert!(
            matches!(&err, OnnxError::Node { node, .. } if node == "Reshape:y"),
            "{err}"
        );
    }
}

#[test]
fn reshape_shape_from_a_folded_shape_subgraph() {
    // Typical exporter output: Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])).
    let bytes = model(
        13,
        vec![
            node("Shape", &["x"], &["s"], vec![]),
            node("Gather", &["s", "zero"], &["n"], vec![attr_i("axis", 0)]),
            node("Unsqueeze", &["n", "axes"], &["n1"], vec![]),
            node(
                "Concat",
                &["n1", "minus1"],
                &["shape"],
                vec![attr_i("axis", 0)],
            ),
            node("Reshape", &["x", "shape"], &["y"], vec![]),
        ],
        vec![
            tensor_i64("zero", &[], &[0]),
            tensor_i64("axes", &[1], &[0]),
            tensor_i64("minus1", &[1], &[-1]),
        ],
        vec![value_info("x", &[1, 3, 4, 4])],
        &["y"],
    );
    let g = load_model_bytes(&bytes).unwrap();
    assert_eq!(ops(&g), ["Reshape"]);
    assert_eq!(out_shape(&g), [1, 48]);
}

fn clip_of(g: &Graph) -> Op {
    g.nodes[0].op.clone()
}

#[test]
fn clip_bounds_from_attributes_before_opset_11_and_inputs_after() {
    let old = model(
        6,
        vec![node(
            "Clip",
            &["x"],
            &["y"],
            vec![attr_f("min", 0.0), attr_f("max", 6.0)],
        )],
        vec![],
        vec![value_info("x", &[1, 4])],
        &["y"],
    );
    let new = model(
        13,
        vec![node("Clip", &["x", "lo", "hi"], &["y"], vec![])],
        vec![tensor("lo", &[], &[0.0]), tensor("hi", &[], &[6.0])],
        vec![value_info("x", &[1, 4])],
        &["y"],
    );
    let relu6 = Op::Clip { min: 0.0, max: 6.0 };
    let (g_old, g_new) = (
        load_model_bytes(&old).unwrap(),
        load_model_bytes(&new).unwrap(),
    );
    assert_eq!(clip_of(&g_old), relu6);
    assert_eq!(clip_of(&g_new), relu6);
    assert_eq!(run(&g_new, &[-1.0, 3.0, 7.0, 6.0]), [0.0, 3.0, 6.0, 6.0]);
    // Omitted bounds: no clipping on that side; min 0 alone is Relu.
    let only_max = model(
        13,
        vec![node("Clip", &["x", "", "hi"], &["y"], vec![])],
        vec![tensor("hi", &[], &[6.0])],
        vec![value_info("x", &[1, 4])],
        &["y"],
    );
    assert_eq!(
        clip_of(&load_model_bytes(&only_max).unwrap()),
        Op::Clip {
            min: f32::NEG_INFINITY,
            max: 6.0
        }
    );
    let only_min = model(
        13,
        vec![node("Clip", &["x", "lo"], &["y"], vec![])],
        vec![tensor("lo", &[], &[0.0])],
        vec![value_info("x", &[1, 4])],
        &["y"],
    );
    assert_eq!(clip_of(&load_model_bytes(&only_min).unwrap()), Op::Relu);
    // Opset-13 attributes are not bounds (they moved to inputs).
    let stale = model(
        13,
        vec![node(
            "Clip",
            &["x"],
            &["y"],
            vec![attr_f("min", 0.0), attr_f("max", 6.0)],
        )],
        vec![],
        vec![value_info("x", &[1, 4])],
        &["y"],
    );
    assert_eq!(
        clip_of(&load_model_bytes(&stale).unwrap()),
        Op::Clip {
            min: f32::NEG_INFINITY,
            max: f32::INFINITY
        }
    );
    // A run-time bound is refused, naming the node.
    let dynamic = model(
        13,
        vec![node("Clip", &["x", "lo", "x"], &["y"], vec![])],
        vec![tensor("lo", &[], &[0.0])],
        vec![value_info("x", &[1])],
        &["y"],
    );
    let err = load_model_bytes(&dynamic).unwrap_err();
    assert!(
        matches!(&err, OnnxError::Node { node, .. } if node == "Clip:y"),
        "{err}"
    );
}

#[test]
fn softmax_axis_defaults_follow_the_opset() {
    let x = rand_vec(24, 50);
    let softmax = |v: &[f32]| {
        let m = v.iter().copied().fold(f32::MIN, f32::max);
        let e: Vec<f32> = v.iter().map(|a| (a - m).exp()).collect();
        let s: f32 = e.iter().sum();
        e.into_iter().map(|a| a / s).collect::<Vec<f32>>()
    };
    // Opset 11: default axis 1, flattened to [2, 12].
    let old = model(
        11,
        vec![node("Softmax", &["x"], &["y"], vec![])],
        vec![],
        vec![value_info("x", &[2, 3, 4])],
        &["y"],
    );
    let g = load_model_bytes(&old).unwrap();
    assert_eq!(ops(&g), ["Reshape", "Softmax", "Reshape"]);
    let want: Vec<f32> = x.chunks(12).flat_map(softmax).collect();
    assert!(max_diff(&run(&g, &x), &want) < 1e-6);
    // Opset 13: default axis -1.
    let new = model(
        13,
        vec![node("Softmax", &["x"], &["y"], vec![])],
        vec![],
        vec![value_info("x", &[2, 3, 4])],
        &["y"],
    );
    let g = load_model_bytes(&new).unwrap();
    assert_eq!(ops(&g), ["Softmax"]);
    let want: Vec<f32> = x.chunks(4).flat_map(softmax).collect();
    assert!(max_diff(&run(&g, &x), &want) < 1e-6);
}

#[test]
fn div_by_constant_becomes_mul_and_by_runtime_value_is_refused() {
    let ok = model(
        13,
        vec![node("Div", &["x", "d"], &["y"], vec![])],
        vec![tensor("d", &[2], &[2.0, 4.0])],
        vec![value_info("x", &[2])],
        &["y"],
    );
    let g = load_model_bytes(&ok).unwrap();
    assert_eq!(ops(&g), ["Mul"]);
    assert_eq!(run(&g, &[1.0, 1.0]), [0.5, 0.25]);
    let bad = model(
        13,
        vec![node("Div", &["x", "x"], &["y"], vec![])],
        vec![],
        vec![value_info("x", &[2])],
        &["y"],
    );
    let err = load_model_bytes(&bad).unwrap_err();
    assert!(
        matches!(&err, OnnxError::Node { node, op, .. } if node == "Div:y" && op == "Div"),
        "{err}"
    );
}

#[test]
fn squeeze_unsqueeze_axes_from_attributes_and_inputs() {
    let m = |opset, nodes, inits| {
        model(
            opset,
            nodes,
            inits,
            vec![value_info("x", &[1, 3, 1, 2])],
            &["y"],
        )
    };
    let g = load_model_bytes(&m(
        13,
        vec![node("Squeeze", &["x"], &["y"], vec![])],
        vec![],
    ))
    .unwrap();
    assert_eq!(out_shape(&g), [3, 2]);
    let g = load_model_bytes(&m(
        11,
        vec![node(
            "Squeeze",
            &["x"],
            &["y"],
            vec![attr_ints("axes", &[-2])],
        )],
        vec![],
    ))
    .unwrap();
    assert_eq!(out_shape(&g), [1, 3, 2]);
    let g = load_model_bytes(&m(
        13,
        vec![node("Squeeze", &["x", "a"], &["y"], vec![])],
        vec![tensor_i64("a", &[1], &[0])],
    ))
    .unwrap();
    assert_eq!(out_shape(&g), [3, 1, 2]);
    let g = load_model_bytes(&m(
        11,
        vec![node(
            "Unsqueeze",
            &["x"],
            &["y"],
            vec![attr_ints("axes", &[0, -1])],
        )],
        vec![],
    ))
    .unwrap();
    assert_eq!(out_shape(&g), [1, 1, 3, 1, 2, 1]);
    let g = load_model_bytes(&m(
        13,
        vec![node("Unsqueeze", &["x", "a"], &["y"], vec![])],
        vec![tensor_i64("a", &[1], &[2])],
    ))
    .unwrap();
    assert_eq!(out_shape(&g), [1, 3, 1, 1, 2]);
    assert!(load_model_bytes(&m(
        11,
        vec![node(
            "Squeeze",
            &["x"],
            &["y"],
            vec![attr_ints("axes", &[1])]
        )],
        vec![]
    ))
    .is_err());
}

#[test]
fn pad_from_attributes_and_inputs_constant_mode_only() {
    let old = model(
        2,
        vec![node(
            "Pad",
            &["x"],
            &["y"],
            vec![attr_ints("pads", &[0, 1, 0, 2]), attr_f("value", 9.0)],
        )],
        vec![],
        vec![value_info("x", &[1, 2])],
        &["y"],
    );
    let g = load_model_bytes(&old).unwrap();
    assert_eq!(run(&g, &[1.0, 2.0]), [9.0, 1.0, 2.0, 9.0, 9.0]);
    let new = model(
        18,
        vec![node("Pad", &["x", "p", "v", "ax"], &["y"], vec![])],
        vec![
            tensor_i64("p", &[2], &[1, 0]),
            tensor("v", &[], &[-1.0]),
            tensor_i64("ax", &[1], &[-1]),
        ],
        vec![value_info("x", &[1, 2])],
        &["y"],
    );
    let g = load_model_bytes(&new).unwrap();
    assert_eq!(
        g.nodes[0].op,
        Op::Pad {
            pads: vec![0, 1, 0, 0],
            value: -1.0
        }
    );
    let reflect = model(
        13,
        vec![node(
            "Pad",
            &["x", "p"],
            &["y"],
            vec![attr_s("mode", "reflect")],
        )],
        vec![tensor_i64("p", &[4], &[0, 1, 0, 1])],
        vec![value_info("x", &[1, 2])],
        &["y"],
    );
    let err = load_model_bytes(&reflect).unwrap_err();
    assert!(
        matches!(&err, OnnxError::Attribute { node, attribute, .. } if node == "Pad:y" && attribute == "mode"),
        "{err}"
    );
}

#[test]
fn pooling_defaults_and_maxpool_indices() {
    let bytes = model(
        13,
        vec![
            node(
                "MaxPool",
                &["x"],
                &["m"],
                vec![
                    attr_ints("kernel_shape", &[2, 2]),
                    attr_ints("strides", &[2, 2]),
                ],
            ),
            node(
                "AveragePool",
                &["m"],
                &["a"],
                vec![
                    attr_ints("kernel_shape", &[3, 3]),
                    attr_ints("pads", &[1, 1, 1, 1]),
                ],
            ),
            node("GlobalAveragePool", &["a"], &["y"], vec![]),
        ],
        vec![],
        vec![value_info("x", &[1, 2, 8, 8])],
        &["y"],
    );
    let g = load_model_bytes(&bytes).unwrap();
    assert_eq!(ops(&g), ["MaxPool", "AveragePool", "ReduceMean"]);
    assert_eq!(
        g.nodes[1].op,
        Op::AveragePool(Pool {
            kernel: [3, 3],
            strides: [1, 1],
            pads: [1, 1, 1, 1],
            dilations: [1, 1],
            ceil_mode: false,
            count_include_pad: false,
        })
    );
    assert_eq!(out_shape(&g), [1, 2, 1, 1]);
    let indices = model(
        13,
        vec![
            node(
                "MaxPool",
                &["x"],
                &["m", "idx"],
                vec![attr_ints("kernel_shape", &[2, 2])],
            ),
            node("Relu", &["idx"], &["y"], vec![]),
        ],
        vec![],
        vec![value_info("x", &[1, 1, 4, 4])],
        &["y"],
    );
    let err = load_model_bytes(&indices).unwrap_err();
    assert!(
        matches!(&err, OnnxError::Node { node, .. } if node == "MaxPool:m"),
        "{err}"
    );
    let missing = model(
        13,
        vec![node("MaxPool", &["x"], &["y"], vec![])],
        vec![],
        vec![value_info("x", &[1, 1, 4, 4])],
        &["y"],
    );
    let err = load_model_bytes(&missing).unwrap_err();
    assert!(
        matches!(&err, OnnxError::Attribute { attribute, .. } if attribute == "kernel_shape"),
        "{err}"
    );
}

#[test]
fn reductions_follow_the_opset() {
    let m = |op: &str, opset, inputs: &[&str], attrs, inits| {
        model(
            opset,
            vec![node(op, inputs, &["y"], attrs)],
            inits,
            vec![value_info("x", &[2, 3, 4])],
            &["y"],
        )
    };
    let g = load_model_bytes(&m(
        "ReduceMean",
        13,
        &["x"],
        vec![attr_ints("axes", &[-1])],
        vec![],
    ))
    .unwrap();
    assert_eq!(
        g.nodes[0].op,
        Op::ReduceMean {
            axes: vec![2],
            keepdims: true
        }
    );
    let g = load_model_bytes(&m(
        "ReduceMean",
        18,
        &["x", "a"],
        vec![attr_i("keepdims", 0)],
        vec![tensor_i64("a", &[2], &[2, 0])],
    ))
    .unwrap();
    assert_eq!(
        g.nodes[0].op,
        Op::ReduceMean {
            axes: vec![0, 2],
            keepdims: false
        }
    );
    let g = load_model_bytes(&m("ReduceSum", 13, &["x"], vec![], vec![])).unwrap();
    assert_eq!(
        g.nodes[0].op,
        Op::ReduceSum {
            axes: vec![0, 1, 2],
            keepdims: true
        }
    );
    let g = load_model_bytes(&m(
        "ReduceSum",
        13,
        &["x"],
        vec![attr_i("noop_with_empty_axes", 1)],
        vec![],
    ))
    .unwrap();
    assert!(g.nodes.is_empty());
    let g = load_model_bytes(&m(
        "ReduceSum",
        11,
        &["x"],
        vec![attr_ints("axes", &[1])],
        vec![],
    ))
    .unwrap();
    assert_eq!(
        g.nodes[0].op,
        Op::ReduceSum {
            axes: vec![1],
            keepdims: true
        }
    );
}

#[test]
fn shapes_flatten_transpose_concat_identity_dropout_constant() {
    let bytes = model(
        13,
        vec![
            node("Identity", &["x"], &["i"], vec![]),
            node("Dropout", &["i"], &["d"], vec![]),
            node("Transpose", &["d"], &["t"], vec![]),
            node(
                "Constant",
                &[],
                &["k"],
                vec![attr_t("value", tensor("kv", &[4, 3, 1], &[1.0; 12]))],
            ),
            node("Concat", &["t", "k"], &["c"], vec![attr_i("axis", -1)]),
            node("Flatten", &["c"], &["y"], vec![]),
        ],
        vec![],
        vec![value_info("x", &[2, 3, 4])],
        &["y"],
    );
    let g = load_model_bytes(&bytes).unwrap();
    assert_eq!(ops(&g), ["Transpose", "Concat", "Reshape"]);
    assert_eq!(
        g.nodes[0].op,
        Op::Transpose {
            perm: vec![2, 1, 0]
        }
    );
    assert_eq!(out_shape(&g), [4, 9]);
}

#[test]
fn symbolic_dims_become_one() {
    let dims = vec![
        Dimension {
            value: Some(dimension::Value::DimParam("batch".into())),
        },
        Dimension { value: None },
        Dimension {
            value: Some(dimension::Value::DimValue(5)),
        },
    ];
    let bytes = model(
        13,
        vec![node("Relu", &["x"], &["y"], vec![])],
        vec![],
        vec![value_info_dims("x", dims)],
        &["y"],
    );
    let g = load_model_bytes(&bytes).unwrap();
    assert_eq!(g.input_shapes(), [&[1, 1, 5][..]]);
}

#[test]
fn fully_constant_graphs_fold_to_a_constant_output() {
    let bytes = model(
        13,
        vec![
            node("Add", &["a", "a"], &["b"], vec![]),
            node("Relu", &["b"], &["y"], vec![]),
        ],
        vec![tensor("a", &[2], &[-1.0, 2.0])],
        vec![],
        &["y"],
    );
    let g = load_model_bytes(&bytes).unwrap();
    assert!(g.nodes.is_empty());
    assert_eq!(
        g.const_value(g.outputs[0]).unwrap().as_slice().unwrap(),
        [0.0, 4.0]
    );
}

#[test]
fn load_tensor_reads_raw_and_typed_data() {
    use prost::Message;
    use zkml_onnx::proto::{data_type as dt, TensorProto};
    let raw = TensorProto {
        name: "input_0".into(),
        dims: vec![2, 2],
        data_type: dt::FLOAT,
        raw_data: Some(
            [1.0f32, -2.0, 3.5, 0.25]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
        ..Default::default()
    };
    let (name, t) = load_tensor_bytes(&raw.encode_to_vec()).unwrap();
    assert_eq!(name, "input_0");
    assert_eq!(t.shape(), [2, 2]);
    assert_eq!(t.as_slice().unwrap(), [1.0, -2.0, 3.5, 0.25]);
    let (_, t) = load_tensor_bytes(&tensor_i64("i", &[3], &[-1, 0, 7]).encode_to_vec()).unwrap();
    assert_eq!(t.as_slice().unwrap(), [-1.0, 0.0, 7.0]);
    let half = TensorProto {
        dims: vec![2],
        data_type: dt::FLOAT16,
        raw_data: Some(vec![0x00, 0x3c, 0x00, 0xc0]),
        ..Default::default()
    };
    let (_, t) = load_tensor_bytes(&half.encode_to_vec()).unwrap();
    assert_eq!(t.as_slice().unwrap(), [1.0, -2.0]);
    let boolean = TensorProto {
        dims: vec![2],
        data_type: dt::BOOL,
        int32_data: vec![1, 0],
        ..Default::default()
    };
    let (_, t) = load_tensor_bytes(&boolean.encode_to_vec()).unwrap();
    assert_eq!(t.as_slice().unwrap(), [1.0, 0.0]);
    let short = TensorProto {
        dims: vec![3],
        data_type: dt::DOUBLE,
        double_data: vec![1.0],
        ..Default::default()
    };
    assert!(matches!(
        load_tensor_bytes(&short.encode_to_vec()).unwrap_err(),
        OnnxError::Tensor { .. }
    ));
}

#[test]
fn missing_files_name_the_path() {
    let err = zkml_onnx::load_model(std::path::Path::new("/nonexistent/model.onnx")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/model.onnx"), "{err}");
}

#[test]
fn prelu_uniform_slope_is_leaky_relu_and_per_channel_is_exact() {
    let m = |slope: zkml_onnx::proto::TensorProto| {
        model(
            13,
            vec![node("PRelu", &["x", "s"], &["y"], vec![])],
            vec![slope],
            vec![value_info("x", &[1, 2, 1, 2])],
            &["y"],
        )
    };
    let g = load_model_bytes(&m(tensor("s", &[1], &[0.25]))).unwrap();
    assert_eq!(g.nodes[0].op, Op::LeakyRelu { alpha: 0.25 });
    let g = load_model_bytes(&m(tensor("s", &[2, 1, 1], &[0.5, 2.0]))).unwrap();
    assert_eq!(run(&g, &[-2.0, 3.0, -2.0, 3.0]), [-1.0, 3.0, -4.0, 3.0]);
}

#[test]
fn integer_inputs_and_training_dropout_are_refused() {
    let mut x = value_info("x", &[2]);
    if let Some(zkml_onnx::proto::type_proto::Value::TensorType(t)) =
        x.r#type.as_mut().and_then(|t| t.value.as_mut())
    {
        t.elem_type = zkml_onnx::proto::data_type::INT32;
    }
    let bytes = model(
        13,
        vec![node("Div", &["x", "d"], &["y"], vec![])],
        vec![tensor_i64("d", &[1], &[2])],
        vec![x],
        &["y"],
    );
    let err = load_model_bytes(&bytes).unwrap_err();
    assert!(err.to_string().contains("INT32"), "{err}");
    let training = model(
        13,
        vec![node("Dropout", &["x", "r", "t"], &["y"], vec![])],
        vec![
            tensor("r", &[], &[0.5]),
            zkml_onnx::proto::TensorProto {
                name: "t".into(),
                data_type: zkml_onnx::proto::data_type::BOOL,
                int32_data: vec![1],
                ..Default::default()
            },
        ],
        vec![value_info("x", &[2])],
        &["y"],
    );
    let err = load_model_bytes(&training).unwrap_err();
    assert!(
        matches!(&err, OnnxError::Node { node, .. } if node == "Dropout:y"),
        "{err}"
    );
}

#[test]
fn one_dimensional_pooling() {
    let bytes = model(
        13,
        vec![node(
            "MaxPool",
            &["x"],
            &["y"],
            vec![attr_ints("kernel_shape", &[2]), attr_ints("strides", &[2])],
        )],
        vec![],
        vec![value_info("x", &[1, 1, 6])],
        &["y"],
    );
    let g = load_model_bytes(&bytes).unwrap();
    assert_eq!(out_shape(&g), [1, 1, 3]);
    assert_eq!(run(&g, &[1.0, 5.0, -1.0, -2.0, 3.0, 0.0]), [5.0, -1.0, 3.0]);
}

/// A model touching most handlers, for mutation fuzzing.
fn rich_model() -> Vec<u8> {
    model(
        13,
        vec![
            node(
                "Conv",
                &["x", "w"],
                &["c"],
                vec![attr_ints("pads", &[1, 1, 1, 1])],
            ),
            node(
                "BatchNormalization",
                &["c", "s", "b", "m", "v"],
                &["bn"],
                vec![],
            ),
            node("Relu", &["bn"], &["r"], vec![]),
            node(
                "MaxPool",
                &["r"],
                &["p"],
                vec![
                    attr_ints("kernel_shape", &[2, 2]),
                    attr_ints("strides", &[2, 2]),
                ],
            ),
            node("Pad", &["p", "pads"], &["pp"], vec![]),
            node("Shape", &["pp"], &["sh"], vec![]),
            node("Slice", &["sh", "zero", "one"], &["n"], vec![]),
            node(
                "Concat",
                &["n", "minus1"],
                &["tgt"],
                vec![attr_i("axis", 0)],
            ),
            node("Reshape", &["pp", "tgt"], &["f"], vec![]),
            node(
                "Gemm",
                &["f", "gw", "gb"],
                &["g"],
                vec![attr_i("transB", 1)],
            ),
            node("Softmax", &["g"], &["y"], vec![]),
        ],
        vec![
            rand_tensor("w", &[2, 1, 3, 3], 1),
            rand_tensor("s", &[2], 2),
            rand_tensor("b", &[2], 3),
            rand_tensor("m", &[2], 4),
            tensor("v", &[2], &[0.5, 1.5]),
            tensor_i64("pads", &[8], &[0, 0, 1, 1, 0, 0, 0, 0]),
            tensor_i64("zero", &[1], &[0]),
            tensor_i64("one", &[1], &[1]),
            tensor_i64("minus1", &[1], &[-1]),
            rand_tensor("gw", &[3, 72], 5),
            rand_tensor("gb", &[3], 6),
        ],
        vec![value_info("x", &[1, 1, 10, 10])],
        &["y"],
    )
}

#[test]
fn mutated_models_never_panic() {
    let bytes = rich_model();
    let g = load_model_bytes(&bytes).unwrap();
    assert_eq!(
        ops(&g),
        ["Conv", "Relu", "MaxPool", "Pad", "Reshape", "MatMul", "Add", "Softmax"]
    );
    assert_eq!(out_shape(&g), [1, 3]);
    let noise = rand_vec(1 << 16, 99);
    let mut k = 0;
    let mut next = || {
        k = (k + 1) % noise.len();
        ((noise[k] + 1.0) * 32767.9) as usize
    };
    let mut stats = std::collections::BTreeMap::new();
    for _ in 0..3000 {
        let mut m = bytes.clone();
        for _ in 0..1 + next() % 4 {
            let i = next() % m.len();
            m[i] = next() as u8;
        }
        if next() % 8 == 0 {
            m.truncate(next() % m.len());
        }
        let r = load_model_bytes(&m);
        let kind = match &r {
            Ok(_) => "ok",
            Err(OnnxError::Decode { .. }) => "decode",
            Err(_) => "other",
        };
        *stats.entry(kind).or_insert(0) += 1;
    }
    // The mutations reach the decoder, the handlers and the folded result.
    assert!(stats.len() == 3, "{stats:?}");
}

#[test]
fn external_data_is_read_relative_to_the_model() {
    use zkml_onnx::proto::{data_type as dt, StringStringEntryProto, TensorProto};
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<u8> = [9.0f32, 1.0, 2.0, 3.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    std::fs::write(dir.path().join("weights.bin"), &data).unwrap();
    let kv = |k: &str, v: &str| StringStringEntryProto {
        key: k.into(),
        value: v.into(),
    };
    let w = TensorProto {
        name: "w".into(),
        dims: vec![3],
        data_type: dt::FLOAT,
        external_data: vec![
            kv("location", "weights.bin"),
            kv("offset", "4"),
            kv("length", "12"),
        ],
        data_location: 1,
        ..Default::default()
    };
    let bytes = model(
        13,
        vec![node("Add", &["x", "w"], &["y"], vec![])],
        vec![w],
        vec![value_info("x", &[3])],
        &["y"],
    );
    let path = dir.path().join("model.onnx");
    std::fs::write(&path, &bytes).unwrap();
    let g = zkml_onnx::load_model(&path).unwrap();
    assert_eq!(run(&g, &[0.0; 3]), [1.0, 2.0, 3.0]);
    // From bytes there is no folder to read it from: a clear error.
    let err = load_model_bytes(&bytes).unwrap_err();
    assert!(
        matches!(&err, OnnxError::Tensor { name, .. } if name == "w"),
        "{err}"
    );
}

/// A MobileNet-style block as exporters write it (opset 13): depthwise Conv,
/// BatchNormalization and Clip(0, 6) with bounds from Constant nodes; a
/// pointwise Conv and BatchNormalization with a residual Add; then
/// GlobalAveragePool, Flatten and Gemm.
fn mobilenet_block(extra_outputs: &[&str]) -> Vec<u8> {
    let c = 4;
    let bn = |p: &str, seed: u64| {
        vec![
            rand_tensor(&format!("{p}_s"), &[c], seed),
            rand_tensor(&format!("{p}_b"), &[c], seed + 1),
            rand_tensor(&format!("{p}_m"), &[c], seed + 2),
            tensor(&format!("{p}_v"), &[c], &[0.5, 1.0, 1.5, 2.0]),
        ]
    };
    let mut inits = vec![
        rand_tensor("dw", &[c, 1, 3, 3], 60),
        rand_tensor("pw", &[c, c, 1, 1], 61),
        rand_tensor("fc_w", &[3, c], 62),
        rand_tensor("fc_b", &[3], 63),
    ];
    inits.extend(bn("bn1", 70));
    inits.extend(bn("bn2", 80));
    let mut outputs = vec!["y"];
    outputs.extend_from_slice(extra_outputs);
    model(
        13,
        vec![
            node(
                "Conv",
                &["x", "dw"],
                &["d"],
                vec![attr_i("group", c), attr_ints("pads", &[1, 1, 1, 1])],
            ),
            node(
                "BatchNormalization",
                &["d", "bn1_s", "bn1_b", "bn1_m", "bn1_v"],
                &["d_bn"],
                vec![],
            ),
            node(
                "Constant",
                &[],
                &["zero"],
                vec![attr_t("value", tensor("", &[], &[0.0]))],
            ),
            node(
                "Constant",
                &[],
                &["six"],
                vec![attr_t("value", tensor("", &[], &[6.0]))],
            ),
            node("Clip", &["d_bn", "zero", "six"], &["d6"], vec![]),
            node("Conv", &["d6", "pw"], &["p"], vec![]),
            node(
                "BatchNormalization",
                &["p", "bn2_s", "bn2_b", "bn2_m", "bn2_v"],
                &["p_bn"],
                vec![],
            ),
            node("Add", &["p_bn", "x"], &["res"], vec![]),
            node("GlobalAveragePool", &["res"], &["gap"], vec![]),
            node("Flatten", &["gap"], &["flat"], vec![]),
            node(
                "Gemm",
                &["flat", "fc_w", "fc_b"],
                &["y"],
                vec![attr_i("transB", 1)],
            ),
        ],
        inits,
        vec![value_info("x", &[1, c, 6, 6])],
        &outputs,
    )
}

#[test]
fn mobilenet_block_folds_and_matches_the_unfolded_graph() {
    let folded = load_model_bytes(&mobilenet_block(&[])).unwrap();
    assert_eq!(
        ops(&folded),
        [
            "Conv",
            "Clip",
            "Conv",
            "Add",
            "ReduceMean",
            "Reshape",
            "MatMul",
            "Add"
        ]
    );
    assert!(matches!(
        folded.nodes[1].op,
        Op::Clip { min: 0.0, max: 6.0 }
    ));
    // Exposing the Conv outputs keeps both BatchNormalizations unfolded.
    let unfolded = load_model_bytes(&mobilenet_block(&["d", "p"])).unwrap();
    assert_eq!(ops(&unfolded).iter().filter(|o| **o == "Mul").count(), 2);
    let x = rand_vec(4 * 36, 90);
    let a = run_float(&folded, std::slice::from_ref(&x)).unwrap();
    let b = run_float(&unfolded, &[x]).unwrap();
    let (a, b): (Vec<f32>, Vec<f32>) = (
        a[0].iter().copied().collect(),
        b[0].iter().copied().collect(),
    );
    assert!(max_diff(&a, &b) < 1e-5, "{a:?} vs {b:?}");
}

#[test]
fn outputs_keep_their_model_names_through_identity() {
    let bytes = model(
        13,
        vec![
            node("Relu", &["x"], &["r"], vec![]),
            node("Identity", &["r"], &["y"], vec![]),
            node("Dropout", &["x"], &["z"], vec![]),
        ],
        vec![],
        vec![value_info("x", &[2])],
        &["y", "z"],
    );
    let g = load_model_bytes(&bytes).unwrap();
    let names: Vec<&str> = g
        .outputs
        .iter()
        .map(|&o| g.values[o].name.as_str())
        .collect();
    // `z` aliases the model input, which keeps its own name.
    assert_eq!(names, ["y", "x"]);
}
