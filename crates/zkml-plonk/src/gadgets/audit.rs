//! An audit of a layout: every advice cell that a constraint reads with a
//! non-zero fixed weight must be assigned by the layout.
//!
//! halo2 leaves an unassigned advice cell at 0 in an honest proof, but a
//! malicious prover may put anything there; the MockProver only reports
//! unassigned cells of gates switched on by *selectors*, and the main gate is
//! switched by fixed weights, so it never sees them. A gadget that leans on
//! such a cell being 0 is unsound the day its cell matters; one whose cell
//! never matters (a Horner row's `x` cells once were) is still a trap. The
//! audit replays a layout into a [`RecordSink`] and lists, per row, each term
//! of E1–E5, the range lookups, the Poseidon gate ([`super`] module doc) and
//! the run-time gather lookup ([`super::dyn_lookup`]) whose fixed weight is non-zero but whose advice cell (at this row, the
//! previous one or the next one) nothing assigned ([`unassigned_reads`]).
//!
//! Products count as reads of both factors, except a `q_pairs` right factor
//! whose left factor is pinned to 0: copy-constrained (possibly through other
//! cells) to the `acc` of a constant-0 row, a row whose only non-zero fixed
//! weight is `A1 = −1` (E1 there reads `−acc = 0`). Unused pair slots copy the
//! constant 0 into the left factor, so the right one is multiplied by 0.

use std::collections::{HashMap, HashSet};

use halo2_axiom::halo2curves::{bn256::Fr, ff::Field};

use super::{dyn_lookup::DynFix, poseidon::PoseidonFix, Adv, Fix, Shape, Sink};

/// A [`Sink`] that records which advice cells are assigned, the fixed cells
/// and the copy constraints.
#[derive(Default, Debug)]
pub struct RecordSink {
    /// Assigned advice cells.
    pub advice: HashSet<(Adv, usize)>,
    /// Non-zero fixed cells.
    pub fixed: HashMap<(Fix, usize), Fr>,
    /// Cells in some copy constraint (either side).
    pub copied: HashSet<(Adv, usize)>,
    /// The copy constraints.
    pub pairs: Vec<((Adv, usize), (Adv, usize))>,
}

impl Sink for RecordSink {
    fn advice(&mut self, col: Adv, row: usize, _: Option<i128>) {
        self.advice.insert((col, row));
    }
    fn advice_fe(&mut self, col: Adv, row: usize, _: Option<Fr>) {
        self.advice.insert((col, row));
    }
    fn fixed(&mut self, col: Fix, row: usize, v: Fr) {
        if v != Fr::ZERO {
            self.fixed.insert((col, row), v);
        }
    }
    fn copy(&mut self, a: (Adv, usize), b: (Adv, usize)) {
        self.copied.insert(a);
        self.copied.insert(b);
        self.pairs.push((a, b));
    }
    fn public(&mut self, _: (Adv, usize), _: usize) {}
}

/// A constraint term that reads a cell nothing assigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnassignedRead {
    /// The row whose constraint reads the cell.
    pub row: usize,
    /// The term: the fixed weight that switches it on.
    pub term: String,
    /// The unassigned cell (column, absolute row).
    pub cell: (Adv, usize),
}

/// Every read of an unassigned advice cell by a term with a non-zero weight
/// (module doc), in row order. Empty for a sound layout.
pub fn unassigned_reads(shape: &Shape, rec: &RecordSink) -> Vec<UnassignedRead> {
    let zero = zero_pinned(rec);
    let n = shape.n.max(2);
    let l = shape.l;
    let mut rows: Vec<usize> = rec.fixed.keys().map(|&(_, r)| r).collect();
    rows.sort_unstable();
    rows.dedup();
    let mut out = vec![];
    for row in rows {
        let on = |f: Fix| rec.fixed.contains_key(&(f, row));
        let mut need = |term: String, cells: &[(Adv, isize)]| {
            for &(col, dr) in cells {
                let r = row as isize + dr;
                let cell = (col, r.max(0) as usize);
                if r < 0 || !rec.advice.contains(&cell) {
                    out.push(UnassignedRead {
                        row,
                        term: term.clone(),
                        cell,
                    });
                }
            }
        };
        // E1.
        for i in 0..n {
            if on(Fix::Wx(i)) {
                need(format!("E1 wx_{i}"), &[(Adv::X(i), 0)]);
            }
        }
        for j in 0..l {
            if on(Fix::U1(j)) {
                need(format!("E1 u1_{j}"), &[(Adv::Lk(j), 0)]);
            }
            if on(Fix::U2(j)) {
                need(format!("E2 u2_{j}"), &[(Adv::Lk(j), 0)]);
            }
            if on(Fix::Tag(j)) {
                need(format!("lookup tag_{j}"), &[(Adv::Lk(j), 0)]);
            }
        }
        for (f, name, d) in [
            (Fix::A1, "E1 a1", 0),
            (Fix::P1, "E1 p1", -1),
            (Fix::A2, "E2 a2", 0),
            (Fix::P2, "E2 p2", -1),
        ] {
            if on(f) {
                need(name.into(), &[(Adv::Acc, d)]);
            }
        }
        if on(Fix::QMul) {
            need("E1 q_mul".into(), &[(Adv::X(0), 0), (Adv::X(1), 0)]);
        }
        if on(Fix::QPairs) {
            for i in 0..n / 2 {
                let left = (Adv::X(2 * i), row);
                let zeroed = rec.advice.contains(&left) && zero.contains(&left);
                need("E1 q_pairs".into(), &[(Adv::X(2 * i), 0)]);
                if !zeroed {
                    need("E1 q_pairs".into(), &[(Adv::X(2 * i + 1), 0)]);
                }
            }
        }
        // E2's switches.
        if on(Fix::QRelu) && l > 0 {
            need("E2 q_relu".into(), &[(Adv::Lk(l - 1), 0)]);
        }
        if on(Fix::QTop) && l >= 2 {
            need(
                "E2 q_top".into(),
                &[(Adv::Lk(l - 1), 0), (Adv::Lk(l - 2), 0)],
            );
        }
        // E3.
        if on(Fix::QSel) {
            need("E3 q_sel".into(), &[(Adv::Acc, 0), (Adv::X(0), 0)]);
            if on(Fix::S1) {
                need("E3 s1".into(), &[(Adv::Acc, -1)]);
            }
        }
        // E4, E5 (matrix checks). On a Horner row the `wx` are E4's constants,
        // and E1 still weighs the row's `x` cells by them (checked above).
        if on(Fix::QHorner) {
            need("E4 q_horner".into(), &[(Adv::Acc, 0)]);
            if on(Fix::HornerPrev) {
                need("E4 horner_prev".into(), &[(Adv::Acc, -1)]);
            }
        }
        if on(Fix::QPow) {
            need("E5 q_pow".into(), &[(Adv::Acc, 0), (Adv::Acc, -1)]);
        }
        // Poseidon.
        let state: Vec<(Adv, isize)> = (0..3).map(|k| (Adv::X(k), 0)).collect();
        let next: Vec<(Adv, isize)> = (0..3).map(|k| (Adv::X(k), 1)).collect();
        for (f, name, ys) in [
            (
                PoseidonFix::QFull,
                "poseidon full",
                &[Adv::X(3), Adv::X(4), Adv::Acc][..],
            ),
            (PoseidonFix::QHalf, "poseidon half", &[Adv::X(3)][..]),
            (
                PoseidonFix::QPart,
                "poseidon part",
                &[Adv::X(3), Adv::X(4), Adv::Acc][..],
            ),
        ] {
            if on(Fix::Poseidon(f)) {
                let mut cells = state.clone();
                cells.extend(ys.iter().map(|&a| (a, 0)));
                cells.extend(next.iter().copied());
                need(name.into(), &cells);
            }
        }
        // R_dyn: a query row reads its index (`d_m·x_0`) and output
        // (`q_dq·x_1`); a table row (non-zero lane key) its entry's value `x_0`.
        if on(Fix::Dyn(DynFix::M)) {
            need("R_dyn d_m".into(), &[(Adv::X(0), 0)]);
        }
        if on(Fix::Dyn(DynFix::QQuery)) {
            need("R_dyn q_dq".into(), &[(Adv::X(1), 0)]);
        }
        if on(Fix::Dyn(DynFix::LaneTable)) {
            need("R_dyn d_lane_t".into(), &[(Adv::X(0), 0)]);
        }
    }
    out
}

/// The assigned cells pinned to 0 (module doc): the `acc` of every row whose
/// only non-zero fixed weight is `A1 = −1`, and every cell copy-constrained to
/// one of them, directly or through other cells.
fn zero_pinned(rec: &RecordSink) -> HashSet<(Adv, usize)> {
    let mut weights: HashMap<usize, Vec<(Fix, Fr)>> = HashMap::new();
    for (&(f, r), &v) in &rec.fixed {
        weights.entry(r).or_default().push((f, v));
    }
    let mut stack: Vec<(Adv, usize)> = weights
        .iter()
        .filter(|(_, w)| matches!(w[..], [(Fix::A1, v)] if v == -Fr::ONE))
        .map(|(&r, _)| (Adv::Acc, r))
        .filter(|c| rec.advice.contains(c))
        .collect();
    let mut next: HashMap<(Adv, usize), Vec<(Adv, usize)>> = HashMap::new();
    for &(a, b) in &rec.pairs {
        next.entry(a).or_default().push(b);
        next.entry(b).or_default().push(a);
    }
    let mut zero: HashSet<(Adv, usize)> = stack.iter().copied().collect();
    while let Some(c) = stack.pop() {
        for &d in next.get(&c).into_iter().flatten() {
            if zero.insert(d) {
                stack.push(d);
            }
        }
    }
    zero
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::{
        arith::ArithInstructions, freivalds::FreivaldsInstructions, test_utils::GadgetCircuit,
    };

    /// A row weighing `x_1` in E1 that nothing assigns is reported; assigning
    /// it clears the report.
    #[test]
    fn reports_a_weighted_unassigned_cell() {
        for assign in [false, true] {
            let c = GadgetCircuit::new(move |b| {
                let row = b.next_row();
                b.seti(Fix::Wx(1), row, 5);
                if assign {
                    let zero = b.constant(0);
                    b.copy_in(&zero, Adv::X(1), row);
                }
            });
            let bad = c.unassigned_reads();
            if assign {
                assert!(bad.is_empty(), "{bad:?}");
            } else {
                assert_eq!(bad.len(), 1, "{bad:?}");
                assert_eq!(bad[0].term, "E1 wx_1");
                assert_eq!(bad[0].cell, (Adv::X(1), bad[0].row));
            }
        }
    }

    /// The run-time gather lookup's query and table cells are audited: an
    /// unassigned output or table value is reported, a real gather is clean.
    #[test]
    fn dyn_lookup_reads_are_audited() {
        for (col, term) in [
            (DynFix::QQuery, "R_dyn q_dq"),
            (DynFix::M, "R_dyn d_m"),
            (DynFix::LaneTable, "R_dyn d_lane_t"),
        ] {
            let c = GadgetCircuit::new(move |b| {
                let row = b.next_row();
                b.seti(Fix::Dyn(col), row, 1);
            })
            .with_dyn_lookup();
            let bad = c.unassigned_reads();
            assert_eq!(bad.len(), 1, "{bad:?}");
            assert_eq!(bad[0].term, term);
        }
        let c = GadgetCircuit::new(|b| {
            let data: Vec<_> = (0..4).map(|v| b.input(Some(v), false)).collect();
            let idx = [b.input(Some(-1), false)];
            let map = zkml_core::ops::DynGather {
                shape: vec![2],
                base: vec![0, 1],
                pick: vec![0, 0],
                stride: 2,
                dim: 2,
            };
            for y in crate::gadgets::dyn_lookup::DynLookupInstructions::dyn_gather(
                b, &data, &idx, &map, 0,
            ) {
                b.make_public(&y);
            }
        })
        .with_dyn_lookup();
        assert_eq!(c.unassigned_reads(), vec![]);
        c.assert_ok();
    }

    /// A `q_pairs` right factor may stay unassigned only beside a left factor
    /// pinned to the constant 0, not beside any copied cell.
    #[test]
    fn a_pair_slot_is_exempt_only_beside_a_zero() {
        for zero_left in [true, false] {
            let c = GadgetCircuit::new(move |b| {
                let left = if zero_left {
                    b.constant(0)
                } else {
                    b.input(Some(3), false)
                };
                let row = b.next_row();
                b.set(Fix::QPairs, row, Fr::ONE);
                b.copy_in(&left, Adv::X(0), row);
                for i in 1..b.shape.n / 2 {
                    let zero = b.constant(0);
                    b.copy_in(&zero, Adv::X(2 * i), row);
                }
            });
            let bad = c.unassigned_reads();
            if zero_left {
                assert!(bad.is_empty(), "{bad:?}");
            } else {
                assert_eq!(bad.len(), 1, "{bad:?}");
                assert_eq!(
                    (bad[0].term.as_str(), bad[0].cell.0),
                    ("E1 q_pairs", Adv::X(1))
                );
            }
        }
    }

    /// Horner rows pin every weighted `x` cell to 0 (they were left unassigned).
    #[test]
    fn horner_rows_read_no_unassigned_cell() {
        let c = GadgetCircuit::new(|b| {
            let h = b.horner_fixed(&[3, -1, 0, 7, 2, 9]);
            let _ = h;
            let x = b.input(Some(1), true);
            b.make_public(&x);
        })
        .with_freivalds();
        assert_eq!(c.unassigned_reads(), vec![]);
        c.assert_ok();
    }
}
