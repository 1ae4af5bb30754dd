//! MaxPool: `y(o) = max_{a ∈ window(o)} x(a)`, windows that all count `K`
//! (both backends share these tables; the relations are in the provers and
//! verifiers beside the other ops).
//!
//! **Witness.** Per output `o` and window slot `j < K' = 2^{kv}` (`kv =
//! ⌈log2 K⌉`; a slot `j ≥ K` repeats slot 0): the difference
//! `d_j(o) = y(o) − x(w_j(o))` and a selector `s_j(o) ∈ {0, 1}` marking one
//! slot where `d_j(o) = 0`. Both are committed as one auxiliary table `R`
//! over `nv_out + kv + 1` variables: `R(o, j, 0) = d_j(o)`, `R(o, j, 1) =
//! s_j(o)` (table index `o + 2^{nv_out}·(j + K'·t)`; output bits first).
//!
//! **Relations** (fresh `ρ` over the output, `σ` over the slots, `γ` after):
//!
//! 1. gather: `Σ_j eq(σ, j)·(y(o) − d_j(o)) = x(w_j(o))` summed against
//!    `eq(ρ, o)`: `ỹ(ρ) − R̃(ρ, σ, 0) = Σ_a x̃(a)·G(a)` with the public
//!    `G(a) = Σ_o eq(ρ, o)·Σ_j eq(σ, j)·[a = w_j(o)]` (one sumcheck, as for a
//!    pool or gather);
//! 2. one selected slot per real output: `Σ_j s_j(o) = I(o)`, at `ρ`:
//!    `2^{kv}·R̃(ρ, ½, …, ½, 1) = Ĩ(ρ)` (the sum of a multilinear over the
//!    slot cube is `2^{kv}` times its value at the centre);
//! 3. one LogUp of `d + γ·s` over `(o, j)` against
//!    `{d : 0 ≤ d < 2^b} ∪ {γ}` (`b` = activation bits): every `d_j(o)` is
//!    in `[0, 2^b)`, every `s_j(o)` is 0 or 1, and `s_j(o) = 1` forces
//!    `d_j(o) = 0`.
//!
//! **Why that is MaxPool.** `x` is the previous layers' exact integers. By
//! (3) and (2) exactly one slot `j*` has `s = 1` and `d_{j*}(o) = 0`, so
//! `y(o) = x(w_{j*}(o))` is an integer in the activation range; then for
//! every slot `y(o) − x(w_j(o)) = d_j(o) ∈ [0, 2^b)` as a field element,
//! while as integers it lies in `(−2^b, 2^b)`: it is non-negative, so
//! `y(o) ≥ x(a)` for every `a` in the window. Padding outputs (outside the
//! block) have `I(o) = 0`, so all their selectors are 0; nothing there
//! reaches a real entry.

use super::{num_vars, pool_windows};
use crate::conv::table_index;
use crate::error::{Error, Result};
use crate::field::{fr_from_i64, Field, Fr};
use crate::mle::{eq_table, log2_ceil, Mle};
use zkml_core::{QGraph, QOp, Trace};

/// The windows of MaxPool node `i` (one list of `K` input indices per
/// output, row-major) and `K`; `None` for another op or uneven windows.
pub(crate) fn windows(q: &QGraph, i: usize) -> Option<(Vec<Vec<usize>>, usize)> {
    match &q.nodes[i].op {
        QOp::MaxPool(p) => pool_windows(p, &q.values[q.nodes[i].inputs[0]].shape),
        _ => None,
    }
}

/// `kv`: variables of the slot index.
pub(crate) fn slot_vars(k: usize) -> usize {
    log2_ceil(k)
}

/// Variables of node `i`'s auxiliary table `R` (`nv_out + kv + 1`).
pub(crate) fn aux_vars(q: &QGraph, i: usize) -> Result<usize> {
    let (_, k) = windows(q, i).ok_or_else(|| uneven(q, i))?;
    Ok(num_vars(&q.values[q.nodes[i].output].shape) + slot_vars(k) + 1)
}

fn uneven(q: &QGraph, i: usize) -> Error {
    Error::Invalid(format!(
        "node `{}`: MaxPool windows differ in size",
        q.nodes[i].name
    ))
}

/// The input index of slot `j` of window `w` (slots past `K` repeat slot 0).
fn slot(w: &[usize], j: usize) -> usize {
    w.get(j).copied().unwrap_or(w[0])
}

/// `R` of the module doc from the executor's trace. Fails when an output is
/// not its window's maximum (the trace is not the executor's). `forge`
/// (tests) builds `R` from the true maxima of the input instead of the
/// trace's output: what a cheating prover commits to for a wrong output.
pub(crate) fn aux_table(q: &QGraph, i: usize, trace: &Trace, forge: bool) -> Result<Mle> {
    let node = &q.nodes[i];
    let (wins, k) = windows(q, i).ok_or_else(|| uneven(q, i))?;
    let out_shape = &q.values[node.output].shape;
    let nv_out = num_vars(out_shape);
    let kp = 1usize << slot_vars(k);
    let x: Vec<i64> = trace.values[node.inputs[0]].iter().copied().collect();
    let y: Vec<i64> = if forge {
        wins.iter()
            .map(|w| w.iter().map(|&a| x[a]).max().unwrap_or(0))
            .collect()
    } else {
        trace.values[node.output].iter().copied().collect()
    };
    let mut r = vec![Fr::ZERO; 1 << (nv_out + slot_vars(k) + 1)];
    let half = kp << nv_out;
    for (o, w) in wins.iter().enumerate() {
        let idx = table_index(out_shape, o);
        let mut selected = false;
        for j in 0..kp {
            let d = y[o] - x[slot(w, j)];
            if d < 0 {
                return Err(Error::Invalid(format!(
                    "node `{}` (MaxPool): output entry {o} is below an entry of its window",
                    node.name
                )));
            }
            r[idx + (j << nv_out)] = fr_from_i64(d);
            if d == 0 && j < k && !selected {
                r[half + idx + (j << nv_out)] = Fr::ONE;
                selected = true;
            }
        }
        if !selected {
            return Err(Error::Invalid(format!(
                "node `{}` (MaxPool): output entry {o} is not an entry of its window",
                node.name
            )));
        }
    }
    Mle::new(r)
}

/// The lookup column `w = d + γ·s` over `(o, j)` (the first half of `R`
/// plus `γ` times the second).
pub(crate) fn lookup_column(aux: &Mle, gamma: Fr) -> Vec<Fr> {
    let half = aux.evals.len() / 2;
    (0..half)
        .map(|i| aux.evals[i] + gamma * aux.evals[half + i])
        .collect()
}

/// The lookup table `{d : 0 ≤ d < 2^b} ∪ {γ}`.
pub(crate) fn lookup_table(q: &QGraph, gamma: Fr) -> Vec<Fr> {
    let mut t: Vec<Fr> = (0..1i64 << q.act_bits).map(fr_from_i64).collect();
    t.push(gamma);
    t
}

/// `G(a)` of relation (1) over the input's padded table.
pub(crate) fn gather_table(q: &QGraph, i: usize, rho: &[Fr], sigma: &[Fr]) -> Result<Vec<Fr>> {
    let node = &q.nodes[i];
    let (wins, k) = windows(q, i).ok_or_else(|| uneven(q, i))?;
    let x_shape = &q.values[node.inputs[0]].shape;
    let out_shape = &q.values[node.output].shape;
    let eq_o = eq_table(rho);
    let eq_s = eq_table(sigma);
    let mut g = vec![Fr::ZERO; 1 << num_vars(x_shape)];
    for (o, w) in wins.iter().enumerate() {
        let e = eq_o[table_index(out_shape, o)];
        for (j, es) in eq_s.iter().enumerate().take(1 << slot_vars(k)) {
            g[table_index(x_shape, slot(w, j))] += e * es;
        }
    }
    Ok(g)
}

/// The points of `R` at `(ρ, σ, 0)` and `(ρ, ½…½, 1)`.
pub(crate) fn claim_points(rho: &[Fr], sigma: &[Fr]) -> (Vec<Fr>, Vec<Fr>) {
    let half = Fr::from(2).invert().unwrap_or(Fr::ZERO);
    let d: Vec<Fr> = rho.iter().chain(sigma).copied().chain([Fr::ZERO]).collect();
    let s: Vec<Fr> = rho
        .iter()
        .copied()
        .chain(std::iter::repeat_n(half, sigma.len()))
        .chain([Fr::ONE])
        .collect();
    (d, s)
}

/// `point ‖ t` (a point of the lookup column lifted to `R`).
pub(crate) fn lift(point: &[Fr], t: Fr) -> Vec<Fr> {
    point.iter().copied().chain([t]).collect()
}

/// `2^{kv}`: the centre value of the selectors times this is their sum.
pub(crate) fn slot_count(q: &QGraph, i: usize) -> Result<Fr> {
    let (_, k) = windows(q, i).ok_or_else(|| uneven(q, i))?;
    Ok(Fr::from(1u64 << slot_vars(k)))
}
