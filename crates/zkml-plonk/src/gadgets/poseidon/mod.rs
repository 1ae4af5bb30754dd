//! The Poseidon hash over BN254's scalar field, natively and in-circuit: the
//! groundwork of `committed` visibility (a binding commitment to hidden
//! tensors published as one public value).
//!
//! # Parameters
//!
//! The standard instance `poseidonperm_x5_254_3` of the Poseidon paper
//! (Grassi et al., ePrint 2019/458) and of circomlib: width `t = 3`, rate 2,
//! capacity 1, S-box `x^5`, `R_F = 8` full rounds (4 before, 4 after) and
//! `R_P = 57` partial rounds. Round constants and the MDS matrix are generated
//! here with the paper's Grain LFSR, exactly as the reference script
//! `generate_parameters_grain.sage` does (field 1, S-box 0, n = 254, t = 3,
//! R_F = 8, R_P = 57): first the `65·3` round constants (254-bit draws,
//! rejected when `≥ p`), then the Cauchy matrix `M_ij = 1/(x_i + y_j)` from 6
//! more draws (the script also runs its MDS security checks and redraws on
//! failure; this instance's first draw is the one it keeps, else the vector
//! below would not match). The permutation of `[0, 1, 2]` is checked against
//! the reference test vector, and the first round constant against
//! circomlib's (test `permutation_matches_reference_vector`). Generating them
//! here (once, in a `OnceLock`) avoids a dependency on `halo2-base` for a table.
//!
//! Round `r`: `s ← M·S_r(s + c_r)`, `S_r` the S-box on every element (full
//! round) or on `s_0` only (partial round).
//!
//! # Sponge ([`poseidon_hash`])
//!
//! Fixed-length hashing with the paper's domain separation (§4.2): for `L`
//! inputs the capacity element `s_0` starts at `L·2^64` (output length 1), the
//! rate elements `s_1, s_2` at 0. The input is padded with zeros to a positive
//! multiple of the rate (the length in the tag makes the padding unambiguous;
//! `L = 0` absorbs one block of zeros). Each block `(m_1, m_2)` is added to
//! `(s_1, s_2)`, then the state is permuted. The digest is `s_1`.
//!
//! # Gate
//!
//! The state lives in `x_0, x_1, x_2`; `x_3, x_4, acc` hold squares and
//! intermediate S-box inputs, so the gadget needs a MAC width `n ≥ 5`. The
//! witness uses equivalent round constants `c'` (partial rounds add a
//! constant to `s_0` only; the others are pushed through the linear layer
//! into the next round, [`PoseidonParams::rc_opt`]). With `a_k = s_k + rc_k`
//! (`rc_k` the row's fixed constants), `s'` the next row's `x_0..x_2`,
//! `M` the MDS matrix (constants of the gate):
//!
//! ```text
//! q_poseidon_full (one full round):       x_3, x_4, acc = y_0, y_1, y_2
//!   sq_k:  y_k − a_k^2 = 0                              (k = 0, 1, 2; degree 3)
//!   mix_j: s'_j − Σ_k M_jk·a_k·y_k^2 = 0                (j = 0, 1, 2; degree 4)
//! q_poseidon_half (one partial round):    x_3 = y
//!   sq:    y − a_0^2 = 0                                (degree 3)
//!   mix_j: s'_j − M_j0·a_0·y^2 − M_j1·s_1 − M_j2·s_2 = 0 (degree 4)
//! q_poseidon_part (two partial rounds):   x_3, x_4, acc = y, z, w
//!   sq:    y − a_0^2 = 0                                (degree 3)
//!          u_j = M_j0·a_0·y^2 + M_j1·s_1 + M_j2·s_2     (state after round r)
//!   in:    z − u_0 − rc_1 = 0                           (next S-box input; degree 4)
//!   sq2:   w − z^2 = 0                                  (degree 3)
//!   mix_j: s'_j − M_j0·z·w^2 − M_j1·u_1 − M_j2·u_2 = 0  (degree 4)
//! ```
//!
//! Degrees count the selector; every expression is multiplied by its
//! selector, a fixed column that is zero outside Poseidon rows, so the gate
//! constrains nothing elsewhere. The constraint system's degree stays 5 (E2).
//! New fixed columns: three selectors and `rc_0, rc_1, rc_2`
//! ([`PoseidonFix`]); no new advice column.
//!
//! # Rows
//!
//! One permutation is 37 consecutive gate rows (4 full, 1 half, 28 double
//! partial, 4 full) and the row holding its output state: 38 rows
//! ([`ROWS_PER_PERMUTATION`]). The first row's `s_0` is pinned to the tag by
//! E1 (`x_0 − L·2^64 = 0`), `s_1, s_2` are copies of the first block (or of
//! the constant 0). Each later block is absorbed by E1 in the previous output
//! row (`x_3 = m_1`, `acc = x_1 + x_3`) and one extra row (`x_0 = s_2`,
//! `x_1 = m_2`, `acc = x_0 + x_1`; skipped when `m_2` is padding), then copied
//! into the next permutation's first row. So `B = max(1, ⌈L/2⌉)` blocks take
//! `38·B` rows, plus one per later block with two inputs, plus the constant
//! 0's row when padding is needed (shared with other gadgets' constant 0).
//!
//! Soundness: given a row's state, each constraint fixes one new cell (`y`
//! by `sq`, `z` by `in`, `w` by `sq2`, the next state by `mix`), so by
//! induction over the rows the output cell equals `poseidon_hash` of the
//! input cells, which enter by copy constraints. The equivalent constants
//! give the same permutation (test `optimized_constants_same_permutation`).

mod params;
#[cfg(test)]
mod tests;

use halo2_axiom::{
    halo2curves::{bn256::Fr, ff::Field},
    plonk::{Column, ConstraintSystem, Expression, Fixed},
    poly::Rotation,
};

pub use self::params::{
    domain_tag, params, permute, poseidon_hash, PoseidonParams, RATE, R_F, R_P, T,
};
use self::params::{is_full, mix, pow5};
use super::{arith::ArithInstructions, Adv, Builder, FeWire, Fix, MainConfig};

/// Rows one permutation occupies: 37 gate rows and the output row.
pub const ROWS_PER_PERMUTATION: usize = 38;

/// A fixed column of the Poseidon gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PoseidonFix {
    /// Selector: one full round.
    QFull,
    /// Selector: one partial round.
    QHalf,
    /// Selector: two partial rounds.
    QPart,
    /// Round constant `rc_k`.
    Rc(usize),
}

/// The Poseidon gate's fixed columns ([module doc](self)).
#[derive(Clone, Debug)]
pub struct PoseidonConfig {
    q_poseidon_full: Column<Fixed>,
    q_poseidon_half: Column<Fixed>,
    q_poseidon_part: Column<Fixed>,
    rc: [Column<Fixed>; T],
}

/// The advice cells of the state and of the squares.
const S: [Adv; T] = [Adv::X(0), Adv::X(1), Adv::X(2)];
const Y: [Adv; T] = [Adv::X(3), Adv::X(4), Adv::Acc];

impl PoseidonConfig {
    /// Allocates the selectors and round-constant columns and registers the
    /// three Poseidon gates on `main`'s `x_0 … x_4, acc`.
    ///
    /// # Panics
    /// If `main`'s MAC width is below 5.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, main: &MainConfig) -> Self {
        assert!(
            main.x.len() >= 5,
            "the Poseidon gate needs MAC width n ≥ 5 (have {})",
            main.x.len()
        );
        let cfg = Self {
            q_poseidon_full: meta.fixed_column(),
            q_poseidon_half: meta.fixed_column(),
            q_poseidon_part: meta.fixed_column(),
            rc: [(); T].map(|_| meta.fixed_column()),
        };
        let mds = params().mds;
        let col = |a: Adv| main.advice(a);
        let c = Expression::Constant;
        type Cells<'a> = halo2_axiom::plonk::VirtualCells<'a, Fr>;
        let query = |m: &mut Cells<'_>| {
            let s = S.map(|a| m.query_advice(col(a), Rotation::cur()));
            let y = Y.map(|a| m.query_advice(col(a), Rotation::cur()));
            let next = S.map(|a| m.query_advice(col(a), Rotation::next()));
            let rc = cfg.rc.map(|f| m.query_fixed(f, Rotation::cur()));
            (s, y, next, rc)
        };

        meta.create_gate("poseidon full round", |m| {
            let q = m.query_fixed(cfg.q_poseidon_full, Rotation::cur());
            let (s, y, next, rc) = query(m);
            let a: Vec<_> = (0..T).map(|k| s[k].clone() + rc[k].clone()).collect();
            let mut out = vec![];
            // sq_k: y_k − a_k^2 = 0
            for k in 0..T {
                out.push((
                    format!("full sq_{k}"),
                    q.clone() * (y[k].clone() - a[k].clone() * a[k].clone()),
                ));
            }
            // mix_j: s'_j − Σ_k M_jk·a_k·y_k^2 = 0
            for j in 0..T {
                let mut e = next[j].clone();
                for k in 0..T {
                    e = e - c(mds[j][k]) * a[k].clone() * y[k].clone() * y[k].clone();
                }
                out.push((format!("full mix_{j}"), q.clone() * e));
            }
            out
        });

        meta.create_gate("poseidon partial round", |m| {
            let q = m.query_fixed(cfg.q_poseidon_half, Rotation::cur());
            let (s, y, next, rc) = query(m);
            let a0 = s[0].clone() + rc[0].clone();
            let mut out = vec![(
                "half sq".to_string(),
                // sq: y − a_0^2 = 0
                q.clone() * (y[0].clone() - a0.clone() * a0.clone()),
            )];
            let b = a0 * y[0].clone() * y[0].clone();
            // mix_j: s'_j − M_j0·a_0·y^2 − M_j1·s_1 − M_j2·s_2 = 0
            for j in 0..T {
                let e = next[j].clone()
                    - c(mds[j][0]) * b.clone()
                    - c(mds[j][1]) * s[1].clone()
                    - c(mds[j][2]) * s[2].clone();
                out.push((format!("half mix_{j}"), q.clone() * e));
            }
            out
        });

        meta.create_gate("poseidon two partial rounds", |m| {
            let q = m.query_fixed(cfg.q_poseidon_part, Rotation::cur());
            let (s, y, next, rc) = query(m);
            let [y0, z, w] = y;
            let a0 = s[0].clone() + rc[0].clone();
            let mut out = vec![(
                "part sq".to_string(),
                // sq: y − a_0^2 = 0
                q.clone() * (y0.clone() - a0.clone() * a0.clone()),
            )];
            let b = a0 * y0.clone() * y0;
            let u: Vec<_> = (0..T)
                .map(|j| {
                    c(mds[j][0]) * b.clone()
                        + c(mds[j][1]) * s[1].clone()
                        + c(mds[j][2]) * s[2].clone()
                })
                .collect();
            // in: z − u_0 − rc_1 = 0
            out.push((
                "part in".to_string(),
                q.clone() * (z.clone() - u[0].clone() - rc[1].clone()),
            ));
            // sq2: w − z^2 = 0
            out.push((
                "part sq2".to_string(),
                q.clone() * (w.clone() - z.clone() * z.clone()),
            ));
            let b2 = z * w.clone() * w;
            // mix_j: s'_j − M_j0·z·w^2 − M_j1·u_1 − M_j2·u_2 = 0
            for j in 0..T {
                let e = next[j].clone()
                    - c(mds[j][0]) * b2.clone()
                    - c(mds[j][1]) * u[1].clone()
                    - c(mds[j][2]) * u[2].clone();
                out.push((format!("part mix_{j}"), q.clone() * e));
            }
            out
        });
        cfg
    }

    /// The halo2 column of a Poseidon fixed cell.
    pub fn fixed(&self, f: PoseidonFix) -> Column<Fixed> {
        match f {
            PoseidonFix::QFull => self.q_poseidon_full,
            PoseidonFix::QHalf => self.q_poseidon_half,
            PoseidonFix::QPart => self.q_poseidon_part,
            PoseidonFix::Rc(k) => self.rc[k],
        }
    }
}

/// Poseidon instructions (the circuit must configure the gate:
/// [`MainConfig::configure_poseidon`]).
pub trait PoseidonInstructions {
    /// A cell equal to `poseidon_hash(inputs)`; inputs enter by copy constraints.
    ///
    /// # Panics
    /// If the MAC width `n < 5`.
    fn poseidon(&mut self, inputs: &[FeWire]) -> FeWire;
}

/// Where a permutation's first-row state cell comes from.
enum Src {
    /// A copy of a cell.
    Copy(FeWire),
    /// A constant pinned by E1 (only `s_0`: `x_0 − v = 0`).
    Pin(Fr),
}

impl PoseidonInstructions for Builder<'_> {
    fn poseidon(&mut self, inputs: &[FeWire]) -> FeWire {
        assert!(
            self.shape.n >= 5,
            "the Poseidon gadget needs MAC width n ≥ 5 (have {})",
            self.shape.n
        );
        let blocks: Vec<&[FeWire]> = if inputs.is_empty() {
            vec![&[]]
        } else {
            inputs.chunks(RATE).collect()
        };
        let zero =
            (inputs.len() < 2 || inputs.len() % 2 == 1).then(|| FeWire::from(self.constant(0)));
        let mut out: Option<[FeWire; T]> = None;
        for block in blocks {
            let init = match out {
                None => {
                    let m = |i: usize| Src::Copy(block.get(i).copied().or(zero).unwrap());
                    [Src::Pin(domain_tag(inputs.len())), m(0), m(1)]
                }
                Some(o) => {
                    // E1 on the output row: acc = x_1 + x_3, x_3 = m_1.
                    let ro = o[0].row;
                    let m1 = self.copy_in_fe(&block[0], Adv::X(3), ro);
                    let s1 = self.put_fe(Adv::Acc, ro, o[1].val.zip(m1.val).map(|(a, b)| a + b));
                    self.set(Fix::Wx(1), ro, Fr::ONE);
                    self.set(Fix::Wx(3), ro, Fr::ONE);
                    self.set(Fix::A1, ro, -Fr::ONE);
                    let s2 = match block.get(1) {
                        Some(m2) => {
                            // One row: acc = x_0 + x_1, x_0 = s_2, x_1 = m_2.
                            let row = self.next_row();
                            let a = self.copy_in_fe(&o[2], Adv::X(0), row);
                            let b = self.copy_in_fe(m2, Adv::X(1), row);
                            self.set(Fix::Wx(0), row, Fr::ONE);
                            self.set(Fix::Wx(1), row, Fr::ONE);
                            self.set(Fix::A1, row, -Fr::ONE);
                            self.put_fe(Adv::Acc, row, a.val.zip(b.val).map(|(a, b)| a + b))
                        }
                        None => o[2],
                    };
                    [Src::Copy(o[0]), Src::Copy(s1), Src::Copy(s2)]
                }
            };
            out = Some(permutation(self, init));
        }
        out.unwrap()[1]
    }
}

/// Lays out one permutation from `init` (first row) and returns the output row's state cells.
fn permutation(b: &mut Builder<'_>, init: [Src; T]) -> [FeWire; T] {
    let p = params();
    let mut row = b.next_row();
    let mut cells = Vec::with_capacity(T);
    for (k, src) in init.into_iter().enumerate() {
        cells.push(match src {
            Src::Copy(w) => b.copy_in_fe(&w, S[k], row),
            Src::Pin(v) => {
                assert_eq!(k, 0, "only s_0 is pinned");
                b.set(Fix::Wx(0), row, Fr::ONE);
                b.set(Fix::C1, row, -v);
                b.put_fe(S[k], row, Some(v))
            }
        });
    }
    let mut st: Option<[Fr; T]> = cells[0]
        .val
        .zip(cells[1].val)
        .zip(cells[2].val)
        .map(|((a, b), c)| [a, b, c]);
    let mut r = 0;
    let rounds = R_F + R_P;
    while r < rounds {
        let c = p.rc_opt[r];
        if is_full(r) {
            b.set(Fix::Poseidon(PoseidonFix::QFull), row, Fr::ONE);
            for (k, ck) in c.iter().enumerate() {
                b.set(Fix::Poseidon(PoseidonFix::Rc(k)), row, *ck);
            }
            let a = st.map(|s| [s[0] + c[0], s[1] + c[1], s[2] + c[2]]);
            for k in 0..T {
                b.put_fe(Y[k], row, a.map(|a| a[k].square()));
            }
            st = a.map(|a| mix(&p.mds, &a.map(pow5)));
            r += 1;
        } else if r == R_F / 2 {
            // The odd partial round: one per row.
            b.set(Fix::Poseidon(PoseidonFix::QHalf), row, Fr::ONE);
            b.set(Fix::Poseidon(PoseidonFix::Rc(0)), row, c[0]);
            let a0 = st.map(|s| s[0] + c[0]);
            b.put_fe(Y[0], row, a0.map(|a| a.square()));
            st = st.zip(a0).map(|(s, a)| mix(&p.mds, &[pow5(a), s[1], s[2]]));
            r += 1;
        } else {
            let c1 = p.rc_opt[r + 1][0];
            b.set(Fix::Poseidon(PoseidonFix::QPart), row, Fr::ONE);
            b.set(Fix::Poseidon(PoseidonFix::Rc(0)), row, c[0]);
            b.set(Fix::Poseidon(PoseidonFix::Rc(1)), row, c1);
            let a0 = st.map(|s| s[0] + c[0]);
            b.put_fe(Y[0], row, a0.map(|a| a.square()));
            let u = st.zip(a0).map(|(s, a)| mix(&p.mds, &[pow5(a), s[1], s[2]]));
            let z = u.map(|u| u[0] + c1);
            b.put_fe(Y[1], row, z);
            b.put_fe(Y[2], row, z.map(|z| z.square()));
            st = u.zip(z).map(|(u, z)| mix(&p.mds, &[pow5(z), u[1], u[2]]));
            r += 2;
        }
        row = b.next_row();
        for (k, s) in S.iter().enumerate() {
            cells[k] = b.put_fe(*s, row, st.map(|st| st[k]));
        }
    }
    [cells[0], cells[1], cells[2]]
}
