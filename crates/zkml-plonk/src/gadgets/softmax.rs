//! Softmax of one lane (`zkml_core::ops::softmax`), bit-exact:
//!
//! ```text
//! m = max q_i,   e_i = exp_int(q_i − m),   S = Σ e_i,   y_i = rdiv(e_i·2^s, S)
//! ```
//!
//! Rows for a lane of `K` values (`n` = MAC width):
//!
//! ```text
//! max:  K select rows (super::select::SelectInstructions::max_all)   m = max q_i
//! per i:
//!   diff:   x_0 = q_i, x_1 = m (copies), acc = d_i
//!           E1: x_0 − x_1 − acc = 0                                  d_i = q_i − m ≤ 0
//!           (at an input scale above 12, `h` = the table shift: the diff row is
//!           super::linear's `d_i = rshift(q_i − m, h)`, remainder and d_i range
//!           checked, `d_i ≥ −(2^b − 1)/2^h ≥ −2^(b−1)`; the table reads at s − h)
//!   clamp:  c_i = max(d_i, −D) (select row; only if −D > −(2^b − 1))
//!   lookup: e_i = exp_int(c_i) (super::table lookup row; exp saturates to e(−D) below −D)
//! sum:  ⌈K/n⌉ rows, x = e (copies), acc = running sum
//!       E1: Σ x_j + p1·acc[-1] − acc = 0  (p1 = 0 on the first row)     S = Σ e_i
//! per i, division y = rdiv(e·2^s, S) ⇔ 2e·2^s + S = 2S·y + r, 0 ≤ r < 2S:
//!   D1: x_0 = S, x_2 = e (copies), x_1 = y, acc = r, lk = limbs(r)
//!       E1: −2·x_0·x_1 + x_0 + 2^(s+1)·x_2 − acc = 0
//!       E2: acc − Σ 2^(t·k)·ℓ_k = 0                                    r ∈ [0, 2^ρ)
//!   D2: x_0 = S (copy), acc = y (copy of D1.x_1), lk = limbs(2S − 1 − r) ++ limbs(y)
//!       E1: 2·x_0 − 1 − acc[-1] − Σ 2^(t·k)·ℓ_k = 0                     r ≤ 2S − 1
//!       E2: acc − Σ 2^(t·k)·ℓ'_k = 0                                   y ∈ [0, 2^(s+1))
//! ```
//!
//! `ρ = bits(2·K·e_max − 1)`, `e_max = 2^s_e` (`e(0)`). Soundness: the max
//! rows make `m` the maximum; `d_i` is exact; the clamp and lookup rows make
//! `e_i` the spec's entry (saturation, [`super::table`]); `S` is an exact sum
//! of bounded integers; in D1/D2 every term is a bounded integer far below
//! `p`, so `2S·y + r = 2e·2^s + S` over the integers with `0 ≤ r < 2S`: `y`
//! is the rounding quotient. Degree: the main gate's (E1's product is degree 3).
//! Rows per element: 6 (+ `1/n` for the sum).

use halo2_axiom::halo2curves::{bn256::Fr, ff::Field};
use zkml_core::rounding::rdiv;

use super::{
    fe, linear::LinearInstructions, pow2, range::bits_for, range::RangeInstructions,
    select::SelectInstructions, table::FnTable, table::TableInstructions, Adv, Builder, Eqn, Fix,
    Wire,
};

/// Softmax instructions.
pub trait SoftmaxInstructions {
    /// Softmax of one lane: `t` is the exponential's table ([`super::table::FnKind::Exp`]),
    /// `shift` the bits the differences are rounded off before it
    /// (`zkml_core::ops::softmax::exp_table_shift`), `out_scale` the output
    /// scale exponent (≥ 0).
    fn softmax_lane(&mut self, xs: &[Wire], t: &FnTable, shift: u32, out_scale: u32) -> Vec<Wire>;
}

impl SoftmaxInstructions for Builder<'_> {
    fn softmax_lane(&mut self, xs: &[Wire], t: &FnTable, shift: u32, out_scale: u32) -> Vec<Wire> {
        assert!(!xs.is_empty(), "softmax of an empty lane");
        assert!(self.shape.n >= 3, "softmax needs a MAC width of at least 3");
        let m = self.max_all(xs);
        // Exponentials.
        let es: Vec<Wire> = xs
            .iter()
            .map(|x| {
                if shift > 0 {
                    let d = self.linear(&[(*x, 1), (m, -1)], 0, shift);
                    return self.table_fn(t, &d);
                }
                let row = self.next_row();
                let q = self.copy_in(x, Adv::X(0), row);
                let mm = self.copy_in(&m, Adv::X(1), row);
                self.set(Fix::Wx(0), row, Fr::ONE);
                self.set(Fix::Wx(1), row, -Fr::ONE);
                self.set(Fix::A1, row, -Fr::ONE);
                let d = self.put(Adv::Acc, row, q.val.zip(mm.val).map(|(q, m)| q - m));
                self.table_fn(t, &d)
            })
            .collect();
        // S = Σ e.
        let n = self.shape.n;
        let mut s: Option<Wire> = None;
        for chunk in es.chunks(n) {
            let row = self.next_row();
            let mut sum = s.map_or(Some(0), |s| s.val);
            for (j, e) in chunk.iter().enumerate() {
                self.copy_in(e, Adv::X(j), row);
                self.set(Fix::Wx(j), row, Fr::ONE);
                sum = sum.zip(e.val).map(|(a, b)| a + b);
            }
            if s.is_some() {
                self.set(Fix::P1, row, Fr::ONE);
            }
            self.set(Fix::A1, row, -Fr::ONE);
            s = Some(self.put(Adv::Acc, row, sum));
        }
        let s = s.expect("non-empty lane");
        // Divisions.
        let e_max = t.kind.eval(0).max(1) as u128;
        let rho = bits_for(2 * xs.len() as u128 * e_max - 1);
        let y_bits = out_scale + 1;
        es.iter()
            .map(|e| {
                let y = e.val.zip(s.val).map(|(e, s)| {
                    rdiv(
                        i64::try_from(e << out_scale).expect("softmax numerator"),
                        i64::try_from(s).expect("softmax sum"),
                    ) as i128
                });
                let r = e
                    .val
                    .zip(s.val)
                    .zip(y)
                    .map(|((e, s), y)| 2 * (e << out_scale) + s - 2 * s * y);
                // D1.
                let d1 = self.next_row();
                self.copy_in(&s, Adv::X(0), d1);
                let yw = self.put(Adv::X(1), d1, y);
                self.copy_in(e, Adv::X(2), d1);
                self.set(Fix::QMul, d1, -fe(2));
                self.set(Fix::Wx(0), d1, Fr::ONE);
                self.set(Fix::Wx(2), d1, pow2(out_scale + 1));
                self.set(Fix::A1, d1, -Fr::ONE);
                self.put(Adv::Acc, d1, r);
                self.set(Fix::A2, d1, Fr::ONE);
                let mut next = 0;
                self.range_limbs(d1, Eqn::E2, &mut next, r, rho, -Fr::ONE);
                // D2.
                let d2 = self.next_row();
                self.copy_in(&s, Adv::X(0), d2);
                self.seti(Fix::Wx(0), d2, 2);
                self.set(Fix::C1, d2, -Fr::ONE);
                self.set(Fix::P1, d2, -Fr::ONE);
                let mut next = 0;
                let slack = s.val.zip(r).map(|(s, r)| 2 * s - 1 - r);
                self.range_limbs(d2, Eqn::E1, &mut next, slack, rho, -Fr::ONE);
                let out = self.copy_in(&yw, Adv::Acc, d2);
                self.set(Fix::A2, d2, Fr::ONE);
                self.range_limbs(d2, Eqn::E2, &mut next, y, y_bits, -Fr::ONE);
                out
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::{
        arith::ArithInstructions,
        table::FnKind,
        test_utils::{check_all_tampering, GadgetCircuit},
    };
    use ndarray::{ArrayD, IxDyn};
    use zkml_core::ops::softmax::softmax_int;

    fn run(lane: &'static [i128], in_scale: i32, s: i32, tamper: bool) {
        run_bits(lane, in_scale, s, tamper, 12)
    }

    fn run_bits(lane: &'static [i128], in_scale: i32, s: i32, tamper: bool, bits: u32) {
        let shift = zkml_core::ops::softmax::exp_table_shift(in_scale);
        let t = FnTable::new(
            FnKind::Exp {
                in_scale: in_scale - shift as i32,
                exp_scale: s,
            },
            bits,
        )
        .unwrap();
        let tc = t.clone();
        let c = GadgetCircuit::with_shape(
            move |b| {
                let xs: Vec<Wire> = lane.iter().map(|&v| b.input(Some(v), true)).collect();
                for y in b.softmax_lane(&xs, &tc, shift, s as u32) {
                    b.make_public(&y);
                }
            },
            4,
            8,
            bits,
        );
        c.assert_ok();
        let x = ArrayD::from_shape_vec(
            IxDyn(&[lane.len()]),
            lane.iter().map(|&v| v as i64).collect(),
        )
        .unwrap();
        let want = softmax_int(&x, 0, in_scale, s, s);
        let p = c.publics();
        let got = &p[lane.len()..];
        for (g, w) in got.iter().zip(want.iter()) {
            assert_eq!(*g, fe(*w as i128));
        }
        if tamper {
            check_all_tampering(&c);
        }
    }

    #[test]
    fn softmax_exact_and_every_cell_matters() {
        // Saturated (−2000 is far below −D), ties for the max, a value at 0.
        run(&[100, -2000, 37, 100, 0, -5], 6, 7, true);
    }

    #[test]
    fn softmax_exact_more_lanes() {
        run(&[5], 6, 7, false);
        run(&[-2048, 2047, 0, 1, -1, 300, 299, 2000, -7], 6, 8, false);
        run(&[3, 3, 3, 3, 3], 4, 6, false);
    }

    #[test]
    fn softmax_without_saturation_every_cell_matters() {
        // 8-bit activations at scale 8, exp scale 10: exp is strictly monotone on
        // [−255, 0], the table spans the domain (no clamp row).
        let t = FnTable::new(
            FnKind::Exp {
                in_scale: 8,
                exp_scale: 10,
            },
            8,
        )
        .unwrap();
        assert_eq!(t.lo, t.dmin);
        run_bits(&[-128, 127, 0, 9, -100], 8, 10, true, 8);
    }

    /// Above scale 12 the differences are rounded before the table (one
    /// linear row instead of the diff row): exact against the executor, every
    /// cell constrained, and the table is the scale-12 one.
    #[test]
    fn softmax_at_a_fine_scale_rounds_before_the_table() {
        assert_eq!(zkml_core::ops::softmax::exp_table_shift(13), 1);
        // Odd differences (rounding half up at the shift), a saturated entry.
        run_bits(&[9000, 8999, 8997, -20000, 0, 9000], 13, 4, true, 16);
        run_bits(&[-32768, 32767, 1, 2, 3], 15, 6, false, 16);
    }
}
