//! Convolutions with fixed weights through the randomized matrix check
//! ([`freivalds`](crate::gadgets::freivalds)) when it takes fewer rows than
//! multiply-accumulate rows.
//!
//! The check proves the raw accumulators `Y` of all output channels of a
//! pixel at once; each output element then costs one rescale row (with the
//! same fusions as the MAC path). The choice depends only on the model and
//! the MAC width, so keygen, planning and proving lay out the same rows.

use ndarray::{ArrayD, IxDyn};
use zkml_core::{ops::conv::Conv, ITensor};

use super::Walker;
use crate::gadgets::{
    arith::ArithInstructions,
    freivalds::{FreivaldsInstructions, Left},
    Wire,
};

/// A convolution in im2col form: per output pixel, its input taps `(x index, k)`.
struct Im2col {
    /// Output pixels (batch-major, then row, column).
    pixels: Vec<Vec<(usize, usize)>>,
    /// Output channels `N`.
    n_out: usize,
    /// Taps per output channel `K` (`cin·kh·kw`).
    k: usize,
}

impl Im2col {
    fn new(conv: &Conv, x_shape: &[usize], w_shape: &[usize]) -> Option<Self> {
        if conv.group != 1 {
            return None;
        }
        let mut pixels = vec![];
        conv.for_each_output(x_shape, w_shape, |oc, taps| {
            // Channel 0's weight index of a tap is its position k in the kernel.
            if oc == 0 {
                pixels.push(taps.to_vec());
            }
        });
        Some(Self {
            pixels,
            n_out: w_shape[0],
            k: w_shape[1..].iter().product(),
        })
    }
}

impl Walker<'_, '_> {
    /// Lays out `conv` (fixed weights `w`, optional bias) by the matrix check,
    /// or returns `None` when multiply-accumulate rows are cheaper (or the
    /// circuit has no matrix-check gate, or the convolution is grouped).
    pub(super) fn conv_by_check(
        &mut self,
        conv: &Conv,
        shift: u32,
        xw: &ArrayD<Wire>,
        w: &ITensor,
        bias: Option<&ITensor>,
        out_shape: &[usize],
    ) -> Option<ArrayD<Wire>> {
        if !self.b.shape.freivalds {
            return None;
        }
        let cols = Im2col::new(conv, xw.shape(), w.shape())?;
        let (nn, kk) = (cols.n_out, cols.k);
        let wd = w.as_slice().expect("standard layout");
        let wt = |n: usize, k: usize| wd[n * kk + k] as i128;
        let used: Vec<bool> = (0..kk).map(|k| (0..nn).any(|n| wt(n, k) != 0)).collect();
        let bias: Option<Vec<i128>> = bias
            .map(|b| b.iter().map(|&v| v as i128).collect())
            .filter(|b: &Vec<i128>| b.iter().any(|&v| v != 0));
        if self.check_rows(&cols, &used, bias.is_some()) >= mac_rows(&cols, self.b.shape.n, &wt) {
            return None;
        }
        self.b.freivalds_layers += 1;
        let pows = self.b.alpha_powers(nn);
        let neg_v: Vec<_> = (0..kk)
            .map(|k| {
                used[k].then(|| {
                    let c: Vec<i128> = (0..nn).map(|n| -wt(n, k)).collect();
                    self.b.horner_fixed(&c)
                })
            })
            .collect();
        let neg_b = bias.as_ref().map(|b| {
            let c: Vec<i128> = b.iter().map(|v| -v).collect();
            (self.b.constant(1), self.b.horner_fixed(&c))
        });
        let xd = xw.as_slice().expect("standard layout");
        let mut ys: Vec<Vec<Wire>> = Vec::with_capacity(cols.pixels.len());
        let mut pairs = vec![];
        for taps in &cols.pixels {
            pairs.clear();
            for n in 0..nn {
                let mut s = Some(bias.as_ref().map_or(0, |b| b[n]));
                for &(xi, k) in taps {
                    s = s.zip(xd[xi].val).map(|(s, x)| s + x * wt(n, k));
                }
                pairs.push((Left::Fresh(s), pows[nn - 1 - n]));
            }
            for &(xi, k) in taps {
                if let Some(v) = neg_v[k] {
                    pairs.push((Left::Cell(xd[xi]), v));
                }
            }
            if let Some((one, nb)) = neg_b {
                pairs.push((Left::Cell(one), nb));
            }
            ys.push(self.b.zero_pairs(&pairs));
        }
        // Rescale in output order (batch, channel, row, column) so fusions line up.
        let per_batch = out_shape[2] * out_shape[3];
        let mut out = Vec::with_capacity(out_shape.iter().product());
        for batch in ys.chunks(per_batch) {
            for n in 0..nn {
                for pixel in batch {
                    out.push(self.emit(&[(pixel[n], 1)], 0, shift));
                }
            }
        }
        Some(ArrayD::from_shape_vec(IxDyn(out_shape), out).expect("output shape"))
    }

    /// Rows the check would take (module doc of [`crate::gadgets::freivalds`]).
    fn check_rows(&self, cols: &Im2col, used: &[bool], bias: bool) -> usize {
        let n = self.b.shape.n;
        let per = (n / 2).max(1);
        let nn = cols.n_out;
        let horner = nn.div_ceil(n);
        let mut rows = used.iter().filter(|&&u| u).count() * horner
            + usize::from(bias) * (horner + 1)
            + nn.saturating_sub(self.b.alpha_pows.len())
            + 2;
        for taps in &cols.pixels {
            let len = nn + taps.iter().filter(|&&(_, k)| used[k]).count() + usize::from(bias);
            rows += len.div_ceil(per) + nn;
        }
        rows
    }
}

/// Rows of the multiply-accumulate layout: one chain per output element.
fn mac_rows(cols: &Im2col, n: usize, wt: &dyn Fn(usize, usize) -> i128) -> usize {
    let mut rows = 0;
    for taps in &cols.pixels {
        for oc in 0..cols.n_out {
            let len = taps.iter().filter(|&&(_, k)| wt(oc, k) != 0).count();
            rows += len.div_ceil(n).max(1);
        }
    }
    rows
}
