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
    linear::LinearInstructions,
    Wire,
};

/// The weights of a checked product.
pub(super) enum Weights<'w> {
    /// Constants of the model (fixed weights): `W[k][n]` and the bias (all-zero
    /// biases dropped). `v_k` and `B` are Horner rows with constant
    /// coefficients.
    Const {
        /// `W[k][n]`.
        w: &'w dyn Fn(usize, usize) -> i128,
        /// `b`.
        bias: Option<Vec<i128>>,
    },
    /// Witness cells (private or committed weights): `v_k` and `B` are pair
    /// rows of first-phase copies of the weight cells with `α` powers.
    Cells {
        /// `W[k][n]`.
        w: &'w dyn Fn(usize, usize) -> Wire,
        /// `b`.
        bias: Option<Vec<Wire>>,
    },
}

impl Weights<'_> {
    fn value(&self, k: usize, n: usize) -> Option<i128> {
        match self {
            Weights::Const { w, .. } => Some(w(k, n)),
            Weights::Cells { w, .. } => w(k, n).val,
        }
    }
    fn bias_value(&self, n: usize) -> Option<i128> {
        match self {
            Weights::Const { bias, .. } => Some(bias.as_ref().map_or(0, |b| b[n])),
            Weights::Cells { bias, .. } => bias.as_ref().map_or(Some(0), |b| b[n].val),
        }
    }
    fn has_bias(&self) -> bool {
        match self {
            Weights::Const { bias, .. } => bias.is_some(),
            Weights::Cells { bias, .. } => bias.is_some(),
        }
    }
    /// Whether row `k` of `W` can be left out (constants only: all zero).
    fn used(&self, k: usize, n_out: usize) -> bool {
        match self {
            Weights::Const { w, .. } => (0..n_out).any(|n| w(k, n) != 0),
            Weights::Cells { .. } => true,
        }
    }
    /// Whether `W[k][n]` enters a multiply-accumulate chain.
    fn mac_term(&self, k: usize, n: usize) -> bool {
        match self {
            Weights::Const { w, .. } => w(k, n) != 0,
            Weights::Cells { .. } => true,
        }
    }
}

/// `X·W + b` (`X` is `M × K`, `W` is `K × N`): per row of `X`, its entries as
/// `(cell, k)` (taps in a convolution's padding are absent).
pub(super) struct Product<'w> {
    /// Tap lists of rows of `X`: row `m`'s are `rows[row_of[m]]` (a
    /// planning pass shares one list among the rows with the same kernel
    /// positions; a layout gives every row its own).
    pub rows: Vec<Vec<(Wire, usize)>>,
    /// For each row of `X` (conv: output pixels, batch-major), its tap list.
    pub row_of: Vec<usize>,
    /// `N`.
    pub n_out: usize,
    /// `K`.
    pub k: usize,
    /// `W` and `b`.
    pub weights: Weights<'w>,
}

impl Walker<'_, '_> {
    /// The accumulators `Y` (one vector of `N` cells per row of `X`) proved by
    /// the check, or `None` when multiply-accumulate rows are cheaper or the
    /// circuit has no matrix-check gate.
    ///
    /// Constant weights: `Σ_n Y_mn·α^(N−1−n) + Σ_k X_mk·(−v_k) + 1·(−B) = 0`.
    /// Weight cells: `Σ_n Y_mn·(−α^(N−1−n)) + Σ_k X_mk·v_k + 1·B = 0`.
    pub(super) fn checked_product(&mut self, p: &Product<'_>) -> Option<Vec<Vec<Wire>>> {
        if !self.b.shape.freivalds {
            return None;
        }
        let (nn, kk) = (p.n_out, p.k);
        let used: Vec<bool> = (0..kk).map(|k| p.weights.used(k, nn)).collect();
        if self.check_rows(p, &used) >= mac_rows(p, self.b.shape.n) {
            return None;
        }
        self.b.freivalds_layers += 1;
        let pows = self.b.alpha_powers(nn);
        let (x_right, y_right, bias_pair) = match &p.weights {
            Weights::Const { w, bias } => {
                let neg_v: Vec<_> = (0..kk)
                    .map(|k| {
                        used[k].then(|| {
                            let c: Vec<i128> = (0..nn).map(|n| -w(k, n)).collect();
                            self.b.horner_fixed(&c)
                        })
                    })
                    .collect();
                let y_right: Vec<_> = (0..nn).map(|n| pows[nn - 1 - n]).collect();
                let bias_pair = bias.as_ref().map(|b| {
                    let c: Vec<i128> = b.iter().map(|v| -v).collect();
                    (self.b.constant(1), self.b.horner_fixed(&c))
                });
                (neg_v, y_right, bias_pair)
            }
            Weights::Cells { w, bias } => {
                let neg = self.b.neg_alpha_powers(nn);
                let v: Vec<_> = (0..kk)
                    .map(|k| {
                        let pairs: Vec<_> = (0..nn).map(|n| (w(k, n), pows[nn - 1 - n])).collect();
                        Some(self.b.dot_pairs(&pairs))
                    })
                    .collect();
                let y_right: Vec<_> = (0..nn).map(|n| neg[nn - 1 - n]).collect();
                let bias_pair = bias.as_ref().map(|b| {
                    let pairs: Vec<_> = (0..nn).map(|n| (b[n], pows[nn - 1 - n])).collect();
                    (self.b.constant(1), self.b.dot_pairs(&pairs))
                });
                (v, y_right, bias_pair)
            }
        };
        let mut ys = Vec::with_capacity(p.row_of.len());
        if self.b.counting() && p.rows.iter().flatten().any(|(x, _)| x.val.is_none()) {
            // Planning: a row's pair chain is `N` fresh cells, its used taps
            // and the bias pair; only their number counts.
            let bias = usize::from(bias_pair.is_some());
            let lens: Vec<usize> = p
                .rows
                .iter()
                .map(|taps| nn + taps.iter().filter(|&&(_, k)| used[k]).count() + bias)
                .collect();
            for &r in &p.row_of {
                ys.push(self.b.zero_pairs_counted(nn, lens[r]));
            }
            return Some(ys);
        }
        let mut pairs = vec![];
        for taps in p.row_of.iter().map(|&r| &p.rows[r]) {
            pairs.clear();
            // Without a witness (keygen, planning) the accumulators are
            // unknown: skip the product, `N × K` per row.
            let known = taps.iter().all(|(x, _)| x.val.is_some());
            for (n, &yr) in y_right.iter().enumerate() {
                let mut s = p.weights.bias_value(n).filter(|_| known);
                if s.is_some() {
                    for (x, k) in taps {
                        s = s
                            .zip(x.val)
                            .zip(p.weights.value(*k, n))
                            .map(|((s, x), w)| s + x * w);
                    }
                }
                pairs.push((Left::Fresh(s), yr));
            }
            for (x, k) in taps {
                if let Some(v) = x_right[*k] {
                    pairs.push((Left::Cell(*x), v));
                }
            }
            if let Some((one, b)) = bias_pair {
                pairs.push((Left::Cell(one), b));
            }
            ys.push(self.b.zero_pairs(&pairs));
        }
        Some(ys)
    }

    /// Lays out `conv` by the check, or `None` ([`Self::checked_product`];
    /// grouped convolutions stay on MAC rows). `w_shape` is the weight's
    /// shape `[N, C, kh, kw]`; `weights` reads it with `k` the flat index in
    /// `[C, kh, kw]`.
    pub(super) fn conv_by_check(
        &mut self,
        conv: &Conv,
        shift: u32,
        xw: &ndarray::ArrayViewD<'_, Wire>,
        w_shape: &[usize],
        weights: Weights<'_>,
        out_shape: &[usize],
    ) -> Option<ArrayD<Wire>> {
        if !self.b.shape.freivalds || conv.group != 1 {
            return None;
        }
        let xd = xw.as_slice().expect("standard layout");
        let mut rows = vec![];
        let mut row_of = vec![];
        // The taps of output channel 0 only (a one-channel weight shape): a
        // tap's weight index is then its position k in the kernel, and the
        // walk costs one channel's taps, not all `N` channels' (the whole
        // multiply count, on MobileNetV2-224 300 M taps per layout pass).
        let mut w0 = w_shape.to_vec();
        w0[0] = 1;
        if self.b.counting() && xd.iter().any(|x| x.val.is_none()) {
            // Planning: one tap list per distinct set of kernel positions
            // (the cells are never copied, their values unknown).
            let any = Wire {
                col: crate::gadgets::Adv::Acc,
                row: 0,
                val: None,
            };
            let (lists, of) = super::ops::conv_tap_patterns(conv, xw.shape(), &w0);
            rows = lists
                .into_iter()
                .map(|ks| ks.into_iter().map(|k| (any, k)).collect())
                .collect();
            row_of = of;
        } else {
            conv.for_each_output(xw.shape(), &w0, |_, taps| {
                row_of.push(rows.len());
                rows.push(taps.iter().map(|&(xi, k)| (xd[xi], k)).collect());
            });
        }
        let product = Product {
            rows,
            row_of,
            n_out: w_shape[0],
            k: w_shape[1..].iter().product(),
            weights,
        };
        let ys = self.checked_product(&product)?;
        // Rescale in output order (batch, channel, row, column) so fusions line up.
        let per_batch = out_shape[2] * out_shape[3];
        let mut out = Vec::with_capacity(out_shape.iter().product());
        // While counting, each unknown output's rescale takes the same rows.
        let mut rep = self.b.counting().then(super::count::Repeat::default);
        for batch in ys.chunks(per_batch) {
            for n in 0..product.n_out {
                for pixel in batch {
                    let idx = out.len();
                    let y = pixel[n];
                    out.push(match &mut rep {
                        Some(rep) if y.val.is_none() => {
                            let extra = self.fused_add(idx, shift);
                            let fuse_max = self.fuse_max;
                            rep.call(self.b, 0, |b| {
                                b.linear_max(&[(y, 1)], extra, shift, fuse_max)
                            })
                        }
                        _ => self.emit(idx, &[(y, 1)], 0, shift),
                    });
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
        // An empty product (a zero-size dimension) has nothing to check.
        if !self.b.shape.freivalds || ops.k * ops.n == 0 {
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
            row_of: (0..rows.len()).collect(),
            rows,
            n_out: nn,
            k: ops.k,
            weights: Weights::Const { w: &wt, bias: None },
        };
        let ys = self.checked_product(&product)?;
        Some(
            ys.iter()
                .flatten()
                .enumerate()
                .map(|(idx, y)| self.emit(idx, &[(*y, 1)], 0, shift))
                .collect(),
        )
    }

    /// Rows the check would take (module doc of [`crate::gadgets::freivalds`]).
    fn check_rows(&self, p: &Product<'_>, used: &[bool]) -> usize {
        let n = self.b.shape.n;
        let per = (n / 2).max(1);
        let nn = p.n_out;
        let bias = usize::from(p.weights.has_bias());
        let used_k = used.iter().filter(|&&u| u).count();
        let mut rows = nn.saturating_sub(self.b.alpha_pows.len()) + 2;
        rows += match p.weights {
            Weights::Const { .. } => (used_k + bias) * nn.div_ceil(n) + bias,
            Weights::Cells { .. } => {
                (used_k + bias) * nn.div_ceil(per)
                    + bias
                    + nn.saturating_sub(self.b.neg_alpha_pows.len())
            }
        };
        let cost: Vec<usize> = p
            .rows
            .iter()
            .map(|taps| {
                let len = nn + taps.iter().filter(|&&(_, k)| used[k]).count() + bias;
                len.div_ceil(per) + nn
            })
            .collect();
        rows + p.row_of.iter().map(|&r| cost[r]).sum::<usize>()
    }
}

/// A bias as integers, `None` when absent or all zero.
pub(super) fn nonzero(bias: Option<&ITensor>) -> Option<Vec<i128>> {
    bias.map(|b| b.iter().map(|&v| v as i128).collect())
        .filter(|b: &Vec<i128>| b.iter().any(|&v| v != 0))
}

/// Rows of the multiply-accumulate layout: one chain per output element
/// (`n` terms per row for constant weights, `n/2` pairs for weight cells).
///
/// Rows with the same kernel positions (a convolution's interior pixels, its
/// few border patterns; every row of a MatMul) cost the same, so each
/// distinct position set is counted once: `sets × N × K`, not `M × N × K`.
fn mac_rows(p: &Product<'_>, n: usize) -> usize {
    let (per, bias) = match p.weights {
        Weights::Const { .. } => (n, 0),
        Weights::Cells { .. } => ((n / 2).max(1), usize::from(p.weights.has_bias())),
    };
    let mut uses = vec![0usize; p.rows.len()];
    for &r in &p.row_of {
        uses[r] += 1;
    }
    let mut sets: std::collections::HashMap<Vec<usize>, usize> = Default::default();
    for (taps, &count) in p.rows.iter().zip(&uses) {
        let ks: Vec<usize> = taps.iter().map(|&(_, k)| k).collect();
        *sets.entry(ks).or_default() += count;
    }
    let mut rows = 0;
    for (ks, count) in sets {
        for oc in 0..p.n_out {
            let len = ks.iter().filter(|&&k| p.weights.mac_term(k, oc)).count() + bias;
            rows += count * len.div_ceil(per).max(1);
        }
    }
    rows
}
