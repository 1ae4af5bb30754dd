//! Differential test: random small graphs, integer executor vs float
//! reference. Every output element must lie within the propagated worst-case
//! bound of [`zkml_core::error_bound`], and the bound itself must be small
//! relative to the outputs (so the test cannot pass vacuously).

use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use zkml_core::error_bound::error_bounds;
use zkml_core::float::eval_float;
use zkml_core::ops::{Conv, Pool, TableFn};
use zkml_core::{calibrate, execute, quantize, Graph, Op, QuantConfig};

/// One layer of a random chain.
#[derive(Clone, Debug)]
enum Layer {
    Conv {
        out: usize,
        k: usize,
        stride: usize,
        pad: usize,
        depthwise: bool,
    },
    Relu,
    LeakyRelu,
    Clip,
    Sigmoid,
    Tanh,
    MaxPool,
    AvgPool {
        pad: usize,
    },
    AddConst,
    MulConst,
    Transpose,
}

fn layer() -> impl Strategy<Value = Layer> {
    prop_oneof![
        3 => (1usize..5, 1usize..4, 1usize..3, 0usize..2, any::<bool>())
            .prop_map(|(out, k, stride, pad, depthwise)| Layer::Conv { out, k, stride, pad, depthwise }),
        2 => Just(Layer::Relu),
        1 => Just(Layer::LeakyRelu),
        1 => Just(Layer::Clip),
        1 => Just(Layer::Sigmoid),
        1 => Just(Layer::Tanh),
        1 => Just(Layer::MaxPool),
        1 => (0usize..2).prop_map(|pad| Layer::AvgPool { pad }),
        1 => Just(Layer::AddConst),
        1 => Just(Layer::MulConst),
        1 => Just(Layer::Transpose),
    ]
}

/// A deterministic pseudo-random tensor in [-amp, amp].
fn tensor(shape: &[usize], seed: u64, amp: f32) -> ArrayD<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * amp
    })
}

fn build(c: usize, hw: usize, layers: &[Layer], dense: usize, softmax: bool, seed: u64) -> Graph {
    let mut g = Graph::new();
    let mut x = g.add_input("x", vec![1, c, hw, hw]);
    for (i, l) in layers.iter().enumerate() {
        let shape = g.values[x].shape.clone();
        let seed = seed + i as u64 * 17;
        let (op, extra): (Op, Vec<usize>) = match l {
            Layer::Conv {
                out,
                k,
                stride,
                pad,
                depthwise,
            } => {
                let cin = shape[1];
                let (group, out) = if *depthwise { (cin, cin) } else { (1, *out) };
                let fan_in = (cin / group * k * k) as f32;
                let w = g.add_const(
                    format!("w{i}"),
                    tensor(&[out, cin / group, *k, *k], seed, 1.5 / fan_in.sqrt()),
                );
                let b = g.add_const(format!("b{i}"), tensor(&[out], seed + 1, 0.1));
                let conv = Conv {
                    kernel: [*k, *k],
                    strides: [*stride; 2],
                    pads: [*pad; 4],
                    dilations: [1, 1],
                    group,
                };
                (Op::Conv(conv), vec![w, b])
            }
            Layer::Relu => (Op::Relu, vec![]),
            Layer::LeakyRelu => (Op::LeakyRelu { alpha: 0.1 }, vec![]),
            Layer::Clip => (
                Op::Clip {
                    min: -0.5,
                    max: 0.75,
                },
                vec![],
            ),
            Layer::Sigmoid => (Op::Table(TableFn::Sigmoid), vec![]),
            Layer::Tanh => (Op::Table(TableFn::Tanh), vec![]),
            Layer::MaxPool | Layer::AvgPool { .. } => {
                let pad = if let Layer::AvgPool { pad } = l {
                    *pad
                } else {
                    0
                };
                let p = Pool {
                    kernel: [2, 2],
                    strides: [2, 2],
                    pads: [pad; 4],
                    dilations: [1, 1],
                    ceil_mode: false,
                    count_include_pad: false,
                };
                (
                    if matches!(l, Layer::MaxPool) {
                        Op::MaxPool(p)
                    } else {
                        Op::AveragePool(p)
                    },
                    vec![],
                )
            }
            Layer::AddConst => (
                Op::Add,
                vec![g.add_const(format!("a{i}"), tensor(&[shape[1], 1, 1], seed, 0.5))],
            ),
            Layer::MulConst => (
                Op::Mul,
                vec![g.add_const(format!("m{i}"), tensor(&[shape[1], 1, 1], seed, 1.5))],
            ),
            Layer::Transpose => (
                Op::Transpose {
                    perm: vec![0, 1, 3, 2],
                },
                vec![],
            ),
        };
        let mut inputs = vec![x];
        inputs.extend(extra);
        // Layers that do not fit the current shape are skipped.
        if let Ok(y) = g.add_node(format!("n{i}"), op, inputs, format!("t{i}")) {
            x = y;
        }
    }
    let n: usize = g.values[x].shape.iter().product();
    x = g
        .add_node(
            "flatten",
            Op::Reshape { shape: vec![1, n] },
            vec![x],
            "flat",
        )
        .unwrap();
    let w = g.add_const(
        "dense_w",
        tensor(&[n, dense], seed + 99, 1.5 / (n as f32).sqrt()),
    );
    x = g
        .add_node("dense", Op::MatMul, vec![x, w], "logits")
        .unwrap();
    if softmax {
        x = g
            .add_node("softmax", Op::Softmax { axis: 1 }, vec![x], "probs")
            .unwrap();
    }
    g.add_output(x);
    g
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn integer_executor_tracks_float_reference(
        c in 1usize..4,
        hw in 4usize..10,
        layers in prop::collection::vec(layer(), 1..6),
        dense in 2usize..8,
        softmax in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let g = build(c, hw, &layers, dense, softmax, seed);
        let x = vec![tensor(&[1, c, hw, hw], seed ^ 0xabcdef, 1.0)];
        let cal = calibrate(&g, std::slice::from_ref(&x)).unwrap();
        let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
        let trace = execute(&q, &x).unwrap();
        let float_values = eval_float(&g, &x).unwrap();
        let bounds = error_bounds(&g, &q, &float_values);
        let out = g.outputs[0];
        let got = &trace.dequantized_outputs(&q)[0];
        for (i, (&qv, &fv)) in got.iter().zip(float_values[out].iter()).enumerate() {
            let err = (qv - fv as f64).abs();
            prop_assert!(err <= bounds[out] + 1e-9,
                "output[{i}]: integer {qv} vs float {fv}: error {err} exceeds bound {}", bounds[out]);
        }
    }
}

#[test]
fn out_of_range_input_is_an_error_not_a_wrong_result() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 4]);
    let y = g.add_node("relu", Op::Relu, vec![x], "y").unwrap();
    g.add_output(y);
    let small = vec![ArrayD::from_shape_vec(IxDyn(&[1, 4]), vec![0.1f32, -0.2, 0.3, 0.4]).unwrap()];
    let cal = calibrate(&g, std::slice::from_ref(&small)).unwrap();
    let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
    let big = vec![ArrayD::from_shape_vec(IxDyn(&[1, 4]), vec![0.1f32, -0.2, 1e6, 0.4]).unwrap()];
    let err = execute(&q, &big).unwrap_err().to_string();
    assert!(err.contains("outside the calibrated range"), "{err}");
    assert!(err.contains("--calibration"), "{err}");
}

/// The bound check can fail: an executor that rescales by one bit too many
/// (a plausible bug) is caught on a plain dense layer.
#[test]
fn a_wrong_shift_breaks_the_bound() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 16]);
    let w = g.add_const("w", tensor(&[16, 4], 7, 0.5));
    let y = g.add_node("dense", Op::MatMul, vec![x, w], "y").unwrap();
    g.add_output(y);
    let input = vec![tensor(&[1, 16], 11, 1.0)];
    let cal = calibrate(&g, std::slice::from_ref(&input)).unwrap();
    let mut q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
    let fv = eval_float(&g, &input).unwrap();
    let bound = error_bounds(&g, &q, &fv)[y];
    let worst = |q: &zkml_core::QGraph| {
        let got = execute(q, &input).unwrap().dequantized_outputs(q).remove(0);
        got.iter()
            .zip(fv[y].iter())
            .map(|(&a, &f)| (a - f as f64).abs())
            .fold(0.0, f64::max)
    };
    assert!(
        worst(&q) <= bound,
        "honest executor must be within the bound"
    );
    match &mut q.nodes[0].op {
        zkml_core::QOp::MatMul { shift } => *shift += 1,
        other => panic!("unexpected op {other:?}"),
    }
    assert!(
        worst(&q) > bound,
        "a wrong rescale must exceed the bound {bound}"
    );
}
