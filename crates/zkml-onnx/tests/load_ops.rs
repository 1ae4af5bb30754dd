//! Loader tests on models built in Rust and encoded with the crate's messages:
//! per-op attributes and inputs across opsets (shapes, Clip, Softmax, Pad,
//! pooling, reductions, …) and constant folding.

mod common;

use common::*;
use zkml_core::ops::Pool;
use zkml_core::{Graph, Op};
use zkml_onnx::{load_model_bytes, OnnxError};

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
    // LogSoftmax and Hardmax share the rule (opset 11: flattened to [2, 12]).
    let legacy = |op: &str| {
        let m = model(
            11,
            vec![node(op, &["x"], &["y"], vec![])],
            vec![],
            vec![value_info("x", &[2, 3, 4])],
            &["y"],
        );
        let g = load_model_bytes(&m).unwrap();
        let y = run(&g, &x);
        (ops(&g), y)
    };
    let (o, y) = legacy("LogSoftmax");
    assert_eq!(
        (o.first().copied(), o.last().copied()),
        (Some("Reshape"), Some("Reshape"))
    );
    let want: Vec<f32> = x
        .chunks(12)
        .flat_map(|c| softmax(c).into_iter().map(f32::ln))
        .collect();
    assert!(max_diff(&y, &want) < 1e-5);
    let (o, y) = legacy("Hardmax");
    assert_eq!(o, ["Reshape", "Hardmax", "Reshape"]);
    let want: Vec<f32> = x
        .chunks(12)
        .flat_map(|c| {
            let m = c
                .iter()
                .position(|&v| v == c.iter().copied().fold(f32::MIN, f32::max));
            (0..12).map(move |i| f32::from(u8::from(Some(i) == m)))
        })
        .collect();
    assert_eq!(y, want);
}

#[test]
fn div_by_constant_becomes_mul_and_by_runtime_value_an_exact_div() {
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
    let g = load_model_bytes(&bad).unwrap();
    assert_eq!(ops(&g), ["Div"]);
    assert_eq!(run(&g, &[2.0, -0.5]), [1.0, 1.0]);
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
fn pad_from_attributes_and_inputs_and_its_modes() {
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
    // Reflect (like edge and wrap) is an index map: [a, b] -> [b, a, b, a].
    let g = load_model_bytes(&reflect).unwrap();
    assert_eq!(run(&g, &[1.0, 2.0]), [2.0, 1.0, 2.0, 1.0]);
    let bad = model(
        13,
        vec![node(
            "Pad",
            &["x", "p"],
            &["y"],
            vec![attr_s("mode", "mirror")],
        )],
        vec![tensor_i64("p", &[4], &[0, 1, 0, 1])],
        vec![value_info("x", &[1, 2])],
        &["y"],
    );
    let err = load_model_bytes(&bad).unwrap_err();
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

#[test]
fn pow_of_a_constant_base_by_a_run_time_exponent_is_an_exp() {
    // y = 10^x (torch `10 ** x`): exp(x·ln 10), a Mul and the Exp table.
    let m = model(
        17,
        vec![node("Pow", &["ten", "x"], &["y"], vec![])],
        vec![tensor("ten", &[], &[10.0])],
        vec![value_info("x", &[1, 3])],
        &["y"],
    );
    let g = load_model_bytes(&m).unwrap();
    assert_eq!(ops(&g), ["Mul", "Exp"]);
    let y = run(&g, &[0.0, 1.0, -0.5]);
    for (got, want) in y.iter().zip([1.0f32, 10.0, 10f32.powf(-0.5)]) {
        assert!((got - want).abs() < 1e-4 * want.max(1.0), "{got} vs {want}");
    }
    // A non-positive or varying base with a run-time exponent is refused.
    for base in [[-2.0f32, -2.0], [2.0, 3.0]] {
        let m = model(
            17,
            vec![node("Pow", &["b", "x"], &["y"], vec![])],
            vec![tensor("b", &[2], &base)],
            vec![value_info("x", &[1, 2])],
            &["y"],
        );
        let err = load_model_bytes(&m).unwrap_err().to_string();
        assert!(err.contains("only with a constant positive base"), "{err}");
    }
}
