//! The preprocessing ops of the ONNX-ML domain, each a few existing IR ops:
//!
//! | op | IR ops |
//! | --- | --- |
//! | Scaler | `(x − offset) · scale`: Sub, Mul |
//! | Normalizer | `x / max(x)`, `x / Σ|x|`, `x / √Σx²` per row: ReduceMax / Abs + ReduceSum / Mul + ReduceSum + Sqrt, then the run-time Div |
//! | Binarizer | `x > threshold`: Compare |
//! | Imputer | `x = replaced ? imputed : x`: Compare + Where (a NaN `replaced_value_float`, the usual export, is the identity: zkml inputs hold no NaN) |
//! | OneHotEncoder | `x = category_j` for each category: Reshape + Compare |
//! | ArrayFeatureExtractor | constant indices on the last axis: an index map |
//! | FeatureVectorizer | Concat of the inputs as `[N, dim]` rows |
//! | ZipMap | the identity: zkml outputs the score tensor in class order |

use zkml_core::ops::{Cmp, IndexMap, TableFn};
use zkml_core::Op;

use super::{as_rows, vector};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// A per-feature (or single) constant list of length 1 or `f`.
fn per_feature(n: &NodeCtx, name: &str, v: Vec<f32>, f: usize) -> Result<Val, OnnxError> {
    match v.len() {
        1 => Ok(Val::konst(Konst::scalar(f64::from(v[0])))),
        l if l == f => Ok(vector(v.into_iter().map(f64::from).collect())),
        l => Err(n.attr_err(name, format!("{l} values for {f} features (1 or {f})"))),
    }
}

/// Scaler: `(x − offset) · scale` (`offset`, `scale`: one value or one per feature).
pub fn scaler(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let f = ctx.shape(&x).last().copied().unwrap_or(1);
    let offset = n.floats("offset")?.unwrap_or_else(|| vec![0.0]);
    let scale = n.floats("scale")?.unwrap_or_else(|| vec![1.0]);
    let mut y = x;
    if offset.iter().any(|&v| v != 0.0) {
        let o = per_feature(n, "offset", offset, f)?;
        let out = if scale.iter().all(|&v| v == 1.0) {
            n.out(0).to_string()
        } else {
            n.tmp("offset")
        };
        y = ctx.emit(n.at(), &n.sub("offset"), Op::Sub, &[y, o], &out)?;
    }
    if scale.iter().any(|&v| v != 1.0) {
        let s = per_feature(n, "scale", scale, f)?;
        y = ctx.emit(n.at(), &n.sub("scale"), Op::Mul, &[y, s], n.out(0))?;
    }
    Ok(vec![y])
}

/// Normalizer: `norm` MAX (divide by the row's largest value), L1 or L2.
/// A row whose norm is 0 has no value (the integer executor refuses it).
pub fn normalizer(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let (x, _, _) = as_rows(ctx, n, n.input(0)?.clone())?;
    let norm = n.string("norm")?.unwrap_or_else(|| "MAX".into());
    let axes = vec![1];
    let keep = |axes: &Vec<usize>| Op::ReduceSum {
        axes: axes.clone(),
        keepdims: true,
    };
    let d = match norm.as_str() {
        "MAX" => ctx.emit(
            n.at(),
            &n.sub("max"),
            Op::ReduceMax {
                axes,
                keepdims: true,
            },
            std::slice::from_ref(&x),
            &n.tmp("max"),
        )?,
        "L1" => {
            let a = ctx.emit(
                n.at(),
                &n.sub("abs"),
                Op::Abs,
                std::slice::from_ref(&x),
                &n.tmp("abs"),
            )?;
            ctx.emit(n.at(), &n.sub("l1"), keep(&axes), &[a], &n.tmp("l1"))?
        }
        "L2" => {
            let sq = ctx.emit(
                n.at(),
                &n.sub("square"),
                Op::Mul,
                &[x.clone(), x.clone()],
                &n.tmp("square"),
            )?;
            let s = ctx.emit(n.at(), &n.sub("sumsq"), keep(&axes), &[sq], &n.tmp("sumsq"))?;
            ctx.emit(
                n.at(),
                &n.sub("l2"),
                Op::Table(TableFn::Sqrt),
                &[s],
                &n.tmp("l2"),
            )?
        }
        other => return Err(n.attr_err("norm", format!("unknown norm `{other}` (MAX, L1, L2)"))),
    };
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("div"),
        Op::Div,
        &[x, d],
        n.out(0),
    )?])
}

/// Binarizer: `1` where `x > threshold` (default 0), else `0`.
pub fn binarizer(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let t = Val::konst(Konst::scalar(f64::from(n.float("threshold", 0.0)?)));
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("greater"),
        Op::Compare(Cmp::Greater),
        &[x, t],
        n.out(0),
    )?])
}

/// Imputer: entries equal to `replaced_value_float` (or `_int64`) become
/// `imputed_value_floats` (or `_int64s`; one value or one per feature).
pub fn imputer(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let f = ctx.shape(&x).last().copied().unwrap_or(1);
    let (replaced, imputed): (f32, Vec<f32>) = match n.floats("imputed_value_floats")? {
        Some(v) if !v.is_empty() => (n.float("replaced_value_float", 0.0)?, v),
        _ => (
            n.int("replaced_value_int64", 0)? as f32,
            n.ints("imputed_value_int64s")?
                .unwrap_or_default()
                .into_iter()
                .map(|v| v as f32)
                .collect(),
        ),
    };
    if imputed.is_empty() {
        return Err(n.attr_err("imputed_value_floats", "no imputed values"));
    }
    if replaced.is_nan() {
        // zkml inputs hold no NaN: nothing is ever replaced.
        return Ok(vec![x]);
    }
    let v = per_feature(n, "imputed_value_floats", imputed, f)?;
    let r = Val::konst(Konst::scalar(f64::from(replaced)));
    let hit = ctx.emit(
        n.at(),
        &n.sub("missing"),
        Op::Compare(Cmp::Equal),
        &[x.clone(), r],
        &n.tmp("missing"),
    )?;
    // Where needs the fill at the input's shape.
    let shape = ctx.shape(&x);
    let fill = match v.as_const() {
        Some(k) => {
            let b =
                k.t.broadcast(ndarray::IxDyn(&shape))
                    .ok_or_else(|| n.err(format!("imputed values do not broadcast to {shape:?}")))?
                    .to_owned();
            Val::konst(Konst::float(b))
        }
        None => v,
    };
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("impute"),
        Op::Where,
        &[hit, fill, x],
        n.out(0),
    )?])
}

/// OneHotEncoder: `cats_int64s` (string categories refused), `zeros` (1:
/// an unknown category gives all zeros, which is what zkml computes either
/// way); output `[..., categories]`.
pub fn one_hot_encoder(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    super::refuse_strings(n, "cats_strings")?;
    let cats = n
        .ints("cats_int64s")?
        .filter(|c| !c.is_empty())
        .ok_or_else(|| n.attr_err("cats_int64s", "no categories"))?;
    let x = n.input(0)?.clone();
    let mut shape = ctx.shape(&x);
    shape.push(1);
    let col = ctx.emit(
        n.at(),
        &n.sub("column"),
        Op::Reshape { shape },
        &[x],
        &n.tmp("column"),
    )?;
    let c = vector(cats.iter().map(|&c| c as f64).collect());
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("equal"),
        Op::Compare(Cmp::Equal),
        &[col, c],
        n.out(0),
    )?])
}

/// ArrayFeatureExtractor: `X[..., indices]` with constant indices (input 1).
pub fn array_feature_extractor(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    if let (Some(k), Val::Dyn(_)) = (x.as_const(), n.input(1)?) {
        return lookup(ctx, n, k.t.iter().copied().collect(), k.shape().len());
    }
    if let (Val::Dyn(_), Val::Dyn(_)) = (&x, n.input(1)?) {
        return gather_last(ctx, n, x);
    }
    let idx = n
        .const_input(1, "indices")?
        .ok_or_else(|| n.err("input 1 (indices) is required"))?
        .to_i64();
    let shape = ctx.shape(&x);
    let last = *shape
        .last()
        .ok_or_else(|| n.err("input X is a scalar; expected at least one axis"))?;
    let picks = idx
        .iter()
        .map(|&i| usize::try_from(i).ok().filter(|&i| i < last))
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| n.err(format!("indices {idx:?} out of range for {last} features")))?;
    if picks.is_empty() {
        return Err(n.err("no indices"));
    }
    let outer: usize = shape[..shape.len() - 1].iter().product();
    let mut out_shape = shape[..shape.len() - 1].to_vec();
    out_shape.push(picks.len());
    let index = (0..outer)
        .flat_map(|o| picks.iter().map(move |&p| o * last + p))
        .collect();
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("extract"),
        Op::Gather(IndexMap {
            shape: out_shape,
            index,
        }),
        &[x],
        n.out(0),
    )?])
}

/// ArrayFeatureExtractor on constant 1-D data (a classifier's labels) at
/// run-time indices (its ArgMax): output `[1, indices]`, the indices
/// themselves when the data is `0, 1, …`, else a run-time Gather.
fn lookup(ctx: &mut Ctx, n: &NodeCtx, data: Vec<f64>, rank: usize) -> Result<Vec<Val>, OnnxError> {
    if rank != 1 {
        return Err(n.err(
            "run-time indices into constant data are supported for 1-D data (class labels) only",
        ));
    }
    let idx = n.input(1)?.clone();
    let m: usize = ctx.shape(&idx).iter().product();
    let shape = vec![1, m];
    if data.iter().enumerate().all(|(i, &v)| v == i as f64) {
        return Ok(vec![ctx.emit(
            n.at(),
            &n.sub("labels"),
            Op::Reshape { shape },
            &[idx],
            n.out(0),
        )?]);
    }
    let c = data.len();
    let op = Op::GatherDyn(zkml_core::ops::DynGather {
        shape,
        base: vec![0; m],
        pick: (0..m).collect(),
        stride: 1,
        dim: c,
    });
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("labels"),
        op,
        &[vector(data), idx],
        n.out(0),
    )?])
}

/// ArrayFeatureExtractor with run-time data and indices: a run-time Gather on
/// the last axis (`[..., indices]`; 1-D data gives `[1, indices]`).
fn gather_last(ctx: &mut Ctx, n: &NodeCtx, x: Val) -> Result<Vec<Val>, OnnxError> {
    let idx = n.input(1)?.clone();
    let shape = ctx.shape(&x);
    let m: usize = ctx.shape(&idx).iter().product();
    let Some(&last) = shape.last() else {
        return Err(n.err("input X is a scalar; expected at least one axis"));
    };
    let outer: usize = shape[..shape.len() - 1].iter().product();
    let out_shape = if shape.len() == 1 {
        vec![1, m]
    } else {
        let mut s = shape[..shape.len() - 1].to_vec();
        s.push(m);
        s
    };
    let op = Op::GatherDyn(zkml_core::ops::DynGather {
        shape: out_shape,
        base: (0..outer)
            .flat_map(|o| (0..m).map(move |_| o * last))
            .collect(),
        pick: (0..outer).flat_map(|_| 0..m).collect(),
        stride: 1,
        dim: last,
    });
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("extract"),
        op,
        &[x, idx],
        n.out(0),
    )?])
}

/// FeatureVectorizer: the inputs as `[N, dim]` rows (`inputdimensions`),
/// concatenated.
pub fn feature_vectorizer(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let dims = n.ints("inputdimensions")?.unwrap_or_default();
    let mut parts = vec![];
    for i in 0..n.inputs.len() {
        let x = n.input(i)?.clone();
        let s = ctx.shape(&x);
        let (rows, w) = match s.as_slice() {
            [] => (1, 1),
            [w] => (1, *w),
            [r, rest @ ..] => (*r, rest.iter().product()),
        };
        if let Some(&d) = dims.get(i) {
            if usize::try_from(d).ok() != Some(w) {
                return Err(n.attr_err(
                    "inputdimensions",
                    format!("input {i} has {w} values per row, inputdimensions says {d}"),
                ));
            }
        }
        let x = if s.len() == 2 {
            x
        } else {
            ctx.emit(
                n.at(),
                &n.sub(&format!("rows{i}")),
                Op::Reshape {
                    shape: vec![rows, w],
                },
                &[x],
                &n.tmp(&format!("rows{i}")),
            )?
        };
        parts.push(x);
    }
    if parts.len() == 1 {
        return Ok(parts);
    }
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("concat"),
        Op::Concat { axis: 1 },
        &parts,
        n.out(0),
    )?])
}

/// ZipMap: the identity on the score tensor (`[N, classes]`, class order);
/// the sequence of maps ONNX Runtime returns holds the same numbers keyed
/// by `classlabels_int64s` or `classlabels_strings`.
pub fn zip_map(_: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    Ok(vec![n.input(0)?.clone()])
}
