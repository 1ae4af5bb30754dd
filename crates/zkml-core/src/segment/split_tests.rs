use super::*;
use crate::exec::{execute_int, quantize_inputs};
use crate::graph::Graph;
use crate::ops::{Op, TableFn};
use crate::quant::{calibrate, quantize, QuantConfig};
use crate::tensor::FTensor;

fn tensor(shape: &[usize], seed: u64, amp: f32) -> FTensor {
    let n: usize = shape.iter().product();
    let mut s = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    let data = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32 * amp
        })
        .collect();
    FTensor::from_shape_vec(shape.to_vec(), data).unwrap()
}

fn conv(kernel: usize, stride: usize, pad: usize, group: usize) -> Op {
    Op::Conv(Conv {
        kernel: [kernel, kernel],
        strides: [stride, stride],
        pads: [pad; 4],
        dilations: [1, 1],
        group,
    })
}

fn quant(g: &Graph, input: &[FTensor]) -> QGraph {
    let cal = calibrate(g, &[input.to_vec()]).unwrap();
    quantize(g, &cal, &QuantConfig::default()).unwrap()
}

/// Splits node `name` of `q` into `parts` and checks that the rewritten
/// graph's outputs equal the original's, bit for bit, on `input`; returns
/// the rewritten graph.
fn split_exact(q: &QGraph, input: &[FTensor], name: &str, parts: usize) -> QGraph {
    let j = q.nodes.iter().position(|n| n.name == name).unwrap();
    let mut p = vec![1; q.nodes.len()];
    p[j] = parts;
    let s = split_nodes(q, &p).unwrap();
    let x = quantize_inputs(q, input);
    let a = execute_int(q, x.clone()).unwrap();
    let b = execute_int(&s, x).unwrap();
    assert_eq!(
        a.outputs(q),
        b.outputs(&s),
        "split of `{name}` into {parts}"
    );
    assert!(s.nodes.len() > q.nodes.len(), "`{name}` was not split");
    s
}

/// A MobileNetV2-style inverted residual: 1×1 expand (7 → 13 channels, an
/// odd count) + bias + Clip(0, 6), 3×3 depthwise stride 2 + Clip, 1×1
/// project, at odd spatial sizes.
fn inverted_residual() -> (QGraph, Vec<FTensor>) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 7, 9, 11]);
    let w1 = g.add_const("w1", tensor(&[13, 7, 1, 1], 1, 0.5));
    let b1 = g.add_const("b1", tensor(&[1, 13, 1, 1], 2, 0.3));
    let w2 = g.add_const("w2", tensor(&[13, 1, 3, 3], 3, 0.5));
    let b2 = g.add_const("b2", tensor(&[13], 4, 0.3));
    let w3 = g.add_const("w3", tensor(&[5, 13, 1, 1], 5, 0.5));
    let c1 = g
        .add_node("expand", conv(1, 1, 0, 1), vec![x, w1], "c1")
        .unwrap();
    let a1 = g.add_node("bias", Op::Add, vec![c1, b1], "a1").unwrap();
    let r1 = g
        .add_node("clip1", Op::Clip { min: 0.0, max: 6.0 }, vec![a1], "r1")
        .unwrap();
    let c2 = g
        .add_node("dw", conv(3, 2, 1, 13), vec![r1, w2, b2], "c2")
        .unwrap();
    let r2 = g
        .add_node("clip2", Op::Clip { min: 0.0, max: 6.0 }, vec![c2], "r2")
        .unwrap();
    let c3 = g
        .add_node("project", conv(1, 1, 0, 1), vec![r2, w3], "c3")
        .unwrap();
    g.add_output(c3);
    let input = vec![tensor(&[1, 7, 9, 11], 9, 1.0)];
    (quant(&g, &input), input)
}

/// The expand conv carries its bias, Clip, the depthwise conv and its Clip:
/// five nodes per piece, then one Concat; 13 channels in 2, 3, 4, 5 and 13
/// pieces (uneven), each exact.
#[test]
fn conv_chain_split_is_exact() {
    let (q, input) = inverted_residual();
    let j = q.nodes.iter().position(|n| n.name == "expand").unwrap();
    for parts in [2, 3, 4, 5, 13, 40] {
        let s = split_exact(&q, &input, "expand", parts);
        let pieces = parts.min(13);
        let p = pieces_of(&q, j, parts).unwrap();
        assert_eq!(p.ranges.len(), pieces);
        let chain = chain_of(&q, j, &p);
        let names: Vec<&str> = chain.iter().map(|&i| q.nodes[i].name.as_str()).collect();
        assert_eq!(names, ["expand", "bias", "clip1", "dw", "clip2"]);
        // 5 nodes per piece + concat, project unchanged.
        assert_eq!(s.nodes.len(), 5 * pieces + 2, "parts {parts}");
        let cat = &s.nodes[5 * pieces];
        assert!(
            matches!(cat.op, QOp::Concat { axis: 1, .. }),
            "{:?}",
            cat.op
        );
        // Each piece's product is directly followed by the Add fused with it.
        let uses = value_uses(&s);
        for k in 0..pieces {
            assert_eq!(fused_add(&s, 5 * k, &uses), Some(5 * k + 1));
        }
    }
}

/// Requests on the fused bias Add, on the depthwise conv alone (its input
/// sliced by a Gather), and on the Clip (elementwise, longest axis) are exact.
#[test]
fn other_nodes_of_the_chain_split_exactly() {
    let (q, input) = inverted_residual();
    // The Add fused into `expand`: the split starts at `expand`.
    let s = split_exact(&q, &input, "bias", 3);
    assert_eq!(s.nodes[0].name, "expand[0/3:0..4]");
    let s = split_exact(&q, &input, "dw", 4);
    assert!(s.nodes.iter().any(|n| matches!(n.op, QOp::Gather(_))));
    split_exact(&q, &input, "clip1", 3);
    split_exact(&q, &input, "project", 2);
}

/// A grouped conv (3 groups of 2 → 4 channels) split by whole groups, and
/// a conv with a single group split by filters, with stride and padding.
#[test]
fn grouped_and_strided_convs_split_exactly() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![2, 6, 8, 7]);
    let w1 = g.add_const("w1", tensor(&[12, 2, 3, 3], 1, 0.5));
    let b1 = g.add_const("b1", tensor(&[12], 2, 0.3));
    let w2 = g.add_const("w2", tensor(&[5, 12, 2, 2], 3, 0.5));
    let c1 = g
        .add_node("grouped", conv(3, 1, 1, 3), vec![x, w1, b1], "c1")
        .unwrap();
    let r1 = g.add_node("relu", Op::Relu, vec![c1], "r1").unwrap();
    let c2 = g
        .add_node("plain", conv(2, 2, 1, 1), vec![r1, w2], "c2")
        .unwrap();
    g.add_output(c2);
    let input = vec![tensor(&[2, 6, 8, 7], 7, 1.0)];
    let q = quant(&g, &input);
    for parts in [2, 3, 5] {
        let s = split_exact(&q, &input, "grouped", parts);
        let convs: Vec<usize> = s
            .nodes
            .iter()
            .filter_map(|n| match &n.op {
                QOp::Conv { conv, .. } if n.name.starts_with("grouped") => Some(conv.group),
                _ => None,
            })
            .collect();
        assert_eq!(convs.iter().sum::<usize>(), 3, "parts {parts}: {convs:?}");
        split_exact(&q, &input, "plain", parts);
    }
}

/// MatMul (batched activations × constant) split by output columns carries
/// its bias and a table function; an activation × activation MatMul (its
/// right operand sliced by a Gather) and a residual Add of two computed
/// tensors split too.
#[test]
fn matmul_and_elementwise_split_exactly() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![3, 5, 7]);
    let w = g.add_const("w", tensor(&[7, 11], 1, 0.5));
    let b = g.add_const("b", tensor(&[11], 2, 0.3));
    let w2 = g.add_const("w2", tensor(&[11, 7], 3, 0.5));
    let m = g.add_node("mm", Op::MatMul, vec![x, w], "m").unwrap();
    let a = g.add_node("bias", Op::Add, vec![m, b], "a").unwrap();
    let t = g
        .add_node("gelu", Op::Table(TableFn::Sigmoid), vec![a], "t")
        .unwrap();
    let d = g.add_node("down", Op::MatMul, vec![t, w2], "d").unwrap();
    let r = g.add_node("res", Op::Add, vec![d, x], "r").unwrap();
    let xt = g
        .add_node(
            "xt",
            Op::Transpose {
                perm: vec![0, 2, 1],
            },
            vec![r],
            "xt",
        )
        .unwrap();
    let s = g.add_node("scores", Op::MatMul, vec![r, xt], "s").unwrap();
    g.add_output(s);
    g.add_output(r);
    let input = vec![tensor(&[3, 5, 7], 5, 1.0)];
    let q = quant(&g, &input);
    for parts in [2, 3, 4, 11] {
        let s = split_exact(&q, &input, "mm", parts);
        let tables = s
            .nodes
            .iter()
            .filter(|n| matches!(n.op, QOp::Table { .. }))
            .count();
        assert_eq!(tables, parts.min(11), "the table function is carried");
        split_exact(&q, &input, "res", parts);
        split_exact(&q, &input, "scores", parts);
    }
    // All three at once.
    let ids = ["mm", "res", "scores"].map(|n| q.nodes.iter().position(|x| x.name == n).unwrap());
    let mut p = vec![1; q.nodes.len()];
    for (k, &j) in ids.iter().enumerate() {
        p[j] = 2 + k;
    }
    let s = split_nodes(&q, &p).unwrap();
    let x = quantize_inputs(&q, &input);
    assert_eq!(
        execute_int(&q, x.clone()).unwrap().outputs(&q),
        execute_int(&s, x).unwrap().outputs(&s)
    );
}

/// An op that cannot be split is refused by name; `parts` of 1 (or none)
/// leaves the graph as it was.
#[test]
fn unsplittable_ops_are_refused_by_name() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 6]);
    let y = g
        .add_node("sm", Op::Softmax { axis: 1 }, vec![x], "y")
        .unwrap();
    g.add_output(y);
    let input = vec![tensor(&[1, 6], 1, 1.0)];
    let q = quant(&g, &input);
    let e = split_nodes(&q, &[2]).unwrap_err().to_string();
    assert!(e.contains("`sm`") && e.contains("Softmax"), "{e}");
    assert_eq!(split_nodes(&q, &[1]).unwrap(), q);
    assert_eq!(split_nodes(&q, &[]).unwrap(), q);
}

/// The split graph segments like any other: cuts between pieces carry the
/// chain's input and the finished pieces, and the segments in order
/// reproduce the split graph's trace and the unsplit model's outputs.
#[test]
fn split_graph_segments_reproduce_the_outputs() {
    let (q, input) = inverted_residual();
    let mut p = vec![1; q.nodes.len()];
    p[0] = 3;
    let s = split_nodes(&q, &p).unwrap();
    let x = quantize_inputs(&q, &input);
    let whole = execute_int(&s, x.clone()).unwrap();
    // Cuts after each piece (5 nodes each).
    let segs = s.segment(&[5, 10, 15]).unwrap();
    let mid = &segs[1];
    let names: Vec<&str> = mid
        .graph
        .inputs
        .iter()
        .map(|&i| mid.graph.values[i].name.as_str())
        .collect();
    assert_eq!(names, ["x", "r2[0/3:0..4]"]);
    let mut next = x;
    for seg in &segs {
        let t = execute_int(&seg.graph, next).unwrap();
        assert_eq!(t, whole.restrict(seg));
        next = t.outputs(&seg.graph);
    }
    assert_eq!(
        next,
        execute_int(&q, quantize_inputs(&q, &input))
            .unwrap()
            .outputs(&q)
    );
}

/// A MatMul followed by GELU's spelled-out tanh form (an elementwise graph
/// that reads its input three times) carries the whole graph into each
/// piece; when a value inside it is read after it (`leak`), the chain is
/// cut back to a prefix whose values are read only inside it.
#[test]
fn elementwise_graphs_travel_with_a_split() {
    for leak in [false, true] {
        let mut g = Graph::new();
        let x = g.add_input("x", vec![1, 4, 6]);
        let w = g.add_const("w", tensor(&[6, 10], 1, 0.5));
        let b = g.add_const("b", tensor(&[10], 2, 0.3));
        let c3 = g.add_const("c3", FTensor::from_elem(vec![1], 0.044715));
        let c = g.add_const("c", FTensor::from_elem(vec![1], 0.797));
        let one = g.add_const("one", FTensor::from_elem(vec![1], 1.0));
        let half = g.add_const("half", FTensor::from_elem(vec![1], 0.5));
        let w2 = g.add_const("w2", tensor(&[10, 3], 3, 0.5));
        let m = g.add_node("mm", Op::MatMul, vec![x, w], "m").unwrap();
        let h = g.add_node("bias", Op::Add, vec![m, b], "h").unwrap();
        let h2 = g.add_node("sq", Op::Mul, vec![h, h], "h2").unwrap();
        let h3 = g.add_node("cube", Op::Mul, vec![h2, h], "h3").unwrap();
        let t1 = g.add_node("k", Op::Mul, vec![h3, c3], "t1").unwrap();
        let t2 = g.add_node("inner", Op::Add, vec![h, t1], "t2").unwrap();
        let t3 = g.add_node("scale", Op::Mul, vec![t2, c], "t3").unwrap();
        let t4 = g
            .add_node("tanh", Op::Table(TableFn::Tanh), vec![t3], "t4")
            .unwrap();
        let t5 = g.add_node("plus1", Op::Add, vec![t4, one], "t5").unwrap();
        let t6 = g.add_node("xh", Op::Mul, vec![h, half], "t6").unwrap();
        let y = g.add_node("gelu", Op::Mul, vec![t6, t5], "y").unwrap();
        let o = g.add_node("down", Op::MatMul, vec![y, w2], "o").unwrap();
        g.add_output(o);
        if leak {
            g.add_output(t2);
        }
        let input = vec![tensor(&[1, 4, 6], 5, 1.0)];
        let q = quant(&g, &input);
        let j = q.nodes.iter().position(|n| n.name == "mm").unwrap();
        let p = pieces_of(&q, j, 3).unwrap();
        let last = |chain: &[usize]| q.nodes[*chain.last().unwrap()].name.clone();
        let chain = chain_of(&q, j, &p);
        // With `t2` read outside, no prefix past the bias is closed (`h`
        // is read by `xh`, after `inner`): the chain is the fused pair.
        assert_eq!(last(&chain), if leak { "bias" } else { "gelu" });
        for parts in [2, 3, 7] {
            let s = split_exact(&q, &input, "mm", parts);
            let tanhs = s
                .nodes
                .iter()
                .filter(|n| n.name.starts_with("tanh["))
                .count();
            assert_eq!(tanhs, if leak { 0 } else { parts });
        }
    }
}

/// A channel split carries pooling (per channel): conv → Relu → MaxPool →
/// AveragePool travel together, exactly.
#[test]
fn pools_travel_with_a_channel_split() {
    let pool = |k: usize, s: usize| crate::ops::Pool {
        kernel: [k, k],
        strides: [s, s],
        pads: [0, 0, 1, 1],
        dilations: [1, 1],
        ceil_mode: false,
        count_include_pad: false,
    };
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 3, 9, 9]);
    let w = g.add_const("w", tensor(&[7, 3, 3, 3], 1, 0.5));
    let w2 = g.add_const("w2", tensor(&[2, 7, 1, 1], 2, 0.5));
    let c = g
        .add_node("conv", conv(3, 1, 1, 1), vec![x, w], "c")
        .unwrap();
    let r = g.add_node("relu", Op::Relu, vec![c], "r").unwrap();
    let m = g
        .add_node("max", Op::MaxPool(pool(2, 2)), vec![r], "m")
        .unwrap();
    let a = g
        .add_node("avg", Op::AveragePool(pool(3, 1)), vec![m], "a")
        .unwrap();
    let o = g
        .add_node("proj", conv(1, 1, 0, 1), vec![a, w2], "o")
        .unwrap();
    g.add_output(o);
    let input = vec![tensor(&[1, 3, 9, 9], 3, 1.0)];
    let q = quant(&g, &input);
    let p = pieces_of(&q, 0, 3).unwrap();
    let names: Vec<&str> = chain_of(&q, 0, &p)
        .iter()
        .map(|&i| q.nodes[i].name.as_str())
        .collect();
    assert_eq!(names, ["conv", "relu", "max", "avg"]);
    for parts in [2, 3, 7] {
        split_exact(&q, &input, "conv", parts);
    }
}
