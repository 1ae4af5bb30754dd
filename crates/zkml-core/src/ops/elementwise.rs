//! Add, Sub, Mul with ONNX (numpy) broadcasting.
//!
//! Integer rules:
//! * Add/Sub: each input is aligned to the output scale — `q·2^k` for
//!   `k = s_out − s_in ≥ 0`, `rshift(q, −k)` for `k < 0` — then added exactly.
//! * Mul: `rshift(q_a·q_b, s_a + s_b − s_out)`.

use ndarray::{ArrayD, IxDyn};

use super::QOp;
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::quant::QuantCtx;
use crate::rounding::rshift;
use crate::tensor::ITensor;

/// The broadcast shape of two shapes, or why they do not broadcast.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Result<Vec<usize>, String> {
    let r = a.len().max(b.len());
    let mut out = vec![0; r];
    for i in 0..r {
        let da = if i + a.len() >= r {
            a[i + a.len() - r]
        } else {
            1
        };
        let db = if i + b.len() >= r {
            b[i + b.len() - r]
        } else {
            1
        };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return Err(format!("shapes {a:?} and {b:?} do not broadcast")),
        };
    }
    Ok(out)
}

/// Applies `f` elementwise over the broadcast of `a` and `b`, calling it in
/// row-major order of the output; the result has standard (row-major) layout
/// whatever the inputs' layouts (`Zip::map_collect` would follow theirs).
pub fn zip_broadcast<A: Clone, B: Clone, T>(
    a: &ArrayD<A>,
    b: &ArrayD<B>,
    mut f: impl FnMut(A, B) -> T,
) -> ArrayD<T> {
    let shape =
        broadcast_shape(a.shape(), b.shape()).expect("shapes checked when the node was added");
    let av = a.broadcast(IxDyn(&shape)).unwrap();
    let bv = b.broadcast(IxDyn(&shape)).unwrap();
    let out: Vec<T> = av
        .iter()
        .zip(bv.iter())
        .map(|(x, y)| f(x.clone(), y.clone()))
        .collect();
    ArrayD::from_shape_vec(IxDyn(&shape), out).expect("one element per output")
}

/// Aligns an integer to another scale: `q·2^k` for `k ≥ 0`, `rshift(q, −k)` otherwise.
#[inline]
pub fn align(q: i64, k: i32) -> i64 {
    if k >= 0 {
        q << k
    } else {
        rshift(q, k.unsigned_abs())
    }
}

/// Integer Add (`sign = 1`) or Sub (`sign = −1`) after alignment.
pub fn add_int(a: &ITensor, b: &ITensor, align_by: [i32; 2], sign: i64) -> ITensor {
    zip_broadcast(a, b, |x, y| {
        align(x, align_by[0]) + sign * align(y, align_by[1])
    })
}

/// Integer Mul: `rshift(a·b, shift)`.
pub fn mul_int(a: &ITensor, b: &ITensor, shift: u32) -> ITensor {
    zip_broadcast(a, b, |x, y| rshift(x * y, shift))
}

/// Quantization of Add (`sub = false`) and Sub: inputs aligned to the finest
/// input scale, capped by calibration ([`QuantCtx::aligned`]).
pub fn quantize_add(c: &mut QuantCtx, sub: bool) -> Result<(QOp, i32)> {
    let (s_out, a) = c.aligned(false)?;
    let align = [a[0], a[1]];
    Ok((
        if sub {
            QOp::Sub { align }
        } else {
            QOp::Add { align }
        },
        s_out,
    ))
}

/// Quantization of Mul: a product ([`QuantCtx::product`]).
pub fn quantize_mul(c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let (shift, s_out) = c.product()?;
    Ok((QOp::Mul { shift }, s_out))
}

/// Error bound of Add and Sub: the inputs' errors plus each right
/// alignment's rounding.
pub fn error_bound_add(align: [i32; 2], c: &BoundCtx) -> f64 {
    c.e(0) + c.e(1) + c.align(align[0]) + c.align(align[1])
}

/// Error bound of Mul: `|b|·e_a + |a|·e_b + e_a·e_b` plus the rescale's rounding.
pub fn error_bound_mul(shift: u32, c: &BoundCtx) -> f64 {
    c.m(1) * c.e(0) + c.m(0) * c.e(1) + c.e(0) * c.e(1) + c.rescale(shift)
}
