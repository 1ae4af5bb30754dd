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

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::exec::Trace;
use crate::quant::QGraph;
pub use crate::reveal::Reveal;

mod info;
mod openings;

pub use info::{KeyInfo, ParamsSource, TensorMeta, Trust};
pub use openings::{fresh_openings, resolve_openings, GroupOpening, GroupOpenings, OpeningError};

/// How one group of tensors appears to the verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Vis {
    /// The values are public inputs of the proof (part of [`PublicValues`]).
    Public,
    /// Hidden witness values; the proof says only that some values exist.
    Private,
    /// Weights only: baked into the circuit as constants, bound by the verifying key.
    Fixed,
    /// Hidden witness values bound by a hiding commitment that is a public
    /// value ([`Commitments`]): every proof showing the same commitment used
    /// the same values. The prover keeps the opening ([`Openings`]).
    Committed,
}

/// Visibility per tensor group.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Visibility {
    /// Model inputs: `Public`, `Private` or `Committed`.
    pub input: Vis,
    /// Constants of the model (weights, biases): `Fixed`, `Public`, `Private` or `Committed`.
    pub weights: Vis,
    /// Model outputs: `Public`, `Private` or `Committed`.
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

/// 32 bytes of a field element in the backend's canonical encoding
/// (little-endian); JSON shows them as `0x` and 64 hex digits, most
/// significant first (how field elements are usually printed).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FieldBytes(pub [u8; 32]);

impl FieldBytes {
    /// `0x` and 64 hex digits, most significant byte first.
    pub fn to_hex(&self) -> String {
        let mut s = String::from("0x");
        for b in self.0.iter().rev() {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }

    /// Parses [`Self::to_hex`]'s form (the `0x` is optional; at most 64 digits).
    pub fn from_hex(s: &str) -> Option<Self> {
        let s = s.trim();
        let s = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .unwrap_or(s);
        if s.is_empty() || s.len() > 64 || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let padded = format!("{s:0>64}");
        let mut out = [0u8; 32];
        for (i, o) in out.iter_mut().rev().enumerate() {
            *o = u8::from_str_radix(&padded[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(out))
    }
}

impl std::fmt::Debug for FieldBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl std::fmt::Display for FieldBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for FieldBytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for FieldBytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::from_hex(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{s}` is not a field element in hex (0x + ≤ 64 digits)"
            ))
        })
    }
}

/// A commitment to one tensor group: a public value of the proof.
pub type Commitment = FieldBytes;

/// The secret blinding of a commitment (its opening, with the committed
/// values): whoever holds it can make proofs that show the same commitment.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Blinding(pub FieldBytes);

impl std::fmt::Debug for Blinding {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Blinding(<secret>)")
    }
}

/// The commitments of the committed groups (`None` for the others).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Commitments {
    /// Commitment to the model inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Commitment>,
    /// Commitment to the model constants (weights).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Commitment>,
    /// Commitment to the model outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Commitment>,
}

/// The blindings a prover uses for the committed groups: reusing one makes
/// every proof show the same commitment for the same values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Openings {
    /// Blinding of the input commitment.
    pub input: Option<Blinding>,
    /// Blinding of the weights commitment.
    pub weights: Option<Blinding>,
    /// Blinding of the output commitment.
    pub output: Option<Blinding>,
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
    /// Commitments of the committed groups (filled by the backend's `prove`).
    #[serde(default)]
    pub commitments: Commitments,
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
            commitments: Commitments::default(),
        }
    }
}

/// A commitment to a model's weights, with what it covers (for people).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeightsCommitment {
    /// The commitment (a public value of proofs with committed weights).
    pub commitment: Commitment,
    /// How many constants it commits to.
    pub constants: usize,
    /// Their bit width.
    pub bits: u32,
}

/// A proving backend: keys, proofs, their byte formats, and the plan and
/// parameters behind them. A front end (the CLI) is written against this
/// trait alone and picks the implementation by [`Backend::NAME`].
///
/// Byte formats carry the backend's own magic and version, so a key or proof
/// of another backend, version or model is refused by name.
pub trait Backend {
    /// What `prove` needs besides the model and trace.
    type ProvingKey;
    /// What `verify` needs besides the public values and proof.
    type VerifyingKey;
    /// A proof.
    type Proof;
    /// The layout `setup` will use (printed by `zkml plan`).
    type Plan: std::fmt::Display + Clone;
    /// The backend's error type; verification failures are one of its variants.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The backend's name in files and on the command line (`plonk`, `sumcheck`).
    const NAME: &'static str;

    /// Plans `q` under `options` without generating anything; fails on any op
    /// or visibility the backend cannot prove.
    fn plan(&self, q: &QGraph, options: &SetupOptions) -> Result<Self::Plan, Self::Error>;

    /// One line describing `plan` and the parameters it uses, for people.
    fn plan_summary(&self, plan: &Self::Plan) -> String;

    /// Loads or generates the public parameters `plan` needs (an SRS), so
    /// that their cost can be timed apart from key generation.
    fn prepare(&self, plan: &Self::Plan) -> Result<(), Self::Error>;

    /// Generates keys for `q` following `plan` (from [`Self::plan`] with the same options).
    fn setup_planned(
        &self,
        q: &QGraph,
        options: &SetupOptions,
        plan: Self::Plan,
    ) -> Result<(Self::ProvingKey, Self::VerifyingKey), Self::Error>;

    /// Plans the circuit for `q` and generates keys. Fails on any op or
    /// visibility the backend cannot prove.
    fn setup(
        &self,
        q: &QGraph,
        options: &SetupOptions,
    ) -> Result<(Self::ProvingKey, Self::VerifyingKey), Self::Error> {
        let plan = self.plan(q, options)?;
        self.setup_planned(q, options, plan)
    }

    /// Proves that `trace` is the integer execution of `q`; returns the proof and
    /// the public values it binds. A visibility with a committed group needs
    /// [`Self::prove_with`] (its blinding); here it is an error.
    fn prove(
        &self,
        pk: &Self::ProvingKey,
        q: &QGraph,
        trace: &Trace,
    ) -> Result<(Self::Proof, PublicValues), Self::Error> {
        self.prove_with(pk, q, trace, &Openings::default())
    }

    /// As [`Self::prove`], with the blinding of every committed group
    /// (missing one is an error); the commitments are in the returned
    /// [`PublicValues::commitments`].
    fn prove_with(
        &self,
        pk: &Self::ProvingKey,
        q: &QGraph,
        trace: &Trace,
        openings: &Openings,
    ) -> Result<(Self::Proof, PublicValues), Self::Error>;

    /// Checks `proof` against `public`. `Ok(())` only if every check passed.
    fn verify(
        &self,
        vk: &Self::VerifyingKey,
        public: &PublicValues,
        proof: &Self::Proof,
    ) -> Result<(), Self::Error>;

    /// The statement a proving key is for.
    fn proving_key_info(&self, pk: &Self::ProvingKey) -> KeyInfo;

    /// The statement a verifying key is for.
    fn verifying_key_info(&self, vk: &Self::VerifyingKey) -> KeyInfo;

    /// The public values as the field elements the proof binds (checked
    /// against `info`'s layout: counts, ranges, commitments).
    fn public_field_elements(
        &self,
        info: &KeyInfo,
        public: &PublicValues,
    ) -> Result<Vec<FieldBytes>, Self::Error>;

    /// The proving key's bytes.
    fn proving_key_to_bytes(&self, pk: &Self::ProvingKey) -> Result<Vec<u8>, Self::Error>;

    /// Checks cheaply (its header) that the proving key file at `path` is for
    /// `q`, before `q` is used for anything else.
    fn check_proving_key_file(&self, path: &Path, q: &QGraph) -> Result<(), Self::Error>;

    /// Reads the proving key file at `path`, made for `q`.
    fn read_proving_key(&self, path: &Path, q: &QGraph) -> Result<Self::ProvingKey, Self::Error>;

    /// The verifying key's bytes.
    fn verifying_key_to_bytes(&self, vk: &Self::VerifyingKey) -> Result<Vec<u8>, Self::Error>;

    /// Parses [`Self::verifying_key_to_bytes`]'s output.
    fn verifying_key_from_bytes(&self, bytes: &[u8]) -> Result<Self::VerifyingKey, Self::Error>;

    /// The proof's bytes.
    fn proof_to_bytes(&self, proof: &Self::Proof) -> Vec<u8>;

    /// Parses [`Self::proof_to_bytes`]'s output.
    fn proof_from_bytes(&self, bytes: &[u8]) -> Result<Self::Proof, Self::Error>;

    /// The size of the proof proper (without the file header), in bytes.
    fn proof_size(&self, proof: &Self::Proof) -> usize;

    /// Where this backend's public parameters come from.
    fn params_source(&self) -> ParamsSource;

    /// Whether a verifier may trust the parameters `vk` was made with; with
    /// `allow_insecure`, untrusted ones are accepted (and said so), otherwise
    /// they are an error naming what made them.
    /// `key` names the key in messages (e.g. its file).
    fn trust(
        &self,
        vk: &Self::VerifyingKey,
        key: &str,
        allow_insecure: bool,
    ) -> Result<Trust, Self::Error>;

    /// A fresh random blinding for a commitment.
    fn fresh_blinding(&self) -> Blinding;

    /// The commitment to `q`'s weights with `blinding` (what `Vis::Committed`
    /// weights show); an error for a backend that cannot commit weights.
    fn commit_weights(
        &self,
        q: &QGraph,
        blinding: &Blinding,
    ) -> Result<WeightsCommitment, Self::Error>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_bytes_hex_round_trip() {
        let mut b = [0u8; 32];
        b[0] = 0x01;
        b[31] = 0xab;
        let f = FieldBytes(b);
        let h = f.to_hex();
        assert!(
            h.starts_with("0xab") && h.ends_with("01") && h.len() == 66,
            "{h}"
        );
        assert_eq!(FieldBytes::from_hex(&h), Some(f));
        assert_eq!(FieldBytes::from_hex(&h[2..]), Some(f));
        assert_eq!(FieldBytes::from_hex("0x1").unwrap().0[0], 1);
        for bad in ["", "0x", "0xzz", &format!("{h}0")] {
            assert_eq!(FieldBytes::from_hex(bad), None, "{bad}");
        }
        assert_eq!(format!("{:?}", Blinding(f)), "Blinding(<secret>)");
    }
}
