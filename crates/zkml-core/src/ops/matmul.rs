//! MatMul with numpy semantics: `[…, m, k] × […, k, n] → […, m, n]`, batch
//! dims broadcast; a 1-D left operand is a row, a 1-D right operand a column
//! (the added axis is removed from the result).
//!
//! Integer rule: exact `i64` accumulation `Σ q_a·q_b` at scale `s_a + s_b`,
//! then `rshift(acc, s_a + s_b − s_out)`.

use ndarray::{ArrayD, IxDyn};

use super::QOp;
use super::{elementwise::broadcast_shape, Num};
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::error_bound::{channel_l1, col_l1, row_l1};
use crate::quant::QuantCtx;
use crate::rounding::rshift;
use crate::tensor::ITensor;

/// Output shape of `a × b`.
pub fn output_shape(a: &[usize], b: &[usize]) -> Result<Vec<usize>, String> {
    if a.is_empty() || b.is_empty() {
        return Err("MatMul operands must have rank ≥ 1".into());
    }
    let a2: Vec<usize> = if a.len() == 1 {
        vec![1, a[0]]
    } else {
        a.to_vec()
    };
    let b2: Vec<usize> = if b.len() == 1 {
        vec![b[0], 1]
    } else {
        b.to_vec()
    };
    let (m, k) = (a2[a2.len() - 2], a2[a2.len() - 1]);
    let (k2, n) = (b2[b2.len() - 2], b2[b2.len() - 1]);
    if k != k2 {
        return Err(format!("inner dimensions differ: {a:?} × {b:?}"));
    }
    let mut out = broadcast_shape(&a2[..a2.len() - 2], &b2[..b2.len() - 2])?;
    if a.len() > 1 {
        out.push(m);
    }
    if b.len() > 1 {
        out.push(n);
    }
    Ok(out)
}

/// Both operands of a MatMul broadcast to `[batch…, m, k]` and `[batch…, k, n]`,
/// flattened row-major: the one walk the executor and every circuit share.
#[derive(Clone, Debug)]
pub struct Operands<A, B> {
    /// Left operand, `batch·m·k` elements.
    pub a: Vec<A>,
    /// Right operand, `batch·k·n` elements.
    pub b: Vec<B>,
    /// Product of the broadcast batch dims.
    pub batch: usize,
    /// Rows of the left operand.
    pub m: usize,
    /// Inner dimension.
    pub k: usize,
    /// Columns of the right operand.
    pub n: usize,
}

impl<A, B> Operands<A, B> {
    /// `a[t, i, l]`.
    pub fn a(&self, t: usize, i: usize, l: usize) -> &A {
        &self.a[(t * self.m + i) * self.k + l]
    }

    /// `b[t, l, j]`.
    pub fn b(&self, t: usize, l: usize, j: usize) -> &B {
        &self.b[(t * self.k + l) * self.n + j]
    }
}

/// Broadcasts the operands of `a × b` (1-D operands become a row / a column).
/// Outputs are `(t, i, j)` in row-major order, which is the output tensor's order.
pub fn broadcast_operands<A: Clone, B: Clone>(
    a: &ArrayD<A>,
    b: &ArrayD<B>,
) -> Result<Operands<A, B>, String> {
    output_shape(a.shape(), b.shape())?;
    let a2 = if a.ndim() == 1 {
        a.view().insert_axis(ndarray::Axis(0))
    } else {
        a.view()
    };
    let b2 = if b.ndim() == 1 {
        b.view().insert_axis(ndarray::Axis(1))
    } else {
        b.view()
    };
    let (ra, rb) = (a2.ndim(), b2.ndim());
    let (m, k, n) = (a2.shape()[ra - 2], a2.shape()[ra - 1], b2.shape()[rb - 1]);
    let batch = broadcast_shape(&a2.shape()[..ra - 2], &b2.shape()[..rb - 2])?;
    let mut ashape = batch.clone();
    ashape.extend([m, k]);
    let mut bshape = batch.clone();
    bshape.extend([k, n]);
    fn flat<T: Clone>(v: ndarray::ArrayViewD<'_, T>, shape: &[usize]) -> Vec<T> {
        v.broadcast(IxDyn(shape))
            .expect("broadcast shape checked")
            .iter()
            .cloned()
            .collect()
    }
    Ok(Operands {
        a: flat(a2, &ashape),
        b: flat(b2, &bshape),
        batch: batch.iter().product(),
        m,
        k,
        n,
    })
}

/// The raw products `Σ a·b`, generic over the number type.
pub fn accumulate<T: Num>(a: &ArrayD<T>, b: &ArrayD<T>) -> ArrayD<T> {
    let out_shape =
        output_shape(a.shape(), b.shape()).expect("shapes checked when the node was added");
    let ops = broadcast_operands(a, b).expect("shapes checked when the node was added");
    let (nb, m, k, n) = (ops.batch, ops.m, ops.k, ops.n);
    let (ad, bd) = (&ops.a, &ops.b);
    let mut out = vec![T::default(); nb * m * n];
    for t in 0..nb {
        for i in 0..m {
            let arow = &ad[(t * m + i) * k..(t * m + i + 1) * k];
            for j in 0..n {
                let mut acc = T::default();
                for (l, &av) in arow.iter().enumerate() {
                    acc = acc + av * bd[(t * k + l) * n + j];
                }
                out[(t * m + i) * n + j] = acc;
            }
        }
    }
    ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap()
}

/// Integer rule: accumulate, then `rshift(acc, shift)`.
pub fn eval_int(a: &ITensor, b: &ITensor, shift: u32) -> ITensor {
    accumulate(a, b).mapv(|v| rshift(v, shift))
}

/// Quantization: a product ([`QuantCtx::product`]); a constant right operand
/// of rank ≥ 2 times an activation gets a weight scale per output column
/// ([`QuantCtx::weight_per_channel`]).
pub fn quantize(c: &mut QuantCtx) -> Result<(QOp, i32)> {
    if let Some(r) = crate::quant::feature::quantize_matmul(c)? {
        return Ok(r);
    }
    let b_shape = c.g.values[c.node.inputs[1]].shape.clone();
    if b_shape.len() >= 2 && c.is_const(1) && !c.is_const(0) && c.scale(1).is_none() {
        let s_a = c.scale(0).ok_or_else(|| c.err("input has no scale"))?;
        let s_b = c.weight_per_channel(1, b_shape.len() - 1, 0, b_shape[b_shape.len() - 2])?;
        let s_out = c.cal_out.min(s_a + s_b);
        return Ok((
            QOp::MatMul {
                shift: (s_a + s_b - s_out) as u32,
            },
            s_out,
        ));
    }
    let (shift, s_out) = c.product()?;
    Ok((QOp::MatMul { shift }, s_out))
}

/// Error bound: column sums of `|b|` bound b's amplification of a's error,
/// row sums of `|a|` the converse; plus the rescale's rounding.
///
/// A constant right operand's rounding error is taken per column
/// ([`BoundCtx::channel_errors`], per-channel weights): the bound is the
/// largest over columns `j` of `(ℓ1(b[:, j]) + K·e_b[j])·e_a + ℓ1(a row)·e_b[j]`.
pub fn error_bound(shift: u32, c: &BoundCtx) -> f64 {
    let (a, b) = (c.x(0), c.x(1));
    let k = *a.shape().last().unwrap_or(&1) as f64;
    let a_l1 = row_l1(a, a.ndim().saturating_sub(1));
    let prod = if b.ndim() >= 2 {
        let b_l1 = channel_l1(b, b.ndim() - 1);
        let eb = c.channel_errors(1, b.ndim() - 1);
        b_l1.iter()
            .zip(&eb)
            .map(|(&l1, &eb)| (l1 + k * eb) * c.e(0) + a_l1 * eb)
            .fold(0.0, f64::max)
    } else {
        (col_l1(b) + k * c.e(1)) * c.e(0) + a_l1 * c.e(1)
    };
    prod + c.rescale(shift)
}
