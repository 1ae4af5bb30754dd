//! The activation functions a recurrent layer names in its `activations`
//! attribute, lowered to IR ops (tabled functions, Relu, LeakyRelu, or an
//! affine map by constants).

use zkml_core::{ops::TableFn, Op};

use super::Lower;
use crate::error::OnnxError;
use crate::loader::Val;
use crate::ops::NodeCtx;
use crate::tensor::Konst;

/// One activation function of a recurrent layer.
#[derive(Clone, Debug, PartialEq)]
pub enum Act {
    /// One IR op (Sigmoid, Tanh, Relu, LeakyRelu, HardSigmoid, Elu, Softsign, Softplus).
    Op(Op),
    /// `alpha·x + beta`.
    Affine {
        /// Slope.
        alpha: f32,
        /// Offset.
        beta: f32,
    },
    /// `alpha·tanh(beta·x)`.
    ScaledTanh {
        /// Output scale.
        alpha: f32,
        /// Input scale.
        beta: f32,
    },
}

impl Act {
    /// Sigmoid (the default gate function).
    pub fn sigmoid() -> Act {
        Act::Op(Op::Table(TableFn::Sigmoid))
    }

    /// Tanh (the default candidate and output function).
    pub fn tanh() -> Act {
        Act::Op(Op::Table(TableFn::Tanh))
    }

    /// Applies the function to `x`; the last op's output is `out` (a value
    /// name), its node `tag` within the layer.
    pub fn apply(&self, l: &mut Lower, x: Val, tag: &str, out: &str) -> Result<Val, OnnxError> {
        match self {
            Act::Op(op) => l.emit_as(tag, op.clone(), &[x], out),
            Act::Affine { alpha, beta } => {
                let a = Val::konst(Konst::scalar(f64::from(*alpha)));
                let b = Val::konst(Konst::scalar(f64::from(*beta)));
                let y = l.emit(&format!("{tag}/alpha"), Op::Mul, &[x, a])?;
                l.emit_as(tag, Op::Add, &[y, b], out)
            }
            Act::ScaledTanh { alpha, beta } => {
                let a = Val::konst(Konst::scalar(f64::from(*alpha)));
                let b = Val::konst(Konst::scalar(f64::from(*beta)));
                let y = l.emit(&format!("{tag}/beta"), Op::Mul, &[x, b])?;
                let y = l.emit(&format!("{tag}/tanh"), Op::Table(TableFn::Tanh), &[y])?;
                l.emit_as(tag, Op::Mul, &[y, a], out)
            }
        }
    }
}

/// The layer's activation functions: `defaults` (one direction's, repeated
/// per direction) unless the `activations` attribute lists `per_dir ·
/// dirs` names. `activation_alpha` / `activation_beta` are consumed in
/// order by the functions that take them, each defaulting to the ONNX op's
/// default (as onnxruntime reads them).
pub fn parse(n: &NodeCtx, defaults: &[Act], dirs: usize) -> Result<Vec<Act>, OnnxError> {
    let names: Vec<String> = match n.proto.attribute.iter().find(|a| a.name == "activations") {
        None => {
            return Ok(defaults
                .iter()
                .cycle()
                .take(defaults.len() * dirs)
                .cloned()
                .collect())
        }
        Some(a) => a
            .strings
            .iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect(),
    };
    let want = defaults.len() * dirs;
    if names.len() != want {
        return Err(n.attr_err(
            "activations",
            format!(
                "lists {} functions {names:?}; {} takes {} per direction ({want} for {dirs} \
                 direction(s))",
                names.len(),
                n.op(),
                defaults.len()
            ),
        ));
    }
    let mut alphas = n
        .floats("activation_alpha")?
        .unwrap_or_default()
        .into_iter();
    let mut betas = n.floats("activation_beta")?.unwrap_or_default().into_iter();
    let mut out = Vec::with_capacity(want);
    for name in &names {
        let mut alpha = |d: f32| alphas.next().unwrap_or(d);
        let act = match name.to_ascii_lowercase().as_str() {
            "sigmoid" => Act::sigmoid(),
            "tanh" => Act::tanh(),
            "relu" => Act::Op(Op::Relu),
            "softsign" => Act::Op(Op::Table(TableFn::Softsign)),
            "softplus" => Act::Op(Op::Table(TableFn::Softplus)),
            "leakyrelu" => Act::Op(Op::LeakyRelu { alpha: alpha(0.01) }),
            "elu" => Act::Op(Op::Table(TableFn::Elu { alpha: alpha(1.0) })),
            "hardsigmoid" => {
                let a = alpha(0.2);
                Act::Op(Op::Table(TableFn::HardSigmoid {
                    alpha: a,
                    beta: betas.next().unwrap_or(0.5),
                }))
            }
            "affine" => {
                let a = alpha(1.0);
                Act::Affine {
                    alpha: a,
                    beta: betas.next().unwrap_or(0.0),
                }
            }
            "scaledtanh" => {
                let a = alpha(1.0);
                Act::ScaledTanh {
                    alpha: a,
                    beta: betas.next().unwrap_or(1.0),
                }
            }
            _ => {
                return Err(n.attr_err(
                    "activations",
                    format!(
                        "activation function `{name}` is not supported (supported: Sigmoid, \
                         Tanh, Relu, LeakyRelu, HardSigmoid, Elu, Softsign, Softplus, Affine, \
                         ScaledTanh)"
                    ),
                ))
            }
        };
        let finite = match &act {
            Act::Op(Op::LeakyRelu { alpha }) | Act::Op(Op::Table(TableFn::Elu { alpha })) => {
                alpha.is_finite()
            }
            Act::Op(Op::Table(TableFn::HardSigmoid { alpha, beta }))
            | Act::Affine { alpha, beta }
            | Act::ScaledTanh { alpha, beta } => alpha.is_finite() && beta.is_finite(),
            _ => true,
        };
        if !finite {
            return Err(n.attr_err(
                "activation_alpha",
                format!("a parameter of `{name}` is not finite"),
            ));
        }
        out.push(act);
    }
    Ok(out)
}
