//! Comparisons, Sign, truthiness, logic and Where: exact 0/1 arithmetic on
//! the main gate ([`super`]), no gate of its own.
//!
//! **Sign bit of a linear form** (Less, Greater, LessOrEqual, GreaterOrEqual):
//! `L = Σ w_i·x_i + c` over copied cells, with `|L| < 2^K` for every input
//! the cells' range checks admit. One row:
//!
//! ```text
//! x_i = x_i (copies), lk = limbs(t) (K bits) ++ β (1 bit), acc = z
//! E1: Σ w_i·x_i + c + 2^K·β − Σ 2^(t·k)·t_k = 0        t = L + 2^K·β ∈ [0, 2^K)
//! E2: acc − β = 0   (or acc + β − 1 = 0: z = 1 − β)
//! ```
//!
//! Soundness: `β ∈ {0, 1}` (a 1-bit limb) and `t ∈ [0, 2^K)`; if `L ≥ 0`
//! then `β = 1` would need `t = L + 2^K ≥ 2^K`, and if `L < 0` then `β = 0`
//! would need `t = L < 0` (a field element near `p`): so `β = [L < 0]`.
//! Cells read: the `x_i` (copies), every lk cell of the row, `acc`.
//!
//! **Both sign bits** (Equal, Sign, truthiness `[L ≠ 0]`): the row above for
//! `L` (`acc = β_<`), then the same row for `−L` whose E2 combines its bit
//! `β_>` with the previous row's `acc`:
//!
//! ```text
//! E2 (Equal): acc + acc[-1] + β_> − 1 = 0     z = 1 − β_< − β_>
//! E2 (Sign):  acc + acc[-1] − β_> = 0         z = β_> − β_<
//! E2 (≠ 0):   acc − acc[-1] − β_> = 0         z = β_< + β_>
//! ```
//!
//! (`β_<` and `β_>` are the exact indicators, never both 1.)
//!
//! **Logic on booleans** (inputs 0/1 by construction: outputs of these
//! gadgets), one row, `x_0 = a`, `x_1 = b` (copies), `acc = z`:
//!
//! ```text
//! Not: 1 − x_0 − acc = 0          And: x_0·x_1 − acc = 0
//! Or:  x_0 + x_1 − x_0·x_1 − acc = 0      Xor: x_0 + x_1 − 2·x_0·x_1 − acc = 0
//! ```
//!
//! Each is the polynomial that equals the op on {0, 1}, so `z` is boolean.
//!
//! **Where** `z = B + c·(A − B)` with `c` boolean, `A = w_a·a` (or a constant),
//! `B = w_b·b` (or a constant): with two cells, row 1 `x_0 = a, x_1 = b,
//! E1: w_a·x_0 − w_b·x_1 − acc = 0` (`acc = D = A − B`), row 2
//! `x_0 = c, x_1 = D, x_2 = b, E1: x_0·x_1 + w_b·x_2 − acc = 0`; with a
//! constant side one row (`E1: w_a·x_0·x_1 − B·x_0 + B − acc = 0` and
//! symmetrically). The last row's E2 range checks `z` to the activation range
//! `[−2^(b−1), 2^(b−1))`, which the executor checks too. Degree 3 (E1).

use halo2_axiom::halo2curves::{bn256::Fr, ff::Field};
use zkml_core::ops::Logic;

use super::{pow2, range::bits_for, range::RangeInstructions, Adv, Builder, Eqn, Fix, Wire};

/// What the second row of a two-sign-bit pair outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pair {
    /// `[L = 0]`.
    IsZero,
    /// `sign(L)`.
    Sign,
    /// `[L ≠ 0]`.
    NonZero,
}

/// One operand of Where: a cell times a weight, or a constant.
#[derive(Clone, Copy, Debug)]
pub enum Operand {
    /// `w·x`.
    Cell(Wire, i128),
    /// A constant.
    Const(i128),
}

impl Operand {
    fn val(&self) -> Option<i128> {
        match *self {
            Operand::Cell(w, k) => w.val.map(|v| v * k),
            Operand::Const(c) => Some(c),
        }
    }
}

/// Comparison, logic and Where instructions.
pub trait CompareInstructions {
    /// `[L < 0]` (or `[L ≥ 0]` when `negate`) for `L = Σ w_i·x_i + c`, `|L| < 2^bits`.
    fn lt_zero(&mut self, terms: &[(Wire, i128)], c: i128, bits: u32, negate: bool) -> Wire;
    /// `[L = 0]`, `sign(L)` or `[L ≠ 0]` (two rows).
    fn sign_pair(&mut self, terms: &[(Wire, i128)], c: i128, bits: u32, out: Pair) -> Wire;
    /// A logic op on boolean cells (`b` ignored by Not).
    fn logic(&mut self, op: Logic, a: &Wire, b: &Wire) -> Wire;
    /// `B + c·(A − B)` for a boolean cell `c`, range checked.
    fn select_by(&mut self, c: &Wire, a: Operand, b: Operand) -> Wire;
}

/// Bits `K` with `|Σ w_i·x_i + c| < 2^K` for activations `x_i ∈ [−2^(b−1), 2^(b−1))`.
pub fn form_bits(weights: &[i128], c: i128, act_bits: u32) -> u32 {
    let half = 1u128 << (act_bits - 1);
    let max: u128 = weights
        .iter()
        .map(|w| w.unsigned_abs() * half)
        .sum::<u128>()
        + c.unsigned_abs();
    bits_for(max)
}

impl Builder<'_> {
    /// The sign-bit row with a given bit (honest: `β = [L < 0]`) and E2
    /// `acc + u·β + p2·acc[-1] + c2 = 0` for `e2 = (u, p2, c2)`, `prev` the
    /// previous row's `acc` value. Crate-visible so tests can feed a wrong bit.
    pub(crate) fn sign_row(
        &mut self,
        terms: &[(Wire, i128)],
        c: i128,
        bits: u32,
        beta: Option<i128>,
        e2: (i128, i128, i128),
        prev: Option<i128>,
    ) -> Wire {
        assert!(
            terms.len() <= self.shape.n,
            "sign row of {} terms",
            terms.len()
        );
        let row = self.next_row();
        let mut l = Some(c);
        for (i, (w, k)) in terms.iter().enumerate() {
            let x = self.copy_in(w, Adv::X(i), row);
            self.seti(Fix::Wx(i), row, *k);
            l = l.zip(x.val).map(|(s, v)| s + k * v);
        }
        self.seti(Fix::C1, row, c);
        let mut next = 0;
        let t = l.zip(beta).map(|(l, b)| l + (b << bits));
        self.range_limbs(row, Eqn::E1, &mut next, t, bits, -Fr::ONE);
        // β enters E1 with 2^K and E2 with `u`.
        let (u, p2, c2) = e2;
        self.range_limbs_in(
            row,
            &[(Eqn::E1, pow2(bits)), (Eqn::E2, super::fe(u))],
            &mut next,
            beta,
            1,
        );
        self.set(Fix::A2, row, Fr::ONE);
        self.seti(Fix::P2, row, p2);
        self.seti(Fix::C2, row, c2);
        let z = beta.zip(prev).map(|(be, pr)| -(u * be + p2 * pr + c2));
        self.put(Adv::Acc, row, z)
    }
}

impl CompareInstructions for Builder<'_> {
    fn lt_zero(&mut self, terms: &[(Wire, i128)], c: i128, bits: u32, negate: bool) -> Wire {
        let l = form_value(terms, c);
        let beta = l.map(|l| (l < 0) as i128);
        // E2: acc − β = 0, or acc + β − 1 = 0.
        let e2 = if negate { (1, 0, -1) } else { (-1, 0, 0) };
        self.sign_row(terms, c, bits, beta, e2, Some(0))
    }

    fn sign_pair(&mut self, terms: &[(Wire, i128)], c: i128, bits: u32, out: Pair) -> Wire {
        let l = form_value(terms, c);
        let lt = l.map(|l| (l < 0) as i128);
        self.sign_row(terms, c, bits, lt, (-1, 0, 0), Some(0));
        let neg: Vec<(Wire, i128)> = terms.iter().map(|&(w, k)| (w, -k)).collect();
        let gt = l.map(|l| (l > 0) as i128);
        let e2 = match out {
            Pair::IsZero => (1, 1, -1),
            Pair::Sign => (-1, 1, 0),
            Pair::NonZero => (-1, -1, 0),
        };
        self.sign_row(&neg, -c, bits, gt, e2, lt)
    }

    fn logic(&mut self, op: Logic, a: &Wire, b: &Wire) -> Wire {
        let row = self.next_row();
        let x0 = self.copy_in(a, Adv::X(0), row);
        let (wx, q, c) = match op {
            Logic::Not => ((-1, 0), 0, 1),
            Logic::And => ((0, 0), 1, 0),
            Logic::Or => ((1, 1), -1, 0),
            Logic::Xor => ((1, 1), -2, 0),
        };
        let x1 = if op == Logic::Not {
            None
        } else {
            Some(self.copy_in(b, Adv::X(1), row))
        };
        self.seti(Fix::Wx(0), row, wx.0);
        self.seti(Fix::Wx(1), row, wx.1);
        self.seti(Fix::QMul, row, q);
        self.seti(Fix::C1, row, c);
        self.set(Fix::A1, row, -Fr::ONE);
        let y = x1.map_or(Some(0), |w| w.val);
        let z = x0
            .val
            .zip(y)
            .map(|(u, v)| wx.0 * u + wx.1 * v + q * u * v + c);
        self.put(Adv::Acc, row, z)
    }

    fn select_by(&mut self, c: &Wire, a: Operand, b: Operand) -> Wire {
        let z = c
            .val
            .zip(a.val())
            .zip(b.val())
            .map(|((c, a), b)| b + c * (a - b));
        let row = match (a, b) {
            (Operand::Cell(aw, ka), Operand::Cell(bw, kb)) => {
                let r1 = self.next_row();
                self.copy_in(&aw, Adv::X(0), r1);
                self.copy_in(&bw, Adv::X(1), r1);
                self.seti(Fix::Wx(0), r1, ka);
                self.seti(Fix::Wx(1), r1, -kb);
                self.set(Fix::A1, r1, -Fr::ONE);
                let dv = a.val().zip(b.val()).map(|(a, b)| a - b);
                let d = self.put(Adv::Acc, r1, dv);
                let r2 = self.next_row();
                self.copy_in(c, Adv::X(0), r2);
                self.copy_in(&d, Adv::X(1), r2);
                self.copy_in(&bw, Adv::X(2), r2);
                self.set(Fix::QMul, r2, Fr::ONE);
                self.seti(Fix::Wx(2), r2, kb);
                r2
            }
            (Operand::Cell(aw, ka), Operand::Const(bc)) => {
                let r = self.next_row();
                self.copy_in(c, Adv::X(0), r);
                self.copy_in(&aw, Adv::X(1), r);
                self.seti(Fix::QMul, r, ka);
                self.seti(Fix::Wx(0), r, -bc);
                self.seti(Fix::C1, r, bc);
                r
            }
            (Operand::Const(ac), Operand::Cell(bw, kb)) => {
                let r = self.next_row();
                self.copy_in(c, Adv::X(0), r);
                self.copy_in(&bw, Adv::X(1), r);
                self.seti(Fix::QMul, r, -kb);
                self.seti(Fix::Wx(0), r, ac);
                self.seti(Fix::Wx(1), r, kb);
                r
            }
            (Operand::Const(ac), Operand::Const(bc)) => {
                let r = self.next_row();
                self.copy_in(c, Adv::X(0), r);
                self.seti(Fix::Wx(0), r, ac - bc);
                self.seti(Fix::C1, r, bc);
                r
            }
        };
        // E1: … − acc = 0; E2: acc + 2^(b−1) − Σ limbs = 0.
        self.set(Fix::A1, row, -Fr::ONE);
        let off = self.act_offset();
        self.set(Fix::A2, row, Fr::ONE);
        self.seti(Fix::C2, row, off);
        let mut next = 0;
        let bits = self.shape.act_bits;
        self.range_limbs(row, Eqn::E2, &mut next, z.map(|z| z + off), bits, -Fr::ONE);
        self.put(Adv::Acc, row, z)
    }
}

/// `Σ w_i·x_i + c` of the cells' values.
fn form_value(terms: &[(Wire, i128)], c: i128) -> Option<i128> {
    terms
        .iter()
        .try_fold(c, |s, (w, k)| w.val.map(|v| s + k * v))
}

#[cfg(test)]
mod tests;
