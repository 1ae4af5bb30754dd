//! Arithmetic: MatMul, Gemm, Add/Sub/Mul/Div, Neg, Sum, Pow, Max, Min, Abs,
//! Floor, Ceil, Round, Sign, Mod, Einsum.

pub mod div;
pub mod einsum;
pub mod gemm;
pub mod modulo;
pub mod pow;
pub mod round;
pub mod sum;

use zkml_core::Op;

use super::{NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("MatMul", |c, n| binary(c, n, Op::MatMul));
    r.insert("Gemm", gemm::gemm);
    r.insert("Add", |c, n| binary(c, n, Op::Add));
    r.insert("Sub", |c, n| binary(c, n, Op::Sub));
    r.insert("Mul", |c, n| binary(c, n, Op::Mul));
    r.insert("Div", div::div);
    r.insert("Neg", sum::neg);
    r.insert("Sum", sum::sum);
    r.insert("Pow", pow::pow);
    r.insert("Max", sum::max_min);
    r.insert("Min", sum::max_min);
    r.insert("Abs", sum::abs);
    for op in ["Floor", "Ceil", "Round"] {
        r.insert(op, round::round);
    }
    r.insert("Sign", round::sign);
    r.insert("Mod", modulo::modulo);
    r.insert("Einsum", einsum::einsum);
}

/// A two-input op mapped one to one (ONNX broadcasting is the IR's).
pub fn binary(ctx: &mut Ctx, n: &NodeCtx, op: Op) -> Result<Vec<Val>, OnnxError> {
    let (a, b) = (n.input(0)?.clone(), n.input(1)?.clone());
    Ok(vec![ctx.emit(n.at(), &n.name, op, &[a, b], n.out(0))?])
}
