//! Commitments to hidden tensors: range rows, packing, and the blinded
//! Poseidon digest (`committed` visibility).
//!
//! Relation: for values `v_1 … v_N`, each in `[−2^(b−1), 2^(b−1))`, and a
//! blinding `r`,
//!
//! ```text
//! u_i = v_i + 2^(b−1) ∈ [0, 2^b)                       (digits)
//! e_j = Σ_{i<D} 2^(b·i)·u_{jD+i},  D = ⌊252/b⌋          (packed elements, < 2^252 < p)
//! C   = poseidon_hash(e_1, …, e_m, r)                    (the commitment)
//! ```
//!
//! The packing is injective because every digit is range checked and
//! `D·b ≤ 252 < log2 p`: distinct values give distinct `(e_1 … e_m)`, and the
//! sponge's length tag fixes `m`. So `C` binds the values (a second opening is
//! a Poseidon collision) and, with `r` uniform in `F_p`, hides them (Poseidon
//! as a random oracle).
//!
//! # Rows
//!
//! * Range rows ([`CommitInstructions::ranged`]), two values per row when a
//!   value needs at most two limbs of the shape's limb width `t`, else one:
//!
//!   ```text
//!   acc = v:   E2: acc + 2^(b−1) − Σ_k 2^(t·k)·ℓ_k = 0      (degree 2)
//!   x_0 = v':  E1: x_0 + 2^(b−1) − Σ_k 2^(t·k)·ℓ'_k = 0     (degree 2)
//!   ```
//!
//!   the limbs `ℓ`, `ℓ'` in consecutive `lk` cells, each looked up in the range
//!   table ([`super::range`]). A value comes fresh (weights: a witness the rest
//!   of the circuit copies) or as a copy of an existing cell (outputs).
//! * Pack rows ([`CommitInstructions::pack`]): up to `n` digits per row, the
//!   rows of one element consecutive; `x_i` are copies of range-row cells,
//!   `p_i` the digit positions, `κ = 1` on an element's later rows, else 0:
//!
//!   ```text
//!   E1: Σ_i 2^(b·p_i)·x_i + Σ_i 2^(b·p_i)·2^(b−1) + κ·acc[-1] − acc = 0     (degree 2)
//!   ```
//! * The blinding: one `acc` cell with no gate, entering the hash by a copy.
//! * The digest: [`super::poseidon`] of `(e_1, …, e_m, r)`.
//!
//! Soundness: the lookups and E1/E2 fix each range-row cell to a value in
//! range; the pack rows fix each `acc` from its copies and `acc[-1]`; the
//! Poseidon rows fix the digest from its copied inputs. The caller binds the
//! digest to a public value, so changing any cell (the blinding included)
//! changes a constrained value or the digest.

use halo2_axiom::halo2curves::{bn256::Fr, ff::Field};

use super::{
    fe,
    poseidon::{poseidon_hash, PoseidonInstructions},
    pow2,
    range::RangeInstructions,
    Adv, Builder, Eqn, FeWire, Fix, Wire,
};

/// Bits packed into one field element (`< log2 p ≈ 253.6`).
pub const PACK_BITS: u32 = 252;

/// Digits of `bits` bits per packed element.
///
/// # Panics
/// If `bits` is 0 or above [`MAX_BITS`].
pub fn digits_per_element(bits: u32) -> usize {
    assert!(
        (1..=MAX_BITS).contains(&bits),
        "commitment digit width {bits} outside 1..={MAX_BITS}"
    );
    (PACK_BITS / bits) as usize
}

/// Widest committed value (bits): values are `i128` and shifted by `2^(b−1)`.
pub const MAX_BITS: u32 = 120;

/// Where a range-checked value comes from.
#[derive(Clone, Copy, Debug)]
pub enum Ranged {
    /// A fresh witness (`None` without witness).
    Value(Option<i128>),
    /// A copy of an existing cell.
    Cell(Wire),
}

/// The packed elements of `vals` (native, [module doc](self)).
pub fn pack_native(vals: &[i128], bits: u32) -> Vec<Fr> {
    let off = 1i128 << (bits - 1);
    vals.chunks(digits_per_element(bits))
        .map(|el| {
            el.iter().enumerate().fold(Fr::ZERO, |e, (i, v)| {
                e + pow2(bits * i as u32) * fe(v + off)
            })
        })
        .collect()
}

/// The commitment `poseidon_hash(pack(vals) ‖ r)` (native).
pub fn commitment_native(vals: &[i128], bits: u32, r: Fr) -> Fr {
    let mut e = pack_native(vals, bits);
    e.push(r);
    poseidon_hash(&e)
}

/// Commitment instructions (the Poseidon gate must be configured).
pub trait CommitInstructions {
    /// Cells holding `src`, each range checked to `[−2^(b−1), 2^(b−1))`.
    fn ranged(&mut self, src: &[Ranged], bits: u32) -> Vec<Wire>;
    /// The packed elements of range-checked `cells` (digits of `bits` bits).
    fn pack(&mut self, cells: &[Wire], bits: u32) -> Vec<FeWire>;
    /// A cell equal to [`commitment_native`] of range-checked `cells` with
    /// blinding `r` (a fresh witness). The caller makes it public.
    ///
    /// # Panics
    /// If the MAC width `n < 5` (the Poseidon gadget's).
    fn commit(&mut self, cells: &[Wire], bits: u32, r: Option<Fr>) -> FeWire;
}

impl CommitInstructions for Builder<'_> {
    fn ranged(&mut self, src: &[Ranged], bits: u32) -> Vec<Wire> {
        assert!((1..=MAX_BITS).contains(&bits), "bad range width {bits}");
        let off = 1i128 << (bits - 1);
        let per_row = if bits.div_ceil(self.shape.t) <= 2 {
            2
        } else {
            1
        };
        let mut out = Vec::with_capacity(src.len());
        for chunk in src.chunks(per_row) {
            let row = self.next_row();
            let mut next = 0;
            for (slot, s) in chunk.iter().enumerate() {
                let (col, eq, a, c) = if slot == 0 {
                    (Adv::Acc, Eqn::E2, Fix::A2, Fix::C2)
                } else {
                    (Adv::X(0), Eqn::E1, Fix::Wx(0), Fix::C1)
                };
                let w = match s {
                    Ranged::Value(v) => self.put(col, row, *v),
                    Ranged::Cell(src) => self.copy_in(src, col, row),
                };
                self.set(a, row, Fr::ONE);
                self.seti(c, row, off);
                self.range_limbs(row, eq, &mut next, w.val.map(|v| v + off), bits, -Fr::ONE);
                out.push(w);
            }
        }
        out
    }

    fn pack(&mut self, cells: &[Wire], bits: u32) -> Vec<FeWire> {
        let off = 1i128 << (bits - 1);
        let n = self.shape.n;
        let mut out = vec![];
        for el in cells.chunks(digits_per_element(bits)) {
            let mut acc: Option<FeWire> = None;
            for (ci, chunk) in el.chunks(n).enumerate() {
                let row = self.next_row();
                let mut sum = acc.map_or(Some(Fr::ZERO), |a| a.val);
                let mut c = Fr::ZERO;
                for (i, w) in chunk.iter().enumerate() {
                    let coef = pow2(bits * (ci * n + i) as u32);
                    let x = self.copy_in(w, Adv::X(i), row);
                    self.set(Fix::Wx(i), row, coef);
                    c += coef * fe(off);
                    sum = sum.zip(x.val).map(|(s, v)| s + coef * fe(v + off));
                }
                self.set(Fix::C1, row, c);
                self.set(Fix::A1, row, -Fr::ONE);
                if acc.is_some() {
                    self.set(Fix::P1, row, Fr::ONE);
                }
                acc = Some(self.put_fe(Adv::Acc, row, sum));
            }
            out.extend(acc);
        }
        out
    }

    fn commit(&mut self, cells: &[Wire], bits: u32, r: Option<Fr>) -> FeWire {
        let mut elems = self.pack(cells, bits);
        let row = self.next_row();
        elems.push(self.put_fe(Adv::Acc, row, r));
        self.poseidon(&elems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::{
        arith::ArithInstructions,
        test_utils::{check_all_tampering, GadgetCircuit},
    };

    const R: u64 = 0x5eed;

    /// Fresh values ranged to `bits`, committed with blinding `R`, the digest public.
    fn commit_circuit(vals: &'static [i128], bits: u32, n: usize, t: u32) -> GadgetCircuit {
        GadgetCircuit::with_shape(
            move |b| {
                let src: Vec<Ranged> = vals.iter().map(|&v| Ranged::Value(Some(v))).collect();
                let cells = b.ranged(&src, bits);
                let c = b.commit(&cells, bits, Some(Fr::from(R)));
                b.make_public_fe(&c);
            },
            n,
            t,
            16,
        )
        .with_poseidon()
    }

    #[test]
    fn digest_matches_native_and_every_cell_matters() {
        // 10-bit values, two limbs of 8 bits (two values per row); the
        // extremes of the range; n = 6 splits an element over rows.
        let vals: &'static [i128] = &[-512, 511, 0, -1, 7, 300, -300, 1, 2, 3, 4, 5, 6];
        let c = commit_circuit(vals, 10, 6, 8);
        c.assert_ok();
        assert_eq!(c.publics(), vec![commitment_native(vals, 10, Fr::from(R))]);
        check_all_tampering(&c);
    }

    #[test]
    fn several_elements_and_wide_values() {
        // 3-bit digits: 84 per element, two elements; 20-bit values with
        // 4-bit limbs: one value per row.
        let vals: Vec<i128> = (0..100).map(|i| (i % 8) - 4).collect();
        let vals: &'static [i128] = Box::leak(vals.into_boxed_slice());
        assert_eq!(pack_native(vals, 3).len(), 2);
        commit_circuit(vals, 3, 8, 8).assert_ok();
        let wide: &'static [i128] = &[-(1 << 19), (1 << 19) - 1, 12345];
        let c = commit_circuit(wide, 20, 5, 4);
        c.assert_ok();
        check_all_tampering(&c);
    }

    #[test]
    fn out_of_range_values_fail() {
        for bad in [&[512i128][..], &[-513][..], &[0, 1 << 12][..]] {
            let bad: &'static [i128] = Box::leak(bad.to_vec().into_boxed_slice());
            assert!(commit_circuit(bad, 10, 6, 8).mock().verify().is_err());
        }
    }

    /// Copied cells (an output already laid out): the range rows copy them.
    #[test]
    fn copied_cells() {
        let c = GadgetCircuit::with_shape(
            |b| {
                let ins: Vec<Wire> = [5i128, -9, 100]
                    .iter()
                    .map(|&v| b.input(Some(v), true))
                    .collect();
                let src: Vec<Ranged> = ins.iter().map(|w| Ranged::Cell(*w)).collect();
                let cells = b.ranged(&src, 8);
                let d = b.commit(&cells, 8, Some(Fr::from(R)));
                b.make_public_fe(&d);
            },
            5,
            8,
            16,
        )
        .with_poseidon();
        c.assert_ok();
        assert_eq!(
            *c.publics().last().unwrap(),
            commitment_native(&[5, -9, 100], 8, Fr::from(R))
        );
        check_all_tampering(&c);
    }

    #[test]
    fn binding_and_hiding_natively() {
        let vals = [3i128, -7, 0, 511];
        let r = Fr::from(R);
        let c = commitment_native(&vals, 10, r);
        // One value changed: another commitment.
        for i in 0..vals.len() {
            let mut v = vals;
            v[i] += 1;
            assert_ne!(commitment_native(&v, 10, r), c);
        }
        // Another blinding: another commitment for the same values.
        assert_ne!(commitment_native(&vals, 10, r + Fr::ONE), c);
        // Without the range checks the packing would not be injective: an
        // out-of-range digit carries into the next one.
        assert_eq!(pack_native(&[0, 1], 10), pack_native(&[1024, 0], 10));
        assert_eq!(digits_per_element(10), 25);
    }
}
