//! Zero-knowledge LogUp: the witness side by a fractional-sum tree proved
//! layer by layer (LogUp-GKR, Papini–Haböck, ePrint 2023/1284), the table
//! side by one inner-product sumcheck against the public `1/(α − T_j)`;
//! every claimed value is a Pedersen commitment ([`crate::zk`]). Nothing
//! witness-sized is committed besides the multiplicities `m` (table-sized
//! small integers).
//!
//! **Statement.** Every entry of `w ∈ F^{2^n}` (bound earlier in the
//! transcript) is in the public table `T ∈ F^{2^ν}` (padded by repeating
//! `T[0]`; a one-entry `w` or `T` is doubled, so `n, ν ≥ 1`):
//! `Σ_i 1/(α − w_i) = Σ_j m_j/(α − T_j)` for `α` drawn after `m` is committed.
//!
//! **Witness tree.** Leaves `(p, q) = (1, α − w_i)`. Layer `k` (`2^k`
//! entries) from layer `k+1`:
//!
//! ```text
//! p_k(x) = p_{k+1}(x, 0)·q_{k+1}(x, 1) + p_{k+1}(x, 1)·q_{k+1}(x, 0),   q_k(x) = q_{k+1}(x, 0)·q_{k+1}(x, 1)
//! ```
//!
//! (the new variable is the top bit: `(x, b)` is index `x + b·2^k`), so the
//! root `(P, Q)` has `P/Q = Σ_i 1/(α − w_i)`.
//!
//! **Protocol.** P commits `P`, `Q` and `S = Σ_j m_j·c_j` with the public
//! `c_j = 1/(α − T_j)`, and proves `P = S·Q` (a proof of product whose product
//! commitment is `Com(P)`). Then, from the root down: with committed claims
//! `p̃_k(r)`, `q̃_k(r)` and a fresh `λ_k`, one committed sumcheck
//!
//! ```text
//! p̃_k(r) + λ_k·q̃_k(r) = Σ_x eq(r, x)·(p0·q1 + p1·q0 + λ_k·q0·q1)(x)      (p_b = p_{k+1}(·, b), q_b likewise)
//! ```
//!
//! ends at a point `s` with committed `p0(s), p1(s), q0(s), q1(s)`; for a
//! fresh `β`, `p̃_{k+1}(s, β) = (1 − β)·p0(s) + β·p1(s)` (and `q`) are the
//! next layer's committed claims (linear in the commitments, formed by the
//! verifier). At the leaves `p = 1` is the verifier's own value, and
//! `w̃(r_w) = α − q̃(r_w)` goes back to the caller as a commitment. The table
//! side is the committed sumcheck `S = Σ_y m̃(y)·c̃(y)` (degree 2, `c̃` evaluated
//! by the verifier in `O(2^ν)`), whose claim on `m̃` is a Hyrax opening.
//!
//! **Soundness.** `Q = Π(α − w_i)` is nonzero unless `α` hits an entry, so
//! `P = S·Q` is the LogUp identity at `α`, which implies inclusion except with
//! probability ≤ `(2^n + 2^ν)/p` (Haböck's lemma); each layer adds its
//! sumcheck's `3k/p` and the `λ`/`β` reductions `2/p`.
//!
//! **Zero knowledge.** The verifier sees `m`'s Hyrax commitment (perfectly
//! hiding), Pedersen commitments to `P`, `Q`, `S`, every round value and every
//! claimed value, and Σ-protocol transcripts: simulatable as in [`crate::zk`];
//! the histogram `m` and the sums stay hidden.

pub mod msg;
pub mod prover;
pub mod verifier;

pub use msg::ZkLogUpProof;
pub use prover::prove_zk;
pub use verifier::verify_zk;

use crate::error::Result;
use crate::field::Fr;

/// The layer sumcheck's terms over factors `[eq, p0, p1, q0, q1]`.
pub(crate) fn layer_terms(lambda: Fr) -> Vec<(Fr, Vec<usize>)> {
    vec![
        (Fr::from(1), vec![0, 1, 4]),
        (Fr::from(1), vec![0, 2, 3]),
        (lambda, vec![0, 3, 4]),
    ]
}

/// Which of `[eq, p0, p1, q0, q1]` the verifier evaluates itself at layer
/// `k` of `n`: `eq` always; at the last layer the leaves' public side
/// (`p` for the witness tree, `q` for the table tree).
pub(crate) fn layer_public(k: usize, n: usize, leaves_public: [bool; 2]) -> [bool; 5] {
    let last = k + 1 == n;
    let (p, q) = (last && leaves_public[0], last && leaves_public[1]);
    [true, p, p, q, q]
}

/// The table padded to a power of two of at least two entries.
pub(crate) fn zk_table(table: &[Fr]) -> Result<Vec<Fr>> {
    let mut t = super::padded_table(table)?;
    if t.len() == 1 {
        t.push(t[0]);
    }
    Ok(t)
}

#[cfg(test)]
mod tests;
