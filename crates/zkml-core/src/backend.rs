//! The interface every proving backend implements.
//!
//! A backend turns a [`QGraph`] into keys ([`Backend::setup`]), proves that a
//! [`Trace`] of the integer executor is correct ([`Backend::prove`]), and checks
//! a proof against the public values ([`Backend::verify`]). The statement is
//! always: *these public values are the integers [`crate::exec`] computes for
//! this model*; which tensors are public is chosen by [`Visibility`].
//!
//! A backend refuses what it cannot prove (an op, a visibility) at `setup`
//! with an error naming it: a missing check never passes silently.

use serde::{Deserialize, Serialize};

use crate::exec::Trace;
use crate::quant::QGraph;
pub use crate::reveal::Reveal;

/// How one group of tensors appears to the verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Vis {
    /// The values are public inputs of the proof (part of [`PublicValues`]).
    Public,
    /// Hidden witness values; the proof says only that some values exist.
    Private,
    /// Weights only: baked into the circuit as constants, bound by the verifying key.
    Fixed,
}

/// Visibility per tensor group.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Visibility {
    /// Model inputs: `Public` or `Private`.
    pub input: Vis,
    /// Constants multiplied into ops (weights): `Fixed`, `Public` or `Private`.
    pub weights: Vis,
    /// Model outputs: `Public` or `Private`.
    pub output: Vis,
    /// What of hidden outputs is revealed anyway ([`crate::reveal`]): nothing,
    /// chosen elements, or the argmax class. Must be `None` with `Public` outputs.
    #[serde(default)]
    pub reveal: Reveal,
}

impl Default for Visibility {
    /// Public input and output, fixed weights (the cheapest statement about a public model).
    fn default() -> Self {
        Self {
            input: Vis::Public,
            weights: Vis::Fixed,
            output: Vis::Public,
            reveal: Reveal::None,
        }
    }
}

/// Options of [`Backend::setup`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupOptions {
    /// Which tensors are public.
    pub visibility: Visibility,
    /// Force the circuit size parameter (log2 of the rows), if the backend has one;
    /// `None` lets its planner choose.
    pub k: Option<u32>,
}

/// The values a verifier sees: public model inputs and outputs, each flattened
/// row-major, in the order of [`QGraph::inputs`] / [`QGraph::outputs`], then
/// what [`Visibility::reveal`] reveals of hidden outputs. A group that is not
/// public is empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PublicValues {
    /// Public input integers (empty unless inputs are public).
    pub inputs: Vec<Vec<i64>>,
    /// Public output integers (empty unless outputs are public).
    pub outputs: Vec<Vec<i64>>,
    /// Revealed integers of hidden outputs ([`crate::reveal::revealed_values`]):
    /// the values at the chosen indices, or the argmax classes; empty otherwise.
    #[serde(default)]
    pub revealed: Vec<i64>,
}

impl PublicValues {
    /// The public values of `trace` under `vis`.
    pub fn from_trace(q: &QGraph, trace: &Trace, vis: &Visibility) -> Self {
        let flat = |ids: &[usize]| -> Vec<Vec<i64>> {
            ids.iter()
                .map(|&i| trace.values[i].iter().copied().collect())
                .collect()
        };
        Self {
            inputs: if vis.input == Vis::Public {
                flat(&q.inputs)
            } else {
                vec![]
            },
            outputs: if vis.output == Vis::Public {
                flat(&q.outputs)
            } else {
                vec![]
            },
            revealed: crate::reveal::revealed_values(q, trace, &vis.reveal),
        }
    }
}

/// A proving backend.
pub trait Backend {
    /// What `prove` needs besides the model and trace.
    type ProvingKey;
    /// What `verify` needs besides the public values and proof.
    type VerifyingKey;
    /// A proof.
    type Proof;
    /// The backend's error type; verification failures are one of its variants.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Plans the circuit for `q` and generates keys. Fails on any op or
    /// visibility the backend cannot prove.
    fn setup(
        &self,
        q: &QGraph,
        options: &SetupOptions,
    ) -> Result<(Self::ProvingKey, Self::VerifyingKey), Self::Error>;

    /// Proves that `trace` is the integer execution of `q`; returns the proof and
    /// the public values it binds.
    fn prove(
        &self,
        pk: &Self::ProvingKey,
        q: &QGraph,
        trace: &Trace,
    ) -> Result<(Self::Proof, PublicValues), Self::Error>;

    /// Checks `proof` against `public`. `Ok(())` only if every check passed.
    fn verify(
        &self,
        vk: &Self::VerifyingKey,
        public: &PublicValues,
        proof: &Self::Proof,
    ) -> Result<(), Self::Error>;
}
