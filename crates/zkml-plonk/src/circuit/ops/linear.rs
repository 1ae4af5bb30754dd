//! Conv and MatMul: fixed weights on the MAC gadget (zero weights skipped) or
//! the randomized matrix check ([`crate::gadgets::freivalds`]); private weights
//! and activation × activation products as pairs of cells.

use ndarray::{ArrayD, IxDyn};
use zkml_core::ops::{matmul, Conv};

use super::super::{
    matcheck::{nonzero, Weights},
    unsupported, El, Walker,
};
use crate::error::Result;
use crate::gadgets::{arith::ArithInstructions, linear::LinearInstructions, Wire};

impl Walker<'_, '_> {
    /// Conv with private (witness) weights and bias: pairs `x·w` of cells.
    pub(super) fn lay_conv_private(
        &mut self,
        ni: usize,
        conv: &Conv,
        shift: &u32,
    ) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let out_shape = q.values[q.nodes[ni].output].shape.clone();
        let wc = self.wires(x[1])?.as_standard_layout().into_owned();
        let bias = match x.get(2) {
            Some(&bid) => Some(self.wires(bid)?),
            None => None,
        };
        let xr = self.cells(x[0])?;
        let xw = xr.as_standard_layout();
        let wdat = wc.as_slice().unwrap();
        let kk: usize = wc.shape()[1..].iter().product();
        let wt = |k: usize, n: usize| wdat[n * kk + k];
        let weights = Weights::Cells {
            w: &wt,
            bias: bias.as_ref().map(|b| b.iter().copied().collect()),
        };
        if let Some(out) =
            self.conv_by_check(conv, *shift, &xw.view(), wc.shape(), weights, &out_shape)
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
        Ok(ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap())
    }

    /// Conv with constant weights and bias.
    pub(super) fn lay_conv(&mut self, ni: usize, conv: &Conv, shift: &u32) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let out_shape = q.values[q.nodes[ni].output].shape.clone();
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
        let xr = self.cells(x[0])?;
        let xw = xr.as_standard_layout();
        let kk: usize = w.shape()[1..].iter().product();
        let wd = w.as_slice().unwrap();
        let wt = |k: usize, n: usize| wd[n * kk + k] as i128;
        let weights = Weights::Const {
            w: &wt,
            bias: nonzero(bias.as_ref()),
        };
        if let Some(out) =
            self.conv_by_check(conv, *shift, &xw.view(), w.shape(), weights, &out_shape)
        {
            return Ok(out);
        }
        let xd = xw.as_slice().unwrap();
        let wdat = w.as_slice().unwrap();
        let mut out = Vec::with_capacity(out_shape.iter().product());
        if self.b.counting() && xd.iter().any(|x| x.val.is_none()) {
            // Planning: a chain's rows depend only on its number of terms
            // (the outputs' values are unknown anyway).
            let counts = super::conv_count::term_counts(conv, xw.shape(), w.shape(), wdat);
            let most = counts.iter().copied().max().unwrap_or(0);
            let any = Wire {
                col: crate::gadgets::Adv::Acc,
                row: 0,
                val: None,
            };
            let terms = vec![(any, 1i128); most];
            let per = out_shape[2] * out_shape[3];
            // A chain's rows depend on its length only: one emit per length.
            let mut rep = super::super::count::Repeat::default();
            for (idx, &len) in counts.iter().enumerate() {
                let oc = (idx / per) % out_shape[1];
                let c0 = bias.as_ref().map(|b| b[[oc]] as i128).unwrap_or(0);
                let extra = self.fused_add(idx, *shift);
                let fuse_max = self.fuse_max;
                let t = &terms[..len];
                out.push(rep.call(self.b, len, |b| {
                    b.linear_max(t, c0 + extra, *shift, fuse_max)
                }));
            }
            return Ok(ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap());
        }
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
        Ok(ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap())
    }

    /// MatMul: constant × cell terms on the MAC gadget, cell × cell pairs, or the matrix check.
    pub(super) fn lay_matmul(&mut self, ni: usize, shift: &u32) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
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
        Ok(ArrayD::from_shape_vec(IxDyn(&shape), out).unwrap())
    }
}
