//! Which blinding each committed group is proved with ([`resolve_openings`]):
//! the policy every backend shares, so a front end only reads and writes
//! opening files.
//!
//! * Weights: the blinding of the published weights commitment, from the
//!   prover's opening; it must open *this* model's weights (recomputed with
//!   [`Backend::commit_weights`]), else the proof would show a commitment
//!   nobody published.
//! * Input and output: the opening's blinding when it has one (so proofs
//!   about the same input show the same commitment), else a fresh one.

use serde::{Deserialize, Serialize};

use super::{Backend, Blinding, Commitment, Openings, Vis, Visibility};
use crate::QGraph;

/// One committed group's opening: the public commitment and its secret blinding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupOpening {
    /// The public commitment.
    pub commitment: Commitment,
    /// The secret blinding.
    pub blinding: Blinding,
}

/// The openings a prover holds, per group (from an opening file).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupOpenings {
    /// Of the weights commitment.
    pub weights: Option<GroupOpening>,
    /// Of an input commitment.
    pub input: Option<GroupOpening>,
    /// Of an output commitment.
    pub output: Option<GroupOpening>,
}

/// Why no blindings could be chosen.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpeningError {
    /// The weights are committed and no opening of them was given.
    #[error("the weights are committed: pass the opening of the published weights commitment")]
    WeightsMissing,
    /// The given weights opening does not open this model's weights.
    #[error(
        "the opening is for other weights: it opens commitment {opens}, but this setup's \
         weights give {gives} with its blinding"
    )]
    OtherWeights {
        /// The commitment the opening claims.
        opens: Commitment,
        /// What this model's weights give with the opening's blinding.
        gives: Commitment,
    },
    /// The backend could not commit to the weights.
    #[error("committing to the weights: {0}")]
    Commit(String),
}

/// The blindings of the committed groups of `vis` (see the module doc);
/// `None` for every other group.
pub fn resolve_openings<B: Backend + ?Sized>(
    backend: &B,
    q: &QGraph,
    vis: &Visibility,
    given: &GroupOpenings,
) -> Result<Openings, OpeningError> {
    let weights = if vis.weights == Vis::Committed {
        let w = given.weights.as_ref().ok_or(OpeningError::WeightsMissing)?;
        let mine = backend
            .commit_weights(q, &w.blinding)
            .map_err(|e| OpeningError::Commit(e.to_string()))?
            .commitment;
        if mine != w.commitment {
            return Err(OpeningError::OtherWeights {
                opens: w.commitment,
                gives: mine,
            });
        }
        Some(w.blinding)
    } else {
        None
    };
    let pick = |v: Vis, g: &Option<GroupOpening>| -> Option<Blinding> {
        (v == Vis::Committed).then(|| {
            g.as_ref()
                .map(|g| g.blinding)
                .unwrap_or_else(|| backend.fresh_blinding())
        })
    };
    Ok(Openings {
        weights,
        input: pick(vis.input, &given.input),
        output: pick(vis.output, &given.output),
    })
}

/// Fresh blindings for every committed group of `vis` (what a one-shot
/// prove-and-verify, such as `zkml time`, uses).
pub fn fresh_openings<B: Backend + ?Sized>(backend: &B, vis: &Visibility) -> Openings {
    let fresh = |v: Vis| (v == Vis::Committed).then(|| backend.fresh_blinding());
    Openings {
        input: fresh(vis.input),
        weights: fresh(vis.weights),
        output: fresh(vis.output),
    }
}
