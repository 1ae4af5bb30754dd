//! Segmented proofs: a model split into segments ([`zkml_core::segment`]),
//! each its own circuit, key and proof, chained by shared boundary columns.
//!
//! Segment `i` of `n` is the ordinary circuit of its sub-graph under
//! [`segment_visibility`]: the model's input visibility on the first
//! segment, its output visibility (and reveal) on the last, its weights
//! visibility on all; every other input and output group is private and lies
//! on a **boundary**: boundary `j` (segment `j`'s outputs = segment `j + 1`'s
//! inputs, the same tensors in the same order) is held, in both segments, by
//! dedicated advice columns that are the same polynomial in both proofs
//! ([`boundary`]): its values, zeros, and a zone of secret random rows
//! derived from the prover's seed,
//!
//! ```text
//! key_j = H("zkml segment boundary v3" ‖ seed ‖ run ‖ j)          (boundary::boundary_key)
//! run   = H("zkml segment run" ‖ the model's input integers)       (run_digest)
//! ```
//!
//! so an honest chain shows equal KZG commitments of those columns (the first
//! points of each proof). The seed is a secret of the prover (kept beside the
//! other openings): independent workers that hold it prove segments that
//! chain, and the zone hides the boundary tensors from the verifier. The run
//! digest is what every worker re-derives from the input it re-runs, so one
//! opening file serves many inputs without reusing a zone: two runs whose
//! boundary tensors happen to be equal do not show equal commitments (only
//! two proofs of the very same input with the same seed are linkable; a
//! fresh seed per proof avoids even that).
//!
//! [`verify_segments`] accepts only if there is exactly one proof per
//! segment, in order, all keys share one `k` and SRS and the boundary widths
//! of neighbours agree, each proof verifies under its segment's key, and
//! segment `j`'s output boundary commitments equal segment `j + 1`'s input
//! boundary commitments for every `j`. Binding: equal commitments are one
//! polynomial (KZG binding), so the consumer's inputs are the producer's
//! outputs, row for row; the chain proves the composition: the model's
//! outputs are the integers the executor computes on its inputs.
//!
//! A boundary costs no rows: its `E` elements fill `⌈E / (2^k − 16)⌉`
//! columns (one, for a boundary of fewer than `2^k − 16` values), each as
//! dear as any other advice column in prover time and memory. The Poseidon commitment gadget
//! ([`crate::gadgets::commit`]) stays for the model's own committed input,
//! output and weights (a public commitment a verifier compares with one it
//! was given, independent of the proof system), not for boundaries.
//!
//! Committed weights: each segment commits to its own constants (with the
//! model's weights blinding), so the proof shows one weights commitment per
//! segment, not the whole model's.

use rand_core06::{OsRng, RngCore};
use zkml_core::{
    backend::{Openings, Reveal, Vis, Visibility},
    segment::Segment,
    QGraph, Trace,
};

pub mod boundary;
mod chain;
mod format;
mod planner;

pub use boundary::{boundary_key, BoundaryKey, BoundaryKeys};
pub use chain::{
    boundary_commitments, chain_hash, prove_segment, verify_segments, ChainPublic, SegmentProof,
};
pub use format::{bundle_from_bytes, bundle_to_bytes, is_bundle, SEGMENT_FORMAT_VERSION};
pub use planner::{
    plan_segment, plan_segments, plan_segments_at_cuts, plan_segments_for,
    plan_segments_from_bound, plan_segments_with, plan_segments_within, split_parts, split_to_fit,
    MERGE_SLACK, SPLIT_FILL,
};

use crate::plan::{BoundaryElems, Plan};

/// The secret from which every boundary's blinding zone is derived.
pub type SegmentSeed = [u8; 32];

/// A fresh seed from the operating system's CSPRNG.
pub fn fresh_seed() -> SegmentSeed {
    let mut s = [0u8; 32];
    OsRng.fill_bytes(&mut s);
    s
}

/// The visibility of segment `i` of `n` under the model's `vis` (module
/// doc): a group on a boundary is private (its values lie in boundary
/// columns).
pub fn segment_visibility(vis: &Visibility, i: usize, n: usize) -> Visibility {
    let last = i + 1 == n;
    Visibility {
        input: if i == 0 { vis.input } else { Vis::Private },
        weights: vis.weights,
        output: if last { vis.output } else { Vis::Private },
        reveal: if last {
            vis.reveal.clone()
        } else {
            Reveal::None
        },
    }
}

/// The boundary elements of segment `i` of `segments` (inputs unless the
/// first, outputs unless the last).
pub fn segment_boundary(segments: &[Segment], i: usize) -> BoundaryElems {
    let n = segments.len();
    let numel = |g: &QGraph, ids: &[usize]| -> usize {
        ids.iter()
            .map(|&v| g.values[v].shape.iter().product::<usize>())
            .sum()
    };
    let g = &segments[i].graph;
    BoundaryElems {
        input: if i == 0 { 0 } else { numel(g, &g.inputs) },
        output: if i + 1 == n { 0 } else { numel(g, &g.outputs) },
    }
}

/// What identifies one run of the model for the boundary blindings:
/// BLAKE2b-256 of a domain tag and the model's input integers (segment 0's
/// inputs in `trace`, each with its length), which every worker proving a
/// segment of that run re-derives from the input it re-runs.
pub fn run_digest(segments: &[Segment], trace: &Trace) -> [u8; 32] {
    let mut st = blake2b_simd::Params::new().hash_length(32).to_state();
    st.update(b"zkml segment run v1\0");
    if let Some(first) = segments.first() {
        for &v in &first.graph.inputs {
            let t = &trace.values[first.values[v]];
            st.update(&(t.len() as u64).to_le_bytes());
            for x in t.iter() {
                st.update(&x.to_le_bytes());
            }
        }
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(st.finalize().as_bytes());
    out
}

/// The openings segment `i` of `n` proves with: the model's own for the
/// groups at the ends and the weights (boundaries are not Poseidon-committed).
pub fn segment_openings(model: &Openings, i: usize, n: usize) -> Openings {
    Openings {
        input: if i == 0 { model.input } else { None },
        weights: model.weights,
        output: if i + 1 == n { model.output } else { None },
    }
}

/// The boundary keys of segment `i` of `n` for `seed` and `run`.
pub fn segment_keys(seed: &SegmentSeed, run: &[u8; 32], i: usize, n: usize) -> BoundaryKeys {
    BoundaryKeys {
        input: (i > 0).then(|| boundary_key(seed, run, i - 1)),
        output: (i + 1 < n).then(|| boundary_key(seed, run, i)),
    }
}

/// What one boundary element costs a segment on each side, in rows of the
/// cut chooser's estimate: no rows (it is a cell of a boundary column,
/// copied), but a column's worth of prover time and memory per `2^k`
/// elements, about what `1/(n + 2)` of a row of `n` MAC cells, `acc` and a
/// range cell costs at the estimate's MAC width `n =`
/// [`crate::plan::ESTIMATE_N`]. [`plan_segments`] checks the real plans.
pub const BOUNDARY_ROWS_PER_ELEM: f64 = 1.0 / (crate::plan::ESTIMATE_N as f64 + 2.0);

/// Segments of a model and the plan of each.
#[derive(Clone, Debug)]
pub struct SegmentedPlan {
    /// The graph the cuts index: the model, or the model with its nodes
    /// larger than a segment split into pieces
    /// ([`zkml_core::segment::split`]; it computes the same integers). A
    /// setup proves this graph.
    pub graph: QGraph,
    /// Node indices of [`Self::graph`] where segments start
    /// (`zkml_core::QGraph::segment`).
    pub cuts: Vec<usize>,
    /// The segments.
    pub segments: Vec<Segment>,
    /// The plan of each segment, at the requested `k`.
    pub plans: Vec<Plan>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_keys_differ_by_seed_run_and_index() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let (r, s) = ([3u8; 32], [4u8; 32]);
        assert_eq!(boundary_key(&a, &r, 0), boundary_key(&a, &r, 0));
        assert_ne!(boundary_key(&a, &r, 0), boundary_key(&a, &r, 1));
        assert_ne!(boundary_key(&a, &r, 0), boundary_key(&b, &r, 0));
        assert_ne!(boundary_key(&a, &r, 0), boundary_key(&a, &s, 0));
        let vis = Visibility::default();
        let first = segment_keys(&a, &r, 0, 3);
        let mid = segment_keys(&a, &r, 1, 3);
        let last = segment_keys(&a, &r, 2, 3);
        assert_eq!(first.input, None);
        assert_eq!(first.output, mid.input);
        assert_eq!(mid.output, last.input);
        assert_eq!(last.output, None);
        assert_eq!(segment_visibility(&vis, 0, 1), vis);
        let v1 = segment_visibility(&vis, 1, 3);
        assert_eq!((v1.input, v1.output), (Vis::Private, Vis::Private));
        let m = Openings::default();
        assert_eq!(segment_openings(&m, 1, 3), m);
    }
}
