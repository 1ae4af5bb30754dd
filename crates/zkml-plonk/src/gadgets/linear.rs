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
//! row m−1, d = 0: acc = S                            E1: as above
//! row m−1, d > 0: acc = y, lk = limbs(r) ++ limbs(y + 2^(b−1))
//!     E1: Σ w·x + acc[-1] + [m=1]·c + 2^(d−1) − 2^d·acc − Σ 2^(t·k)·r_k = 0
//!     E2: acc + 2^(b−1) − Σ 2^(t·k)·y_k = 0
//! ```
//!
//! Soundness: the partial sums are forced by E1. On the last row the limbs
//! give `r ∈ [0, 2^d)` and `y ∈ [−2^(b−1), 2^(b−1))`, so `|2^d·y + r| < 2^(d+b) ≪ p`
//! and `2^d·y + r = S + 2^(d−1)` holds over the integers: `r` is the
//! remainder and `y = ⌊(S + 2^(d−1))/2^d⌋ = rshift(S, d)`, the executor's value.
//! Degree 2 (E1, E2). Inputs enter by copy constraints.

use halo2_axiom::halo2curves::{bn256::Fr, ff::Field};
use zkml_core::rounding::rshift;

use super::{pow2, range::RangeInstructions, Adv, Builder, Eqn, Fix, Wire};

/// Linear-layer instructions.
pub trait LinearInstructions {
    /// `rshift(Σ w_i·x_i + c, shift)` (exact sum when `shift = 0`).
    fn linear(&mut self, terms: &[(Wire, i128)], c: i128, shift: u32) -> Wire;

    /// Completes the row `row` whose E1 already holds the sum `S` (weights and
    /// inputs set, `acc` not yet assigned, constant `c1` still to be added): assigns
    /// `acc = rshift(S, shift)` with its remainder and range limbs.
    fn rescale_tail(&mut self, row: usize, sum: Option<i128>, c1: i128, shift: u32) -> Wire;
}

impl LinearInstructions for Builder<'_> {
    fn linear(&mut self, terms: &[(Wire, i128)], c: i128, shift: u32) -> Wire {
        let n = self.shape.n;
        let chunks: Vec<&[(Wire, i128)]> = if terms.is_empty() {
            vec![&[]]
        } else {
            terms.chunks(n).collect()
        };
        let mut sum = Some(0i128);
        let last = chunks.len() - 1;
        let mut out = None;
        for (j, chunk) in chunks.into_iter().enumerate() {
            let row = self.next_row();
            for (i, (w, k)) in chunk.iter().enumerate() {
                self.copy_in(w, Adv::X(i), row);
                self.seti(Fix::Wx(i), row, *k);
                sum = sum.zip(w.val).map(|(s, v)| s + v * k);
            }
            let c1 = if j == 0 {
                sum = sum.map(|s| s + c);
                c
            } else {
                self.set(Fix::P1, row, Fr::ONE);
                0
            };
            if j < last {
                self.set(Fix::A1, row, -Fr::ONE);
                self.seti(Fix::C1, row, c1);
                self.put(Adv::Acc, row, sum);
            } else {
                out = Some(self.rescale_tail(row, sum, c1, shift));
            }
        }
        out.unwrap()
    }

    fn rescale_tail(&mut self, row: usize, sum: Option<i128>, c1: i128, shift: u32) -> Wire {
        if shift == 0 {
            self.set(Fix::A1, row, -Fr::ONE);
            self.seti(Fix::C1, row, c1);
            return self.put(Adv::Acc, row, sum);
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
        let off = self.act_offset();
        self.set(Fix::A2, row, Fr::ONE);
        self.seti(Fix::C2, row, off);
        let b = self.shape.act_bits;
        self.range_limbs(row, Eqn::E2, &mut next, y.map(|y| y + off), b, -Fr::ONE);
        out
    }
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
    fn every_cell_is_constrained() {
        // Two MAC rows (n = 4) and a rescale with 2 + 2 limbs.
        check_all_tampering(&dot(&[3, -7, 11, 5, 9, 1], &[2, 5, -3, 1, 4, 6], 17, 3));
        check_all_tampering(&dot(&[3, -7], &[2, 5], 1, 0));
    }
}
