//! Conv: 2-D convolution, NCHW, with groups (depthwise when `group = C`),
//! strides, explicit pads and dilations.
//!
//! Float: `y[n,m,i,j] = b[m] + Σ_{c,u,v} x[n, g·C/G + c, i·sh + u·dh − pt, j·sw + v·dw − pl] · w[m,c,u,v]`
//! (padding reads as 0), `g = m / (M/G)`.
//!
//! Integer rule: the same sum over `q_x · q_w` plus `q_b` (bias quantized at
//! `s_x + s_w`), exact in `i64`, then `rshift(acc, s_x + s_w − s_out)`.

use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::Num;
use super::QOp;
use crate::error::Result;
use crate::error_bound::channel_l1;
use crate::error_bound::BoundCtx;
use crate::quant::QuantCtx;
use crate::rounding::rshift;
use crate::tensor::ITensor;

/// Convolution geometry, every ONNX default already applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conv {
    /// `[kH, kW]`.
    pub kernel: [usize; 2],
    /// `[sH, sW]`.
    pub strides: [usize; 2],
    /// `[top, left, bottom, right]` (ONNX order: begins then ends).
    pub pads: [usize; 4],
    /// `[dH, dW]`.
    pub dilations: [usize; 2],
    /// Number of groups.
    pub group: usize,
}

impl Conv {
    /// Output shape `[N, M, oH, oW]`.
    pub fn output_shape(
        &self,
        x: &[usize],
        w: &[usize],
        b: Option<&[usize]>,
    ) -> Result<Vec<usize>, String> {
        if x.len() != 4 || w.len() != 4 {
            return Err(format!(
                "only 2-D convolution (4-D input and weight) is supported, got input rank {} and weight rank {}",
                x.len(),
                w.len()
            ));
        }
        let (c, m) = (x[1], w[0]);
        if self.group == 0 || c % self.group != 0 || m % self.group != 0 || w[1] * self.group != c {
            return Err(format!(
                "channels do not match groups: input has {c} channels, weight {w:?}, group {}",
                self.group
            ));
        }
        if [w[2], w[3]] != self.kernel {
            return Err(format!(
                "kernel_shape {:?} differs from weight shape {w:?}",
                self.kernel
            ));
        }
        if let Some(b) = b {
            if b != [m] {
                return Err(format!("bias shape {b:?} should be [{m}]"));
            }
        }
        let mut out = vec![x[0], m, 0, 0];
        for d in 0..2 {
            let span = (self.kernel[d] - 1) * self.dilations[d] + 1;
            let padded = x[2 + d] + self.pads[d] + self.pads[d + 2];
            if padded < span || self.strides[d] == 0 {
                return Err(format!(
                    "kernel {:?} does not fit the padded input {x:?}",
                    self.kernel
                ));
            }
            out[2 + d] = (padded - span) / self.strides[d] + 1;
        }
        Ok(out)
    }

    /// Walks the convolution window of every output position.
    ///
    /// Outputs are visited in row-major order of the output tensor
    /// `[N, M, oH, oW]` (batch, then output channel, then row, then column), so
    /// the k-th call is for flat output index k. Each call gets the output
    /// channel `oc` and that output's in-bounds taps as `(x_idx, w_idx)` pairs:
    /// flat indices into the standard-layout input `x_shape` and weight
    /// `w_shape`. Taps come in the order input channel of the group, kernel
    /// row, kernel column; taps that fall in the padding are skipped. Groups,
    /// strides, pads and dilations are honoured.
    ///
    /// Panics if the shapes do not fit this convolution ([`Conv::output_shape`]).
    pub fn for_each_output(
        &self,
        x_shape: &[usize],
        w_shape: &[usize],
        mut f: impl FnMut(usize, &[(usize, usize)]),
    ) {
        let shape = self
            .output_shape(x_shape, w_shape, None)
            .expect("shapes checked when the node was added");
        let (xs, ws) = (x_shape, w_shape);
        let (n, cin, h, wd) = (xs[0], xs[1], xs[2] as isize, xs[3] as isize);
        let (m, cg, kh, kw) = (ws[0], ws[1], ws[2], ws[3]);
        let (oh, ow) = (shape[2], shape[3]);
        let mg = m / self.group;
        let mut taps = Vec::with_capacity(cg * kh * kw);
        for b_i in 0..n {
            for oc in 0..m {
                let g = oc / mg;
                for i in 0..oh {
                    for j in 0..ow {
                        taps.clear();
                        for c in 0..cg {
                            let ic = g * cg + c;
                            let xbase = (b_i * cin + ic) * (h * wd) as usize;
                            for u in 0..kh {
                                let y = (i * self.strides[0] + u * self.dilations[0]) as isize
                                    - self.pads[0] as isize;
                                if y < 0 || y >= h {
                                    continue;
                                }
                                for v in 0..kw {
                                    let xx = (j * self.strides[1] + v * self.dilations[1]) as isize
                                        - self.pads[1] as isize;
                                    if xx < 0 || xx >= wd {
                                        continue;
                                    }
                                    taps.push((
                                        xbase + (y * wd + xx) as usize,
                                        ((oc * cg + c) * kh + u) * kw + v,
                                    ));
                                }
                            }
                        }
                        f(oc, &taps);
                    }
                }
            }
        }
    }

    /// The raw sum `Σ x·w (+ b)` at the product scale, generic over the number type.
    ///
    /// Each output starts at its bias (or zero) and adds `x·w` tap by tap in
    /// the order of [`Conv::for_each_output`] (input channel of the group,
    /// kernel row, kernel column; padding taps skipped), so the result is the
    /// same bit for bit as summing each output's tap list, `f32` included. The
    /// loop runs per output plane `(batch, output channel)`, those planes in
    /// parallel; a 1×1, stride-1, unpadded kernel is a plain channel matmul.
    pub fn accumulate<T: Num + Send + Sync>(
        &self,
        x: &ArrayD<T>,
        w: &ArrayD<T>,
        b: Option<&ArrayD<T>>,
    ) -> ArrayD<T> {
        let shape = self
            .output_shape(x.shape(), w.shape(), b.map(|b| b.shape()))
            .expect("shapes checked when the node was added");
        let x = x.as_standard_layout();
        let w = w.as_standard_layout();
        let (xd, wdat) = (x.as_slice().unwrap(), w.as_slice().unwrap());
        let bias: Option<Vec<T>> = b.map(|b| b.iter().copied().collect());
        let (xs, ws) = (x.shape(), w.shape());
        let (cin, h, wd) = (xs[1], xs[2], xs[3]);
        let (m, cg, kh, kw) = (ws[0], ws[1], ws[2], ws[3]);
        let (oh, ow) = (shape[2], shape[3]);
        let plane = oh * ow;
        let mg = m / self.group;
        let pointwise = self.kernel == [1, 1] && self.strides == [1, 1] && self.pads == [0; 4];
        let mut out = vec![T::default(); shape.iter().product()];
        if plane == 0 {
            return ArrayD::from_shape_vec(IxDyn(&shape), out).unwrap();
        }
        let fill = |k: usize, dst: &mut [T]| {
            let (b_i, oc) = (k / m, k % m);
            let g = oc / mg;
            if let Some(bias) = &bias {
                dst.fill(bias[oc]);
            }
            for c in 0..cg {
                let xbase = (b_i * cin + g * cg + c) * h * wd;
                let xp = &xd[xbase..xbase + h * wd];
                let wbase = (oc * cg + c) * kh * kw;
                if pointwise {
                    let wv = wdat[wbase];
                    for (o, &xv) in dst.iter_mut().zip(xp) {
                        *o = *o + xv * wv;
                    }
                    continue;
                }
                for u in 0..kh {
                    let (ilo, ihi) =
                        valid_range(oh, h, self.strides[0], u * self.dilations[0], self.pads[0]);
                    if ilo >= ihi {
                        continue;
                    }
                    for v in 0..kw {
                        let (jlo, jhi) = valid_range(
                            ow,
                            wd,
                            self.strides[1],
                            v * self.dilations[1],
                            self.pads[1],
                        );
                        if jlo >= jhi {
                            continue;
                        }
                        let wv = wdat[wbase + u * kw + v];
                        let x0 = jlo * self.strides[1] + v * self.dilations[1] - self.pads[1];
                        for i in ilo..ihi {
                            let y = i * self.strides[0] + u * self.dilations[0] - self.pads[0];
                            let xrow = &xp[y * wd..(y + 1) * wd];
                            let orow = &mut dst[i * ow + jlo..i * ow + jhi];
                            if self.strides[1] == 1 {
                                for (o, &xv) in orow.iter_mut().zip(&xrow[x0..]) {
                                    *o = *o + xv * wv;
                                }
                            } else {
                                let xs = xrow[x0..].iter().step_by(self.strides[1]);
                                for (o, &xv) in orow.iter_mut().zip(xs) {
                                    *o = *o + xv * wv;
                                }
                            }
                        }
                    }
                }
            }
        };
        out.par_chunks_mut(plane)
            .enumerate()
            .for_each(|(k, dst)| fill(k, dst));
        ArrayD::from_shape_vec(IxDyn(&shape), out).unwrap()
    }

    /// Integer rule: accumulate, then `rshift(acc, shift)`.
    pub fn eval_int(&self, x: &ITensor, w: &ITensor, b: Option<&ITensor>, shift: u32) -> ITensor {
        self.accumulate(x, w, b).mapv(|a| rshift(a, shift))
    }
}

/// The outputs `t` in `0..out_len` whose tap `t·stride + off − pad` lies in
/// `0..len`, as a half-open range `lo..hi` (`hi ≤ lo` when there are none).
fn valid_range(
    out_len: usize,
    len: usize,
    stride: usize,
    off: usize,
    pad: usize,
) -> (usize, usize) {
    // t·stride + off ≥ pad  ⇔  t ≥ ceil((pad − off) / stride).
    let lo = pad.saturating_sub(off).div_ceil(stride);
    // t·stride + off − pad < len  ⇔  t·stride < len + pad − off.
    let hi = match (len + pad).checked_sub(off) {
        Some(lim) => lim.div_ceil(stride),
        None => 0,
    };
    (lo.min(out_len), hi.min(out_len))
}

/// Quantization: the weight at its weight scale `s_w` (per output channel,
/// aligned into one tensor: [`QuantCtx::weight_per_channel`]), the bias (a
/// constant) at `s_x + s_w`, the output at `min(calibrated, s_x + s_w)`.
pub fn quantize(conv: &Conv, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s_x = c.scale(0).ok_or_else(|| c.err("input has no scale"))?;
    let w_shape = &c.g.values[c.node.inputs[1]].shape;
    let taps = w_shape.iter().skip(1).product();
    let s_w = c.weight_per_channel(1, 0, 0, taps)?;
    if c.node.inputs.len() > 2 {
        if !c.is_const(2) {
            return Err(
                c.err("a bias computed at run time is not supported; it must be a constant")
            );
        }
        c.fix_const(2, s_x + s_w)?;
    }
    let s_out = c.cal_out.min(s_x + s_w);
    Ok((
        QOp::Conv {
            conv: conv.clone(),
            shift: (s_x + s_w - s_out) as u32,
        },
        s_out,
    ))
}

/// Error bound: the input's error amplified by the largest ℓ1 norm of a
/// filter (plus `K` times the weights' error), the weights' error by
/// `K·max|x|`, plus the bias's error and the rescale's rounding.
///
/// With per-channel weights the bound is taken per output channel `m`, from
/// that filter's ℓ1 norm and its own weights' rounding error `e_w[m]`
/// ([`BoundCtx::channel_errors`]): `max_m (ℓ1[m] + K·e_w[m])·e_x + K·max|x|·e_w[m]`.
pub fn error_bound(conv: &Conv, shift: u32, c: &BoundCtx) -> f64 {
    let ein = c.e(0);
    let k = (c.shape(1)[1] * conv.kernel[0] * conv.kernel[1]) as f64;
    let l1 = channel_l1(c.x(1), 0);
    let ew = c.channel_errors(1, 0);
    let prod = l1
        .iter()
        .zip(&ew)
        .map(|(&l1, &ew)| (l1 + k * ew) * ein + k * c.m(0) * ew)
        .fold(0.0, f64::max);
    let bias = if c.node.inputs.len() > 2 { c.e(2) } else { 0.0 };
    prod + bias + c.rescale(shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The former executor, kept as the reference: each output's tap list
    /// from [`Conv::for_each_output`], summed in order from the bias.
    fn accumulate_taps<T: Num>(
        conv: &Conv,
        x: &ArrayD<T>,
        w: &ArrayD<T>,
        b: Option<&ArrayD<T>>,
    ) -> ArrayD<T> {
        let shape = conv
            .output_shape(x.shape(), w.shape(), b.map(|b| b.shape()))
            .unwrap();
        let (xd, wdat) = (x.as_slice().unwrap(), w.as_slice().unwrap());
        let mut out = Vec::new();
        conv.for_each_output(x.shape(), w.shape(), |oc, taps| {
            let mut acc = b.map(|b| b[[oc]]).unwrap_or_default();
            for &(xi, wi) in taps {
                acc = acc + xd[xi] * wdat[wi];
            }
            out.push(acc);
        });
        ArrayD::from_shape_vec(IxDyn(&shape), out).unwrap()
    }

    /// A deterministic pseudo-random tensor of small integers.
    fn ints(shape: &[usize], seed: i64) -> ArrayD<i64> {
        let n: usize = shape.iter().product();
        let v = (0..n as i64)
            .map(|i| ((i * 7919 + seed * 104_729) % 2003) - 1001)
            .collect();
        ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
    }

    /// `[N, C, H, W]`, `[M, kH, kW]`, strides, pads, dilations, groups.
    type Case = (
        [usize; 4],
        [usize; 3],
        [usize; 2],
        [usize; 4],
        [usize; 2],
        usize,
    );

    const CASES: &[Case] = &[
        ([2, 6, 5, 7], [4, 1, 1], [1, 1], [0; 4], [1, 1], 1),
        ([2, 6, 5, 7], [6, 1, 1], [1, 1], [0; 4], [1, 1], 3),
        ([1, 4, 6, 6], [4, 1, 1], [2, 2], [0; 4], [1, 1], 1),
        ([1, 4, 6, 6], [4, 1, 1], [1, 1], [1, 0, 0, 2], [1, 1], 2),
        ([2, 3, 7, 5], [5, 3, 3], [1, 1], [1, 1, 1, 1], [1, 1], 1),
        ([2, 4, 8, 9], [4, 3, 3], [2, 1], [0, 2, 1, 0], [1, 1], 4),
        ([1, 6, 9, 8], [12, 3, 2], [1, 2], [2, 0, 1, 3], [2, 1], 6),
        ([2, 6, 10, 7], [4, 3, 3], [3, 2], [1, 2, 0, 1], [2, 3], 2),
        ([1, 2, 3, 4], [3, 3, 3], [2, 3], [4, 4, 4, 4], [1, 1], 1),
        ([1, 1, 1, 1], [2, 1, 1], [1, 1], [0; 4], [1, 1], 1),
        ([1, 2, 4, 5], [2, 2, 4], [5, 5], [0, 3, 0, 0], [3, 1], 2),
    ];

    fn conv_of(&(xs, [m, kh, kw], strides, pads, dilations, group): &Case) -> (Conv, Vec<usize>) {
        let conv = Conv {
            kernel: [kh, kw],
            strides,
            pads,
            dilations,
            group,
        };
        (conv, vec![m, xs[1] / group, kh, kw])
    }

    #[test]
    fn integer_executor_equals_tap_lists() {
        for (k, case) in CASES.iter().enumerate() {
            let (conv, ws) = conv_of(case);
            let x = ints(&case.0, k as i64);
            let w = ints(&ws, 31 + k as i64);
            let b = ints(&[ws[0]], 77 + k as i64);
            assert!(
                conv.output_shape(x.shape(), w.shape(), None).is_ok(),
                "case {k}"
            );
            for b in [None, Some(&b)] {
                assert_eq!(
                    conv.accumulate(&x, &w, b),
                    accumulate_taps(&conv, &x, &w, b),
                    "case {k}: {case:?}"
                );
            }
            assert_eq!(
                conv.eval_int(&x, &w, Some(&b), 5),
                accumulate_taps(&conv, &x, &w, Some(&b)).mapv(|a| rshift(a, 5)),
                "case {k}"
            );
        }
    }

    #[test]
    fn float_executor_equals_tap_lists_bit_for_bit() {
        for (k, case) in CASES.iter().enumerate() {
            let (conv, ws) = conv_of(case);
            let f = |a: ArrayD<i64>| a.mapv(|v| (v as f32) * 0.013_7 + 0.1);
            let x = f(ints(&case.0, k as i64));
            let w = f(ints(&ws, 31 + k as i64));
            let b = f(ints(&[ws[0]], 77 + k as i64));
            for b in [None, Some(&b)] {
                let new = conv.accumulate(&x, &w, b).mapv(f32::to_bits);
                let old = accumulate_taps(&conv, &x, &w, b).mapv(f32::to_bits);
                assert_eq!(new, old, "case {k}: {case:?}");
            }
        }
    }
}
