//! Max and min: Relu, Clip, MaxPool, Max/Min, ReduceMax/ReduceMin.
//!
//! Relation, one row: `z = max(x, o)` (or `min`), where `x` is a copied input and
//! `o` is either a constant `s0` or the previous row's `acc` (a running maximum).
//!
//! ```text
//! x_0 = x (copy), acc = z, lk = limbs(±(z − x)) ++ limbs(±(z − o))
//! E3: (acc − x_0)·(acc − s1·acc[-1] − s0) = 0                z ∈ {x, o}
//! E1 (max): acc − x_0 − Σ 2^(t·k)·ℓ_k = 0                    z − x ∈ [0, 2^β)
//! E2 (max): acc − s1·acc[-1] − s0 − Σ 2^(t·k)·ℓ'_k = 0       z − o ∈ [0, 2^β)
//! (min: both differences negated)
//! ```
//!
//! Soundness: `z ∈ {x, o}` and `z ≥ x`, `z ≥ o` over the integers (the
//! differences are small, `2^β ≪ p`), so `z = max(x, o)`. `β = b` bits for two
//! activations (`|x − o| < 2^b`), more for a far constant. Degree 4 (E3).
//!
//! With `x` known to lie in `[lo, 2^(b−1))` (the output of a Relu or a Clip's
//! lower bound), `min(x, c)` checks `x − z` on `bits(2^(b−1) − 1 − c)` bits and
//! `c − z` on `bits(c − lo)` bits: the honest differences fit, and any widths
//! keep the argument sound.
//!
//! A max over `K` values (MaxPool window) is `K` rows: `acc = v_1` (copy), then
//! `acc = max(v_i, acc[-1])`; a min likewise with min rows.

use halo2_axiom::halo2curves::{bn256::Fr, ff::Field};

use super::{range::bits_for, range::RangeInstructions, Adv, Builder, Eqn, Fix, Wire};

/// The second operand of a select row.
#[derive(Clone, Copy, Debug)]
pub enum Other {
    /// The previous row's `acc`, with its value.
    Prev(Option<i128>),
    /// A constant.
    Const(i128),
}

/// Max/min instructions.
pub trait SelectInstructions {
    /// `max(x, 0)`.
    fn relu(&mut self, x: &Wire) -> Wire;
    /// `max(x, c)`.
    fn max_const(&mut self, x: &Wire, c: i128) -> Wire;
    /// `min(x, c)`.
    fn min_const(&mut self, x: &Wire, c: i128) -> Wire;
    /// `max(xs)` (at least one value).
    fn max_all(&mut self, xs: &[Wire]) -> Wire {
        self.extreme_all(xs, true)
    }
    /// `min(xs)` (at least one value).
    fn min_all(&mut self, xs: &[Wire]) -> Wire {
        self.extreme_all(xs, false)
    }
    /// `max(xs)` when `is_max`, else `min(xs)`: `acc = x_1` (copy), then one
    /// select row per further value against the previous row's `acc`.
    ///
    /// # Panics
    /// If `xs` is empty.
    fn extreme_all(&mut self, xs: &[Wire], is_max: bool) -> Wire;
    /// One select row (see the module doc), differences checked to the default width.
    fn select_row(&mut self, x: &Wire, other: Other, is_max: bool) -> Wire {
        self.select_row_bits(x, other, is_max, None)
    }
    /// `min(x, c)` where the caller knows `x ∈ [lo, 2^(b−1))`: the differences get
    /// tighter widths (`x − z < 2^(b−1) − c`, `c − z ≤ c − lo`), often one limb fewer.
    fn min_const_above(&mut self, x: &Wire, c: i128, lo: i128) -> Wire;
    /// One select row with explicit difference widths `(β_x, β_o)` (`None`: the default).
    fn select_row_bits(
        &mut self,
        x: &Wire,
        other: Other,
        is_max: bool,
        bits: Option<(u32, u32)>,
    ) -> Wire;
}

impl SelectInstructions for Builder<'_> {
    fn relu(&mut self, x: &Wire) -> Wire {
        self.select_row(x, Other::Const(0), true)
    }

    fn max_const(&mut self, x: &Wire, c: i128) -> Wire {
        self.select_row(x, Other::Const(c), true)
    }

    fn min_const(&mut self, x: &Wire, c: i128) -> Wire {
        self.select_row(x, Other::Const(c), false)
    }

    fn min_const_above(&mut self, x: &Wire, c: i128, lo: i128) -> Wire {
        let top = self.act_offset() - 1;
        if lo > c || c >= top {
            return self.min_const(x, c);
        }
        let bx = bits_for((top - c) as u128);
        let bo = bits_for((c - lo) as u128);
        self.select_row_bits(x, Other::Const(c), false, Some((bx, bo)))
    }

    fn extreme_all(&mut self, xs: &[Wire], is_max: bool) -> Wire {
        assert!(!xs.is_empty(), "max/min of no values");
        if xs.len() == 1 {
            return xs[0];
        }
        let row = self.next_row();
        let mut cur = self.copy_in(&xs[0], Adv::Acc, row);
        for x in &xs[1..] {
            cur = self.select_row(x, Other::Prev(cur.val), is_max);
        }
        cur
    }

    fn select_row_bits(
        &mut self,
        x: &Wire,
        other: Other,
        is_max: bool,
        bits: Option<(u32, u32)>,
    ) -> Wire {
        let row = self.next_row();
        if self.counting() && x.val.is_none() {
            // Counting: the row's range cells below, no values or fixed entries.
            let s0 = match other {
                Other::Prev(_) => 0i128,
                Other::Const(c) => c,
            };
            let half = self.act_offset();
            let beta = self.shape.act_bits.max(bits_for((half + s0.abs()) as u128));
            let (beta_x, beta_o) = bits.unwrap_or((beta, beta));
            let mut next = 0;
            self.range_limbs_in(row, &[], &mut next, None, beta_x);
            self.range_limbs_in(row, &[], &mut next, None, beta_o);
            return self.put(Adv::Acc, row, None);
        }
        let x0 = self.copy_in(x, Adv::X(0), row);
        let (s1, s0, o) = match other {
            Other::Prev(v) => (1i128, 0i128, v),
            Other::Const(c) => (0, c, Some(c)),
        };
        let z = x0
            .val
            .zip(o)
            .map(|(x, o)| if is_max { x.max(o) } else { x.min(o) });
        let sign: i128 = if is_max { 1 } else { -1 };
        let half = self.act_offset();
        let beta = self.shape.act_bits.max(bits_for((half + s0.abs()) as u128));
        let (beta_x, beta_o) = bits.unwrap_or((beta, beta));
        self.set(Fix::QSel, row, Fr::ONE);
        self.seti(Fix::S1, row, s1);
        self.seti(Fix::S0, row, s0);
        // E1: sign·(acc − x0) − Σ limbs = 0
        self.seti(Fix::A1, row, sign);
        self.seti(Fix::Wx(0), row, -sign);
        let mut next = 0;
        let d1 = z.zip(x0.val).map(|(z, x)| sign * (z - x));
        self.range_limbs(row, Eqn::E1, &mut next, d1, beta_x, -Fr::ONE);
        // E2: sign·(acc − s1·acc[-1] − s0) − Σ limbs = 0
        self.seti(Fix::A2, row, sign);
        self.seti(Fix::P2, row, -sign * s1);
        self.seti(Fix::C2, row, -sign * s0);
        let d2 = z.zip(o).map(|(z, o)| sign * (z - o));
        self.range_limbs(row, Eqn::E2, &mut next, d2, beta_o, -Fr::ONE);
        self.put(Adv::Acc, row, z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::{
        arith::ArithInstructions,
        fe,
        test_utils::{check_all_tampering, GadgetCircuit},
    };

    #[test]
    fn relu_clip() {
        for v in [-300i128, -1, 0, 1, 57, 300] {
            let c = GadgetCircuit::new(move |b| {
                let x = b.input(Some(v), true);
                let r = b.relu(&x);
                b.make_public(&r);
                let lo = b.max_const(&x, -5);
                let cl = b.min_const(&lo, 60);
                b.make_public(&cl);
                let tight = b.min_const_above(&lo, 60, -5);
                b.make_public(&tight);
            });
            c.assert_ok();
            let p = c.publics();
            assert_eq!(p[1], fe(v.max(0)));
            assert_eq!(p[2], fe(v.clamp(-5, 60)));
            assert_eq!(p[3], fe(v.clamp(-5, 60)));
            check_all_tampering(&c);
        }
    }

    #[test]
    fn min_chain() {
        for vals in [
            &[5i128, -3, 9, -3, 2][..],
            &[-8, -9][..],
            &[4][..],
            &[-32768, 32767][..],
        ] {
            let c = GadgetCircuit::new(move |b| {
                let xs: Vec<Wire> = vals.iter().map(|&v| b.input(Some(v), true)).collect();
                let m = b.min_all(&xs);
                b.make_public(&m);
            });
            c.assert_ok();
            assert_eq!(
                *c.publics().last().unwrap(),
                fe(*vals.iter().min().unwrap())
            );
            check_all_tampering(&c);
            // A claimed minimum that is not the minimum is rejected.
            let mut publics = c.publics();
            *publics.last_mut().unwrap() = fe(*vals.iter().min().unwrap() + 1);
            let p = halo2_axiom::dev::MockProver::run(c.k(), &c, vec![publics]).expect("synthesis");
            assert!(p.verify().is_err(), "{vals:?}");
        }
    }

    #[test]
    fn max_chain() {
        for vals in [&[5i128, -3, 9, 9, 2][..], &[-8, -9][..], &[4][..]] {
            let c = GadgetCircuit::new(move |b| {
                let xs: Vec<Wire> = vals.iter().map(|&v| b.input(Some(v), true)).collect();
                let m = b.max_all(&xs);
                b.make_public(&m);
            });
            c.assert_ok();
            assert_eq!(
                *c.publics().last().unwrap(),
                fe(*vals.iter().max().unwrap())
            );
            check_all_tampering(&c);
        }
    }
}
