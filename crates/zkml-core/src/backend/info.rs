//! What a key states and where a backend's public parameters come from, in
//! terms every backend shares: the CLI checks `settings.json` against a
//! key's [`KeyInfo`] and reports [`ParamsSource`] / [`Trust`] without knowing
//! which backend made them.

use super::Visibility;

/// Shape and scale of a model input or output, as a key records them:
/// `zkml verify` reads reals as `integer / 2^scale` from these, and a
/// `settings.json` that disagrees is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorMeta {
    /// Shape.
    pub shape: Vec<usize>,
    /// Scale exponent: real = integer / 2^scale.
    pub scale: i32,
}

/// The statement a proving or verifying key is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// Hash binding keys and proofs to the model, visibility and plan.
    pub model_hash: [u8; 32],
    /// Which tensors are public.
    pub visibility: Visibility,
    /// The backend's size parameter: log2 of the circuit rows (plonk), of the
    /// widest committed table (sumcheck).
    pub k: u32,
    /// Advice columns of the circuit; 0 for a backend without columns.
    pub columns: usize,
    /// Rows the circuit uses (plonk); entries of every committed table (sumcheck).
    pub rows: usize,
    /// Activation range bits of the model.
    pub act_bits: u32,
    /// Shape and scale of each model input.
    pub inputs: Vec<TensorMeta>,
    /// Shape and scale of each model output.
    pub outputs: Vec<TensorMeta>,
}

/// Where a backend's public parameters (an SRS, generators) come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamsSource {
    /// What people call them: `SRS`, `generators`.
    pub label: &'static str,
    /// Short kind for JSON output: `file`, `local-insecure`, `transparent`.
    pub kind: &'static str,
    /// A sentence for people (e.g. `ceremony file /x/srs`).
    pub note: String,
    /// False when whoever made the parameters can forge proofs (a local,
    /// insecure SRS); true for a ceremony file or transparent parameters.
    pub secure: bool,
}

/// Who vouches for the parameters a verifying key was made with, as
/// `zkml verify` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trust {
    /// Whether a verifier may rely on the result (false: accepted only for testing).
    pub trusted: bool,
    /// `file`, `local-cache`, `key`, `transparent`.
    pub source: &'static str,
    /// The ceremony file, when one vouches for the key.
    pub file: Option<String>,
    /// Digest of the parameters the key carries, hex.
    pub digest: Option<String>,
    /// What to tell people (stderr).
    pub message: String,
}
