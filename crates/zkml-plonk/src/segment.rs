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
    segment::{choose_cuts, split, Segment},
    QGraph, Trace,
};

pub mod boundary;
mod chain;
mod format;

pub use boundary::{boundary_key, BoundaryKey, BoundaryKeys};
pub use chain::{
    boundary_commitments, chain_hash, prove_segment, verify_segments, ChainPublic, SegmentProof,
};
pub use format::{bundle_from_bytes, bundle_to_bytes, is_bundle, SEGMENT_FORMAT_VERSION};

use crate::error::{PlonkError, Result};
use crate::plan::{node_rows, plan_boundary, BoundaryElems, Plan};

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

/// A split node's pieces are sized to this fraction of the rows a segment
/// has left beside the split's boundaries, so that pieces and their
/// neighbours pack into segments.
pub const SPLIT_FILL: f64 = 0.45;

/// The pieces each node of `q` is split into so that every segment of
/// `budget` rows can hold a piece (`rows`: [`node_rows`] of `q`), or `None`
/// when every node fits. A node (with the chain its split carries,
/// [`split::chain_of`]) is split when it does not fit a segment with its
/// boundaries ([`boundary_rows_per_elem`] on each side); a
/// piece then gets [`SPLIT_FILL`] of what the chain's input boundary and
/// output boundary leave of the budget (a segment between two pieces
/// carries the chain's input and the pieces done so far, both ways). A node
/// that cannot be split, or whose boundaries alone fill a segment, is left
/// whole (the cut chooser then names it).
pub fn split_parts(q: &QGraph, rows: &[usize], budget: usize) -> Option<Vec<usize>> {
    let sizes = zkml_core::segment::boundary_sizes(q);
    let per_elem = BOUNDARY_ROWS_PER_ELEM;
    let edge = |c: usize| (sizes[c] as f64 * per_elem).ceil() as usize;
    let mut parts = vec![1usize; q.nodes.len()];
    let mut any = false;
    let mut j = 0;
    while j < q.nodes.len() {
        let Some(p2) = split::pieces_of(q, j, 2) else {
            j += 1;
            continue;
        };
        let chain = split::chain_of(q, j, &p2);
        let end = chain.last().copied().unwrap_or(j) + 1;
        let total: usize = chain.iter().map(|&c| rows[c]).sum();
        // The chain's input is committed in a segment of pieces even when it
        // is the model's input.
        let input: usize = q.nodes[j]
            .inputs
            .iter()
            .filter(|&&v| !matches!(q.values[v].kind, zkml_core::quant::QValueKind::Const(_)))
            .map(|&v| q.values[v].shape.iter().product::<usize>())
            .sum();
        let edge_in = edge(j).max((input as f64 * per_elem).ceil() as usize);
        let room = budget.saturating_sub(edge_in + edge(end));
        if edge(j) + total + edge(end) <= budget || room < budget / 8 {
            j += 1;
            continue;
        }
        let target = ((room as f64 * SPLIT_FILL) as usize).max(1);
        parts[j] = total.div_ceil(target);
        any = true;
        let p = split::pieces_of(q, j, parts[j]).unwrap_or(p2);
        j = split::chain_of(q, j, &p).last().copied().unwrap_or(j) + 1;
    }
    any.then_some(parts)
}

/// `q` with its nodes over [`SPLIT_FILL`] of `budget` rows split into pieces
/// ([`split_parts`]), and the rows of its nodes under `vis`. A piece costs
/// more than its share (each re-reads the node's input), so the pieces are
/// weighed by a layout pass of the split graph and a split whose largest
/// piece is still over is redone with proportionally more pieces.
pub fn split_to_fit(
    q: &QGraph,
    vis: &Visibility,
    rows: &[usize],
    budget: usize,
) -> Result<(QGraph, Vec<usize>)> {
    let Some(mut parts) = split_parts(q, rows, budget) else {
        return Ok((q.clone(), rows.to_vec()));
    };
    // A piece over half the budget is split further (split_parts aims below).
    let target = budget / 2;
    let mut last = None;
    for _ in 0..4 {
        let (g, origin) =
            split::split_nodes_traced(q, &parts).map_err(|e| PlonkError::Segment(e.to_string()))?;
        let grows = node_rows(&g, vis)?;
        // Rows of each piece of each split node.
        let mut piece_rows: std::collections::BTreeMap<(usize, usize), usize> = Default::default();
        for (o, r) in origin.iter().zip(&grows) {
            if let Some(key) = o {
                *piece_rows.entry(*key).or_default() += r;
            }
        }
        let mut again = false;
        for (&(j, _), &r) in &piece_rows {
            if r > target {
                let grown = (parts[j] as f64 * r as f64 / target as f64 * 1.05).ceil() as usize;
                if grown > parts[j] {
                    parts[j] = grown;
                    again = true;
                }
            }
        }
        last = Some((g, grows));
        if !again {
            break;
        }
    }
    Ok(last.expect("at least one split"))
}

/// Splits `q` into segments that each fit a circuit of `2^k` rows, and plans
/// each at `k`. Nodes larger than a segment are first split into pieces
/// ([`split_to_fit`]); cuts are chosen from row estimates ([`node_rows`],
/// [`choose_cuts`]); a segment whose real plan does not fit makes the row
/// budget shrink and the nodes be split and the cuts chosen again.
pub fn plan_segments(q: &QGraph, vis: &Visibility, k: u32) -> Result<SegmentedPlan> {
    let mid = segment_visibility(vis, 1, 3);
    let rows = node_rows(q, &mid)?;
    // halo2 keeps a few rows for blinding; leave a margin for them and the tables.
    let usable = (1usize << k).saturating_sub(16);
    let mut budget = usable;
    let per_elem = BOUNDARY_ROWS_PER_ELEM;
    for _ in 0..6 {
        // Nodes are split only when no cuts keep every segment within the budget.
        let (g, grows) = if choose_cuts(q, &rows, budget, per_elem).is_ok() {
            (q.clone(), rows.clone())
        } else {
            split_to_fit(q, &mid, &rows, budget)?
        };
        match plan_cuts(&g, vis, k, &grows, budget)? {
            Ok(sp) => return Ok(sp),
            Err(needed) => {
                // A segment needs 2^(needed − k) times the rows: shrink by
                // that beyond one doubling, and by a fifth (the estimates
                // are close: a segment over is rarely twice over).
                let factor = 1usize << (needed.saturating_sub(k as usize + 1)).min(8);
                budget = budget / factor * 4 / 5;
                if budget < 64 {
                    break;
                }
            }
        }
    }
    Err(PlonkError::Segment(format!(
        "could not split the model into segments of 2^{k} rows; choose a larger segment k"
    )))
}

/// Cuts for `budget` rows per segment, each segment planned at `k`, then
/// merged with its neighbours while they fit; `Err(needed)` when a
/// segment's real plan needs `2^needed` rows.
fn plan_cuts(
    q: &QGraph,
    vis: &Visibility,
    k: u32,
    rows: &[usize],
    budget: usize,
) -> Result<std::result::Result<SegmentedPlan, usize>> {
    let cuts = choose_cuts(q, rows, budget, BOUNDARY_ROWS_PER_ELEM)
        .map_err(|e| PlonkError::Segment(format!("{e} (k = {k})")))?;
    let segments = q
        .segment(&cuts)
        .map_err(|e| PlonkError::Segment(e.to_string()))?;
    let n = segments.len();
    let mut plans = Vec::with_capacity(n);
    let mut worst: Option<usize> = None;
    for i in 0..n {
        match plan_segment(&segments, vis, i, k) {
            Ok(p) => plans.push(p),
            Err(PlonkError::KTooSmall { needed, .. }) => {
                worst = Some(worst.unwrap_or(0).max(needed as usize));
            }
            Err(e) => return Err(e),
        }
    }
    match worst {
        None => Ok(Ok(merge(q, vis, k, rows, cuts, plans)?)),
        Some(needed) => Ok(Err(needed)),
    }
}

/// The plan of segment `i` of `segments` at `k` under the model's `vis`:
/// its visibility ([`segment_visibility`]) and boundary columns
/// ([`segment_boundary`]).
pub fn plan_segment(segments: &[Segment], vis: &Visibility, i: usize, k: u32) -> Result<Plan> {
    plan_boundary(
        &segments[i].graph,
        &segment_visibility(vis, i, segments.len()),
        Some(k),
        true,
        segment_boundary(segments, i),
    )
}

/// The segments of `q` at the cuts `cuts`, each planned at `k`, or else at
/// the smallest `k` every one fits (a chain shares one `k`);
/// `matrix_check` as in [`crate::plan_with`].
pub fn plan_segments_at_cuts(
    q: &QGraph,
    vis: &Visibility,
    cuts: &[usize],
    k: Option<u32>,
    matrix_check: bool,
) -> Result<SegmentedPlan> {
    let segments = q
        .segment(cuts)
        .map_err(|e| PlonkError::Segment(e.to_string()))?;
    let n = segments.len();
    let plan = |i: usize, k: Option<u32>| {
        let v = segment_visibility(vis, i, n);
        let b = segment_boundary(&segments, i);
        plan_boundary(&segments[i].graph, &v, k, matrix_check, b)
            .map_err(|e| PlonkError::Segment(format!("segment {i}: {e}")))
    };
    let k = match k {
        Some(k) => k,
        None => (0..n)
            .map(|i| plan(i, None).map(|p| p.k))
            .try_fold(4, |a, k| k.map(|k| a.max(k)))?,
    };
    let plans = (0..n)
        .map(|i| plan(i, Some(k)))
        .collect::<Result<Vec<_>>>()?;
    Ok(SegmentedPlan {
        graph: q.clone(),
        cuts: cuts.to_vec(),
        segments,
        plans,
    })
}

/// Segments for a memory budget: the largest segment `k` below `max_k` at
/// which every segment's plan is within `max_bytes` ([`Plan::check_memory`]).
pub fn plan_segments_within(
    q: &QGraph,
    vis: &Visibility,
    max_k: u32,
    max_bytes: u64,
) -> Result<SegmentedPlan> {
    segments_from(q, vis, max_k.saturating_sub(1), max_bytes)
}

/// As [`plan_segments_within`] below the whole model's plan `whole`, starting
/// at the largest `k` at which a circuit with `whole`'s columns is estimated
/// within `max_bytes` (memory grows as `2^k`; each `k` tried plans the model
/// once), so that usually one `k` is tried.
pub fn plan_segments_for(
    q: &QGraph,
    vis: &Visibility,
    whole: &Plan,
    max_bytes: u64,
) -> Result<SegmentedPlan> {
    let base = crate::plan::BASE_MEMORY_BYTES;
    let polys = whole.est_peak_bytes.saturating_sub(base);
    let start = (10..whole.k)
        .rev()
        .find(|&k| base + (polys >> (whole.k - k)) <= max_bytes)
        .unwrap_or(10);
    segments_from(q, vis, start, max_bytes)
}

fn segments_from(
    q: &QGraph,
    vis: &Visibility,
    start: u32,
    max_bytes: u64,
) -> Result<SegmentedPlan> {
    let mut last_err = None;
    for k in (10..=start).rev() {
        match plan_segments(q, vis, k) {
            Ok(sp) if sp.plans.iter().all(|p| p.check_memory(max_bytes).is_ok()) => return Ok(sp),
            Ok(sp) => {
                let worst = sp.plans.iter().map(|p| p.est_peak_bytes).max().unwrap_or(0);
                last_err = Some(PlonkError::Segment(format!(
                    "segments of k = {k} need about {} each, more than {}",
                    crate::plan::gib(worst),
                    crate::plan::gib(max_bytes)
                )));
            }
            Err(e) => {
                last_err = Some(e);
                break;
            }
        }
    }
    Err(last_err.unwrap_or_else(|| {
        PlonkError::Segment(format!(
            "no segment size fits in {}",
            crate::plan::gib(max_bytes)
        ))
    }))
}

/// A merge of two segments is tried only when their rows at the estimate's
/// MAC width ([`node_rows`]) are within this factor of the usable rows:
/// a wider MAC row saves multiply-accumulate rows, not the rescale and range
/// rows every output element costs, so a pair far over never fits and its
/// trial plan (a layout pass or more) is skipped.
pub const MERGE_SLACK: f64 = 1.25;

/// Merges neighbouring segments while the merged one still fits `k` (the
/// row estimates `rows` are at a middling MAC width; the planner may fit
/// more rows in a wider one).
fn merge(
    q: &QGraph,
    vis: &Visibility,
    k: u32,
    rows: &[usize],
    mut cuts: Vec<usize>,
    mut plans: Vec<Plan>,
) -> Result<SegmentedPlan> {
    let seg_err = |e: zkml_core::Error| PlonkError::Segment(e.to_string());
    let usable = (1usize << k) as f64;
    let mut i = 0;
    while i < cuts.len() {
        let a = if i == 0 { 0 } else { cuts[i - 1] };
        let b = cuts.get(i + 1).copied().unwrap_or(q.nodes.len());
        let est: usize = rows[a..b].iter().sum();
        if est as f64 > usable * MERGE_SLACK {
            i += 1;
            continue;
        }
        let mut trial = cuts.clone();
        trial.remove(i);
        let segs = q.segment(&trial).map_err(seg_err)?;
        match plan_segment(&segs, vis, i, k) {
            Ok(p) => {
                cuts = trial;
                plans.remove(i + 1);
                plans[i] = p;
            }
            Err(PlonkError::KTooSmall { .. }) => i += 1,
            Err(e) => return Err(e),
        }
    }
    let segments = q.segment(&cuts).map_err(seg_err)?;
    Ok(SegmentedPlan {
        graph: q.clone(),
        cuts,
        segments,
        plans,
    })
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
