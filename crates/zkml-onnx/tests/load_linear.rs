//! Loader tests on models built in Rust and encoded with the crate's messages:
//! Conv, Gemm and BatchNormalization folding, and a MobileNet-style block.

mod common;

use common::*;
use zkml_core::ops::Conv;
use zkml_core::{run_float, Graph, Op};
use zkml_onnx::{load_model_bytes, OnnxError};

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
