//! Linear combinations with constant weights, then rounding shift: Conv, MatMul
//! and Gemm with fixed weights, Add/Sub after alignment, Mul by a constant,
//! window sums.
//!
//! Relation: `y = rshift(S, d)` with `S = Σ_i w_i·x_i + c` (`w_i`, `c`, `d`
//! constants of the model; `rshift` from `zkml_core::rounding`).
//!
//! Rows (`n` = MAC width, `m = ⌈len/n⌉` rows, terms in order):
//!
//! ```text
//! row j < m−1: x = terms[j·n ..], acc = S_j          E1: Σ w·x + [j>0]·acc[-1] + [j=0]·c − acc = 0
//! row m−1, d = 0: acc = y = S, lk = limbs(y + 2^(b−1))
//!     E1: as above          E2: acc + 2^(b−1) − Σ 2^(t·k)·y_k = 0
//! row m−1, d > 0: acc = y, lk = limbs(r) ++ limbs(y + 2^(b−1))
//!     E1: Σ w·x + acc[-1] + [m=1]·c + 2^(d−1) − 2^d·acc − Σ 2^(t·k)·r_k = 0
//!     E2: acc + 2^(b−1) − Σ 2^(t·k)·y_k = 0
//! ```
//!
//! Every output is range checked to the executor's activation range
//! `[−2^(b−1), 2^(b−1))` ([`zkml_core::QGraph::range`]), with or without a
//! shift: the node outputs these rows compute (Add/Sub, Concat alignment,
//! sums, Conv/MatMul/Mul) are exactly the values the executor range checks.
//! [`LinearInstructions::sum_exact`] is the one unchecked form, for
//! intermediate sums that a later gadget divides (AveragePool, ReduceMean).
//!
//! Fused `z = max(y, lo)` (a Relu or Clip lower bound that is the only consumer
//! of `y`): with `β = b − 1` for `lo = 0`, else `β = b`, the last row holds
//! `D = y − lo + 2^β ∈ [0, 2^(β+1))` as low limbs `ℓ` (β bits) and a sign bit
//! `s` (a 1-bit limb in lk_{L−1}), so `y = lo − 2^β + 2^β·s + Σ 2^(t·k)·ℓ_k` is a
//! linear form of lk cells, and `acc = z`:
//!
//! ```text
//!     E1: Σ w·x + acc[-1] + c + 2^(d−1) − 2^d·y(ℓ, s) − Σ 2^(t·k)·r_k = 0
//!     E2 (q_relu = 1): acc − lo − s·Σ 2^(t·k)·ℓ_k = 0
//! ```
//!
//! `s = 1` ⇔ `y ≥ lo`, and then `Σ ℓ = y − lo`; so `acc = lo + s·(y − lo) = max(y, lo)`.
//! `y`'s range is `[lo − 2^β, lo + 2^β)`, which keeps the rounding unique as
//! below; for `lo = 0` that is exactly the activation range, so the model
//! layout fuses only `lo = 0` (Relu, Clip with min 0): `y` is a node output the
//! executor range checks.
//!
//! Soundness: the partial sums are forced by E1. On the last row the limbs
//! give `r ∈ [0, 2^d)` and `y ∈ [−2^(b−1), 2^(b−1))`, so `|2^d·y + r| < 2^(d+b) ≪ p`
//! and `2^d·y + r = S + 2^(d−1)` holds over the integers: `r` is the
//! remainder and `y = ⌊(S + 2^(d−1))/2^d⌋ = rshift(S, d)`, the executor's value.
//! Degree 2 (E1, E2). Inputs enter by copy constraints.

use halo2_axiom::halo2curves::{bn256::Fr, ff::Field};
use zkml_core::rounding::rshift;

use super::{
    arith::ArithInstructions, pow2, range::RangeInstructions, Adv, Builder, Eqn, Fix, Wire,
};

/// Linear-layer instructions.
pub trait LinearInstructions {
    /// `rshift(Σ w_i·x_i + c, shift)` (exact sum when `shift = 0`).
    fn linear(&mut self, terms: &[(Wire, i128)], c: i128, shift: u32) -> Wire {
        self.linear_max(terms, c, shift, None)
    }

    /// `Σ w_i·x_i + c` exactly, with no range check on the result: an
    /// intermediate sum the caller bounds (a window sum before its rounding
    /// division). Every other form range checks its output.
    fn sum_exact(&mut self, terms: &[(Wire, i128)], c: i128) -> Wire;

    /// `max(rshift(Σ w_i·x_i + c, shift), lo)` when `max_with = Some(lo)`, fused in the last row.
    fn linear_max(
        &mut self,
        terms: &[(Wire, i128)],
        c: i128,
        shift: u32,
        max_with: Option<i128>,
    ) -> Wire;

    /// `max?(rshift(Σ a_i·w_i + c, shift))` for products of two cells (private
    /// weights): `⌊n/2⌋` products per row through the `q_pairs` term of E1,
    /// `x_{2i} = a_i`, `x_{2i+1} = w_i` (copies); same chaining and tail.
    fn linear_pairs(
        &mut self,
        pairs: &[(Wire, Wire)],
        c: i128,
        shift: u32,
        max_with: Option<i128>,
    ) -> Wire;

    /// `Σ a_i·w_i + c` exactly for products of two cells, unchecked (the
    /// caller bounds it: a sum of squares before a square root); the rows of
    /// [`Self::linear_pairs`].
    fn sum_pairs_exact(&mut self, pairs: &[(Wire, Wire)], c: i128) -> Wire;

    /// Completes the row `row` whose E1 already holds the sum `S` (weights and
    /// inputs set, `acc` not yet assigned, constant `c1` still to be added): assigns
    /// `acc = rshift(S, shift)` (or its max with `lo`) with its remainder and range limbs.
    fn rescale_tail(
        &mut self,
        row: usize,
        sum: Option<i128>,
        c1: i128,
        shift: u32,
        max_with: Option<i128>,
    ) -> Wire;
}

impl LinearInstructions for Builder<'_> {
    fn sum_exact(&mut self, terms: &[(Wire, i128)], c: i128) -> Wire {
        self.linear_terms(terms, c, 0, None, false)
    }

    fn linear_max(
        &mut self,
        terms: &[(Wire, i128)],
        c: i128,
        shift: u32,
        max_with: Option<i128>,
    ) -> Wire {
        self.linear_terms(terms, c, shift, max_with, true)
    }

    fn linear_pairs(
        &mut self,
        pairs: &[(Wire, Wire)],
        c: i128,
        shift: u32,
        max_with: Option<i128>,
    ) -> Wire {
        let per = self.shape.n / 2;
        // Every pair slot of a row enters E1: unused slots get a zero left factor.
        let zero = self.constant(0);
        let count = self.counting() && !pairs_known(pairs);
        self.linear_chain(
            pairs,
            per,
            c,
            shift,
            max_with,
            true,
            count,
            |b, row, chunk| b.pairs_row(row, chunk, per, &zero),
        )
    }

    fn sum_pairs_exact(&mut self, pairs: &[(Wire, Wire)], c: i128) -> Wire {
        let per = self.shape.n / 2;
        let zero = self.constant(0);
        let count = self.counting() && !pairs_known(pairs);
        self.linear_chain(pairs, per, c, 0, None, false, count, |b, row, chunk| {
            b.pairs_row(row, chunk, per, &zero)
        })
    }

    fn rescale_tail(
        &mut self,
        row: usize,
        sum: Option<i128>,
        c1: i128,
        shift: u32,
        max_with: Option<i128>,
    ) -> Wire {
        if let Some(lo) = max_with {
            return max_tail(self, row, sum, c1, shift, lo);
        }
        let off = self.act_offset();
        let b = self.shape.act_bits;
        if shift == 0 {
            // E1: S − acc = 0; E2: acc + 2^(b−1) − Σ limbs = 0.
            let out = self.exact_tail(row, sum, c1);
            self.set(Fix::A2, row, Fr::ONE);
            self.seti(Fix::C2, row, off);
            let mut next = 0;
            self.range_limbs(row, Eqn::E2, &mut next, sum.map(|y| y + off), b, -Fr::ONE);
            return out;
        }
        let d = shift;
        let half = 1i128 << (d - 1);
        let y = sum.map(|s| {
            let s = i64::try_from(s).expect("accumulator exceeds i64");
            rshift(s, d) as i128
        });
        let r = sum.zip(y).map(|(s, y)| s + half - (y << d));
        self.set(Fix::A1, row, -pow2(d));
        self.seti(Fix::C1, row, c1 + half);
        let mut next = 0;
        self.range_limbs(row, Eqn::E1, &mut next, r, d, -Fr::ONE);
        let out = self.put(Adv::Acc, row, y);
        self.set(Fix::A2, row, Fr::ONE);
        self.seti(Fix::C2, row, off);
        self.range_limbs(row, Eqn::E2, &mut next, y.map(|y| y + off), b, -Fr::ONE);
        out
    }
}

impl Builder<'_> {
    /// `rshift(Σ w_i·x_i + c, shift)` on multiply-accumulate rows; `check =
    /// false` (only with `shift = 0` and no max) leaves the sum unchecked.
    fn linear_terms(
        &mut self,
        terms: &[(Wire, i128)],
        c: i128,
        shift: u32,
        max_with: Option<i128>,
        check: bool,
    ) -> Wire {
        let n = self.shape.n;
        // Counting skips the terms unless their sum is known (constants).
        let count = self.counting() && terms.iter().any(|(w, _)| w.val.is_none());
        self.linear_chain(
            terms,
            n,
            c,
            shift,
            max_with,
            check,
            count,
            |b, row, chunk| {
                let mut part = Some(0i128);
                for (i, (w, k)) in chunk.iter().enumerate() {
                    b.copy_in(w, Adv::X(i), row);
                    b.seti(Fix::Wx(i), row, *k);
                    part = part.zip(w.val).map(|(s, v)| s + v * k);
                }
                part
            },
        )
    }

    /// The last row of an exact sum: `E1: S − acc = 0`, `acc` unchecked.
    fn exact_tail(&mut self, row: usize, sum: Option<i128>, c1: i128) -> Wire {
        self.set(Fix::A1, row, -Fr::ONE);
        self.seti(Fix::C1, row, c1);
        self.put(Adv::Acc, row, sum)
    }

    /// One `q_pairs` row: the pairs `(a, w)` in the slots `x_{2i}, x_{2i+1}`
    /// (copies), every unused slot's left factor a copy of the constant 0;
    /// returns `Σ a·w`.
    fn pairs_row(
        &mut self,
        row: usize,
        chunk: &[(Wire, Wire)],
        per: usize,
        zero: &Wire,
    ) -> Option<i128> {
        self.set(Fix::QPairs, row, Fr::ONE);
        let mut part = Some(0i128);
        for (i, (a, w)) in chunk.iter().enumerate() {
            self.copy_in(a, Adv::X(2 * i), row);
            self.copy_in(w, Adv::X(2 * i + 1), row);
            part = part.zip(a.val.zip(w.val)).map(|(s, (a, w))| s + a * w);
        }
        for i in chunk.len()..per {
            self.copy_in(zero, Adv::X(2 * i), row);
        }
        part
    }

    /// The row chain shared by [`LinearInstructions::linear_max`] and
    /// [`LinearInstructions::linear_pairs`]: `items` in chunks of `per` (one
    /// empty chunk when there are none), one row each. `fill` lays a chunk's
    /// inputs into its row and returns their partial sum (`None` when a value
    /// is unknown). The first row adds the constant `c`; every later row takes
    /// the previous row's `acc` (`P1`); every row but the last stores the running
    /// sum in `acc` (`A1 = −1`, `C1`), and the last one ends in
    /// [`LinearInstructions::rescale_tail`] (or, unchecked, an exact sum).
    /// `count_only` (planning, the sum unknown): the rows and the tail, no
    /// cells.
    #[allow(clippy::too_many_arguments)]
    fn linear_chain<T>(
        &mut self,
        items: &[T],
        per: usize,
        c: i128,
        shift: u32,
        max_with: Option<i128>,
        check: bool,
        count_only: bool,
        mut fill: impl FnMut(&mut Self, usize, &[T]) -> Option<i128>,
    ) -> Wire {
        if count_only {
            // Planning: the chain's rows without its cells (the NullSink
            // drops them); the tail still counts its range cells.
            let m = items.len().div_ceil(per).max(1);
            self.row += m - 1;
            let row = self.next_row();
            let c1 = if m == 1 { c } else { 0 };
            return if !check && shift == 0 && max_with.is_none() {
                self.exact_tail(row, None, c1)
            } else {
                self.rescale_tail(row, None, c1, shift, max_with)
            };
        }
        let chunks: Vec<&[T]> = if items.is_empty() {
            vec![&[]]
        } else {
            items.chunks(per).collect()
        };
        let mut sum = Some(c);
        let last = chunks.len() - 1;
        let mut out = None;
        for (j, chunk) in chunks.into_iter().enumerate() {
            let row = self.next_row();
            let part = fill(self, row, chunk);
            sum = sum.zip(part).map(|(s, p)| s + p);
            let c1 = if j == 0 {
                c
            } else {
                self.set(Fix::P1, row, Fr::ONE);
                0
            };
            if j < last {
                self.set(Fix::A1, row, -Fr::ONE);
                self.seti(Fix::C1, row, c1);
                self.put(Adv::Acc, row, sum);
            } else if !check && shift == 0 && max_with.is_none() {
                out = Some(self.exact_tail(row, sum, c1));
            } else {
                out = Some(self.rescale_tail(row, sum, c1, shift, max_with));
            }
        }
        out.unwrap()
    }
}

/// Whether every product of `pairs` is known (a sum a planning pass keeps).
fn pairs_known(pairs: &[(Wire, Wire)]) -> bool {
    pairs
        .iter()
        .all(|(a, w)| a.val.is_some() && w.val.is_some())
}

/// The fused `max(rshift(S, d), lo)` tail (module doc).
fn max_tail(
    b: &mut Builder<'_>,
    row: usize,
    sum: Option<i128>,
    c1: i128,
    d: u32,
    lo: i128,
) -> Wire {
    let bits = b.shape.act_bits;
    if lo == 0 && bits >= 3 && b.shape.t >= bits - 2 {
        return relu_tail(b, row, sum, c1, d);
    }
    let beta = if lo == 0 { bits - 1 } else { bits };
    if b.counting() && sum.is_none() {
        // Counting: the cells below without their values or fixed entries.
        let mut next = 0;
        if d > 0 {
            b.range_limbs_in(row, &[], &mut next, None, d);
        }
        b.range_limbs_in(row, &[], &mut next, None, beta);
        b.use_width(1);
        b.max_lk = b.max_lk.max(next + 1);
        return b.put(Adv::Acc, row, None);
    }
    let half = if d == 0 { 0 } else { 1i128 << (d - 1) };
    let y = sum.map(|s| {
        let s = i64::try_from(s).expect("accumulator exceeds i64");
        rshift(s, d) as i128
    });
    let r = sum.zip(y).map(|(s, y)| s + half - (y << d));
    let dv = y.map(|y| y - lo + (1i128 << beta));
    let low = dv.map(|v| v & ((1i128 << beta) - 1));
    let sign = dv.map(|v| v >> beta);
    let z = y.map(|y| y.max(lo));
    let two_d = pow2(d);
    // E1: S + half − 2^d·(lo − 2^β) − 2^d·(2^β·s + Σ ℓ) − Σ r = 0
    b.set_with(Fix::C1, row, || {
        super::fe(c1 + half) - two_d * super::fe(lo - (1i128 << beta))
    });
    let mut next = 0;
    if d > 0 {
        b.range_limbs(row, Eqn::E1, &mut next, r, d, -Fr::ONE);
    }
    // Low limbs: in E1 (weight −2^d) and in E2 (weight −1, times the sign).
    b.range_limbs_in(
        row,
        &[(Eqn::E1, -two_d), (Eqn::E2, -Fr::ONE)],
        &mut next,
        low,
        beta,
    );
    // The sign bit: the last lk cell, a 1-bit limb.
    b.use_width(1);
    b.max_lk = b.max_lk.max(next + 1);
    if !b.planning {
        let j = b.shape.l - 1;
        assert!(
            next <= j,
            "row {row}: fused max needs {} range cells (planner bug)",
            next + 1
        );
        b.put(Adv::Lk(j), row, sign);
        b.seti(Fix::Tag(j), row, 1);
        b.set(Fix::U1(j), row, -two_d * pow2(beta));
    }
    // E2: acc − lo − s·Σ ℓ = 0
    b.set(Fix::QRelu, row, Fr::ONE);
    b.set(Fix::A2, row, Fr::ONE);
    b.seti(Fix::C2, row, -lo);
    b.put(Adv::Acc, row, z)
}

/// The fused `max(rshift(S, d), 0)` tail with a two-bit top limb (`t ≥ b − 2`):
/// `D = y + 2^(b−1) = m + 2^(b−2)·h`, `m` in lk_{L−2} (`b−2` bits), `h` in lk_{L−1}
/// (2 bits). `y ≥ 0 ⇔ h ≥ 2 ⇔ ind(h) = 1`, so `acc = ind(h)·y` through the `q_top`
/// term of E2; one range cell fewer than the sign-bit form.
fn relu_tail(b: &mut Builder<'_>, row: usize, sum: Option<i128>, c1: i128, d: u32) -> Wire {
    let bits = b.shape.act_bits;
    let half = if d == 0 { 0 } else { 1i128 << (d - 1) };
    let y = sum.map(|s| {
        let s = i64::try_from(s).expect("accumulator exceeds i64");
        rshift(s, d) as i128
    });
    let r = sum.zip(y).map(|(s, y)| s + half - (y << d));
    let dv = y.map(|y| y + (1i128 << (bits - 1)));
    let main = dv.map(|v| v & ((1i128 << (bits - 2)) - 1));
    let h = dv.map(|v| v >> (bits - 2));
    let two_d = pow2(d);
    // E1: S + half + 2^d·2^(b−1) − 2^d·(m + 2^(b−2)·h) − Σ r = 0
    b.set_with(Fix::C1, row, || {
        super::fe(c1 + half) + two_d * pow2(bits - 1)
    });
    let mut next = 0;
    if d > 0 {
        b.range_limbs(row, Eqn::E1, &mut next, r, d, -Fr::ONE);
    }
    b.use_width(bits - 2);
    b.use_width(2);
    b.max_lk = b.max_lk.max(next + 2);
    if !b.planning {
        let l = b.shape.l;
        assert!(
            next + 2 <= l,
            "row {row}: fused Relu needs {} range cells (planner bug)",
            next + 2
        );
        b.put(Adv::Lk(l - 2), row, main);
        b.seti(Fix::Tag(l - 2), row, (bits - 2) as i128);
        b.set(Fix::U1(l - 2), row, -two_d);
        b.put(Adv::Lk(l - 1), row, h);
        b.seti(Fix::Tag(l - 1), row, 2);
        b.set(Fix::U1(l - 1), row, -two_d * pow2(bits - 2));
    }
    // E2: acc − ind(h)·(m + 2^(b−2)·h − 2^(b−1)) = 0
    b.set(Fix::QTop, row, Fr::ONE);
    b.set(Fix::A2, row, Fr::ONE);
    b.put(Adv::Acc, row, y.map(|y| y.max(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::{
        arith::ArithInstructions,
        test_utils::{check_all_tampering, GadgetCircuit},
    };

    fn dot(xs: &'static [i128], ws: &'static [i128], c: i128, d: u32) -> GadgetCircuit {
        GadgetCircuit::new(move |b| {
            let wires: Vec<Wire> = xs.iter().map(|&v| b.input(Some(v), true)).collect();
            let terms: Vec<(Wire, i128)> = wires.into_iter().zip(ws.iter().copied()).collect();
            let y = b.linear(&terms, c, d);
            b.make_public(&y);
        })
    }

    #[test]
    fn matches_rshift() {
        for (xs, ws, c, d) in [
            (
                &[3i128, -7, 11, 5, 9][..],
                &[2i128, 5, -3, 1, 4][..],
                17i128,
                3u32,
            ),
            (&[100, -200, 300][..], &[-7, 9, 1][..], -5, 0),
            (&[-1000][..], &[3][..], 0, 4),
        ] {
            let expect = rshift(
                (xs.iter().zip(ws).map(|(a, b)| a * b).sum::<i128>() + c) as i64,
                d,
            );
            let circuit = dot(xs, ws, c, d);
            circuit.assert_ok();
            assert_eq!(
                *circuit.publics().last().unwrap(),
                crate::gadgets::fe(expect as i128)
            );
        }
    }

    #[test]
    fn fused_max_matches_and_every_cell_matters() {
        for (xs, ws, c, d, lo) in [
            (
                &[3i128, -7, 11, 5, 9][..],
                &[2i128, 5, -3, 1, 4][..],
                17i128,
                3u32,
                0i128,
            ),
            (&[3, -7, 11, 5, 9][..], &[-2, -5, 3, -1, -4][..], -17, 3, 0),
            (&[100, -200][..], &[-7, 9][..], 5, 0, 0),
            (&[100, -200][..], &[-7, 9][..], 5, 2, -300),
            (&[100, -200][..], &[-7, 9][..], 5, 2, -900),
            (&[0][..], &[1][..], 0, 0, 0),
        ] {
            let circuit = GadgetCircuit::new(move |b| {
                let wires: Vec<Wire> = xs.iter().map(|&v| b.input(Some(v), true)).collect();
                let terms: Vec<(Wire, i128)> = wires.into_iter().zip(ws.iter().copied()).collect();
                let y = b.linear_max(&terms, c, d, Some(lo));
                b.make_public(&y);
            });
            circuit.assert_ok();
            let s: i128 = xs.iter().zip(ws).map(|(a, b)| a * b).sum::<i128>() + c;
            let expect = (rshift(s as i64, d) as i128).max(lo);
            assert_eq!(
                *circuit.publics().last().unwrap(),
                crate::gadgets::fe(expect)
            );
            check_all_tampering(&circuit);
        }
    }

    #[test]
    fn fused_relu_two_bit_top_and_every_cell_matters() {
        // t = 10 ≥ b − 2 with 12-bit activations: the two-bit-top form.
        for (xs, ws, c, d) in [
            (&[3i128, -7, 11][..], &[2i128, 5, -3][..], 17i128, 3u32),
            (&[3, -7, 11][..], &[-2, -5, 3][..], -17, 3),
            (&[100, -20][..], &[-7, 9][..], 5, 0),
            (&[2047][..], &[1][..], 0, 0),
            (&[-2048][..], &[1][..], 0, 0),
            (&[0][..], &[1][..], 0, 0),
        ] {
            let circuit = GadgetCircuit::with_shape(
                move |b| {
                    let wires: Vec<Wire> = xs.iter().map(|&v| b.input(Some(v), true)).collect();
                    let terms: Vec<(Wire, i128)> =
                        wires.into_iter().zip(ws.iter().copied()).collect();
                    let y = b.linear_max(&terms, c, d, Some(0));
                    b.make_public(&y);
                },
                4,
                10,
                12,
            );
            assert!(circuit.shape.widths.contains(&2), "{:?}", circuit.shape);
            circuit.assert_ok();
            let s: i128 = xs.iter().zip(ws).map(|(a, b)| a * b).sum::<i128>() + c;
            let expect = (rshift(s as i64, d) as i128).max(0);
            assert_eq!(
                *circuit.publics().last().unwrap(),
                crate::gadgets::fe(expect)
            );
            check_all_tampering(&circuit);
        }
    }

    #[test]
    fn pairs_match_and_every_cell_matters() {
        for (xs, ws, c, d, mx) in [
            (
                &[3i128, -7, 11, 5, 9][..],
                &[2i128, 5, -3, 1, 4][..],
                17i128,
                3u32,
                None,
            ),
            (
                &[3, -7, 11, 5, 9][..],
                &[-2, -5, 3, -1, -4][..],
                -17,
                2,
                Some(0),
            ),
            (&[100, -20][..], &[-7, 9][..], 5, 0, None),
        ] {
            let circuit = GadgetCircuit::new(move |b| {
                let a: Vec<Wire> = xs.iter().map(|&v| b.input(Some(v), true)).collect();
                let w: Vec<Wire> = ws.iter().map(|&v| b.input(Some(v), false)).collect();
                let pairs: Vec<(Wire, Wire)> = a.into_iter().zip(w).collect();
                let y = b.linear_pairs(&pairs, c, d, mx);
                b.make_public(&y);
            });
            circuit.assert_ok();
            let s: i128 = xs.iter().zip(ws).map(|(a, b)| a * b).sum::<i128>() + c;
            let mut expect = rshift(s as i64, d) as i128;
            if let Some(lo) = mx {
                expect = expect.max(lo);
            }
            assert_eq!(
                *circuit.publics().last().unwrap(),
                crate::gadgets::fe(expect)
            );
            check_all_tampering(&circuit);
        }
    }

    #[test]
    fn every_cell_is_constrained() {
        // Two MAC rows (n = 4) and a rescale with 2 + 2 limbs.
        check_all_tampering(&dot(&[3, -7, 11, 5, 9, 1], &[2, 5, -3, 1, 4, 6], 17, 3));
        check_all_tampering(&dot(&[3, -7], &[2, 5], 1, 0));
    }
}
