//! Products with fixed weights through the randomized matrix check
//! ([`freivalds`](crate::gadgets::freivalds)) when it takes fewer rows than
//! multiply-accumulate rows: convolutions (in im2col form) and MatMul of an
//! activation by a constant matrix.
//!
//! The check proves the raw accumulators `Y` of all output channels of a row
//! (a conv pixel, a MatMul row) at once; each output element then costs one
//! rescale row (with the same fusions as the MAC path). The choice depends
//! only on the model and the MAC width, so keygen, planning and proving lay
//! out the same rows. A product of one row (`M = 1`, a Gemm on one sample)
//! never gains: the `K·N` Horner terms of `v` cost as much as the product.

use ndarray::{ArrayD, IxDyn};
use zkml_core::{
    ops::{conv::Conv, matmul::Operands},
    ITensor,
};

use super::{El, Walker};
use crate::gadgets::{
    arith::ArithInstructions,
    freivalds::{FreivaldsInstructions, Left},
    Wire,
};

/// `X·W + b` with constant `W` (`K × N`, as `w(n, k)`) and `b`: per row of
/// `X`, its non-zero entries as `(cell, k)`.
pub(super) struct Product<'w> {
    /// Rows of `X` (conv: output pixels, batch-major).
    pub rows: Vec<Vec<(Wire, usize)>>,
    /// `N`.
    pub n_out: usize,
    /// `K`.
    pub k: usize,
    /// `W[k][n]`.
    pub w: &'w dyn Fn(usize, usize) -> i128,
    /// `b` (all-zero biases are dropped).
    pub bias: Option<Vec<i128>>,
}

impl Walker<'_, '_> {
    /// The accumulators `Y` (one vector of `N` cells per row of `X`) proved by
    /// the check, or `None` when multiply-accumulate rows are cheaper or the
    /// circuit has no matrix-check gate.
    pub(super) fn checked_product(&mut self, p: &Product<'_>) -> Option<Vec<Vec<Wire>>> {
        if !self.b.shape.freivalds {
            return None;
        }
        let (nn, kk, wt) = (p.n_out, p.k, p.w);
        let used: Vec<bool> = (0..kk).map(|k| (0..nn).any(|n| wt(k, n) != 0)).collect();
        if self.check_rows(p, &used) >= mac_rows(p, self.b.shape.n) {
            return None;
        }
        self.b.freivalds_layers += 1;
        let pows = self.b.alpha_powers(nn);
        let neg_v: Vec<_> = (0..kk)
            .map(|k| {
                used[k].then(|| {
                    let c: Vec<i128> = (0..nn).map(|n| -wt(k, n)).collect();
                    self.b.horner_fixed(&c)
                })
            })
            .collect();
        let neg_b = p.bias.as_ref().map(|b| {
            let c: Vec<i128> = b.iter().map(|v| -v).collect();
            (self.b.constant(1), self.b.horner_fixed(&c))
        });
        let mut ys = Vec::with_capacity(p.rows.len());
        let mut pairs = vec![];
        for taps in &p.rows {
            pairs.clear();
            for n in 0..nn {
                let mut s = Some(p.bias.as_ref().map_or(0, |b| b[n]));
                for (x, k) in taps {
                    s = s.zip(x.val).map(|(s, x)| s + x * wt(*k, n));
                }
                pairs.push((Left::Fresh(s), pows[nn - 1 - n]));
            }
            for (x, k) in taps {
                if let Some(v) = neg_v[*k] {
                    pairs.push((Left::Cell(*x), v));
                }
            }
            if let Some((one, nb)) = neg_b {
                pairs.push((Left::Cell(one), nb));
            }
            ys.push(self.b.zero_pairs(&pairs));
        }
        Some(ys)
    }

    /// Lays out `conv` (fixed weights `w`, optional bias) by the check, or
    /// `None` ([`Self::checked_product`]; grouped convolutions stay on MAC rows).
    pub(super) fn conv_by_check(
        &mut self,
        conv: &Conv,
        shift: u32,
        xw: &ArrayD<Wire>,
        w: &ITensor,
        bias: Option<&ITensor>,
        out_shape: &[usize],
    ) -> Option<ArrayD<Wire>> {
        if !self.b.shape.freivalds || conv.group != 1 {
            return None;
        }
        let xd = xw.as_slice().expect("standard layout");
        let mut rows = vec![];
        conv.for_each_output(xw.shape(), w.shape(), |oc, taps| {
            // Channel 0's weight index of a tap is its position k in the kernel.
            if oc == 0 {
                rows.push(taps.iter().map(|&(xi, k)| (xd[xi], k)).collect());
            }
        });
        let kk: usize = w.shape()[1..].iter().product();
        let wd = w.as_slice().expect("standard layout");
        let wt = |k: usize, n: usize| wd[n * kk + k] as i128;
        let product = Product {
            rows,
            n_out: w.shape()[0],
            k: kk,
            w: &wt,
            bias: nonzero(bias),
        };
        let ys = self.checked_product(&product)?;
        // Rescale in output order (batch, channel, row, column) so fusions line up.
        let per_batch = out_shape[2] * out_shape[3];
        let mut out = Vec::with_capacity(out_shape.iter().product());
        for batch in ys.chunks(per_batch) {
            for n in 0..product.n_out {
                for pixel in batch {
                    out.push(self.emit(&[(pixel[n], 1)], 0, shift));
                }
            }
        }
        Some(ArrayD::from_shape_vec(IxDyn(out_shape), out).expect("output shape"))
    }

    /// `A·B` for activations `A` and a constant `B` shared by every batch, by
    /// the check, or `None` ([`Self::checked_product`]); outputs in row-major order.
    pub(super) fn matmul_by_check(
        &mut self,
        ops: &Operands<El, El>,
        shift: u32,
    ) -> Option<Vec<Wire>> {
        if !self.b.shape.freivalds {
            return None;
        }
        let konst = |e: &El| match e {
            El::C(v) => Some(*v as i128),
            El::W(_) => None,
        };
        let b0: Vec<i128> = ops.b[..ops.k * ops.n]
            .iter()
            .map(konst)
            .collect::<Option<_>>()?;
        let shared = ops
            .b
            .chunks(ops.k * ops.n)
            .all(|bt| bt.iter().zip(&b0).all(|(e, &v)| konst(e) == Some(v)));
        if !shared || ops.m * ops.batch < 2 {
            return None;
        }
        let mut rows = Vec::with_capacity(ops.batch * ops.m);
        for t in 0..ops.batch {
            for i in 0..ops.m {
                let mut taps = Vec::with_capacity(ops.k);
                for l in 0..ops.k {
                    match ops.a(t, i, l) {
                        El::W(w) => taps.push((*w, l)),
                        El::C(_) => return None,
                    }
                }
                rows.push(taps);
            }
        }
        let nn = ops.n;
        let wt = |k: usize, n: usize| b0[k * nn + n];
        let product = Product {
            rows,
            n_out: nn,
            k: ops.k,
            w: &wt,
            bias: None,
        };
        let ys = self.checked_product(&product)?;
        Some(
            ys.iter()
                .flatten()
                .map(|y| self.emit(&[(*y, 1)], 0, shift))
                .collect(),
        )
    }

    /// Rows the check would take (module doc of [`crate::gadgets::freivalds`]).
    fn check_rows(&self, p: &Product<'_>, used: &[bool]) -> usize {
        let n = self.b.shape.n;
        let per = (n / 2).max(1);
        let nn = p.n_out;
        let bias = usize::from(p.bias.is_some());
        let horner = nn.div_ceil(n);
        let mut rows = used.iter().filter(|&&u| u).count() * horner
            + bias * (horner + 1)
            + nn.saturating_sub(self.b.alpha_pows.len())
            + 2;
        for taps in &p.rows {
            let len = nn + taps.iter().filter(|&&(_, k)| used[k]).count() + bias;
            rows += len.div_ceil(per) + nn;
        }
        rows
    }
}

/// A bias as integers, `None` when absent or all zero.
pub(super) fn nonzero(bias: Option<&ITensor>) -> Option<Vec<i128>> {
    bias.map(|b| b.iter().map(|&v| v as i128).collect())
        .filter(|b: &Vec<i128>| b.iter().any(|&v| v != 0))
}

/// Rows of the multiply-accumulate layout: one chain per output element.
fn mac_rows(p: &Product<'_>, n: usize) -> usize {
    let mut rows = 0;
    for taps in &p.rows {
        for oc in 0..p.n_out {
            let len = taps.iter().filter(|&&(_, k)| (p.w)(k, oc) != 0).count();
            rows += len.div_ceil(n).max(1);
        }
    }
    rows
}
