//! Hardmax along one axis: 1 at the first largest element of each lane, 0
//! elsewhere (ONNX Hardmax, opset 13 semantics).
//!
//! Integer rule: the same on the integers (first maximum, exact); the output
//! is at scale 0 (its values are 0 and 1 exactly).
//!
//! Error bound ([`error_bound`]): 0 when every lane's largest float value
//! exceeds the runner-up by more than `2·e_in` (the quantized lane then has
//! the same first maximum), 1 otherwise (a near tie may pick another index).

use ndarray::Axis;

use super::QOp;
use crate::compare::argmax;
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::quant::QuantCtx;

/// One-hot of the first maximum along `axis` (any number type).
pub fn hardmax<T: super::Num + From<u8>>(
    x: &ndarray::ArrayD<T>,
    axis: usize,
) -> ndarray::ArrayD<T> {
    let mut out = x.mapv(|_| T::from(0));
    for (mut o, l) in out
        .lanes_mut(Axis(axis))
        .into_iter()
        .zip(x.lanes(Axis(axis)))
    {
        if l.is_empty() {
            continue;
        }
        let i = argmax(l.iter().copied());
        o[i] = T::from(1);
    }
    out
}

/// Quantization: the output at scale 0 (exactly 0 and 1).
pub fn quantize(axis: usize, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    c.s_in()?;
    Ok((QOp::Hardmax { axis }, 0))
}

/// Error bound (see the module doc).
pub fn error_bound(axis: usize, c: &BoundCtx) -> f64 {
    let e = c.e(0);
    let near_tie = c.x(0).lanes(Axis(axis)).into_iter().any(|l| {
        let mut v: Vec<f64> = l.iter().map(|&x| x as f64).collect();
        v.sort_by(|a, b| b.total_cmp(a));
        v.len() > 1 && v[0] - v[1] <= 2.0 * e
    });
    if near_tie {
        1.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};

    #[test]
    fn first_maximum_per_lane() {
        let x = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1i64, 5, 5, -2, -7, -3]).unwrap();
        let y = hardmax(&x, 1);
        assert_eq!(y.as_slice().unwrap(), &[0, 1, 0, 1, 0, 0]);
        let y = hardmax(&x, 0);
        assert_eq!(y.as_slice().unwrap(), &[1, 1, 1, 0, 0, 0]);
        let f = x.mapv(|v| v as f32);
        assert_eq!(hardmax(&f, 1)[[0, 1]], 1.0);
    }
}
