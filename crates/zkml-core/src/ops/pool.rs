//! MaxPool and AveragePool, 2-D, NCHW, every ONNX default applied.
//!
//! Output size per spatial dim: `⌊(in + pb + pe − ((k−1)·d + 1)) / s⌋ + 1`,
//! or `⌈…⌉ + 1` with `ceil_mode`, dropping a last window that would start in
//! the end padding.
//!
//! Integer rules: MaxPool is exact (padding never wins). AveragePool sums the
//! window and divides with `rdiv(sum, count)`, where `count` is the kernel
//! size with `count_include_pad`, else the number of in-bounds positions.

use ndarray::{ArrayD, IxDyn};
use serde::{Deserialize, Serialize};

use super::QOp;
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::quant::QuantCtx;
use crate::rounding::rdiv;
use crate::tensor::{FTensor, ITensor};

/// Pooling geometry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pool {
    /// `[kH, kW]`.
    pub kernel: [usize; 2],
    /// `[sH, sW]`.
    pub strides: [usize; 2],
    /// `[top, left, bottom, right]`.
    pub pads: [usize; 4],
    /// `[dH, dW]`.
    pub dilations: [usize; 2],
    /// Round output sizes up.
    pub ceil_mode: bool,
    /// AveragePool: count padded positions in the divisor.
    pub count_include_pad: bool,
}

impl Pool {
    /// Output shape `[N, C, oH, oW]`.
    pub fn output_shape(&self, x: &[usize]) -> Result<Vec<usize>, String> {
        if x.len() != 4 {
            return Err(format!(
                "only 2-D pooling (4-D input) is supported, got shape {x:?}"
            ));
        }
        let mut out = vec![x[0], x[1], 0, 0];
        for d in 0..2 {
            let span = (self.kernel[d] - 1) * self.dilations[d] + 1;
            let padded = x[2 + d] + self.pads[d] + self.pads[d + 2];
            if padded < span || self.strides[d] == 0 || self.kernel[d] == 0 {
                return Err(format!(
                    "kernel {:?} does not fit the padded input {x:?}",
                    self.kernel
                ));
            }
            let s = self.strides[d];
            let mut o = if self.ceil_mode {
                (padded - span).div_ceil(s) + 1
            } else {
                (padded - span) / s + 1
            };
            if self.ceil_mode && (o - 1) * s >= x[2 + d] + self.pads[d] {
                o -= 1;
            }
            out[2 + d] = o;
        }
        Ok(out)
    }

    /// Visits each output position with the in-bounds input values of its
    /// window and the divisor AveragePool uses; `f(values, count) -> U`.
    /// Outputs are visited in row-major order of `[N, C, oH, oW]`, window values
    /// in kernel row, then kernel column order (padding skipped).
    pub fn windows<T: Clone, U>(
        &self,
        x: &ArrayD<T>,
        mut f: impl FnMut(&[T], usize) -> U,
    ) -> ArrayD<U> {
        let shape = self
            .output_shape(x.shape())
            .expect("shape checked when the node was added");
        let (n, c, h, w) = (
            x.shape()[0],
            x.shape()[1],
            x.shape()[2] as isize,
            x.shape()[3] as isize,
        );
        let x = x.as_standard_layout();
        let xd = x.as_slice().unwrap();
        let mut out = Vec::with_capacity(shape.iter().product());
        let mut buf = Vec::new();
        for plane in 0..n * c {
            let base = plane * (h * w) as usize;
            for i in 0..shape[2] {
                for j in 0..shape[3] {
                    buf.clear();
                    let mut padded_count = 0;
                    for u in 0..self.kernel[0] {
                        let y = (i * self.strides[0] + u * self.dilations[0]) as isize
                            - self.pads[0] as isize;
                        for v in 0..self.kernel[1] {
                            let xx = (j * self.strides[1] + v * self.dilations[1]) as isize
                                - self.pads[1] as isize;
                            if y >= 0 && y < h && xx >= 0 && xx < w {
                                buf.push(xd[base + (y * w + xx) as usize].clone());
                            } else if y < h + self.pads[2] as isize
                                && xx < w + self.pads[3] as isize
                            {
                                // Inside the declared padding (not the ceil_mode overhang).
                                padded_count += 1;
                            }
                        }
                    }
                    let count = if self.count_include_pad {
                        buf.len() + padded_count
                    } else {
                        buf.len()
                    };
                    out.push(f(&buf, count));
                }
            }
        }
        ArrayD::from_shape_vec(IxDyn(&shape), out).unwrap()
    }

    /// Float max pooling.
    pub fn max_f32(&self, x: &FTensor) -> FTensor {
        self.windows(x, |v, _| {
            v.iter().copied().fold(f32::NEG_INFINITY, f32::max)
        })
    }

    /// Float average pooling.
    pub fn avg_f32(&self, x: &FTensor) -> FTensor {
        self.windows(x, |v, n| v.iter().sum::<f32>() / n.max(1) as f32)
    }

    /// Integer max pooling (exact).
    pub fn max_int(&self, x: &ITensor) -> ITensor {
        self.windows(x, |v, _| v.iter().copied().max().unwrap_or(0))
    }

    /// Integer average pooling: `rdiv(Σ window, count)`.
    pub fn avg_int(&self, x: &ITensor) -> ITensor {
        self.windows(x, |v, n| rdiv(v.iter().sum(), n.max(1) as i64))
    }
}

/// Quantization of MaxPool (`max = true`) and AveragePool: scale unchanged.
pub fn quantize(p: &Pool, max: bool, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s_in = c.s_in()?;
    Ok((
        if max {
            QOp::MaxPool(p.clone())
        } else {
            QOp::AveragePool(p.clone())
        },
        s_in,
    ))
}

/// Error bound of MaxPool (`max = true`, 1-Lipschitz) and AveragePool (the
/// input's error plus the division's rounding).
pub fn error_bound(max: bool, c: &BoundCtx) -> f64 {
    if max {
        c.e(0)
    } else {
        c.e(0) + c.u_out()
    }
}
