//! The layout planner: picks the MAC width `n`, the range-limb width `t`, the
//! number of range cells per row `L` and `k` for a model.
//!
//! Rows depend only on `n` (one multiply-accumulate row per `n` terms; the
//! rescale is fused into the last row); the range cells a row needs and the
//! table depend only on `t`. For each candidate the prover cost is estimated
//! as `committed columns × 2^k`, the dominant term (FFT + MSM per column):
//! `n + 1 + L` advice columns, 3 more polynomials per lookup (`L` lookups),
//! one permutation product per 2 equality columns, and the quotient pieces.
//! Candidates are ranked by that cost ([`SECONDS_PER_CELL`]); the estimate a
//! plan reports ([`Plan::est_prove_s`]) is in CPU-seconds, with a cost per
//! cell that grows with `k` ([`prove_cpu_seconds`]), fitted to measured
//! proofs.
//!
//! # Rows
//!
//! halo2 leaves `blinding_factors + 1` rows at the bottom for blinding, so a
//! circuit of `2^k` rows has `usable = 2^k − (blinding_factors + 1)` rows, and
//! keygen fails with `NotEnoughRowsAvailable` unless all three fit:
//! the gadget rows (`rows ≤ usable`: every assigned cell, copy and selector
//! lies in rows `0..rows`), the instance column (`num_public ≤ usable`: public
//! value `i` is instance row `i`), and the range and function tables
//! (`table_rows + 1 ≤ usable`: the table layouter pads each table column from
//! its first unused row, which must itself be usable). [`rows_needed`] is that
//! count plus the blinding rows; `k` is the smallest with `2^k ≥` it (and with
//! at least halo2's `minimum_rows`).

use std::fmt;

use halo2_axiom::{halo2curves::bn256::Fr, plonk::ConstraintSystem};
use zkml_core::{backend::Visibility, QGraph};

use crate::circuit::{configure, has_committed};
use crate::error::{PlonkError, Result};
use crate::gadgets::Shape;

mod bound;
mod cost;
mod pass;
pub mod profile;

pub use bound::{memory_lower_bound, MemoryBound};
use cost::rank_cost;
pub use cost::{
    estimate_memory, prove_cpu_seconds, BASE_MEMORY_BYTES, CELL_COST_PER_K, CPU_SECONDS_PER_CELL,
    EFFECTIVE_CORES, MEMORY_SLACK, SECONDS_PER_CELL, SECONDS_PER_POLY,
};
use pass::{pass_b, sweep, Pass};
pub use pass::{set_sweep_all_rows, Mode, FIT_MARGIN, SWEEP_ALL_ROWS};

/// Physical memory of this machine in bytes (`MemTotal` of `/proc/meminfo`),
/// if known.
pub fn physical_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// `bytes` as GiB with one decimal, for messages.
pub fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// The planner takes the smallest proof among layouts whose estimated proving
/// time is within this factor of the fastest (proof bytes are what verifiers
/// store, send and pay gas for; 15% of proving time buys e.g. LeNet 4.8 → 3.0 KB).
pub const PROOF_SLACK: f64 = 1.15;

/// Largest `k` the planner will choose.
pub const MAX_K: u32 = 26;

/// Rows used by one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerRows {
    /// Node name.
    pub node: String,
    /// Op name.
    pub op: &'static str,
    /// Rows.
    pub rows: usize,
    /// Proved by the randomized matrix check (else multiply-accumulate rows).
    pub checked: bool,
}

/// A chosen layout.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Column shape (MAC width, range cells, limb width, table widths).
    pub shape: Shape,
    /// log2 of the circuit rows.
    pub k: u32,
    /// Rows used by gadgets.
    pub rows: usize,
    /// Rows of the range table.
    pub table_rows: usize,
    /// Rows usable at this `k` (2^k minus halo2's blinding rows).
    pub usable_rows: usize,
    /// Rows used by the inputs.
    pub input_rows: usize,
    /// Rows per node.
    pub layers: Vec<LayerRows>,
    /// Public values (instance cells).
    pub num_public: usize,
    /// Advice columns.
    pub advice_columns: usize,
    /// Fixed columns.
    pub fixed_columns: usize,
    /// Lookup arguments.
    pub lookups: usize,
    /// Committed polynomials per proof (advice + lookup + permutation + quotient).
    pub committed: usize,
    /// Estimated proving time in CPU-seconds (user + sys of all threads,
    /// [`prove_cpu_seconds`]); [`Self::est_prove_wall_s`] is the wall time
    /// on an idle 2-core machine.
    pub est_prove_s: f64,
    /// Proof size in bytes (exact: it depends only on the constraint system).
    pub proof_bytes: usize,
    /// Estimated peak memory of `setup` or `prove` with this plan, in bytes
    /// ([`estimate_memory`]).
    pub est_peak_bytes: u64,
}

impl Plan {
    /// Estimated proving wall time on an idle 2-core machine (seconds):
    /// [`Self::est_prove_s`] over [`EFFECTIVE_CORES`].
    pub fn est_prove_wall_s(&self) -> f64 {
        self.est_prove_s / EFFECTIVE_CORES
    }

    /// The cost this plan was ranked by among candidates (module doc).
    fn rank(&self) -> f64 {
        rank_cost(self.committed, self.k)
    }

    /// Refuses a plan whose estimated peak memory ([`Self::est_peak_bytes`])
    /// is over `max_bytes`, before any key or proof work starts, with the
    /// estimate and the way out (segments of a smaller `k`).
    pub fn check_memory(&self, max_bytes: u64) -> Result<()> {
        if self.est_peak_bytes > max_bytes {
            return Err(PlonkError::OverMemory {
                k: self.k,
                estimate: gib(self.est_peak_bytes),
                budget: gib(max_bytes),
            });
        }
        Ok(())
    }

    /// Checks that the gadget rows, the tables and the instance column fit in
    /// the usable rows at this plan's `k` (module doc, *Rows*): a plan that
    /// does not is refused before halo2's keygen, which would panic on it.
    pub fn check_fits(&self) -> Result<()> {
        let used = self.rows.max(self.table_rows + 1).max(self.num_public);
        if used > self.usable_rows {
            let blinding = (1usize << self.k) - self.usable_rows;
            let need = used + blinding;
            return Err(PlonkError::KTooSmall {
                k: self.k,
                needed: need.next_power_of_two().trailing_zeros(),
            });
        }
        Ok(())
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "k = {} ({} of {} usable rows; range table {} rows)",
            self.k, self.rows, self.usable_rows, self.table_rows
        )?;
        writeln!(
            f,
            "columns: {} advice (MAC width {}, {} range cells/row of ≤{} bits), {} fixed, {} lookups; {} committed polynomials",
            self.advice_columns,
            self.shape.n,
            self.shape.l,
            self.shape.t,
            self.fixed_columns,
            self.lookups,
            self.committed
        )?;
        writeln!(
            f,
            "public values: {}; proof {} bytes; estimated prove ≈ {:.1} CPU-s (≈ {:.1} s wall on 2 \
             idle cores), peak memory ≈ {}",
            self.num_public,
            self.proof_bytes,
            self.est_prove_s,
            self.est_prove_wall_s(),
            gib(self.est_peak_bytes)
        )?;
        if self.shape.freivalds {
            let n = self.layers.iter().filter(|l| l.checked).count();
            writeln!(
                f,
                "matrix check: {n} layer(s), challenge drawn after their inputs and outputs are committed"
            )?;
        }
        writeln!(f, "{:>8}  inputs", self.input_rows)?;
        for l in &self.layers {
            let how = if l.checked { ", matrix check" } else { "" };
            writeln!(f, "{:>8}  {} ({}{how})", l.rows, l.node, l.op)?;
        }
        Ok(())
    }
}

/// Elements of a segment's boundary input and output groups (0: the group
/// is not a segment boundary): they go in boundary columns
/// ([`crate::segment::boundary`]), whose count depends on `k`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BoundaryElems {
    /// Elements of the boundary the inputs lie on.
    pub input: usize,
    /// Elements of the boundary the outputs lie on.
    pub output: usize,
}

impl BoundaryElems {
    /// The boundary columns at `k` (inputs, outputs).
    pub fn columns(&self, k: u32) -> (usize, usize) {
        use crate::segment::boundary::columns_for;
        (columns_for(self.input, k), columns_for(self.output, k))
    }
}

/// MAC width and limb width of the layout pass [`node_rows`] estimates with.
pub const ESTIMATE_N: usize = 16;

/// Rows per node of `q` under `vis` at a middling shape (MAC width
/// [`ESTIMATE_N`], 8-bit limbs): what the segment cut chooser
/// (`zkml_core::segment::choose_cuts`) budgets with. A node fused into the
/// one before it has 0 rows (its rows are on that node).
pub fn node_rows(q: &QGraph, vis: &Visibility) -> Result<Vec<usize>> {
    node_rows_in(q, vis, Mode::Fast)
}

/// [`node_rows`] in `mode`.
pub fn node_rows_in(q: &QGraph, vis: &Visibility, mode: Mode) -> Result<Vec<usize>> {
    let bnd = BoundaryElems::default();
    Ok(pass_b(q, vis, ESTIMATE_N, 8, true, bnd, mode)?.node_rows)
}

/// What the planner reads off halo2's own constraint system for a shape.
struct CsFacts {
    /// `blinding_factors + 1`: the rows at the bottom halo2 does not let us use.
    blinding: usize,
    /// halo2's `minimum_rows` (no `k` below it sets up).
    minimum_rows: usize,
    advice: usize,
    fixed: usize,
    lookups: usize,
    degree: usize,
    perm_cols: usize,
    proof_bytes: usize,
}

/// Blinding rows, column counts and the proof size of a shape.
///
/// The proof (SHPLONK, Blake2b transcript) holds 32-byte compressed points and
/// scalars: a commitment per advice column, three per lookup (permuted input,
/// permuted table, product), one per permutation chunk of `degree − 2`
/// columns, the vanishing argument's random polynomial and `degree − 1`
/// quotient pieces; an evaluation per advice and fixed query, per permutation
/// column (σ), three per chunk but the last (two), five per lookup, one for
/// the random polynomial; then SHPLONK's two opening points.
fn cs_facts(shape: &Shape) -> CsFacts {
    let mut cs = ConstraintSystem::<Fr>::default();
    let _ = configure(&mut cs, shape.clone());
    let degree = cs.degree();
    let lookups = cs.lookups().len();
    let perm_cols = cs.permutation().get_columns().len();
    let chunks = perm_cols.div_ceil(degree - 2);
    let commitments = cs.num_advice_columns() + 3 * lookups + chunks + 1 + (degree - 1);
    let evals = cs.advice_queries().len()
        + cs.fixed_queries().len()
        + perm_cols
        + (3 * chunks).saturating_sub(1)
        + 5 * lookups
        + 1;
    CsFacts {
        blinding: cs.blinding_factors() + 1,
        minimum_rows: cs.minimum_rows(),
        advice: cs.num_advice_columns(),
        fixed: cs.num_fixed_columns(),
        lookups,
        degree,
        perm_cols,
        proof_bytes: 32 * (commitments + evals + 2),
    }
}

/// Rows a circuit needs, blinding rows included: `max(rows, table_rows + 1,
/// num_public) + blinding` (see the module doc, *Rows*), where `blinding` is
/// halo2's `blinding_factors + 1`.
pub fn rows_needed(rows: usize, table_rows: usize, num_public: usize, blinding: usize) -> usize {
    rows.max(table_rows + 1).max(num_public) + blinding
}

/// The plan for a given shape and `k` (one layout pass): recovers a key's plan.
pub fn plan_for_shape(q: &QGraph, vis: &Visibility, shape: &Shape, k: u32) -> Result<Plan> {
    if has_committed(vis) && (shape.n < 5 || !shape.poseidon) {
        return Err(PlonkError::Visibility(format!(
            "committed tensors need the Poseidon gate and a MAC width of at least 5 (the shape \
             has n = {})",
            shape.n
        )));
    }
    let bnd = BoundaryElems {
        input: shape.bnd_in,
        output: shape.bnd_out,
    };
    let p = pass_b(q, vis, shape.n, shape.t, shape.freivalds, bnd, Mode::Fast)?;
    Ok(assemble(q, shape.clone(), k, &p, &cs_facts(shape)))
}

/// A [`Plan`] from its shape, `k`, layout pass and constraint-system facts.
fn assemble(q: &QGraph, shape: Shape, k: u32, p: &Pass, facts: &CsFacts) -> Plan {
    let perm = (shape.n + 2 + shape.bnd_in + shape.bnd_out).div_ceil(facts.degree - 2);
    let committed = facts.advice + 3 * facts.lookups + perm + (facts.degree - 1);
    Plan {
        table_rows: shape.table_rows(),
        shape,
        k,
        rows: p.rows,
        usable_rows: (1usize << k) - facts.blinding,
        input_rows: p.input_rows,
        layers: q
            .nodes
            .iter()
            .zip(p.node_rows.iter().zip(&p.node_checked))
            .map(|(nd, (&rows, &checked))| LayerRows {
                node: nd.name.clone(),
                op: nd.op.name(),
                rows,
                checked,
            })
            .collect(),
        num_public: p.num_public,
        advice_columns: facts.advice,
        fixed_columns: facts.fixed,
        lookups: facts.lookups,
        proof_bytes: facts.proof_bytes,
        committed,
        est_prove_s: prove_cpu_seconds(committed, k),
        est_peak_bytes: estimate_memory(
            k,
            facts.advice,
            facts.fixed,
            facts.perm_cols,
            facts.lookups,
            facts.degree,
        ),
    }
}

/// MAC widths the planner tries.
const NS: [usize; 15] = [4, 6, 8, 9, 10, 11, 12, 14, 16, 20, 24, 32, 48, 64, 96];
/// Limb widths the planner tries.
const TS: [u32; 6] = [8, 10, 12, 13, 14, 16];

/// The MAC widths the planner tries under `vis` (the Poseidon gate of
/// committed tensors needs a MAC width of at least 5).
fn mac_widths(vis: &Visibility) -> Vec<usize> {
    let min_n = if has_committed(vis) { 5 } else { 1 };
    NS.iter().copied().filter(|&n| n >= min_n).collect()
}

/// The narrowest MAC width the planner tries under `vis`.
pub fn min_mac_width(vis: &Visibility) -> usize {
    mac_widths(vis)[0]
}

/// Plans `q`: the cheapest candidate, or the one at a forced `k`; convolutions
/// use the randomized matrix check where it saves rows.
pub fn plan(q: &QGraph, vis: &Visibility, force_k: Option<u32>) -> Result<Plan> {
    plan_with(q, vis, force_k, true)
}

/// As [`plan`]; `matrix_check = false` keeps every layer on multiply-accumulate
/// rows (no second phase).
pub fn plan_with(
    q: &QGraph,
    vis: &Visibility,
    force_k: Option<u32>,
    matrix_check: bool,
) -> Result<Plan> {
    plan_boundary(q, vis, force_k, matrix_check, BoundaryElems::default())
}

/// As [`plan_with`] for a segment whose inputs and outputs lie on
/// boundaries of `bnd` elements: the plan's shape has their boundary
/// columns at the chosen `k` ([`BoundaryElems::columns`]).
pub fn plan_boundary(
    q: &QGraph,
    vis: &Visibility,
    force_k: Option<u32>,
    matrix_check: bool,
    bnd: BoundaryElems,
) -> Result<Plan> {
    plan_boundary_in(q, vis, force_k, matrix_check, bnd, Mode::Fast)
}

/// [`plan_boundary`] with its layout passes in `mode` (the same plan in
/// either mode: [`Mode::Reference`] is what tests compare with).
pub fn plan_boundary_in(
    q: &QGraph,
    vis: &Visibility,
    force_k: Option<u32>,
    matrix_check: bool,
    bnd: BoundaryElems,
    mode: Mode,
) -> Result<Plan> {
    let ns = mac_widths(vis);
    // The reference planner bisects every interval (what the pruning is
    // tested against).
    let cap = match mode {
        Mode::Fast => force_k.map(|k| 1usize << k.min(MAX_K)),
        Mode::Reference => None,
    };
    let passes = sweep(&ns, &TS, cap, |n, t| {
        pass_b(q, vis, n, t, matrix_check, bnd, mode)
    })?;
    let mut by_n: Vec<(usize, &Pass)> = passes.iter().map(|(n, _, p)| (*n, p)).collect();
    by_n.sort_by_key(|(n, _)| *n);
    by_n.dedup_by_key(|(n, _)| *n);
    let by_t: Vec<(u32, &Pass)> = TS
        .iter()
        .filter_map(|&t| {
            passes
                .iter()
                .find(|(_, pt, _)| *pt == t)
                .map(|(_, _, p)| (t, p))
        })
        .collect();
    let mut cands: Vec<Plan> = vec![];
    // The smallest `k` any candidate needs (for the error when none fits).
    let mut needed_k = u32::MAX;
    for (n, pn) in &by_n {
        for (t, pt) in &by_t {
            let shape = Shape {
                n: *n,
                l: pt.max_lk,
                t: *t,
                act_bits: q.act_bits,
                widths: pt.widths.clone(),
                tables: pt.tables.clone(),
                freivalds: pn.checked > 0,
                poseidon: has_committed(vis),
                dyn_lookup: crate::circuit::has_dyn_gather(q),
                bnd_in: usize::from(bnd.input > 0),
                bnd_out: usize::from(bnd.output > 0),
            };
            let facts = cs_facts(&shape);
            let need = rows_needed(pn.rows, shape.table_rows(), pn.num_public, facts.blinding)
                .max(facts.minimum_rows);
            let min_k = need
                .next_power_of_two()
                .trailing_zeros()
                .max(4)
                .max(min_boundary_k(bnd));
            needed_k = needed_k.min(min_k);
            let k = match force_k {
                Some(k) if k < min_k => continue,
                Some(k) => k,
                None => min_k,
            };
            if k > MAX_K {
                continue;
            }
            let (bnd_in, bnd_out) = bnd.columns(k);
            let shape = Shape {
                bnd_in,
                bnd_out,
                ..shape
            };
            let facts = if bnd_in + bnd_out > 0 {
                cs_facts(&shape)
            } else {
                facts
            };
            let cand = assemble(q, shape, k, pn, &facts);
            cands.push(cand);
        }
    }
    // The fastest estimate, unless a layout within PROOF_SLACK of it has a
    // smaller proof: then the smallest such proof.
    let fastest = cands.iter().map(Plan::rank).fold(f64::INFINITY, f64::min);
    let best = cands
        .into_iter()
        .filter(|c| c.rank() <= fastest * PROOF_SLACK)
        .min_by(|a, b| {
            (a.proof_bytes, a.rank())
                .partial_cmp(&(b.proof_bytes, b.rank()))
                .expect("estimates are finite")
        });
    let best = best.ok_or(match force_k {
        Some(k) if needed_k <= MAX_K => PlonkError::KTooSmall {
            k,
            needed: needed_k,
        },
        _ => PlonkError::TooLarge {
            k: needed_k,
            max_k: MAX_K,
        },
    })?;
    // The candidates pair a pass's rows at one limb width with another
    // pass's limb cells and tables; rows can depend on both (range limbs that
    // spill into rows), so the chosen shape is laid out once more, exactly,
    // and its k re-derived from that pass (never an undercount).
    let (n, t) = (best.shape.n, best.shape.t);
    let fresh;
    let exact: &Pass = match passes.iter().find(|(pn, pt, _)| *pn == n && *pt == t) {
        Some((_, _, p)) => p,
        None => {
            fresh = pass_b(q, vis, n, t, matrix_check, bnd, mode)?;
            &fresh
        }
    };
    let shape = Shape {
        l: exact.max_lk,
        widths: exact.widths.clone(),
        tables: exact.tables.clone(),
        freivalds: exact.checked > 0,
        ..best.shape.clone()
    };
    let facts = cs_facts(&shape);
    let need = rows_needed(
        exact.rows,
        shape.table_rows(),
        exact.num_public,
        facts.blinding,
    )
    .max(facts.minimum_rows);
    let min_k = need
        .next_power_of_two()
        .trailing_zeros()
        .max(4)
        .max(min_boundary_k(bnd));
    let k = match force_k {
        Some(k) if k < min_k => return Err(PlonkError::KTooSmall { k, needed: min_k }),
        Some(k) => k,
        None => min_k,
    };
    if k > MAX_K {
        return Err(PlonkError::TooLarge { k, max_k: MAX_K });
    }
    let (bnd_in, bnd_out) = bnd.columns(k);
    let shape = Shape {
        bnd_in,
        bnd_out,
        ..shape
    };
    let facts = cs_facts(&shape);
    Ok(assemble(q, shape, k, exact, &facts))
}

/// The smallest `k` whose boundary columns have room beside their blinding
/// zone (`2^k > 2·ZONE_ROWS`).
fn min_boundary_k(bnd: BoundaryElems) -> u32 {
    if bnd == BoundaryElems::default() {
        0
    } else {
        (2 * crate::segment::boundary::ZONE_ROWS + 1)
            .next_power_of_two()
            .trailing_zeros()
    }
}
