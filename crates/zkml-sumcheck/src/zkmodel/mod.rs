//! The zero-knowledge QGraph prover: [`crate::model`]'s relations with every
//! claimed value committed (Hyrax, §4–5 of Wahby et al. 2018).
//!
//! Same layout, commit phase and node order as [`crate::model`]. What
//! changes: each value the clear prover sends (`ỹ(ρ)`, `r̃(ρ)`, operand and
//! ReLU values) is sent as `Com(v; ρ_v) = v·U + ρ_v·H`; the verifier's checks
//! on them become commitments to zero, proved by Schnorr proofs
//! ([`crate::zk::prove_zero`]): for a MatMul the claim is
//! `C_t = 2^s·C_y + C_r − 2^{s−1}·Ĩ(ρ)·U` and the product sumcheck is the
//! committed one ([`crate::matmul::prove_zk`]); for Add/Sub/Reshape
//! `C_o − Σ ±2^k·C_a − c̃(ρ)·U` commits to zero; for a gathering Reshape
//! or a pool the committed claim `2^s·C_y + C_r − offset·U` is the committed
//! sumcheck `Σ_a x̃(a)·G̃_ρ(a)` with `G_ρ` a public factor ([`crate::conv`]);
//! for a Conv the same sumcheck with `G̃_ρ(r)` a *committed* factor (its
//! final check `x̃(r)·G̃_ρ(r)` a proof of product of two committed values, or
//! linear in `Com(G̃_ρ(r))` for a known input), then the committed weight
//! sumcheck `Com(G̃_ρ(r)) = Σ_k w̃(k)·T̃_{ρ,r}(k)` whose factor `T̃(κ)` the
//! verifier evaluates itself and whose `w̃(κ)` is committed and opened
//! against the key's fixed weights `W` ([`fixed`]; under hidden weights the
//! constant's own commitment) ([`crate::conv::weights`]); a MatMul's constant
//! operand likewise. `G̃_ρ(r)` is a function of `r` and the
//! weights only, but it is committed like every other claimed value, so
//! the argument below is unchanged (one more committed sumcheck and one
//! more proof of product, both special HVZK); for an
//! elementwise Mul the same claim is the committed sumcheck
//! `Σ_x ã(x)·b̃(x)·eq(ρ, x)` (`product.rs`); for a Softmax (`softmax.rs`)
//! the thirteen claimed values are commitments, its seven linear relations
//! one proof of zero under random weights, its division the committed
//! sumcheck `Σ_x s̃b(x)·ỹ(x)·eq(ρ, x)`; for ReLU
//! `C_o = γ^{-1}·(C_w − C_a)` is formed by the verifier, with `C_w` the
//! committed lookup value. Every lookup (rescale ranges, ReLU/Clip/table
//! function pairs, MaxPool's pairs, hidden inputs) is registered during the
//! walk and proved beside it, in one batched zero-knowledge LogUp for the
//! whole model (one fraction tree; per distinct table one `m`), [`lookups`].
//! After the commit phase (and the hidden weights' padding and limbs) every
//! node and the lookup run on their own transcript branch
//! ([`crate::transcript::Transcript::fork`]: each reads no other's
//! messages, each node's claims are on tables committed before the fork,
//! and the plan of lookups is a function of the key, `LookupPlan::of`), so
//! the prover runs them on rayon's threads; the branches are joined, in
//! order, before the openings, whose groups are branches too. Every hidden model input is range-checked against
//! the executor's activation range (so it is an integer input, not an
//! arbitrary field element). Every unknown value's table and every
//! auxiliary table are committed together, packed in one table ([`packed`]).
//! At the end every claim on a committed table is a
//! Hyrax opening against its committed value, and every claim on a known
//! tensor a proof that `C − ṽ(point)·U` commits to zero. The verifier forms
//! none of the points above: each stays a linear combination of proof
//! points, and every group equation of the whole verification (committed
//! rounds, proofs of zero and product, openings, the lookup's checks) is
//! tested at the end in one MSM under random weights
//! ([`crate::zk::deferred`]). A sumcheck's public factor values (`T̃(κ)`,
//! the dual and gather tables) enter only its final equation, never the
//! transcript, so that equation is computed on rayon's threads while the
//! walk goes on ([`crate::zk::Checks::push_later`]).
//!
//! **What the verifier sees:** the model, the public values, Hyrax
//! commitments (perfectly hiding), Pedersen commitments to every claimed value
//! and round value (perfectly hiding), and Σ-protocol transcripts (first
//! messages and responses). **Simulator:** pick every commitment uniformly
//! at random (the distribution of a perfectly hiding commitment to anything),
//! derive the challenges from the transcript as the verifier does, and
//! produce each Σ-protocol's responses uniformly and its first message from
//! the verification equation (proof of zero, proof of product, proof of dot
//! product are all special HVZK). The result has the honest proof's
//! distribution without the hidden input: the proof reveals nothing beyond
//! the public values (in the random-oracle model, under discrete log for
//! soundness; hiding is perfect).
//!
//! **Hidden weights** ([`weights`], keys in [`crate::model::key`]): every
//! constant is then a table committed once (at setup for private weights,
//! under the published commitment's blinding for committed ones), never a
//! value the verifier reads; every claim on it is a Hyrax opening in the
//! batched opening phase, and a proof that its padding is zero comes first.
//! Every entry of its committed table lies in the signed range of the key's
//! weight width (`[−2^(b−1), 2^(b−1))`, `b` the widest constant's bits, at
//! least 10: the plonk backend's width; past 16 bits as two committed limbs,
//! [`weight_limbs`]; past 32 refused), one column of the
//! batched lookup whose claim is opened against the same commitment, so
//! the statement is "some weights of at most `b` bits give these outputs"
//! ([`weights`], "Width"). The verifier sees its commitment, its lookup's
//! committed multiplicities (a histogram of the weights) and nothing else
//! of it (hiding and simulation as above).
//!
//! Accepted statements: input public or private; weights fixed, public,
//! private (hidden, bound by the verifying key's commitments) or committed
//! (hidden, bound by a published commitment, `zkml commit`); output public.
//! Hidden weights are opened by MatMul (`W`), Conv (kernel in its
//! per-dimension layout, bias), Mul (a constant of any broadcast) and
//! Add/Sub (a constant of the output's shape or broadcast over its rows); a
//! model with any other op reading a constant (a Gather of one, a constant
//! output) is refused at setup under hidden weights. Committed
//! inputs and hidden outputs are refused at setup.

pub(crate) mod fixed;
pub mod lookups;
pub mod msg;
pub mod openings;
pub(crate) mod packed;
mod product;
pub mod prover;
pub(crate) mod softmax;
pub mod verifier;
pub mod weight_limbs;
pub(crate) mod weights;

pub use lookups::ZkTableLookup;
pub use msg::{ZkModelProof, ZkNodeProof};

use crate::error::{Error, Result};
use crate::model::check_ops;
use zkml_core::backend::{Vis, Visibility};
use zkml_core::QGraph;

/// The zero-knowledge sumcheck backend.
#[derive(Clone, Debug, Default)]
pub struct ZkSumcheckBackend;

/// Refuses what [`ZkSumcheckBackend`] cannot prove: committed inputs, hidden
/// outputs, unsupported ops, ops that cannot open a hidden constant.
pub(crate) fn check_supported(q: &QGraph, vis: &Visibility) -> Result<()> {
    if vis.input == Vis::Committed {
        return Err(Error::Invalid(
            "committed inputs are not supported by the sumcheck backend yet (use private)".into(),
        ));
    }
    if vis.output != Vis::Public {
        return Err(Error::Invalid(
            "hidden outputs are not supported by the sumcheck backend yet (use public)".into(),
        ));
    }
    check_ops(q, vis.input == Vis::Public)?;
    weights::check_hidden(q, vis)
}

#[cfg(test)]
mod deferred_tests;
#[cfg(test)]
mod fixed_tests;
#[cfg(test)]
mod packed_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod weights_range_tests;
#[cfg(test)]
mod weights_tests;
