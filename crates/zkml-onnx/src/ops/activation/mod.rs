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

use super::{NodeCtx, Registry};
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
