//! # zkml-sumcheck
//!
//! zkml's second proving backend: sumcheck-based, transparent (no trusted
//! setup), on BN254. Two implementations of
//! [`zkml_core::backend::Backend`] for MatMul, Conv (any geometry, constant
//! weights), AveragePool and MaxPool (windows of equal size), Add/Sub with
//! constants, elementwise Mul (a constant operand broadcast, or two
//! activations of one shape), ReLU, Clip and every table function (`QOp::Table`: Sigmoid,
//! Tanh, Exp, …, one lookup mechanism), Gather and Transpose (index maps),
//! Reshape (a layout-changing one as a gather) and Softmax along the last
//! axis (exactly the executor's integer rule, [`model::softmax`]); every
//! other op (a Softmax over another axis among them) is refused at `setup`
//! with an error naming it:
//!
//! * [`zkmodel::ZkSumcheckBackend`]: **zero-knowledge**; input public or
//!   private, weights fixed, public, private or committed (hidden weights:
//!   MatMul, Conv, Mul and Add/Sub constants, committed once with Hyrax,
//!   [`model::key`], and every entry range-checked to the key's weight
//!   width, the plonk backend's rule: `zkmodel::weights`), output public.
//! * [`model::SumcheckBackend`]: the same relations with every claimed value
//!   in the clear (not zero-knowledge, so it accepts only public inputs and
//!   outputs); smaller and faster, and the reference the ZK version mirrors.
//!
//! ## Layers of the crate
//!
//! * [`field`]: BN254 `Fr` and G1 from `halo2curves-axiom` (the curve crate of
//!   `halo2-axiom`, so values mix with the plonk backend's), `x ↦ x mod p`
//!   for integers, MSM.
//! * [`transcript`]: Fiat–Shamir over BLAKE2b-512; every absorb is
//!   `len(label) ‖ label ‖ len(data) ‖ data`.
//! * [`mle`]: multilinear tables, folding, `eq`. **Bit order**: variable `k`
//!   is bit `k` of the table index, least significant first; a row-major
//!   matrix has its column bits first.
//! * [`sumcheck`]: `H = Σ_{x∈{0,1}^n} Σ_t c_t Π_{k∈S_t} f_k(x)`; round `j`
//!   sends `g_j(0..=d)`, the verifier checks `g_j(0) + g_j(1) = claim_j` and
//!   sets `claim_{j+1} = g_j(r_j)`; wrong round counts or lengths are
//!   malformed proofs.
//! * [`matmul`]: Thaler's protocol,
//!   `C̃(r_c, r_r) = Σ_y Ã(y, r_r)·B̃(r_c, y)`, one degree-2 sumcheck over the
//!   inner index, prover `O(mk + kn)` after the executor's product.
//! * [`hyrax`]: Hyrax's multilinear commitment: `√N` Pedersen row commitments
//!   `C_i = Σ_j M_ij·G_j + ρ_i·H` with generators hashed to the curve from a
//!   public seed; evaluation `f̃(r) = Lᵀ·M·R` proved by the proof of dot
//!   product on `C_x = Σ_i L_i·C_i` (perfectly hiding commitments, HVZK
//!   openings, binding under discrete log).
//! * [`logup`]: `Σ_i 1/(α − w_i) = Σ_j m_j/(α − T_j)` with `m`,
//!   `h = 1/(α − w)`, `g = m/(α − T)` committed, proved by two batched
//!   zero-check sumchecks; range tables and two-column tables (ReLU) via
//!   `w = a + γ·b`. The zero-knowledge lookup ([`logup::gkr`]) is
//!   LogUp-GKR, batched: every column of one table in one fraction tree.
//! * [`conv`]: Conv and index-map gathers as one product sumcheck over the
//!   input against a public table the verifier computes (`G_ρ`, the
//!   transposed conv of `eq(ρ, ·)`): no im2col matrix is committed.
//! * [`zk`]: proof of zero, proof of product, committed sumcheck, and the
//!   verifier's deferred group equations ([`zk::deferred`]): every check of
//!   a verification collected and tested in one MSM under random weights.
//! * [`api`]: the `Backend` trait's planning, byte formats and parameters
//!   for both backends (the CLI's `--backend sumcheck` is the ZK one).
//! * [`zkmodel`]: [`model`] with every claimed value committed, and one
//!   batched lookup (one fraction tree) for the whole model
//!   ([`zkmodel::lookups`]).
//! * [`model`]: commit-and-prove over a `QGraph`: every hidden tensor and
//!   every rescale remainder committed first, then one relation per node, then
//!   one Hyrax opening per claim on a committed table. Rescale
//!   `y = rshift(x·W, s)` is `x·W + 2^{s−1} = 2^s·y + r` with **both** `r`
//!   and `y` range-checked (the quotient too, so nothing wraps mod p).
//!
//! Every protocol is a folder with `prover.rs`, `verifier.rs` and `msg.rs`
//! over one [`transcript::Transcript`]; verifiers take their parameters
//! (sizes, degrees, tables, the model) from their caller, never from the
//! proof, and never call prover code. The transcript absorbs the model
//! digest, the public values and every message the prover sends before the
//! challenge that depends on it; a point the verifier derives from those
//! (a committed claim formed homomorphically) is bound through them and
//! never formed: the zero-knowledge verifier keeps it as a linear
//! combination and checks all its group equations in one MSM at the end
//! ([`zk::deferred`]; a false equation passes with probability `1/p`).
//!
//! ## Soundness (what is tested)
//!
//! Each protocol's tests run both ends on random instances and reject: every
//! tampered round value, a consistent forgery of a round (`g(0)+g(1)` kept),
//! wrong final factor values, wrong-degree and wrong-count messages, a wrong
//! matrix entry, a wrong evaluation, tampered commitments and Σ-protocol
//! responses, an out-of-table value proved against a wider table, a forged
//! hidden layer (all other relations consistent), changed public inputs and
//! outputs, a key for other weights, and a second encoding of any proof
//! message ([`codec`] takes only canonical scalars and points). Hidden
//! weights (`zkmodel/weights_tests.rs`): a prover running other weights than
//! the committed ones (MatMul, Conv kernel and bias, Add and Mul constants),
//! a committed table with nonzero padding, another setup's verifying key,
//! another published weights commitment, tampered commitments and bias
//! messages; and the verifying key holds no weight value.
//!
//! ## Zero knowledge
//!
//! In [`model`] the verifier sees the Hyrax commitments (perfectly hiding),
//! the sumcheck round polynomials and every claimed evaluation in the clear
//! (`ỹ(ρ)`, `r̃(ρ)`, `Ã(r_y, r_r)`, the LogUp sum `S = Σ 1/(α − w_i)`, `h̃,
//! g̃, m̃`): public linear (for `S`, rational) functions of hidden values, and
//! `m̃` leaks about the histogram of activations. [`zkmodel`] removes every
//! one of them (Hyrax, Wahby et al. 2018): round values and claimed values are
//! Pedersen commitments `v·U + ρ·H` ([`zk`]), the verifier's linear checks
//! become proofs that a homomorphically formed point commits to zero, products
//! of claimed values are proofs of product, and Hyrax openings are against
//! committed values. What the verifier sees is then only perfectly hiding
//! commitments and Σ-protocol transcripts; a simulator picks the commitments
//! uniformly and solves each Σ-protocol's first message from random responses
//! (special HVZK), which is distributed exactly as an honest proof, without
//! the witness. The LogUp sum and multiplicities stay inside commitments.
//! A Softmax node adds nothing else: its witness (lane maxima, selectors,
//! rounded differences, exponentials, lane sums, remainders) is one
//! Hyrax-committed auxiliary table, its thirteen claimed values Pedersen
//! commitments, its seven linear relations one proof of zero under random
//! weights, its division a committed sumcheck with a proof of product, and
//! its lookups columns of the model's batched LogUp: the same simulator
//! applies.
//! Batching the verifier's equations into one MSM changes nothing here: the
//! messages are the same, and the batch's weights are the verifier's own
//! randomness, drawn after the proof is read.
//! Hidden weights add, per constant, its Hyrax commitment (made once),
//! openings against it and a column of the batched LogUp (its range check,
//! the multiplicities committed): the same simulator applies.
//! Not covered yet: committed (publicly bound) inputs, hidden weights read
//! by ops other than MatMul, Conv, Mul and Add/Sub, hidden outputs and
//! revealed output elements.
#![deny(missing_docs)]

pub mod api;
pub(crate) mod branch;
pub mod codec;
pub mod conv;
pub mod error;
pub mod field;
pub mod hyrax;
pub mod int_eval;
pub mod logup;
pub mod matmul;
pub mod mle;
pub mod model;
pub mod profile;
pub mod sumcheck;
#[cfg(test)]
pub(crate) mod test_utils;
pub mod transcript;
pub mod univariate;
pub mod zk;
pub mod zkmodel;

pub use api::SumcheckPlan;
pub use error::{Error, Result};
pub use model::SumcheckBackend;
pub use zkmodel::ZkSumcheckBackend;
