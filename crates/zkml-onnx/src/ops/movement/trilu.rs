//! Trilu: keeps the upper (`j − i ≥ k`) or lower (`j − i ≤ k`) triangle of the
//! last two axes and zeroes the rest: an index map with zero fills.

use ndarray::ArrayD;

use super::select_or_fill;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// Trilu; `k` (input 1) must be constant.
pub fn trilu(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let rank = ctx.shape(&x).len();
    if rank < 2 {
        return Err(n.err(format!("the input must have rank ≥ 2, got rank {rank}")));
    }
    let k = match n.const_input(1, "k")? {
        Some(kk) if kk.t.len() == 1 => kk.to_i64()[0],
        Some(kk) => return Err(n.err(format!("k must be a scalar, got shape {:?}", kk.shape()))),
        None => 0,
    };
    let upper = n.int("upper", 1)? != 0;
    let f = move |t: &ArrayD<f64>, fill: f64| -> Result<ArrayD<f64>, OnnxError> {
        let mut t = t.as_standard_layout().into_owned();
        for (ix, v) in t.indexed_iter_mut() {
            let (i, j) = (ix[rank - 2] as i64, ix[rank - 1] as i64);
            let keep = if upper { j - i >= k } else { j - i <= k };
            if !keep {
                *v = fill;
            }
        }
        Ok(t)
    };
    Ok(vec![select_or_fill(ctx, n, &x, 0.0, n.out(0), f)?])
}
