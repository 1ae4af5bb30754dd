//! The opening phase: every claim on a committed table (the packed witness
//! table `F`, whose claims are the tensors' and auxiliary tables' claims at
//! `p ‖ b_k`, [`super::packed`]; hidden constants and their limbs; the
//! lookup's multiplicity vectors `m_t`, whose claims the lookup leaves here:
//! [`crate::logup::prove_zk_multi_deferred`]), grouped by the table's number
//! of variables `n`, and each group reduced to **one** Hyrax opening. The
//! prover builds `F`'s `E` block by block (`eq(p ‖ b_k, ·)` is
//! `eq(p, ·)` on block `k` and zero elsewhere); the verifier evaluates
//! `eq(p ‖ b_k, r)` in `O(n)`.
//!
//! A group holds tables `f_1, …, f_K` (all `n`-variable) with claims
//! `Com(v_{k,j})`, `v_{k,j} = f̃_k(p_{k,j})`. One claim alone is opened as is.
//! Otherwise the verifier draws `μ_{k,j}` (one per claim) and both ends run
//! the committed sumcheck ([`crate::zk`])
//!
//! ```text
//! Σ_{k,j} μ_{k,j}·v_{k,j} = Σ_x Σ_k f_k(x)·E_k(x),      E_k(x) = Σ_j μ_{k,j}·eq(p_{k,j}, x)
//! ```
//!
//! whose claim the verifier forms as `Σ μ_{k,j}·C_{k,j}`; `E_k` is public
//! (the verifier evaluates `E_k(r) = Σ_j μ_{k,j}·eq(p_{k,j}, r)` in
//! `O(J·n)`), `f_k` committed, so the sumcheck ends with `Com(f̃_k(r))` at
//! one point `r` for every table and no proof of product. The verifier then
//! draws `ν_k` and the prover opens `Σ_k ν_k·f_k` at `r` (Hyrax, the row
//! commitments combined homomorphically, [`crate::hyrax::prove_eval_combined`])
//! against `Σ_k ν_k·Com(f̃_k(r))`.
//!
//! **Soundness.** If some `v_{k,j} ≠ f̃_k(p_{k,j})`, the left side differs
//! from the true sum except with probability `1/p` over `μ` (a nonzero
//! linear form); the sumcheck then ends at a false claim on some `f̃_k(r)`
//! except with probability `2n/p`, and a false `f̃_k(r)` survives the
//! combination with probability `1/p` over `ν`; the opening is sound under
//! discrete log.
//!
//! **Zero knowledge.** The verifier sees committed round values, `K`
//! commitments `Com(f̃_k(r))` with fresh blinds, Σ-protocol transcripts and
//! one Hyrax proof of dot product against a committed value: simulatable
//! as in [`crate::zk`] and [`crate::hyrax`].

use crate::codec::{Encode, Reader, Writer};
use crate::field::Fr;
use crate::hyrax::DotProductProof;
use crate::zk::ZkSumcheckProof;

/// One group's messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpeningBatch {
    /// The reduction sumcheck (absent when the group has one claim).
    pub reduce: Option<ZkSumcheckProof>,
    /// The Hyrax opening of `Σ_k ν_k·f_k` at the sumcheck's point.
    pub open: DotProductProof,
}

impl Encode for OpeningBatch {
    fn encode(&self, w: &mut Writer) {
        w.option(&self.reduce);
        self.open.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> crate::Result<Self> {
        Ok(Self {
            reduce: r.option()?,
            open: DotProductProof::decode(r)?,
        })
    }
}

/// A group: the variables `n`, and per table its key and claim indices.
pub(crate) type Group<K> = (usize, Vec<(K, Vec<usize>)>);

/// Groups claims by their table's variables: per `n` (ascending), the
/// distinct tables in order of first claim, each with the indices of its
/// claims. `table_of(i)` names claim `i`'s table and its variables.
pub(crate) fn groups<K: PartialEq + Copy>(
    claims: usize,
    table_of: impl Fn(usize) -> (K, usize),
) -> Vec<Group<K>> {
    let mut out: Vec<Group<K>> = vec![];
    for i in 0..claims {
        let (k, n) = table_of(i);
        let g = match out.iter_mut().position(|(m, _)| *m == n) {
            Some(g) => g,
            None => {
                out.push((n, vec![]));
                out.len() - 1
            }
        };
        let tabs = &mut out[g].1;
        match tabs.iter_mut().find(|(t, _)| *t == k) {
            Some((_, v)) => v.push(i),
            None => tabs.push((k, vec![i])),
        }
    }
    out.sort_by_key(|(n, _)| *n);
    out
}

/// The reduction sumcheck's terms: `f_k·E_k` over factors `[f_1, E_1, …]`.
pub(crate) fn reduce_terms(k: usize) -> (Vec<(Fr, Vec<usize>)>, Vec<bool>) {
    let terms = (0..k)
        .map(|i| (Fr::from(1), vec![2 * i, 2 * i + 1]))
        .collect();
    let public = (0..2 * k).map(|i| i % 2 == 1).collect();
    (terms, public)
}
