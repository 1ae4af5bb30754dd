//! The table functions ([`zkml_core::ops::TableFn`]): every ONNX op that is
//! one real function of one input (Exp, Log, Sqrt, Erf, Sin, …), and those
//! with attributes: Elu, Selu, Celu, HardSigmoid, Gelu.

use zkml_core::{ops::TableFn, Op};

use super::unary;
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// The attribute-free functions, by ONNX name.
pub const PLAIN: &[(&str, TableFn)] = &[
    ("Sigmoid", TableFn::Sigmoid),
    ("Tanh", TableFn::Tanh),
    ("Exp", TableFn::Exp),
    ("Log", TableFn::Log),
    ("Sqrt", TableFn::Sqrt),
    ("Reciprocal", TableFn::Reciprocal),
    ("Erf", TableFn::Erf),
    ("Softplus", TableFn::Softplus),
    ("Softsign", TableFn::Softsign),
    ("Mish", TableFn::Mish),
    ("HardSwish", TableFn::HardSwish),
    ("Sin", TableFn::Sin),
    ("Cos", TableFn::Cos),
    ("Tan", TableFn::Tan),
    ("Asin", TableFn::Asin),
    ("Acos", TableFn::Acos),
    ("Atan", TableFn::Atan),
    ("Sinh", TableFn::Sinh),
    ("Cosh", TableFn::Cosh),
    ("Asinh", TableFn::Asinh),
    ("Acosh", TableFn::Acosh),
    ("Atanh", TableFn::Atanh),
];

/// A finite float attribute with its default.
fn finite(n: &NodeCtx, name: &str, default: f32) -> Result<f32, OnnxError> {
    let v = n.float(name, default)?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(n.attr_err(name, format!("{v} is not finite")))
    }
}

/// The function of an attribute-carrying table op.
fn with_attributes(n: &NodeCtx) -> Result<TableFn, OnnxError> {
    Ok(match n.op() {
        "Elu" => TableFn::Elu {
            alpha: finite(n, "alpha", 1.0)?,
        },
        "Selu" => TableFn::Selu {
            alpha: finite(n, "alpha", 1.673_263_2)?,
            gamma: finite(n, "gamma", 1.050_701)?,
        },
        "Celu" => {
            let alpha = finite(n, "alpha", 1.0)?;
            if alpha == 0.0 {
                return Err(n.attr_err("alpha", "must not be 0"));
            }
            TableFn::Celu { alpha }
        }
        "HardSigmoid" => TableFn::HardSigmoid {
            alpha: finite(n, "alpha", 0.2)?,
            beta: finite(n, "beta", 0.5)?,
        },
        "Gelu" => match n.string("approximate")?.as_deref() {
            None | Some("none") => TableFn::Gelu,
            Some("tanh") => TableFn::GeluTanh,
            Some(other) => {
                return Err(n.attr_err(
                    "approximate",
                    format!("`{other}` is neither `none` nor `tanh`"),
                ))
            }
        },
        other => return Err(n.err(format!("{other} is not a table function"))),
    })
}

/// Registers the attribute-carrying table ops (the plain ones are registered
/// from [`PLAIN`]).
pub const WITH_ATTRIBUTES: &[&str] = &["Elu", "Selu", "Celu", "HardSigmoid", "Gelu"];

/// A plain table op: its function looked up by ONNX name.
pub fn plain(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let f = PLAIN
        .iter()
        .find(|(name, _)| *name == n.op())
        .map(|&(_, f)| f)
        .ok_or_else(|| n.err("not a table function"))?;
    if matches!(n.op(), "Sqrt" | "Reciprocal" | "Exp" | "Log") && n.input(0)?.as_const().is_some() {
        // Shape subgraphs: fold in f64, keeping the element type.
        return crate::ops::consts::elementwise::unary(ctx, n);
    }
    if let Some(x) = (f == TableFn::Reciprocal)
        .then(|| sqrt_input(ctx, n.input(0).ok()?))
        .flatten()
    {
        return Ok(vec![ctx.emit(
            n.at(),
            &n.name,
            Op::Table(TableFn::Rsqrt),
            &[Val::Dyn(x)],
            n.out(0),
        )?]);
    }
    unary(ctx, n, Op::Table(f))
}

/// `Some(x)` when `v` is `Sqrt(x)` computed at run time: `Reciprocal(Sqrt(x))`
/// (how jax and TensorFlow export `rsqrt`) becomes one `Rsqrt` table on `x`,
/// one rounding instead of two. With two tables a positive `x` that rounds
/// to 0 gives `Sqrt = 0` and then `Reciprocal(0)` read at the square root's
/// half quantum, far from `1/√x`; with one, `x`'s own half quantum
/// (`zkml_core::ops::table::reads_at`). The Sqrt node stays if anything
/// else reads it, and is pruned otherwise.
fn sqrt_input(ctx: &Ctx, v: &Val) -> Option<zkml_core::ValueId> {
    let Val::Dyn(v) = v else { return None };
    match ctx.graph.values.get(*v)?.kind {
        zkml_core::ValueKind::Node(i) => {
            let node = ctx.graph.nodes.get(i)?;
            (node.op == Op::Table(TableFn::Sqrt)).then(|| node.inputs[0])
        }
        _ => None,
    }
}

/// A table op whose function reads attributes.
pub fn attributed(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let f = with_attributes(n)?;
    unary(ctx, n, Op::Table(f))
}
