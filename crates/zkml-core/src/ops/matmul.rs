//! MatMul with numpy semantics: `[…, m, k] × […, k, n] → […, m, n]`, batch
//! dims broadcast; a 1-D left operand is a row, a 1-D right operand a column
//! (the added axis is removed from the result).
//!
//! Integer rule: exact `i64` accumulation `Σ q_a·q_b` at scale `s_a + s_b`,
//! then `rshift(acc, s_a + s_b − s_out)`.

use ndarray::{ArrayD, IxDyn};

use super::{elementwise::broadcast_shape, Num};
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

/// The raw products `Σ a·b`, generic over the number type.
pub fn accumulate<T: Num>(a: &ArrayD<T>, b: &ArrayD<T>) -> ArrayD<T> {
    let out_shape =
        output_shape(a.shape(), b.shape()).expect("shapes checked when the node was added");
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
    let batch = broadcast_shape(&a2.shape()[..ra - 2], &b2.shape()[..rb - 2]).unwrap();
    let mut ashape = batch.clone();
    ashape.extend([m, k]);
    let mut bshape = batch.clone();
    bshape.extend([k, n]);
    let ab = a2
        .broadcast(IxDyn(&ashape))
        .unwrap()
        .as_standard_layout()
        .into_owned();
    let bb = b2
        .broadcast(IxDyn(&bshape))
        .unwrap()
        .as_standard_layout()
        .into_owned();
    let (ad, bd) = (ab.as_slice().unwrap(), bb.as_slice().unwrap());
    let nb: usize = batch.iter().product();
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
