//! Activations: Relu, LeakyRelu, PRelu, Clip, Softmax, Shrink, and the table
//! functions (Sigmoid, Tanh, Exp, Log, Erf, Gelu, Elu, Sin, …: [`table`]).

pub mod clip;
pub mod hardmax;
pub mod leaky_relu;
pub mod log_softmax;
pub mod masked;
pub mod prelu;
pub mod shrink;
pub mod softmax;
pub mod table;

use zkml_core::Op;

use super::{norm_axis, NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("LogSoftmax", log_softmax::log_softmax);
    r.insert("Hardmax", hardmax::hardmax);
    r.insert("Relu", |c, n| unary(c, n, Op::Relu));
    for &(name, _) in table::PLAIN {
        r.insert(name, table::plain);
    }
    for &name in table::WITH_ATTRIBUTES {
        r.insert(name, table::attributed);
    }
    r.insert("LeakyRelu", leaky_relu::leaky_relu);
    r.insert("PRelu", prelu::prelu);
    r.insert("Clip", clip::clip);
    r.insert("Softmax", softmax::softmax);
    r.insert("Shrink", shrink::shrink);
}

/// A one-input op mapped one to one.
pub fn unary(ctx: &mut Ctx, n: &NodeCtx, op: Op) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    Ok(vec![ctx.emit(n.at(), &n.name, op, &[x], n.out(0))?])
}

/// The input and axis of a Softmax-family op (Softmax, LogSoftmax, Hardmax):
/// before opset 13 the input is coerced to 2-D at `axis` (default 1), i.e.
/// Reshape → the op on axis 1 → Reshape back; from 13 a plain axis (default −1).
pub struct SoftmaxAxis {
    /// The op's input (the 2-D Reshape when coerced).
    pub x: Val,
    /// The axis the op works along in `x`.
    pub axis: usize,
    /// The input's shape, when coerced (the output is reshaped back to it).
    back: Option<Vec<usize>>,
}

impl SoftmaxAxis {
    /// Reads `axis` with the opset's default and coerces the input if needed.
    pub fn read(ctx: &mut Ctx, n: &NodeCtx) -> Result<Self, OnnxError> {
        let x = n.input(0)?.clone();
        let shape = ctx.shape(&x);
        let rank = shape.len();
        let legacy = n.opset < 13;
        let raw = n.int("axis", if legacy { 1 } else { -1 })?;
        let axis = norm_axis(raw, rank).ok_or_else(|| {
            n.attr_err("axis", format!("axis {raw} out of range for rank {rank}"))
        })?;
        if !legacy || axis + 1 == rank {
            return Ok(Self {
                x,
                axis,
                back: None,
            });
        }
        let outer: usize = shape[..axis].iter().product();
        let inner: usize = shape[axis..].iter().product();
        let flat = ctx.emit(
            n.at(),
            &n.sub("to2d"),
            Op::Reshape {
                shape: vec![outer, inner],
            },
            &[x],
            &n.tmp("to2d"),
        )?;
        Ok(Self {
            x: flat,
            axis: 1,
            back: Some(shape),
        })
    }

    /// Whether the input was coerced to 2-D.
    pub fn coerced(&self) -> bool {
        self.back.is_some()
    }

    /// The name of the op's last node's output: the node's output, or the
    /// temporary `tag` that [`Self::finish`] reshapes back.
    pub fn out_name(&self, n: &NodeCtx, tag: &str) -> String {
        if self.coerced() {
            n.tmp(tag)
        } else {
            n.out(0).to_string()
        }
    }

    /// The node's outputs from the op's result `y` (named by [`Self::out_name`]).
    pub fn finish(self, ctx: &mut Ctx, n: &NodeCtx, y: Val) -> Result<Vec<Val>, OnnxError> {
        let Some(shape) = self.back else {
            return Ok(vec![y]);
        };
        Ok(vec![ctx.emit(
            n.at(),
            &n.sub("back"),
            Op::Reshape { shape },
            &[y],
            n.out(0),
        )?])
    }
}
