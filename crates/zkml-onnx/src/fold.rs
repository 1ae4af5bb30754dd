//! Folding constant affine ops into the Conv or MatMul before them.
//!
//! BatchNormalization is loaded as `Mul(x, a)` then `Add(·, b)` with
//! per-channel constants; Gemm as `MatMul` then `Add(·, C)`. This pass
//! rewrites, while the intermediate value has exactly one consumer:
//!
//! * `Mul(Conv(x, W, B), k)` → `Conv(x, W·k, B·k)` for a per-output-channel `k`;
//! * `Add(Conv(x, W, B), c)` → `Conv(x, W, B + c)` for a per-channel `c`;
//! * `Mul(MatMul(x, W), k)` → `MatMul(x, W·k)` for `k` per output column;
//! * `Mul(Add(z, c), k)` → `Add(z·k, c·k)` when `z·k` folds by these rules;
//! * `Add(Add(z, c₁), c₂)` → `Add(z, c₁ + c₂)`; `Mul(Mul(z, k₁), k₂)` → `Mul(z, k₁·k₂)`.
//!
//! And on a model input `x` (a Scaler or StandardScaler in front of a linear
//! model or an MLP), with per-feature constants along `x`'s last axis:
//!
//! * `MatMul(Mul(u, k), W)` → `MatMul(u, diag(k)·W)`, for `u` the input or
//!   `x ± c` below;
//! * `MatMul(Sub(x, o), W)` → `Add(MatMul(x, W), −o·W)` (and `x + c`
//!   likewise), the Add then fused with the product.
//!
//! so the first product reads the raw input, whose features can then get
//! their own scales (`zkml_core::quant::feature`) instead of sharing one
//! scale after the affine map has mixed them with per-feature factors.
//!
//! Each rewrite keeps the folded op's output name, so graph output names do
//! not change.

use zkml_core::ops::elementwise::{broadcast_shape, zip_broadcast};
use zkml_core::{FTensor, Graph, Op, ValueId, ValueKind};

/// Applies the rewrites until none applies.
pub fn fold_affine(g: &mut Graph) {
    while step(g) {
        g.prune();
    }
}

fn use_counts(g: &Graph) -> Vec<usize> {
    let mut uses = vec![0; g.values.len()];
    for n in &g.nodes {
        for &i in &n.inputs {
            uses[i] += 1;
        }
    }
    for &o in &g.outputs {
        uses[o] += 1;
    }
    uses
}

/// `(other input, constant)` of a binary node with exactly one constant input.
fn split_const(g: &Graph, inputs: &[ValueId]) -> Option<(ValueId, FTensor)> {
    match inputs {
        [a, b] => match (g.const_value(*a), g.const_value(*b)) {
            (None, Some(c)) => Some((*a, c.clone())),
            (Some(c), None) => Some((*b, c.clone())),
            _ => None,
        },
        _ => None,
    }
}

fn step(g: &mut Graph) -> bool {
    let uses = use_counts(g);
    if step_input(g, &uses) {
        return true;
    }
    for k in 0..g.nodes.len() {
        let node = &g.nodes[k];
        let mul = match node.op {
            Op::Mul => true,
            Op::Add => false,
            _ => continue,
        };
        let out = node.output;
        let Some((y, c)) = split_const(g, &node.inputs) else {
            continue;
        };
        if uses[y] != 1 || g.values[out].shape != g.values[y].shape {
            continue;
        }
        if fold_into(g, &uses, y, mul, &c) {
            redirect(g, out, y);
            return true;
        }
    }
    false
}

/// Replaces every use of `from` by `to`, and gives `to` the name of `from`.
fn redirect(g: &mut Graph, from: ValueId, to: ValueId) {
    for n in &mut g.nodes {
        for i in &mut n.inputs {
            if *i == from {
                *i = to;
            }
        }
    }
    for o in &mut g.outputs {
        if *o == from {
            *o = to;
        }
    }
    let name = std::mem::take(&mut g.values[from].name);
    g.values[from].name = std::mem::replace(&mut g.values[to].name, name);
}

/// The values of `c`, broadcast against a rank-`rank` tensor, along `axis`
/// (length `n`), if `c` is constant along every other axis.
fn per_axis(c: &FTensor, rank: usize, axis: usize, n: usize) -> Option<Vec<f32>> {
    if c.ndim() > rank {
        return None;
    }
    let mut shape = vec![1; rank - c.ndim()];
    shape.extend_from_slice(c.shape());
    if shape.iter().enumerate().any(|(i, &d)| i != axis && d != 1)
        || !(shape[axis] == 1 || shape[axis] == n)
    {
        return None;
    }
    let v: Vec<f32> = c.iter().copied().collect();
    Some(if v.len() == 1 { vec![v[0]; n] } else { v })
}

fn unique_name(g: &Graph, base: &str) -> String {
    let mut name = format!("{base}/folded");
    let mut i = 1;
    while g.find(&name).is_some() {
        name = format!("{base}/folded.{i}");
        i += 1;
    }
    name
}

fn new_const(g: &mut Graph, like: ValueId, t: FTensor) -> ValueId {
    let name = unique_name(g, &g.values[like].name.clone());
    g.add_const(name, t)
}

/// Folds `y ∘ c` (`y·c` or `y + c`) into the producer of `y`; false if it cannot.
fn fold_into(g: &mut Graph, uses: &[usize], y: ValueId, mul: bool, c: &FTensor) -> bool {
    let ValueKind::Node(p) = g.values[y].kind else {
        return false;
    };
    let yshape = g.values[y].shape.clone();
    let node = g.nodes[p].clone();
    match &node.op {
        Op::Conv(_) => {
            let m = yshape[1];
            let Some(v) = per_axis(c, 4, 1, m) else {
                return false;
            };
            let Some(w) = g.const_value(node.inputs[1]).cloned() else {
                return false;
            };
            let bias = match node.inputs.get(2) {
                Some(&b) => match g.const_value(b) {
                    Some(t) => Some(t.clone()),
                    None => return false,
                },
                None => None,
            };
            let mut inputs = node.inputs.clone();
            if mul {
                let mut w2 = w;
                for (oc, mut plane) in w2.outer_iter_mut().enumerate() {
                    plane.mapv_inplace(|x| x * v[oc]);
                }
                inputs[1] = new_const(g, node.inputs[1], w2);
                if let Some(b) = bias {
                    let b2 = FTensor::from_shape_fn(b.raw_dim(), |i| b[&i] * v[i[0]]);
                    inputs[2] = new_const(g, node.inputs[2], b2);
                }
            } else {
                let b2 = match bias {
                    Some(b) => FTensor::from_shape_fn(b.raw_dim(), |i| b[&i] + v[i[0]]),
                    None => FTensor::from_shape_vec(vec![m], v).expect("m values"),
                };
                let like = node.inputs.get(2).copied().unwrap_or(node.inputs[1]);
                let id = new_const(g, like, b2);
                if inputs.len() == 3 {
                    inputs[2] = id;
                } else {
                    inputs.push(id);
                }
            }
            g.nodes[p].inputs = inputs;
            true
        }
        Op::MatMul if mul => {
            let Some(w) = g.const_value(node.inputs[1]).cloned() else {
                return false;
            };
            if w.ndim() != 2 || yshape.is_empty() {
                return false;
            }
            let n = w.shape()[1];
            let Some(v) = per_axis(c, yshape.len(), yshape.len() - 1, n) else {
                return false;
            };
            let w2 = FTensor::from_shape_fn(w.raw_dim(), |i| w[&i] * v[i[1]]);
            let id = new_const(g, node.inputs[1], w2);
            g.nodes[p].inputs[1] = id;
            true
        }
        Op::Add | Op::Mul => {
            let inner_mul = matches!(node.op, Op::Mul);
            let Some((z, c2)) = split_const(g, &node.inputs) else {
                return false;
            };
            let c2_id = if node.inputs[0] == z {
                node.inputs[1]
            } else {
                node.inputs[0]
            };
            if broadcast_shape(c2.shape(), c.shape()).is_err() {
                return false;
            }
            let merged = match (inner_mul, mul) {
                (false, false) => zip_broadcast(&c2, c, |a, b| a + b),
                (true, true) | (false, true) => zip_broadcast(&c2, c, |a, b| a * b),
                (true, false) => return false,
            };
            match broadcast_shape(&g.values[z].shape, merged.shape()) {
                Ok(s) if s == yshape => {}
                _ => return false,
            }
            if !inner_mul && mul {
                // (z + c2)·c = z·c + c2·c: z·c must fold further down.
                if uses[z] != 1 || g.values[z].shape != yshape || !fold_into(g, uses, z, true, c) {
                    return false;
                }
            }
            let id = new_const(g, c2_id, merged);
            let slot = if node.inputs[0] == z { 1 } else { 0 };
            g.nodes[p].inputs[slot] = id;
            true
        }
        _ => false,
    }
}

/// `(u, c)` when `y` is `u ∘ c` for one of `ops` with `c` a constant (for
/// Sub, `u − c` only).
fn affine_of(g: &Graph, y: ValueId, ops: &[&str]) -> Option<(usize, ValueId, FTensor, Op)> {
    let ValueKind::Node(p) = g.values[y].kind else {
        return None;
    };
    let n = &g.nodes[p];
    if !ops.contains(&n.op.name()) {
        return None;
    }
    let (u, c) = split_const(g, &n.inputs)?;
    if matches!(n.op, Op::Sub) && n.inputs[0] != u {
        return None;
    }
    Some((p, u, c, n.op.clone()))
}

/// One rewrite of an affine map on a model input into the MatMul reading it
/// (module doc).
fn step_input(g: &mut Graph, uses: &[usize]) -> bool {
    for k in 0..g.nodes.len() {
        let node = &g.nodes[k];
        let (Op::MatMul, [y, wid]) = (&node.op, node.inputs.as_slice()) else {
            continue;
        };
        let (y, wid, out) = (*y, *wid, node.output);
        let Some(w) = g.const_value(wid).filter(|w| w.ndim() == 2).cloned() else {
            continue;
        };
        let yshape = g.values[y].shape.clone();
        let f = w.shape()[0];
        if uses[y] != 1 || yshape.last() != Some(&f) {
            continue;
        }
        let is_input = |v: ValueId| g.inputs.contains(&v);
        let Some((p, u, c, op)) = affine_of(g, y, &["Mul", "Sub", "Add"]) else {
            continue;
        };
        let on_input = is_input(u)
            || (matches!(op, Op::Mul)
                && uses[u] == 1
                && affine_of(g, u, &["Sub", "Add"]).is_some_and(|(_, x, _, _)| is_input(x)));
        if !on_input || g.values[u].shape != yshape {
            continue;
        }
        let Some(v) = per_axis(&c, yshape.len(), yshape.len() - 1, f) else {
            continue;
        };
        if matches!(op, Op::Mul) {
            let w2 = FTensor::from_shape_fn(w.raw_dim(), |i| w[&i] * v[i[0]]);
            let id = new_const(g, wid, w2);
            g.nodes[k].inputs = vec![u, id];
        } else {
            // (u ± c)·W = u·W ± c·W: the product moves up to the affine
            // node's place, the MatMul node becomes the Add of c·W.
            let sign = if matches!(op, Op::Sub) { -1.0 } else { 1.0 };
            let n = w.shape()[1];
            let cw: Vec<f32> = (0..n)
                .map(|j| sign * (0..f).map(|i| v[i] * w[&[i, j][..]]).sum::<f32>())
                .collect();
            let b = new_const(
                g,
                wid,
                FTensor::from_shape_vec(vec![n], cw).expect("n values"),
            );
            g.values[y].shape = g.values[out].shape.clone();
            g.nodes[p].op = Op::MatMul;
            g.nodes[p].inputs = vec![u, wid];
            g.nodes[k].op = Op::Add;
            g.nodes[k].inputs = vec![y, b];
        }
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkml_core::float::eval_float;

    /// `((x − o)·s)·W + b` on a model input (a StandardScaler before a linear
    /// model) becomes `x·W' + b'`: the product reads the raw input, the
    /// outputs are unchanged (float rounding aside).
    #[test]
    fn a_scaler_on_a_model_input_folds_into_the_matmul() {
        let t = |shape: Vec<usize>, v: Vec<f32>| FTensor::from_shape_vec(shape, v).unwrap();
        let mut g = Graph::new();
        let x = g.add_input("x", vec![2, 3]);
        let o = g.add_const("o", t(vec![3], vec![1000.0, 0.5, -0.002]));
        let s = g.add_const("s", t(vec![3], vec![0.001, 2.0, 400.0]));
        let w = g.add_const("w", t(vec![3, 2], vec![1.0, -2.0, 0.5, 0.25, -1.5, 3.0]));
        let b = g.add_const("b", t(vec![2], vec![0.1, -0.3]));
        let d = g.add_node("sub", Op::Sub, vec![x, o], "d").unwrap();
        let z = g.add_node("mul", Op::Mul, vec![d, s], "z").unwrap();
        let y = g.add_node("mm", Op::MatMul, vec![z, w], "y0").unwrap();
        let y = g.add_node("bias", Op::Add, vec![y, b], "y").unwrap();
        g.add_output(y);
        let input = t(vec![2, 3], vec![1500.0, 0.7, 0.001, 20.0, -0.4, -0.004]);
        let want = eval_float(&g, std::slice::from_ref(&input)).unwrap()[y].clone();
        fold_affine(&mut g);
        let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
        assert_eq!(ops, ["MatMul", "Add"]);
        assert_eq!(
            g.nodes[0].inputs[0], g.inputs[0],
            "the product reads the input"
        );
        let out = g.outputs[0];
        assert_eq!(g.values[out].name, "y");
        let got = eval_float(&g, &[input]).unwrap()[out].clone();
        for (a, b) in got.iter().zip(want.iter()) {
            assert!((a - b).abs() <= 1e-4 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }

    /// An affine map on a computed value (not a model input) is left alone.
    #[test]
    fn an_affine_map_inside_the_model_is_not_moved() {
        let mut g = Graph::new();
        let x = g.add_input("x", vec![1, 2]);
        let r = g.add_node("relu", Op::Relu, vec![x], "r").unwrap();
        let o = g.add_const(
            "o",
            FTensor::from_shape_vec(vec![2], vec![1.0, 2.0]).unwrap(),
        );
        let w = g.add_const(
            "w",
            FTensor::from_shape_vec(vec![2, 1], vec![1.0, 1.0]).unwrap(),
        );
        let d = g.add_node("sub", Op::Sub, vec![r, o], "d").unwrap();
        let y = g.add_node("mm", Op::MatMul, vec![d, w], "y").unwrap();
        g.add_output(y);
        fold_affine(&mut g);
        let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
        assert_eq!(ops, ["Relu", "Sub", "MatMul"]);
    }
}
