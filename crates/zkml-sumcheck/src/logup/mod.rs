//! LogUp lookups (Haböck, ePrint 2022/1530) with committed multiplicities and
//! committed helper columns, proved by two batched zero-check sumchecks.
//!
//! Statement: every entry of a witness column `w ∈ F^{2^n}` lies in a public
//! table `T ∈ F^{2^ν}` (padded to a power of two by repeating `T[0]`). A
//! multi-column lookup (e.g. ReLU's `(x, relu x)`) is one column
//! `w = a + γ·b` against `T = T_a + γ·T_b` for a challenge `γ` the caller
//! draws after committing `a` and `b`.
//!
//! LogUp lemma: for `p` larger than the number of lookups, `w ⊆ T` iff there
//! are `m ∈ F^{2^ν}` with
//!
//! ```text
//! Σ_i 1/(α − w_i) = Σ_j m_j/(α − T_j)        as rational functions of α.
//! ```
//!
//! Protocol (everything absorbed before the next challenge):
//!
//! 1. P commits `m` (Hyrax, hiding). V draws `α`.
//! 2. P commits `h_i = 1/(α − w_i)` and `g_j = m_j/(α − T_j)`, sends `S = Σ_i h_i`.
//! 3. V draws `τ_w ∈ F^n`, `τ_T ∈ F^ν`, `λ`. Two degree-3 sumchecks:
//!    ```text
//!    Σ_x h(x) + λ·eq(τ_w, x)·(h(x)·(α − w(x)) − 1)       = S
//!    Σ_y g(y) + λ·eq(τ_T, y)·(g(y)·(α − T(y)) − m(y))    = S
//!    ```
//!    The `eq` terms are zero-checks: their sums are the multilinear extension of
//!    `h·(α − w) − 1` (resp. `g·(α − T) − m`) at a random point, zero for all
//!    `τ` only if the constraint holds on the whole hypercube.
//! 4. At the sumchecks' points `r_w`, `r_T` the verifier computes `eq` and
//!    `T̃(r_T)` itself, and checks the final claims with `h̃(r_w)`, `w̃(r_w)`,
//!    `g̃(r_T)`, `m̃(r_T)`: `h`, `g`, `m` are opened by Hyrax evaluation proofs,
//!    `w̃(r_w)` is returned to the caller as a [`LookupClaim`] to discharge.
//!
//! Soundness: `α` is drawn after `m` and `w` are fixed, so a false inclusion
//! survives with probability ≤ `(2^n + 2^ν)/p` (the two sides differ as
//! rational functions of degree ≤ `2^n + 2^ν`); each zero-check adds
//! `n/p` (resp. `ν/p`), each sumcheck `3n/p`. The caller must have bound `w`
//! (a commitment, or an earlier claim) in the transcript before calling.
//!
//! [`prove`]/[`verify`] send `S`, the round polynomials and the opened values
//! in the clear (`S` and the openings of `m` leak information about the
//! histogram of `w`). The zero-knowledge lookup is another protocol,
//! [`gkr`] ([`prove_zk`]/[`verify_zk`]): LogUp-GKR, which commits nothing
//! witness-sized (committing `h` was most of the prover's time), keeps every
//! value in Pedersen commitments and returns `Com(w̃(r_w))`.

pub mod gkr;
pub mod msg;
pub mod prover;
pub mod verifier;

pub use gkr::{
    prove_zk, prove_zk_batch, prove_zk_multi, prove_zk_multi_deferred, verify_zk, verify_zk_batch,
    verify_zk_multi, verify_zk_multi_deferred, ZkLogUpProof,
};
pub use msg::{LogUpProof, LookupClaim, ZkLookupClaim};
pub use prover::prove;
pub use verifier::verify;

use crate::error::{Error, Result};
use crate::field::Fr;

/// The table padded to a power of two by repeating its first entry (a
/// duplicate entry changes nothing: its multiplicity may be zero).
pub fn padded_table(table: &[Fr]) -> Result<Vec<Fr>> {
    let first = *table
        .first()
        .ok_or_else(|| Error::Invalid("a lookup table needs at least one entry".into()))?;
    let mut t = table.to_vec();
    t.resize(table.len().next_power_of_two(), first);
    Ok(t)
}

/// The integer table `lo, lo+1, …, hi` as field elements (a range check).
pub fn range_table(lo: i64, hi: i64) -> Vec<Fr> {
    (lo..=hi).map(crate::field::fr_from_i64).collect()
}

/// Witness-side summand over factors `[h, eq(τ_w, ·), w]`:
/// `h + λα·eq·h − λ·eq·h·w − λ·eq`.
pub(crate) fn witness_terms(lambda: Fr, alpha: Fr) -> Vec<(Fr, Vec<usize>)> {
    vec![
        (Fr::from(1), vec![0]),
        (lambda * alpha, vec![1, 0]),
        (-lambda, vec![1, 0, 2]),
        (-lambda, vec![1]),
    ]
}

/// Table-side summand over factors `[g, eq(τ_T, ·), T, m]`:
/// `g + λα·eq·g − λ·eq·g·T − λ·eq·m`.
pub(crate) fn table_terms(lambda: Fr, alpha: Fr) -> Vec<(Fr, Vec<usize>)> {
    vec![
        (Fr::from(1), vec![0]),
        (lambda * alpha, vec![1, 0]),
        (-lambda, vec![1, 0, 2]),
        (-lambda, vec![1, 3]),
    ]
}

#[cfg(test)]
mod tests;
