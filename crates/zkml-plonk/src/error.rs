//! Errors of the plonk backend.

use thiserror::Error;

/// What can go wrong planning, proving or verifying.
#[derive(Debug, Error)]
pub enum PlonkError {
    /// The model uses an op (or an op form) this backend cannot prove yet.
    #[error("node `{node}` ({op}) is not supported by the plonk backend: {reason}")]
    Unsupported {
        /// Node name.
        node: String,
        /// Op name.
        op: &'static str,
        /// What exactly is missing.
        reason: String,
    },
    /// A visibility this backend cannot prove.
    #[error("visibility not supported by the plonk backend: {0}")]
    Visibility(String),
    /// A selective reveal of outputs that does not fit the model or visibility
    /// (an index out of range, a reveal with public outputs, …).
    #[error("{0}")]
    Reveal(zkml_core::Error),
    /// The trace disagrees with what the circuit computes (not a trace of this model).
    #[error(
        "the trace does not match the model at node `{node}` ({op}), element {index}: the circuit \
         computes {circuit}, the trace holds {trace}"
    )]
    TraceMismatch {
        /// Node name.
        node: String,
        /// Op name.
        op: &'static str,
        /// Flat index.
        index: usize,
        /// The circuit's integer.
        circuit: i128,
        /// The trace's integer.
        trace: i64,
    },
    /// The circuit needs more rows than the largest allowed `k`.
    #[error("the circuit needs 2^{k} rows, more than the supported maximum 2^{max_k}")]
    TooLarge {
        /// Needed k.
        k: u32,
        /// Largest allowed.
        max_k: u32,
    },
    /// A forced `k` is too small.
    #[error("k = {k} is too small: the circuit needs k ≥ {needed}")]
    KTooSmall {
        /// Asked.
        k: u32,
        /// Needed.
        needed: u32,
    },
    /// The SRS could not be read, written or is too small.
    #[error("SRS: {0}")]
    Srs(String),
    /// The verifying key's SRS is not vouched for by a ceremony file and
    /// insecure SRSs were not allowed (the message names what made it).
    #[error("{0}")]
    Untrusted(String),
    /// halo2 refused to synthesize or prove.
    #[error("halo2: {0}")]
    Halo2(String),
    /// A key or proof file is malformed or from another version.
    #[error("malformed {what}: {reason}")]
    Format {
        /// `proving key`, `verifying key` or `proof`.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A key or proof for another model (or another visibility/plan).
    #[error(
        "{what} is for another model (model hash {found}, expected {expected}); use the keys made \
         by `setup` for this model"
    )]
    WrongModel {
        /// Which object.
        what: &'static str,
        /// The hash it carries.
        found: String,
        /// The hash expected.
        expected: String,
    },
    /// Public values of the wrong shape or range.
    #[error("public values: {0}")]
    PublicValues(String),
    /// A commitment opening (blinding) is missing, malformed or for other values.
    #[error("commitment opening: {0}")]
    Opening(String),
    /// The proof does not verify against these public values.
    #[error("proof rejected: {0}")]
    Rejected(String),
    /// I/O.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A plan whose estimated peak memory is over the budget.
    #[error(
        "the circuit (k = {k}) needs about {estimate} of memory, more than the {budget} allowed \
         (--max-memory, default: this machine's physical memory); split the model into segments \
         of a smaller k (`zkml setup --segment-k K`) or raise --max-memory"
    )]
    OverMemory {
        /// The plan's `k`.
        k: u32,
        /// The estimate, for people.
        estimate: String,
        /// The budget, for people.
        budget: String,
    },
    /// Segmenting a model, or a chain of segment keys that does not fit.
    #[error("segments: {0}")]
    Segment(String),
}

/// Result alias.
pub type Result<T, E = PlonkError> = std::result::Result<T, E>;
