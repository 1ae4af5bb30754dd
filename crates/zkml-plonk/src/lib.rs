//! # zkml-plonk
//!
//! zkml's halo2 backend (halo2-axiom 0.5.3, KZG on BN254, SHPLONK openings,
//! Blake2b transcript). It proves that the public values are the integers
//! `zkml_core::exec` computes for a [`zkml_core::QGraph`], bit for bit.
//!
//! * [`gadgets`]: the one row type (a multiply-accumulate/linear gate with a
//!   fused rescale and Relu, a select gate, range lookups) and the gadgets on
//!   it; each has MockProver tests that corrupt every advice cell in turn.
//! * [`circuit`]: a QGraph laid out on those gadgets; the layout depends only
//!   on the model (keygen runs it without witness).
//! * [`plan`](mod@plan): chooses the MAC width, range-limb width, range cells per row and
//!   `k` from row counts and a cost model fitted to measured proving times;
//!   [`Plan`] prints rows per layer.
//! * [`segment`](mod@segment): models split into segments, one circuit and
//!   proof each, chained by committed boundary tensors.
//! * [`srs`]: a local, **insecure** KZG setup for development, cached per `k`,
//!   or a ceremony file in halo2's raw format.
//! * [`backend`]: [`PlonkBackend`], the `zkml_core::backend::Backend`
//!   implementation; keys and proofs carry a version header and a model hash,
//!   so another model's key or proof is refused by name; a verifying key
//!   carries the SRS points the verifier needs (no SRS file to verify).
//!
//! Visibility: inputs and outputs public, private or committed; hidden
//! outputs may still reveal chosen elements or their argmax class
//! (`Visibility::reveal`, [`gadgets::argmax`]); weights `Fixed` (in the
//! verifying key), `Private` (witnesses; one verifying key for any weights)
//! or `Committed` (private, and bound by a public hiding commitment:
//! [`commit`]).
//! Ops: Conv, MatMul/Gemm (constant or activation operands), Add, Sub, Mul,
//! Relu, Clip, LeakyRelu (slope ≤ 1), MaxPool,
//! AveragePool, ReduceSum, ReduceMean, Reshape, Transpose, Pad, Concat, every
//! table function (`zkml_core::ops::TableFn`: Sigmoid, Tanh, Exp, Erf, Gelu, …;
//! saturated function tables stored in the range table), Softmax
//! (max, exp table, exact sum, rounding division).
//!
//! On x86-64 the BN254 field arithmetic is the assembly one (BMI2 + ADX,
//! checked at run time).

pub mod backend;
pub mod circuit;
pub mod commit;
pub mod cpu;
pub mod error;
pub mod gadgets;
pub mod plan;
pub mod segment;
pub mod srs;

pub use backend::{
    PlonkBackend, PlonkProof, PlonkProvingKey, PlonkVerifyingKey, PublicLayout, TensorMeta,
};
pub use cpu::check_cpu;
pub use error::PlonkError;
pub use plan::{plan, plan_with, Plan};
