//! Gather by run-time indices ([`zkml_core::ops::gather_dyn`]) as a lookup
//! into a table built in the circuit from the data's own cells.
//!
//! Relation, for one gather with data cells `x`, fixed `(base_i, stride, dim)`
//! and index cells `k_i` at scale `s`:
//!
//! ```text
//! y_i = x[base_i + stride · norm(j_i)],  j_i = k_i / 2^s ∈ [−dim, dim) whole,
//! norm(j) = j + dim if j < 0 else j
//! ```
//!
//! Columns (opt-in, [`super::MainConfig::configure_dyn_lookup`]): fixed
//! `q_dq`, `d_lane_q`, `d_m` (queries), `d_lane_t`, `d_j` (table), and one
//! lookup on the main rows:
//!
//! ```text
//! R_dyn: (d_lane_q, d_m·x_0, q_dq·x_1) ∈ {(d_lane_t, d_j, x_0) : every row}        (degree 5)
//! ```
//!
//! * Table rows: for each lane `b` (a `base` some output uses) and
//!   `j ∈ [0, dim)`, two rows with `x_0` a copy of the data cell
//!   `x[b + stride·j]`, `d_lane_t = τ·2^32 + b + 1` and `d_j = j`, resp.
//!   `j − dim` (ONNX's negative indices). `τ` is the gather's first table row,
//!   unique per gather; lane keys are never 0.
//! * Query rows (`q_dq = 1`): `x_0` a copy of the index cell `k_i`, `x_1` the
//!   output `y_i`, `d_lane_q = τ·2^32 + base_i + 1`, `d_m = 2^(−s)` (the field
//!   inverse).
//! * Every other row looks up `(0, 0, 0)`: the gather lays out one row whose
//!   `x_0` is a copy of the constant 0. Rows that are not table rows supply
//!   `(0, 0, x_0)` entries, which no query (lane key ≠ 0) can match.
//!
//! Soundness: the key and lane columns are fixed (in the verifying key) and
//! the table's values are copies of the data cells, so the table is exactly
//! `{(lane, j, x[lane + stride·norm(j)])}`. A query row then forces
//! `k_i·2^(−s) ≡ j (mod p)` for some whole `j ∈ [−dim, dim)`: as `|k_i|`
//! (an activation or input, range checked where it was made) and `|j·2^s|`
//! are far below `p/2`, `k_i = j·2^s` exactly; and `y_i` must equal the data
//! element at that lane and position. An index that is not whole or out of
//! range has no table row, so no proof (the executor refuses it too).

use halo2_axiom::{
    halo2curves::{bn256::Fr, ff::Field},
    plonk::{Column, ConstraintSystem, Fixed},
    poly::Rotation,
};
use zkml_core::ops::DynGather;

use super::{arith::ArithInstructions, fe, pow2, Adv, Builder, Fix, MainConfig, Wire};

/// A fixed column of the run-time gather lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DynFix {
    /// Query switch.
    QQuery,
    /// Query: lane key (`τ·2^32 + base + 1`).
    LaneQuery,
    /// Table: lane key.
    LaneTable,
    /// Table: the index value.
    J,
    /// Query: `2^(−s)`.
    M,
}

/// The columns of the run-time gather lookup.
#[derive(Clone, Debug)]
pub struct DynLookupConfig {
    q_query: Column<Fixed>,
    lane_q: Column<Fixed>,
    lane_t: Column<Fixed>,
    j: Column<Fixed>,
    m: Column<Fixed>,
}

impl DynLookupConfig {
    /// Allocates the fixed columns and registers `R_dyn` over `x_0`, `x_1`.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, main: &MainConfig) -> Self {
        let [q_query, lane_q, lane_t, j, m] = [(); 5].map(|_| meta.fixed_column());
        let (x0, x1) = (main.x[0], main.x[1]);
        meta.lookup_any("run-time gather", |v| {
            let f = |v: &mut halo2_axiom::plonk::VirtualCells<'_, Fr>, c| {
                v.query_fixed(c, Rotation::cur())
            };
            let a0 = v.query_advice(x0, Rotation::cur());
            let a1 = v.query_advice(x1, Rotation::cur());
            vec![
                (f(v, lane_q), f(v, lane_t)),
                (f(v, m) * a0.clone(), f(v, j)),
                (f(v, q_query) * a1, a0),
            ]
        });
        Self {
            q_query,
            lane_q,
            lane_t,
            j,
            m,
        }
    }

    /// The halo2 column of a fixed cell.
    pub fn fixed(&self, c: DynFix) -> Column<Fixed> {
        match c {
            DynFix::QQuery => self.q_query,
            DynFix::LaneQuery => self.lane_q,
            DynFix::LaneTable => self.lane_t,
            DynFix::J => self.j,
            DynFix::M => self.m,
        }
    }
}

/// Run-time gather instructions.
pub trait DynLookupInstructions {
    /// `y_i = data[base_i + stride·norm(idx_i / 2^idx_scale)]` (data and
    /// outputs row-major). An index the executor would refuse leaves the
    /// lookup unsatisfied.
    fn dyn_gather(
        &mut self,
        data: &[Wire],
        idx: &[Wire],
        map: &DynGather,
        idx_scale: i32,
    ) -> Vec<Wire>;
}

/// The lane key of a gather whose table starts at row `tau` (also the
/// TopK gadget's, [`super::topk`]: `tau` a row of its own, `base < 2^32`).
pub(crate) fn lane_key(tau: usize, base: usize) -> Fr {
    fe(((tau as i128) << 32) + base as i128 + 1)
}

/// The data position index value `q` selects, as the executor computes it.
fn honest_position(map: &DynGather, q: i128, s: i32) -> Option<usize> {
    let j = zkml_core::ops::gather_dyn::int_index(q as i64, s);
    map.position(j).ok()
}

impl Builder<'_> {
    /// Lays out the table, then one query per output with the given output
    /// values (`ys`: the honest ones from [`DynLookupInstructions`], or a
    /// forger's).
    pub(crate) fn dyn_gather_with(
        &mut self,
        data: &[Wire],
        idx: &[Wire],
        map: &DynGather,
        idx_scale: i32,
        ys: &[Option<i128>],
    ) -> Vec<Wire> {
        let tau = self.row;
        // The (0, 0, 0) entry every non-query row looks up.
        let zero = self.constant(0);
        let row = self.next_row();
        self.copy_in(&zero, Adv::X(0), row);
        let mut lanes: Vec<usize> = map.base.clone();
        lanes.sort_unstable();
        lanes.dedup();
        for &b in &lanes {
            for j in 0..map.dim {
                let cell = data[b + map.stride * j];
                for key in [j as i128, j as i128 - map.dim as i128] {
                    let row = self.next_row();
                    self.copy_in(&cell, Adv::X(0), row);
                    self.set(Fix::Dyn(DynFix::LaneTable), row, lane_key(tau, b));
                    self.set(Fix::Dyn(DynFix::J), row, fe(key));
                }
            }
        }
        let inv = if idx_scale >= 0 {
            pow2(idx_scale as u32).invert().unwrap()
        } else {
            pow2(idx_scale.unsigned_abs())
        };
        let mut out = Vec::with_capacity(map.base.len());
        for (i, (&b, &p)) in map.base.iter().zip(&map.pick).enumerate() {
            let row = self.next_row();
            self.copy_in(&idx[p], Adv::X(0), row);
            let y = self.put(Adv::X(1), row, ys[i]);
            self.set(Fix::Dyn(DynFix::QQuery), row, Fr::ONE);
            self.set(Fix::Dyn(DynFix::LaneQuery), row, lane_key(tau, b));
            self.set(Fix::Dyn(DynFix::M), row, inv);
            out.push(y);
        }
        out
    }
}

impl DynLookupInstructions for Builder<'_> {
    fn dyn_gather(
        &mut self,
        data: &[Wire],
        idx: &[Wire],
        map: &DynGather,
        idx_scale: i32,
    ) -> Vec<Wire> {
        let ys: Vec<Option<i128>> = map
            .base
            .iter()
            .zip(&map.pick)
            .map(|(&b, &p)| {
                let q = idx[p].val?;
                // A refused index has no honest output: 0 (the lookup fails).
                Some(
                    honest_position(map, q, idx_scale)
                        .and_then(|j| data[b + map.stride * j].val)
                        .unwrap_or(0),
                )
            })
            .collect();
        self.dyn_gather_with(data, idx, map, idx_scale, &ys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::test_utils::{check_all_tampering, GadgetCircuit};

    /// data [3, 2]; Gather on axis 0 by two run-time indices: rows idx[0], idx[1].
    fn map() -> DynGather {
        DynGather {
            shape: vec![2, 2],
            base: vec![0, 1, 0, 1],
            pick: vec![0, 0, 1, 1],
            stride: 2,
            dim: 3,
        }
    }
    const DATA: [i128; 6] = [10, -11, 20, 21, -30, 31];
    const S: i32 = 2;

    /// Lays out the gather with index values `ks` (integers at scale 2^S)
    /// and, when `forged`, these output values instead of the honest ones.
    fn circuit(ks: [i128; 2], forged: Option<[i128; 4]>) -> GadgetCircuit {
        GadgetCircuit::new(move |b| {
            let data: Vec<Wire> = DATA.iter().map(|&v| b.input(Some(v), false)).collect();
            let idx: Vec<Wire> = ks.iter().map(|&k| b.input(Some(k), false)).collect();
            let ys = match forged {
                None => b.dyn_gather(&data, &idx, &map(), S),
                Some(f) => {
                    let f: Vec<Option<i128>> = f.iter().map(|&v| Some(v)).collect();
                    b.dyn_gather_with(&data, &idx, &map(), S, &f)
                }
            };
            for y in &ys {
                b.make_public(y);
            }
        })
        .with_dyn_lookup()
    }

    #[test]
    fn gathers_by_runtime_index_and_every_cell_is_bound() {
        // Indices 2 and −3 (row 0), at scale 2^2: 8 and −12.
        let c = circuit([8, -12], None);
        c.assert_ok();
        let want: Vec<Fr> = [-30, 31, 10, -11].into_iter().map(fe).collect();
        assert_eq!(c.publics(), want);
        check_all_tampering(&c);
    }

    #[test]
    fn an_output_from_the_wrong_index_has_no_proof() {
        // Honest: rows 2 and 0. Forged: row 1 for the first (a value in the
        // table, at another key), the second row's elements swapped.
        for forged in [[20, 21, 10, -11], [-30, 31, -11, 10], [-30, 31, 10, 31]] {
            let c = circuit([8, -12], Some(forged));
            assert!(c.mock().verify().is_err(), "forged {forged:?} accepted");
        }
        // The honest values pass through the same path.
        circuit([8, -12], Some([-30, 31, 10, -11])).assert_ok();
    }

    #[test]
    fn a_negative_index_selects_only_its_wrapped_row() {
        // Index −1 is row 2 (−1 + 3); a forger aliasing it to row 0 (a clamp),
        // row 1 (−1 + 2) or the row of +1 is rejected. At scale 2^2: −4.
        circuit([-4, 0], None).assert_ok();
        assert_eq!(
            circuit([-4, 0], None).publics(),
            [-30, 31, 10, -11].map(fe).to_vec()
        );
        for row in [0, 1] {
            let (a, b) = (DATA[2 * row], DATA[2 * row + 1]);
            let c = circuit([-4, 0], Some([a, b, 10, -11]));
            assert!(c.mock().verify().is_err(), "−1 aliased to row {row}");
        }
    }

    /// Two gathers of the same shape in one circuit, over data `DATA` and
    /// `OTHER`, by the same indices `ks`; the second outputs `forged` when given.
    fn two_gathers(ks: [i128; 2], forged: Option<[i128; 4]>) -> GadgetCircuit {
        const OTHER: [i128; 6] = [1, 2, 3, 4, 5, 6];
        GadgetCircuit::new(move |b| {
            let a: Vec<Wire> = DATA.iter().map(|&v| b.input(Some(v), false)).collect();
            let o: Vec<Wire> = OTHER.iter().map(|&v| b.input(Some(v), false)).collect();
            let idx: Vec<Wire> = ks.iter().map(|&k| b.input(Some(k), false)).collect();
            let mut ys = b.dyn_gather(&a, &idx, &map(), S);
            ys.extend(match forged {
                None => b.dyn_gather(&o, &idx, &map(), S),
                Some(f) => {
                    let f: Vec<Option<i128>> = f.iter().map(|&v| Some(v)).collect();
                    b.dyn_gather_with(&o, &idx, &map(), S, &f)
                }
            });
            for y in &ys {
                b.make_public(y);
            }
        })
        .with_dyn_lookup()
    }

    #[test]
    fn a_gather_cannot_read_another_gathers_table_or_padding_rows() {
        // Honest: rows 2 and 0 of each.
        let c = two_gathers([8, -12], None);
        c.assert_ok();
        let want: Vec<Fr> = [-30, 31, 10, -11, 5, 6, 1, 2].map(fe).to_vec();
        assert_eq!(c.publics(), want);
        // The second gather outputs the first one's entries (same lane base,
        // same index: only the gather's first table row τ tells them apart),
        // or the index cells' own values (the `x_0` of rows outside any table,
        // entries `(0, 0, x_0)`), or 0 (the padding entry).
        for forged in [[-30, 31, 10, -11], [8, 8, -12, -12], [0, 0, 0, 0]] {
            let c = two_gathers([8, -12], Some(forged));
            assert!(c.mock().verify().is_err(), "forged {forged:?} accepted");
        }
    }

    #[test]
    fn indices_the_executor_refuses_have_no_proof() {
        // 3 and −4 are out of range for dim 3 (12 and −16 at scale 2^2); 9 is
        // not a whole index (2.25).
        for ks in [[12, 0], [-16, 0], [9, 0]] {
            // The forger's best guess: any data value.
            for v in DATA {
                let c = circuit(ks, Some([v, v, 10, -11]));
                assert!(c.mock().verify().is_err(), "index {ks:?} with {v} accepted");
            }
        }
    }
}
