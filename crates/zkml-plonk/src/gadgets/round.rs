//! Floor, Ceil, Round (half to even) at scale `2^s`, and Mod by a constant:
//! exact decompositions on the main gate ([`super`]), no gate of its own.
//! Activations lie in `[−2^(b−1), 2^(b−1))`; `1 ≤ s ≤ b − 2`.
//!
//! **Floor** (`z = 2^s·⌊q/2^s⌋`), one row, `o = 2^(b−1−s)`:
//!
//! ```text
//! x_0 = q (copy), lk = limbs(r) (s bits) ++ limbs(k + o) (b − s bits), acc = z
//! E1: x_0 − Σ r − 2^s·(Σ k − o) = 0          q = 2^s·k + r
//! E2: acc − 2^s·(Σ k − o) = 0                z = 2^s·k
//! ```
//!
//! `r ∈ [0, 2^s)`, `k ∈ [−o, o)`: both sides of E1 are integers far below `p`,
//! so `k = ⌊q/2^s⌋` and `r` is the remainder; `z ∈ [−2^(b−1), 2^(b−1))`.
//!
//! **Ceil**: the same row with `E1: x_0 + Σ r − 2^s·(Σ m − o) = 0`
//! (`q = 2^s·m − r`, so `m = ⌈q/2^s⌉`); `m < o` refuses `z = 2^(b−1)`, which
//! the executor's range check refuses too.
//!
//! **Round**, two rows. Row A splits `q = 2^(s+1)·J + 2^s·P + r` (`r` on `s`
//! bits, `P` a bit, `J + 2^(b−2−s)` on `b − 1 − s` bits) and outputs
//! `y = q + 2^(s−1) − 1 + P` (E2 writes `q` through the same limbs):
//!
//! ```text
//! E1: x_0 − Σ r − 2^s·P − 2^(s+1)·(Σ J − o') = 0
//! E2: acc − Σ r − (2^s + 1)·P − 2^(s+1)·(Σ J − o') − 2^(s−1) + 1 = 0
//! ```
//!
//! Row B is Floor of `y = acc[-1]` (`p1 = 1` in place of `x_0`). `P` is bit `s`
//! of `q`, i.e. `⌊q/2^s⌋ mod 2`, and `⌊(q + 2^(s−1) − 1 + P)/2^s⌋` rounds
//! half to even (`zkml_core::ops::round`, tested there against the rule).
//!
//! **Mod** by a constant `D ≠ 0`, `σ = sign(D)`, remainder `r = σ·ρ` with
//! `ρ ∈ [0, U]`, `U = min(|D| − 1, the largest |z| the executor admits)`:
//!
//! ```text
//! A: x_0 = x (copy), lk = limbs(k + o) ++ limbs(ρ), acc = z
//!    E1: x_0 − acc − D·(Σ k − o) = 0            x = D·k + z
//!    E2: σ·acc − Σ ρ = 0                        σ·z ≥ 0
//! B: lk = limbs(U − ρ)
//!    E2: U − σ·acc[-1] − Σ = 0                  σ·z ≤ U
//! ```
//!
//! `x = D·k + z` with `σ·z ∈ [0, |D|)` has one solution: `z = x − D·⌊x/D⌋`, the
//! integer Mod (`fmod = 0`). C `fmod` (`fmod = 1`) is `sign(x)·(|x| mod |D|)`:
//! a sign-bit row `n = [x < 0]` ([`super::compare`]), `|x| = x − 2n·x`
//! (`E1: x_1 − 2·x_0·x_1 − acc = 0`, `x_0 = n`, `x_1 = x`), the Mod rows on
//! `|x|` by `|D|`, and `z = ρ − 2n·ρ` the same way. Degree 3 (E1).

use halo2_axiom::halo2curves::{bn256::Fr, ff::Field};
use zkml_core::ops::RoundMode;

use super::{
    compare::CompareInstructions, fe, pow2, range::bits_for, range::RangeInstructions, Adv,
    Builder, Eqn, Fix, Wire,
};

/// Rounding and Mod instructions.
pub trait RoundInstructions {
    /// Floor / Ceil / Round of `q` at scale `2^s` (`1 ≤ s ≤ b − 2`), fraction bits cleared.
    fn round_to(&mut self, q: &Wire, mode: RoundMode, s: u32) -> Wire;
    /// Mod of `x` by the constant `d ≠ 0` (`fmod` as ONNX); `x` an activation.
    fn modulo(&mut self, x: &Wire, d: i128, fmod: bool) -> Wire;
}

impl Builder<'_> {
    /// The Floor/Ceil row on `q` (or on the previous row's `acc` when `q` is
    /// `None`, with value `prev`): `z = 2^s·k`, `q = 2^s·k ± r`.
    ///
    /// `forge` replaces the honest `k` (tests: a wrong but self-consistent witness).
    fn clear_row(
        &mut self,
        q: Option<&Wire>,
        prev: Option<i128>,
        s: u32,
        ceil: bool,
        forge: Option<i128>,
    ) -> Wire {
        let b = self.shape.act_bits;
        let o = 1i128 << (b - 1 - s);
        let unit = 1i128 << s;
        let row = self.next_row();
        let v = match q {
            Some(w) => {
                self.copy_in(w, Adv::X(0), row);
                self.set(Fix::Wx(0), row, Fr::ONE);
                w.val
            }
            None => {
                self.set(Fix::P1, row, Fr::ONE);
                prev
            }
        };
        let honest = v.map(|v| {
            if ceil {
                -(-v).div_euclid(unit)
            } else {
                v.div_euclid(unit)
            }
        });
        let k = forge.or(honest);
        let r = v
            .zip(k)
            .map(|(v, k)| if ceil { k * unit - v } else { v - k * unit });
        let mut next = 0;
        let r_coef = if ceil { Fr::ONE } else { -Fr::ONE };
        self.range_limbs(row, Eqn::E1, &mut next, r, s, r_coef);
        self.range_limbs_in(
            row,
            &[(Eqn::E1, -pow2(s)), (Eqn::E2, -pow2(s))],
            &mut next,
            k.map(|k| k + o),
            b - s,
        );
        self.seti(Fix::C1, row, o * unit);
        self.set(Fix::A2, row, Fr::ONE);
        self.seti(Fix::C2, row, o * unit);
        self.put(Adv::Acc, row, k.map(|k| k * unit))
    }

    /// Row A of Round: `y = q + 2^(s−1) − 1 + P`.
    fn round_split_row(&mut self, q: &Wire, s: u32) -> Option<i128> {
        let b = self.shape.act_bits;
        let o = 1i128 << (b - 2 - s);
        let unit = 1i128 << s;
        let row = self.next_row();
        self.copy_in(q, Adv::X(0), row);
        self.set(Fix::Wx(0), row, Fr::ONE);
        let r = q.val.map(|v| v.rem_euclid(unit));
        let p = q.val.map(|v| v.div_euclid(unit).rem_euclid(2));
        let j = q.val.map(|v| v.div_euclid(2 * unit));
        let mut next = 0;
        self.range_limbs_in(
            row,
            &[(Eqn::E1, -Fr::ONE), (Eqn::E2, -Fr::ONE)],
            &mut next,
            r,
            s,
        );
        self.range_limbs_in(
            row,
            &[(Eqn::E1, -pow2(s)), (Eqn::E2, -(pow2(s) + Fr::ONE))],
            &mut next,
            p,
            1,
        );
        self.range_limbs_in(
            row,
            &[(Eqn::E1, -pow2(s + 1)), (Eqn::E2, -pow2(s + 1))],
            &mut next,
            j.map(|j| j + o),
            b - 1 - s,
        );
        self.seti(Fix::C1, row, o * 2 * unit);
        self.set(Fix::A2, row, Fr::ONE);
        self.seti(Fix::C2, row, o * 2 * unit - unit / 2 + 1);
        let y = q.val.zip(p).map(|(v, p)| v + unit / 2 - 1 + p);
        self.put(Adv::Acc, row, y);
        y
    }

    /// The Mod rows for `x` with `|x| ≤ x_max`: `z = x − D·⌊x/D⌋` with the
    /// remainder's magnitude at most `u` (see the module doc).
    pub(crate) fn floor_mod(&mut self, x: &Wire, x_max: i128, d: i128, u: i128) -> Wire {
        let z = x.val.map(|v| {
            let r = v.rem_euclid(d.abs());
            if d < 0 && r != 0 {
                r + d
            } else {
                r
            }
        });
        self.floor_mod_with(x, x_max, d, u, z)
    }

    /// [`Self::floor_mod`] with the remainder `z` given (honest, or a
    /// forger's: the quotient `k = (x − z)/D` is computed from it, so the
    /// witness satisfies `x = D·k + z`).
    pub(crate) fn floor_mod_with(
        &mut self,
        x: &Wire,
        x_max: i128,
        d: i128,
        u: i128,
        z: Option<i128>,
    ) -> Wire {
        assert!(d != 0, "Mod by 0");
        let sigma = d.signum();
        let kmax = x_max / d.abs() + 1;
        let kb = bits_for((2 * kmax) as u128);
        let ub = bits_for(u as u128);
        let k = x.val.zip(z).map(|(v, z)| (v - z) / d);
        // Row A.
        let a = self.next_row();
        self.copy_in(x, Adv::X(0), a);
        self.set(Fix::Wx(0), a, Fr::ONE);
        self.set(Fix::A1, a, -Fr::ONE);
        let mut next = 0;
        self.range_limbs(a, Eqn::E1, &mut next, k.map(|k| k + kmax), kb, fe(-d));
        self.seti(Fix::C1, a, d * kmax);
        self.seti(Fix::A2, a, sigma);
        self.range_limbs(a, Eqn::E2, &mut next, z.map(|z| sigma * z), ub, -Fr::ONE);
        let out = self.put(Adv::Acc, a, z);
        // Row B.
        let bq = self.next_row();
        self.seti(Fix::P2, bq, -sigma);
        self.seti(Fix::C2, bq, u);
        let mut next = 0;
        self.range_limbs(
            bq,
            Eqn::E2,
            &mut next,
            z.map(|z| u - sigma * z),
            ub,
            -Fr::ONE,
        );
        out
    }

    /// `x − 2·n·x` for a bit `n` (one row): `|x|` when `n = [x < 0]`.
    fn negate_if(&mut self, n: &Wire, x: &Wire) -> Wire {
        let row = self.next_row();
        self.copy_in(n, Adv::X(0), row);
        self.copy_in(x, Adv::X(1), row);
        self.set(Fix::Wx(1), row, Fr::ONE);
        self.seti(Fix::QMul, row, -2);
        self.set(Fix::A1, row, -Fr::ONE);
        let z = n.val.zip(x.val).map(|(n, x)| x - 2 * n * x);
        self.put(Adv::Acc, row, z)
    }
}

impl RoundInstructions for Builder<'_> {
    fn round_to(&mut self, q: &Wire, mode: RoundMode, s: u32) -> Wire {
        let b = self.shape.act_bits;
        assert!(
            s >= 1 && s + 2 <= b,
            "rounding at scale {s} with {b}-bit activations"
        );
        match mode {
            RoundMode::Floor => self.clear_row(Some(q), None, s, false, None),
            RoundMode::Ceil => self.clear_row(Some(q), None, s, true, None),
            RoundMode::HalfEven => {
                let y = self.round_split_row(q, s);
                self.clear_row(None, y, s, false, None)
            }
        }
    }

    fn modulo(&mut self, x: &Wire, d: i128, fmod: bool) -> Wire {
        let half = self.act_offset();
        if !fmod {
            // The executor admits z ∈ [−2^(b−1), 2^(b−1) − 1].
            let cap = if d > 0 { half - 1 } else { half };
            return self.floor_mod(x, half, d, (d.abs() - 1).min(cap));
        }
        let b = self.shape.act_bits;
        let n = self.lt_zero(&[(*x, 1)], 0, b - 1, false);
        let ax = self.negate_if(&n, x);
        let rho = self.floor_mod(&ax, half, d.abs(), (d.abs() - 1).min(half));
        self.negate_if(&n, &rho)
    }
}

#[cfg(test)]
mod tests;
