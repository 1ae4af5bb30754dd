//! Elementwise `Mul`: `y = rshift(a·b, s)` (numpy broadcasting of a
//! constant operand), the executor's `mul_int`.
//!
//! **Relation.** As for a rescaled `MatMul` ([`super::divisor`]):
//! `a·b + 2^{s−1} = 2^s·y + r`, `0 ≤ r < 2^s`, with `r` range-checked and `y`
//! range-checked where [`super::y_range_needed`] says so, so the quotient is
//! the executor's integer (nothing wraps mod p). At a fresh point `ρ` over the
//! output's table:
//!
//! ```text
//! 2^s·ỹ(ρ) + r̃(ρ) − 2^{s−1}·Ĩ(ρ) = Σ_x ã(x)·b̃(x)·eq(ρ, x)
//! ```
//!
//! one degree-3 sumcheck over the output's variables (`s = 0`: no remainder,
//! left side `ỹ(ρ)`). The factors are the two operands' tables in the
//! output's layout and the public `eq(ρ, ·)`:
//!
//! * a **constant** operand (a per-channel scale `[1, C, 1, 1]`, a scalar, a
//!   full tensor) is broadcast to the output's shape: a public table both
//!   ends compute from the model, evaluated by the verifier itself;
//! * an **activation** operand must have the output's shape (its table is
//!   then in the output's layout): its value at the sumcheck's point is a
//!   claim on its table (committed: an opening; known: the verifier's own
//!   evaluation). Two activations (`a·b`, `x·x` for Square) make the final
//!   check a product of two claimed values (a proof of product in
//!   [`crate::zkmodel`]).
//!
//! The identity holds on the whole hypercube with probability `1 − 3n/p`
//! over `ρ` and the rounds; on padding entries (outside the block `I`) it
//! ties only padding to padding (every factor is entrywise), so no real
//! entry depends on them. The clear messages are [`super::NodeProof::MatMul`]
//! (`a_eval`, `b_eval` = the operands' values at the point, a constant's
//! checked against the verifier's own); the zero-knowledge ones
//! [`crate::zkmodel::ZkNodeProof::MatMul`].

use super::{is_const, known_in, layout_shape, num_vars, table_of};
use crate::error::{Error, Result};
use crate::field::{Field, Fr};
use crate::mle::{eq_table, Mle};
use crate::sumcheck::ProductSum;
use zkml_core::quant::QValueKind;
use zkml_core::QGraph;

/// Why `Mul` node `i` cannot be proved, if it cannot: an activation operand
/// that is broadcast, or laid out other than in its own shape.
pub(crate) fn mul_supported(q: &QGraph, i: usize) -> std::result::Result<(), &'static str> {
    let node = &q.nodes[i];
    let out = &q.values[node.output].shape;
    if node.inputs.len() != 2 {
        return Err("a Mul has two operands");
    }
    for &a in &node.inputs {
        if is_const(q, a) {
            if aligned_broadcast(q, a, out).is_none() {
                return Err("the constant operand does not broadcast to the output's shape");
            }
        } else if q.values[a].shape != *out || layout_shape(q, a) != *out {
            return Err(
                "an activation operand must have the output's shape (only a constant may be \
                 broadcast)",
            );
        }
    }
    Ok(())
}

fn aligned_broadcast(q: &QGraph, a: usize, out: &[usize]) -> Option<Vec<i64>> {
    match &q.values[a].kind {
        QValueKind::Const(c) => super::verifier::aligned_broadcast(c, 0, out),
        _ => None,
    }
}

/// Operand `k` of `Mul` node `i` as a public table when it is a constant
/// (broadcast to the output's shape, in the output's layout); `None` for an
/// activation. Both ends.
pub(crate) fn const_operand(q: &QGraph, i: usize, k: usize) -> Result<Option<Mle>> {
    let node = &q.nodes[i];
    let a = node.inputs[k];
    if !is_const(q, a) {
        return Ok(None);
    }
    let out = &q.values[node.output].shape;
    let v = aligned_broadcast(q, a, out).ok_or_else(|| {
        Error::Invalid(format!(
            "node `{}` (Mul): the constant does not broadcast",
            node.name
        ))
    })?;
    Ok(Some(table_of(out, &v)?))
}

/// Operand `k`'s factor: [`const_operand`], or the operand's own table
/// (`tables`, the prover's). Prover only.
pub(crate) fn operand_factor(q: &QGraph, i: usize, k: usize, tables: &[Mle]) -> Result<Mle> {
    Ok(match const_operand(q, i, k)? {
        Some(c) => c,
        None => tables[q.nodes[i].inputs[k]].clone(),
    })
}

/// The summand `ã·b̃·eq(ρ, ·)`: factors `[a, b, eq_ρ]`, one term.
pub(crate) fn terms() -> Vec<(Fr, Vec<usize>)> {
    vec![(Fr::ONE, vec![0, 1, 2])]
}

/// The sumcheck instance for factors `a`, `b` (see [`operand_factor`]) at `ρ`.
pub(crate) fn instance(a: Mle, b: Mle, rho: &[Fr]) -> Result<ProductSum> {
    ProductSum::new(vec![a, b, Mle::new(eq_table(rho))?], terms())
}

/// Which factors of [`instance`] the verifier evaluates itself: constants,
/// known operands (a public input) and `eq`.
pub(crate) fn public_factors(q: &QGraph, input_public: bool, i: usize) -> [bool; 3] {
    let node = &q.nodes[i];
    let p = |k: usize| known_in(q, input_public, node.inputs[k]);
    [p(0), p(1), true]
}

/// Variables of the sumcheck of `Mul` node `i` (the output's).
pub(crate) fn mul_vars(q: &QGraph, i: usize) -> usize {
    num_vars(&q.values[q.nodes[i].output].shape)
}
