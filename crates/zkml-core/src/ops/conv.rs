//! Conv: 2-D convolution, NCHW, with groups (depthwise when `group = C`),
//! strides, explicit pads and dilations.
//!
//! Float: `y[n,m,i,j] = b[m] + Σ_{c,u,v} x[n, g·C/G + c, i·sh + u·dh − pt, j·sw + v·dw − pl] · w[m,c,u,v]`
//! (padding reads as 0), `g = m / (M/G)`.
//!
//! Integer rule: the same sum over `q_x · q_w` plus `q_b` (bias quantized at
//! `s_x + s_w`), exact in `i64`, then `rshift(acc, s_x + s_w − s_out)`.

use ndarray::{ArrayD, IxDyn};
use serde::{Deserialize, Serialize};

use super::Num;
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

    /// The raw sum `Σ x·w (+ b)` at the product scale, generic over the number type.
    pub fn accumulate<T: Num>(
        &self,
        x: &ArrayD<T>,
        w: &ArrayD<T>,
        b: Option<&ArrayD<T>>,
    ) -> ArrayD<T> {
        let (xs, ws) = (x.shape(), w.shape());
        let shape = self
            .output_shape(xs, ws, b.map(|b| b.shape()))
            .expect("shapes checked when the node was added");
        let (n, cin, h, wd) = (xs[0], xs[1], xs[2] as isize, xs[3] as isize);
        let (m, cg, kh, kw) = (ws[0], ws[1], ws[2], ws[3]);
        let (oh, ow) = (shape[2], shape[3]);
        let mg = m / self.group;
        let x = x.as_standard_layout();
        let w = w.as_standard_layout();
        let (xd, wdat) = (x.as_slice().unwrap(), w.as_slice().unwrap());
        let mut out = vec![T::default(); n * m * oh * ow];
        for b_i in 0..n {
            for oc in 0..m {
                let g = oc / mg;
                let bias = b.map(|b| b[[oc]]).unwrap_or_default();
                for i in 0..oh {
                    for j in 0..ow {
                        let mut acc = bias;
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
                                    let xv = xd[xbase + (y * wd + xx) as usize];
                                    let wv = wdat[((oc * cg + c) * kh + u) * kw + v];
                                    acc = acc + xv * wv;
                                }
                            }
                        }
                        out[((b_i * m + oc) * oh + i) * ow + j] = acc;
                    }
                }
            }
        }
        ArrayD::from_shape_vec(IxDyn(&shape), out).unwrap()
    }

    /// Integer rule: accumulate, then `rshift(acc, shift)`.
    pub fn eval_int(&self, x: &ITensor, w: &ITensor, b: Option<&ITensor>, shift: u32) -> ITensor {
        self.accumulate(x, w, b).mapv(|a| rshift(a, shift))
    }
}
