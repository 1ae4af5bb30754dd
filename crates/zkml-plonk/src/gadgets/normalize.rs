//! Standardization of one lane (`zkml_core::ops::normalize`), bit-exact:
//!
//! ```text
//! S = Σ q_i,  c_i = n·q_i − S,  V = Σ c_i²,  r = ⌊√(4^t·(n·V + E))⌋,
//! y_i = rdiv_signed(n·c_i·2^k, r)
//! ```
//!
//! Rows for a lane of `n` values (MAC width `m`):
//!
//! ```text
//! S:    ⌈n/m⌉ exact-sum rows ([`super::linear`], unchecked)
//! c_i:  one exact-sum row each: E1: n·x_0 − x_1 − acc = 0        (x_0 = q_i, x_1 = S)
//! V:    ⌈n/⌊m/2⌋⌉ pair rows, x_{2j} = x_{2j+1} = c_j (copies), q_pairs = 1, exact
//! r:    the square-root rows of [`super::divide`] (W = 4^t·n·V + 4^t·E), r ≥ 1
//! y_i:  the division rows of [`super::divide`] by the positive divisor r
//! ```
//!
//! Soundness: `S`, `c_i`, `V` are exact (bounded integers, `|c_i| ≤ n·2^b`,
//! `V ≤ n³·4^b`, far below the field size), the root and the quotients are
//! unique by [`super::divide`]; so each `y_i` is the executor's integer.
//! Rows per element ≈ 3 + 2/m; per lane a few more for the root's range chains.

use zkml_core::ops::normalize::lane_int;

use super::{
    divide::DivideInstructions, linear::LinearInstructions, range::bits_for, Builder, Wire,
};

/// Standardization instructions.
pub trait NormalizeInstructions {
    /// One lane's standardized values (`eps` = `E`, `t` extra root bits,
    /// `out_shift = s_out + t`); `None` when the lane is too wide for exact
    /// arithmetic below 2^100.
    fn standardize_lane(
        &mut self,
        xs: &[Wire],
        eps: i64,
        t: u32,
        out_shift: u32,
    ) -> Option<Vec<Wire>>;
}

/// Bits of the largest root `⌊√W⌋` for a lane of `n` values of `b` bits:
/// `W ≤ 4^t·(n⁴·4^b + E)`. `None` past 2^100.
pub fn root_bits(n: usize, act_bits: u32, eps: i64, t: u32) -> Option<u32> {
    let n = n as u128;
    let w = n
        .checked_pow(4)?
        .checked_mul(1u128.checked_shl(2 * act_bits)?)?
        .checked_add(eps.max(0) as u128)?
        .checked_mul(1u128.checked_shl(2 * t)?)?;
    (bits_for(w) <= 100).then(|| bits_for(w).div_ceil(2) + 1)
}

impl NormalizeInstructions for Builder<'_> {
    fn standardize_lane(
        &mut self,
        xs: &[Wire],
        eps: i64,
        t: u32,
        out_shift: u32,
    ) -> Option<Vec<Wire>> {
        let n = xs.len();
        let bits = root_bits(n, self.shape.act_bits, eps, t)?;
        let ni = n as i128;
        let terms: Vec<(Wire, i128)> = xs.iter().map(|w| (*w, 1)).collect();
        let s = self.sum_exact(&terms, 0);
        let cs: Vec<Wire> = xs
            .iter()
            .map(|x| self.sum_exact(&[(*x, ni), (s, -1)], 0))
            .collect();
        // The witness check below is the executor's: same c_i.
        if let Some(q) = xs
            .iter()
            .map(|w| w.val.map(|v| v as i64))
            .collect::<Option<Vec<_>>>()
        {
            debug_assert_eq!(
                lane_int(&q, eps, t).0,
                cs.iter().map(|c| c.val.unwrap()).collect::<Vec<_>>()
            );
        }
        let pairs: Vec<(Wire, Wire)> = cs.iter().map(|c| (*c, *c)).collect();
        let v = self.sum_pairs_exact(&pairs, 0);
        let scale = 1i128 << (2 * t);
        let dv = self.sqrt_floor(&v, scale * ni, scale * eps as i128, bits);
        let k = ni.checked_mul(1i128.checked_shl(out_shift)?)?;
        Some(cs.iter().map(|c| self.div_by(&[(*c, k)], &dv)).collect())
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
    use ndarray::{ArrayD, IxDyn};
    use zkml_core::ops::normalize::standardize_int;

    fn lane_circuit(q: &'static [i64], eps: i64, t: u32, out_shift: u32) -> GadgetCircuit {
        GadgetCircuit::new(move |b| {
            let xs: Vec<Wire> = q.iter().map(|&v| b.input(Some(v as i128), true)).collect();
            for y in b.standardize_lane(&xs, eps, t, out_shift).unwrap() {
                b.make_public(&y);
            }
        })
    }

    #[test]
    fn lane_matches_the_executor() {
        for (q, eps, t, k) in [
            (&[3i64, -7, 12, 0, 5][..], 2i64, 4u32, 12u32),
            (&[100, 101, 99, 100], 0, 8, 16),
            (&[-5, -5, 20], 1000, 0, 8),
        ] {
            let c = lane_circuit(q, eps, t, k);
            c.assert_ok();
            let x = ArrayD::from_shape_vec(IxDyn(&[1, q.len()]), q.to_vec()).unwrap();
            let want = standardize_int(&x, &[1], eps, t, k);
            let got = c.publics();
            let got = &got[q.len()..];
            for (g, w) in got.iter().zip(want.iter()) {
                assert_eq!(*g, fe(*w as i128));
            }
        }
        check_all_tampering(&lane_circuit(&[3, -7, 12], 5, 2, 10));
    }

    #[test]
    fn constant_lane_without_epsilon_has_no_proof() {
        let c = lane_circuit(&[4, 4, 4], 0, 4, 8);
        assert!(c.mock().verify().is_err());
    }

    #[test]
    fn root_width() {
        assert_eq!(
            root_bits(768, 16, 0, 8),
            Some(bits_for(768u128.pow(4) << 48).div_ceil(2) + 1)
        );
        assert_eq!(root_bits(1 << 20, 16, 0, 8), None);
    }
}
