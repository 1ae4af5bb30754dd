//! The QGraph prover: commit-and-prove, node by node, over one transcript.
//!
//! **Layout.** Every tensor is a matrix `rows × cols` (`cols` = last dim,
//! `rows` = product of the others; a scalar is `1 × 1`), padded per dimension
//! to powers of two with zeros ([`crate::mle::Mle::from_matrix`]). So `x·W`
//! for `x: [m, k]`, `W: [k, n]` is [`crate::matmul`]'s layout, and
//! same-shape elementwise ops compare entries at the same index.
//!
//! A model input read only by reshapes to one layout (a Flatten) is laid out
//! as their output ([`layout_shape`]), so the reshape keeps every entry in
//! place.
//!
//! **Known vs committed.** Public inputs, public outputs and the model's
//! constants under fixed or public weights are *known*: the verifier
//! evaluates their multilinear extensions itself. Every other node output,
//! and every rescale remainder, is *committed* with [`crate::hyrax`] before
//! any challenge is drawn. Under private or committed weights the constants
//! are committed once, outside the proof's commit phase ([`key`]; proved by
//! [`crate::zkmodel`] only, this clear backend refuses them).
//!
//! **Transcript order.** Domain, model digest (BLAKE2b of the QGraph's JSON
//! with hidden constants zeroed, and the private weights' commitments: [`key`]),
//! public inputs and outputs, all commitments (value order, then remainders
//! in node order), then each node's proof in topological order, then the
//! openings of every claim on a committed tensor (in the order the claims were
//! made). The verifier takes the model and the layout from its key, never
//! from the proof.
//!
//! **Per node** (each reduces to evaluation claims `t̃(point) = value` on its
//! tensors; known tensors' claims are checked directly, committed ones opened):
//!
//! * `MatMul {shift s}` (`y = rshift(x·W, s)`, i.e.
//!   `x·W + 2^{s−1} = 2^s·y + r`, `0 ≤ r < 2^s`): at a fresh point `ρ = (ρ_c ‖ ρ_r)`
//!   the prover sends `ỹ(ρ)`, `r̃(ρ)`; the verifier sets
//!   `v = 2^s·ỹ(ρ) + r̃(ρ) − 2^{s−1}·Ĩ(ρ)` (`I` = 1 on the unpadded block,
//!   `Ĩ(ρ) = (Σ_{i<m} eq(ρ_r, i))·(Σ_{j<n} eq(ρ_c, j))`) and runs
//!   [`crate::matmul`] on `v = (x·W)~(ρ)`. Then LogUp range checks
//!   `r ∈ [0, 2^s)` and `y ∈ [−B, B]` (`B` = the activation bound), so the
//!   quotient is the integer the executor computed (no wrap mod p); the `y`
//!   check is skipped where a later lookup implies it (`y_range_needed`).
//! * `Conv {shift s}` (any groups, strides, pads, dilations; constant
//!   weights and bias): `acc = conv(x, W) + b`, `acc + 2^{s−1} = 2^s·y + r`,
//!   same claims and range checks as `MatMul`, but the product is one
//!   sumcheck `Σ_a x̃(a)·G̃_ρ(a) = 2^s·ỹ(ρ) + r̃(ρ) − Σ_o eq(ρ,o)(b[m(o)] + 2^{s−1})`
//!   with `G_ρ` the transposed conv of `eq(ρ, ·)`, tabled by the prover
//!   ([`crate::conv`]); its `b_eval = G̃_ρ(r)` is proved by a second
//!   sumcheck `Σ_k w̃(k)·T̃_{ρ,r}(k)` over the weights (per-dimension
//!   layout), whose `T̃(κ)` and `w̃(κ)` the verifier evaluates itself
//!   ([`crate::conv::weights`]). Sent as a [`NodeProof::Conv`] message.
//! * `Gather` (zkml-core's index map: Slice, Split, Tile, constant-index
//!   Gather), and a `Reshape` of a hidden tensor that changes its layout (a Flatten of
//!   `[N, C, H, W]`, `gathers`): a gather by its index map, `õ(ρ) =
//!   Σ_a ã(a)·H̃_ρ(a)` ([`crate::conv::gather_dual`]), the same message with
//!   `s = 0` and no range check (its entries are its input's).
//! * `AveragePool` and `ReduceMean` (a global average pool; the window is
//!   the slice of the reduced axes) (windows that all count `c`; any kernel, strides,
//!   dilations): `y = rdiv(Σ window, c)`, i.e. `2·Σ window + c = 2c·y + r`,
//!   `0 ≤ r < 2c`, with `r` and `y` range-checked like a rescale, and the
//!   window sum one sumcheck against the public `2·[a ∈ window(o)]·eq(ρ, o)`
//!   (same message as `MatMul`). Pools with uneven windows are refused.
//! * `MaxPool` (windows that all count `K`): differences `d = y − x(slot)`
//!   and one-hot selectors committed as the node's auxiliary table; a gather
//!   sumcheck, a centre-point check that one slot per output is selected, and
//!   one LogUp of `d + γ·s` against `[0, 2^b) ∪ {γ}` ([`maxpool`]).
//! * `Add`/`Sub {align}`: `o = 2^{k_0}·a ± 2^{k_1}·b`; an operand that is a
//!   constant may be broadcast and may have any alignment (the verifier
//!   computes its aligned, broadcast values); an activation must have the
//!   output's shape and `k ≥ 0`. At a fresh point `ρ`: `õ(ρ)` and each
//!   activation's value are sent, the linear relation is checked.
//! * `Reshape`: of a known tensor, the verifier reshapes it (no proof); of a
//!   committed one with its layout unchanged, proved as `õ(ρ) = ã(ρ)`.
//! * `Relu`, `Clip` and every table function (`QOp::Table`: Sigmoid, Tanh,
//!   Exp, Erf, Gelu, …; one mechanism, the function is a parameter): with
//!   `f` the executor's integer rule (`fn_int` in `fn_lookup.rs`),
//!   `(a_i, o_i) ∈ {(v, f(v)) : v, f(v) ∈ [−B − 1, B]}` by one LogUp on
//!   `a + γ·o` (`γ` drawn after the commitments); at the lookup's point the
//!   prover sends `ã`, `õ`, the verifier checks `w̃ = ã + γ·õ`. Inputs the
//!   executor refuses (`Log(0)`, an output past the bound) have no entry.
//!   When `f(0) ≠ 0` (Sigmoid, Exp, Cos, …) the zero padding `(0, 0)` is no
//!   pair of `f`: the column is then `a + γ·o + γ²·I` (`I` = 1 on the
//!   tensor's entries, 0 on its padding, `Ĩ` computed by the verifier), the
//!   table `{v + γ·f(v) + γ²} ∪ {0}`.
//!
//! * `Softmax` along the last axis ([`softmax`]): the lane's maximum,
//!   `q − m` rounded to scale 12 above it, the exponential table, the lane
//!   sum and the rounding division, the witness in one auxiliary table per
//!   node; seven linear relations at a fresh point, one product sumcheck for
//!   `S·y`, lookups of `(m − q, sel)` and `(dd, e)` pairs and range checks of
//!   the rounding and division remainders (`r` and `2S − 1 − r`).
//!
//! Padding entries are zero for an honest prover; a dishonest prover's padding
//! cannot reach a real entry: every relation is entrywise or sums over the
//! inner index of a known, zero-padded matrix (`W`), and known tensors are
//! zero-padded by the verifier.
//!
//! **Not zero-knowledge.** Round polynomials and every claimed evaluation
//! travel in the clear, so only public inputs and outputs are accepted
//! ([`SumcheckBackend`] refuses private and committed groups at setup); the
//! zero-knowledge version is [`crate::zkmodel`].

pub(crate) mod fn_lookup;
pub mod key;
mod key_file;
pub mod maxpool;
pub(crate) mod product;
mod rules;
pub mod softmax;
mod softmax_proof;
pub(crate) mod walk;
pub(crate) use fn_lookup::*;
pub(crate) use rules::*;
pub mod msg;
pub mod prover;
pub mod verifier;

pub use key::{
    const_table, const_vars, hidden_const, hidden_weights, Key, ProvingKey, KEY_MAGIC, KEY_VERSION,
};
pub use msg::{ModelProof, NodeProof};

use crate::error::Result;
use crate::field::fr_vec;
use crate::mle::{log2_ceil, Mle};
use crate::transcript::Transcript;
use zkml_core::quant::QValueKind;
// What the unit tests (`use super::*`) read besides the above.
use zkml_core::{QGraph, QOp};
#[cfg(test)]
use {crate::error::Error, crate::field::Fr, zkml_core::backend::Vis, zkml_core::Trace};

/// Largest rescale shift with a range table (`2^16` entries).
pub const MAX_SHIFT: u32 = 16;

/// The sumcheck backend (see the module doc for what it proves).
#[derive(Clone, Debug, Default)]
pub struct SumcheckBackend;

/// `(rows, cols)` of a tensor shape (see the module doc).
pub fn layout(shape: &[usize]) -> (usize, usize) {
    match shape.split_last() {
        None => (1, 1),
        Some((&c, rest)) => (rest.iter().product(), c),
    }
}

/// Number of variables of a tensor's padded table.
pub fn num_vars(shape: &[usize]) -> usize {
    let (r, c) = layout(shape);
    log2_ceil(r) + log2_ceil(c)
}

/// The shape whose layout a value's table uses: its own, except for a model
/// input read only by reshapes to one layout (a Flatten), which takes that
/// layout, so the reshape keeps entries in place and needs no index map.
pub fn layout_shape(q: &QGraph, id: usize) -> Vec<usize> {
    let own = q.values[id].shape.clone();
    if !matches!(q.values[id].kind, QValueKind::Input) {
        return own;
    }
    let mut target: Option<Vec<usize>> = None;
    for node in q.nodes.iter().filter(|n| n.inputs.contains(&id)) {
        if !matches!(node.op, QOp::Reshape { .. }) {
            return own;
        }
        let s = &q.values[node.output].shape;
        match &target {
            Some(t) if layout(t) != layout(s) => return own,
            _ => target = Some(s.clone()),
        }
    }
    target.unwrap_or(own)
}

/// A tensor's table in the layout of the module doc.
pub fn table_of(shape: &[usize], values: &[i64]) -> Result<Mle> {
    let (r, c) = layout(shape);
    Mle::from_matrix(&fr_vec(values), r, c)
}

/// Variables of the widest table of `q`: a committed tensor, a lookup's
/// helper column or a range table.
pub fn widest_table(q: &QGraph) -> usize {
    let mut nv = log2_ceil(2 * q.bound() as usize + 1).max(MAX_SHIFT as usize);
    for (id, v) in q.values.iter().enumerate() {
        nv = nv
            .max(num_vars(&v.shape))
            .max(num_vars(&layout_shape(q, id)));
    }
    for i in 0..q.nodes.len() {
        if is_fn_lookup(&q.nodes[i].op) {
            // The function's table (one more entry for the padding).
            nv = nv.max(fn_table_vars(q, &q.nodes[i].op));
        }
        if matches!(q.nodes[i].op, QOp::MaxPool(_)) {
            // The auxiliary table and the difference table (2^b + 1 entries).
            nv = nv
                .max(aux_vars(q, i).unwrap_or(0))
                .max(q.act_bits as usize + 1);
        }
        if matches!(q.nodes[i].op, QOp::Softmax { .. }) {
            // The auxiliary table and the node's lookup tables.
            nv = nv
                .max(softmax::aux_vars(q, i))
                .max(softmax::table_vars(q, i));
        }
    }
    nv
}

#[cfg(test)]
mod maxpool_tests;
#[cfg(test)]
mod product_tests;
#[cfg(test)]
mod softmax_tests;
#[cfg(test)]
mod table_tests;
#[cfg(test)]
pub(crate) mod tests;
