//! Randomized matrix checks (Freivalds) with a Fiat–Shamir challenge drawn
//! after the matrices are committed: a convolution or matrix product
//! `Y = X·W + b` checked with `O(M·K + M·N + K·N)` multiplications instead of
//! `M·K·N`.
//!
//! # Statement
//!
//! `X` is `M × K` (the im2col view of a convolution's input: row `m` holds the
//! input cells under the kernel at output pixel `m`), `W` is `K × N` and `b`
//! has `N` entries, both constants of the model (fixed weights), `Y` is the
//! `M × N` matrix of raw accumulators that the rescale rows turn into the
//! layer's output. With `α` a challenge and `v_k = Σ_n W_kn·α^(N−1−n)`,
//! `B = Σ_n b_n·α^(N−1−n)`, each output pixel `m` gets one constraint
//!
//! ```text
//! Σ_n Y_mn·α^(N−1−n) − Σ_k X_mk·v_k − B = 0,
//! ```
//!
//! the evaluation at `α` of the polynomial `Σ_n (Y_m − X_m·W − b)_n·z^(N−1−n)`.
//!
//! # Soundness
//!
//! `X` and `Y` lie in first-phase columns (the even `x` columns: `Y` is born
//! there, `X` arrives by copy constraints, which hold whatever column the
//! producing cell is in). halo2 commits every first-phase column, then draws
//! `α` from the transcript (`challenge_usable_after(FirstPhase)`), then the
//! prover assigns the second-phase columns (odd `x`, `acc`) holding `α^j`,
//! `v_k`, `B` and the running sums. So `X`, `Y` are fixed before `α` is
//! known. If `Y_m ≠ X_m·W + b` for some `m`, the polynomial above is non-zero
//! of degree `< N` and vanishes at a uniformly random `α` with probability
//! `< N/p ≈ 2^−247` (Schwartz–Zippel), so a union bound over all pixels and
//! layers leaves a negligible cheating probability. The rescale rows then prove
//! `rshift(Y_mn, d)` exactly as for multiply-accumulate rows
//! ([`super::linear`]). The challenge is never a constant: the earlier zkml
//! fixed its "randomness", which lets a prover who knows it solve for a false
//! `Y`.
//!
//! # Rows (`n` = MAC width, `n/2` pairs per row)
//!
//! ```text
//! powers  acc = 1 (E1), then acc = acc[-1]·α (E5, q_pow)           α^0 … α^(N−1), shared
//! horner  acc = h·acc[-1]·α^n + Σ_i wx_i·α^(n−1−i)   (E4, q_horner, h = HornerPrev)
//!         ⌈N/n⌉ rows per v_k (coefficients −W_k·, leading zeros pad the first row)
//! check   pairs (x_2i, x_2i+1) = (Y_mn, α^(N−1−n)), (X_mk, −v_k), (1, −B):
//!         E1 with q_pairs, acc = running sum (A1 = −1), the last row has A1 = 0:
//!         Σ pairs + acc[-1] = 0; unused pair slots hold a copy of the constant 0
//! ```
//!
//! E4 rows leave E1 as `Σ wx_i·x_i = 0`: each `x_i` with a non-zero
//! coefficient is a copy of the constant 0, so E1 holds trivially and no
//! constraint reads an unassigned cell ([`super::audit`]). E4 is degree 3
//! (`q·h·acc[-1]`), E5 degree 2.

use halo2_axiom::{
    halo2curves::{bn256::Fr, ff::Field},
    plonk::{Advice, Column, ConstraintSystem, Expression, FirstPhase, Fixed},
    poly::Rotation,
};

use super::{arith::ArithInstructions, fe, Adv, Builder, FeWire, Fix, FreivaldsConfig, Wire};

/// Registers the challenge `α`, the gate's fixed columns and E4, E5.
pub(super) fn configure(
    meta: &mut ConstraintSystem<Fr>,
    acc: Column<Advice>,
    wx: &[Column<Fixed>],
) -> FreivaldsConfig {
    let alpha = meta.challenge_usable_after(FirstPhase);
    let [q_horner, horner_prev, q_pow] = [(); 3].map(|_| meta.fixed_column());
    meta.create_gate("matrix check", |m| {
        let a = m.query_challenge(alpha);
        let cur = m.query_advice(acc, Rotation::cur());
        let prev = m.query_advice(acc, Rotation::prev());
        // Horner: ((h·acc[-1])·α + wx_0)·α + … + wx_{n−1}
        let mut h: Expression<Fr> = m.query_fixed(horner_prev, Rotation::cur()) * prev.clone();
        for w in wx {
            h = h * a.clone() + m.query_fixed(*w, Rotation::cur());
        }
        let e4 = m.query_fixed(q_horner, Rotation::cur()) * (cur.clone() - h);
        let e5 = m.query_fixed(q_pow, Rotation::cur()) * (cur - prev * a);
        vec![e4, e5]
    });
    FreivaldsConfig {
        alpha,
        q_horner,
        horner_prev,
        q_pow,
    }
}

/// The left factor of a checked pair: a first-phase cell.
#[derive(Clone, Copy, Debug)]
pub enum Left {
    /// A fresh cell holding this value (a `Y` accumulator, born in the check).
    Fresh(Option<i128>),
    /// A copy of an existing cell (an `X` input, the constant 1).
    Cell(Wire),
}

/// Matrix-check instructions ([module doc](self)).
pub trait FreivaldsInstructions {
    /// Cells holding `α^0 … α^(count−1)` (laid out once, extended on demand).
    fn alpha_powers(&mut self, count: usize) -> Vec<FeWire>;
    /// `Σ_j c_j·α^(L−1−j)` for constant coefficients `c` (`L = c.len() ≥ 1`).
    fn horner_fixed(&mut self, coeffs: &[i128]) -> FeWire;
    /// Constrains `Σ left_i·right_i = 0`; returns the cells of the
    /// [`Left::Fresh`] entries, in order.
    fn zero_pairs(&mut self, pairs: &[(Left, FeWire)]) -> Vec<Wire>;
    /// `Σ a_i·b_i` as a second-phase cell (`a_i` first-phase copies): `v_k`
    /// and `B` when the weights are witness cells (private, committed).
    fn dot_pairs(&mut self, pairs: &[(Wire, FeWire)]) -> FeWire;
    /// Cells holding `−α^0 … −α^(count−1)` (one E1 row each, shared).
    fn neg_alpha_powers(&mut self, count: usize) -> Vec<FeWire>;
}

fn mul_known(a: Option<Fr>, b: Option<Fr>) -> Option<Fr> {
    a.zip(b).map(|(a, b)| a * b)
}

impl FreivaldsInstructions for Builder<'_> {
    fn alpha_powers(&mut self, count: usize) -> Vec<FeWire> {
        if self.alpha_pows.len() < count {
            let mut prev = match self.alpha_pows.last() {
                None => {
                    let row = self.next_row();
                    self.set(Fix::A1, row, -Fr::ONE);
                    self.set(Fix::C1, row, Fr::ONE);
                    let one = self.put_fe(Adv::Acc, row, Some(Fr::ONE));
                    self.alpha_pows.push(one);
                    one
                }
                // Extending: restate the last power right above the new rows.
                Some(last) => {
                    let last = *last;
                    let row = self.next_row();
                    self.copy_in_fe(&last, Adv::Acc, row)
                }
            };
            while self.alpha_pows.len() < count {
                let row = self.next_row();
                self.set(Fix::QPow, row, Fr::ONE);
                let v = mul_known(prev.val, self.alpha);
                prev = self.put_fe(Adv::Acc, row, v);
                self.alpha_pows.push(prev);
            }
        }
        self.alpha_pows[..count].to_vec()
    }

    fn horner_fixed(&mut self, coeffs: &[i128]) -> FeWire {
        assert!(!coeffs.is_empty(), "Horner over no coefficients");
        let n = self.shape.n;
        let pad = (n - coeffs.len() % n) % n;
        let padded: Vec<i128> = std::iter::repeat_n(0, pad)
            .chain(coeffs.iter().copied())
            .collect();
        // α^(n−1−i) for each slot of a row, and α^n.
        let slot_pows: Option<Vec<Fr>> = self
            .alpha
            .map(|a| (0..n).rev().map(|e| a.pow_vartime([e as u64])).collect());
        let alpha_n = self.alpha.map(|a| a.pow_vartime([n as u64]));
        let zero = self.constant(0);
        let mut acc: Option<FeWire> = None;
        for chunk in padded.chunks(n) {
            let row = self.next_row();
            self.set(Fix::QHorner, row, Fr::ONE);
            let mut v = match &acc {
                Some(p) => {
                    self.set(Fix::HornerPrev, row, Fr::ONE);
                    mul_known(p.val, alpha_n)
                }
                None => Some(Fr::ZERO),
            };
            for (i, &c) in chunk.iter().enumerate() {
                self.seti(Fix::Wx(i), row, c);
                if c != 0 {
                    // E1 weighs `x_i` by `c` on this row too: pin it to 0.
                    self.copy_in(&zero, Adv::X(i), row);
                }
                let pw = slot_pows.as_ref().map(|p| p[i]);
                v = v.zip(pw).map(|(v, pw)| v + fe(c) * pw);
            }
            acc = Some(self.put_fe(Adv::Acc, row, v));
        }
        acc.expect("at least one row")
    }

    fn zero_pairs(&mut self, pairs: &[(Left, FeWire)]) -> Vec<Wire> {
        self.pairs_chain(pairs, false).0
    }

    fn dot_pairs(&mut self, pairs: &[(Wire, FeWire)]) -> FeWire {
        let pairs: Vec<(Left, FeWire)> = pairs.iter().map(|&(a, b)| (Left::Cell(a), b)).collect();
        self.pairs_chain(&pairs, true)
            .1
            .expect("a kept sum needs at least one pair")
    }

    fn neg_alpha_powers(&mut self, count: usize) -> Vec<FeWire> {
        while self.neg_alpha_pows.len() < count {
            let j = self.neg_alpha_pows.len();
            let p = self.alpha_powers(j + 1)[j];
            // E1: x_1 + acc = 0 (both second phase).
            let row = self.next_row();
            let x1 = self.copy_in_fe(&p, Adv::X(1), row);
            self.set(Fix::Wx(1), row, Fr::ONE);
            self.set(Fix::A1, row, Fr::ONE);
            let neg = self.put_fe(Adv::Acc, row, x1.val.map(|v| -v));
            self.neg_alpha_pows.push(neg);
        }
        self.neg_alpha_pows[..count].to_vec()
    }
}

impl Builder<'_> {
    /// While counting ([`Builder::counting`]): the rows of
    /// [`FreivaldsInstructions::zero_pairs`] over `len` pairs whose first
    /// `fresh` are [`Left::Fresh`], and those cells.
    pub(crate) fn zero_pairs_counted(&mut self, fresh: usize, len: usize) -> Vec<Wire> {
        debug_assert!(self.counting() && fresh <= len);
        let per = self.shape.n / 2;
        let _ = self.constant(0);
        let base = self.row;
        self.row += len.div_ceil(per);
        (0..fresh)
            .map(|i| Wire {
                col: Adv::X(2 * (i % per)),
                row: base + i / per,
                val: None,
            })
            .collect()
    }

    /// Pair rows for `Σ left_i·right_i`: the running sum in `acc`; the last row
    /// either keeps it (`keep`: `acc = sum`, returned) or constrains it to zero.
    /// Returns the fresh left cells too.
    fn pairs_chain(&mut self, pairs: &[(Left, FeWire)], keep: bool) -> (Vec<Wire>, Option<FeWire>) {
        let per = self.shape.n / 2;
        assert!(per >= 1, "matrix checks need a MAC width of at least 2");
        let zero = self.constant(0);
        let unknown = |(l, r): &(Left, FeWire)| {
            r.val.is_none()
                || match l {
                    Left::Fresh(v) => v.is_none(),
                    Left::Cell(w) => w.val.is_none(),
                }
        };
        if self.counting() && pairs.iter().any(unknown) {
            // Planning: the rows and the fresh cells' places, no copies.
            let base = self.row;
            self.row += pairs.len().div_ceil(per);
            let fresh = pairs
                .iter()
                .enumerate()
                .filter_map(|(i, (l, _))| match l {
                    Left::Fresh(v) => Some(Wire {
                        col: Adv::X(2 * (i % per)),
                        row: base + i / per,
                        val: *v,
                    }),
                    Left::Cell(_) => None,
                })
                .collect();
            let kept = (keep && !pairs.is_empty()).then(|| FeWire {
                col: Adv::Acc,
                row: self.row - 1,
                val: None,
            });
            return (fresh, kept);
        }
        let chunks: Vec<_> = pairs.chunks(per).collect();
        let last = chunks.len().saturating_sub(1);
        let mut fresh = vec![];
        let mut sum = Some(Fr::ZERO);
        let mut kept = None;
        for (j, chunk) in chunks.into_iter().enumerate() {
            let row = self.next_row();
            self.set(Fix::QPairs, row, Fr::ONE);
            if j > 0 {
                self.set(Fix::P1, row, Fr::ONE);
            }
            for (i, (l, r)) in chunk.iter().enumerate() {
                let a = match l {
                    Left::Fresh(v) => {
                        let w = self.put(Adv::X(2 * i), row, *v);
                        fresh.push(w);
                        w
                    }
                    Left::Cell(w) => self.copy_in(w, Adv::X(2 * i), row),
                };
                let b = self.copy_in_fe(r, Adv::X(2 * i + 1), row);
                sum = sum.zip(mul_known(a.val.map(fe), b.val)).map(|(s, p)| s + p);
            }
            // Unused pair slots: a zero left factor, so the free right cell adds nothing.
            for i in chunk.len()..per {
                self.copy_in(&zero, Adv::X(2 * i), row);
            }
            if j < last || keep {
                self.set(Fix::A1, row, -Fr::ONE);
                kept = Some(self.put_fe(Adv::Acc, row, sum));
            }
        }
        (fresh, kept.filter(|_| keep))
    }
}

#[cfg(test)]
mod tests;
