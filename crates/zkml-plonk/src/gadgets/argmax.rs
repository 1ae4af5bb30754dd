//! Argmax: the index of the first largest value (ONNX `ArgMax`, `select_last_index = 0`).
//!
//! Relation: `c = min { i : y_i = max_j y_j }` for cells `y_0 … y_{n−1}` holding
//! integers in `[−2^(b−1), 2^(b−1))` (every activation cell does).
//!
//! Witness: `m = max_j y_j`, the prefix flags `p_j = [j ≥ c]` and the one-hot
//! `e_j = p_j − p_{j−1}` (`p_{−1} = 0`), kept as `r_j = m − 1 + p_j`. Rows:
//!
//! ```text
//! row 0:      acc = m                                   (no constraint of its own)
//! row 1+j:    x_0 = y_j (copy), acc = r_j, lk = limbs(D_j) ++ [e_j (a 1-bit limb)]
//!   E1: acc − x_0 − Σ_k 2^(t·k)·ℓ_k = 0                 D_j = r_j − y_j ∈ [0, 2^b)
//!   E2: acc − acc[-1] + [j=0] − e_j = 0                 r_j = r_{j−1} + e_j, e_j ∈ {0, 1}  (r_{−1} := m − 1)
//!   E3: (acc − x_0)·(acc − acc[-1] + [j=0]) = 0         (r_j − y_j)·e_j = 0
//! copy:       acc of row n (r_{n−1}) = acc of row 0 (m)
//! then:       c = n·m − Σ_j r_j                         (a linear row chain, [`super::linear`])
//! ```
//!
//! Soundness. The lookup makes each `e_j ∈ {0, 1}` and E2 gives
//! `r_j = m − 1 + Σ_{i≤j} e_i` (`acc[-1]` of row 1 is row 0's `m`); the copy
//! `r_{n−1} = m` gives `Σ_i e_i = 1` in F_p, so (`n < p`) exactly one `e_c = 1`
//! and `r_j = m − 1 + [j ≥ c]`. E3 at `j = c` reads `y_c = r_c = m`. So `m` is
//! one of the `y` (an integer in range) and E1 gives
//! `m − 1 + [j ≥ c] − y_j ∈ [0, 2^b)` over the integers (`|m − y_j| < 2^b ≪ p`):
//! `y_j < m` for `j < c` and `y_j ≤ m` for `j ≥ c`. Hence `m = max y` and `c` is
//! the first index holding it. Finally `n·m − Σ r_j = Σ_j (1 − [j ≥ c]) = c`.
//! Every cell is forced: `m` by E2 of row 1, `r_j` and the limbs by E1, `e_j` by
//! E2, the copies by the permutation.
//!
//! Cost: `n + 1` rows, `⌈b/t⌉ + 1` lk cells per row, then `⌈(n + 1)/w⌉` linear
//! rows (`w` the MAC width). Only E1–E3 of the main gate: no new gate or column.

use halo2_axiom::halo2curves::{bn256::Fr, ff::Field};
use zkml_core::compare::argmax;

use super::{linear::LinearInstructions, range::RangeInstructions, Adv, Builder, Eqn, Fix, Wire};

/// Argmax instructions.
pub trait ArgmaxInstructions {
    /// The index (first on ties) of the largest of `ys`, as a cell.
    ///
    /// # Panics
    /// If `ys` is empty.
    fn argmax(&mut self, ys: &[Wire]) -> Wire;

    /// The one-hot of that index (ONNX Hardmax): `e_0 = r_0 − m + 1`,
    /// `e_j = r_j − r_{j−1}`, one exact linear row each over the argmax rows'
    /// `r` cells (forced to 0/1 by the argmax rows' soundness).
    fn argmax_onehot(&mut self, ys: &[Wire]) -> Vec<Wire>;
}

impl ArgmaxInstructions for Builder<'_> {
    fn argmax(&mut self, ys: &[Wire]) -> Wire {
        // Witness: the executor's rule (first maximum), from zkml-core.
        let c = ys
            .iter()
            .map(|y| y.val)
            .collect::<Option<Vec<i128>>>()
            .map(|v| argmax(v.iter().copied()));
        let m = c.and_then(|c| ys[c].val);
        lay_out_argmax(self, ys, c, m)
    }

    fn argmax_onehot(&mut self, ys: &[Wire]) -> Vec<Wire> {
        let c = ys
            .iter()
            .map(|y| y.val)
            .collect::<Option<Vec<i128>>>()
            .map(|v| argmax(v.iter().copied()));
        let m = c.and_then(|c| ys[c].val);
        let (m_cell, rs) = argmax_rows(self, ys, c, m);
        let mut prev = (m_cell, 1i128);
        rs.iter()
            .map(|r| {
                let e = self.sum_exact(&[(*r, 1), (prev.0, -1)], prev.1);
                prev = (*r, 0);
                e
            })
            .collect()
    }
}

/// The rows of the module doc with the witness class `c` and maximum `m`
/// (`None`: no witness). Only [`ArgmaxInstructions::argmax`] passes the true
/// ones; tests pass others.
fn lay_out_argmax(b: &mut Builder<'_>, ys: &[Wire], c: Option<usize>, m: Option<i128>) -> Wire {
    let n = ys.len();
    let (m_cell, rs) = argmax_rows(b, ys, c, m);
    // c = n·m − Σ r_j.
    let mut terms = vec![(m_cell, n as i128)];
    terms.extend(rs.iter().map(|r| (*r, -1)));
    // c ∈ [0, n): a class index, not an activation (no range check).
    b.sum_exact(&terms, 0)
}

/// The rows up to the copy `r_{n−1} = m`: returns `m`'s cell and the `r_j` cells.
fn argmax_rows(
    b: &mut Builder<'_>,
    ys: &[Wire],
    c: Option<usize>,
    m: Option<i128>,
) -> (Wire, Vec<Wire>) {
    assert!(!ys.is_empty(), "argmax of no values");
    let n = ys.len();
    let bits = b.shape.act_bits;
    let row0 = b.next_row();
    let m_cell = b.put(Adv::Acc, row0, m);
    let mut rs = Vec::with_capacity(n);
    for (j, y) in ys.iter().enumerate() {
        let row = b.next_row();
        let x0 = b.copy_in(y, Adv::X(0), row);
        let p = c.map(|c| i128::from(j >= c));
        let e = c.map(|c| i128::from(j == c));
        let r = m.zip(p).map(|(m, p)| m - 1 + p);
        let first = i128::from(j == 0);
        // E1: acc − x_0 − Σ limbs(D) = 0, D = r − y ∈ [0, 2^b).
        b.set(Fix::A1, row, Fr::ONE);
        b.set(Fix::Wx(0), row, -Fr::ONE);
        let mut next = 0;
        let d = r.zip(x0.val).map(|(r, y)| r - y);
        b.range_limbs(row, Eqn::E1, &mut next, d, bits, -Fr::ONE);
        // E2: acc − acc[-1] + [j=0] − e = 0, e a 1-bit limb.
        b.set(Fix::A2, row, Fr::ONE);
        b.set(Fix::P2, row, -Fr::ONE);
        b.seti(Fix::C2, row, first);
        b.range_limbs(row, Eqn::E2, &mut next, e, 1, -Fr::ONE);
        // E3: (acc − x_0)·(acc − acc[-1] + [j=0]) = 0.
        b.set(Fix::QSel, row, Fr::ONE);
        b.set(Fix::S1, row, Fr::ONE);
        b.seti(Fix::S0, row, -first);
        rs.push(b.put(Adv::Acc, row, r));
    }
    b.sink.copy(rs[n - 1].at(), m_cell.at());
    (m_cell, rs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::{
        arith::ArithInstructions,
        fe,
        test_utils::{check_all_tampering, GadgetCircuit},
    };

    /// `argmax(vals)` of private inputs, made public.
    fn circuit(vals: &'static [i128]) -> GadgetCircuit {
        GadgetCircuit::new(move |b| {
            let ys: Vec<Wire> = vals.iter().map(|&v| b.input(Some(v), false)).collect();
            let c = b.argmax(&ys);
            b.make_public(&c);
        })
    }

    /// Hardmax: the one-hot of the first maximum, every cell forced.
    #[test]
    fn onehot_of_the_first_maximum() {
        let c = GadgetCircuit::new(|b| {
            let ys: Vec<Wire> = [3i128, 9, -2, 9]
                .iter()
                .map(|&v| b.input(Some(v), true))
                .collect();
            for e in b.argmax_onehot(&ys) {
                b.make_public(&e);
            }
        });
        c.assert_ok();
        let p = c.publics();
        assert_eq!(&p[4..], &[fe(0), fe(1), fe(0), fe(0)]);
        check_all_tampering(&c);
    }

    #[test]
    fn honest_first_index_and_every_cell_matters() {
        let cases: [&'static [i128]; 6] = [
            &[5, -3, 9, 9, 2],
            &[-8, -9],
            &[4],
            &[7, 7, 7],
            &[-32768, 32767, -32768],
            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        ];
        for vals in cases {
            let c = circuit(vals);
            c.assert_ok();
            let want = zkml_core::compare::argmax(vals.iter().copied()) as i128;
            assert_eq!(*c.publics().last().unwrap(), fe(want), "{vals:?}");
            check_all_tampering(&c);
        }
        // Ties: the first maximal index, as the executor's rule says.
        let c = circuit(&[1, 9, 3, 9]);
        assert_eq!(*c.publics().last().unwrap(), fe(1));
    }

    /// A prover that lays out the rows consistently for another class `claim`
    /// and maximum (every cell computed from them) is rejected: with `m` the
    /// claimed class's value, E1 fails at a larger value; with the true maximum,
    /// E3 fails at the claimed class (or E1 at an earlier tie). Only the true
    /// pair passes.
    #[test]
    fn a_consistent_witness_for_another_class_fails() {
        let vals: &'static [i128] = &[5, -3, 9, 9, 2];
        for claim in 0..vals.len() {
            for m in [vals[claim], 9] {
                let c = GadgetCircuit::new(move |b| {
                    let ys: Vec<Wire> = vals.iter().map(|&v| b.input(Some(v), false)).collect();
                    let known = ys[0].val.is_some();
                    let cls = lay_out_argmax(b, &ys, known.then_some(claim), known.then_some(m));
                    b.make_public(&cls);
                });
                assert_eq!(*c.publics().last().unwrap(), fe(claim as i128));
                let ok = c.mock().verify().is_ok();
                assert_eq!(ok, (claim, m) == (2, 9), "claim {claim}, m {m}");
            }
        }
    }

    #[test]
    fn another_class_is_rejected() {
        for vals in [&[5i128, -3, 9, 9, 2][..], &[1, 2][..], &[6, 6][..]] {
            let c = circuit(vals);
            let mut publics = c.publics();
            let right = *publics.last().unwrap();
            for wrong in 0..vals.len() as u64 + 1 {
                if fe(wrong as i128) == right {
                    continue;
                }
                *publics.last_mut().unwrap() = Fr::from(wrong);
                let p = halo2_axiom::dev::MockProver::run(c.k(), &c, vec![publics.clone()])
                    .expect("synthesis");
                assert!(
                    p.verify().is_err(),
                    "class {wrong} accepted for {vals:?} (right: {right:?})"
                );
            }
        }
    }
}
