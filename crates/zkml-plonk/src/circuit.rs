//! A [`QGraph`] laid out on the gadgets, and the halo2 [`Circuit`] around it.
//!
//! [`lay_out`] walks the nodes in order and calls gadget instructions; it runs
//! unchanged for planning (no sink), keygen (no witness) and proving, so the
//! layout depends on the model only. Every op is either proved or refused
//! with [`PlonkError::Unsupported`]:
//!
//! | op | gadget |
//! | --- | --- |
//! | Conv, MatMul (one operand constant: fixed weights) | [`linear`](crate::gadgets::linear), zero weights skipped |
//! | MatMul of two activations | [`arith`](crate::gadgets::arith) products, then a sum |
//! | Add, Sub (alignment shifts) | [`linear`](crate::gadgets::linear) |
//! | Mul | [`arith`](crate::gadgets::arith) or [`linear`](crate::gadgets::linear) (constant factor) |
//! | Relu, Clip, MaxPool, LeakyRelu (slope in [0, 1]) | [`select`](crate::gadgets::select) (Relu and Clip's lower bound fused into a preceding rescale) |
//! | ReduceSum, ReduceMean | [`linear`](crate::gadgets::linear) sum, [`rdiv`](crate::gadgets::rdiv) |
//! | AveragePool | [`linear`](crate::gadgets::linear) sum, [`rdiv`](crate::gadgets::rdiv) |
//! | Sigmoid, Tanh | [`table`](crate::gadgets::table): clamp to the saturation points, one lookup |
//! | Softmax | [`softmax`](crate::gadgets::softmax): max, exp table, exact sum, rounding division |
//! | Reshape, Transpose, Pad, Concat (aligned 0) | wiring only (copy constraints) |
//!
//! Weights: `Fixed` (default) bakes every constant into fixed columns (zero
//! weights skipped; the verifying key binds them). `Private` makes every
//! constant tensor a witness cell copied into the products (Conv and MatMul as
//! pairs `x·w` through `q_pairs`, Mul as products): the layout never depends on
//! the weight values, one verifying key serves every weight assignment of the
//! same shapes, and the statement is "some weights (elements of F_p, not range
//! checked) give these outputs". `Public` weights are refused.
//!
//! Fusion (exact identities, only when the intermediate has that one consumer):
//! Conv/MatMul/Mul, then an Add/Sub of a constant (`rshift(S, d) + B =
//! rshift(S + B·2^d, d)`), then Relu or Clip's lower bound (`max(y, lo)` in the
//! same row), then Clip's upper bound (one select row).
//!
//! Public values (instance column): the model inputs (flattened, in order) when
//! public, then the outputs when public.

use std::sync::Arc;

use halo2_axiom::{
    circuit::{Layouter, SimpleFloorPlanner},
    halo2curves::bn256::Fr,
    plonk::{Circuit, ConstraintSystem, Error},
};
use ndarray::{ArrayD, Axis, IxDyn};
use zkml_core::{
    backend::{Vis, Visibility},
    ops::{elementwise, matmul, shape as shape_ops, Pool},
    quant::QValueKind,
    rounding::rshift,
    ITensor, QGraph, QOp, Trace,
};

use crate::error::{PlonkError, Result};
use crate::gadgets::{
    arith::ArithInstructions,
    assign_range_table,
    linear::LinearInstructions,
    rdiv::RdivInstructions,
    select::{Other, SelectInstructions},
    softmax::SoftmaxInstructions,
    table::{FnKind, FnTable, TableInstructions},
    Builder, Halo2Sink, MainConfig, Shape, Wire,
};

/// What [`lay_out`] produced.
#[derive(Clone, Debug)]
pub struct Laid {
    /// The output tensors' cells.
    pub outputs: Vec<ArrayD<Wire>>,
    /// Rows used by the inputs.
    pub input_rows: usize,
    /// Rows used by each node.
    pub node_rows: Vec<usize>,
}

/// Checks a visibility is one this backend proves.
pub fn check_visibility(vis: &Visibility) -> Result<()> {
    if vis.weights == Vis::Public {
        return Err(PlonkError::Visibility(
            "weights `Public`: not proved yet; use `Fixed` (constants bound by the verifying key, \
             the cheapest) or `Private`"
                .into(),
        ));
    }
    for (what, v) in [("input", vis.input), ("output", vis.output)] {
        if v == Vis::Fixed {
            return Err(PlonkError::Visibility(format!(
                "{what} cannot be `Fixed` (only weights can); use Public or Private"
            )));
        }
    }
    Ok(())
}

/// One element of an operand: a cell or a constant.
#[derive(Clone, Copy, Debug)]
enum El {
    W(Wire),
    C(i64),
}

fn unsupported(q: &QGraph, ni: usize, reason: impl Into<String>) -> PlonkError {
    PlonkError::Unsupported {
        node: q.nodes[ni].name.clone(),
        op: q.nodes[ni].op.name(),
        reason: reason.into(),
    }
}

struct Walker<'a, 'b> {
    b: &'a mut Builder<'b>,
    q: &'a QGraph,
    vals: Vec<Option<ArrayD<Wire>>>,
    /// Fusion for the node being laid out: per output element, a constant added
    /// after the rounding shift (a following Add/Sub of a constant), and a
    /// lower bound to take the max with (a following Relu/Clip).
    fuse_add: Option<Vec<i128>>,
    fuse_max: Option<i128>,
    emit_idx: usize,
    /// Weights are private witness cells (not constants).
    private_w: bool,
    /// A witness is being assigned (private weight values are known).
    witness: bool,
}

/// How a node's result continues into the following nodes, fused into its rows.
#[derive(Clone, Debug, Default)]
struct Chain {
    /// An Add/Sub of a constant folded in: its node index.
    add: Option<usize>,
    /// A Relu/Clip folded in: its node index.
    act: Option<usize>,
}

impl Walker<'_, '_> {
    /// Emits `rshift(Σ terms + c, shift)` for the next output element, applying the fusion.
    fn emit(&mut self, terms: &[(Wire, i128)], c: i128, shift: u32) -> Wire {
        let extra = self
            .fuse_add
            .as_ref()
            .map(|v| v[self.emit_idx])
            .unwrap_or(0);
        self.emit_idx += 1;
        self.b
            .linear_max(terms, c + (extra << shift), shift, self.fuse_max)
    }

    /// As [`Self::emit`] for a sum of products of two cells.
    fn emit_pairs(&mut self, pairs: &[(Wire, Wire)], c: i128, shift: u32) -> Wire {
        let extra = self
            .fuse_add
            .as_ref()
            .map(|v| v[self.emit_idx])
            .unwrap_or(0);
        self.emit_idx += 1;
        self.b
            .linear_pairs(pairs, c + (extra << shift), shift, self.fuse_max)
    }

    /// As [`Self::emit`] for the product of two cells.
    fn emit_mul(&mut self, a: &Wire, b: &Wire, shift: u32) -> Wire {
        let extra = self
            .fuse_add
            .as_ref()
            .map(|v| v[self.emit_idx])
            .unwrap_or(0);
        self.emit_idx += 1;
        self.b.mul_max(a, b, extra << shift, shift, self.fuse_max)
    }

    fn wires(&mut self, id: usize) -> Result<ArrayD<Wire>> {
        if let Some(w) = &self.vals[id] {
            return Ok(w.clone());
        }
        match &self.q.values[id].kind {
            QValueKind::Const(t) => {
                let w = if self.private_w {
                    let known = self.witness;
                    t.mapv(|c| self.b.free(known.then_some(c as i128)))
                } else {
                    t.mapv(|c| self.b.constant(c as i128))
                };
                self.vals[id] = Some(w.clone());
                Ok(w)
            }
            _ => Err(PlonkError::Halo2(format!(
                "value `{}` used before it is computed",
                self.q.values[id].name
            ))),
        }
    }

    fn operand(&mut self, id: usize) -> Result<ArrayD<El>> {
        if let QValueKind::Const(t) = &self.q.values[id].kind {
            if !self.private_w {
                return Ok(t.mapv(El::C));
            }
        }
        Ok(self.wires(id)?.mapv(El::W))
    }

    fn konst(&self, id: usize) -> Option<&ITensor> {
        if self.private_w {
            return None;
        }
        match &self.q.values[id].kind {
            QValueKind::Const(t) => Some(t),
            _ => None,
        }
    }

    /// `align(x, k)` of a cell: `x·2^k` folded into a weight, or a rounding shift row.
    fn aligned_term(&mut self, w: Wire, k: i32, sign: i128) -> (Wire, i128) {
        if k >= 0 {
            (w, sign << k)
        } else {
            (self.b.linear(&[(w, 1)], 0, k.unsigned_abs()), sign)
        }
    }

    fn combine(&mut self, terms: Vec<(Wire, i128)>, c: i128) -> Wire {
        match terms.as_slice() {
            [] => self.b.constant(c),
            [(w, 1)] if c == 0 => *w,
            _ => self.b.linear(&terms, c, 0),
        }
    }

    fn node(&mut self, ni: usize) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let node = &q.nodes[ni];
        let x = &node.inputs;
        let bound = q.bound() as i128;
        let out_shape = q.values[node.output].shape.clone();
        Ok(match &node.op {
            QOp::Conv { conv, shift } if self.private_w => {
                let wc = self.wires(x[1])?.as_standard_layout().into_owned();
                let bias = match x.get(2) {
                    Some(&bid) => Some(self.wires(bid)?),
                    None => None,
                };
                let one = bias.as_ref().map(|_| self.b.constant(1));
                let xw = self.wires(x[0])?.as_standard_layout().into_owned();
                let (xs, ws) = (xw.shape().to_vec(), wc.shape().to_vec());
                let (n, cin, h, wd) = (xs[0], xs[1], xs[2] as isize, xs[3] as isize);
                let (m, cg, kh, kw) = (ws[0], ws[1], ws[2], ws[3]);
                let (oh, ow) = (out_shape[2], out_shape[3]);
                let mg = m / conv.group;
                let xd = xw.as_slice().unwrap();
                let wdat = wc.as_slice().unwrap();
                let mut out = Vec::with_capacity(n * m * oh * ow);
                for b_i in 0..n {
                    for oc in 0..m {
                        let g = oc / mg;
                        for i in 0..oh {
                            for j in 0..ow {
                                let mut pairs = Vec::with_capacity(cg * kh * kw + 1);
                                if let (Some(b), Some(one)) = (&bias, one) {
                                    pairs.push((b[[oc]], one));
                                }
                                for c in 0..cg {
                                    let ic = g * cg + c;
                                    let xbase = (b_i * cin + ic) * (h * wd) as usize;
                                    for u in 0..kh {
                                        let y = (i * conv.strides[0] + u * conv.dilations[0])
                                            as isize
                                            - conv.pads[0] as isize;
                                        if y < 0 || y >= h {
                                            continue;
                                        }
                                        for v in 0..kw {
                                            let xx = (j * conv.strides[1] + v * conv.dilations[1])
                                                as isize
                                                - conv.pads[1] as isize;
                                            if xx < 0 || xx >= wd {
                                                continue;
                                            }
                                            pairs.push((
                                                xd[xbase + (y * wd + xx) as usize],
                                                wdat[((oc * cg + c) * kh + u) * kw + v],
                                            ));
                                        }
                                    }
                                }
                                out.push(self.emit_pairs(&pairs, 0, *shift));
                            }
                        }
                    }
                }
                ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap()
            }
            QOp::Conv { conv, shift } => {
                let w = self
                    .konst(x[1])
                    .ok_or_else(|| unsupported(q, ni, "the weight must be a constant"))?
                    .as_standard_layout()
                    .into_owned();
                let bias = match x.get(2) {
                    Some(&bid) => Some(
                        self.konst(bid)
                            .ok_or_else(|| unsupported(q, ni, "the bias must be a constant"))?
                            .clone(),
                    ),
                    None => None,
                };
                let xw = self.wires(x[0])?;
                let (xs, ws) = (xw.shape().to_vec(), w.shape().to_vec());
                let (n, cin, h, wd) = (xs[0], xs[1], xs[2] as isize, xs[3] as isize);
                let (m, cg, kh, kw) = (ws[0], ws[1], ws[2], ws[3]);
                let (oh, ow) = (out_shape[2], out_shape[3]);
                let mg = m / conv.group;
                let xw = xw.as_standard_layout().into_owned();
                let xd = xw.as_slice().unwrap();
                let wdat = w.as_slice().unwrap();
                let mut out = Vec::with_capacity(n * m * oh * ow);
                for b_i in 0..n {
                    for oc in 0..m {
                        let g = oc / mg;
                        let c0 = bias.as_ref().map(|b| b[[oc]] as i128).unwrap_or(0);
                        for i in 0..oh {
                            for j in 0..ow {
                                let mut terms = Vec::with_capacity(cg * kh * kw);
                                for c in 0..cg {
                                    let ic = g * cg + c;
                                    let xbase = (b_i * cin + ic) * (h * wd) as usize;
                                    for u in 0..kh {
                                        let y = (i * conv.strides[0] + u * conv.dilations[0])
                                            as isize
                                            - conv.pads[0] as isize;
                                        if y < 0 || y >= h {
                                            continue;
                                        }
                                        for v in 0..kw {
                                            let xx = (j * conv.strides[1] + v * conv.dilations[1])
                                                as isize
                                                - conv.pads[1] as isize;
                                            if xx < 0 || xx >= wd {
                                                continue;
                                            }
                                            let wv = wdat[((oc * cg + c) * kh + u) * kw + v];
                                            if wv != 0 {
                                                terms.push((
                                                    xd[xbase + (y * wd + xx) as usize],
                                                    wv as i128,
                                                ));
                                            }
                                        }
                                    }
                                }
                                out.push(self.emit(&terms, c0, *shift));
                            }
                        }
                    }
                }
                ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap()
            }
            QOp::MatMul { shift } => {
                let a = self.operand(x[0])?;
                let bm = self.operand(x[1])?;
                let a2 = if a.ndim() == 1 {
                    a.insert_axis(Axis(0))
                } else {
                    a
                };
                let b2 = if bm.ndim() == 1 {
                    bm.insert_axis(Axis(1))
                } else {
                    bm
                };
                let (ra, rb) = (a2.ndim(), b2.ndim());
                let (m, k, nn) = (a2.shape()[ra - 2], a2.shape()[ra - 1], b2.shape()[rb - 1]);
                let batch =
                    elementwise::broadcast_shape(&a2.shape()[..ra - 2], &b2.shape()[..rb - 2])
                        .map_err(|e| unsupported(q, ni, e))?;
                let mut ashape = batch.clone();
                ashape.extend([m, k]);
                let mut bshape = batch.clone();
                bshape.extend([k, nn]);
                let ab = a2
                    .broadcast(IxDyn(&ashape))
                    .unwrap()
                    .as_standard_layout()
                    .into_owned();
                let bb = b2
                    .broadcast(IxDyn(&bshape))
                    .unwrap()
                    .as_standard_layout()
                    .into_owned();
                let (ad, bd) = (ab.as_slice().unwrap(), bb.as_slice().unwrap());
                let nb: usize = batch.iter().product();
                let mut out = Vec::with_capacity(nb * m * nn);
                for t in 0..nb {
                    for i in 0..m {
                        for j in 0..nn {
                            let mut terms = Vec::with_capacity(k);
                            let mut pairs = vec![];
                            let mut c = 0i128;
                            for l in 0..k {
                                match (ad[(t * m + i) * k + l], bd[(t * k + l) * nn + j]) {
                                    (El::W(w), El::C(v)) | (El::C(v), El::W(w)) => {
                                        if v != 0 {
                                            terms.push((w, v as i128))
                                        }
                                    }
                                    (El::W(u), El::W(v)) => pairs.push((u, v)),
                                    (El::C(u), El::C(v)) => c += u as i128 * v as i128,
                                }
                            }
                            if pairs.is_empty() {
                                out.push(self.emit(&terms, c, *shift));
                            } else {
                                // Products of two cells: constant weights join as
                                // (cell, constant cell) pairs.
                                for (w, v) in terms {
                                    let cw = self.b.constant(v);
                                    pairs.push((w, cw));
                                }
                                out.push(self.emit_pairs(&pairs, c, *shift));
                            }
                        }
                    }
                }
                let shape = matmul::output_shape(
                    q.values[x[0]].shape.as_slice(),
                    q.values[x[1]].shape.as_slice(),
                )
                .map_err(|e| unsupported(q, ni, e))?;
                ArrayD::from_shape_vec(IxDyn(&shape), out).unwrap()
            }
            QOp::Add { align } | QOp::Sub { align } => {
                let sign = if matches!(node.op, QOp::Sub { .. }) {
                    -1
                } else {
                    1
                };
                let a = self.operand(x[0])?;
                let bb = self.operand(x[1])?;
                let pairs = elementwise::zip_broadcast(&a, &bb, |u, v| (u, v));
                let align = *align;
                pairs.mapv(|(u, v)| {
                    let mut terms = vec![];
                    let mut c = 0i128;
                    for (e, k, s) in [(u, align[0], 1i128), (v, align[1], sign)] {
                        match e {
                            El::W(w) => terms.push(self.aligned_term(w, k, s)),
                            El::C(v) => c += s * elementwise::align(v, k) as i128,
                        }
                    }
                    self.combine(terms, c)
                })
            }
            QOp::Mul { shift } => {
                let a = self.operand(x[0])?;
                let bb = self.operand(x[1])?;
                let pairs = elementwise::zip_broadcast(&a, &bb, |u, v| (u, v));
                pairs.mapv(|(u, v)| match (u, v) {
                    (El::W(u), El::W(v)) => self.emit_mul(&u, &v, *shift),
                    (El::W(w), El::C(c)) | (El::C(c), El::W(w)) => {
                        self.emit(&[(w, c as i128)], 0, *shift)
                    }
                    (El::C(u), El::C(v)) => {
                        self.emit_idx += 1;
                        self.b.constant(rshift(u * v, *shift) as i128)
                    }
                })
            }
            QOp::Relu => self.wires(x[0])?.mapv(|w| self.b.relu(&w)),
            QOp::Clip { min, max } => {
                let (lo, hi) = (*min as i128, *max as i128);
                self.wires(x[0])?.mapv(|w| {
                    let w = if lo > -bound {
                        self.b.max_const(&w, lo)
                    } else {
                        w
                    };
                    if hi >= bound {
                        w
                    } else if lo > -bound {
                        self.b.min_const_above(&w, hi, lo)
                    } else {
                        self.b.min_const(&w, hi)
                    }
                })
            }
            QOp::MaxPool(p) => {
                let xw = self.wires(x[0])?;
                let (wins, shape) = windows(p, &xw);
                let out: Vec<Wire> = wins
                    .into_iter()
                    .map(|(v, _)| {
                        if v.is_empty() {
                            self.b.constant(0)
                        } else {
                            self.b.max_all(&v)
                        }
                    })
                    .collect();
                ArrayD::from_shape_vec(IxDyn(&shape), out).unwrap()
            }
            QOp::AveragePool(p) => {
                let xw = self.wires(x[0])?;
                let (wins, shape) = windows(p, &xw);
                let out: Vec<Wire> = wins
                    .into_iter()
                    .map(|(v, count)| {
                        let n = count.max(1) as i64;
                        let terms: Vec<(Wire, i128)> = v.iter().map(|w| (*w, 1)).collect();
                        if n.count_ones() == 1 {
                            self.b.linear(&terms, 0, n.trailing_zeros())
                        } else {
                            let s = self.combine(terms, 0);
                            self.b.rdiv(&s, n)
                        }
                    })
                    .collect();
                ArrayD::from_shape_vec(IxDyn(&shape), out).unwrap()
            }
            QOp::Reshape { shape } => shape_ops::reshape(&self.wires(x[0])?, shape),
            QOp::Transpose { perm } => shape_ops::transpose(&self.wires(x[0])?, perm),
            QOp::Pad { pads, value } => {
                let xw = self.wires(x[0])?;
                let fill = self.b.constant(*value as i128);
                shape_ops::pad(&xw, pads, fill)
            }
            QOp::Concat { axis, align } => {
                let mut parts = Vec::with_capacity(x.len());
                for (&id, &k) in x.iter().zip(align) {
                    let w = self.wires(id)?;
                    parts.push(if k == 0 {
                        w
                    } else {
                        w.mapv(|w| {
                            let t = self.aligned_term(w, k, 1);
                            self.combine(vec![t], 0)
                        })
                    });
                }
                shape_ops::concat(&parts, *axis)
            }
            QOp::LeakyRelu { alpha, alpha_shift } => {
                // For 0 ≤ α ≤ 2^a: leaky(q) = max(q, rshift(q·α, a)) (q ≥ 0: the product
                // rounds to ≤ q; q < 0: to ≥ q). The product row's acc is the select row's acc[-1].
                if *alpha < 0 || *alpha_shift > 62 || *alpha > (1i64 << alpha_shift) {
                    return Err(unsupported(
                        q,
                        ni,
                        format!("slope {alpha}/2^{alpha_shift} outside [0, 1]"),
                    ));
                }
                let (al, sh) = (*alpha as i128, *alpha_shift);
                self.wires(x[0])?.mapv(|w| {
                    let t = self.b.linear(&[(w, al)], 0, sh);
                    self.b.select_row(&w, Other::Prev(t.val), true)
                })
            }
            QOp::ReduceSum { axes, shift, .. } => {
                let rows = reduce_rows(&self.wires(x[0])?, axes);
                let out: Vec<Wire> = rows
                    .into_iter()
                    .map(|r| {
                        let terms: Vec<(Wire, i128)> = r.iter().map(|w| (*w, 1)).collect();
                        self.b.linear(&terms, 0, *shift)
                    })
                    .collect();
                ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap()
            }
            QOp::ReduceMean { axes, .. } => {
                let rows = reduce_rows(&self.wires(x[0])?, axes);
                let out: Vec<Wire> = rows
                    .into_iter()
                    .map(|r| {
                        let n = r.len().max(1) as i64;
                        let terms: Vec<(Wire, i128)> = r.iter().map(|w| (*w, 1)).collect();
                        if n.count_ones() == 1 {
                            self.b.linear(&terms, 0, n.trailing_zeros())
                        } else {
                            let s = self.combine(terms, 0);
                            self.b.rdiv(&s, n)
                        }
                    })
                    .collect();
                ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap()
            }
            QOp::Table {
                func,
                in_scale,
                out_scale,
            } => {
                let kind = FnKind::Act {
                    func: *func,
                    in_scale: *in_scale,
                    out_scale: *out_scale,
                };
                let t = FnTable::cached(kind, q.act_bits).map_err(|e| unsupported(q, ni, e))?;
                self.wires(x[0])?.mapv(|w| self.b.table_fn(&t, &w))
            }
            QOp::Softmax {
                axis,
                in_scale,
                exp_scale,
                out_scale,
            } => {
                let kind = FnKind::Exp {
                    in_scale: *in_scale,
                    exp_scale: *exp_scale,
                };
                let t = FnTable::cached(kind, q.act_bits).map_err(|e| unsupported(q, ni, e))?;
                if !(0..=40).contains(out_scale) || self.b.shape.n < 3 {
                    return Err(unsupported(q, ni, format!("output scale {out_scale}")));
                }
                let mut out = self.wires(x[0])?;
                for mut lane in out.lanes_mut(Axis(*axis)) {
                    let xs: Vec<Wire> = lane.iter().copied().collect();
                    let ys = self.b.softmax_lane(&xs, &t, *out_scale as u32);
                    for (o, y) in lane.iter_mut().zip(ys) {
                        *o = y;
                    }
                }
                out
            }
        })
    }
}

/// Which following nodes fold into node `ni`'s rows: an Add/Sub of a constant
/// (`rshift(S, d) + B = rshift(S + B·2^d, d)`, exact) and then a Relu or a
/// Clip's lower bound (`max(y, lo)` fused into the rescale row). Only when each
/// intermediate result has that single consumer, the very next node.
fn plan_chain(q: &QGraph, ni: usize, uses: &[usize], private_w: bool) -> Chain {
    let mut chain = Chain::default();
    let node = &q.nodes[ni];
    // With private weights no value is a constant of the circuit.
    let is_const = |id: usize| !private_w && matches!(q.values[id].kind, QValueKind::Const(_));
    let producer = match node.op {
        QOp::Conv { .. } => true,
        QOp::MatMul { .. } => true,
        QOp::Mul { .. } => !(is_const(node.inputs[0]) && is_const(node.inputs[1])),
        _ => false,
    };
    if !producer {
        return chain;
    }
    let mut cur = node.output;
    let mut next = ni + 1;
    if uses[cur] == 1 && next < q.nodes.len() {
        let nx = &q.nodes[next];
        if let QOp::Add { align } | QOp::Sub { align } = &nx.op {
            let sub = matches!(nx.op, QOp::Sub { .. });
            if let Some(pos) = nx.inputs.iter().position(|&i| i == cur) {
                let other = nx.inputs[1 - pos];
                if other != cur
                    && is_const(other)
                    && align[pos] == 0
                    && !(sub && pos == 1)
                    && q.values[nx.output].shape == q.values[cur].shape
                {
                    chain.add = Some(next);
                    cur = nx.output;
                    next += 1;
                }
            }
        }
    }
    if uses[cur] == 1 && next < q.nodes.len() && q.nodes[next].inputs == [cur] {
        match q.nodes[next].op {
            QOp::Relu => chain.act = Some(next),
            QOp::Clip { min, .. } if min > -q.bound() => chain.act = Some(next),
            _ => {}
        }
    }
    chain
}

/// The per-element constant an Add/Sub node `a` adds to node `ni`'s output.
fn fused_constant(q: &QGraph, ni: usize, a: usize) -> Vec<i128> {
    let nx = &q.nodes[a];
    let cur = q.nodes[ni].output;
    let pos = nx.inputs.iter().position(|&i| i == cur).unwrap();
    let other = nx.inputs[1 - pos];
    let (align, sign) = match &nx.op {
        QOp::Add { align } => (align[1 - pos], 1i128),
        QOp::Sub { align } => (align[1 - pos], -1i128),
        _ => unreachable!(),
    };
    let QValueKind::Const(t) = &q.values[other].kind else {
        unreachable!()
    };
    let shape = &q.values[cur].shape;
    t.broadcast(IxDyn(shape))
        .expect("Add shapes checked when the node was added")
        .iter()
        .map(|&v| sign * elementwise::align(v, align) as i128)
        .collect()
}

/// The reduced groups of `x` over `axes`, one per output element, in output order.
fn reduce_rows(x: &ArrayD<Wire>, axes: &[usize]) -> Vec<Vec<Wire>> {
    let keep: Vec<usize> = (0..x.ndim()).filter(|a| !axes.contains(a)).collect();
    let perm: Vec<usize> = keep.iter().chain(axes.iter()).copied().collect();
    let t = shape_ops::transpose(x, &perm);
    let inner: usize = axes.iter().map(|&a| x.shape()[a]).product();
    let flat: Vec<Wire> = t.iter().copied().collect();
    if inner == 0 {
        return vec![vec![]; keep.iter().map(|&a| x.shape()[a]).product()];
    }
    flat.chunks(inner).map(|c| c.to_vec()).collect()
}

/// Each output position's in-bounds window values and AveragePool divisor,
/// mirroring `zkml_core::ops::pool::Pool::windows`.
fn windows<T: Clone>(p: &Pool, x: &ArrayD<T>) -> (Vec<(Vec<T>, usize)>, Vec<usize>) {
    let shape = p
        .output_shape(x.shape())
        .expect("checked when the node was added");
    let (n, c, h, w) = (
        x.shape()[0],
        x.shape()[1],
        x.shape()[2] as isize,
        x.shape()[3] as isize,
    );
    let x = x.as_standard_layout();
    let xd = x.as_slice().unwrap();
    let mut out = Vec::with_capacity(shape.iter().product());
    for plane in 0..n * c {
        let base = plane * (h * w) as usize;
        for i in 0..shape[2] {
            for j in 0..shape[3] {
                let mut buf = Vec::new();
                let mut padded = 0;
                for u in 0..p.kernel[0] {
                    let y = (i * p.strides[0] + u * p.dilations[0]) as isize - p.pads[0] as isize;
                    for v in 0..p.kernel[1] {
                        let xx =
                            (j * p.strides[1] + v * p.dilations[1]) as isize - p.pads[1] as isize;
                        if y >= 0 && y < h && xx >= 0 && xx < w {
                            buf.push(xd[base + (y * w + xx) as usize].clone());
                        } else if y < h + p.pads[2] as isize && xx < w + p.pads[3] as isize {
                            padded += 1;
                        }
                    }
                }
                let count = if p.count_include_pad {
                    buf.len() + padded
                } else {
                    buf.len()
                };
                out.push((buf, count));
            }
        }
    }
    (out, shape)
}

/// Lays out `q` on `b`: inputs (public ones bound to the instance column first),
/// every node, then the public outputs. With a trace, every node's cells are
/// compared with the trace: the circuit computes its own integers (through
/// `zkml_core::rounding`) and a disagreement is [`PlonkError::TraceMismatch`].
pub fn lay_out(
    b: &mut Builder<'_>,
    q: &QGraph,
    trace: Option<&Trace>,
    vis: &Visibility,
) -> Result<Laid> {
    check_visibility(vis)?;
    let mut w = Walker {
        b,
        q,
        vals: vec![None; q.values.len()],
        fuse_add: None,
        fuse_max: None,
        emit_idx: 0,
        private_w: vis.weights == Vis::Private,
        witness: trace.is_some(),
    };
    let start = w.b.row;
    for &id in &q.inputs {
        let shape = q.values[id].shape.clone();
        let vals: Option<Vec<i64>> = trace.map(|t| t.values[id].iter().copied().collect());
        let numel: usize = shape.iter().product();
        let mut cells = Vec::with_capacity(numel);
        for i in 0..numel {
            let v = vals.as_ref().map(|v| v[i] as i128);
            cells.push(w.b.input(v, vis.input == Vis::Public));
        }
        w.vals[id] = Some(ArrayD::from_shape_vec(IxDyn(&shape), cells).unwrap());
    }
    let input_rows = w.b.row - start;
    let mut uses = vec![0usize; q.values.len()];
    for n in &q.nodes {
        for &i in &n.inputs {
            uses[i] += 1;
        }
    }
    for &o in &q.outputs {
        uses[o] += 1;
    }
    let mut node_rows = vec![0; q.nodes.len()];
    let mut skip = vec![false; q.nodes.len()];
    for ni in 0..q.nodes.len() {
        if skip[ni] {
            continue;
        }
        let before = w.b.row;
        let chain = plan_chain(q, ni, &uses, vis.weights == Vis::Private);
        w.fuse_add = chain.add.map(|a| fused_constant(q, ni, a));
        w.fuse_max = chain.act.map(|a| match q.nodes[a].op {
            QOp::Clip { min, .. } => min as i128,
            _ => 0,
        });
        w.emit_idx = 0;
        let mut out = w.node(ni)?;
        w.fuse_add = None;
        w.fuse_max = None;
        let mut last = ni;
        if let Some(a) = chain.add {
            skip[a] = true;
            last = a;
        }
        if let Some(a) = chain.act {
            skip[a] = true;
            last = a;
            if let QOp::Clip { min, max } = q.nodes[a].op {
                if (max as i128) < q.bound() as i128 {
                    out = out.mapv(|z| w.b.min_const_above(&z, max as i128, min as i128));
                }
            }
        }
        let node = &q.nodes[last];
        if let Some(t) = trace {
            let tv = &t.values[node.output];
            for (index, (c, &tv)) in out.iter().zip(tv.iter()).enumerate() {
                if c.val != Some(tv as i128) {
                    return Err(PlonkError::TraceMismatch {
                        node: node.name.clone(),
                        op: node.op.name(),
                        index,
                        circuit: c.val.unwrap_or(i128::MIN),
                        trace: tv,
                    });
                }
            }
        }
        w.vals[node.output] = Some(out);
        node_rows[ni] = w.b.row - before;
    }
    let mut outputs = Vec::with_capacity(q.outputs.len());
    for &id in &q.outputs {
        let cells = w.wires(id)?;
        if vis.output == Vis::Public {
            for c in cells.iter() {
                w.b.make_public(c);
            }
        }
        outputs.push(cells);
    }
    Ok(Laid {
        outputs,
        input_rows,
        node_rows,
    })
}

/// The halo2 circuit of a model.
#[derive(Clone)]
pub struct ZkmlCircuit {
    /// The model.
    pub q: Arc<QGraph>,
    /// The execution (absent for keygen).
    pub trace: Option<Arc<Trace>>,
    /// Visibility.
    pub vis: Visibility,
    /// Column shape from the plan.
    pub shape: Shape,
    /// Corrupt this advice cell (tests only).
    pub tamper: Option<usize>,
    /// Skip fixed-column assignments: set only by the real prover, which ignores them.
    pub witness_only: bool,
}

impl Circuit<Fr> for ZkmlCircuit {
    type Config = MainConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = Shape;

    fn without_witnesses(&self) -> Self {
        Self {
            trace: None,
            tamper: None,
            witness_only: false,
            ..self.clone()
        }
    }
    fn params(&self) -> Shape {
        self.shape.clone()
    }
    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, shape: Shape) -> MainConfig {
        MainConfig::configure(meta, shape)
    }
    fn configure(_: &mut ConstraintSystem<Fr>) -> MainConfig {
        unreachable!("the circuit is configured with its Shape")
    }
    fn synthesize(&self, config: MainConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        assign_range_table(&mut layouter, &config)?;
        let publics = layouter.assign_region(
            || "model",
            |mut region| {
                let mut sink = Halo2Sink {
                    region: &mut region,
                    config: &config,
                    tamper: self.tamper,
                    count: 0,
                    publics: vec![],
                    witness_only: self.witness_only,
                };
                let mut b = Builder::new(&mut sink, config.shape.clone(), false);
                lay_out(&mut b, &self.q, self.trace.as_deref(), &self.vis)
                    .map_err(|_| Error::Synthesis)?;
                Ok(sink.publics)
            },
        )?;
        for (cell, idx) in publics {
            layouter.constrain_instance(cell, config.instance, idx);
        }
        Ok(())
    }
}
