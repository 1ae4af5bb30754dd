//! Shape layers, all exact: `Reshape`/`Squeeze` (to `out_shapes[0]`, as
//! zkml's Reshape does, ignoring the shape operand), `Transpose` (params
//! `[input shape…, perm…]`), `Pad` (params `[lo, hi]` per axis, zero fill),
//! `Concatenation` (params `[axis]`), `Pack` (params `[axis]`: stack on a new
//! axis), `Noop` (params `[k]`: output = input `k`, no node).

use ndarray::IxDyn;
use zkml_core::ops::shape as core_shape;
use zkml_core::Op;

use crate::builder::{to_shape, Builder, Slot};
use crate::error::MsgpackError;

pub(crate) fn reshape(b: &mut Builder) -> Result<(), MsgpackError> {
    let x = b.input(0)?;
    let x = b.native(x)?;
    let target = b.out_shape(0)?;
    let y = b.reshape(x, &target, "")?;
    b.define_native(y)
}

pub(crate) fn transpose(b: &mut Builder) -> Result<(), MsgpackError> {
    let p = b.layer.params.clone();
    if p.is_empty() || p.len() & 1 != 0 {
        return Err(b.err(format!(
            "params must be [input shape…, permutation…], got {p:?}"
        )));
    }
    let n = p.len() / 2;
    let shape = to_shape(&p[..n]).map_err(|r| b.err(r))?;
    let perm = p[n..]
        .iter()
        .map(|&v| usize::try_from(v).ok().filter(|&v| v < n))
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| b.err(format!("permutation {:?} is out of range", &p[n..])))?;
    core_shape::transpose_shape(&shape, &perm).map_err(|r| b.err(r))?;
    let x = b.input(0)?;
    let x = b.native(x)?;
    let x = b.reshape(x, &shape, ".in")?;
    let y = b.permute(x, &perm, "")?;
    b.define_native(y)
}

pub(crate) fn pad(b: &mut Builder) -> Result<(), MsgpackError> {
    let x = b.input(0)?;
    let x = b.native(x)?;
    let rank = b.shape(x).len();
    let p = &b.layer.params;
    if p.len() != 2 * rank {
        return Err(b.err(format!(
            "params {p:?} should hold [lo, hi] for each of the input's {rank} axes"
        )));
    }
    let p = p
        .iter()
        .map(|&v| usize::try_from(v).ok().filter(|&v| v <= 1 << 20))
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| b.err(format!("padding {p:?} must lie in [0, 2^20]")))?;
    let pads: Vec<usize> = (0..rank)
        .map(|a| p[2 * a])
        .chain((0..rank).map(|a| p[2 * a + 1]))
        .collect();
    if let Some(t) = b.g.const_value(x) {
        let t = core_shape::pad(t, &pads, 0.0);
        let name = b.unique(format!(
            "t{}",
            b.layer.out_idxes.first().copied().unwrap_or(-1)
        ));
        let id = b.g.add_const(name, t);
        return b.define_native(id);
    }
    let y = b.node(Op::Pad { pads, value: 0.0 }, vec![x], "")?;
    b.define_native(y)
}

/// Normalises a possibly negative axis against `rank`.
fn axis(b: &Builder, a: i64, rank: usize) -> Result<usize, MsgpackError> {
    let r = rank as i64;
    let n = if a < 0 { a + r } else { a };
    if (0..r).contains(&n) {
        Ok(n as usize)
    } else {
        Err(b.err(format!("axis {a} out of range for rank {rank}")))
    }
}

pub(crate) fn concatenation(b: &mut Builder) -> Result<(), MsgpackError> {
    let mut ids = Vec::new();
    for k in 0..b.num_inputs() {
        let s = b.input(k)?;
        ids.push(b.native(s)?);
    }
    let Some(&first) = ids.first() else {
        return Err(b.err("has no inputs"));
    };
    let a = axis(b, b.param(0)?, b.shape(first).len())?;
    let y = b.node(Op::Concat { axis: a }, ids, "")?;
    b.define_native(y)
}

pub(crate) fn pack(b: &mut Builder) -> Result<(), MsgpackError> {
    if b.num_inputs() == 0 {
        return Err(b.err("has no inputs"));
    }
    let first = b.input(0)?;
    let rank = b.logical_shape(first).len();
    let a = axis(b, b.param(0)?, rank + 1)?;
    let mut ids = Vec::new();
    for k in 0..b.num_inputs() {
        let s = b.input(k)?;
        let x = b.native(s)?;
        let mut shape = b.shape(x).to_vec();
        if a > shape.len() {
            return Err(b.err(format!("inputs differ in rank (input {k})")));
        }
        shape.insert(a, 1);
        ids.push(b.reshape(x, &shape, &format!(".in{k}"))?);
    }
    let y = if ids.len() == 1 {
        ids[0]
    } else {
        b.node(Op::Concat { axis: a }, ids, "")?
    };
    b.define_native(y)
}

pub(crate) fn noop(b: &mut Builder) -> Result<(), MsgpackError> {
    let k = b.param_usize(0, "returned input", 0)?;
    if k >= b.num_inputs() {
        return Err(b.err(format!(
            "returns input {k} but has {} inputs",
            b.num_inputs()
        )));
    }
    let s: Slot = b.input(k)?;
    b.alias(0, s)
}

/// `Slice`: params `[starts…, sizes…]`, one pair per axis, size −1 to the
/// end (zkml's rule; the begin/size operands are ignored as zkml does). An
/// index map, exact.
pub(crate) fn slice(b: &mut Builder) -> Result<(), MsgpackError> {
    let x = b.input(0)?;
    let x = b.native(x)?;
    let shape = b.shape(x).to_vec();
    let p = b.layer.params.clone();
    if p.len() != 2 * shape.len() {
        return Err(b.err(format!(
            "params {p:?} should hold a start and a size for each of the input's {} axes",
            shape.len()
        )));
    }
    let mut ranges = Vec::with_capacity(shape.len());
    for (a, &dim) in shape.iter().enumerate() {
        let (start, size) = (p[a], p[shape.len() + a]);
        let start = usize::try_from(start).ok().filter(|&s| s <= dim);
        let range = start.and_then(|s| match size {
            -1 => Some(s..dim),
            n => usize::try_from(n)
                .ok()
                .filter(|&n| s + n <= dim)
                .map(|n| s..s + n),
        });
        ranges.push(range.ok_or_else(|| {
            b.err(format!(
                "start {} size {} is outside axis {a} of size {dim}",
                p[a],
                p[shape.len() + a]
            ))
        })?);
    }
    let y = take_ranges(b, x, &ranges, "")?;
    b.define_native(y)
}

/// `Split`: params `[axis, num_splits]`, inputs `[axis operand, x]`; the axis
/// is cut into `num_splits` equal parts (zkml's rule), one output each.
pub(crate) fn split(b: &mut Builder) -> Result<(), MsgpackError> {
    let x = b.input(1)?;
    let x = b.native(x)?;
    let shape = b.shape(x).to_vec();
    let a = axis(b, b.param(0)?, shape.len())?;
    let parts = b.param_usize(1, "number of splits", 1)?;
    if !shape[a].is_multiple_of(parts) || b.layer.out_idxes.len() != parts {
        return Err(b.err(format!(
            "cannot cut axis {a} of size {} into {parts} equal parts for {} outputs",
            shape[a],
            b.layer.out_idxes.len()
        )));
    }
    let len = shape[a] / parts;
    for k in 0..parts {
        let ranges: Vec<std::ops::Range<usize>> = shape
            .iter()
            .enumerate()
            .map(|(i, &d)| if i == a { k * len..(k + 1) * len } else { 0..d })
            .collect();
        let y = take_ranges(b, x, &ranges, &format!(".{k}"))?;
        // Name each part after its own tensor (`node` names by the first).
        let name = b.unique(format!("t{}", b.layer.out_idxes[k]));
        b.g.values[y].name = name;
        b.define(
            k,
            Slot {
                id: y,
                layout: crate::builder::Layout::Native,
            },
        )?;
    }
    Ok(())
}

/// The sub-tensor `x[ranges]` as one index-map node (`Op::Gather`).
fn take_ranges(
    b: &mut Builder,
    x: zkml_core::ValueId,
    ranges: &[std::ops::Range<usize>],
    suffix: &str,
) -> Result<zkml_core::ValueId, MsgpackError> {
    let shape = b.shape(x).to_vec();
    let out: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
    let mut strides = vec![1usize; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * shape[i + 1];
    }
    let index = ndarray::indices(IxDyn(&out))
        .into_iter()
        .map(|ix| {
            (0..out.len())
                .map(|i| (ranges[i].start + ix[i]) * strides[i])
                .sum()
        })
        .collect();
    b.node(
        Op::Gather(zkml_core::ops::IndexMap { shape: out, index }),
        vec![x],
        suffix,
    )
}
