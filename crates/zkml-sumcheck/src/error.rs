//! The crate's error type. Verifier failures name the check that failed
//! ([`Error::Rejected`]); malformed inputs name the value and the limit.

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// A verifier check failed: the proof is rejected. `check` names the
    /// protocol and equation, `detail` says where (round, row, …).
    #[error("proof rejected: {check} failed ({detail})")]
    Rejected {
        /// The protocol and check, e.g. `sumcheck round: g(0)+g(1) = claim`.
        check: &'static str,
        /// Where it failed.
        detail: String,
    },
    /// A proof message has the wrong shape (length, degree, count).
    #[error("malformed proof: {what} has {got} entries, expected {expected}")]
    Malformed {
        /// Which message.
        what: &'static str,
        /// Its length in the proof.
        got: usize,
        /// The length the verifier's parameters fix.
        expected: usize,
    },
    /// Bytes that are not a valid encoding (proof file).
    #[error("cannot decode proof: {0}")]
    Decode(String),
    /// Inputs given to a prover or to setup do not fit together.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// An op of the model the backend cannot prove (refused at setup).
    #[error("op `{op}` (node {node}) is not supported by the sumcheck backend: {why}")]
    Unsupported {
        /// The op's name.
        op: String,
        /// The node index in the quantized graph.
        node: usize,
        /// Why, and what to do instead.
        why: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Shorthand for a [`Error::Rejected`].
pub(crate) fn reject(check: &'static str, detail: impl Into<String>) -> Error {
    Error::Rejected {
        check,
        detail: detail.into(),
    }
}

/// Fails with [`Error::Malformed`] unless `got == expected`.
pub(crate) fn expect_len(what: &'static str, got: usize, expected: usize) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(Error::Malformed {
            what,
            got,
            expected,
        })
    }
}

/// A message that is present where it must be absent, or the reverse (a
/// malformed proof: one expected, none found, in the count's terms).
pub(crate) fn malformed(what: &'static str) -> Error {
    Error::Malformed {
        what,
        got: 0,
        expected: 1,
    }
}
