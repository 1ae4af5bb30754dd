//! Range checks by limb lookups.
//!
//! Relation: `v ∈ [0, 2^b)`. The value is split into `m = ⌈b/t⌉` limbs
//! `v = Σ_k 2^(t·k)·ℓ_k`, limb `k < m−1` of width `t` and the top limb of width
//! `b − t(m−1)`. Each limb sits in an `lk` cell whose `tag` is its width, so the
//! lookup `(tag, ℓ) ∈ {(w, v): w ∈ W, 0 ≤ v < 2^w}` proves `0 ≤ ℓ < 2^w`; the
//! sum `Σ 2^(t·k)·ℓ_k` enters E1 or E2 of the same row (weights `u1`/`u2`), so
//! the equation the caller writes states `expr = Σ 2^(t·k)·ℓ_k`, i.e.
//! `expr ∈ [0, 2^b)` (no wrap-around: `2^b ≪ p`).
//!
//! Row layout: limbs take consecutive `lk` cells of the caller's row. Degree:
//! the lookups are degree 4 (no selector: an unused cell is `(0, 0)`, which
//! is in the table).
//!
//! The table holds `(0, 0)` and `(w, v)` for each width `w ∈ W` used by the
//! model and `0 ≤ v < 2^w`: `1 + Σ 2^w` rows, never more than `2^k`.

use halo2_axiom::halo2curves::bn256::Fr;

use super::{fe, lk_weight, pow2, Adv, Builder, Eqn, Fix};

/// Range-check instructions.
pub trait RangeInstructions {
    /// Adds `coef·Σ_k 2^(t·k)·ℓ_k` to equation `eq` of `row`, where the limbs
    /// `ℓ_k` of `v ∈ [0, 2^bits)` are placed in lk cells from `*next` on
    /// (advanced past them). With `coef = −1` the equation states `… = v`.
    fn range_limbs(
        &mut self,
        row: usize,
        eq: Eqn,
        next: &mut usize,
        v: Option<i128>,
        bits: u32,
        coef: Fr,
    ) {
        self.range_limbs_in(row, &[(eq, coef)], next, v, bits)
    }

    /// As [`Self::range_limbs`], adding the weighted sum to several equations.
    fn range_limbs_in(
        &mut self,
        row: usize,
        eqs: &[(Eqn, Fr)],
        next: &mut usize,
        v: Option<i128>,
        bits: u32,
    );
}

impl RangeInstructions for Builder<'_> {
    fn range_limbs_in(
        &mut self,
        row: usize,
        eqs: &[(Eqn, Fr)],
        next: &mut usize,
        v: Option<i128>,
        bits: u32,
    ) {
        let t = self.shape.t;
        assert!(t > 0, "range limb width not set");
        if self.planning {
            // Planning assigns nothing: the loop below would only count
            // `⌈bits/t⌉` limbs, of width `t` but the last (`bits mod t`).
            if bits > 0 {
                if bits >= t {
                    self.use_width(t);
                }
                if !bits.is_multiple_of(t) {
                    self.use_width(bits % t);
                }
                *next += bits.div_ceil(t) as usize;
                self.max_lk = self.max_lk.max(*next);
            }
            return;
        }
        let mut off = 0;
        while off < bits {
            let w = t.min(bits - off);
            let j = *next;
            *next += 1;
            self.max_lk = self.max_lk.max(*next);
            self.use_width(w);
            if !self.planning {
                assert!(
                    j < self.shape.l,
                    "row {row} needs more than {} range cells (planner bug)",
                    self.shape.l
                );
                let limb = v.map(|v| (v >> off) & ((1i128 << w) - 1));
                self.put(Adv::Lk(j), row, limb);
                self.seti(Fix::Tag(j), row, w as i128);
                for &(eq, coef) in eqs {
                    self.set(lk_weight(eq, j), row, coef * pow2(off));
                }
            }
            off += w;
        }
        let _ = fe;
    }
}

/// Bits needed to hold `0..=max` (`bits(0) = 0`).
pub fn bits_for(max: u128) -> u32 {
    128 - max.leading_zeros()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::test_utils::{check_all_tampering, GadgetCircuit};
    use halo2_axiom::halo2curves::ff::Field;

    /// `acc = v`, `v ∈ [0, 2^bits)` through E2.
    fn range_circuit(values: &'static [i128], bits: u32) -> GadgetCircuit {
        GadgetCircuit::new(move |b| {
            for &v in values {
                let row = b.next_row();
                let w = b.put(Adv::Acc, row, Some(v));
                b.set(Fix::A2, row, Fr::ONE);
                let mut next = 0;
                b.range_limbs(row, Eqn::E2, &mut next, w.val, bits, -Fr::ONE);
                b.make_public(&w);
            }
        })
    }

    #[test]
    fn honest_in_range_passes_and_every_cell_matters() {
        let c = range_circuit(&[0, 1, 1000, (1 << 13) - 1], 13);
        c.assert_ok();
        check_all_tampering(&c);
    }

    #[test]
    fn out_of_range_fails() {
        let c = range_circuit(&[1 << 13], 13);
        assert!(c.mock().verify().is_err());
        let c = range_circuit(&[-1], 13);
        assert!(c.mock().verify().is_err());
    }

    #[test]
    fn bits() {
        assert_eq!(bits_for(0), 0);
        assert_eq!(bits_for(1), 1);
        assert_eq!(bits_for(255), 8);
        assert_eq!(bits_for(256), 9);
    }
}
