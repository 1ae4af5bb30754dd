//! Segmented proofs: a model split into segments ([`zkml_core::segment`]),
//! each its own circuit, key and proof, chained by committed boundary tensors.
//!
//! Segment `i` of `n` is the ordinary circuit of its sub-graph under
//! [`segment_visibility`]: the model's input visibility on the first
//! segment, its output visibility (and reveal) on the last, its weights
//! visibility on all; every other input and output group is
//! [`Vis::Committed`]. The boundary `j` (segment `j`'s outputs = segment
//! `j + 1`'s inputs, the same tensors in the same order) is committed on both
//! sides with the same blinding, [`boundary_blinding`]`(seed, run, j)`, so an
//! honest chain shows equal commitments:
//!
//! ```text
//! C_j = Poseidon(pack(boundary_j), r_j),   r_j = H("zkml segment boundary" ‖ seed ‖ run ‖ j) mod p
//! run = H("zkml segment run" ‖ the model's input integers)       (run_digest)
//! ```
//!
//! The seed is a secret of the prover (kept beside the other openings):
//! independent workers that hold it prove segments that chain, and the
//! blindings hide the boundary tensors from the verifier. The run digest is
//! what every worker re-derives from the input it re-runs, so one opening
//! file serves many inputs without reusing a blinding: two runs whose
//! boundary tensors happen to be equal do not show equal commitments (only
//! two proofs of the very same input with the same seed are linkable; a
//! fresh seed per proof avoids even that).
//!
//! [`verify_segments`] accepts only if there is exactly one proof per
//! segment, in order, each proof verifies under its segment's key, and
//! `C_j` (segment `j`'s output commitment) equals segment `j + 1`'s input
//! commitment for every `j`. Binding: equal commitments open to the same
//! integers unless Poseidon collides (the digits are range checked), so the
//! chain proves the composition: the model's outputs are the integers the
//! executor computes on its inputs.
//!
//! Committed weights: each segment commits to its own constants (with the
//! model's weights blinding), so the proof shows one weights commitment per
//! segment, not the whole model's.

use halo2_axiom::halo2curves::{bn256::Fr, ff::FromUniformBytes};
use rand_core06::{OsRng, RngCore};
use zkml_core::{
    backend::{Backend, Blinding, Commitment, Openings, PublicValues, Reveal, Vis, Visibility},
    segment::{choose_cuts, split, Segment},
    QGraph, Trace,
};

mod format;

pub use format::{bundle_from_bytes, bundle_to_bytes, is_bundle, SEGMENT_FORMAT_VERSION};

use crate::commit::to_bytes;
use crate::error::{PlonkError, Result};
use crate::plan::{node_rows, plan_with, Plan};
use crate::{PlonkBackend, PlonkProof, PlonkProvingKey, PlonkVerifyingKey};

/// The secret from which every boundary blinding is derived.
pub type SegmentSeed = [u8; 32];

/// A fresh seed from the operating system's CSPRNG.
pub fn fresh_seed() -> SegmentSeed {
    let mut s = [0u8; 32];
    OsRng.fill_bytes(&mut s);
    s
}

/// The visibility of segment `i` of `n` under the model's `vis` (module doc).
pub fn segment_visibility(vis: &Visibility, i: usize, n: usize) -> Visibility {
    let last = i + 1 == n;
    Visibility {
        input: if i == 0 { vis.input } else { Vis::Committed },
        weights: vis.weights,
        output: if last { vis.output } else { Vis::Committed },
        reveal: if last {
            vis.reveal.clone()
        } else {
            Reveal::None
        },
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

/// The blinding of boundary `j` (between segments `j` and `j + 1`) in the
/// run `run` ([`run_digest`]): BLAKE2b-512 of a domain tag, the seed, the run
/// and `j`, reduced modulo `p` (statistically uniform).
pub fn boundary_blinding(seed: &SegmentSeed, run: &[u8; 32], j: usize) -> Blinding {
    let h = blake2b_simd::Params::new()
        .hash_length(64)
        .to_state()
        .update(b"zkml segment boundary v2\0")
        .update(seed)
        .update(run)
        .update(&(j as u64).to_le_bytes())
        .finalize();
    let mut wide = [0u8; 64];
    wide.copy_from_slice(h.as_bytes());
    Blinding(to_bytes(Fr::from_uniform_bytes(&wide)))
}

/// The openings segment `i` of `n` proves with: the model's own for the
/// groups at the ends and the weights, the boundary blindings of `seed` and
/// `run` between.
pub fn segment_openings(
    model: &Openings,
    seed: &SegmentSeed,
    run: &[u8; 32],
    i: usize,
    n: usize,
) -> Openings {
    Openings {
        input: if i == 0 {
            model.input
        } else {
            Some(boundary_blinding(seed, run, i - 1))
        },
        weights: model.weights,
        output: if i + 1 == n {
            model.output
        } else {
            Some(boundary_blinding(seed, run, i))
        },
    }
}

/// Rows one boundary element of `act_bits` bits costs a segment on each
/// side, as estimate for the cut chooser, at the MAC width `n =`
/// [`crate::plan::ESTIMATE_N`] of the row estimates: half a range row (two
/// values per row), `1/n` of a pack row and `39/(2D)` Poseidon rows (`D =
/// ⌊252/b⌋` values per field element): 1.86 rows at 16 bits, 1.49 at 12.
/// Measured: 1.9 rows per element at 12 bits and MAC width 6
/// (`tests/segments.rs`, a conv split over segments), where the narrow MAC
/// width makes the pack rows dearer. [`plan_segments`] checks the real plans.
pub fn boundary_rows_per_elem(act_bits: u32) -> f64 {
    let d = (252 / act_bits.clamp(1, 120)) as f64;
    0.5 + 1.0 / crate::plan::ESTIMATE_N as f64 + 39.0 / (2.0 * d)
}

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
    let per_elem = boundary_rows_per_elem(q.act_bits);
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
    let per_elem = boundary_rows_per_elem(q.act_bits);
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
    let cuts = choose_cuts(q, rows, budget, boundary_rows_per_elem(q.act_bits))
        .map_err(|e| PlonkError::Segment(format!("{e} (k = {k})")))?;
    let segments = q
        .segment(&cuts)
        .map_err(|e| PlonkError::Segment(e.to_string()))?;
    let n = segments.len();
    let mut plans = Vec::with_capacity(n);
    let mut worst: Option<usize> = None;
    for (i, s) in segments.iter().enumerate() {
        match plan_with(&s.graph, &segment_visibility(vis, i, n), Some(k), true) {
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
        let n = segs.len();
        match plan_with(
            &segs[i].graph,
            &segment_visibility(vis, i, n),
            Some(k),
            true,
        ) {
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

/// The chain's model hash: BLAKE2b-256 of the segment count and each
/// segment key's model hash, in order.
pub fn chain_hash(hashes: &[[u8; 32]]) -> [u8; 32] {
    let mut h = blake2b_simd::Params::new().hash_length(32).to_state();
    h.update(b"zkml segment chain v1\0");
    h.update(&(hashes.len() as u64).to_le_bytes());
    for x in hashes {
        h.update(x);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(h.finalize().as_bytes());
    out
}

/// A proof of one segment with its public values and place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentProof {
    /// Which segment (0-based).
    pub index: usize,
    /// Of how many.
    pub count: usize,
    /// The segment's public values (boundary commitments included).
    pub public: PublicValues,
    /// The proof.
    pub proof: PlonkProof,
}

/// Proves segment `i` of `segments` for the whole model's `trace`: the
/// segment's values are [`Trace::restrict`]ed from it; the blindings are
/// [`segment_openings`] of the model's `openings`, `seed` and the run's
/// [`run_digest`].
pub fn prove_segment(
    backend: &PlonkBackend,
    pk: &PlonkProvingKey,
    segments: &[Segment],
    i: usize,
    trace: &Trace,
    openings: &Openings,
    seed: &SegmentSeed,
) -> Result<SegmentProof> {
    let n = segments.len();
    let seg = segments.get(i).ok_or_else(|| {
        PlonkError::Segment(format!("segment {i} does not exist (the model has {n})"))
    })?;
    let strace = trace.restrict(seg);
    let run = run_digest(segments, trace);
    let (proof, public) = backend.prove_with(
        pk,
        &seg.graph,
        &strace,
        &segment_openings(openings, seed, &run, i, n),
    )?;
    Ok(SegmentProof {
        index: i,
        count: n,
        public,
        proof,
    })
}

/// What a verified chain of segment proofs states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainPublic {
    /// The model's public values: inputs (and input commitment) from the
    /// first segment; outputs, revealed values (and output commitment) from
    /// the last. The weights commitment is per segment: [`Self::weights`].
    pub public: PublicValues,
    /// Each segment's weights commitment (committed weights only).
    pub weights: Vec<Option<Commitment>>,
}

fn reject(msg: String) -> PlonkError {
    PlonkError::Rejected(msg)
}

/// Checks a chain of segment proofs against the segments' verifying keys
/// (in order) under the model's visibility `vis` (module doc).
pub fn verify_segments(
    backend: &PlonkBackend,
    vis: &Visibility,
    vks: &[PlonkVerifyingKey],
    proofs: &[SegmentProof],
) -> Result<ChainPublic> {
    let n = vks.len();
    if n == 0 {
        return Err(PlonkError::Segment("no segment keys".into()));
    }
    for (i, vk) in vks.iter().enumerate() {
        let want = segment_visibility(vis, i, n);
        if vk.layout.vis != want {
            return Err(PlonkError::Segment(format!(
                "the key of segment {i} has visibility {:?}, a chain of {n} needs {want:?}",
                vk.layout.vis
            )));
        }
    }
    for (pos, p) in proofs.iter().enumerate() {
        if p.count != n {
            return Err(reject(format!(
                "proof {pos} belongs to a chain of {} segments, the keys have {n}",
                p.count
            )));
        }
    }
    if proofs.len() != n {
        return Err(reject(
            match (0..n).find(|&i| !proofs.iter().any(|p| p.index == i)) {
                Some(m) => format!(
                    "segment {m} of {n} is missing ({} proof(s) given)",
                    proofs.len()
                ),
                None => format!("{} proofs for {n} segments", proofs.len()),
            },
        ));
    }
    for (pos, p) in proofs.iter().enumerate() {
        if p.index != pos {
            return Err(reject(format!(
                "segment proofs are out of order: position {pos} holds segment {}",
                p.index
            )));
        }
    }
    for j in 0..n.saturating_sub(1) {
        let out = proofs[j].public.commitments.output;
        let inp = proofs[j + 1].public.commitments.input;
        match (out, inp) {
            (Some(o), Some(i)) if o == i => {}
            _ => {
                return Err(reject(format!(
                    "the commitment chain is broken between segments {j} and {}: segment {j}'s \
                     output commitment {} differs from segment {}'s input commitment {}",
                    j + 1,
                    out.map(|c| c.to_hex()).unwrap_or_else(|| "(none)".into()),
                    j + 1,
                    inp.map(|c| c.to_hex()).unwrap_or_else(|| "(none)".into()),
                )))
            }
        }
    }
    for (i, (vk, p)) in vks.iter().zip(proofs).enumerate() {
        backend
            .verify(vk, &p.public, &p.proof)
            .map_err(|e| reject(format!("segment {i} of {n}: {e}")))?;
    }
    let (first, last) = (&proofs[0].public, &proofs[n - 1].public);
    let mut public = PublicValues {
        inputs: first.inputs.clone(),
        outputs: last.outputs.clone(),
        revealed: last.revealed.clone(),
        ..PublicValues::default()
    };
    public.commitments.input = first
        .commitments
        .input
        .filter(|_| vis.input == Vis::Committed);
    public.commitments.output = last
        .commitments
        .output
        .filter(|_| vis.output == Vis::Committed);
    if n == 1 {
        public.commitments.weights = first.commitments.weights;
    }
    Ok(ChainPublic {
        public,
        weights: proofs
            .iter()
            .map(|p| p.public.commitments.weights)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_blindings_differ_by_seed_run_and_index() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let (r, s) = ([3u8; 32], [4u8; 32]);
        assert_eq!(boundary_blinding(&a, &r, 0), boundary_blinding(&a, &r, 0));
        assert_ne!(boundary_blinding(&a, &r, 0), boundary_blinding(&a, &r, 1));
        assert_ne!(boundary_blinding(&a, &r, 0), boundary_blinding(&b, &r, 0));
        assert_ne!(boundary_blinding(&a, &r, 0), boundary_blinding(&a, &s, 0));
        let vis = Visibility::default();
        let m = Openings::default();
        let first = segment_openings(&m, &a, &r, 0, 3);
        let mid = segment_openings(&m, &a, &r, 1, 3);
        let last = segment_openings(&m, &a, &r, 2, 3);
        assert_eq!(first.input, None);
        assert_eq!(first.output, mid.input);
        assert_eq!(mid.output, last.input);
        assert_eq!(last.output, None);
        assert_eq!(segment_visibility(&vis, 0, 1), vis);
        let v1 = segment_visibility(&vis, 1, 3);
        assert_eq!((v1.input, v1.output), (Vis::Committed, Vis::Committed));
    }
}
