//! # zkml-sumcheck
//!
//! zkml's sumcheck/GKR backend (work in progress): the building blocks.
//!
//! * [`field`]: BN254 `Fr` and G1 (`halo2curves-axiom`), integer embedding, MSM.
//! * [`transcript`]: Fiat–Shamir over BLAKE2b-512 with labels and lengths.
//! * [`mle`]: multilinear polynomials (tables, folding, `eq`); **bit order**:
//!   variable `k` is bit `k` of the table index, least significant first.
//! * [`sumcheck`]: the sumcheck protocol for sums of products of multilinear
//!   polynomials (prover, verifier, messages).
//! * [`matmul`]: Thaler's matrix-product protocol over the executor's integers.
//! * [`hyrax`]: Hyrax's transparent hiding multilinear commitment (Pedersen
//!   rows on G1, generators hashed from a public seed).
//!
//! Every protocol is a folder with `prover.rs`, `verifier.rs` and `msg.rs`
//! over one [`transcript::Transcript`]; the verifier never calls prover code.
#![deny(missing_docs)]

pub mod error;
pub mod field;
pub mod hyrax;
pub mod logup;
pub mod matmul;
pub mod mle;
pub mod model;
pub mod sumcheck;
pub mod transcript;
pub mod univariate;

pub use error::{Error, Result};
