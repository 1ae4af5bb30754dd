//! Split: each output an index map (a slice along the axis).

use ndarray::{Axis, Slice};

use super::by_index_map;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::{norm_axis, NodeCtx};
use crate::tensor::Konst;

/// Split along `axis` (default 0) into the sizes of input 1 (opset ≥ 13) or
/// attribute `split`, else into `num_outputs` (opset 18) or as many outputs
/// as the node has, equal parts (the last smaller when uneven).
pub fn split(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let shape = ctx.shape(&x);
    let raw = n.int("axis", 0)?;
    let axis = norm_axis(raw, shape.len()).ok_or_else(|| {
        n.attr_err(
            "axis",
            format!("{raw} out of range for rank {}", shape.len()),
        )
    })?;
    let dim = shape[axis];
    let given = if n.opset >= 13 {
        n.const_input(1, "split")?.map(Konst::to_i64)
    } else {
        n.ints("split")?
    };
    let outputs = n.proto.output.len();
    let sizes: Vec<usize> = match given {
        Some(v) => v
            .iter()
            .map(|&s| {
                usize::try_from(s).map_err(|_| n.attr_err("split", format!("negative size {s}")))
            })
            .collect::<Result<_, _>>()?,
        None => {
            let parts = n
                .opt_int("num_outputs")?
                .map_or(outputs, |k| k.max(1) as usize)
                .max(1);
            let each = dim.div_ceil(parts);
            (0..parts)
                .map(|i| each.min(dim.saturating_sub(i * each)))
                .collect()
        }
    };
    if sizes.iter().sum::<usize>() != dim || sizes.len() != outputs {
        return Err(n.err(format!(
            "split sizes {sizes:?} must add up to axis {axis}'s size {dim} with one per output \
             ({outputs} outputs)"
        )));
    }
    let mut outs = Vec::with_capacity(outputs);
    let mut start = 0;
    for (i, &len) in sizes.iter().enumerate() {
        let end = start + len;
        let apply = |k: &Konst| -> Result<Konst, OnnxError> {
            Ok(Konst {
                t: k.t
                    .slice_axis(Axis(axis), Slice::from(start..end))
                    .to_owned(),
                dtype: k.dtype,
            })
        };
        outs.push(by_index_map(
            ctx,
            n,
            &x,
            &n.sub(&i.to_string()),
            n.out(i),
            apply,
        )?);
        start = end;
    }
    Ok(outs)
}
