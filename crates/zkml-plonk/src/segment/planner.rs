//! Choosing segments: cuts from per-node row estimates, nodes larger than
//! a segment split into pieces, every segment planned at the segment `k`
//! (in parallel) and neighbours merged while they fit, within a memory
//! budget; and the segment `k` for a budget.

use rayon::prelude::*;
use zkml_core::{
    backend::Visibility,
    segment::{choose_cuts, split, Segment},
    QGraph,
};

use super::{segment_boundary, segment_visibility, SegmentedPlan, BOUNDARY_ROWS_PER_ELEM};
use crate::error::{PlonkError, Result};
use crate::plan::{node_rows_in, plan_boundary_in, Mode, Plan};

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
    split_to_fit_in(q, vis, rows, budget, Mode::Fast)
}

fn split_to_fit_in(
    q: &QGraph,
    vis: &Visibility,
    rows: &[usize],
    budget: usize,
    mode: Mode,
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
        let grows = node_rows_in(&g, vis, mode)?;
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
/// ([`split_to_fit`]); cuts are chosen from row estimates ([`crate::plan::node_rows`],
/// [`choose_cuts`]); a segment whose real plan does not fit makes the row
/// budget shrink and the nodes be split and the cuts chosen again.
pub fn plan_segments(q: &QGraph, vis: &Visibility, k: u32) -> Result<SegmentedPlan> {
    plan_segments_with(q, vis, k, u64::MAX, Mode::Fast)
}

/// As [`plan_segments`], with every segment's estimated peak memory within
/// `max_bytes` ([`Plan::est_peak_bytes`]): a segment over it (a narrow MAC
/// width does not fit its rows at `k`, a wide one costs too many columns)
/// gets one more cut, as a segment over `2^k` rows does. `mode`: see
/// [`Mode`] (the same plan either way).
pub fn plan_segments_with(
    q: &QGraph,
    vis: &Visibility,
    k: u32,
    max_bytes: u64,
    mode: Mode,
) -> Result<SegmentedPlan> {
    let _span = crate::plan::profile::span(|| format!("plan_segments k={k}"));
    let mid = segment_visibility(vis, 1, 3);
    let rows = {
        let _s = crate::plan::profile::span(|| "node_rows (whole model)".into());
        node_rows_in(q, &mid, mode)?
    };
    // halo2 keeps a few rows for blinding; leave a margin for them and the tables.
    let usable = (1usize << k).saturating_sub(16);
    let mut budget = usable;
    let per_elem = BOUNDARY_ROWS_PER_ELEM;
    let ctx = Ctx {
        vis,
        k,
        max_bytes,
        mode,
    };
    let mut over = None;
    for _ in 0..8 {
        // Nodes are split only when no cuts keep every segment within the budget.
        let split_span = crate::plan::profile::span(|| format!("split budget={budget}"));
        let (g, grows) = if choose_cuts(q, &rows, budget, per_elem).is_ok() {
            (q.clone(), rows.clone())
        } else {
            split_to_fit_in(q, &mid, &rows, budget, mode)?
        };
        drop(split_span);
        match plan_cuts(&g, &ctx, &grows, budget)? {
            Ok(sp) => return Ok(sp),
            Err(Over::Rows(needed)) => {
                // A segment needs 2^(needed − k) times the rows: shrink by
                // that beyond one doubling, and by a fifth (the estimates
                // are close: a segment over is rarely twice over).
                let factor = 1usize << (needed.saturating_sub(k as usize + 1)).min(8);
                budget = budget / factor * 4 / 5;
            }
            // Over the memory budget: fewer rows per segment fit a narrower
            // MAC width.
            Err(Over::Memory(est)) => {
                over = Some(est);
                budget = budget * 4 / 5;
            }
        }
        if budget < 64 {
            break;
        }
    }
    if let Some(est) = over {
        return Err(PlonkError::OverMemory {
            k,
            estimate: crate::plan::gib(est),
            budget: crate::plan::gib(max_bytes),
        });
    }
    let why = if max_bytes == u64::MAX {
        String::new()
    } else {
        format!(" within {} each", crate::plan::gib(max_bytes))
    };
    Err(PlonkError::Segment(format!(
        "could not split the model into segments of 2^{k} rows{why}; choose a larger segment k"
    )))
}

/// What [`plan_segments_with`] plans under.
struct Ctx<'a> {
    vis: &'a Visibility,
    k: u32,
    max_bytes: u64,
    mode: Mode,
}

/// Why a set of cuts failed.
enum Over {
    /// A segment's real plan needs `2^needed` rows.
    Rows(usize),
    /// A segment's plan is over the memory budget (its estimate), at a
    /// MAC width above the narrowest (fewer rows may fit a narrower one).
    Memory(u64),
}

/// Cuts for `budget` rows per segment, each segment planned at `k`, then
/// merged with its neighbours while they fit.
fn plan_cuts(
    q: &QGraph,
    ctx: &Ctx<'_>,
    rows: &[usize],
    budget: usize,
) -> Result<std::result::Result<SegmentedPlan, Over>> {
    let k = ctx.k;
    let cuts = choose_cuts(q, rows, budget, BOUNDARY_ROWS_PER_ELEM)
        .map_err(|e| PlonkError::Segment(format!("{e} (k = {k})")))?;
    let segments = q
        .segment(&cuts)
        .map_err(|e| PlonkError::Segment(e.to_string()))?;
    let n = segments.len();
    let span = crate::plan::profile::span(|| format!("plan {n} segments"));
    let one = |i: usize| plan_segment_in(&segments, ctx.vis, i, k, ctx.mode);
    let results: Vec<Result<Plan>> = match ctx.mode {
        Mode::Fast => (0..n).into_par_iter().map(one).collect(),
        Mode::Reference => (0..n).map(one).collect(),
    };
    drop(span);
    let mut plans = Vec::with_capacity(n);
    let mut worst: Option<usize> = None;
    // The largest estimate over the budget, and whether a narrower MAC
    // width could bring it under (memory at a given k depends only on the
    // columns).
    let mut over: Option<(u64, bool)> = None;
    let n_min = crate::plan::min_mac_width(ctx.vis);
    for r in results {
        match r {
            Ok(p) => {
                if p.est_peak_bytes > ctx.max_bytes {
                    let (est, narrower) = over.unwrap_or((0, false));
                    over = Some((est.max(p.est_peak_bytes), narrower || p.shape.n > n_min));
                }
                plans.push(p);
            }
            Err(PlonkError::KTooSmall { needed, .. }) => {
                worst = Some(worst.unwrap_or(0).max(needed as usize));
            }
            Err(e) => return Err(e),
        }
    }
    match (worst, over) {
        (Some(needed), _) => Ok(Err(Over::Rows(needed))),
        (None, Some((est, true))) => Ok(Err(Over::Memory(est))),
        (None, Some((est, false))) => Err(PlonkError::OverMemory {
            k,
            estimate: crate::plan::gib(est),
            budget: crate::plan::gib(ctx.max_bytes),
        }),
        (None, None) => Ok(Ok(merge(q, ctx, rows, cuts, plans)?)),
    }
}

/// The plan of segment `i` of `segments` at `k` under the model's `vis`:
/// its visibility ([`segment_visibility`]) and boundary columns
/// ([`segment_boundary`]).
pub fn plan_segment(segments: &[Segment], vis: &Visibility, i: usize, k: u32) -> Result<Plan> {
    plan_segment_in(segments, vis, i, k, Mode::Fast)
}

fn plan_segment_in(
    segments: &[Segment],
    vis: &Visibility,
    i: usize,
    k: u32,
    mode: Mode,
) -> Result<Plan> {
    plan_boundary_in(
        &segments[i].graph,
        &segment_visibility(vis, i, segments.len()),
        Some(k),
        true,
        segment_boundary(segments, i),
        mode,
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
        crate::plan::plan_boundary(&segments[i].graph, &v, k, matrix_check, b)
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
    let start = start_k(whole.k, whole.est_peak_bytes, max_bytes);
    segments_from(q, vis, start, max_bytes)
}

/// As [`plan_segments_for`] from a lower bound on the whole model's plan
/// ([`crate::plan::memory_lower_bound`]) instead of the plan itself: the
/// first `k` tried is the largest at which the bound's columns fit
/// `max_bytes` (a segment has at least as many), so no `k` that cannot fit
/// is planned.
pub fn plan_segments_from_bound(
    q: &QGraph,
    vis: &Visibility,
    bound: &crate::plan::MemoryBound,
    max_bytes: u64,
) -> Result<SegmentedPlan> {
    let start = start_k(bound.k, bound.bytes, max_bytes);
    segments_from(q, vis, start, max_bytes)
}

/// The largest `k` below `k_whole` at which a circuit estimated at `bytes`
/// at `k_whole` is within `max_bytes` (at least 10).
fn start_k(k_whole: u32, bytes: u64, max_bytes: u64) -> u32 {
    let base = crate::plan::BASE_MEMORY_BYTES;
    let polys = bytes.saturating_sub(base);
    (10..k_whole)
        .rev()
        .find(|&k| base + (polys >> (k_whole - k)) <= max_bytes)
        .unwrap_or(10)
}

fn segments_from(
    q: &QGraph,
    vis: &Visibility,
    start: u32,
    max_bytes: u64,
) -> Result<SegmentedPlan> {
    let mut last_err = None;
    for k in (10..=start).rev() {
        match plan_segments_with(q, vis, k, max_bytes, Mode::Fast) {
            Ok(sp) => return Ok(sp),
            // Too wide at this k: smaller segments have fewer columns' worth.
            Err(e @ PlonkError::OverMemory { .. }) => last_err = Some(e),
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
    ctx: &Ctx<'_>,
    rows: &[usize],
    mut cuts: Vec<usize>,
    mut plans: Vec<Plan>,
) -> Result<SegmentedPlan> {
    let k = ctx.k;
    let _span = crate::plan::profile::span(|| "merge".into());
    let seg_err = |e: zkml_core::Error| PlonkError::Segment(e.to_string());
    let usable = (1usize << k) as f64;
    // The merged segment of the trial at cut `i` (nodes `a..b`), if a
    // trial is worth making.
    let span_of = |cuts: &[usize], i: usize| {
        let a = if i == 0 { 0 } else { cuts[i - 1] };
        let b = cuts.get(i + 1).copied().unwrap_or(q.nodes.len());
        let est: usize = rows[a..b].iter().sum();
        (est as f64 <= usable * MERGE_SLACK).then_some((a, b))
    };
    let trial_plan = |cuts: &[usize], i: usize| -> Result<Plan> {
        let _s = crate::plan::profile::span(|| format!("merge trial at cut {i}"));
        let mut trial = cuts.to_vec();
        trial.remove(i);
        let segs = q.segment(&trial).map_err(seg_err)?;
        plan_segment_in(&segs, ctx.vis, i, k, ctx.mode)
    };
    // A trial's plan depends only on the merged nodes `a..b` (a segment's
    // graph, visibility and boundaries are those of its node range), so the
    // fast planner makes the trials of the cuts as they are at once, in
    // parallel, and the walk below takes each that it reaches unchanged (a
    // trial after a merge is made when reached).
    let mut ahead: std::collections::HashMap<(usize, usize), Result<Plan>> = match ctx.mode {
        Mode::Fast => {
            let todo: Vec<(usize, (usize, usize))> = (0..cuts.len())
                .filter_map(|i| span_of(&cuts, i).map(|ab| (i, ab)))
                .collect();
            todo.par_iter()
                .map(|&(i, ab)| (ab, trial_plan(&cuts, i)))
                .collect()
        }
        Mode::Reference => Default::default(),
    };
    let mut i = 0;
    while i < cuts.len() {
        let Some(ab) = span_of(&cuts, i) else {
            i += 1;
            continue;
        };
        let planned = match ahead.remove(&ab) {
            Some(p) => p,
            None => trial_plan(&cuts, i),
        };
        match planned {
            // A merged segment over the memory budget keeps its cut.
            Ok(p) if p.est_peak_bytes > ctx.max_bytes => i += 1,
            Ok(p) => {
                cuts.remove(i);
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
