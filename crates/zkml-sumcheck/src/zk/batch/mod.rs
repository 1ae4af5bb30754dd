//! A **batch** of committed sumchecks run as one ([`prove_sumcheck_batch`],
//! [`verify_sumcheck_batch`]): instances `i = 1..K` with `n_i` variables,
//! degree `d_i`, terms, public factors and committed claims `C_{c_i}`.
//!
//! The statement `(K, (n_i, d_i)_i)` is absorbed, then the verifier draws
//! `λ_1..λ_K`. With `N = max n_i` and `D = max d_i`, instance `i` is read as
//! a function of `N` variables that ignores the first `N − n_i` (its sum is
//! then `2^{N−n_i}·c_i`), and the batch is the one committed sumcheck of
//! [`super`] for `Σ_i λ_i·f_i` with the claim
//! `Σ_i λ_i·2^{N−n_i}·C_{c_i}` (formed by the verifier, never sent), degree
//! `D`: `N` rounds of `D` committed values instead of `Σ_i n_i·d_i`. During
//! instance `i`'s first `N − n_i` rounds its round polynomial is the
//! constant `e_i/2` (`e_i` its scaled claim, halved each such round); after
//! them its own rounds bind its variables, so its point is the last `n_i`
//! challenges. At the end every instance's committed factors are committed
//! at its point (in instance order), its products proved, and one proof of
//! zero shows `C_{claim_N} − Σ_i λ_i·Σ_t c_{i,t}·Π(public)·C_{term_{i,t}}`
//! commits to zero.
//!
//! **Soundness.** If some `c_i` is not instance `i`'s sum, the batched claim
//! is wrong except for one value of `λ_i` given the others (probability
//! `1/p` over `λ_i`, drawn after the claims are bound); the committed
//! sumcheck on the combination then fails except with probability
//! `N·D/p`, and the final check ties every instance's factor commitments to
//! the combination's value at the point.
//!
//! **Zero knowledge.** The messages are those of [`super`]'s committed
//! sumcheck (perfectly hiding commitments and Σ-protocol responses) on the
//! combined polynomial: the same simulator applies.
//!
//! With `K = 1` this is [`super::prove_sumcheck`]'s protocol with one more
//! absorbed statement and `λ_1` (not its transcript: the two are not
//! interchangeable).

mod prover;
mod verifier;

pub use prover::{prove_sumcheck_batch, BatchInstance, BatchOutput};
pub use verifier::{verify_sumcheck_batch, BatchShape};

use crate::field::Fr;
use crate::transcript::Transcript;

/// Absorbs the batch's statement (both ends) and draws `λ_1..λ_K`.
fn absorb_batch(t: &mut Transcript, shapes: &[(usize, usize)]) -> Vec<Fr> {
    t.absorb_u64(b"zk/batch/count", shapes.len() as u64);
    for &(n, d) in shapes {
        t.absorb_u64(b"zk/batch/num_vars", n as u64);
        t.absorb_u64(b"zk/batch/degree", d as u64);
    }
    t.challenges(b"zk/batch/lambda", shapes.len())
}

/// `2^k` in the field.
fn pow2(k: usize) -> Fr {
    (0..k).fold(Fr::from(1), |a, _| a + a)
}

#[cfg(test)]
mod tests;
