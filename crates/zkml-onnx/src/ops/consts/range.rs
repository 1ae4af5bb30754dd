//! Range (constant inputs).

use ndarray::{ArrayD, IxDyn};

use super::{consts, req, scalar};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::{Konst, MAX_ELEMENTS};

/// Range on constant scalars.
pub fn range(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let ks = consts(n)?;
    let start = scalar(n, req(n, &ks, 0)?, "start")?;
    let limit = scalar(n, req(n, &ks, 1)?, "limit")?;
    let delta = scalar(n, req(n, &ks, 2)?, "delta")?;
    let count = ((limit - start) / delta).ceil();
    if !count.is_finite() || count > MAX_ELEMENTS as f64 {
        return Err(n.err(format!(
            "Range({start}, {limit}, {delta}) is empty-or-unbounded"
        )));
    }
    let count = count.max(0.0) as usize;
    let v: Vec<f64> = (0..count).map(|i| start + i as f64 * delta).collect();
    Ok(vec![Val::konst(Konst {
        t: ArrayD::from_shape_vec(IxDyn(&[count]), v).expect("count elements"),
        dtype: req(n, &ks, 0)?.dtype,
    })])
}
