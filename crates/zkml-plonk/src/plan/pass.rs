//! Layout passes: the planner's one measurement of a model at a shape
//! (rows, range cells, tables, public values), and the sweep that picks
//! which shapes to measure.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use zkml_core::{backend::Visibility, QGraph};

use super::BoundaryElems;
use crate::circuit::{has_committed, lay_out};
use crate::error::Result;
use crate::gadgets::{Builder, NullSink, Shape};

/// How the planner lays models out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Gadgets only count rows ([`Builder::count_fast`]); a segmented plan
    /// plans its segments in parallel and each distinct segment once.
    #[default]
    Fast,
    /// Every cell walked as a real layout walks it, segments one by one,
    /// and every interval of MAC widths bisected at a forced `k` (no
    /// `cap` in [`sweep`]): the reference the fast planner's plans are
    /// tested against.
    Reference,
}

/// What one layout pass measured.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Pass {
    pub rows: usize,
    pub max_lk: usize,
    pub widths: Vec<u32>,
    pub tables: Vec<crate::gadgets::table::FnTable>,
    pub input_rows: usize,
    pub node_rows: Vec<usize>,
    pub node_checked: Vec<bool>,
    pub num_public: usize,
    /// Layers laid out by the matrix check.
    pub checked: usize,
}

/// A layout pass; boundary groups take one placeholder column each (cells
/// in boundary columns take no rows).
pub(super) fn pass_b(
    q: &QGraph,
    vis: &Visibility,
    n: usize,
    t: u32,
    freivalds: bool,
    bnd: BoundaryElems,
    mode: Mode,
) -> Result<Pass> {
    let _span =
        super::profile::span(|| format!("pass n={n} t={t} nodes={} bnd={bnd:?}", q.nodes.len()));
    let mut sink = NullSink;
    let shape = Shape {
        n,
        l: 0,
        t,
        act_bits: q.act_bits,
        widths: vec![],
        tables: vec![],
        freivalds,
        poseidon: has_committed(vis),
        dyn_lookup: crate::circuit::has_dyn_gather(q),
        bnd_in: usize::from(bnd.input > 0),
        bnd_out: usize::from(bnd.output > 0),
    };
    let mut b = Builder::new(&mut sink, shape, true);
    // No witness here: gadgets may only count.
    b.count_fast = mode == Mode::Fast;
    let laid = lay_out(&mut b, q, None, vis)?;
    Ok(Pass {
        rows: b.row,
        max_lk: b.max_lk,
        widths: b.widths.iter().copied().collect(),
        tables: b.tables.clone(),
        input_rows: laid.input_rows,
        node_rows: laid.node_rows,
        node_checked: laid.node_checked,
        num_public: b.num_public(),
        checked: b.freivalds_layers,
    })
}

/// Models whose narrowest-MAC pass needs fewer rows than this are planned
/// at every MAC width and limb width; larger ones as [`sweep`] says.
pub const SWEEP_ALL_ROWS: usize = 1 << 18;

/// The threshold [`sweep`] uses ([`SWEEP_ALL_ROWS`] unless changed by
/// [`set_sweep_all_rows`]).
static SWEEP_ALL: AtomicUsize = AtomicUsize::new(SWEEP_ALL_ROWS);

/// Sets the threshold below which [`sweep`] passes every width (for tests:
/// 0 makes small test models take the bisection that large ones take, so
/// that the fast planner's pruning of it is compared with the reference
/// planner on them). Process-wide.
#[doc(hidden)]
pub fn set_sweep_all_rows(rows: usize) {
    SWEEP_ALL.store(rows, Ordering::Relaxed);
}

/// Rows left for halo2's blinding rows and `minimum_rows` when [`sweep`]
/// judges that a pass fits a forced `k` (halo2 keeps
/// `blinding_factors + 1` rows, at most [`crate::segment::boundary::ZONE_ROWS`]
/// for this crate's gates).
pub const FIT_MARGIN: usize = 64;

/// The layout passes the planner reads, as `(n, t, pass)` (an `n` may come
/// twice, at two limb widths).
///
/// Rows depend only on the MAC width `n`, range cells and tables only on the
/// limb width `t` (module doc), so a pass at `(n, t)` serves both. The first
/// round lays out the narrowest and the widest `n` at the widest `t`. A
/// small model then gets a pass at every other `n`, with the other limb
/// widths spread over them (every `(n, t)` pair is then a candidate). A
/// large one (each pass a walk of millions of rows) keeps the widest `t`:
/// its table (`2^t` rows) is small beside the rows, and a wider limb needs
/// fewer range cells per row. Its rows are non-increasing in `n` and the
/// cost grows with `n` at equal `k`, so between two passed widths whose rows
/// round to the same power of two no width can win (same `k`, more
/// columns, a larger proof): only intervals whose ends differ are bisected.
/// Every candidate's rows still come from a real pass. Passes of a round
/// run on every core.
///
/// `cap` (a forced `k`: `2^k`) spares two kinds of interval the
/// bisection (the narrowest and the widest width are passed whatever `cap`;
/// the smallest `k` any candidate needs, for the error when none fits, is
/// the widest width's):
///
/// * its wider end needs more than `cap` rows or public values: every width
///   in it needs at least as many (rows are non-increasing in `n`), so none
///   has a plan at that `k` and none could be a candidate (most passes of a
///   merge trial that cannot fit);
/// * its narrower end fits `cap` (rows, public values and tables, with
///   [`FIT_MARGIN`] rows for blinding) and both ends agree on whether the
///   matrix check is used: every width in it then has the same `k`, the same
///   kind of columns and more MAC columns than the narrower end, so a larger
///   estimate and proof, and is never chosen (the number of layers the
///   matrix check takes does not grow with `n`: a wider MAC row makes it
///   save fewer rows).
///
/// Both are tested against the reference planner, which bisects every
/// interval (`tests/plan_fast.rs`, with [`set_sweep_all_rows`] at 0).
pub(super) fn sweep(
    ns: &[usize],
    ts: &[u32],
    cap: Option<usize>,
    run: impl Fn(usize, u32) -> Result<Pass> + Sync,
) -> Result<Vec<(usize, u32, Pass)>> {
    let last = ns.len() - 1;
    let tmax = *ts.last().expect("limb widths");
    let go = |todo: &[(usize, u32)]| -> Result<Vec<(usize, u32, Pass)>> {
        todo.par_iter()
            .map(|&(i, t)| run(ns[i], t).map(|p| (i, t, p)))
            .collect()
    };
    let ends: Vec<(usize, u32)> = if last == 0 {
        vec![(0, tmax)]
    } else {
        vec![(0, tmax), (last, tmax)]
    };
    let mut done = go(&ends)?;
    let rows_max = done.iter().map(|(_, _, p)| p.rows).max().unwrap_or(0);
    if rows_max < SWEEP_ALL.load(Ordering::Relaxed) {
        let others = if ts.len() > 1 {
            &ts[..ts.len() - 1]
        } else {
            ts
        };
        let mid: Vec<usize> = (1..last).collect();
        let mut todo: Vec<(usize, u32)> = mid
            .iter()
            .enumerate()
            .map(|(j, &i)| (i, others[j % others.len()]))
            .collect();
        // Fewer middle widths than limb widths: the rest at the narrowest n.
        for &t in others.iter().skip(mid.len()) {
            todo.push((0, t));
        }
        done.extend(go(&todo)?);
        return Ok(done.into_iter().map(|(i, t, p)| (ns[i], t, p)).collect());
    }
    let key = |p: &Pass| p.rows.max(p.num_public).next_power_of_two();
    let hopeless = |p: &Pass| cap.is_some_and(|c| p.rows.max(p.num_public) > c);
    loop {
        done.sort_by_key(|(i, _, _)| *i);
        // The candidates' tables are the narrowest width's pass's.
        let table = {
            let p = &done[0].2;
            let shape = Shape {
                widths: p.widths.clone(),
                tables: p.tables.clone(),
                ..Shape::default()
            };
            shape.table_rows()
        };
        let fits = |p: &Pass| {
            cap.is_some_and(|c| p.rows.max(p.num_public).max(table + 1) + FIT_MARGIN <= c)
        };
        let settled = |a: &Pass, b: &Pass| fits(a) && (a.checked > 0) == (b.checked > 0);
        let todo: Vec<(usize, u32)> = done
            .windows(2)
            .filter(|w| {
                w[1].0 > w[0].0 + 1
                    && key(&w[0].2) != key(&w[1].2)
                    && !hopeless(&w[1].2)
                    && !settled(&w[0].2, &w[1].2)
            })
            .map(|w| ((w[0].0 + w[1].0) / 2, tmax))
            .collect();
        if todo.is_empty() {
            break;
        }
        done.extend(go(&todo)?);
    }
    Ok(done.into_iter().map(|(i, t, p)| (ns[i], t, p)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake(rows: usize) -> Pass {
        Pass {
            rows,
            max_lk: 1,
            widths: vec![16],
            tables: vec![],
            input_rows: 0,
            node_rows: vec![],
            node_checked: vec![],
            num_public: 10,
            checked: 0,
        }
    }

    /// With a cap (a forced `k`), the sweep passes a subset of the widths
    /// the uncapped sweep passes, among them the narrowest and the widest
    /// and the narrowest width the uncapped sweep finds under the cap (the
    /// cheapest candidate at that `k` when the matrix check is not in play).
    #[test]
    fn capped_sweep_keeps_the_narrowest_width_that_fits() {
        let ns = [4, 6, 8, 9, 10, 11, 12, 14, 16, 20, 24, 32, 48, 64, 96];
        let ts = [8, 16];
        // Rows non-increasing in n: MAC rows shrink, per-output rows stay.
        for (mac, fixed) in [
            (8_000_000, 700_000),
            (3_000_000, 900_000),
            (40_000_000, 300_000),
        ] {
            let run = |n: usize, _t: u32| Ok(fake(mac / n + fixed));
            let all = sweep(&ns, &ts, None, run).unwrap();
            for cap in [1 << 19, 1 << 20, 1 << 21] {
                let capped = sweep(&ns, &ts, Some(cap), run).unwrap();
                let narrowest = |v: &[(usize, u32, Pass)]| {
                    v.iter()
                        .filter(|(_, _, p)| p.rows + FIT_MARGIN <= cap)
                        .map(|(n, _, _)| *n)
                        .min()
                };
                assert_eq!(narrowest(&all), narrowest(&capped), "mac {mac} cap {cap}");
                for (n, _, _) in &capped {
                    assert!(
                        all.iter().any(|(m, _, _)| m == n),
                        "{n} not in the full sweep"
                    );
                }
                assert!(capped.iter().any(|(n, _, _)| *n == 4));
                assert!(capped.iter().any(|(n, _, _)| *n == 96));
            }
        }
        // A merge trial far over the cap: only the two ends are laid out.
        let run = |n: usize, _t: u32| Ok(fake(30_000_000 / n + 2_000_000));
        assert_eq!(sweep(&ns, &ts, Some(1 << 20), run).unwrap().len(), 2);
        assert!(sweep(&ns, &ts, None, run).unwrap().len() > 2);
    }
}
