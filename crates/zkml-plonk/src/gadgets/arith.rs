//! Model inputs, constants, and the product of two activations.
//!
//! * Public input: a cell with no gate, bound to the instance column by a copy
//!   constraint; `n + 1` per row (`x_0 … x_{n−1}, acc`).
//! * Private input: `acc = v` with `E2: acc + 2^(b−1) − Σ 2^(t·k)·ℓ_k = 0`, so
//!   `v ∈ [−2^(b−1), 2^(b−1))` (the executor's input range), one row each.
//! * Constant `c`: `acc = c` with `E1: c − acc = 0` (the constant is fixed, in
//!   the verifying key); one row per distinct constant.
//! * Product `y = rshift(a·b, d)`: `x_0 = a, x_1 = b` (copies), `q_mul = 1`, then
//!   the rescale tail of [`super::linear`] on the same row:
//!   `E1: x_0·x_1 + 2^(d−1) − 2^d·acc − Σ 2^(t·k)·r_k = 0`, `E2`: `acc` in range.
//!   Degree 3. Soundness as in [`super::linear`] with `S = a·b`.

use halo2_axiom::halo2curves::{bn256::Fr, ff::Field};

use super::{linear::LinearInstructions, range::RangeInstructions, Adv, Builder, Eqn, Fix, Wire};

/// Input, constant and product instructions.
pub trait ArithInstructions {
    /// A model input value; public (bound to the next public value) or private (range checked).
    fn input(&mut self, v: Option<i128>, public: bool) -> Wire;
    /// A free witness cell (private weights): no constraint of its own; packed
    /// `n + 1` per row.
    fn free(&mut self, v: Option<i128>) -> Wire;
    /// A cell constrained to the constant `c` (one per distinct value).
    fn constant(&mut self, c: i128) -> Wire;
    /// `rshift(a·b, shift)`.
    fn mul(&mut self, a: &Wire, b: &Wire, shift: u32) -> Wire {
        self.mul_max(a, b, 0, shift, None)
    }
    /// `rshift(a·b + c, shift)`, or its max with `lo` (see [`super::linear`]).
    fn mul_max(&mut self, a: &Wire, b: &Wire, c: i128, shift: u32, max_with: Option<i128>) -> Wire;
}

impl ArithInstructions for Builder<'_> {
    fn free(&mut self, v: Option<i128>) -> Wire {
        let n = self.shape.n;
        let (row, slot) = match self.in_row {
            Some((r, s)) if s <= n && r + 1 == self.row => (r, s),
            _ => (self.next_row(), 0),
        };
        self.in_row = Some((row, slot + 1));
        let col = if slot < n { Adv::X(slot) } else { Adv::Acc };
        self.put(col, row, v)
    }

    fn input(&mut self, v: Option<i128>, public: bool) -> Wire {
        if public {
            let w = self.free(v);
            self.make_public(&w);
            w
        } else {
            let row = self.next_row();
            let w = self.put(Adv::Acc, row, v);
            let off = self.act_offset();
            self.set(Fix::A2, row, Fr::ONE);
            self.seti(Fix::C2, row, off);
            let mut next = 0;
            let b = self.shape.act_bits;
            self.range_limbs(row, Eqn::E2, &mut next, v.map(|v| v + off), b, -Fr::ONE);
            w
        }
    }

    fn constant(&mut self, c: i128) -> Wire {
        if let Some(w) = self.consts.get(&c) {
            return *w;
        }
        let row = self.next_row();
        self.set(Fix::A1, row, -Fr::ONE);
        self.seti(Fix::C1, row, c);
        let w = self.put(Adv::Acc, row, Some(c));
        self.consts.insert(c, w);
        w
    }

    fn mul_max(&mut self, a: &Wire, b: &Wire, c: i128, shift: u32, max_with: Option<i128>) -> Wire {
        let row = self.next_row();
        self.copy_in(a, Adv::X(0), row);
        self.copy_in(b, Adv::X(1), row);
        self.set(Fix::QMul, row, Fr::ONE);
        let prod = a.val.zip(b.val).map(|(a, b)| a * b + c);
        self.rescale_tail(row, prod, c, shift, max_with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::{
        fe,
        test_utils::{check_all_tampering, GadgetCircuit},
    };
    use zkml_core::rounding::rshift;

    #[test]
    fn mul_private_inputs_and_constants() {
        for (a, b, d) in [(123i128, -45i128, 4u32), (-7, -9, 0), (0, 5, 2)] {
            let c = GadgetCircuit::new(move |bl| {
                let x = bl.input(Some(a), false);
                let y = bl.input(Some(b), true);
                let k = bl.constant(3);
                let p = bl.mul(&x, &y, d);
                let q = bl.mul(&p, &k, 0);
                bl.make_public(&q);
            });
            c.assert_ok();
            let expect = 3 * rshift((a * b) as i64, d) as i128;
            assert_eq!(*c.publics().last().unwrap(), fe(expect));
            check_all_tampering(&c);
        }
    }

    #[test]
    fn private_input_out_of_range_fails() {
        let c = GadgetCircuit::with_shape(
            |bl| {
                bl.input(Some(1 << 7), false);
            },
            2,
            8,
            8,
        );
        assert!(c.mock().verify().is_err());
    }
}
