//! # zkml-plonk
//!
//! zkml's halo2 backend (halo2-axiom, KZG on BN254, SHPLONK openings, Blake2b
//! transcript). It proves that public values are the integers
//! `zkml_core::exec` computes for a [`zkml_core::QGraph`].
//!
//! * [`gadgets`]: the one row type (a multiply-accumulate / linear gate, a
//!   select gate, range lookups) and the gadgets on it, each with MockProver
//!   tests that corrupt every advice cell.
//! * [`circuit`]: a QGraph laid out on those gadgets; layout depends only on the model.
//! * [`plan`]: chooses the MAC width, range limb width, lookup columns and `k`.
//! * [`srs`]: a local, **insecure** KZG setup for testing, cached per `k`, or a ceremony file.
//! * [`backend`]: [`PlonkBackend`], the `zkml_core::backend::Backend` implementation;
//!   keys and proofs carry a version header and the model hash.

pub mod backend;
pub mod circuit;
pub mod error;
pub mod gadgets;
pub mod plan;
pub mod srs;

pub use backend::{PlonkBackend, PlonkProof, PlonkProvingKey, PlonkVerifyingKey};
pub use error::PlonkError;
pub use plan::{plan, Plan};
