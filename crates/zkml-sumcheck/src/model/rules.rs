//! The model-level rules both sumcheck backends share: which tables a node
//! needs, what the verifier knows, which outputs need their own range check,
//! each node's rounding divisor, and what the backend supports.

use super::*;
use crate::error::{Error, Result};
use crate::field::Fr;
use crate::logup;
use crate::mle::{eq_table, log2_ceil, Mle};
use zkml_core::backend::{PublicValues, Vis, Visibility};
use zkml_core::quant::QValueKind;
use zkml_core::{QGraph, QOp, Trace};

/// `Ĩ(ρ)` for the unpadded `rows × cols` block.
pub(crate) fn block_indicator(rows: usize, cols: usize, point: &[Fr]) -> Fr {
    let (nr, nc) = (log2_ceil(rows), log2_ceil(cols));
    let ec = eq_table(&point[..nc]);
    let er = eq_table(&point[nc..nc + nr]);
    ec[..cols].iter().copied().sum::<Fr>() * er[..rows].iter().copied().sum::<Fr>()
}

/// The activation range table: the executor's range `[−B − 1, B]`
/// ([`QGraph::range`], `b`-bit two's complement).
pub(crate) fn act_table(q: &QGraph) -> Vec<Fr> {
    logup::range_table(*q.range().start(), *q.range().end())
}

/// Whether value `id` is known to the verifier: a public input or output, a
/// constant, or a `Reshape` of a known value (the verifier reshapes it).
pub(crate) fn is_known(q: &QGraph, id: usize) -> bool {
    known_in(q, true, id)
}

/// [`is_known`] when model inputs are public (`input_public`) or hidden.
pub(crate) fn known_in(q: &QGraph, input_public: bool, id: usize) -> bool {
    match q.values[id].kind {
        QValueKind::Input => input_public,
        QValueKind::Const(_) => true,
        QValueKind::Node(n) => {
            q.outputs.contains(&id)
                || matches!(q.nodes[n].op, QOp::Reshape { .. })
                    && known_in(q, input_public, q.nodes[n].inputs[0])
        }
    }
}

/// Whether a MatMul/Conv output `y` needs its own range check `y ∈ [−B, B]`.
/// Not when `y` is known (the verifier checks public values' range), nor when
/// `y` is a `Relu`'s input (its lookup puts `y` in `[−B, B]`), nor when
/// some `Add`/`Sub` adds a constant to `y` unshifted (`align = 0`) and its sum
/// `a` is a `Relu`'s input or a public output: the ReLU lookup (or the
/// verifier's check of public values) puts `a = y ± c` in `[−B, B]`, so `y`
/// is the integer `a ∓ c`, bounded, and `2^s·y + r = x·W + 2^{s−1}` holds
/// over the integers (nothing wraps mod p) with `r` range-checked.
pub(crate) fn y_range_needed(q: &QGraph, input_public: bool, y: usize) -> bool {
    if known_in(q, input_public, y) {
        return false;
    }
    if let QValueKind::Node(n) = q.values[y].kind {
        if matches!(
            q.nodes[n].op,
            QOp::Reshape { .. } | QOp::Gather(_) | QOp::Transpose { .. }
        ) {
            // A reshape or gather: its entries are its input's.
            return false;
        }
    }
    let relu_input = |a: usize| {
        q.nodes
            .iter()
            .any(|n| is_fn_lookup(&n.op) && n.inputs[0] == a)
    };
    if relu_input(y) {
        // The ReLU lookup puts y itself in [−B, B].
        return false;
    }
    !q.nodes.iter().any(|n| match n.op {
        QOp::Add { align } | QOp::Sub { align } => {
            n.inputs.len() == 2
                && n.inputs[0] == y
                && align[0] == 0
                && is_const(q, n.inputs[1])
                && (relu_input(n.output) || known_in(q, input_public, n.output))
        }
        _ => false,
    })
}

/// The divisor `d` of a node proved as a rounding division with a committed,
/// range-checked remainder, `acc' = d·y + r`, `0 ≤ r < d`: `2^s` for a
/// `MatMul`/`Conv`/`Mul` with `s > 0` (`acc' = acc + 2^{s−1}`), `2c` for an
/// `AveragePool` whose windows all count `c` or a `ReduceMean` over `c`
/// entries (`acc' = 2·Σ window + c`, the executor's `rdiv`; [`mean_windows`]);
/// `None` when the op has no remainder.
pub(crate) fn divisor(q: &QGraph, i: usize) -> Option<u64> {
    match &q.nodes[i].op {
        QOp::MatMul { shift } | QOp::Conv { shift, .. } | QOp::Mul { shift } if *shift > 0 => {
            Some(1u64 << shift)
        }
        QOp::AveragePool(_) | QOp::ReduceMean { .. } => {
            mean_windows(q, i).map(|(_, c)| 2 * c as u64)
        }
        _ => None,
    }
}

/// Whether node `i` has an auxiliary committed table: a remainder (a
/// [`divisor`]) or MaxPool's differences and selectors ([`maxpool`]).
pub(crate) fn has_aux(q: &QGraph, i: usize) -> bool {
    divisor(q, i).is_some() || matches!(q.nodes[i].op, QOp::MaxPool(_) | QOp::Softmax { .. })
}

/// The auxiliary table of node `i` (see [`has_aux`]), from the trace;
/// `forge` as for [`remainders`].
pub(crate) fn aux_table(q: &QGraph, i: usize, trace: &Trace, forge: bool) -> Result<Option<Mle>> {
    if matches!(q.nodes[i].op, QOp::MaxPool(_)) {
        return maxpool::aux_table(q, i, trace, forge).map(Some);
    }
    if matches!(q.nodes[i].op, QOp::Softmax { .. }) {
        return softmax::aux_table(q, i, trace).map(Some);
    }
    match remainders(q, i, trace, forge)? {
        Some(r) => Ok(Some(table_of(&q.values[q.nodes[i].output].shape, &r)?)),
        None => Ok(None),
    }
}

/// Variables of node `i`'s auxiliary table.
pub(crate) fn aux_vars(q: &QGraph, i: usize) -> Result<usize> {
    if matches!(q.nodes[i].op, QOp::MaxPool(_)) {
        return maxpool::aux_vars(q, i);
    }
    if matches!(q.nodes[i].op, QOp::Softmax { .. }) {
        return Ok(softmax::aux_vars(q, i));
    }
    Ok(num_vars(&q.values[q.nodes[i].output].shape))
}

/// Per output of an `AveragePool` or `ReduceMean` node `i`: the row-major
/// input indices it averages, and their count (`None` if counts differ
/// between windows, the shapes do not fit, or for another op). A
/// ReduceMean's window is the slice of its reduced axes (the executor's
/// `mean_int`: `rdiv(Σ, Π_{a ∈ axes} x_a)`).
pub(crate) fn mean_windows(q: &QGraph, i: usize) -> Option<(Vec<Vec<usize>>, usize)> {
    let node = &q.nodes[i];
    let x = &q.values[node.inputs[0]].shape;
    let axes = match &node.op {
        QOp::AveragePool(p) => return pool_windows(p, x),
        QOp::ReduceMean { axes, .. } => axes,
        _ => return None,
    };
    let mut sorted = axes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != axes.len() || axes.iter().any(|&a| a >= x.len()) {
        return None;
    }
    // The output index of input multi-index `idx`: reduced axes at 0.
    let kept: Vec<usize> = (0..x.len())
        .map(|d| if axes.contains(&d) { 1 } else { x[d] })
        .collect();
    let (n, n_out) = (x.iter().product::<usize>(), kept.iter().product::<usize>());
    if n == 0 || q.values[node.output].shape.iter().product::<usize>() != n_out {
        return None;
    }
    let mut wins = vec![Vec::with_capacity(n / n_out); n_out];
    let mut idx = vec![0usize; x.len()];
    for a in 0..n {
        let o = (0..x.len()).fold(0, |o, d| {
            o * kept[d] + if kept[d] == 1 { 0 } else { idx[d] }
        });
        wins[o].push(a);
        for d in (0..x.len()).rev() {
            idx[d] += 1;
            if idx[d] < x[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    Some((wins, n / n_out))
}

/// Per output of a pool over `x_shape`: the row-major input indices of its
/// window, and the window count (`None` if counts differ between windows or
/// the shape does not fit).
pub(crate) fn pool_windows(
    p: &zkml_core::ops::pool::Pool,
    x_shape: &[usize],
) -> Option<(Vec<Vec<usize>>, usize)> {
    p.output_shape(x_shape).ok()?;
    let n: usize = x_shape.iter().product();
    let idx = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(x_shape), (0..n).collect()).ok()?;
    let w = p.windows(&idx, |v: &[usize], c| (v.to_vec(), c.max(1)));
    let c = w.iter().next()?.1;
    if w.iter().any(|(_, k)| *k != c) {
        return None;
    }
    Some((w.into_iter().map(|(v, _)| v).collect(), c))
}

/// The remainders `r = acc' − d·y` of a node with a [`divisor`] `d`
/// (`None` otherwise), checked to lie in `[0, d)`.
/// `forge` (tests only) reduces them mod the divisor instead: the in-range
/// remainders a cheating prover would commit to for a wrong output.
pub(crate) fn remainders(
    q: &QGraph,
    i: usize,
    trace: &Trace,
    forge: bool,
) -> Result<Option<Vec<i64>>> {
    let node = &q.nodes[i];
    let d = match divisor(q, i) {
        Some(d) => d as i64,
        None => return Ok(None),
    };
    let v = |k: usize| &trace.values[node.inputs[k]];
    // acc' = d·y + r.
    let acc: Vec<i64> = match &node.op {
        QOp::Conv { conv, .. } => conv
            .accumulate(v(0), v(1), node.inputs.get(2).map(|_| v(2)))
            .iter()
            .map(|a| a + d / 2)
            .collect(),
        QOp::Mul { .. } => zkml_core::ops::elementwise::zip_broadcast(v(0), v(1), |a, b| a * b)
            .iter()
            .map(|a| a + d / 2)
            .collect(),
        QOp::AveragePool(_) | QOp::ReduceMean { .. } => {
            let x: Vec<i64> = v(0).iter().copied().collect();
            mean_windows(q, i)
                .ok_or_else(|| Error::Invalid(format!("node `{}`: windows differ", node.name)))?
                .0
                .iter()
                .map(|w| 2 * w.iter().map(|&a| x[a]).sum::<i64>() + d / 2)
                .collect()
        }
        _ => zkml_core::ops::matmul::accumulate(v(0), v(1))
            .iter()
            .map(|a| a + d / 2)
            .collect(),
    };
    let r: Vec<i64> = acc
        .iter()
        .zip(trace.values[node.output].iter())
        .map(|(a, y)| a - y * d)
        .map(|r| if forge { r.rem_euclid(d) } else { r })
        .collect();
    if let Some(bad) = r.iter().position(|&v| v < 0 || v >= d) {
        return Err(Error::Invalid(format!(
            "node `{}` ({}): output entry {bad} is not the rescaled accumulator",
            node.name,
            node.op.name()
        )));
    }
    Ok(Some(r))
}

/// Whether node `i` is a `Reshape` of a hidden tensor that changes its
/// layout (a Flatten of `[N, C, H, W]`): proved as a gather by its index map
/// ([`crate::conv::gather_dual`]), like a `Conv` with shift 0.
pub(crate) fn gathers(q: &QGraph, input_public: bool, i: usize) -> bool {
    let node = &q.nodes[i];
    if matches!(node.op, QOp::Gather(_) | QOp::Transpose { .. }) {
        return true;
    }
    matches!(node.op, QOp::Reshape { .. })
        && !known_in(q, input_public, node.inputs[0])
        && layout(&layout_shape(q, node.inputs[0])) != layout(&q.values[node.output].shape)
}

/// Whether node `i` is proved as a (possibly rescaled) sum: MatMul, Conv,
/// the pools, ReduceMean, Gather, Transpose, Mul, and a gathering Reshape
/// ([`gathers`]). These register their rescale range checks.
pub(crate) fn proved_as_sum(q: &QGraph, input_public: bool, i: usize) -> bool {
    match q.nodes[i].op {
        QOp::Reshape { .. } => gathers(q, input_public, i),
        QOp::MatMul { .. }
        | QOp::Conv { .. }
        | QOp::AveragePool(_)
        | QOp::ReduceMean { .. }
        | QOp::Gather(_)
        | QOp::Transpose { .. }
        | QOp::Mul { .. } => true,
        _ => false,
    }
}

/// An Add/Sub/Reshape node's linear form: the operands' alignment shifts
/// and the second operand's sign (`[0, 0]` and `+1` for a Reshape).
pub(crate) fn linear_form(op: &QOp) -> ([i32; 2], crate::field::Fr) {
    use crate::field::Field;
    let align = match op {
        QOp::Add { align } | QOp::Sub { align } => *align,
        _ => [0, 0],
    };
    let sign = if matches!(op, QOp::Sub { .. }) {
        -crate::field::Fr::ONE
    } else {
        crate::field::Fr::ONE
    };
    (align, sign)
}

/// For a `Conv` node, or a gathering `Reshape` ([`gathers`]), and a claim
/// point `ρ` on its output: `(G_ρ, offset)` of [`crate::conv::dual`] (weights
/// and bias read from the model: constants, checked at setup; the rounding
/// constant `2^{s−1}`), or of [`crate::conv::gather_dual`] (offset 0).
pub(crate) fn dual_at(q: &QGraph, i: usize, rho: &[Fr]) -> Result<(Vec<Fr>, Fr)> {
    let node = &q.nodes[i];
    match &node.op {
        QOp::Conv { .. } => {}
        QOp::AveragePool(_) | QOp::ReduceMean { .. } => {
            // Σ_a x(a)·2·[a ∈ window(o)]·eq(ρ, o), offset Σ_o eq(ρ, o)·c.
            let x = &q.values[node.inputs[0]].shape;
            let (wins, c) = mean_windows(q, i).ok_or_else(|| {
                Error::Invalid(format!("node `{}`: pool windows differ", node.name))
            })?;
            let out = &q.values[node.output].shape;
            let eq = eq_table(rho);
            let mut g = vec![Fr::from(0); 1 << num_vars(x)];
            let mut offset = Fr::from(0);
            for (k, w) in wins.iter().enumerate() {
                let e = eq[crate::conv::table_index(out, k)];
                offset += e * Fr::from(c as u64);
                let e2 = e + e;
                for &a in w {
                    g[crate::conv::table_index(x, a)] += e2;
                }
            }
            return Ok((g, offset));
        }
        QOp::Gather(m) => {
            let a = layout_shape(q, node.inputs[0]);
            let g = crate::conv::gather_dual(
                &a,
                num_vars(&a),
                &q.values[node.output].shape,
                |f| m.index[f],
                rho,
            );
            return Ok((g, Fr::from(0)));
        }
        QOp::Transpose { perm } => {
            // The index map of the transpose: output entry f reads input entry map[f].
            let xs = &q.values[node.inputs[0]].shape;
            let n: usize = xs.iter().product();
            let idx = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(xs), (0..n).collect())
                .map_err(|e| Error::Invalid(format!("node `{}`: {e}", node.name)))?;
            let map: Vec<usize> = zkml_core::ops::shape::transpose(&idx, perm)
                .iter()
                .copied()
                .collect();
            let g = crate::conv::gather_dual(
                xs,
                num_vars(xs),
                &q.values[node.output].shape,
                |f| map[f],
                rho,
            );
            return Ok((g, Fr::from(0)));
        }
        QOp::Reshape { .. } => {
            let a = layout_shape(q, node.inputs[0]);
            let g = crate::conv::gather_dual(
                &a,
                num_vars(&a),
                &q.values[node.output].shape,
                |f| f,
                rho,
            );
            return Ok((g, Fr::from(0)));
        }
        _ => {
            return Err(Error::Invalid(format!(
                "node `{}` is not a Conv",
                node.name
            )))
        }
    };
    let p = conv_parts(q, i)?;
    let x = &q.values[node.inputs[0]].shape;
    Ok(crate::conv::dual(
        &p.geom.conv,
        x,
        num_vars(x),
        &p.w,
        &p.geom.w,
        p.bias.as_deref(),
        p.half,
        &p.geom.out,
        rho,
    ))
}

/// A `Conv` node's parts: geometry, weights and bias (row-major, read from
/// the model: constants, checked at setup) and the rounding constant `2^{s−1}`.
pub(crate) struct ConvParts<'a> {
    /// Shapes and the op's attributes.
    pub geom: crate::conv::weights::ConvGeom,
    /// `[M, C/g, k_H, k_W]`, row-major.
    pub w: std::borrow::Cow<'a, [i64]>,
    /// `[M]`, if the node has a bias.
    pub bias: Option<std::borrow::Cow<'a, [i64]>>,
    /// `2^{s−1}` (0 when `s = 0`).
    pub half: i64,
}

/// [`ConvParts`] of `Conv` node `i`.
pub(crate) fn conv_parts(q: &QGraph, i: usize) -> Result<ConvParts<'_>> {
    let node = &q.nodes[i];
    let QOp::Conv { conv, shift } = &node.op else {
        return Err(Error::Invalid(format!(
            "node `{}` is not a Conv",
            node.name
        )));
    };
    let constant = |k: usize| -> Result<std::borrow::Cow<'_, [i64]>> {
        match node.inputs.get(k).map(|&id| &q.values[id].kind) {
            Some(QValueKind::Const(c)) => Ok(match c.as_slice() {
                Some(s) => s.into(),
                None => c.iter().copied().collect::<Vec<_>>().into(),
            }),
            _ => Err(Error::Invalid(format!(
                "node `{}` (Conv): weights and bias must be constants",
                node.name
            ))),
        }
    };
    let shape = |k: usize| &q.values[node.inputs[k]].shape;
    Ok(ConvParts {
        geom: crate::conv::weights::ConvGeom::new(
            conv,
            shape(0),
            shape(1),
            &q.values[node.output].shape,
        )?,
        w: constant(1)?,
        bias: match node.inputs.len() {
            3 => Some(constant(2)?),
            _ => None,
        },
        half: if *shift > 0 { 1i64 << (shift - 1) } else { 0 },
    })
}

/// Whether value `id` is a constant of the model.
pub(crate) fn is_const(q: &QGraph, id: usize) -> bool {
    matches!(q.values[id].kind, QValueKind::Const(_))
}

/// Absorbs the statement: digest, public inputs and outputs.
pub(crate) fn absorb_statement(t: &mut Transcript, key: &Key, public: &PublicValues) {
    t.absorb_bytes(b"model/digest", &key.digest);
    for (label, group) in [
        (b"model/inputs", &public.inputs),
        (b"model/output", &public.outputs),
    ] {
        t.absorb_u64(label, group.len() as u64);
        for v in group {
            let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
            t.absorb_bytes(label, &bytes);
        }
    }
}

/// Refuses what [`SumcheckBackend`] cannot prove: hidden groups and unsupported ops.
pub(crate) fn check_supported(q: &QGraph, vis: &Visibility) -> Result<()> {
    let refuse = |what: &str| {
        Err(Error::Invalid(format!(
            "{what}: SumcheckBackend is not zero-knowledge, so it proves only public \
             inputs and outputs with public or fixed weights (use ZkSumcheckBackend for a \
             private input, or the plonk backend)"
        )))
    };
    if vis.input != Vis::Public {
        return refuse("private or committed inputs");
    }
    if vis.output != Vis::Public {
        return refuse("private or committed outputs");
    }
    if matches!(vis.weights, Vis::Private | Vis::Committed) {
        return refuse("private or committed weights");
    }
    check_ops(q, true)
}

/// Refuses, naming the node, every op the backend cannot prove.
pub(crate) fn check_ops(q: &QGraph, _input_public: bool) -> Result<()> {
    for (i, node) in q.nodes.iter().enumerate() {
        let unsupported = |why: &str| Error::Unsupported {
            op: node.op.name().into(),
            node: i,
            why: why.into(),
        };
        let shape = |k: usize| &q.values[node.inputs[k]].shape;
        let is_const = |k: usize| matches!(q.values[node.inputs[k]].kind, QValueKind::Const(_));
        match &node.op {
            QOp::MatMul { shift } => {
                if *shift > MAX_SHIFT {
                    return Err(unsupported(&format!("shift {shift} > {MAX_SHIFT}")));
                }
                if shape(1).len() != 2 || shape(0).len() > 2 {
                    return Err(unsupported("only [m, k] or [k] × [k, n] products"));
                }
            }
            QOp::Add { align } | QOp::Sub { align } => {
                for (k, &al) in align.iter().enumerate() {
                    if !is_const(k)
                        && (shape(k) != &q.values[node.output].shape || !(0..=32).contains(&al))
                    {
                        return Err(unsupported(
                            "an activation operand must have the output's shape and 0 ≤ align ≤ 32",
                        ));
                    }
                }
            }
            QOp::Conv { conv, shift } => {
                if *shift > MAX_SHIFT {
                    return Err(unsupported(&format!("shift {shift} > {MAX_SHIFT}")));
                }
                if (1..node.inputs.len()).any(|k| !is_const(k)) {
                    return Err(unsupported(
                        "weights and bias must be constants (fixed or public weights)",
                    ));
                }
                let (x, w) = (shape(0), shape(1));
                let b = node.inputs.get(2).map(|&id| q.values[id].shape.as_slice());
                if conv.output_shape(x, w, b).ok().as_ref() != Some(&q.values[node.output].shape)
                    || layout_shape(q, node.inputs[0]) != *x
                {
                    return Err(unsupported("shapes do not fit the convolution"));
                }
            }
            QOp::AveragePool(_) | QOp::ReduceMean { .. } => {
                match mean_windows(q, i) {
                    None => {
                        return Err(unsupported(
                            "windows of different sizes (padding without count_include_pad): \
                             only pools whose windows all count the same are supported",
                        ))
                    }
                    Some((_, c)) if 2 * c > 1 << MAX_SHIFT => {
                        return Err(unsupported(&format!(
                            "window of {c} entries: the remainder table 2·{c} exceeds 2^{MAX_SHIFT}"
                        )))
                    }
                    _ => {}
                }
                if layout_shape(q, node.inputs[0]) != *shape(0) {
                    return Err(unsupported("the pooled tensor's layout is not its own"));
                }
            }
            QOp::Gather(_) | QOp::Transpose { .. } => {
                if layout_shape(q, node.inputs[0]) != *shape(0) {
                    return Err(unsupported("the gathered tensor's layout is not its own"));
                }
            }
            QOp::MaxPool(p) => {
                if pool_windows(p, shape(0)).is_none() {
                    return Err(unsupported(
                        "windows of different sizes (padding): only pools whose windows all \
                         count the same are supported",
                    ));
                }
                if layout_shape(q, node.inputs[0]) != *shape(0) {
                    return Err(unsupported("the pooled tensor's layout is not its own"));
                }
                if q.act_bits > MAX_SHIFT {
                    return Err(unsupported(&format!(
                        "activations of {} bits: the difference table 2^{} exceeds 2^{MAX_SHIFT}",
                        q.act_bits, q.act_bits
                    )));
                }
            }
            QOp::Relu | QOp::Clip { .. } | QOp::Table { .. } => {
                if !q.range().any(|v| q.range().contains(&fn_int(&node.op, v))) {
                    return Err(unsupported(
                        "no input of the activation range has an output in range",
                    ));
                }
            }
            QOp::Mul { shift } => {
                if *shift > MAX_SHIFT {
                    return Err(unsupported(&format!("shift {shift} > {MAX_SHIFT}")));
                }
                if let Err(why) = super::product::mul_supported(q, i) {
                    return Err(unsupported(why));
                }
            }
            QOp::Softmax { .. } => {
                if let Err(why) = softmax::params(q, i) {
                    return Err(unsupported(&why));
                }
            }
            QOp::Reshape { .. } => {
                // A hidden tensor whose layout changes is gathered by the
                // reshape's index map (`gathers`); sizes match by the op's rule.
            }
            _ => return Err(unsupported("not implemented in the sumcheck backend yet")),
        }
    }
    Ok(())
}
