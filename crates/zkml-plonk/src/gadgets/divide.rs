//! Exact division by a run-time cell and the exact integer square root
//! (`zkml_core::rounding::{rdiv_signed, isqrt}`): run-time Div and
//! normalization ([`super::normalize`]).
//!
//! **Divisor.** A divisor cell `d` scaled by a constant `μ ≥ 1` becomes
//! `D = |μ·d| ∈ [1, 2^β]` and, for a divisor of unknown sign, `σ = sign(d)`:
//!
//! ```text
//! P0: x_0 = σ, x_1 = σ (copy of x_0)          E1: x_0·x_1 − 1 = 0            σ ∈ {−1, 1}
//! P1: x_0 = d, x_1 = σ (copies), acc = D      E1: μ·x_0·x_1 − acc = 0        D = σ·μ·d
//! then D − 1 ∈ [0, 2^β)                       (a range chain, below)
//! ```
//! so `d ≠ 0`, `σ = sign(d)`, `D = μ·|d|` (a zero divisor has no proof). A
//! divisor known to be positive (a square root, a sum of absolute values)
//! skips P0 and P1: `D = μ·d` on one row (none for `μ = 1`) and the same check.
//!
//! **Division** `y = ⌊N/(σD) + ½⌋`, numerator `N = Σ_j w_j·z_j` (constant
//! weights; one term when signed), by `σ·(2N + σD) = 2D·y + r`, `0 ≤ r < 2D`:
//!
//! ```text
//! [V1: x_0 = σ, x_1 = z (copies), acc = m      E1: x_0·x_1 − acc = 0]        signed only: m = σ·z
//! V2: x_0 = D (copy), x_1 = y, x_{2+j} = z_j (copies; unsigned), acc = r
//!     E1: −2·x_0·x_1 + x_0 + Σ 2w_j·x_{2+j} [+ 2w·acc[-1]] − acc = 0         r = 2σN + D − 2Dy
//!     E2 (narrow): acc − Σ 2^(t·k)·ℓ_k = 0                                  r ∈ [0, 2^ρ)
//! V3: x_0 = D (copy), [x_1 = slack], acc = y (copy of V2.x_1)
//!     E1: 2·x_0 − 1 − acc[-1] − Σ 2^(t·k)·ℓ'_k [− x_1] = 0                   r ≤ 2D − 1
//!     E2: acc + 2^(b−1) − Σ 2^(t·k)·ℓ''_k = 0                               y in the activation range
//! ```
//! `ρ = β + 2`. When `ρ` needs more than [`NARROW_LIMBS`] limbs, `r` and the
//! slack are range checked by chains instead of in-row limbs.
//!
//! **Square root** `r = ⌊√W⌋`, `W = a·v + c` (`v` a cell, `a`, `c` constants):
//!
//! ```text
//! S1: x_0 = r, x_1 = r (copy), x_2 = v (copy), acc = δ
//!     E1: −x_0·x_1 + a·x_2 + c − acc = 0                                    δ = W − r²
//! S2: x_0 = r (copy), x_1 = ε                 E1: 2·x_0 − acc[-1] − x_1 = 0   ε = 2r − δ
//! then δ, ε ∈ [0, 2^(β+2)), r − 1 ∈ [0, 2^β)     (range chains)
//! ```
//! so `r ≥ 1` and `r² ≤ W ≤ r² + 2r < (r + 1)²`: `r = ⌊√W⌋`, itself a
//! positive divisor (`W ≥ 1` is required; a zero lane has no proof).
//!
//! **Range chain** (`v + o ∈ [0, 2^B)` for a wide `B`): chunks of at most
//! [`NARROW_LIMBS`] limbs, top chunk first, one row each, `acc` the running
//! value `a_j = 2^(c_j)·a_{j−1} + Σ 2^(t·k)·ℓ_k` (E2 with `p2 = −2^(c_j)`); the
//! last row's `acc` is a copy of `v` and adds `o`. Each `a_j ∈ [0, 2^(Σc))`.
//!
//! Soundness: every value in these equations is an integer bounded far below
//! the field size (`|N| < 2^100`, `D ≤ 2^β`, `β ≤ 62`, `|y| < 2^(b−1)`,
//! `r < 2^ρ`), so each equation holds over the integers, and the stated
//! inequalities make `y` the floor of `(2σN + D)/2D` (the only `y` with a
//! remainder in `[0, 2D)`), which is `rdiv_signed(N, σD)`. Degree 3 (E1).
//! The forgery `y + 1, r − 2D` makes `r < 0`: its limbs do not exist.

use halo2_axiom::halo2curves::{bn256::Fr, ff::Field};
use zkml_core::rounding::{isqrt, rdiv_signed};

use super::{fe, pow2, range::RangeInstructions, Adv, Builder, Eqn, Fix, Wire};

/// The most limbs an in-row range check of the division rows uses; wider
/// values go to a range chain (keeps the circuit's `lk` column count low).
pub const NARROW_LIMBS: u32 = 3;

/// A divisor ready for divisions: `D = |μ·d| ≥ 1` and the sign of `d`.
#[derive(Clone, Copy, Debug)]
pub struct Divisor {
    /// `D`.
    pub abs: Wire,
    /// `σ = sign(d)` (`None`: known positive).
    pub sigma: Option<Wire>,
    /// `β`: `D ≤ 2^β`.
    pub bits: u32,
}

/// Division and square-root instructions.
pub trait DivideInstructions {
    /// Proves `v + offset ∈ [0, 2^bits)` for a cell `v` (in-row limbs when
    /// narrow, a range chain otherwise).
    fn range_cell(&mut self, v: &Wire, offset: i128, bits: u32);

    /// `D = |mul·d| ∈ [1, 2^bits]` with `σ = sign(d)` (or, `positive`, `d ≥ 1`
    /// proven and `σ` omitted).
    fn divisor(&mut self, d: &Wire, mul: i128, bits: u32, positive: bool) -> Divisor;

    /// `y = rdiv_signed(Σ w_j·z_j, σ·D)`, `y` range checked to the activation
    /// range. A signed divisor takes one numerator term; a positive one up to
    /// `n − 2` (the MAC width).
    fn div_by(&mut self, num: &[(Wire, i128)], dv: &Divisor) -> Wire;

    /// `r = ⌊√(a·v + c)⌋ ≥ 1` as a positive divisor with `r ≤ 2^bits`.
    fn sqrt_floor(&mut self, v: &Wire, a: i128, c: i128, bits: u32) -> Divisor;
}

impl Builder<'_> {
    fn limbs_for(&self, bits: u32) -> u32 {
        bits.div_ceil(self.shape.t.max(1))
    }

    fn narrow(&self, bits: u32) -> bool {
        self.limbs_for(bits) <= NARROW_LIMBS
    }
}

impl DivideInstructions for Builder<'_> {
    fn range_cell(&mut self, v: &Wire, offset: i128, bits: u32) {
        let t = self.shape.t.max(1);
        let chunk = NARROW_LIMBS * t;
        // Chunk widths, top first (the top one may be narrower).
        let mut widths = vec![];
        let mut left = bits;
        while left > chunk {
            widths.push(chunk);
            left -= chunk;
        }
        widths.push(left);
        widths.reverse();
        let val = v.val.map(|x| x + offset);
        let mut done = 0u32; // bits below the current chunk
        let total = bits;
        for (j, &w) in widths.iter().enumerate() {
            let row = self.next_row();
            let last = j + 1 == widths.len();
            done += w;
            let shift_below = total - done;
            let a = val.map(|x| x >> shift_below);
            let low = a.map(|a| a & ((1i128 << w) - 1));
            if last {
                self.copy_in(v, Adv::Acc, row);
                self.seti(Fix::C2, row, offset);
            } else {
                self.put(Adv::Acc, row, a);
            }
            self.set(Fix::A2, row, Fr::ONE);
            if j > 0 {
                self.set(Fix::P2, row, -pow2(w));
            }
            let mut next = 0;
            self.range_limbs(row, Eqn::E2, &mut next, low, w, -Fr::ONE);
        }
    }

    fn divisor(&mut self, d: &Wire, mul: i128, bits: u32, positive: bool) -> Divisor {
        assert!(mul >= 1, "divisor multiplier {mul}");
        if positive {
            let abs = if mul == 1 {
                *d
            } else {
                let row = self.next_row();
                self.copy_in(d, Adv::X(0), row);
                self.seti(Fix::Wx(0), row, mul);
                self.set(Fix::A1, row, -Fr::ONE);
                self.put(Adv::Acc, row, d.val.map(|v| v * mul))
            };
            self.range_cell(&abs, -1, bits);
            return Divisor {
                abs,
                sigma: None,
                bits,
            };
        }
        let sig = d.val.map(|v| if v < 0 { -1 } else { 1 });
        // P0: σ² = 1.
        let p0 = self.next_row();
        let s = self.put(Adv::X(0), p0, sig);
        self.copy_in(&s, Adv::X(1), p0);
        self.set(Fix::QMul, p0, Fr::ONE);
        self.set(Fix::C1, p0, -Fr::ONE);
        // P1: D = μ·σ·d.
        let p1 = self.next_row();
        self.copy_in(d, Adv::X(0), p1);
        self.copy_in(&s, Adv::X(1), p1);
        self.seti(Fix::QMul, p1, mul);
        self.set(Fix::A1, p1, -Fr::ONE);
        let abs = self.put(Adv::Acc, p1, d.val.map(|v| v.abs() * mul));
        self.range_cell(&abs, -1, bits);
        Divisor {
            abs,
            sigma: Some(s),
            bits,
        }
    }

    fn div_by(&mut self, num: &[(Wire, i128)], dv: &Divisor) -> Wire {
        let sign = dv.sigma.and_then(|s| s.val).unwrap_or(1);
        let y = numer(num).zip(dv.abs.val).map(|(n, d)| {
            // A zero divisor has no proof (the executor refuses it first).
            rdiv_signed(n, sign * d).unwrap_or(0)
        });
        self.div_rows(num, dv, y)
    }

    fn sqrt_floor(&mut self, v: &Wire, a: i128, c: i128, bits: u32) -> Divisor {
        let r = v.val.map(|v| isqrt(a * v + c));
        self.sqrt_rows(v, a, c, bits, r)
    }
}

/// `Σ w_j·z_j` when every value is known.
fn numer(num: &[(Wire, i128)]) -> Option<i128> {
    num.iter()
        .try_fold(0i128, |s, (z, w)| z.val.map(|v| s + v * w))
}

impl Builder<'_> {
    /// The division rows with the quotient `y` as witness (the remainder
    /// follows from it): [`DivideInstructions::div_by`] passes the honest
    /// quotient, tests a forged one.
    pub(crate) fn div_rows(&mut self, num: &[(Wire, i128)], dv: &Divisor, y: Option<i128>) -> Wire {
        let rho = dv.bits + 1;
        let numer = numer(num);
        let sign = dv.sigma.and_then(|s| s.val).unwrap_or(1);
        let d_abs = dv.abs.val;
        let r = numer
            .zip(d_abs)
            .zip(y)
            .map(|((n, d), y)| 2 * sign * n + d - 2 * d * y);
        // V1 (signed): m = σ·z.
        let mut prev_w = None;
        if let Some(s) = dv.sigma {
            assert_eq!(num.len(), 1, "a signed division takes one numerator term");
            let (z, w) = num[0];
            let row = self.next_row();
            self.copy_in(&s, Adv::X(0), row);
            self.copy_in(&z, Adv::X(1), row);
            self.set(Fix::QMul, row, Fr::ONE);
            self.set(Fix::A1, row, -Fr::ONE);
            self.put(Adv::Acc, row, s.val.zip(z.val).map(|(s, z)| s * z));
            prev_w = Some(w);
        } else {
            assert!(
                num.len() + 2 <= self.shape.n,
                "{} numerator terms need a MAC width of {}",
                num.len(),
                num.len() + 2
            );
        }
        // V2.
        let v2 = self.next_row();
        self.copy_in(&dv.abs, Adv::X(0), v2);
        let yw = self.put(Adv::X(1), v2, y);
        self.set(Fix::QMul, v2, -fe(2));
        self.set(Fix::Wx(0), v2, Fr::ONE);
        match prev_w {
            Some(w) => self.set(Fix::P1, v2, fe(2 * w)),
            None => {
                for (j, (z, w)) in num.iter().enumerate() {
                    self.copy_in(z, Adv::X(2 + j), v2);
                    self.set(Fix::Wx(2 + j), v2, fe(2 * w));
                }
            }
        }
        self.set(Fix::A1, v2, -Fr::ONE);
        let rw = self.put(Adv::Acc, v2, r);
        let narrow = self.narrow(rho);
        if narrow {
            self.set(Fix::A2, v2, Fr::ONE);
            let mut next = 0;
            self.range_limbs(v2, Eqn::E2, &mut next, r, rho, -Fr::ONE);
        }
        // V3.
        let v3 = self.next_row();
        self.copy_in(&dv.abs, Adv::X(0), v3);
        self.seti(Fix::Wx(0), v3, 2);
        self.set(Fix::C1, v3, -Fr::ONE);
        self.set(Fix::P1, v3, -Fr::ONE);
        let slack = d_abs.zip(r).map(|(d, r)| 2 * d - 1 - r);
        let mut next = 0;
        let slack_w = if narrow {
            self.range_limbs(v3, Eqn::E1, &mut next, slack, rho, -Fr::ONE);
            None
        } else {
            self.set(Fix::Wx(1), v3, -Fr::ONE);
            Some(self.put(Adv::X(1), v3, slack))
        };
        let out = self.copy_in(&yw, Adv::Acc, v3);
        let off = self.act_offset();
        self.set(Fix::A2, v3, Fr::ONE);
        self.seti(Fix::C2, v3, off);
        let b = self.shape.act_bits;
        self.range_limbs(v3, Eqn::E2, &mut next, y.map(|y| y + off), b, -Fr::ONE);
        if let Some(sw) = slack_w {
            self.range_cell(&rw, 0, rho);
            self.range_cell(&sw, 0, rho);
        }
        out
    }

    /// The square-root rows with the root `r` as witness.
    pub(crate) fn sqrt_rows(
        &mut self,
        v: &Wire,
        a: i128,
        c: i128,
        bits: u32,
        r: Option<i128>,
    ) -> Divisor {
        let w = v.val.map(|v| a * v + c);
        let delta = w.zip(r).map(|(w, r)| w - r * r);
        // S1.
        let s1 = self.next_row();
        let rw = self.put(Adv::X(0), s1, r);
        self.copy_in(&rw, Adv::X(1), s1);
        self.copy_in(v, Adv::X(2), s1);
        self.set(Fix::QMul, s1, -Fr::ONE);
        self.seti(Fix::Wx(2), s1, a);
        self.seti(Fix::C1, s1, c);
        self.set(Fix::A1, s1, -Fr::ONE);
        let dw = self.put(Adv::Acc, s1, delta);
        // S2.
        let s2 = self.next_row();
        self.copy_in(&rw, Adv::X(0), s2);
        self.seti(Fix::Wx(0), s2, 2);
        self.set(Fix::P1, s2, -Fr::ONE);
        self.set(Fix::Wx(1), s2, -Fr::ONE);
        let ew = self.put(Adv::X(1), s2, r.zip(delta).map(|(r, d)| 2 * r - d));
        self.range_cell(&dw, 0, bits + 2);
        self.range_cell(&ew, 0, bits + 2);
        self.range_cell(&rw, -1, bits);
        Divisor {
            abs: rw,
            sigma: None,
            bits,
        }
    }
}

#[cfg(test)]
mod tests;
