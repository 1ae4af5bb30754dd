//! Per-op layout: [`Walker::node`] lays out one node on the gadgets.

use ndarray::{ArrayD, Axis, IxDyn};
use zkml_core::{
    ops::{elementwise, matmul, shape as shape_ops},
    rounding::rshift,
    QOp,
};

use super::{
    matcheck::{nonzero, Weights},
    unsupported, El, Walker,
};
use crate::error::Result;
use crate::gadgets::{
    arith::ArithInstructions,
    linear::LinearInstructions,
    rdiv::RdivInstructions,
    select::{Other, SelectInstructions},
    softmax::SoftmaxInstructions,
    table::{FnKind, FnTable, TableInstructions},
    Wire,
};

impl Walker<'_, '_> {
    pub(super) fn node(&mut self, ni: usize) -> Result<ArrayD<Wire>> {
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
                let xw = self.wires(x[0])?.as_standard_layout().into_owned();
                let wdat = wc.as_slice().unwrap();
                let kk: usize = wc.shape()[1..].iter().product();
                let wt = |k: usize, n: usize| wdat[n * kk + k];
                let weights = Weights::Cells {
                    w: &wt,
                    bias: bias.as_ref().map(|b| b.iter().copied().collect()),
                };
                if let Some(out) =
                    self.conv_by_check(conv, *shift, &xw, wc.shape(), weights, &out_shape)
                {
                    return Ok(out);
                }
                let one = bias.as_ref().map(|_| self.b.constant(1));
                let xd = xw.as_slice().unwrap();
                let mut out = Vec::with_capacity(out_shape.iter().product());
                let mut pairs = Vec::new();
                conv.for_each_output(xw.shape(), wc.shape(), |oc, taps| {
                    pairs.clear();
                    if let (Some(b), Some(one)) = (&bias, one) {
                        pairs.push((b[[oc]], one));
                    }
                    pairs.extend(taps.iter().map(|&(xi, wi)| (xd[xi], wdat[wi])));
                    let idx = out.len();
                    out.push(self.emit_pairs(idx, &pairs, 0, *shift));
                });
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
                let xw = self.wires(x[0])?.as_standard_layout().into_owned();
                let kk: usize = w.shape()[1..].iter().product();
                let wd = w.as_slice().unwrap();
                let wt = |k: usize, n: usize| wd[n * kk + k] as i128;
                let weights = Weights::Const {
                    w: &wt,
                    bias: nonzero(bias.as_ref()),
                };
                if let Some(out) =
                    self.conv_by_check(conv, *shift, &xw, w.shape(), weights, &out_shape)
                {
                    return Ok(out);
                }
                let xd = xw.as_slice().unwrap();
                let wdat = w.as_slice().unwrap();
                let mut out = Vec::with_capacity(out_shape.iter().product());
                let mut terms = Vec::new();
                conv.for_each_output(xw.shape(), w.shape(), |oc, taps| {
                    let c0 = bias.as_ref().map(|b| b[[oc]] as i128).unwrap_or(0);
                    terms.clear();
                    terms.extend(
                        taps.iter()
                            .filter(|&&(_, wi)| wdat[wi] != 0)
                            .map(|&(xi, wi)| (xd[xi], wdat[wi] as i128)),
                    );
                    let idx = out.len();
                    out.push(self.emit(idx, &terms, c0, *shift));
                });
                ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap()
            }
            QOp::MatMul { shift } => {
                let a = self.operand(x[0])?;
                let bm = self.operand(x[1])?;
                let ops = matmul::broadcast_operands(&a, &bm).map_err(|e| unsupported(q, ni, e))?;
                let (nb, m, k, nn) = (ops.batch, ops.m, ops.k, ops.n);
                let mut out = self.matmul_by_check(&ops, *shift).unwrap_or_default();
                let mac_batches = if out.is_empty() { nb } else { 0 };
                for t in 0..mac_batches {
                    for i in 0..m {
                        for j in 0..nn {
                            let mut terms = Vec::with_capacity(k);
                            let mut pairs = vec![];
                            let mut c = 0i128;
                            for l in 0..k {
                                match (*ops.a(t, i, l), *ops.b(t, l, j)) {
                                    (El::W(w), El::C(v)) | (El::C(v), El::W(w)) => {
                                        if v != 0 {
                                            terms.push((w, v as i128))
                                        }
                                    }
                                    (El::W(u), El::W(v)) => pairs.push((u, v)),
                                    (El::C(u), El::C(v)) => c += u as i128 * v as i128,
                                }
                            }
                            let idx = out.len();
                            if pairs.is_empty() {
                                out.push(self.emit(idx, &terms, c, *shift));
                            } else {
                                // Products of two cells: constant weights join as
                                // (cell, constant cell) pairs.
                                for (w, v) in terms {
                                    let cw = self.b.constant(v);
                                    pairs.push((w, cw));
                                }
                                out.push(self.emit_pairs(idx, &pairs, c, *shift));
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
                // `iter` visits the logical (row-major) order whatever the memory
                // layout, so `i` is the element's row-major index (the fused
                // constant's index), and the cells go back in that order.
                let mut out = Vec::with_capacity(pairs.len());
                for (i, &(u, v)) in pairs.iter().enumerate() {
                    out.push(match (u, v) {
                        (El::W(u), El::W(v)) => self.emit_mul(i, &u, &v, *shift),
                        (El::W(w), El::C(c)) | (El::C(c), El::W(w)) => {
                            self.emit(i, &[(w, c as i128)], 0, *shift)
                        }
                        (El::C(u), El::C(v)) => self.b.constant(rshift(u * v, *shift) as i128),
                    });
                }
                ArrayD::from_shape_vec(IxDyn(pairs.shape()), out).expect("one cell per element")
            }
            QOp::Relu => self.wires(x[0])?.mapv(|w| self.b.relu(&w)),
            QOp::Clip { min, max } => {
                let (lo, hi) = (*min as i128, *max as i128);
                self.wires(x[0])?.mapv(|w| {
                    // The range is [−bound − 1, bound]: a lower bound at or
                    // below its bottom, or an upper one at or above its top, is a no-op.
                    let w = if lo > -bound - 1 {
                        self.b.max_const(&w, lo)
                    } else {
                        w
                    };
                    if hi >= bound {
                        w
                    } else if lo > -bound - 1 {
                        self.b.min_const_above(&w, hi, lo)
                    } else {
                        self.b.min_const(&w, hi)
                    }
                })
            }
            QOp::MaxPool(p) => {
                let xw = self.wires(x[0])?;
                p.windows(&xw, |v, _| {
                    if v.is_empty() {
                        self.b.constant(0)
                    } else {
                        self.b.max_all(v)
                    }
                })
            }
            QOp::AveragePool(p) => {
                let xw = self.wires(x[0])?;
                p.windows(&xw, |v, count| {
                    let n = count.max(1) as i64;
                    let terms: Vec<(Wire, i128)> = v.iter().map(|w| (*w, 1)).collect();
                    if n.count_ones() == 1 {
                        self.b.linear(&terms, 0, n.trailing_zeros())
                    } else {
                        let s = self.b.sum_exact(&terms, 0);
                        self.b.rdiv(&s, n)
                    }
                })
            }
            QOp::Reshape { shape } => shape_ops::reshape(&self.wires(x[0])?, shape),
            QOp::Transpose { perm } => shape_ops::transpose(&self.wires(x[0])?, perm),
            QOp::Gather(m) => m.apply(&self.wires(x[0])?),
            QOp::Abs => self.wires(x[0])?.mapv(|w| {
                let neg = self.b.linear(&[(w, -1)], 0, 0);
                self.b.max_all(&[w, neg])
            }),
            QOp::ReduceMax { axes, .. } => {
                let rows = reduce_rows(&self.wires(x[0])?, axes);
                let out: Vec<Wire> = rows.iter().map(|r| self.b.max_all(r)).collect();
                ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap()
            }
            QOp::Max { align } => {
                // Operands aligned to the output scale as for Concat, then the max gadget.
                let (a, bb) = (self.operand(x[0])?, self.operand(x[1])?);
                let align = *align;
                elementwise::zip_broadcast(&a, &bb, |u, v| (u, v)).mapv(|(u, v)| {
                    let mut ws = [u, v].into_iter().zip(align).map(|(e, k)| match e {
                        El::W(w) if k == 0 => w,
                        El::W(w) => {
                            let t = self.aligned_term(w, k, 1);
                            self.combine(vec![t], 0)
                        }
                        El::C(c) => self.b.constant(elementwise::align(c, k) as i128),
                    });
                    let (u, v) = (ws.next().unwrap(), ws.next().unwrap());
                    self.b.max_all(&[u, v])
                })
            }
            QOp::Min { .. } | QOp::ReduceMin { .. } => {
                return Err(unsupported(
                    q,
                    ni,
                    "not proven yet (the backend proves Max, ReduceMax and Abs); the executor \
                     runs it",
                ))
            }
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
                            let s = self.b.sum_exact(&terms, 0);
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
