//! Rounding division by a constant: `y = rdiv(x, n) = ⌊(2x + n) / 2n⌋`
//! (AveragePool's divisor, `zkml_core::rounding::rdiv`).
//!
//! A power of two `n = 2^d` is `rshift(x, d)` ([`super::linear`], one row).
//! Otherwise two rows (`w = bits(2n − 1)`):
//!
//! ```text
//! A: x_0 = x (copy), x_1 = r, acc = y, lk = limbs(y + 2^(b−1))
//!    E1: 2·x_0 + n − 2n·acc − x_1 = 0
//!    E2: acc + 2^(b−1) − Σ 2^(t·k)·ℓ_k = 0                  y ∈ [−2^(b−1), 2^(b−1))
//! B: acc = r (copy of A.x_1), lk = limbs(r) ++ limbs(2n − 1 − r)
//!    E1: acc − Σ 2^(t·k)·ℓ_k = 0                            r ≥ 0
//!    E2: 2n − 1 − acc − Σ 2^(t·k)·ℓ'_k = 0                  r ≤ 2n − 1
//! ```
//!
//! Soundness: `0 ≤ r < 2n` and `y` small, so `2n·y + r = 2x + n` over the
//! integers: `y = ⌊(2x + n)/2n⌋`. Degree 2.

use halo2_axiom::halo2curves::{bn256::Fr, ff::Field};
use zkml_core::rounding::rdiv;

use super::{
    linear::LinearInstructions, range::bits_for, range::RangeInstructions, Adv, Builder, Eqn, Fix,
    Wire,
};

/// Rounding-division instructions.
pub trait RdivInstructions {
    /// `rdiv(x, n)`, `n ≥ 1`.
    fn rdiv(&mut self, x: &Wire, n: i64) -> Wire;
}

impl RdivInstructions for Builder<'_> {
    fn rdiv(&mut self, x: &Wire, n: i64) -> Wire {
        assert!(n >= 1, "rdiv by {n}");
        if n == 1 {
            return *x;
        }
        if n.count_ones() == 1 {
            return self.linear(&[(*x, 1)], 0, n.trailing_zeros());
        }
        let n = n as i128;
        let y = x
            .val
            .map(|v| rdiv(i64::try_from(v).expect("sum exceeds i64"), n as i64) as i128);
        let r = x.val.zip(y).map(|(v, y)| 2 * v + n - 2 * n * y);
        // Row A.
        let a = self.next_row();
        self.copy_in(x, Adv::X(0), a);
        let rw = self.put(Adv::X(1), a, r);
        self.seti(Fix::Wx(0), a, 2);
        self.seti(Fix::C1, a, n);
        self.seti(Fix::A1, a, -2 * n);
        self.set(Fix::Wx(1), a, -Fr::ONE);
        let out = self.put(Adv::Acc, a, y);
        let off = self.act_offset();
        self.set(Fix::A2, a, Fr::ONE);
        self.seti(Fix::C2, a, off);
        let mut next = 0;
        let b = self.shape.act_bits;
        self.range_limbs(a, Eqn::E2, &mut next, y.map(|y| y + off), b, -Fr::ONE);
        // Row B.
        let bw = bits_for((2 * n - 1) as u128);
        let row = self.next_row();
        self.copy_in(&rw, Adv::Acc, row);
        self.set(Fix::A1, row, Fr::ONE);
        let mut next = 0;
        self.range_limbs(row, Eqn::E1, &mut next, r, bw, -Fr::ONE);
        self.set(Fix::A2, row, -Fr::ONE);
        self.seti(Fix::C2, row, 2 * n - 1);
        self.range_limbs(
            row,
            Eqn::E2,
            &mut next,
            r.map(|r| 2 * n - 1 - r),
            bw,
            -Fr::ONE,
        );
        out
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
    fn matches_core_rdiv() {
        for (x, n) in [
            (17i128, 9i64),
            (-17, 9),
            (-5, 2),
            (100, 4),
            (7, 1),
            (-4, 3),
            (0, 25),
        ] {
            let c = GadgetCircuit::new(move |b| {
                let w = b.input(Some(x), true);
                let y = b.rdiv(&w, n);
                b.make_public(&y);
            });
            c.assert_ok();
            assert_eq!(*c.publics().last().unwrap(), fe(rdiv(x as i64, n) as i128));
            if n > 1 {
                check_all_tampering(&c);
            }
        }
    }
}
