//! Recognising LayerNorm spelled out (how PyTorch before opset 17 and
//! paddle2onnx export it) and fusing it into one exact `Op::Standardize`.
//!
//! The pattern, on the loaded graph (the Pow by 2 is already `Mul(d, d)`):
//!
//! ```text
//! m = ReduceMean_A(x)  (keepdims)      d = Sub(x, m)
//! v = ReduceMean_A(Mul(d, d) | Pow₂(d))   a = Add(v, ε) | Add(ε, v) | v
//! y = Div(d, Sqrt(a)) | Mul(d, Reciprocal(Sqrt(a))) | Mul(d, Rsqrt(a))   (either operand order for Mul)
//! ```
//!
//! becomes `y = Standardize_A(x; ε)`: one node whose integer rule computes
//! the mean, variance and root exactly instead of quantizing each
//! intermediate (the mean, the squares, the variance and the root each lost
//! bits at the activation width). The following `Mul(γ)`, `Add(β)` stay.
//! Intermediates still used elsewhere stay too; unused ones are pruned.

use zkml_core::{ops::TableFn, Graph, Node, Op, ValueId, ValueKind};

/// Fuses every spelled-out LayerNorm; returns how many.
pub fn fuse_layer_norm(g: &mut Graph) -> usize {
    let mut fused = 0;
    for k in 0..g.nodes.len() {
        if let Some((x, axes, epsilon)) = match_at(g, k) {
            g.nodes[k].op = Op::Standardize { axes, epsilon };
            g.nodes[k].inputs = vec![x];
            fused += 1;
        }
    }
    if fused > 0 {
        g.prune();
    }
    fused
}

fn producer(g: &Graph, v: ValueId) -> Option<&Node> {
    match g.values[v].kind {
        ValueKind::Node(i) => g.nodes.get(i),
        _ => None,
    }
}

/// `Some(input)` when `v` is computed by the table function `f`.
fn table_of(g: &Graph, v: ValueId, f: TableFn) -> Option<ValueId> {
    let n = producer(g, v)?;
    (n.op == Op::Table(f)).then(|| n.inputs[0])
}

/// The constant's single value (every element equal), if `v` is one.
fn scalar(g: &Graph, v: ValueId) -> Option<f32> {
    let t = g.const_value(v)?;
    let first = *t.iter().next()?;
    t.iter().all(|&e| e == first).then_some(first)
}

/// `(a, d)` of the final division: `a` is the variance plus ε.
fn division(g: &Graph, node: &Node) -> Option<(ValueId, ValueId)> {
    match node.op {
        Op::Div => {
            let a = table_of(g, node.inputs[1], TableFn::Sqrt)?;
            Some((a, node.inputs[0]))
        }
        Op::Mul => {
            let inv = |r: ValueId| {
                table_of(g, r, TableFn::Rsqrt).or_else(|| {
                    let s = table_of(g, r, TableFn::Reciprocal)?;
                    table_of(g, s, TableFn::Sqrt)
                })
            };
            let (l, r) = (node.inputs[0], node.inputs[1]);
            inv(r).map(|a| (a, l)).or_else(|| inv(l).map(|a| (a, r)))
        }
        _ => None,
    }
}

/// `(v, ε)` from `a = v + ε` (or `a = v`, ε = 0).
fn plus_eps(g: &Graph, a: ValueId) -> (ValueId, f32) {
    if let Some(n) = producer(g, a) {
        if n.op == Op::Add {
            let (l, r) = (n.inputs[0], n.inputs[1]);
            for (v, c) in [(l, r), (r, l)] {
                if let Some(e) = scalar(g, c).filter(|e| e.is_finite() && *e >= 0.0) {
                    if g.const_value(v).is_none() {
                        return (v, e);
                    }
                }
            }
        }
    }
    (a, 0.0)
}

/// Axes of a keepdims ReduceMean producing `v`, and its input.
fn mean_of(g: &Graph, v: ValueId) -> Option<(Vec<usize>, ValueId)> {
    match &producer(g, v)?.op {
        Op::ReduceMean {
            axes,
            keepdims: true,
        } => Some((axes.clone(), producer(g, v)?.inputs[0])),
        _ => None,
    }
}

fn match_at(g: &Graph, k: usize) -> Option<(ValueId, Vec<usize>, f32)> {
    let (a, d) = division(g, &g.nodes[k])?;
    let (v, eps) = plus_eps(g, a);
    let (axes, p) = mean_of(g, v)?;
    let pn = producer(g, p)?;
    let squares = match pn.op {
        Op::Mul => pn.inputs[0] == d && pn.inputs[1] == d,
        Op::Table(TableFn::Pow { exponent }) => exponent == 2.0 && pn.inputs[0] == d,
        _ => false,
    };
    if !squares {
        return None;
    }
    let dn = producer(g, d)?;
    if dn.op != Op::Sub {
        return None;
    }
    let (x, m) = (dn.inputs[0], dn.inputs[1]);
    let (axes_m, x_m) = mean_of(g, m)?;
    (axes_m == axes && x_m == x && g.values[x].shape == g.values[d].shape).then_some((x, axes, eps))
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkml_core::FTensor;

    /// x → LayerNorm spelled out over the last axis → Mul γ.
    fn spelled(div: bool) -> Graph {
        let mut g = Graph::new();
        let x = g.add_input("x", vec![2, 5]);
        let mean = |axes: Vec<usize>| Op::ReduceMean {
            axes,
            keepdims: true,
        };
        let m = g.add_node("m", mean(vec![1]), vec![x], "m").unwrap();
        let d = g.add_node("d", Op::Sub, vec![x, m], "d").unwrap();
        let p = g.add_node("p", Op::Mul, vec![d, d], "p").unwrap();
        let v = g.add_node("v", mean(vec![1]), vec![p], "v").unwrap();
        let e = g.add_const("eps", FTensor::from_elem(vec![], 1e-5));
        let a = g.add_node("a", Op::Add, vec![v, e], "a").unwrap();
        let s = g
            .add_node("s", Op::Table(TableFn::Sqrt), vec![a], "s")
            .unwrap();
        let y = if div {
            g.add_node("y", Op::Div, vec![d, s], "y").unwrap()
        } else {
            let r = g
                .add_node("r", Op::Table(TableFn::Reciprocal), vec![s], "r")
                .unwrap();
            g.add_node("y", Op::Mul, vec![r, d], "y").unwrap()
        };
        let gamma = g.add_const("gamma", FTensor::from_elem(vec![5], 2.0));
        let z = g.add_node("z", Op::Mul, vec![y, gamma], "z").unwrap();
        g.add_output(z);
        g
    }

    #[test]
    fn fuses_both_division_forms_and_keeps_the_result() {
        for div in [true, false] {
            let mut g = spelled(div);
            let input = FTensor::from_shape_vec(
                vec![2, 5],
                vec![1.0, -2.0, 0.5, 3.0, 0.0, 10.0, 11.0, 9.5, 10.2, 10.0],
            )
            .unwrap();
            let before = zkml_core::float::eval_float(&g, std::slice::from_ref(&input)).unwrap();
            let out_before = before[g.outputs[0]].clone();
            assert_eq!(fuse_layer_norm(&mut g), 1);
            let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
            assert_eq!(ops, ["MeanVarianceNormalization", "Mul"]);
            assert_eq!(
                g.nodes[0].op,
                Op::Standardize {
                    axes: vec![1],
                    epsilon: 1e-5
                }
            );
            let after = zkml_core::float::eval_float(&g, &[input]).unwrap();
            for (a, b) in after[g.outputs[0]].iter().zip(&out_before) {
                assert!((a - b).abs() < 1e-4, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn other_axes_or_inputs_are_left_alone() {
        let mut g = spelled(true);
        // The variance over a different axis set is not a LayerNorm.
        let v = g.nodes.iter().position(|n| n.name == "v").unwrap();
        g.nodes[v].op = Op::ReduceMean {
            axes: vec![0],
            keepdims: true,
        };
        assert_eq!(fuse_layer_norm(&mut g), 0);
    }
}
