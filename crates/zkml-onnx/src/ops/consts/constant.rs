//! Constant.

use ndarray::{ArrayD, IxDyn};

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// Constant: `value`, `value_float(s)` or `value_int(s)`.
pub fn constant(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let k = if let Some(t) = n.tensor("value")? {
        t
    } else if let Some(v) = n.opt_float("value_float")? {
        Konst::scalar(v.into())
    } else if let Some(v) = n.floats("value_floats")? {
        Konst::float(
            ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.iter().map(|&x| x.into()).collect())
                .expect("length matches"),
        )
    } else if let Some(v) = n.opt_int("value_int")? {
        Konst::int(ArrayD::from_elem(IxDyn(&[]), v as f64))
    } else if let Some(v) = n.ints("value_ints")? {
        Konst::ints(&v)
    } else {
        let which = ["sparse_value", "value_string", "value_strings"]
            .into_iter()
            .find(|a| n.has(a))
            .unwrap_or("value");
        return Err(n.attr_err(
            which,
            "a Constant needs a tensor, float(s) or int(s) value; sparse and string constants \
             are not supported",
        ));
    };
    Ok(vec![Val::named_konst(k, n.out(0))])
}
