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
//! **Batching** ([`prove_zk_batch`]): several columns `w_0, …, w_{K−1}`
//! (`2^{n_k}` entries each) against one table are one witness `W` of
//! `2^N` entries: the columns laid end to end, largest first, so column `k`
//! starts at an offset `o_k` that is a multiple of `2^{n_k}` (`Concat`),
//! and the rest of `W` padded with `T_0` (an entry of the table: its count
//! goes to `m_0`). One `m`, one tree, one table sumcheck and one opening of
//! `m` serve all columns. At the leaf point `r`,
//!
//! ```text
//! W̃(r) = Σ_k sel_k(r)·w̃_k(r_{<n_k}) + (1 − Σ_k sel_k(r))·T_0,    sel_k(r) = Π_{b ≥ n_k} eq(r_b, bit_b(o_k))
//! ```
//!
//! (`sel_k` is the multilinear indicator of column `k`'s block). The prover
//! sends `Com(w̃_k(r_{<n_k}))` for every column but the last; the verifier
//! forms the last one as `sel_{K−1}^{-1}·(Com(W̃(r)) − pad·T_0·U − Σ sel_k·C_k)`
//! (`sel_{K−1}(r) = 0` with probability `≤ N/p`: rejected). Each column's
//! claim goes back to its caller, so a column whose entries are not in the
//! table makes the batched identity fail whatever the other columns hold.
//! The column count and sizes are absorbed first (from the caller, never
//! from the proof).
//!
//! **Several tables** ([`prove_zk_multi`]): columns of different tables
//! share the one tree. After the columns are bound the verifier draws `δ`;
//! every entry of a column of table `t` is tagged `w + δ·t` and table `t`
//! becomes `T_t + δ·t`, so a value of one table cannot stand in another's
//! (`w + δ·t = T_{t'} + δ·t'` with `t ≠ t'` fixes `δ`: probability
//! `≤ |w|·|T|/p`). Each table keeps its own `m_t`, sum
//! `S_t = Σ_j m_{t,j}/(α − T_{t,j} − δ·t)`, table sumcheck and opening of
//! `m_t`; the cross check is `P = (Σ_t S_t)·Q` against `Σ_t Com(S_t)`. The
//! columns' claims are untagged before they are returned (`Com(w̃_k) =
//! Com(w̃'_k) − δ·t_k·U`, the tag being constant on the column). One table
//! is the case `δ = 0` (not drawn). [`prove_zk_multi_deferred`] leaves the
//! claims on the `m_t` (a point and `Com(m̃_t(point))` each) to the caller,
//! who opens them with its other tables. After the cross check the witness
//! tree and each table's sumcheck (with its opening of `m_t`) read none of
//! each other's messages: each runs on its own transcript branch
//! ([`crate::transcript::Transcript::fork`]), on its own thread in the
//! prover, and the branches are joined (in order: tree, tables) before the
//! columns' commitments.
//!
//! **Soundness.** `Q = Π(α − w_i)` is nonzero unless `α` hits an entry, so
//! `P = S·Q` is the LogUp identity at `α`, which implies inclusion except with
//! probability ≤ `(2^n + 2^ν)/p` (Haböck's lemma); each layer adds its
//! sumcheck's `3k/p` and the `λ`/`β` reductions `2/p`.
//!
//! **Zero knowledge.** The verifier sees `m`'s Hyrax commitment (perfectly
//! hiding), Pedersen commitments to `P`, `Q`, `S`, every round value, every
//! claimed value and every column's value (`K − 1` fresh commitments), and
//! Σ-protocol transcripts: simulatable as in [`crate::zk`]; the histogram
//! `m` (of all columns together) and the sums stay hidden.

mod layer;
pub mod msg;
pub mod prover;
pub mod verifier;

pub use msg::ZkLogUpProof;
pub use prover::{
    prove_zk, prove_zk_batch, prove_zk_multi, prove_zk_multi_deferred, ColumnClaim, MClaim,
};
pub use verifier::{
    verify_zk, verify_zk_batch, verify_zk_multi, verify_zk_multi_deferred, ZkMClaim,
};

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

/// Where the columns of a batched lookup sit in the one witness vector `W`
/// of the tree (see the [module doc](self)): columns sorted by size, largest
/// first (ties in column order), each at an offset that is a multiple of
/// its own size; `W` has `2^num_vars ≥ 2` entries, the rest padding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Concat {
    /// `N`: variables of `W` (at least 1).
    pub num_vars: usize,
    /// Offset of each column, in column order.
    pub offsets: Vec<usize>,
}

impl Concat {
    /// The layout of columns of `2^{nvs[k]}` entries (shared by both ends:
    /// the sizes come from the model, never from the proof).
    pub(crate) fn new(nvs: &[usize]) -> Result<Self> {
        let mut order: Vec<usize> = (0..nvs.len()).collect();
        order.sort_by_key(|&k| std::cmp::Reverse(nvs[k]));
        let mut offsets = vec![0; nvs.len()];
        let mut end = 0usize;
        for k in order {
            let len = 1usize
                .checked_shl(nvs[k] as u32)
                .filter(|&l| nvs[k] < 48 && end.checked_add(l).is_some())
                .ok_or_else(|| crate::Error::Invalid("a lookup column too large".into()))?;
            offsets[k] = end;
            end += len;
        }
        Ok(Self {
            num_vars: crate::mle::log2_ceil(end).max(1),
            offsets,
        })
    }

    /// `sel_k(r) = Π_{b = n_k}^{N−1} eq(r_b, bit_b(offset_k))`: the
    /// multilinear extension of "index `x` lies in column `k`'s block" over
    /// the index's high bits, so `W̃(r) = Σ_k sel_k(r)·w̃_k(r_{<n_k}) +
    /// (1 − Σ_k sel_k(r))·T_0`.
    pub(crate) fn selector(&self, k: usize, nv: usize, r: &[Fr]) -> Fr {
        let off = self.offsets[k];
        r.iter()
            .enumerate()
            .skip(nv)
            .fold(Fr::from(1), |acc, (b, rb)| {
                if (off >> b) & 1 == 1 {
                    acc * rb
                } else {
                    acc * (Fr::from(1) - rb)
                }
            })
    }
}

/// Absorbs a batched lookup's shape (both ends): the column count and each
/// column's variables.
pub(crate) fn absorb_columns(t: &mut crate::transcript::Transcript, nvs: &[usize]) {
    t.absorb_u64(b"zk/logup-gkr/columns", nvs.len() as u64);
    for &n in nvs {
        t.absorb_u64(b"zk/logup-gkr/column_vars", n as u64);
    }
}

/// Absorbs a multi-table lookup's tables count and each column's table
/// (both ends; nothing when there is one table, the single-table format).
pub(crate) fn absorb_tags(t: &mut crate::transcript::Transcript, tables: usize, tags: &[usize]) {
    if tables > 1 {
        t.absorb_u64(b"zk/logup-gkr/tables", tables as u64);
        for &k in tags {
            t.absorb_u64(b"zk/logup-gkr/column_table", k as u64);
        }
    }
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
