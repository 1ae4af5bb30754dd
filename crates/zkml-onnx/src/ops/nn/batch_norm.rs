//! BatchNormalization (inference).

use ndarray::{ArrayD, IxDyn};
use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// Inference BatchNormalization: `y = x·a + b` per channel (axis 1) with
/// `a = scale / sqrt(var + ε)`, `b = B − mean·a`, emitted as Mul + Add with
/// constants shaped `[C, 1, …]`; [`crate::fold`] later folds them into a
/// preceding Conv or MatMul.
pub fn batch_norm(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    if n.int("training_mode", 0)? != 0 {
        return Err(n.attr_err(
            "training_mode",
            "training-mode BatchNormalization is not supported; export the model in eval mode",
        ));
    }
    if n.opset < 9 && n.int("spatial", 1)? == 0 {
        return Err(n.attr_err(
            "spatial",
            "spatial=0 (per-element statistics) is not supported; re-export with spatial=1",
        ));
    }
    n.only_outputs(ctx, 1, "training statistics")?;
    let x = n.input(0)?.clone();
    let xs = ctx.shape(&x);
    if xs.len() < 2 {
        return Err(n.err(format!("input must have rank ≥ 2 (N, C, ...), got {xs:?}")));
    }
    let c = xs[1];
    let eps = f64::from(n.float("epsilon", 1e-5)?);
    let mut params = Vec::new();
    for (i, what) in [(1, "scale"), (2, "B"), (3, "input_mean"), (4, "input_var")] {
        let k = n
            .const_input(i, what)?
            .ok_or_else(|| n.err(format!("input {i} ({what}) is required")))?;
        if k.t.len() != c {
            return Err(n.err(format!(
                "input {i} ({what}) has shape {:?}, expected [{c}] for {c} channels",
                k.shape()
            )));
        }
        params.push(k.t.iter().copied().collect::<Vec<f64>>());
    }
    let (scale, bias, mean, var) = (&params[0], &params[1], &params[2], &params[3]);
    let a: Vec<f64> = (0..c).map(|i| scale[i] / (var[i] + eps).sqrt()).collect();
    let b: Vec<f64> = (0..c).map(|i| bias[i] - mean[i] * a[i]).collect();
    let mut shape = vec![c];
    shape.resize(xs.len() - 1, 1);
    let ka = Konst::float(ArrayD::from_shape_vec(IxDyn(&shape), a).expect("c elements"));
    let kb = Konst::float(ArrayD::from_shape_vec(IxDyn(&shape), b).expect("c elements"));
    let y = ctx.emit(
        n.at(),
        &n.sub("scale"),
        Op::Mul,
        &[x, Val::konst(ka)],
        &n.tmp("scale"),
    )?;
    Ok(vec![ctx.emit(
        n.at(),
        &n.sub("shift"),
        Op::Add,
        &[y, Val::konst(kb)],
        n.out(0),
    )?])
}
